-- Every channel a shop's clients use: VK and MAX beside Telegram, behind one channel interface.
-- An appeal's channel may be vk or max; a client is known per channel by the platform's user id
-- (external_id, text: VK ids are numbers, MAX's too, but nothing promises it); the platform ids of
-- messages, files and deliveries become text and channel-neutral; the tenants' VK/MAX settings.

ALTER TABLE appeals DROP CONSTRAINT appeals_channel_check,
    ADD CONSTRAINT appeals_channel_check CHECK (channel IN ('telegram', 'vk', 'max'));

-- Clients: one per (tenant, channel, platform user id). telegram_id stays for Telegram's clients
-- (the API shows it); a writer that sets only telegram_id gets external_id from it (the trigger).
ALTER TABLE clients
    ADD COLUMN channel text NOT NULL DEFAULT 'telegram',
    ADD COLUMN external_id text,
    ADD CONSTRAINT clients_channel_check CHECK (channel IN ('telegram', 'vk', 'max'));
UPDATE clients SET external_id = telegram_id::text WHERE telegram_id IS NOT NULL;
ALTER TABLE clients ADD CONSTRAINT clients_tenant_id_channel_external_id_key UNIQUE (tenant_id, channel, external_id);
CREATE FUNCTION clients_external_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.external_id IS NULL AND NEW.channel = 'telegram' THEN
        NEW.external_id := NEW.telegram_id::text;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER clients_external_id BEFORE INSERT ON clients
    FOR EACH ROW EXECUTE FUNCTION clients_external_id();
-- client.other_appeals: the tenant's other clients with the same phone.
CREATE INDEX clients_phone_idx ON clients (tenant_id, phone) WHERE phone IS NOT NULL;

-- The platform's message id (Telegram message_id, VK id, MAX mid), in and out.
ALTER TABLE appeal_messages RENAME COLUMN telegram_message_id TO external_message_id;
ALTER TABLE appeal_messages ALTER COLUMN external_message_id TYPE text;
ALTER INDEX appeal_messages_telegram_idx RENAME TO appeal_messages_external_idx;

-- A client's file: its channel as the source, the platform's reference to fetch it by (Telegram
-- file_id, a VK or MAX URL); an operator's file: the platform message it went out as.
ALTER TABLE attachments DROP CONSTRAINT attachments_check, DROP CONSTRAINT attachments_source_check;
ALTER TABLE attachments RENAME COLUMN telegram_file_id TO file_ref;
ALTER TABLE attachments RENAME COLUMN telegram_message_id TO external_message_id;
ALTER TABLE attachments ALTER COLUMN external_message_id TYPE text;
ALTER TABLE attachments
    ADD CONSTRAINT attachments_source_check CHECK (source IN ('telegram', 'vk', 'max', 'upload')),
    ADD CONSTRAINT attachments_check CHECK ((source = 'upload') = (file_ref IS NULL));

-- Deliveries seen, per channel: Telegram update_id, VK event_id, MAX mid.
ALTER TABLE telegram_updates RENAME TO channel_updates;
ALTER TABLE channel_updates RENAME CONSTRAINT telegram_updates_tenant_id_fkey TO channel_updates_tenant_id_fkey;
ALTER INDEX telegram_updates_received_idx RENAME TO channel_updates_received_idx;
ALTER TABLE channel_updates
    ADD COLUMN channel text NOT NULL DEFAULT 'telegram',
    ALTER COLUMN update_id TYPE text,
    DROP CONSTRAINT telegram_updates_pkey,
    ADD CONSTRAINT channel_updates_pkey PRIMARY KEY (tenant_id, channel, update_id),
    ADD CONSTRAINT channel_updates_channel_check CHECK (channel IN ('telegram', 'vk', 'max'));
ALTER TABLE channel_updates ALTER COLUMN channel DROP DEFAULT;

-- A tenant's VK / MAX settings (Telegram's stay in tenants): the webhook secret, the access token
-- as a reference (secretsmanager:<id>, or plain:<token> locally, like the Telegram bot token), and
-- what else the platform needs (VK: group_id, confirmation).
CREATE TABLE tenant_channels (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    channel text NOT NULL CHECK (channel IN ('vk', 'max')),
    secret text NOT NULL,
    token_ref text,
    settings jsonb NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, channel)
);

-- Every channel account of every tenant in one shape, Telegram's from tenants: what the webhooks,
-- the senders and the media jobs read (one join, whatever the channel).
CREATE VIEW channel_accounts AS
SELECT id AS tenant_id, 'telegram'::text AS channel, telegram_webhook_secret AS secret,
       telegram_bot_token_ref AS token_ref, '{}'::jsonb AS settings
  FROM tenants
UNION ALL
SELECT tenant_id, channel, secret, token_ref, settings FROM tenant_channels;
