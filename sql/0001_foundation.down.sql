-- Rolls back 0001 on a database created by it. (An upgraded n8n database cannot get its
-- plaintext tokens back: they were hashed.)
DROP TABLE IF EXISTS push_outbox;
DROP TABLE IF EXISTS session_history;
DROP TABLE IF EXISTS operator_devices;
DROP TABLE IF EXISTS operators;
DROP TABLE IF EXISTS tenants;
