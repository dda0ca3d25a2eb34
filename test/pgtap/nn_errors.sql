-- test/pgtap/nn_errors.sql: every bad input of the neural-network functions
-- (see the README) raises its exact SQLSTATE with a message naming the
-- problem, and every form of predict works on the happy path.
-- Everything (tables, models, settings) is rolled back at the end.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(173);

-- Runs q; returns 'ok' or 'SQLSTATE: message | detail | hint' of its error,
-- for the checks that look at DETAIL and HINT (throws_ok sees the message only).
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    m text;
    d text;
    h text;
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
    RETURN SQLSTATE || ': ' || m || ' | ' || coalesce(d, '') || ' | ' || coalesce(h, '');
END $$;

-- Fixtures: 200 rows, two classes (bool y), three text classes (kind), a
-- regression target (yr), an integer target with 50 values, a constant one.
CREATE TEMP TABLE t AS
SELECT i AS id, (i % 10) / 10.0 AS a, (i % 7)::numeric AS b, (i % 5)::int AS c, (i % 3 = 0) AS flag,
       ARRAY[(i % 10) / 10.0, i % 7]::real[] AS vec, 'shade ' || (i % 2) AS shade,
       (ARRAY['circle', 'square', 'triangle'])[1 + i % 3] AS kind, ((i % 10) >= 5) AS y,
       (i % 10) / 10.0 * 2 - (i % 7) * 0.1 AS yr, i % 50 AS many, 1 AS one
FROM generate_series(1, 200) i;
CREATE TEMP TABLE holes AS SELECT * FROM t;
UPDATE holes SET a = NULL WHERE id = 5;

\set L '''[{"type":"dense","units":8,"activation":"tanh"}]'''
\set O '''{"epochs":30,"learning_rate":0.05,"seed":1}'''
SELECT lives_ok($$SELECT * FROM pgdl.train_model('tap_bool', 't', 'y', $$ || quote_literal(:L) || $$, ARRAY['a', 'b'], $$ || quote_literal(:O) || $$)$$,
                'train tap_bool (bool target, features a numeric b)');
SELECT lives_ok($$SELECT * FROM pgdl.train_model('tap_text', 't', 'kind', $$ || quote_literal(:L) || $$, ARRAY['a', 'b'], $$ || quote_literal(:O) || $$)$$,
                'train tap_text (three text labels)');
SELECT lives_ok($$SELECT * FROM pgdl.train_model('tap_reg', 't', 'yr', $$ || quote_literal(:L) || $$, ARRAY['a', 'b'], $$ || quote_literal(:O) || $$)$$,
                'train tap_reg (regression)');
SELECT lives_ok($$SELECT * FROM pgdl.train_model('tap_int', 't', 'c', $$ || quote_literal(:L) || $$, ARRAY['a', 'b'], $$ || quote_literal(:O) || $$)$$,
                'train tap_int (integer target with 5 values: classification)');

------------------------------------------------------------------------------
-- 22004: NULL in a required argument
------------------------------------------------------------------------------
SELECT throws_ok($$SELECT pgdl.train_model(NULL, 't', 'y', '[{"type":"dense","units":2}]')$$,
                 '22004', 'model must not be NULL', 'train_model: NULL model is 22004');
SELECT throws_ok($$SELECT pgdl.train_model('m', NULL, 'y', '[{"type":"dense","units":2}]')$$,
                 '22004', 'source must not be NULL', 'train_model: NULL source is 22004');
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', NULL, '[{"type":"dense","units":2}]')$$,
                 '22004', 'target must not be NULL', 'train_model: NULL target is 22004');
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', 'y', NULL)$$,
                 '22004', 'layers must not be NULL', 'train_model: NULL layers is 22004');
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', 'y', '[{"type":"dense","units":2}]', ARRAY['a', NULL])$$,
                 '22004', 'feature name 2 is NULL', 'train_model: a NULL feature name is 22004 naming its position');
SELECT throws_ok($$SELECT pgdl.cross_validate(NULL, 'y', '[{"type":"dense","units":2}]')$$,
                 '22004', 'source must not be NULL', 'cross_validate: NULL source is 22004');
SELECT throws_ok($$SELECT pgdl.predict_batch('tap_bool', 't', NULL)$$,
                 '22004', 'id_column must not be NULL', 'predict_batch: NULL id_column is 22004');
SELECT throws_ok($$SELECT pgdl.evaluate(NULL, 't')$$,
                 '22004', 'model must not be NULL', 'evaluate: NULL model is 22004');
SELECT throws_ok($$SELECT pgdl.import_model('m', NULL)$$,
                 '22004', 'data must not be NULL', 'import_model: NULL data is 22004');
SELECT throws_ok($$SELECT pgdl.drop_model(NULL)$$,
                 '22004', 'model must not be NULL', 'drop_model: NULL model is 22004');
SELECT throws_ok($$SELECT pgdl.grant_model('tap_bool', NULL)$$,
                 '22004', 'grantee must not be NULL', 'grant_model: NULL grantee is 22004');
SELECT is(pgdl.predict(NULL::text, ARRAY[1, 2]), NULL, 'predict is STRICT: NULL model gives NULL');
SELECT is(pgdl.predict('tap_bool', NULL::float8[]), NULL, 'predict is STRICT: NULL vector gives NULL');

------------------------------------------------------------------------------
-- 42602: model names and references
------------------------------------------------------------------------------
SELECT throws_ok($$SELECT pgdl.predict('tap_bool@0', ARRAY[1, 2])$$,
                 '42602', 'invalid model version in "tap_bool@0"', 'name@0 is 42602');
SELECT throws_ok($$SELECT pgdl.predict('tap_bool@x', ARRAY[1, 2])$$,
                 '42602', 'invalid model version in "tap_bool@x"', 'name@x is 42602');
