-- Second release: the columns that several features share (conversations of every kind, the
-- appeal lifecycle, reachability), added in one place so that each feature's own migration only
-- adds its own tables, constraints and indexes. Semantics are documented where they are used.

ALTER TABLE tenants ADD COLUMN welcome_text text;

-- reachable: false once the client blocked the bot (403 from Telegram, or my_chat_member "kicked").
-- phone_verified: the phone came from the client's own shared contact.
ALTER TABLE clients
    ADD COLUMN reachable boolean NOT NULL DEFAULT true,
    ADD COLUMN phone_verified boolean NOT NULL DEFAULT false;

ALTER TABLE appeals
    ADD COLUMN closed_at timestamptz,
    ADD COLUMN resolution text,
    ADD COLUMN last_message_at timestamptz,
    ADD COLUMN last_message_preview text;

-- Existing appeals: their newest message is their last activity.
UPDATE appeals a
SET last_message_at = m.created_at, last_message_preview = left(m.text, 200)
FROM (
    SELECT DISTINCT ON (appeal_id) appeal_id, created_at, text
    FROM appeal_messages
    ORDER BY appeal_id, created_at DESC, id DESC
) m
WHERE m.appeal_id = a.id;
UPDATE appeals SET closed_at = updated_at WHERE status = 'closed' AND closed_at IS NULL;

ALTER TABLE appeal_messages
    ADD COLUMN edited_at timestamptz,
    ADD COLUMN location jsonb,
    ADD COLUMN contact jsonb;
