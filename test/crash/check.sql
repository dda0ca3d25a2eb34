-- test/crash/check.sql: run by scripts/run_tests.sh section (f) in the
-- database pgdl_crash after test/crash/kill_save.sh killed a backend in the
-- middle of import_model and one in the middle of train_model (both saving
-- a version of crash_big) and the server recovered.  The registry must be
-- as it was before, bit for bit and physically sound, with no trace of the
-- killed saves, and must take new versions again.  Everything it does is
-- rolled back.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION pgtap;
CREATE EXTENSION amcheck;
SELECT plan(19);

-- the pages: the four tables, their TOAST tables and every index of both
CREATE TEMP TABLE registry AS
SELECT c.oid AS rel FROM pg_class c
WHERE c.oid IN ('pgdl.model_names'::regclass, 'pgdl.model_versions'::regclass,
                'pgdl.model_grants'::regclass, 'pgdl.model_epochs'::regclass)
UNION ALL
SELECT c.reltoastrelid FROM pg_class c
WHERE c.oid IN ('pgdl.model_names'::regclass, 'pgdl.model_versions'::regclass,
                'pgdl.model_grants'::regclass, 'pgdl.model_epochs'::regclass) AND c.reltoastrelid <> 0;
SELECT is((SELECT count(*) FROM registry r, verify_heapam(r.rel, check_toast => true)), 0::bigint,
          'amcheck finds nothing wrong in the heap of the registry tables and their TOAST tables');
SELECT is((SELECT count(*) FROM registry r JOIN pg_index i ON i.indrelid = r.rel,
                  LATERAL (SELECT bt_index_check(i.indexrelid, true)) c), 8::bigint,
          'amcheck finds each of their 8 indexes consistent with its table (every heap tuple indexed)');

-- no trace of the killed saves
SELECT is((SELECT array_agg(version ORDER BY version) FROM pgdl.model_versions WHERE name = 'crash_big'), ARRAY[1],
          'the killed import_model and train_model left no version of crash_big behind');
SELECT is((SELECT last_version FROM pgdl.model_names WHERE name = 'crash_big'), 1, 'nor moved its last version');
SELECT is((SELECT count(*) FROM pgdl.model_epochs WHERE name = 'crash_big' AND version <> 1), 0::bigint,
          'nor left any history');

-- the registry holds together
SELECT is((SELECT count(*) FROM (SELECT name, version FROM pgdl.model_versions GROUP BY 1, 2 HAVING count(*) > 1) d), 0::bigint,
          'every (name, version) is unique');
SELECT is((SELECT count(*) FROM pgdl.model_versions v LEFT JOIN pgdl.model_names n USING (name)
           WHERE n.name IS NULL OR v.version > n.last_version), 0::bigint,
          'every version belongs to a name and is at most its last version');
SELECT is((SELECT count(*) FROM pgdl.model_names n
           WHERE NOT EXISTS (SELECT FROM pgdl.model_versions v WHERE v.name = n.name)
              OR n.deployed_version IS NOT NULL
                 AND NOT EXISTS (SELECT FROM pgdl.model_versions v WHERE v.name = n.name AND v.version = n.deployed_version)),
          0::bigint, 'every name has a version, and its deployed version exists');
SELECT is((SELECT count(*) FROM pgdl.model_epochs e LEFT JOIN pgdl.model_versions v USING (name, version)
           WHERE v.name IS NULL), 0::bigint, 'every history row belongs to an existing version');
SELECT is((SELECT count(*) FROM pgdl.model_grants g LEFT JOIN pgdl.model_names n USING (name)
           WHERE n.name IS NULL), 0::bigint, 'every grant belongs to an existing name');

-- every version loads and predicts, and nothing changed
CREATE FUNCTION pg_temp.broken_versions() RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    v record;
    bad text[] := '{}';
BEGIN
    FOR v IN SELECT name || '@' || version AS ref FROM pgdl.model_versions ORDER BY name, version LOOP
        BEGIN
            PERFORM pgdl.model_info(v.ref);
            PERFORM pgdl.predict(v.ref, s) FROM public.crash_src s;
        EXCEPTION WHEN OTHERS THEN
            bad := bad || (v.ref || ': ' || SQLSTATE || ' ' || SQLERRM);
        END;
    END LOOP;
    RETURN bad;
END $$;
SELECT is(pg_temp.broken_versions(), '{}'::text[], 'every version''s weights load and predict');
SELECT set_eq($$SELECT name, version, md5(pgdl.export_model(name || '@' || version)),
                      (SELECT array_agg(pgdl.predict(name || '@' || version, s) ORDER BY s.id) FROM public.crash_src s)
               FROM pgdl.model_versions$$,
              'SELECT * FROM public.crash_versions_before',
              'every version is there with its weights bit for bit and its predictions');
SELECT set_eq('SELECT name, owner::text, deployed_version, last_version, created_at FROM pgdl.model_names',
              'SELECT * FROM public.crash_names_before', 'the names with their owners, deployed and last versions');
SELECT set_eq('SELECT name, grantee::text FROM pgdl.model_grants', 'SELECT * FROM public.crash_grants_before', 'the grants');
SELECT set_eq('SELECT * FROM pgdl.model_epochs', 'SELECT * FROM public.crash_history_before', 'the training history');

-- and it takes new versions
SELECT is((SELECT version FROM pgdl.train_model('crash_big', 'public.crash_src', 'y',
                                                '[{"type":"dense","units":1024},{"type":"dense","units":1024}]', ARRAY['a', 'b'],
                                                '{"epochs":1,"seed":2,"validation_fraction":0}')), 2,
          'train_model saves crash_big version 2');
SELECT is(pgdl.import_model('crash_big', (SELECT weights FROM public.crash_blob)), 3, 'import_model saves version 3');
SELECT is(md5(pgdl.export_model('crash_big@3')), (SELECT md5(weights) FROM public.crash_blob),
          'which exports as the bytes imported');
SELECT is(pg_temp.broken_versions(), '{}'::text[], 'and every version, the new ones too, loads and predicts');

SELECT * FROM finish();
ROLLBACK;
