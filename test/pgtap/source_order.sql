-- test/pgtap/source_order.sql: a query source's ORDER BY is the order
-- pgdl reads its rows in (see the README, "Reproducible training"): a
-- training from an ordered query equals, weight for weight, the training
-- from a table stored in that order - ORDER BY a name, a position, several
-- keys with NULLS FIRST, a quoted name, a set operation, a column that is not
-- in the result - in memory and streamed.  Everything is rolled back at the
-- end.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(11);

CREATE TEMP TABLE so AS
SELECT i AS k, sin(i)::float8 AS a, cos(i * 3)::float8 AS b, sin(i) + cos(i * 3) > 0 AS y,
       CASE WHEN i % 7 = 0 THEN NULL ELSE i % 5 END AS g
FROM generate_series(1, 500) i;
CREATE TEMP TABLE so_desc AS SELECT * FROM so ORDER BY k DESC;
CREATE TEMP TABLE so_by_label AS SELECT * FROM so ORDER BY y DESC, g NULLS FIRST, k;

-- the weights of a training of name on src (no validation split: every row trains, in order)
CREATE FUNCTION pg_temp.weights(name text, src text, opts jsonb DEFAULT '{}') RETURNS bytea LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pgdl.train_model(name, src, 'y', '[{"type":"dense","units":4}]', ARRAY['a', 'b'],
                             '{"epochs": 2, "validation_fraction": 0, "seed": 5}'::jsonb || opts);
    RETURN pgdl.export_model(name || '@latest');
END $$;

SELECT is(pg_temp.weights('so_1', 'SELECT * FROM so ORDER BY k DESC'), pg_temp.weights('so_t', 'so_desc'),
          'ORDER BY a column: the rows are read in that order');
SELECT isnt(pg_temp.weights('so_2', 'SELECT * FROM so ORDER BY k'), pg_temp.weights('so_t', 'so_desc'),
            'the other order gives other weights');
SELECT is(pg_temp.weights('so_3', 'SELECT k, a, b, y FROM so ORDER BY 1 DESC'), pg_temp.weights('so_t', 'so_desc'),
          'ORDER BY a position');
SELECT is(pg_temp.weights('so_4', 'SELECT k AS "Key", a, b, y FROM so ORDER BY "Key" DESC'), pg_temp.weights('so_t', 'so_desc'),
          'ORDER BY a quoted alias');
SELECT is(pg_temp.weights('so_5', 'SELECT * FROM so ORDER BY y DESC, g NULLS FIRST, k'), pg_temp.weights('so_t', 'so_by_label'),
          'ORDER BY several keys, directions and NULLS FIRST');
SELECT is(pg_temp.weights('so_6', 'SELECT * FROM so WHERE k <= 250 UNION ALL SELECT * FROM so WHERE k > 250 ORDER BY k DESC'),
          pg_temp.weights('so_t', 'so_desc'), 'ORDER BY of a set operation');
SELECT is(pg_temp.weights('so_7', 'SELECT a, b, y FROM so ORDER BY k DESC'), pg_temp.weights('so_t', 'so_desc'),
          'ORDER BY a column that is not in the result');
SELECT is(pg_temp.weights('so_8', 'SELECT * FROM so ORDER BY k DESC', '{"data": "stream"}'),
          pg_temp.weights('so_t', 'so_desc', '{"data": "stream"}'), 'streamed, too');
SELECT is(pg_temp.weights('so_9', 'SELECT * FROM so ORDER BY -k'), pg_temp.weights('so_t', 'so_desc'),
          'ORDER BY an expression');

-- what training reads, row by row: the first row is the first of the ORDER BY
SELECT is((SELECT inputs FROM pgdl.source_inputs('so_1', 'SELECT * FROM so ORDER BY k DESC') WHERE row_number = 1),
          (SELECT pgdl.model_inputs('so_1', ARRAY[a, b]) FROM so WHERE k = 500), 'source_inputs reads the first row first');
SELECT is((SELECT inputs FROM pgdl.source_inputs('so_1', 'SELECT * FROM so ORDER BY k DESC LIMIT 10') WHERE row_number = 10),
          (SELECT pgdl.model_inputs('so_1', ARRAY[a, b]) FROM so WHERE k = 491), 'with LIMIT, up to the last row');

SELECT * FROM finish();
ROLLBACK;
