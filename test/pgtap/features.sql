-- test/pgtap/features.sql: pgdl.feature_scores / pgdl.select_features
-- (see the README) — agreement with scikit-learn, READ ONLY transactions, and
-- the error paths with their SQLSTATEs.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(24);

CREATE TEMP TABLE fs_t AS
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

CREATE FUNCTION pg_temp.close(a float8[], b float8[], tol float8) RETURNS bool LANGUAGE sql IMMUTABLE
  RETURN (SELECT bool_and(abs(x - y) <= tol * greatest(abs(y), 1e-300) OR (x = 0 AND abs(y) < 1e-20))
          FROM unnest(a, b) AS u(x, y));
-- the scores in column order a, b, arr[1], arr[2], c, cnt
CREATE FUNCTION pg_temp.scores(tgt text, method text, OUT s float8[], OUT p float8[]) LANGUAGE sql
  RETURN (SELECT ROW(array_agg(score ORDER BY ord), array_agg(p_value ORDER BY ord))
          FROM pgdl.feature_scores('fs_t', tgt, method, '{a,b,arr,c,cnt}') f
          JOIN unnest('{a,b,arr[1],arr[2],c,cnt}'::text[]) WITH ORDINALITY AS o(feature, ord) USING (feature));

-- scikit-learn 1.2.1 on the same rows (exported with psql \copy, features as
-- float32 as pgdl reads them): f_classif, chi2, f_regression, r_regression.
SELECT ok(pg_temp.close((pg_temp.scores('species', 'f_classif')).s[1:4] || (pg_temp.scores('species', 'f_classif')).s[6],
                        ARRAY[162.69879538848448, 1.8106304647952343, 312.0, 0.05518829070478001, 7.090534979423856], 1e-9),
          'f_classif scores equal scikit-learn''s');
SELECT ok(pg_temp.close((pg_temp.scores('species', 'f_classif')).p[1:4] || (pg_temp.scores('species', 'f_classif')).p[6],
                        ARRAY[1.6174350477002533e-34, 0.16810354099029962, 1.272060436254328e-47, 0.9463315695032352, 0.0012399653095249168], 1e-7),
          'f_classif p-values equal scikit-learn''s (down to 1e-47)');
SELECT ok((pg_temp.scores('species', 'f_classif')).s[5] IS NULL AND (pg_temp.scores('species', 'f_classif')).p[5] IS NULL,
          'f_classif of a constant feature is NULL (scikit-learn: NaN)');
SELECT ok(pg_temp.close((pg_temp.scores('species', 'chi2')).s, ARRAY[61.662100822447, 7.235862068965512, 53.3333333333333,
                        0.11074380165289249, 9.693522803355788e-29, 21.403726708074526], 1e-9)
          AND pg_temp.close((pg_temp.scores('species', 'chi2')).p, ARRAY[4.076100985506888e-14, 0.02683814628952235,
                        2.6230937696693388e-12, 0.9461332147909143, 1.0, 2.250296782684037e-05], 1e-7),
          'chi2 scores and p-values equal scikit-learn''s');
SELECT ok(pg_temp.close((pg_temp.scores('y', 'f_regression')).s, ARRAY[356.72084109558625, 3.18498220650036, 240.61295870889708,
                        0.0324935847032788, 0.0, 11.061014997841363], 1e-9)
          AND pg_temp.close((pg_temp.scores('y', 'f_regression')).p, ARRAY[1.8076880856975054e-37, 0.07688741599391528,
                        2.9381954223646413e-30, 0.857257846417002, 1.0, 0.0011754717043485625], 1e-7),
          'f_regression scores and p-values equal scikit-learn''s (constant feature: 0 and 1)');
SELECT ok(pg_temp.close((pg_temp.scores('y', 'pearson')).s[1:4] || (pg_temp.scores('y', 'pearson')).s[6],
                        ARRAY[0.8668522733012269, 0.16211720345622344, 0.8191180898256633, -0.016591972591640892, 0.29275205508726837], 1e-9),
          'pearson r equals scikit-learn''s r_regression');
