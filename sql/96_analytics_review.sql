-- Review of clustering, PCA and feature selection: one section per bug
-- found, each failing before its fix.  Deterministic data (no random());
-- outputs are thresholded so they do not depend on the last bits.
SET client_min_messages = warning;
-- an error as "SQLSTATE: message", to show the code without file and line
CREATE FUNCTION ar_error(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- rfe honours query cancel and statement_timeout: its Cholesky factor of
-- 3000 columns (O(d^3), ~30 times over) checked for interrupts nowhere, so
-- a 500 ms timeout fired only when rfe had finished, about 10 s later
CREATE TABLE ar_wide AS
SELECT g AS id, (SELECT array_agg(sin(g * 7.3 + i * 1.1)::float4) FROM generate_series(1, 3000) i) AS v,
	   sin(g)::float8 AS y
FROM generate_series(1, 300) g;
SET statement_timeout = '500ms';
DO $$
DECLARE
	t0 timestamptz := clock_timestamp();
BEGIN
	PERFORM count(*) FROM pgdl.select_features('ar_wide', 'y', 5, 'rfe');
	RAISE WARNING 'rfe was not cancelled';
EXCEPTION WHEN query_canceled THEN
	RAISE WARNING 'rfe cancelled within 3 s: %', clock_timestamp() - t0 < interval '3 s';
END $$;
RESET statement_timeout;
