-- test/pgtap/hostile_states.sql: states that lie are refused, states that
-- tell the truth about hostile data are not.
--
-- A pgdl.aggstate (and the pgdl.sketch and pgdl.scaler values) can arrive
-- as text from anyone.  Each forged state below is a real one with one
-- relation between its parts broken (the README: "validated on input"):
-- input must give 22P03, never a result no data could give.  Then states
-- that pgdl's own aggregates made from huge, tiny, equal, NaN and infinite
-- values must round-trip through their text form and be accepted, so the
-- relations are checked with a tolerance rounding cannot exceed.
--
-- Offsets below are those of the state block (src/core/aggstate.c,
-- pgdl_core.h): the header (magic at byte 4, dim at 16, pad at 24, rows at
-- 32, nulls at 40, params at 48) and then float8 slots from byte 80; in
-- the text form "pgdl:<hex>" byte b >= 4 is at character 6 + 2 (b - 4).
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(68);

-- the little-endian hex of a float8 and of an int4, as the state holds them
CREATE FUNCTION pg_temp.le8(x float8) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT string_agg(substr(h, 15 - 2 * i, 2), '' ORDER BY i)
  FROM (SELECT encode(float8send(x), 'hex') AS h) s, generate_series(0, 7) i $$;
CREATE FUNCTION pg_temp.le4(x int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT string_agg(substr(h, 7 - 2 * i, 2), '' ORDER BY i)
  FROM (SELECT encode(int4send(x), 'hex') AS h) s, generate_series(0, 3) i $$;
-- the text state with the bytes at byte offset b replaced
CREATE FUNCTION pg_temp.put(state text, b int, hex text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT overlay(state placing hex from 6 + 2 * (b - 4)) $$;
-- ... with float8 slot k (from byte 80) set to x
CREATE FUNCTION pg_temp.slot(state text, k int, x float8) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT pg_temp.put(state, 80 + 8 * k, pg_temp.le8(x)) $$;
-- ... with field f (0 n, 1 shift, 2 mean, 3 m2, 4 m3, 5 m4, 6 min, 7 max, ...,
-- 11 bn) of variable i of the moments section of d variables set to x
CREATE FUNCTION pg_temp.mom(state text, d int, f int, i int, x float8) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT pg_temp.slot(state, f * d + i, x) $$;
-- accepted ('ok') or the SQLSTATE and message of the refusal
CREATE FUNCTION pg_temp.try_state(t text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM t::pgdl.aggstate;
  RETURN 'ok';
EXCEPTION WHEN others THEN
  RETURN SQLSTATE || ' ' || SQLERRM;
END $$;

-- the transition functions as aggregates returning the raw state
CREATE AGGREGATE pg_temp.st_scalar(float8) (SFUNC = pgdl.stats_accum, STYPE = pgdl.aggstate);
CREATE AGGREGATE pg_temp.st_vector(float8[]) (SFUNC = pgdl.stats_vector_accum, STYPE = pgdl.aggstate);
CREATE AGGREGATE pg_temp.st_histogram(float8, float8, float8, int) (SFUNC = pgdl.histogram_accum, STYPE = pgdl.aggstate);
CREATE AGGREGATE pg_temp.st_imputer(float8[], text) (SFUNC = pgdl.imputer_accum, STYPE = pgdl.aggstate);
CREATE AGGREGATE pg_temp.st_standard(float8[]) (SFUNC = pgdl.standard_scaler_accum, STYPE = pgdl.aggstate);
CREATE AGGREGATE pg_temp.st_robust(float8[]) (SFUNC = pgdl.robust_scaler_accum, STYPE = pgdl.aggstate);
CREATE AGGREGATE pg_temp.st_regression(float8, float8) (SFUNC = pgdl.regression_accum, STYPE = pgdl.aggstate);
CREATE AGGREGATE pg_temp.st_roc(bool, float8) (SFUNC = pgdl.roc_auc_accum, STYPE = pgdl.aggstate);

-- Real states to forge from: 128 rows (two full blocks of 64, nothing
-- pending), values 1 .. 128.
CREATE TEMP TABLE real AS
SELECT 'stats' AS kind, pg_temp.st_scalar(g)::text AS s FROM generate_series(1, 128) g
UNION ALL SELECT 'nullrows', pg_temp.st_vector(NULL::float8[])::text FROM generate_series(1, 3)
UNION ALL SELECT 'regression', pg_temp.st_regression(((g + 1) % 2) * 10, 0)::text FROM generate_series(1, 128) g
UNION ALL SELECT 'roc', pg_temp.st_roc(g % 3 = 0, g)::text FROM generate_series(1, 128) g
UNION ALL SELECT 'sketch', pgdl.quantile_sketch(g)::text FROM generate_series(1, 100) g
UNION ALL SELECT 'describe', pgdl.describe_state(g)::text FROM generate_series(1, 128) g
UNION ALL SELECT 'comoments', pgdl.comoments_state(ARRAY[g, 2 * g])::text FROM generate_series(1, 128) g
UNION ALL SELECT 'pairs', pgdl.comoments_state(ARRAY[g, CASE WHEN g % 4 = 0 THEN NULL ELSE g END])::text
  FROM generate_series(1, 128) g
UNION ALL SELECT 'histogram', pg_temp.st_histogram(g, 0, 128, 4)::text FROM generate_series(1, 128) g
UNION ALL SELECT 'imputer', pg_temp.st_imputer(ARRAY[g], 'mean')::text FROM generate_series(1, 128) g;

SELECT is(string_agg(kind || ': ' || pg_temp.try_state(s), '; ' ORDER BY kind) FILTER (WHERE pg_temp.try_state(s) <> 'ok'),
          NULL, 'the real states forged below are accepted as they are')
FROM real;

------------------------------------------------------------------------------
-- Forged states: 22P03
------------------------------------------------------------------------------
-- moments of one variable (stats(float8) over 1 .. 128: shift 1, min 1, max 128)
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.mom(s, 1, 2, 0, 500)), '22P03', NULL,
                 'a mean above the maximum is 22P03') FROM real WHERE kind = 'stats';
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.mom(s, 1, 2, 0, -10)), '22P03', NULL,
                 'a mean below the minimum is 22P03') FROM real WHERE kind = 'stats';
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.mom(s, 1, 6, 0, 100)), '22P03', NULL,
                 'a minimum above the mean (and the first value) is 22P03') FROM real WHERE kind = 'stats';
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.mom(s, 1, 1, 0, 1000)), '22P03', NULL,
                 'a first value outside [min, max] is 22P03') FROM real WHERE kind = 'stats';
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.mom(s, 1, 3, 0, -1)), '22P03', NULL,
                 'a negative sum of squares is 22P03') FROM real WHERE kind = 'stats';
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.mom(s, 1, 3, 0, 1e6)), '22P03', NULL,
                 'a variance above (max - min)^2 / 4 is 22P03') FROM real WHERE kind = 'stats';
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.mom(s, 1, 3, 0, 1)), '22P03', NULL,
                 'a variance below what the minimum and maximum alone give is 22P03') FROM real WHERE kind = 'stats';
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.mom(s, 1, 5, 0, 1)), '22P03', NULL,
                 'a fourth moment below m2^2 / n is 22P03') FROM real WHERE kind = 'stats';
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.mom(s, 1, 5, 0, -1)), '22P03', NULL,
                 'a negative fourth moment is 22P03') FROM real WHERE kind = 'stats';
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.mom(s, 1, 4, 0, 1e12)), '22P03', NULL,
                 'a third moment above (max - min) m2 is 22P03') FROM real WHERE kind = 'stats';
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.mom(s, 1, 4, 0, 'NaN')), '22P03', NULL,
                 'a NaN third moment of data that cannot overflow is 22P03') FROM real WHERE kind = 'stats';
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.mom(s, 1, 3, 0, 'Infinity')), '22P03', NULL,
                 'an infinite m2 of data that cannot overflow is 22P03') FROM real WHERE kind = 'stats';
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.put(s, 32, pg_temp.le8(100))), '22P03', NULL,
                 'a variable counting more values than the state has rows is 22P03') FROM real WHERE kind = 'stats';
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.put(s, 24, pg_temp.le4(1))), '22P03', NULL,
                 'a padding word that is not zero is 22P03') FROM real WHERE kind = 'stats';
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.put(s, 48, pg_temp.le8(1))), '22P03', NULL,
                 'a parameter that the purpose does not use is 22P03') FROM real WHERE kind = 'stats';
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.put(s, 32, pg_temp.le8(5))), '22P03', NULL,
                 'a state of only NULL rows with more rows than NULLs is 22P03') FROM real WHERE kind = 'nullrows';
