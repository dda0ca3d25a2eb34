-- The per-statement model cache: a statement that passes several model texts
-- (versions compared row by row) loads each once, and scores as the ordered
-- per-version queries do.  Each load is a DEBUG1 message; past
-- pgdl.model_cache_size the least recently used model is released.
SET extra_float_digits = 0;
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;	-- the loads counted are the leader's
CREATE TABLE cache_rows AS
SELECT i AS id, ARRAY[(i % 7) * 0.3, (i % 5) * 0.2] AS x, (i % 7) * 0.3 + (i % 5) * 0.2 AS y
FROM generate_series(1, 40) i;
SELECT version FROM pgdl.train_model('cache_m', 'cache_rows', 'y', '[{"type":"dense","units":4}]', ARRAY['x'], '{"epochs":2,"seed":1}');
SELECT version FROM pgdl.train_model('cache_m', 'cache_rows', 'y', '[{"type":"dense","units":4}]', ARRAY['x'], '{"epochs":2,"seed":2}');
SELECT version FROM pgdl.train_model('cache_m', 'cache_rows', 'y', '[{"type":"dense","units":4}]', ARRAY['x'], '{"epochs":2,"seed":3}');
SELECT version FROM pgdl.train_model('cache_m', 'cache_rows', 'y', '[{"type":"dense","units":4}]', ARRAY['x'], '{"epochs":2,"seed":4}');

-- every row another version than the row before (a table scan keeps this order)
CREATE TABLE cache_pairs AS SELECT id, v, x FROM cache_rows, generate_series(1, 4) v ORDER BY id, v;
SELECT count(*) FILTER (WHERE v <> lag) AS changes
FROM (SELECT v, lag(v) OVER () AS lag FROM cache_pairs) c;

-- interleaved versions give what one query per version gives (and they differ)
CREATE TABLE cache_ordered AS
SELECT 1 AS v, id, pgdl.predict('cache_m@1', x) AS p FROM cache_rows
UNION ALL SELECT 2, id, pgdl.predict('cache_m@2', x) FROM cache_rows
UNION ALL SELECT 3, id, pgdl.predict('cache_m@3', x) FROM cache_rows
UNION ALL SELECT 4, id, pgdl.predict('cache_m@4', x) FROM cache_rows;
SELECT count(*) AS rows, count(*) FILTER (WHERE i.p = o.p) AS equal,
	   count(DISTINCT o.p) > 40 AS versions_differ
FROM (SELECT v, id, pgdl.predict('cache_m@' || v, x) AS p FROM cache_pairs) i
JOIN cache_ordered o USING (v, id);

-- each version loaded once for the 160 rows
SET client_min_messages = debug1;
SELECT count(*) AS rows, sum(pgdl.predict('cache_m@' || v, x)) IS NOT NULL AS scored
FROM cache_pairs;
-- the next statement loads them again (a new snapshot may see new versions)
SELECT count(*) AS rows FROM cache_pairs WHERE v <= 2 AND pgdl.predict('cache_m@' || v, x) IS NOT NULL;
-- with no room the least recently used goes: every change of model reloads
SET pgdl.model_cache_size = 0;
SELECT count(*) AS rows FROM cache_pairs WHERE id <= 2 AND v <= 2 AND pgdl.predict('cache_m@' || v, x) IS NOT NULL;
RESET pgdl.model_cache_size;
SET client_min_messages = warning;
SHOW pgdl.model_cache_size;
