-- test/dump/fuzz_setup.sql: a database of its own for scripts/run_tests.sh
-- section (e): three models, then an import_model fuzz campaign
-- (test/pgtap/lib/model_blobs.sql) of 300 mutants of their exported blobs
-- (labels, categories, an imputer), their length and checksum fixed,
-- imported with every error caught.  The accepted ones must all survive
-- pg_dump and pg_restore: nothing the registry accepts may break a restore
-- (invalid UTF-8 in a label once did).  test/dump/fuzz_check.sql checks the
-- restored database.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION pgdl;
CREATE TABLE public.dump_src AS
SELECT i AS id, (i % 10) / 10.0 AS a, (i % 7)::float8 AS b, (i % 10) >= 5 AS y,
       (i % 10) / 10.0 * 2 - (i % 7) * 0.1 AS yr
FROM generate_series(1, 200) i;
UPDATE public.dump_src SET a = NULL WHERE id = 7;
SELECT version FROM pgdl.train_model('dump_cls', 'select * from public.dump_src where a is not null', 'y',
	'[{"type":"dense","units":8,"activation":"tanh"}]', ARRAY['a', 'b'], '{"epochs":5,"seed":1}');
SELECT version FROM pgdl.train_model('dump_reg', 'public.dump_src', 'yr', '[{"type":"dense","units":8}]',
	ARRAY['a', 'b'], '{"epochs":5,"impute":"mean"}');
\ir ../pgtap/lib/model_blobs.sql
CREATE TABLE public.dump_text AS
SELECT i AS id, (i % 10) / 10.0 AS a, CASE WHEN i % 3 = 0 THEN 'rouge' ELSE 'vert' END AS colour,
       CASE WHEN i % 10 >= 5 THEN 'été' ELSE 'hiver' END AS season
FROM generate_series(1, 60) i;
SELECT version FROM pgdl.train_model('dump_text', 'public.dump_text', 'season', '[{"type":"dense","units":3}]',
	ARRAY['a', 'colour'], '{"epochs":2,"categorical":["colour"],"description":"catégorie"}');
CREATE TABLE public.fuzz_outcomes (i int PRIMARY KEY, state text NOT NULL);
SELECT setseed(0.5);
DO $$
DECLARE
    blobs bytea[] := ARRAY[pgdl.export_model('dump_cls'), pgdl.export_model('dump_reg'), pgdl.export_model('dump_text')];
BEGIN
    FOR i IN 1..300 LOOP
        BEGIN
            PERFORM pgdl.import_model('dump_fuzz_' || i, pg_temp.mutant(blobs[1 + i % 3], 400));
            INSERT INTO public.fuzz_outcomes VALUES (i, 'ok');
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO public.fuzz_outcomes VALUES (i, SQLSTATE);
        END;
    END LOOP;
END $$;
-- a model's answer for every input 0.5, or its error's SQLSTATE (a mutant's
-- scaler may send 0.5 beyond float32: 22003); a function of the dumped
-- schema, so check.sql has it too
CREATE FUNCTION public.fuzz_prediction(m text) RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    x float8[] := array_fill(0.5::float8, ARRAY[(pgdl.model_info(m) -> 'input_shape' ->> 0)::int]);
BEGIN
    IF pgdl.model_info(m) ->> 'task' = 'regression' THEN
        RETURN ARRAY[pgdl.predict(m, x)]::text;
    END IF;
    RETURN pgdl.predict_proba(m, x)::text;
EXCEPTION WHEN OTHERS THEN
    RETURN 'error ' || SQLSTATE;
END $$;
CREATE TABLE public.fuzz_before AS
SELECT m.name, pgdl.model_info(m.name) AS info, public.fuzz_prediction(m.name) AS prediction
FROM pgdl.models m WHERE m.name LIKE 'dump\_fuzz\_%';
