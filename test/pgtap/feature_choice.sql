-- test/pgtap/feature_choice.sql: which columns train_model takes as features
-- (see the README, "Features and target"): constant columns such as a split
-- flag are left out of the default choice, in memory, streamed and
-- data-parallel, and the model records the features it uses; integer and
-- bool codes as categorical features; scoring a source with a model trained
-- with impute drop_row.
BEGIN;
SET client_min_messages = error;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(24);

CREATE TEMP TABLE fc_rows AS
SELECT i AS id, (i % 7)::float8 AS a, ((i * 13) % 11)::float8 AS b, i > 160 AS is_test, 5 AS five,
       ((i % 7) * 0.5 + ((i * 13) % 11) * 0.25)::float8 AS y
FROM generate_series(1, 200) i;
CREATE TEMP VIEW fc_train AS SELECT * FROM fc_rows WHERE NOT is_test;
-- trains model and returns the features it recorded (a new snapshot sees the new version)
CREATE FUNCTION pg_temp.trained_features(model text, src text, features text[], opts jsonb) RETURNS text[]
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pgdl.train_model(model, src, 'y', '[{"type":"dense","units":4}]', features, '{"seed":1}'::jsonb || opts);
    RETURN (SELECT m.features FROM pgdl.models m WHERE m.name = model);
END $$;
-- whether the held-out rows (is_test true) score as the same rows with is_test false
CREATE FUNCTION pg_temp.unshifted(model text) RETURNS bool LANGUAGE sql AS $$
SELECT bool_and(pgdl.predict(model, t) = pgdl.predict(model, f))
FROM fc_rows t JOIN (SELECT id, a, b, false AS is_test, five, y FROM fc_rows) f USING (id)
WHERE t.is_test
$$;

-- default features: is_test (false in every training row) and five are left out
SELECT is(pg_temp.trained_features('fc_mem', 'fc_train', NULL, '{"epochs":2,"seed":1}'),
          '{a,b}'::text[], 'a constant split column is not a default feature');
SELECT ok(pg_temp.unshifted('fc_mem'), 'the split column does not shift predictions on the held-out rows');
SELECT is(pgdl.predict('fc_mem', ARRAY[a, b]), pgdl.predict('fc_mem', r), 'a feature vector holds the features kept')
FROM fc_rows r WHERE id = 170;
SELECT is((pgdl.model_info('fc_mem')->'input_shape')::text, '[2]', 'the network takes the two kept features');

-- streamed rows: decided from the statistics of the first pass
SELECT is(pg_temp.trained_features('fc_stream', 'fc_train', NULL, '{"epochs":2,"seed":1,"data":"stream"}'),
          '{a,b}'::text[], 'streamed: the constant columns are left out');
SELECT ok(pg_temp.unshifted('fc_stream'), 'streamed: the split column does not shift predictions');
-- data-parallel
SELECT is(pg_temp.trained_features('fc_par', 'fc_train', NULL, '{"epochs":2,"seed":1,"parallel_workers":2}'),
          '{a,b}'::text[], 'data-parallel: the constant columns are left out');
SELECT ok(pg_temp.unshifted('fc_par'), 'data-parallel: the split column does not shift predictions');

-- listed explicitly: kept (with a warning)
SELECT is(pg_temp.trained_features('fc_listed', 'fc_train', ARRAY['a', 'b', 'is_test'], '{"epochs":1}'),
          '{a,b,is_test}'::text[], 'a constant column listed in features is kept');
-- an input_shape counts the inputs: they stay
SELECT is(pg_temp.trained_features('fc_shaped', 'fc_train', NULL, '{"epochs":1,"input_shape":[4]}'),
          '{a,b,is_test,five}'::text[], 'with input_shape the constant columns are kept');
-- every default feature constant: kept, the training runs
SELECT is(pg_temp.trained_features('fc_all', 'SELECT five, y FROM fc_train', NULL, '{"epochs":1}'),
          '{five}'::text[], 'when every feature is constant they are kept');

-- integer and bool codes one-hot encoded (option categorical)
CREATE TEMP TABLE fc_days AS
SELECT i AS id, (i % 7)::int2 AS dow, i % 3 = 0 AS flag, (i % 7 IN (0, 6))::int AS weekend,
       ((i * 7) % 5)::float8 AS noise
FROM generate_series(1, 300) i;
SELECT lives_ok($$SELECT pgdl.train_model('fc_dow', 'fc_days', 'weekend', '[{"type":"dense","units":8,"activation":"relu"}]',
                                          NULL, '{"epochs":60,"learning_rate":0.05,"seed":1,"categorical":["dow","flag"]}')$$,
                'an int2 and a bool column are categorical');