SELECT throws_ok($$SELECT pgdl.predict('tap_bool@-1', ARRAY[1, 2])$$,
                 '42602', NULL, 'name@-1 is 42602');
SELECT throws_ok($$SELECT pgdl.predict('tap_bool@', ARRAY[1, 2])$$,
                 '42602', NULL, 'name@ (no version) is 42602');
SELECT throws_ok($$SELECT pgdl.predict('tap_bool@99999999999', ARRAY[1, 2])$$,
                 '42602', NULL, 'a version above INT_MAX is 42602');
SELECT throws_ok($$SELECT pgdl.predict('tap bool', ARRAY[1, 2])$$,
                 '42602', 'invalid model name "tap bool"', 'a space in the name is 42602');
SELECT throws_ok($$SELECT pgdl.predict('1tap', ARRAY[1, 2])$$,
                 '42602', 'invalid model name "1tap"', 'a name starting with a digit is 42602');
SELECT throws_ok($$SELECT pgdl.predict('tap;drop', ARRAY[1, 2])$$,
                 '42602', NULL, 'a semicolon in the name is 42602');
SELECT throws_ok($$SELECT pgdl.predict('', ARRAY[1, 2])$$,
                 '42602', 'invalid model name ""', 'an empty name is 42602');
SELECT throws_ok($$SELECT pgdl.predict(repeat('a', 64), ARRAY[1, 2])$$,
                 '42602', NULL, 'a 64-character name is 42602');
SELECT throws_ok($$SELECT pgdl.train_model(repeat('a', 64), 't', 'y', '[{"type":"dense","units":2}]')$$,
                 '42602', NULL, 'train_model refuses a 64-character name');
SELECT throws_ok($$SELECT pgdl.train_model('tap_bool@2', 't', 'y', '[{"type":"dense","units":2}]')$$,
                 '42602', 'train_model takes a plain model name: each training creates the next version',
                 'train_model refuses name@N');
SELECT throws_ok($$SELECT pgdl.deploy_model('tap_bool@1', 1)$$,
                 '42602', NULL, 'deploy_model refuses name@N');
SELECT throws_ok($$SELECT pgdl.drop_model('tap_bool@latest')$$,
                 '42602', 'drop_model takes name or name@N, not name@latest', 'drop_model refuses name@latest');
SELECT throws_ok($$SELECT pgdl.import_model('tap_bool@3', pgdl.export_model('tap_bool'))$$,
                 '42602', NULL, 'import_model refuses name@N');
SELECT throws_ok($$SELECT pgdl.predict(repeat('a', 63), ARRAY[1, 2])$$,
                 '42704', NULL, 'a 63-character name is valid: unknown model, 42704, not 42602');

------------------------------------------------------------------------------
-- 42704: unknown model or version
------------------------------------------------------------------------------
SELECT throws_ok($$SELECT pgdl.predict('tap_nope', ARRAY[1, 2])$$,
                 '42704', 'model "tap_nope" does not exist', 'predict: unknown model is 42704');
SELECT throws_ok($$SELECT pgdl.predict('tap_bool@7', ARRAY[1, 2])$$,
                 '42704', 'model "tap_bool" has no version 7', 'predict: unknown version is 42704 naming it');
SELECT throws_ok($$SELECT pgdl.model_info('tap_nope')$$, '42704', NULL, 'model_info: unknown model is 42704');
SELECT throws_ok($$SELECT pgdl.export_model('tap_nope@latest')$$, '42704', NULL, 'export_model: unknown model is 42704');
SELECT throws_ok($$SELECT pgdl.drop_model('tap_nope')$$, '42704', 'model "tap_nope" does not exist',
                 'drop_model: unknown model is 42704');
SELECT throws_ok($$SELECT pgdl.drop_model('tap_bool@9')$$, '42704', 'model "tap_bool" has no version 9',
                 'drop_model: unknown version is 42704');
SELECT throws_ok($$SELECT pgdl.deploy_model('tap_bool', 9)$$, '42704', 'model "tap_bool" has no version 9',
                 'deploy_model: unknown version is 42704');
SELECT throws_ok($$SELECT pgdl.grant_model('tap_nope', '-')$$, '42704', NULL,
                 'grant_model: unknown model is 42704');
SELECT throws_ok($$SELECT * FROM pgdl.evaluate('tap_nope', 't')$$, '42704', NULL, 'evaluate: unknown model is 42704');

------------------------------------------------------------------------------
-- 22023: options and layers
------------------------------------------------------------------------------
SELECT throws_like($$SELECT pgdl.train_model('m', 't', 'y', '[{"type":"dense","units":2}]', NULL, '{"bogus": 1}')$$,
                   'unknown option "bogus"; accepted options: task, %', 'an unknown option is 22023 naming it and the accepted ones');
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', 'y', '[{"type":"dense","units":2}]', NULL, '{"bogus": 1}')$$,
                 '22023', NULL, 'an unknown option is 22023');
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', 'y', '[{"type":"dense","units":2}]', NULL, '{"epochs": "ten"}')$$,
                 '22023', 'option "epochs" must be an integer from 1 to 100000, got "ten"', 'a string epochs is 22023 naming the key and the range');
