-- Model metrics aggregates (see the README): each compared with the same metric
-- computed another way in plain SQL; GROUP BY, NULLs, NaN/Infinity, a
-- forced parallel plan, and the states' text round trip.
-- (Cross-checked once against scikit-learn 1.2 on 400 rows: see
-- test/pgtap/metrics.sql, which keeps those reference values.)
SET extra_float_digits = 0;

-- ---- classification_metrics ------------------------------------------------
CREATE TABLE cls (g int, actual text, predicted text);
INSERT INTO cls VALUES
  (1, 'cat', 'cat'), (1, 'dog', 'dog'), (1, 'dog', 'cat'), (1, 'bird', 'bird'), (1, 'cat', 'dog'),
  (1, 'cat', 'cat'), (1, 'fish', 'cat'), (1, 'dog', 'dog'), (1, 'cat', 'cat'), (1, 'bird', 'owl'),
  (2, 'yes', 'yes'), (2, 'yes', 'no'), (2, 'no', 'no'), (2, 'no', 'no'),
  (2, NULL, 'yes'), (2, 'no', NULL), (3, NULL, NULL);
-- scikit-learn on group 1: accuracy 0.6, precision 0.45333, recall 0.38333, f1 0.4
SELECT g, (m).n, round((m).accuracy::numeric, 6) AS accuracy,
       round((m).precision_macro::numeric, 6) AS precision_macro,
       round((m).recall_macro::numeric, 6) AS recall_macro,
       round((m).f1_macro::numeric, 6) AS f1_macro, (m).classes
FROM (SELECT g, pgdl.classification_metrics(actual, predicted) AS m FROM cls GROUP BY g) s ORDER BY g;
-- the same from plain SQL: accuracy with count FILTER, macro averages per
-- class over the union of actual and predicted labels (zero_division = 0)
WITH rows AS (SELECT g, actual, predicted FROM cls WHERE actual IS NOT NULL AND predicted IS NOT NULL),
classes AS (SELECT g, actual AS c FROM rows UNION SELECT g, predicted FROM rows),
per_class AS (
  SELECT k.g, k.c,
         count(*) FILTER (WHERE r.actual = k.c AND r.predicted = k.c) AS tp,
         count(*) FILTER (WHERE r.predicted = k.c) AS pred,
         count(*) FILTER (WHERE r.actual = k.c) AS act
  FROM classes k JOIN rows r USING (g) GROUP BY k.g, k.c)
SELECT g,
       (SELECT count(*) FROM rows r WHERE r.g = p.g) AS n,
       round(((SELECT count(*) FILTER (WHERE actual = predicted) FROM rows r WHERE r.g = p.g)::float8
              / (SELECT count(*) FROM rows r WHERE r.g = p.g))::numeric, 6) AS accuracy,
       round(avg(CASE WHEN pred > 0 THEN tp::float8 / pred ELSE 0 END)::numeric, 6) AS precision_macro,
       round(avg(CASE WHEN act > 0 THEN tp::float8 / act ELSE 0 END)::numeric, 6) AS recall_macro,
       round(avg(CASE WHEN act + pred > 0 THEN 2.0 * tp / (act + pred) ELSE 0 END)::numeric, 6) AS f1_macro,
       count(*) AS classes
FROM per_class p GROUP BY g ORDER BY g;
-- zero rows: a row with n = 0 and NULL metrics, never a NULL row
SELECT (pgdl.classification_metrics(actual, predicted)).* FROM cls WHERE false;
-- labels compare byte for byte: case, spaces and '' are labels of their own
SELECT (pgdl.classification_metrics(a, p)).*
FROM (VALUES ('A', 'a'), ('a', 'a'), ('', ''), (' a', 'a')) v(a, p);

