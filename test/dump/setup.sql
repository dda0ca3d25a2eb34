-- test/dump/setup.sql: the database that scripts/run_tests.sh section (e)
-- dumps with pg_dump -Fc and restores with pg_restore (serially and with
-- -j), that section (f) brings up to date from an older pgdl, and that
-- `make test-versions` dumps with the host's PostgreSQL and
-- restores into the other majors: two dense models with versions, a
-- deployment, a dropped version, grants and a second owner, a sequence
-- model (lstm), stored pgdl.scaler, pgdl.sketch and pgdl.aggstate values
-- (one through an aggregate of the user's own), plus what
-- test/dump/check.sql compares the restored database with (predictions,
-- finalized states and the registry as they were; plain tables, so they
-- travel in the same dump).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
-- (the upgrade test creates an older version first; the roles are the
-- cluster's and may exist from an earlier database)
CREATE EXTENSION IF NOT EXISTS pgdl;
DO $$
DECLARE
	r text;
BEGIN
	FOREACH r IN ARRAY ARRAY['pgdl_dump_owner', 'pgdl_dump_reader', 'pgdl_dump_stranger'] LOOP
		IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
			EXECUTE format('CREATE ROLE %I NOLOGIN', r);
		END IF;
	END LOOP;
END $$;

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

-- dump_seq: an lstm over sequences of 6 steps of 2 values (a real[][] feature)
CREATE TABLE public.dump_steps AS
SELECT s AS seq_id, array_agg(ARRAY[((s * 7 + t * 3) % 11) / 10.0, ((s * 5 + t) % 13) / 12.0]::real[] ORDER BY t) AS x,
	   sum((s * 7 + t * 3) % 11) > 30 AS y
FROM generate_series(1, 120) s, generate_series(1, 6) t GROUP BY s;
SELECT version FROM pgdl.train_model('dump_seq', 'SELECT * FROM public.dump_steps ORDER BY seq_id', 'y',
	'[{"type":"lstm","units":6}]', ARRAY['x'], '{"epochs":3,"batch_size":16,"seed":4}');

-- stored states, and what they finalize to
CREATE TABLE public.stored_scalers AS
SELECT 'standard' AS kind, pgdl.standard_scaler(ARRAY[a, b]) AS s FROM public.dump_src
UNION ALL SELECT 'robust', pgdl.robust_scaler(ARRAY[a, b]) FROM public.dump_src
UNION ALL SELECT 'imputer', pgdl.imputer(ARRAY[a, b], 'median') FROM public.dump_src;
CREATE TABLE public.stored_sketches AS
SELECT id % 2 AS part, pgdl.quantile_sketch(yr) AS s FROM public.dump_src GROUP BY id % 2;
CREATE AGGREGATE public.stats_state(float8[]) (SFUNC = pgdl.stats_vector_accum, STYPE = pgdl.aggstate);
CREATE TABLE public.stored_states AS
SELECT 'stats' AS kind, public.stats_state(ARRAY[a, b, yr]) AS s FROM public.dump_src
UNION ALL SELECT 'comoments', pgdl.comoments_state(ARRAY[a, b, yr]) FROM public.dump_src;
-- a view, so that the restored database computes it again
CREATE VIEW public.states_now AS
SELECT 'scaler ' || kind AS what, (SELECT array_agg(pgdl.transform(s, ARRAY[a, b]) ORDER BY id) FROM public.dump_src)::text AS value
FROM public.stored_scalers
UNION ALL SELECT 'sketch ' || part, pgdl.quantiles(s, ARRAY[0, 0.1, 0.5, 0.9, 1])::text FROM public.stored_sketches
UNION ALL SELECT 'merged sketches', pgdl.quantiles(pgdl.quantile_sketch(s), ARRAY[0.25, 0.5, 0.75])::text FROM public.stored_sketches
UNION ALL SELECT 'stats', pgdl.stats_vector_final(s)::text FROM public.stored_states WHERE kind = 'stats'
UNION ALL SELECT 'covariance', pgdl.covariance_final(s)::text FROM public.stored_states WHERE kind = 'comoments'
UNION ALL SELECT 'correlation', pgdl.correlation_final(s)::text FROM public.stored_states WHERE kind = 'comoments'
-- and the stored bytes themselves
UNION ALL SELECT 'bytes of scaler ' || kind, md5(s::text) FROM public.stored_scalers
UNION ALL SELECT 'bytes of sketch ' || part, md5(s::text) FROM public.stored_sketches
UNION ALL SELECT 'bytes of state ' || kind, md5(s::text) FROM public.stored_states;
CREATE TABLE public.states_before AS SELECT * FROM public.states_now;

-- what the restored database must give again
CREATE TABLE public.expected AS
SELECT id, pgdl.predict('dump_cls', ARRAY[a, b]) AS cls, pgdl.predict('dump_cls@2', ARRAY[a, b]) AS cls2,
	   pgdl.predict_proba('dump_cls@latest', ARRAY[a, b]) AS proba, pgdl.predict('dump_reg', ARRAY[a, b]) AS reg
FROM public.dump_src WHERE a IS NOT NULL
UNION ALL
SELECT id, NULL, NULL, NULL, pgdl.predict('dump_reg', ARRAY[a, b]) FROM public.dump_src WHERE a IS NULL;
CREATE TABLE public.expected_seq AS
SELECT seq_id, pgdl.predict('dump_seq', x) AS p, pgdl.predict_proba('dump_seq', x) AS proba FROM public.dump_steps;
CREATE TABLE public.models_before AS
-- deployed (set with deploy_model) and serving (what the plain name means),
-- from the tables: 0.1.0's view had only deployed, which meant serving
SELECT name, version, task, owner::text AS owner, created_at,
	   COALESCE(version = (SELECT n.deployed_version FROM pgdl.model_names n WHERE n.name = m.name), false) AS deployed,
	   description, layers, options, features,
	   labels, parameters, size_bytes, metrics, target, trained_by::text AS trained_by,
	   md5(pgdl.export_model(name || '@' || version)) AS weights_md5,
	   version = COALESCE((SELECT n.deployed_version FROM pgdl.model_names n WHERE n.name = m.name),
						  (SELECT max(m2.version) FROM pgdl.models m2 WHERE m2.name = m.name)) AS serving
FROM pgdl.models m;
CREATE TABLE public.names_before AS
SELECT name, owner::text AS owner, deployed_version, last_version, created_at FROM pgdl.model_names;
CREATE TABLE public.grants_before AS SELECT name, grantee::text AS grantee FROM pgdl.model_grants;
CREATE TABLE public.history_before AS SELECT * FROM pgdl.training_history;
