-- test/pgtap/train_parallel.sql: data-parallel training (the option
-- "parallel_workers", the aggregate pgdl.train_state_agg and its state type;
-- see the README).  Parallel plans are forced with zero parallel costs; the
-- table is a regular one (parallel workers cannot read temporary tables),
-- created inside the test's transaction and rolled back with everything else.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(46);

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;

-- a small easy dataset: inside or outside a circle, 12000 rows over 89 pages
CREATE TABLE pgdl_par_points AS
SELECT i AS id, a, b, (a * a + b * b < 1.2)::int AS y
FROM (SELECT i, sin(i * 1.7) * 1.5 AS a, cos(i * 2.3) * 1.5 AS b FROM generate_series(1, 12000) i) s;
ANALYZE pgdl_par_points;

-- ---- the aggregate and its type ----------------------------------------------
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'pgdl.train_state_agg(pgdl.train_state, record)'::regprocedure),
		  's', 'train_state_agg is PARALLEL SAFE');
SELECT is((SELECT aggcombinefn::text FROM pg_aggregate WHERE aggfnoid = 'pgdl.train_state_agg(pgdl.train_state, record)'::regprocedure),
		  'pgdl.train_state_combine', 'train_state_agg has a combine function');
SELECT is((SELECT aggserialfn::text FROM pg_aggregate WHERE aggfnoid = 'pgdl.train_state_agg(pgdl.train_state, record)'::regprocedure),
		  '-', 'its state is a concrete type: no serialize function');

-- ---- option errors ------------------------------------------------------------
SELECT throws_ok($$SELECT * FROM pgdl.train_model('par_bad', 'pgdl_par_points', 'y', '[{"type":"dense","units":4}]', ARRAY['a', 'b'], '{"parallel_workers": -1}')$$,
				 '22023', NULL, 'parallel_workers below 0 is 22023');
SELECT throws_ok($$SELECT * FROM pgdl.train_model('par_bad', 'pgdl_par_points', 'y', '[{"type":"dense","units":4}]', ARRAY['a', 'b'], '{"parallel_workers": 1025}')$$,
				 '22023', NULL, 'parallel_workers above 1024 is 22023');
SELECT throws_ok($$SELECT * FROM pgdl.train_model('par_bad', 'pgdl_par_points', 'y', '[{"type":"dense","units":4}]', ARRAY['a', 'b'], '{"parallel_workers": "two"}')$$,
				 '22023', NULL, 'parallel_workers that is not a number is 22023');
SELECT throws_ok($$SELECT * FROM pgdl.train_model('par_bad', 'pgdl_par_points', 'y', '[{"type":"dense","units":4}]', ARRAY['a', 'b'], '{"parallel_workers": 1.5}')$$,
				 '22023', NULL, 'parallel_workers that is not an integer is 22023');
SELECT throws_ok($$SELECT * FROM pgdl.cross_validate('pgdl_par_points', 'y', '[{"type":"dense","units":4}]', 3, ARRAY['a', 'b'], '{"parallel_workers": 2}')$$,
				 '22023', 'option "parallel_workers" is not supported by cross_validate',
				 'cross_validate refuses parallel_workers (22023)');
SELECT lives_ok($$SELECT * FROM pgdl.cross_validate('pgdl_par_points', 'y', '[{"type":"dense","units":4}]', 2, ARRAY['a', 'b'], '{"parallel_workers": 0, "epochs": 1}')$$,
				'cross_validate takes parallel_workers 0');
SELECT throws_ok($$SELECT * FROM pgdl.train_model('par_bad', 'pgdl_par_points', 'y', '[{"type":"dense","units":4}]', ARRAY['a', 'b'], '{"parallel_workers": 2, "data": "stream"}')$$,
				 '22023', 'data-parallel training reads the source in every round: the options "data" and "shuffle_buffer" do not apply with "parallel_workers"',
				 'data "stream" with parallel_workers is 22023');
SELECT throws_ok($$SELECT * FROM pgdl.train_model('par_bad', 'pgdl_par_points', 'y', '[{"type":"dense","units":4}]', ARRAY['a', 'b'], '{"parallel_workers": 2, "shuffle_buffer": 100}')$$,
				 '22023', 'data-parallel training reads the source in every round: the options "data" and "shuffle_buffer" do not apply with "parallel_workers"',
				 'shuffle_buffer with parallel_workers is 22023');

