-- test/pgtap/shipped.sql: the _shipped twins of the per-row scoring
-- functions, which the coordinator of a Citus cluster sends to its workers
-- with the model's bytes (the README's Citus section; test/citus/scoring.sql
-- runs them on a cluster).  Here, without Citus: they score exactly as the
-- functions they stand for, read nothing but their arguments (a model whose
-- bytes change from row to row is decoded again), and refuse damaged bytes.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(15);

CREATE TEMP TABLE t AS
SELECT i AS id, ARRAY[sin(i), cos(i * 0.7), (i % 5) - 2] AS x, (i % 3) AS y
FROM generate_series(1, 150) i;
SELECT is((SELECT version FROM pgdl.train_model('tap_ship', 't', 'y', '[{"type":"dense","units":4}]', ARRAY['x'],
                                                '{"epochs": 2, "seed": 1, "validation_fraction": 0}')), 1,
          'a classifier to ship');

-- every row's value of expr, in id order, as one text
CREATE FUNCTION pg_temp.scores(expr text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	result text;
BEGIN
	EXECUTE format('SELECT string_agg(id || '':'' || (%s)::text, '' '' ORDER BY id) FROM t', expr) INTO result;
	RETURN result;
END $$;

CREATE TEMP TABLE blob AS SELECT pgdl.export_model('tap_ship') AS b;


SELECT is(pg_temp.scores(format('pgdl.%s_shipped(%L::bytea, x, ''tap_ship@1'')', f, (SELECT b FROM blob))),
          pg_temp.scores(format('pgdl.%s(''tap_ship@1'', x)', f)),
          f || '_shipped with a constant model equals ' || f)
FROM unnest(ARRAY['predict', 'predict_label', 'predict_proba', 'transform_model', 'model_inputs', 'embed']) f;
SELECT is(pg_temp.scores(format('pgdl.%s_shipped(%L::bytea, t, ''tap_ship@1'')', f, (SELECT b FROM blob))),
          pg_temp.scores(format('pgdl.%s(''tap_ship'', t)', f)),
          f || '_shipped of a row equals ' || f || ' of the row')
FROM unnest(ARRAY['predict', 'embed']) f;
-- not a constant: the bytes compared row by row instead of by address
SELECT is(pg_temp.scores('pgdl.predict_proba_shipped((SELECT b FROM blob), x, ''tap_ship@1'')'),
          pg_temp.scores('pgdl.predict_proba(''tap_ship'', x)'),
          'predict_proba_shipped with the bytes from a subquery equals predict_proba');
SELECT is((SELECT string_agg(q::text, ' ' ORDER BY q::text) FROM (SELECT id, (pgdl.class_probabilities_shipped((SELECT b FROM blob), x, 'tap_ship@1')).* FROM t) q),
          (SELECT string_agg(q::text, ' ' ORDER BY q::text) FROM (SELECT id, (pgdl.class_probabilities('tap_ship', x)).* FROM t) q),
          'class_probabilities_shipped equals class_probabilities');

-- bytes that change from row to row: each row scored with its own model
SELECT is((SELECT version FROM pgdl.train_model('tap_ship', 't', 'y', '[{"type":"dense","units":4}]', ARRAY['x'],
                                                '{"epochs": 2, "seed": 2, "validation_fraction": 0}')), 2,
          'a second version');
CREATE TEMP TABLE blobs AS SELECT v - 1 AS k, pgdl.export_model('tap_ship@' || v) AS b FROM generate_series(1, 2) v;
SELECT is(pg_temp.scores('pgdl.predict_proba_shipped((SELECT b FROM blobs WHERE k = id % 2), x, ''tap_ship'')'),
          pg_temp.scores('CASE WHEN id % 2 = 0 THEN pgdl.predict_proba(''tap_ship@1'', x) ELSE pgdl.predict_proba(''tap_ship@2'', x) END'),
          'bytes that alternate from row to row: each row scored with the model of its bytes');

SELECT throws_ok($$SELECT pgdl.predict_shipped('\x00010203'::bytea, ARRAY[1, 2, 3], 'tap_ship@1')$$, '22P03', NULL,
                 'damaged bytes: 22P03');
SELECT throws_like(format($$SELECT pgdl.predict_shipped(%L::bytea, ARRAY[1, 2], 'tap_ship@1')$$, pgdl.export_model('tap_ship@1')),
                   '%model "tap_ship" expects 3 features, got 2%', 'messages name the model by model_ref');

SELECT * FROM finish();
ROLLBACK;
