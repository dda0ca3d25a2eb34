-- The messages of the feature choice (see the README, "Features and target"
-- and "Missing values"): a constant column listed as a feature, and a model
-- trained with impute drop_row scored on rows with a missing feature.
-- Behaviour is tested in test/pgtap/feature_choice.sql.
SET extra_float_digits = 0;
SET client_min_messages = warning;
CREATE TABLE fc_msg AS
SELECT i AS id, CASE WHEN i % 10 = 4 THEN NULL ELSE (i % 5)::float8 END AS a, (i % 3)::float8 AS b,
       false AS is_test, i % 5 > 1 AS y
FROM generate_series(1, 200) i;
-- by default, a constant column is left out with a NOTICE (the missing
-- warm_start model stops the training before its epochs' NOTICEs)
SET client_min_messages = notice;
SELECT * FROM pgdl.train_model('fc_notice', 'SELECT * FROM fc_msg WHERE a IS NOT NULL', 'y',
	'[{"type":"dense","units":1,"activation":"sigmoid"}]', NULL, '{"task":"classification","warm_start":"fc_none@1"}');
SET client_min_messages = warning;
-- listed, a constant column stays, with a WARNING
SELECT model, version FROM pgdl.train_model('fc_listed', 'SELECT * FROM fc_msg WHERE a IS NOT NULL', 'y',
	'[{"type":"dense","units":4}]', ARRAY['a', 'b', 'is_test'], '{"epochs":1,"seed":1}');
SELECT model, version FROM pgdl.train_model('fc_drop', 'fc_msg', 'y', '[{"type":"dense","units":8,"activation":"relu"}]',
	NULL, '{"epochs":40,"learning_rate":0.05,"impute":"drop_row","seed":1}');
SET client_min_messages = notice;
-- the rows training dropped are skipped, with a NOTICE counting them
SELECT metric, round(value::numeric, 3) AS value FROM pgdl.evaluate('fc_drop', 'fc_msg') WHERE metric IN ('accuracy', 'n');
SELECT sum(n) FROM pgdl.confusion_matrix('fc_drop', 'fc_msg');
SELECT count(*) FROM pgdl.predict_batch('fc_drop', 'fc_msg', 'id');
-- a model without drop_row: the error names the row by its values
SELECT * FROM pgdl.evaluate('fc_listed', 'fc_msg');
SELECT count(*) FROM pgdl.predict_batch('fc_listed', 'fc_msg', 'id');
-- so does an array of another length, in training too
SET client_min_messages = warning;
SELECT * FROM pgdl.train_model('fc_arr', 'VALUES (ARRAY[1.5, 2], true), (ARRAY[1.5, 2], false), (ARRAY[3.0], true)',
	'column2', '[{"type":"dense","units":2}]');
