-- src/pg/stats.sql: streaming statistics aggregates (see the README).

CREATE TYPE pgdl.stats_summary AS (
	n bigint, nulls bigint, mean float8, variance float8, stddev float8,
	skewness float8, kurtosis float8, min float8, max float8
);
COMMENT ON TYPE pgdl.stats_summary IS 'result of pgdl.stats(float8)';

CREATE TYPE pgdl.stats_vector AS (
	n bigint[], nulls bigint, mean float8[], variance float8[], stddev float8[],
	skewness float8[], kurtosis float8[], min float8[], max float8[]
);
COMMENT ON TYPE pgdl.stats_vector IS 'result of pgdl.stats(anyarray) and pgdl.stats_columns: one element per variable';

-- Transition functions see NULL inputs (they count them): CALLED ON NULL INPUT.
CREATE FUNCTION pgdl.stats_accum(pgdl.aggstate, float8) RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_stats_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION pgdl.stats_vector_accum(pgdl.aggstate, anyarray) RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_stats_vector_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION pgdl.stats_columns_accum(pgdl.aggstate, VARIADIC "any") RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_stats_columns_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
-- Final functions are called with a NULL state for zero rows and return a row, never NULL.
CREATE FUNCTION pgdl.stats_final(pgdl.aggstate) RETURNS pgdl.stats_summary
	AS 'MODULE_PATHNAME', 'pgdl_stats_final' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION pgdl.stats_vector_final(pgdl.aggstate) RETURNS pgdl.stats_vector
	AS 'MODULE_PATHNAME', 'pgdl_stats_vector_final' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.stats_accum(pgdl.aggstate, float8) IS 'transition function of pgdl.stats(float8)';
COMMENT ON FUNCTION pgdl.stats_vector_accum(pgdl.aggstate, anyarray) IS 'transition function of pgdl.stats(anyarray)';
COMMENT ON FUNCTION pgdl.stats_columns_accum(pgdl.aggstate, "any") IS 'transition function of pgdl.stats_columns';
COMMENT ON FUNCTION pgdl.stats_final(pgdl.aggstate) IS 'final function of pgdl.stats(float8)';
COMMENT ON FUNCTION pgdl.stats_vector_final(pgdl.aggstate) IS 'final function of pgdl.stats(anyarray) and pgdl.stats_columns';

CREATE AGGREGATE pgdl.stats(x float8) (
	SFUNC = pgdl.stats_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, FINALFUNC = pgdl.stats_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.stats(float8) IS
	'n, nulls, mean, sample variance and stddev, skewness g1, excess kurtosis g2, min, max — one numerically stable pass';

CREATE AGGREGATE pgdl.stats(x anyarray) (
	SFUNC = pgdl.stats_vector_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, FINALFUNC = pgdl.stats_vector_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.stats(anyarray) IS
	'per-element statistics of a numeric array (NULL elements skipped per element)';

CREATE AGGREGATE pgdl.stats_columns(VARIADIC "any") (
	SFUNC = pgdl.stats_columns_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, FINALFUNC = pgdl.stats_vector_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.stats_columns("any") IS
	'pgdl.stats over numeric columns given directly (no per-row array): pgdl.stats_columns(a, b, c)';

CREATE FUNCTION pgdl.comoments_accum(pgdl.aggstate, anyarray) RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_comoments_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION pgdl.covariance_final(pgdl.aggstate) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'pgdl_covariance_final' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION pgdl.correlation_final(pgdl.aggstate) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'pgdl_correlation_final' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.comoments_accum(pgdl.aggstate, anyarray) IS 'transition function of the matrix aggregates';
COMMENT ON FUNCTION pgdl.covariance_final(pgdl.aggstate) IS 'final function of pgdl.covariance_matrix';
COMMENT ON FUNCTION pgdl.correlation_final(pgdl.aggstate) IS 'final function of pgdl.correlation_matrix';

CREATE AGGREGATE pgdl.covariance_matrix(x anyarray) (
	SFUNC = pgdl.comoments_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, FINALFUNC = pgdl.covariance_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.covariance_matrix(anyarray) IS
	'sample covariance matrix (n - 1), pairwise complete: each pair uses the rows where both elements are non-NULL';

CREATE AGGREGATE pgdl.correlation_matrix(x anyarray) (
	SFUNC = pgdl.comoments_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, FINALFUNC = pgdl.correlation_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.correlation_matrix(anyarray) IS
	'Pearson correlation matrix, pairwise complete; NULL where a variance is zero, as corr()';
