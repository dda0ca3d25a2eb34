-- test/pgtap/nn_readonly.sql: cancelling a training (statement_timeout)
-- and the neural-network functions in a READ ONLY transaction (the README:
-- "Long-running functions honour query cancel and statement_timeout";
-- "Everything not VOLATILE works in a READ ONLY transaction").
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(30);

CREATE TEMP TABLE t AS
SELECT i AS id, (i % 10) / 10.0 AS a, (i % 7)::float8 AS b, (i % 10) >= 5 AS y,
       (i % 10) / 10.0 * 2 - (i % 7) * 0.1 AS yr
FROM generate_series(1, 200) i;
SELECT is((SELECT version FROM pgdl.train_model('tap_ro', 't', 'y', '[{"type":"dense","units":4}]', ARRAY['a', 'b'], '{"epochs":3}')), 1,
          'a bool model to use read-only');
SELECT is((SELECT version FROM pgdl.train_model('tap_ro_reg', 't', 'yr', '[{"type":"dense","units":4}]', ARRAY['a', 'b'], '{"epochs":3}')), 1,
          'a regression model to use read-only');

------------------------------------------------------------------------------
-- cancel: statement_timeout stops a long training promptly and saves nothing
------------------------------------------------------------------------------
-- pgTAP's throws_ok cannot see a cancel: its handler is WHEN OTHERS, which in
-- PL/pgSQL leaves out QUERY_CANCELED (57014) on purpose.  This helper
-- catches exactly that and reports the SQLSTATE and the time it took.
CREATE FUNCTION pg_temp.cancelled(q text, OUT state text, OUT seconds float8) LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
BEGIN
    state := 'no error';
    BEGIN
        EXECUTE q;
    EXCEPTION WHEN query_canceled THEN
        state := SQLSTATE;
    END;
    seconds := extract(epoch FROM clock_timestamp() - t0);
END $$;

-- 200,000 rows x 8 features and 50 epochs of a 256-unit network: many
-- seconds of work (the timing assertion below would fail without a cancel).
CREATE TEMP TABLE big AS
SELECT i AS id, ARRAY[sin(i), cos(i), sin(i * 0.5), cos(i * 0.5), sin(i * 0.25), cos(i * 0.25), (i % 100) / 100.0, (i % 7) / 7.0]::real[] AS x,
       sin(i) * cos(i * 0.5) AS target
FROM generate_series(1, 200000) i;
SELECT is((SELECT max(version) FROM pgdl.models WHERE name = 'tap_cancel'), NULL, 'no model tap_cancel before');

SET statement_timeout = '300ms';
CREATE TEMP TABLE cancel_result AS
SELECT * FROM pg_temp.cancelled($$SELECT * FROM pgdl.train_model('tap_cancel', 'big', 'target',
    '[{"type":"dense","units":256,"activation":"relu"},{"type":"dense","units":256,"activation":"relu"}]',
    ARRAY['x'], '{"epochs":50,"batch_size":32,"validation_fraction":0.1}')$$);
RESET statement_timeout;

SELECT is((SELECT state FROM cancel_result), '57014', 'statement_timeout cancels a long training with 57014');
SELECT cmp_ok((SELECT seconds FROM cancel_result), '<', 1.5::float8,
              'the training stops promptly: under 1.5 s for a 300 ms timeout');
SELECT is((SELECT count(*) FROM pgdl.model_names WHERE name = 'tap_cancel'), 0::bigint, 'the cancelled training saved no name');
SELECT is((SELECT count(*) FROM pgdl.models WHERE name = 'tap_cancel'), 0::bigint, 'no version');
SELECT is((SELECT count(*) FROM pgdl.training_history WHERE name = 'tap_cancel'), 0::bigint, 'no history');

-- the same while the rows are still being read: a query source of 4e10
-- rows that streams (a regression target, so no DISTINCT over the labels
-- runs first)
SET statement_timeout = '300ms';
CREATE TEMP TABLE cancel_read AS
SELECT * FROM pg_temp.cancelled($$SELECT * FROM pgdl.train_model('tap_cancel', 'select b1.x, b2.target from big b1 cross join big b2', 'target',
    '[{"type":"dense","units":4}]', ARRAY['x'])$$);
