DROP TRIGGER IF EXISTS appeal_messages_touch_appeal ON appeal_messages;
DROP FUNCTION IF EXISTS appeal_messages_touch_appeal();
DROP INDEX IF EXISTS appeals_changes_idx;
