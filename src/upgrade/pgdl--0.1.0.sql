-- src/upgrade/pgdl--0.1.0.sql: pgdl 0.1.0's install script as released (the
-- src/pg/*.sql fragments of that release, concatenated), installed beside
-- the current one so that CREATE EXTENSION pgdl VERSION '0.1.0' makes the
-- database the upgrade test brings up to date.  Never edit it.

-- src/pg/pgdl.sql: pgdl install script, part 1 — the aggregate state types.
-- The Makefile concatenates the src/pg/*.sql fragments into pgdl--<version>.sql.

\echo Use "CREATE EXTENSION pgdl" to load this file. \quit

-- pgdl.aggstate: the transition state of every pgdl aggregate (see
-- src/pg/pgdl_glue.h).  A concrete varlena rather than "internal", so that
-- parallel query and Citus can ship partial states; its input functions
-- validate every byte they accept.
CREATE TYPE pgdl.aggstate;

CREATE FUNCTION pgdl.aggstate_in(cstring) RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_aggstate_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.aggstate_out(pgdl.aggstate) RETURNS cstring
	AS 'MODULE_PATHNAME', 'pgdl_aggstate_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.aggstate_recv(internal) RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_aggstate_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.aggstate_send(pgdl.aggstate) RETURNS bytea
	AS 'MODULE_PATHNAME', 'pgdl_aggstate_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE pgdl.aggstate (
	INPUT = pgdl.aggstate_in,
	OUTPUT = pgdl.aggstate_out,
	RECEIVE = pgdl.aggstate_recv,
	SEND = pgdl.aggstate_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);
COMMENT ON FUNCTION pgdl.aggstate_in(cstring) IS 'text input of pgdl.aggstate (validated)';
COMMENT ON FUNCTION pgdl.aggstate_out(pgdl.aggstate) IS 'text output of pgdl.aggstate';
COMMENT ON FUNCTION pgdl.aggstate_recv(internal) IS 'binary input of pgdl.aggstate (validated)';
COMMENT ON FUNCTION pgdl.aggstate_send(pgdl.aggstate) IS 'binary output of pgdl.aggstate';
COMMENT ON TYPE pgdl.aggstate IS
	'transition state of the pgdl aggregates; text form "pgdl:<hex>" round-trips exactly';

-- The combine function of every pgdl aggregate.  Not strict: it validates
-- the partial state it receives and handles NULL states itself.
CREATE FUNCTION pgdl.aggstate_combine(pgdl.aggstate, pgdl.aggstate) RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_aggstate_combine' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.aggstate_combine(pgdl.aggstate, pgdl.aggstate) IS
	'combine function of the pgdl aggregates (validates the partial state it receives)';
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
-- src/pg/quantiles.sql: quantiles, quantile sketches, histogram (see the README).

-- pgdl.sketch: a stored, re-aggregable quantile sketch (same binary and text
-- form as pgdl.aggstate; its input functions check it is a sketch).
CREATE TYPE pgdl.sketch;
CREATE FUNCTION pgdl.sketch_in(cstring) RETURNS pgdl.sketch
	AS 'MODULE_PATHNAME', 'pgdl_sketch_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.sketch_out(pgdl.sketch) RETURNS cstring
	AS 'MODULE_PATHNAME', 'pgdl_aggstate_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.sketch_recv(internal) RETURNS pgdl.sketch
	AS 'MODULE_PATHNAME', 'pgdl_sketch_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.sketch_send(pgdl.sketch) RETURNS bytea
	AS 'MODULE_PATHNAME', 'pgdl_aggstate_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE pgdl.sketch (
	INPUT = pgdl.sketch_in, OUTPUT = pgdl.sketch_out,
	RECEIVE = pgdl.sketch_recv, SEND = pgdl.sketch_send,
	INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON FUNCTION pgdl.sketch_in(cstring) IS 'text input of pgdl.sketch (validated)';
COMMENT ON FUNCTION pgdl.sketch_out(pgdl.sketch) IS 'text output of pgdl.sketch';
COMMENT ON FUNCTION pgdl.sketch_recv(internal) IS 'binary input of pgdl.sketch (validated)';
COMMENT ON FUNCTION pgdl.sketch_send(pgdl.sketch) IS 'binary output of pgdl.sketch';
COMMENT ON TYPE pgdl.sketch IS
	'mergeable quantile sketch: exact up to 10,000 values, rank error bounded beyond (see README)';

CREATE FUNCTION pgdl.quantiles_accum(pgdl.aggstate, float8, float8[]) RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_quantiles_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION pgdl.quantiles_final(pgdl.aggstate) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'pgdl_quantiles_final' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.quantiles_accum(pgdl.aggstate, float8, float8[]) IS 'transition function of pgdl.quantiles';
COMMENT ON FUNCTION pgdl.quantiles_final(pgdl.aggstate) IS 'final function of pgdl.quantiles';

CREATE AGGREGATE pgdl.quantiles(x float8, q float8[]) (
	SFUNC = pgdl.quantiles_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, FINALFUNC = pgdl.quantiles_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.quantiles(float8, float8[]) IS
	'quantiles q of x: exact (as percentile_cont) up to 10,000 values, sketch beyond';

CREATE FUNCTION pgdl.sketch_accum(pgdl.aggstate, float8) RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_sketch_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION pgdl.sketch_merge_accum(pgdl.aggstate, pgdl.sketch) RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_sketch_merge_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION pgdl.sketch_final(pgdl.aggstate) RETURNS pgdl.sketch
	AS 'MODULE_PATHNAME', 'pgdl_sketch_final' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.sketch_accum(pgdl.aggstate, float8) IS 'transition function of pgdl.quantile_sketch(float8)';
COMMENT ON FUNCTION pgdl.sketch_merge_accum(pgdl.aggstate, pgdl.sketch) IS 'transition function of pgdl.quantile_sketch(pgdl.sketch)';
COMMENT ON FUNCTION pgdl.sketch_final(pgdl.aggstate) IS 'final function of pgdl.quantile_sketch';

CREATE AGGREGATE pgdl.quantile_sketch(x float8) (
	SFUNC = pgdl.sketch_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, FINALFUNC = pgdl.sketch_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.quantile_sketch(float8) IS 'builds a mergeable quantile sketch of x';

CREATE AGGREGATE pgdl.quantile_sketch(s pgdl.sketch) (
	SFUNC = pgdl.sketch_merge_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, FINALFUNC = pgdl.sketch_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.quantile_sketch(pgdl.sketch) IS 'merges stored quantile sketches (e.g. daily into monthly)';

CREATE FUNCTION pgdl.quantiles(s pgdl.sketch, q float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'pgdl_sketch_quantiles' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.quantiles(pgdl.sketch, float8[]) IS 'quantiles q read from a sketch';

CREATE FUNCTION pgdl.histogram_accum(pgdl.aggstate, float8, float8, float8, int) RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_histogram_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION pgdl.histogram_final(pgdl.aggstate) RETURNS bigint[]
	AS 'MODULE_PATHNAME', 'pgdl_histogram_final' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.histogram_accum(pgdl.aggstate, float8, float8, float8, int) IS 'transition function of pgdl.histogram';
COMMENT ON FUNCTION pgdl.histogram_final(pgdl.aggstate) IS 'final function of pgdl.histogram';

CREATE AGGREGATE pgdl.histogram(x float8, lo float8, hi float8, bins int) (
	SFUNC = pgdl.histogram_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, FINALFUNC = pgdl.histogram_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.histogram(float8, float8, float8, int) IS
	'counts of x in bins equal-width bins over [lo, hi); below lo counts in the first, >= hi in the last; NULL/NaN skipped';
-- src/pg/describe.sql: whole-source summaries (see the README).

CREATE TYPE pgdl.describe_row AS (
	column_name text, n bigint, nulls bigint, mean float8, stddev float8, min float8,
	q25 float8, median float8, q75 float8, max float8, skewness float8, kurtosis float8
);
COMMENT ON TYPE pgdl.describe_row IS 'one row of pgdl.describe';

CREATE TYPE pgdl.correlation_row AS (column_a text, column_b text, r float8, n bigint);
COMMENT ON TYPE pgdl.correlation_row IS 'one row of pgdl.correlations';

-- Internal aggregates behind describe/correlations: they return the state itself.
CREATE FUNCTION pgdl.describe_accum(pgdl.aggstate, VARIADIC "any") RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_describe_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.describe_accum(pgdl.aggstate, "any") IS 'transition function of pgdl.describe_state';
CREATE AGGREGATE pgdl.describe_state(VARIADIC "any") (
	SFUNC = pgdl.describe_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.describe_state("any") IS 'internal: moments and quantile sketches of columns, used by pgdl.describe';
CREATE AGGREGATE pgdl.comoments_state(anyarray) (
	SFUNC = pgdl.comoments_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.comoments_state(anyarray) IS 'internal: pairwise co-moments, used by pgdl.correlations';

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
-- src/pg/scalers.sql: normalization (see the README).

CREATE TYPE pgdl.scaler;
CREATE FUNCTION pgdl.scaler_in(cstring) RETURNS pgdl.scaler
	AS 'MODULE_PATHNAME', 'pgdl_scaler_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.scaler_out(pgdl.scaler) RETURNS cstring
	AS 'MODULE_PATHNAME', 'pgdl_scaler_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.scaler_recv(internal) RETURNS pgdl.scaler
	AS 'MODULE_PATHNAME', 'pgdl_scaler_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.scaler_send(pgdl.scaler) RETURNS bytea
	AS 'MODULE_PATHNAME', 'pgdl_scaler_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE pgdl.scaler (
	INPUT = pgdl.scaler_in, OUTPUT = pgdl.scaler_out,
	RECEIVE = pgdl.scaler_recv, SEND = pgdl.scaler_send,
	INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON FUNCTION pgdl.scaler_in(cstring) IS 'text input of pgdl.scaler (validated)';
COMMENT ON FUNCTION pgdl.scaler_out(pgdl.scaler) IS 'text output of pgdl.scaler';
COMMENT ON FUNCTION pgdl.scaler_recv(internal) IS 'binary input of pgdl.scaler (validated)';
COMMENT ON FUNCTION pgdl.scaler_send(pgdl.scaler) IS 'binary output of pgdl.scaler';
COMMENT ON TYPE pgdl.scaler IS 'a fitted per-feature scaler or imputer; its text form is JSON that parses back';

CREATE FUNCTION pgdl.standard_scaler_accum(pgdl.aggstate, anyarray) RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_standard_scaler_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.standard_scaler_accum(pgdl.aggstate, anyarray) IS 'transition function of pgdl.standard_scaler';
CREATE FUNCTION pgdl.minmax_scaler_accum(pgdl.aggstate, anyarray) RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_minmax_scaler_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.minmax_scaler_accum(pgdl.aggstate, anyarray) IS 'transition function of pgdl.minmax_scaler';
CREATE FUNCTION pgdl.maxabs_scaler_accum(pgdl.aggstate, anyarray) RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_maxabs_scaler_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.maxabs_scaler_accum(pgdl.aggstate, anyarray) IS 'transition function of pgdl.maxabs_scaler';
CREATE FUNCTION pgdl.robust_scaler_accum(pgdl.aggstate, anyarray) RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_robust_scaler_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.robust_scaler_accum(pgdl.aggstate, anyarray) IS 'transition function of pgdl.robust_scaler';
CREATE FUNCTION pgdl.imputer_accum(pgdl.aggstate, anyarray, text) RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_imputer_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.imputer_accum(pgdl.aggstate, anyarray, text) IS 'transition function of pgdl.imputer';
CREATE FUNCTION pgdl.scaler_final(pgdl.aggstate) RETURNS pgdl.scaler
	AS 'MODULE_PATHNAME', 'pgdl_scaler_final' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.scaler_final(pgdl.aggstate) IS 'final function of the scaler aggregates';

CREATE AGGREGATE pgdl.standard_scaler(x anyarray) (
	SFUNC = pgdl.standard_scaler_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, FINALFUNC = pgdl.scaler_final, PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.standard_scaler(anyarray) IS 'fits a scaler: mean and population stddev per feature (as scikit-learn StandardScaler)';

CREATE AGGREGATE pgdl.minmax_scaler(x anyarray) (
	SFUNC = pgdl.minmax_scaler_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, FINALFUNC = pgdl.scaler_final, PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.minmax_scaler(anyarray) IS 'fits a scaler: min and range per feature: maps to [0, 1], not clipped';

CREATE AGGREGATE pgdl.maxabs_scaler(x anyarray) (
	SFUNC = pgdl.maxabs_scaler_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, FINALFUNC = pgdl.scaler_final, PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.maxabs_scaler(anyarray) IS 'fits a scaler: maximum absolute value per feature: maps to [-1, 1]';

CREATE AGGREGATE pgdl.robust_scaler(x anyarray) (
	SFUNC = pgdl.robust_scaler_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, FINALFUNC = pgdl.scaler_final, PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.robust_scaler(anyarray) IS 'fits a scaler: median and IQR per feature from the quantile sketch';

CREATE AGGREGATE pgdl.imputer(x anyarray, strategy text) (
	SFUNC = pgdl.imputer_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, FINALFUNC = pgdl.scaler_final, PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.imputer(anyarray, text) IS
	'fits an imputer filling NULL elements: strategy ''mean'', ''median'' or ''constant:<v>''';

CREATE FUNCTION pgdl.transform(s pgdl.scaler, x anyarray) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'pgdl_transform' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.transform(pgdl.scaler, anyarray) IS
	'applies a scaler to a feature vector (NULL elements stay NULL; an imputer fills them)';
CREATE FUNCTION pgdl.inverse_transform(s pgdl.scaler, x anyarray) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'pgdl_inverse_transform' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.inverse_transform(pgdl.scaler, anyarray) IS
	'undoes pgdl.transform (not defined for an imputer)';
CREATE FUNCTION pgdl.is_outlier(s pgdl.scaler, x anyarray, threshold float8 DEFAULT 3) RETURNS bool
	AS 'MODULE_PATHNAME', 'pgdl_is_outlier' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.is_outlier(pgdl.scaler, anyarray, float8) IS
	'true if any element lies outside mean ± k·sd (standard scaler) or Q1 − k·IQR .. Q3 + k·IQR (robust scaler)';
-- src/pg/metrics.sql: model metrics aggregates for BI tools (see the README).

-- pgdl.confusion_state: the state of classification_metrics, row counts per
-- (actual, predicted) label pair (see src/pg/metrics.c).  Text form
-- "pgdl:<hex>", exact round trip; its input functions validate every byte.
CREATE TYPE pgdl.confusion_state;
CREATE FUNCTION pgdl.confusion_state_in(cstring) RETURNS pgdl.confusion_state
	AS 'MODULE_PATHNAME', 'pgdl_confusion_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.confusion_state_out(pgdl.confusion_state) RETURNS cstring
	AS 'MODULE_PATHNAME', 'pgdl_confusion_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.confusion_state_recv(internal) RETURNS pgdl.confusion_state
	AS 'MODULE_PATHNAME', 'pgdl_confusion_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.confusion_state_send(pgdl.confusion_state) RETURNS bytea
	AS 'MODULE_PATHNAME', 'pgdl_confusion_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE pgdl.confusion_state (
	INPUT = pgdl.confusion_state_in, OUTPUT = pgdl.confusion_state_out,
	RECEIVE = pgdl.confusion_state_recv, SEND = pgdl.confusion_state_send,
	INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON FUNCTION pgdl.confusion_state_in(cstring) IS 'text input of pgdl.confusion_state (validated)';
COMMENT ON FUNCTION pgdl.confusion_state_out(pgdl.confusion_state) IS 'text output of pgdl.confusion_state';
COMMENT ON FUNCTION pgdl.confusion_state_recv(internal) IS 'binary input of pgdl.confusion_state (validated)';
COMMENT ON FUNCTION pgdl.confusion_state_send(pgdl.confusion_state) IS 'binary output of pgdl.confusion_state';
COMMENT ON TYPE pgdl.confusion_state IS
	'transition state of pgdl.classification_metrics: row counts per (actual, predicted) label pair, at most 100,000 pairs; text form "pgdl:<hex>" round-trips exactly';

CREATE TYPE pgdl.classification_metrics_row AS (
	n bigint, accuracy float8, precision_macro float8, recall_macro float8, f1_macro float8,
	classes int
);
COMMENT ON TYPE pgdl.classification_metrics_row IS
	'result of pgdl.classification_metrics: rows, accuracy, macro-averaged precision, recall and F1, number of classes';

CREATE TYPE pgdl.regression_metrics_row AS (
	n bigint, mse float8, rmse float8, mae float8, r2 float8
);
COMMENT ON TYPE pgdl.regression_metrics_row IS
	'result of pgdl.regression_metrics: rows, mean squared error, its root, mean absolute error, R²';

-- Transition functions see NULL inputs (they skip those rows): CALLED ON NULL INPUT.
-- Final functions are called with a NULL state for zero rows.
CREATE FUNCTION pgdl.classification_accum(pgdl.confusion_state, text, text) RETURNS pgdl.confusion_state
	AS 'MODULE_PATHNAME', 'pgdl_classification_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION pgdl.confusion_combine(pgdl.confusion_state, pgdl.confusion_state) RETURNS pgdl.confusion_state
	AS 'MODULE_PATHNAME', 'pgdl_confusion_combine' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION pgdl.classification_final(pgdl.confusion_state) RETURNS pgdl.classification_metrics_row
	AS 'MODULE_PATHNAME', 'pgdl_classification_final' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.classification_accum(pgdl.confusion_state, text, text) IS
	'transition function of pgdl.classification_metrics';
COMMENT ON FUNCTION pgdl.confusion_combine(pgdl.confusion_state, pgdl.confusion_state) IS
	'combine function of pgdl.classification_metrics (validates the partial state it receives)';
COMMENT ON FUNCTION pgdl.classification_final(pgdl.confusion_state) IS
	'final function of pgdl.classification_metrics';

CREATE AGGREGATE pgdl.classification_metrics(actual text, predicted text) (
	SFUNC = pgdl.classification_accum, STYPE = pgdl.confusion_state,
	COMBINEFUNC = pgdl.confusion_combine, FINALFUNC = pgdl.classification_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.classification_metrics(text, text) IS
	'accuracy and macro precision/recall/F1 over the classes seen as actual or predicted (scikit-learn, zero_division=0); rows with a NULL skipped';

CREATE FUNCTION pgdl.regression_accum(pgdl.aggstate, float8, float8) RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_regression_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION pgdl.regression_final(pgdl.aggstate) RETURNS pgdl.regression_metrics_row
	AS 'MODULE_PATHNAME', 'pgdl_regression_final' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.regression_accum(pgdl.aggstate, float8, float8) IS
	'transition function of pgdl.regression_metrics';
COMMENT ON FUNCTION pgdl.regression_final(pgdl.aggstate) IS
	'final function of pgdl.regression_metrics';

CREATE AGGREGATE pgdl.regression_metrics(actual float8, predicted float8) (
	SFUNC = pgdl.regression_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, FINALFUNC = pgdl.regression_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.regression_metrics(float8, float8) IS
	'mse, rmse, mae and R² = 1 - SSE/SST, numerically stable; R² NULL when n < 2 or SST = 0; NaN/Infinity as float8 arithmetic';

CREATE FUNCTION pgdl.roc_auc_accum(pgdl.aggstate, bool, float8) RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_roc_auc_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION pgdl.roc_auc_final(pgdl.aggstate) RETURNS float8
	AS 'MODULE_PATHNAME', 'pgdl_roc_auc_final' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.roc_auc_accum(pgdl.aggstate, bool, float8) IS 'transition function of pgdl.roc_auc';
COMMENT ON FUNCTION pgdl.roc_auc_final(pgdl.aggstate) IS 'final function of pgdl.roc_auc';

CREATE AGGREGATE pgdl.roc_auc(actual bool, score float8) (
	SFUNC = pgdl.roc_auc_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, FINALFUNC = pgdl.roc_auc_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.roc_auc(bool, float8) IS
	'area under the ROC curve, P(score of a positive > of a negative) + P(tie)/2: exact up to 10,000 rows per class, within a stated bound beyond; NULL without both classes';
-- src/pg/models.sql: the model registry (see the README).
--
-- Four tables hold the models: names (with their owners), versions (with the
-- weights), grants and per-epoch history.  Row-level security is enabled and
-- forced on all four: names and owners are visible to everyone; everything
-- else only to members of the owner, to roles a model was granted to (0 =
-- PUBLIC) and to superusers.  Only members of the owner write.  The C code
-- reads and writes them through SPI as the calling user, so these policies
-- are the one place the rule lives.  Every reference is schema-qualified (no
-- search_path trick can redirect one); the tables are registered with
-- pg_extension_config_dump so pg_dump carries the models along.
--
-- No foreign keys between the four tables.  The constraints of an
-- extension's tables are created by CREATE EXTENSION, before pg_restore
-- loads the data, and pg_dump records the order between the data of config
-- tables only as a sort order (processExtensionTables), not as dependencies
-- in the archive (dumpTableData gives a TABLE DATA entry one dependency, its
-- table): a parallel pg_restore -j loads the four tables at once and a
-- foreign key rejects child rows whose parent is not loaded yet (the
-- registry came back empty).  What the foreign keys did is done by the
-- trigger pgdl.registry_keys below: deleting a name deletes its versions and
-- grants, deleting a version its history, and the keys (name, version)
-- cannot be changed.  Inserting a child without its parent is prevented by
-- the WITH CHECK of the write policies (superusers, who bypass them, are
-- trusted), which, unlike a constraint, does not apply to a restore.

CREATE TABLE pgdl.model_names (
	name text COLLATE "C" PRIMARY KEY
		CHECK (name OPERATOR(pg_catalog.~) '^[A-Za-z_][A-Za-z0-9_.-]{0,62}$'),
	owner regrole NOT NULL,
	deployed_version integer,
	last_version integer NOT NULL DEFAULT 0,
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE pgdl.model_names IS 'pgdl registry: model names, their owners, the deployed and the last version (internal; read pgdl.models)';

CREATE TABLE pgdl.model_versions (
	name text COLLATE "C" NOT NULL,
	version integer NOT NULL CHECK (version OPERATOR(pg_catalog.>) 0),
	task text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	trained_by regrole NOT NULL,
	description text,
	target text,
	layers jsonb NOT NULL,
	options jsonb NOT NULL,
	features text[] NOT NULL,
	labels text[],
	parameters bigint NOT NULL,
	metrics jsonb NOT NULL DEFAULT '{}',
	weights bytea NOT NULL,
	PRIMARY KEY (name, version)
);
-- the weights are float32 noise to a compressor: store them without trying
ALTER TABLE pgdl.model_versions ALTER COLUMN weights SET STORAGE EXTERNAL;
COMMENT ON TABLE pgdl.model_versions IS 'pgdl registry: one row per model version, with its weights in the documented format (internal; read pgdl.models)';

CREATE TABLE pgdl.model_grants (
	name text COLLATE "C" NOT NULL,
	grantee regrole NOT NULL,	-- 0 (shown as -) is PUBLIC
	PRIMARY KEY (name, grantee)
);
COMMENT ON TABLE pgdl.model_grants IS 'pgdl registry: roles allowed to read, predict with and export a model (0 = PUBLIC)';

CREATE TABLE pgdl.model_epochs (
	name text COLLATE "C" NOT NULL,
	version integer NOT NULL,
	epoch integer NOT NULL,
	train_loss float8,
	validation_loss float8,
	metric text,
	validation_metric float8,
	seconds float8,
	PRIMARY KEY (name, version, epoch)
);
COMMENT ON TABLE pgdl.model_epochs IS 'pgdl registry: one row per training epoch (internal; read pgdl.training_history)';

-- What foreign keys would do (see the top): BEFORE DELETE, so that the
-- children are deleted while the parent row still satisfies the policies;
-- as the caller, under the same policies (only members of the owner delete).
CREATE FUNCTION pgdl.registry_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
		IF TG_TABLE_NAME OPERATOR(pg_catalog.=) 'model_names' THEN
			DELETE FROM pgdl.model_versions WHERE name OPERATOR(pg_catalog.=) OLD.name;
			DELETE FROM pgdl.model_grants WHERE name OPERATOR(pg_catalog.=) OLD.name;
		ELSE
			DELETE FROM pgdl.model_epochs
			WHERE name OPERATOR(pg_catalog.=) OLD.name AND version OPERATOR(pg_catalog.=) OLD.version;
		END IF;
		RETURN OLD;
	END IF;
	-- UPDATE: the keys stay
	IF TG_TABLE_NAME OPERATOR(pg_catalog.=) 'model_versions' OR TG_TABLE_NAME OPERATOR(pg_catalog.=) 'model_epochs' THEN
		IF NEW.name IS DISTINCT FROM OLD.name OR NEW.version IS DISTINCT FROM OLD.version THEN
			RAISE EXCEPTION 'the name and version of a model version cannot be changed'
				USING ERRCODE = 'foreign_key_violation';
		END IF;
	ELSIF NEW.name IS DISTINCT FROM OLD.name THEN
		RAISE EXCEPTION 'a model cannot be renamed' USING ERRCODE = 'foreign_key_violation',
			HINT = 'Export it, import it under the new name and drop the old one.';
	END IF;
	RETURN NEW;
END $$;
COMMENT ON FUNCTION pgdl.registry_keys() IS 'trigger of the registry tables: deleting a model name deletes its versions and grants, deleting a version its history; names and versions cannot be changed (internal)';
CREATE TRIGGER names_keys BEFORE DELETE OR UPDATE OF name ON pgdl.model_names
	FOR EACH ROW EXECUTE FUNCTION pgdl.registry_keys();
CREATE TRIGGER versions_keys BEFORE DELETE OR UPDATE OF name, version ON pgdl.model_versions
	FOR EACH ROW EXECUTE FUNCTION pgdl.registry_keys();
CREATE TRIGGER grants_keys BEFORE UPDATE OF name ON pgdl.model_grants
	FOR EACH ROW EXECUTE FUNCTION pgdl.registry_keys();
CREATE TRIGGER epochs_keys BEFORE UPDATE OF name, version ON pgdl.model_epochs
	FOR EACH ROW EXECUTE FUNCTION pgdl.registry_keys();

ALTER TABLE pgdl.model_names ENABLE ROW LEVEL SECURITY;
ALTER TABLE pgdl.model_names FORCE ROW LEVEL SECURITY;
ALTER TABLE pgdl.model_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE pgdl.model_versions FORCE ROW LEVEL SECURITY;
ALTER TABLE pgdl.model_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE pgdl.model_grants FORCE ROW LEVEL SECURITY;
ALTER TABLE pgdl.model_epochs ENABLE ROW LEVEL SECURITY;
ALTER TABLE pgdl.model_epochs FORCE ROW LEVEL SECURITY;

-- names and owners: visible to all; created by (a member of) the owner; changed only by members
CREATE POLICY names_visible ON pgdl.model_names FOR SELECT USING (true);
CREATE POLICY names_create ON pgdl.model_names FOR INSERT
	WITH CHECK (pg_catalog.pg_has_role(owner, 'MEMBER'));
CREATE POLICY names_update ON pgdl.model_names FOR UPDATE
	USING (pg_catalog.pg_has_role(owner, 'MEMBER')) WITH CHECK (pg_catalog.pg_has_role(owner, 'MEMBER'));
CREATE POLICY names_delete ON pgdl.model_names FOR DELETE
	USING (pg_catalog.pg_has_role(owner, 'MEMBER'));

-- grants: seen by their grantees; managed by members of the model's owner
CREATE POLICY grants_visible ON pgdl.model_grants FOR SELECT
	USING (grantee::pg_catalog.oid OPERATOR(pg_catalog.=) 0::pg_catalog.oid
		   OR pg_catalog.pg_has_role(grantee, 'MEMBER'));
CREATE POLICY grants_owner ON pgdl.model_grants FOR ALL
	USING (EXISTS (SELECT FROM pgdl.model_names n
				   WHERE n.name OPERATOR(pg_catalog.=) model_grants.name
					 AND pg_catalog.pg_has_role(n.owner, 'MEMBER')))
	WITH CHECK (EXISTS (SELECT FROM pgdl.model_names n
						WHERE n.name OPERATOR(pg_catalog.=) model_grants.name
						  AND pg_catalog.pg_has_role(n.owner, 'MEMBER')));

-- versions and epochs: read by members of the owner and grantees, written by members
CREATE POLICY versions_visible ON pgdl.model_versions FOR SELECT
	USING (EXISTS (SELECT FROM pgdl.model_names n
				   WHERE n.name OPERATOR(pg_catalog.=) model_versions.name
					 AND (pg_catalog.pg_has_role(n.owner, 'MEMBER')
						  OR EXISTS (SELECT FROM pgdl.model_grants g
									 WHERE g.name OPERATOR(pg_catalog.=) n.name))));
CREATE POLICY versions_owner ON pgdl.model_versions FOR ALL
	USING (EXISTS (SELECT FROM pgdl.model_names n
				   WHERE n.name OPERATOR(pg_catalog.=) model_versions.name
					 AND pg_catalog.pg_has_role(n.owner, 'MEMBER')))
	WITH CHECK (EXISTS (SELECT FROM pgdl.model_names n
						WHERE n.name OPERATOR(pg_catalog.=) model_versions.name
						  AND pg_catalog.pg_has_role(n.owner, 'MEMBER')));
CREATE POLICY epochs_visible ON pgdl.model_epochs FOR SELECT
	USING (EXISTS (SELECT FROM pgdl.model_versions v
				   WHERE v.name OPERATOR(pg_catalog.=) model_epochs.name
					 AND v.version OPERATOR(pg_catalog.=) model_epochs.version));
CREATE POLICY epochs_owner ON pgdl.model_epochs FOR ALL
	USING (EXISTS (SELECT FROM pgdl.model_names n
				   WHERE n.name OPERATOR(pg_catalog.=) model_epochs.name
					 AND pg_catalog.pg_has_role(n.owner, 'MEMBER')))
	WITH CHECK (EXISTS (SELECT FROM pgdl.model_names n
						WHERE n.name OPERATOR(pg_catalog.=) model_epochs.name
						  AND pg_catalog.pg_has_role(n.owner, 'MEMBER'))
				AND EXISTS (SELECT FROM pgdl.model_versions v
							WHERE v.name OPERATOR(pg_catalog.=) model_epochs.name
							  AND v.version OPERATOR(pg_catalog.=) model_epochs.version));

-- Row-level security does the filtering; the table privileges only let the
-- functions (which run as the caller) reach the rows the policies allow.
-- Updates are limited to the columns pgdl changes (and a version's
-- description), so no one rewrites an owner, a version's weights or who
-- trained it in place.
GRANT SELECT, INSERT, DELETE ON pgdl.model_names, pgdl.model_versions,
	pgdl.model_grants, pgdl.model_epochs TO PUBLIC;
GRANT UPDATE (deployed_version, last_version) ON pgdl.model_names TO PUBLIC;
GRANT UPDATE (description) ON pgdl.model_versions TO PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('pgdl.model_names', '');
SELECT pg_catalog.pg_extension_config_dump('pgdl.model_versions', '');
SELECT pg_catalog.pg_extension_config_dump('pgdl.model_grants', '');
SELECT pg_catalog.pg_extension_config_dump('pgdl.model_epochs', '');

CREATE VIEW pgdl.models WITH (security_invoker = true) AS
SELECT v.name, v.version, v.task, n.owner, v.created_at,
	   v.version OPERATOR(pg_catalog.=) COALESCE(n.deployed_version,
			(SELECT pg_catalog.max(v2.version) FROM pgdl.model_versions v2
			 WHERE v2.name OPERATOR(pg_catalog.=) v.name)) AS deployed,
	   v.description, v.layers, v.options, v.features, v.labels, v.parameters,
	   pg_catalog.octet_length(v.weights)::bigint AS size_bytes, v.metrics,
	   v.target, v.trained_by
FROM pgdl.model_versions v
JOIN pgdl.model_names n ON n.name OPERATOR(pg_catalog.=) v.name;
COMMENT ON VIEW pgdl.models IS 'one row per model version you may read: name, version, task, owner, deployment, layers, options, features, labels, size and metrics (no weights: pgdl.export_model reads them)';

CREATE VIEW pgdl.model_metrics WITH (security_invoker = true) AS
SELECT v.name, v.version, m.key AS metric, (m.value OPERATOR(pg_catalog.#>>) '{}')::float8 AS value
FROM pgdl.model_versions v, pg_catalog.jsonb_each(v.metrics) m
WHERE pg_catalog.jsonb_typeof(m.value) OPERATOR(pg_catalog.=) 'number';
COMMENT ON VIEW pgdl.model_metrics IS 'the final metrics of each model version you may read, one row per metric';

CREATE VIEW pgdl.training_history WITH (security_invoker = true) AS
SELECT name, version, epoch, train_loss, validation_loss, metric, validation_metric, seconds
FROM pgdl.model_epochs;
COMMENT ON VIEW pgdl.training_history IS 'one row per training epoch of each model version you may read';

GRANT SELECT ON pgdl.models, pgdl.model_metrics, pgdl.training_history TO PUBLIC;

-- management functions (src/pg/models.c)

CREATE FUNCTION pgdl.model_info(model text) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'pgdl_model_info' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.model_info(text) IS 'layers with output shapes and parameter counts, input shape, task, labels, features and training options of a model (STABLE: reads the registry)';

CREATE FUNCTION pgdl.export_model(model text) RETURNS bytea
	AS 'MODULE_PATHNAME', 'pgdl_export_model' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.export_model(text) IS 'the model''s bytes in the documented weights format (docs/model-format.md) (STABLE: reads the registry)';

CREATE FUNCTION pgdl.import_model(model text, data bytea) RETURNS integer
	AS 'MODULE_PATHNAME', 'pgdl_import_model' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION pgdl.import_model(text, bytea) IS 'checks exported model bytes and saves them as a new version of model; returns the version (VOLATILE: writes the registry)';

CREATE FUNCTION pgdl.drop_model(model text) RETURNS integer
	AS 'MODULE_PATHNAME', 'pgdl_drop_model' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION pgdl.drop_model(text) IS 'drops all versions of a model, or one with name@N; returns how many versions were dropped (VOLATILE: writes the registry)';

CREATE FUNCTION pgdl.deploy_model(model text, version integer) RETURNS integer
	AS 'MODULE_PATHNAME', 'pgdl_deploy_model' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION pgdl.deploy_model(text, integer) IS 'makes version the one a plain model name means (NULL: back to the highest version); returns it (VOLATILE: writes the registry)';

CREATE FUNCTION pgdl.grant_model(model text, grantee regrole) RETURNS void
	AS 'MODULE_PATHNAME', 'pgdl_grant_model' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION pgdl.grant_model(text, regrole) IS 'lets a role (or PUBLIC, written ''-'' or 0) read, predict with and export a model (VOLATILE: writes the registry)';

CREATE FUNCTION pgdl.grant_model(model text, grantee text) RETURNS void
	AS 'MODULE_PATHNAME', 'pgdl_grant_model' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION pgdl.grant_model(text, text) IS 'pgdl.grant_model with the grantee as a role name or ''public'' (VOLATILE: writes the registry)';

CREATE FUNCTION pgdl.revoke_model(model text, grantee text) RETURNS void
	AS 'MODULE_PATHNAME', 'pgdl_revoke_model' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION pgdl.revoke_model(text, text) IS 'pgdl.revoke_model with the grantee as a role name or ''public'' (VOLATILE: writes the registry)';

CREATE FUNCTION pgdl.revoke_model(model text, grantee regrole) RETURNS void
	AS 'MODULE_PATHNAME', 'pgdl_revoke_model' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION pgdl.revoke_model(text, regrole) IS 'takes back what pgdl.grant_model gave (VOLATILE: writes the registry)';
-- src/pg/train.sql: training (see the README).

CREATE TYPE pgdl.train_result AS (
	model text, version integer, task text, parameters bigint, epochs integer,
	train_loss float8, validation_loss float8, metric text, validation_metric float8,
	seconds float8
);
COMMENT ON TYPE pgdl.train_result IS 'what pgdl.train_model returns: the new version and its final losses';

CREATE FUNCTION pgdl.train_model(model text, source text, target text, layers jsonb,
								 features text[] DEFAULT NULL, options jsonb DEFAULT '{}')
	RETURNS SETOF pgdl.train_result
	AS 'MODULE_PATHNAME', 'pgdl_train_model' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE ROWS 1;
COMMENT ON FUNCTION pgdl.train_model(text, text, text, jsonb, text[], jsonb) IS 'trains a network on source (a relation or a query) to predict target and saves it as the next version of model (VOLATILE: writes the registry)';

CREATE TYPE pgdl.training_progress_row AS (
	pid integer, model text, version integer, epoch integer, epochs integer,
	rows_per_second float8, train_loss float8, validation_loss float8, started_at timestamptz
);
COMMENT ON TYPE pgdl.training_progress_row IS 'one running training, as pgdl.training_progress shows it';
CREATE FUNCTION pgdl.training_progress_rows() RETURNS SETOF pgdl.training_progress_row
	AS 'MODULE_PATHNAME', 'pgdl_training_progress' LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.training_progress_rows() IS 'the trainings running now, from shared memory (needs pgdl in shared_preload_libraries) (VOLATILE: changes from moment to moment)';
CREATE VIEW pgdl.training_progress AS SELECT * FROM pgdl.training_progress_rows();
COMMENT ON VIEW pgdl.training_progress IS 'trainings running now in any backend (needs pgdl in shared_preload_libraries; otherwise see pg_stat_activity.query)';
GRANT SELECT ON pgdl.training_progress TO PUBLIC;

CREATE TYPE pgdl.fold_metric_row AS (fold integer, metric text, value float8);
COMMENT ON TYPE pgdl.fold_metric_row IS 'one metric of one fold of pgdl.cross_validate';
CREATE FUNCTION pgdl.cross_validate(source text, target text, layers jsonb, folds integer DEFAULT 5,
									features text[] DEFAULT NULL, options jsonb DEFAULT '{}')
	RETURNS SETOF pgdl.fold_metric_row
	AS 'MODULE_PATHNAME', 'pgdl_cross_validate' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.cross_validate(text, text, jsonb, integer, text[], jsonb) IS 'k-fold cross-validation: trains one model per fold on the other folds and measures it on the fold; saves nothing (STABLE: the source runs read-only and nothing is written)';
-- src/pg/predict.sql: scoring (see the README).
-- STABLE: they read the registry; the model is resolved once per statement.

CREATE FUNCTION pgdl.predict(model text, x anyarray) RETURNS float8
	AS 'MODULE_PATHNAME', 'pgdl_predict' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict(text, anyarray) IS 'the model''s prediction for one feature vector: the value (regression), the numeric label, or 0/1 for bool labels (STABLE: reads the registry)';

CREATE FUNCTION pgdl.predict(model text, r record) RETURNS float8
	AS 'MODULE_PATHNAME', 'pgdl_predict_record' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict(text, record) IS 'the model''s prediction for a row, its features taken by the column names used in training (STABLE: reads the registry)';

CREATE FUNCTION pgdl.predict_label(model text, x anyarray) RETURNS text
	AS 'MODULE_PATHNAME', 'pgdl_predict_label' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict_label(text, anyarray) IS 'the predicted label as text (STABLE: reads the registry)';

CREATE FUNCTION pgdl.predict_label(model text, r record) RETURNS text
	AS 'MODULE_PATHNAME', 'pgdl_predict_label_record' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict_label(text, record) IS 'the predicted label of a row, its features taken by column name (STABLE: reads the registry)';

CREATE FUNCTION pgdl.predict_proba(model text, x anyarray) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'pgdl_predict_proba' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict_proba(text, anyarray) IS 'class probabilities: element i is the probability of labels[i] (STABLE: reads the registry)';

CREATE TYPE pgdl.class_probability_row AS (label text, probability float8);
COMMENT ON TYPE pgdl.class_probability_row IS 'one class and its probability';
CREATE FUNCTION pgdl.class_probabilities(model text, x anyarray) RETURNS SETOF pgdl.class_probability_row
	AS 'MODULE_PATHNAME', 'pgdl_class_probabilities' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION pgdl.class_probabilities(text, anyarray) IS 'class probabilities in long format, one row per label (STABLE: reads the registry)';

CREATE TYPE pgdl.prediction_row AS (id text, prediction float8, label text, probabilities float8[]);
COMMENT ON TYPE pgdl.prediction_row IS 'one scored row of pgdl.predict_batch';
CREATE FUNCTION pgdl.predict_batch(model text, source text, id_column text) RETURNS SETOF pgdl.prediction_row
	AS 'MODULE_PATHNAME', 'pgdl_predict_batch' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.predict_batch(text, text, text) IS 'scores every row of source in blocks with matrix-matrix products (STABLE: reads the registry; the source runs read-only)';

CREATE FUNCTION pgdl.transform_model(model text, x anyarray) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'pgdl_transform_model' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.transform_model(text, anyarray) IS 'every output of the model for one feature vector: the projection of a PCA model, the network outputs of others (STABLE: reads the registry)';
-- src/pg/evaluate.sql: evaluation (see the README).
-- STABLE: they read the registry and run the source read-only; RESTRICTED:
-- they run SPI queries, which parallel workers may not start.

CREATE TYPE pgdl.metric_row AS (metric text, value float8);
COMMENT ON TYPE pgdl.metric_row IS 'one metric of pgdl.evaluate';
CREATE FUNCTION pgdl.evaluate(model text, source text, target text DEFAULT NULL, options jsonb DEFAULT '{}')
	RETURNS SETOF pgdl.metric_row
	AS 'MODULE_PATHNAME', 'pgdl_evaluate' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.evaluate(text, text, text, jsonb) IS 'scores source with the model and compares with target: accuracy, precision, recall, f1 (+ macro), log_loss, roc_auc, or mse, rmse, mae, r2 (STABLE: reads the registry; the source runs read-only)';

CREATE TYPE pgdl.confusion_row AS (actual text, predicted text, n bigint);
COMMENT ON TYPE pgdl.confusion_row IS 'one cell of a confusion matrix';
CREATE FUNCTION pgdl.confusion_matrix(model text, source text, target text DEFAULT NULL)
	RETURNS SETOF pgdl.confusion_row
	AS 'MODULE_PATHNAME', 'pgdl_confusion_matrix' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.confusion_matrix(text, text, text) IS 'counts of (actual, predicted) label pairs, every pair including zeros (STABLE: reads the registry; the source runs read-only)';

CREATE TYPE pgdl.roc_row AS (threshold float8, fpr float8, tpr float8, precision float8, recall float8);
COMMENT ON TYPE pgdl.roc_row IS 'one point of a ROC / precision-recall curve';
CREATE FUNCTION pgdl.roc_curve(model text, source text, target text DEFAULT NULL, options jsonb DEFAULT '{}')
	RETURNS SETOF pgdl.roc_row
	AS 'MODULE_PATHNAME', 'pgdl_roc_curve' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.roc_curve(text, text, text, jsonb) IS 'ROC and precision-recall points, one per distinct score of the positive class (STABLE: reads the registry; the source runs read-only)';
-- src/pg/featsel.sql: feature scores and selection (see the README).

CREATE TYPE pgdl.feature_score_row AS (feature text, score float8, p_value float8, rank int);
COMMENT ON TYPE pgdl.feature_score_row IS 'one row of pgdl.feature_scores';

CREATE TYPE pgdl.selected_feature_row AS (feature text, score float8, p_value float8, rank int, selected bool);
COMMENT ON TYPE pgdl.selected_feature_row IS 'one row of pgdl.select_features';

-- STABLE: the result depends on the source's contents; the source runs
-- read-only, so both work in READ ONLY transactions and on a standby.
CREATE FUNCTION pgdl.feature_scores(source text, target text, method text DEFAULT 'auto',
		features text[] DEFAULT NULL)
	RETURNS SETOF pgdl.feature_score_row
	AS 'MODULE_PATHNAME', 'pgdl_feature_scores' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.feature_scores(text, text, text, text[]) IS
	'score of every feature against the target (pearson, f_classif, f_regression, chi2, mutual_info, variance; auto by the target''s type), its p-value and rank';

CREATE FUNCTION pgdl.select_features(source text, target text, k int, method text DEFAULT 'auto',
		features text[] DEFAULT NULL)
	RETURNS SETOF pgdl.selected_feature_row
	AS 'MODULE_PATHNAME', 'pgdl_select_features' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.select_features(text, text, int, text, text[]) IS
	'the k best features by a feature_scores method or by recursive feature elimination (rfe) with a ridge or logistic model';
-- src/pg/pca.sql: principal component analysis (see the README).

CREATE TYPE pgdl.pca_row AS (
	component int, explained_variance float8, explained_variance_ratio float8, loadings float8[]
);
COMMENT ON TYPE pgdl.pca_row IS 'one component of pgdl.pca / pgdl.train_pca';

-- STABLE: the result depends on the source's contents; the source runs read-only.
-- PARALLEL RESTRICTED: it runs SQL through SPI.
CREATE FUNCTION pgdl.pca(source text, n_components int, features text[] DEFAULT NULL,
						 options jsonb DEFAULT '{}')
	RETURNS SETOF pgdl.pca_row
	AS 'MODULE_PATHNAME', 'pgdl_pca' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.pca(text, int, text[], jsonb) IS
	'principal components of the features of a source (options: matrix covariance | correlation), by explained variance, largest |loading| positive';

-- VOLATILE and PARALLEL UNSAFE: it writes a model version into the registry.
CREATE FUNCTION pgdl.train_pca(model text, source text, n_components int, features text[] DEFAULT NULL,
							   options jsonb DEFAULT '{}')
	RETURNS SETOF pgdl.pca_row
	AS 'MODULE_PATHNAME', 'pgdl_train_pca' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION pgdl.train_pca(text, text, int, text[], jsonb) IS
	'pgdl.pca, saved as a new version of a projection model: pgdl.transform_model(model, x) projects a row';
-- src/pg/cluster.sql: k-means and the silhouette score (see the README).

CREATE TYPE pgdl.kmeans_row AS (cluster integer, centroid float8[], size bigint, sse float8);
COMMENT ON TYPE pgdl.kmeans_row IS 'one cluster of pgdl.kmeans: its 0-based id, centroid (in the features'' units), row count and sum of squared distances';

CREATE FUNCTION pgdl.kmeans(source text, k integer, features text[] DEFAULT NULL, options jsonb DEFAULT '{}')
	RETURNS SETOF pgdl.kmeans_row
	AS 'MODULE_PATHNAME', 'pgdl_kmeans' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED ROWS 10;
COMMENT ON FUNCTION pgdl.kmeans(text, integer, text[], jsonb) IS 'k-means (k-means++ or random init, Lloyd iterations) over the rows of source; options init, max_iter, tol, n_init, seed, standardize, impute (STABLE: the source runs read-only and nothing is written)';

CREATE FUNCTION pgdl.train_kmeans(model text, source text, k integer, features text[] DEFAULT NULL,
								  options jsonb DEFAULT '{}')
	RETURNS SETOF pgdl.kmeans_row
	AS 'MODULE_PATHNAME', 'pgdl_train_kmeans' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE ROWS 10;
COMMENT ON FUNCTION pgdl.train_kmeans(text, text, integer, text[], jsonb) IS 'pgdl.kmeans, saved as the next version of model: pgdl.predict(model, x) then returns the nearest cluster id (VOLATILE: writes the registry)';

CREATE FUNCTION pgdl.silhouette(model text, source text, features text[] DEFAULT NULL)
	RETURNS float8
	AS 'MODULE_PATHNAME', 'pgdl_silhouette' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.silhouette(text, text, text[]) IS 'mean silhouette coefficient of the rows of source clustered by a k-means model: exact up to 10,000 rows, else on a seeded uniform sample of 10,000 (STABLE: reads the registry; the source runs read-only)';
-- src/pg/grants.sql: privileges, last in the install script.
-- USAGE on the schema and EXECUTE on every function for everyone (the README).

GRANT USAGE ON SCHEMA pgdl TO PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pgdl TO PUBLIC;
COMMENT ON SCHEMA pgdl IS 'pgdl: in-database analytics and deep learning';
