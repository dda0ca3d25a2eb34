-- test/dump/setup.sql: the database that scripts/run_tests.sh section (e)
-- dumps with pg_dump -Fc and restores with pg_restore (serially and with
-- -j): two models with versions, a deployment, a dropped version, grants
-- and a second owner, plus what test/dump/check.sql compares the restored
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