SELECT throws_like($$SELECT pgdl.train_model('m', 't', 'y', '[{"type":"dense","units":2}]', NULL, '{"learning_rate": -1}')$$,
                   'option "learning_rate" must be %', 'a negative learning_rate is 22023 naming the key');
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', 'y', '[{"type":"dense","units":2}]', NULL, '{"impute": "zero"}')$$,
                 '22023', 'option "impute" must be one of mean, median, drop_row, got "zero"', 'an unknown impute is 22023 listing the accepted values');
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', 'y', '[{"type":"dense","units":2}]', NULL, '[1]')$$,
                 '22023', 'options must be a JSON object, got an array', 'options that are not an object are 22023');
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', 'y', '[{"type":"dense","units":8,"foo":1}]')$$,
                 '22023', 'layer 1 (dense): unknown key "foo"; accepted keys: units, activation, use_bias, alpha',
                 'an unknown layer key is 22023 naming the layer, the key and the accepted keys');
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', 'y', '[{"type":"dense","units":"8"}]')$$,
                 '22023', 'layer 1 (dense): "units" must be an integer from 1 to 1048576, got "8"',
                 'a badly typed layer key is 22023 naming the key');
SELECT throws_like($$SELECT pgdl.train_model('m', 't', 'y', '[{"type":"dense","units":4},{"type":"dropout","rate":1.5}]')$$,
                   'layer 2 (dropout): "rate" must be %', 'an out-of-range layer key is 22023 naming the layer and key');
SELECT throws_like($$SELECT pgdl.train_model('m', 't', 'y', '[{"type":"attention","heads":2}]')$$,
                   'layer 1 (attention): needs a sequence of shape [T, D], got [%] (set the input_shape option%',
                   'attention on a vector is 22023 asking for a sequence');
SELECT throws_like($$SELECT pgdl.train_model('m', 't', 'y', '[{"type":"wibble"}]')$$,
                   'layer 1: unknown type "wibble"; accepted types: dense%', 'an unknown layer type is 22023');
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', 'y', '{"type":"dense"}')$$,
                 '22023', 'layers must be a JSON array of 1 to 256 layer objects, got an object', 'layers that are not an array are 22023');
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', 'y', '[{"type":"dense","units":2}]', NULL, '{"task": "clustering"}')$$,
                 '22023', 'option "task" must be one of classification, regression, got "clustering"', 'an unknown task is 22023');

------------------------------------------------------------------------------
-- attention layers: the spec's errors, a sequence of the wrong shape, memory
------------------------------------------------------------------------------
CREATE TEMP TABLE seq AS
SELECT i AS id, ((i % 10) >= 5) AS y,
       ARRAY[[(i % 10) / 10.0, i % 7, 1], [i % 3, 0.5, (i % 10) / 10.0], [0, 1, i % 2], [1, i % 5, 0]]::real[] AS s
FROM generate_series(1, 60) i;
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', 'y', '[{"type":"attention"},{"type":"dense","units":2}]', ARRAY['a', 'b'])$$,
                 '22023', 'layer 1 (attention): needs a sequence of shape [T, D], got [2] (set the input_shape option, or return_sequences on a recurrent layer before)',
                 'attention on two scalar features is 22023 naming the shape it got');
SELECT throws_ok($$SELECT pgdl.train_model('m', 'seq', 'y', '[{"type":"attention","heads":2},{"type":"global_avgpool"}]', ARRAY['s'])$$,
                 '22023', 'layer 1 (attention): the model dimension 3 is not a multiple of heads (2); set key_dim',
                 'heads that do not divide the model dimension without key_dim is 22023');
SELECT throws_ok($$SELECT pgdl.train_model('m', 'seq', 'y', '[{"type":"attention","dropout":1},{"type":"global_avgpool"}]', ARRAY['s'])$$,
                 '22023', 'layer 1 (attention): "dropout" must be a number from 0 to below 1, got 1',
                 'attention dropout 1 is 22023');
SELECT throws_ok($$SELECT pgdl.train_model('m', 'seq', 'y', '[{"type":"transformer_encoder","units":4},{"type":"global_avgpool"}]', ARRAY['s'])$$,
                 '22023', 'layer 1 (transformer_encoder): unknown key "units"; accepted keys: activation, alpha, epsilon, heads, key_dim, causal, dropout, ff_dim, norm_first',
                 'an unknown key on transformer_encoder is 22023 listing its keys');
SELECT throws_ok($$SELECT pgdl.train_model('m', 'seq', 'y', '[{"type":"positional_encoding","encoding":"rotary"},{"type":"global_avgpool"}]', ARRAY['s'])$$,
                 '22023', 'layer 1 (positional_encoding): "encoding" must be one of sinusoidal, learned, got "rotary"',
                 'an unknown positional encoding is 22023 listing the accepted ones');
SELECT lives_ok($$SELECT pgdl.train_model('tap_tf', 'seq', 'y', '[{"type":"positional_encoding"},{"type":"transformer_encoder","heads":3,"ff_dim":8},{"type":"global_avgpool"}]', ARRAY['s'], '{"epochs":2,"seed":1}')$$,
                'train tap_tf (a transformer on 4 x 3 sequences)');
SELECT throws_ok($$SELECT pgdl.predict('tap_tf', ARRAY[[1, 2, 3], [4, 5, 6]]::real[])$$,
                 '22000', 'model "tap_tf" expects 12 features, got 6',
                 'predict with a sequence of 2 steps on a 4-step transformer is 22000');
SELECT throws_ok($$SELECT pgdl.predict('tap_tf', ARRAY[[1, 2], [3, 4], [5, 6], [7, 8], [9, 10], [11, 12]]::real[])$$,
                 '22000', 'model "tap_tf" expects a sequence of 4 steps x 3 features, got a 6 x 2 array',
                 'predict with a 6 x 2 sequence on a 4 x 3 transformer is 22000, though it holds 12 values');
