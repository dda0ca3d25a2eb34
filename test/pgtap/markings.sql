-- test/pgtap/markings.sql: catalog markings of everything in schema pgdl
-- (see the README).
--
-- Two kinds of checks:
--   * catalog-wide ones that scan pg_proc / pg_type / pg_aggregate for the
--     whole schema, so that an object added later without its markings,
--     comment or grant makes this file fail;
--   * the README's markings table hard-coded for the public functions, so that
--     a change of one public signature or marking is caught by name.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(74 + 8 * 8 + 4);

-- Every function of schema pgdl, classified by how it is used.
CREATE TEMP VIEW pgdl_procs AS
SELECT p.oid, p.oid::regprocedure::text AS sig, p.proname::text AS name, p.prokind,
       p.provolatile, p.proisstrict, p.proparallel, p.prosecdef, p.proconfig,
       EXISTS (SELECT 1 FROM pg_type ty
               WHERE p.oid IN (ty.typinput, ty.typoutput, ty.typreceive, ty.typsend,
                               ty.typmodin, ty.typmodout, ty.typanalyze, ty.typsubscript)) AS is_type_io,
       EXISTS (SELECT 1 FROM pg_aggregate a
               WHERE p.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn,
                               a.aggdeserialfn, a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn)) AS is_agg_support
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'pgdl';

-- The README's markings table, by function name (the names of later sections
-- are listed too, so that they are checked as soon as they exist).
CREATE TEMP TABLE api_markings (name text PRIMARY KEY, volatility "char", strict bool, parallel "char");
INSERT INTO api_markings
SELECT unnest(ARRAY['transform', 'inverse_transform', 'is_outlier',
                    'quantiles', 'train_state_info']),     'i', true,  's'  -- per-row; quantiles(sketch, q)
UNION ALL
SELECT unnest(ARRAY['predict', 'predict_label', 'predict_proba', 'transform_model',
                    'model_info', 'export_model', 'class_probabilities', 'model_inputs',
                    'train_state_init']), 's', true, 's'
UNION ALL
-- the twins the coordinator sends to Citus workers: they score the bytes they are given
SELECT unnest(ARRAY['predict_shipped', 'predict_label_shipped', 'predict_proba_shipped',
                    'transform_model_shipped', 'class_probabilities_shipped', 'model_inputs_shipped']), 'i', true, 's'
UNION ALL
SELECT unnest(ARRAY['describe', 'correlations', 'feature_scores', 'select_features', 'kmeans',
                    'pca', 'silhouette', 'evaluate', 'confusion_matrix', 'roc_curve',
                    'predict_batch', 'cross_validate', 'source_inputs']), 's', false, 'r'
UNION ALL
SELECT unnest(ARRAY['train_model', 'train_kmeans', 'train_pca', 'import_model', 'drop_model',
                    'deploy_model', 'grant_model', 'revoke_model']), 'v', false, 'u'
UNION ALL
-- §9: text; tokenize's max_length defaults to NULL
SELECT unnest(ARRAY['tokens', 'vocabulary_tokens', 'vocabulary_size', 'vocabulary_info']), 'i', true, 's'
UNION ALL
SELECT 'tokenize', 'i', false, 's'
UNION ALL
-- §7: reads shared memory that changes from moment to moment
SELECT 'training_progress_rows', 'v', true, 'r'
UNION ALL
-- the registry tables' trigger (models.sql): writes, like any trigger
SELECT 'registry_keys', 'v', false, 'u';

------------------------------------------------------------------------------
-- 1. Catalog-wide rules (no hard-coded list of objects)
------------------------------------------------------------------------------

SELECT isnt_empty('SELECT 1 FROM pgdl_procs', 'schema pgdl holds functions');

SELECT is_empty($$
    SELECT sig FROM pgdl_procs
    WHERE prokind <> 'a' AND NOT is_type_io AND NOT is_agg_support
      AND name NOT IN (SELECT name FROM api_markings)
$$, 'every pgdl function is an aggregate, an aggregate support function, a type I/O function or a function of the README''s reference table');

