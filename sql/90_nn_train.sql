-- Neural networks end to end: train, predict, evaluate, versions, export/import.
-- Small fixed-seed data; outputs are rounded or thresholded so that they do
-- not depend on the last bits of float arithmetic.
SET extra_float_digits = 0;
SET client_min_messages = warning;

-- XOR: not linearly separable; a hidden tanh layer must learn it
CREATE TABLE xor_data AS
SELECT a, b, (a <> b) AS y FROM (VALUES (0, 0), (0, 1), (1, 0), (1, 1)) v(a, b), generate_series(1, 25);
SELECT model, version, task, parameters, epochs, metric
FROM pgdl.train_model('xor', 'xor_data', 'y',
	'[{"type":"dense","units":8,"activation":"tanh"}]', NULL,
	'{"epochs":200,"learning_rate":0.05,"batch_size":8,"seed":1,"validation_fraction":0}');
SELECT a, b, pgdl.predict('xor', ARRAY[a, b]) AS predicted, pgdl.predict_label('xor', ARRAY[a, b]) AS label,
	   round((pgdl.predict_proba('xor', ARRAY[a, b]))[2]::numeric, 1) AS p_true
FROM (VALUES (0, 0), (0, 1), (1, 0), (1, 1)) v(a, b) ORDER BY a, b;
SELECT metric, round(value::numeric, 2) AS value FROM pgdl.evaluate('xor', 'xor_data')
WHERE metric IN ('accuracy', 'f1', 'roc_auc', 'n') ORDER BY metric;

-- three text classes, linearly separable, with a categorical feature and a NULL target
CREATE TABLE blobs (id serial PRIMARY KEY, x1 float8, x2 real, shade text, kind text);
INSERT INTO blobs (x1, x2, shade, kind)
SELECT c * 4 + (i % 7) * 0.1, (c % 2) * 3 - (i % 5) * 0.1,
	   CASE WHEN i % 3 = 0 THEN 'dark' ELSE 'light' END,
	   (ARRAY['circle', 'square', 'triangle'])[c + 1]
FROM generate_series(0, 2) c, generate_series(1, 40) i;
INSERT INTO blobs (x1, x2, shade, kind) VALUES (0, 0, 'dark', NULL);
-- default features: x1, x2 and the categorical shade; not the serial key id
SELECT model, version, task, epochs, metric, validation_metric > 0.9 AS validates
FROM pgdl.train_model('shapes', 'blobs', 'kind', '[{"type":"dense","units":16,"activation":"relu"}]', NULL,
	'{"epochs":60,"learning_rate":0.01,"seed":7,"categorical":["shade"],"description":"three blobs"}');
SELECT pgdl.predict_label('shapes', b) AS by_record, kind FROM blobs b WHERE id IN (1, 50, 100) ORDER BY id;
-- the model argument may change from row to row (each change reloads it)
SELECT count(*) FILTER (WHERE pgdl.predict_label(CASE WHEN id % 2 = 0 THEN 'shapes' ELSE 'shapes@1' END, b) = kind) AS right
FROM blobs b;
SELECT * FROM pgdl.class_probabilities('shapes', ARRAY[0.2, 3, 1, 0]) WHERE probability > 0.5;
SELECT actual, predicted, n FROM pgdl.confusion_matrix('shapes', 'blobs') ORDER BY 1, 2;
SELECT count(*) AS rows, count(*) FILTER (WHERE label = kind) AS right_labels
FROM pgdl.predict_batch('shapes', 'blobs', 'id') p JOIN blobs b ON b.id::text = p.id;
SELECT name, version, task, description, features, labels, parameters, deployed, serving
FROM pgdl.models WHERE name = 'shapes';
SELECT count(*) AS epochs_recorded FROM pgdl.training_history WHERE name = 'shapes';

-- regression: y = 2 x1 - 3 x2 + 1 (numeric target), from a query source
CREATE TABLE lin AS SELECT i, (i % 10) / 10.0 AS x1, (i % 7) / 7.0 AS x2 FROM generate_series(1, 300) i;
SELECT model, task, epochs, metric
FROM pgdl.train_model('lin', 'SELECT x1, x2, (2 * x1 - 3 * x2 + 1)::numeric AS y FROM lin ORDER BY i', 'y',
	'[{"type":"dense","units":16,"activation":"relu"}]', ARRAY['x1', 'x2'],
	'{"epochs":150,"learning_rate":0.01,"seed":3}');
SELECT metric, value < 0.01 AS small FROM pgdl.evaluate('lin', 'SELECT x1, x2, 2 * x1 - 3 * x2 + 1 AS y FROM lin', 'y')
WHERE metric = 'mse';
SELECT round(pgdl.predict('lin', ARRAY[0.5, 0.5])::numeric, 1) AS near_0_5,
	   round(pgdl.predict('lin', ARRAY[0.5::real, 0.5::real])::numeric, 1) AS real_input,
	   pgdl.predict('lin', ARRAY[1, 0]) = pgdl.predict('lin', ARRAY[1.0, 0.0]) AS int_equals_numeric;

-- versions: the same seed gives the same bytes; deploy, @N, @latest, drop
SELECT version FROM pgdl.train_model('lin', 'SELECT x1, x2, (2 * x1 - 3 * x2 + 1)::numeric AS y FROM lin ORDER BY i', 'y',
	'[{"type":"dense","units":16,"activation":"relu"}]', ARRAY['x1', 'x2'],
	'{"epochs":150,"learning_rate":0.01,"seed":3}');
SELECT pgdl.export_model('lin@1') = pgdl.export_model('lin@2') AS same_seed_same_weights;
SELECT pgdl.deploy_model('lin', 1) AS deployed;
SELECT version, deployed, serving FROM pgdl.models WHERE name = 'lin' ORDER BY version;
SELECT pgdl.import_model('lin_copy', pgdl.export_model('lin')) AS imported_version;
SELECT pgdl.predict('lin_copy', ARRAY[0.3, 0.9]) = pgdl.predict('lin@1', ARRAY[0.3, 0.9]) AS import_predicts_the_same;
SELECT pgdl.drop_model('lin@2') AS dropped_one, pgdl.drop_model('lin_copy') AS dropped_all;
SELECT name, version FROM pgdl.models WHERE name LIKE 'lin%' ORDER BY 1, 2;
SELECT jsonb_path_query(pgdl.model_info('shapes'), '$.layers[*].output_shape') AS output_shapes;
SELECT pgdl.model_info('shapes') -> 'labels' AS labels, pgdl.model_info('xor') -> 'parameters' AS xor_parameters;

-- cross-validation saves nothing and reports every fold
SELECT fold, metric, value > 0.8 AS good FROM pgdl.cross_validate('blobs', 'kind',
	'[{"type":"dense","units":16,"activation":"relu"}]', 3, ARRAY['x1', 'x2'],
	'{"epochs":60,"learning_rate":0.01,"seed":7}') WHERE metric = 'accuracy' ORDER BY fold;
SELECT count(*) AS models FROM pgdl.models;

-- grants: by role name or 'public' (text), or as regrole ('-' is PUBLIC)
SELECT pgdl.grant_model('xor', 'public'), pgdl.grant_model('xor', 'postgres'::regrole);
SELECT grantee FROM pgdl.model_grants WHERE name = 'xor' ORDER BY grantee::oid;
SELECT pgdl.revoke_model('xor', 'PUBLIC'), pgdl.revoke_model('xor', 'postgres');
SELECT count(*) AS grants_left FROM pgdl.model_grants WHERE name = 'xor';