-- ---- regression_metrics ------------------------------------------------------
CREATE TABLE reg (g int, actual float8, predicted float8);
INSERT INTO reg VALUES
  (1, 3.0, 2.5), (1, -0.5, 0.0), (1, 2.0, 2.0), (1, 7.0, 8.0), (1, 4.5, 3.0),
  (2, 1e9 + 1, 1e9 + 1.5), (2, 1e9 + 2, 1e9 + 1.5), (2, 1e9 + 3, 1e9 + 3.25), (2, NULL, 1), (2, 1, NULL),
  (3, 5, 4), (3, 5, 6), (4, 2, 2), (5, NULL, NULL);
-- scikit-learn on group 1: mse 0.75, mae 0.7, r2 0.8801916932907348
SELECT g, (m).n, round((m).mse::numeric, 9) AS mse, round((m).rmse::numeric, 9) AS rmse,
       round((m).mae::numeric, 9) AS mae, round((m).r2::numeric, 9) AS r2
FROM (SELECT g, pgdl.regression_metrics(actual, predicted) AS m FROM reg GROUP BY g) s ORDER BY g;
-- the same from plain SQL; r2 NULL when n < 2 or SST = 0
SELECT g, count(*) AS n, round(avg((actual - predicted) ^ 2)::numeric, 9) AS mse,
       round(sqrt(avg((actual - predicted) ^ 2))::numeric, 9) AS rmse,
       round(avg(abs(actual - predicted))::numeric, 9) AS mae,
       round(CASE WHEN count(*) >= 2 AND var_pop(actual) > 0
                  THEN 1 - sum((actual - predicted) ^ 2) / (count(*) * var_pop(actual)) END::numeric, 9) AS r2
FROM reg WHERE actual IS NOT NULL AND predicted IS NOT NULL GROUP BY g ORDER BY g;
SELECT (pgdl.regression_metrics(actual, predicted)).* FROM reg WHERE false;
-- NaN and infinities follow float8 arithmetic, as the SQL above would
SELECT v.k, (pgdl.regression_metrics(a, p)).*
FROM (VALUES ('nan actual', 1, 'NaN'::float8, 1::float8), ('nan actual', 2, 2, 2), ('nan actual', 3, 3, 1),
             ('inf predicted', 1, 1, 'Infinity'), ('inf predicted', 2, 2, '-Infinity'), ('inf predicted', 3, 3, 3),
             ('inf both', 1, 'Infinity', 'Infinity'), ('inf both', 2, 2, 2),
             ('inf actual', 1, 'Infinity', 1), ('inf actual', 2, 2, 2)) AS v(k, i, a, p)
GROUP BY v.k ORDER BY v.k;
SELECT v.k, count(*) AS n, avg((a - p) ^ 2) AS mse, avg(abs(a - p)) AS mae,
       1 - sum((a - p) ^ 2) / (count(*) * var_pop(a)) AS r2
FROM (VALUES ('nan actual', 1, 'NaN'::float8, 1::float8), ('nan actual', 2, 2, 2), ('nan actual', 3, 3, 1),
             ('inf predicted', 1, 1, 'Infinity'), ('inf predicted', 2, 2, '-Infinity'), ('inf predicted', 3, 3, 3),
             ('inf both', 1, 'Infinity', 'Infinity'), ('inf both', 2, 2, 2),
             ('inf actual', 1, 'Infinity', 1), ('inf actual', 2, 2, 2)) AS v(k, i, a, p)
GROUP BY v.k ORDER BY v.k;
-- finite values whose difference or squared error overflows: 22003, as in SQL
SELECT pgdl.regression_metrics(a, p) FROM (VALUES (1e308::float8, -1e308::float8)) v(a, p);
SELECT pgdl.regression_metrics(a, p) FROM (VALUES (1e300::float8, -1e300::float8)) v(a, p);
SELECT avg((a - p) ^ 2) FROM (VALUES (1e300::float8, -1e300::float8)) v(a, p);