SELECT ok(pgdl.predict('tap_tf', s) IS NOT NULL, 'predict with a 4 x 3 sequence works') FROM seq WHERE id = 1;
SELECT lives_ok($$SELECT pgdl.train_model('tap_tf2', 'seq', 'y', '[{"type":"positional_encoding"},{"type":"transformer_encoder","heads":3,"ff_dim":8},{"type":"global_avgpool"}]', ARRAY['s'], '{"epochs":1,"warm_start":"tap_tf@1"}')$$,
                'a transformer warm-starts from one of the same layers');
SELECT throws_ok($$SELECT pgdl.train_model('tap_tf3', 'seq', 'y', '[{"type":"positional_encoding","encoding":"learned"},{"type":"transformer_encoder","heads":3,"ff_dim":8},{"type":"global_avgpool"}]', ARRAY['s'], '{"epochs":1,"warm_start":"tap_tf@1"}')$$,
                 '22023', 'warm_start model "tap_tf@1" differs from this one at layer 1',
                 'a learned positional table does not warm-start from a sinusoidal one (same size)');
SELECT throws_ok($$SELECT pgdl.train_model('tap_tf4', 'seq', 'y', '[{"type":"positional_encoding"},{"type":"transformer_encoder","heads":1,"key_dim":3,"ff_dim":8},{"type":"global_avgpool"}]', ARRAY['s'], '{"epochs":1,"warm_start":"tap_tf@1"}')$$,
                 '22023', 'warm_start model "tap_tf@1" differs from this one at layer 2',
                 'one head of 3 does not warm-start from three heads of 1 (the same parameter count)');
SELECT matches(pg_temp.err($$SELECT pgdl.train_model('m', 'SELECT id, y, array_fill(1::real, ARRAY[100, 2]) AS s FROM seq', 'y', '[{"type":"attention"},{"type":"global_avgpool"}]', ARRAY['s'], '{"max_memory": 1024}')$$),
               '^54000: training this network on batches of 54 rows needs [0-9]+ kB of working memory, more than the option "max_memory" \(1024 kB\) \|  \| Lower batch_size',
               'attention over 100 steps whose workspace for a batch passes max_memory is 54000 before allocating');
SELECT matches(pg_temp.err($$SELECT pgdl.train_model('m', 'SELECT id, y, array_fill(1::real, ARRAY[600, 2]) AS s FROM seq', 'y', '[{"type":"attention"},{"type":"global_avgpool"}]', ARRAY['s'], '{"max_memory": 1024}')$$),
               '^54000: training this network needs at least [0-9]+ kB \(27 parameters with their gradients and optimizer state, and one row''s activations\), more than the option "max_memory" \(1024 kB\) \|  \| Use a smaller network or shorter sequences',
               'attention over 600 steps, whose workspace for one row passes max_memory, is 54000 before a row is read');

------------------------------------------------------------------------------
-- the source, the features and the target
------------------------------------------------------------------------------
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', 'nocol', '[{"type":"dense","units":2}]')$$,
                 '42703', 'target column "nocol" is not in the source', 'an unknown target is 42703 naming it');
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', 'Y', '[{"type":"dense","units":2}]')$$,
                 '42703', 'target column "Y" is not in the source', 'target names are not case-folded');
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', 'y', '[{"type":"dense","units":2}]', ARRAY['a', 'nocol'])$$,
                 '42703', 'feature column "nocol" is not in the source', 'an unknown feature is 42703 naming it');
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', 'y', '[{"type":"dense","units":2}]', ARRAY['a', 'kind'])$$,
                 '42804', 'feature column "kind" is text, not a numeric, bool or numeric array column',
                 'a text feature is 42804 naming the column and its type');
SELECT alike(pg_temp.err($$SELECT pgdl.train_model('m', 't', 'y', '[{"type":"dense","units":2}]', ARRAY['a', 'kind'])$$),
            '42804: % | % | %"categorical"%', 'the 42804 of a text feature hints at the option "categorical"');
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', 'y', '[{"type":"dense","units":2}]', ARRAY['a', 'y'])$$,
                 '22023', 'column "y" is the target and cannot also be a feature', 'the target listed as a feature is 22023');
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', 'many', '[{"type":"dense","units":2}]', ARRAY['a', 'b'])$$,
                 '22023', 'cannot tell whether integer target "many" is a class or a quantity: it has more than 32 distinct values',
                 'an integer target with 50 values and no task is 22023');
SELECT alike(pg_temp.err($$SELECT pgdl.train_model('m', 't', 'many', '[{"type":"dense","units":2}]', ARRAY['a', 'b'])$$),
            '% | % | %"task"%', 'the integer-target error hints at the option "task"');
SELECT lives_ok($$SELECT pgdl.train_model('tap_many', 't', 'many', '[{"type":"dense","units":2}]', ARRAY['a', 'b'], '{"task": "regression", "epochs": 1}')$$,
                'the same integer target with "task": "regression" trains');
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', 'one', '[{"type":"dense","units":2}]', ARRAY['a', 'b'])$$,
                 '22023', 'classification needs at least two distinct target values, the source has 1',
                 'one-class classification is 22023');
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', 'kind', '[{"type":"dense","units":2}]', ARRAY['a', 'b'], '{"task": "regression"}')$$,
                 '42804', 'regression needs a numeric target; "kind" is text', 'regression on a text target is 42804');
SELECT throws_ok($$SELECT pgdl.train_model('m', 'insert into t default values', 'y', '[{"type":"dense","units":2}]')$$,
                 '42601', 'source must be a relation name or a single read-only query, got a statement that is not a query',
                 'a DML source is 42601');
SELECT throws_ok($$SELECT pgdl.train_model('m', 'with d as (delete from t returning *) select * from d', 'y', '[{"type":"dense","units":2}]')$$,
                 '42601', NULL, 'a source with a data-modifying WITH is 42601');
