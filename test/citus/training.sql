-- test/citus/training.sql — training on a Citus distributed table: a source
-- query's ORDER BY is the order the rows are trained in, so a seeded
-- training is reproducible bit for bit and equals the same training on an
-- ordinary table; streamed training reads a distributed table too;
-- data-parallel training runs its rounds on the Citus workers; pgdl code
-- runs on the workers only when their pgdl version is the coordinator's.
-- Run by scripts/citus.sh (make test-citus) on the coordinator.
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

CREATE TABLE public.tr_side (id int, w float8);
INSERT INTO public.tr_side SELECT g, 1 FROM generate_series(1, 600) g;
CREATE TABLE public.tr_ref (id int, a float8, b float8, y int);
SELECT create_reference_table('public.tr_ref');
INSERT INTO public.tr_ref SELECT * FROM public.tr_local;

\ir lib/plan.sql

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(23);

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

-- data-parallel training: each round's aggregate runs on the workers
SELECT alike(pg_temp.plan(format('SELECT pgdl.train_state_agg_ref(pgdl.train_state_ref(%L::pgdl.train_state), s) FROM (SELECT a, b, (y)::pg_catalog.float8 AS "pgdl target" FROM (SELECT * FROM public.tr_dist) AS s0) AS s',
                                pgdl.train_state_init('tr_local')::text)),
            '%coord_combine_agg%worker_partial_agg(''pgdl.train_state_agg_ref(bytea,record)''::regprocedure, ROW(pgdl.train_state_ref(''pgdl:%',
            'a round''s aggregate, its state a literal registered where it runs, is pushed down to the workers');
-- a shard's partial state is written with its buffered rows trained (on the worker)
SELECT is((pgdl.train_state_info(pg_catalog.worker_partial_agg('pgdl.train_state_agg(pgdl.train_state,record)'::regprocedure,
               ROW((SELECT pgdl.train_state_init('tr_local')), s))::text::pgdl.train_state) ->> 'pending')::int, 0,
          'worker_partial_agg writes a shard''s state with no row left to train')
FROM (SELECT a, b, y::float8 FROM public.tr_local) s;

SELECT is((SELECT data FROM pgdl.train_model('tr_par', 'SELECT id, a, b, y FROM public.tr_dist', 'y',
           '[{"type":"dense","units":8,"activation":"tanh"}]', ARRAY['a', 'b'],
           '{"epochs": 40, "seed": 5, "learning_rate": 0.03, "parallel_workers": 2}')),
          'distributed', 'data-parallel training on a distributed table runs on the workers ("data": "distributed")');
SELECT is((SELECT DISTINCT data FROM pgdl.training_history WHERE name = 'tr_par'), 'distributed',
          'training_history says distributed');
SELECT is((SELECT metrics ->> 'data' FROM pgdl.models WHERE name = 'tr_par'), 'distributed',
          'and so do the version''s metrics');
SELECT version FROM pgdl.train_model('tr_serial', 'SELECT id, a, b, y FROM public.tr_local', 'y',
       '[{"type":"dense","units":8,"activation":"tanh"}]', ARRAY['a', 'b'], '{"epochs": 40, "seed": 5, "learning_rate": 0.03}');
SELECT cmp_ok((SELECT count(*) FROM public.tr_local t WHERE pgdl.predict_label('tr_par', ARRAY[t.a, t.b]) = t.y::text)::numeric / 600,
              '>', 0.9::numeric, 'the model trained on the workers learns the separable set');
SELECT cmp_ok((SELECT count(*) FROM public.tr_local t WHERE pgdl.predict_label('tr_serial', ARRAY[t.a, t.b]) = t.y::text)::numeric / 600,
              '>', 0.9::numeric, 'as the same table trained serially on the coordinator does');
-- a join with a local table: Citus sends the local rows to the workers
SELECT is((SELECT data FROM pgdl.train_model('tr_join', 'SELECT d.a, d.b, d.y FROM public.tr_dist d JOIN public.tr_side l ON l.id = d.id', 'y',
           '[{"type":"dense","units":8,"activation":"tanh"}]', ARRAY['a', 'b'], '{"epochs": 2, "seed": 5, "parallel_workers": 2}')),
          'distributed', 'a source joining a distributed and a local table trains on the workers');
-- a source Citus cannot split over the shards: one process, said in a NOTICE
SELECT is((SELECT data FROM pgdl.train_model('tr_limit', 'SELECT a, b, y FROM public.tr_dist ORDER BY id LIMIT 300', 'y',
           '[{"type":"dense","units":8,"activation":"tanh"}]', ARRAY['a', 'b'], '{"epochs": 2, "seed": 5, "parallel_workers": 2}')),
          'parallel 0', 'a source with a LIMIT trains in one process ("parallel 0")');
SELECT is((SELECT data FROM pgdl.train_model('tr_ref', 'public.tr_ref', 'y',
           '[{"type":"dense","units":8,"activation":"tanh"}]', ARRAY['a', 'b'], '{"epochs": 2, "seed": 5, "parallel_workers": 2}')),
          'parallel 0', 'so does a reference table, which Citus reads in one place');

