-- Rolls back 0002 (drops every client, appeal, message and promo).
DROP TABLE IF EXISTS telegram_updates;
DROP TABLE IF EXISTS appeal_messages;
DROP TABLE IF EXISTS appeals;
DROP TABLE IF EXISTS promos;
DROP TABLE IF EXISTS clients;
