-- test/citus/pca.sql — pca and train_pca on a Citus distributed table: the
-- covariance is one aggregate (pgdl.comoments_state over the features as a
-- float8[] row) that the plan runs on the workers (worker_partial_agg), the
-- coordinator finishing the eigen-decomposition from the combined state;
-- the results equal those on an undistributed copy within 1e-9 relative
-- (components up to sign); a feature with no float8[] form keeps the
-- coordinator's scan; a missing value is the same error as on an ordinary
-- table; transform_model of the model runs on the workers.
-- Run by scripts/citus.sh (make test-citus) on the coordinator.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
SET client_min_messages = warning;

CREATE TABLE public.pca_dist (id int, a float8, b int, c numeric, v real[], flag bool);
-- correlated columns, one far from zero, the same rows on every run
INSERT INTO public.pca_dist
SELECT g, 1e6 + sin(g * 0.37) * 3, (g % 11) - 5, round((sin(g * 0.37) * 2 + cos(g * 0.11))::numeric, 4),
       ARRAY[cos(g * 0.91), sin(g * 0.37) + cos(g * 0.91) * 0.5, g % 3]::real[], g % 4 = 0
FROM generate_series(1, 800) g;
CREATE TABLE public.pca_local AS SELECT * FROM public.pca_dist;
SELECT create_distributed_table('public.pca_dist', 'id', shard_count := 4);
SELECT truncate_local_data_after_distributing_table('public.pca_dist');

\ir lib/plan.sql
SET citus.enable_ddl_propagation = off;

