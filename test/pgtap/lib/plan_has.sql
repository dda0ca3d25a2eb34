-- test/pgtap/lib/plan_has.sql: pg_temp.plan_has(query, what), true if a line
-- of the query's EXPLAIN (COSTS OFF) contains what; included by the pgTAP
-- suites that check parallel plans (\ir lib/plan_has.sql).
CREATE FUNCTION pg_temp.plan_has(query text, what text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	line text;
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
		IF position(what IN line) > 0 THEN
			RETURN true;
		END IF;
	END LOOP;
	RETURN false;
END $$;
