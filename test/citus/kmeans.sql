-- test/citus/kmeans.sql — k-means on a Citus distributed table whose rows
-- do not fit the memory budget: each Lloyd iteration is one query of the aggregate pgdl.kmeans_step, which Citus
-- pushes down to the workers (worker_partial_agg; only partial states reach
-- the coordinator), and the result equals k-means on an ordinary copy of the
-- table; a model trained there scores on the workers.  Run by
-- scripts/citus.sh (make test-citus) on the coordinator.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
SET client_min_messages = warning;
\ir lib/plan.sql

CREATE TABLE public.km_dist (id int, a float8, b float8, v float8[]);
-- three blobs; the same rows on every run
INSERT INTO public.km_dist
SELECT g, (g % 3) * 6 + sin(g * 0.37), (g % 3) * -4 + cos(g * 0.91), ARRAY[sin(g * 0.11), (g % 3)::float8]
FROM generate_series(1, 20000) g;
CREATE TABLE public.km_local AS SELECT * FROM public.km_dist;
SELECT create_distributed_table('public.km_dist', 'id', shard_count := 4);
SELECT truncate_local_data_after_distributing_table('public.km_dist');

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(14);
-- 20,000 rows do not fit 1 MB: k-means streams them, and on Citus its
-- passes run on the workers (rows that fit are read into memory once)
SET LOCAL pgdl.max_training_memory = '1MB';

-- an iteration's query, as pgdl.kmeans writes it (over the source query, its ORDER BY
-- included): pushed down to the workers, which send partial states
SELECT alike(pg_temp.plan($$SELECT pgdl.kmeans_step(ARRAY[s.a::pg_catalog.float8] OPERATOR(pg_catalog.||) ARRAY[s.b::pg_catalog.float8],
                                 '{2,2,0, 0,0, 6,-4, 0,0, 1,1}'::pg_catalog.float8[])
                            FROM (SELECT id, a, b, v FROM public.km_dist ORDER BY id) AS s$$),
            '%worker_partial_agg%', 'an iteration''s aggregate runs on the workers (worker_partial_agg)');

-- the same k-means on the distributed table and on the local copy (in the same order: k-means++ reads the rows in order)
CREATE TEMP TABLE r_dist AS
SELECT * FROM pgdl.kmeans('SELECT id, a, b, v FROM public.km_dist ORDER BY id', 3, ARRAY['a', 'b', 'v'], '{"seed": 7}');
CREATE TEMP TABLE r_local AS
SELECT * FROM pgdl.kmeans('SELECT id, a, b, v FROM public.km_local ORDER BY id', 3, ARRAY['a', 'b', 'v'], '{"seed": 7}');
SELECT is((SELECT count(*) FROM r_dist), 3::bigint, 'kmeans on the distributed table gives 3 clusters');
SELECT ok((SELECT bool_and(d.size = l.size
                           AND (SELECT max(abs(u - w)) FROM unnest(d.centroid, l.centroid) t(u, w)) < 1e-9
                           AND abs(d.sse - l.sse) <= 1e-9 * greatest(1, l.sse))
           FROM r_dist d JOIN r_local l USING (cluster)),
          'and the same centroids (1e-9), sizes and SSE as on an ordinary table');

-- train_kmeans: the iterations ran as the aggregate, and the model predicts on the workers
SELECT count(*) FROM pgdl.train_kmeans('km_d', 'SELECT id, a, b, v FROM public.km_dist ORDER BY id', 3, ARRAY['a', 'b', 'v'], '{"seed": 7}');
SELECT count(*) FROM pgdl.train_kmeans('km_l', 'SELECT id, a, b, v FROM public.km_local ORDER BY id', 3, ARRAY['a', 'b', 'v'], '{"seed": 7}');
SELECT cmp_ok((SELECT (metrics->>'worker_passes')::int FROM pgdl.models WHERE name = 'km_d'), '>=', 2,
              'train_kmeans on the distributed table ran its passes on the workers');
SELECT is((SELECT (metrics->>'worker_passes')::int FROM pgdl.models WHERE name = 'km_l'), 0,
          'and none on an ordinary table');
SELECT is((SELECT (metrics->>'iterations')::int FROM pgdl.models WHERE name = 'km_d'),
          (SELECT (metrics->>'iterations')::int FROM pgdl.models WHERE name = 'km_l'), 'the same number of iterations');
