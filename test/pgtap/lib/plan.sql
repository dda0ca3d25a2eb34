-- test/pgtap/lib/plan.sql: pg_temp.plan_of(query), the EXPLAIN (COSTS OFF) of
-- a query as one line (its lines joined by spaces), for the suites that
-- check a plan's shape (a forced parallel plan's Partial Aggregate): \ir
-- this file inside the session; the function is temporary.
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	line text;
	plan text := '';
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
		plan := plan || line || ' ';
	END LOOP;
	RETURN plan;
END $$;
