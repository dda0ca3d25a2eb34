-- test/pgtap/numeric_text.sql: the train_model option numeric_text (the
-- README, "Numbers stored as text"): text columns read as numbers, in
-- training and - stored in the model - in prediction, exactly as the same
-- columns cast to float8; a value that is not a number is 22P02 naming it
-- and its row; blank text is missing like NULL; bad lists are refused.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(25);

-- what a CSV import leaves: numbers in text columns (blanks around some)
CREATE TABLE nt_csv AS
SELECT i AS id, ((i % 10) * 1.5)::text AS a, CASE WHEN i % 3 = 0 THEN ' ' || (i % 7) || ' ' ELSE (i % 7)::text END AS b,
       (i % 10) * 1.5 + (i % 7) > 8 AS y, ((i % 10) * 1.5 - (i % 7))::float8 AS r
FROM generate_series(1, 300) i;
CREATE VIEW nt_cast AS SELECT id, a::float8 AS a, b::float8 AS b, y, r FROM nt_csv;
\set L '[{"type":"dense","units":6,"activation":"relu"}]'

-- 1. the same model as the cast columns give
SELECT is((SELECT version FROM pgdl.train_model('nt_text', 'nt_csv', 'y', :'L', ARRAY['a', 'b'], '{"epochs":5,"seed":9,"numeric_text":["a","b"]}')), 1,
          'train_model reads text columns listed in numeric_text as numbers');
SELECT is((SELECT version FROM pgdl.train_model('nt_cast', 'nt_cast', 'y', :'L', ARRAY['a', 'b'], '{"epochs":5,"seed":9}')), 1,
          'the same columns cast to float8');
SELECT is((SELECT array_agg(f ->> 'kind' ORDER BY f ->> 'name') FROM jsonb_array_elements(pgdl.model_info('nt_text') -> 'features') f),
          '{numeric_text,numeric_text}'::text[], 'model_info shows the text features as numeric_text');
SELECT is((SELECT count(*) FROM nt_csv c JOIN nt_cast k USING (id)
           WHERE pgdl.predict('nt_text', c) IS DISTINCT FROM pgdl.predict('nt_cast', k)), 0::bigint,
          'the model stores the conversion: predict on the text row equals the cast model on the cast row');
SELECT is((SELECT count(*) FROM pgdl.predict_batch('nt_text', 'nt_csv', 'id') p JOIN pgdl.predict_batch('nt_cast', 'nt_cast', 'id') q USING (id)
           WHERE p.probabilities IS DISTINCT FROM q.probabilities), 0::bigint,
          'predict_batch reads the text too: the probabilities of the cast model, bit for bit');
SELECT is((SELECT value FROM pgdl.evaluate('nt_text', 'nt_csv') WHERE metric = 'accuracy'),
          (SELECT value FROM pgdl.evaluate('nt_cast', 'nt_cast') WHERE metric = 'accuracy'), 'evaluate reads the text too');
SELECT is(pgdl.predict('nt_text', ARRAY[3.0, 2.0]), pgdl.predict('nt_cast', ARRAY[3.0, 2.0]),
          'an array gives the numbers themselves');
SELECT is((SELECT version FROM pgdl.train_model('nt_reg', 'nt_csv', 'r', :'L', NULL, '{"epochs":2,"numeric_text":["a","b"]}')), 1,
          'the default feature choice takes the numeric_text columns');
SELECT is((SELECT array_agg(f ->> 'name' ORDER BY f ->> 'name') FROM jsonb_array_elements(pgdl.model_info('nt_reg') -> 'features') f),
          '{a,b,y}'::text[], 'the text columns among the numeric and bool ones');

-- 2. text that is not a number
UPDATE nt_csv SET a = '1,5' WHERE id = 7;
SELECT throws_ok($$SELECT * FROM pgdl.train_model('nt_bad', 'SELECT * FROM nt_csv ORDER BY id', 'y', '[]'::jsonb || '[{"type":"dense","units":2}]', NULL, '{"numeric_text":["a","b"]}')$$,
                 '22P02', 'column "a" holds "1,5" in row 7, which is not a number', 'training: 22P02 naming the value and its row');
SELECT throws_ok($$SELECT pgdl.predict('nt_text', c) FROM nt_csv c WHERE id = 7$$,
                 '22P02', 'column "a" holds "1,5", which is not a number', 'prediction: 22P02 naming the value');
