-- Second release, incoming messages and media: every kind of client message, the attachments they
-- carry (and the files operators upload), and the media download queue, which runs on the same job
-- machinery as the push outbox (shared/jobs.py, shared/repo/jobs.py).

ALTER TABLE appeal_messages DROP CONSTRAINT appeal_messages_kind_check;
ALTER TABLE appeal_messages ADD CONSTRAINT appeal_messages_kind_check CHECK (kind IN (
    'text', 'promo', 'photo', 'document', 'voice', 'audio', 'video', 'video_note', 'animation', 'sticker',
    'location', 'contact'));

-- Edits find the stored message by the client's chat and Telegram's message id.
CREATE INDEX appeal_messages_telegram_idx ON appeal_messages (appeal_id, telegram_message_id)
    WHERE telegram_message_id IS NOT NULL;

ALTER TABLE push_outbox DROP CONSTRAINT push_outbox_kind_check;
ALTER TABLE push_outbox ADD CONSTRAINT push_outbox_kind_check CHECK (kind IN (
    'new_appeal', 'appeal_taken', 'session_replaced', 'appeal_message'));

-- A file of a message: sent by the client (source telegram: fetched by a media job after the
-- webhook answered) or uploaded by an operator (source upload: message_id is set when an answer
-- carries it). storage_key is where the media store keeps the bytes.
CREATE TABLE attachments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    message_id uuid REFERENCES appeal_messages (id) ON DELETE CASCADE,
    source text NOT NULL CHECK (source IN ('telegram', 'upload')),
    kind text NOT NULL,
    mime_type text,
    file_name text,
    size bigint CHECK (size >= 0),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'too_large', 'failed')),
    telegram_file_id text,
    storage_key text NOT NULL,
    operator_id uuid REFERENCES operators (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((source = 'telegram') = (telegram_file_id IS NOT NULL))
);
CREATE INDEX attachments_message_idx ON attachments (message_id) WHERE message_id IS NOT NULL;

-- The media download queue: the same shape (and the same claim/lease/backoff queries) as push_outbox.
CREATE TABLE media_jobs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    attachment_id uuid NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    sent_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_jobs_due_idx ON media_jobs (next_attempt_at) WHERE status = 'pending';
