-- scripts/demo_seq.sql — attention in the tour.  It reads each Fashion-MNIST
-- image as a sequence of 28 rows of 28 pixels (the option input_shape
-- [28,28]) and trains the issue's transformer on fashion_mnist for 1 epoch:
-- a dense projection of each row to 64 values, sinusoidal positions, one
-- transformer encoder layer (4 heads, feed-forward 128), the mean over the
-- 28 steps, dense 10.  It evaluates the model on the 10,000 test images and
-- shows each layer's output shape and parameters.  It needs the test split
-- beside the training set (scripts/demo.sh loads it); runs on its own too,
-- in any database with both tables:
--     psql -X -f scripts/demo_seq.sql

\set ON_ERROR_STOP on
\set QUIET on
\pset pager off
\pset footer off

SELECT to_regclass('fashion_mnist_test') IS NOT NULL AS have_test \gset
\if :have_test
\else
\echo 'scripts/demo_seq.sql: table fashion_mnist_test is missing; load it with'
\echo '    /usr/bin/python3 scripts/load_fashion_mnist.py --sql --split test | psql -X -q'
\quit
\endif

\timing on
\echo
\echo '==== pgdl.train_model: a transformer on images read as 28 steps of 28 pixels'
\echo '       dense 64 per step, sinusoidal positions, encoder (4 heads, feed-forward 128), mean over steps, dense 10;'
\echo '       input_shape [28,28]; 1 epoch, Adam, batch 128'
SELECT model, version, task, parameters, epochs,
       round(train_loss::numeric, 4) AS train_loss, round(validation_loss::numeric, 4) AS validation_loss,
       metric, round(validation_metric::numeric, 4) AS validation_metric, round(seconds::numeric, 1) AS seconds
FROM pgdl.train_model('fmnist_transformer', 'fashion_mnist', 'label',
       '[{"type":"dense","units":64},
         {"type":"positional_encoding"},
         {"type":"transformer_encoder","heads":4,"ff_dim":128},
         {"type":"global_avgpool"},
         {"type":"dense","units":10}]',
       ARRAY['pixels'],
       '{"input_shape":[28,28], "epochs":1, "batch_size":128, "learning_rate":0.001, "seed":1}');

\timing off
\echo
\echo '==== pgdl.model_info: each layer''s output shape and parameters'
SELECT n AS layer, l->>'type' AS type, l->>'output_shape' AS output_shape, (l->>'parameters')::int AS parameters
FROM jsonb_array_elements(pgdl.model_info('fmnist_transformer')->'layers') WITH ORDINALITY AS t(l, n)
ORDER BY n;

\timing on
\echo
\echo '==== pgdl.evaluate: accuracy on the 10,000 test images'
SELECT metric, round(value::numeric, 4) AS value
FROM pgdl.evaluate('fmnist_transformer', 'fashion_mnist_test', 'label')
WHERE metric IN ('accuracy', 'f1_macro', 'log_loss', 'n');
\timing off