-- the final function on a forged state, called directly, refuses it too
SELECT throws_ok(format('SELECT pgdl.stats_final(%L::pgdl.aggstate)', pg_temp.mom(s, 1, 2, 0, 500)),
                 '22P03', NULL, 'stats_final of a forged state is 22P03') FROM real WHERE kind = 'stats';

-- regression_metrics: moments of (actual, error, |error|), errors 0, 10, 0, 10, ...
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.mom(s, 3, 2, 2, 9)), '22P03', NULL,
                 'a regression state with mae above rmse is 22P03') FROM real WHERE kind = 'regression';
SELECT throws_ok(format('SELECT pgdl.regression_final(%L::pgdl.aggstate)', pg_temp.mom(s, 3, 2, 2, 9)), '22P03', NULL,
                 'regression_final never sees mae above rmse') FROM real WHERE kind = 'regression';
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.mom(s, 3, 7, 2, 11)), '22P03', NULL,
                 'a largest |error| that is not the largest error is 22P03') FROM real WHERE kind = 'regression';
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.put(s, 32, pg_temp.le8(200))), '22P03', NULL,
                 'a regression state that does not count every row is 22P03') FROM real WHERE kind = 'regression';
-- one more row: a NaN actual value, so a NaN error, but an infinite |error|
SELECT throws_ok(format('SELECT %L::pgdl.aggstate',
                        pg_temp.put(pg_temp.mom(pg_temp.mom(pg_temp.mom(s, 3, 8, 0, 1), 3, 8, 1, 1), 3, 9, 2, 1),
                                    32, pg_temp.le8(129))),
                 '22P03', NULL, 'an infinite |error| of a NaN error is 22P03') FROM real WHERE kind = 'regression';

