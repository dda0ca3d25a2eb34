-- test/pgtap/numerics.sql: pgdl's numbers against references computed
-- another way (built-in aggregates, two-pass formulas in numeric,
-- percentile_cont, corr, width_bucket), with stated tolerances.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(54);

SELECT setseed(0.1234);

-- Random data (n = 6000, some NULLs), on different scales and shapes.
CREATE TEMP TABLE r AS
SELECT i AS id, i % 4 AS g,
       CASE WHEN i % 13 = 0 THEN NULL ELSE random() * 200 - 50 END AS a,       -- uniform
       1e6 + random() * 10 AS b,                                               -- large offset
       -ln(1 - random()) * 3 AS c,                                             -- exponential: skewed
       (random() * 100)::int AS d                                              -- integer
FROM generate_series(1, 6000) i;

-- Multiples of 1/1024 (exact in float8, and their exact value in numeric is
-- k / 1024): skewed and heavy-tailed, for the moment ratios.
CREATE TEMP TABLE m AS
SELECT k, k / 1024.0::float8 AS x, k::numeric / 1024 AS x_exact
FROM (SELECT floor(-ln(1 - random()) * 30000)::bigint - 20000 AS k FROM generate_series(1, 5000)) s;  -- exponential

-- Relative difference, guarded for zero.
CREATE FUNCTION pg_temp.rel(a float8, b float8) RETURNS float8 LANGUAGE sql IMMUTABLE
    RETURN abs(a - b) / greatest(abs(b), 1e-300);

------------------------------------------------------------------------------
-- pgdl.stats(float8) against count/avg/var_samp/stddev_samp/min/max
------------------------------------------------------------------------------
CREATE TEMP TABLE s_a AS SELECT (pgdl.stats(a)).* FROM r;
CREATE TEMP TABLE s_b AS SELECT (pgdl.stats(b)).* FROM r;

SELECT is((SELECT n FROM s_a), (SELECT count(a) FROM r), 'stats(a).n = count(a)');
SELECT is((SELECT nulls FROM s_a), (SELECT count(*) - count(a) FROM r), 'stats(a).nulls = count(*) - count(a)');
SELECT cmp_ok((SELECT pg_temp.rel(s.mean, (SELECT avg(a::numeric)::float8 FROM r)) FROM s_a s), '<', 1e-13::float8,
              'stats(a).mean = avg within 1e-13 relative');
SELECT cmp_ok((SELECT pg_temp.rel(s.variance, (SELECT var_samp(a) FROM r)) FROM s_a s), '<', 1e-12::float8,
              'stats(a).variance = var_samp within 1e-12 relative');
SELECT cmp_ok((SELECT pg_temp.rel(s.stddev, (SELECT stddev_samp(a) FROM r)) FROM s_a s), '<', 1e-12::float8,
              'stats(a).stddev = stddev_samp within 1e-12 relative');
SELECT is((SELECT ARRAY[min, max] FROM s_a), (SELECT ARRAY[min(a), max(a)] FROM r), 'stats(a) min and max are exact');
-- b = 1e6 + U(0, 10): the variance against an exact numeric two-pass value
SELECT cmp_ok((SELECT pg_temp.rel(s.variance,
                      (SELECT (sum((b::numeric - mu)^2) / (count(b) - 1))::float8
                       FROM r, (SELECT avg(b::numeric) AS mu FROM r) q)) FROM s_b s),
              '<', 1e-9::float8, 'stats(b).variance with a large offset = two-pass numeric within 1e-9 relative');
SELECT cmp_ok((SELECT pg_temp.rel(s.mean, (SELECT avg(b::numeric)::float8 FROM r)) FROM s_b s), '<', 1e-14::float8,
              'stats(b).mean = avg within 1e-14 relative');
-- grouped: each group agrees with the built-ins
SELECT is_empty($$
    SELECT g FROM r GROUP BY g
    HAVING (pgdl.stats(c)).n <> count(c)
        OR pg_temp.rel((pgdl.stats(c)).mean, avg(c)) > 1e-12
        OR pg_temp.rel((pgdl.stats(c)).variance, var_samp(c)) > 1e-10
$$, 'grouped stats(c) agree with count/avg/var_samp in every group');
-- integer input resolves to the float8 aggregate and is exact here
SELECT cmp_ok((SELECT pg_temp.rel((pgdl.stats(d)).mean, avg(d)::float8) FROM r), '<', 1e-14::float8, 'stats(int).mean = avg(int) within 1e-14 relative');

