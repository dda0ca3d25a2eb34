-- test/pgtap/metrics_once.sql: every model metric is computed in one place
-- (src/core/metrics.c), so pgdl.evaluate, confusion_matrix, roc_curve,
-- cross_validate and the metric aggregates (classification_metrics,
-- regression_metrics, roc_auc) give the same values on the same rows, and
-- those values equal a computation by hand in SQL.
--
-- "The same rows" includes the same outputs: float32 networks give
-- last-bit different outputs when a row is scored alone (predict,
-- cross_validate's folds, a one-row source) or in a block with others
-- (evaluate, predict_batch), so each comparison below scores its rows the
-- way the function it checks does.
--
-- cross_validate saves no fold model.  To know a fold's model, these folds
-- train with a learning rate of 1e-30, which leaves every weight at its
-- seeded initialisation (an update of 1e-30 is below float32's spacing at
-- any initial weight), so each fold's model scores exactly as a model
-- trained by train_model with the same options; without standardize no
-- preprocessing depends on the fold.  The folds' rows are known by
-- construction: stratified folds deal each class's rows in turn, so with
-- four identical rows per class and four folds every fold holds one row of
-- each class; with one fold per row each fold holds one row.  Training
-- keeps targets as float32: the regression targets here are exact in
-- float32, so a fold sees the values evaluate sees.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(24);

------------------------------------------------------------------------------
-- 1. a binary classifier: evaluate against the aggregates and by hand
------------------------------------------------------------------------------
CREATE TEMP TABLE mo_b AS
SELECT i, sin(i) AS x1, cos(i * 1.3) AS x2, (sin(i) + 0.8 * cos(i * 2.1) > 0) AS y
FROM generate_series(1, 300) i;
CREATE TEMP TABLE mo_models AS SELECT model FROM pgdl.train_model('mo_bin', 'mo_b', 'y',
    '[{"type":"dense","units":4}]', ARRAY['x1', 'x2'], '{"epochs":3,"seed":7,"validation_fraction":0}');

-- scored as evaluate scores (in blocks)
CREATE TEMP TABLE mo_b_scored AS
SELECT t.i, t.y, b.label, b.probabilities[2] AS score
FROM pgdl.predict_batch('mo_bin', 'mo_b', 'i') b JOIN mo_b t ON t.i = b.id::int;
CREATE TEMP TABLE mo_b_eval AS SELECT metric, value FROM pgdl.evaluate('mo_bin', 'mo_b');
CREATE FUNCTION pg_temp.ev(m text) RETURNS float8 LANGUAGE sql STABLE
    RETURN (SELECT value FROM mo_b_eval WHERE metric = m);

-- the model must be neither perfect nor constant, or the checks below say little
SELECT ok(pg_temp.ev('accuracy') BETWEEN 0.6 AND 0.99
          AND (SELECT count(DISTINCT label) FROM mo_b_scored) = 2,
          'the binary model predicts both classes, with some errors');

SELECT is((SELECT ARRAY[(m).accuracy, (m).precision_macro, (m).recall_macro, (m).f1_macro]
           FROM (SELECT pgdl.classification_metrics(y::text, label) AS m FROM mo_b_scored) s),
          ARRAY[pg_temp.ev('accuracy'), pg_temp.ev('precision_macro'), pg_temp.ev('recall_macro'), pg_temp.ev('f1_macro')],
          'evaluate''s accuracy and macro precision/recall/f1 equal classification_metrics over its predictions, bit for bit');

CREATE TEMP TABLE mo_b_cm AS
SELECT sum(n) FILTER (WHERE actual = 'true' AND predicted = 'true')::float8 AS tp,
       sum(n) FILTER (WHERE actual = 'false' AND predicted = 'true')::float8 AS fp,
       sum(n) FILTER (WHERE actual = 'true' AND predicted = 'false')::float8 AS fn,
       sum(n) FILTER (WHERE actual = 'false' AND predicted = 'false')::float8 AS tn
FROM pgdl.confusion_matrix('mo_bin', 'mo_b');
SELECT is((SELECT array_agg(n ORDER BY actual, predicted) FROM pgdl.confusion_matrix('mo_bin', 'mo_b')),
          (SELECT array_agg(coalesce(c, 0) ORDER BY a, p)
           FROM (VALUES ('false'), ('true')) va(a) CROSS JOIN (VALUES ('false'), ('true')) vp(p)
           LEFT JOIN (SELECT y::text AS ya, label, count(*) AS c FROM mo_b_scored GROUP BY 1, 2) g
             ON g.ya = a AND g.label = p),
          'confusion_matrix counts the pairs of (target, predicted label)');
SELECT is((SELECT ARRAY[tp / (tp + fp), tp / (tp + fn), 2 * tp / (2 * tp + fp + fn)] FROM mo_b_cm),
          ARRAY[pg_temp.ev('precision'), pg_temp.ev('recall'), pg_temp.ev('f1')],
          'evaluate''s precision, recall and f1 of the positive class equal tp/(tp+fp), tp/(tp+fn), 2tp/(2tp+fp+fn)');
SELECT is((SELECT (tp + tn) / (tp + tn + fp + fn) FROM mo_b_cm), pg_temp.ev('accuracy'),
          'evaluate''s accuracy equals (tp+tn)/n from confusion_matrix');
SELECT ok((SELECT abs(avg(-ln(least(greatest(CASE WHEN y THEN score ELSE 1 - score END, 1e-15), 1 - 1e-15))) - pg_temp.ev('log_loss'))
                  < 1e-12 FROM mo_b_scored),
          'evaluate''s log_loss equals the mean of -ln(clipped probability of the actual class)');

-- AUC: the aggregate, the pairs counted by hand, the trapezoids of roc_curve
SELECT is((SELECT pgdl.roc_auc(y, score) FROM mo_b_scored), pg_temp.ev('roc_auc'),
          'evaluate''s roc_auc equals the roc_auc aggregate over the same scores, bit for bit');
SELECT ok((SELECT abs(avg(CASE WHEN p.score > n.score THEN 1.0 WHEN p.score = n.score THEN 0.5 ELSE 0 END)
                      - pg_temp.ev('roc_auc')) < 1e-12
           FROM mo_b_scored p, mo_b_scored n WHERE p.y AND NOT n.y),
          'evaluate''s roc_auc equals the share of (positive, negative) pairs ranked right, ties one half');
SELECT ok((SELECT abs(sum((fpr - coalesce(pf, 0)) * (tpr + coalesce(pt, 0)) / 2) - pg_temp.ev('roc_auc')) < 1e-12
           FROM (SELECT fpr, tpr, lag(fpr) OVER w AS pf, lag(tpr) OVER w AS pt
                 FROM pgdl.roc_curve('mo_bin', 'mo_b') WINDOW w AS (ORDER BY threshold DESC)) c),
          'the trapezoids under roc_curve add up to evaluate''s roc_auc');
SELECT is((SELECT array_agg(ARRAY[threshold, fpr, tpr, precision] ORDER BY threshold DESC)
           FROM pgdl.roc_curve('mo_bin', 'mo_b')),
          (SELECT array_agg(ARRAY[s, fp / nn, tp / np, tp / (tp + fp)] ORDER BY s DESC)
           FROM (SELECT DISTINCT score AS s,
                        count(*) FILTER (WHERE NOT y) OVER (ORDER BY score DESC)::float8 AS fp,
                        count(*) FILTER (WHERE y) OVER (ORDER BY score DESC)::float8 AS tp,
                        count(*) FILTER (WHERE NOT y) OVER ()::float8 AS nn,
                        count(*) FILTER (WHERE y) OVER ()::float8 AS np
                 FROM mo_b_scored) c),
          'roc_curve: one point per distinct score with the cumulative fpr, tpr and precision');

------------------------------------------------------------------------------
-- 2. three classes: cross_validate's folds, evaluate and the aggregate
------------------------------------------------------------------------------
CREATE TEMP TABLE mo_t AS
SELECT i, (ARRAY[-1.0, 0.5, 1.5])[1 + (i - 1) / 4]::float8 AS x1,
       (ARRAY[0.3, -0.8, 1.1])[1 + (i - 1) / 4]::float8 AS x2,
       (ARRAY['a', 'b', 'c'])[1 + (i - 1) / 4] AS y
FROM generate_series(1, 12) i;
INSERT INTO mo_models SELECT model FROM pgdl.train_model('mo_tri', 'mo_t', 'y', '[{"type":"dense","units":5}]',
    ARRAY['x1', 'x2'], '{"epochs":1,"learning_rate":1e-30,"seed":5,"standardize":false,"validation_fraction":0}');
CREATE TEMP TABLE mo_t_cv AS
SELECT * FROM pgdl.cross_validate('mo_t', 'y', '[{"type":"dense","units":5}]', 4, ARRAY['x1', 'x2'],
    '{"epochs":1,"learning_rate":1e-30,"seed":5,"standardize":false}');
-- one row of each class, each alone (as a fold scores them), in a fold's order
CREATE TEMP TABLE mo_t_rows AS
SELECT d.y, e.metric, e.value
FROM (SELECT DISTINCT ON (y) i, y FROM mo_t ORDER BY y, i) d,
     LATERAL pgdl.evaluate('mo_tri', format('SELECT x1, x2, y FROM mo_t WHERE i = %s', d.i)) e;

SELECT is((SELECT array_agg(DISTINCT value) FROM mo_t_cv WHERE metric = 'rows'), ARRAY[3::float8],
          'four folds of one row per class');
SELECT ok((SELECT count(DISTINCT pgdl.predict_label('mo_tri', t)) FROM mo_t t) >= 2
          AND (SELECT avg(value) FROM mo_t_rows WHERE metric = 'accuracy') < 1,
          'the untrained model predicts more than one class, with errors');
SELECT is((SELECT array_agg(value ORDER BY fold) FROM mo_t_cv WHERE metric = 'accuracy'),
          array_fill((SELECT avg(value) FROM mo_t_rows WHERE metric = 'accuracy'), ARRAY[4]),
          'every fold''s accuracy is evaluate''s over the fold''s rows');
SELECT is((SELECT array_agg(value ORDER BY fold) FROM mo_t_cv WHERE metric = 'log_loss'),
          array_fill((SELECT avg(value ORDER BY y) FROM mo_t_rows WHERE metric = 'log_loss'), ARRAY[4]),
          'every fold''s log_loss is evaluate''s over the fold''s rows, bit for bit');
SELECT is((SELECT (pgdl.classification_metrics(y, pgdl.predict_label('mo_tri', t))).accuracy
           FROM (SELECT DISTINCT ON (y) x1, x2, y FROM mo_t ORDER BY y) t),
          (SELECT value FROM mo_t_cv WHERE metric = 'accuracy' AND fold = 1),
          'and classification_metrics over predict_label gives a fold''s accuracy');
SELECT ok((SELECT abs(avg(-ln(least(greatest(p[array_position(ARRAY['a', 'b', 'c'], y)], 1e-15), 1 - 1e-15)))
                      - (SELECT value FROM mo_t_cv WHERE metric = 'log_loss' AND fold = 1)) < 1e-12
           FROM (SELECT y, pgdl.predict_proba('mo_tri', ARRAY[x1, x2]) AS p
                 FROM (SELECT DISTINCT ON (y) x1, x2, y FROM mo_t ORDER BY y) d) s),
          'a fold''s log_loss is the mean of -ln(probability of the actual class), by hand');

------------------------------------------------------------------------------
-- 3. regression: evaluate, regression_metrics and one-row folds
------------------------------------------------------------------------------
CREATE TEMP TABLE mo_r AS
SELECT i, i * 0.37 AS x1, (i % 5) - 1.5 AS x2,
       round((2 * i * 0.37 - ((i % 5) - 1.5) + 0.3 * sin(i)) * 64) / 64 AS y
FROM generate_series(1, 200) i;
INSERT INTO mo_models SELECT model FROM pgdl.train_model('mo_reg', 'mo_r', 'y', '[{"type":"dense","units":4}]',
    ARRAY['x1', 'x2'], '{"epochs":5,"seed":3,"validation_fraction":0}');
CREATE TEMP TABLE mo_r_scored AS
SELECT t.y, b.prediction AS p FROM pgdl.predict_batch('mo_reg', 'mo_r', 'i') b JOIN mo_r t ON t.i = b.id::int;
CREATE TEMP TABLE mo_r_eval AS SELECT metric, value FROM pgdl.evaluate('mo_reg', 'mo_r');
SELECT is((SELECT ARRAY[(m).mse, (m).rmse, (m).mae, (m).r2]
           FROM (SELECT pgdl.regression_metrics(y, p) AS m FROM mo_r_scored) s),
          (SELECT array_agg(value ORDER BY array_position(ARRAY['mse', 'rmse', 'mae', 'r2'], metric))
           FROM mo_r_eval WHERE metric <> 'n'),
          'evaluate''s mse, rmse, mae and r2 equal regression_metrics over its predictions, bit for bit');
SELECT ok((SELECT abs(avg((y - p) ^ 2) - (SELECT value FROM mo_r_eval WHERE metric = 'mse')) < 1e-12 * avg((y - p) ^ 2)
                  AND abs(avg(abs(y - p)) - (SELECT value FROM mo_r_eval WHERE metric = 'mae')) < 1e-12 * avg(abs(y - p))
                  AND abs(1 - sum((y - p) ^ 2) / (count(*) * var_pop(y))
                          - (SELECT value FROM mo_r_eval WHERE metric = 'r2')) < 1e-12
           FROM mo_r_scored),
          'evaluate''s mse, mae and r2 equal avg((y - p)^2), avg(|y - p|) and 1 - SSE/SST by hand');

CREATE TEMP TABLE mo_l AS SELECT * FROM mo_r WHERE i <= 6;
INSERT INTO mo_models SELECT model FROM pgdl.train_model('mo_loo', 'mo_l', 'y', '[{"type":"dense","units":3}]',
    ARRAY['x1', 'x2'], '{"epochs":1,"learning_rate":1e-30,"seed":9,"standardize":false,"validation_fraction":0}');
CREATE TEMP TABLE mo_l_cv AS
SELECT * FROM pgdl.cross_validate('mo_l', 'y', '[{"type":"dense","units":3}]', 6, ARRAY['x1', 'x2'],
    '{"epochs":1,"learning_rate":1e-30,"seed":9,"standardize":false}');
CREATE TEMP TABLE mo_l_rows AS
SELECT l.i, e.metric, e.value
FROM mo_l l, LATERAL pgdl.evaluate('mo_loo', format('SELECT x1, x2, y FROM mo_l WHERE i = %s', l.i)) e;
SELECT is((SELECT array_agg(ARRAY[m.value, a.value] ORDER BY m.value) FROM mo_l_cv m JOIN mo_l_cv a USING (fold)
           WHERE m.metric = 'mse' AND a.metric = 'mae'),
          (SELECT array_agg(ARRAY[m.value, a.value] ORDER BY m.value) FROM mo_l_rows m JOIN mo_l_rows a USING (i)
           WHERE m.metric = 'mse' AND a.metric = 'mae'),
          'each one-row fold''s (mse, mae) is evaluate''s on one of the rows');
SELECT is((SELECT array_agg(ARRAY[m.value, a.value] ORDER BY m.value) FROM mo_l_cv m JOIN mo_l_cv a USING (fold)
           WHERE m.metric = 'mse' AND a.metric = 'mae'),
          (SELECT array_agg(ARRAY[(r).mse, (r).mae] ORDER BY (r).mse)
           FROM (SELECT pgdl.regression_metrics(y, pgdl.predict('mo_loo', t)) AS r FROM mo_l t GROUP BY i) s),
          'and regression_metrics''s on that row alone');
SELECT is((SELECT count(*) FROM mo_l_cv WHERE metric = 'r2' AND value IS NULL)
          + (SELECT count(*) FROM mo_l_rows WHERE metric = 'r2' AND value IS NULL), 12::bigint,
          'r2 of one row is NULL in a fold and in evaluate');

------------------------------------------------------------------------------
-- 4. models without labels or a target: an error, not a crash
------------------------------------------------------------------------------
INSERT INTO mo_models SELECT 'mo_km' FROM pgdl.train_kmeans('mo_km', 'mo_b', 2, ARRAY['x1', 'x2']) LIMIT 1;
INSERT INTO mo_models SELECT 'mo_pca' FROM pgdl.train_pca('mo_pca', 'mo_b', 1, ARRAY['x1', 'x2']) LIMIT 1;
SELECT throws_ok($$SELECT * FROM pgdl.evaluate('mo_km', 'mo_b', 'y')$$, '42809', NULL,
                 'evaluate of a k-means model is 42809 (the backend crashed)');
SELECT throws_ok($$SELECT * FROM pgdl.confusion_matrix('mo_km', 'mo_b', 'y')$$, '42809', NULL,
                 'confusion_matrix of a k-means model is 42809 (the backend crashed)');
SELECT throws_ok($$SELECT * FROM pgdl.roc_curve('mo_pca', 'mo_b', 'y')$$, '42809', NULL,
                 'roc_curve of a PCA model is 42809 (the backend crashed)');

SELECT * FROM finish();
ROLLBACK;