-- roc_auc: the two sketches together count every row that was not NULL
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.put(s, 32, pg_temp.le8(500))), '22P03', NULL,
                 'a ROC state whose sketches miss rows is 22P03') FROM real WHERE kind = 'roc';
-- a quantile sketch of 1 .. 100 (exact: it holds every value)
SELECT throws_ok(format('SELECT %L::pgdl.sketch', pg_temp.put(s, 40, pg_temp.le8(1))), '22P03', NULL,
                 'a sketch that does not count every row that was not NULL is 22P03') FROM real WHERE kind = 'sketch';
SELECT throws_ok(format('SELECT %L::pgdl.sketch', pg_temp.put(s, 80 + 32, pg_temp.le8(-1000))), '22P03', NULL,
                 'an exact sketch whose minimum is none of its values is 22P03') FROM real WHERE kind = 'sketch';
SELECT throws_ok(format('SELECT %L::pgdl.sketch', pg_temp.put(s, 80 + 40, pg_temp.le8(1000))), '22P03', NULL,
                 'an exact sketch whose maximum is none of its values is 22P03') FROM real WHERE kind = 'sketch';
SELECT throws_ok(format('SELECT pgdl.quantiles(%L::pgdl.sketch, ''{1}'')', pg_temp.put(s, 80 + 40, pg_temp.le8(1000))),
                 '22P03', NULL, 'quantiles never answer a maximum the sketch does not hold') FROM real WHERE kind = 'sketch';
-- describe: moments and a sketch of the same column
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.mom(s, 1, 6, 0, 0.5)), '22P03', NULL,
                 'a describe state whose moments and sketch disagree on the minimum is 22P03') FROM real WHERE kind = 'describe';
-- co-moments of (g, 2g): n | shift[2] | mean[2] | C00 C01 C11 | scratch[4] | pairs
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.slot(s, 6, 1e12)), '22P03', NULL,
                 'a covariance beyond Cauchy-Schwarz is 22P03') FROM real WHERE kind = 'comoments';
SELECT throws_ok(format('SELECT pgdl.correlation_final(%L::pgdl.aggstate)', pg_temp.slot(s, 6, 1e12)), '22P03', NULL,
                 'correlation_final never sees a covariance beyond Cauchy-Schwarz') FROM real WHERE kind = 'comoments';
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.put(s, 40, pg_temp.le8(5))), '22P03', NULL,
                 'complete rows that do not add up to the rows that were not NULL are 22P03') FROM real WHERE kind = 'comoments';
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.slot(s, 3, 7)), '22P03', NULL,
                 'a mean of a column whose every value equals the first is 22P03')
