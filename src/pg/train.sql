-- src/pg/train.sql: training (see the README).

CREATE TYPE pgdl.train_result AS (
	model text, version integer, task text, parameters bigint, epochs integer,
	train_loss float8, validation_loss float8, metric text, validation_metric float8,
	seconds float8, data text
);
COMMENT ON TYPE pgdl.train_result IS 'what pgdl.train_model returns: the new version, its final losses and how the rows were read (data: memory or stream)';

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
