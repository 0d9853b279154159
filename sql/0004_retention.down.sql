DROP INDEX IF EXISTS push_outbox_done_idx;
