-- test/pgtap/kmeans_step.sql: pgdl.kmeans_step, one Lloyd pass of k-means as
-- an aggregate (src/pg/kmeans_agg.c), which Citus pushes down to its workers:
-- its state (pgdl.kmeans_state, a float8[]) is exact through its text I/O, the combine does not depend
-- on how the rows are split, it agrees with pgdl.kmeans, and a malformed
-- state or parameter array is 22P03.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(16);

CREATE FUNCTION pg_temp.maxdiff(a float8[], b float8[]) RETURNS float8 LANGUAGE sql AS
$$ SELECT max(abs(u - v)) FROM unnest(a, b) AS t(u, v) $$;
\ir lib/plan_has.sql

-- an ordinary table (rolled back): parallel workers cannot read a temporary one
CREATE TABLE ks (id int, x float8[]);
INSERT INTO ks SELECT g, ARRAY[sin(g * 0.37) * 3 + (g % 3) * 5, cos(g * 0.91) * 2 - (g % 3) * 4]
FROM generate_series(1, 300) g;
-- k = 3, d = 2, a Lloyd pass: three centres, center (0, 0), scale (1, 1)
CREATE TEMP TABLE kp AS SELECT '{3,2,0, 0,0, 5,-4, 10,-8, 0,0, 1,1}'::float8[] AS p;

-- a parallel plan splits the rows over workers and combines their states
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
ALTER TABLE ks SET (parallel_workers = 2);
SELECT cmp_ok(pg_temp.maxdiff((SELECT pgdl.kmeans_step(x, p) FROM ks, kp),
                              (SELECT pgdl.kmeans_step(x, p) FROM (SELECT x FROM ks ORDER BY id DESC) s, kp)),
              '<', 1e-9::float8, 'the state does not depend on the order of the rows (to rounding)');
SELECT ok(pg_temp.plan_has($$SELECT pgdl.kmeans_step(x, '{3,2,0, 0,0, 5,-4, 10,-8, 0,0, 1,1}') FROM ks$$, 'Partial Aggregate'),
          'it runs as a partial aggregate in a parallel plan');
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET max_parallel_workers_per_gather;

-- the combine: any split of the rows, combined in any order, is the whole
CREATE TEMP TABLE parts AS
SELECT id % 4 AS part, pgdl.kmeans_step(x, p) AS st FROM ks, kp GROUP BY id % 4;
CREATE AGGREGATE pg_temp.combine_all(pgdl.kmeans_state) (SFUNC = pgdl.kmeans_step_combine, STYPE = pgdl.kmeans_state);
SELECT cmp_ok(pg_temp.maxdiff((SELECT pg_temp.combine_all(st ORDER BY part) FROM parts),
                              (SELECT pgdl.kmeans_step(x, p) FROM ks, kp)),
              '<', 1e-9::float8, 'the combined states of four parts are the state of all rows');
SELECT cmp_ok(pg_temp.maxdiff((SELECT pg_temp.combine_all(st ORDER BY part DESC) FROM parts),
                              (SELECT pg_temp.combine_all(st ORDER BY part) FROM parts)),
              '<', 1e-9::float8, 'in either order');
SELECT is((SELECT (pgdl.kmeans_step(x, p))[4] FROM ks, kp), 300::float8, 'the state counts the rows');
SELECT is((SELECT (pgdl.kmeans_step(x, p))[5] + (pgdl.kmeans_step(x, p))[6] + (pgdl.kmeans_step(x, p))[7] FROM ks, kp),
          300::float8, 'every row is in one cluster');

-- text I/O is exact
SELECT is((SELECT st::text::pgdl.kmeans_state FROM parts WHERE part = 1), (SELECT st FROM parts WHERE part = 1),
          'the state survives its text form bit for bit');

SELECT is((SELECT pgdl.kmeans_step(x, p) FROM ks, kp WHERE false), NULL, 'no rows: NULL');
-- one Lloyd pass: the counts and sums of the rows (as float32) nearest each centre
SELECT ok((WITH st AS (SELECT pgdl.kmeans_step(x, p) AS s FROM ks, kp),
               lab AS (SELECT x[1]::real::float8 AS a, x[2]::real::float8 AS b,
                              (SELECT j FROM unnest(ARRAY[0, 1, 2]) j
                               ORDER BY (x[1]::real - (ARRAY[0, 5, 10])[j + 1]) ^ 2 + (x[2]::real - (ARRAY[0, -4, -8])[j + 1]) ^ 2, j
                               LIMIT 1) AS j
                       FROM ks)
           SELECT bool_and(abs((SELECT s FROM st)[11 + 2 * j] - sa) < 1e-9
                           AND abs((SELECT s FROM st)[12 + 2 * j] - sb) < 1e-9
                           AND (SELECT s FROM st)[5 + j] = cnt) AND count(*) = 3
           FROM (SELECT j, sum(a) AS sa, sum(b) AS sb, count(*)::float8 AS cnt FROM lab GROUP BY j) g),
          'the counts and sums are those of the rows nearest each centre');

-- malformed
SELECT throws_ok($$SELECT pgdl.kmeans_step_combine('{1,3,2,0}'::pgdl.kmeans_state, '{1,3,2,0}'::pgdl.kmeans_state)$$, '22P03', NULL,
                 'a state of the wrong length is 22P03');
SELECT throws_ok($$SELECT pgdl.kmeans_step_combine('{1,1,1,1,1,0,0}'::pgdl.kmeans_state, '{7,1,1,1,1,0,0}'::pgdl.kmeans_state)$$, '22P03', NULL,
                 'a state without its tag is 22P03');
SELECT throws_ok($$SELECT pgdl.kmeans_step_combine('{1,1,1,1,-1,0,0}'::pgdl.kmeans_state, '{1,1,1,1,1,0,0}'::pgdl.kmeans_state)$$, '22P03', NULL,
                 'a negative count is 22P03');
SELECT throws_ok($$SELECT pgdl.kmeans_step(x, '{3,2,0,1}'::float8[]) FROM ks$$, '22P03', NULL,
                 'parameters of the wrong length are 22P03');
SELECT throws_ok($$SELECT pgdl.kmeans_step(ARRAY[1, 2, 3]::float8[], p) FROM kp$$, '22000', NULL,
                 'a row of the wrong length is 22000');
SELECT throws_ok($$SELECT pgdl.kmeans_step_combine('{1,1,1,1,1,0,0}'::pgdl.kmeans_state, '{1,2,1,1,1,1,0,0,0,0}'::pgdl.kmeans_state)$$, '22P03', NULL,
                 'states of different shapes are 22P03');

-- the centres and their buffers are held within pgdl.max_training_memory: 1000 centres take more than 1 MB
SET LOCAL pgdl.max_training_memory = '1MB';
SELECT throws_ok($$SELECT pgdl.kmeans_step(ARRAY[1]::float8[], ARRAY[1000, 1, 0]::float8[] || array_fill(0::float8, ARRAY[1000]) || ARRAY[0, 1]::float8[])$$,
                 '54000', NULL, 'centres beyond pgdl.max_training_memory are 54000');
RESET pgdl.max_training_memory;

SELECT * FROM finish();
ROLLBACK;
