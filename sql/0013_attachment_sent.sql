-- An answer with several files goes out as several Telegram messages. Each attachment remembers the
-- message it went out as, so a retry of a half-sent answer (same client_message_id) sends only the
-- files that did not go out, never one twice.
ALTER TABLE attachments ADD COLUMN telegram_message_id bigint;
