-- test/pgtap/split.sql: pgdl.split, reproducible train/test splits (the
-- README, "Held-out sets"): the fractions respected up to binomial noise,
-- the same parts for the same seed, others for another seed, a row's part
-- independent of row order and of the other rows, the source read
-- read-only with the caller's privileges, and bad arguments.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(38);

CREATE TABLE sp_src AS
SELECT i AS id, 'k' || i AS name, (i % 10)::float8 AS x FROM generate_series(1, 20000) i;

------------------------------------------------------------------------------
-- 1. the fractions, statistically
------------------------------------------------------------------------------
-- 20,000 rows: a part of fraction p gets 20000 p rows give or take
-- sqrt(20000 p (1 - p)) (65 for 0.7, 57 for 0.2, 42 for 0.1); 5 standard
-- deviations leave a correct split failing once in millions of seeds.
CREATE TEMP TABLE sp_counts AS
SELECT part, count(*) AS n FROM pgdl.split('sp_src', '{0.7,0.2,0.1}', 7, 'id') GROUP BY part;
SELECT is((SELECT array_agg(part ORDER BY part) FROM sp_counts), '{0,1,2}'::int[], 'three parts, numbered from 0');
SELECT is((SELECT sum(n) FROM sp_counts), 20000::numeric, 'every row in one part');
SELECT cmp_ok((SELECT abs(n - 14000) FROM sp_counts WHERE part = 0), '<', 325::bigint, 'part 0 holds 70 % of the rows');
SELECT cmp_ok((SELECT abs(n - 4000) FROM sp_counts WHERE part = 1), '<', 285::bigint, 'part 1 holds 20 %');
SELECT cmp_ok((SELECT abs(n - 2000) FROM sp_counts WHERE part = 2), '<', 210::bigint, 'part 2 holds 10 %');
-- without a key (the row number is the key) and over a text key alike
SELECT cmp_ok((SELECT abs(count(*) - 16000) FROM pgdl.split('sp_src', '{0.8,0.2}') WHERE part = 0), '<', 285::bigint,
              'without a key: part 0 holds 80 %');
SELECT cmp_ok((SELECT abs(count(*) - 10000) FROM pgdl.split('sp_src', '{0.5,0.5}', 3, 'name') WHERE part = 0), '<', 355::bigint,
              'a text key: half and half');
-- the parts are not a function of the key's order: each tenth of the ids gets its share
SELECT is((SELECT count(*) FROM (SELECT (key::int - 1) / 2000 AS tenth, avg((part = 0)::int) AS f
                                 FROM pgdl.split('sp_src', '{0.7,0.3}', 7, 'id') GROUP BY 1) b
           WHERE abs(f - 0.7) > 0.06), 0::bigint, 'every range of keys gets its share (no blocks)');

------------------------------------------------------------------------------
-- 2. reproducible; another seed differs; rows keep their parts
------------------------------------------------------------------------------
CREATE TEMP TABLE sp_a AS SELECT * FROM pgdl.split('sp_src', '{0.8,0.2}', 42, 'id');
SELECT is((SELECT count(*) FROM sp_a), 20000::bigint, 'one row per source row');
SELECT is_empty($$(SELECT * FROM sp_a EXCEPT SELECT * FROM pgdl.split('sp_src', '{0.8,0.2}', 42, 'id'))
                  UNION ALL (SELECT * FROM pgdl.split('sp_src', '{0.8,0.2}', 42, 'id') EXCEPT SELECT * FROM sp_a)$$,
                'the same seed gives the same parts');
SELECT is_empty($$SELECT * FROM sp_a EXCEPT SELECT * FROM pgdl.split('sp_src', '{0.8,0.2}', key => 'id')$$,
                'the default seed is 42');
-- two seeds agree on a row with probability 0.8^2 + 0.2^2 = 0.68
SELECT cmp_ok((SELECT count(*) FROM sp_a JOIN pgdl.split('sp_src', '{0.8,0.2}', 43, 'id') b USING (key)
               WHERE sp_a.part <> b.part), '>', 5000::bigint, 'another seed gives other parts');
