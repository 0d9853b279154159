"""Telegram: the webhook, the Bot API client, files, their SQL and models."""
