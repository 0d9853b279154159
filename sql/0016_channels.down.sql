-- Back to Telegram only: what came over VK or MAX is deleted (appeals cascade to their messages).
DROP VIEW IF EXISTS channel_accounts;
DROP TABLE IF EXISTS tenant_channels;

DELETE FROM channel_updates WHERE channel <> 'telegram' OR update_id !~ '^[0-9]{1,18}$';
ALTER TABLE channel_updates
    DROP CONSTRAINT channel_updates_pkey,
    DROP CONSTRAINT channel_updates_channel_check,
    DROP COLUMN channel,
    ALTER COLUMN update_id TYPE bigint USING update_id::bigint,
    ADD CONSTRAINT telegram_updates_pkey PRIMARY KEY (tenant_id, update_id);
ALTER INDEX channel_updates_received_idx RENAME TO telegram_updates_received_idx;
ALTER TABLE channel_updates RENAME CONSTRAINT channel_updates_tenant_id_fkey TO telegram_updates_tenant_id_fkey;
ALTER TABLE channel_updates RENAME TO telegram_updates;

DELETE FROM appeals WHERE channel <> 'telegram';
DELETE FROM attachments WHERE source IN ('vk', 'max');
ALTER TABLE attachments DROP CONSTRAINT attachments_check, DROP CONSTRAINT attachments_source_check;
ALTER TABLE attachments ALTER COLUMN external_message_id TYPE bigint
    USING CASE WHEN external_message_id ~ '^[0-9]{1,18}$' THEN external_message_id::bigint END;
ALTER TABLE attachments RENAME COLUMN external_message_id TO telegram_message_id;
ALTER TABLE attachments RENAME COLUMN file_ref TO telegram_file_id;
ALTER TABLE attachments
    ADD CONSTRAINT attachments_source_check CHECK (source IN ('telegram', 'upload')),
    ADD CONSTRAINT attachments_check CHECK ((source = 'telegram') = (telegram_file_id IS NOT NULL));

ALTER INDEX appeal_messages_external_idx RENAME TO appeal_messages_telegram_idx;
ALTER TABLE appeal_messages ALTER COLUMN external_message_id TYPE bigint
    USING CASE WHEN external_message_id ~ '^[0-9]{1,18}$' THEN external_message_id::bigint END;
ALTER TABLE appeal_messages RENAME COLUMN external_message_id TO telegram_message_id;

DROP INDEX IF EXISTS clients_phone_idx;
DROP TRIGGER IF EXISTS clients_external_id ON clients;
DROP FUNCTION IF EXISTS clients_external_id();
DELETE FROM clients WHERE channel <> 'telegram';
ALTER TABLE clients DROP CONSTRAINT clients_tenant_id_channel_external_id_key,
    DROP CONSTRAINT clients_channel_check, DROP COLUMN external_id, DROP COLUMN channel;

ALTER TABLE appeals DROP CONSTRAINT appeals_channel_check,
    ADD CONSTRAINT appeals_channel_check CHECK (channel = 'telegram');
