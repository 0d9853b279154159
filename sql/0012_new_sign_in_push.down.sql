-- Rollback of 0012: new_sign_in pushes go (queued ones too); every other allowed kind stays.
DELETE FROM push_outbox WHERE kind = 'new_sign_in';
DO $$
DECLARE
    kinds text;
BEGIN
    SELECT string_agg(quote_literal(r.m[1]), ', ' ORDER BY r.n) INTO kinds
      FROM pg_constraint c,
           regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g') WITH ORDINALITY AS r(m, n)
     WHERE c.conrelid = 'push_outbox'::regclass AND c.conname = 'push_outbox_kind_check'
       AND r.m[1] <> 'new_sign_in';
    ALTER TABLE push_outbox DROP CONSTRAINT IF EXISTS push_outbox_kind_check;
    EXECUTE 'ALTER TABLE push_outbox ADD CONSTRAINT push_outbox_kind_check CHECK (kind = ANY (ARRAY['
        || kinds || ']))';
END
$$;
