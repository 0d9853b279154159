-- The console's "what changed since" poll (GET /webhook/api/operator/changes): one index scan of the
-- tenant's appeals by updated_at. Every change to an appeal must bump appeals.updated_at; the code
-- does so for status and holder changes, and this trigger does it for every message written or
-- changed (incoming, outgoing, notes, edits, delivery status), whichever code path writes it.

CREATE INDEX appeals_changes_idx ON appeals (tenant_id, updated_at);

CREATE FUNCTION appeal_messages_touch_appeal() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- now() is the transaction's start: the changes cursor relies on that (see repo/changes.py).
    -- A bump already made by this transaction is not repeated.
    UPDATE appeals SET updated_at = now()
     WHERE id = NEW.appeal_id AND tenant_id = NEW.tenant_id AND updated_at < now();
    RETURN NULL;
END;
$$;

CREATE TRIGGER appeal_messages_touch_appeal
    AFTER INSERT OR UPDATE ON appeal_messages
    FOR EACH ROW EXECUTE FUNCTION appeal_messages_touch_appeal();
