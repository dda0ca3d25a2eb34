-- pgdl.stats against the built-in aggregates.
SET extra_float_digits = 0;

-- scalar: the built-ins computed another way
SELECT s.n = count(x) AS n_ok, s.nulls = count(*) - count(x) AS nulls_ok,
       abs(s.mean - (1e9 + avg((x - 1e9::float8)::numeric))::float8) / avg(x) < 1e-15 AS mean_ok,
       abs(s.variance - var_samp(x)) / var_samp(x) < 1e-6 AS var_vs_builtin,
       abs(s.stddev - stddev_samp(x)) / stddev_samp(x) < 1e-6 AS sd_ok,
       s.min = min(x) AS min_ok, s.max = max(x) AS max_ok
FROM t, LATERAL (SELECT (pgdl.stats(x)).*  FROM t) s
GROUP BY s.n, s.nulls, s.mean, s.variance, s.stddev, s.min, s.max;

-- variance of 1e9 + U(0,1): against a two-pass computation in numeric.  The
-- reference works on x - 1e9 (exact in float8, and the moments do not
-- depend on a shift), because neither float8::numeric (15 digits) nor the
-- shortest decimal form of a double near 1e9 is its exact binary value:
-- the difference alone moves the variance by 1e-9.
SET extra_float_digits = 3;
CREATE TEMP VIEW exact_x AS SELECT (x - 1e9::float8)::text::numeric AS x FROM t;
WITH m AS (SELECT avg(x) AS mu, count(x) AS cnt FROM exact_x),
     ref AS (SELECT sum((x::numeric - mu)^2) / (cnt - 1) AS var,
                    (sum((x::numeric - mu)^3) / cnt) / power(sum((x::numeric - mu)^2) / cnt, 1.5) AS skew,
                    (sum((x::numeric - mu)^4) / cnt) / power(sum((x::numeric - mu)^2) / cnt, 2) - 3 AS kurt
             FROM exact_x, m GROUP BY m.cnt, m.mu)
SELECT abs(s.variance - ref.var::float8) / ref.var::float8 < 1e-9 AS var_1e9_ok,
       abs(s.skewness - ref.skew::float8) < 1e-6 AS skew_ok,
       abs(s.kurtosis - ref.kurt::float8) < 1e-6 AS kurt_ok
FROM ref, (SELECT (pgdl.stats(x)).* FROM t) s;
SET extra_float_digits = 0;

-- zero rows: a row, n = 0, NULL elsewhere; all-NULL rows counted
SELECT * FROM (SELECT (pgdl.stats(x)).* FROM empty_t) s;
SELECT * FROM (SELECT (pgdl.stats(NULL::float8)) FROM generate_series(1, 3)) s;
-- one row: variance NULL
SELECT (pgdl.stats(x)).* FROM one_row;
-- constant: variance 0, shape NULL
SELECT (pgdl.stats(5.0::float8)).* FROM generate_series(1, 4);
-- NaN and Infinity behave like avg/var_samp/min/max
SELECT s.mean, s.variance, s.min, s.max, avg(v) AS b_avg, var_samp(v) AS b_var, min(v) AS b_min, max(v) AS b_max
FROM (VALUES (1.0::float8), ('Infinity'), (3)) AS d(v), (SELECT (pgdl.stats(v)).* FROM (VALUES (1.0::float8), ('Infinity'), (3)) AS e(v)) s
GROUP BY 1, 2, 3, 4;
SELECT (pgdl.stats(v)).mean, avg(v) FROM (VALUES (1.0::float8), ('Infinity'), ('-Infinity')) AS d(v);
SELECT (pgdl.stats(v)).max, max(v), (pgdl.stats(v)).mean FROM (VALUES (1.0::float8), ('NaN'), (2)) AS d(v);
-- overflow of the squared deviations is an error, as with var_samp
SELECT pgdl.stats(x) FROM (VALUES (1e308::float8), (-1e308)) v(x);
SELECT var_samp(x) FROM (VALUES (1e308::float8), (-1e308)) v(x);
-- integer and numeric inputs resolve to the float8 aggregate
SELECT (pgdl.stats(k)).n, (pgdl.stats(n)).n FROM t;
-- grouped
SELECT g, (pgdl.stats(y)).n, round((pgdl.stats(y)).mean::numeric, 6) = round(avg(y)::numeric, 6) AS ok
FROM t GROUP BY g ORDER BY g;

-- vector form: per element against the built-ins
SELECT s.n = ARRAY[count(x), count(y), count(z)] AS n_ok,
       abs(s.mean[2] - avg(y)) < 1e-12 AND abs(s.mean[3] - avg(z)) < 1e-6 AS mean_ok,
       abs(s.variance[2] - var_samp(y)) / var_samp(y) < 1e-12 AS var_ok,
       s.min[3] = min(z) AND s.max[2] = max(y) AS minmax_ok
