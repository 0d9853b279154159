DROP TABLE IF EXISTS media_jobs;
DROP TABLE IF EXISTS attachments;
DELETE FROM push_outbox WHERE kind = 'appeal_message';
ALTER TABLE push_outbox DROP CONSTRAINT push_outbox_kind_check;
ALTER TABLE push_outbox ADD CONSTRAINT push_outbox_kind_check CHECK (kind IN (
    'new_appeal', 'appeal_taken', 'session_replaced'));
DROP INDEX IF EXISTS appeal_messages_telegram_idx;
DELETE FROM appeal_messages WHERE kind NOT IN ('text', 'promo');
ALTER TABLE appeal_messages DROP CONSTRAINT appeal_messages_kind_check;
ALTER TABLE appeal_messages ADD CONSTRAINT appeal_messages_kind_check CHECK (kind IN ('text', 'promo'));
