-- Lets the cleanup find delivered (or given-up) pushes by age without scanning the outbox.
CREATE INDEX push_outbox_done_idx ON push_outbox (created_at) WHERE status <> 'pending';
