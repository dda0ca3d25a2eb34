-- test/upgrade/check.sql: run by scripts/run_tests.sh (section upgrade) in a
-- database created with an older pgdl and brought to the current version
-- with ALTER EXTENSION pgdl UPDATE.  public.fresh_catalog holds
-- test/upgrade/catalog.sql's rows from a database where the current version
-- was created fresh; the upgraded database must hold exactly the same, kind
-- by kind.  (That nothing stored was lost and that the models predict the
-- same is test/dump/check.sql's part, run next in the same database.)
-- Everything here is rolled back.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
\ir catalog.sql
SELECT plan(22);

SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'pgdl'),
          (SELECT default_version FROM pg_available_extensions WHERE name = 'pgdl'),
          'ALTER EXTENSION pgdl UPDATE reached the default version');

-- the comparison below means something only if the fresh catalog was read
SELECT is((SELECT array_agg(DISTINCT kind ORDER BY kind) FROM public.fresh_catalog
           WHERE kind IN ('aggregate', 'extension', 'function', 'member', 'relation', 'schema', 'type')),
          ARRAY['aggregate', 'extension', 'function', 'member', 'relation', 'schema', 'type'],
          'the fresh install''s catalog lists aggregates, functions, types, relations and members');

-- Every kind catalog.sql knows, both ways: an object missing or defined
-- differently here is an upgrade step missing from src/upgrade/.
CREATE TEMP TABLE kinds (i int, kind text);
INSERT INTO kinds VALUES (1, 'member'), (2, 'extension'), (3, 'schema'), (4, 'function'), (5, 'aggregate'),
                         (6, 'type'), (7, 'relation'), (8, 'operator'), (9, 'cast');
SELECT is_empty(format($$SELECT object, definition FROM %s WHERE kind = %L
                         EXCEPT SELECT object, definition FROM %s WHERE kind = %L$$, d.a, k.kind, d.b, k.kind),
                format(d.what, k.kind))
FROM (VALUES (1, 'public.fresh_catalog', 'pg_temp.pgdl_catalog',
              'every %s of a fresh install exists after the upgrade, defined the same'),
             (2, 'pg_temp.pgdl_catalog', 'public.fresh_catalog',
              'the upgrade leaves no %s that a fresh install does not have')) AS d(j, a, b, what)
CROSS JOIN kinds k
ORDER BY d.j, k.i;

SELECT is_empty('SELECT DISTINCT kind FROM pg_temp.pgdl_catalog WHERE kind NOT IN (SELECT kind FROM kinds)',
                'every kind of object catalog.sql lists is compared above');
SELECT is((SELECT count(*) FROM pg_temp.pgdl_catalog), (SELECT count(*) FROM public.fresh_catalog),
          'as many catalog rows as a fresh install');

SELECT * FROM finish();
ROLLBACK;