------------------------------------------------------------------------------
-- skewness and kurtosis against two-pass population moments in numeric
------------------------------------------------------------------------------
CREATE TEMP TABLE mom_ref AS
WITH mu AS (SELECT avg(x_exact) AS mu, count(*) AS n FROM m),
     cm AS (SELECT sum((x_exact - mu)^2) / n AS m2, sum((x_exact - mu)^3) / n AS m3,
                   sum((x_exact - mu)^4) / n AS m4, n FROM m, mu GROUP BY mu, n)
SELECT (m3 / power(m2, 1.5))::float8 AS g1, (m4 / (m2 * m2) - 3)::float8 AS g2,
       (m2 * n / (n - 1))::float8 AS var FROM cm;
CREATE TEMP TABLE s_m AS SELECT (pgdl.stats(x)).* FROM m;

SELECT ok((SELECT bool_and(x::text::numeric = x_exact) FROM m), 'the 1/1024 data is exact in its shortest decimal form');
SELECT cmp_ok((SELECT abs(s.skewness - ref.g1) FROM s_m s, mom_ref ref), '<', 1e-10::float8,
              'skewness = m3 / m2^1.5 (population) within 1e-10');
SELECT cmp_ok((SELECT abs(s.kurtosis - ref.g2) FROM s_m s, mom_ref ref), '<', 1e-10::float8,
              'kurtosis = m4 / m2^2 - 3 (population) within 1e-10');
SELECT cmp_ok((SELECT pg_temp.rel(s.variance, ref.var) FROM s_m s, mom_ref ref), '<', 1e-12::float8,
              'variance = two-pass numeric within 1e-12 relative');
SELECT ok((SELECT ref.g1 > 1 AND ref.g2 > 2 FROM mom_ref ref), 'the reference data is really skewed and heavy-tailed (the check is not trivial)');
-- the same moments through the array form and stats_columns
SELECT cmp_ok((SELECT greatest(abs((s).skewness[2] - ref.g1), abs((s).kurtosis[2] - ref.g2))
               FROM (SELECT pgdl.stats(ARRAY[1.0::float8, x]) AS s FROM m) q, mom_ref ref), '<', 1e-10::float8,
              'stats(anyarray) element 2: skewness and kurtosis within 1e-10');
SELECT is((SELECT pgdl.stats_columns(x, k) FROM m), (SELECT pgdl.stats(ARRAY[x, k]) FROM m),
          'stats_columns(x, k) = stats(ARRAY[x, k])');
-- symmetric data: skewness 0 exactly, kurtosis of a discrete uniform
SELECT is((SELECT ARRAY[(s).skewness, (s).kurtosis] FROM (SELECT pgdl.stats(v::float8) AS s FROM generate_series(1, 4) v) q),
          ARRAY[0, -1.36]::float8[], 'stats of 1..4: skewness 0, kurtosis -1.36');

------------------------------------------------------------------------------
-- pgdl.stats(anyarray) per element against the built-ins
------------------------------------------------------------------------------
CREATE TEMP TABLE s_v AS SELECT (pgdl.stats(ARRAY[a, b, c, d])).* FROM r;
SELECT is((SELECT n FROM s_v), (SELECT ARRAY[count(a), count(b), count(c), count(d)] FROM r),
          'stats(array).n counts the non-NULL elements per element');
SELECT cmp_ok((SELECT greatest(pg_temp.rel(v.mean[1], avg(a)), pg_temp.rel(v.mean[3], avg(c)), pg_temp.rel(v.mean[4], avg(d)))
               FROM r, s_v v GROUP BY v.mean), '<', 1e-12::float8, 'stats(array).mean per element = avg within 1e-12');
SELECT cmp_ok((SELECT greatest(pg_temp.rel(v.variance[1], var_samp(a)), pg_temp.rel(v.variance[3], var_samp(c)),
                               pg_temp.rel(v.variance[4], var_samp(d)))
               FROM r, s_v v GROUP BY v.variance), '<', 1e-10::float8, 'stats(array).variance per element = var_samp within 1e-10');
SELECT is((SELECT ARRAY[v.min[1], v.max[1], v.min[3], v.max[3]] FROM s_v v),
          (SELECT ARRAY[min(a), max(a), min(c), max(c)] FROM r), 'stats(array) min/max per element are exact');

