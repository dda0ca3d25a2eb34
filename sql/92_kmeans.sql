-- k-means, train_kmeans + predict, silhouette (see the README).  Small fixed
-- data and seeds; numbers rounded so they do not depend on the last bits.
SET extra_float_digits = 0;
SET client_min_messages = warning;

-- three well-separated groups of 100 rows: scikit-learn's optimum is
-- centres (0.303, 0.2), (10.299, -4.8), (20.301, -9.8), SSE 17.9489
CREATE TABLE km_pts AS
SELECT i AS id, (i % 3) * 10 + (i % 7) * 0.1 AS a, (i % 3) * -5 + (i % 5) * 0.1 AS b
FROM generate_series(1, 300) i;
CREATE FUNCTION km_round(float8[]) RETURNS numeric[] LANGUAGE sql IMMUTABLE
	RETURN (SELECT array_agg(round(v::numeric, 3) ORDER BY o) FROM unnest($1) WITH ORDINALITY u(v, o));

SELECT cluster, km_round(centroid) AS centroid, size, round(sse::numeric, 4) AS sse
FROM pgdl.kmeans('km_pts', 3, NULL, '{"seed": 1}') ORDER BY cluster;
SELECT cluster, km_round(centroid) AS centroid, size, round(sse::numeric, 4) AS sse
FROM pgdl.kmeans('km_pts', 3, ARRAY['b', 'a'], '{"seed": 4, "init": "random", "n_init": 3, "max_iter": 50, "tol": 0}')
ORDER BY centroid[2];
-- standardized: centroids still in the features' units, SSE in standardized units
SELECT km_round(centroid) AS centroid, size, round(sse::numeric, 4) AS sse
FROM pgdl.kmeans('SELECT a, b FROM km_pts', 3, NULL, '{"seed": 1, "standardize": true}') ORDER BY centroid[1];

-- a saved model: predict gives the cluster id of kmeans_row for every row
SELECT cluster, size FROM pgdl.train_kmeans('km_model', 'km_pts', 3, ARRAY['a', 'b'], '{"seed": 1}') ORDER BY cluster;
SELECT name, version, task FROM pgdl.models WHERE name = 'km_model';
SELECT pgdl.predict('km_model', ARRAY[a, b]) AS cluster, count(*), round(avg(a)::numeric, 3) AS avg_a
FROM km_pts GROUP BY 1 ORDER BY 1;
SELECT pgdl.predict('km_model', ARRAY[0.3, 0.2]) AS near_first,
	   pgdl.predict_label('km_model', ARRAY[20, -10]) AS near_third;
-- scikit-learn's silhouette_score on these rows and labels: 0.9718643936294105
SELECT round(pgdl.silhouette('km_model', 'km_pts')::numeric, 6) AS silhouette;

-- past pgdl.max_training_memory the source is streamed: same answer
CREATE TABLE km_big AS
SELECT i AS id, ARRAY(SELECT ((i % 4) * 5 + ((i * 7919 + j * 104729) % 1000) / 1000.0)::real
                      FROM generate_series(1, 64) j) AS v
FROM generate_series(1, 6000) i;
SELECT size, round(sse::numeric, 2) AS sse, round(centroid[1]::numeric, 3) AS c1
FROM pgdl.kmeans('km_big', 4, NULL, '{"seed": 3}') ORDER BY centroid[1];
SET pgdl.max_training_memory = '1MB';
SELECT size, round(sse::numeric, 2) AS sse, round(centroid[1]::numeric, 3) AS c1
FROM pgdl.kmeans('km_big', 4, NULL, '{"seed": 3}') ORDER BY centroid[1];
RESET pgdl.max_training_memory;

-- errors
SELECT * FROM pgdl.kmeans('km_pts', 0);
SELECT * FROM pgdl.kmeans('SELECT 1.0 AS a FROM generate_series(1, 5) UNION ALL SELECT 2.0', 3);
SELECT * FROM pgdl.kmeans('SELECT 1.0 AS a WHERE false', 2);
SELECT * FROM pgdl.kmeans('SELECT 1.0 AS a UNION ALL SELECT NULL', 1);
SELECT * FROM pgdl.kmeans('km_pts', 2, NULL, '{"init": "kmeans"}');

DROP TABLE km_pts, km_big;
DROP FUNCTION km_round(float8[]);
SELECT pgdl.drop_model('km_model');
