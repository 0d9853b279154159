-- Reports (the owner's view): operator roles, the tenant's calendar, and the report facts as events.
--
-- appeal_events is the log the reports read: one row per fact (an appeal opened or reopened, a client
-- message that starts waiting, an answer, a take/transfer/release, a close or reject), written by the
-- triggers below in the same transaction -- the same statement -- as the change itself, whichever
-- code path makes it (the webhook's one-statement receive, take, transfer, close, answer, promo...).
-- Each event also carries the appeal's report state after it (the opening it belongs to, whether that
-- opening has been answered, since when the client is waiting), so that the next event is derived
-- from the latest one alone: one index probe, no scan of the conversation.

ALTER TABLE operators ADD COLUMN role text NOT NULL DEFAULT 'operator'
    CONSTRAINT operators_role_check CHECK (role IN ('operator', 'owner'));

-- working_hours: opening and closing second of the day per weekday, Monday first (14 numbers);
-- a day closed all day has both equal. Default Mon-Sat 09:00-20:00.
ALTER TABLE tenants
    ADD COLUMN time_zone text NOT NULL DEFAULT 'Europe/Moscow',
    ADD COLUMN working_hours integer[] NOT NULL
        DEFAULT '{32400,72000,32400,72000,32400,72000,32400,72000,32400,72000,32400,72000,0,0}'
        CONSTRAINT tenants_working_hours_check CHECK (
            array_length(working_hours, 1) = 14 AND array_ndims(working_hours) = 1
            AND 0 <= ALL (working_hours) AND 86400 >= ALL (working_hours));

CREATE TABLE appeal_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id uuid NOT NULL,
    appeal_id uuid NOT NULL,
    channel text NOT NULL,
    kind text NOT NULL CONSTRAINT appeal_events_kind_check CHECK (kind IN (
        'opened', 'reopened', 'asked', 'answered', 'taken', 'transferred', 'released', 'closed', 'rejected')),
    at timestamptz NOT NULL,
    -- answered: who sent it; taken/transferred: the new holder; closed/rejected: the holder then.
    operator_id uuid,
    -- transferred/released: the previous holder.
    from_operator_id uuid,
    -- The opening this event belongs to: the time of the client message that opened or reopened it.
    opening_at timestamptz NOT NULL,
    -- answered: the first client message of the run it answers (NULL: nobody was waiting).
    replied_to timestamptz,
    -- answered: the opening's first answer.
    first_answer boolean NOT NULL DEFAULT false,
    -- The state after this event: the opening has an answer; the client waits since (NULL: not waiting).
    opening_answered boolean NOT NULL DEFAULT false,
    waiting_since timestamptz,
    FOREIGN KEY (tenant_id, appeal_id) REFERENCES appeals (tenant_id, id) ON DELETE CASCADE
);
-- The work of a period of one tenant (the summary's operators and reply times; covering what they read,
-- for index-only scans), and an appeal's latest event (the triggers, waiting now).
CREATE INDEX appeal_events_period_idx ON appeal_events (tenant_id, at)
    INCLUDE (kind, channel, operator_id, from_operator_id, replied_to)
    WHERE kind IN ('taken', 'transferred', 'answered', 'closed', 'rejected');
CREATE INDEX appeal_events_appeal_idx ON appeal_events (appeal_id, id);
-- Reply times: the answers to a run of client messages, by when the run started.
CREATE INDEX appeal_events_reply_idx ON appeal_events (tenant_id, replied_to) INCLUDE (at, channel, operator_id)
    WHERE kind = 'answered' AND replied_to IS NOT NULL;

