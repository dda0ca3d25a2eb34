-- test/pgtap/preprocessing.sql: one preprocessing path for training and
-- prediction.  A row is read in double precision, imputed and scaled in
-- double by the model's own imputer and scaler, and only then becomes
-- float32, in training (pgdl.source_inputs shows its rows) and in
-- prediction (pgdl.model_inputs) alike.  In 0.1.0 training cast to float32
-- first: a feature near 1e9 became a constant (float32's spacing there is
-- 64) and trained to 0.50 accuracy.  Rolled back at the end.
BEGIN;
SET client_min_messages = warning;
SET synchronize_seqscans = off;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(14);

-- x = 1e9 + u, y = (u > 0.5): an epoch timestamp, an amount in cents, a large id
CREATE TEMP TABLE big9 AS
SELECT i AS id, 1e9 + u AS x, (u > 0.5) AS y
FROM (SELECT i, ((i * 7919) % 4000) / 4000.0 AS u FROM generate_series(1, 4000) i) s;
CREATE TEMP TABLE small9 AS SELECT id, x - 1e9 AS x, y FROM big9;

SELECT ok((SELECT validation_metric FROM pgdl.train_model('pp_big', 'big9', 'y',
    '[{"type":"dense","units":8,"activation":"relu"}]', ARRAY['x'], '{"epochs":10,"seed":1,"learning_rate":0.01}')) >= 0.97,
    'x = 1e9 + u trains (0.50 validation accuracy in 0.1.0)');
SELECT ok((SELECT validation_metric FROM pgdl.train_model('pp_small', 'small9', 'y',
    '[{"type":"dense","units":8,"activation":"relu"}]', ARRAY['x'], '{"epochs":10,"seed":1,"learning_rate":0.01}')) >= 0.97,
    'the same data shifted by -1e9 trains as well');
SELECT ok((SELECT avg((pgdl.predict('pp_big', ARRAY[x]) = y::int)::int) FROM big9) >= 0.97,
    'pgdl.predict on the 1e9 rows agrees with training');

-- every training row: the training path's inputs equal prediction's, bit for bit
SELECT is((SELECT count(*) FROM pgdl.source_inputs('pp_big', 'big9') s
           JOIN (SELECT row_number() OVER () AS rn, x FROM big9) b ON b.rn = s.row_number
           WHERE s.inputs = pgdl.model_inputs('pp_big', ARRAY[b.x])), 4000::bigint,
          'all 4000 rows: source_inputs (as training reads them) = model_inputs (as predict reads them), bit for bit');
SELECT ok((SELECT max(inputs[1]) - min(inputs[1]) FROM pgdl.source_inputs('pp_big', 'big9')) > 3,
          'the standardized 1e9 feature keeps its spread (it was one constant value)');

-- missing values: the imputer in double, then the scaler fitted on the imputed rows
CREATE TEMP TABLE holes AS
SELECT i AS id, CASE WHEN i % 5 = 0 THEN NULL ELSE 1e9 + (i % 17) END AS a,
       CASE WHEN i % 7 = 0 THEN NULL ELSE (i % 13)::float8 END AS b,
       ARRAY[i % 3, CASE WHEN i % 11 = 0 THEN NULL ELSE i % 4 END]::float8[] AS v, (i % 2 = 0) AS y
FROM generate_series(1, 600) i;
SELECT lives_ok($$SELECT * FROM pgdl.train_model('pp_mean', 'holes', 'y', '[{"type":"dense","units":4}]',
    ARRAY['a', 'b', 'v'], '{"epochs":1,"impute":"mean"}')$$, 'a mean imputer');
SELECT lives_ok($$SELECT * FROM pgdl.train_model('pp_median', 'holes', 'y', '[{"type":"dense","units":4}]',
    ARRAY['a', 'b', 'v'], '{"epochs":1,"impute":"median"}')$$, 'a median imputer');
SELECT is((SELECT count(*) FROM pgdl.source_inputs(m, 'holes') s
           JOIN (SELECT row_number() OVER () AS rn, * FROM holes) h ON h.rn = s.row_number
           WHERE s.inputs = pgdl.model_inputs(m, ARRAY[h.a, h.b] || h.v)), 600::bigint,
          m || ': every row with its NULLs, the training path = prediction, bit for bit')
FROM unnest(ARRAY['pp_mean', 'pp_median']) m;
-- a median over the training rows, exactly percentile_cont's: a NULL of b
-- becomes (median - mean) / sd with both over the imputed training rows
SELECT is((SELECT inputs[2] FROM pgdl.source_inputs('pp_median', 'holes') WHERE row_number = 7),
          (pgdl.model_inputs('pp_median', ARRAY[1e9 + 7, NULL, 1, 3]::float8[]))[2],
          'an imputed NULL is the same value in training and prediction');

-- median passes over blocks of columns when a column's values are many:
-- a small max_memory (a quarter of it, at least 1 MB, per block) gives two
-- passes here, and the same inputs as one pass
CREATE TEMP TABLE wide AS
SELECT i AS id, ARRAY(SELECT CASE WHEN (i + k) % 9 = 0 THEN NULL ELSE ((i * k) % 101)::float8 END
                      FROM generate_series(1, 100) k) AS v, (i % 2 = 0) AS y
FROM generate_series(1, 2000) i;
SELECT lives_ok($$SELECT * FROM pgdl.train_model('pp_blocks', 'wide', 'y', '[{"type":"dense","units":2}]',
    ARRAY['v'], '{"epochs":1,"impute":"median","validation_fraction":0,"max_memory":"4MB"}')$$,
    'a median imputer whose columns take two passes');
SELECT lives_ok($$SELECT * FROM pgdl.train_model('pp_oneblock', 'wide', 'y', '[{"type":"dense","units":2}]',
    ARRAY['v'], '{"epochs":1,"impute":"median","validation_fraction":0}')$$,
    'the same in one pass');
SELECT is((SELECT count(*) FROM pgdl.source_inputs('pp_blocks', 'wide') a
           JOIN pgdl.source_inputs('pp_oneblock', 'wide') b USING (row_number)
           WHERE a.inputs = b.inputs), 2000::bigint,
          'two passes over blocks of columns give the same medians as one');
SELECT is((SELECT count(*) FROM unnest(pgdl.model_inputs('pp_blocks', array_fill(NULL::float8, ARRAY[100]))) u
           WHERE u = u AND u <> 'Infinity' AND u <> '-Infinity'), 100::bigint,
          'a row of NULLs is imputed and scaled to 100 finite inputs');

SELECT * FROM finish();
ROLLBACK;
