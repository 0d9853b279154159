DROP INDEX IF EXISTS appeals_open_list_idx;
