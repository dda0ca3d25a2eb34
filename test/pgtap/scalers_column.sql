-- test/pgtap/scalers_column.sql: the single-column scalers and imputer
-- (pgdl.standard_scaler(float8), ..., pgdl.imputer(float8, strategy)) and
-- transform / inverse_transform / is_outlier of one value: each fit equals
-- SQL's own computation (avg, stddev_pop, min, max, percentile_cont), integer
-- and numeric columns resolve without a cast, the fit equals the array form
-- over ARRAY[x], a parallel plan splits it, and bad input has its SQLSTATE.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(24);

-- an ordinary table (rolled back): parallel workers cannot read a temporary one
CREATE TABLE sc (id int, x float8, i int, n numeric);
INSERT INTO sc SELECT g, 1e3 + sin(g * 0.37) * 7 + (g % 5), CASE WHEN g % 10 = 0 THEN NULL ELSE (g * 7) % 13 END,
       round((cos(g * 0.11) * 4)::numeric, 3)
FROM generate_series(1, 2000) g;

-- element e of a parameter of a scaler's JSON text
CREATE FUNCTION pg_temp.p(s pgdl.scaler, key text, e int DEFAULT 0) RETURNS float8 LANGUAGE sql AS
$$ SELECT ((s::text)::jsonb -> key ->> e)::float8 $$;
CREATE FUNCTION pg_temp.rel(a float8, b float8) RETURNS float8 LANGUAGE sql AS
$$ SELECT abs(a - b) / greatest(abs(b), 1e-300) $$;
\ir lib/plan_has.sql

CREATE TEMP TABLE fits AS
SELECT pgdl.standard_scaler(x) AS std, pgdl.minmax_scaler(x) AS mm, pgdl.maxabs_scaler(n) AS ma,
       pgdl.robust_scaler(x) AS rob, pgdl.imputer(i, 'mean') AS imean, pgdl.imputer(i, 'median') AS imed,
       pgdl.imputer(i, 'constant:-1') AS iconst, pgdl.standard_scaler(i) AS stdi
FROM sc;
CREATE TEMP TABLE ref AS
SELECT avg(x) AS xavg, stddev_pop(x) AS xsd, min(x) AS xlo, max(x) AS xhi, max(abs(n))::float8 AS nabs,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY x) AS xmed,
       percentile_cont(0.75) WITHIN GROUP (ORDER BY x) - percentile_cont(0.25) WITHIN GROUP (ORDER BY x) AS xiqr,
       avg(i)::float8 AS iavg, stddev_pop(i)::float8 AS isd, percentile_cont(0.5) WITHIN GROUP (ORDER BY i) AS imedian,
       count(i) AS icount
FROM sc;

SELECT cmp_ok((SELECT greatest(pg_temp.rel(pg_temp.p(std, 'center'), xavg), pg_temp.rel(pg_temp.p(std, 'scale'), xsd)) FROM fits, ref),
              '<=', 1e-12::float8, 'standard_scaler(float8): avg and stddev_pop');
SELECT cmp_ok((SELECT greatest(pg_temp.rel(pg_temp.p(mm, 'center'), xlo), pg_temp.rel(pg_temp.p(mm, 'scale'), xhi - xlo)) FROM fits, ref),
              '<=', 1e-12::float8, 'minmax_scaler(float8): min and range');
SELECT cmp_ok((SELECT pg_temp.rel(pg_temp.p(ma, 'scale'), nabs) FROM fits, ref),
              '<=', 1e-12::float8, 'maxabs_scaler of a numeric column: max(abs)');
SELECT cmp_ok((SELECT greatest(pg_temp.rel(pg_temp.p(rob, 'center'), xmed), pg_temp.rel(pg_temp.p(rob, 'scale'), xiqr)) FROM fits, ref),
              '<=', 1e-12::float8, 'robust_scaler(float8): percentile_cont median and IQR (exact up to 10,000 values)');
SELECT cmp_ok((SELECT greatest(pg_temp.rel(pg_temp.p(imean, 'fill'), iavg), pg_temp.rel(pg_temp.p(imed, 'fill'), imedian)) FROM fits, ref),
              '<=', 1e-12::float8, 'imputer of an integer column: mean and median fills, NULLs skipped');
SELECT is((SELECT pg_temp.p(iconst, 'fill') FROM fits), -1::float8, 'imputer constant:-1');
SELECT is((SELECT (imean::text)::jsonb ->> 'n' FROM fits), (SELECT icount::text FROM ref), 'n counts the non-NULL values');
SELECT cmp_ok((SELECT greatest(pg_temp.rel(pg_temp.p(stdi, 'center'), iavg), pg_temp.rel(pg_temp.p(stdi, 'scale'), isd)) FROM fits, ref),
              '<=', 1e-12::float8, 'an integer column resolves without a cast');
