-- test/pgtap/metrics.sql: the model metrics aggregates of the README —
-- agreement with scikit-learn, result types, and every error path with its
-- SQLSTATE (malformed or corrupt states, limits, overflow, misuse).
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(36);

-- 400 deterministic rows.  Cross-checked against scikit-learn 1.2.1
-- (exported with psycopg2): accuracy_score 0.205, precision/recall/f1_score
-- (average='macro', zero_division=0) 0.1916756635177688,
-- 0.16481230212573497, 0.17165820240694019; mean_squared_error
-- 2.0850531506319405, its root 1.4439713122607183, mean_absolute_error
-- 1.285965489899155, r2_score 0.9583439617684922; roc_auc_score
-- 0.7961950549450549.  pgdl agreed to the last digit or one ulp.
CREATE TEMP TABLE sk AS
SELECT i,
  (ARRAY['a','b','c','d'])[1 + (i * 7 + i / 3) % 4] AS actual,
  (ARRAY['a','b','c','d','e'])[1 + (i * i * 13 + i / 7) % 5] AS predicted,
  sin(i) * 10 AS y, sin(i) * 10 + cos(i * 1.7) * 2 + 0.3 AS yhat,
  (i * 37 % 100) < 35 AS lab,
  round((((i * 37 % 100) < 35)::int * 0.2 + (i * 61 % 97) / 97.0)::numeric, 2)::float8 AS score
FROM generate_series(1, 400) i;

CREATE FUNCTION pg_temp.close(a float8[], b float8[], tol float8) RETURNS bool LANGUAGE sql IMMUTABLE
  RETURN (SELECT bool_and(abs(x - y) <= tol * greatest(abs(y), 1)) FROM unnest(a, b) AS u(x, y));

SELECT ok((SELECT pg_temp.close(ARRAY[(m).accuracy, (m).precision_macro, (m).recall_macro, (m).f1_macro],
                                ARRAY[0.205, 0.1916756635177688, 0.16481230212573497, 0.17165820240694019], 1e-12)
                  AND (m).n = 400 AND (m).classes = 5
           FROM (SELECT pgdl.classification_metrics(actual, predicted) AS m FROM sk) s),
          'classification_metrics equals scikit-learn (accuracy, macro precision/recall/f1) on 400 rows');
SELECT ok((SELECT pg_temp.close(ARRAY[(m).mse, (m).rmse, (m).mae, (m).r2],
                                ARRAY[2.0850531506319405, 1.4439713122607183, 1.285965489899155, 0.9583439617684922], 1e-12)
                  AND (m).n = 400
           FROM (SELECT pgdl.regression_metrics(y, yhat) AS m FROM sk) s),
          'regression_metrics equals scikit-learn (mse, rmse, mae, r2) on 400 rows');
SELECT ok((SELECT abs(pgdl.roc_auc(lab, score) - 0.7961950549450549) < 1e-12 FROM sk),
          'roc_auc equals scikit-learn''s roc_auc_score on 400 rows with tied scores');

------------------------------------------------------------------------------
-- result types: named composites, the README column order
------------------------------------------------------------------------------
SELECT is((SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
           FROM pg_attribute WHERE attrelid = 'pgdl.classification_metrics_row'::regclass AND attnum > 0),
          'n bigint, accuracy double precision, precision_macro double precision, recall_macro double precision, f1_macro double precision, classes integer',
          'pgdl.classification_metrics_row: (n, accuracy, precision_macro, recall_macro, f1_macro) then classes');
SELECT is((SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
           FROM pg_attribute WHERE attrelid = 'pgdl.regression_metrics_row'::regclass AND attnum > 0),
          'n bigint, mse double precision, rmse double precision, mae double precision, r2 double precision',
          'pgdl.regression_metrics_row: (n, mse, rmse, mae, r2)');
SELECT is(pg_get_function_result('pgdl.roc_auc(bool, float8)'::regprocedure), 'double precision',
          'pgdl.roc_auc returns float8');

