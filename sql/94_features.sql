-- Feature scores and selection (see the README): every method on a small
-- deterministic table, rounded; the scores are cross-checked against
-- scikit-learn 1.2 in test/pgtap/features.sql.
SET extra_float_digits = 0;
CREATE TABLE fs_t AS
SELECT i AS id,
       (ARRAY['setosa', 'versicolor', 'virginica'])[1 + i % 3] AS species,
       i % 3 AS cls,
       round(((i % 3) * 1.5 + ((i * 7919) % 100) / 40.0)::numeric, 3)::float8 AS a,
       ((i * 104729) % 97) / 8.0 AS b,
       ARRAY[(i % 3) + ((i * 31) % 5) / 4.0, ((i * 17) % 11) / 2.0]::float8[] AS arr,
       2.5::float8 AS c,
       ((i * 13) % 9)::int AS cnt,
       round(((i % 3) * 2 + ((i * 13) % 7) / 10.0 + ((i * 7919) % 100) / 80.0 + sin(i))::numeric, 4)::float8 AS y,
       CASE WHEN i = 7 THEN NULL ELSE i % 2 = 0 END AS flag
FROM generate_series(1, 120) i;

-- auto on a text target: f_classif (constant c: F undefined, NULL, ranked last)
SELECT feature, round(score::numeric, 6) AS score, round(p_value::numeric, 8) AS p_value, rank
FROM pgdl.feature_scores('fs_t', 'species', features => '{cls,a,b,arr,c,cnt,y}');
-- auto on a float8 target: f_regression (constant c: F 0, p 1 as scikit-learn)
SELECT feature, round(score::numeric, 6) AS score, round(p_value::numeric, 8) AS p_value, rank
FROM pgdl.feature_scores('fs_t', 'y', features => '{a,b,arr,c,cnt}');
-- pearson: r, ranked by |r|; the same p-values as f_regression
SELECT feature, round(score::numeric, 6) AS score, round(p_value::numeric, 8) AS p_value, rank
FROM pgdl.feature_scores('fs_t', 'y', 'pearson', '{a,b,arr,c,cnt}');
-- chi2 on non-negative features
SELECT feature, round(score::numeric, 6) AS score, round(p_value::numeric, 8) AS p_value, rank
FROM pgdl.feature_scores('fs_t', 'species', 'chi2', '{a,b,arr,c,cnt}');
-- variance (population), no p-value
SELECT feature, round(score::numeric, 6) AS score, p_value, rank
FROM pgdl.feature_scores('fs_t', 'y', 'variance', '{a,b,arr,c,cnt}');
-- the same variance from SQL
SELECT round(var_pop(a)::numeric, 6) AS a, round(var_pop(b)::numeric, 6) AS b, round(var_pop(cnt)::numeric, 6) AS cnt FROM fs_t;
-- mutual_info (binned, nats) with classes and with a numeric target
SELECT feature, round(score::numeric, 4) AS score, round(p_value::numeric, 6) AS p_value, rank
FROM pgdl.feature_scores('fs_t', 'species', 'mutual_info', '{a,b,arr,c,cnt}');
SELECT feature, round(score::numeric, 4) AS score, rank
FROM pgdl.feature_scores('fs_t', 'y', 'mutual_info', '{a,b,arr,c,cnt}');
-- an integer target with few values is a class target; a bool one too (NULL rows skipped)
SELECT feature, round(score::numeric, 6) AS score, rank FROM pgdl.feature_scores('fs_t', 'cls', features => '{a,b}');
SELECT feature, round(score::numeric, 6) AS score, rank FROM pgdl.feature_scores('fs_t', 'flag', features => '{a,b,arr}');

-- select_features: the k best by a score
SELECT feature, round(score::numeric, 6) AS score, rank, selected
FROM pgdl.select_features('fs_t', 'species', 2, 'f_classif', '{a,b,arr,c,cnt}');
-- rfe: logistic regression for classes, ridge for a quantity
SELECT feature, rank, selected FROM pgdl.select_features('fs_t', 'species', 2, 'rfe', '{a,b,arr,c,cnt}');
SELECT feature, rank, selected FROM pgdl.select_features('fs_t', 'y', 3, 'rfe', '{a,b,arr,c,cnt}');
-- a query as the source
SELECT feature, rank FROM pgdl.feature_scores('SELECT a, b, species FROM fs_t WHERE id <= 60', 'species');

-- errors
SELECT * FROM pgdl.feature_scores('fs_t', 'species', 'anova');
SELECT * FROM pgdl.feature_scores('fs_t', 'species', 'rfe');
SELECT * FROM pgdl.feature_scores('fs_t', 'y', 'f_classif');
SELECT * FROM pgdl.feature_scores('fs_t', 'species', 'pearson');
SELECT * FROM pgdl.select_features('fs_t', 'species', 0);
SELECT * FROM pgdl.select_features('fs_t', 'species', 7, 'f_classif', '{a,b,arr,c,cnt}');
SELECT * FROM pgdl.feature_scores('SELECT species, a - 5 AS shifted FROM fs_t', 'species', 'chi2');
SELECT * FROM pgdl.feature_scores('fs_t', 'nope');
SELECT * FROM pgdl.feature_scores('fs_t', NULL);
SELECT * FROM pgdl.select_features('fs_t', 'species', NULL);
-- a constant target: r = 0, F = 0, p = 1 for every feature
SELECT * FROM pgdl.feature_scores('fs_t', 'c', 'f_regression', '{a,b}');
SELECT * FROM pgdl.feature_scores('SELECT a, species FROM fs_t WHERE false', 'species', 'f_classif');
