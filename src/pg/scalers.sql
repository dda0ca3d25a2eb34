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

-- The single-column forms: pgdl.standard_scaler(x float8), ..., and
-- transform / inverse_transform / is_outlier of one float8 (integer and
-- numeric columns convert implicitly), a scaler of one feature.  Declared
-- over float8, a concrete type, so that Citus runs them on its workers.
-- transform(pgdl.scaler, float8) is CALLED ON NULL INPUT: an imputer fills
-- a NULL value (a NULL scaler gives NULL; any other scaler keeps NULL).
DO $$
DECLARE
	agg record;
BEGIN
	FOR agg IN SELECT * FROM (VALUES
		('standard_scaler', '', ''),
		('minmax_scaler', '', ''),
		('maxabs_scaler', '', ''),
		('robust_scaler', '', ''),
		('imputer', ', strategy text', ', text')
	) AS a(name, more_args, more_types)
	LOOP
		EXECUTE pg_catalog.format(
			'CREATE FUNCTION pgdl.%I(pgdl.aggstate, float8%s) RETURNS pgdl.aggstate '
			'AS %L, %L LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE',
			agg.name || '_accum', agg.more_types, 'MODULE_PATHNAME', 'pgdl_' || agg.name || '_accum1');
		EXECUTE pg_catalog.format('COMMENT ON FUNCTION pgdl.%I(pgdl.aggstate, float8%s) IS %L',
			agg.name || '_accum', agg.more_types, 'transition function of pgdl.' || agg.name || ' over one column');
		EXECUTE pg_catalog.format(
			'CREATE AGGREGATE pgdl.%I(x float8%s) (SFUNC = pgdl.%I, STYPE = pgdl.aggstate, '
			'COMBINEFUNC = pgdl.aggstate_combine, FINALFUNC = pgdl.scaler_final, PARALLEL = SAFE)',
			agg.name, agg.more_args, agg.name || '_accum');
		EXECUTE pg_catalog.format('COMMENT ON AGGREGATE pgdl.%I(float8%s) IS %L',
			agg.name, agg.more_types,
			pg_catalog.obj_description(pg_catalog.to_regprocedure(
				pg_catalog.format('pgdl.%I(anyarray%s)', agg.name, agg.more_types)), 'pg_proc')
			|| ' (one column: a scaler of one feature)');
	END LOOP;
END
$$;

CREATE FUNCTION pgdl.transform(s pgdl.scaler, x float8) RETURNS float8
	AS 'MODULE_PATHNAME', 'pgdl_transform1' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.transform(pgdl.scaler, float8) IS
	'applies a scaler of one feature to one value (NULL stays NULL; an imputer fills it)';
CREATE FUNCTION pgdl.inverse_transform(s pgdl.scaler, x float8) RETURNS float8
	AS 'MODULE_PATHNAME', 'pgdl_inverse_transform1' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.inverse_transform(pgdl.scaler, float8) IS
	'undoes pgdl.transform of one value (not defined for an imputer)';
CREATE FUNCTION pgdl.is_outlier(s pgdl.scaler, x float8, threshold float8 DEFAULT 3) RETURNS bool
	AS 'MODULE_PATHNAME', 'pgdl_is_outlier1' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.is_outlier(pgdl.scaler, float8, float8) IS
	'true if the value lies outside mean ± k·sd (standard scaler) or Q1 − k·IQR .. Q3 + k·IQR (robust scaler)';
