"""The data layer: named, parameterized SQL, one module per aggregate. Nothing else holds SQL."""
