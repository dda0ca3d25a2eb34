-- Scalers: fitted values against the built-ins, round trips, errors.
SET extra_float_digits = 0;

CREATE TABLE scalers AS
SELECT 'standard' AS kind, pgdl.standard_scaler(ARRAY[y, z]) AS s FROM t
UNION ALL SELECT 'minmax', pgdl.minmax_scaler(ARRAY[y, z]) FROM t
UNION ALL SELECT 'maxabs', pgdl.maxabs_scaler(ARRAY[y, z]) FROM t
UNION ALL SELECT 'robust', pgdl.robust_scaler(ARRAY[y, z]) FROM t
UNION ALL SELECT 'imputer', pgdl.imputer(ARRAY[x, y], 'mean') FROM t;

-- standard: mean and population stddev (as scikit-learn): the transformed
-- column has mean 0 and population stddev 1
SELECT abs(avg(v[1])) < 1e-12 AND abs(avg(v[2])) < 1e-9 AS mean_zero,
       abs(stddev_pop(v[1]) - 1) < 1e-12 AND abs(stddev_pop(v[2]) - 1) < 1e-9 AS unit_variance
FROM (SELECT pgdl.transform(s, ARRAY[y, z]) AS v FROM t, scalers WHERE kind = 'standard') q;
SELECT round(min(v[1])::numeric, 12) AS min1, round(max(v[1])::numeric, 12) AS max1,
       round(max(v[2])::numeric, 12) AS max2
FROM (SELECT pgdl.transform(s, ARRAY[y, z]) AS v FROM t, scalers WHERE kind = 'minmax') q;
SELECT round(max(abs(v[1]))::numeric, 12) AS maxabs1 FROM (SELECT pgdl.transform(s, ARRAY[y, z]) AS v FROM t, scalers WHERE kind = 'maxabs') q;
-- robust: the median maps to 0 and Q3 - Q1 to 1 (exact below 10,000 rows)
SELECT pgdl.transform(s, (SELECT ARRAY[percentile_cont(0.5) WITHIN GROUP (ORDER BY y), percentile_cont(0.5) WITHIN GROUP (ORDER BY z)] FROM t)) AS median_maps_to,
       round(((pgdl.transform(s, (SELECT ARRAY[percentile_cont(0.75) WITHIN GROUP (ORDER BY y), 0] FROM t)))[1] -
              (pgdl.transform(s, (SELECT ARRAY[percentile_cont(0.25) WITHIN GROUP (ORDER BY y), 0] FROM t)))[1])::numeric, 12) AS iqr_maps_to
FROM scalers WHERE kind = 'robust';
-- inverse_transform undoes transform
SELECT bool_and(abs(b[1] - y) < 1e-9 AND abs(b[2] - z) < 1e-5) AS roundtrip, kind
FROM (SELECT kind, y, z, pgdl.inverse_transform(s, pgdl.transform(s, ARRAY[y, z])) AS b FROM t, scalers WHERE kind <> 'imputer') q
GROUP BY kind ORDER BY kind;
-- the imputer fills NULL elements with the mean; other elements unchanged
SELECT abs(v[1] - (SELECT avg(x::text::numeric) FROM t)::float8) < 1e-6 AS filled_with_mean, v[2] AS unchanged
FROM (SELECT pgdl.transform(s, ARRAY[NULL, 7]) AS v FROM scalers WHERE kind = 'imputer') q;
SELECT pgdl.transform(pgdl.imputer(v, 'median'), '{NULL,NULL}'::float8[]) FROM (VALUES ('{1,10}'::float8[]), ('{2,NULL}'), ('{4,30}')) d(v);
SELECT pgdl.transform(pgdl.imputer(v, 'constant:-1'), '{NULL,5}'::float8[]) FROM (VALUES ('{1,10}'::float8[])) d(v);
-- NULL elements stay NULL in transform
SELECT pgdl.transform(s, ARRAY[NULL, 1.0]) IS NOT NULL AS array_returned, (pgdl.transform(s, ARRAY[NULL, 1.0]))[1] IS NULL AS elem_null
FROM scalers WHERE kind = 'standard';
-- zero variance / range gives scale 1
SELECT pgdl.transform(pgdl.standard_scaler(ARRAY[v, 2]), ARRAY[5, 3]) FROM (VALUES (1.0::float8), (3.0)) d(v);
SELECT pgdl.transform(pgdl.minmax_scaler(ARRAY[7, v]), ARRAY[7, 2]) FROM (VALUES (1.0::float8), (3.0)) d(v);
-- is_outlier: mean +- k sd, Q1 - k IQR .. Q3 + k IQR
SELECT pgdl.is_outlier(s, ARRAY[avg_y, avg_z]) AS center, pgdl.is_outlier(s, ARRAY[avg_y + 10 * sd_y, avg_z]) AS far,
       pgdl.is_outlier(s, ARRAY[avg_y + 1.5 * sd_y, avg_z], 1) AS k1, pgdl.is_outlier(s, ARRAY[avg_y + 1.5 * sd_y, avg_z], 2) AS k2
