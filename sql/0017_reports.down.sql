DROP TABLE IF EXISTS appeal_events;
DROP FUNCTION IF EXISTS appeal_events_rebuild(uuid);
DROP TRIGGER IF EXISTS appeal_events_on_message ON appeal_messages;
DROP FUNCTION IF EXISTS appeal_events_on_message();
DROP TRIGGER IF EXISTS appeal_events_on_update ON appeals;
DROP TRIGGER IF EXISTS appeal_events_on_insert ON appeals;
DROP FUNCTION IF EXISTS appeal_events_on_appeal();
ALTER TABLE tenants DROP COLUMN IF EXISTS working_hours, DROP COLUMN IF EXISTS time_zone;
ALTER TABLE operators DROP COLUMN IF EXISTS role;
