"""The Lambda layer every BatteryCRM function uses: database, sessions, errors, settings."""