-- ---- roc_auc -----------------------------------------------------------------
CREATE TABLE auc (g int, actual bool, score float8);
INSERT INTO auc SELECT 1, y = 1, s
FROM unnest('{1,0,1,1,0,0,1,0,1,0,0,1}'::int[], '{0.9,0.1,0.4,0.4,0.4,0.8,0.7,0.2,0.3,0.3,0.6,0.5}'::float8[]) u(y, s);
-- group 2: ties, infinities and NaN (NaN ranks above every number and ties with NaN, as ORDER BY)
INSERT INTO auc SELECT 2, i % 3 = 0,
  CASE WHEN i % 17 = 0 THEN 'NaN'::float8 WHEN i % 23 = 0 THEN '-Infinity' WHEN i % 29 = 0 THEN 'Infinity'
       ELSE (i * 7919 % 13) + (i % 3 = 0)::int * 2 END
FROM generate_series(1, 600) i;
INSERT INTO auc VALUES (2, NULL, 1), (2, true, NULL), (3, true, 1), (3, true, 2), (4, NULL, NULL);
-- scikit-learn on group 1: 0.6805555555555557; groups 3 and 4 lack a class: NULL
SELECT g, round(pgdl.roc_auc(actual, score)::numeric, 12) AS auc FROM auc GROUP BY g ORDER BY g;
-- brute force: every (positive, negative) pair, ties counting one half
SELECT p.g, round(avg(CASE WHEN p.score > n.score THEN 1 WHEN p.score = n.score THEN 0.5 ELSE 0 END), 12) AS auc
FROM auc p JOIN auc n ON p.g = n.g AND p.actual AND NOT n.actual
WHERE p.score IS NOT NULL AND n.score IS NOT NULL GROUP BY p.g ORDER BY p.g;
SELECT pgdl.roc_auc(actual, score) FROM auc WHERE false;

-- exact up to 10,000 rows per class: compare with the Mann-Whitney rank formula
CREATE TABLE auc_big AS
SELECT i, (i * 2654435761 % 1000) < 400 AS actual,
       round(((i * 40503 % 10007) / 10007.0 + (i * 2654435761 % 1000 < 400)::int * 0.15)::numeric, 3)::float8 AS score
FROM generate_series(1, 200000::bigint) i;
CREATE FUNCTION rank_auc(lim int) RETURNS float8 LANGUAGE sql STABLE RETURN (
  WITH d AS (SELECT actual, score FROM auc_big WHERE i <= lim),
  r AS (SELECT actual, rank() OVER w + (count(*) OVER (PARTITION BY score) - 1) / 2.0 AS midrank
        FROM d WINDOW w AS (ORDER BY score))
  SELECT (sum(midrank) FILTER (WHERE actual) - count(*) FILTER (WHERE actual) * (count(*) FILTER (WHERE actual) + 1) / 2.0)
         / (count(*) FILTER (WHERE actual) * count(*) FILTER (WHERE NOT actual))::float8 FROM r);
SELECT count(*) FILTER (WHERE actual) AS positives, count(*) FILTER (WHERE NOT actual) AS negatives,
       abs(pgdl.roc_auc(actual, score) - rank_auc(16000)) < 1e-12 AS exact
FROM auc_big WHERE i <= 16000;
-- beyond, the sketches' bound (e_pos/P + e_neg/N, under 0.5 % here); in practice far closer
SELECT abs(pgdl.roc_auc(actual, score) - rank_auc(200000)) < 0.005 AS within_bound,
       abs(pgdl.roc_auc(actual, score) - rank_auc(200000)) < 0.0005 AS within_5e4
FROM auc_big;

-- ---- parallel plans: Partial Aggregate, results equal the serial plan -------------
CREATE TABLE par AS
SELECT i, (i % 7)::text AS a, ((i * 31 + i / 5) % 9)::text AS p,
       sin(i) * 100 AS y, sin(i) * 100 + cos(i * 3) AS yhat,
       i % 4 = 0 AS lab, ((i * 40503) % 1000 + (i % 4 = 0)::int * 300)::float8 AS score
FROM generate_series(1, 100000::bigint) i;
ANALYZE par;
CREATE TABLE par_serial AS
SELECT pgdl.classification_metrics(a, p) AS c, pgdl.regression_metrics(y, yhat) AS r,
       pgdl.roc_auc(lab, score) AS auc, pgdl.roc_auc(lab, score) FILTER (WHERE i <= 12000) AS auc_exact