FROM t, (SELECT (pgdl.stats(ARRAY[x, y, z])).* FROM t) s
GROUP BY s.n, s.mean, s.variance, s.min, s.max;
-- every element type resolves without casts
SELECT (pgdl.stats(ARRAY[1.5, 2])).mean FROM generate_series(1, 2);
SELECT (pgdl.stats(ARRAY[1, 2])).mean FROM generate_series(1, 2);
SELECT (pgdl.stats(ARRAY[1::int8, 2::int8])).mean FROM generate_series(1, 2);
SELECT (pgdl.stats(ARRAY[1.25::numeric, 2])).mean FROM generate_series(1, 2);
SELECT (pgdl.stats(ARRAY[1.5::real, 2])).mean FROM generate_series(1, 2);
SELECT (pgdl.stats(ARRAY[true, false])).mean FROM generate_series(1, 2);
SELECT (pgdl.stats(ARRAY[1::int2, 3::int2])).mean FROM generate_series(1, 2);
-- NULL elements skipped per element; NULL arrays counted
SELECT (pgdl.stats(v)).* FROM (VALUES ('{1,NULL}'::float8[]), ('{3,4}'), (NULL), ('{5,NULL}')) AS d(v);
-- zero rows and one row
SELECT (pgdl.stats(v)).* FROM empty_t;
SELECT (pgdl.stats(v)).* FROM one_row;
-- errors: different lengths (naming both), text[], 2-D, empty
SELECT pgdl.stats(v) FROM (VALUES ('{1,2}'::float8[]), ('{1,2,3}')) AS d(v);
SELECT pgdl.stats(ARRAY['a', 'b']) FROM generate_series(1, 2);
SELECT pgdl.stats('{{1,2},{3,4}}'::float8[]) FROM generate_series(1, 2);
SELECT pgdl.stats('{}'::float8[]) FROM generate_series(1, 2);

-- stats_columns: the same numbers as the array form, without an array
SELECT (SELECT (pgdl.stats_columns(x, y, z, k, n)) FROM t) = (SELECT (pgdl.stats(ARRAY[x, y, z, k, n])) FROM t) AS same;
SELECT (pgdl.stats_columns(x, y)).n FROM t;
SELECT pgdl.stats_columns(label) FROM t;

-- covariance and correlation matrices against covar_samp and corr
SELECT abs(m[1][2] - covar_samp(y, z)) / abs(covar_samp(y, z)) < 1e-10 AS cov_ok,
       abs(m[2][2] - var_samp(z)) / var_samp(z) < 1e-10 AS diag_ok
FROM t, (SELECT pgdl.covariance_matrix(ARRAY[y, z]) AS m FROM t) c GROUP BY m;
SELECT abs(m[1][2] - corr(y, z)) < 1e-12 AS corr_ok, m[1][1] AS diag, m[1][2] = m[2][1] AS symmetric
FROM t, (SELECT pgdl.correlation_matrix(ARRAY[y, z]) AS m FROM t) c GROUP BY m;
-- pairwise complete: pair (x, y) uses the rows where x is not NULL; the
-- reference is exact (numeric, shifted as above), since x = 1e9 + U(0,1)
-- defeats corr() and covar_samp() themselves
SET extra_float_digits = 3;
WITH p AS (SELECT (x - 1e9::float8)::text::numeric AS a, y::text::numeric AS b FROM t WHERE x IS NOT NULL),
     mu AS (SELECT avg(a) AS ma, avg(b) AS mb FROM p),
     ref AS (SELECT (sum((a - ma) * (b - mb)) / sqrt(sum((a - ma)^2) * sum((b - mb)^2)))::float8 AS r FROM p, mu),
     refcov AS (SELECT sum((a - ma) * (b - mb)) / (count(*) - 1) AS cov FROM p, mu)
SELECT abs(m[1][2] - ref.r) < 1e-9 AS pairwise_ok, abs(m[2][3] - (SELECT corr(y, z) FROM t)) < 1e-12 AS complete_ok,
       abs(c2.cv[1][2] - refcov.cov::float8) / abs(refcov.cov::float8) < 1e-9 AS cov_exact_ok
FROM ref, refcov, (SELECT pgdl.correlation_matrix(ARRAY[x, y, z]) AS m FROM t) c,
     (SELECT pgdl.covariance_matrix(ARRAY[x, y, z]) AS cv FROM t) c2;
SET extra_float_digits = 0;
-- a constant variable has no correlation (NULL), as corr()
SELECT pgdl.correlation_matrix(ARRAY[y, 1]), corr(y, 1) FROM (SELECT y FROM t LIMIT 10) s;
SELECT pgdl.covariance_matrix(v) FROM empty_t;
