-- test/citus/scoring.sql — per-row scoring (predict, predict_label,
-- predict_proba, transform_model, class_probabilities, model_inputs) over a
-- Citus distributed table: the coordinator sends its current model with the
-- query (src/pg/citus_ship.c), the scoring runs in the worker tasks, the
-- results equal those on an undistributed copy; a retrain, deploy_model or
-- grant on the coordinator is what the next statement uses, cached plans
-- included; privacy holds as on an ordinary table.
-- Run by scripts/citus.sh (make test-citus) on the coordinator, where pgdl
-- is in shared_preload_libraries after citus.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
SET client_min_messages = warning;

CREATE EXTENSION IF NOT EXISTS dblink;
CREATE TABLE public.sc_dist (id int, x float8[], y int, note text);
-- three classes, separable by the features' signs; the same rows on every run
INSERT INTO public.sc_dist
SELECT g, ARRAY[sin(g * 0.37) * 2, cos(g * 0.91) * 2, (g % 7) - 3], (CASE WHEN sin(g * 0.37) > 0.3 THEN 2 WHEN cos(g * 0.91) > 0 THEN 1 ELSE 0 END), 'n' || g
FROM generate_series(1, 400) g;
CREATE TABLE public.sc_local AS SELECT * FROM public.sc_dist;
SELECT create_distributed_table('public.sc_dist', 'id', shard_count := 4);
SELECT truncate_local_data_after_distributing_table('public.sc_dist');
-- a reference table (a copy on every node) of some of the rows
CREATE TABLE public.sc_ref AS SELECT * FROM public.sc_local WHERE id <= 50;
SELECT create_reference_table('public.sc_ref');
SELECT truncate_local_data_after_distributing_table('public.sc_ref');

-- a role that may not read the model, and one it is granted to (Citus creates them on the workers)
CREATE ROLE sc_stranger LOGIN;
CREATE ROLE sc_friend LOGIN;
GRANT SELECT ON public.sc_dist, public.sc_local, public.sc_ref TO sc_stranger, sc_friend;

-- version 1 and 2 of one model, trained on the coordinator's local copy
SELECT version FROM pgdl.train_model('sm', 'public.sc_local', 'y', '[{"type":"dense","units":8,"activation":"tanh"}]',
                                     ARRAY['x'], '{"epochs": 3, "seed": 1, "validation_fraction": 0}');
SELECT version FROM pgdl.train_model('sm', 'public.sc_local', 'y', '[{"type":"dense","units":8,"activation":"tanh"}]',
                                     ARRAY['x'], '{"epochs": 3, "seed": 2, "validation_fraction": 0}');

\ir lib/plan.sql
SET citus.enable_ddl_propagation = off;

