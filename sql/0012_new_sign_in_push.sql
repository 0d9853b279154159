-- The new_sign_in push (an operator signed in on another device). Other second-release migrations
-- widen the same CHECK for their own push kinds, so this one keeps whatever kinds the constraint
-- allows when it runs and adds new_sign_in to them (in their order), instead of listing them all.
DO $$
DECLARE
    kinds text;
BEGIN
    SELECT string_agg(quote_literal(k), ', ' ORDER BY n) INTO kinds
      FROM (SELECT k, min(n) AS n
              FROM (SELECT r.m[1] AS k, r.n
                      FROM pg_constraint c,
                           regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g') WITH ORDINALITY AS r(m, n)
                     WHERE c.conrelid = 'push_outbox'::regclass AND c.conname = 'push_outbox_kind_check'
                    UNION ALL
                    SELECT 'new_sign_in', 1000000) found
             GROUP BY k) kinds_in_order;
    ALTER TABLE push_outbox DROP CONSTRAINT IF EXISTS push_outbox_kind_check;
    EXECUTE 'ALTER TABLE push_outbox ADD CONSTRAINT push_outbox_kind_check CHECK (kind = ANY (ARRAY['
        || kinds || ']))';
END
$$;