SELECT is_empty($$
    SELECT sig, provolatile, proisstrict, proparallel, m.volatility, m.strict, m.parallel
    FROM pgdl_procs p JOIN api_markings m USING (name)
    WHERE p.prokind = 'f' AND NOT p.is_type_io AND NOT p.is_agg_support
      AND (p.provolatile, p.proisstrict, p.proparallel) IS DISTINCT FROM (m.volatility, m.strict, m.parallel)
$$, 'every public pgdl function has the volatility, strictness and parallel marking of the README''s reference table');

SELECT is_empty($$
    SELECT sig FROM pgdl_procs WHERE prosecdef
$$, 'no pgdl function is SECURITY DEFINER');

SELECT is_empty($$
    SELECT sig, proconfig FROM pgdl_procs WHERE proconfig IS NOT NULL
$$, 'no pgdl function carries a SET clause (proconfig)');

SELECT is_empty($$
    SELECT sig FROM pgdl_procs WHERE prokind NOT IN ('f', 'a')
$$, 'pgdl has only plain functions and aggregates (no procedures or window functions)');

SELECT is_empty($$
    SELECT sig, proparallel FROM pgdl_procs WHERE prokind = 'a' AND proparallel <> 's'
$$, 'every pgdl aggregate is PARALLEL SAFE');

SELECT is_empty($$
    SELECT a.aggfnoid::regprocedure FROM pg_aggregate a JOIN pgdl_procs p ON p.oid = a.aggfnoid
    WHERE a.aggcombinefn = 0
$$, 'every pgdl aggregate has a combine function');

SELECT is_empty($$
    SELECT a.aggfnoid::regprocedure, a.aggserialfn, a.aggdeserialfn
    FROM pg_aggregate a JOIN pgdl_procs p ON p.oid = a.aggfnoid
    WHERE a.aggserialfn <> 0 OR a.aggdeserialfn <> 0
$$, 'no pgdl aggregate has a serial or deserial function');

-- pgdl.aggstate, or a pgdl.*_state type of its own where float8 slots do
-- not fit (pgdl.confusion_state counts string labels), or a pgdl.*_state
-- domain over float8[] (pgdl.kmeans_state: k-means sums, exact in text);
-- never internal.
SELECT is_empty($$
    SELECT a.aggfnoid::regprocedure, a.aggtranstype::regtype
    FROM pg_aggregate a JOIN pgdl_procs p ON p.oid = a.aggfnoid
    WHERE a.aggtranstype NOT IN (
        SELECT t.oid FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'pgdl'
          AND ((t.typtype = 'b' AND (t.typname = 'aggstate' OR t.typname LIKE '%\_state'))
               OR (t.typtype = 'd' AND t.typbasetype = 'float8[]'::regtype AND t.typname LIKE '%\_state')))
$$, 'every pgdl aggregate has a concrete pgdl state type (pgdl.aggstate or pgdl.*_state), not internal');

SELECT is_empty($$
    SELECT sig, provolatile, proparallel FROM pgdl_procs
    WHERE is_agg_support AND (proparallel <> 's' OR provolatile = 'v')
$$, 'aggregate support functions are PARALLEL SAFE and not VOLATILE');

SELECT is_empty($$
    SELECT sig, provolatile, proisstrict, proparallel FROM pgdl_procs
    WHERE is_type_io AND (provolatile, proisstrict, proparallel) IS DISTINCT FROM ('i'::"char", true, 's'::"char")
$$, 'type I/O functions are IMMUTABLE STRICT PARALLEL SAFE');

SELECT is_empty($$
    SELECT t.oid::regtype, t.typinput::regproc, t.typoutput::regproc, t.typreceive::regproc, t.typsend::regproc
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = 'pgdl' AND t.typtype = 'b' AND t.typcategory <> 'A'
      AND (t.typreceive = 0 OR t.typsend = 0
           OR t.typinput NOT IN (SELECT oid FROM pgdl_procs) OR t.typoutput NOT IN (SELECT oid FROM pgdl_procs)
           OR t.typreceive NOT IN (SELECT oid FROM pgdl_procs) OR t.typsend NOT IN (SELECT oid FROM pgdl_procs))
$$, 'every pgdl base type has text and binary I/O functions of its own');

