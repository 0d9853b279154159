DROP INDEX IF EXISTS appeal_messages_text_trgm_idx;
DROP INDEX IF EXISTS clients_phone_digits_trgm_idx;
DROP INDEX IF EXISTS clients_username_trgm_idx;
DROP INDEX IF EXISTS clients_name_trgm_idx;
DROP INDEX IF EXISTS appeals_open_activity_idx;
DROP INDEX IF EXISTS appeals_activity_idx;
DROP INDEX IF EXISTS appeals_client_idx;
DROP TABLE IF EXISTS quick_replies;
-- Back to 0008's kinds (appeal_message is 0008's: a client writing again).
DELETE FROM push_outbox WHERE kind NOT IN ('new_appeal', 'appeal_taken', 'session_replaced', 'appeal_message');
ALTER TABLE push_outbox DROP CONSTRAINT push_outbox_kind_check;
ALTER TABLE push_outbox ADD CONSTRAINT push_outbox_kind_check
    CHECK (kind IN ('new_appeal', 'appeal_taken', 'session_replaced', 'appeal_message'));
DROP TABLE IF EXISTS appeal_reads;
ALTER TABLE appeals DROP COLUMN IF EXISTS in_seq;
DELETE FROM appeal_messages WHERE direction = 'note';
ALTER TABLE appeal_messages DROP CONSTRAINT appeal_messages_note_check;
ALTER TABLE appeal_messages DROP CONSTRAINT appeal_messages_delivery_status_check;
ALTER TABLE appeal_messages ADD CONSTRAINT appeal_messages_delivery_status_check
    CHECK (delivery_status IN ('received', 'pending', 'sent', 'failed'));
ALTER TABLE appeal_messages DROP CONSTRAINT appeal_messages_direction_check;
ALTER TABLE appeal_messages ADD CONSTRAINT appeal_messages_direction_check CHECK (direction IN ('in', 'out'));
-- pg_trgm stays: other objects may use it, and an unused extension costs nothing.
