-- test/pgtap/hostile_injection.sql: strings that look like SQL are data.
-- Model names, sources, column names, option keys and values, layer keys,
-- grantees and target names holding quotes, semicolons, comments,
-- "); DROP TABLE", printf directives, backslashes, dollar quotes, unicode and
-- 100,000 characters either fail with the SQLSTATE the README gives
-- (42602 model name, 42703 column, 42601/42P01 source, 22023 option, 42704
-- role) or are carried through as data: a table whose name, columns,
-- categories and labels are such strings trains, predicts, evaluates,
-- exports and imports, and every name and label comes back byte for byte.
-- A canary table must survive and a canary function must never run (it
-- leaves a trace no rollback undoes: nextval of a temporary sequence).
-- Needs a superuser connection (the runner's).
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(741);

CREATE TABLE public.inj_canary (x int);
INSERT INTO public.inj_canary VALUES (1), (2), (3);
CREATE TEMP SEQUENCE inj_called;
CREATE FUNCTION public.inj_canary_fn() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_catalog.nextval('pg_temp.inj_called');
    RAISE EXCEPTION 'the canary function ran' USING ERRCODE = 'CN001';
END $$;
-- a function that writes, for the sources that call one
CREATE FUNCTION public.inj_writer() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM public.inj_canary;
    RETURN 1;
END $$;

CREATE TABLE public.inj_src AS
SELECT i AS id, (i % 10) / 10.0 AS a, (i % 7)::float8 AS b, (i % 10) >= 5 AS y FROM generate_series(1, 60) i;
SELECT is((SELECT version FROM pgdl.train_model('inj_m', 'public.inj_src', 'y', '[{"type":"dense","units":2}]',
                                                ARRAY['a', 'b'], '{"epochs":1,"seed":1}')), 1, 'a model to aim at');
SELECT is((SELECT count(*) FROM pgdl.train_kmeans('inj_km', 'public.inj_src', 2, ARRAY['a', 'b'])), 2::bigint,
          'a clustering model to aim at');

-- 'ok', or the SQLSTATE of the error q raises; undone either way
CREATE FUNCTION pg_temp.inj(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE q;
        RAISE EXCEPTION 'undo' USING ERRCODE = 'PH001';
    EXCEPTION
        WHEN SQLSTATE 'PH001' THEN RETURN 'ok';
        WHEN OTHERS THEN RETURN SQLSTATE;
    END;
END $$;

------------------------------------------------------------------------------
-- hostile strings in every argument: a clear error, nothing run
------------------------------------------------------------------------------
CREATE TEMP TABLE inj_payloads (ord serial, label text, p text);
INSERT INTO inj_payloads (label, p) VALUES
    ('a quote, a parenthesis and DROP TABLE', $p$x'); DROP TABLE public.inj_canary; --$p$),
    ('a double quote, a parenthesis and DROP TABLE', $p$x"); DROP TABLE public.inj_canary; --$p$),
    ('a semicolon and a call of the canary', $p$a; SELECT public.inj_canary_fn()$p$),
    ('a call of the canary', $p$public.inj_canary_fn()$p$),
    ('printf directives', $p$%s%s%s%n$p$),
    ('a backslash before a quote', $p$x\'); SELECT public.inj_canary_fn(); --$p$),
    ('dollar quotes', $p$$$; SELECT public.inj_canary_fn(); $$$p$),
    ('a newline and a comment opener', E'line\nbreak /*'),
    ('unicode', '名前🚀'),
    ('100,000 characters', repeat('x', 100000)),
    ('name@1 and DROP TABLE', 'a@1; DROP TABLE public.inj_canary'),
    ('an empty string', '');

-- %L is where the payload goes; expect has one SQLSTATE for every payload,
-- or one per payload in the order above
CREATE TEMP TABLE inj_contexts (ord serial, what text, q text, expect text[]);
INSERT INTO inj_contexts (what, q, expect) VALUES
    ('predict, model', $$SELECT pgdl.predict(%L, ARRAY[1, 2])$$, '{42602}'),
    ('predict(record), model', $$SELECT pgdl.predict(%L, s) FROM public.inj_src s$$, '{42602}'),
    ('predict_label, model', $$SELECT pgdl.predict_label(%L, ARRAY[1, 2])$$, '{42602}'),
    ('predict_proba, model', $$SELECT pgdl.predict_proba(%L, ARRAY[1, 2])$$, '{42602}'),
    ('class_probabilities, model', $$SELECT * FROM pgdl.class_probabilities(%L, ARRAY[1, 2])$$, '{42602}'),
    ('transform_model, model', $$SELECT pgdl.transform_model(%L, ARRAY[1, 2])$$, '{42602}'),
    ('model_info, model', $$SELECT pgdl.model_info(%L)$$, '{42602}'),
    ('export_model, model', $$SELECT pgdl.export_model(%L)$$, '{42602}'),
    ('import_model, model', $$SELECT pgdl.import_model(%L, pgdl.export_model('inj_m'))$$, '{42602}'),
    ('drop_model, model', $$SELECT pgdl.drop_model(%L)$$, '{42602}'),
    ('deploy_model, model', $$SELECT pgdl.deploy_model(%L, 1)$$, '{42602}'),
    ('grant_model, model', $$SELECT pgdl.grant_model(%L, 'public')$$, '{42602}'),
    ('revoke_model, model', $$SELECT pgdl.revoke_model(%L, 'public')$$, '{42602}'),
    ('predict_batch, model', $$SELECT * FROM pgdl.predict_batch(%L, 'public.inj_src', 'id')$$, '{42602}'),
    ('evaluate, model', $$SELECT * FROM pgdl.evaluate(%L, 'public.inj_src')$$, '{42602}'),
    ('confusion_matrix, model', $$SELECT * FROM pgdl.confusion_matrix(%L, 'public.inj_src')$$, '{42602}'),
    ('roc_curve, model', $$SELECT * FROM pgdl.roc_curve(%L, 'public.inj_src')$$, '{42602}'),
    ('silhouette, model', $$SELECT pgdl.silhouette(%L, 'public.inj_src')$$, '{42602}'),
    ('train_model, model', $$SELECT * FROM pgdl.train_model(%L, 'public.inj_src', 'y', '[{"type":"dense","units":2}]')$$, '{42602}'),
    ('train_kmeans, model', $$SELECT * FROM pgdl.train_kmeans(%L, 'public.inj_src', 2)$$, '{42602}'),
    ('train_pca, model', $$SELECT * FROM pgdl.train_pca(%L, 'public.inj_src', 1)$$, '{42602}'),
    ('train_model, target', $$SELECT * FROM pgdl.train_model('inj_x', 'public.inj_src', %L, '[{"type":"dense","units":2}]')$$, '{42703}'),
    ('train_model, feature', $$SELECT * FROM pgdl.train_model('inj_x', 'public.inj_src', 'y', '[{"type":"dense","units":2}]', ARRAY['a', %L])$$, '{42703}'),
    ('cross_validate, target', $$SELECT * FROM pgdl.cross_validate('public.inj_src', %L, '[{"type":"dense","units":2}]')$$, '{42703}'),
    ('cross_validate, feature', $$SELECT * FROM pgdl.cross_validate('public.inj_src', 'y', '[{"type":"dense","units":2}]', 2, ARRAY[%L])$$, '{42703}'),
    ('predict_batch, id_column', $$SELECT * FROM pgdl.predict_batch('inj_m', 'public.inj_src', %L)$$, '{42703}'),
    ('evaluate, target', $$SELECT * FROM pgdl.evaluate('inj_m', 'public.inj_src', %L)$$, '{42703}'),
    ('confusion_matrix, target', $$SELECT * FROM pgdl.confusion_matrix('inj_m', 'public.inj_src', %L)$$, '{42703}'),
    ('roc_curve, target', $$SELECT * FROM pgdl.roc_curve('inj_m', 'public.inj_src', %L)$$, '{42703}'),
    ('describe, column', $$SELECT * FROM pgdl.describe('public.inj_src', ARRAY[%L])$$, '{42703}'),
    ('correlations, column', $$SELECT * FROM pgdl.correlations('public.inj_src', ARRAY['a', %L])$$, '{42703}'),
    ('feature_scores, target', $$SELECT * FROM pgdl.feature_scores('public.inj_src', %L)$$, '{42703}'),
    ('feature_scores, feature', $$SELECT * FROM pgdl.feature_scores('public.inj_src', 'y', 'auto', ARRAY[%L])$$, '{42703}'),
    ('feature_scores, method', $$SELECT * FROM pgdl.feature_scores('public.inj_src', 'y', %L)$$, '{22023}'),
    ('select_features, feature', $$SELECT * FROM pgdl.select_features('public.inj_src', 'y', 1, 'auto', ARRAY[%L])$$, '{42703}'),
    ('kmeans, feature', $$SELECT * FROM pgdl.kmeans('public.inj_src', 2, ARRAY[%L])$$, '{42703}'),
    ('pca, feature', $$SELECT * FROM pgdl.pca('public.inj_src', 1, ARRAY[%L])$$, '{42703}'),
    ('silhouette, feature', $$SELECT pgdl.silhouette('inj_km', 'public.inj_src', ARRAY[%L])$$, '{42703}'),
    ('imputer, strategy', $$SELECT pgdl.imputer(ARRAY[a, b], %L) FROM public.inj_src$$, '{22023}'),
    ('train_model, option key', $$SELECT * FROM pgdl.train_model('inj_x', 'public.inj_src', 'y', '[{"type":"dense","units":2}]', NULL,
        jsonb_build_object(%L, 1))$$, '{22023}'),
    ('train_model, option warm_start', $$SELECT * FROM pgdl.train_model('inj_x', 'public.inj_src', 'y', '[{"type":"dense","units":2}]', NULL,
        jsonb_build_object('warm_start', %L))$$, '{42602,42602,42602,42602,42602,42602,42602,42602,42602,22023,42602,22023}'),
    ('train_model, option categorical', $$SELECT * FROM pgdl.train_model('inj_x', 'public.inj_src', 'y', '[{"type":"dense","units":2}]', NULL,
        jsonb_build_object('categorical', %L))$$, '{42703,42703,42703,42703,42703,42703,42703,42703,42703,22023,42703,22023}'),
    ('train_model, option loss', $$SELECT * FROM pgdl.train_model('inj_x', 'public.inj_src', 'y', '[{"type":"dense","units":2}]', NULL,
        jsonb_build_object('loss', %L))$$, '{22023}'),
    ('train_model, option max_memory', $$SELECT * FROM pgdl.train_model('inj_x', 'public.inj_src', 'y', '[{"type":"dense","units":2}]', NULL,
        jsonb_build_object('max_memory', %L))$$, '{22023}'),
    ('train_model, layer type', $$SELECT * FROM pgdl.train_model('inj_x', 'public.inj_src', 'y', jsonb_build_array(jsonb_build_object('type', %L)))$$,
     '{22023}'),
    ('train_model, layer key', $$SELECT * FROM pgdl.train_model('inj_x', 'public.inj_src', 'y',
        jsonb_build_array(jsonb_build_object('type', 'dense', %L, 1)))$$, '{22023}'),
    ('train_model, layer activation', $$SELECT * FROM pgdl.train_model('inj_x', 'public.inj_src', 'y',
        jsonb_build_array(jsonb_build_object('type', 'dense', 'activation', %L)))$$, '{22023}'),
    ('kmeans, option key', $$SELECT * FROM pgdl.kmeans('public.inj_src', 2, NULL, jsonb_build_object(%L, 1))$$, '{22023}'),
    ('kmeans, option init', $$SELECT * FROM pgdl.kmeans('public.inj_src', 2, NULL, jsonb_build_object('init', %L))$$, '{22023}'),
    ('pca, option key', $$SELECT * FROM pgdl.pca('public.inj_src', 1, NULL, jsonb_build_object(%L, 1))$$, '{22023}'),
    ('pca, option matrix', $$SELECT * FROM pgdl.pca('public.inj_src', 1, NULL, jsonb_build_object('matrix', %L))$$, '{22023}'),
    ('evaluate, option key', $$SELECT * FROM pgdl.evaluate('inj_m', 'public.inj_src', NULL, jsonb_build_object(%L, 1))$$, '{22023}'),
    ('evaluate, option positive_label', $$SELECT * FROM pgdl.evaluate('inj_m', 'public.inj_src', NULL,
        jsonb_build_object('positive_label', %L))$$, '{22023}'),
    ('roc_curve, option key', $$SELECT * FROM pgdl.roc_curve('inj_m', 'public.inj_src', NULL, jsonb_build_object(%L, 1))$$, '{22023}'),
    ('grant_model, grantee', $$SELECT pgdl.grant_model('inj_m', %L)$$, '{42704}'),
    ('revoke_model, grantee', $$SELECT pgdl.revoke_model('inj_m', %L)$$, '{42704}'),
    ('train_model, source', $$SELECT * FROM pgdl.train_model('inj_x', %L, 'y', '[{"type":"dense","units":2}]')$$,
     '{42601,42601,42601,42P01,42P01,42601,42601,42601,42P01,42P01,42601,42601}'),
    ('describe, source', $$SELECT * FROM pgdl.describe(%L)$$, '{42601,42601,42601,42P01,42P01,42601,42601,42601,42P01,42P01,42601,42601}');

SELECT is((SELECT count(*) FROM inj_contexts WHERE cardinality(expect) NOT IN (1, 12)), 0::bigint,
          'every context expects one SQLSTATE, or one per payload');

SELECT is(pg_temp.inj(format(c.q, p.p)), c.expect[CASE WHEN cardinality(c.expect) = 1 THEN 1 ELSE p.ord END],
          format('%s: %s gives %s', c.what, p.label, c.expect[CASE WHEN cardinality(c.expect) = 1 THEN 1 ELSE p.ord END]))
FROM inj_contexts c CROSS JOIN inj_payloads p
ORDER BY c.ord, p.ord;

------------------------------------------------------------------------------
-- sources that try to leave the subquery pgdl wraps them in, or to write
------------------------------------------------------------------------------
CREATE TEMP TABLE inj_sources (ord serial, what text, src text, expect text);
INSERT INTO inj_sources (what, src, expect) VALUES
    ('closing the subquery and deleting', 'SELECT 1 AS a) AS s; DELETE FROM public.inj_canary; SELECT (1', '42601'),
    ('two statements', 'TABLE public.inj_canary; DELETE FROM public.inj_canary', '42601'),
    ('a DELETE', 'DELETE FROM public.inj_canary RETURNING x', '42601'),
    ('a data-modifying CTE', 'WITH d AS (DELETE FROM public.inj_canary RETURNING x) SELECT x FROM d', '42601'),
    ('a data-modifying CTE in a subquery', 'SELECT * FROM (WITH d AS (DELETE FROM public.inj_canary RETURNING x) SELECT x FROM d) t', '42601'),
    ('SELECT INTO', 'SELECT x INTO public.inj_new FROM public.inj_canary', '42601'),
    ('FOR UPDATE', 'SELECT x FROM public.inj_canary FOR UPDATE', '42601'),
    ('EXPLAIN ANALYZE of a DELETE', 'EXPLAIN ANALYZE DELETE FROM public.inj_canary', '42601'),
    ('COPY', 'COPY public.inj_canary TO STDOUT', '42601'),
    ('an unterminated comment', 'SELECT x FROM public.inj_canary /*', '42601'),
    ('a relation name and a DROP', 'public.inj_canary; DROP TABLE public.inj_canary', '42601'),
    ('a quoted name holding a DROP', 'public."inj_canary; DROP TABLE public.inj_canary"', '42P01'),
    ('a query that calls a writing function', 'SELECT public.inj_writer() AS x', '25006'),
    ('a trailing line comment (harmless)', 'SELECT x FROM public.inj_canary --', 'ok'),
    ('a dollar-quoted DELETE (data)', 'SELECT length($x$) AS s; DELETE FROM public.inj_canary; --$x$) AS x', 'ok');
SELECT is(pg_temp.inj(format('SELECT * FROM pgdl.describe(%L)', src)), expect,
          format('describe, source with %s: %s', what, CASE expect WHEN 'ok' THEN 'read as a query' ELSE 'gives ' || expect END))
FROM inj_sources ORDER BY ord;

------------------------------------------------------------------------------
-- hostile names and values as data: a table, its columns, categories and
-- labels, a description and a role all named like SQL
------------------------------------------------------------------------------
CREATE TEMP TABLE inj_n AS SELECT
    $n$inj_src"; DROP TABLE public.inj_canary; --$n$ AS tab,
    $n$id) AS s; SELECT public.inj_canary_fn() --$n$ AS id,
    $n$x'); DROP TABLE public.inj_canary; --$n$ AS f1,
    $n$x"); SELECT public.inj_canary_fn(); --$n$ AS f2,
    $n$%s%n\$n$ AS f3,
    $n$c /* */, public.inj_canary_fn() AS "z$n$ AS fc,
    $n$y" IS NOT NULL; DROP TABLE public.inj_canary; --$n$ AS tb,
    $n$lab'); DROP TABLE public.inj_canary; --$n$ AS tl,
    ARRAY[$v$'); DROP TABLE public.inj_canary; --$v$, $v$"}, {"x": 1$v$, $v$a\b\\"c$v$, '名前🚀', '%s%n'] AS labels,
    ARRAY[$v$red'); DROP TABLE public.inj_canary; --$v$, $v$"}]$v$, $v$\$v$] AS cats,
    E'a description\nwith $$ dollar quotes $$, a '' quote and ); DROP TABLE public.inj_canary; --' AS descr;
CREATE TEMP TABLE inj_q AS SELECT format('public.%I', tab) AS src FROM inj_n;
DO $$
DECLARE
    n record;
BEGIN
    SELECT * INTO n FROM inj_n;
    EXECUTE format('CREATE TABLE public.%I (%I int, %I float8, %I float8, %I float8, %I text, %I bool, %I text)',
                   n.tab, n.id, n.f1, n.f2, n.f3, n.fc, n.tb, n.tl);
    EXECUTE format('INSERT INTO public.%I SELECT i, (i %% 10) / 10.0, i %% 7, i %% 5, $1[i %% 3 + 1], (i %% 10) >= 5, $2[i %% 5 + 1]
                    FROM generate_series(1, 60) i', n.tab) USING n.cats, n.labels;
END $$;

SELECT is((SELECT version FROM inj_n, inj_q, pgdl.train_model('inj_lab', src, tl, '[{"type":"dense","units":4}]', ARRAY[f1, f2, f3, fc],
                                                                jsonb_build_object('epochs', 2, 'seed', 1, 'categorical', fc, 'description', descr))),
          1, 'train_model on a table, columns, categories and labels named like SQL');
SELECT is(pgdl.model_info('inj_lab') -> 'target', to_jsonb(tl), 'model_info gives the target name byte for byte') FROM inj_n;
SELECT is((SELECT array_agg(e ->> 'name') FROM jsonb_array_elements(pgdl.model_info('inj_lab') -> 'features') e),
          ARRAY[f1, f2, f3, fc], 'and the feature names') FROM inj_n;
SELECT is(pgdl.model_info('inj_lab') -> 'features' -> 3 -> 'categories',
          (SELECT to_jsonb(array_agg(c ORDER BY c COLLATE "C")) FROM unnest(cats) c), 'and the categories') FROM inj_n;
SELECT is(pgdl.model_info('inj_lab') -> 'labels',
          (SELECT to_jsonb(array_agg(l ORDER BY l COLLATE "C")) FROM unnest(labels) l), 'and the labels') FROM inj_n;
SELECT is((SELECT ROW(m.target, m.features, m.description) FROM pgdl.models m WHERE name = 'inj_lab'),
          ROW(tl, ARRAY[f1, f2, f3, fc], descr), 'pgdl.models shows the target, features and description as given') FROM inj_n;
SELECT is((SELECT array_agg(label ORDER BY label COLLATE "C") FROM pgdl.class_probabilities('inj_lab', ARRAY[0.5, 1, 2, 1, 0, 0])),
          (SELECT array_agg(l ORDER BY l COLLATE "C") FROM unnest(labels) l), 'class_probabilities names the labels as given') FROM inj_n;
CREATE TEMP TABLE inj_predicted (label text);
DO $$
BEGIN
    EXECUTE format('INSERT INTO inj_predicted SELECT pgdl.predict_label(%L, s) FROM %s s', 'inj_lab', (SELECT src FROM inj_q));
END $$;
SELECT is((SELECT count(*) FROM inj_predicted, inj_n WHERE label = ANY (labels)), 60::bigint,
          'predict_label(record) binds the hostile column names and returns one of the labels for each of the 60 rows');
SELECT is((SELECT count(DISTINCT p.id) FROM inj_q, inj_n, pgdl.predict_batch('inj_lab', src, id) p), 60::bigint,
          'predict_batch with an id column named like SQL scores the 60 rows');
SELECT is((SELECT value FROM inj_q, pgdl.evaluate('inj_lab', src) WHERE metric = 'n'), 60::float8,
          'evaluate reads the stored target name');
SELECT is((SELECT array_agg(DISTINCT actual COLLATE "C" ORDER BY actual COLLATE "C") FROM inj_q, pgdl.confusion_matrix('inj_lab', src)),
          (SELECT array_agg(l ORDER BY l COLLATE "C") FROM unnest(labels) l), 'confusion_matrix gives the labels as the data holds them')
FROM inj_n;
SELECT is((SELECT version FROM inj_n, inj_q, pgdl.train_model('inj_bin', src, tb, '[{"type":"dense","units":2}]', ARRAY[f1, f2],
                                                                '{"epochs":1,"seed":1}')), 1,
          'train_model with a boolean target named like SQL');
SELECT cmp_ok((SELECT count(*) FROM inj_q, pgdl.roc_curve('inj_bin', src)), '>', 0::bigint, 'roc_curve reads it');
SELECT is((SELECT array_agg(feature ORDER BY feature COLLATE "C") FROM inj_n, inj_q, pgdl.feature_scores(src, tl, 'auto', ARRAY[f1, f2, f3])),
          (SELECT array_agg(f ORDER BY f COLLATE "C") FROM unnest(ARRAY[f1, f2, f3]) f), 'feature_scores names the columns as given')
FROM inj_n;
SELECT is((SELECT array_agg(column_name ORDER BY column_name COLLATE "C") FROM inj_n, inj_q, pgdl.describe(src, ARRAY[f3, f1, f2])),
          (SELECT array_agg(f ORDER BY f COLLATE "C") FROM unnest(ARRAY[f1, f2, f3]) f), 'describe names the columns as given')
FROM inj_n;
SELECT is((SELECT count(*) FROM inj_n, inj_q, pgdl.correlations(src, ARRAY[f1, id])), 4::bigint, 'correlations reads them');
SELECT is((SELECT count(*) FROM inj_n, inj_q, pgdl.train_kmeans('inj_clu', src, 2, ARRAY[f1, f2], '{"seed":1}')), 2::bigint,
          'train_kmeans reads them');
SELECT cmp_ok((SELECT pgdl.silhouette('inj_clu', src) FROM inj_q), '>', -1::float8, 'silhouette with the stored feature names');
SELECT is((SELECT count(*) FROM inj_n, inj_q, pgdl.pca(src, 2, ARRAY[f2, f3])), 2::bigint, 'pca reads them');
SELECT is(pgdl.import_model('inj_copy', pgdl.export_model('inj_lab')), 1, 'export_model and import_model carry them');
SELECT is((SELECT count(*) FROM inj_n, inj_q, pgdl.predict_batch('inj_copy', src, id)), 60::bigint,
          'the imported model scores the table by the same names');
SELECT is(pgdl.model_info('inj_copy') - 'name', pgdl.model_info('inj_lab') - 'name', 'and describes itself identically');
DO $$ BEGIN EXECUTE format('CREATE ROLE %I NOLOGIN', (SELECT f1 FROM inj_n)); END $$;
SELECT lives_ok(format('SELECT pgdl.grant_model(%L, %L)', 'inj_lab', f1), 'grant_model to a role named like SQL') FROM inj_n;
SELECT is((SELECT array_agg(grantee::text) FROM pgdl.model_grants WHERE name = 'inj_lab'), ARRAY[quote_ident(f1)],
          'the grant names it') FROM inj_n;
SELECT lives_ok(format('SELECT pgdl.revoke_model(%L, %L)', 'inj_lab', f1), 'and revoke_model takes it back') FROM inj_n;

------------------------------------------------------------------------------
-- the canaries
------------------------------------------------------------------------------
SELECT is((SELECT array_agg(x ORDER BY x) FROM public.inj_canary), ARRAY[1, 2, 3], 'the canary table is intact');
SELECT is((SELECT is_called FROM pg_temp.inj_called), false, 'the canary function never ran');

SELECT * FROM finish();
ROLLBACK;