FROM (SELECT pgdl.comoments_state(ARRAY[1.5, g])::text AS s FROM generate_series(1, 10) g) c;
-- pairs: column 2 is NULL in every 4th row; pair (1, 2) of those rows is empty
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.slot(s, 12 + 8, 5)), '22P03', NULL,
                 'a pair counting more rows than one of its columns is 22P03') FROM real WHERE kind = 'pairs';
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.slot(s, 12 + 8 + 7, 3)), '22P03', NULL,
                 'an empty pair with a co-moment is 22P03') FROM real WHERE kind = 'pairs';
-- histogram: the bins count at most the rows that were not NULL
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.slot(s, 0, 1000)), '22P03', NULL,
                 'histogram bins counting more than the rows are 22P03') FROM real WHERE kind = 'histogram';
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.put(s, 72, pg_temp.le8(1))), '22P03', NULL,
                 'a histogram parameter that is not used is 22P03') FROM real WHERE kind = 'histogram';
-- a mean imputer's fit with a constant that only the constant strategy has
SELECT throws_ok(format('SELECT %L::pgdl.aggstate', pg_temp.put(s, 64, pg_temp.le8(1))), '22P03', NULL,
                 'a scaler fit with a constant its strategy does not take is 22P03') FROM real WHERE kind = 'imputer';

------------------------------------------------------------------------------
-- Forged scaler text: 22P02 (the text form is JSON; its problems are 22P02)
------------------------------------------------------------------------------
SELECT throws_ok('SELECT ''{"version": 1, "kind": "standard", "n": 3, "center": [1], "scale": ["NaN"], "lo": [1], "hi": ["NaN"]}''::pgdl.scaler',
                 '22P02', NULL, 'a standard scaler with a NaN scale but a finite mean is refused');
SELECT throws_ok('SELECT ''{"version": 1, "kind": "standard", "n": 3, "center": [1], "scale": [-2], "lo": [1], "hi": [-2]}''::pgdl.scaler',
                 '22P02', NULL, 'a standard scaler with a negative scale is refused');
SELECT throws_ok('SELECT ''{"version": 1, "kind": "standard", "n": 3, "center": [1], "scale": [2], "lo": [5], "hi": [2]}''::pgdl.scaler',
                 '22P02', NULL, 'a standard scaler whose outlier base is not its mean is refused');
SELECT throws_ok('SELECT ''{"version": 1, "kind": "standard", "n": 3, "center": [1], "scale": [3], "lo": [1], "hi": [2]}''::pgdl.scaler',
                 '22P02', NULL, 'a standard scaler whose scale is not its standard deviation is refused');
SELECT throws_ok('SELECT ''{"version": 1, "kind": "minmax", "n": 3, "center": [5], "scale": [-4]}''::pgdl.scaler',
                 '22P02', NULL, 'a minmax scaler with min above max is refused');
SELECT throws_ok('SELECT ''{"version": 1, "kind": "minmax", "n": 3, "center": [1e308], "scale": [1e308]}''::pgdl.scaler',
                 '22P02', NULL, 'a minmax scaler whose maximum is not a float8 is refused');
SELECT throws_ok('SELECT ''{"version": 1, "kind": "minmax", "n": 3, "center": ["NaN"], "scale": [2]}''::pgdl.scaler',
                 '22P02', NULL, 'a minmax scaler with a NaN minimum but a range is refused');
SELECT throws_ok('SELECT ''{"version": 1, "kind": "robust", "n": 3, "center": [2], "scale": [5], "lo": [1], "hi": [3]}''::pgdl.scaler',
                 '22P02', NULL, 'a robust scaler whose scale is not Q3 - Q1 is refused');
SELECT throws_ok('SELECT ''{"version": 1, "kind": "robust", "n": 3, "center": [9], "scale": [2], "lo": [1], "hi": [3]}''::pgdl.scaler',
                 '22P02', NULL, 'a robust scaler whose median is outside [Q1, Q3] is refused');
