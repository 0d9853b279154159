"""Request and response models (they also feed the OpenAPI spec): the bases in ``common``, then
one module per domain (``telegram`` holds the Telegram updates the webhook reads)."""