------------------------------------------------------------------------------
-- quantiles against percentile_cont (exact up to 10,000 values)
------------------------------------------------------------------------------
SELECT is((SELECT pgdl.quantiles(a, ARRAY[0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1]) FROM r),
          (SELECT percentile_cont(ARRAY[0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1]) WITHIN GROUP (ORDER BY a) FROM r),
          'quantiles(a) = percentile_cont exactly (about 5,500 values, NULLs skipped)');
SELECT is((SELECT pgdl.quantiles(c, ARRAY[0.333, 0.5, 0.999]) FROM r),
          (SELECT percentile_cont(ARRAY[0.333, 0.5, 0.999]) WITHIN GROUP (ORDER BY c) FROM r),
          'quantiles(c) = percentile_cont exactly');
SELECT is_empty($$
    SELECT g FROM r GROUP BY g
    HAVING pgdl.quantiles(d, ARRAY[0.2, 0.5, 0.8]) <> percentile_cont(ARRAY[0.2, 0.5, 0.8]) WITHIN GROUP (ORDER BY d)
$$, 'grouped quantiles(int) = percentile_cont in every group');
SELECT is((SELECT pgdl.quantiles(v, ARRAY[0.05, 0.5, 0.95]) FROM (SELECT cos(i) * 1e3 AS v FROM generate_series(1, 10000) i) q),
          (SELECT percentile_cont(ARRAY[0.05, 0.5, 0.95]) WITHIN GROUP (ORDER BY v) FROM (SELECT cos(i) * 1e3 AS v FROM generate_series(1, 10000) i) q),
          'quantiles of exactly 10,000 values = percentile_cont exactly');
SELECT is((SELECT pgdl.quantiles(v, ARRAY[0.5]) FROM (VALUES (7.0::float8)) d(v)), ARRAY[7]::float8[], 'the median of one value is that value');

------------------------------------------------------------------------------
-- quantile sketches: merged from groups vs one pass, within the bound
------------------------------------------------------------------------------
-- Below 10,000 values a sketch is exact, merged or not.
SELECT is((SELECT pgdl.quantiles(pgdl.quantile_sketch(s), ARRAY[0.1, 0.5, 0.9])
           FROM (SELECT pgdl.quantile_sketch(c) AS s FROM r GROUP BY g) q),
          (SELECT percentile_cont(ARRAY[0.1, 0.5, 0.9]) WITHIN GROUP (ORDER BY c) FROM r),
          'a sketch merged from 4 group sketches of 6000 values = percentile_cont exactly');
-- 200,000 values in 4 groups: approximate; rank error at most 0.5 % of n.
CREATE TEMP TABLE big AS
SELECT i, i % 4 AS g, CASE WHEN i % 2 = 0 THEN random() ELSE 3 + random() * random() END AS v
FROM generate_series(1, 200000) i;
CREATE TEMP TABLE big_q AS
SELECT pgdl.quantiles((SELECT pgdl.quantile_sketch(v) FROM big), qs) AS one_pass,
       pgdl.quantiles((SELECT pgdl.quantile_sketch(s ORDER BY g) FROM (SELECT g, pgdl.quantile_sketch(v) AS s FROM big GROUP BY g) q), qs) AS merged,
       pgdl.quantiles((SELECT pgdl.quantile_sketch(s ORDER BY g) FROM (SELECT g, pgdl.quantile_sketch(v) AS s FROM big GROUP BY g) q), qs) AS merged_again,
       pgdl.quantiles((SELECT pgdl.quantile_sketch(s ORDER BY g DESC) FROM (SELECT g, pgdl.quantile_sketch(v) AS s FROM big GROUP BY g) q), qs) AS merged_rev,
       qs
FROM (SELECT ARRAY[0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99]::float8[] AS qs) q;
CREATE TEMP VIEW big_rank AS
SELECT k, qs[k] AS q,
       (SELECT count(*) FROM big WHERE v <= one_pass[k]) AS rank_one,
       (SELECT count(*) FROM big WHERE v <= merged[k]) AS rank_merged,
       (SELECT count(*) FROM big WHERE v <= merged_rev[k]) AS rank_merged_rev
FROM big_q, generate_series(1, 7) k;
SELECT is_empty($$SELECT k, q, rank_one FROM big_rank WHERE abs(rank_one - q * 200000) > 0.005 * 200000$$,
                'one-pass sketch of 200,000 values: every quantile within 0.5 % of n in rank');
