-- A client has one key: (tenant, channel, external_id), the arbiter of the receive statement's
-- ON CONFLICT. The older UNIQUE (tenant_id, telegram_id) was a second unique index on the same
-- client, and PostgreSQL checks only the arbiter for a conflict: two first messages of a new
-- Telegram client arriving together (an album is several updates at once) could both pass the
-- arbiter, and the later one then failed on the telegram_id index, its message lost. That index
-- goes; a check ties telegram_id to external_id, so the one key still makes it unique.
ALTER TABLE clients
    DROP CONSTRAINT clients_tenant_id_telegram_id_key,
    ADD CONSTRAINT clients_telegram_id_is_external_id
        CHECK (telegram_id IS NULL OR (channel = 'telegram' AND external_id = telegram_id::text));
