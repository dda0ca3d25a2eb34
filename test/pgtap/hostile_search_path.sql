-- test/pgtap/hostile_search_path.sql: pgdl's own queries cannot be
-- hijacked through search_path.  A hostile role fills a schema with
-- functions, aggregates, operators, domains and views named like everything
-- pgdl's internal SQL uses (and the usual suspects: count, lower,
-- array_length, = on text ...), each of which records that it ran (nextval
-- of a temporary sequence, which no rollback undoes) and then raises.  Two
-- victims, a model owner and a superuser, call every pgdl function with the
-- hostile schema first in search_path — before pg_catalog, after it (where an
-- exact-type overload still beats a built-in that needs a cast), and behind
-- temporary views named like the registry — and must get exactly what they
-- get with a clean search_path.  Only pgdl's internal queries are on trial:
-- the victims' own SQL here uses no operator, function or cast that the
-- search_path could redirect, and a source is always a relation name.
-- Needs a superuser connection (the runner's).
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(208);

CREATE ROLE hj_hostile NOLOGIN;
CREATE ROLE hj_victim NOLOGIN;
CREATE ROLE hj_root NOLOGIN SUPERUSER;
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO hj_hostile', current_database()); END $$;

-- the trace every hostile object leaves
CREATE TEMP SEQUENCE hj_ran;
GRANT USAGE, SELECT ON SEQUENCE hj_ran TO PUBLIC;

CREATE TABLE public.hj_src AS
SELECT i AS id, (i % 10) / 10.0 AS a, (i % 7)::float8 AS b,
       (ARRAY['red', 'green', 'blue'])[i % 3 + 1] AS c,
       (i % 10) >= 5 AS y, CASE WHEN i % 11 = 0 THEN NULL ELSE i * 0.5 END AS r
FROM generate_series(1, 80) i;
GRANT SELECT ON public.hj_src TO PUBLIC;

------------------------------------------------------------------------------
-- the hostile schema
------------------------------------------------------------------------------
SET ROLE hj_hostile;
CREATE SCHEMA hj;
GRANT USAGE ON SCHEMA hj TO PUBLIC;
CREATE FUNCTION hj.caught(what text) RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN
    PERFORM pg_catalog.nextval('pg_temp.hj_ran');
    RAISE EXCEPTION 'search_path hijack: pgdl called %', what USING ERRCODE = 'HJ001';
END $f$;

DO $do$
DECLARE
    fname text;
    sig text;
    ret text;
    op text;
    pair text[];
    i int := 0;
BEGIN
    -- functions: every name pgdl's SQL calls, and the usual suspects
    FOREACH fname IN ARRAY ARRAY[
        'array_length', 'array_ndims', 'array_fill', 'array_to_string', 'int4larger', 'int4smaller', 'now',
        'pg_has_role', 'octet_length', 'length', 'jsonb_each', 'jsonb_typeof', 'jsonb_build_object', 'to_jsonb',
        'row_to_json', 'lower', 'upper', 'set_config', 'current_setting', 'format', 'quote_ident', 'quote_literal',
        'md5', 'random', 'setseed', 'generate_series', 'unnest', 'float8', 'float4', 'int4', 'int8', 'text',
        'textcat', 'concat', 'abs', 'sqrt', 'round', 'isfinite', 'nextval', 'texteq', 'int4eq', 'oideq',
        'has_table_privilege', 'has_column_privilege', 'pg_get_userbyid', 'regrole', 'oid', 'jsonb',
        'describe_state', 'comoments_state', 'registry_keys', 'predict', 'model_info', 'export_model']
    LOOP
        FOREACH sig IN ARRAY ARRAY['', 'text', 'integer', 'bigint', 'double precision', 'numeric', 'oid',
                                   'regrole', 'name', 'jsonb', 'bytea', 'boolean', 'anyelement', 'anyarray',
                                   'anyarray, integer', 'text, text', 'oid, text', 'regrole, text', 'name, text',
                                   'text, text, boolean', 'integer, integer', 'text, anyarray']
        LOOP
            ret := CASE WHEN sig = '' THEN 'text' WHEN sig LIKE 'anyarray,%' THEN 'integer'
                        WHEN sig LIKE 'text, anyarray' THEN 'text'
                        ELSE split_part(sig, ',', 1) END;
            EXECUTE format('CREATE FUNCTION hj.%I(%s) RETURNS %s LANGUAGE plpgsql AS %L', fname, sig, ret,
                           format('BEGIN PERFORM hj.caught(%L); RETURN NULL; END', fname || '(' || sig || ')'));
        END LOOP;
    END LOOP;
    -- aggregates
    CREATE FUNCTION hj.agg0(bigint) RETURNS bigint LANGUAGE plpgsql AS 'BEGIN PERFORM hj.caught(''an aggregate''); RETURN 0; END';
    CREATE FUNCTION hj.agg1(bigint, anyelement) RETURNS bigint LANGUAGE plpgsql AS 'BEGIN PERFORM hj.caught(''an aggregate''); RETURN 0; END';
    CREATE AGGREGATE hj.count(*) (SFUNC = hj.agg0, STYPE = bigint, INITCOND = '0');
    FOREACH fname IN ARRAY ARRAY['count', 'max', 'min', 'sum', 'avg', 'array_agg', 'string_agg', 'stddev', 'bool_and']
    LOOP
        EXECUTE format('CREATE AGGREGATE hj.%I(anyelement) (SFUNC = hj.agg1, STYPE = bigint, INITCOND = ''0'')', fname);
    END LOOP;
    -- operators on every pair of types pgdl's SQL compares, adds or reads
    FOREACH pair SLICE 1 IN ARRAY ARRAY[
        ['text', 'text'], ['name', 'name'], ['name', 'text'], ['text', 'name'], ['integer', 'integer'],
        ['bigint', 'bigint'], ['integer', 'bigint'], ['oid', 'oid'], ['regrole', 'regrole'], ['regrole', 'oid'],
        ['double precision', 'double precision'], ['numeric', 'numeric'], ['boolean', 'boolean'],
        ['jsonb', 'text'], ['jsonb', 'text[]'], ['jsonb', 'jsonb'], ['bytea', 'bytea'], ['text[]', 'text[]']]
    LOOP
        i := i + 1;
        EXECUTE format('CREATE FUNCTION hj.op%s(%s, %s) RETURNS boolean LANGUAGE plpgsql AS %L', i, pair[1], pair[2],
                       format('BEGIN PERFORM hj.caught(%L); RETURN NULL; END', 'an operator on ' || pair[1] || ', ' || pair[2]));
        FOREACH op IN ARRAY ARRAY['=', '<>', '<', '>', '<=', '>=', '+', '-', '*', '/', '||', '~', '~~', '#>>', '->>', '->', '@>']
        LOOP
            EXECUTE format('CREATE OPERATOR hj.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = hj.op%s)', op, pair[1], pair[2], i);
        END LOOP;
    END LOOP;
    -- types named like the built-ins pgdl casts to
    FOREACH fname IN ARRAY ARRAY['text', 'float8', 'float4', 'int4', 'int8', 'regrole', 'jsonb', 'oid', 'bytea',
                                 'bool', 'name', 'regclass', 'varchar']
    LOOP
        EXECUTE format('CREATE DOMAIN hj.%I AS pg_catalog.text CHECK (hj.caught(%L))', fname, 'the domain ' || fname);
    END LOOP;
    -- relations named like the registry and like pgdl's subquery aliases
    FOREACH fname IN ARRAY ARRAY['model_names', 'model_versions', 'model_grants', 'model_epochs', 'models',
                                 'model_metrics', 'training_history', 'pgdl_source', 's', 'v', 'n', 'g']
    LOOP
        EXECUTE format('CREATE VIEW hj.%I AS SELECT hj.caught(%L) AS name', fname, 'the view hj.' || fname);
    END LOOP;
END $do$;
GRANT SELECT ON ALL TABLES IN SCHEMA hj TO PUBLIC;
RESET ROLE;

-- temporary views named like the registry: pg_temp comes before every
-- schema in a search path when it looks for a relation
DO $do$
DECLARE
    v text;
BEGIN
    FOREACH v IN ARRAY ARRAY['model_names', 'model_versions', 'model_grants', 'model_epochs', 'models',
                             'model_metrics', 'training_history']
    LOOP
        EXECUTE format('CREATE TEMP VIEW %I AS SELECT hj.caught(%L) AS name', v, 'the view pg_temp.' || v);
        EXECUTE format('GRANT SELECT ON pg_temp.%I TO PUBLIC', v);
    END LOOP;
END $do$;

------------------------------------------------------------------------------
-- the victims' models, made with a clean search_path
------------------------------------------------------------------------------
SET ROLE hj_victim;
SELECT is((SELECT version FROM pgdl.train_model('hj_net', 'public.hj_src', 'y', '[{"type":"dense","units":3}]',
                                                ARRAY['a', 'b', 'c'], '{"epochs":2,"seed":1,"categorical":["c"]}')), 1,
          'the victim trains hj_net (a categorical feature)');
SELECT is((SELECT version FROM pgdl.train_model('hj_reg', 'public.hj_src', 'a', '[{"type":"dense","units":3}]',
                                                ARRAY['b', 'r'], '{"epochs":2,"seed":1,"impute":"median"}')), 1,
          'the victim trains hj_reg (regression, imputed)');
SELECT is((SELECT version FROM pgdl.train_model('hj_lab', 'public.hj_src', 'c', '[{"type":"dense","units":3}]',
                                                ARRAY['a', 'b'], '{"epochs":2,"seed":1}')), 1,
          'the victim trains hj_lab (text labels)');
SELECT is((SELECT count(*) FROM pgdl.train_kmeans('hj_km', 'public.hj_src', 2, ARRAY['a', 'b'], '{"seed":1}')), 2::bigint,
          'the victim trains hj_km (k-means)');
SELECT is((SELECT count(*) FROM pgdl.train_pca('hj_pca', 'public.hj_src', 2, ARRAY['a', 'b'])), 2::bigint,
          'the victim trains hj_pca (PCA)');
SELECT lives_ok($$SELECT pgdl.grant_model('hj_lab', 'hj_hostile')$$, 'the victim grants hj_lab to the hostile role');
RESET ROLE;

-- What q (a query, or a statement with RETURNING) returns, its rows as
-- text, when role r runs it with search_path p, undone afterwards; or the
-- SQLSTATE and message of its error.  The statement is built before
-- search_path changes: nothing here but q runs under p.
CREATE FUNCTION pg_temp.hj_run(r text, p text, q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    sql text := 'WITH x AS (' || q || ') SELECT pg_catalog.string_agg(x::pg_catalog.text, '' | '') FROM x';
    setrole text := pg_catalog.format('SET LOCAL ROLE %I', r);
    res text;
BEGIN
    BEGIN
        EXECUTE setrole;
        PERFORM pg_catalog.set_config('search_path', p, true);
        EXECUTE sql INTO res;
        RAISE EXCEPTION 'undo' USING ERRCODE = 'PH001';
    EXCEPTION
        WHEN SQLSTATE 'PH001' THEN NULL;
        WHEN OTHERS THEN res := 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
    END;
    RETURN res;
END $$;

-- every pgdl function that reads a source or the registry, or writes it;
-- and the registry's trigger, which runs pgdl's code when a superuser
-- changes a key column directly (by the victims in the order of hj_victims)
CREATE TEMP TABLE hj_cases (ord serial, what text, q text, victims int[] DEFAULT '{1,2}');
INSERT INTO hj_cases (what, q) VALUES
    ('train_model (a new name)', $$SELECT version, epochs, train_loss FROM pgdl.train_model('hj_new', 'public.hj_src', 'y',
        '[{"type":"dense","units":3}]', ARRAY['a', 'b', 'c'], '{"epochs":2,"seed":3,"categorical":["c"],"description":"d"}')$$),
    ('train_model (a new version)', $$SELECT version, train_loss FROM pgdl.train_model('hj_net', 'public.hj_src', 'y',
        '[{"type":"dense","units":3}]', ARRAY['a', 'b', 'c'], '{"epochs":2,"seed":2,"categorical":["c"]}')$$),
    ('train_model (regression, imputed, all numeric columns)', $$SELECT version, train_loss FROM pgdl.train_model('hj_reg', 'public.hj_src', 'a',
        '[{"type":"dense","units":3}]', NULL, '{"epochs":1,"seed":2,"impute":"mean","replace":true}')$$),
    ('train_model (text labels, warm start)', $$SELECT version, train_loss FROM pgdl.train_model('hj_lab', 'public.hj_src', 'c',
        '[{"type":"dense","units":3}]', ARRAY['a', 'b'], '{"epochs":1,"seed":2,"warm_start":"hj_lab@1"}')$$),
    ('cross_validate', $$SELECT * FROM pgdl.cross_validate('public.hj_src', 'y', '[{"type":"dense","units":3}]', 2,
        ARRAY['a', 'b'], '{"epochs":1,"seed":1}')$$),
    ('predict', $$SELECT pgdl.predict('hj_reg', ARRAY[1, 2])$$),
    ('predict(record)', $$SELECT pgdl.predict('hj_net', s) FROM public.hj_src s$$),
    ('predict_label', $$SELECT pgdl.predict_label('hj_lab', ARRAY[0.5, 1])$$),
    ('predict_label(record)', $$SELECT pgdl.predict_label('hj_net', s) FROM public.hj_src s$$),
    ('predict_proba', $$SELECT pgdl.predict_proba('hj_lab@1', ARRAY[0.5, 1])$$),
    ('class_probabilities', $$SELECT * FROM pgdl.class_probabilities('hj_lab@latest', ARRAY[0.5, 1])$$),
    ('transform_model', $$SELECT pgdl.transform_model('hj_reg', ARRAY[1, 2])$$),
    ('predict_batch', $$SELECT * FROM pgdl.predict_batch('hj_net', 'public.hj_src', 'id')$$),
    ('evaluate', $$SELECT * FROM pgdl.evaluate('hj_net', 'public.hj_src')$$),
    ('evaluate with options', $$SELECT * FROM pgdl.evaluate('hj_net', 'public.hj_src', 'y', '{"threshold":0.3,"positive_label":"true"}')$$),
    ('evaluate (regression)', $$SELECT * FROM pgdl.evaluate('hj_reg', 'public.hj_src')$$),
    ('confusion_matrix', $$SELECT * FROM pgdl.confusion_matrix('hj_lab', 'public.hj_src')$$),
    ('roc_curve', $$SELECT * FROM pgdl.roc_curve('hj_net', 'public.hj_src')$$),
    ('model_info', $$SELECT pgdl.model_info('hj_net')$$),
    ('export_model', $$SELECT pg_catalog.md5(pgdl.export_model('hj_net'))$$),
    ('import_model', $$SELECT pgdl.import_model('hj_net', pgdl.export_model('hj_net@1'))$$),
    ('deploy_model', $$SELECT pgdl.deploy_model('hj_net', 1)$$),
    ('grant_model(text)', $$SELECT pgdl.grant_model('hj_net', 'hj_hostile')$$),
    ('grant_model(regrole)', $$SELECT pgdl.grant_model('hj_net', '-')$$),
    ('revoke_model', $$SELECT pgdl.revoke_model('hj_net', 'public')$$),
    ('drop_model of name@1', $$SELECT pgdl.drop_model('hj_net@1')$$),
    ('drop_model of the name', $$SELECT pgdl.drop_model('hj_net')$$),
    -- ORDER BY takes the types' default btree order, whatever the search_path
    ('the registry views', $$SELECT * FROM (SELECT name, version, task, metrics FROM pgdl.models WHERE name OPERATOR(pg_catalog.~~) 'hj_%'
        UNION ALL SELECT name, version, metric, NULL FROM pgdl.model_metrics WHERE name OPERATOR(pg_catalog.~~) 'hj_%'
        UNION ALL SELECT name, version, metric, NULL FROM pgdl.training_history WHERE name OPERATOR(pg_catalog.~~) 'hj_%') u
        ORDER BY 1, 2, 3$$),
    ('kmeans', $$SELECT * FROM pgdl.kmeans('public.hj_src', 2, ARRAY['a', 'b'], '{"seed":1}')$$),
    ('train_kmeans', $$SELECT * FROM pgdl.train_kmeans('hj_km', 'public.hj_src', 3, ARRAY['a', 'b', 'id'], '{"seed":1,"replace":true}')$$),
    ('silhouette', $$SELECT pgdl.silhouette('hj_km', 'public.hj_src', ARRAY['a', 'b'])$$),
    ('predict with a clustering model', $$SELECT pgdl.predict('hj_km', ARRAY[0.5, 1])$$),
    ('pca', $$SELECT * FROM pgdl.pca('public.hj_src', 2, ARRAY['a', 'b', 'id'], '{"matrix":"correlation"}')$$),
    ('train_pca', $$SELECT * FROM pgdl.train_pca('hj_pca', 'public.hj_src', 1, ARRAY['id', 'b'], '{"replace":true}')$$),
    ('transform_model with a PCA model', $$SELECT pgdl.transform_model('hj_pca', ARRAY[0.5, 1])$$),
    ('describe', $$SELECT * FROM pgdl.describe('public.hj_src')$$),
    ('correlations', $$SELECT * FROM pgdl.correlations('public.hj_src', ARRAY['a', 'b', 'r'])$$),
    ('feature_scores (classification)', $$SELECT * FROM pgdl.feature_scores('public.hj_src', 'y', 'auto', ARRAY['a', 'b', 'id'])$$),
    ('feature_scores (regression)', $$SELECT * FROM pgdl.feature_scores('public.hj_src', 'r', 'auto', ARRAY['a', 'b'])$$),
    ('select_features (text target)', $$SELECT * FROM pgdl.select_features('public.hj_src', 'c', 1, 'auto', ARRAY['a', 'b'])$$),
    ('stats', $$SELECT pgdl.stats(a), pgdl.stats(ARRAY[a, b]), pgdl.stats_columns(a, b, r) FROM public.hj_src$$),
    ('covariance_matrix and correlation_matrix', $$SELECT pgdl.covariance_matrix(ARRAY[a, b]), pgdl.correlation_matrix(ARRAY[a, b]) FROM public.hj_src$$),
    ('quantiles, quantile_sketch, histogram', $$SELECT pgdl.quantiles(a, ARRAY[0.1, 0.5]), pgdl.quantiles(pgdl.quantile_sketch(a), ARRAY[0.5]),
        pgdl.histogram(a, 0, 1, 4) FROM public.hj_src$$),
    ('scalers', $$SELECT pgdl.standard_scaler(ARRAY[a, b]), pgdl.minmax_scaler(ARRAY[a, b]), pgdl.maxabs_scaler(ARRAY[a, b]),
        pgdl.robust_scaler(ARRAY[a, b]), pgdl.imputer(ARRAY[a, r], 'median') FROM public.hj_src$$),
    ('transform, inverse_transform, is_outlier', $$SELECT pgdl.transform(sc, ARRAY[0.5, 2]), pgdl.inverse_transform(sc, ARRAY[0.5, 2]),
        pgdl.is_outlier(sc, ARRAY[0.5, 2]) FROM (SELECT pgdl.standard_scaler(ARRAY[a, b]) AS sc FROM public.hj_src) t$$),
    ('classification_metrics, regression_metrics, roc_auc', $$SELECT pgdl.classification_metrics(c, c), pgdl.regression_metrics(a, b),
        pgdl.roc_auc(y, b) FROM public.hj_src$$);
INSERT INTO hj_cases (what, q, victims) VALUES
    ('UPDATE of a name in pgdl.model_names (its trigger)',
     $$UPDATE pgdl.model_names SET name = name WHERE name OPERATOR(pg_catalog.=) 'hj_net' RETURNING name$$, '{2}'),
    ('UPDATE of the keys in pgdl.model_versions (its trigger)',
     $$UPDATE pgdl.model_versions SET name = name, version = version WHERE name OPERATOR(pg_catalog.=) 'hj_net' RETURNING name, version$$, '{2}'),
    ('UPDATE of a name in pgdl.model_grants (its trigger)',
     $$UPDATE pgdl.model_grants SET name = name WHERE name OPERATOR(pg_catalog.=) 'hj_lab' RETURNING name$$, '{2}'),
    ('UPDATE of the keys in pgdl.model_epochs (its trigger)',
     $$UPDATE pgdl.model_epochs SET name = name, version = version WHERE name OPERATOR(pg_catalog.=) 'hj_net' RETURNING name, epoch$$, '{2}');

-- the reference: each case as each victim with a clean search_path
CREATE TEMP TABLE hj_victims (ord int, label text, role text);
INSERT INTO hj_victims VALUES (1, 'the model''s owner', 'hj_victim'), (2, 'a superuser', 'hj_root');
CREATE TEMP TABLE hj_paths (ord int, path text);
INSERT INTO hj_paths VALUES (1, 'hj, pg_catalog, public'), (2, 'hj, public');
CREATE TEMP TABLE hj_clean AS
SELECT c.ord AS case_ord, v.ord AS victim_ord, pg_temp.hj_run(v.role, 'public', c.q) AS result
FROM hj_cases c JOIN hj_victims v ON v.ord = ANY (c.victims);

SELECT is((SELECT array_agg(c.what || ': ' || coalesce(k.result, 'no rows') ORDER BY c.ord)
           FROM hj_clean k JOIN hj_cases c ON c.ord = k.case_ord
           WHERE k.result IS NULL OR k.result LIKE 'ERROR %'), NULL,
          'with a clean search_path every case runs and returns rows, for its victims');
SELECT is(pg_temp.hj_run('hj_victim', 'hj, pg_catalog, public', 'SELECT 1 = 1'),
          'ERROR HJ001: search_path hijack: pgdl called an operator on integer, integer',
          'the trap works: the victim''s own "1 = 1" calls the hostile operator with hj before pg_catalog');
SELECT is((SELECT is_called FROM pg_temp.hj_ran), true, 'and leaves its trace in the sequence');
ALTER SEQUENCE pg_temp.hj_ran RESTART;

-- the trial: one assertion per case, victim and search_path
SELECT is(pg_temp.hj_run(v.role, p.path, c.q), k.result,
          format('%s, search_path %s: %s as with a clean search_path', v.label, p.path, c.what))
FROM hj_cases c JOIN hj_victims v ON v.ord = ANY (c.victims) CROSS JOIN hj_paths p
JOIN hj_clean k ON k.case_ord = c.ord AND k.victim_ord = v.ord
ORDER BY c.ord, v.ord, p.ord;

-- the trigger still refuses what it refused, whatever the search_path
SELECT is(pg_temp.hj_run('hj_root', p.path, $$UPDATE pgdl.model_names SET name = 'hj_renamed'
                                               WHERE name OPERATOR(pg_catalog.=) 'hj_net' RETURNING name$$),
          'ERROR 23503: a model cannot be renamed', format('search_path %s: a superuser cannot rename a model', p.path))
FROM hj_paths p ORDER BY p.ord;
SELECT is(pg_temp.hj_run('hj_root', p.path, $$UPDATE pgdl.model_versions SET version = 7
                                               WHERE name OPERATOR(pg_catalog.=) 'hj_net' RETURNING name$$),
          'ERROR 23503: the name and version of a model version cannot be changed',
          format('search_path %s: nor renumber a version', p.path))
FROM hj_paths p ORDER BY p.ord;
SELECT is(pg_temp.hj_run('hj_root', p.path, $$UPDATE pgdl.model_epochs SET name = NULL
                                               WHERE name OPERATOR(pg_catalog.=) 'hj_net' RETURNING name$$),
          'ERROR 23503: the name and version of a model version cannot be changed',
          format('search_path %s: nor set the name of a history row to NULL', p.path))
FROM hj_paths p ORDER BY p.ord;

SELECT is((SELECT is_called FROM pg_temp.hj_ran), false, 'no hostile object ran, not even one whose error was caught');

SELECT * FROM finish();
ROLLBACK;
