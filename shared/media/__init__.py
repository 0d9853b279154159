"""Media: downloads from channels, the store, operator uploads, their SQL and models."""