SELECT throws_ok($$SELECT pgdl.predict('nt_text', t) FROM (SELECT '0x10'::text AS a, '1'::text AS b) t$$,
                 '22P02', NULL, 'hexadecimal is not a number');
SELECT throws_ok($$SELECT pgdl.predict('nt_text', t) FROM (SELECT '1e999'::text AS a, '1'::text AS b) t$$,
                 '22003', NULL, 'beyond float8: 22003');
SELECT ok(pgdl.predict('nt_text', t) IS NOT NULL, 'surrounding blanks, exponents and signs are numbers')
FROM (SELECT ' -1.5e0 '::text AS a, '+2'::text AS b) t;
UPDATE nt_csv SET a = '1.5' WHERE id = 7;

-- 3. blank text is missing, as NULL
UPDATE nt_csv SET b = '  ' WHERE id = 5;
SELECT throws_ok($$SELECT * FROM pgdl.train_model('nt_bad', 'SELECT * FROM nt_csv ORDER BY id', 'y', '[{"type":"dense","units":2}]', NULL, '{"numeric_text":["a","b"]}')$$,
                 '22004', 'feature "b" is NULL in row 5', 'blank text is missing: 22004 without impute');
SELECT is((SELECT version FROM pgdl.train_model('nt_imp', 'nt_csv', 'y', '[{"type":"dense","units":2}]', NULL, '{"epochs":1,"numeric_text":["a","b"],"impute":"mean"}')), 1,
          'with impute the blank is filled');
UPDATE nt_csv SET b = 'NaN' WHERE id = 5;
SELECT throws_ok($$SELECT * FROM pgdl.train_model('nt_bad', 'SELECT * FROM nt_csv ORDER BY id', 'y', '[{"type":"dense","units":2}]', NULL, '{"numeric_text":["a","b"]}')$$,
                 '22P02', 'feature "b" is NaN in row 5', 'NaN text is missing as a NaN number is');

-- 4. the list
SELECT throws_ok($$SELECT * FROM pgdl.train_model('nt_bad', 'nt_csv', 'y', '[{"type":"dense","units":2}]', ARRAY['a', 'b'])$$,
                 '42804', NULL, 'without numeric_text a text feature is refused');
SELECT throws_ok($$SELECT * FROM pgdl.train_model('nt_bad', 'nt_csv', 'y', '[{"type":"dense","units":2}]', NULL, '{"numeric_text":["zz"]}')$$,
                 '42703', 'numeric_text column "zz" is not in the source', 'a column not in the source: 42703');
SELECT throws_ok($$SELECT * FROM pgdl.train_model('nt_bad', 'nt_csv', 'y', '[{"type":"dense","units":2}]', NULL, '{"numeric_text":["r"]}')$$,
                 '42804', 'numeric_text column "r" is double precision, not text', 'a column that is not text: 42804');
SELECT throws_ok($$SELECT * FROM pgdl.train_model('nt_bad', 'nt_csv', 'y', '[{"type":"dense","units":2}]', NULL, '{"numeric_text":["a"],"categorical":["a"]}')$$,
                 '22023', 'numeric_text column "a" is also categorical', 'categorical and numeric_text at once: 22023');
SELECT throws_ok($$SELECT * FROM pgdl.train_model('nt_bad', 'nt_csv', 'y', '[{"type":"dense","units":2}]', ARRAY['a'], '{"numeric_text":["a","b"]}')$$,
                 '22023', 'numeric_text column "b" is not among the features', 'a numeric_text column left out of features: 22023');
SELECT throws_ok($$SELECT * FROM pgdl.train_model('nt_bad', 'nt_csv', 'y', '[{"type":"dense","units":2}]', NULL, '{"numeric_text":[1]}')$$,
                 '22023', NULL, 'numeric_text must be a list of names');
-- prediction needs text in the column
SELECT throws_ok($$SELECT pgdl.predict('nt_text', k) FROM nt_cast k LIMIT 1$$, '42804', NULL,
                 'a row whose column is a number, not text: 42804');
SELECT is((SELECT count(*) FROM pgdl.models WHERE name = 'nt_bad'), 0::bigint, 'no failed training saved a model');

SELECT * FROM finish();
ROLLBACK;