SELECT is_empty($$SELECT k, q, rank_merged FROM big_rank WHERE abs(rank_merged - q * 200000) > 0.005 * 200000$$,
                'sketch merged from 4 group sketches: every quantile within 0.5 % of n in rank');
SELECT is_empty($$SELECT k, rank_one, rank_merged FROM big_rank WHERE abs(rank_merged - rank_one) > 0.01 * 200000$$,
                'merged and one-pass sketches agree within the two bounds');
SELECT is_empty($$SELECT k, q, rank_merged_rev FROM big_rank WHERE abs(rank_merged_rev - q * 200000) > 0.005 * 200000$$,
                'the same sketches merged in the opposite order: every quantile within 0.5 % of n in rank');
SELECT is((SELECT merged FROM big_q), (SELECT merged_again FROM big_q), 'merging the same sketches in the same order is deterministic');
SELECT ok((SELECT one_pass = (SELECT pgdl.quantiles(v, qs) FROM big) FROM big_q), 'quantiles(x, q) reads the same sketch as quantiles(quantile_sketch(x), q)');

------------------------------------------------------------------------------
-- covariance_matrix / correlation_matrix against covar_samp / corr
------------------------------------------------------------------------------
CREATE TEMP TABLE ce AS SELECT c, d, c * 0.7 + d * 0.01 + random() AS e FROM r;
CREATE TEMP TABLE cm AS
SELECT pgdl.correlation_matrix(ARRAY[c, d, e]) AS r, pgdl.covariance_matrix(ARRAY[c, d, e]) AS cv FROM ce;
CREATE TEMP TABLE cm_ref AS
SELECT corr(c, d) AS r12, corr(c, e) AS r13, corr(d, e) AS r23, covar_samp(c, d) AS v12, var_samp(e) AS v33 FROM ce;
SELECT cmp_ok((SELECT greatest(abs(r[1][2] - r12), abs(r[1][3] - r13), abs(r[2][3] - r23)) FROM cm, cm_ref),
              '<', 1e-12::float8, 'correlation_matrix = corr() for every pair within 1e-12');
SELECT ok((SELECT r[1][1] = 1 AND r[2][2] = 1 AND r[3][3] = 1 FROM cm), 'correlation_matrix has a unit diagonal');
SELECT ok((SELECT r[1][2] = r[2][1] AND r[1][3] = r[3][1] AND r[2][3] = r[3][2] FROM cm), 'correlation_matrix is symmetric');
SELECT cmp_ok((SELECT greatest(pg_temp.rel(cv[1][2], v12), pg_temp.rel(cv[3][3], v33)) FROM cm, cm_ref),
              '<', 1e-10::float8, 'covariance_matrix = covar_samp / var_samp within 1e-10 relative');
-- pairwise complete: pair (a, d) uses only the rows where a is not NULL
SELECT cmp_ok((SELECT abs((pgdl.correlation_matrix(ARRAY[a, d]))[1][2] - corr(a, d)) FROM r), '<', 1e-12::float8,
              'correlation_matrix is pairwise complete, as corr() (a has NULLs)');
SELECT cmp_ok((SELECT abs(c.r - (SELECT corr(c, d) FROM r)) FROM pgdl.correlations('r', ARRAY['c', 'd']) c
               WHERE c.column_a = 'c' AND c.column_b = 'd'), '<', 1e-12::float8, 'pgdl.correlations = corr() within 1e-12');

------------------------------------------------------------------------------
-- scalers
------------------------------------------------------------------------------
CREATE TEMP TABLE sc AS
SELECT pgdl.standard_scaler(ARRAY[a, b, c]) AS std, pgdl.minmax_scaler(ARRAY[a, b, c]) AS mm,
       pgdl.maxabs_scaler(ARRAY[a, b, c]) AS ma, pgdl.robust_scaler(ARRAY[a, c, d]) AS rb FROM r;
CREATE TEMP TABLE tr AS
SELECT pgdl.transform(std, ARRAY[a, b, c]) AS s, pgdl.transform(mm, ARRAY[a, b, c]) AS m,
       pgdl.transform(ma, ARRAY[a, b, c]) AS x, a, b, c
FROM r, sc;
SELECT cmp_ok((SELECT greatest(abs(avg(s[1])), abs(avg(s[2])), abs(avg(s[3]))) FROM tr), '<', 1e-9::float8,
              'standard scaler: every transformed feature has mean 0 (within 1e-9)');
