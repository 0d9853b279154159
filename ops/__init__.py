"""Operator tooling run from a shell, never shipped in the Lambda layer: the admin tool
(``python -m ops.admin``) and the migration runner's command line (``python -m ops.migrate``).
Both call the layer's services (shared/) rather than repeating them."""