------------------------------------------------------------------------------
-- NULL handling and degenerate inputs
------------------------------------------------------------------------------
SELECT is((SELECT row((m).n, (m).accuracy, (m).classes)::text
           FROM (SELECT pgdl.classification_metrics(a, p) AS m
                 FROM (VALUES (NULL, 'x'), ('y', NULL), (NULL, NULL)) v(a, p)) s),
          '(0,,0)', 'classification_metrics: rows with a NULL are skipped; none left gives n = 0 and NULLs');
SELECT is((SELECT pgdl.roc_auc(a, s) FROM (VALUES (true, 1.0), (true, 2.0), (NULL, 0.0), (false, NULL)) v(a, s)),
          NULL, 'roc_auc is NULL without a negative row');
SELECT is((SELECT pgdl.roc_auc(a, s) FROM (VALUES (false, 1.0), (false, 2.0)) v(a, s)),
          NULL, 'roc_auc is NULL without a positive row');
SELECT is((SELECT pgdl.roc_auc(a, s) FROM (VALUES (true, 1.0), (false, 1.0)) v(a, s)),
          0.5::float8, 'roc_auc counts a tie one half');
SELECT is((SELECT row((m).n, (m).mse, (m).r2)::text
           FROM (SELECT pgdl.regression_metrics(a, p) AS m FROM (VALUES (2.0, 1.0)) v(a, p)) s),
          '(1,1,)', 'regression_metrics: r2 is NULL for one row');
SELECT is((SELECT (pgdl.regression_metrics(a, p)).r2 FROM (VALUES (2.0, 1.0), (2.0, 3.0)) v(a, p)),
          NULL, 'regression_metrics: r2 is NULL when SST = 0 (constant actual)');
SELECT is((SELECT row((m).mse, (m).mae, (m).r2)::text
           FROM (SELECT pgdl.regression_metrics(a, p) AS m FROM (VALUES (1.0, 'NaN'::float8), (2.0, 2.0)) v(a, p)) s),
          '(NaN,NaN,NaN)', 'regression_metrics: a NaN prediction makes the metrics NaN, as float8 arithmetic');
SELECT is((SELECT row((m).mse, (m).mae, (m).r2)::text
           FROM (SELECT pgdl.regression_metrics(a, p) AS m FROM (VALUES (1.0, 'Infinity'::float8), (2.0, 2.0)) v(a, p)) s),
          '(Infinity,Infinity,-Infinity)', 'regression_metrics: an infinite prediction makes mse/mae Infinity, r2 -Infinity');

------------------------------------------------------------------------------
-- errors
------------------------------------------------------------------------------
SELECT throws_ok($$SELECT pgdl.regression_metrics(a, p) FROM (VALUES (1e308::float8, -1e308::float8)) v(a, p)$$,
                 '22003', 'value out of range: overflow',
                 'regression_metrics: an error that overflows float8 is 22003, as a - p in SQL');
SELECT throws_ok($$SELECT pgdl.regression_metrics(a, p) FROM (VALUES (1e300::float8, -1e300::float8)) v(a, p)$$,
                 '22003', NULL, 'regression_metrics: a squared error that overflows is 22003');
SELECT throws_ok($$SELECT pgdl.classification_metrics(i::text, 'x') FROM generate_series(1, 100001) i$$,
                 '54000', 'more than 100000 distinct (actual, predicted) label pairs',
                 'classification_metrics: the 100,001st distinct label pair is 54000');
SELECT lives_ok($$SELECT pgdl.classification_metrics(i::text, 'x') FROM generate_series(1, 100000) i$$,
                'classification_metrics: 100,000 distinct label pairs are allowed');

-- A valid state of two rows: ('a', 'b') and ('a', 'a').  Its text form is
-- "pgdl:" then hex of: reserved (4 bytes), magic (4), 6 counts (24),
-- reserved (4), n (8), then the sections.
CREATE TEMP TABLE cs (s text);
CREATE AGGREGATE pg_temp.conf_state(text, text) (SFUNC = pgdl.classification_accum, STYPE = pgdl.confusion_state);
INSERT INTO cs SELECT pg_temp.conf_state(a, p)::text FROM (VALUES ('a', 'b'), ('a', 'a')) v(a, p);

SELECT is((SELECT s::pgdl.confusion_state::text = s FROM cs), true,
          'a confusion state''s text form round-trips exactly');
