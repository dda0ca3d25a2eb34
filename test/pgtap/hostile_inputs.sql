-- test/pgtap/hostile_inputs.sql: the defects a hostile test campaign found in
-- 0.1.0, each reproduced: scores that overflow float32 (evaluate and
-- roc_curve looped forever on a NaN score), networks too large for the limits
-- (allocated before any check), finite values beyond float32 (silently
-- ±Infinity/NaN), and inconsistent error codes.  A statement_timeout guards
-- the whole suite: a loop that stalls again fails the suite instead of
-- hanging it (the old loop did not even hear the timeout).
-- Everything is rolled back at the end.
BEGIN;
SET client_min_messages = warning;
SET statement_timeout = '120s';
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(35);

CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    m text;
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS m = MESSAGE_TEXT;
    RETURN SQLSTATE || ': ' || m;
END $$;

-- sequences of 8 steps x 2 features, and the same with one row of 1e38
-- (finite in float32, but the transformer's products overflow on it)
CREATE TEMP TABLE seqs AS
SELECT i AS id, array_fill((i % 3)::float8, ARRAY[8, 2]) AS x, (i % 2 = 0) AS y
FROM generate_series(1, 120) i;
CREATE TEMP TABLE seqs_hot AS SELECT * FROM seqs;
UPDATE seqs_hot SET x = array_fill(1e38::float8, ARRAY[8, 2]) WHERE id = 7;

SELECT lives_ok($$SELECT * FROM pgdl.train_model('hi_tr', 'seqs', 'y',
    '[{"type":"transformer_encoder","heads":2},{"type":"global_avgpool"}]', ARRAY['x'],
    '{"epochs":1,"seed":1}')$$, 'a small transformer trains');

------------------------------------------------------------------------------
-- 1. a row whose scores are not finite: an error naming the row, never a
--    label, a NULL metric or an endless loop
------------------------------------------------------------------------------
SELECT throws_like($$SELECT * FROM pgdl.evaluate('hi_tr', 'seqs_hot', 'y')$$,
    'model "hi_tr" computed a non-finite output (NaN) for row %', 'evaluate: 22003 on a NaN score (looped forever in 0.1.0)');
SELECT is(pg_temp.err($$SELECT * FROM pgdl.evaluate('hi_tr', 'seqs_hot', 'y')$$) LIKE '22003:%', true,
    'evaluate: SQLSTATE 22003');
SELECT is(pg_temp.err($$SELECT * FROM pgdl.roc_curve('hi_tr', 'seqs_hot', 'y')$$) LIKE '22003:%', true,
    'roc_curve: 22003 on a NaN score (looped forever in 0.1.0)');
SELECT is(pg_temp.err($$SELECT * FROM pgdl.confusion_matrix('hi_tr', 'seqs_hot', 'y')$$) LIKE '22003:%', true,
    'confusion_matrix: 22003, not the first label for the row');
SELECT is(pg_temp.err($$SELECT * FROM pgdl.predict_batch('hi_tr', 'seqs_hot', 'id')$$) LIKE '22003:%', true,
    'predict_batch: 22003, not the first label for the row');
SELECT is(pg_temp.err($$SELECT pgdl.predict_label('hi_tr', x) FROM seqs_hot WHERE id = 7$$),
    '22003: model "hi_tr" computed a non-finite output (NaN) for this row', 'predict_label: 22003');
SELECT is(pg_temp.err($$SELECT pgdl.predict_proba('hi_tr', x) FROM seqs_hot WHERE id = 7$$) LIKE '22003:%', true,
    'predict_proba: 22003, not NaN probabilities');
SELECT is(pg_temp.err($$SELECT pgdl.predict('hi_tr', s) FROM seqs_hot s WHERE id = 7$$) LIKE '22003:%', true,
    'predict(record): 22003');
SELECT is((SELECT count(*) FROM pgdl.roc_curve('hi_tr', 'seqs', 'y')) > 0, true,
    'roc_curve on finite rows still works');

------------------------------------------------------------------------------
-- 2. a network too large for the limits: 54000 when it is planned, before
--    a parameter is allocated (65536 x 65536 took 16.8 GB for 100 s in 0.1.0)
------------------------------------------------------------------------------
CREATE TEMP TABLE small AS
SELECT i AS id, (i % 7)::float8 AS a, (i % 5)::float8 AS b, (i % 3)::float8 AS c, (i % 2 = 0) AS y
FROM generate_series(1, 50) i;
SELECT throws_like($$SELECT * FROM pgdl.train_model('hi_big', 'small', 'y',
    '[{"type":"dense","units":65536},{"type":"dense","units":65536}]')$$,
    'the network has 4295360513 parameters % more than pgdl.max_model_size %',
    'two 65536-unit layers: the parameter count against pgdl.max_model_size');
SELECT is(pg_temp.err($$SELECT * FROM pgdl.train_model('hi_big', 'small', 'y',
    '[{"type":"dense","units":32768},{"type":"dense","units":32768}]')$$) LIKE '54000:%', true,
    'two 32768-unit layers: 54000 (11.6 s and 4.2 GB, deaf to statement_timeout, in 0.1.0)');
SELECT is(pg_temp.err($$SELECT * FROM pgdl.cross_validate('small', 'y',
    '[{"type":"dense","units":65536},{"type":"dense","units":65536}]', 2)$$) LIKE '54000:%', true,
    'cross_validate: the same check');
SET pgdl.max_training_memory = '64MB';
SELECT throws_like($$SELECT * FROM pgdl.train_model('hi_big', 'small', 'y',
    '[{"type":"dense","units":3000},{"type":"dense","units":3000}]')$$,
    'training this network needs at least % kB (9018001 parameters with their gradients and optimizer state, and one row''s activations), more than pgdl.max_training_memory (65536 kB)',
    'under max_model_size but over the training memory: 54000 naming the setting');
SELECT throws_like($$SELECT * FROM pgdl.train_model('hi_big', 'small', 'y',
    '[{"type":"dense","units":3000},{"type":"dense","units":3000}]', NULL, '{"max_memory":"32MB"}')$$,
    '% more than the option "max_memory" %', 'the option max_memory is named when it is the limit');
RESET pgdl.max_training_memory;
SELECT is((SELECT count(*) FROM pgdl.models WHERE name = 'hi_big'), 0::bigint, 'no version was saved');

-- one memory budget: the rows, the network and its working memory together
-- (0.1.0 checked the rows and a batch's workspace each against the limit
-- alone, so a training could hold nearly twice the limit)
CREATE TEMP TABLE budget_rows AS
SELECT i AS id, array_fill((i % 5)::real, ARRAY[300]) AS v, (i % 2 = 0) AS y FROM generate_series(1, 1000) i;
SELECT throws_like($$SELECT * FROM pgdl.train_model('hi_budget', 'budget_rows', 'y',
    '[{"type":"dense","units":256}]', ARRAY['v'], '{"epochs":1,"max_memory":"2MB"}')$$,
    'the training needs more memory than the option "max_memory" (2048 kB): % kB held, % kB more asked for',
    'rows (1.2 MB) and a network (1.2 MB with its gradients and moments) that each fit 2 MB but not together: 54000');
SELECT lives_ok($$SELECT * FROM pgdl.train_model('hi_budget', 'budget_rows', 'y',
    '[{"type":"dense","units":256}]', ARRAY['v'], '{"epochs":1,"max_memory":"4MB"}')$$,
    'the same training within a 4 MB budget');

------------------------------------------------------------------------------
-- 4. finite values beyond float32: 22003 naming the column, the row and the
--    limit (they became ±Infinity/NaN in 0.1.0), unless the model's scaler
--    brings them into range
------------------------------------------------------------------------------
CREATE TEMP TABLE wide AS SELECT * FROM small;
UPDATE wide SET a = 1e39 WHERE id = 4;
SELECT throws_like($$SELECT * FROM pgdl.train_model('hi_wide', 'wide', 'y', '[{"type":"dense","units":4}]', ARRAY['a', 'b'], '{"standardize":false}')$$,
    'feature "a" in row % is 1e+39, beyond the float32 range of the network (magnitudes up to 3.40282e+38)',
    'train_model without a scaler: 22003 naming the column, the row and the limit (not "training diverged")');
SELECT lives_ok($$SELECT * FROM pgdl.train_model('hi_wide', 'wide', 'y', '[{"type":"dense","units":4}]', ARRAY['a', 'b'], '{"epochs":2}')$$,
    'train_model with the default scaler: fitted in double, it brings 1e39 into range');
SELECT lives_ok($$SELECT * FROM pgdl.train_model('hi_ok', 'small', 'y', '[{"type":"dense","units":4}]', ARRAY['a', 'b'],
    '{"epochs":2,"seed":1,"standardize":false}')$$, 'a model without a scaler');
SELECT is(pg_temp.err($$SELECT pgdl.predict('hi_ok', ARRAY[1e39, 1])$$),
    '22003: feature "a" is 1e+39, beyond the float32 range of the network (magnitudes up to 3.40282e+38)',
    'predict: 22003 (NaN in 0.1.0)');
SELECT is(pg_temp.err($$SELECT pgdl.predict_label('hi_ok', ARRAY[1, -1e39])$$) LIKE '22003: feature "b" is -1e+39%', true,
    'predict_label: 22003 naming the feature (the first label in 0.1.0)');
SELECT is(pg_temp.err($$SELECT * FROM pgdl.evaluate('hi_ok', 'wide', 'y')$$) LIKE '22003: feature "a" in row % is 1e+39%', true,
    'evaluate: 22003 naming the row (NULL metrics with n = 50 in 0.1.0)');
SELECT is(pg_temp.err($$SELECT * FROM pgdl.confusion_matrix('hi_ok', 'wide', 'y')$$) LIKE '22003:%', true,
    'confusion_matrix: 22003');
SELECT is(pg_temp.err($$SELECT * FROM pgdl.kmeans('wide', 2, ARRAY['a', 'b'])$$) LIKE '22003: feature "a" in row % is 1e+39%', true,
    'kmeans: 22003 naming the value (called "infinite" in 0.1.0)');
-- a scaler fitted on values near 1e32 brings 1e39 to about 1e7: in range
CREATE TEMP TABLE huge AS SELECT id, a * 1e32 AS a, b, y FROM small;
SELECT lives_ok($$SELECT * FROM pgdl.train_model('hi_huge', 'huge', 'y', '[{"type":"dense","units":4}]', ARRAY['a', 'b'],
    '{"epochs":2,"seed":1}')$$, 'a standardized model of values near 1e32');
SELECT ok(pgdl.predict_proba('hi_huge', ARRAY[1e39, 1])::text NOT LIKE '%NaN%',
    'predict: a value beyond float32 that the scaler brings into range is scored');
SELECT is(pg_temp.err($$SELECT pgdl.predict('hi_huge', ARRAY[1e300, 1])$$) LIKE '22003: feature "a" is % after the model''s scaling, beyond the float32 range%', true,
    'predict: beyond float32 even after scaling is 22003 saying so');

------------------------------------------------------------------------------
-- 7. error codes and messages: one rule everywhere
------------------------------------------------------------------------------
SELECT is(pg_temp.err($$SELECT * FROM pgdl.train_model('hi_r', 'small', 'y', '[{"type":"dense","units":2}]', NULL, '{"task":"regression"}')$$),
    '42804: regression needs a numeric target; "y" is boolean',
    'regression on a bool target: 42804 (42846 with pgdl''s internal query in 0.1.0)');
SELECT is(pg_temp.err($$SELECT * FROM pgdl.train_model('hi_e', 'small', 'y', '[{"type":"batchnorm","epsilon":1e39}]')$$) LIKE '22023:% within float32''s range %', true,
    'epsilon 1e39: 22023 naming the float32 limit (not "must be a positive number")');
SELECT is(pg_temp.err($$SELECT * FROM pgdl.train_model('hi_e', 'small', 'y', '[]', NULL, '{"learning_rate":1e39}')$$) LIKE '22023:% within float32''s range %', true,
    'learning_rate 1e39: the same rule for options');
SELECT lives_ok($$SELECT * FROM pgdl.train_model('hi_flat3', 'small', 'y', '[{"type":"dense","units":4}]', ARRAY['a', 'b', 'c'],
    '{"epochs":1,"seed":1}')$$, 'a model of three flat features');
SELECT is(pg_temp.err($$SELECT pgdl.predict('hi_flat3', ARRAY[[1.0], [2.0], [3.0]])$$),
    '22000: feature vector must be a one-dimensional array, got 2 dimensions',
    'predict: a 2-D array for a flat model is 22000, as the aggregates and transform say (accepted flat in 0.1.0)');
SELECT is(pg_temp.err($$SELECT pgdl.predict_proba('hi_flat3', ARRAY[[1.0, 2.0, 3.0]])$$) LIKE '22000:%', true,
    'predict_proba: the same rule');

SELECT * FROM finish();
ROLLBACK;
