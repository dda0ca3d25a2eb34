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

-- rfe and the per-class scores honour pgdl.max_training_memory: rfe's
-- d x d Gram matrix and its (d + 1)^2 system (2000 features: 64 MB) were
-- allocated whatever the limit, which only bounded the rows (160 kB here)
CREATE TABLE ar_wide2 AS
SELECT g AS id, (SELECT array_agg(sin(g * 3.1 + i * 0.7)::float4) FROM generate_series(1, 2000) i) AS v,
	   sin(g)::float8 AS y, (g % 3)::int AS c
FROM generate_series(1, 20) g;
SET pgdl.max_training_memory = '16MB';
SELECT ar_error($$SELECT * FROM pgdl.select_features('ar_wide2', 'y', 5, 'rfe')$$);
SELECT ar_error($$SELECT * FROM pgdl.select_features('ar_wide2', 'c', 5, 'rfe')$$);
SELECT count(*) FROM pgdl.select_features('ar_wide2', 'c', 5, 'f_classif');
SELECT count(*) FROM pgdl.select_features('ar_wide2', 'y', 5, 'f_regression');
RESET pgdl.max_training_memory;
SELECT count(*), count(*) FILTER (WHERE selected) FROM pgdl.select_features('ar_wide2', 'y', 5, 'rfe');

-- PCA of identical rows: LAPACK gives an eigenvalue of -0, which the
-- clamp of negative eigenvalues (-0 < 0 is false) let through as "-0"
SELECT component, explained_variance, explained_variance_ratio
FROM pgdl.pca('SELECT 1.5::float8 AS a, 2::float8 AS b FROM generate_series(1, 10)', 2);

-- k-means of data far from zero (coordinates around 1e6): the float32
-- distances ||c||^2 - 2 x.c were rounded by ~1e5, so the fit ran to
-- max_iter with re-seeded clusters and a 50/50 split came out 20/80, and
-- the model's float32 bias -||c||^2 sent every row to one cluster.  The
-- rows are now centered first (as scikit-learn does), by a scaler that the
-- model keeps.
CREATE TABLE ar_far AS
SELECT 1000000 + (g % 2) * 10 + (g % 5) * 0.1 AS x, 2000000 + (g % 2) * 10 AS y
FROM generate_series(1, 100) g;
SELECT cluster, round(centroid[1]) AS x, round(centroid[2]) AS y, size, sse < 2
FROM pgdl.train_kmeans('ar_far', 'ar_far', 2, NULL, '{"seed": 1}') ORDER BY x;
SELECT pgdl.predict('ar_far', ARRAY[1000000, 2000000]) <> pgdl.predict('ar_far', ARRAY[1000010, 2000010]) AS apart;
SELECT count(DISTINCT pgdl.predict('ar_far', ARRAY[x, y])) AS clusters FROM ar_far;
SELECT round(pgdl.silhouette('ar_far', 'ar_far')::numeric, 2) AS silhouette;
-- the same through the streaming path
SET pgdl.max_training_memory = '1MB';
CREATE TABLE ar_far_big AS
SELECT 1000000 + (g % 2) * 10 + (g % 5) * 0.1 AS x, 2000000 + (g % 2) * 10 AS y
FROM generate_series(1, 60000) g;
SELECT cluster, round(centroid[1]) AS x, round(centroid[2]) AS y, size
FROM pgdl.kmeans('ar_far_big', 2, NULL, '{"seed": 1}') ORDER BY x;
RESET pgdl.max_training_memory;

-- k-means counts its centres against pgdl.max_training_memory: 1000
-- centres of 100 features take ~3.3 MB of Lloyd state (centres in double
-- and float, sums, farthest rows) that neither the in-memory decision nor
-- the streaming sample counted, so a 1 MB limit ran in ~5 MB
SET pgdl.max_training_memory = '1MB';
SELECT ar_error($$SELECT count(*) FROM pgdl.kmeans('SELECT ARRAY(SELECT sin(g * 7.1 + i) FROM generate_series(1, 100) i) AS v FROM generate_series(1, 2000) g', 1000, NULL, '{"max_iter": 2}')$$);
SELECT count(*) FROM pgdl.kmeans('SELECT ARRAY(SELECT sin(g * 7.1 + i) FROM generate_series(1, 100) i) AS v FROM generate_series(1, 2000) g', 50, NULL, '{"max_iter": 2}');
RESET pgdl.max_training_memory;