FROM scalers, (SELECT avg(y) AS avg_y, avg(z) AS avg_z, stddev_pop(y) AS sd_y FROM t) m WHERE kind = 'standard';
SELECT count(*) FILTER (WHERE pgdl.is_outlier(s, ARRAY[y, z], 1.5)) AS robust_outliers FROM t, scalers WHERE kind = 'robust';
SELECT pgdl.is_outlier(s, ARRAY[1000, 5], 1.5) AS far_robust, pgdl.is_outlier(s, ARRAY[25, 5], 1.5) AS near_robust,
       pgdl.is_outlier(s, ARRAY[NULL, 5]) AS null_ignored
FROM scalers WHERE kind = 'robust';
SELECT pgdl.is_outlier(s, ARRAY[1, 2]) FROM scalers WHERE kind = 'minmax';
-- the text form is JSON and round-trips bit for bit
SELECT kind, s::text::pgdl.scaler::text = s::text AS text_roundtrip, (s::text::jsonb)->>'kind' AS json_kind FROM scalers ORDER BY kind;
SELECT pgdl.transform(s::text::pgdl.scaler, ARRAY[1, 2]) = pgdl.transform(s, ARRAY[1, 2]) AS same FROM scalers WHERE kind = 'standard';
-- parallel-safe fit equals serial (see 60_parallel); any element type resolves
SELECT pgdl.transform(pgdl.standard_scaler(v), ARRAY[1, 2]) FROM (VALUES (ARRAY[1, 2]), (ARRAY[3, 6])) d(v);
SELECT pgdl.transform(pgdl.standard_scaler(v), ARRAY[1.5, 2]) FROM (VALUES (ARRAY[1::int8, 2]), (ARRAY[3, 6])) d(v);
-- errors
SELECT pgdl.transform(s, ARRAY[1, 2, 3]) FROM scalers WHERE kind = 'standard';
SELECT pgdl.transform(s, ARRAY['a', 'b']) FROM scalers WHERE kind = 'standard';
SELECT pgdl.inverse_transform(s, ARRAY[1, 2]) FROM scalers WHERE kind = 'imputer';
SELECT pgdl.imputer(ARRAY[y], 'mode') FROM t;
SELECT pgdl.imputer(ARRAY[y], 'constant:abc') FROM t;
SELECT 'not json'::pgdl.scaler;
SELECT '{"kind": "nope"}'::pgdl.scaler;
SELECT '{"kind": "standard", "version": 1, "n": 2, "center": [1, 2], "scale": [1]}'::pgdl.scaler;
SELECT pgdl.standard_scaler(v) FROM (VALUES ('{1,2}'::float8[]), ('{1}')) d(v);
SELECT pgdl.standard_scaler(v) FROM empty_t;