SELECT throws_ok($$SELECT pgdl.train_model('m', 'select * from t; select * from t', 'y', '[{"type":"dense","units":2}]')$$,
                 '42601', 'source must be a relation name or a single read-only query, got several statements',
                 'a source of several statements is 42601');
SELECT is((SELECT count(*) FROM t), 200::bigint, 'the refused sources wrote nothing');
SELECT throws_ok($$SELECT pgdl.train_model('m', 'no_such_table', 'y', '[{"type":"dense","units":2}]')$$,
                 '42P01', 'source relation "no_such_table" does not exist', 'a missing source relation is 42P01 naming it');
SELECT throws_ok($$SELECT * FROM pgdl.predict_batch('tap_bool', 'no_such_table', 'id')$$,
                 '42P01', NULL, 'predict_batch: a missing source relation is 42P01');
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', 'y', '[{"type":"dense","units":2}]', ARRAY['a', 'b'], '{"input_shape": [3]}')$$,
                 '22000', 'input_shape [3] holds 3 values, the features give 2', 'an input_shape that does not match the features is 22000');
SELECT throws_ok($$SELECT * FROM pgdl.cross_validate('select * from t where id between 3 and 6', 'y', '[{"type":"dense","units":2}]', 5, ARRAY['a'])$$,
                 '22023', 'cross-validation needs at least as many rows as folds: 4 rows, 5 folds', 'cross_validate with fewer rows than folds is 22023');
SELECT throws_ok($$SELECT * FROM pgdl.cross_validate('t', 'y', '[{"type":"dense","units":2}]', 1, ARRAY['a'])$$,
                 '22023', 'folds must be between 2 and 1000, got 1', 'cross_validate with one fold is 22023');
SELECT throws_ok($$SELECT * FROM pgdl.evaluate('tap_text', 'select a, b from t')$$,
                 '42703', 'column "kind" is not in the source', 'evaluate on a source without the target column is 42703 naming it');
SELECT throws_ok($$SELECT * FROM pgdl.evaluate('tap_text', 'select a, kind from t')$$,
                 '42703', 'column "b" used by the model is not in the input', 'evaluate on a source without a feature is 42703 naming it');

------------------------------------------------------------------------------
-- NULL, NaN and Infinity in the training data, and the imputers
------------------------------------------------------------------------------
SELECT throws_like($$SELECT pgdl.train_model('m', 'holes', 'y', '[{"type":"dense","units":2}]', ARRAY['a', 'b'])$$,
                   'feature "a" is NULL in row %', 'a NULL feature is named with its row');
SELECT throws_ok($$SELECT pgdl.train_model('m', 'holes', 'y', '[{"type":"dense","units":2}]', ARRAY['a', 'b'])$$,
                 '22004', NULL, 'a NULL feature is 22004');
SELECT alike(pg_temp.err($$SELECT pgdl.train_model('m', 'holes', 'y', '[{"type":"dense","units":2}]', ARRAY['a', 'b'])$$),
            '% | % | %"impute"%', 'the NULL-feature error hints at the option "impute"');
SELECT throws_ok($$SELECT pgdl.train_model('m', 'select id, y, case when id = 7 then ''NaN''::float8 else a end as a from t order by id', 'y', '[{"type":"dense","units":2}]', ARRAY['a'])$$,
                 '22P02', 'feature "a" is NaN in row 7', 'a NaN feature is 22P02 naming column and row');
SELECT throws_ok($$SELECT pgdl.train_model('m', 'select id, y, case when id = 9 then ''-Infinity''::float8 else a end as a from t order by id', 'y', '[{"type":"dense","units":2}]', ARRAY['a'])$$,
                 '22P02', 'feature "a" is -Infinity in row 9', 'a -Infinity feature is 22P02 naming column and row');
SELECT throws_ok($$SELECT pgdl.train_model('m', 'select id, y, case when id = 3 then array[1, null]::real[] else vec end as vec from t order by id', 'y', '[{"type":"dense","units":2}]', ARRAY['vec'])$$,
                 '22004', 'feature "vec" element 2 is NULL in row 3', 'a NULL array element is 22004 naming column, element and row');
SELECT lives_ok($$SELECT pgdl.train_model('tap_mean', 'holes', 'y', '[{"type":"dense","units":2}]', ARRAY['a', 'b'], '{"impute": "mean", "epochs": 2, "validation_fraction": 0}')$$,
                'impute mean trains on a NULL feature');
SELECT lives_ok($$SELECT pgdl.train_model('tap_median', 'holes', 'y', '[{"type":"dense","units":2}]', ARRAY['a', 'b'], '{"impute": "median", "epochs": 2}')$$,
                'impute median trains on a NULL feature');
SELECT lives_ok($$SELECT pgdl.train_model('tap_drop', 'holes', 'y', '[{"type":"dense","units":2}]', ARRAY['a', 'b'], '{"impute": "drop_row", "epochs": 2, "validation_fraction": 0}')$$,
                'impute drop_row trains on a NULL feature');
SELECT is((SELECT (metrics ->> 'rows')::int FROM pgdl.models WHERE name = 'tap_drop'), 199, 'drop_row trained on the 199 complete rows');
SELECT isnt(pgdl.predict('tap_mean', ARRAY[NULL, 2]::float8[]), NULL, 'a model with a mean imputer predicts a vector with a NULL element');
SELECT isnt(pgdl.predict_proba('tap_median', ARRAY[0.5, NULL]::float8[]), NULL, 'a model with a median imputer predicts a vector with a NULL element');
SELECT cmp_ok(abs((pgdl.predict_proba('tap_mean', ARRAY[NULL, 2]::float8[]))[2]
                   - (pgdl.predict_proba('tap_mean', ARRAY[(SELECT avg(a) FROM holes), 2]::float8[]))[2]), '<', 1e-6::float8,
              'the mean imputer fills a NULL with the training mean');
