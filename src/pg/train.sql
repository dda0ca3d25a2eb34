-- src/pg/train.sql: training (see the README).

CREATE TYPE pgdl.train_result AS (
	model text, version integer, task text, parameters bigint, epochs integer,
	train_loss float8, validation_loss float8, metric text, validation_metric float8,
	seconds float8, data text
);
COMMENT ON TYPE pgdl.train_result IS 'what pgdl.train_model returns: the new version, its final losses and how the rows were read (data: memory, stream or parallel n)';

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

-- Data-parallel training (the option "parallel_workers"; the README): the
-- state is a model being trained, the aggregate trains on the rows it is
-- given and merges partial models by rows.
CREATE TYPE pgdl.train_state;
CREATE FUNCTION pgdl.train_state_in(cstring) RETURNS pgdl.train_state
	AS 'MODULE_PATHNAME', 'pgdl_train_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.train_state_out(pgdl.train_state) RETURNS cstring
	AS 'MODULE_PATHNAME', 'pgdl_train_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.train_state_recv(internal) RETURNS pgdl.train_state
	AS 'MODULE_PATHNAME', 'pgdl_train_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.train_state_send(pgdl.train_state) RETURNS bytea
	AS 'MODULE_PATHNAME', 'pgdl_train_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE pgdl.train_state (
	INPUT = pgdl.train_state_in,
	OUTPUT = pgdl.train_state_out,
	RECEIVE = pgdl.train_state_recv,
	SEND = pgdl.train_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);
COMMENT ON TYPE pgdl.train_state IS 'a model being trained data-parallel: weights, optimizer state and buffered rows (text form: pgdl: and the hex of its bytes)';
COMMENT ON FUNCTION pgdl.train_state_in(cstring) IS 'text input of pgdl.train_state (validated)';
COMMENT ON FUNCTION pgdl.train_state_out(pgdl.train_state) IS 'text output of pgdl.train_state';
COMMENT ON FUNCTION pgdl.train_state_recv(internal) IS 'binary input of pgdl.train_state (validated)';
COMMENT ON FUNCTION pgdl.train_state_send(pgdl.train_state) IS 'binary output of pgdl.train_state';

-- STABLE: the model's size is checked against pgdl.max_model_size
CREATE FUNCTION pgdl.train_state_step(state pgdl.train_state, init pgdl.train_state, r record)
	RETURNS pgdl.train_state
	AS 'MODULE_PATHNAME', 'pgdl_train_state_step' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.train_state_step(pgdl.train_state, pgdl.train_state, record) IS 'transition of pgdl.train_state_agg: trains the round''s model on one row (its features, then the target) in mini-batches (STABLE: reads pgdl.max_model_size)';
CREATE FUNCTION pgdl.train_state_combine(a pgdl.train_state, b pgdl.train_state)
	RETURNS pgdl.train_state
	AS 'MODULE_PATHNAME', 'pgdl_train_state_combine' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.train_state_combine(pgdl.train_state, pgdl.train_state) IS 'combine of pgdl.train_state_agg: partial models averaged weighted by their rows (STABLE: reads pgdl.max_model_size)';
CREATE FUNCTION pgdl.train_state_final(state pgdl.train_state) RETURNS pgdl.train_state
	AS 'MODULE_PATHNAME', 'pgdl_train_state_final' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.train_state_final(pgdl.train_state) IS 'final function of pgdl.train_state_agg: trains the buffered rows (STABLE: reads pgdl.max_model_size)';
CREATE AGGREGATE pgdl.train_state_agg(init pgdl.train_state, r record) (
	SFUNC = pgdl.train_state_step, STYPE = pgdl.train_state,
	COMBINEFUNC = pgdl.train_state_combine, FINALFUNC = pgdl.train_state_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.train_state_agg(pgdl.train_state, record) IS 'one round of data-parallel training: init''s model trained on the rows, partial models merged by rows (train_model runs it; the README)';
CREATE FUNCTION pgdl.train_state_info(state pgdl.train_state) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'pgdl_train_state_info' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.train_state_info(pgdl.train_state) IS 'what a training state holds: parameters, rows trained, partial states merged, optimizer step, losses';
-- STABLE: reads the registry
CREATE FUNCTION pgdl.train_state_init(model text) RETURNS pgdl.train_state
	AS 'MODULE_PATHNAME', 'pgdl_train_state_init' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.train_state_init(text) IS 'a training state starting from a stored model version (its weights and options), for running pgdl.train_state_agg by hand (STABLE: reads the registry)';
-- Data-parallel rounds on Citus workers (the README's Citus section): Citus
-- packs an aggregate's arguments into one row per input row, which would
-- copy the whole state at every row; pgdl.train_state_ref keeps the state in
-- its process for the transaction and hands the aggregate a 16-byte reference.
-- STABLE, not IMMUTABLE: evaluated where the aggregate runs, never folded
-- into a constant on the coordinator.
CREATE FUNCTION pgdl.train_state_ref(state pgdl.train_state) RETURNS bytea
	AS 'MODULE_PATHNAME', 'pgdl_train_state_ref' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.train_state_ref(pgdl.train_state) IS 'a reference to state, kept in this process until the end of the transaction, for pgdl.train_state_agg_ref (STABLE: evaluated where the aggregate runs)';
CREATE FUNCTION pgdl.train_state_step_ref(state pgdl.train_state, ref bytea, r record)
	RETURNS pgdl.train_state
	AS 'MODULE_PATHNAME', 'pgdl_train_state_step_ref' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.train_state_step_ref(pgdl.train_state, bytea, record) IS 'transition of pgdl.train_state_agg_ref: as pgdl.train_state_step, the round''s model found by its reference (STABLE: reads pgdl.max_model_size)';
CREATE AGGREGATE pgdl.train_state_agg_ref(ref bytea, r record) (
	SFUNC = pgdl.train_state_step_ref, STYPE = pgdl.train_state,
	COMBINEFUNC = pgdl.train_state_combine, FINALFUNC = pgdl.train_state_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.train_state_agg_ref(bytea, record) IS 'pgdl.train_state_agg with the round''s state given by pgdl.train_state_ref, as train_model runs it on Citus workers';
