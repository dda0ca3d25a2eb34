-- scripts/demo.sql — a short tour of pgdl on Fashion-MNIST, run by `make demo`
-- (scripts/demo.sh loads the table first).  It also runs on its own in any
-- database with the table loaded:
--     psql -X -f scripts/demo.sql
-- fashion_mnist(id int, label int, pixels real[784]): 60,000 28x28 grey
-- images, 0..255 per pixel; labels 0..9 are T-shirt/top, Trouser, Pullover,
-- Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot.

\set ON_ERROR_STOP on
\set QUIET on
\pset pager off
\pset footer off
\pset null 'NULL'

-- Display helper: rounds every element of a float8[] (output only).
CREATE FUNCTION pg_temp.r(a float8[], digits int DEFAULT 1) RETURNS numeric[]
	LANGUAGE sql IMMUTABLE STRICT
	AS $$ SELECT array_agg(round(x::numeric, digits) ORDER BY i) FROM unnest(a) WITH ORDINALITY AS u(x, i) $$;

\echo
\echo '==== 0. CREATE EXTENSION pgdl: everything lives in schema pgdl'
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT count(*) AS rows, count(DISTINCT label) AS labels, min(cardinality(pixels)) AS pixels_per_image
FROM fashion_mnist;

\timing on

\echo
\echo '==== 1. pgdl.describe(source, columns): one scan, one row per numeric column'
\echo '       (source is a table name or a read-only query; quartiles come from a mergeable sketch)'
SELECT column_name, n, round(mean::numeric, 2) AS mean, round(stddev::numeric, 2) AS stddev,
       round(min::numeric, 1) AS min, round(q25::numeric, 1) AS q25, round(median::numeric, 1) AS median,
       round(q75::numeric, 1) AS q75, round(max::numeric, 1) AS max,
       round(skewness::numeric, 3) AS skewness, round(kurtosis::numeric, 3) AS kurtosis
FROM pgdl.describe('SELECT label, pixels[100] AS p100, pixels[400] AS p400, pixels[700] AS p700 FROM fashion_mnist');

\echo
\echo '==== 2. pgdl.stats(x): an aggregate like avg(), returning n, mean, variance, skewness, ...'
\echo '       pixel 406 (row 14, column 13, counting from 0: the centre of the image) per class'
SELECT label, (s).n, round((s).mean::numeric, 1) AS mean, round((s).stddev::numeric, 1) AS stddev,
       round((s).skewness::numeric, 2) AS skewness, round((s).kurtosis::numeric, 2) AS kurtosis,
       (s).min, (s).max
FROM (SELECT label, pgdl.stats(pixels[406]) AS s FROM fashion_mnist GROUP BY label) AS per_class
ORDER BY label;

\echo
\echo '       ... and over whole arrays: per-element statistics of all 784 pixels in one pass;'
\echo '       the five pixels that vary most across the data set:'
WITH s AS (SELECT (pgdl.stats(pixels)).* FROM fashion_mnist)
SELECT u.i AS pixel, (u.i - 1) / 28 AS image_row, (u.i - 1) % 28 AS image_col,
       round(u.m::numeric, 1) AS mean, round(u.sd::numeric, 1) AS stddev
FROM s, unnest(s.mean, s.stddev) WITH ORDINALITY AS u(m, sd, i)
ORDER BY u.sd DESC
LIMIT 5;

