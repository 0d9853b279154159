ALTER TABLE attachments DROP COLUMN IF EXISTS telegram_message_id;
