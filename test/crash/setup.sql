-- test/crash/setup.sql: the database in which scripts/run_tests.sh section
-- (f) kills a backend with SIGKILL in the middle of saving a model
-- (test/crash/kill_save.sh): models of several kinds and owners, a 4 MB
-- network (crash_big) whose next version the killed backends try to save,
-- and what test/crash/check.sql compares the recovered registry with.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION pgdl;
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgdl_crash_owner') THEN
		CREATE ROLE pgdl_crash_owner NOLOGIN;
	END IF;
END $$;

CREATE TABLE public.crash_src AS
SELECT i AS id, (i % 10) / 10.0 AS a, (i % 7)::float8 AS b, (i % 10) >= 5 AS y,
	   (i % 10) / 10.0 * 2 - (i % 7) * 0.1 AS yr
FROM generate_series(1, 50) i;
GRANT SELECT ON public.crash_src TO PUBLIC;

-- crash_cls: versions 1 and 2, 1 deployed, granted to PUBLIC
SELECT r.version FROM generate_series(1, 2) s,
	LATERAL pgdl.train_model('crash_cls', 'public.crash_src', 'y', '[{"type":"dense","units":8,"activation":"tanh"}]',
		ARRAY['a', 'b'], format('{"epochs":3,"seed":%s}', s)::jsonb) r;
SELECT pgdl.deploy_model('crash_cls', 1);
SELECT pgdl.grant_model('crash_cls', 'public');
-- crash_reg: another owner's regression
SET ROLE pgdl_crash_owner;
SELECT version FROM pgdl.train_model('crash_reg', 'public.crash_src', 'yr', '[{"type":"dense","units":8}]',
	ARRAY['a', 'b'], '{"epochs":3,"seed":1}');
RESET ROLE;
-- crash_km: a clustering model
SELECT count(*) FROM pgdl.train_kmeans('crash_km', 'public.crash_src', 3, ARRAY['a', 'b'], '{"seed":1}');
-- crash_big: about a million parameters, 4 MB of weights; the blob the killed import saves
SELECT version FROM pgdl.train_model('crash_big', 'public.crash_src', 'y',
	'[{"type":"dense","units":1024},{"type":"dense","units":1024}]', ARRAY['a', 'b'],
	'{"epochs":1,"seed":1,"validation_fraction":0}');
CREATE TABLE public.crash_blob AS SELECT pgdl.export_model('crash_big@1') AS weights;

-- the registry as it was
CREATE TABLE public.crash_versions_before AS
SELECT name, version, md5(pgdl.export_model(name || '@' || version)) AS weights_md5,
	   (SELECT array_agg(pgdl.predict(name || '@' || version, s) ORDER BY s.id) FROM public.crash_src s) AS predictions
FROM pgdl.model_versions;
CREATE TABLE public.crash_names_before AS
SELECT name, owner::text AS owner, deployed_version, last_version, created_at FROM pgdl.model_names;
CREATE TABLE public.crash_grants_before AS SELECT name, grantee::text AS grantee FROM pgdl.model_grants;
CREATE TABLE public.crash_history_before AS SELECT * FROM pgdl.model_epochs;
