-- test/pgtap/text_labels.sql: one rule for what pgdl.predict returns for a
-- classifier (the README, "Labels"): the target's type decides, not how its
-- labels look.  A text target's labels are text - predict refuses them
-- (42804) even when they read as numbers ('1', '10', '2'), predict_label and
-- predict_batch's label return them - and they keep the C-collation order
-- of text; integer and numeric targets give numbers in numeric order, bool
-- targets 0/1.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(21);

-- three separable classes along a; the same classes as text that looks
-- numeric, as plain text, and as integers
CREATE TABLE tl_src AS
SELECT i AS id, (i % 3)::float8 + 0.1 * ((i * 7) % 5) / 5 AS a,
       (ARRAY['1', '10', '2'])[i % 3 + 1] AS digits,
       (ARRAY['neg', 'pos', 'pos'])[i % 3 + 1] AS word,
       (ARRAY[1, 10, 2])[i % 3 + 1] AS n,
       i % 3 = 0 AS flag
FROM generate_series(1, 300) i;
\set L '[{"type":"dense","units":8,"activation":"relu"}]'
\set O '{"epochs":60,"learning_rate":0.05,"seed":3}'

SELECT is((SELECT task FROM pgdl.train_model('tl_digits', 'tl_src', 'digits', :'L', ARRAY['a'], :'O')), 'classification',
          'a text target of digits is a classification');
SELECT is((SELECT task FROM pgdl.train_model('tl_word', 'tl_src', 'word', :'L', ARRAY['a'], :'O')), 'classification',
          'a text target of words is a classification');
SELECT is((SELECT task FROM pgdl.train_model('tl_int', 'tl_src', 'n', :'L', ARRAY['a'], :'O')), 'classification',
          'an integer target of 3 values is a classification');
SELECT is((SELECT task FROM pgdl.train_model('tl_bool', 'tl_src', 'flag', :'L', ARRAY['a'], :'O')), 'classification',
          'a bool target is a classification');

-- text: labels in C-collation order, as text
SELECT is(pgdl.model_info('tl_digits') -> 'labels', '["1", "10", "2"]'::jsonb,
          'text labels keep the order of text (C collation), even when they look numeric');
SELECT is(pgdl.model_info('tl_digits') ->> 'label_type', 'text', 'model_info: label_type text');
SELECT throws_ok($$SELECT pgdl.predict('tl_digits', ARRAY[a]) FROM tl_src$$, '42804',
                 'model "tl_digits" predicts text labels, which pgdl.predict cannot return as float8',
                 'predict refuses text labels that look like numbers (42804), as it refuses words');
SELECT throws_ok($$SELECT pgdl.predict('tl_digits', t) FROM tl_src t$$, '42804', NULL,
                 'predict(model, record) refuses them too');
SELECT throws_ok($$SELECT pgdl.predict('tl_word', ARRAY[a]) FROM tl_src$$, '42804',
                 'model "tl_word" predicts text labels, which pgdl.predict cannot return as float8',
                 'predict refuses words (42804)');
SELECT cmp_ok((SELECT avg((pgdl.predict_label('tl_digits', ARRAY[a]) = digits)::int) FROM tl_src), '>', 0.95::numeric,
              'predict_label returns the text labels');
SELECT is((SELECT count(*) FROM pgdl.predict_batch('tl_digits', 'tl_src', 'id') WHERE prediction IS NOT NULL), 0::bigint,
          'predict_batch: no number for text labels');
SELECT cmp_ok((SELECT avg((p.label = s.digits)::int) FROM pgdl.predict_batch('tl_digits', 'tl_src', 'id') p
               JOIN tl_src s ON s.id::text = p.id), '>', 0.95::numeric, 'predict_batch: the text label');
SELECT is(pgdl.model_info('tl_word') ->> 'label_type', 'text', 'words: label_type text');

-- integers: numbers, in numeric order
SELECT is(pgdl.model_info('tl_int') -> 'labels', '["1", "2", "10"]'::jsonb, 'integer labels in numeric order');
SELECT is(pgdl.model_info('tl_int') ->> 'label_type', 'number', 'model_info: label_type number');
SELECT cmp_ok((SELECT avg((pgdl.predict('tl_int', ARRAY[a]) = n)::int) FROM tl_src), '>', 0.95::numeric,
              'predict returns the integer label as a number');
SELECT is((SELECT count(*) FROM pgdl.predict_batch('tl_int', 'tl_src', 'id') WHERE prediction IS NULL), 0::bigint,
          'predict_batch: a number for every row');

-- bool: 0/1
SELECT is(pgdl.model_info('tl_bool') ->> 'label_type', 'bool', 'model_info: label_type bool');
SELECT cmp_ok((SELECT avg((pgdl.predict('tl_bool', ARRAY[a]) = flag::int)::int) FROM tl_src), '>', 0.95::numeric,
              'predict returns 0/1 for bool labels');
-- the kind travels with the model
SELECT is(pgdl.import_model('tl_copy', pgdl.export_model('tl_digits')), 1, 'export and import the text model');
SELECT throws_ok($$SELECT pgdl.predict('tl_copy', ARRAY[1.0])$$, '42804', NULL,
                 'an exported and imported text model still refuses predict');

SELECT * FROM finish();
ROLLBACK;