SELECT throws_ok('SELECT ''{"version": 1, "kind": "standard", "n": 0, "center": [1], "scale": [2], "lo": [1], "hi": [2]}''::pgdl.scaler',
                 '22P02', NULL, 'a scaler fitted on no row with a fitted feature is refused');
SELECT lives_ok('SELECT ''{"version": 1, "kind": "minmax", "n": 4, "center": [-1, 5], "scale": [4, 1]}''::pgdl.scaler',
                'the README''s scaler text is accepted');

------------------------------------------------------------------------------
-- No false rejection: states of hostile but valid data round-trip
------------------------------------------------------------------------------
CREATE TEMP TABLE hostile(k text, x float8);
INSERT INTO hostile SELECT 'pm1e100', CASE WHEN g % 2 = 0 THEN 1e100 ELSE -1e100 END FROM generate_series(1, 200) g;
INSERT INTO hostile SELECT 'pm1e300', CASE WHEN g % 2 = 0 THEN 1e300 ELSE -1e300 END FROM generate_series(1, 200) g;
INSERT INTO hostile SELECT 'pm1e308', CASE WHEN g % 2 = 0 THEN 1e308 ELSE -1e308 END FROM generate_series(1, 200) g;
INSERT INTO hostile SELECT 'mix', (ARRAY[1e300, -1e300, 1e-300, 5e-324, -5e-324, 0, 1])[1 + g % 7] FROM generate_series(1, 1000) g;
INSERT INTO hostile SELECT 'denormal', (g % 5) * 5e-324::float8 FROM generate_series(1, 1000) g;
INSERT INTO hostile SELECT 'equal', 0.1 FROM generate_series(1, 20000) g;
INSERT INTO hostile SELECT 'max', 1.7976931348623157e308 FROM generate_series(1, 1000) g;
INSERT INTO hostile SELECT 'special', (ARRAY['NaN', 'Infinity', '-Infinity', '1', NULL]::float8[])[1 + g % 5] FROM generate_series(1, 100) g;
INSERT INTO hostile SELECT 'near', 1e9 + (g % 7) * 1e-7 FROM generate_series(1, 7000) g;
INSERT INTO hostile SELECT 'outlier', CASE WHEN g = 1 THEN 1e15 ELSE g % 3 END FROM generate_series(1, 5000) g;

-- every aggregate's state over every kind of data; the ones an aggregate
-- itself refuses (22003: an overflow, as the built-in float8 aggregates) are
-- left out, as they never exist
CREATE TEMP TABLE hostile_states(k text, a text, s text);
DO $$
DECLARE
  kk text;
  ag text;
  r text;
  aggs text[] := ARRAY[
    'stats|pg_temp.st_scalar(x)', 'stats_vector|pg_temp.st_vector(ARRAY[x, -x, x / 2])',
    'regression|pg_temp.st_regression(x, x / 4)', 'regression_negated|pg_temp.st_regression(x, -x)',
    'roc|pg_temp.st_roc(x > 0, x)', 'sketch|pgdl.quantile_sketch(x)',
    'standard|pg_temp.st_standard(ARRAY[x])', 'robust|pg_temp.st_robust(ARRAY[x])',
    'describe|pgdl.describe_state(x, x / 2)', 'describe_array|pgdl.describe_state(ARRAY[x, x / 2])',
    'comoments|pgdl.comoments_state(ARRAY[x, x / 2, -x])'];
BEGIN
  FOR kk IN SELECT DISTINCT k FROM hostile ORDER BY 1 LOOP
    FOREACH ag IN ARRAY aggs LOOP
      BEGIN
        EXECUTE format('SELECT %s::text FROM hostile WHERE k = %L', split_part(ag, '|', 2), kk) INTO r;
        INSERT INTO hostile_states VALUES (kk, split_part(ag, '|', 1), r);
      EXCEPTION WHEN numeric_value_out_of_range THEN
        NULL;
      END;
    END LOOP;
  END LOOP;
END $$;

SELECT cmp_ok((SELECT count(*) FROM hostile_states), '>=', 80::bigint,
              'the aggregates accept most of the hostile data');
SELECT is(string_agg(k || '/' || a || ': ' || pg_temp.try_state(s), '; ' ORDER BY k, a), NULL,
          'every state the aggregates make of hostile data is accepted')
