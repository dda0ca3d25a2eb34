-- test/citus/aggregates.sql — every aggregate of the README's reference
-- (statistics, scalers over arrays and over one column, BI metrics) on a
-- Citus distributed table: the plan runs it on the workers
-- (worker_partial_agg, the partial states combined on the coordinator by
-- coord_combine_agg) and the result equals the one on an
-- undistributed copy of the table, within 1e-9 relative (the README's
-- tolerance for a parallel plan); describe and correlations likewise.
-- Run by scripts/citus.sh (make test-citus) on the coordinator.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
SET client_min_messages = warning;

CREATE TABLE public.dist (
	id int, i int, n numeric, x float8, y float8, r real[], f float8[], ia int[], bi bigint[],
	si smallint[], ba bool[], b bool, actual text, predicted text
);
-- 2000 rows with NULLs sprinkled in, the same on every run
INSERT INTO public.dist
SELECT g, g % 97, round((sin(g) * 100)::numeric, 3), cos(g * 0.7) * 10 + g * 0.001,
       CASE WHEN g % 13 = 0 THEN NULL ELSE sin(g * 1.3) * 3 END,
       ARRAY[sin(g), cos(g) * 2, g % 5]::real[],
       CASE WHEN g % 17 = 0 THEN NULL ELSE ARRAY[sin(g * 0.3) * 1e3, CASE WHEN g % 11 = 0 THEN NULL ELSE g * 0.5 END] END,
       ARRAY[g % 7, g % 3], ARRAY[g::bigint * 1000003], ARRAY[(g % 300)::smallint], ARRAY[g % 2 = 0, g % 3 = 0],
       g % 4 = 0, (g % 3)::text, ((g * 7) % 3)::text
FROM generate_series(1, 2000) g;
-- the undistributed copy, a plain table on the coordinator
CREATE TABLE public.local_copy AS SELECT * FROM public.dist;
SELECT create_distributed_table('public.dist', 'id', shard_count := 4);
SELECT truncate_local_data_after_distributing_table('public.dist');
-- sketches to merge (pgdl.quantile_sketch(pgdl.sketch)), distributed too
CREATE TABLE public.sketches AS
	SELECT i % 10 AS k, pgdl.quantile_sketch(x) AS s FROM public.local_copy GROUP BY 1;
CREATE TABLE public.local_sketches AS SELECT * FROM public.sketches;
SELECT create_distributed_table('public.sketches', 'k', shard_count := 4);
SELECT truncate_local_data_after_distributing_table('public.sketches');

-- the cases: an aggregate expression over the table's columns, and its tolerance
CREATE TABLE public.cases (i serial, label text, expr text, tbl text DEFAULT 'dist', tol float8 DEFAULT 1e-9);
INSERT INTO public.cases (label, expr) VALUES
	('stats(float8)', 'pgdl.stats(x)'),
	('stats(float8) with NULLs', 'pgdl.stats(y)'),
	('stats(float8[]) with NULL arrays and elements', 'pgdl.stats(f)'),
	('stats(real[])', 'pgdl.stats(r)'),
	('stats(ARRAY[int_col, numeric_col]) (numeric[])', 'pgdl.stats(ARRAY[i, n])'),
	('stats(int4[])', 'pgdl.stats(ia)'),
	('stats(int8[])', 'pgdl.stats(bi)'),
	('stats(int2[])', 'pgdl.stats(si)'),
	('stats(bool[])', 'pgdl.stats(ba)'),
	('stats_columns(int, numeric, float8)', 'pgdl.stats_columns(i, n, y)'),
	('covariance_matrix(real[])', 'pgdl.covariance_matrix(r)'),
	('covariance_matrix(float8[]) pairwise complete', 'pgdl.covariance_matrix(f)'),
	('correlation_matrix(ARRAY[x, y, i])', 'pgdl.correlation_matrix(ARRAY[x, y, i])'),
	('quantiles(x, q)', 'pgdl.quantiles(x, ARRAY[0.1, 0.5, 0.9])'),
	('quantile_sketch(x)', 'pgdl.quantiles(pgdl.quantile_sketch(x), ARRAY[0, 0.25, 0.5, 0.75, 1])'),
	('histogram(x, lo, hi, bins)', 'pgdl.histogram(x, -10, 10, 8)'),
	('standard_scaler(float8[])', 'pgdl.standard_scaler(f)'),
	('minmax_scaler(real[])', 'pgdl.minmax_scaler(r)'),
	('maxabs_scaler(ARRAY[1.5 * i, n])', 'pgdl.maxabs_scaler(ARRAY[1.5 * i, n])'),
	('robust_scaler(int4[])', 'pgdl.robust_scaler(ia)'),
	('imputer(float8[], mean)', 'pgdl.imputer(f, ''mean'')'),
	('imputer(float8[], median)', 'pgdl.imputer(f, ''median'')'),
	('imputer(real[], constant:0)', 'pgdl.imputer(r, ''constant:0'')'),
	('classification_metrics(actual, predicted)', 'pgdl.classification_metrics(actual, predicted)'),
	('regression_metrics(x, y)', 'pgdl.regression_metrics(x, y)'),
	('roc_auc(b, x)', 'pgdl.roc_auc(b, x)'),
	('standard_scaler(float8) with NULLs', 'pgdl.standard_scaler(y)'),
	('minmax_scaler(int) (one column)', 'pgdl.minmax_scaler(i)'),
	('maxabs_scaler(numeric) (one column)', 'pgdl.maxabs_scaler(n)'),
	('robust_scaler(float8) (one column)', 'pgdl.robust_scaler(x)'),
	('imputer(float8, mean) (one column)', 'pgdl.imputer(y, ''mean'')'),
	('imputer(float8, median) (one column)', 'pgdl.imputer(y, ''median'')'),
	('imputer(int, most_frequent) (one column)', 'pgdl.imputer(i % 7, ''most_frequent'')'),
	('imputer(int4[], most_frequent)', 'pgdl.imputer(ia, ''most_frequent'')'),
	('imputer(text, most_frequent)', 'pgdl.imputer(predicted, ''most_frequent'')');
