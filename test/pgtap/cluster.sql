-- test/pgtap/cluster.sql: pgdl.kmeans, pgdl.train_kmeans, pgdl.silhouette
-- (see the README) — agreement with scikit-learn, predict against the k-means
-- assignment, the streaming path, and every error path with its SQLSTATE.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(40);

-- Three well-separated groups and four overlapping ones.  References from
-- scikit-learn 1.2.1 on the same numbers (float64):
--   pts: KMeans(3, n_init=10, random_state=0).inertia_ = 17.94890000000003,
--        centres (0.303, 0.2), (10.299, -4.8), (20.301, -9.8);
--        silhouette_score(X, labels_) = 0.9718643936294105
--   ov:  KMeans(4, n_init=20, random_state=0).inertia_ = 611.2703252544591;
--        silhouette_score(X, labels_) = 0.3791494789642977
-- pgdl reads float32 features, hence the 1e-6 relative tolerances.
CREATE TEMP TABLE pts AS
SELECT i AS id, (i % 3) * 10 + (i % 7) * 0.1 AS a, (i % 3) * -5 + (i % 5) * 0.1 AS b
FROM generate_series(1, 300) i;
CREATE TEMP TABLE ov AS
SELECT i AS id, sin(i * 1.3) * 3 + (i % 4) AS x, cos(i * 0.7) * 2 + (i % 4) * 0.5 AS y
FROM generate_series(1, 300) i;

SELECT ok(abs((SELECT sum(sse) FROM pgdl.kmeans('pts', 3, NULL, '{"seed": 1}')) - 17.94890000000003)
          <= 1e-6 * 17.9489, 'kmeans: SSE of separated groups equals scikit-learn''s');
SELECT ok((SELECT bool_and(abs(centroid[1] - c[1]) < 1e-5 AND abs(centroid[2] - c[2]) < 1e-5)
           FROM (SELECT centroid, row_number() OVER (ORDER BY centroid[1]) AS r
                 FROM pgdl.kmeans('pts', 3, NULL, '{"seed": 1}')) k
           JOIN (VALUES (1, ARRAY[0.303, 0.2]), (2, ARRAY[10.299, -4.8]), (3, ARRAY[20.301, -9.8])) AS v(r, c)
           USING (r)), 'kmeans: the centres of separated groups are scikit-learn''s');
SELECT ok(abs((SELECT sum(sse) FROM pgdl.kmeans('ov', 4, NULL, '{"seed": 0, "n_init": 10}')) - 611.2703252544591)
          <= 1e-6 * 611.27, 'kmeans: SSE of overlapping groups (n_init 10) equals scikit-learn''s');
SELECT is((SELECT sum(size) FROM pgdl.kmeans('ov', 4, NULL, '{"seed": 5, "init": "random"}')), 300::numeric,
          'kmeans: sizes add up to the row count');
-- the SSE of each cluster is the sum of squared distances of its rows, computed here in SQL
SELECT ok((WITH k AS (SELECT * FROM pgdl.kmeans('ov', 4, NULL, '{"seed": 2}')),
               a AS (SELECT DISTINCT ON (o.id) o.id, k.cluster,
                            (o.x - k.centroid[1]) ^ 2 + (o.y - k.centroid[2]) ^ 2 AS d2
                     FROM ov o CROSS JOIN k ORDER BY o.id, (o.x - k.centroid[1]) ^ 2 + (o.y - k.centroid[2]) ^ 2)
           SELECT bool_and(abs(s.sse - k.sse) <= 1e-5 * k.sse AND s.n = k.size)
           FROM k JOIN (SELECT cluster, sum(d2) AS sse, count(*) AS n FROM a GROUP BY cluster) s USING (cluster)),
          'kmeans: per-cluster size and SSE equal a direct computation');
SELECT results_eq($$SELECT * FROM pgdl.kmeans('ov', 4, NULL, '{"seed": 9, "n_init": 3}')$$,
                  $$SELECT * FROM pgdl.kmeans('ov', 4, NULL, '{"seed": 9, "n_init": 3}')$$,
                  'kmeans: same seed, same result');
SELECT is((SELECT array_agg(cluster ORDER BY cluster) FROM pgdl.kmeans('ov', 4)), ARRAY[0, 1, 2, 3],
          'kmeans: cluster ids are 0-based');
