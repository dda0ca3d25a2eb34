-- test/pgtap/feature_choice.sql: which columns train_model takes as features
-- (see the README, "Features and target"): constant columns such as a split
-- flag are left out of the default choice, in memory, streamed and
-- data-parallel, and the model records the features it uses.
BEGIN;
SET client_min_messages = error;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(10);

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
-- every default feature constant: kept, the training runs
SELECT is(pg_temp.trained_features('fc_all', 'SELECT five, y FROM fc_train', NULL, '{"epochs":1}'),
          '{five}'::text[], 'when every feature is constant they are kept');

SELECT * FROM finish();
ROLLBACK;