SELECT is(pgdl.model_info('tap_mean') ->> 'imputer', 'mean', 'model_info names the imputer''s strategy: mean');
SELECT is(pgdl.model_info('tap_median') ->> 'imputer', 'median', 'model_info names the imputer''s strategy: median');
SELECT throws_ok($$SELECT pgdl.predict('tap_drop', ARRAY[NULL, 2]::float8[])$$,
                 '22004', 'element 1 of the feature vector is NULL', 'drop_row has no imputer: a NULL element at predict is 22004');

------------------------------------------------------------------------------
-- memory and size limits
------------------------------------------------------------------------------
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', 'y', '[{"type":"dense","units":2}]', ARRAY['a'], '{"max_memory": "100GB"}')$$,
                 '22023', 'option "max_memory" (104857600 kB) may only lower pgdl.max_training_memory (1048576 kB)',
                 'max_memory above the setting is 22023');
CREATE TEMP TABLE wide AS
SELECT i AS id, array_fill((i % 3)::real, ARRAY[300]) AS v, i % 2 = 0 AS y FROM generate_series(1, 1000) i;
SET LOCAL pgdl.max_training_memory = '1MB';
SELECT throws_like($$SELECT pgdl.train_model('m', 'wide', 'y', '[{"type":"dense","units":2}]', ARRAY['v'], '{"data": "memory"}')$$,
                   '% more than pgdl.max_training_memory (1024 kB) after % rows of 300 features',
                   'training data above pgdl.max_training_memory is an error naming the setting (data "memory")');
SELECT alike(pg_temp.err($$SELECT pgdl.train_model('m', 'wide', 'y', '[{"type":"dense","units":2}]', ARRAY['v'], '{"data": "memory"}')$$),
            '54000: % | % | %sample%pgdl.max_training_memory%', 'it is 54000 with a hint (sample, or raise the setting)');
SELECT lives_ok($$SELECT pgdl.train_model('tap_wide', 'select * from wide limit 500', 'y', '[{"type":"dense","units":2}]', ARRAY['v'], '{"epochs": 1}')$$,
                'half the rows fit in 1MB and train');
RESET pgdl.max_training_memory;
SET LOCAL pgdl.max_model_size = '64kB';
SELECT throws_like($$SELECT pgdl.train_model('m', 't', 'y', '[{"type":"dense","units":8192}]', ARRAY['a', 'b'], '{"epochs": 1}')$$,
                   'the network has 32769 parameters (129 kB as float32), more than pgdl.max_model_size (64 kB)', 'a model above pgdl.max_model_size is refused naming the setting, before training');
SELECT throws_ok($$SELECT pgdl.train_model('m', 't', 'y', '[{"type":"dense","units":8192}]', ARRAY['a', 'b'], '{"epochs": 1}')$$,
                 '54000', NULL, 'a model above pgdl.max_model_size is 54000');
RESET pgdl.max_model_size;
SELECT lives_ok($$SELECT pgdl.train_model('tap_big', 't', 'y', '[{"type":"dense","units":8192}]', ARRAY['a', 'b'], '{"epochs": 1}')$$,
                'the same model trains under the default pgdl.max_model_size');
SET LOCAL pgdl.max_model_size = '64kB';
SELECT throws_ok($$SELECT pgdl.predict('tap_big', ARRAY[1, 2])$$, '54000', NULL,
                 'loading a stored model above pgdl.max_model_size is 54000');
SELECT throws_ok($$SELECT pgdl.import_model('m', pgdl.export_model('tap_big'))$$, '54000', NULL,
                 'importing bytes above pgdl.max_model_size is 54000');
RESET pgdl.max_model_size;

------------------------------------------------------------------------------
-- predict: errors
------------------------------------------------------------------------------
SELECT throws_ok($$SELECT pgdl.predict('tap_bool', ARRAY[1, 2, 3])$$,
                 '22000', 'model "tap_bool" expects 2 features, got 3', 'a wrong feature count is 22000 naming the model, expected and given');
SELECT alike(pg_temp.err($$SELECT pgdl.predict('tap_bool', ARRAY[1])$$),
            '22000: model "tap_bool" expects 2 features, got 1 | Version 1 was trained on: a, b. | ', 'the DETAIL names the version and its features');
SELECT throws_ok($$SELECT pgdl.predict('tap_bool', ARRAY[1, NULL])$$,
                 '22004', 'element 2 of the feature vector is NULL', 'a NULL element at predict is 22004 naming its position');
SELECT throws_ok($$SELECT pgdl.predict('tap_bool', ARRAY[1, 'NaN'::float8])$$,
                 '22P02', 'element 2 of the feature vector is NaN', 'a NaN element at predict (no imputer) is 22P02');
SELECT throws_ok($$SELECT pgdl.predict('tap_mean', ARRAY[1, 'Infinity'::float8])$$,
                 '22P02', 'element 2 of the feature vector is infinite', 'an infinite element is 22P02 even with an imputer');
SELECT throws_ok($$SELECT pgdl.predict('tap_bool', ARRAY['a', 'b'])$$,
                 '42804', 'feature vector must be a numeric array, got text[]', 'a text array is 42804');
SELECT throws_ok($$SELECT pgdl.predict('tap_text', ARRAY[1, 2])$$,
                 '42804', 'model "tap_text" predicts text labels, which pgdl.predict cannot return as float8',
                 'predict on a text-labelled model is 42804');
SELECT alike(pg_temp.err($$SELECT pgdl.predict('tap_text', ARRAY[1, 2])$$),
            '42804: % | % | Use pgdl.predict_label.', 'with the HINT to use pgdl.predict_label');
