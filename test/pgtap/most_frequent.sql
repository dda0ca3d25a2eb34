-- test/pgtap/most_frequent.sql: the most_frequent imputer of numbers
-- (pgdl.imputer(x, 'most_frequent') over one column or an array: a
-- pgdl.scaler whose fill is each feature's mode) and of text
-- (pgdl.imputer(x text, 'most_frequent'): the value itself): each equals
-- mode() WITHIN GROUP, ties go to the smallest value (byte order for text),
-- a parallel plan splits it, and past 100,000 distinct values it is 54000.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(18);

-- an ordinary table (rolled back): parallel workers cannot read a temporary one
CREATE TABLE mf (id int, x float8, i int, a int[], s text);
INSERT INTO mf SELECT g, CASE WHEN g % 9 = 0 THEN NULL ELSE ((g * 7) % 5) * 0.5 END, (g * 11) % 13,
       ARRAY[g % 3, CASE WHEN g % 4 = 0 THEN NULL ELSE g % 5 END],
       CASE WHEN g % 10 = 0 THEN NULL ELSE (ARRAY['pear', 'Apple', 'fig', 'apple', 'pear', 'kiwi', 'Apple'])[g % 7 + 1] END
FROM generate_series(1, 3000) g;

CREATE FUNCTION pg_temp.fill(s pgdl.scaler) RETURNS float8[] LANGUAGE sql AS
$$ SELECT ARRAY(SELECT jsonb_array_elements_text((s::text)::jsonb -> 'fill')::float8) $$;
\ir lib/plan_has.sql

SELECT is((SELECT pg_temp.fill(pgdl.imputer(x, 'most_frequent')) FROM mf),
          (SELECT ARRAY[mode() WITHIN GROUP (ORDER BY x)] FROM mf), 'a float8 column: its mode');
SELECT is((SELECT pg_temp.fill(pgdl.imputer(i, 'most_frequent')) FROM mf),
          (SELECT ARRAY[mode() WITHIN GROUP (ORDER BY i)::float8] FROM mf), 'an integer column resolves without a cast');
SELECT is((SELECT pg_temp.fill(pgdl.imputer(a, 'most_frequent')) FROM mf),
          (SELECT ARRAY[(SELECT mode() WITHIN GROUP (ORDER BY a[1]) FROM mf)::float8,
                        (SELECT mode() WITHIN GROUP (ORDER BY a[2]) FROM mf)::float8]),
          'an int4[] column: each element''s mode, NULL elements skipped');
SELECT is((SELECT (pgdl.imputer(x, 'most_frequent')::text)::jsonb ->> 'strategy' FROM mf), 'most_frequent',
          'the text form names the strategy');
SELECT is((SELECT pgdl.imputer(x, 'most_frequent')::text::pgdl.scaler::text FROM mf),
          (SELECT pgdl.imputer(x, 'most_frequent')::text FROM mf), 'and parses back');
-- ties: 3 and 1 twice each, 2 once: the smallest, as mode() and scikit-learn
SELECT is((SELECT pg_temp.fill(pgdl.imputer(v, 'most_frequent')) FROM unnest(ARRAY[3, 1, 3, 2, 1]::float8[]) v),
          (SELECT ARRAY[mode() WITHIN GROUP (ORDER BY v)] FROM unnest(ARRAY[3, 1, 3, 2, 1]::float8[]) v),
          'of equally frequent values the smallest');
SELECT is((SELECT pg_temp.fill(pgdl.imputer(v, 'most_frequent')) FROM unnest(ARRAY['-0', '0', '5', '5']::float8[]) v),
          ARRAY[0::float8], '-0 and 0 are one value');
SELECT is((SELECT pgdl.transform(pgdl.imputer(x, 'most_frequent'), NULL::float8) FROM mf),
          (SELECT mode() WITHIN GROUP (ORDER BY x) FROM mf), 'transform fills a NULL with the mode');
SELECT ok((SELECT pgdl.imputer(x, 'most_frequent') IS NULL FROM mf WHERE x IS NULL), 'only NULLs: NULL');

-- text
SELECT is((SELECT pgdl.imputer(s, 'most_frequent') FROM mf),
          (SELECT mode() WITHIN GROUP (ORDER BY s COLLATE "C") FROM mf), 'a text column: its mode');
SELECT is((SELECT pgdl.imputer(v, 'most_frequent') FROM unnest(ARRAY['b', 'a', 'B', 'b', 'B']) v),
          (SELECT mode() WITHIN GROUP (ORDER BY v COLLATE "C") FROM unnest(ARRAY['b', 'a', 'B', 'b', 'B']) v),
          'ties: the first in byte order');
SELECT is((SELECT pgdl.imputer(s::varchar, 'most_frequent') FROM mf WHERE s IS NULL), NULL, 'varchar resolves; only NULLs: NULL');
SELECT throws_ok($$SELECT pgdl.imputer(s, 'mean') FROM mf$$, '22023', 'unknown imputer strategy "mean" for text',
                 'text takes most_frequent only');

-- a parallel plan splits both and combines their states
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
ALTER TABLE mf SET (parallel_workers = 2);
SELECT ok(pg_temp.plan_has($$SELECT pgdl.imputer(x, 'most_frequent'), pgdl.imputer(s, 'most_frequent') FROM mf$$,
                           'Partial Aggregate'), 'both run as partial aggregates in a parallel plan');
SELECT is((SELECT ARRAY[pg_temp.fill(pgdl.imputer(x, 'most_frequent'))::text, pgdl.imputer(s, 'most_frequent')] FROM mf),
          (SELECT ARRAY[ARRAY[mode() WITHIN GROUP (ORDER BY x)]::text, mode() WITHIN GROUP (ORDER BY s COLLATE "C")] FROM mf),
          'with the serial result');
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- the bound: 100,000 distinct values
SELECT lives_ok($$SELECT pgdl.imputer(g::float8, 'most_frequent') FROM generate_series(1, 100000) g$$,
                '100,000 distinct numbers are counted exactly');
SELECT throws_ok($$SELECT pgdl.imputer(g::float8, 'most_frequent') FROM generate_series(1, 100001) g$$, '54000',
                 'the most_frequent imputer counts at most 100000 distinct values', 'one more is 54000');
SELECT throws_ok($$SELECT pgdl.imputer(g::text, 'most_frequent') FROM generate_series(1, 100001) g$$, '54000',
                 'the most_frequent imputer counts at most 100000 distinct values', 'for text too');

SELECT * FROM finish();
ROLLBACK;
