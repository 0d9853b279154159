-- The default appeal list (new and in_progress) in list order, per tenant: with many closed
-- appeals the list walks this index and stops after one page (0.87 -> 0.41 ms at 1M sessions,
-- 100k appeals in `make bench`'s database).
CREATE INDEX appeals_open_list_idx ON appeals (tenant_id, created_at DESC, id DESC)
    WHERE status IN ('new', 'in_progress');
