-- describe and correlations: one scan, checked against the built-ins.
SET extra_float_digits = 0;

SELECT column_name, n, nulls FROM pgdl.describe('t') ORDER BY column_name;
-- numbers of one column against avg/stddev/percentile_cont
SELECT d.n = count(t.y) AS n_ok,
       abs(d.mean - avg(t.y)) < 1e-9 AS mean_ok,
       abs(d.stddev - stddev_samp(t.y)) < 1e-9 AS sd_ok,
       d.min = min(t.y) AND d.max = max(t.y) AS minmax_ok,
       ARRAY[d.q25, d.median, d.q75] = percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY t.y) AS quartiles_exact
FROM pgdl.describe('t', ARRAY['y']) d, t GROUP BY d.n, d.mean, d.stddev, d.min, d.max, d.q25, d.median, d.q75;
-- NULL counts per column
SELECT column_name, n, nulls FROM pgdl.describe('SELECT x, y FROM t WHERE id <= 100');
-- a query source, schema-qualified and quoted names
CREATE SCHEMA "My Schema";
CREATE TABLE "My Schema"."Mixed Case" ("Value" float8, other text);
INSERT INTO "My Schema"."Mixed Case" VALUES (1, 'a'), (2, 'b'), (4, 'c');
SELECT column_name, n, mean, median FROM pgdl.describe('"My Schema"."Mixed Case"');
SELECT column_name, n, mean FROM pgdl.describe('WITH s AS (SELECT y FROM t WHERE g = 1) SELECT y * 2 AS double_y FROM s;');
SELECT column_name, n, mean FROM pgdl.describe('VALUES (1.0::float8), (3.0)');
-- zero rows
SELECT * FROM pgdl.describe('empty_t', ARRAY['x']);
-- many columns (more than one function call's 100 arguments), one scan
SELECT count(*), sum(n) FROM pgdl.describe('SELECT ' || (SELECT string_agg('id + ' || i || ' AS c' || i, ', ') FROM generate_series(1, 150) i) || ' FROM t');
-- bool columns are 0/1, as training reads them among features (default columns too)
SELECT d.column_name, d.n, abs(d.mean - avg(t.b::int)) < 1e-12 AS mean_ok, d.min, d.max
FROM pgdl.describe('t', ARRAY['b']) d, t GROUP BY d.column_name, d.n, d.mean, d.min, d.max;
SELECT column_name, n, min, max FROM pgdl.describe('SELECT b, y FROM t WHERE id <= 10');
-- errors
SELECT * FROM pgdl.describe('no_such_table');
SELECT * FROM pgdl.describe('t', ARRAY['nope']);
SELECT * FROM pgdl.describe('t', ARRAY['label']);
SELECT * FROM pgdl.describe(NULL);

-- correlations: every ordered pair, diagonal included, against corr()
SELECT column_a, column_b, round(r::numeric, 6) AS r, n FROM pgdl.correlations('t', ARRAY['y', 'z']) ORDER BY 1, 2;
SELECT abs(c.r - corr(t.y, t.z)) < 1e-12 AS r_ok FROM pgdl.correlations('t', ARRAY['y', 'z']) c, t
WHERE c.column_a = 'y' AND c.column_b = 'z' GROUP BY c.r;
-- pairwise complete n
SELECT column_a, column_b, n FROM pgdl.correlations('t', ARRAY['x', 'y']) ORDER BY 1, 2;
SELECT count(*) FROM pgdl.correlations('t');
-- a constant column has NULL r
SELECT column_a, column_b, r FROM pgdl.correlations('SELECT y, 1 AS one FROM t') ORDER BY 1, 2;
-- domains over numeric types are numeric
CREATE DOMAIN price AS numeric CHECK (VALUE >= 0);
CREATE DOMAIN score AS float8;
CREATE TABLE shop (p price, s score, note text);
INSERT INTO shop VALUES (1.5, 10, 'a'), (2.5, 20, 'b'), (4, 30, 'c');
SELECT column_name, n, mean, median FROM pgdl.describe('shop');
SELECT column_a, column_b, r FROM pgdl.correlations('shop') ORDER BY 1, 2;
SELECT (pgdl.stats_columns(p, s)).mean, (pgdl.stats(ARRAY[p, p]::numeric[])).mean FROM shop;
SELECT (pgdl.stats(ARRAY[s]::float8[])).mean FROM shop;
-- an array of a domain matches none of the array aggregates' overloads
-- exactly and can be cast to several: it needs a cast to its base array type
SELECT (pgdl.stats(ARRAY[s]::score[])).mean FROM shop;
