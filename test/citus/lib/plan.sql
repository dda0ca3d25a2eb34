-- test/citus/lib/plan.sql: pg_temp.plan(query), the EXPLAIN VERBOSE of a
-- query as one text; included by the suites of test/citus (\ir), on the
-- coordinator only (it reads plans, never shards).
SET citus.enable_ddl_propagation = off;
CREATE FUNCTION pg_temp.plan(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	line text;
	plan text := '';
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || query LOOP
		plan := plan || line || E'\n';
	END LOOP;
	RETURN plan;
END $$;
RESET citus.enable_ddl_propagation;
