-- test/dump/fuzz_check.sql: run by scripts/run_tests.sh section (e) in a
-- database restored from the dump of test/dump/fuzz_setup.sql: every model
-- the import_model fuzz campaign let in came back, with the same model_info
-- and the same prediction (or the same error).  Rolled back.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION pgtap;
SELECT plan(6);
SELECT is((SELECT count(*) FROM pgdl.models WHERE name NOT LIKE 'dump\_fuzz\_%'), 3::bigint, 'the three source models came back');
SELECT is((SELECT count(*) FROM public.fuzz_outcomes), 300::bigint, 'the fuzz campaign imported 300 mutants');
SELECT is((SELECT string_agg(DISTINCT state, ', ') FROM public.fuzz_outcomes WHERE state NOT IN ('ok', '22P03', '22021', '54000')),
          NULL, 'each was accepted or refused with 22P03, 22021 or 54000 (no XX000)');
SELECT cmp_ok((SELECT count(*) FROM public.fuzz_outcomes WHERE state = 'ok'), '>', 0::bigint, 'some were accepted');
SELECT is((SELECT count(*) FROM pgdl.models WHERE name LIKE 'dump\_fuzz\_%'),
          (SELECT count(*) FROM public.fuzz_outcomes WHERE state = 'ok'), 'every accepted mutant came back');
SELECT set_eq($$SELECT m.name, pgdl.model_info(m.name), public.fuzz_prediction(m.name)
               FROM pgdl.models m WHERE m.name LIKE 'dump\_fuzz\_%'$$,
              'SELECT * FROM public.fuzz_before', 'with the same model_info and the same prediction');
SELECT * FROM finish();
ROLLBACK;
