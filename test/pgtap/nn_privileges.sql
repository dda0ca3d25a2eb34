-- test/pgtap/nn_privileges.sql: who may use, change and see a model (the README
-- §5 "Privacy"), and that a training source is read as the caller.
-- Three roles, created here and rolled back at the end: an owner, a member
-- of the owner and a stranger.  Needs a superuser connection (the runner's).
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(88);

-- 'ok', or 'SQLSTATE: message | detail' of the error q raises.
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    m text;
    d text;
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL;
    RETURN SQLSTATE || ': ' || m || ' | ' || coalesce(d, '');
END $$;
-- How many rows a data-modifying statement changed (0 when RLS hides them).
CREATE FUNCTION pg_temp.changed(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE q;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pg_temp TO PUBLIC;

CREATE ROLE pgdl_tap_owner NOLOGIN;
CREATE ROLE pgdl_tap_member NOLOGIN IN ROLE pgdl_tap_owner;
CREATE ROLE pgdl_tap_stranger NOLOGIN;

-- sources: one everybody may read, one only the owner may read, one with a
-- row-level security policy that shows half of its rows to non-superusers
CREATE TABLE public.pgdl_tap_src AS
SELECT i AS id, (i % 10) / 10.0 AS a, (i % 7)::float8 AS b, (i % 10) >= 5 AS y FROM generate_series(1, 200) i;
CREATE TABLE public.pgdl_tap_secret AS SELECT * FROM public.pgdl_tap_src;
CREATE TABLE public.pgdl_tap_rls AS SELECT * FROM public.pgdl_tap_src;
ALTER TABLE public.pgdl_tap_rls ENABLE ROW LEVEL SECURITY;
CREATE POLICY even_rows ON public.pgdl_tap_rls FOR SELECT USING (id % 2 = 0);
GRANT SELECT ON public.pgdl_tap_src, public.pgdl_tap_rls TO PUBLIC;
GRANT SELECT ON public.pgdl_tap_secret TO pgdl_tap_owner;
-- pgTAP's own bookkeeping tables, written by every assertion whatever the role
GRANT ALL ON ALL TABLES IN SCHEMA pg_temp TO PUBLIC;
GRANT ALL ON ALL SEQUENCES IN SCHEMA pg_temp TO PUBLIC;

\set L '''[{"type":"dense","units":4}]'''
\set O '''{"epochs":3,"seed":1,"validation_fraction":0}'''

------------------------------------------------------------------------------
-- the owner creates the name
------------------------------------------------------------------------------
SET ROLE pgdl_tap_owner;
SELECT is((SELECT version FROM pgdl.train_model('tap_priv', 'public.pgdl_tap_src', 'y', :L, ARRAY['a', 'b'], :O)), 1,
          'the owner trains version 1');
SELECT is((SELECT owner::text FROM pgdl.models WHERE name = 'tap_priv' AND version = 1), 'pgdl_tap_owner',
          'the role that created the name owns it');
SELECT lives_ok($$SELECT pgdl.predict('tap_priv', ARRAY[1, 2])$$, 'the owner predicts');
RESET ROLE;
CREATE TEMP TABLE owner_bytes AS SELECT pgdl.export_model('tap_priv@1') AS b;
GRANT SELECT ON owner_bytes TO PUBLIC;

------------------------------------------------------------------------------
-- a stranger: may see the name and the owner, nothing else
------------------------------------------------------------------------------
SET ROLE pgdl_tap_stranger;
SELECT throws_ok($$SELECT pgdl.predict('tap_priv', ARRAY[1, 2])$$, '42501', 'permission denied for model "tap_priv"',
                 'a stranger cannot predict: 42501');
SELECT alike(pg_temp.err($$SELECT pgdl.predict('tap_priv', ARRAY[1, 2])$$),
             '42501: % | The model belongs to role "pgdl_tap_owner"%', 'the 42501 names the owner');
SELECT throws_ok($$SELECT pgdl.predict('tap_priv@1', ARRAY[1, 2])$$, '42501', NULL, 'a stranger cannot predict with name@1');
SELECT throws_ok($$SELECT pgdl.predict('tap_priv@99', ARRAY[1, 2])$$, '42501', NULL,
                 'name@99 is 42501 too: a stranger does not learn which versions exist');
SELECT throws_ok($$SELECT pgdl.predict_label('tap_priv@latest', ARRAY[1, 2])$$, '42501', NULL, 'a stranger cannot predict_label');
SELECT throws_ok($$SELECT pgdl.embed('tap_priv', ARRAY[1, 2])$$, '42501', NULL, 'a stranger cannot embed');
SELECT throws_ok($$SELECT pgdl.export_model('tap_priv')$$, '42501', NULL, 'a stranger cannot export');
SELECT throws_ok($$SELECT pgdl.model_info('tap_priv')$$, '42501', NULL, 'a stranger cannot read model_info');
SELECT throws_ok($$SELECT * FROM pgdl.predict_batch('tap_priv', 'public.pgdl_tap_src', 'id')$$, '42501', NULL,
                 'a stranger cannot predict_batch');
SELECT throws_ok($$SELECT * FROM pgdl.evaluate('tap_priv', 'public.pgdl_tap_src')$$, '42501', NULL, 'a stranger cannot evaluate');
SELECT throws_ok($$SELECT pgdl.train_model('tap_priv', 'public.pgdl_tap_src', 'y', '[{"type":"dense","units":4}]', ARRAY['a', 'b'])$$,
                 '42501', 'model "tap_priv" belongs to role "pgdl_tap_owner"', 'a stranger cannot train a version of the name: 42501 naming the owner');
SELECT throws_ok($$SELECT pgdl.drop_model('tap_priv')$$, '42501', 'model "tap_priv" belongs to role "pgdl_tap_owner"', 'a stranger cannot drop');
SELECT throws_ok($$SELECT pgdl.drop_model('tap_priv@1')$$, '42501', NULL, 'a stranger cannot drop a version');
SELECT throws_ok($$SELECT pgdl.deploy_model('tap_priv', 1)$$, '42501', 'model "tap_priv" belongs to role "pgdl_tap_owner"', 'a stranger cannot deploy');
SELECT throws_ok($$SELECT pgdl.grant_model('tap_priv', 'pgdl_tap_stranger')$$, '42501', NULL, 'a stranger cannot grant itself access');
SELECT throws_ok($$SELECT pgdl.revoke_model('tap_priv', 'pgdl_tap_member')$$, '42501', NULL, 'a stranger cannot revoke');
SELECT is((SELECT version FROM pgdl.train_model('tap_mine', 'public.pgdl_tap_src', 'y', :L, ARRAY['a', 'b'], :O)), 1,
          'a stranger trains a model of its own');
SELECT throws_ok($$SELECT pgdl.import_model('tap_priv', pgdl.export_model('tap_mine'))$$, '42501', NULL,
                 'a stranger cannot import a version into the name');
SELECT is((SELECT owner::text FROM pgdl.model_names WHERE name = 'tap_priv'), 'pgdl_tap_owner',
          'a stranger sees the name and its owner in pgdl.model_names');
SELECT is((SELECT count(*) FROM pgdl.models WHERE name = 'tap_priv'), 0::bigint, 'no row of pgdl.models');
SELECT is((SELECT count(*) FROM pgdl.model_versions WHERE name = 'tap_priv'), 0::bigint, 'no row of pgdl.model_versions: no weights');
SELECT is((SELECT count(*) FROM pgdl.training_history WHERE name = 'tap_priv'), 0::bigint, 'no row of pgdl.training_history');
SELECT is((SELECT count(*) FROM pgdl.model_epochs WHERE name = 'tap_priv'), 0::bigint, 'no row of pgdl.model_epochs');
SELECT is((SELECT count(*) FROM pgdl.model_metrics WHERE name = 'tap_priv'), 0::bigint, 'no row of pgdl.model_metrics');
SELECT throws_ok($$UPDATE pgdl.model_versions SET weights = '\x00' WHERE name = 'tap_priv'$$, '42501', NULL,
          'no one may UPDATE the weights column: a stranger gets 42501');
SELECT is(pg_temp.changed($$DELETE FROM pgdl.model_versions WHERE name = 'tap_priv'$$), 0::bigint,
          'a stranger''s DELETE of the versions deletes no row');
SELECT is(pg_temp.changed($$DELETE FROM pgdl.model_epochs WHERE name = 'tap_priv'$$), 0::bigint,
          'a stranger''s DELETE of the history deletes no row');
SELECT throws_ok($$UPDATE pgdl.model_names SET owner = 'pgdl_tap_stranger' WHERE name = 'tap_priv'$$, '42501', NULL,
          'no one may UPDATE the owner column: a stranger cannot take the name over');
SELECT is(pg_temp.changed($$UPDATE pgdl.model_names SET deployed_version = 1 WHERE name = 'tap_priv'$$), 0::bigint,
          'a stranger cannot deploy through the table');
SELECT is(pg_temp.changed($$DELETE FROM pgdl.model_names WHERE name = 'tap_priv'$$), 0::bigint,
          'a stranger cannot delete the name');
SELECT throws_ok($$INSERT INTO pgdl.model_grants VALUES ('tap_priv', 'pgdl_tap_stranger')$$, '42501', NULL,
                 'a stranger cannot insert a grant for itself');
SELECT throws_ok($$INSERT INTO pgdl.model_versions (name, version, task, trained_by, layers, options, features, parameters, weights)
                   SELECT 'tap_priv', 50, task, trained_by, layers, options, features, parameters, weights
                   FROM pgdl.model_versions WHERE name = 'tap_mine'$$, '42501', NULL,
                 'a stranger cannot insert a version under the name');
SELECT throws_ok($$INSERT INTO pgdl.model_names (name, owner) VALUES ('tap_squat', 'pgdl_tap_owner')$$, '42501', NULL,
                 'a stranger cannot create a name owned by another role');
RESET ROLE;
SELECT is((SELECT pgdl.export_model('tap_priv@1') = b FROM owner_bytes), true, 'the stranger''s attempts left the weights as they were');
SELECT is((SELECT count(*) FROM pgdl.model_epochs WHERE name = 'tap_priv'), 3::bigint, 'and the history');

------------------------------------------------------------------------------
-- a member of the owner: trains, predicts, deploys, grants
------------------------------------------------------------------------------
SET ROLE pgdl_tap_member;
SELECT is((SELECT version FROM pgdl.train_model('tap_priv', 'public.pgdl_tap_src', 'y', :L, ARRAY['a', 'b'], '{"epochs":3,"seed":2}')), 2,
          'a member of the owner trains version 2');
SELECT is((SELECT format('%s %s', owner, trained_by) FROM pgdl.models WHERE name = 'tap_priv' AND version = 2),
          'pgdl_tap_owner pgdl_tap_member', 'the owner stays; trained_by is the member');
SELECT lives_ok($$SELECT pgdl.predict('tap_priv', ARRAY[1, 2])$$, 'a member predicts');
SELECT is(pgdl.deploy_model('tap_priv', 1), 1, 'a member deploys');
SELECT is((SELECT count(*) FROM pgdl.models WHERE name = 'tap_priv'), 2::bigint, 'a member sees both versions');
SELECT is((SELECT count(*) FROM pgdl.training_history WHERE name = 'tap_priv'), 6::bigint, 'and their history');
SELECT lives_ok($$SELECT pgdl.grant_model('tap_priv', 'pgdl_tap_stranger')$$, 'a member grants the stranger access');
RESET ROLE;

------------------------------------------------------------------------------
-- the stranger with a grant: reads and predicts, still does not change
------------------------------------------------------------------------------
SET ROLE pgdl_tap_stranger;
SELECT is((SELECT pgdl.export_model('tap_priv') = b FROM owner_bytes), true,
          'after grant_model the stranger exports (the deployed version 1)');
SELECT lives_ok($$SELECT pgdl.predict('tap_priv@2', ARRAY[1, 2]), pgdl.predict_proba('tap_priv', ARRAY[1, 2])$$,
                'after grant_model the stranger predicts with every version');
SELECT lives_ok($$SELECT pgdl.model_info('tap_priv')$$, 'and reads model_info');
SELECT is((SELECT count(*) FROM pgdl.models WHERE name = 'tap_priv'), 2::bigint, 'and sees the versions in pgdl.models');
SELECT is((SELECT count(*) FROM pgdl.training_history WHERE name = 'tap_priv'), 6::bigint, 'and the history');
SELECT throws_ok($$SELECT pgdl.train_model('tap_priv', 'public.pgdl_tap_src', 'y', '[{"type":"dense","units":4}]', ARRAY['a', 'b'])$$,
                 '42501', 'model "tap_priv" belongs to role "pgdl_tap_owner"', 'a grantee still cannot train');
SELECT throws_ok($$SELECT pgdl.drop_model('tap_priv')$$, '42501', NULL, 'a grantee still cannot drop');
SELECT throws_ok($$SELECT pgdl.deploy_model('tap_priv', 2)$$, '42501', NULL, 'a grantee cannot deploy');
SELECT throws_ok($$SELECT pgdl.grant_model('tap_priv', '-')$$, '42501', NULL, 'a grantee cannot grant further');
SELECT throws_ok($$UPDATE pgdl.model_versions SET weights = '\x00' WHERE name = 'tap_priv'$$, '42501', NULL,
          'a grantee may not UPDATE the weights column either');
SELECT is(pg_temp.changed($$DELETE FROM pgdl.model_versions WHERE name = 'tap_priv'$$), 0::bigint,
          'a grantee''s DELETE of the versions deletes no row');
RESET ROLE;

SET ROLE pgdl_tap_owner;
SELECT lives_ok($$SELECT pgdl.revoke_model('tap_priv', 'pgdl_tap_stranger')$$, 'the owner revokes');
SET ROLE pgdl_tap_stranger;
SELECT throws_ok($$SELECT pgdl.predict('tap_priv', ARRAY[1, 2])$$, '42501', NULL, 'after revoke_model the stranger cannot predict');
SELECT is((SELECT count(*) FROM pgdl.models WHERE name = 'tap_priv'), 0::bigint, 'nor see the versions');

-- PUBLIC, written '-' or 0
SET ROLE pgdl_tap_owner;
SELECT lives_ok($$SELECT pgdl.grant_model('tap_priv', '-')$$, 'grant to PUBLIC as ''-''::regrole');
SET ROLE pgdl_tap_stranger;
SELECT lives_ok($$SELECT pgdl.predict('tap_priv', ARRAY[1, 2])$$, 'a grant to PUBLIC lets the stranger predict');
SET ROLE pgdl_tap_owner;
SELECT lives_ok($$SELECT pgdl.revoke_model('tap_priv', 0::regrole)$$, 'revoke from PUBLIC as 0::regrole');
SET ROLE pgdl_tap_stranger;
SELECT throws_ok($$SELECT pgdl.predict('tap_priv', ARRAY[1, 2])$$, '42501', NULL, 'the PUBLIC grant is gone');
SET ROLE pgdl_tap_owner;
SELECT lives_ok($$SELECT pgdl.grant_model('tap_priv', 0::regrole)$$, 'grant to PUBLIC as 0::regrole');
SET ROLE pgdl_tap_stranger;
SELECT lives_ok($$SELECT pgdl.export_model('tap_priv')$$, 'the stranger exports through the PUBLIC grant');
RESET ROLE;
SELECT is((SELECT array_agg(grantee::text) FROM pgdl.model_grants WHERE name = 'tap_priv'), ARRAY['-'], 'the grant is stored as 0, shown as -');
SELECT throws_ok($$SELECT pgdl.grant_model('tap_priv', 4000000000::oid::regrole)$$, '42704', NULL, 'a grant to a role that does not exist is 42704');

------------------------------------------------------------------------------
-- a superuser sees and may do everything
------------------------------------------------------------------------------
SELECT is((SELECT count(*) FROM pgdl.model_versions WHERE name IN ('tap_priv', 'tap_mine')), 3::bigint,
          'a superuser sees every version of every owner, weights included');
SELECT lives_ok($$SELECT pgdl.predict('tap_mine', ARRAY[1, 2]), pgdl.model_info('tap_priv@2')$$, 'a superuser predicts with any model');
SELECT is(pgdl.deploy_model('tap_mine', 1), 1, 'a superuser deploys another role''s model');

------------------------------------------------------------------------------
-- the source is read as the caller, with its row-level security
------------------------------------------------------------------------------
SET ROLE pgdl_tap_stranger;
SELECT throws_ok($$SELECT pgdl.train_model('tap_s2', 'public.pgdl_tap_secret', 'y', '[{"type":"dense","units":4}]', ARRAY['a', 'b'])$$,
                 '42501', NULL, 'a stranger cannot train on a table it may not SELECT');
SELECT throws_ok($$SELECT pgdl.train_model('tap_s2', 'select * from public.pgdl_tap_secret', 'y', '[{"type":"dense","units":4}]', ARRAY['a', 'b'])$$,
                 '42501', NULL, 'nor on a query of it');
SELECT throws_ok($$SELECT * FROM pgdl.evaluate('tap_mine', 'public.pgdl_tap_secret')$$, '42501', NULL, 'nor evaluate on it');
SELECT throws_ok($$SELECT * FROM pgdl.cross_validate('public.pgdl_tap_secret', 'y', '[{"type":"dense","units":4}]', 2, ARRAY['a', 'b'])$$,
                 '42501', NULL, 'nor cross-validate on it');
SELECT is((SELECT count(*) FROM pgdl.model_names WHERE name = 'tap_s2'), 0::bigint, 'the refused training left no name behind');
SET ROLE pgdl_tap_owner;
SELECT is((SELECT version FROM pgdl.train_model('tap_priv', 'public.pgdl_tap_secret', 'y', :L, ARRAY['a', 'b'], :O)), 3,
          'the owner, who may SELECT it, trains on it');
SELECT is((SELECT version FROM pgdl.train_model('tap_rls', 'public.pgdl_tap_rls', 'y', :L, ARRAY['a', 'b'], :O)), 1,
          'the owner trains on a table with a row-level security policy');
SELECT is((SELECT metrics ->> 'rows' FROM pgdl.models WHERE name = 'tap_rls'), '100',
          'the policy applies to training: 100 of the 200 rows');
SELECT is((SELECT version FROM pgdl.train_model('tap_rls', 'select a, b, y from public.pgdl_tap_rls', 'y', :L, ARRAY['a', 'b'], :O)), 2,
          'the same table through a query source');
SELECT is((SELECT metrics ->> 'rows' FROM pgdl.models WHERE name = 'tap_rls' AND version = 2), '100',
          'the policy applies to a query source too');
SELECT is((SELECT value FROM pgdl.evaluate('tap_rls', 'public.pgdl_tap_rls') WHERE metric = 'n'), 100::float8,
          'and to evaluate');

-- the registry's keys (models.sql, trigger pgdl.registry_keys): even the
-- owner cannot move rows to another name, and deleting a name directly
-- deletes what belongs to it
SELECT throws_ok($$UPDATE pgdl.model_names SET name = 'tap_renamed' WHERE name = 'tap_rls'$$, '42501', NULL,
                 'the owner cannot rename a model through the table (no UPDATE privilege on name)');
SELECT throws_ok($$UPDATE pgdl.model_versions SET version = 9 WHERE name = 'tap_rls' AND version = 1$$, '42501', NULL,
                 'nor renumber a version (no UPDATE privilege on version)');
SELECT lives_ok($$SELECT pgdl.grant_model('tap_rls', 'pgdl_tap_stranger')$$, 'a grant on tap_rls');
SELECT is(pg_temp.changed($$DELETE FROM pgdl.model_names WHERE name = 'tap_rls'$$), 1::bigint, 'the owner deletes the name directly');
RESET ROLE;
SELECT is((SELECT count(*) FROM pgdl.model_versions WHERE name = 'tap_rls') + (SELECT count(*) FROM pgdl.model_epochs WHERE name = 'tap_rls')
          + (SELECT count(*) FROM pgdl.model_grants WHERE name = 'tap_rls'), 0::bigint,
          'its versions, history and grants went with it (a later owner of the name finds nothing)');
SELECT is((SELECT version FROM pgdl.train_model('tap_rls_su', 'public.pgdl_tap_rls', 'y', :L, ARRAY['a', 'b'], :O)), 1,
          'a superuser trains on the same table');
SELECT is((SELECT metrics ->> 'rows' FROM pgdl.models WHERE name = 'tap_rls_su'), '200',
          'a superuser (who bypasses row-level security) reads all 200 rows');

SELECT * FROM finish();
ROLLBACK;