SELECT alike(pg_temp.plan($$SELECT pgdl.predict('km_d', ARRAY[a, b] || v) FROM public.km_dist$$),
            '%predict_shipped%', 'predict with the k-means model is shipped to the workers');
CREATE TEMP TABLE p_dist AS SELECT id, pgdl.predict('km_d', ARRAY[a, b] || v) AS c FROM public.km_dist;
CREATE TEMP TABLE p_local AS SELECT id, pgdl.predict('km_l', ARRAY[a, b] || v) AS c FROM public.km_local;
SELECT is((SELECT count(*) FROM p_dist d JOIN p_local l USING (id) WHERE d.c = l.c), 20000::bigint,
          'the same assignments for every row, scored on the workers');

-- standardize: the workers scale the rows with the coordinator's statistics
SELECT ok((SELECT bool_and(d.size = l.size
                           AND (SELECT max(abs(u - w)) FROM unnest(d.centroid, l.centroid) t(u, w)) < 1e-9
                           AND abs(d.sse - l.sse) <= 1e-9 * greatest(1, l.sse))
           FROM pgdl.kmeans('SELECT id, a, b, v FROM public.km_dist ORDER BY id', 4, ARRAY['a', 'b', 'v'], '{"seed": 11, "standardize": true}') d
           JOIN pgdl.kmeans('SELECT id, a, b, v FROM public.km_local ORDER BY id', 4, ARRAY['a', 'b', 'v'], '{"seed": 11, "standardize": true}') l
           USING (cluster)),
          'standardize: the same clusters as on an ordinary table');

-- rows with a NULL feature: impute drop_row skips them on the workers as on an ordinary table
CREATE TEMP TABLE n_dist AS
SELECT * FROM pgdl.kmeans('SELECT id, CASE WHEN id % 10 = 0 THEN NULL ELSE a END AS a, b FROM public.km_dist ORDER BY id',
                          3, ARRAY['a', 'b'], '{"seed": 3, "impute": "drop_row"}');
CREATE TEMP TABLE n_local AS
SELECT * FROM pgdl.kmeans('SELECT id, CASE WHEN id % 10 = 0 THEN NULL ELSE a END AS a, b FROM public.km_local ORDER BY id',
                          3, ARRAY['a', 'b'], '{"seed": 3, "impute": "drop_row"}');
SELECT is((SELECT sum(size) FROM n_dist), 18000::numeric, 'drop_row on the workers skips the 2,000 rows with a NULL');
SELECT ok((SELECT bool_and(d.size = l.size
                           AND (SELECT max(abs(u - w)) FROM unnest(d.centroid, l.centroid) t(u, w)) < 1e-9)
           FROM n_dist d JOIN n_local l USING (cluster)),
          'and clusters as on an ordinary table');

-- a two-dimensional array feature (a matrix) is not one float8[] row in SQL: k-means reads the rows
-- through the coordinator, as on an ordinary table
SELECT is((SELECT count(*) FROM pgdl.kmeans('SELECT id, ARRAY[[a, b], [b, a]] AS m FROM public.km_dist ORDER BY id', 2, ARRAY['m'], '{"seed": 7}')),
          2::bigint, 'a matrix feature clusters through the coordinator');
SELECT is((SELECT array_agg(size ORDER BY cluster) FROM pgdl.kmeans('SELECT id, ARRAY[[a, b], [b, a]] AS m FROM public.km_dist ORDER BY id', 2, ARRAY['m'], '{"seed": 7}')),
          (SELECT array_agg(size ORDER BY cluster) FROM pgdl.kmeans('SELECT id, ARRAY[[a, b], [b, a]] AS m FROM public.km_local ORDER BY id', 2, ARRAY['m'], '{"seed": 7}')),
          'with the same sizes as on an ordinary table');

-- rows that fit the budget are read into memory once, on Citus too
SET LOCAL pgdl.max_training_memory = '1GB';
SELECT count(*) FROM pgdl.train_kmeans('km_fit', 'SELECT id, a, b, v FROM public.km_dist ORDER BY id', 3, ARRAY['a', 'b', 'v'], '{"seed": 7}');
SELECT is((SELECT (metrics->>'worker_passes')::int FROM pgdl.models WHERE name = 'km_fit'), 0,
          'rows that fit the budget are clustered in memory, without passes on the workers');

SELECT * FROM finish();
ROLLBACK;
