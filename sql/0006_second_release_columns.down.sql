ALTER TABLE appeal_messages DROP COLUMN IF EXISTS contact, DROP COLUMN IF EXISTS location,
    DROP COLUMN IF EXISTS edited_at;
ALTER TABLE appeals DROP COLUMN IF EXISTS last_message_preview, DROP COLUMN IF EXISTS last_message_at,
    DROP COLUMN IF EXISTS resolution, DROP COLUMN IF EXISTS closed_at;
ALTER TABLE clients DROP COLUMN IF EXISTS phone_verified, DROP COLUMN IF EXISTS reachable;
ALTER TABLE tenants DROP COLUMN IF EXISTS welcome_text;