SELECT is((SELECT (pgdl.classification_final(s::pgdl.confusion_state)).accuracy FROM cs), 0.5::float8,
          'the final function reads a state given as text');
SELECT throws_ok($$SELECT 'garbage'::pgdl.confusion_state$$, '22P02', 'invalid input syntax for a pgdl aggregate state',
                 'confusion_state: text without the pgdl: prefix is 22P02');
SELECT throws_ok($$SELECT 'pgdl:abc'::pgdl.confusion_state$$, '22P02', NULL,
                 'confusion_state: an odd number of hex digits is 22P02');
SELECT throws_ok($$SELECT 'pgdl:0g'::pgdl.confusion_state$$, '22P02', NULL,
                 'confusion_state: a non-hex digit is 22P02');
SELECT throws_ok($$SELECT 'pgdl:'::pgdl.confusion_state$$, '22P03', NULL,
                 'confusion_state: an empty value is 22P03');
SELECT throws_ok($$SELECT left(s, length(s) - 16)::pgdl.confusion_state FROM cs$$, '22P03', NULL,
                 'confusion_state: a truncated state is 22P03');
SELECT throws_ok($$SELECT overlay(s placing '01000000' from 6)::pgdl.confusion_state FROM cs$$, '22P03',
                 'invalid pgdl confusion state', 'confusion_state: reserved header bits set are 22P03');
SELECT throws_ok($$SELECT overlay(s placing '01434e47' from 14)::pgdl.confusion_state FROM cs$$, '22P03',
                 'invalid confusion table: the magic number does not match', 'confusion_state: a wrong magic number is 22P03');
SELECT throws_ok($$SELECT overlay(s placing '02434e46' from 14)::pgdl.confusion_state FROM cs$$, '0A000', NULL,
                 'confusion_state: a newer format version is 0A000');
SELECT throws_ok($$SELECT overlay(s placing '0000000000001040' from 78)::pgdl.confusion_state FROM cs$$, '22P03',
                 'invalid confusion table: the pair counts do not add up to the row count',
                 'confusion_state: a row count that is not the sum of the pair counts is 22P03');
SELECT throws_ok($$SELECT overlay(s placing '03000000' from 22)::pgdl.confusion_state FROM cs$$, '22P03', NULL,
                 'confusion_state: a label count that does not match the labels is 22P03');
SELECT throws_ok($$SELECT overlay(s placing 'ff' from length(s) - 1)::pgdl.confusion_state FROM cs$$, '22P03',
                 'invalid confusion table: unused space is not zero', 'confusion_state: garbage in unused room is 22P03');
SELECT throws_ok($$SELECT '0.5'::pgdl.confusion_state$$, '22P02', NULL,
                 'confusion_state: a number is not a state');

-- pgdl.aggstate states of the other two, given to the wrong function
SELECT throws_ok($$SELECT pgdl.roc_auc_final(pgdl.regression_accum(NULL, 1, 2))$$, '0A000', NULL,
                 'regression_accum refuses to run outside an aggregate');
SELECT throws_ok($$SELECT pgdl.confusion_combine(NULL, s::pgdl.confusion_state) FROM cs$$, '0A000', NULL,
                 'confusion_combine refuses to run outside an aggregate');
CREATE AGGREGATE pg_temp.reg_state(float8, float8) (SFUNC = pgdl.regression_accum, STYPE = pgdl.aggstate);
SELECT throws_ok($$SELECT pgdl.roc_auc_final(pg_temp.reg_state(a, p)) FROM (VALUES (1.0, 2.0)) v(a, p)$$, '22P03',
                 'pgdl aggregate state is not of the kind this function takes',
                 'roc_auc_final refuses a regression state');

-- everything works in a read-only transaction (BI connections often are)
SET LOCAL transaction_read_only = on;
SELECT lives_ok($$SELECT pgdl.classification_metrics(actual, predicted), pgdl.regression_metrics(y, yhat),
                         pgdl.roc_auc(lab, score) FROM sk GROUP BY i % 3$$,
                'the three aggregates run in a READ ONLY transaction, with GROUP BY');

SELECT * FROM finish();
ROLLBACK;
