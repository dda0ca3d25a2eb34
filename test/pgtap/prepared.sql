-- test/pgtap/prepared.sql: scoring from drivers' server-side prepared
-- statements.  "PREPARE p AS SELECT pgdl.predict_label($1, $2)" with
-- untyped parameters (as JDBC and psycopg send them) resolves: predict,
-- predict_label and predict_proba have an overload over text, which an
-- untyped parameter or literal resolves to, reading the text of a numeric
-- array; a text that is not one is 22P02 with a hint saying what to write.
-- The typed form ($1::text, $2::real[]) works as before.
-- Everything is rolled back at the end.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(16);

\ir lib/errors.sql

CREATE TEMP TABLE pr AS
SELECT i AS id, (i % 7) * 0.3 AS a, (i % 5) * 0.2 AS b, (ARRAY['neg', 'pos'])[i % 2 + 1] AS cls,
       (i % 7) * 0.3 + (i % 5) * 0.2 AS y
FROM generate_series(1, 60) i;
SELECT is((SELECT version FROM pgdl.train_model('pr_cls', 'pr', 'cls', '[{"type":"dense","units":4}]', ARRAY['a', 'b'],
                                                '{"epochs":2,"seed":1}')), 1, 'a classifier');
SELECT is((SELECT version FROM pgdl.train_model('pr_reg', 'pr', 'y', '[{"type":"dense","units":4}]', ARRAY['a', 'b'],
                                                '{"epochs":2,"seed":1}')), 1, 'a regression');

-- untyped parameters, as drivers prepare them
SELECT lives_ok('PREPARE pr_label AS SELECT pgdl.predict_label($1, $2)',
                'PREPARE of predict_label($1, $2) with untyped parameters resolves (it was "not unique")');
SELECT lives_ok('PREPARE pr_predict AS SELECT pgdl.predict($1, $2)', 'and predict($1, $2)');
SELECT lives_ok('PREPARE pr_proba AS SELECT pgdl.predict_proba($1, $2)',
                'and predict_proba($1, $2) (it was "could not determine polymorphic type")');
CREATE TEMP TABLE pr_out AS
SELECT id,
       (SELECT pgdl.predict_label('pr_cls', ARRAY[a, b])) AS label,
       pgdl.predict('pr_reg', ARRAY[a, b]) AS value,
       pgdl.predict_proba('pr_cls', ARRAY[a, b]) AS proba,
       ARRAY[a, b]::text AS x_text
FROM pr;
CREATE FUNCTION pg_temp.run(stmt text, model text, x text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
    EXECUTE format('EXECUTE %s(%L, %L)', stmt, model, x) INTO r;
    RETURN r;
END $$;
SELECT is((SELECT count(*) FROM pr_out WHERE pg_temp.run('pr_label', 'pr_cls', x_text) = label), 60::bigint,
          'EXECUTE with the model and the vector as text: the labels of the array form, on every row');
SELECT is((SELECT count(*) FROM pr_out WHERE pg_temp.run('pr_predict', 'pr_reg', x_text)::float8 = value), 60::bigint,
          'the values of the array form');
SELECT is((SELECT count(*) FROM pr_out WHERE pg_temp.run('pr_proba', 'pr_cls', x_text)::float8[] = proba), 60::bigint,
          'the probabilities of the array form');

-- the typed form, as the README shows it
SELECT lives_ok('PREPARE pr_typed AS SELECT pgdl.predict_label($1::text, $2::real[])', 'the typed form prepares');
SELECT is((SELECT count(*) FROM pr_out WHERE pg_temp.run('pr_typed', 'pr_cls', x_text) = label), 60::bigint,
          'and gives the same labels');

-- untyped literals and NULL resolve too; records and arrays as before
SELECT is(pgdl.predict_label('pr_cls', '{0.3,0.4}'), pgdl.predict_label('pr_cls', ARRAY[0.3, 0.4]),
          'an untyped literal is read as the array it spells');
SELECT is(pgdl.predict_proba('pr_cls', NULL), NULL, 'a bare NULL is NULL (STRICT), no longer "not unique"');
SELECT is((SELECT count(*) FROM pr p JOIN pr_out o USING (id) WHERE pgdl.predict_label('pr_cls', p) = o.label), 60::bigint,
          'predict_label(model, row) still takes the row');
SELECT is(pgdl.predict('pr_reg', ARRAY[1, 2]), pgdl.predict('pr_reg', '{1,2}'), 'an integer array as before');

-- a text that is no numeric array says what to write
SELECT is(pg_temp.err($$SELECT pgdl.predict_label('pr_cls', 'abc')$$),
          '22P02: feature vector given as text is not a numeric array: malformed array literal: "abc" | Array value must start with "{" or dimension information. | Write the array as ''{1.5,2}'', or pass it as an array: ARRAY[1.5, 2], or a parameter cast to real[] or float8[] ($2::real[]).',
          'a text that is no array: 22P02 with a hint');
SELECT is(pg_temp.err($$SELECT pgdl.predict('pr_reg', '{0.3,x}')$$),
          '22P02: feature vector given as text is not a numeric array: invalid input syntax for type double precision: "x" |  | Write the array as ''{1.5,2}'', or pass it as an array: ARRAY[1.5, 2], or a parameter cast to real[] or float8[] ($2::real[]).',
          'a non-number element: 22P02 with the same hint');

SELECT * FROM finish();
ROLLBACK;