\echo
\echo '==== 3. pgdl.correlations(source, columns): every pair of columns (a ready heat map)'
\echo '       neighbouring pixels move together; distant ones much less'
SELECT column_a, column_b, round(r::numeric, 3) AS r, n
FROM pgdl.correlations('SELECT pixels[406] AS centre, pixels[407] AS right_of_it,
                               pixels[434] AS below_it, pixels[15] AS top_edge FROM fashion_mnist')
WHERE column_a < column_b
ORDER BY r DESC;

\echo
\echo '==== 4. pgdl.quantiles(x, q): a deterministic sketch (exact up to 10,000 values),'
\echo '       next to the exact percentile_cont, which has to sort all 60,000 values'
SELECT 'pgdl.quantiles' AS method,
       pg_temp.r(pgdl.quantiles(pixels[406], ARRAY[0.1, 0.25, 0.5, 0.75, 0.9]), 1) AS "q10, q25, median, q75, q90"
FROM fashion_mnist
UNION ALL
SELECT 'percentile_cont',
       pg_temp.r(percentile_cont(ARRAY[0.1, 0.25, 0.5, 0.75, 0.9]) WITHIN GROUP (ORDER BY pixels[406]), 1)
FROM fashion_mnist;

\echo
\echo '       sketches merge: one per class, stored, then combined into the overall median'
CREATE TEMP TABLE class_sketch AS
SELECT label, pgdl.quantile_sketch(pixels[406]) AS sketch FROM fashion_mnist GROUP BY label;
SELECT pgdl.quantiles(pgdl.quantile_sketch(sketch), ARRAY[0.5]) AS median_from_10_sketches
FROM class_sketch;

\echo
\echo '==== 5. pgdl.histogram(x, lo, hi, bins): counts per bin'
SELECT pgdl.histogram(label, 0, 10, 10) AS images_per_label FROM fashion_mnist;
\echo '       brightness of the centre pixel, 8 bins over 0..256:'
SELECT (b.i - 1) * 32 AS "from", b.i * 32 AS "to", b.n AS images,
       repeat('#', (40.0 * b.n / max(b.n) OVER ())::int) AS bar
FROM (SELECT pgdl.histogram(pixels[406], 0, 256, 8) AS h FROM fashion_mnist) AS t,
     unnest(t.h) WITH ORDINALITY AS b(n, i)
ORDER BY b.i;

\echo
\echo '==== 6. Scalers: aggregates that fit, a value you can store, functions that apply'
CREATE TEMP TABLE scalers AS
SELECT 'standard' AS kind, pgdl.standard_scaler(pixels) AS scaler FROM fashion_mnist
UNION ALL
SELECT 'minmax', pgdl.minmax_scaler(pixels) FROM fashion_mnist
UNION ALL
SELECT 'robust', pgdl.robust_scaler(pixels) FROM fashion_mnist;
\echo '       the stored scalers (text form is readable JSON; shortened here):'
SELECT kind, left(scaler::text, 90) || ' ...' AS scaler FROM scalers ORDER BY kind;

\echo
\echo '       pgdl.transform(scaler, x): pixels 404..409 of image 1, raw and scaled'
SELECT 'raw' AS kind, pg_temp.r(pixels[404:409]::float8[], 0) AS "pixels 404..409"
FROM fashion_mnist WHERE id = 1
UNION ALL
SELECT s.kind, pg_temp.r((pgdl.transform(s.scaler, f.pixels))[404:409], 3)
FROM scalers AS s, fashion_mnist AS f WHERE f.id = 1;

\echo
\echo '       pgdl.inverse_transform undoes it (largest difference over 1,000 images x 784 pixels):'
SELECT s.kind, max(abs(u.back - u.orig)) AS max_round_trip_error
FROM scalers AS s, fashion_mnist AS f,
     unnest(pgdl.inverse_transform(s.scaler, pgdl.transform(s.scaler, f.pixels)), f.pixels) AS u(back, orig)
WHERE f.id <= 1000
GROUP BY s.kind
ORDER BY s.kind;

\echo
\echo '       pgdl.is_outlier(scaler, x, k): images with a pixel beyond mean +- k sd'
SELECT f.label,
       count(*) FILTER (WHERE pgdl.is_outlier(s.scaler, f.pixels, 5)) AS "k = 5",
       count(*) FILTER (WHERE pgdl.is_outlier(s.scaler, f.pixels, 10)) AS "k = 10",
       count(*) FILTER (WHERE pgdl.is_outlier(s.scaler, f.pixels, 20)) AS "k = 20",
       count(*) AS images
FROM fashion_mnist AS f, scalers AS s
WHERE s.kind = 'standard'
GROUP BY f.label
ORDER BY f.label;

\timing off
\echo
\echo 'Next: clustering, feature scores and PCA, then a neural network.'