-- ---- training on two workers --------------------------------------------------
CREATE TEMP TABLE par_results AS
SELECT * FROM pgdl.train_model('par_serial', 'pgdl_par_points', 'y', '[{"type":"dense","units":16,"activation":"relu"}]',
							   ARRAY['a', 'b'], '{"epochs": 8, "learning_rate": 0.01, "seed": 7}');
INSERT INTO par_results
SELECT * FROM pgdl.train_model('par_two', 'pgdl_par_points', 'y', '[{"type":"dense","units":16,"activation":"relu"}]',
							   ARRAY['a', 'b'], '{"epochs": 8, "learning_rate": 0.01, "seed": 7, "parallel_workers": 2}');

SELECT is((SELECT data FROM par_results WHERE model = 'par_serial'), 'memory', 'serial training reads into memory');
SELECT is((SELECT data FROM par_results WHERE model = 'par_two'), 'parallel 2',
		  'parallel_workers 2: the result says two workers trained');
SELECT is((SELECT metrics ->> 'data' FROM pgdl.models WHERE name = 'par_two'), 'parallel 2',
		  'the version''s metrics say how the data was read');
SELECT is((SELECT count(*)::int FROM pgdl.training_history WHERE name = 'par_two'), 8,
		  'the history has one row per epoch');
SELECT ok((SELECT bool_and(validation_loss IS NOT NULL AND train_loss > 0) FROM pgdl.training_history WHERE name = 'par_two'),
		  'every epoch has its training and validation loss');
SELECT is((SELECT (metrics ->> 'rows')::int + (metrics ->> 'validation_rows')::int FROM pgdl.models WHERE name = 'par_two'),
		  12000, 'training and validation rows add up to the table');
SELECT cmp_ok((SELECT (metrics ->> 'validation_rows')::int FROM pgdl.models WHERE name = 'par_two'), '>', 900,
			  'about a tenth of the rows validate');

-- accuracy on the whole table, close to serial training's at equal epochs
CREATE TEMP TABLE par_accuracy AS
SELECT avg((pgdl.predict_label('par_serial', ARRAY[a, b]) = y::text)::int) AS serial,
	   avg((pgdl.predict_label('par_two', ARRAY[a, b]) = y::text)::int) AS two
FROM pgdl_par_points;
SELECT cmp_ok((SELECT two FROM par_accuracy), '>', 0.95::numeric, 'two workers learn the circle (accuracy above 0.95)');
SELECT cmp_ok((SELECT abs(two - serial) FROM par_accuracy), '<', 0.03::numeric,
			  'two workers are within 3 points of serial training at equal epochs');

-- ---- one process: reproducible, and equal to serial training ------------------
-- one worker asked for: the planner keeps the aggregate in the leader (no gain
-- without leader participation), so one process reads every row in order
INSERT INTO par_results
SELECT * FROM pgdl.train_model('par_one_a', 'pgdl_par_points', 'y', '[{"type":"dense","units":8,"activation":"relu"},{"type":"dropout","rate":0.1}]',
							   ARRAY['a', 'b'], '{"epochs": 3, "seed": 11, "parallel_workers": 1}');
INSERT INTO par_results
SELECT * FROM pgdl.train_model('par_one_b', 'pgdl_par_points', 'y', '[{"type":"dense","units":8,"activation":"relu"},{"type":"dropout","rate":0.1}]',
							   ARRAY['a', 'b'], '{"epochs": 3, "seed": 11, "parallel_workers": 1}');
SELECT is((SELECT data FROM par_results WHERE model = 'par_one_a'), 'parallel 0',
		  'with no worker started the result says so');
SELECT is((SELECT count(*)::int FROM pgdl_par_points
		   WHERE pgdl.predict_proba('par_one_a', ARRAY[a, b]) IS DISTINCT FROM pgdl.predict_proba('par_one_b', ARRAY[a, b])), 0,
		  'one process, the same seed: the same model bit for bit');
SELECT is((SELECT h1.train_loss FROM pgdl.training_history h1 WHERE h1.name = 'par_one_a' AND epoch = 3),
		  (SELECT h2.train_loss FROM pgdl.training_history h2 WHERE h2.name = 'par_one_b' AND epoch = 3),
		  'and the same losses');

-- early stopping: the epoch's validation loss arrives with the next round
INSERT INTO par_results
SELECT * FROM pgdl.train_model('par_stop', 'pgdl_par_points', 'y', '[{"type":"dense","units":16,"activation":"relu"}]',
							   ARRAY['a', 'b'], '{"epochs": 60, "learning_rate": 0.05, "early_stopping_patience": 2, "parallel_workers": 1}');