-- every row's value of expr (over the table's columns), in id order, as one text
CREATE FUNCTION pg_temp.scores(expr text, tbl text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	result text;
BEGIN
	EXECUTE format('SELECT string_agg(id || '':'' || (%s)::text, '' '' ORDER BY id) FROM public.%I t', expr, tbl)
		INTO result;
	RETURN result;
END $$;

-- the rows of class_probabilities of every row, in a fixed order, as one text
CREATE FUNCTION pg_temp.long_scores(model text, tbl text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	result text;
BEGIN
	EXECUTE format('SELECT string_agg(q::text, '' '' ORDER BY q::text) FROM '
	               '(SELECT id, (pgdl.class_probabilities(%L, x)).* FROM public.%I) q', model, tbl)
		INTO result;
	RETURN result;
END $$;

-- the hint of the error a query raises under an application_name (reverted with the error)
CREATE FUNCTION pg_temp.error_hint(appname text, query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	hint text;
BEGIN
	PERFORM set_config('application_name', appname, true);
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT;
	RETURN hint;
END $$;

-- a PL/pgSQL function whose plan is cached for the session
CREATE FUNCTION pg_temp.cached_scores() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	RETURN (SELECT string_agg(id || ':' || pgdl.predict('sm', x)::text, ' ' ORDER BY id) FROM public.sc_dist);
END $$;

RESET citus.enable_ddl_propagation;

SELECT plan(51);

SELECT ok(current_setting('shared_preload_libraries') ~ 'citus.*pgdl',
          'pgdl is preloaded after citus on the coordinator');

-- 1. every per-row scoring function on the distributed table equals the local result
SELECT is(pg_temp.scores(e, 'sc_dist'), pg_temp.scores(e, 'sc_local'), e || ': equal to the local copy')
FROM unnest(ARRAY['pgdl.predict(''sm'', x)', 'pgdl.predict_label(''sm'', x)', 'pgdl.predict_proba(''sm'', x)',
                  'pgdl.transform_model(''sm'', x)', 'pgdl.model_inputs(''sm'', x)',
                  'pgdl.embed(''sm'', x)', 'pgdl.embed(''sm'', t)',
                  'pgdl.predict(''sm'', t)', 'pgdl.predict_label(''sm'', t)',
                  'pgdl.predict(''sm@1'', x)', 'pgdl.predict(''s'' || ''m'', x)',
                  'pgdl.predict(''sm'', x::text)', 'pgdl.predict_label(''sm'', x::text)',
                  'pgdl.predict_proba(''sm'', x::text)']) e;
SELECT is(pg_temp.long_scores('sm', 'sc_dist'), pg_temp.long_scores('sm', 'sc_local'),
          'class_probabilities: equal to the local copy');
SELECT isnt(pg_temp.scores('pgdl.predict_proba(''sm'', x)', 'sc_dist'), pg_temp.scores('pgdl.predict_proba(''sm@1'', x)', 'sc_local'),
            'the two versions score differently (so the checks below can tell them apart)');
SELECT is(pg_temp.scores('pgdl.predict_proba(''sm'', x)', 'sc_dist'), pg_temp.scores('pgdl.predict_proba(''sm@2'', x)', 'sc_local'),
          'the plain name means the highest version, 2');

-- 2. the scoring runs in the worker tasks, with the model sent along
SELECT matches(pg_temp.plan('SELECT pgdl.predict(''sm'', x), pgdl.predict_proba(''sm'', x) FROM public.sc_dist'),
               'Task Count: 4.*Query: SELECT pgdl\.predict_shipped\(''\\x[0-9a-f]+''::bytea, x, ''sm@2''::text\).*pgdl\.predict_proba_shipped\(',
               'EXPLAIN VERBOSE: the worker tasks call predict_shipped with the model''s bytes and sm@2');
SELECT doesnt_match(pg_temp.plan('SELECT pgdl.predict(''sm'', x) FROM public.sc_dist'), 'pgdl\.predict\(',
                    'EXPLAIN VERBOSE: no task reads the worker''s registry');
SELECT matches(pg_temp.plan('SELECT pgdl.predict(''sm'', x) FROM public.sc_local'), 'pgdl\.predict\(''sm''::text, x\)',
               'a query over an ordinary table is left as written');
SELECT matches(pg_temp.plan('WITH s AS (SELECT id, pgdl.predict(''sm'', x) AS p FROM public.sc_dist) SELECT count(*) FROM s WHERE p >= 0'),
               'predict_shipped', 'in a CTE too');
SELECT is((SELECT string_agg(id || ':' || p::text, ' ' ORDER BY id) FROM (SELECT id, pgdl.predict('sm', x) AS p FROM public.sc_dist WHERE id IN (SELECT id FROM public.sc_dist WHERE y = 1)) s),
          (SELECT string_agg(id || ':' || p::text, ' ' ORDER BY id) FROM (SELECT id, pgdl.predict('sm', x) AS p FROM public.sc_local WHERE y = 1) s),
          'in a query with a subquery: equal to the local copy');

SELECT is((SELECT string_agg(q::text, ' ' ORDER BY q::text) FROM (SELECT d.id, c.* FROM public.sc_dist d, LATERAL pgdl.class_probabilities('sm', d.x) c) q),
          (SELECT string_agg(q::text, ' ' ORDER BY q::text) FROM (SELECT d.id, c.* FROM public.sc_local d, LATERAL pgdl.class_probabilities('sm', d.x) c) q),
          'class_probabilities in a LATERAL join: equal to the local copy');
SELECT is(pg_temp.scores('pgdl.predict_label(''sm'', x)', 'sc_ref'),
          (SELECT string_agg(id || ':' || pgdl.predict_label('sm', x), ' ' ORDER BY id) FROM public.sc_local WHERE id <= 50),
          'on a reference table: equal to the local copy');
SELECT matches(pg_temp.plan('SELECT pgdl.predict_label(''sm'', x) FROM public.sc_ref'), 'predict_label_shipped',
               'on a reference table the task calls predict_label_shipped');

-- 3. a non-constant model argument is refused, clearly
SELECT throws_ok('SELECT pgdl.predict(note, x) FROM public.sc_dist', '0A000',
                 'the model argument of pgdl.predict must be a constant in a query over a Citus table',
                 'a model argument from a column: 0A000');
SELECT throws_ok('SELECT pgdl.predict_label(current_setting(''application_name'') || ''sm'', x) FROM public.sc_dist', '0A000',
                 'the model argument of pgdl.predict_label must be a constant in a query over a Citus table',
                 'a model argument that is not a constant: 0A000');

-- 4. a retrain is what the next statement uses, on every node; cached plans too
SET plan_cache_mode = force_generic_plan;
PREPARE sc_prepared AS SELECT string_agg(id || ':' || pgdl.predict_proba('sm', x)::text, ' ' ORDER BY id) FROM public.sc_dist;
SELECT is((SELECT pg_temp.cached_scores()), pg_temp.scores('pgdl.predict(''sm@2'', x)', 'sc_local'),
          'a PL/pgSQL function''s cached plan: version 2');
CREATE TEMP TABLE sc_before AS EXECUTE sc_prepared;
SELECT is((SELECT * FROM sc_before), pg_temp.scores('pgdl.predict_proba(''sm@2'', x)', 'sc_local'),
          'a prepared statement (generic plan): version 2');
-- a single-shard query with a parameter (Citus's fast path, the shard chosen at execution)
PREPARE sc_one(int) AS SELECT pgdl.predict_proba('sm', x)::text FROM public.sc_dist WHERE id = $1;
CREATE TEMP TABLE sc_one_before AS EXECUTE sc_one(7);
SELECT is((SELECT * FROM sc_one_before), (SELECT pgdl.predict_proba('sm@2', x)::text FROM public.sc_local WHERE id = 7),
          'a single-shard prepared statement with a parameter: version 2');
SELECT is((SELECT version FROM pgdl.train_model('sm', 'public.sc_local', 'y', '[{"type":"dense","units":8,"activation":"tanh"}]',
                                                ARRAY['x'], '{"epochs": 3, "seed": 3, "validation_fraction": 0}')), 3,
          'a retrain: version 3');
SELECT is(pg_temp.scores('pgdl.predict_proba(''sm'', x)', 'sc_dist'), pg_temp.scores('pgdl.predict_proba(''sm@3'', x)', 'sc_local'),
          'after the retrain the next statement scores with version 3 on the workers');
CREATE TEMP TABLE sc_after AS EXECUTE sc_prepared;
SELECT is((SELECT * FROM sc_after), pg_temp.scores('pgdl.predict_proba(''sm@3'', x)', 'sc_local'),
          'the prepared statement is replanned: version 3');
SELECT isnt((SELECT * FROM sc_after), (SELECT * FROM sc_before), 'and its result changed');
CREATE TEMP TABLE sc_one_after AS EXECUTE sc_one(7);
SELECT is((SELECT * FROM sc_one_after), (SELECT pgdl.predict_proba('sm@3', x)::text FROM public.sc_local WHERE id = 7),
          'the single-shard prepared statement is replanned: version 3');
SELECT is((SELECT pgdl.predict_label('sm', x) FROM public.sc_dist WHERE id = 11), (SELECT pgdl.predict_label('sm@3', x) FROM public.sc_local WHERE id = 11),
          'a single-shard query (router): equal to the local copy');
SELECT is((SELECT pg_temp.cached_scores()), pg_temp.scores('pgdl.predict(''sm@3'', x)', 'sc_local'),
          'the PL/pgSQL function''s cached plan is replanned: version 3');

-- 5. deploy_model changes what the plain name means on the next statement
SELECT is(pgdl.deploy_model('sm', 1), 1, 'deploy version 1');
SELECT is(pg_temp.scores('pgdl.predict_proba(''sm'', x)', 'sc_dist'), pg_temp.scores('pgdl.predict_proba(''sm@1'', x)', 'sc_local'),
          'after deploy_model the plain name scores with version 1 on the workers');
CREATE TEMP TABLE sc_deployed AS EXECUTE sc_prepared;
SELECT is((SELECT * FROM sc_deployed), pg_temp.scores('pgdl.predict_proba(''sm@1'', x)', 'sc_local'),
          'the prepared statement too');
SELECT matches(pg_temp.plan('SELECT pgdl.predict(''sm'', x) FROM public.sc_dist'), '''sm@1''::text',
               'EXPLAIN VERBOSE names the deployed version, sm@1');
SELECT is(pgdl.deploy_model('sm', NULL), 3, 'deployment cleared: the highest version again');

-- a retrain committed by another session: the next execution here uses it
SELECT is((SELECT v FROM dblink(format('host=127.0.0.1 port=%s dbname=%s user=%s', current_setting('port'), current_database(), current_user),
                                $$SELECT version FROM pgdl.train_model('sm', 'public.sc_local', 'y', '[{"type":"dense","units":8,"activation":"tanh"}]',
                                  ARRAY['x'], '{"epochs": 3, "seed": 4, "validation_fraction": 0}')$$) AS t(v int)), 4,
          'another session retrains: version 4');
CREATE TEMP TABLE sc_other AS EXECUTE sc_prepared;
SELECT is((SELECT * FROM sc_other), pg_temp.scores('pgdl.predict_proba(''sm@4'', x)', 'sc_local'),
          'the prepared statement is replanned after another session''s retrain: version 4');

-- 6. privacy: a role that may not read the model cannot score with it on the workers
SET ROLE sc_stranger;
SELECT throws_ok('SELECT pgdl.predict(''sm'', x) FROM public.sc_local', '42501',
                 'permission denied for model "sm"', 'a stranger on the local copy: 42501');
SELECT throws_ok('SELECT pgdl.predict(''sm'', x) FROM public.sc_dist', '42501',
                 'permission denied for model "sm"', 'a stranger on the distributed table: the same error');
SELECT throws_ok('EXECUTE sc_prepared', '42501', 'permission denied for model "sm"',
                 'a stranger executing a prepared statement the owner planned: the same error, not the owner''s model');
RESET ROLE;
SELECT pgdl.grant_model('sm', 'sc_friend');
SET ROLE sc_friend;
SELECT is(pg_temp.scores('pgdl.predict_proba(''sm'', x)', 'sc_dist'), pg_temp.scores('pgdl.predict_proba(''sm@4'', x)', 'sc_local'),
          'a role the model is granted to scores with it on the workers');
RESET ROLE;
SELECT pgdl.revoke_model('sm', 'sc_friend');
SET ROLE sc_friend;
SELECT throws_ok('EXECUTE sc_prepared', '42501', 'permission denied for model "sm"',
                 'after revoke_model the prepared statement refuses it again');
RESET ROLE;

-- 7. a Citus shard query that names a model the worker's registry lacks says what to do
SELECT matches(pg_temp.error_hint('citus_internal gpid=1', $$SELECT pgdl.predict('sc_absent', ARRAY[1, 2, 3])$$),
               'pgdl is in its shared_preload_libraries', 'a missing model in a Citus shard query: the hint says to preload pgdl on the coordinator');

SELECT * FROM finish();

DEALLOCATE sc_prepared;
DEALLOCATE sc_one;
RESET plan_cache_mode;
SELECT pgdl.drop_model('sm');
DROP TABLE public.sc_dist, public.sc_local, public.sc_ref;
DROP ROLE sc_stranger, sc_friend;
DROP EXTENSION dblink;