SELECT is_empty($$
    SELECT sig FROM pgdl_procs WHERE obj_description(oid, 'pg_proc') IS NULL
$$, 'every pgdl function and aggregate has a COMMENT');

SELECT is_empty($$
    SELECT t.oid::regtype FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = 'pgdl'
      AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)      -- implicit array types
      AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')  -- not a table's row type
      AND obj_description(t.oid, 'pg_type') IS NULL
$$, 'every pgdl type has a COMMENT');

SELECT ok(obj_description('pgdl'::regnamespace, 'pg_namespace') IS NOT NULL, 'schema pgdl has a COMMENT');

SELECT is_empty($$
    SELECT sig FROM pgdl_procs
    WHERE NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_proc'::regclass AND d.objid = pgdl_procs.oid
                        AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
                        AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pgdl'))
$$, 'every function in schema pgdl belongs to the extension');

SELECT is_empty($$
    SELECT sig FROM pgdl_procs WHERE NOT has_function_privilege('public', oid, 'EXECUTE')
$$, 'EXECUTE on every pgdl function is granted to PUBLIC');

-- A freshly created role with no privileges of its own.
DO $$
BEGIN
    EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOINHERIT', 'pgdl_tap_nobody_' || pg_backend_pid());
    PERFORM set_config('pgdl_tap.role', 'pgdl_tap_nobody_' || pg_backend_pid(), true);
END $$;

-- Runs q as role r; returns 'ok' or the SQLSTATE and message of the error.
CREATE FUNCTION pg_temp.run_as(r text, q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        PERFORM set_config('role', r, true);
        EXECUTE q;
        PERFORM set_config('role', 'none', true);
    EXCEPTION WHEN OTHERS THEN
        RETURN SQLSTATE || ': ' || SQLERRM;   -- the role change is rolled back with the block
    END;
    RETURN 'ok';
END $$;

SELECT ok(has_schema_privilege(current_setting('pgdl_tap.role'), 'pgdl', 'USAGE'),
          'a fresh unprivileged role has USAGE on schema pgdl');

SELECT is_empty($$
    SELECT sig FROM pgdl_procs WHERE NOT has_function_privilege(current_setting('pgdl_tap.role'), oid, 'EXECUTE')
$$, 'a fresh unprivileged role may EXECUTE every pgdl function');

SELECT is_empty($$
    SELECT t.oid::regtype FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = 'pgdl' AND NOT has_type_privilege(current_setting('pgdl_tap.role'), t.oid, 'USAGE')
$$, 'a fresh unprivileged role may USE every pgdl type');

SELECT is(pg_temp.run_as(current_setting('pgdl_tap.role'), $$
    SELECT (pgdl.stats(x)).n, pgdl.quantiles(x, ARRAY[0.5]),
           pgdl.transform(pgdl.standard_scaler(ARRAY[x]), ARRAY[1])
    FROM generate_series(1, 10) AS g(x)
$$), 'ok', 'a fresh unprivileged role can call the aggregates and transform');

SELECT is(pg_temp.run_as(current_setting('pgdl_tap.role'), $$
    SELECT * FROM pgdl.describe('SELECT g::float8 AS x FROM generate_series(1, 10) g')
$$), 'ok', 'a fresh unprivileged role can call pgdl.describe on a query it may run');

------------------------------------------------------------------------------
-- 2. The extension and its control file
------------------------------------------------------------------------------

SELECT is((SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pgdl'), 'pgdl',
          'the extension lives in schema pgdl');
SELECT is((SELECT extrelocatable FROM pg_extension WHERE extname = 'pgdl'), false,
          'the extension is not relocatable');
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'pgdl'), '0.2.0',
          'the installed version is 0.2.0');
