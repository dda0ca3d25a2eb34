-- test/pgtap/scaler_overflow.sql: scalers at the ends of float8.  What a
-- scaler computes from finite values must stay finite, as SQL's float8
-- arithmetic does (avg, *, / raise "value out of range: overflow"): a fit,
-- transform or inverse transform whose result would be infinite is 22003
-- with a detail naming the element; an infinite input stays infinite; and
-- a kind that does not need a quantity does not fail on it (min-max and
-- max-abs never compute a variance).
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(16);
\ir lib/errors.sql

CREATE TEMP TABLE big (x float8);
INSERT INTO big VALUES (-1e300), (1e300);
CREATE TEMP TABLE huge (x float8);
INSERT INTO huge VALUES (-1.7e308), (1.7e308);
CREATE TEMP TABLE tiny (x float8);
INSERT INTO tiny VALUES (1e-300), (2e-300);

-- fits that need only the extremes, over values whose squares overflow
SELECT is((SELECT pgdl.minmax_scaler(ARRAY[x])::text FROM big),
          '{"version": 1, "kind": "minmax", "n": 2, "center": [-1e+300], "scale": [2e+300]}',
          'minmax over +-1e300: fitted (its variance would overflow, and it needs none)');
SELECT is((SELECT pgdl.transform(pgdl.minmax_scaler(x), 1e300) FROM big), 1::float8,
          'minmax over +-1e300: the largest value becomes 1');
SELECT is((SELECT pgdl.maxabs_scaler(x)::text FROM huge),
          '{"version": 1, "kind": "maxabs", "n": 2, "center": [0], "scale": [1.7e+308]}',
          'maxabs over +-1.7e308: fitted');
SELECT is((SELECT pgdl.transform(pgdl.maxabs_scaler(ARRAY[x]), ARRAY[-1.7e308]::float8[]) FROM huge), '{-1}'::float8[],
          'maxabs over +-1.7e308: -1.7e308 becomes -1');

-- fits whose result overflows
SELECT is(pg_temp.err('SELECT pgdl.minmax_scaler(ARRAY[x]) FROM huge'),
          '22003: value out of range: overflow | The range of element 1, from -1.7e+308 to 1.7e+308, overflows float8. | ',
          'minmax over +-1.7e308: the range overflows (22003), not a scale of Infinity');
SELECT is(pg_temp.err('SELECT pgdl.minmax_scaler(x) FROM huge'),
          '22003: value out of range: overflow | The range of element 1, from -1.7e+308 to 1.7e+308, overflows float8. | ',
          'the single-column minmax_scaler too');
SELECT is(pg_temp.err($$SELECT pgdl.imputer(ARRAY[x], 'mean') FROM huge$$),
          '22003: value out of range: overflow | The mean of element 1 overflows float8. | ',
          'a mean imputer over +-1.7e308: the mean overflows (22003), not a fill of Infinity');
SELECT is(pg_temp.err('SELECT avg(x) FROM huge'), '22003: value out of range: overflow |  | ',
          'as avg does');
SELECT is(pg_temp.err('SELECT pgdl.standard_scaler(x) FROM huge'),
          '22003: value out of range: overflow | The sum of squared deviations of element 1 overflows float8. | ',
          'a standard scaler over +-1.7e308: the deviation overflows (22003)');

-- transforms whose result overflows
SELECT is(pg_temp.err('SELECT pgdl.transform(pgdl.minmax_scaler(ARRAY[x]), ARRAY[-1e308]::float8[]) FROM tiny'),
          '22003: value out of range: overflow: the transform of element 1 (-1e+308) is beyond float8 |  | ',
          'transform: -1e308 scaled by 1e-300 overflows (22003), not -Infinity');
SELECT is(pg_temp.err('SELECT pgdl.transform(pgdl.minmax_scaler(x), -1e308) FROM tiny'),
          '22003: value out of range: overflow: the transform of element 1 (-1e+308) is beyond float8 |  | ',
          'the single-value transform too');
SELECT is(pg_temp.err('SELECT pgdl.inverse_transform(pgdl.minmax_scaler(ARRAY[x, x]), ARRAY[0, 1e300]::float8[]) FROM big'),
          '22003: value out of range: overflow: the inverse transform of element 2 (1e+300) is beyond float8 |  | ',
          'inverse_transform: 1e300 times a range of 2e300 overflows (22003), naming element 2');
SELECT is((SELECT pgdl.inverse_transform(pgdl.maxabs_scaler(x), -1) FROM huge), -1.7e308::float8,
          'inverse_transform at the end of float8 but within it: -1 becomes -1.7e308');

-- infinite inputs stay infinite, as in SQL (no overflow: nothing finite became infinite)
SELECT is((SELECT pgdl.transform(pgdl.minmax_scaler(x), '-Infinity'::float8) FROM tiny), '-Infinity'::float8,
          'transform of -Infinity is -Infinity');
SELECT is((SELECT pgdl.inverse_transform(pgdl.minmax_scaler(x), 'Infinity'::float8) FROM tiny), 'Infinity'::float8,
          'inverse_transform of Infinity is Infinity');
SELECT is((SELECT pgdl.imputer(ARRAY[x], 'mean')::text FROM (VALUES ('Infinity'::float8), (1e307)) v(x)),
          '{"version": 1, "kind": "imputer", "n": 2, "strategy": "mean", "fill": ["Infinity"]}',
          'a mean over an infinite value is Infinity, as avg gives');

SELECT * FROM finish();
ROLLBACK;