RESET statement_timeout;
SELECT is((SELECT state FROM cancel_read), '57014', 'statement_timeout cancels a training while it reads its source');
SELECT cmp_ok((SELECT seconds FROM cancel_read), '<', 1.5::float8, 'promptly');

SELECT is((SELECT version FROM pgdl.train_model('tap_cancel', 't', 'y', '[{"type":"dense","units":4}]', ARRAY['a', 'b'], '{"epochs":2}')), 1,
          'after a cancel the session trains again, and the name starts at version 1');
SELECT is((SELECT count(*) FROM pgdl.training_history WHERE name = 'tap_cancel'), 2::bigint, 'with only its own history');

------------------------------------------------------------------------------
-- READ ONLY: every function that is not VOLATILE works, the others are 25006
-- (the rest of this file runs read-only: pgTAP writes only temp tables)
------------------------------------------------------------------------------
SET TRANSACTION READ ONLY;
SELECT is(current_setting('transaction_read_only'), 'on', 'the transaction is read-only now');
SELECT lives_ok($$SELECT pgdl.predict('tap_ro', ARRAY[1, 2]), pgdl.predict_label('tap_ro', ARRAY[1, 2]),
                         pgdl.predict_proba('tap_ro', ARRAY[1, 2]), pgdl.predict('tap_ro_reg@1', ARRAY[1.5, 2])$$,
                'predict, predict_label, predict_proba work read-only');
SELECT is((SELECT count(*) FROM t WHERE pgdl.predict('tap_ro', t) IS NOT NULL), 200::bigint, 'predict(model, record) works read-only');
SELECT is((SELECT count(*) FROM pgdl.class_probabilities('tap_ro', ARRAY[1, 2])), 2::bigint, 'class_probabilities works read-only');
SELECT is((SELECT count(*) FROM pgdl.predict_batch('tap_ro', 't', 'id')), 200::bigint, 'predict_batch works read-only');
SELECT is((SELECT value FROM pgdl.evaluate('tap_ro', 't') WHERE metric = 'n'), 200::float8, 'evaluate works read-only');
SELECT is((SELECT sum(n) FROM pgdl.confusion_matrix('tap_ro', 't')), 200::numeric, 'confusion_matrix works read-only');
SELECT isnt_empty($$SELECT * FROM pgdl.roc_curve('tap_ro', 't')$$, 'roc_curve works read-only');
SELECT is((SELECT count(DISTINCT fold) FROM pgdl.cross_validate('t', 'y', '[{"type":"dense","units":4}]', 3, ARRAY['a', 'b'], '{"epochs":2}')),
          3::bigint, 'cross_validate works read-only');
SELECT is(pgdl.model_info('tap_ro') ->> 'task', 'classification', 'model_info works read-only');
SELECT cmp_ok(length(pgdl.export_model('tap_ro')), '>', 0, 'export_model works read-only');
SELECT throws_ok($$SELECT pgdl.train_model('tap_ro', 't', 'y', '[{"type":"dense","units":4}]', ARRAY['a', 'b'])$$,
                 '25006', 'cannot execute pgdl.train_model() in a read-only transaction', 'train_model is 25006 read-only');
SELECT throws_ok($$SELECT pgdl.train_model('tap_new', 'no_such_table', 'y', '[{"type":"dense","units":4}]')$$,
                 '25006', NULL, 'train_model refuses before reading its source (25006, not 42P01)');
SELECT throws_ok($$SELECT pgdl.import_model('tap_ro', pgdl.export_model('tap_ro'))$$, '25006', NULL, 'import_model is 25006 read-only');
SELECT throws_ok($$SELECT pgdl.drop_model('tap_ro')$$, '25006', NULL, 'drop_model is 25006 read-only');
SELECT throws_ok($$SELECT pgdl.deploy_model('tap_ro', 1)$$, '25006', NULL, 'deploy_model is 25006 read-only');
SELECT throws_ok($$SELECT pgdl.grant_model('tap_ro', '-')$$, '25006', NULL, 'grant_model is 25006 read-only');
SELECT throws_ok($$SELECT pgdl.revoke_model('tap_ro', '-')$$, '25006', NULL, 'revoke_model is 25006 read-only');

SELECT * FROM finish();
ROLLBACK;
