-- test/pgtap/options.sql: the jsonb options of every pgdl function that
-- takes them (train_model, cross_validate, kmeans, train_kmeans, pca,
-- train_pca, evaluate, roc_curve) are read against one schema per function
-- (src/core/options.c) by one validator: one error style (22023 naming the
-- key and the accepted values; kmeans keeps its 0.1.0 layout with the
-- accepted values in the detail), null meaning the default everywhere, the
-- defaults the README documents, and the options a model keeps written as
-- jsonb prints them.  Everything is rolled back at the end.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(79);

-- SQLSTATE, message and detail of a statement's error, or 'ok'
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    m text;
    d text;
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL;
    RETURN SQLSTATE || ': ' || m || CASE WHEN d <> '' THEN ' | ' || d ELSE '' END;
END $$;

-- 200 rows of two features on different scales and a roughly balanced label
CREATE TEMP TABLE op AS
SELECT i, ((i * 7919) % 1000) / 100.0 AS a, ((i * 104729) % 997) / 9.97 AS b,
       ((i * 7919) % 1000) / 100.0 + ((i * 104729) % 997) / 99.7 > 10 AS y
FROM generate_series(1, 200) i;
SELECT lives_ok($$SELECT * FROM pgdl.train_model('op_m', 'op', 'y', '[{"type":"dense","units":4}]',
                  ARRAY['a', 'b'], '{"epochs": 3, "seed": 1}')$$, 'a model to evaluate');

-- the statement that calls fn with the options opts
CREATE FUNCTION pg_temp.call(fn text, opts text) RETURNS text LANGUAGE sql AS $$
SELECT format(CASE fn
    WHEN 'train_model' THEN 'SELECT * FROM pgdl.train_model(''op_t'', ''op'', ''y'', ''[{"type":"dense","units":4}]'', ARRAY[''a'', ''b''], %L)'
    WHEN 'cross_validate' THEN 'SELECT * FROM pgdl.cross_validate(''op'', ''y'', ''[{"type":"dense","units":4}]'', 2, ARRAY[''a'', ''b''], %L)'
    WHEN 'kmeans' THEN 'SELECT * FROM pgdl.kmeans(''op'', 4, ARRAY[''a'', ''b''], %L)'
    WHEN 'train_kmeans' THEN 'SELECT * FROM pgdl.train_kmeans(''op_k'', ''op'', 4, ARRAY[''a'', ''b''], %L)'
    WHEN 'pca' THEN 'SELECT * FROM pgdl.pca(''op'', 1, ARRAY[''a'', ''b''], %L)'
    WHEN 'train_pca' THEN 'SELECT * FROM pgdl.train_pca(''op_p'', ''op'', 1, ARRAY[''a'', ''b''], %L)'
    WHEN 'evaluate' THEN 'SELECT * FROM pgdl.evaluate(''op_m'', ''op'', ''y'', %L)'
    WHEN 'roc_curve' THEN 'SELECT * FROM pgdl.roc_curve(''op_m'', ''op'', ''y'', %L)'
    END, opts) $$;

