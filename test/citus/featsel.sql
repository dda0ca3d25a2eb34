-- test/citus/featsel.sql — feature_scores and select_features on a Citus
-- distributed table: the sufficient statistics of the univariate methods are
-- one aggregate query that the plan runs on the workers (worker_partial_agg):
-- pgdl.stats(features) GROUP BY the class for f_classif and chi2 (and over
-- the rows with a target for variance), pgdl.comoments_state(target ||
-- features) for pearson and f_regression; the coordinator finishes the
-- scores from the combined states.  On data that float32 holds exactly the
-- results equal those on an undistributed copy within 1e-9 relative (the
-- coordinator's own path reads float32); on a column far from zero they
-- equal SQL's own float8 computation (corr, the ANOVA F) within 1e-8, which
-- the coordinator's float32 path misses by 2e-3.  mutual_info and rfe read the rows
-- on the coordinator; a missing or NaN feature is the error of an ordinary
-- table.  Run by scripts/citus.sh (make test-citus) on the coordinator.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
SET client_min_messages = warning;

CREATE TABLE public.fs_dist (id int, a float8, b int, c numeric, v real[], flag bool,
	cls text, k int, y float8, far float8);
-- values that are multiples of 1/8 (exact in float32), a NULL class and a
-- NULL target; far: near 1e6, where float32's spacing is 0.0625
INSERT INTO public.fs_dist
SELECT g, 1000 + (g % 7) * 0.25 + (g % 3), (g % 11) - 5, ((g * 37) % 101) / 8.0,
       ARRAY[(g % 13) / 4.0, (g % 3) * 0.5 + (g % 5) / 8.0, g % 3]::real[], g % 4 = 0,
       CASE WHEN g = 17 THEN NULL ELSE (ARRAY['x', 'y', 'z'])[g % 3 + 1] END, g % 3,
       CASE WHEN g = 23 THEN NULL ELSE (g % 3) * 2 + (g % 7) / 8.0 END,
       1e6 + sin(g * 0.37) * 3 + (g % 3) * 0.7
FROM generate_series(1, 800) g;
CREATE TABLE public.fs_local AS SELECT * FROM public.fs_dist;
SELECT create_distributed_table('public.fs_dist', 'id', shard_count := 4);
SELECT truncate_local_data_after_distributing_table('public.fs_dist');

\ir lib/plan.sql
SET citus.enable_ddl_propagation = off;

-- the largest difference between the scores of src (TBL: the table) on the
-- two tables: scores relative, p-values absolute; 1 when the features, their
-- ranks or which scores are NULL differ
CREATE FUNCTION pg_temp.fs_gap(src text, target text, method text, features text[]) RETURNS float8 LANGUAGE sql AS $$
	WITH d AS (SELECT * FROM pgdl.feature_scores(replace(src, 'TBL', 'public.fs_dist'), target, method, features)),
	     l AS (SELECT * FROM pgdl.feature_scores(replace(src, 'TBL', 'public.fs_local'), target, method, features)),
	     j AS (SELECT * FROM d JOIN l USING (feature, rank)),
	     g AS (SELECT CASE WHEN (j.d_s IS NULL) <> (j.l_s IS NULL) OR (j.d_p IS NULL) <> (j.l_p IS NULL) THEN 1
	                       ELSE greatest(CASE WHEN j.d_s = j.l_s THEN 0 ELSE abs(j.d_s - j.l_s) / greatest(abs(j.l_s), 1e-300) END,
	                                     coalesce(abs(j.d_p - j.l_p), 0)) END AS gap
	           FROM (SELECT d.score AS d_s, l.score AS l_s, d.p_value AS d_p, l.p_value AS l_p
	                 FROM d JOIN l USING (feature, rank)) AS j)
	SELECT CASE WHEN (SELECT count(*) FROM d) = (SELECT count(*) FROM l) AND (SELECT count(*) FROM j) = (SELECT count(*) FROM l)
	            AND (SELECT count(*) FROM l) > 0
	       THEN (SELECT max(gap) FROM g) ELSE 1 END
$$;
RESET citus.enable_ddl_propagation;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(17);

SELECT is((SELECT count(*) FROM pg_dist_partition WHERE logicalrelid = 'public.fs_dist'::regclass), 1::bigint,
          'fs_dist is a distributed table');

-- the two aggregate queries (src/pg/featsel.c, pushdown_class_scores and pushdown_corr_scores)
SELECT ok(pg_temp.plan($$SELECT cls COLLATE pg_catalog."C" AS t, pg_catalog.count(*),
	pgdl.stats(ARRAY[b::pg_catalog.float8] || (CASE WHEN pg_catalog.array_ndims(v) = 1 AND pg_catalog.cardinality(v) = 3
	         THEN v::pg_catalog.float8[] ELSE pg_catalog.array_fill(NULL::pg_catalog.float8, ARRAY[3]) END)
	|| ARRAY[flag::pg_catalog.int4::pg_catalog.float8])
	FROM (SELECT * FROM public.fs_dist) AS s GROUP BY 1 ORDER BY 1$$) ~ 'worker_partial_agg\(.*pgdl\.stats',
          'the per-class moments of the features run on the workers (worker_partial_agg)');
SELECT ok(pg_temp.plan($$SELECT pgdl.comoments_state(ARRAY[y::pg_catalog.float8] || ARRAY[b::pg_catalog.float8])
	FROM (SELECT * FROM public.fs_dist) AS s WHERE y IS NOT NULL$$) ~ 'worker_partial_agg\(.*comoments_state',
          'the co-moments of the target and the features run on the workers (worker_partial_agg)');

SELECT cmp_ok(pg_temp.fs_gap('TBL', 'cls', 'f_classif', ARRAY['a', 'b', 'c', 'v', 'flag']), '<=', 1e-9::float8,
              'f_classif of a text class: the local result within 1e-9');
SELECT cmp_ok(pg_temp.fs_gap('TBL', 'k', 'f_classif', ARRAY['a', 'b', 'c', 'v']), '<=', 1e-9::float8,
              'f_classif of an integer class likewise');
SELECT cmp_ok(pg_temp.fs_gap('TBL', 'cls', 'chi2', ARRAY['c', 'v', 'flag']), '<=', 1e-9::float8,
              'chi2 likewise');
SELECT cmp_ok(pg_temp.fs_gap('TBL', 'y', 'variance', ARRAY['a', 'b', 'c', 'v', 'flag']), '<=', 1e-9::float8,
              'variance likewise');
SELECT cmp_ok(pg_temp.fs_gap('TBL', 'y', 'pearson', ARRAY['a', 'b', 'c', 'v', 'flag']), '<=', 1e-9::float8,
              'pearson of a numeric target likewise');
SELECT cmp_ok(pg_temp.fs_gap('SELECT id, a, b, c, y FROM TBL ORDER BY id', 'y', 'auto', NULL), '<=', 1e-9::float8,
              'auto (f_regression) of a query with the default features likewise');
SELECT cmp_ok(pg_temp.fs_gap('TBL', 'cls', 'mutual_info', ARRAY['a', 'b', 'c']), '<=', 1e-12::float8,
              'mutual_info (read on the coordinator) equals the local result');
SELECT is((SELECT array_agg(feature ORDER BY feature) FROM pgdl.select_features('public.fs_dist', 'cls', 2, 'f_classif', ARRAY['a', 'b', 'c', 'v'])
           WHERE selected),
          (SELECT array_agg(feature ORDER BY feature) FROM pgdl.select_features('public.fs_local', 'cls', 2, 'f_classif', ARRAY['a', 'b', 'c', 'v'])
           WHERE selected),
          'select_features picks the same features');

-- far from zero the workers' double precision is SQL's own result, which a
-- float32 matrix (0.0625 apart near 1e6) cannot give
SELECT cmp_ok((SELECT abs(score - (SELECT corr(y, far) FROM public.fs_local)) / (SELECT abs(corr(y, far)) FROM public.fs_local)
               FROM pgdl.feature_scores('public.fs_dist', 'y', 'pearson', ARRAY['far'])), '<=', 1e-8::float8,
              'pearson of a column near 1e6 equals corr() within 1e-8');
SELECT cmp_ok((WITH g AS (SELECT count(*) AS n, avg(far) AS m, var_samp(far) AS v FROM public.fs_local WHERE cls IS NOT NULL GROUP BY cls),
                    t AS (SELECT avg(far) AS m, count(*) AS n FROM public.fs_local WHERE cls IS NOT NULL),
                    f AS (SELECT (SELECT sum(g.n * (g.m - t.m) ^ 2) / 2 FROM g, t) / (SELECT sum((g.n - 1) * g.v) FROM g) * ((SELECT n FROM t) - 3) AS f)
               SELECT abs(score - f.f) / f.f FROM f, pgdl.feature_scores('public.fs_dist', 'cls', 'f_classif', ARRAY['far'])),
              '<=', 1e-8::float8, 'f_classif of a column near 1e6 equals the ANOVA F computed in SQL within 1e-8');

-- missing values, negative values and empty sources: the errors of an ordinary table
SELECT throws_like($$SELECT * FROM pgdl.feature_scores('SELECT a, CASE WHEN id = 333 THEN NULL ELSE b END AS b, cls FROM public.fs_dist', 'cls', 'f_classif')$$,
                   'feature "b" is NULL in row %', 'a NULL feature is the error of an ordinary table');
SELECT throws_like($$SELECT * FROM pgdl.feature_scores('SELECT a, CASE WHEN id = 7 THEN ''NaN''::float8 ELSE b END AS b, y FROM public.fs_dist', 'y', 'pearson')$$,
                   'feature "b" is NaN in row %', 'a NaN feature likewise');
SELECT throws_ok($$SELECT * FROM pgdl.feature_scores('public.fs_dist', 'cls', 'chi2', ARRAY['b'])$$,
                 '22023', 'chi2 needs non-negative features: "b" has -5', 'chi2 of a negative feature names it');
SELECT throws_ok($$SELECT * FROM pgdl.feature_scores('SELECT * FROM public.fs_dist WHERE y IS NULL', 'y', 'f_regression', ARRAY['a'])$$,
                 '22023', 'the source has no row with a target to score features on', 'no row with a target');

SELECT * FROM finish();
ROLLBACK;
DROP TABLE public.fs_dist, public.fs_local;
