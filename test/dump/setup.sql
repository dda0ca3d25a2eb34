-- test/dump/setup.sql: the database that scripts/run_tests.sh section (e)
-- dumps with pg_dump -Fc and restores with pg_restore (serially and with
-- -j): two models with versions, a deployment, a dropped version, grants
-- and a second owner, the models an import_model fuzz campaign let in,
-- plus what test/dump/check.sql compares the restored
-- database with (predictions and the registry as they were; plain tables,
-- so they travel in the same dump).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION pgdl;
CREATE ROLE pgdl_dump_owner NOLOGIN;
CREATE ROLE pgdl_dump_reader NOLOGIN;
CREATE ROLE pgdl_dump_stranger NOLOGIN;

CREATE TABLE public.dump_src AS
SELECT i AS id, (i % 10) / 10.0 AS a, (i % 7)::float8 AS b, (i % 10) >= 5 AS y,
       (i % 10) / 10.0 * 2 - (i % 7) * 0.1 AS yr
FROM generate_series(1, 200) i;
UPDATE public.dump_src SET a = NULL WHERE id = 7;
GRANT SELECT ON public.dump_src TO PUBLIC;

-- dump_cls (owned by the superuser): versions 1, 2, 3; 3 dropped, 1 deployed, granted to one role
SELECT r.version FROM generate_series(1, 3) s,
	LATERAL pgdl.train_model('dump_cls', 'select * from public.dump_src where a is not null', 'y',
		'[{"type":"dense","units":8,"activation":"tanh"}]', ARRAY['a', 'b'], format('{"epochs":5,"seed":%s}', s)::jsonb) r;
SELECT pgdl.drop_model('dump_cls@3');
SELECT pgdl.deploy_model('dump_cls', 1);
SELECT pgdl.grant_model('dump_cls', 'pgdl_dump_reader');

-- dump_reg (owned by another role): a regression with an imputer, granted to PUBLIC
SET ROLE pgdl_dump_owner;
SELECT version FROM pgdl.train_model('dump_reg', 'public.dump_src', 'yr', '[{"type":"dense","units":8}]',
	ARRAY['a', 'b'], '{"epochs":5,"impute":"mean","description":"a regression that survives a dump"}');
SELECT pgdl.grant_model('dump_reg', '-');
RESET ROLE;

-- an import_model fuzz campaign (test/pgtap/lib/model_blobs.sql): 300
-- mutants of three exported models (labels, categories, an imputer),
-- their length and checksum fixed, imported with every error caught.  The
-- accepted ones must all survive the dump: nothing the registry accepts may
-- break a restore (invalid UTF-8 in a label once did).
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
    blobs bytea[] := ARRAY[pgdl.export_model('dump_cls@1'), pgdl.export_model('dump_reg'), pgdl.export_model('dump_text')];
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

-- what the restored database must give again
CREATE TABLE public.expected AS
SELECT id, pgdl.predict('dump_cls', ARRAY[a, b]) AS cls, pgdl.predict('dump_cls@2', ARRAY[a, b]) AS cls2,
	   pgdl.predict_proba('dump_cls@latest', ARRAY[a, b]) AS proba, pgdl.predict('dump_reg', ARRAY[a, b]) AS reg
FROM public.dump_src WHERE a IS NOT NULL
UNION ALL
SELECT id, NULL, NULL, NULL, pgdl.predict('dump_reg', ARRAY[a, b]) FROM public.dump_src WHERE a IS NULL;
CREATE TABLE public.models_before AS
SELECT name, version, task, owner::text AS owner, created_at, deployed, description, layers, options, features,
	   labels, parameters, size_bytes, metrics, target, trained_by::text AS trained_by,
	   md5(pgdl.export_model(name || '@' || version)) AS weights_md5
FROM pgdl.models;
CREATE TABLE public.names_before AS
SELECT name, owner::text AS owner, deployed_version, last_version, created_at FROM pgdl.model_names;
CREATE TABLE public.grants_before AS SELECT name, grantee::text AS grantee FROM pgdl.model_grants;
CREATE TABLE public.history_before AS SELECT * FROM pgdl.training_history;