SELECT is((SELECT format('default=%s schema=%s relocatable=%s', a.default_version, v.schema, v.relocatable)
           FROM pg_available_extensions a JOIN pg_available_extension_versions v USING (name)
           WHERE a.name = 'pgdl' AND v.version = a.default_version),
          'default=0.2.0 schema=pgdl relocatable=f',
          'the control file: default_version 0.2.0, schema pgdl, relocatable = false');

------------------------------------------------------------------------------
-- 3. The README's markings, hard-coded for the public functions
------------------------------------------------------------------------------

-- Aggregates (§1, §2, §6 and the internal ones behind describe/correlations).
SELECT is((SELECT format('kind=%s parallel=%s combine=%s serial=%s deserial=%s stype=%s definer=%s config=%s',
                         p.prokind, p.proparallel, a.aggcombinefn <> 0, a.aggserialfn <> 0,
                         a.aggdeserialfn <> 0, a.aggtranstype::regtype, p.prosecdef, p.proconfig IS NOT NULL)
           FROM pg_proc p JOIN pg_aggregate a ON a.aggfnoid = p.oid
           WHERE p.oid = to_regprocedure(e.sig)),
          'kind=a parallel=s combine=t serial=f deserial=f stype=pgdl.aggstate definer=f config=f',
          'aggregate ' || e.sig || ': PARALLEL SAFE, COMBINEFUNC, no SERIALFUNC/DESERIALFUNC, STYPE pgdl.aggstate')
FROM unnest(ARRAY[
    'pgdl.stats(float8)',
    'pgdl.stats(anyarray)',
    'pgdl.stats_columns("any")',
    'pgdl.covariance_matrix(anyarray)',
    'pgdl.correlation_matrix(anyarray)',
    'pgdl.quantiles(float8, float8[])',
    'pgdl.quantile_sketch(float8)',
    'pgdl.quantile_sketch(pgdl.sketch)',
    'pgdl.histogram(float8, float8, float8, int)',
    'pgdl.standard_scaler(anyarray)',
    'pgdl.minmax_scaler(anyarray)',
    'pgdl.maxabs_scaler(anyarray)',
    'pgdl.robust_scaler(anyarray)',
    'pgdl.imputer(anyarray, text)',
    'pgdl.describe_state("any")',
    'pgdl.describe_state(float8[])',
    'pgdl.comoments_state(float8[])',
    'pgdl.regression_metrics(float8, float8)',
    'pgdl.roc_auc(bool, float8)']) WITH ORDINALITY AS e(sig, i)
ORDER BY e.i;

-- §6: classification_metrics counts string labels in its own state type.
SELECT is((SELECT format('kind=%s parallel=%s combine=%s serial=%s deserial=%s stype=%s definer=%s config=%s',
                         p.prokind, p.proparallel, a.aggcombinefn <> 0, a.aggserialfn <> 0,
                         a.aggdeserialfn <> 0, a.aggtranstype::regtype, p.prosecdef, p.proconfig IS NOT NULL)
           FROM pg_proc p JOIN pg_aggregate a ON a.aggfnoid = p.oid
           WHERE p.oid = to_regprocedure('pgdl.classification_metrics(text, text)')),
          'kind=a parallel=s combine=t serial=f deserial=f stype=pgdl.confusion_state definer=f config=f',
          'aggregate pgdl.classification_metrics(text, text): PARALLEL SAFE, COMBINEFUNC, no SERIALFUNC/DESERIALFUNC, STYPE pgdl.confusion_state');

-- Plain functions: per-row functions and type I/O IMMUTABLE STRICT PARALLEL SAFE;
-- describe/correlations STABLE, CALLED ON NULL INPUT, PARALLEL RESTRICTED.
SELECT is((SELECT format('kind=%s volatility=%s strict=%s parallel=%s definer=%s config=%s',
                         p.prokind, p.provolatile, p.proisstrict, p.proparallel, p.prosecdef, p.proconfig IS NOT NULL)
           FROM pg_proc p WHERE p.oid = to_regprocedure(e.sig)),
          x.expected,
          e.sig || ': ' || e.what)
