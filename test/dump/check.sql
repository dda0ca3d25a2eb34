-- test/dump/check.sql: run by scripts/run_tests.sh section (e) in a
-- database restored from the dump of test/dump/setup.sql (and by section
-- upgrade after ALTER EXTENSION pgdl UPDATE); everything it does is rolled
-- back.
--
-- Predictions are compared with what the dumped database predicted bit for
-- bit, unless psql's variable float_tolerance says otherwise: a dump made
-- by another build of pgdl (make test-versions: Debian 12's against Debian
-- 13's or testing's) ran the same weights through another OpenBLAS and
-- libm (glibc 2.41's tanhf is correctly rounded, 2.36's is not), which
-- moves float32 outputs by a unit in the last place.  Then they must agree
-- to that relative tolerance, and, bit for bit, with the same weights
-- imported afresh on this server (the last test).  Weights, registry and
-- stored states are compared exactly either way.
\if :{?float_tolerance}
\else
\set float_tolerance 0
\endif
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION pgtap;
SELECT plan(25);
SELECT set_config('pgdl_test.float_tolerance', :'float_tolerance', true) AS tolerance_set \gset
CREATE FUNCTION pg_temp.same(a float8, b float8) RETURNS bool LANGUAGE sql STABLE AS $$
	SELECT a IS NOT DISTINCT FROM b
		OR abs(a - b) <= current_setting('pgdl_test.float_tolerance')::float8 * greatest(abs(a), abs(b))
$$;
CREATE FUNCTION pg_temp.same(a float8[], b float8[]) RETURNS bool LANGUAGE sql STABLE AS $$
	SELECT a IS NOT DISTINCT FROM b
		OR (cardinality(a) = cardinality(b)
			AND (SELECT bool_and(pg_temp.same(x, y)) FROM unnest(a, b) u(x, y)))
$$;
CREATE FUNCTION pg_temp.how() RETURNS text LANGUAGE sql STABLE AS $$
	SELECT CASE current_setting('pgdl_test.float_tolerance')::float8 WHEN 0 THEN ' (bit for bit)'
		ELSE format(' (to a relative %s: another build)', current_setting('pgdl_test.float_tolerance')) END
$$;
-- pgTAP's bookkeeping is written under SET ROLE too
GRANT ALL ON ALL TABLES IN SCHEMA pg_temp TO PUBLIC;
GRANT ALL ON ALL SEQUENCES IN SCHEMA pg_temp TO PUBLIC;

SELECT is((SELECT count(*) FROM pgdl.models), 4::bigint, 'the four model versions came back');
SELECT set_eq($$SELECT name, version, task, owner::text, created_at, deployed, description, layers, options, features,
                      labels, parameters, size_bytes, metrics, target, trained_by::text,
                      md5(pgdl.export_model(name || '@' || version)), serving
               FROM pgdl.models$$,
              'SELECT * FROM public.models_before',
              'every version with its owner, trainer, deployment, layers, options, labels, metrics, weights and whether it serves the plain name');
SELECT set_eq('SELECT name, owner::text, deployed_version, last_version, created_at FROM pgdl.model_names',
              'SELECT * FROM public.names_before', 'the names with their owners, deployed and last versions');
SELECT set_eq('SELECT name, grantee::text FROM pgdl.model_grants', 'SELECT * FROM public.grants_before',
              'the grants (a role and PUBLIC)');
SELECT cmp_ok((SELECT count(*) FROM pgdl.training_history), '>', 0::bigint, 'the training history came back');
-- the columns of 0.1.0's view (0.2.0 adds data, how the rows were read)
SELECT set_eq('SELECT name, version, epoch, train_loss, validation_loss, metric, validation_metric, seconds FROM pgdl.training_history',
              'SELECT name, version, epoch, train_loss, validation_loss, metric, validation_metric, seconds FROM public.history_before',
              'all of it');

SELECT is((SELECT count(*) FROM public.expected e JOIN public.dump_src s USING (id)
           WHERE NOT pg_temp.same(e.cls, CASE WHEN s.a IS NULL THEN NULL ELSE pgdl.predict('dump_cls', ARRAY[s.a, s.b]) END)),
          0::bigint, 'the plain name predicts the same values (the deployed version 1)' || pg_temp.how());
SELECT is((SELECT count(*) FROM public.expected e JOIN public.dump_src s USING (id)
           WHERE s.a IS NOT NULL AND NOT pg_temp.same(e.cls2, pgdl.predict('dump_cls@2', ARRAY[s.a, s.b]))),
          0::bigint, 'name@2 predicts the same values' || pg_temp.how());
