-- src/pg/pgdl.sql: pgdl install script, part 1 — the aggregate state types.
-- The Makefile concatenates the src/pg/*.sql fragments into pgdl--<version>.sql.

\echo Use "CREATE EXTENSION pgdl" to load this file. \quit

-- pgdl.aggstate: the transition state of every pgdl aggregate (see
-- src/pg/aggstate.h).  A concrete varlena rather than "internal", so that
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
