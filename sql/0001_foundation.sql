-- Foundation: tenants, operators, live sessions (operator_devices), session history, push outbox.
-- Written to run on an empty database and on the old n8n schema alike: tables are created only
-- when missing, and columns the old tables lacked are added.

CREATE TABLE IF NOT EXISTS tenants (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL
);
ALTER TABLE tenants
    ADD COLUMN IF NOT EXISTS slug text,
    ADD COLUMN IF NOT EXISTS phone_region text NOT NULL DEFAULT 'RU',
    ADD COLUMN IF NOT EXISTS telegram_bot_token_ref text,
    ADD COLUMN IF NOT EXISTS telegram_webhook_secret text,
    ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now();
UPDATE tenants SET slug = id::text WHERE slug IS NULL;
ALTER TABLE tenants ALTER COLUMN slug SET NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS tenants_slug_key ON tenants (slug);

CREATE TABLE IF NOT EXISTS operators (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    login text NOT NULL,
    name text NOT NULL,
    password_hash text NOT NULL,
    is_active boolean NOT NULL DEFAULT true
);
ALTER TABLE operators
    ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS password_changed_at timestamptz;
-- Logins are e-mail addresses, unique across tenants and compared case-insensitively.
CREATE UNIQUE INDEX IF NOT EXISTS operators_login_key ON operators (lower(login));
CREATE INDEX IF NOT EXISTS operators_tenant_idx ON operators (tenant_id);

CREATE TABLE IF NOT EXISTS operator_devices (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    operator_id uuid NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    device_type text NOT NULL,
    fcm_token text,
    device_id text,
    device_info jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_active_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (operator_id, device_type, tenant_id)
);
ALTER TABLE operator_devices
    ADD COLUMN IF NOT EXISTS token_hash bytea,
    ADD COLUMN IF NOT EXISTS expires_at timestamptz;

-- The old workflows kept the token itself; keep every live session working by hashing it in place.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_schema = current_schema() AND table_name = 'operator_devices'
                 AND column_name = 'session_token') THEN
        DELETE FROM operator_devices WHERE session_token IS NULL OR session_token = '';
        UPDATE operator_devices SET token_hash = sha256(convert_to(session_token, 'UTF8'));
        ALTER TABLE operator_devices DROP COLUMN session_token;
    END IF;
END $$;
-- The old workflows also stored the JSON null of device_id as the string 'null'.
UPDATE operator_devices SET device_id = NULL WHERE device_id = 'null';
UPDATE operator_devices
   SET expires_at = created_at + CASE device_type WHEN 'mobile' THEN interval '90 days' ELSE interval '7 days' END
 WHERE expires_at IS NULL;

ALTER TABLE operator_devices
    ALTER COLUMN token_hash SET NOT NULL,
    ALTER COLUMN expires_at SET NOT NULL,
    ADD CONSTRAINT operator_devices_device_type_check CHECK (device_type IN ('mobile', 'desktop'));
CREATE UNIQUE INDEX IF NOT EXISTS operator_devices_token_hash_key ON operator_devices (token_hash);
-- An FCM token belongs to one session at a time.
CREATE UNIQUE INDEX IF NOT EXISTS operator_devices_fcm_token_key ON operator_devices (fcm_token)
    WHERE fcm_token IS NOT NULL;
CREATE INDEX IF NOT EXISTS operator_devices_push_idx ON operator_devices (tenant_id, device_type)
    WHERE fcm_token IS NOT NULL;
CREATE INDEX IF NOT EXISTS operator_devices_expires_idx ON operator_devices (expires_at);
CREATE INDEX IF NOT EXISTS operator_devices_last_active_idx ON operator_devices (last_active_at);

-- Every session ever issued; ended_at/end_reason tell a dead token why it is dead.
CREATE TABLE session_history (
    id uuid PRIMARY KEY,
    operator_id uuid NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    device_type text NOT NULL CHECK (device_type IN ('mobile', 'desktop')),
    token_hash bytea NOT NULL,
    created_at timestamptz NOT NULL,
    ended_at timestamptz,
    end_reason text CHECK (end_reason IN
        ('replaced', 'logout', 'revoked', 'password_changed', 'expired', 'disabled')),
    CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);
CREATE UNIQUE INDEX session_history_token_hash_key ON session_history (token_hash);
CREATE INDEX session_history_operator_idx ON session_history (operator_id);
CREATE INDEX session_history_ended_idx ON session_history (ended_at) WHERE ended_at IS NOT NULL;

INSERT INTO session_history (id, operator_id, tenant_id, device_type, token_hash, created_at)
SELECT id, operator_id, tenant_id, device_type, token_hash, created_at FROM operator_devices;

-- Push requests, written in the same transaction as the change that causes them.
CREATE TABLE push_outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('new_appeal', 'appeal_taken', 'session_replaced')),
    data jsonb NOT NULL,
    fcm_token text NOT NULL,
    session_id uuid,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
);
CREATE INDEX push_outbox_due_idx ON push_outbox (next_attempt_at) WHERE status = 'pending';
