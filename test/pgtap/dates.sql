-- test/pgtap/dates.sql: date and timestamp features through the train_model
-- options dates and date_encoding (the README, "Dates"): never silently (a
-- date column not asked for is skipped with a NOTICE, or refused when
-- listed), each encoding's values, stored in the model for predict, a
-- timestamptz read in UTC whatever the session's TimeZone, and bad lists.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(21);

-- 2024-01-01 is a Monday
CREATE TABLE dt_src AS
SELECT i AS id, date '2024-01-01' + i AS d,
       timestamptz '2024-01-01 00:00+00' + i * interval '7 hours' AS ts,
       extract(isodow FROM date '2024-01-01' + i) >= 6 AS weekend, (i % 5)::float8 AS x
FROM generate_series(0, 399) i;
\set L '[{"type":"dense","units":8,"activation":"relu"}]'

-- 1. never silently
SELECT throws_ok($$SELECT * FROM pgdl.train_model('dt_bad', 'dt_src', 'weekend', '[{"type":"dense","units":2}]', ARRAY['x', 'd'])$$,
                 '42804', 'feature column "d" is date, not a numeric, bool or numeric array column',
                 'a date column listed without the option dates: 42804');
SELECT is((SELECT version FROM pgdl.train_model('dt_default', 'dt_src', 'weekend', '[{"type":"dense","units":2}]', NULL, '{"epochs":1}')), 1,
          'a model with the default feature choice');
SELECT is((SELECT array_agg(f ->> 'name') FROM jsonb_array_elements(pgdl.model_info('dt_default') -> 'features') f),
          '{x}'::text[], 'by default date and timestamp columns are not features (the NOTICE lists them as skipped)');

-- 2. the encodings' values, as the network sees them (no scaler)
SELECT is((SELECT version FROM pgdl.train_model('dt_all', 'dt_src', 'weekend', :'L', ARRAY['d'],
           '{"epochs":1,"standardize":false,"dates":["d"],"date_encoding":["days","dow","month","dow_cyclic","month_cyclic"]}')), 1,
          'a model on every encoding of a date');
SELECT is((SELECT (f ->> 'inputs')::int FROM jsonb_array_elements(pgdl.model_info('dt_all') -> 'features') f), 24,
          'days 1 + dow 7 + month 12 + two cyclic pairs 4 = 24 inputs');
SELECT is((SELECT inputs[1:20] FROM pgdl.source_inputs('dt_all', 'SELECT * FROM dt_src ORDER BY id') WHERE row_number = 1),
          ARRAY[19723, 1,0,0,0,0,0,0, 1,0,0,0,0,0,0,0,0,0,0,0]::real[],
          '2024-01-01: 19723 days since 1970-01-01, a Monday, in January');
SELECT is((SELECT inputs[1:20] FROM pgdl.source_inputs('dt_all', 'SELECT * FROM dt_src ORDER BY id') WHERE row_number = 47),
          ARRAY[19769, 0,0,0,0,1,0,0, 0,1,0,0,0,0,0,0,0,0,0,0]::real[],
          '2024-02-16: a Friday in February');
SELECT ok((SELECT abs(inputs[21] - sin(2 * pi() * 4 / 7)) < 1e-6 AND abs(inputs[22] - cos(2 * pi() * 4 / 7)) < 1e-6
                  AND abs(inputs[23] - sin(2 * pi() / 12)) < 1e-6 AND abs(inputs[24] - cos(2 * pi() / 12)) < 1e-6
           FROM pgdl.source_inputs('dt_all', 'SELECT * FROM dt_src ORDER BY id') WHERE row_number = 47),
          'cyclic: sin and cos of 2 pi dow / 7 and of 2 pi (month - 1) / 12');
SELECT is(pgdl.model_inputs('dt_all', ARRAY[19723, 1,0,0,0,0,0,0, 1,0,0,0,0,0,0,0,0,0,0,0, 0,1,0,1]::float8[]),
          (SELECT inputs FROM pgdl.source_inputs('dt_all', 'SELECT * FROM dt_src ORDER BY id') WHERE row_number = 1),
          'an array gives the encoded inputs themselves');

