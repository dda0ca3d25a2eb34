-- test/pgtap/keras.sql: what a Keras, PyTorch or scikit-learn user writes
-- first (see the README's "Layers" and "Options" reference): layers '[]' as
-- a linear model, a 2-unit softmax as the output of a binary classifier,
-- Keras spellings as aliases (model_info shows the canonical names), the
-- nearest accepted name as a HINT, a channels-last input_shape, and what
-- standardize does to [0, 1] pixels.
-- Everything is rolled back at the end.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(38);

\ir lib/errors.sql

-- y = 1.5 + 3 x1 - 2 x2 plus a deterministic wiggle: least squares is not exact
CREATE TEMP TABLE lin AS
SELECT i AS id, x1, x2, 1.5 + 3 * x1 - 2 * x2 + 0.3 * sin(i * 7.0) AS y,
       (x1 - x2 > 0.2) AS above, (ARRAY['a', 'b', 'c'])[1 + (i % 3)] AS kind
FROM (SELECT i, 2 * sin(i)::float8 AS x1, cos(i * 1.3)::float8 AS x2 FROM generate_series(1, 200) i) s;
-- separable: the sign of x1 - x2 - 0.2 with a margin
DELETE FROM lin WHERE abs(x1 - x2 - 0.2) < 0.05;
-- three classes, each a region of x1 (softmax regression separates them)
UPDATE lin SET kind = CASE WHEN x1 < -0.7 THEN 'a' WHEN x1 < 0.7 THEN 'b' ELSE 'c' END;

-- ---- layers '[]': linear models ----
-- full-batch gradient descent on standardized inputs converges to least squares
SELECT lives_ok($$SELECT * FROM pgdl.train_model('k_lin', 'lin', 'y', '[]', ARRAY['x1', 'x2'],
                  '{"optimizer":"sgd","learning_rate":0.3,"batch_size":1000,"epochs":300,"validation_fraction":0,"seed":1}')$$,
                'layers [] trains a linear regression');
SELECT is(jsonb_array_length(pgdl.model_info('k_lin')->'layers'), 1, 'the linear model is one layer');
SELECT is(pgdl.model_info('k_lin')->'layers'->0 @> '{"type":"dense","units":1,"activation":"linear","parameters":3}', true,
          'that layer is dense, one linear unit, two weights and a bias');
-- least squares in closed form, from the covariances
CREATE TEMP TABLE ols AS
WITH c AS (SELECT covar_pop(x1, x1) AS a, covar_pop(x1, x2) AS b, covar_pop(x2, x2) AS d,
                  covar_pop(x1, y) AS e, covar_pop(x2, y) AS f, avg(x1) AS m1, avg(x2) AS m2, avg(y) AS my FROM lin)
SELECT (d * e - b * f) / (a * d - b * b) AS w1, (a * f - b * e) / (a * d - b * b) AS w2, m1, m2, my FROM c;
SELECT cmp_ok((SELECT max(abs(pgdl.predict('k_lin', ARRAY[x1, x2]) - (my + w1 * (x1 - m1) + w2 * (x2 - m2))))
               FROM lin, ols), '<', 1e-3::float8,
              'the linear model predicts what least squares predicts (within 1e-3)');
SELECT cmp_ok((SELECT abs(w1 - 3) + abs(w2 + 2) FROM ols), '>', 1e-3::float8,
              'and least squares is not the noiseless line (the check above is not trivial)');

SELECT lives_ok($$SELECT * FROM pgdl.train_model('k_logit', 'lin', 'above', '[]', ARRAY['x1', 'x2'],
                  '{"learning_rate":0.1,"epochs":200,"batch_size":32,"validation_fraction":0,"seed":1}')$$,
                'layers [] trains a logistic regression');
SELECT is(pgdl.model_info('k_logit')->'layers',
          (SELECT jsonb_agg(l) FROM jsonb_array_elements(pgdl.model_info('k_logit')->'layers') l
           WHERE l @> '{"type":"dense","units":1,"activation":"sigmoid"}'),
          'logistic regression: one dense layer, one sigmoid unit');
SELECT is((SELECT value FROM pgdl.evaluate('k_logit', 'lin', 'above') WHERE metric = 'accuracy'), 1::float8,
          'logistic regression separates a separable set');

SELECT lives_ok($$SELECT * FROM pgdl.train_model('k_softmax', 'lin', 'kind', '[]', ARRAY['x1', 'x2'],
                  '{"learning_rate":0.1,"epochs":200,"batch_size":32,"validation_fraction":0,"seed":1}')$$,
                'layers [] trains a softmax regression');
SELECT is(jsonb_array_length(pgdl.model_info('k_softmax')->'layers'), 1, 'softmax regression is one layer');
SELECT is(pgdl.model_info('k_softmax')->'layers'->0 @> '{"type":"dense","units":3,"activation":"softmax"}', true,
          'with one softmax unit per class');
SELECT cmp_ok((SELECT value FROM pgdl.evaluate('k_softmax', 'lin', 'kind') WHERE metric = 'accuracy'), '>=', 0.95::float8,
              'softmax regression tells the three regions apart');

-- ---- a Keras binary output: Dense(2, softmax) ----
SELECT lives_ok($$SELECT * FROM pgdl.train_model('k_two', 'lin', 'above',
                  '[{"type":"Dense","units":8,"activation":"relu"},{"type":"Dense","units":2,"activation":"softmax"}]',
                  ARRAY['x1', 'x2'], '{"learning_rate":0.05,"epochs":60,"seed":1}')$$,
                'a binary target trains with a last layer of 2 softmax units');
SELECT is(jsonb_array_length(pgdl.model_info('k_two')->'layers'), 2, 'nothing is appended after the 2-unit softmax');
SELECT is(pgdl.model_info('k_two')->'layers'->1 @> '{"type":"dense","units":2,"activation":"softmax"}', true,
          'the 2-unit softmax is the output layer');
SELECT is(pgdl.model_info('k_two')->>'loss', 'cross_entropy', 'its loss is cross-entropy over the two classes');
SELECT is((SELECT count(*) FROM lin
           WHERE array_length(pgdl.predict_proba('k_two', ARRAY[x1, x2]), 1) <> 2
              OR abs((SELECT sum(p) FROM unnest(pgdl.predict_proba('k_two', ARRAY[x1, x2])) p) - 1) > 1e-6), 0::bigint,
          'predict_proba gives two probabilities that sum to 1');
SELECT is((SELECT count(*) FROM lin
           WHERE pgdl.predict_label('k_two', ARRAY[x1, x2])
                 <> CASE WHEN (pgdl.predict_proba('k_two', ARRAY[x1, x2]))[2] > (pgdl.predict_proba('k_two', ARRAY[x1, x2]))[1]
                         THEN 'true' ELSE 'false' END
              OR pgdl.predict('k_two', ARRAY[x1, x2]) <> (pgdl.predict_label('k_two', ARRAY[x1, x2]) = 'true')::int), 0::bigint,
          'predict, predict_label and predict_proba agree');
SELECT cmp_ok((SELECT value FROM pgdl.evaluate('k_two', 'lin', 'above') WHERE metric = 'accuracy'), '>=', 0.9::float8,
              'and the model learned the classes');
SELECT is(pg_temp.err($$SELECT * FROM pgdl.train_model('k_bad', 'lin', 'above',
                  '[{"type":"dense","units":2,"activation":"softmax"}]', ARRAY['x1', 'x2'], '{"loss":"binary_crossentropy"}')$$)
          LIKE '22023: layer 1 (dense) has 2 softmax units, the output of a two-class cross_entropy model, but the loss is binary_cross_entropy%', true,
          'a 2-unit softmax with binary cross-entropy asked for is 22023 saying what to write');

-- ---- Keras spellings ----
SELECT lives_ok($$SELECT * FROM pgdl.train_model('k_alias', 'lin', 'kind',
                  '[{"type":"Dense","units":4,"activation":"ReLU"},{"type":"Dropout","rate":0.1},{"type":"BatchNormalization"},{"type":"Dense","units":3,"activation":"softmax"}]',
                  ARRAY['x1', 'x2'],
                  '{"loss":"sparse_categorical_crossentropy","optimizer":"Adam","validation_split":0.2,"epochs":2,"seed":1}')$$,
                'Keras spellings of layers, losses, optimizers and options are accepted');
SELECT is((SELECT jsonb_agg(l->>'type') FROM jsonb_array_elements(pgdl.model_info('k_alias')->'layers') l),
          '["dense", "dropout", "batchnorm", "dense"]'::jsonb, 'model_info shows the canonical layer types');
SELECT is(pgdl.model_info('k_alias')->'layers'->0->>'activation', 'relu', 'and the canonical activation');
SELECT is(pgdl.model_info('k_alias')->'options' @> '{"loss":"cross_entropy","optimizer":"adam","validation_fraction":0.2}', true,
          'and the canonical option names and values');
SELECT is((SELECT options->>'validation_split' FROM pgdl.models WHERE name = 'k_alias'), NULL,
          'the registry keeps no alias');
SELECT is(pg_temp.err($$SELECT * FROM pgdl.train_model('k_bad', 'lin', 'above', '[]', ARRAY['x1', 'x2'],
                  '{"validation_split":0.2,"validation_fraction":0.1}')$$)
          LIKE '22023: option "validation_fraction" is given twice%', true, 'an option and its alias together are 22023');

-- ---- did you mean ----
SELECT is(pg_temp.err($$SELECT * FROM pgdl.train_model('k_bad', 'lin', 'above', '[{"type":"Dens","units":2}]', ARRAY['x1', 'x2'])$$)
          LIKE '22023: layer 1: unknown type "Dens"; accepted types: dense, % |  | Did you mean "dense"?', true,
          'an unknown layer type hints at the nearest');
SELECT is(pg_temp.err($$SELECT * FROM pgdl.train_model('k_bad', 'lin', 'above', '[{"type":"MaxPooling2", "pool_size":2}]', ARRAY['x1', 'x2'])$$)
          LIKE '22023: % |  | Did you mean "maxpool2d"?', true, 'a misspelt Keras type hints at pgdl''s');
SELECT is(pg_temp.err($$SELECT * FROM pgdl.train_model('k_bad', 'lin', 'above', '[{"type":"dense","unit":2}]', ARRAY['x1', 'x2'])$$)
          LIKE '22023: layer 1 (dense): unknown key "unit"% |  | Did you mean "units"?', true,
          'an unknown layer key hints at the nearest');
SELECT is(pg_temp.err($$SELECT * FROM pgdl.train_model('k_bad', 'lin', 'above', '[]', ARRAY['x1', 'x2'], '{"epoch":3}')$$)
          LIKE '22023: unknown option "epoch"% |  | Did you mean "epochs"?', true,
          'an unknown option hints at the nearest');
SELECT is(pg_temp.err($$SELECT * FROM pgdl.train_model('k_bad', 'lin', 'above', '[]', ARRAY['x1', 'x2'], '{"optimizer":"adma"}')$$)
          LIKE '22023: option "optimizer" must be one of adam, % |  | Did you mean "adam"?', true,
          'an unknown option value hints at the nearest');
SELECT is(pg_temp.err($$SELECT * FROM pgdl.train_model('k_bad', 'lin', 'above', '[{"type":"dense","units":2,"activation":"rleu"}]', ARRAY['x1', 'x2'])$$)
          LIKE '22023: % |  | Did you mean "relu"?', true, 'an unknown activation hints at the nearest');

-- ---- channels-last images ----
CREATE TEMP TABLE img AS
SELECT i AS id, ARRAY(SELECT ((i * j) % 7)::real FROM generate_series(1, 36) j) AS pixels, i % 2 AS y
FROM generate_series(1, 20) i;
SELECT is(pg_temp.err($$SELECT * FROM pgdl.train_model('k_bad', 'img', 'y', '[{"type":"Conv2D","filters":2,"kernel_size":3}]',
                  ARRAY['pixels'], '{"input_shape":[6,6,1]}')$$),
          '22023: input_shape [6, 6, 1] looks channels-last (height, width, channels); pgdl''s conv2d expects channels first, [channels, height, width]: write [1, 6, 6] |  | ',
          'a channels-last input_shape for conv2d is 22023 saying what to write');
SELECT lives_ok($$SELECT * FROM pgdl.train_model('k_img', 'img', 'y', '[{"type":"Conv2D","filters":2,"kernel_size":3},{"type":"Flatten"}]',
                  ARRAY['pixels'], '{"input_shape":[1,6,6],"epochs":1}')$$, 'the channels-first shape trains');

-- ---- standardize on [0, 1] pixels (the README's "Pixels and tutorial learning rates") ----
CREATE TEMP TABLE rare AS
SELECT i AS id, i % 2 AS label, ARRAY[(i % 100 = 0)::int::real, (i % 2) * 0.5::real] AS pixels
FROM generate_series(1, 1000) i;
SELECT lives_ok($$SELECT * FROM pgdl.train_model('k_rare', 'rare', 'label', '[]', ARRAY['pixels'], '{"epochs":1}')$$,
                'a model on pixels, standardized (the default)');
SELECT cmp_ok((pgdl.model_inputs('k_rare', ARRAY[1, 0.5]::real[]))[1], '>', 9::real,
              'with standardize, a pixel lit in 1 % of the images reaches the network as about 10');
SELECT lives_ok($$SELECT * FROM pgdl.train_model('k_raw', 'rare', 'label', '[]', ARRAY['pixels'], '{"epochs":1,"standardize":false}')$$,
                'the same with standardize false');
SELECT is((pgdl.model_inputs('k_raw', ARRAY[1, 0.5]::real[]))[1], 1::real, 'without, as the pixel is');

SELECT * FROM finish();
ROLLBACK;
