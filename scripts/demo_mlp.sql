-- scripts/demo_mlp.sql — the neural-network part of the tour (scripts/demo.sh
-- runs it after scripts/demo.sql).  It trains an MLP
-- 784-256-128-10 on fashion_mnist for 3 epochs, evaluates it on the 10,000
-- test images and shows their confusion matrix as a table.
-- It needs the test split beside the training set; scripts/demo.sh loads it
-- with:
--     /usr/bin/python3 scripts/load_fashion_mnist.py --sql --split test | psql -X -q -v ON_ERROR_STOP=1
-- Runs on its own too, in any database with both tables:
--     psql -X -f scripts/demo_mlp.sql
-- The pixels may be raw (0..255, as the demo loads them) or scaled to [0,1]
-- (as bench/mlp does): training standardizes them either way.

\set ON_ERROR_STOP on
\set QUIET on
\pset pager off
\pset footer off

SELECT to_regclass('fashion_mnist_test') IS NOT NULL AS have_test \gset
\if :have_test
\else
\echo 'scripts/demo_mlp.sql: table fashion_mnist_test is missing; load it with'
\echo '    /usr/bin/python3 scripts/load_fashion_mnist.py --sql --split test | psql -X -q'
\quit
\endif

\timing on
\echo
\echo '==== pgdl.train_model: a neural network, trained where the data is'
\echo '       an MLP 784-256-128-10 (ReLU) on the 60,000 training images, 3 epochs, Adam, batch 128;'
\echo '       10% held out for validation; standardize (the default) fits a scaler and stores it in the model'
SELECT model, version, task, parameters, epochs,
       round(train_loss::numeric, 4) AS train_loss, round(validation_loss::numeric, 4) AS validation_loss,
       metric, round(validation_metric::numeric, 4) AS validation_metric, round(seconds::numeric, 1) AS seconds
FROM pgdl.train_model('fmnist_mlp', 'fashion_mnist', 'label',
       '[{"type":"dense","units":256,"activation":"relu"},
         {"type":"dense","units":128,"activation":"relu"},
         {"type":"dense","units":10}]',
       ARRAY['pixels'],
       '{"epochs":3, "batch_size":128, "learning_rate":0.001, "optimizer":"adam", "seed":1}');

\timing off
SELECT max(version) AS mlp_version FROM pgdl.models WHERE name = 'fmnist_mlp' \gset
\echo
\echo '       every epoch is kept in pgdl.training_history:'
SELECT epoch, round(train_loss::numeric, 4) AS train_loss, round(validation_loss::numeric, 4) AS validation_loss,
       metric, round(validation_metric::numeric, 4) AS validation_metric, round(seconds::numeric, 2) AS seconds
FROM pgdl.training_history
WHERE name = 'fmnist_mlp' AND version = :mlp_version
ORDER BY epoch;

\echo
\echo '==== pgdl.predict: score rows in plain SQL (the first five test images)'
SELECT id, label AS actual, pgdl.predict('fmnist_mlp', pixels)::int AS predicted,
       round((SELECT max(p) FROM unnest(pgdl.predict_proba('fmnist_mlp', pixels)) AS p)::numeric, 3) AS probability
FROM fashion_mnist_test
WHERE id <= 5
ORDER BY id;

\timing on
\echo
\echo '==== pgdl.evaluate: metrics on the 10,000 test images, which training never saw'
SELECT metric, round(value::numeric, 4) AS value
FROM pgdl.evaluate('fmnist_mlp', 'fashion_mnist_test', 'label');

\echo
\echo '==== pgdl.confusion_matrix: rows (actual, predicted, n), here turned into a table'
\echo '       (a row per actual class, a column per predicted class; the diagonal is right)'
WITH names (label, name) AS (
	VALUES (0, 'T-shirt/top'), (1, 'Trouser'), (2, 'Pullover'), (3, 'Dress'), (4, 'Coat'),
	       (5, 'Sandal'), (6, 'Shirt'), (7, 'Sneaker'), (8, 'Bag'), (9, 'Ankle boot')),
cm AS (
	SELECT actual::numeric AS a, predicted::numeric AS p, n
	FROM pgdl.confusion_matrix('fmnist_mlp', 'fashion_mnist_test', 'label'))
SELECT cm.a || ' ' || coalesce(names.name, '') AS "actual \ predicted",
       sum(n) FILTER (WHERE p = 0) AS "0", sum(n) FILTER (WHERE p = 1) AS "1",
       sum(n) FILTER (WHERE p = 2) AS "2", sum(n) FILTER (WHERE p = 3) AS "3",
       sum(n) FILTER (WHERE p = 4) AS "4", sum(n) FILTER (WHERE p = 5) AS "5",
       sum(n) FILTER (WHERE p = 6) AS "6", sum(n) FILTER (WHERE p = 7) AS "7",
       sum(n) FILTER (WHERE p = 8) AS "8", sum(n) FILTER (WHERE p = 9) AS "9",
       round(100.0 * sum(n) FILTER (WHERE p = cm.a) / nullif(sum(n), 0), 1) AS "right %"
FROM cm LEFT JOIN names ON names.label = cm.a
GROUP BY cm.a, names.name
ORDER BY cm.a;
\timing off
