-- test/citus/training.sql — training on a Citus distributed table: a source
-- query's ORDER BY is the order the rows are trained in, so a seeded
-- training is reproducible bit for bit and equals the same training on an
-- ordinary table; streamed training reads a distributed table too;
-- data-parallel training says it does not run there yet.  Run by
-- scripts/citus.sh (make test-citus) on the coordinator.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
SET client_min_messages = warning;

CREATE TABLE public.tr_dist (id int, a float8, b float8, y int);
INSERT INTO public.tr_dist
SELECT g, sin(g * 0.37), cos(g * 0.91), (sin(g * 0.37) + cos(g * 0.91) > 0)::int
FROM generate_series(1, 600) g;
CREATE TABLE public.tr_local AS SELECT * FROM public.tr_dist;
SELECT create_distributed_table('public.tr_dist', 'id', shard_count := 4);
SELECT truncate_local_data_after_distributing_table('public.tr_dist');

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(6);

SELECT is((SELECT count(*) FROM pg_dist_partition WHERE logicalrelid = 'public.tr_dist'::regclass), 1::bigint,
          'tr_dist is a distributed table');

-- the same seeded training twice on the distributed table, ordered by id
SELECT version FROM pgdl.train_model('tr_ordered', 'SELECT id, a, b, y FROM public.tr_dist ORDER BY id', 'y',
       '[{"type":"dense","units":8,"activation":"tanh"}]', ARRAY['a', 'b'], '{"epochs": 3, "seed": 5}');
SELECT version FROM pgdl.train_model('tr_ordered', 'SELECT id, a, b, y FROM public.tr_dist ORDER BY id', 'y',
       '[{"type":"dense","units":8,"activation":"tanh"}]', ARRAY['a', 'b'], '{"epochs": 3, "seed": 5}');
SELECT version FROM pgdl.train_model('tr_local', 'SELECT id, a, b, y FROM public.tr_local ORDER BY id', 'y',
       '[{"type":"dense","units":8,"activation":"tanh"}]', ARRAY['a', 'b'], '{"epochs": 3, "seed": 5}');
SELECT is(md5(pgdl.export_model('tr_ordered@2')), md5(pgdl.export_model('tr_ordered@1')),
          'a seeded training on a distributed table with ORDER BY gives the same weights bit for bit');
SELECT is(md5(pgdl.export_model('tr_ordered@1')), md5(pgdl.export_model('tr_local@1')),
          'and the same weights as on an ordinary table in that order');

-- streamed: the same rows through the temporary files
SELECT is((SELECT data FROM pgdl.train_model('tr_stream', 'SELECT id, a, b, y FROM public.tr_dist ORDER BY id', 'y',
           '[{"type":"dense","units":8,"activation":"tanh"}]', ARRAY['a', 'b'], '{"epochs": 30, "seed": 5, "data": "stream"}')),
          'stream', 'streamed training reads a distributed table');
SELECT cmp_ok((SELECT count(*) FROM public.tr_dist t WHERE pgdl.predict_label('tr_stream', ARRAY[t.a, t.b]) = t.y::text)::numeric / 600,
              '>', 0.9::numeric, 'and learns it');

-- data-parallel training does not run on Citus yet: a clear error, before any row is read
SELECT throws_ok($$SELECT * FROM pgdl.train_model('tr_par', 'SELECT * FROM public.tr_dist', 'y',
           '[{"type":"dense","units":8,"activation":"tanh"}]', ARRAY['a', 'b'], '{"epochs": 3, "seed": 5, "parallel_workers": 2}')$$,
          '0A000', 'data-parallel training does not run on a Citus table yet',
          'data-parallel training on a distributed table is 0A000');

SELECT * FROM finish();
ROLLBACK;
