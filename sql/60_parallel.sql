-- Parallel plans: Partial Aggregate appears and results equal the serial plan.
SET extra_float_digits = 0;
CREATE TABLE big AS SELECT i, 1e6 + sin(i) * 100 AS a, cos(i) AS b, (i % 7)::float8 AS c FROM generate_series(1, 200000) i;
ANALYZE big;
CREATE TABLE serial_results AS
SELECT pgdl.stats(a) AS s1, pgdl.stats(ARRAY[a, b, c]) AS sv, pgdl.stats_columns(a, b, c) AS sc,
       pgdl.covariance_matrix(ARRAY[a, b]) AS cov, pgdl.quantiles(b, ARRAY[0.1, 0.5, 0.9]) AS q,
       pgdl.histogram(b, -1, 1, 10) AS h, pgdl.standard_scaler(ARRAY[a, b])::text AS sc_std,
       pgdl.robust_scaler(ARRAY[a, b])::text AS sc_rob
FROM big;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
-- the plan is parallel (plan_has: see 00_setup)
SELECT f, plan_has('SELECT ' || f || ' FROM big', 'Partial Aggregate') AS partial
FROM unnest(ARRAY['pgdl.stats(a)', 'pgdl.stats(ARRAY[a, b, c])', 'pgdl.stats_columns(a, b, c)',
                  'pgdl.covariance_matrix(ARRAY[a, b])', 'pgdl.quantiles(b, ARRAY[0.5])',
                  'pgdl.quantile_sketch(b)', 'pgdl.histogram(b, -1, 1, 10)',
                  'pgdl.standard_scaler(ARRAY[a, b])', 'pgdl.robust_scaler(ARRAY[a, b])',
                  'pgdl.imputer(ARRAY[a, b], ''median'')', 'pgdl.describe_state(a, b)',
                  'pgdl.describe_state(ARRAY[a, b])']) f;
EXPLAIN (COSTS OFF) SELECT pgdl.stats(ARRAY[a, b, c]) FROM big;
EXPLAIN (COSTS OFF) SELECT pgdl.quantiles(b, ARRAY[0.5]) FROM big;

CREATE TABLE parallel_results AS
SELECT pgdl.stats(a) AS s1, pgdl.stats(ARRAY[a, b, c]) AS sv, pgdl.stats_columns(a, b, c) AS sc,
       pgdl.covariance_matrix(ARRAY[a, b]) AS cov, pgdl.quantiles(b, ARRAY[0.1, 0.5, 0.9]) AS q,
       pgdl.histogram(b, -1, 1, 10) AS h, pgdl.standard_scaler(ARRAY[a, b])::text AS sc_std,
       pgdl.robust_scaler(ARRAY[a, b])::text AS sc_rob
FROM big;
-- a wide robust fit: combining partial states of many sketches relays them
-- out once (a copy per sketch used memory of columns x state size)
CREATE TABLE wide AS SELECT ARRAY(SELECT sin(i * j) FROM generate_series(1, 100) j) AS v FROM generate_series(1, 30000) i;
ANALYZE wide;
SELECT plan_has('SELECT pgdl.robust_scaler(v) FROM wide', 'Partial Aggregate') AS wide_partial;
CREATE TABLE wide_parallel AS SELECT pgdl.robust_scaler(v)::text::jsonb AS s FROM wide;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size; RESET max_parallel_workers_per_gather;
CREATE TABLE wide_serial AS SELECT pgdl.robust_scaler(v)::text::jsonb AS s FROM wide;
-- medians of values in [-1, 1]: equal within the sketch's rank bound, far below 0.05
SELECT bool_and(abs(p::float8 - q::float8) < 0.05) AS wide_centers_agree, count(*) AS features
FROM wide_parallel, wide_serial,
     LATERAL jsonb_array_elements_text(wide_parallel.s->'center') WITH ORDINALITY AS a(p, i)
     JOIN LATERAL jsonb_array_elements_text(wide_serial.s->'center') WITH ORDINALITY AS b(q, j) ON i = j;

-- moments within 1e-9 relative, counts exact
CREATE FUNCTION close(a float8[], b float8[], tol float8) RETURNS bool LANGUAGE sql IMMUTABLE
  RETURN (SELECT bool_and(abs(x - y) <= tol * greatest(abs(y), 1e-300)) FROM unnest(a, b) AS u(x, y));
-- a location (mean) is compared relative to the spread: a mean near 0 has
-- no meaningful relative error of its own
CREATE FUNCTION close_scaled(a float8[], b float8[], scale float8[], tol float8) RETURNS bool LANGUAGE sql IMMUTABLE
  RETURN (SELECT bool_and(abs(x - y) <= tol * greatest(abs(y), s)) FROM unnest(a, b, scale) AS u(x, y, s));
SELECT (p.s1).n = (s.s1).n AS n_same,
       close(ARRAY[(p.s1).mean, (p.s1).variance, (p.s1).kurtosis, (p.s1).min, (p.s1).max],
             ARRAY[(s.s1).mean, (s.s1).variance, (s.s1).kurtosis, (s.s1).min, (s.s1).max], 1e-9)
         AND close_scaled(ARRAY[(p.s1).skewness], ARRAY[(s.s1).skewness], ARRAY[1], 1e-9) AS scalar_close,
       (p.sv).n = (s.sv).n AND close_scaled((p.sv).mean, (s.sv).mean, (s.sv).stddev, 1e-9)
         AND close((p.sv).variance, (s.sv).variance, 1e-9) AND close((p.sv).kurtosis, (s.sv).kurtosis, 1e-9)
         AND close_scaled((p.sv).skewness, (s.sv).skewness, ARRAY[1, 1, 1], 1e-9) AS vector_close,
       close((p.sc).variance, (s.sc).variance, 1e-9) AS columns_close,
       close(ARRAY[p.cov[1][1], p.cov[2][2]], ARRAY[s.cov[1][1], s.cov[2][2]], 1e-9)
         AND close_scaled(ARRAY[p.cov[1][2]], ARRAY[s.cov[1][2]], ARRAY[sqrt(s.cov[1][1] * s.cov[2][2])], 1e-9) AS cov_close,
       p.h = s.h AS histogram_same,
       close(ARRAY(SELECT jsonb_array_elements_text((p.sc_std::jsonb)->'scale')::float8),
             ARRAY(SELECT jsonb_array_elements_text((s.sc_std::jsonb)->'scale')::float8), 1e-9) AS scaler_close
FROM parallel_results p, serial_results s;
-- sketch-based results agree within the sketch's bound (200,000 rows: 0.5% of n in rank)
SELECT bool_and((SELECT count(*) FROM big WHERE b <= p.q[k]) BETWEEN ((ARRAY[0.1, 0.5, 0.9])[k] - 0.005) * 200000 AND ((ARRAY[0.1, 0.5, 0.9])[k] + 0.005) * 200000) AS quantiles_within_bound
FROM parallel_results p, generate_series(1, 3) k;
-- the robust scaler (median, IQR from sketches) fitted in parallel: its
-- centre has the rank of a median within the sketch's bound
SELECT bool_and(abs((SELECT count(*) FROM big WHERE (ARRAY[a, b])[k] <= c.center[k]) - 100000) <= 0.005 * 200000) AS robust_center_within_bound
FROM (SELECT ARRAY(SELECT jsonb_array_elements_text((p.sc_rob::jsonb)->'center')::float8) AS center FROM parallel_results p) c,
     generate_series(1, 2) k;
