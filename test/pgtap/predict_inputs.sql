-- test/pgtap/predict_inputs.sql: scoring reads a row's features one way,
-- whatever their types.  A model without imputer and scaler reads common
-- rows (real/float8/integer/bool columns and arrays of them without NULLs)
-- in one fused pass straight to float32 (pgdl_row_inputs), everything else
-- in double first (numeric, NULLs, a model's imputer and scaler).  Both must
-- give the network the same inputs, bit for bit, and the same errors: here
-- the same values arrive as real[], float8[], numeric[] and integer arrays,
-- and as scalar columns of each type, and predict_batch, evaluate and
-- predict(model, row) must agree exactly (probabilities compared as text,
-- which prints every float8 exactly).  real values become numeric through
-- float8: real::numeric keeps only 6 digits.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(22);

SET LOCAL pgdl.blas_threads = 1;
-- 120 rows of 5 values, three classes; x4 holds float32 values, x8 doubles float32 cannot hold
CREATE TEMP TABLE pi_src AS
SELECT i AS id, i % 3 AS y,
       ARRAY[(i % 3) + sin(i), cos(i * 1.7), (i % 5) / 4.0, sin(i * 0.3) * 3, (i % 3) * 0.5]::real[] AS x4,
       ARRAY[(i % 3) + sin(i), cos(i * 1.7), (i % 5) / 4.0, sin(i * 0.3) * 3, (i % 3) * 0.5]::float8[] AS x8,
       ARRAY[i % 7, (i * 13) % 11 - 5, i % 3, 1, (i % 4) * 2] AS xi,
       sin(i)::float8 AS a, cos(i)::real AS b, (i % 9)::int AS c, (i % 2 = 0) AS d
FROM generate_series(1, 120) i;

SELECT pgdl.train_model('pi_arr', 'SELECT y, x4 AS x FROM pi_src', 'y', '[{"type":"dense","units":8,"activation":"relu"}]',
                        ARRAY['x'], '{"epochs":3,"validation_fraction":0,"standardize":false,"seed":3}');
SELECT pgdl.train_model('pi_int', 'SELECT y, xi AS x FROM pi_src', 'y', '[{"type":"dense","units":8,"activation":"relu"}]',
                        ARRAY['x'], '{"epochs":3,"validation_fraction":0,"standardize":false,"seed":3}');
SELECT pgdl.train_model('pi_cols', 'pi_src', 'y', '[{"type":"dense","units":8,"activation":"relu"}]',
                        ARRAY['a', 'b', 'c', 'd'], '{"epochs":3,"validation_fraction":0,"standardize":false,"seed":3}');
-- 17 values: the finite check takes 8 at a time, then the 1 left over
SELECT pgdl.train_model('pi_wide', 'SELECT y, x4 || x4 || x4 || x4[1:2] AS x FROM pi_src', 'y', '[{"type":"dense","units":4,"activation":"relu"}]',
                        ARRAY['x'], '{"epochs":1,"validation_fraction":0,"standardize":false,"seed":3}');
SELECT pgdl.train_model('pi_std', 'SELECT y, x4 AS x FROM pi_src', 'y', '[{"type":"dense","units":8,"activation":"relu"}]',
                        ARRAY['x'], '{"epochs":3,"validation_fraction":0,"seed":3}');

-- every row's outputs as one text, for exact comparisons
CREATE FUNCTION pg_temp.scored(model text, src text) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(id || ':' || label || ':' || probabilities::text, ' ' ORDER BY id::int)
    FROM pgdl.predict_batch(model, src, 'id') $$;

------------------------------------------------------------------------------
-- the same values as real[], float8[], numeric[]
SELECT is(pg_temp.scored('pi_arr', 'SELECT id, x4::float8[] AS x FROM pi_src'),
          pg_temp.scored('pi_arr', 'SELECT id, x4 AS x FROM pi_src'),
          'predict_batch: float8[] holding float32 values scores as the real[] does');
SELECT is(pg_temp.scored('pi_arr', 'SELECT id, x4::float8[]::numeric[] AS x FROM pi_src'),
          pg_temp.scored('pi_arr', 'SELECT id, x4 AS x FROM pi_src'),
          'predict_batch: numeric[] (read in double) scores as the real[] does (read straight to float32)');
SELECT is(pg_temp.scored('pi_arr', 'SELECT id, x8::numeric[] AS x FROM pi_src'),
          pg_temp.scored('pi_arr', 'SELECT id, x8 AS x FROM pi_src'),
          'predict_batch: float8[] values beyond float32''s precision round as their numeric[] twins');
SELECT is(pg_temp.scored('pi_arr', 'SELECT id, x8 AS x FROM pi_src'),
          pg_temp.scored('pi_arr', 'SELECT id, x8::real[] AS x FROM pi_src'),
          'predict_batch: float8[] rounds to float32 as a cast to real[] does');
SELECT is(pg_temp.scored('pi_int', 'SELECT id, xi::numeric[] AS x FROM pi_src'),
          pg_temp.scored('pi_int', 'SELECT id, xi AS x FROM pi_src'),
          'predict_batch: integer[] scores as numeric[] of the same integers');
SELECT is(pg_temp.scored('pi_int', 'SELECT id, xi::bigint[] AS x FROM pi_src') || pg_temp.scored('pi_int', 'SELECT id, xi::smallint[] AS x FROM pi_src'),
          pg_temp.scored('pi_int', 'SELECT id, xi AS x FROM pi_src') || pg_temp.scored('pi_int', 'SELECT id, xi AS x FROM pi_src'),
          'predict_batch: bigint[] and smallint[] score as integer[]');
SELECT is(pg_temp.scored('pi_cols', 'SELECT id, a::numeric AS a, b::float8::numeric AS b, c::numeric AS c, d::int::numeric AS d FROM pi_src'),
          pg_temp.scored('pi_cols', 'pi_src'),
          'predict_batch: float8, real, integer and bool columns score as numeric columns of their values');
SELECT is(pg_temp.scored('pi_std', 'SELECT id, x4::float8[]::numeric[] AS x FROM pi_src'),
          pg_temp.scored('pi_std', 'SELECT id, x4 AS x FROM pi_src'),
          'predict_batch of a model with a scaler: real[] and numeric[] agree');
SELECT is((SELECT string_agg(metric || '=' || value, ' ' ORDER BY metric) FROM pgdl.evaluate('pi_arr', 'SELECT y, x4::float8[]::numeric[] AS x FROM pi_src', 'y')),
          (SELECT string_agg(metric || '=' || value, ' ' ORDER BY metric) FROM pgdl.evaluate('pi_arr', 'SELECT y, x4 AS x FROM pi_src', 'y')),
          'evaluate: real[] and numeric[] give the same metrics, to the last digit');
SELECT is((SELECT string_agg(pgdl.predict('pi_cols', t)::text, ' ' ORDER BY id) FROM pi_src t),
          (SELECT string_agg(pgdl.predict('pi_cols', ARRAY[a, b, c, d::int]::numeric[])::text, ' ' ORDER BY id) FROM pi_src),
          'predict(model, row) equals predict(model, numeric array) of the same values');

SELECT is((SELECT string_agg(pgdl.predict_proba('pi_arr', x4)::text || pgdl.predict_proba('pi_arr', x8)::text, ' ' ORDER BY id) FROM pi_src),
          (SELECT string_agg(pgdl.predict_proba('pi_arr', x4::float8[]::numeric[])::text || pgdl.predict_proba('pi_arr', x8::numeric[])::text, ' ' ORDER BY id) FROM pi_src),
          'predict_proba(model, array): real[] and float8[] score as numeric[] of the same values');
SELECT is((SELECT string_agg(pgdl.model_inputs('pi_int', xi)::text || pgdl.model_inputs('pi_int', xi::bigint[])::text, ' ' ORDER BY id) FROM pi_src),
          (SELECT string_agg(pgdl.model_inputs('pi_int', xi::numeric[])::text || pgdl.model_inputs('pi_int', xi::numeric[])::text, ' ' ORDER BY id) FROM pi_src),
          'model_inputs: integer[] and bigint[] give the network what numeric[] gives');
SELECT throws_ok($$SELECT pgdl.predict('pi_arr', ARRAY[1, 2, 3, 4, 1e39]::float8[])$$,
                 '22003', 'feature "x" element 5 is 1e+39, beyond the float32 range of the network (magnitudes up to 3.40282e+38)',
                 'predict(model, float8[]): a value beyond float32''s range is 22003 naming it');

------------------------------------------------------------------------------
-- what the fused pass does not take is reported as before, naming row and element
SELECT throws_ok($$SELECT count(*) FROM pgdl.predict_batch('pi_arr', 'SELECT id, CASE WHEN id = 7 THEN x4[1:2] || NULL::real || x4[4:5] ELSE x4 END AS x FROM pi_src', 'id')$$,
                 '22004', 'feature "x" element 3 is NULL in row 7', 'predict_batch: a NULL element of a real[] is 22004 naming it');
SELECT throws_ok($$SELECT count(*) FROM pgdl.predict_batch('pi_arr', 'SELECT id, CASE WHEN id = 9 THEN x4[1:1] || ''NaN''::real || x4[3:5] ELSE x4 END AS x FROM pi_src', 'id')$$,
                 '22P02', 'feature "x" element 2 is NaN in row 9', 'predict_batch: NaN in a real[] is 22P02 naming it');
SELECT throws_ok($$SELECT count(*) FROM pgdl.predict_batch('pi_arr', 'SELECT id, CASE WHEN id = 4 THEN x8[1:3] || ''-Infinity''::float8 || x8[5:5] ELSE x8 END AS x FROM pi_src', 'id')$$,
                 '22P02', 'feature "x" element 4 is -Infinity in row 4', 'predict_batch: -Infinity in a float8[] is 22P02 naming it');
-- a non-finite value wherever it falls in the 17: in the first or the last of
-- a group of 8 or in the rest
SELECT throws_ok($$SELECT count(*) FROM pgdl.predict_batch('pi_wide', 'SELECT id, CASE WHEN id = 3 THEN x4[1:1] || ''NaN''::real || x4[3:5] || x4 || x4 || x4[1:2] ELSE x4 || x4 || x4 || x4[1:2] END AS x FROM pi_src', 'id')$$,
                 '22P02', 'feature "x" element 2 is NaN in row 3', 'predict_batch: NaN among the first 8 values of a real[17] is 22P02 naming it');
SELECT throws_ok($$SELECT count(*) FROM pgdl.predict_batch('pi_wide', 'SELECT id, CASE WHEN id = 8 THEN x4 || x4 || x4[1:5] || ''Infinity''::real || x4[2:2] ELSE x4 || x4 || x4 || x4[1:2] END AS x FROM pi_src', 'id')$$,
                 '22P02', 'feature "x" element 16 is Infinity in row 8', 'predict_batch: Infinity as the last of the second 8 values of a real[17] is 22P02 naming it');
SELECT throws_ok($$SELECT count(*) FROM pgdl.predict_batch('pi_wide', 'SELECT id, CASE WHEN id = 11 THEN x4 || x4 || x4 || x4[1:1] || ''-Infinity''::real ELSE x4 || x4 || x4 || x4[1:2] END AS x FROM pi_src', 'id')$$,
                 '22P02', 'feature "x" element 17 is -Infinity in row 11', 'predict_batch: -Infinity as the 17th value of a real[17] is 22P02 naming it');
SELECT throws_ok($$SELECT count(*) FROM pgdl.predict_batch('pi_arr', 'SELECT id, CASE WHEN id = 5 THEN x8[1:4] || 1e39::float8 ELSE x8 END AS x FROM pi_src', 'id')$$,
                 '22003', 'feature "x" element 5 in row 5 is 1e+39, beyond the float32 range of the network (magnitudes up to 3.40282e+38)',
                 'predict_batch: a float8 beyond float32''s range is 22003 naming it, not an infinite input');
SELECT is((SELECT pg_temp.scored('pi_arr', 'SELECT id, CASE WHEN id = 5 THEN x8[1:4] || 3.4e38::float8 ELSE x8 END AS x FROM pi_src') LIKE '1:%'), true,
          'predict_batch: a float8 just inside float32''s range is scored');
SELECT throws_ok($$SELECT count(*) FROM pgdl.predict_batch('pi_cols', 'SELECT id, CASE WHEN id = 6 THEN NULL ELSE a END AS a, b, c, d FROM pi_src', 'id')$$,
                 '22004', 'feature "a" is NULL in row 6', 'predict_batch: a NULL float8 column is 22004 naming it');

SELECT * FROM finish();
ROLLBACK;
