-- Aggregate states from outside are validated: exact text round trip, corrupt bytes refused.
CREATE TABLE states AS
SELECT 'describe' AS kind, pgdl.describe_state(y, z) AS s FROM t
UNION ALL SELECT 'comoments', pgdl.comoments_state(ARRAY[x, y]) FROM t;
SELECT kind, s::text::pgdl.aggstate::text = s::text AS roundtrip, left(s::text, 13) AS prefix FROM states ORDER BY kind;
-- binary send/receive round trip (COPY BINARY uses them), through a file in
-- the throwaway cluster's own data directory
CREATE TABLE states2 (LIKE states);
DO $$
DECLARE f text := current_setting('data_directory') || '/pgdl_regress_states.bin';
BEGIN
  EXECUTE format('COPY states TO %L WITH (FORMAT binary)', f);
  EXECUTE format('COPY states2 FROM %L WITH (FORMAT binary)', f);
END $$;
SELECT bool_and(a.s::text = b.s::text) AS binary_roundtrip FROM states a JOIN states2 b USING (kind);
-- corrupt forms
SELECT 'pgdl:'::pgdl.aggstate;
SELECT 'pgdl:zz'::pgdl.aggstate;
SELECT 'pgdl:abc'::pgdl.aggstate;
SELECT 'garbage'::pgdl.aggstate;
-- a real state truncated, then with its magic number and its counts broken
SELECT left(s::text, 201)::pgdl.aggstate FROM states WHERE kind = 'describe';
SELECT ('pgdl:00000000' || substr(s::text, 14))::pgdl.aggstate FROM states WHERE kind = 'describe';
SELECT ('pgdl:4c444750' || '0100' || '0100' || '0100' || '0100' || 'ffffff7f' || substr(s::text, 38))::pgdl.aggstate FROM states WHERE kind = 'describe';
-- a newer format version
SELECT ('pgdl:4c4447500900' || substr(s::text, 18))::pgdl.aggstate FROM states WHERE kind = 'describe';
-- a sketch is a state, but not every state is a sketch
SELECT s::text::pgdl.sketch FROM states WHERE kind = 'describe';
-- the combine function refuses to run outside an aggregate
SELECT pgdl.aggstate_combine(s, s) FROM states WHERE kind = 'describe';
-- States that reach a function by another road than its own aggregate.
-- A sketch whose flags say it holds no sketch section
SELECT pgdl.quantiles('pgdl:4c444750010001000300000001000000000000000000000000000000000000000000f03f00000000000000000000000000000000000000000000000000000000000000000000000000000000'::pgdl.sketch, '{0.5}');
-- a user aggregate over pgdl's transition function stores raw states; its
-- final function, called directly on a stored (toasted, compressed) value,
-- reads it correctly
CREATE AGGREGATE stats_state(float8[]) (SFUNC = pgdl.stats_vector_accum, STYPE = pgdl.aggstate);
CREATE TABLE raw_states AS SELECT stats_state(ARRAY[x, x * 2]) AS s FROM generate_series(1, 5000) x;
SELECT (pgdl.stats_vector_final(s)).n, (pgdl.stats_vector_final(s)).mean FROM raw_states;
-- ... and refuses a state of another kind, or one that does not hold what it says
SELECT pgdl.stats_final(s) FROM raw_states;
SELECT pgdl.histogram_final(s) FROM raw_states;
SELECT pgdl.stats_final('pgdl:4c444750010001000100010000000000000000000000000000000000000000000000f03f000000000000f03f0000000000000000000000000000000000000000000000000000000000000000'::pgdl.aggstate);
-- an INITCOND that does not hold what it claims is refused when the
-- aggregate is created; a valid one of another kind when it is used
CREATE AGGREGATE evil(float8[]) (SFUNC = pgdl.stats_vector_accum, STYPE = pgdl.aggstate,
  INITCOND = 'pgdl:4c4447500100010001000000a0860100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000');
DO $$
BEGIN
  EXECUTE format('CREATE AGGREGATE evil(float8[]) (SFUNC = pgdl.stats_vector_accum, STYPE = pgdl.aggstate, INITCOND = %L)',
                 (SELECT pgdl.comoments_state(NULL::float8[])::text));
END $$;
SELECT evil(ARRAY[1.0, 2.0]) FROM generate_series(1, 3);
CREATE AGGREGATE evil_sketch(float8) (SFUNC = pgdl.sketch_accum, STYPE = pgdl.aggstate,
  INITCOND = 'pgdl:4c444750010001000100010000000000000000000000000000000000000000000000f03f000000000000f03f0000000000000000000000000000000000000000000000000000000000000000');
SELECT evil_sketch(x) FROM generate_series(1, 3) x;
-- overflow in the array forms is an error, as in the scalar form and var_samp
SELECT (pgdl.stats(ARRAY[x])).* FROM (VALUES (1e308::float8), (-1e308)) v(x);
SELECT pgdl.standard_scaler(ARRAY[x]) FROM (VALUES (1e308::float8), (-1e308)) v(x);
SELECT * FROM pgdl.describe('VALUES (1e308::float8), (-1e308)');