SELECT throws_ok($$SELECT pgdl.predict_proba('tap_reg', ARRAY[1, 2])$$,
                 '42809', 'model "tap_reg" is a regression model: it has no class probabilities', 'predict_proba on regression is 42809');
SELECT throws_ok($$SELECT * FROM pgdl.class_probabilities('tap_reg', ARRAY[1, 2])$$,
                 '42809', NULL, 'class_probabilities on regression is 42809');
SELECT throws_ok($$SELECT pgdl.predict('tap_bool', (SELECT r FROM (SELECT a FROM t LIMIT 1) r))$$,
                 '42703', 'column "b" used by the model is not in the input', 'predict(model, record) without a feature column is 42703');

------------------------------------------------------------------------------
-- import_model: hostile bytes
------------------------------------------------------------------------------
SELECT throws_ok($$SELECT pgdl.import_model('m', ''::bytea)$$, '22P03', 'invalid model: truncated to 0 bytes', 'empty bytes are 22P03');
SELECT throws_ok($$SELECT pgdl.import_model('m', 'garbage'::bytea)$$, '22P03', 'not a pgdl model: the bytes do not start with "PGDLMODL"',
                 'bytes without the magic are 22P03');
SELECT throws_ok($$SELECT pgdl.import_model('m', set_byte(pgdl.export_model('tap_bool'), 40, get_byte(pgdl.export_model('tap_bool'), 40) # 1))$$,
                 '22P03', 'checksum mismatch: the model bytes are damaged', 'one flipped bit is 22P03 (checksum)');
SELECT throws_like($$SELECT pgdl.import_model('m', substr(pgdl.export_model('tap_bool'), 1, 40))$$,
                   'invalid model: truncated to 40 of its % bytes', 'truncated bytes are 22P03');
SELECT throws_ok($$SELECT pgdl.import_model('m', set_byte(pgdl.export_model('tap_bool'), 8, 3))$$,
                 '0A000', NULL, 'a newer format version is 0A000');
SELECT alike(pg_temp.err($$SELECT pgdl.import_model('m', set_byte(pgdl.export_model('tap_bool'), 8, 3))$$),
            '0A000: %3% | % | %newer pgdl%', 'naming the version, with a hint to upgrade');

------------------------------------------------------------------------------
-- predict: every overload on the happy path
------------------------------------------------------------------------------
CREATE TEMP TABLE expected AS
SELECT id, pgdl.predict('tap_bool', ARRAY[a, b]) AS p, pgdl.predict_label('tap_text', ARRAY[a, b]) AS label,
       pgdl.predict('tap_reg', ARRAY[a, b]) AS reg
FROM t;
SELECT is(pgdl.predict('tap_bool', ARRAY[1.5, 2]), pgdl.predict('tap_bool', '{1.5,2}'::float8[]), 'ARRAY[1.5, 2] (numeric[]) resolves and equals float8[]');
SELECT is(pgdl.predict('tap_reg', ARRAY[1, 2]), pgdl.predict('tap_reg', ARRAY[1.0, 2.0]), 'ARRAY[1, 2] (int[]) equals numeric[]');
SELECT is(pgdl.predict('tap_reg', ARRAY[1::bigint, 2::bigint]), pgdl.predict('tap_reg', ARRAY[1::smallint, 2::smallint]), 'bigint[] equals smallint[]');
SELECT is((SELECT count(*) FROM t WHERE pgdl.predict('tap_reg', vec) IS DISTINCT FROM pgdl.predict('tap_reg', ARRAY[vec[1]::float8, vec[2]])), 0::bigint,
          'a real[] column predicts as its float8 values');
SELECT is((SELECT count(*) FROM t JOIN expected USING (id) WHERE pgdl.predict('tap_reg', ARRAY[a, b]) IS DISTINCT FROM pgdl.predict('tap_reg', ARRAY[a::float8, b::float8])), 0::bigint,
          'ARRAY[numeric_col, numeric_col] predicts as float8');
SELECT is((SELECT count(*) FROM t WHERE pgdl.predict('tap_reg', ARRAY[c, b]) IS DISTINCT FROM pgdl.predict('tap_reg', ARRAY[c::float8, b::float8])), 0::bigint,
          'ARRAY[int_col, numeric_col] predicts as float8');
SELECT is(pgdl.predict('tap_reg', ARRAY[true, false]), pgdl.predict('tap_reg', ARRAY[1, 0]), 'bool elements are 1 and 0');
SELECT ok(pgdl.predict('tap_bool', ARRAY[0.9, 1]) IN (0, 1), 'a bool-labelled model predicts 0 or 1');
SELECT ok(pgdl.predict('tap_int', ARRAY[0.5, 3]) IN (0, 1, 2, 3, 4), 'an integer-labelled model predicts one of its labels');
SELECT is((SELECT count(*) FROM (SELECT id, b, 'x' AS extra, a FROM t) r JOIN expected USING (id)
           WHERE pgdl.predict('tap_bool', r) IS DISTINCT FROM p), 0::bigint,
          'predict(model, record) with the columns in another order and an extra column');
SELECT is((SELECT count(*) FROM (SELECT id, b, a, now() AS extra FROM t) r JOIN expected USING (id)
           WHERE pgdl.predict_label('tap_text', r) IS DISTINCT FROM label), 0::bigint,
          'predict_label(model, record) equals predict_label(model, array)');
SELECT is((SELECT count(*) FROM t JOIN expected USING (id) WHERE pgdl.predict('tap_bool', t) IS DISTINCT FROM p), 0::bigint,
          'predict(model, table row) works');
SELECT ok(pgdl.predict_label('tap_text', ARRAY[0.1, 3]) IN ('circle', 'square', 'triangle'), 'predict_label returns one of the labels');
SELECT is(pgdl.predict_label('tap_bool', ARRAY[0.1, 3]), CASE pgdl.predict('tap_bool', ARRAY[0.1, 3]) WHEN 1 THEN 'true' ELSE 'false' END,
          'predict_label of a bool model is ''true''/''false'' matching predict');
SELECT is((SELECT round(sum(probability)::numeric, 6) FROM pgdl.class_probabilities('tap_text', ARRAY[0.3, 4])), 1.000000,
          'class_probabilities sums to 1');
SELECT is((SELECT array_agg(label ORDER BY label) FROM pgdl.class_probabilities('tap_text', ARRAY[0.3, 4])), ARRAY['circle', 'square', 'triangle'],
          'class_probabilities has one row per label');
SELECT is((SELECT array_agg(probability ORDER BY label) FROM pgdl.class_probabilities('tap_text', ARRAY[0.3, 4])),
          pgdl.predict_proba('tap_text', ARRAY[0.3, 4]), 'class_probabilities equals predict_proba in label order');
SELECT is((SELECT count(*) FROM pgdl.predict_batch('tap_text', 't', 'id') b JOIN expected e ON e.id::text = b.id
           WHERE b.label = e.label), 200::bigint, 'predict_batch gives every id and the labels of predict_label');
SELECT is((SELECT count(*) FROM pgdl.predict_batch('tap_bool', 't', 'id') b JOIN expected e ON e.id::text = b.id
           WHERE b.prediction = e.p AND b.label IN ('true', 'false') AND abs(b.probabilities[1] + b.probabilities[2] - 1) < 1e-6),
          200::bigint, 'predict_batch of a bool model: prediction 0/1, label and probabilities per id');
SELECT is((SELECT count(*) FROM pgdl.predict_batch('tap_reg', 'select id, b, a from t', 'id') b JOIN expected e ON e.id::text = b.id
           WHERE abs(b.prediction - e.reg) < 1e-6 AND b.label IS NULL AND b.probabilities IS NULL),
          200::bigint, 'predict_batch of a regression model from a query source agrees with predict');

------------------------------------------------------------------------------
-- versions: name@N, name@latest, deploy, drop, model_info, the models view
------------------------------------------------------------------------------
SELECT is((SELECT version FROM pgdl.train_model('tap_bool', 't', 'y', :L, ARRAY['a', 'b'], '{"epochs":30,"learning_rate":0.05,"seed":2}')),
          2, 'a second training is version 2');
SELECT is((SELECT version FROM pgdl.train_model('tap_bool', 't', 'y', :L, ARRAY['a', 'b'], '{"epochs":30,"learning_rate":0.05,"seed":3}')),
          3, 'a third training is version 3');
SELECT is(pgdl.export_model('tap_bool'), pgdl.export_model('tap_bool@3'), 'the plain name means the highest version');
SELECT is(pgdl.export_model('tap_bool@latest'), pgdl.export_model('tap_bool@3'), 'name@latest is the highest version');
SELECT isnt(pgdl.export_model('tap_bool@1'), pgdl.export_model('tap_bool@3'), 'name@1 is another version');
SELECT is(pgdl.deploy_model('tap_bool', 1), 1, 'deploy_model returns the version');
SELECT is(pgdl.export_model('tap_bool'), pgdl.export_model('tap_bool@1'), 'after deploy_model the plain name means the deployed version');
SELECT is(pgdl.export_model('tap_bool@latest'), pgdl.export_model('tap_bool@3'), 'name@latest still means the highest');
SELECT is((SELECT array_agg(version ORDER BY version) FROM pgdl.models WHERE name = 'tap_bool' AND deployed), ARRAY[1],
          'pgdl.models marks the deployed version');
SELECT is(pgdl.deploy_model('tap_bool', NULL), 3, 'deploy_model(model, NULL) returns the highest version');
SELECT is(pgdl.export_model('tap_bool'), pgdl.export_model('tap_bool@3'), 'after deploy_model(model, NULL) the plain name is the latest again');
SELECT is(pgdl.drop_model('tap_bool@3'), 1, 'drop_model(name@3) drops one version');
SELECT is((SELECT version FROM pgdl.train_model('tap_bool', 't', 'y', :L, ARRAY['a', 'b'], :O)), 4,
          'the next training after dropping version 3 is version 4: versions are never reused');
SELECT is((SELECT array_agg(version ORDER BY version) FROM pgdl.models WHERE name = 'tap_bool'), ARRAY[1, 2, 4],
          'versions 1, 2 and 4 remain');
SELECT is((SELECT count(*) FROM pgdl.training_history WHERE name = 'tap_bool' AND version = 3), 0::bigint,
          'the history of the dropped version went with it');
SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(pgdl.model_info('tap_text')) k),
          ARRAY['features', 'imputer', 'input_shape', 'labels', 'layers', 'loss', 'name', 'options', 'output_shape',
                'parameters', 'standardized', 'target', 'task', 'version'],
          'model_info has its documented keys');
SELECT is(pgdl.model_info('tap_text') -> 'labels', '["circle", "square", "triangle"]'::jsonb, 'model_info labels in order');
SELECT is((SELECT count(*) FROM information_schema.columns WHERE table_schema = 'pgdl' AND table_name = 'models' AND column_name = 'weights'),
          0::bigint, 'pgdl.models has no weights column');
SELECT is(pgdl.drop_model('tap_bool'), 3, 'drop_model(name) drops every version and returns the count');
SELECT is((SELECT count(*) FROM pgdl.model_names WHERE name = 'tap_bool'), 0::bigint, 'and the name');

SELECT * FROM finish();
ROLLBACK;