-- One row per opening (an appeal opened or reopened): when, its first answer (when, by whom), its end
-- (when, how, the holder then). Kept by the same triggers as the events, from the same facts: the
-- reports' per-opening figures read these few rows instead of grouping the period's events. The
-- tenant's calendar gives each row its local opening time and the first response in business time
-- (appeal_openings_calendar below), so a report converts no time zone and counts no working hours.
CREATE TABLE appeal_openings (
    tenant_id uuid NOT NULL,
    appeal_id uuid NOT NULL,
    channel text NOT NULL,
    opened_at timestamptz NOT NULL,
    reopened boolean NOT NULL,
    first_answer_at timestamptz,
    first_answer_by uuid,
    ended_at timestamptz,
    outcome text CONSTRAINT appeal_openings_outcome_check CHECK (outcome IN ('closed', 'rejected')),
    ended_by uuid,
    opened_local timestamp,  -- opened_at in the tenant's time zone
    first_response_s integer,  -- first_answer_at - opened_at
    business_s integer,  -- the same, counting only the tenant's working hours
    PRIMARY KEY (appeal_id, opened_at),
    FOREIGN KEY (tenant_id, appeal_id) REFERENCES appeals (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX appeal_openings_period_idx ON appeal_openings (tenant_id, opened_at);

-- The working-hours clock: working seconds from Monday 2001-01-01 00:00 to ``local`` (a time in the
-- tenant's zone) under ``hours`` (tenants.working_hours). Business time between two moments is the
-- difference: whole weeks times the week's working seconds, plus the earlier days of the week, plus
-- the part of the day inside its hours. A message at 19:55 answered at 09:05 the next working day
-- (hours 09:00-20:00) is 600 s.
CREATE FUNCTION report_clock(local timestamp, hours integer[]) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    day integer := local::date - DATE '2001-01-01';
    weekday integer := ((local::date - DATE '2001-01-01') % 7 + 7) % 7;
    week bigint := 0;
    before bigint := 0;
    span integer;
BEGIN
    IF local IS NULL THEN
        RETURN NULL;
    END IF;
    FOR d IN 0..6 LOOP
        span := GREATEST(hours[2 * d + 2] - hours[2 * d + 1], 0);
        week := week + span;
        IF d < weekday THEN
            before := before + span;
        END IF;
    END LOOP;
    RETURN floor(day / 7.0)::bigint * week + before
        + LEAST(GREATEST(floor(EXTRACT(EPOCH FROM local::time))::integer - hours[2 * weekday + 1], 0),
                GREATEST(hours[2 * weekday + 2] - hours[2 * weekday + 1], 0));
END;
$$;

CREATE FUNCTION appeal_openings_calendar() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    tz text;
    hours integer[];
BEGIN
    SELECT t.time_zone, t.working_hours INTO tz, hours FROM tenants t WHERE t.id = NEW.tenant_id;
    NEW.opened_local := NEW.opened_at AT TIME ZONE tz;
    NEW.first_response_s := round(EXTRACT(EPOCH FROM NEW.first_answer_at - NEW.opened_at));
    IF NEW.first_answer_at IS NOT NULL THEN
        NEW.business_s := report_clock(NEW.first_answer_at AT TIME ZONE tz, hours) - report_clock(NEW.opened_local, hours);
    ELSE
        NEW.business_s := NULL;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER appeal_openings_calendar
    BEFORE INSERT OR UPDATE ON appeal_openings
    FOR EACH ROW EXECUTE FUNCTION appeal_openings_calendar();

-- After a tenant's calendar changes (the admin tool): its openings' local times and business time again.
CREATE FUNCTION appeal_openings_recalendar(p_tenant uuid) RETURNS bigint
LANGUAGE sql AS $$
    WITH changed AS (
        UPDATE appeal_openings SET opened_local = NULL WHERE tenant_id = p_tenant RETURNING 1
    )
    SELECT count(*) FROM changed;
$$;

-- Appeals: opened (INSERT; also the holder and the end of an appeal inserted already taken or ended,
-- as imports and generated data do), reopened, closed, rejected, taken, transferred, released.
-- Lifecycle facts are dated by the row's updated_at (every change sets it to now()), a close by
-- closed_at, an opening by the opening client message (last_message_at when the webhook creates or
-- reopens the appeal, otherwise created_at).
CREATE FUNCTION appeal_events_on_appeal() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    prev appeal_events%ROWTYPE;
    opening timestamptz;
BEGIN
    IF TG_OP = 'INSERT' THEN
        opening := COALESCE(NEW.last_message_at, NEW.created_at);
        INSERT INTO appeal_events (tenant_id, appeal_id, channel, kind, at, opening_at)
        VALUES (NEW.tenant_id, NEW.id, NEW.channel, 'opened', opening, opening);
        INSERT INTO appeal_openings (tenant_id, appeal_id, channel, opened_at, reopened, ended_at, outcome, ended_by)
        VALUES (NEW.tenant_id, NEW.id, NEW.channel, opening, false,
                CASE WHEN NEW.status IN ('closed', 'rejected')
                     THEN GREATEST(COALESCE(NEW.closed_at, NEW.updated_at), opening) END,
                CASE WHEN NEW.status IN ('closed', 'rejected') THEN NEW.status END,
                CASE WHEN NEW.status IN ('closed', 'rejected') THEN NEW.assigned_operator_id END);
        IF NEW.assigned_operator_id IS NOT NULL AND NEW.status = 'in_progress' THEN
            INSERT INTO appeal_events (tenant_id, appeal_id, channel, kind, at, operator_id, opening_at)
            VALUES (NEW.tenant_id, NEW.id, NEW.channel, 'taken', opening, NEW.assigned_operator_id, opening);
        ELSIF NEW.status IN ('closed', 'rejected') THEN
            INSERT INTO appeal_events (tenant_id, appeal_id, channel, kind, at, operator_id, opening_at)
            VALUES (NEW.tenant_id, NEW.id, NEW.channel, NEW.status,
                    GREATEST(COALESCE(NEW.closed_at, NEW.updated_at), opening), NEW.assigned_operator_id, opening);
        END IF;
        RETURN NULL;
    END IF;

    SELECT * INTO prev FROM appeal_events WHERE appeal_id = NEW.id ORDER BY id DESC LIMIT 1;
    IF NOT FOUND THEN
        prev.opening_at := COALESCE(NEW.last_message_at, NEW.created_at);
        prev.opening_answered := false;
    END IF;

    IF OLD.status IN ('closed', 'rejected') AND NEW.status IN ('new', 'in_progress') THEN
        opening := COALESCE(NEW.last_message_at, NEW.updated_at);
        INSERT INTO appeal_events (tenant_id, appeal_id, channel, kind, at, opening_at)
        VALUES (NEW.tenant_id, NEW.id, NEW.channel, 'reopened', opening, opening);
        INSERT INTO appeal_openings (tenant_id, appeal_id, channel, opened_at, reopened)
        VALUES (NEW.tenant_id, NEW.id, NEW.channel, opening, true)
        ON CONFLICT DO NOTHING;
    ELSIF NEW.status IN ('closed', 'rejected') AND OLD.status IS DISTINCT FROM NEW.status THEN
        INSERT INTO appeal_events (tenant_id, appeal_id, channel, kind, at, operator_id, opening_at,
                                   opening_answered)
        VALUES (NEW.tenant_id, NEW.id, NEW.channel, NEW.status,
                CASE WHEN NEW.status = 'closed' THEN COALESCE(NEW.closed_at, NEW.updated_at) ELSE NEW.updated_at END,
                NEW.assigned_operator_id, prev.opening_at, prev.opening_answered);
        UPDATE appeal_openings
           SET ended_at = CASE WHEN NEW.status = 'closed' THEN COALESCE(NEW.closed_at, NEW.updated_at)
                               ELSE NEW.updated_at END,
               outcome = NEW.status, ended_by = NEW.assigned_operator_id
         WHERE appeal_id = NEW.id AND opened_at = prev.opening_at AND ended_at IS NULL;
    ELSIF NEW.assigned_operator_id IS DISTINCT FROM OLD.assigned_operator_id THEN
        INSERT INTO appeal_events (tenant_id, appeal_id, channel, kind, at, operator_id, from_operator_id,
                                   opening_at, opening_answered, waiting_since)
        VALUES (NEW.tenant_id, NEW.id, NEW.channel,
                CASE WHEN OLD.assigned_operator_id IS NULL THEN 'taken'
                     WHEN NEW.assigned_operator_id IS NULL THEN 'released'
                     ELSE 'transferred' END,
                NEW.updated_at, NEW.assigned_operator_id, OLD.assigned_operator_id,
                prev.opening_at, prev.opening_answered, prev.waiting_since);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER appeal_events_on_insert
    AFTER INSERT ON appeals
    FOR EACH ROW EXECUTE FUNCTION appeal_events_on_appeal();
CREATE TRIGGER appeal_events_on_update
    AFTER UPDATE OF status, assigned_operator_id ON appeals
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.assigned_operator_id IS DISTINCT FROM NEW.assigned_operator_id)
    EXECUTE FUNCTION appeal_events_on_appeal();

-- Messages: a client message that starts a run (nobody answered it yet: 'asked'), and every answer
-- (response, promo, attachment: 'answered', by its sender). Notes are not messages to the client.
CREATE FUNCTION appeal_events_on_message() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    prev appeal_events%ROWTYPE;
BEGIN
    SELECT * INTO prev FROM appeal_events WHERE appeal_id = NEW.appeal_id ORDER BY id DESC LIMIT 1;
    IF NOT FOUND THEN
        SELECT a.channel, COALESCE(a.last_message_at, a.created_at), false
          INTO prev.channel, prev.opening_at, prev.opening_answered
          FROM appeals a WHERE a.id = NEW.appeal_id;
    END IF;
    IF NEW.direction = 'in' THEN
        IF prev.waiting_since IS NULL THEN
            INSERT INTO appeal_events (tenant_id, appeal_id, channel, kind, at, opening_at, opening_answered,
                                       waiting_since)
            VALUES (NEW.tenant_id, NEW.appeal_id, prev.channel, 'asked', NEW.created_at, prev.opening_at,
                    prev.opening_answered, NEW.created_at);
        END IF;
    ELSE
        INSERT INTO appeal_events (tenant_id, appeal_id, channel, kind, at, operator_id, opening_at, replied_to,
                                   first_answer, opening_answered)
        VALUES (NEW.tenant_id, NEW.appeal_id, prev.channel, 'answered', NEW.created_at, NEW.operator_id,
                prev.opening_at, prev.waiting_since, NOT prev.opening_answered, true);
        IF NOT prev.opening_answered THEN
            UPDATE appeal_openings SET first_answer_at = NEW.created_at, first_answer_by = NEW.operator_id
             WHERE appeal_id = NEW.appeal_id AND opened_at = prev.opening_at;
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER appeal_events_on_message
    AFTER INSERT ON appeal_messages
    FOR EACH ROW WHEN (NEW.direction IN ('in', 'out'))
    EXECUTE FUNCTION appeal_events_on_message();

-- The events of existing appeals (this migration; also bulk-generated data, written with triggers
-- off), rebuilt from their messages and current state: one opening per appeal (earlier closes and
-- reopens left no trace), from its first client message; taken by its holder at the holder's first
-- answer; ended at closed_at (or the last change, for a reject).
CREATE FUNCTION appeal_events_rebuild(p_tenant uuid) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    written bigint;
BEGIN
    DELETE FROM appeal_events WHERE p_tenant IS NULL OR tenant_id = p_tenant;
    DELETE FROM appeal_openings WHERE p_tenant IS NULL OR tenant_id = p_tenant;
    WITH m AS (
        SELECT m.tenant_id, m.appeal_id, m.direction, m.operator_id, m.created_at,
               lag(m.direction) OVER w AS prev_direction,
               count(*) FILTER (WHERE m.direction = 'out') OVER w AS outs_through
          FROM appeal_messages m
         WHERE m.direction IN ('in', 'out') AND (p_tenant IS NULL OR m.tenant_id = p_tenant)
        WINDOW w AS (PARTITION BY m.appeal_id ORDER BY m.created_at, m.id)
    ), runs AS (
        -- a run: the client messages after the n-th answer (n = outs_through)
        SELECT appeal_id, outs_through AS run, min(created_at) AS since
          FROM m WHERE direction = 'in' GROUP BY appeal_id, outs_through
    ), firsts AS (
        SELECT appeal_id, min(created_at) FILTER (WHERE direction = 'in') AS first_in FROM m GROUP BY appeal_id
    ), a AS (
        SELECT a.tenant_id, a.id, a.channel, a.status, a.assigned_operator_id, a.closed_at, a.updated_at,
               COALESCE(f.first_in, a.created_at) AS opening_at,
               (SELECT min(h.created_at) FROM appeal_messages h
                 WHERE h.appeal_id = a.id AND h.direction = 'out' AND h.operator_id = a.assigned_operator_id)
                   AS holder_answered_at
          FROM appeals a
          LEFT JOIN firsts f ON f.appeal_id = a.id
         WHERE p_tenant IS NULL OR a.tenant_id = p_tenant
    ), facts AS (
        SELECT a.tenant_id, a.id AS appeal_id, a.channel, 'opened' AS kind, a.opening_at AS at, 0 AS prio,
               NULL::uuid AS operator_id, NULL::timestamptz AS replied_to, false AS first_answer, a.opening_at
          FROM a
        UNION ALL
        SELECT m.tenant_id, m.appeal_id, a.channel,
               CASE m.direction WHEN 'in' THEN 'asked' ELSE 'answered' END, m.created_at, 2,
               m.operator_id,
               CASE WHEN m.direction = 'out' AND m.prev_direction = 'in' THEN r.since END,
               m.direction = 'out' AND m.outs_through = 1, a.opening_at
          FROM m
          JOIN a ON a.id = m.appeal_id
          LEFT JOIN runs r ON r.appeal_id = m.appeal_id AND r.run = m.outs_through - 1 AND m.direction = 'out'
         WHERE m.direction = 'out' OR m.prev_direction IS DISTINCT FROM 'in'
        UNION ALL
        SELECT a.tenant_id, a.id, a.channel, 'taken',
               GREATEST(a.opening_at, COALESCE(a.holder_answered_at, a.opening_at)), 1,
               a.assigned_operator_id, NULL, false, a.opening_at
          FROM a WHERE a.assigned_operator_id IS NOT NULL AND a.status <> 'rejected'
        UNION ALL
        SELECT a.tenant_id, a.id, a.channel, a.status,
               GREATEST(COALESCE(a.closed_at, a.updated_at), a.opening_at), 3, a.assigned_operator_id, NULL, false,
               a.opening_at
          FROM a WHERE a.status IN ('closed', 'rejected')
    ), ordered AS (
        SELECT f.*,
               bool_or(f.kind = 'answered') OVER w AS opening_answered,
               max(f.at) FILTER (WHERE f.kind = 'asked') OVER w AS last_asked,
               max(f.at) FILTER (WHERE f.kind IN ('answered', 'closed', 'rejected')) OVER w AS last_cleared
          FROM facts f
        WINDOW w AS (PARTITION BY f.appeal_id ORDER BY f.at, f.prio ROWS UNBOUNDED PRECEDING)
    )
    INSERT INTO appeal_events (tenant_id, appeal_id, channel, kind, at, operator_id, opening_at, replied_to,
                               first_answer, opening_answered, waiting_since)
    SELECT tenant_id, appeal_id, channel, kind, at, operator_id, opening_at, replied_to, first_answer,
           opening_answered,
           CASE WHEN last_asked > last_cleared OR last_cleared IS NULL THEN last_asked END
      FROM ordered
     ORDER BY at, appeal_id, prio;
    GET DIAGNOSTICS written = ROW_COUNT;
    INSERT INTO appeal_openings (tenant_id, appeal_id, channel, opened_at, reopened, first_answer_at, first_answer_by,
                                 ended_at, outcome, ended_by)
    SELECT tenant_id, appeal_id, min(channel), opening_at, false,
           min(at) FILTER (WHERE first_answer), min(operator_id::text) FILTER (WHERE first_answer)::uuid,
           min(at) FILTER (WHERE kind IN ('closed', 'rejected')),
           min(kind) FILTER (WHERE kind IN ('closed', 'rejected')),
           min(operator_id::text) FILTER (WHERE kind IN ('closed', 'rejected'))::uuid
      FROM appeal_events
     WHERE p_tenant IS NULL OR tenant_id = p_tenant
     GROUP BY tenant_id, appeal_id, opening_at
     ORDER BY opening_at;  -- in time order, as they are written live: a period's rows lie together
    RETURN written;
END;
$$;

SELECT appeal_events_rebuild(NULL);