-- the largest difference between pca of src (TBL: the table) on the two
-- tables, relative to the largest explained variance (loadings: each
-- component's sign aligned); 1 when the components differ in number
CREATE FUNCTION pg_temp.pca_gap(src text, features text[], options jsonb, k int) RETURNS float8 LANGUAGE sql AS $$
	WITH d AS (SELECT * FROM pgdl.pca(replace(src, 'TBL', 'public.pca_dist'), k, features, options)),
	     l AS (SELECT * FROM pgdl.pca(replace(src, 'TBL', 'public.pca_local'), k, features, options)),
	     j AS (SELECT d.component, d.explained_variance AS dv, l.explained_variance AS lv,
	                  d.explained_variance_ratio AS dr, l.explained_variance_ratio AS lr,
	                  d.loadings AS dl, l.loadings AS ll,
	                  sign((SELECT sum(x * y) FROM unnest(d.loadings, l.loadings) AS u(x, y))) AS s
	           FROM d JOIN l USING (component)),
	     top AS (SELECT max(lv) AS v FROM j)
	SELECT greatest(
		(SELECT max(abs(dv - lv)) / (SELECT v FROM top) FROM j),
		(SELECT max(abs(dr - lr)) FROM j),
		(SELECT max(abs(x * s - y)) FROM j, unnest(dl, ll) AS u(x, y)),
		CASE WHEN (SELECT count(*) FROM d) = (SELECT count(*) FROM l) AND (SELECT count(*) FROM j) = k THEN 0 ELSE 1 END)
$$;
RESET citus.enable_ddl_propagation;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(15);

SELECT is((SELECT count(*) FROM pg_dist_partition WHERE logicalrelid = 'public.pca_dist'::regclass), 1::bigint,
          'pca_dist is a distributed table');

-- the aggregate pgdl.pca runs for features a, b, c, v, flag (src/pg/pca.c, pushdown_sql)
SELECT ok(pg_temp.plan($$SELECT pgdl.comoments_state(ARRAY[a::pg_catalog.float8] || ARRAY[b::pg_catalog.float8]
	|| ARRAY[c::pg_catalog.float8]
	|| (CASE WHEN pg_catalog.array_ndims(v) = 1 AND pg_catalog.cardinality(v) = 3 THEN v::pg_catalog.float8[]
	         ELSE pg_catalog.array_fill(NULL::pg_catalog.float8, ARRAY[3]) END)
	|| ARRAY[flag::pg_catalog.int4::pg_catalog.float8])
	FROM (SELECT * FROM public.pca_dist) AS s$$) ~ 'worker_partial_agg\(.*comoments_state',
          'the co-moment aggregate of the features runs on the workers (worker_partial_agg)');

SELECT cmp_ok(pg_temp.pca_gap('TBL', ARRAY['a', 'b', 'c', 'v', 'flag'], '{}', 4), '<=', 1e-9::float8,
              'pca of numeric, numeric-array and boolean features: the local result within 1e-9');
SELECT cmp_ok(pg_temp.pca_gap('TBL', ARRAY['a', 'b', 'c', 'v', 'flag'], '{"matrix": "correlation"}', 7), '<=', 1e-9::float8,
              'pca of the correlation matrix, every component: the local result within 1e-9');
SELECT cmp_ok(pg_temp.pca_gap('SELECT id, a, b, v FROM TBL ORDER BY id', NULL, '{}', 3), '<=', 1e-9::float8,
              'pca of a query with the default features (every numeric column and array) likewise');

-- train_pca: the same model, aggregated on the workers
SELECT ok((SELECT count(*) = 2 FROM pgdl.train_pca('pm_dist', 'public.pca_dist', 2, ARRAY['a', 'c', 'v'])),
          'train_pca on the distributed table');
SELECT ok((SELECT count(*) = 2 FROM pgdl.train_pca('pm_local', 'public.pca_local', 2, ARRAY['a', 'c', 'v'])),
          'train_pca on the local copy');
SELECT is((SELECT metrics->>'data' FROM pgdl.models WHERE name = 'pm_dist'), 'distributed',
          'its metrics say the workers aggregated the rows');
SELECT is((SELECT metrics->>'data' FROM pgdl.models WHERE name = 'pm_local'), NULL,
          'an ordinary table''s metrics are as before');
SELECT cmp_ok((SELECT max(abs(x - y)) FROM public.pca_local t,
                      unnest(pgdl.transform_model('pm_dist', ARRAY[t.a, t.c::float8, t.v[1], t.v[2], t.v[3]]),
                             pgdl.transform_model('pm_local', ARRAY[t.a, t.c::float8, t.v[1], t.v[2], t.v[3]])) AS u(x, y)),
              '<=', 1e-5::float8, 'the two models project every row alike (float32 weights)');
-- per-row projection in the workers' tasks (the model shipped with the query)
CREATE TEMP TABLE pca_proj_dist AS
	SELECT id, pgdl.transform_model('pm_dist', ARRAY[a, c::float8, v[1], v[2], v[3]]) AS p FROM public.pca_dist;
CREATE TEMP TABLE pca_proj_local AS
	SELECT id, pgdl.transform_model('pm_dist', ARRAY[a, c::float8, v[1], v[2], v[3]]) AS p FROM public.pca_local;
SELECT ok(pg_temp.plan($$SELECT pgdl.transform_model('pm_dist', ARRAY[a, c::float8, v[1], v[2], v[3]]) FROM public.pca_dist$$)
          ~ 'transform_model_shipped', 'transform_model of the model is planned into the workers'' tasks');
SELECT is((SELECT count(*) FROM pca_proj_dist d JOIN pca_proj_local l USING (id) WHERE d.p = l.p), 800::bigint,
          'and projects every row as on the coordinator');

-- a 2-D array has no float8[] form: the coordinator reads the rows, same result
SELECT cmp_ok(pg_temp.pca_gap('SELECT a, ARRAY[[a, b], [c, 1]] AS m FROM TBL', ARRAY['a', 'm'], '{}', 3), '<=', 1e-9::float8,
              'a 2-D array feature: the coordinator''s scan, the local result');

-- a NULL feature: the error of an ordinary table, naming the column
SELECT throws_like($$SELECT * FROM pgdl.pca('SELECT a, CASE WHEN id = 333 THEN NULL ELSE b END AS y FROM public.pca_dist', 2)$$,
                   'feature "y" is NULL in row %', 'a NULL feature is the error of an ordinary table');
SELECT throws_like($$SELECT * FROM pgdl.pca('SELECT a, CASE WHEN id = 7 THEN ''NaN''::float8 ELSE b END AS b FROM public.pca_dist', 2)$$,
                   'feature "b" is NaN in row %', 'a NaN feature likewise');

SELECT * FROM finish();
ROLLBACK;