-- 3. timestamps: the time of day as a fraction, timestamptz in UTC
SELECT is((SELECT version FROM pgdl.train_model('dt_ts', 'dt_src', 'weekend', :'L', ARRAY['ts'],
           '{"epochs":1,"standardize":false,"dates":["ts"],"date_encoding":["days","dow"]}')), 1,
          'a model on a timestamptz');
SELECT is((SELECT inputs[1] FROM pgdl.source_inputs('dt_ts', 'SELECT * FROM dt_src ORDER BY id') WHERE row_number = 2),
          (19723 + 7 / 24.0)::real, '2024-01-01 07:00 UTC: 19723.29 days');
SET LOCAL TimeZone = 'Pacific/Kiritimati';
SELECT is((SELECT inputs FROM pgdl.source_inputs('dt_ts', 'SELECT * FROM dt_src ORDER BY id') WHERE row_number = 4),
          ARRAY[19723 + 21 / 24.0, 1, 0, 0, 0, 0, 0, 0]::real[],
          'in a session at UTC+14, 21:00 UTC Monday is still Monday: timestamptz is read in UTC');
RESET TimeZone;

-- 4. stored in the model: predict reads the date column by itself
SELECT is((SELECT version FROM pgdl.train_model('dt_dow', 'dt_src', 'weekend', :'L', ARRAY['d'],
           '{"epochs":40,"learning_rate":0.05,"seed":2,"dates":["d"],"date_encoding":["dow"]}')), 1,
          'a weekend classifier from the day of the week');
SELECT cmp_ok((SELECT avg((pgdl.predict('dt_dow', s) = weekend::int)::int) FROM dt_src s), '>', 0.99::numeric,
              'predict(model, record) encodes the date as training did');
SELECT is((SELECT pgdl.predict('dt_dow', t) FROM (SELECT date '2030-06-01' AS d) t), 1::float8,
          'a Saturday of another year is a weekend');
SELECT throws_ok($$SELECT pgdl.predict('dt_dow', t) FROM (SELECT 'infinity'::date AS d) t$$, '22P02',
                 'feature "d" is Infinity', 'an infinite date is refused as an infinite number is');
SELECT throws_ok($$SELECT pgdl.predict('dt_dow', t) FROM (SELECT '2030-06-01'::text AS d) t$$, '42804',
                 'column "d" is text; the model needs a date or timestamp', 'text in the date column: 42804');

-- 5. the lists
SELECT throws_ok($$SELECT * FROM pgdl.train_model('dt_bad', 'dt_src', 'weekend', '[{"type":"dense","units":2}]', NULL, '{"dates":["d"],"date_encoding":["week"]}')$$,
                 '22023', 'option "date_encoding" must name days, dow, month, dow_cyclic or month_cyclic, got "week"',
                 'an unknown encoding: 22023 naming the accepted ones');
SELECT throws_ok($$SELECT * FROM pgdl.train_model('dt_bad', 'dt_src', 'weekend', '[{"type":"dense","units":2}]', NULL, '{"dates":["x"]}')$$,
                 '42804', 'dates column "x" is double precision, not a date or timestamp', 'a column that is not a date: 42804');
SELECT throws_ok($$SELECT * FROM pgdl.train_model('dt_bad', 'dt_src', 'weekend', '[{"type":"dense","units":2}]', NULL, '{"dates":["zz"]}')$$,
                 '42703', 'dates column "zz" is not in the source', 'a column not in the source: 42703');
SELECT throws_ok($$SELECT * FROM pgdl.train_model('dt_bad', 'dt_src', 'weekend', '[{"type":"dense","units":2}]', ARRAY['x'], '{"dates":["d"]}')$$,
                 '22023', 'dates column "d" is not among the features', 'a dates column left out of features: 22023');

SELECT * FROM finish();
ROLLBACK;
