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