SELECT ok(pg_temp.close((SELECT array_agg(score ORDER BY feature) FROM pgdl.feature_scores('fs_t', 'flag', 'f_classif', '{a,b}')),
                        ARRAY[0.015741915117332656, 0.11925454953431425], 1e-9),
          'a bool target with a NULL: that row skipped, as scikit-learn on the other rows');
SELECT ok((SELECT bool_and(abs(score - v) < 1e-6 * v)
           FROM pgdl.feature_scores('fs_t', 'y', 'variance', '{a,b}') f
           JOIN (SELECT 'a' AS feature, var_pop(a) AS v FROM fs_t UNION ALL SELECT 'b', var_pop(b) FROM fs_t) s USING (feature)),
          'variance equals var_pop (to float32 input precision)');
SELECT ok((SELECT abs(score - ln(3)) < 0.02 FROM pgdl.feature_scores('fs_t', 'species', 'mutual_info', '{cls}')),
          'mutual_info of the class itself is about ln 3 nats');
SELECT ok((SELECT array_agg(feature ORDER BY rank) FILTER (WHERE selected) = '{a,arr[1],cnt}'
           FROM pgdl.select_features('fs_t', 'y', 3, 'rfe', '{a,b,arr,c,cnt}')),
          'rfe (ridge) keeps the three features related to y');
SELECT is((SELECT count(*) FILTER (WHERE selected) FROM pgdl.select_features('fs_t', 'species', 2, 'chi2', '{a,b,arr,c,cnt}')),
          2::bigint, 'select_features marks k rows selected');

-- READ ONLY transactions
SET TRANSACTION READ ONLY;
SELECT lives_ok($$SELECT * FROM pgdl.feature_scores('fs_t', 'species', features => '{a,b}')$$, 'feature_scores works in a READ ONLY transaction');
SELECT lives_ok($$SELECT * FROM pgdl.select_features('fs_t', 'species', 2, 'rfe', '{a,b}')$$, 'select_features works in a READ ONLY transaction');
SELECT throws_ok($$SELECT * FROM pgdl.feature_scores('SELECT a, species FROM fs_t; DELETE FROM fs_t', 'species')$$,
                 '42601', NULL, 'a source with two statements is refused');

-- errors
SELECT throws_ok($$SELECT * FROM pgdl.feature_scores('fs_t', 'species', 'anova')$$, '22023', NULL, 'unknown method: 22023');
SELECT throws_ok($$SELECT * FROM pgdl.feature_scores('fs_t', 'species', 'rfe')$$, '22023', NULL, 'rfe is for select_features: 22023');
SELECT throws_ok($$SELECT * FROM pgdl.select_features('fs_t', 'species', 0)$$, '22023', NULL, 'k < 1: 22023');
SELECT throws_ok($$SELECT * FROM pgdl.select_features('fs_t', 'species', 7, 'chi2', '{a,b,arr,c,cnt}')$$, '22023', NULL,
                 'k > the number of features: 22023');
SELECT throws_ok($$SELECT * FROM pgdl.feature_scores('SELECT species, a - 5 AS shifted FROM fs_t', 'species', 'chi2')$$,
                 '22023', 'chi2 needs non-negative features: "shifted" has -4.775', 'chi2 with a negative value names the feature');
SELECT throws_ok($$SELECT * FROM pgdl.feature_scores('fs_t', 'y', 'chi2', '{a}')$$, '42804', NULL,
                 'a classification method on a float target: 42804');
SELECT throws_ok($$SELECT * FROM pgdl.feature_scores('fs_t', 'species', 'f_regression', '{a}')$$, '42804', NULL,
                 'a regression method on a text target: 42804');
SELECT throws_ok($$SELECT * FROM pgdl.feature_scores(NULL, 'species')$$, '22004', NULL, 'NULL source: 22004');
SELECT throws_ok($$SELECT * FROM pgdl.feature_scores('fs_t', 'species', NULL)$$, '22004', NULL, 'NULL method: 22004');
SELECT throws_ok($$SELECT * FROM pgdl.feature_scores('fs_t', 'nope')$$, '42703', NULL, 'unknown target column: 42703');

SELECT * FROM finish();
ROLLBACK;
