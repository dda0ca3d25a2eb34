-- Quantiles, sketches and histograms against percentile_cont and width_bucket.
SET extra_float_digits = 0;

-- exact up to 10,000 values: equal to percentile_cont
SELECT pgdl.quantiles(y, ARRAY[0, 0.1, 0.25, 0.5, 0.75, 0.9, 1]) =
       percentile_cont(ARRAY[0, 0.1, 0.25, 0.5, 0.75, 0.9, 1]) WITHIN GROUP (ORDER BY y) AS exact
FROM t;
SELECT g, pgdl.quantiles(z, ARRAY[0.5]) = percentile_cont(ARRAY[0.5]) WITHIN GROUP (ORDER BY z) AS exact
FROM t GROUP BY g ORDER BY g;
-- 10,000 values exactly, still exact
SELECT pgdl.quantiles(v, ARRAY[0.33, 0.5, 0.999]) = percentile_cont(ARRAY[0.33, 0.5, 0.999]) WITHIN GROUP (ORDER BY v) AS exact
FROM (SELECT sin(i) * 1000 AS v FROM generate_series(1, 10000) i) s;
-- beyond: within the documented rank error (0.5% of n)
WITH d AS (SELECT (i * 7919 % 100003)::float8 AS v FROM generate_series(1, 100003) i),
     q AS (SELECT pgdl.quantiles(v, ARRAY[0.01, 0.25, 0.5, 0.75, 0.99]) AS est FROM d)
SELECT k, abs((SELECT count(*) FROM d WHERE v <= est[k]) - (ARRAY[0.01, 0.25, 0.5, 0.75, 0.99])[k] * 100003) <= 0.005 * 100003 AS within_bound
FROM q, generate_series(1, 5) k ORDER BY k;
-- NULLs skipped, NaN sorts last as in percentile_cont
SELECT pgdl.quantiles(v, ARRAY[0, 0.5, 1]), percentile_cont(ARRAY[0, 0.5, 1]) WITHIN GROUP (ORDER BY v)
FROM (VALUES (1.0::float8), (NULL), (3), ('NaN'), (2)) AS d(v);
-- zero rows: NULL
SELECT pgdl.quantiles(x, ARRAY[0.5]) FROM empty_t;
-- errors: q outside [0, 1], NULL q, NULL element, q changing between rows
SELECT pgdl.quantiles(y, ARRAY[1.5]) FROM t;
SELECT pgdl.quantiles(y, NULL) FROM t;
SELECT pgdl.quantiles(y, ARRAY[0.5, NULL]) FROM t;
SELECT pgdl.quantiles(y, ARRAY[(id % 2) * 0.5]) FROM t;

-- sketches: stored per group, merged, read back
CREATE TEMP TABLE sk AS SELECT g, pgdl.quantile_sketch(y) AS s FROM t GROUP BY g;
SELECT pgdl.quantiles(pgdl.quantile_sketch(s), ARRAY[0.25, 0.5, 0.75]) =
       (SELECT percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY y) FROM t) AS merged_exact
FROM sk;
SELECT g, pgdl.quantiles(s, ARRAY[0.5]) = (SELECT percentile_cont(ARRAY[0.5]) WITHIN GROUP (ORDER BY y) FROM t WHERE t.g = sk.g) AS exact
FROM sk ORDER BY g;
-- the text form round-trips exactly
SELECT bool_and(s::text::pgdl.sketch::text = s::text) AS text_roundtrip FROM sk;
SELECT pgdl.quantile_sketch(x) FROM empty_t;
-- corrupt text is refused, never trusted
SELECT 'pgdl:00'::pgdl.sketch;
SELECT 'hello'::pgdl.sketch;
SELECT 'pgdl:4c444750'::pgdl.sketch;

-- histogram against width_bucket (edges clamp into the first/last bin)
SELECT pgdl.histogram(y, 0, 50, 5) =
       (SELECT array_agg(c ORDER BY b) FROM (SELECT least(greatest(width_bucket(y, 0, 50, 5), 1), 5) AS b, count(*) AS c
                                              FROM t GROUP BY 1) w) AS same
FROM t;
SELECT pgdl.histogram(v, 0, 10, 2) FROM (VALUES (-5.0::float8), (0), (4.99), (5), (10), (99), (NULL), ('NaN'), ('Infinity'), ('-Infinity')) AS d(v);
SELECT pgdl.histogram(x, 0, 1, 3) FROM empty_t;
SELECT pgdl.histogram(y, 5, 5, 3) FROM t;
SELECT pgdl.histogram(y, 0, 5, 0) FROM t;
SELECT pgdl.histogram(y, 0, id, 3) FROM t;
SELECT pgdl.histogram(y, 'NaN', 5, 3) FROM t;