FROM par;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT f, plan_has('SELECT ' || f || ' FROM par', 'Partial Aggregate') AS partial
FROM unnest(ARRAY['pgdl.classification_metrics(a, p)', 'pgdl.regression_metrics(y, yhat)',
                  'pgdl.roc_auc(lab, score)']) f;
EXPLAIN (COSTS OFF) SELECT pgdl.classification_metrics(a, p) FROM par;
CREATE TABLE par_parallel AS
SELECT pgdl.classification_metrics(a, p) AS c, pgdl.regression_metrics(y, yhat) AS r,
       pgdl.roc_auc(lab, score) AS auc, pgdl.roc_auc(lab, score) FILTER (WHERE i <= 12000) AS auc_exact
FROM par;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size; RESET max_parallel_workers_per_gather;
-- classification: counts are exact and per-class values are summed in
-- sorted order, so bit-identical; regression within 1e-12 relative; AUC
-- identical while exact (each class at most 10,000 rows: 12,000 rows are
-- 3,000 positives and 9,000 negatives), within the bound beyond
SELECT p.c = s.c AS classification_same,
       (p.r).n = (s.r).n AND abs((p.r).mse - (s.r).mse) <= 1e-12 * (s.r).mse
         AND abs((p.r).mae - (s.r).mae) <= 1e-12 * (s.r).mae
         AND abs((p.r).r2 - (s.r).r2) <= 1e-12 AS regression_close,
       p.auc_exact = s.auc_exact AS auc_exact_same,
       abs(p.auc - s.auc) < 0.005 AS auc_within_bound
FROM par_parallel p, par_serial s;

-- ---- states: exact text round trip, then the same final result ------------------
CREATE AGGREGATE conf_state(text, text) (SFUNC = pgdl.classification_accum, STYPE = pgdl.confusion_state);
CREATE AGGREGATE reg_state(float8, float8) (SFUNC = pgdl.regression_accum, STYPE = pgdl.aggstate);
CREATE AGGREGATE auc_state(bool, float8) (SFUNC = pgdl.roc_auc_accum, STYPE = pgdl.aggstate);
CREATE TABLE st AS
SELECT conf_state(a, p) AS c, reg_state(y, yhat) AS r, auc_state(lab, score) AS u FROM par;
SELECT c::text::pgdl.confusion_state::text = c::text AS conf_roundtrip,
       r::text::pgdl.aggstate::text = r::text AS reg_roundtrip,
       u::text::pgdl.aggstate::text = u::text AS auc_roundtrip,
       left(c::text, 5) AS prefix,
       pgdl.classification_final(c::text::pgdl.confusion_state) = (SELECT c FROM par_serial) AS conf_final_same,
       pgdl.regression_final(r::text::pgdl.aggstate) = (SELECT r FROM par_serial) AS reg_final_same,
       pgdl.roc_auc_final(u::text::pgdl.aggstate) = (SELECT auc FROM par_serial) AS auc_final_same
FROM st;
-- binary send/receive round trip (COPY BINARY)
CREATE TABLE st2 (LIKE st);
DO $$
DECLARE f text := current_setting('data_directory') || '/pgdl_regress_metrics.bin';
BEGIN
  EXECUTE format('COPY st TO %L WITH (FORMAT binary)', f);
  EXECUTE format('COPY st2 FROM %L WITH (FORMAT binary)', f);
END $$;
SELECT a.c::text = b.c::text AND a.r::text = b.r::text AND a.u::text = b.u::text AS binary_roundtrip FROM st a, st2 b;
-- corrupt and foreign states are refused
SELECT 'pgdl:zz'::pgdl.confusion_state;
SELECT left(c::text, 41)::pgdl.confusion_state FROM st;
SELECT r::text::pgdl.confusion_state FROM st;
SELECT pgdl.regression_final(u) FROM st;
SELECT pgdl.roc_auc_final(r) FROM st;
SELECT pgdl.confusion_combine(c, c) FROM st;
