-- The appeal lifecycle and the operator's inbox: internal notes, per-operator read marks and
-- unread counts, the pushes of release/transfer/reopen, quick replies, search and activity order.

-- Notes: messages between operators, never sent to the client ('internal' delivery).
ALTER TABLE appeal_messages DROP CONSTRAINT appeal_messages_direction_check;
ALTER TABLE appeal_messages ADD CONSTRAINT appeal_messages_direction_check
    CHECK (direction IN ('in', 'out', 'note'));
ALTER TABLE appeal_messages DROP CONSTRAINT appeal_messages_delivery_status_check;
ALTER TABLE appeal_messages ADD CONSTRAINT appeal_messages_delivery_status_check
    CHECK (delivery_status IN ('received', 'pending', 'sent', 'failed', 'internal'));
ALTER TABLE appeal_messages ADD CONSTRAINT appeal_messages_note_check
    CHECK ((direction = 'note') = (delivery_status = 'internal'));

-- Unread counts without counting messages: in_seq numbers the client's messages of an appeal
-- (incremented with each one, in the transaction that stores it); a read mark keeps the in_seq
-- the operator has read up to, so unread = appeals.in_seq - read_seq.
ALTER TABLE appeals ADD COLUMN in_seq bigint NOT NULL DEFAULT 0;
UPDATE appeals a SET in_seq = m.n
  FROM (SELECT appeal_id, count(*) AS n FROM appeal_messages WHERE direction = 'in' GROUP BY appeal_id) m
 WHERE m.appeal_id = a.id;

CREATE TABLE appeal_reads (
    tenant_id uuid NOT NULL,
    appeal_id uuid NOT NULL,
    operator_id uuid NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    read_seq bigint NOT NULL CHECK (read_seq >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (appeal_id, operator_id),
    FOREIGN KEY (tenant_id, appeal_id) REFERENCES appeals (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX appeal_reads_operator_idx ON appeal_reads (operator_id);

-- The pushes of the lifecycle (appeal_message: a client writing again, also on a reopen).
ALTER TABLE push_outbox DROP CONSTRAINT push_outbox_kind_check;
ALTER TABLE push_outbox ADD CONSTRAINT push_outbox_kind_check CHECK (kind IN (
    'new_appeal', 'appeal_taken', 'session_replaced', 'appeal_message', 'appeal_released', 'appeal_assigned'));

-- Canned answers, shared by the tenant's operators.
CREATE TABLE quick_replies (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    text text NOT NULL CHECK (length(text) BETWEEN 1 AND 4096),
    created_by uuid REFERENCES operators (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX quick_replies_tenant_idx ON quick_replies (tenant_id, created_at, id);

-- A client's appeals, newest first: the webhook's "reopen the last one or open a new one" step,
-- and search hits by client.
CREATE INDEX appeals_client_idx ON appeals (client_id, created_at DESC);

-- The list by activity (the last message; an appeal without messages by its creation).
CREATE INDEX appeals_activity_idx ON appeals (tenant_id, (COALESCE(last_message_at, created_at)) DESC, id DESC);
CREATE INDEX appeals_open_activity_idx ON appeals (tenant_id, (COALESCE(last_message_at, created_at)) DESC, id DESC)
    WHERE status IN ('new', 'in_progress');

-- Search: substring matches, case-insensitive, served by trigram indexes (ILIKE).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX clients_name_trgm_idx ON clients USING gin (name gin_trgm_ops);
CREATE INDEX clients_username_trgm_idx ON clients USING gin (username gin_trgm_ops);
CREATE INDEX clients_phone_digits_trgm_idx ON clients
    USING gin ((regexp_replace(COALESCE(phone, ''), '[^0-9]', '', 'g')) gin_trgm_ops);
CREATE INDEX appeal_messages_text_trgm_idx ON appeal_messages USING gin (text gin_trgm_ops);
