-- src/pg/describe.sql: whole-source summaries (see the README).

CREATE TYPE pgdl.describe_row AS (
	column_name text, n bigint, nulls bigint, mean float8, stddev float8, min float8,
	q25 float8, median float8, q75 float8, max float8, skewness float8, kurtosis float8
);
COMMENT ON TYPE pgdl.describe_row IS 'one row of pgdl.describe';

CREATE TYPE pgdl.correlation_row AS (column_a text, column_b text, r float8, n bigint);
COMMENT ON TYPE pgdl.correlation_row IS 'one row of pgdl.correlations';

-- Internal aggregates behind describe/correlations: they return the state
-- itself.  describe_state takes the columns as separate arguments or, in a
-- database with Citus, as one float8[] per row (src/pg/describe.c says why);
-- comoments_state takes one float8[].  Citus runs an aggregate on its workers
-- only when its argument types are concrete.
CREATE FUNCTION pgdl.describe_accum(pgdl.aggstate, VARIADIC "any") RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_describe_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.describe_accum(pgdl.aggstate, "any") IS 'transition function of pgdl.describe_state';
CREATE AGGREGATE pgdl.describe_state(VARIADIC "any") (
	SFUNC = pgdl.describe_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.describe_state("any") IS 'internal: moments and quantile sketches of columns, used by pgdl.describe';
CREATE FUNCTION pgdl.describe_vector_accum(pgdl.aggstate, float8[]) RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_describe_vector_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.describe_vector_accum(pgdl.aggstate, float8[]) IS 'transition function of pgdl.describe_state(float8[])';
CREATE AGGREGATE pgdl.describe_state(float8[]) (
	SFUNC = pgdl.describe_vector_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.describe_state(float8[]) IS 'internal: moments and quantile sketches of the elements of a float8[], used by pgdl.describe in a database with Citus';
CREATE AGGREGATE pgdl.comoments_state(float8[]) (
	SFUNC = pgdl.comoments_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.comoments_state(float8[]) IS 'internal: pairwise co-moments, used by pgdl.correlations';

-- STABLE: the result depends on the source's contents; the source runs read-only.
CREATE FUNCTION pgdl.describe(source text, columns text[] DEFAULT NULL)
	RETURNS SETOF pgdl.describe_row
	AS 'MODULE_PATHNAME', 'pgdl_describe' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.describe(text, text[]) IS
	'n, nulls, mean, stddev, min, quartiles, max, skewness, kurtosis of each numeric column, in one scan';

CREATE FUNCTION pgdl.correlations(source text, columns text[] DEFAULT NULL)
	RETURNS SETOF pgdl.correlation_row
	AS 'MODULE_PATHNAME', 'pgdl_correlations' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.correlations(text, text[]) IS
	'Pearson r for every ordered pair of numeric columns (diagonal included), pairwise complete, in one scan';
