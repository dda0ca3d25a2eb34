-- test/fuzz/state_seeds.sql: the seed corpus of fuzz_state.c, states made by
-- pgdl's own aggregates (see test/fuzz/corpus/README.md for how to run it).
-- Prints one line per seed: its name, then the hex of the input (the type
-- byte, 00 for pgdl.aggstate and 01 for pgdl.confusion_state, then the
-- value's bytes after its length word).
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only on
\pset fieldsep ' '
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgdl;

-- the transition functions as aggregates that return the raw state
CREATE AGGREGATE pg_temp.st_scalar(float8) (SFUNC = pgdl.stats_accum, STYPE = pgdl.aggstate);
CREATE AGGREGATE pg_temp.st_vector(float8[]) (SFUNC = pgdl.stats_vector_accum, STYPE = pgdl.aggstate);
CREATE AGGREGATE pg_temp.st_columns(VARIADIC "any") (SFUNC = pgdl.stats_columns_accum, STYPE = pgdl.aggstate);
CREATE AGGREGATE pg_temp.st_quantiles(float8, float8[]) (SFUNC = pgdl.quantiles_accum, STYPE = pgdl.aggstate);
CREATE AGGREGATE pg_temp.st_histogram(float8, float8, float8, int) (SFUNC = pgdl.histogram_accum, STYPE = pgdl.aggstate);
CREATE AGGREGATE pg_temp.st_standard(float8[]) (SFUNC = pgdl.standard_scaler_accum, STYPE = pgdl.aggstate);
CREATE AGGREGATE pg_temp.st_minmax(float8[]) (SFUNC = pgdl.minmax_scaler_accum, STYPE = pgdl.aggstate);
CREATE AGGREGATE pg_temp.st_maxabs(float8[]) (SFUNC = pgdl.maxabs_scaler_accum, STYPE = pgdl.aggstate);
CREATE AGGREGATE pg_temp.st_robust(float8[]) (SFUNC = pgdl.robust_scaler_accum, STYPE = pgdl.aggstate);
CREATE AGGREGATE pg_temp.st_imputer(float8[], text) (SFUNC = pgdl.imputer_accum, STYPE = pgdl.aggstate);
CREATE AGGREGATE pg_temp.st_regression(float8, float8) (SFUNC = pgdl.regression_accum, STYPE = pgdl.aggstate);
CREATE AGGREGATE pg_temp.st_roc(bool, float8) (SFUNC = pgdl.roc_auc_accum, STYPE = pgdl.aggstate);
CREATE AGGREGATE pg_temp.st_confusion(text, text) (SFUNC = pgdl.classification_accum, STYPE = pgdl.confusion_state);

-- plain data, NULLs, NaN and the infinities, huge, tiny and equal values
CREATE TEMP TABLE d AS
SELECT g,
       sin(g) * 100 + g % 7 AS x,
       CASE WHEN g % 11 = 0 THEN NULL ELSE cos(g) * 3 END AS y,
       (ARRAY['NaN', 'Infinity', '-Infinity', '2.5', NULL, '-7']::float8[])[1 + g % 6] AS special,
       CASE WHEN g % 2 = 0 THEN 1e100 ELSE -1e100 END::float8 AS huge,
       (g % 5) * 5e-324::float8 AS denormal,
       0.1::float8 AS same
FROM generate_series(1, 200) g;

CREATE TEMP TABLE seeds(name text, hex text);
INSERT INTO seeds
SELECT 'stats-plain', s::text FROM (SELECT pg_temp.st_scalar(x) s FROM d) t
UNION ALL SELECT 'stats-special', pg_temp.st_scalar(special)::text FROM d
UNION ALL SELECT 'stats-huge', pg_temp.st_scalar(huge)::text FROM d
UNION ALL SELECT 'stats-denormal', pg_temp.st_scalar(denormal)::text FROM d
UNION ALL SELECT 'stats-same', pg_temp.st_scalar(same)::text FROM d
UNION ALL SELECT 'stats-few', pg_temp.st_scalar(x)::text FROM d WHERE g <= 5
UNION ALL SELECT 'stats-vector', pg_temp.st_vector(ARRAY[x, y, special, huge])::text FROM d
UNION ALL SELECT 'stats-vector-nullrows', pg_temp.st_vector(NULL::float8[])::text FROM d WHERE g <= 3
UNION ALL SELECT 'stats-columns', pg_temp.st_columns(x, y, g)::text FROM d
UNION ALL SELECT 'comoments-complete', pgdl.comoments_state(ARRAY[x, x * 2 + 1, -x, g])::text FROM d
UNION ALL SELECT 'comoments-pairs', pgdl.comoments_state(ARRAY[x, y, g::float8])::text FROM d
UNION ALL SELECT 'comoments-special', pgdl.comoments_state(ARRAY[x, special])::text FROM d WHERE special IS NOT NULL
UNION ALL SELECT 'quantiles-small', pg_temp.st_quantiles(x, '{0, 0.25, 0.5, 0.9, 1}')::text FROM d
UNION ALL SELECT 'quantiles-special', pg_temp.st_quantiles(special, '{0.5}')::text FROM d
UNION ALL SELECT 'sketch-small', pgdl.quantile_sketch(y)::text FROM d
UNION ALL SELECT 'sketch-compacted', pgdl.quantile_sketch(sin(g) * 1000)::text FROM generate_series(1, 12000) g
UNION ALL SELECT 'describe', pgdl.describe_state(x, y, special)::text FROM d
UNION ALL SELECT 'describe-huge', pgdl.describe_state(huge, denormal)::text FROM d
UNION ALL SELECT 'histogram', pg_temp.st_histogram(x, -100, 100, 8)::text FROM d
UNION ALL SELECT 'scaler-standard', pg_temp.st_standard(ARRAY[x, y, same])::text FROM d
UNION ALL SELECT 'scaler-standard-special', pg_temp.st_standard(ARRAY[special])::text FROM d
UNION ALL SELECT 'scaler-minmax', pg_temp.st_minmax(ARRAY[x, y])::text FROM d
UNION ALL SELECT 'scaler-maxabs', pg_temp.st_maxabs(ARRAY[x, special])::text FROM d
UNION ALL SELECT 'scaler-robust', pg_temp.st_robust(ARRAY[x, y])::text FROM d
UNION ALL SELECT 'imputer-mean', pg_temp.st_imputer(ARRAY[x, y], 'mean')::text FROM d
UNION ALL SELECT 'imputer-median', pg_temp.st_imputer(ARRAY[y], 'median')::text FROM d
UNION ALL SELECT 'imputer-constant', pg_temp.st_imputer(ARRAY[y], 'constant:-1.5')::text FROM d
UNION ALL SELECT 'regression', pg_temp.st_regression(x, x * 0.9 + y)::text FROM d
UNION ALL SELECT 'regression-special', pg_temp.st_regression(special, y)::text FROM d
UNION ALL SELECT 'regression-huge', pg_temp.st_regression(huge, 0)::text FROM d
UNION ALL SELECT 'roc', pg_temp.st_roc(x > 0, round(y))::text FROM d
UNION ALL SELECT 'roc-special', pg_temp.st_roc(g % 3 = 0, special)::text FROM d
UNION ALL SELECT 'confusion', pg_temp.st_confusion((g % 3)::text, (g % 4)::text)::text FROM d;

SELECT name,
       CASE WHEN name = 'confusion' THEN '01' ELSE '00' END || substr(hex, 6)
FROM seeds WHERE hex IS NOT NULL ORDER BY name;