INSERT INTO public.cases (label, expr, tbl) VALUES
	('quantile_sketch(pgdl.sketch) merging stored sketches',
	 'pgdl.quantiles(pgdl.quantile_sketch(s), ARRAY[0, 0.25, 0.5, 0.75, 1])', 'sketches');

-- The helpers exist on the coordinator only: they read results, never shards.
\ir lib/plan.sql
SET citus.enable_ddl_propagation = off;

-- true if two JSON values are equal, numbers within tol relative (1e-12 absolute
-- near zero); strings that hold JSON (a scaler's text form) are compared as JSON
CREATE FUNCTION pg_temp.close(a jsonb, b jsonb, tol float8) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE
	k text;
	fa float8;
	fb float8;
BEGIN
	IF jsonb_typeof(a) IS DISTINCT FROM jsonb_typeof(b) THEN
		RETURN false;
	END IF;
	CASE jsonb_typeof(a)
	WHEN 'number' THEN
		fa := a::text::float8;
		fb := b::text::float8;
		RETURN abs(fa - fb) <= tol * greatest(abs(fa), abs(fb)) + 1e-12;
	WHEN 'array' THEN
		IF jsonb_array_length(a) <> jsonb_array_length(b) THEN
			RETURN false;
		END IF;
		FOR k IN SELECT generate_series(0, jsonb_array_length(a) - 1) LOOP
			IF NOT pg_temp.close(a -> k::int, b -> k::int, tol) THEN
				RETURN false;
			END IF;
		END LOOP;
		RETURN true;
	WHEN 'object' THEN
		IF (SELECT array_agg(x ORDER BY x) FROM jsonb_object_keys(a) x)
		   IS DISTINCT FROM (SELECT array_agg(x ORDER BY x) FROM jsonb_object_keys(b) x) THEN
			RETURN false;
		END IF;
		FOR k IN SELECT jsonb_object_keys(a) LOOP
			IF NOT pg_temp.close(a -> k, b -> k, tol) THEN
				RETURN false;
			END IF;
		END LOOP;
		RETURN true;
	WHEN 'string' THEN
		IF a = b THEN
			RETURN true;
		END IF;
		BEGIN
			RETURN pg_temp.close((a #>> '{}')::jsonb, (b #>> '{}')::jsonb, tol);
		EXCEPTION WHEN invalid_text_representation THEN
			RETURN false;
		END;
	ELSE
		RETURN a = b;
	END CASE;
END $$;

-- 'ok', or both results: expr over the distributed table and over its local copy
CREATE FUNCTION pg_temp.compare(expr text, tbl text, tol float8) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	dist jsonb;
	loc jsonb;
BEGIN
	EXECUTE format('SELECT to_jsonb(%s) FROM public.%I', expr, tbl) INTO dist;
	EXECUTE format('SELECT to_jsonb(%s) FROM public.%I', expr,
	               CASE tbl WHEN 'dist' THEN 'local_copy' ELSE 'local_' || tbl END) INTO loc;
	IF pg_temp.close(dist, loc, tol) THEN
		RETURN 'ok';
	END IF;
	RETURN format('distributed: %s  local: %s', dist, loc);
END $$;

-- the rows of a set-returning call as JSON, in a fixed order
CREATE FUNCTION pg_temp.rows_json(query text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	result jsonb;
BEGIN
	EXECUTE format('SELECT jsonb_agg(to_jsonb(q) ORDER BY q::text) FROM (%s) q', query) INTO result;
	RETURN result;
END $$;

RESET citus.enable_ddl_propagation;

SELECT plan(2 * (SELECT count(*)::int FROM public.cases) + 10);

SELECT is((SELECT count(*)::int FROM pg_dist_node WHERE noderole = 'primary' AND nodeport <> current_setting('port')::int),
          2, 'the coordinator has two workers');
SELECT is((SELECT array_agg(DISTINCT result) FROM run_command_on_workers(
               $$SELECT extversion FROM pg_extension WHERE extname = 'pgdl'$$)),
          ARRAY[(SELECT extversion FROM pg_extension WHERE extname = 'pgdl')::text],
          'CREATE EXTENSION pgdl on the coordinator reached both workers, same version');
SELECT is((SELECT count(DISTINCT nodeport)::int FROM pg_dist_shard_placement p
           JOIN pg_dist_shard s USING (shardid) WHERE s.logicalrelid = 'public.dist'::regclass),
          2, 'the table''s shards lie on both workers');

SELECT matches(pg_temp.plan(format('SELECT %s FROM public.%I', c.expr, c.tbl)), 'worker_partial_agg\(.*coord_combine_agg|coord_combine_agg\(.*worker_partial_agg',
               c.label || ': runs on the workers (worker_partial_agg, coord_combine_agg)')
FROM public.cases c ORDER BY c.i;

SELECT is(pg_temp.compare(c.expr, c.tbl, c.tol), 'ok', c.label || ': equal to the result on the local copy')
FROM public.cases c ORDER BY c.i;

-- GROUP BY: by another column the workers make one partial state per group;
-- by the distribution column each group is aggregated on one worker entirely
SELECT matches(pg_temp.plan('SELECT i % 5, pgdl.stats(f) FROM public.dist GROUP BY 1'), 'worker_partial_agg',
               'grouped by another column: partial states per group on the workers');
SELECT ok(pg_temp.close(pg_temp.rows_json($$SELECT i % 5 AS g, pgdl.stats(f), pgdl.standard_scaler(r)::text::jsonb AS s FROM public.dist GROUP BY 1$$),
                        pg_temp.rows_json($$SELECT i % 5 AS g, pgdl.stats(f), pgdl.standard_scaler(r)::text::jsonb AS s FROM public.local_copy GROUP BY 1$$), 1e-9),
          'grouped by another column: equal to the local result');
SELECT ok(pg_temp.close(pg_temp.rows_json($$SELECT id, pgdl.stats(ARRAY[i, n]), pgdl.covariance_matrix(r) FROM public.dist WHERE id <= 50 GROUP BY id$$),
                        pg_temp.rows_json($$SELECT id, pgdl.stats(ARRAY[i, n]), pgdl.covariance_matrix(r) FROM public.local_copy WHERE id <= 50 GROUP BY id$$), 1e-9),
          'grouped by the distribution column: equal to the local result');

-- describe and correlations read the source through aggregates that distribute
SELECT matches(pg_temp.plan('SELECT pgdl.describe_state(ARRAY[i::float8, n::float8, x]) FROM public.dist'),
               'worker_partial_agg', 'the aggregate behind describe runs on the workers');
SELECT matches(pg_temp.plan('SELECT pgdl.comoments_state(ARRAY[i::float8, n::float8, x]) FROM public.dist'),
               'worker_partial_agg', 'the aggregate behind correlations runs on the workers');
SELECT ok(pg_temp.close(pg_temp.rows_json($$SELECT * FROM pgdl.describe('public.dist', ARRAY['i', 'n', 'x', 'y'])$$),
                        pg_temp.rows_json($$SELECT * FROM pgdl.describe('public.local_copy', ARRAY['i', 'n', 'x', 'y'])$$), 1e-9),
          'describe on the distributed table equals describe on the local copy');
SELECT ok(pg_temp.close(pg_temp.rows_json($$SELECT * FROM pgdl.correlations('public.dist', ARRAY['i', 'n', 'x', 'y', 'b'])$$),
                        pg_temp.rows_json($$SELECT * FROM pgdl.correlations('public.local_copy', ARRAY['i', 'n', 'x', 'y', 'b'])$$), 1e-9),
          'correlations on the distributed table equal correlations on the local copy');

SELECT * FROM finish();

DROP TABLE public.dist, public.local_copy, public.sketches, public.local_sketches, public.cases;
