-- test/pgtap/hostile_privileges.sql: the privilege matrix of the model
-- registry (README "Models, versions, privacy"), one assertion per role and
-- case.  Six roles: the owner of the models, a member of the owner, a role
-- the models were granted to, a role that reaches them only through a grant
-- to PUBLIC, a stranger and a superuser.  The cases: every function that
-- reads or changes a model, the three views, and direct statements on the
-- four registry tables (row-level security enabled and forced; table and
-- column privileges for what the policies do not cover).  Each case runs as
-- its role in a subtransaction that is rolled back, so the cases do not see
-- each other's changes.  nn_privileges.sql checks the messages and the
-- sequences of a model's life; this file keeps the whole matrix.
-- Needs a superuser connection (the runner's).
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(351);

-- What q does as role r, undone afterwards: 'ok' (a utility statement ran,
-- or a query returned or changed some row), 'ok (0 rows)', or the SQLSTATE
-- of its error.
CREATE FUNCTION pg_temp.attempt(r text, q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
    res text;
BEGIN
    BEGIN
        EXECUTE pg_catalog.format('SET LOCAL ROLE %I', r);
        EXECUTE q;
        GET DIAGNOSTICS n = ROW_COUNT;
        res := CASE WHEN n > 0 OR q ~* '^\s*(TRUNCATE|ALTER|CREATE|DROP)\M' THEN 'ok' ELSE 'ok (0 rows)' END;
        RAISE EXCEPTION 'undo' USING ERRCODE = 'PH001';
    EXCEPTION
        WHEN SQLSTATE 'PH001' THEN NULL;
        WHEN OTHERS THEN res := SQLSTATE;
    END;
    RETURN res;
END $$;

CREATE ROLE hp_owner NOLOGIN;
CREATE ROLE hp_member NOLOGIN IN ROLE hp_owner;
CREATE ROLE hp_granted NOLOGIN;
CREATE ROLE hp_public NOLOGIN;
CREATE ROLE hp_stranger NOLOGIN;
CREATE ROLE hp_super NOLOGIN SUPERUSER;

CREATE TABLE public.hp_src AS
SELECT i AS id, (i % 10) / 10.0 AS a, (i % 7)::float8 AS b, (i % 10) >= 5 AS y FROM generate_series(1, 60) i;
GRANT SELECT ON public.hp_src TO PUBLIC;

-- hp_net / hp_km are granted to hp_granted; hp_net_pub / hp_km_pub to PUBLIC
SET ROLE hp_owner;
SELECT is((SELECT version FROM pgdl.train_model(m, 'public.hp_src', 'y', '[{"type":"dense","units":2}]', ARRAY['a', 'b'],
                                                '{"epochs":1,"seed":1,"validation_fraction":0}')), 1,
          format('the owner trains %s', m))
FROM unnest(ARRAY['hp_net', 'hp_net_pub']) m;
SELECT is((SELECT count(*) FROM pgdl.train_kmeans(m, 'public.hp_src', 2, ARRAY['a', 'b'], '{"seed":1}')), 2::bigint,
          format('the owner trains the clustering model %s', m))
FROM unnest(ARRAY['hp_km', 'hp_km_pub']) m;
SELECT lives_ok($$SELECT pgdl.grant_model('hp_net', 'hp_granted'), pgdl.grant_model('hp_km', 'hp_granted'),
                          pgdl.grant_model('hp_net_pub', 'public'), pgdl.grant_model('hp_km_pub', 'public')$$,
                'the owner grants hp_net and hp_km to hp_granted, hp_net_pub and hp_km_pub to PUBLIC');
RESET ROLE;

-- a weights blob every role can pass to import_model, and the registry as it
-- is before the matrix
CREATE TEMP TABLE hp_blob AS SELECT pgdl.export_model('hp_net@1') AS b;
GRANT SELECT ON hp_blob TO PUBLIC;
CREATE TEMP TABLE hp_before AS
SELECT name, version, pg_catalog.md5(weights) AS md5 FROM pgdl.model_versions WHERE name LIKE 'hp\_%';

-- the roles, and the models each one tries: %M a network, %K a clustering
-- model, %G the role %M is granted to
CREATE TEMP TABLE hp_roles (ord int, label text, role text, m text, k text, g text);
INSERT INTO hp_roles VALUES
    (1, 'owner', 'hp_owner', 'hp_net', 'hp_km', 'hp_granted'),
    (2, 'member of the owner', 'hp_member', 'hp_net', 'hp_km', 'hp_granted'),
    (3, 'grantee', 'hp_granted', 'hp_net', 'hp_km', 'hp_granted'),
    (4, 'PUBLIC grantee', 'hp_public', 'hp_net_pub', 'hp_km_pub', 'public'),
    (5, 'stranger', 'hp_stranger', 'hp_net', 'hp_km', 'hp_granted'),
    (6, 'superuser', 'hp_super', 'hp_net', 'hp_km', 'hp_granted');

-- Expected per role, in the order of hp_roles: 'ok', '0' (runs, sees or
-- changes no row) or a SQLSTATE.
CREATE TEMP TABLE hp_cases (ord serial, what text, q text, expect text[]);
INSERT INTO hp_cases (what, q, expect) VALUES
    -- reading a model: members of the owner, grantees (a role or PUBLIC), superusers
    ('predict', $$SELECT pgdl.predict('%M', ARRAY[0.5, 1])$$, '{ok,ok,ok,ok,42501,ok}'),
    ('predict(record)', $$SELECT pgdl.predict('%M', s) FROM public.hp_src s LIMIT 1$$, '{ok,ok,ok,ok,42501,ok}'),
    ('predict on name@1', $$SELECT pgdl.predict('%M@1', ARRAY[0.5, 1])$$, '{ok,ok,ok,ok,42501,ok}'),
    ('predict_label', $$SELECT pgdl.predict_label('%M', ARRAY[0.5, 1])$$, '{ok,ok,ok,ok,42501,ok}'),
    ('predict_proba', $$SELECT pgdl.predict_proba('%M', ARRAY[0.5, 1])$$, '{ok,ok,ok,ok,42501,ok}'),
    ('class_probabilities', $$SELECT * FROM pgdl.class_probabilities('%M', ARRAY[0.5, 1])$$, '{ok,ok,ok,ok,42501,ok}'),
    ('transform_model', $$SELECT pgdl.transform_model('%M', ARRAY[0.5, 1])$$, '{ok,ok,ok,ok,42501,ok}'),
    ('predict_batch', $$SELECT * FROM pgdl.predict_batch('%M', 'public.hp_src', 'id')$$, '{ok,ok,ok,ok,42501,ok}'),
    ('model_info', $$SELECT pgdl.model_info('%M')$$, '{ok,ok,ok,ok,42501,ok}'),
    ('export_model', $$SELECT pgdl.export_model('%M')$$, '{ok,ok,ok,ok,42501,ok}'),
    ('evaluate', $$SELECT * FROM pgdl.evaluate('%M', 'public.hp_src')$$, '{ok,ok,ok,ok,42501,ok}'),
    ('confusion_matrix', $$SELECT * FROM pgdl.confusion_matrix('%M', 'public.hp_src')$$, '{ok,ok,ok,ok,42501,ok}'),
    ('roc_curve', $$SELECT * FROM pgdl.roc_curve('%M', 'public.hp_src')$$, '{ok,ok,ok,ok,42501,ok}'),
    ('predict with a clustering model', $$SELECT pgdl.predict('%K', ARRAY[0.5, 1])$$, '{ok,ok,ok,ok,42501,ok}'),
    ('silhouette', $$SELECT pgdl.silhouette('%K', 'public.hp_src', ARRAY['a', 'b'])$$, '{ok,ok,ok,ok,42501,ok}'),
    ('train_model warm-started from the model', $$SELECT * FROM pgdl.train_model('hp_warm', 'public.hp_src', 'y',
        '[{"type":"dense","units":2}]', ARRAY['a', 'b'], '{"epochs":1,"validation_fraction":0,"warm_start":"%M@1"}')$$,
     '{ok,ok,ok,ok,42501,ok}'),
    -- changing a model: members of the owner and superusers only
    ('train_model (a new version of the name)', $$SELECT * FROM pgdl.train_model('%M', 'public.hp_src', 'y',
        '[{"type":"dense","units":2}]', ARRAY['a', 'b'], '{"epochs":1,"validation_fraction":0}')$$,
     '{ok,ok,42501,42501,42501,ok}'),
    ('train_kmeans (a new version of the name)', $$SELECT * FROM pgdl.train_kmeans('%K', 'public.hp_src', 2, ARRAY['a', 'b'])$$,
     '{ok,ok,42501,42501,42501,ok}'),
    ('import_model over the name', $$SELECT pgdl.import_model('%M', (SELECT b FROM pg_temp.hp_blob))$$,
     '{ok,ok,42501,42501,42501,ok}'),
    ('drop_model of the name', $$SELECT pgdl.drop_model('%M')$$, '{ok,ok,42501,42501,42501,ok}'),
    ('drop_model of name@1', $$SELECT pgdl.drop_model('%M@1')$$, '{ok,ok,42501,42501,42501,ok}'),
    ('deploy_model', $$SELECT pgdl.deploy_model('%M', 1)$$, '{ok,ok,42501,42501,42501,ok}'),
    ('grant_model(text)', $$SELECT pgdl.grant_model('%M', 'hp_stranger')$$, '{ok,ok,42501,42501,42501,ok}'),
    ('grant_model(regrole) to PUBLIC', $$SELECT pgdl.grant_model('%M', '-'::regrole)$$, '{ok,ok,42501,42501,42501,ok}'),
    ('revoke_model', $$SELECT pgdl.revoke_model('%M', '%G')$$, '{ok,ok,42501,42501,42501,ok}'),
    -- the views: rows only for those who may read the model
    ('SELECT from pgdl.models', $$SELECT * FROM pgdl.models WHERE name = '%M'$$, '{ok,ok,ok,ok,0,ok}'),
    ('SELECT from pgdl.training_history', $$SELECT * FROM pgdl.training_history WHERE name = '%M'$$, '{ok,ok,ok,ok,0,ok}'),
    ('SELECT from pgdl.model_metrics', $$SELECT * FROM pgdl.model_metrics WHERE name = '%M'$$, '{ok,ok,ok,ok,0,ok}'),
    -- the tables, read directly
    ('SELECT from pgdl.model_names (names and owners are public)', $$SELECT * FROM pgdl.model_names WHERE name = '%M'$$,
     '{ok,ok,ok,ok,ok,ok}'),
    ('SELECT the weights from pgdl.model_versions', $$SELECT weights FROM pgdl.model_versions WHERE name = '%M'$$,
     '{ok,ok,ok,ok,0,ok}'),
    ('SELECT from pgdl.model_epochs', $$SELECT * FROM pgdl.model_epochs WHERE name = '%M'$$, '{ok,ok,ok,ok,0,ok}'),
    ('SELECT from pgdl.model_grants', $$SELECT * FROM pgdl.model_grants WHERE name = '%M'$$, '{ok,ok,ok,ok,0,ok}'),
    ('SELECT with row_security = off', $$SET LOCAL row_security = off; SELECT * FROM pgdl.model_versions$$,
     '{42501,42501,42501,42501,42501,ok}'),
    -- the tables, written directly
    ('INSERT a name of its own into pgdl.model_names', $$INSERT INTO pgdl.model_names (name, owner) VALUES ('hp_new', current_user::regrole)$$,
     '{ok,ok,ok,ok,ok,ok}'),
    ('INSERT a name owned by hp_owner into pgdl.model_names', $$INSERT INTO pgdl.model_names (name, owner) VALUES ('hp_squat', 'hp_owner')$$,
     '{ok,ok,42501,42501,42501,ok}'),
    ('INSERT a version into pgdl.model_versions', $$INSERT INTO pgdl.model_versions (name, version, task, trained_by, layers, options, features, parameters, weights)
        VALUES ('%M', 99, 'regression', current_user::regrole, '[]', '{}', '{}', 0, '\x00')$$,
     '{ok,ok,42501,42501,42501,ok}'),
    ('INSERT an epoch into pgdl.model_epochs', $$INSERT INTO pgdl.model_epochs (name, version, epoch) VALUES ('%M', 1, 999)$$,
     '{ok,ok,42501,42501,42501,ok}'),
    ('INSERT a grant into pgdl.model_grants', $$INSERT INTO pgdl.model_grants (name, grantee) VALUES ('%M', current_user::regrole)$$,
     '{ok,ok,42501,42501,42501,ok}'),
    ('UPDATE pgdl.model_names SET deployed_version', $$UPDATE pgdl.model_names SET deployed_version = 1 WHERE name = '%M'$$,
     '{ok,ok,0,0,0,ok}'),
    ('UPDATE pgdl.model_names SET last_version', $$UPDATE pgdl.model_names SET last_version = 0 WHERE name = '%M'$$,
     '{ok,ok,0,0,0,ok}'),
    ('UPDATE pgdl.model_names SET owner (take the name over)', $$UPDATE pgdl.model_names SET owner = current_user::regrole WHERE name = '%M'$$,
     '{42501,42501,42501,42501,42501,ok}'),
    ('UPDATE pgdl.model_versions SET description', $$UPDATE pgdl.model_versions SET description = 'x' WHERE name = '%M'$$,
     '{ok,ok,0,0,0,ok}'),
    ('UPDATE pgdl.model_versions SET weights', $$UPDATE pgdl.model_versions SET weights = weights WHERE name = '%M'$$,
     '{42501,42501,42501,42501,42501,ok}'),
    ('UPDATE pgdl.model_versions SET trained_by', $$UPDATE pgdl.model_versions SET trained_by = current_user::regrole WHERE name = '%M'$$,
     '{42501,42501,42501,42501,42501,ok}'),
    ('UPDATE pgdl.model_epochs', $$UPDATE pgdl.model_epochs SET train_loss = 0 WHERE name = '%M'$$,
     '{42501,42501,42501,42501,42501,ok}'),
    ('UPDATE pgdl.model_grants', $$UPDATE pgdl.model_grants SET grantee = current_user::regrole WHERE name = '%M'$$,
     '{42501,42501,42501,42501,42501,ok}'),
    ('DELETE FROM pgdl.model_epochs', $$DELETE FROM pgdl.model_epochs WHERE name = '%M'$$, '{ok,ok,0,0,0,ok}'),
    ('DELETE FROM pgdl.model_grants', $$DELETE FROM pgdl.model_grants WHERE name = '%M'$$, '{ok,ok,0,0,0,ok}'),
    ('DELETE FROM pgdl.model_versions', $$DELETE FROM pgdl.model_versions WHERE name = '%M'$$, '{ok,ok,0,0,0,ok}'),
    ('DELETE FROM pgdl.model_names', $$DELETE FROM pgdl.model_names WHERE name = '%M'$$, '{ok,ok,0,0,0,ok}'),
    -- what row-level security does not cover: TRUNCATE, the policies themselves
    ('TRUNCATE pgdl.model_names', $$TRUNCATE pgdl.model_names$$, '{42501,42501,42501,42501,42501,ok}'),
    ('TRUNCATE pgdl.model_versions', $$TRUNCATE pgdl.model_versions$$, '{42501,42501,42501,42501,42501,ok}'),
    ('TRUNCATE pgdl.model_grants', $$TRUNCATE pgdl.model_grants$$, '{42501,42501,42501,42501,42501,ok}'),
    ('TRUNCATE pgdl.model_epochs', $$TRUNCATE pgdl.model_epochs$$, '{42501,42501,42501,42501,42501,ok}'),
    ('ALTER TABLE pgdl.model_versions NO FORCE ROW LEVEL SECURITY', $$ALTER TABLE pgdl.model_versions NO FORCE ROW LEVEL SECURITY$$,
     '{42501,42501,42501,42501,42501,ok}'),
    ('CREATE POLICY on pgdl.model_versions', $$CREATE POLICY hp_everything ON pgdl.model_versions USING (true)$$,
     '{42501,42501,42501,42501,42501,ok}'),
    ('DROP POLICY versions_visible', $$DROP POLICY versions_visible ON pgdl.model_versions$$,
     '{42501,42501,42501,42501,42501,ok}');

SELECT is((SELECT count(*) FROM hp_cases WHERE cardinality(expect) <> 6), 0::bigint,
          'every case states the outcome for the six roles');

-- the matrix: one assertion per role and case
SELECT is(pg_temp.attempt(r.role, replace(replace(replace(c.q, '%M', r.m), '%K', r.k), '%G', r.g)),
          CASE c.expect[r.ord] WHEN 'ok' THEN 'ok' WHEN '0' THEN 'ok (0 rows)' ELSE c.expect[r.ord] END,
          format('%s: %s %s', r.label, c.what,
                 CASE c.expect[r.ord] WHEN 'ok' THEN 'is allowed' WHEN '0' THEN 'runs but reaches no row'
                 ELSE 'is refused with ' || c.expect[r.ord] END))
FROM hp_cases c CROSS JOIN hp_roles r
ORDER BY c.ord, r.ord;

-- every attempt was undone
SELECT is((SELECT count(*) FROM hp_before b
           LEFT JOIN pgdl.model_versions v USING (name, version)
           WHERE v.weights IS NULL OR pg_catalog.md5(v.weights) <> b.md5), 0::bigint,
          'after the matrix every version has its weights, bit for bit');
SELECT is((SELECT count(*) FROM pgdl.model_versions WHERE name LIKE 'hp\_%'), (SELECT count(*) FROM hp_before),
          'and there is no other version');
SELECT is((SELECT array_agg(format('%s:%s', name, grantee) ORDER BY name) FROM pgdl.model_grants WHERE name LIKE 'hp\_%'),
          ARRAY['hp_km:hp_granted', 'hp_km_pub:-', 'hp_net:hp_granted', 'hp_net_pub:-'], 'and the grants are as they were');

SELECT * FROM finish();
ROLLBACK;
