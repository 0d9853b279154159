"""Request and response models (they also feed the OpenAPI spec), one module per domain."""
