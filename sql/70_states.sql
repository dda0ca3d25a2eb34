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