SELECT is((SELECT count(*) FROM public.expected e JOIN public.dump_src s USING (id)
           WHERE s.a IS NOT NULL AND NOT pg_temp.same(e.proba, pgdl.predict_proba('dump_cls@latest', ARRAY[s.a, s.b]))),
          0::bigint, 'name@latest gives the same probabilities' || pg_temp.how());
SELECT is((SELECT count(*) FROM public.expected e JOIN public.dump_src s USING (id)
           WHERE NOT pg_temp.same(e.reg, pgdl.predict('dump_reg', ARRAY[s.a, s.b]))),
          0::bigint, 'the regression of the other owner predicts the same values, its imputer included' || pg_temp.how());

SELECT is((SELECT count(*) FROM public.expected_seq e JOIN public.dump_steps s USING (seq_id)
           WHERE NOT pg_temp.same(e.p, pgdl.predict('dump_seq', s.x))
              OR NOT pg_temp.same(e.proba, pgdl.predict_proba('dump_seq', s.x))),
          0::bigint, 'the lstm predicts the same values and probabilities' || pg_temp.how());

SELECT is((SELECT count(*) FROM public.states_before), 16::bigint, 'the finalized states and stored bytes were recorded');
SELECT results_eq('SELECT what, value FROM public.states_now ORDER BY what',
                  'SELECT what, value FROM public.states_before ORDER BY what',
                  'the stored scalers, sketches and states hold the same bytes and finalize to the same values');
SELECT is((SELECT array_agg(kind ORDER BY kind) FROM public.stored_scalers WHERE s IS NOT NULL),
          ARRAY['imputer', 'robust', 'standard'], 'the stored scalers came back');

SELECT is((SELECT count(*) FROM pg_class
           WHERE oid IN ('pgdl.model_names'::regclass, 'pgdl.model_versions'::regclass,
                         'pgdl.model_grants'::regclass, 'pgdl.model_epochs'::regclass)
             AND relrowsecurity AND relforcerowsecurity), 4::bigint,
          'row-level security is enabled and forced on the restored registry');
SET ROLE pgdl_dump_reader;
SELECT lives_ok($$SELECT pgdl.predict('dump_cls', ARRAY[1, 2])$$, 'the grant still lets its grantee predict');
SET ROLE pgdl_dump_stranger;
SELECT throws_ok($$SELECT pgdl.predict('dump_cls', ARRAY[1, 2])$$, '42501', NULL, 'and nobody else');
SELECT is((SELECT count(*) FROM pgdl.models WHERE name = 'dump_cls'), 0::bigint, 'nor shows them the versions');
SELECT lives_ok($$SELECT pgdl.predict('dump_reg', ARRAY[1, 2])$$, 'the PUBLIC grant still holds');
SELECT throws_ok($$SELECT pgdl.train_model('dump_reg', 'public.dump_src', 'yr', '[{"type":"dense","units":2}]', ARRAY['a', 'b'])$$,
                 '42501', 'model "dump_reg" belongs to role "pgdl_dump_owner"', 'the owner still owns its name');
RESET ROLE;

SELECT is((SELECT version FROM pgdl.train_model('dump_cls', 'select * from public.dump_src where a is not null', 'y',
                                                '[{"type":"dense","units":2}]', ARRAY['a', 'b'], '{"epochs":1}')),
          4, 'the next version after the restore is 4: the dropped version 3 is not reused');
SELECT is((SELECT count(*) FROM pgdl.training_history WHERE name = 'dump_cls' AND version = 4), 1::bigint,
          'and it has its history');
SELECT is(pgdl.drop_model('dump_reg'), 1, 'a restored model drops');
SELECT is((SELECT count(*) FROM pgdl.model_epochs WHERE name = 'dump_reg')
          + (SELECT count(*) FROM pgdl.model_grants WHERE name = 'dump_reg'), 0::bigint, 'with its history and grants');

-- the restored models predict exactly what the same weights predict when
-- imported afresh on this server: the restore changed nothing
SELECT pgdl.import_model('fresh_cls', pgdl.export_model('dump_cls@2')) AS fresh_cls,
       pgdl.import_model('fresh_seq', pgdl.export_model('dump_seq')) AS fresh_seq \gset
SELECT is((SELECT count(*) FROM public.dump_src s
           WHERE s.a IS NOT NULL
             AND pgdl.predict_proba('dump_cls@2', ARRAY[s.a, s.b]) IS DISTINCT FROM pgdl.predict_proba('fresh_cls', ARRAY[s.a, s.b]))
          + (SELECT count(*) FROM public.dump_steps s
             WHERE pgdl.predict_proba('dump_seq', s.x) IS DISTINCT FROM pgdl.predict_proba('fresh_seq', s.x)),
          0::bigint, 'the restored dense and lstm models predict bit for bit what their weights imported afresh here predict');

SELECT * FROM finish();
ROLLBACK;
