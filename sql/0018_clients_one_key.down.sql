ALTER TABLE clients
    DROP CONSTRAINT IF EXISTS clients_telegram_id_is_external_id,
    ADD CONSTRAINT clients_tenant_id_telegram_id_key UNIQUE (tenant_id, telegram_id);