SELECT cmp_ok((SELECT epochs FROM par_results WHERE model = 'par_stop'), '<', 60, 'early stopping stops a parallel training');
SELECT is((SELECT validation_loss FROM par_results WHERE model = 'par_stop'),
		  (SELECT min(validation_loss) FROM pgdl.training_history WHERE name = 'par_stop'),
		  'and keeps the best epoch');
SELECT is((SELECT count(*)::int FROM pgdl.training_history WHERE name = 'par_stop'),
		  (SELECT epochs FROM par_results WHERE model = 'par_stop'), 'the history ends at the epoch it stopped');

-- one epoch without validation: the aggregate in one process is serial training
INSERT INTO par_results
SELECT * FROM pgdl.train_model('par_eq_serial', 'pgdl_par_points', 'y', '[{"type":"dense","units":8,"activation":"relu"},{"type":"dropout","rate":0.1}]',
							   ARRAY['a', 'b'], '{"epochs": 1, "seed": 5, "validation_fraction": 0}');
INSERT INTO par_results
SELECT * FROM pgdl.train_model('par_eq_agg', 'pgdl_par_points', 'y', '[{"type":"dense","units":8,"activation":"relu"},{"type":"dropout","rate":0.1}]',
							   ARRAY['a', 'b'], '{"epochs": 1, "seed": 5, "validation_fraction": 0, "parallel_workers": 1}');
SELECT is((SELECT train_loss FROM par_results WHERE model = 'par_eq_agg'),
		  (SELECT train_loss FROM par_results WHERE model = 'par_eq_serial'),
		  'one process, one epoch: the same training loss as serial training');
SELECT is((SELECT count(*)::int FROM pgdl_par_points
		   WHERE pgdl.predict_proba('par_eq_agg', ARRAY[a, b]) IS DISTINCT FROM pgdl.predict_proba('par_eq_serial', ARRAY[a, b])), 0,
		  'and the same model bit for bit');

-- ---- the aggregate by hand ----------------------------------------------------
\ir lib/plan.sql
SELECT matches(pg_temp.plan_of($$SELECT pgdl.train_state_agg((SELECT pgdl.train_state_init('par_two')), s)
								 FROM (SELECT a, b, y FROM pgdl_par_points) s$$),
			   'Finalize Aggregate.*Gather.*Partial Aggregate.*Parallel Seq Scan',
			   'a round by hand is a partial aggregate over a parallel scan');
CREATE TEMP TABLE par_state AS
SELECT pgdl.train_state_agg((SELECT pgdl.train_state_init('par_two')), s) AS st
FROM (SELECT a, b, y FROM pgdl_par_points) s;
SELECT is((SELECT (pgdl.train_state_info(st) ->> 'rows')::int FROM par_state), 12000,
		  'every row is trained once, however the workers shared them');
SELECT cmp_ok((SELECT (pgdl.train_state_info(st) ->> 'partials')::int FROM par_state), '>=', 1,
			  'the state counts the partial states merged into it');
-- one process (LIMIT keeps the plan serial): the final function trains the buffered rows
SELECT is((SELECT (pgdl.train_state_info(pgdl.train_state_agg((SELECT pgdl.train_state_init('par_two')), s)) ->> 'bytes')::bigint
		   FROM (SELECT a, b, y FROM pgdl_par_points LIMIT 500) s),
		  (SELECT (pgdl.train_state_info(pgdl.train_state_init('par_two')) ->> 'bytes')::bigint),
		  'the result holds no row buffer: it is the size of the state it started from');
SELECT is((SELECT st::text::pgdl.train_state::text = st::text FROM par_state), true,
		  'the text form round-trips exactly');
-- the state by reference (how train_model runs a round on Citus workers):
-- the same training as by value, in one process (LIMIT keeps the plan serial)
SELECT is((SELECT pgdl.train_state_agg_ref(pgdl.train_state_ref((SELECT pgdl.train_state_init('par_two'))), s)::text
		   FROM (SELECT a, b, y FROM pgdl_par_points LIMIT 3000) s),
		  (SELECT pgdl.train_state_agg((SELECT pgdl.train_state_init('par_two')), s)::text
		   FROM (SELECT a, b, y FROM pgdl_par_points LIMIT 3000) s),
		  'train_state_agg_ref with train_state_ref trains as train_state_agg does');
-- a parameter's new value gets its own reference, even where the old value
-- was (a PL/pgSQL variable assigned in a loop): the reference of the
-- state the call is given, never the one of the call before
CREATE FUNCTION pg_temp.par_refs() RETURNS boolean LANGUAGE plpgsql AS $f$
DECLARE
	sts pgdl.train_state[] := ARRAY[pgdl.train_state_init('par_two'),
									(SELECT pgdl.train_state_agg(pgdl.train_state_init('par_two'), s)
									 FROM (SELECT a, b, y FROM pgdl_par_points LIMIT 300) s)];
	st pgdl.train_state;
	refs bytea[] := '{}';