SELECT is((SELECT pgdl.standard_scaler(x)::text FROM sc), (SELECT pgdl.standard_scaler(ARRAY[x])::text FROM sc),
          'the single-column fit is the array fit over ARRAY[x]');
SELECT is((SELECT pgdl.robust_scaler(x)::text FROM sc), (SELECT pgdl.robust_scaler(ARRAY[x])::text FROM sc),
          'likewise for the robust scaler');

-- applying
SELECT cmp_ok((SELECT max(abs(pgdl.transform(std, x) - (x - xavg) / xsd)) FROM sc, fits, ref),
              '<=', 1e-12::float8, 'transform(scaler, float8) is (x - mean) / sd');
SELECT cmp_ok((SELECT max(abs(pgdl.inverse_transform(std, pgdl.transform(std, x)) - x)) FROM sc, fits),
              '<=', 1e-9::float8, 'inverse_transform undoes it');
SELECT is((SELECT array_agg(pgdl.transform(imean, i::float8) ORDER BY id) FILTER (WHERE i IS NULL) FROM sc, fits),
          (SELECT array_agg(iavg ORDER BY id) FILTER (WHERE i IS NULL) FROM sc, ref),
          'an imputer fills a NULL value with its fill');
SELECT is((SELECT pgdl.transform(std, NULL::float8) FROM fits), NULL::float8, 'a scaler keeps NULL');
SELECT is((SELECT pgdl.transform(NULL::pgdl.scaler, 1::float8)), NULL::float8, 'a NULL scaler gives NULL');
SELECT is((SELECT array[pgdl.is_outlier(std, xavg + 3.5 * xsd), pgdl.is_outlier(std, xavg + 2.5 * xsd),
                        pgdl.is_outlier(std, xavg + 2.5 * xsd, 2)] FROM fits, ref),
          ARRAY[true, false, true], 'is_outlier(scaler, float8[, threshold])');

-- a parallel plan splits the fit and combines the states
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
ALTER TABLE sc SET (parallel_workers = 2);
SELECT ok(pg_temp.plan_has('SELECT pgdl.standard_scaler(x), pgdl.imputer(i, ''median'') FROM sc', 'Partial Aggregate'),
          'the single-column aggregates run as partial aggregates in a parallel plan');
SELECT cmp_ok((SELECT greatest(pg_temp.rel(pg_temp.p(s, 'center'), xavg), pg_temp.rel(pg_temp.p(s, 'scale'), xsd))
               FROM (SELECT pgdl.standard_scaler(x) AS s FROM sc) q, ref),
              '<=', 1e-9::float8, 'and give the serial result within 1e-9');
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- bad input
SELECT throws_ok($$SELECT pgdl.transform(pgdl.standard_scaler(ARRAY[x, x]), 1::float8) FROM sc$$, '22000',
                 'feature vector has 1 element but the standard scaler was fitted on 2',
                 'a scaler of two features applied to one value');
SELECT throws_ok($$SELECT pgdl.imputer(x, 'mode') FROM sc$$, '22023', NULL, 'an unknown strategy');
SELECT throws_ok($$SELECT pgdl.imputer(x, NULL) FROM sc$$, '22004', 'strategy must not be NULL', 'a NULL strategy');
SELECT throws_ok($$SELECT pgdl.imputer(x, CASE WHEN id < 5 THEN 'mean' ELSE 'median' END) FROM sc$$, '22023',
                 'strategy must not change between rows', 'a strategy that changes between rows');
SELECT ok((SELECT pgdl.standard_scaler(x) IS NULL FROM sc WHERE false), 'no rows: NULL');

-- markings: PARALLEL SAFE aggregates with a combine function, no serial functions
SELECT is((SELECT count(*) FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
           WHERE p.pronamespace = 'pgdl'::regnamespace AND p.proargtypes[0] = 'float8'::regtype
             AND p.proname IN ('standard_scaler', 'minmax_scaler', 'maxabs_scaler', 'robust_scaler', 'imputer')
             AND p.proparallel = 's' AND a.aggcombinefn <> 0 AND a.aggserialfn = 0
             AND a.aggtranstype = 'pgdl.aggstate'::regtype), 5::bigint,
          'the five single-column aggregates are PARALLEL SAFE over pgdl.aggstate with a combine function');

SELECT * FROM finish();
ROLLBACK;