-- a cancelled data-parallel training leaves no query running on the workers
SAVEPOINT before_cancel;
SET LOCAL statement_timeout = '300ms';
-- (pg_temp functions stay on the coordinator)
SET LOCAL citus.enable_ddl_propagation = off;
CREATE FUNCTION pg_temp.cancelled(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE sql;
	RETURN 'finished';
EXCEPTION WHEN query_canceled THEN
	RETURN SQLSTATE;
END $$;
SELECT is(pg_temp.cancelled($$SELECT * FROM pgdl.train_model('tr_cancel', 'SELECT id, a, b, y FROM public.tr_dist', 'y',
           '[{"type":"dense","units":8,"activation":"tanh"}]', ARRAY['a', 'b'], '{"epochs": 100000, "seed": 5, "parallel_workers": 2}')$$),
          '57014', 'a data-parallel training on Citus is cancelled by statement_timeout');
RESET statement_timeout;
CREATE FUNCTION pg_temp.worker_trainings() RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	n int;
BEGIN
	-- the workers stop the shard queries on Citus's cancel; wait for it (up to 30 s)
	FOR i IN 1..300 LOOP
		SELECT sum(result::int) INTO n FROM run_command_on_workers(
			$q$SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%worker_partial_agg%' AND pid <> pg_backend_pid()$q$);
		EXIT WHEN n = 0;
		PERFORM pg_sleep(0.1);
	END LOOP;
	RETURN n;
END $$;
RESET citus.enable_ddl_propagation;
SELECT is(pg_temp.worker_trainings(), 0, 'and no shard query of it runs on the workers afterwards');
ROLLBACK TO SAVEPOINT before_cancel;

-- a worker whose pgdl version differs: 55000 naming the node and both versions, before any work
SELECT run_command_on_workers($$UPDATE pg_catalog.pg_extension SET extversion = '0.0.1-test' WHERE extname = 'pgdl' AND pg_catalog.inet_server_port() = $$ ||
       (SELECT max(nodeport) FROM pg_dist_node WHERE noderole = 'primary' AND groupid <> 0));
-- a change of the node list makes the coordinator ask the workers again
SELECT citus_set_node_property('127.0.0.1', (SELECT max(nodeport) FROM pg_dist_node WHERE groupid <> 0), 'shouldhaveshards', true);
SELECT throws_like($$SELECT * FROM pgdl.train_model('tr_par', 'SELECT id, a, b, y FROM public.tr_dist', 'y',
           '[{"type":"dense","units":8,"activation":"tanh"}]', ARRAY['a', 'b'], '{"epochs": 2, "seed": 5, "parallel_workers": 2}')$$,
          '%pgdl version 0.0.1-test on Citus node 127.0.0.1:% differs from the coordinator''s version %',
          'data-parallel training refuses a worker with another pgdl version');
SELECT throws_ok($$SELECT count(*) FROM public.tr_dist t WHERE pgdl.predict_label('tr_par', ARRAY[t.a, t.b]) = t.y::text$$,
          '55000', NULL, 'so does scoring on the workers (55000)');
SELECT throws_ok($$SELECT * FROM pgdl.pca('SELECT a, b FROM public.tr_dist', 1)$$,
          '55000', NULL, 'so does PCA''s aggregate on the workers');
SELECT throws_like($$SELECT (pgdl.stats(a)).mean FROM public.tr_dist$$,
          '%pgdl version 0.0.1-test on Citus node 127.0.0.1:% differs from the coordinator''s version %',
          'so does an aggregate in a query written by hand, whose partial aggregates would run on the workers');
SELECT throws_ok($$SELECT pgdl.transform(pgdl.standard_scaler(ARRAY[a]), ARRAY[1.0]) FROM public.tr_dist$$,
          '55000', NULL, 'and a scaler fitted and applied in one query');
SELECT run_command_on_workers(format('UPDATE pg_catalog.pg_extension SET extversion = %L WHERE extname = ''pgdl''',
       (SELECT extversion FROM pg_extension WHERE extname = 'pgdl')));
-- a mismatch is never kept: the next statement asks the workers again
-- (run by lives_ok: after citus_set_node_property in this transaction, Citus
-- runs a top-level query with a subquery through a connection of its own)
SELECT lives_ok($$SELECT count(*) FROM public.tr_dist t WHERE pgdl.predict_label('tr_par', ARRAY[t.a, t.b]) = t.y::text$$,
          'with the versions equal again, scoring runs on the workers');
SELECT * FROM finish();
ROLLBACK;
-- the workers' catalogs are not part of the transaction: restored in any case
SELECT run_command_on_workers(format('UPDATE pg_catalog.pg_extension SET extversion = %L WHERE extname = ''pgdl''',
       (SELECT extversion FROM pg_extension WHERE extname = 'pgdl')));