SELECT ok(abs((SELECT sum(sse) FROM pgdl.kmeans('SELECT x, y FROM ov', 4, ARRAY['y', 'x'],
                                                '{"seed": 0, "n_init": 10, "max_iter": 500, "tol": 0}'))
              - 611.2703252544591) <= 1e-6 * 611.27, 'kmeans: a query source, features in another order, tol 0');
SELECT is((SELECT count(*) FROM pgdl.kmeans('ov', 1)), 1::bigint, 'kmeans: k = 1 is the mean');
SELECT ok((SELECT abs(centroid[1] - (SELECT avg(x) FROM ov)) < 1e-6 FROM pgdl.kmeans('ov', 1)),
          'kmeans: k = 1 centroid is the column mean');
-- standardize: centroids in the features' units
SELECT ok((SELECT bool_and(abs(centroid[1] - c) < 1e-4)
           FROM (SELECT centroid, row_number() OVER (ORDER BY centroid[1]) AS r
                 FROM pgdl.kmeans('pts', 3, NULL, '{"seed": 1, "standardize": true}')) k
           JOIN (VALUES (1, 0.303), (2, 10.299), (3, 20.301)) AS v(r, c) USING (r)),
          'kmeans: standardize reports centroids in the features'' own units');

-- predict and silhouette on saved models
SELECT is((SELECT count(*) FROM pgdl.train_kmeans('km_ov', 'ov', 4, NULL, '{"seed": 0, "n_init": 10}')), 4::bigint,
          'train_kmeans returns one row per cluster');
SELECT is((WITH k AS (SELECT * FROM pgdl.kmeans('ov', 4, NULL, '{"seed": 0, "n_init": 10}')),
               a AS (SELECT DISTINCT ON (o.id) o.id, o.x, o.y, k.cluster
                     FROM ov o CROSS JOIN k ORDER BY o.id, (o.x - k.centroid[1]) ^ 2 + (o.y - k.centroid[2]) ^ 2)
           SELECT count(*) FILTER (WHERE pgdl.predict('km_ov', ARRAY[x, y]) <> cluster) FROM a), 0::bigint,
          'predict returns the nearest cluster of the k-means assignment for every row');
SELECT is((SELECT task FROM pgdl.models WHERE name = 'km_ov'), 'clustering', 'the model is a clustering model');
SELECT ok(abs(pgdl.silhouette('km_ov', 'ov') - 0.3791494789642977) < 1e-6,
          'silhouette equals scikit-learn''s silhouette_score');
SELECT ok(abs(pgdl.silhouette('km_ov', 'SELECT y AS b, x AS a FROM ov', ARRAY['a', 'b']) - 0.3791494789642977) < 1e-6,
          'silhouette with features named');
SELECT lives_ok($$SELECT * FROM pgdl.train_kmeans('km_pts', 'pts', 3, NULL, '{"seed": 0, "standardize": true}')$$,
                'train_kmeans with standardize');
SELECT is((SELECT count(DISTINCT pgdl.predict('km_pts', ARRAY[a, b])) FROM pts), 3::bigint,
          'predict applies the stored scaler');
SELECT is(pgdl.predict('km_pts', ARRAY[20.3, -9.8]::float8[]),
          (SELECT cluster::float8 FROM pgdl.kmeans('pts', 3, NULL, '{"seed": 0, "standardize": true}') ORDER BY centroid[1] DESC LIMIT 1),
          'predict of a point at a centre is that cluster');

-- the streaming path: a table larger than pgdl.max_training_memory (1 MB)
CREATE TEMP TABLE big AS
SELECT i AS id, ARRAY(SELECT ((i % 4) * 5 + ((i * 7919 + j * 104729) % 1000) / 1000.0)::real
                      FROM generate_series(1, 64) j) AS v
FROM generate_series(1, 6000) i;
CREATE TEMP TABLE big_mem AS SELECT * FROM pgdl.kmeans('big', 4, NULL, '{"seed": 3}');
SET pgdl.max_training_memory = '1MB';
CREATE TEMP TABLE big_stream AS SELECT * FROM pgdl.kmeans('big', 4, NULL, '{"seed": 3}');
SELECT is((SELECT count(*) FROM big_stream), 4::bigint, 'streaming k-means returns k rows');
SELECT ok((SELECT bool_and(m.size = s.size AND abs(m.sse - s.sse) <= 1e-9 * m.sse
                           AND abs(m.centroid[1] - s.centroid[1]) < 1e-9)
           FROM (SELECT *, row_number() OVER (ORDER BY centroid[1]) r FROM big_mem) m
           JOIN (SELECT *, row_number() OVER (ORDER BY centroid[1]) r FROM big_stream) s USING (r)),
          'streaming k-means finds the in-memory result');