-- the result of fn with opts, as one text to compare (or its error)
CREATE FUNCTION pg_temp.result(fn text, opts text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    r text;
BEGIN
    EXECUTE format('SELECT string_agg(t::text, %L ORDER BY t::text) FROM (%s) t', '; ',
                   CASE WHEN fn IN ('train_model', 'cross_validate')
                        -- the seconds column is no result
                        THEN replace(pg_temp.call(fn, opts), 'SELECT *', 'SELECT ' ||
                             CASE fn WHEN 'train_model' THEN 'epochs, train_loss, validation_loss, validation_metric'
                                     ELSE 'fold, metric, value' END)
                        ELSE pg_temp.call(fn, opts) END) INTO r;
    RETURN r;
EXCEPTION WHEN OTHERS THEN
    RETURN 'error ' || SQLSTATE || ': ' || SQLERRM;
END $$;

------------------------------------------------------------------------------
-- 1. one error style: 22023 naming the key and the accepted values
------------------------------------------------------------------------------
CREATE TEMP TABLE style (fn text, detail bool, keys text, bad_type text, type_err text,
                         bad_range text, range_err text);
INSERT INTO style VALUES
('train_model', false,
 'task, input_shape, loss, optimizer, learning_rate, batch_size, epochs, weight_decay, l1, clip_norm, validation_fraction, early_stopping_patience, standardize, categorical, numeric_text, dates, date_encoding, text, impute, seed, warm_start, description, max_memory, data, shuffle_buffer, momentum, nesterov, beta1, beta2, huber_delta, parallel_workers, replace',
 '{"epochs": "ten"}', 'option "epochs" must be an integer from 1 to 100000, got "ten"',
 '{"validation_fraction": 1}', 'option "validation_fraction" must be a number from 0 to below 1 (0 skips validation), got 1'),
('cross_validate', false,
 'task, input_shape, loss, optimizer, learning_rate, batch_size, epochs, weight_decay, l1, clip_norm, validation_fraction, early_stopping_patience, standardize, categorical, numeric_text, dates, date_encoding, text, impute, seed, warm_start, description, max_memory, data, shuffle_buffer, momentum, nesterov, beta1, beta2, huber_delta, parallel_workers, replace',
 '{"standardize": 1}', 'option "standardize" must be true or false, got 1',
 '{"batch_size": 65537}', 'option "batch_size" must be an integer from 1 to 65536, got 65537'),
('kmeans', true, 'init, max_iter, tol, n_init, seed, standardize, impute',
 '{"standardize": "yes"}', 'option "standardize" has an invalid value | standardize is true or false.',
 '{"n_init": 0}', 'option "n_init" has an invalid value | n_init is an integer from 1 to 1000.'),
('train_kmeans', true, 'init, max_iter, tol, n_init, seed, standardize, impute, description, replace',
 '{"description": 5}', 'option "description" has an invalid value | description is a string.',
 '{"max_iter": 100001}', 'option "max_iter" has an invalid value | max_iter is an integer from 1 to 100000.'),
('pca', false, 'matrix',
 '{"matrix": 1}', 'option "matrix" must be one of covariance, correlation, got 1',
 '{"matrix": "spearman"}', 'option "matrix" must be one of covariance, correlation, got "spearman"'),
('train_pca', false, 'matrix, replace',
 '{"matrix": true}', 'option "matrix" must be one of covariance, correlation, got true',
 '{"matrix": "Covarianse"}', 'option "matrix" must be one of covariance, correlation, got "Covarianse"'),
('evaluate', false, 'threshold, positive_label',
 '{"threshold": "high"}', 'option "threshold" must be a number from 0 to 1, got "high"',
 '{"threshold": 1.5}', 'option "threshold" must be a number from 0 to 1, got 1.5'),
('roc_curve', false, 'threshold, positive_label',
 '{"positive_label": []}', 'option "positive_label" must be one of the model''s labels: a string, a number or a boolean, got an array',
 '{"threshold": -0.1}', 'option "threshold" must be a number from 0 to 1, got -0.1');

SELECT is(pg_temp.err(pg_temp.call(fn, '{"bogus": 1}')),
          '22023: unknown option "bogus"' || CASE WHEN detail THEN ' | Accepted options: ' || keys || '.'
                                                  ELSE '; accepted options: ' || keys END,
          fn || ': an unknown key is 22023 naming it and every accepted key')
FROM style ORDER BY fn;
SELECT is(pg_temp.err(pg_temp.call(fn, bad_type)), '22023: ' || type_err,
          fn || ': a value of the wrong type is 22023 naming the key and what it accepts')
FROM style ORDER BY fn;
SELECT is(pg_temp.err(pg_temp.call(fn, bad_range)), '22023: ' || range_err,
          fn || ': a value out of range is 22023 naming the key and what it accepts')
FROM style ORDER BY fn;
SELECT is(pg_temp.err(pg_temp.call(fn, '[1, 2]')), '22023: options must be a JSON object, got an array',
          fn || ': options that are not an object are 22023')
FROM style ORDER BY fn;

------------------------------------------------------------------------------
-- 2. null means the default, for every function (kmeans and evaluate refused
--    it in 0.1.0)
------------------------------------------------------------------------------
SELECT is(pg_temp.result(fn, format('{"%s": null}', key)), pg_temp.result(fn, '{}'),
          fn || ': "' || key || '": null is the default')
FROM (VALUES ('train_model', 'seed'), ('cross_validate', 'epochs'), ('kmeans', 'seed'),
             ('train_kmeans', 'init'), ('pca', 'matrix'), ('train_pca', 'matrix'),
             ('evaluate', 'threshold'), ('roc_curve', 'positive_label')) AS v(fn, key)
ORDER BY fn;

------------------------------------------------------------------------------
-- 3. the defaults the README documents are the ones applied: the options
--    spelt out give the result of '{}', and another value of each changes it
--    (so the comparison can see a wrong default)
------------------------------------------------------------------------------
-- README, Neural networks, Options: optimizer adam, learning_rate 0.001,
-- batch_size 64, epochs 10, weight_decay / l1 / clip_norm off,
-- validation_fraction 0.1, early_stopping_patience off, standardize true,
-- seed 42; momentum 0.9 (momentum), beta1 / beta2 (adam's 0.9, 0.999),
-- nesterov off, huber_delta 1
SELECT is(pg_temp.result('train_model',
              '{"optimizer": "adam", "learning_rate": 0.001, "batch_size": 64, "epochs": 10, "weight_decay": 0, "l1": 0, '
              '"clip_norm": 0, "validation_fraction": 0.1, "early_stopping_patience": 0, "standardize": true, "seed": 42, '
              '"beta1": 0.9, "beta2": 0.999}'),
          pg_temp.result('train_model', '{}'), 'train_model: the README''s defaults spelt out train the same model');
SELECT isnt(pg_temp.result('train_model', opts), pg_temp.result('train_model', '{}'),
            'train_model: ' || opts || ' is not the default')
FROM (VALUES ('{"seed": 43}'), ('{"learning_rate": 0.002}'), ('{"batch_size": 32}'), ('{"epochs": 9}'),
             ('{"validation_fraction": 0.2}'), ('{"standardize": false}'), ('{"beta2": 0.99}')) AS v(opts)
ORDER BY opts;
SELECT is(pg_temp.result('train_model', '{"optimizer": "momentum", "momentum": 0.9, "nesterov": false}'),
          pg_temp.result('train_model', '{"optimizer": "momentum"}'), 'train_model: momentum 0.9 without nesterov by default');
SELECT isnt(pg_temp.result('train_model', '{"optimizer": "momentum", "momentum": 0.5}'),
            pg_temp.result('train_model', '{"optimizer": "momentum"}'), 'train_model: momentum 0.5 is not the default');
CREATE TEMP TABLE opr AS SELECT i, a, b, a * 2 + b / 10 + (i % 7) * 3 AS t FROM op;
SELECT is((SELECT train_loss FROM pgdl.train_model('op_h', 'opr', 't', '[{"type":"dense","units":4}]', ARRAY['a', 'b'],
                                                   '{"loss": "huber", "huber_delta": 1}')),
          (SELECT train_loss FROM pgdl.train_model('op_h', 'opr', 't', '[{"type":"dense","units":4}]', ARRAY['a', 'b'],
                                                   '{"loss": "huber"}')),
          'train_model: huber_delta 1 by default');
SELECT is(pg_temp.result('cross_validate', '{"epochs": 10, "seed": 42, "batch_size": 64, "learning_rate": 0.001}'),
          pg_temp.result('cross_validate', '{}'), 'cross_validate: the same schema, the same defaults');

-- README, Clustering: init k-means++, max_iter 300, tol 1e-4, n_init 1,
-- seed 0, standardize false, impute 'error'
SELECT is(pg_temp.result('kmeans', '{"init": "k-means++", "max_iter": 300, "tol": 1e-4, "n_init": 1, "seed": 0, '
                                   '"standardize": false, "impute": "error"}'),
          pg_temp.result('kmeans', '{}'), 'kmeans: the README''s defaults spelt out give the same clusters');
SELECT isnt(pg_temp.result('kmeans', opts), pg_temp.result('kmeans', '{}'), 'kmeans: ' || opts || ' is not the default')
FROM (VALUES ('{"init": "random"}'), ('{"max_iter": 1}'), ('{"tol": 0.5}'), ('{"seed": 1}'),
             ('{"standardize": true}')) AS v(opts)
ORDER BY opts;

-- README, PCA: matrix covariance
SELECT is(pg_temp.result('pca', '{"matrix": "covariance"}'), pg_temp.result('pca', '{}'), 'pca: covariance by default');
SELECT isnt(pg_temp.result('pca', '{"matrix": "correlation"}'), pg_temp.result('pca', '{}'), 'pca: correlation is not the default');

-- README, evaluate: threshold 0.5; the positive class of a boolean target is true
SELECT is(pg_temp.result('evaluate', '{"threshold": 0.5}'), pg_temp.result('evaluate', '{}'), 'evaluate: threshold 0.5 by default');
SELECT isnt(pg_temp.result('evaluate', '{"threshold": 0.9}'), pg_temp.result('evaluate', '{}'), 'evaluate: threshold 0.9 is not the default');
SELECT is(pg_temp.result('evaluate', '{"positive_label": true}'), pg_temp.result('evaluate', '{}'),
          'evaluate: positive_label true (a boolean) is the default class of a boolean target');
SELECT isnt(pg_temp.result('evaluate', '{"positive_label": "false"}'), pg_temp.result('evaluate', '{}'),
            'evaluate: positive_label "false" is not the default');
SELECT is(pg_temp.result('roc_curve', '{"positive_label": "true"}'), pg_temp.result('roc_curve', '{}'),
          'roc_curve: the same default positive class');

------------------------------------------------------------------------------
-- 4. one writer: the options a model keeps are the options given, printed as
--    jsonb prints them (the text inside the exported model too)
------------------------------------------------------------------------------
CREATE TEMP TABLE given AS
SELECT * FROM (VALUES
    ('op_t', 'train_model', '{"epochs": 2, "seed": 15.0, "description": "a\bb\u0001c\f\" é\\\\", "categorical": [], "input_shape": [2], "task": null}'),
    ('op_k', 'train_kmeans', '{"seed": 3, "description": "tab\there", "tol": 0.00010}'),
    ('op_p', 'train_pca', '{"matrix": "correlation"}')) AS v(model, fn, opts);
SELECT lives_ok(pg_temp.call(fn, opts), fn || ' with options to keep') FROM given ORDER BY fn;
SELECT ok((SELECT m.options = g.opts::jsonb
                  AND position(convert_to(g.opts::jsonb::text, 'UTF8') IN pgdl.export_model(g.model || '@latest')) > 0
           FROM pgdl.models m WHERE m.name = g.model ORDER BY m.version DESC LIMIT 1),
          g.fn || ': the options are kept as given, in jsonb''s text inside the model')
FROM given g ORDER BY g.fn;

------------------------------------------------------------------------------
-- 5. values jsonb holds exactly: integers are read from their digits, numbers
--    beyond double are out of range (not malformed text), and the size and
--    depth of the options are bounded
------------------------------------------------------------------------------
SELECT is(pg_temp.err(pg_temp.call('kmeans', '{"seed": 9007199254740993}')),
          '22023: option "seed" has an invalid value | seed is an integer from 0 to 9007199254740992.',
          'kmeans: seed 2^53 + 1 is out of range (0.1.0 rounded it to 2^53)');
SELECT is(pg_temp.err(pg_temp.call('kmeans', '{"max_iter": 1.0000000000000001}')),
          '22023: option "max_iter" has an invalid value | max_iter is an integer from 1 to 100000.',
          'kmeans: max_iter 1.0000000000000001 is not an integer (0.1.0 read 1)');
SELECT is(pg_temp.err(pg_temp.call('kmeans', '{"tol": 1e400}')),
          '22023: option "tol" has an invalid value | tol is a number at least 0 (relative to the mean feature variance).',
          'kmeans: tol 1e400 is 22023 (22003 in 0.1.0)');
SELECT ok(pg_temp.err(pg_temp.call('train_model', '{"learning_rate": 1e400}'))
              LIKE '22023: option "learning_rate" must be a positive number within float32''s range (magnitude at most 3.40282e+38), got 1000%',
          'train_model: learning_rate 1e400 is 22023 naming float32''s range (22P02 "invalid JSON" in 0.1.0)');
SELECT matches(pg_temp.err(pg_temp.call(fn, format('{"description": "%s"}', repeat('x', 1100000)))),
               '^54000: options are 11000[0-9][0-9] bytes of jsonb, more than the 1048576 bytes pgdl reads$',
               fn || ': options over 1 MB are 54000, before they are walked (compressed as they are)')
FROM (VALUES ('train_model'), ('train_kmeans')) AS v(fn) ORDER BY fn;
SELECT is(pg_temp.err(pg_temp.call('pca', format('{"matrix": %s1%s}', repeat('[', 70), repeat(']', 70)))),
          '54000: options nest arrays and objects more than 64 deep', 'pca: options nested 70 deep are 54000');

SELECT * FROM finish();
ROLLBACK;