SELECT cmp_ok((SELECT greatest(abs(stddev_pop(s[1]) - 1), abs(stddev_pop(s[2]) - 1), abs(stddev_pop(s[3]) - 1)) FROM tr), '<', 1e-9::float8,
              'standard scaler: every transformed feature has stddev_pop 1 (within 1e-9)');
SELECT is((SELECT count(*) FILTER (WHERE s[1] IS NULL) FROM tr), (SELECT count(*) - count(a) FROM r),
          'standard scaler: NULL elements stay NULL');
SELECT cmp_ok((SELECT greatest(abs(min(m[1])), abs(min(m[2])), abs(min(m[3])),
                               abs(max(m[1]) - 1), abs(max(m[2]) - 1), abs(max(m[3]) - 1)) FROM tr), '<', 1e-12::float8,
              'minmax scaler: every transformed feature spans [0, 1] (within 1e-12)');
SELECT is((SELECT count(*) FROM tr WHERE m[1] < 0 OR m[1] > 1 OR m[2] < 0 OR m[2] > 1 OR m[3] < 0 OR m[3] > 1), 0::bigint,
          'minmax scaler: no fitted value falls outside [0, 1]');
SELECT ok((SELECT (pgdl.transform(mm, ARRAY[1e9, 1e9, 1e9]))[3] > 1 FROM sc), 'minmax scaler output is not clipped');
SELECT cmp_ok((SELECT greatest(abs(max(abs(x[1])) - 1), abs(max(abs(x[2])) - 1), abs(max(abs(x[3])) - 1)) FROM tr), '<', 1e-12::float8,
              'maxabs scaler: every transformed feature has max |x| = 1');
SELECT cmp_ok((SELECT max(greatest(abs(b2[1] - a), abs(b2[2] - b) / 1e6, abs(b2[3] - c)))
               FROM (SELECT pgdl.inverse_transform(std, s) AS b2, a, b, c FROM tr, sc) q), '<', 1e-9::float8,
              'inverse_transform undoes the standard scaler');
SELECT is((SELECT pgdl.transform(rb, (SELECT ARRAY[percentile_cont(0.5) WITHIN GROUP (ORDER BY a),
                                                   percentile_cont(0.5) WITHIN GROUP (ORDER BY c),
                                                   percentile_cont(0.5) WITHIN GROUP (ORDER BY d)] FROM r)) FROM sc),
          ARRAY[0, 0, 0]::float8[], 'robust scaler: the medians map to 0');
SELECT cmp_ok((SELECT abs((pgdl.transform(rb, ARRAY[q3, 0, 0]))[1] - (pgdl.transform(rb, ARRAY[q1, 0, 0]))[1] - 1)
               FROM sc, (SELECT percentile_cont(0.25) WITHIN GROUP (ORDER BY a) AS q1,
                                percentile_cont(0.75) WITHIN GROUP (ORDER BY a) AS q3 FROM r) p), '<', 1e-12::float8,
              'robust scaler: the IQR maps to 1');

------------------------------------------------------------------------------
-- histogram against width_bucket
------------------------------------------------------------------------------
SELECT is((SELECT pgdl.histogram(c, 0, 10, 20) FROM r),
          (SELECT array_agg(coalesce(n, 0) ORDER BY b)
           FROM generate_series(1, 20) b
           LEFT JOIN (SELECT least(greatest(width_bucket(c, 0, 10, 20), 1), 20) AS bk, count(*) AS n
                      FROM r GROUP BY 1) w ON w.bk = b),
          'histogram(c, 0, 10, 20) = width_bucket counts (out-of-range values clamped)');
SELECT is((SELECT pgdl.histogram(a, -25, 125, 7) FROM r),
          (SELECT array_agg(coalesce(n, 0) ORDER BY b)
           FROM generate_series(1, 7) b
           LEFT JOIN (SELECT least(greatest(width_bucket(a, -25, 125, 7), 1), 7) AS bk, count(*) AS n
                      FROM r WHERE a IS NOT NULL GROUP BY 1) w ON w.bk = b),
          'histogram(a, -25, 125, 7) = width_bucket counts (NULLs skipped)');
SELECT is((SELECT (SELECT sum(x) FROM unnest(pgdl.histogram(a, 0, 1, 3)) x) FROM r), (SELECT count(a) FROM r)::numeric,
          'every non-NULL value is counted in some bin');
SELECT is((SELECT pgdl.histogram(d, 0, 100, 1) FROM r), (SELECT ARRAY[count(d)] FROM r), 'one bin counts everything');

SELECT * FROM finish();
ROLLBACK;