SELECT is((SELECT jsonb_agg(f->'categories') FROM jsonb_array_elements(pgdl.model_info('fc_dow')->'features') f
           WHERE f->>'kind' = 'categorical'),
          '[["0","1","2","3","4","5","6"],["false","true"]]'::jsonb, 'their categories are their values as text');
SELECT is((SELECT value FROM pgdl.evaluate('fc_dow', 'fc_days') WHERE metric = 'accuracy'), 1::float8,
          'one-hot days of the week learn the weekend exactly');
-- an unseen code is all zeros, as NULL and as an unseen text category
SELECT is(pgdl.predict('fc_dow', r1), pgdl.predict('fc_dow', r2), 'an unseen integer code predicts as a NULL code')
FROM (SELECT 9::int2 AS dow, true AS flag, 1::float8 AS noise) r1, (SELECT NULL::int2 AS dow, true AS flag, 1::float8 AS noise) r2;
-- a code is matched by its text: the same code held in a text column
SELECT is(pgdl.predict('fc_dow', r1), pgdl.predict('fc_dow', r2), 'a code read from text matches the integer category')
FROM (SELECT 6::int4 AS dow, false AS flag, 1::float8 AS noise) r1, (SELECT '6'::text AS dow, false AS flag, 1::float8 AS noise) r2;
-- the limit: 10,000 distinct values per column
SELECT throws_ok($$SELECT pgdl.train_model('fc_many', 'SELECT i AS code, (i % 2)::float8 AS y FROM generate_series(1, 10001) i', 'y',
                                           '[{"type":"dense","units":2}]', NULL, '{"epochs":1,"categorical":["code"]}')$$,
                 '54000', 'categorical column "code" has more than 10000 distinct values',
                 'more than 10,000 distinct codes is 54000');
SELECT throws_ok($$SELECT pgdl.train_model('fc_float', 'fc_days', 'weekend', '[{"type":"dense","units":2}]', NULL,
                                           '{"epochs":1,"categorical":["noise"]}')$$,
                 '42804', 'categorical column "noise" is double precision, not text, an integer or bool',
                 'a float column is not categorical');

-- a model trained with impute drop_row skips such rows when it scores a source
CREATE TEMP TABLE fc_gaps AS
SELECT i AS id, CASE WHEN i % 10 = 4 THEN NULL ELSE (i % 5)::float8 END AS a, (i % 3)::float8 AS b, i % 5 > 1 AS y
FROM generate_series(1, 200) i;
SELECT lives_ok($$SELECT pgdl.train_model('fc_gap', 'fc_gaps', 'y', '[{"type":"dense","units":8,"activation":"relu"}]', NULL,
                                          '{"epochs":10,"learning_rate":0.05,"impute":"drop_row","seed":1}')$$,
                'a model trained with drop_row');
SELECT is((SELECT array_agg(value ORDER BY metric) FROM pgdl.evaluate('fc_gap', 'fc_gaps')),
          (SELECT array_agg(value ORDER BY metric) FROM pgdl.evaluate('fc_gap', 'SELECT * FROM fc_gaps WHERE a IS NOT NULL')),
          'evaluate skips the rows with a missing feature, as training did');
SELECT is((SELECT array_agg(n ORDER BY actual, predicted) FROM pgdl.confusion_matrix('fc_gap', 'fc_gaps')),
          (SELECT array_agg(n ORDER BY actual, predicted) FROM pgdl.confusion_matrix('fc_gap', 'SELECT * FROM fc_gaps WHERE a IS NOT NULL')),
          'confusion_matrix too');
SELECT is((SELECT count(*) FROM pgdl.roc_curve('fc_gap', 'fc_gaps')),
          (SELECT count(*) FROM pgdl.roc_curve('fc_gap', 'SELECT * FROM fc_gaps WHERE a IS NOT NULL')), 'roc_curve too');
SELECT is((SELECT array_agg(id::int ORDER BY id::int) FROM pgdl.predict_batch('fc_gap', 'fc_gaps', 'id')),
          (SELECT array_agg(id ORDER BY id) FROM fc_gaps WHERE a IS NOT NULL),
          'predict_batch scores the other rows, each with its own id');
-- without drop_row, the error says which row by its values (the id, when predict_batch reads it)
CREATE FUNCTION pg_temp.detail(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
    EXECUTE sql;
    RETURN NULL;
EXCEPTION WHEN null_value_not_allowed THEN
    GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
    RETURN d;
END $$;
SELECT is(pg_temp.detail($$SELECT count(*) FROM pgdl.predict_batch('fc_mem', 'SELECT id, a, b, y FROM fc_rows UNION ALL SELECT 999, NULL, 2, 1', 'id')$$),
          'The row''s values: id = 999, a = NULL, b = 2.', 'a NULL feature is named with the row''s values');

SELECT * FROM finish();
ROLLBACK;