SELECT is_empty($$SELECT * FROM pgdl.split('SELECT * FROM sp_src ORDER BY id DESC', '{0.8,0.2}', 42, 'id')
                  EXCEPT SELECT * FROM sp_a$$,
                'a row keeps its part when the rows come in another order');
SELECT is_empty($$SELECT * FROM pgdl.split('SELECT * FROM sp_src WHERE id % 3 = 0', '{0.8,0.2}', 42, 'id')
                  EXCEPT SELECT * FROM sp_a$$,
                'a row keeps its part when other rows are left out');
SELECT is((SELECT part FROM pgdl.split('SELECT 17 AS id', '{0.8,0.2}', 42, 'id')),
          (SELECT part FROM sp_a WHERE key = '17'), 'the part is a function of the key''s text and the seed');
SELECT is((SELECT part FROM pgdl.split('SELECT ''17''::text AS id', '{0.8,0.2}', 42, 'id')),
          (SELECT part FROM sp_a WHERE key = '17'), 'a text key ''17'' and an integer key 17 share a part');
-- without a key: the row number in the order the source is read
SELECT is((SELECT array_agg(key ORDER BY key::int) FROM pgdl.split('SELECT * FROM sp_src ORDER BY id LIMIT 5', '{0.5,0.5}')),
          '{1,2,3,4,5}'::text[], 'without a key, the key is the row number');
SELECT is_empty($$SELECT * FROM pgdl.split('SELECT id FROM sp_src ORDER BY id', '{0.8,0.2}')
                  EXCEPT SELECT * FROM sp_a$$,
                'without a key, row n gets the part of key n');
SELECT is((SELECT count(*) FROM pgdl.split('SELECT 1 AS a, 1 AS a', '{0.5,0.5}')), 1::bigint,
          'without a key, any columns will do');
SELECT is((SELECT count(*) FROM pgdl.split('SELECT * FROM sp_src WHERE false', '{0.5,0.5}', 1, 'id')), 0::bigint,
          'an empty source gives no rows');
SELECT is((SELECT count(DISTINCT part) FROM pgdl.split('sp_src', '{1}', 1, 'id')), 1::bigint, 'one fraction of 1: one part');

------------------------------------------------------------------------------
-- 3. bad arguments
------------------------------------------------------------------------------
SELECT throws_ok($$SELECT * FROM pgdl.split('sp_src', '{0.8,0.3}')$$, '22023',
                 'fractions must sum to 1, got 1.1', 'fractions that do not sum to 1: 22023');
SELECT throws_ok($$SELECT * FROM pgdl.split('sp_src', '{1.2,-0.2}')$$, '22023',
                 'fraction 2 is -0.2, not a positive number', 'a negative fraction: 22023');
SELECT throws_ok($$SELECT * FROM pgdl.split('sp_src', '{1,0}')$$, '22023', NULL, 'a zero fraction: 22023');
SELECT throws_ok($$SELECT * FROM pgdl.split('sp_src', '{NaN,1}')$$, '22023', NULL, 'a NaN fraction: 22023');
SELECT throws_ok($$SELECT * FROM pgdl.split('sp_src', '{}')$$, '22023', NULL, 'no fractions: 22023');
SELECT throws_ok($$SELECT * FROM pgdl.split('sp_src', '{0.5,NULL}')$$, '22004', 'fraction 2 is NULL', 'a NULL fraction: 22004');
SELECT throws_ok($$SELECT * FROM pgdl.split('sp_src', '{{0.5},{0.5}}')$$, '22000', NULL, 'a 2-D array: 22000');
SELECT throws_ok($$SELECT * FROM pgdl.split('sp_src', '{0.5,0.5}', NULL)$$, '22004', 'seed must not be NULL', 'a NULL seed: 22004');
SELECT throws_ok($$SELECT * FROM pgdl.split(NULL, '{0.5,0.5}')$$, '22004', 'source must not be NULL', 'a NULL source: 22004');
SELECT throws_ok($$SELECT * FROM pgdl.split('sp_src', '{0.5,0.5}', 1, 'ID')$$, '42703',
                 'key column "ID" is not in the source', 'a key column not in the source: 42703');