FROM (VALUES
    (1,  'pgdl.transform(pgdl.scaler, anyarray)',              'IMMUTABLE STRICT PARALLEL SAFE'),
    (2,  'pgdl.inverse_transform(pgdl.scaler, anyarray)',      'IMMUTABLE STRICT PARALLEL SAFE'),
    (3,  'pgdl.is_outlier(pgdl.scaler, anyarray, float8)',     'IMMUTABLE STRICT PARALLEL SAFE'),
    (4,  'pgdl.quantiles(pgdl.sketch, float8[])',              'IMMUTABLE STRICT PARALLEL SAFE'),
    (5,  'pgdl.aggstate_in(cstring)',                          'IMMUTABLE STRICT PARALLEL SAFE'),
    (6,  'pgdl.aggstate_out(pgdl.aggstate)',                   'IMMUTABLE STRICT PARALLEL SAFE'),
    (7,  'pgdl.aggstate_recv(internal)',                       'IMMUTABLE STRICT PARALLEL SAFE'),
    (8,  'pgdl.aggstate_send(pgdl.aggstate)',                  'IMMUTABLE STRICT PARALLEL SAFE'),
    (9,  'pgdl.sketch_in(cstring)',                            'IMMUTABLE STRICT PARALLEL SAFE'),
    (10, 'pgdl.sketch_out(pgdl.sketch)',                       'IMMUTABLE STRICT PARALLEL SAFE'),
    (11, 'pgdl.sketch_recv(internal)',                         'IMMUTABLE STRICT PARALLEL SAFE'),
    (12, 'pgdl.sketch_send(pgdl.sketch)',                      'IMMUTABLE STRICT PARALLEL SAFE'),
    (13, 'pgdl.scaler_in(cstring)',                            'IMMUTABLE STRICT PARALLEL SAFE'),
    (14, 'pgdl.scaler_out(pgdl.scaler)',                       'IMMUTABLE STRICT PARALLEL SAFE'),
    (15, 'pgdl.scaler_recv(internal)',                         'IMMUTABLE STRICT PARALLEL SAFE'),
    (16, 'pgdl.scaler_send(pgdl.scaler)',                      'IMMUTABLE STRICT PARALLEL SAFE'),
    (19, 'pgdl.confusion_state_in(cstring)',                   'IMMUTABLE STRICT PARALLEL SAFE'),
    (20, 'pgdl.confusion_state_out(pgdl.confusion_state)',     'IMMUTABLE STRICT PARALLEL SAFE'),
    (21, 'pgdl.confusion_state_recv(internal)',                'IMMUTABLE STRICT PARALLEL SAFE'),
    (22, 'pgdl.confusion_state_send(pgdl.confusion_state)',    'IMMUTABLE STRICT PARALLEL SAFE'),
    (17, 'pgdl.describe(text, text[])',                        'STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED'),
    (18, 'pgdl.correlations(text, text[])',                    'STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED')
) AS e(i, sig, what)
CROSS JOIN LATERAL (SELECT CASE e.what
    WHEN 'IMMUTABLE STRICT PARALLEL SAFE' THEN 'kind=f volatility=i strict=t parallel=s definer=f config=f'
    ELSE 'kind=f volatility=s strict=f parallel=r definer=f config=f' END AS expected) x
ORDER BY e.i;

-- describe/correlations return SETOF a named composite type, not RETURNS TABLE.
SELECT is((SELECT format('setof=%s returns=%s outargs=%s', proretset, prorettype::regtype,
                         coalesce(array_length(proallargtypes, 1), 0) > pronargs)
           FROM pg_proc WHERE oid = to_regprocedure(e.sig)),
          e.expected, e.sig || ' returns ' || e.expected)
FROM (VALUES (1, 'pgdl.describe(text, text[])',     'setof=t returns=pgdl.describe_row outargs=f'),
             (2, 'pgdl.correlations(text, text[])', 'setof=t returns=pgdl.correlation_row outargs=f')) AS e(i, sig, expected)
ORDER BY e.i;