FROM hostile_states WHERE pg_temp.try_state(s) <> 'ok';
SELECT is(count(*) FILTER (WHERE s::pgdl.aggstate::text <> s), 0::bigint,
          'and round-trips through its text form bit for bit')
FROM hostile_states WHERE pg_temp.try_state(s) = 'ok';
SELECT is(string_agg(k || '/' || a || ': ' || pg_temp.try_state(s), '; ' ORDER BY k, a), NULL,
          'the same data in another order gives states that are accepted too')
FROM (SELECT k, 'describe' AS a, pgdl.describe_state(x)::text AS s
      FROM (SELECT k, x FROM hostile ORDER BY k, x DESC) h GROUP BY k) t
WHERE pg_temp.try_state(s) <> 'ok';
-- the states the validator refused before it knew overflow, by name
SELECT is(pg_temp.try_state(coalesce(s, 'missing')), 'ok', 'the state of ' || a || ' over ' || k || ' is accepted')
FROM (VALUES ('pm1e100', 'stats'), ('pm1e100', 'regression'), ('pm1e100', 'describe'), ('pm1e100', 'standard'),
             ('pm1e300', 'stats_vector'), ('pm1e300', 'regression'), ('pm1e300', 'describe'),
             ('pm1e308', 'standard'), ('mix', 'standard'), ('mix', 'regression_negated')) v(k, a)
LEFT JOIN hostile_states USING (k, a)
ORDER BY k, a;

-- results computed again from the stored text equal the aggregate's own
SELECT is((SELECT (pgdl.stats_vector_final(s::pgdl.aggstate)).mean FROM hostile_states WHERE k = 'equal' AND a = 'stats_vector'),
          (SELECT (pgdl.stats(ARRAY[x, -x, x / 2])).mean FROM hostile WHERE k = 'equal'),
          'stats of 20000 equal values from the stored state equal the aggregate''s');
SELECT is((SELECT (pgdl.stats_final(s::pgdl.aggstate)).mean FROM hostile_states WHERE k = 'pm1e100' AND a = 'stats'),
          (SELECT (pgdl.stats(x)).mean FROM hostile WHERE k = 'pm1e100'),
          'the mean of +-1e100 from the stored state equals the aggregate''s');
SELECT throws_ok($$SELECT pgdl.stats_vector_final(s::pgdl.aggstate) FROM hostile_states WHERE k = 'pm1e300' AND a = 'stats_vector'$$,
                 '22003', NULL, 'a stored state whose sums overflowed gives 22003, as the aggregate does');

-- scalers fitted on hostile data round-trip through their text (the
-- standard scaler refuses data whose sums of squares overflow, as above;
-- minmax a range that overflows, +-1e308; maxabs needs neither)
CREATE TEMP TABLE hostile_scalers AS
SELECT k, 'standard' AS kind, pgdl.standard_scaler(ARRAY[x]) AS s FROM hostile WHERE k NOT IN ('pm1e300', 'pm1e308', 'mix') GROUP BY k
UNION ALL SELECT k, 'minmax', pgdl.minmax_scaler(ARRAY[x]) FROM hostile WHERE k <> 'pm1e308' GROUP BY k
UNION ALL SELECT k, 'maxabs', pgdl.maxabs_scaler(ARRAY[x]) FROM hostile GROUP BY k
UNION ALL SELECT k, 'robust', pgdl.robust_scaler(ARRAY[x]) FROM hostile GROUP BY k
UNION ALL SELECT k, 'imputer', pgdl.imputer(ARRAY[x], 'median') FROM hostile GROUP BY k;
SELECT is(count(*) FILTER (WHERE s::text::pgdl.scaler::text <> s::text), 0::bigint,
          'scalers fitted on hostile data round-trip through their text')
FROM hostile_scalers;
SELECT is((SELECT pgdl.robust_scaler(ARRAY[x])::text FROM (VALUES (-1e308::float8), (1e308), (1e308)) v(x)),
          '{"version": 1, "kind": "robust", "n": 3, "center": [1e+308], "scale": ["NaN"], "lo": ["Infinity"], "hi": [1e+308]}',
          'a robust scaler whose quartiles overflow (as percentile_cont''s) has a NaN scale, and prints');

SELECT * FROM finish();
ROLLBACK;