SELECT throws_ok($$SELECT * FROM pgdl.split('SELECT * FROM (VALUES (1, 1), (2, 2), (3, NULL), (4, 4)) v(n, id) ORDER BY n', '{0.5,0.5}', 1, 'id')$$,
                 '22004', 'key column "id" is NULL in row 3 of the source', 'a NULL key: 22004 naming the row');

------------------------------------------------------------------------------
-- 4. the source: read-only, the caller's privileges
------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.sp_write() RETURNS int LANGUAGE sql AS $$ INSERT INTO sp_src VALUES (0, 'w', 0) RETURNING 1 $$;
SELECT throws_ok($$SELECT * FROM pgdl.split('SELECT pg_temp.sp_write() AS id', '{0.5,0.5}', 1, 'id')$$, '25006', NULL,
                 'the source runs read-only: a function that writes fails');
CREATE ROLE sp_nobody;
SET LOCAL ROLE sp_nobody;
SELECT throws_ok($$SELECT * FROM pgdl.split('public.sp_src', '{0.5,0.5}', 1, 'id')$$, '42501', NULL,
                 'a table the caller may not read: 42501');
RESET ROLE;

-- keys whose text depends on session settings (TimeZone, DateStyle,
-- extra_float_digits, IntervalStyle, bytea_output) keep their parts in
-- every session
CREATE TEMP TABLE sp_keys AS
SELECT i, timestamptz '2024-01-01 00:00+00' + i * interval '1 hour' AS ts, date '2024-01-01' + i AS d,
       i * 0.1::float8 AS f, i * interval '1 minute' AS iv, ('\x' || lpad(to_hex(i), 4, '0'))::bytea AS b
FROM generate_series(1, 1000) i;
CREATE FUNCTION pg_temp.sp_parts(col text) RETURNS int[] LANGUAGE sql AS $$
    SELECT array_agg(s.part ORDER BY k.i)
    FROM pgdl.split('SELECT * FROM sp_keys', '{0.5,0.5}', 1, col) s
    JOIN sp_keys k ON s.key = pg_catalog.format('%s', CASE col WHEN 'ts' THEN k.ts::text WHEN 'd' THEN k.d::text
                                                     WHEN 'f' THEN k.f::text WHEN 'iv' THEN k.iv::text ELSE k.b::text END)
$$;
SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET extra_float_digits = 1;
SET IntervalStyle = 'postgres'; SET bytea_output = 'hex';
CREATE TEMP TABLE sp_p1 AS SELECT c, pg_temp.sp_parts(c) AS parts FROM unnest(ARRAY['ts', 'd', 'f', 'iv', 'b']) c;
SET TimeZone = 'Asia/Kolkata'; SET DateStyle = 'German, DMY'; SET extra_float_digits = 0;
SET IntervalStyle = 'sql_standard'; SET bytea_output = 'escape';
CREATE TEMP TABLE sp_p2 AS SELECT c, pg_temp.sp_parts(c) AS parts FROM unnest(ARRAY['ts', 'd', 'f', 'iv', 'b']) c;
RESET TimeZone; RESET DateStyle; RESET extra_float_digits; RESET IntervalStyle; RESET bytea_output;
SELECT is((SELECT array_length(parts, 1) FROM sp_p2 WHERE c = 'ts'), 1000, 'every key joins back in the other session');
SELECT is((SELECT parts FROM sp_p2 WHERE c = 'ts'), (SELECT parts FROM sp_p1 WHERE c = 'ts'),
          'a timestamptz key: the same parts whatever TimeZone and DateStyle');
SELECT is((SELECT parts FROM sp_p2 WHERE c = 'd'), (SELECT parts FROM sp_p1 WHERE c = 'd'),
          'a date key: the same parts whatever DateStyle');
SELECT is((SELECT array_agg(c ORDER BY c) FROM sp_p1 JOIN sp_p2 USING (c)
           WHERE c IN ('f', 'iv', 'b') AND sp_p1.parts IS DISTINCT FROM sp_p2.parts), NULL,
          'float8, interval and bytea keys: the same parts whatever extra_float_digits, IntervalStyle and bytea_output');

SELECT * FROM finish();
ROLLBACK;
