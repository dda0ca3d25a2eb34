-- Review of the neural-network glue: one section per bug found, each
-- failing (or crashing) before its fix.  Small fixed-seed data; outputs
-- are thresholded so they do not depend on the last bits of arithmetic.
SET client_min_messages = warning;
-- an error as "SQLSTATE: message", to show the code without file and line
CREATE FUNCTION rv_error(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- categorical features of type name (not a varlena: reading it as text
-- crashed the backend) and char(n) (read with its padding, so no row ever
-- matched the vocabulary, which the ::text cast reads without it)
CREATE TABLE rv_cat AS
SELECT i, CASE WHEN i % 2 = 0 THEN 'even' ELSE 'odd' END AS k,
	   (CASE WHEN i % 2 = 0 THEN 'bbbb' ELSE 'dddd' END)::name AS nm,
	   (CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END)::char(3) AS ch
FROM generate_series(1, 100) i;
SELECT model, version FROM pgdl.train_model('rv_name', 'rv_cat', 'k', '[{"type":"dense","units":4}]', ARRAY['nm'],
	'{"epochs":50,"learning_rate":0.05,"seed":1,"validation_fraction":0,"categorical":["nm"]}');
SELECT model, version FROM pgdl.train_model('rv_char', 'rv_cat', 'k', '[{"type":"dense","units":4}]', ARRAY['ch'],
	'{"epochs":50,"learning_rate":0.05,"seed":1,"validation_fraction":0,"categorical":["ch"]}');
SELECT metric, value FROM pgdl.evaluate('rv_name', 'rv_cat') WHERE metric = 'accuracy';
SELECT metric, value FROM pgdl.evaluate('rv_char', 'rv_cat') WHERE metric = 'accuracy';
SELECT pgdl.predict_label('rv_name', c) = k AS by_record_name, pgdl.predict_label('rv_char', c) = k AS by_record_char
FROM rv_cat c WHERE i IN (1, 2) ORDER BY i;

-- target labels: training built them with SQL casts, evaluate with C output
-- functions, and they disagreed for char(n) (padding), for floats trained
-- under another extra_float_digits, and for -0 next to 0 (DISTINCT merged
-- them, then a row's '-0' was "not among the labels")
CREATE TABLE rv_lab AS
SELECT i, (i % 2)::float8 AS x,
	   (CASE WHEN i % 2 = 0 THEN 'ev' ELSE 'od' END)::char(4) AS ch,
	   CASE WHEN i % 2 = 0 THEN 0.1::real ELSE 0.7::real END AS r,
	   CASE WHEN i % 2 = 0 THEN (CASE WHEN i % 4 = 0 THEN '-0'::float8 ELSE 0 END) ELSE 1 END AS z
FROM generate_series(1, 100) i;
SELECT model, version FROM pgdl.train_model('rv_lab_char', 'rv_lab', 'ch', '[{"type":"dense","units":4}]', ARRAY['x'],
	'{"epochs":50,"learning_rate":0.05,"seed":1,"validation_fraction":0}');
SELECT metric, value FROM pgdl.evaluate('rv_lab_char', 'rv_lab') WHERE metric IN ('accuracy', 'n') ORDER BY 1;
SELECT actual, predicted, n FROM pgdl.confusion_matrix('rv_lab_char', 'rv_lab') ORDER BY 1, 2;
SET extra_float_digits = 0;
SELECT model, version FROM pgdl.train_model('rv_lab_real', 'rv_lab', 'r', '[{"type":"dense","units":4}]', ARRAY['x'],
	'{"epochs":50,"learning_rate":0.05,"seed":1,"validation_fraction":0,"task":"classification"}');
RESET extra_float_digits;
SELECT labels FROM pgdl.models WHERE name = 'rv_lab_real';
SELECT metric, value FROM pgdl.evaluate('rv_lab_real', 'rv_lab') WHERE metric = 'accuracy';
SELECT model, version FROM pgdl.train_model('rv_lab_zero', 'rv_lab', 'z', '[{"type":"dense","units":4}]', ARRAY['x'],
	'{"epochs":50,"learning_rate":0.05,"seed":1,"validation_fraction":0,"task":"classification"}');
SELECT labels FROM pgdl.models WHERE name = 'rv_lab_zero';
SELECT metric, value FROM pgdl.evaluate('rv_lab_zero', 'rv_lab') WHERE metric = 'accuracy';

-- evaluate of a regression model against a non-numeric column was XX000
-- ("unexpected feature type 0"); it is 42804 naming the column
CREATE TABLE rv_reg AS SELECT i, (i % 10)::float8 AS x, (i % 10) * 2.0 AS y, 'z' || i AS t FROM generate_series(1, 100) i;
SELECT model, version FROM pgdl.train_model('rv_reg', 'rv_reg', 'y', '[{"type":"dense","units":2}]', ARRAY['x'], '{"epochs":2,"seed":1}');
SELECT rv_error($$SELECT * FROM pgdl.evaluate('rv_reg', 'rv_reg', 't')$$);

-- evaluate grew a square confusion matrix with the target's distinct
-- values: past 8192 values the model never saw it asked for more than 1 GB
-- (XX000 "invalid memory alloc request size"); it grows by rows only now
CREATE TABLE rv_bin AS SELECT i, (i % 2)::float8 AS x, (i % 2 = 0) AS y FROM generate_series(1, 100) i;
SELECT model, version FROM pgdl.train_model('rv_bin', 'rv_bin', 'y', '[{"type":"dense","units":4}]', ARRAY['x'],
	'{"epochs":50,"learning_rate":0.05,"seed":1,"validation_fraction":0}');
SELECT metric, value FROM pgdl.evaluate('rv_bin', 'SELECT 1::float8 AS x, g::text AS y FROM generate_series(1, 20000) g')
WHERE metric IN ('accuracy', 'n') ORDER BY 1;
SELECT actual, predicted, n FROM pgdl.confusion_matrix('rv_bin',
	'SELECT x, CASE WHEN i % 10 = 0 THEN ''other'' ELSE y::text END AS y FROM rv_bin') ORDER BY 1, 2;
SELECT metric, value FROM pgdl.evaluate('rv_bin',
	'SELECT x, CASE WHEN i % 10 = 0 THEN ''other'' ELSE y::text END AS y FROM rv_bin')
WHERE metric IN ('accuracy', 'recall', 'precision', 'n') ORDER BY 1;

-- PL/pgSQL keeps a simple expression's state (and so fn_extra) for the
-- whole transaction: the cached model outlived its statement, and after a
-- retrain 'm@latest' (or a deploy, for 'm') still scored with the old version
DO $$
DECLARE
	v int;
	latest float8;
	exact float8;
BEGIN
	FOR i IN 1..2 LOOP
		SELECT version INTO v FROM pgdl.train_model('rv_plpgsql', 'rv_bin', 'y', '[{"type":"dense","units":2}]', ARRAY['x'],
			format('{"epochs":%s,"seed":%s,"validation_fraction":0}', i * 20, i)::jsonb);
		latest := (pgdl.predict_proba('rv_plpgsql@latest', ARRAY[1]))[2];
		exact := (pgdl.predict_proba('rv_plpgsql@' || v, ARRAY[1]))[2];
		RAISE WARNING 'version %: @latest scores like it: %', v, latest = exact;
	END LOOP;
END $$;

-- SPI text must not depend on search_path: deploy_model and drop_model
-- called max() and count() unqualified, so a schema ahead of
-- pg_catalog could run its own aggregate with the caller's privileges
CREATE SCHEMA rv_evil;
CREATE FUNCTION rv_evil.trap(int, int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
	RAISE WARNING 'rv_evil.max() ran as the caller';
	RETURN 42;
END $$;
CREATE AGGREGATE rv_evil.max(int) (sfunc = rv_evil.trap, stype = int);
SET search_path = rv_evil, pg_catalog, public;
SELECT pgdl.deploy_model('rv_plpgsql', NULL) AS highest_version;
SELECT pgdl.drop_model('rv_plpgsql') AS dropped;
RESET search_path;
DROP SCHEMA rv_evil CASCADE;

-- train_model in a read-only transaction (or on a standby) trained to the
-- end and only then failed to save; it fails before reading anything now
BEGIN READ ONLY;
SELECT rv_error($$SELECT * FROM pgdl.train_model('rv_ro', 'rv_bin', 'y', '[{"type":"dense","units":2}]', ARRAY['x'], '{"epochs":1}')$$);
-- cross_validate saves nothing and still runs
SELECT count(*) > 0 AS cross_validates FROM pgdl.cross_validate('rv_bin', 'y', '[{"type":"dense","units":2}]', 2, ARRAY['x'], '{"epochs":1}');
COMMIT;

-- a label or category longer than the model format allows (4096 bytes)
-- failed only when saving, after the whole training; now before it
CREATE TABLE rv_long AS
SELECT i, (i % 2)::float8 AS x, repeat(chr(97 + i % 2), 5000) AS y, repeat('c', 4999 + i % 3) AS cat, (i % 2 = 0) AS b
FROM generate_series(1, 20) i;
SELECT rv_error($$SELECT * FROM pgdl.train_model('rv_long', 'rv_long', 'y', '[{"type":"dense","units":2}]', ARRAY['x'], '{"epochs":1}')$$);
SELECT rv_error($$SELECT * FROM pgdl.train_model('rv_long', 'rv_long', 'b', '[{"type":"dense","units":2}]', ARRAY['cat'], '{"epochs":1,"categorical":["cat"]}')$$);

-- cross_validate copied the rows for each fold's scaler, a copy not counted
-- against max_training_memory / the max_memory option (twice the limit); now
-- each fold prepares the spooled rows into one matrix, and all the memory
-- it holds (rows, folds, the network) is charged to one budget
CREATE TABLE rv_wide AS
SELECT i, array_fill((i % 2)::float8, ARRAY[20]) AS v, (i % 2 = 0) AS y FROM generate_series(1, 10000) i;
SELECT rv_error($$SELECT * FROM pgdl.cross_validate('rv_wide', 'y', '[{"type":"dense","units":2}]', 2, ARRAY['v'], '{"epochs":1,"max_memory":"512kB"}')$$);
SELECT count(*) > 0 AS fits_in_2mb FROM pgdl.cross_validate('rv_wide', 'y', '[{"type":"dense","units":2}]', 2, ARRAY['v'], '{"epochs":1,"max_memory":"2MB"}');

-- after a training, pg_stat_activity.query kept "pgdl: training ... epoch"
-- for the rest of the statement and while the session sat idle
SELECT (SELECT version FROM pgdl.train_model('rv_activity', 'rv_bin', 'y', '[{"type":"dense","units":2}]', ARRAY['x'], '{"epochs":1}')) AS version,
	   (SELECT query NOT LIKE 'pgdl: training%' FROM pg_stat_activity WHERE pid = pg_backend_pid()) AS shows_the_statement;
