-- test/pgtap/hostile_import.sql: pgdl.import_model given hostile bytes
-- that pass the checksum (test/pgtap/lib/model_blobs.sql recomputes it):
-- strings that are not valid in the database's encoding (22021, naming the
-- string), options that are not one JSON object, non-finite parameters
-- (22P03, naming the layer), a network that cannot score an input of zeros,
-- a read-only transaction (25006 with pgdl's message, before the bytes are
-- read), and a small mutation campaign whose accepted models must all be
-- valid text, predict finite values and leave nothing behind when refused.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(35);
\ir lib/model_blobs.sql

-- true when t is valid in the database's encoding (convert_to checks even to the same encoding)
CREATE FUNCTION pg_temp.valid_text(t text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM convert_to(t, 'UTF8');
    RETURN true;
EXCEPTION WHEN character_not_in_repertoire OR untranslatable_character THEN
    RETURN false;
END $$;

CREATE TEMP TABLE t AS
SELECT i AS id, (i % 10) / 10.0 AS feat_one, (i % 7)::float8 AS feat_two,
       CASE WHEN i % 3 = 0 THEN 'cat_x' ELSE 'cat_y' END AS color,
       CASE WHEN i % 10 >= 5 THEN 'lbl_a' ELSE 'lbl_b' END AS target_col
FROM generate_series(1, 100) i;
-- 4 inputs (two numbers, a categorical of 2), dense 2, then the output dense 1 (sigmoid): 10 + 3 parameters
SELECT is((SELECT version FROM pgdl.train_model('hi_src', 't', 'target_col', '[{"type":"dense","units":2}]',
                                                ARRAY['feat_one', 'feat_two', 'color'],
                                                '{"epochs":1,"categorical":["color"],"description":"optdesc"}')),
          1, 'a source model with labels, feature names, categories and options');
-- batchnorm (4 channels: gamma, beta, running mean, running variance), dense 2, output: 16 + 10 + 3
SELECT is((SELECT version FROM pgdl.train_model('hi_bn', 't', 'target_col', '[{"type":"batchnorm"},{"type":"dense","units":2}]',
                                                ARRAY['feat_one', 'feat_two', 'color'], '{"epochs":1,"categorical":["color"]}')),
          1, 'and one with a batchnorm layer');
-- a regression: dense 2, then the output dense 1 (linear): 10 + 3 parameters
SELECT is((SELECT version FROM pgdl.train_model('hi_reg', 't', 'feat_two', '[{"type":"dense","units":2}]',
                                                ARRAY['feat_one', 'id', 'color'], '{"epochs":1,"categorical":["color"]}')),
          1, 'and a regression');
CREATE TEMP TABLE src AS
SELECT pgdl.export_model('hi_src') AS b, pgdl.export_model('hi_bn') AS bn, pgdl.export_model('hi_reg') AS reg,
       convert_to('{"epochs":1,"categorical":["color"],"description":"optdesc"}'::jsonb::text, 'UTF8') AS opts;

SELECT is(pg_temp.crc32c('123456789'::bytea), 3808858755, 'the SQL CRC-32C gives the check value');
SELECT is((SELECT pg_temp.fixed(b) FROM src), (SELECT b FROM src), 'and fixed() leaves a valid blob as it was');
SELECT lives_ok($$SELECT pgdl.import_model('hi_ok', b) FROM src$$, 'the blob as exported imports');

------------------------------------------------------------------------------
-- defect: strings not valid in the database's encoding (22021, naming which)
------------------------------------------------------------------------------
SELECT throws_ok($$SELECT pgdl.import_model('hi_bad', pg_temp.restring(b, 'lbl_b', '\x6c62ff62')) FROM src$$,
                 '22021', 'invalid byte sequence for encoding "UTF8" in label 2 of the model', 'a label with the byte 0xff');
SELECT throws_ok($$SELECT pgdl.import_model('hi_bad', pg_temp.restring(b, 'feat_two', '\x66656174c374776f')) FROM src$$,
                 '22021', 'invalid byte sequence for encoding "UTF8" in the name of feature 2 of the model',
                 'a feature name with a lead byte that nothing continues');
SELECT throws_ok($$SELECT pgdl.import_model('hi_bad', pg_temp.restring(b, 'cat_y', '\x6361745fe282')) FROM src$$,
                 '22021', 'invalid byte sequence for encoding "UTF8" in category 2 of feature 3 of the model',
                 'a category cut inside a character');
SELECT throws_ok($$SELECT pgdl.import_model('hi_bad', pg_temp.restring(b, 'target_col', '\x7461c0af')) FROM src$$,
                 '22021', 'invalid byte sequence for encoding "UTF8" in the target name of the model',
                 'a target name with an overlong encoding');
SELECT throws_ok($$SELECT pgdl.import_model('hi_bad', pg_temp.fixed(overlay(b PLACING '\xeda080' FROM position('optdesc' IN b) FOR 3))) FROM src$$,
                 '22021', 'invalid byte sequence for encoding "UTF8" in the options of the model',
                 'options with an encoded UTF-16 surrogate');
SELECT throws_ok($$SELECT pgdl.import_model('hi_bad', pg_temp.restring(b, 'lbl_b', '\x6c62006262')) FROM src$$,
                 '22P03', 'invalid model: a label contains a NUL byte', 'a NUL byte, valid in no encoding, is the engine''s 22P03');
SELECT is((SELECT pgdl.import_model('hi_utf8', pg_temp.restring(pg_temp.restring(b, 'lbl_a', convert_to('café', 'UTF8')),
                                                                'lbl_b', convert_to('🙂 ok', 'UTF8'))) FROM src),
          1, 'valid multibyte labels import');
SELECT is(pgdl.model_info('hi_utf8') -> 'labels', '["café", "🙂 ok"]'::jsonb, 'and come back as they were');
SELECT is(pgdl.predict_label('hi_utf8', ARRAY[0.5, 1, 0, 1]) IN ('café', '🙂 ok'), true, 'predict_label returns one');

------------------------------------------------------------------------------
-- options: one JSON object that text can hold (22P03)
------------------------------------------------------------------------------
SELECT throws_ok($$SELECT pgdl.import_model('hi_bad', pg_temp.restring(b, opts, '[1]')) FROM src$$,
                 '22P03', 'invalid model: the options are not a JSON object', 'options that are an array');
SELECT throws_ok($$SELECT pgdl.import_model('hi_bad', pg_temp.restring(b, opts, convert_to('{"a": "\u0000"}', 'UTF8'))) FROM src$$,
                 '22P03', 'invalid model: the options hold a \u0000, which no text can hold', 'options with \u0000');
SELECT throws_ok($$SELECT pgdl.import_model('hi_bad', pg_temp.restring(b, opts, '{"a": 1} 2')) FROM src$$,
                 '22P03', NULL, 'options with text after the object');

------------------------------------------------------------------------------
-- defect: non-finite parameters (22P03, naming the layer); no layer type
-- stores them by design
------------------------------------------------------------------------------
SELECT throws_ok($$SELECT pgdl.import_model('hi_bad', pg_temp.with_param(b, 13, 0, '\x0000c07f')) FROM src$$,
                 '22P03', 'invalid model: layer 1 (dense) has a non-finite parameter: number 1 of its 10 is nan',
                 'a NaN weight');
SELECT throws_ok($$SELECT pgdl.import_model('hi_bad', pg_temp.with_param(b, 13, 12, '\x0000807f')) FROM src$$,
                 '22P03', 'invalid model: layer 2 (dense) has a non-finite parameter: number 3 of its 3 is inf',
                 'an infinite bias in the output layer');
SELECT throws_ok($$SELECT pgdl.import_model('hi_bad', pg_temp.with_param(bn, 29, 8, '\x000080ff')) FROM src$$,
                 '22P03', 'invalid model: layer 1 (batchnorm) has a non-finite parameter: number 9 of its 16 is -inf',
                 'an infinite running mean: batchnorm''s statistics are finite too');
SELECT throws_ok($$SELECT pgdl.import_model('hi_bad', pg_temp.with_param(bn, 29, 13, '\x000080bf')) FROM src$$,
                 '22P03', 'invalid model: layer 1 (batchnorm) has a negative running variance: -1 for channel 2',
                 'a negative running variance');
-- finite, but hidden values of 3e38 (the biases) times weights of 3e38 overflow float32
SELECT throws_ok($$SELECT pgdl.import_model('hi_bad',
                       pg_temp.with_param(pg_temp.with_param(pg_temp.with_param(pg_temp.with_param(reg, 13, 8, '\xe6b1617f'),
                       13, 9, '\xe6b1617f'), 13, 10, '\xe6b1617f'), 13, 11, '\xe6b1617f')) FROM src$$,
                 '22P03', 'invalid model: it predicts inf for output 1 of 1 on an input of zeros',
                 'finite parameters whose network cannot score an input of zeros');
SELECT is((SELECT count(*) FROM pgdl.model_names WHERE name = 'hi_bad'), 0::bigint, 'no refused import left a name');

------------------------------------------------------------------------------
-- a mutation campaign: every import is accepted or refused with a data
-- error, and every accepted model is valid text and scores finite values
------------------------------------------------------------------------------
SELECT setseed(0.25);
CREATE TEMP TABLE campaign (i int, state text, message text);
DO $$
DECLARE
    b bytea;
    bn bytea;
BEGIN
    SELECT s.b, s.bn INTO b, bn FROM src s;
    FOR i IN 1..200 LOOP
        BEGIN
            PERFORM pgdl.import_model('hi_fuzz_' || i, pg_temp.mutant(CASE WHEN i % 2 = 0 THEN b ELSE bn END, 320));
            INSERT INTO campaign VALUES (i, 'ok', NULL);
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO campaign VALUES (i, SQLSTATE, SQLERRM);
        END;
    END LOOP;
END $$;
SELECT is((SELECT count(*) FROM campaign), 200::bigint, 'the campaign imported 200 mutants');
SELECT is((SELECT string_agg(DISTINCT state || ': ' || message, '; ') FROM campaign WHERE state NOT IN ('ok', '22P03', '22021', '54000')),
          NULL, 'each was accepted or refused with 22P03, 22021 or 54000 (no XX000, no other error)');
SELECT cmp_ok((SELECT count(*) FROM campaign WHERE state = 'ok'), '>', 0::bigint, 'some were accepted');
SELECT cmp_ok((SELECT count(*) FROM campaign WHERE state = '22P03'), '>', 0::bigint, 'some were malformed');
SELECT cmp_ok((SELECT count(*) FROM campaign WHERE state = '22021'), '>', 0::bigint, 'some had invalid text');
SELECT is((SELECT count(*) FROM campaign c JOIN pgdl.models m ON m.name = 'hi_fuzz_' || c.i WHERE c.state = 'ok'),
          (SELECT count(*) FROM campaign WHERE state = 'ok'), 'every accepted model is in the registry');
SELECT is((SELECT count(*) FROM pgdl.models m
           WHERE m.name LIKE 'hi_fuzz_%'
             AND NOT (pg_temp.valid_text(m.labels::text) AND pg_temp.valid_text(m.features::text)
                      AND pg_temp.valid_text(m.target) AND pg_temp.valid_text(m.options::text)
                      AND pg_temp.valid_text(pgdl.model_info(m.name)::text))),
          0::bigint, 'every accepted model is valid text in the registry and in model_info');
SELECT is((SELECT count(*) FROM pgdl.models m, t
           WHERE m.name LIKE 'hi_fuzz_%' AND t.id <= 3
             AND EXISTS (SELECT FROM unnest(pgdl.predict_proba(m.name, ARRAY[t.feat_one, t.feat_two, 0, 1])) p
                         WHERE p = 'NaN' OR p IN ('Infinity', '-Infinity'))),
          0::bigint, 'every accepted model gives finite probabilities');
SELECT is((SELECT count(*) FROM pgdl.model_names n WHERE n.name LIKE 'hi_fuzz_%'),
          (SELECT count(*) FROM campaign WHERE state = 'ok'), 'and the refused ones left no name');

------------------------------------------------------------------------------
-- read-only (a hot standby is read-only the same way): pgdl's message, as
-- train_model, before the bytes are read
------------------------------------------------------------------------------
SET TRANSACTION READ ONLY;
SELECT throws_ok($$SELECT pgdl.import_model('hi_ro', b) FROM src$$,
                 '25006', 'cannot execute pgdl.import_model() in a read-only transaction', 'import_model is 25006 read-only');
SELECT throws_ok($$SELECT pgdl.import_model('hi_ro', '\x00')$$,
                 '25006', 'cannot execute pgdl.import_model() in a read-only transaction', 'whatever the bytes');

SELECT * FROM finish();
ROLLBACK;