-- Argument defaults: columns DEFAULT NULL (hence CALLED ON NULL INPUT), threshold DEFAULT 3.
SELECT is((SELECT pg_get_expr(proargdefaults, 0) FROM pg_proc WHERE oid = to_regprocedure(e.sig)),
          e.expected, e.sig || ': DEFAULT ' || e.expected)
FROM (VALUES (1, 'pgdl.describe(text, text[])', 'NULL::text[]'),
             (2, 'pgdl.correlations(text, text[])', 'NULL::text[]'),
             (3, 'pgdl.is_outlier(pgdl.scaler, anyarray, float8)', '3')) AS e(i, sig, expected)
ORDER BY e.i;

------------------------------------------------------------------------------
-- 4. The array aggregates resolve every numeric call form, without a cast, to
--    an overload over a concrete type (Citus runs only those on its workers):
--    the function that a view of the call depends on.  Other arrays take the
--    anyarray declaration.
------------------------------------------------------------------------------

CREATE TABLE pg_temp.call_forms (i int, n numeric, r real[], f float8[], ia int[], bi bigint[],
                                 si smallint[], ba bool[], b bool, t text[]);

CREATE FUNCTION pg_temp.resolves_to(call text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	result text;
BEGIN
	EXECUTE format('CREATE TEMP VIEW call_form AS SELECT %s FROM pg_temp.call_forms', call);
	SELECT string_agg(d.refobjid::regprocedure::text, ', ') INTO result
	FROM pg_depend d JOIN pg_rewrite w ON w.oid = d.objid AND d.classid = 'pg_rewrite'::regclass
	JOIN pg_proc p ON p.oid = d.refobjid AND d.refclassid = 'pg_proc'::regclass
	WHERE w.ev_class = 'pg_temp.call_form'::regclass AND p.pronamespace = 'pgdl'::regnamespace;
	DROP VIEW pg_temp.call_form;
	RETURN result;
END $$;

SELECT is(pg_temp.resolves_to(format('pgdl.%s(%s%s)', a.name, f.arg, a.more)),
          format('pgdl.%s(%s%s)', a.name, f.resolved, a.more_type),
          format('pgdl.%s(%s%s) resolves to pgdl.%s(%s%s)', a.name, f.arg, a.more, a.name, f.resolved, a.more_type))
FROM (VALUES (1, 'stats', '', ''), (2, 'covariance_matrix', '', ''), (3, 'correlation_matrix', '', ''),
             (4, 'standard_scaler', '', ''), (5, 'minmax_scaler', '', ''), (6, 'maxabs_scaler', '', ''),
             (7, 'robust_scaler', '', ''), (8, 'imputer', ', ''mean''', ',text')) AS a(i, name, more, more_type)
CROSS JOIN (VALUES (1, 'ARRAY[1.5, 2]', 'numeric[]'),
                   (2, 'ARRAY[i, n]', 'numeric[]'),
                   (3, 'ARRAY[1, 2]', 'integer[]'),
                   (4, 'r', 'real[]'),
                   (5, 'f', 'double precision[]'),
                   (6, 'bi', 'bigint[]'),
                   (7, 'si', 'smallint[]'),
                   (8, 'ba', 'boolean[]')) AS f(i, arg, resolved)
ORDER BY a.i, f.i;

SELECT is(pg_temp.resolves_to('pgdl.stats(t)'), 'pgdl.stats(anyarray)',
          'a text[] argument takes pgdl.stats(anyarray) (42804 naming the type)');
SELECT is(pg_temp.resolves_to('pgdl.stats_columns(i, n, r[1])'),
          'pgdl.stats_columns(double precision,double precision,double precision)',
          'pgdl.stats_columns over integer, numeric and real columns resolves to stats_columns(float8, float8, float8)');
SELECT is(pg_temp.resolves_to('pgdl.stats_columns(i, b)'), 'pgdl.stats_columns("any")',
          'pgdl.stats_columns with a bool column takes stats_columns(VARIADIC "any")');
SELECT is(pg_temp.resolves_to('pgdl.stats(i)'), 'pgdl.stats(double precision)',
          'pgdl.stats over an integer column is still pgdl.stats(float8)');

SELECT * FROM finish();
ROLLBACK;
