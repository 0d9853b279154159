-- Appeals: clients (by Telegram id, per tenant), their appeals, the messages both ways, promos,
-- and the Telegram update ids already processed (duplicate webhook deliveries change nothing).
-- Child tables reference their parent together with tenant_id, so a row can never point into
-- another tenant's data.

CREATE TABLE clients (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    telegram_id bigint,
    name text,
    phone text,
    username text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, telegram_id),
    UNIQUE (tenant_id, id)
);

CREATE TABLE promos (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    title text NOT NULL,
    text text NOT NULL CHECK (length(text) BETWEEN 1 AND 4096),
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX promos_tenant_idx ON promos (tenant_id);

CREATE TABLE appeals (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    client_id uuid NOT NULL,
    channel text NOT NULL DEFAULT 'telegram' CHECK (channel IN ('telegram')),
    status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in_progress', 'closed', 'rejected')),
    assigned_operator_id uuid REFERENCES operators (id) ON DELETE SET NULL,
    normalized jsonb,
    preview text NOT NULL DEFAULT '',
    reject_reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE
);
-- The list: newest first within a tenant, keyset-paginated on (created_at, id).
CREATE INDEX appeals_list_idx ON appeals (tenant_id, created_at DESC, id DESC);
-- A client has at most one open appeal: concurrent first messages cannot open two.
CREATE UNIQUE INDEX appeals_one_open_per_client ON appeals (client_id) WHERE status IN ('new', 'in_progress');
CREATE INDEX appeals_assigned_idx ON appeals (assigned_operator_id) WHERE assigned_operator_id IS NOT NULL;

CREATE TABLE appeal_messages (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    appeal_id uuid NOT NULL,
    direction text NOT NULL CHECK (direction IN ('in', 'out')),
    kind text NOT NULL DEFAULT 'text' CHECK (kind IN ('text', 'promo')),
    text text NOT NULL,
    operator_id uuid REFERENCES operators (id) ON DELETE SET NULL,
    promo_id uuid REFERENCES promos (id) ON DELETE SET NULL,
    delivery_status text NOT NULL CHECK (delivery_status IN ('received', 'pending', 'sent', 'failed')),
    client_message_id text,
    telegram_message_id bigint,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    FOREIGN KEY (tenant_id, appeal_id) REFERENCES appeals (tenant_id, id) ON DELETE CASCADE,
    UNIQUE (appeal_id, client_message_id),
    CHECK ((direction = 'in') = (delivery_status = 'received'))
);
CREATE INDEX appeal_messages_appeal_idx ON appeal_messages (appeal_id, created_at, id);

-- Telegram update ids already processed, per tenant (each bot numbers its own updates).
CREATE TABLE telegram_updates (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    update_id bigint NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, update_id)
);
CREATE INDEX telegram_updates_received_idx ON telegram_updates (received_at);