SELECT throws_ok($$SELECT * FROM pgdl.kmeans('big', 200000)$$, '22023', NULL, 'k above the maximum is 22023');
RESET pgdl.max_training_memory;

SELECT is((SELECT round(sum(sse)::numeric, 3) FROM pgdl.train_kmeans('km_big', 'big', 4, NULL, '{"seed": 3}')),
          (SELECT round(sum(sse)::numeric, 3) FROM big_mem), 'train_kmeans returns the rows kmeans returns');

-- errors
SELECT throws_ok($$SELECT * FROM pgdl.kmeans('ov', 0)$$, '22023', 'k must be between 1 and 100000, got 0', 'k < 1');
SELECT throws_ok($$SELECT * FROM pgdl.kmeans(NULL, 2)$$, '22004', 'source must not be NULL', 'NULL source');
SELECT throws_ok($$SELECT * FROM pgdl.kmeans('ov', NULL)$$, '22004', 'k must not be NULL', 'NULL k');
SELECT throws_ok($$SELECT * FROM pgdl.kmeans('SELECT 1.0 AS a FROM generate_series(1, 5) UNION ALL SELECT 2.0', 3)$$,
                 '22023', 'k (3) is larger than the number of distinct rows (2 of 6 rows)', 'k > distinct rows (k-means++)');
SELECT throws_ok($$SELECT * FROM pgdl.kmeans('SELECT 1.0 AS a FROM generate_series(1, 5) UNION ALL SELECT 2.0', 3, NULL, '{"init": "random"}')$$,
                 '22023', 'k (3) is larger than the number of distinct rows (2 of 6 rows)', 'k > distinct rows (random)');
SELECT throws_ok($$SELECT * FROM pgdl.kmeans('SELECT 1.0 AS a WHERE false', 2)$$, '22023',
                 'k-means needs at least one row: the source has none', 'no rows');
SELECT throws_ok($$SELECT * FROM pgdl.kmeans('SELECT 1.0 AS a UNION ALL SELECT NULL', 1)$$, '22004', NULL, 'NULL feature');
SELECT throws_ok($$SELECT * FROM pgdl.kmeans('SELECT ''NaN''::float8 AS a', 1)$$, '22P02', NULL, 'NaN feature');
SELECT is((SELECT size FROM pgdl.kmeans('SELECT 1.0 AS a UNION ALL SELECT NULL', 1, NULL, '{"impute": "drop_row"}')),
          1::bigint, 'impute drop_row skips a row with a missing feature');
SELECT throws_ok($$SELECT * FROM pgdl.kmeans('ov', 2, NULL, '{"init": "kmeans"}')$$, '22023', NULL, 'bad init');
SELECT throws_ok($$SELECT * FROM pgdl.kmeans('ov', 2, NULL, '{"max_iter": 0}')$$, '22023', NULL, 'bad max_iter');
SELECT throws_ok($$SELECT * FROM pgdl.kmeans('ov', 2, NULL, '{"tol": -1}')$$, '22023', NULL, 'bad tol');
SELECT throws_ok($$SELECT * FROM pgdl.kmeans('ov', 2, NULL, '{"n_init": 1.5}')$$, '22023', NULL, 'bad n_init');
SELECT throws_ok($$SELECT * FROM pgdl.kmeans('ov', 2, NULL, '{"colour": 1}')$$, '22023', 'unknown option "colour"', 'unknown option');
SELECT throws_ok($$SELECT * FROM pgdl.kmeans('ov', 2, ARRAY['nope'])$$, '42703', NULL, 'missing feature column');
SELECT throws_ok($$SELECT * FROM pgdl.train_kmeans('km1', 'ov', 1)$$, '22023', NULL, 'a saved model needs k >= 2');
SELECT throws_ok($$SELECT pgdl.silhouette('nope', 'ov')$$, '42704', NULL, 'silhouette of a missing model');

SELECT * FROM finish();
ROLLBACK;
