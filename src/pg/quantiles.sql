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
