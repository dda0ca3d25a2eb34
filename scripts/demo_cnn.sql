-- scripts/demo_cnn.sql — a convolutional network in the tour.  It trains the
-- issue's CNN (conv 16 3x3, maxpool 2, conv 32 3x3, maxpool 2, flatten,
-- dense 10) on fashion_mnist for 1 epoch, each row's real[784] pixels read
-- as a 1x28x28 image through the option input_shape, evaluates it on the
-- 10,000 test images and shows each layer's output shape and parameters.
-- It needs the test split beside the training set; scripts/demo.sh loads it
-- with:
--     /usr/bin/python3 scripts/load_fashion_mnist.py --sql --split test | psql -X -q -v ON_ERROR_STOP=1
-- Runs on its own too, in any database with both tables:
--     psql -X -f scripts/demo_cnn.sql
-- The pixels may be raw (0..255, as the demo loads them) or scaled to [0,1]
-- (as bench/cnn does): training standardizes them either way.

\set ON_ERROR_STOP on
\set QUIET on
\pset pager off
\pset footer off

SELECT to_regclass('fashion_mnist_test') IS NOT NULL AS have_test \gset
\if :have_test
\else
\echo 'scripts/demo_cnn.sql: table fashion_mnist_test is missing; load it with'
\echo '    /usr/bin/python3 scripts/load_fashion_mnist.py --sql --split test | psql -X -q'
\quit
\endif

\timing on
\echo
\echo '==== pgdl.train_model: a convolutional network, trained where the images are'
\echo '       conv 16 3x3 (ReLU), maxpool 2, conv 32 3x3 (ReLU), maxpool 2, flatten, dense 10;'
\echo '       input_shape [1,28,28] reads each real[784] as a 1-channel 28x28 image; 1 epoch, Adam, batch 128'
SELECT model, version, task, parameters, epochs,
       round(train_loss::numeric, 4) AS train_loss, round(validation_loss::numeric, 4) AS validation_loss,
       metric, round(validation_metric::numeric, 4) AS validation_metric, round(seconds::numeric, 1) AS seconds
FROM pgdl.train_model('fmnist_cnn', 'fashion_mnist', 'label',
       '[{"type":"conv2d","filters":16,"kernel":3,"activation":"relu"},
         {"type":"maxpool2d","pool":2},
         {"type":"conv2d","filters":32,"kernel":3,"activation":"relu"},
         {"type":"maxpool2d","pool":2},
         {"type":"flatten"},
         {"type":"dense","units":10}]',
       ARRAY['pixels'],
       '{"input_shape":[1,28,28], "epochs":1, "batch_size":128, "learning_rate":0.001, "optimizer":"adam", "seed":1}');

\timing off
\echo
\echo '==== pgdl.model_info: each layer''s output shape and parameters (like a Keras summary)'
SELECT n AS layer, l->>'type' AS type, l->>'output_shape' AS output_shape, (l->>'parameters')::int AS parameters
FROM jsonb_array_elements(pgdl.model_info('fmnist_cnn')->'layers') WITH ORDINALITY AS t(l, n)
ORDER BY n;

\timing on
\echo
\echo '==== pgdl.evaluate: metrics on the 10,000 test images, which training never saw'
SELECT metric, round(value::numeric, 4) AS value
FROM pgdl.evaluate('fmnist_cnn', 'fashion_mnist_test', 'label');

\echo
\echo '==== pgdl.predict: the first five test images, scored in plain SQL'
SELECT id, label AS actual, pgdl.predict('fmnist_cnn', pixels)::int AS predicted
FROM fashion_mnist_test
WHERE id <= 5
ORDER BY id;
\timing off