BEGIN
	FOR i IN 1 .. 2 LOOP
		st := NULL;
		st := sts[i];
		refs := refs || pgdl.train_state_ref(st);
	END LOOP;
	RETURN refs[1] IS DISTINCT FROM refs[2];
END
$f$;
SELECT is(pg_temp.par_refs(), true, 'train_state_ref of a variable in a loop: each value its own reference');
SELECT throws_ok($$SELECT pgdl.train_state_agg_ref(pg_catalog.decode(pg_catalog.repeat('00', 16), 'hex'), s)
				 FROM (SELECT a, b, y FROM pgdl_par_points LIMIT 10) s$$,
				 '22023', 'no training state of this reference in this transaction',
				 'a reference to no registered state is 22023');
SELECT throws_ok($$SELECT pgdl.train_state_agg_ref('\x00'::bytea, s) FROM (SELECT a, b, y FROM pgdl_par_points LIMIT 10) s$$,
				 '22023', 'a training state reference has 1 bytes, not 16',
				 'a reference of the wrong length is 22023');
-- a running state of another model than the round's (a user's aggregate with
-- an initial condition, or groups started from different models) is trained
-- with its own model, never with the cached one (which wrote past the state);
-- one the transition did not make is refused
SELECT * FROM pgdl.train_model('par_small', 'pgdl_par_points', 'y', '[{"type":"dense","units":4}]',
							   ARRAY['a'], '{"epochs": 1, "seed": 1}');
DO $$
BEGIN
	EXECUTE pg_catalog.format('CREATE AGGREGATE pg_temp.par_foreign(pgdl.train_state, record) '
							  '(SFUNC = pgdl.train_state_step, STYPE = pgdl.train_state, INITCOND = %L)',
							  (SELECT pgdl.train_state_init('par_small')::text));
END $$;
SELECT throws_ok($$SELECT pg_temp.par_foreign((SELECT pgdl.train_state_init('par_two')), s)
				   FROM (SELECT a, b, y FROM pgdl_par_points) s$$,
				 '22023', 'pgdl.train_state_step continues only the states it made: this one has no row buffer',
				 'a running state that the transition did not make is refused (it was trained with the cached model, past its end)');
SELECT throws_ok($$SELECT 'pgdl:00'::pgdl.train_state$$, '22P03', NULL, 'a truncated state is 22P03');
SELECT throws_ok($$SELECT (SELECT overlay(st::text placing 'ff' from 7 for 2) FROM par_state)::pgdl.train_state$$,
				 '22P03', NULL, 'a state with a damaged magic is 22P03');
SELECT throws_ok($$SELECT (SELECT left(st::text, -8) FROM par_state)::pgdl.train_state$$,
				 '22P03', NULL, 'a state shorter than its counts is 22P03');
SELECT throws_ok($$SELECT 'pgdl:zz'::pgdl.train_state$$, '22P02', NULL, 'text that is not hex is 22P02');
SELECT throws_ok($$SELECT pgdl.train_state_step(NULL, (SELECT st FROM par_state), NULL::record)$$,
				 '0A000', NULL, 'the transition outside the aggregate is 0A000');

-- ---- a cancelled parallel training leaves no worker running --------------------
CREATE FUNCTION pg_temp.cancelled(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'finished';
EXCEPTION WHEN query_canceled THEN
	RETURN 'cancelled';
END $$;
SET LOCAL statement_timeout = '300ms';
SELECT is(pg_temp.cancelled($$SELECT * FROM pgdl.train_model('par_cancel', 'pgdl_par_points', 'y',
		  '[{"type":"dense","units":256,"activation":"relu"},{"type":"dense","units":256,"activation":"relu"}]',
		  ARRAY['a', 'b'], '{"epochs": 1000, "parallel_workers": 2}')$$), 'cancelled',
		  'a training cancelled by statement_timeout stops');
SET LOCAL statement_timeout = 0;
SELECT is((SELECT count(*)::int FROM pg_stat_activity WHERE leader_pid = pg_backend_pid()), 0,
		  'and no parallel worker of this backend is left running');
SELECT is((SELECT count(*)::int FROM pgdl.models WHERE name = 'par_cancel'), 0, 'nor any version saved');

SELECT * FROM finish();
ROLLBACK;
