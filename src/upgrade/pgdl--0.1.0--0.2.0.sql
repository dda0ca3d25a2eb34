-- src/upgrade/pgdl--0.1.0--0.2.0.sql: ALTER EXTENSION pgdl UPDATE from 0.1.0
-- to 0.2.0.
--
-- 0.2.0 builds against PostgreSQL 15 to 18 and ships as a Debian package and
-- on PGXN.  Its SQL objects are those of 0.1.0 and: pgdl.model_inputs and
-- pgdl.source_inputs (what the network sees, in prediction and as training
-- reads its rows), the registry trigger without a search_path lookup of
-- "=", the aggregates Citus runs on its workers (the array aggregates over
-- each numeric array type, src/pg/array_aggregates.sql, and the states
-- behind describe and correlations over float8[]), and how a training read
-- its rows (memory, stream or parallel n) in the result of train_model and
-- in pgdl.training_history, data-parallel training (the type
-- pgdl.train_state and the aggregate pgdl.train_state_agg), and the
-- scoring functions' _shipped twins that Citus workers run with the
-- coordinator's model (src/pg/citus_ship.sql).  A change to a
-- src/pg/*.sql fragment goes here too (or into the next release's step):
-- the upgrade test (scripts/run_tests.sh, section upgrade)
-- compares the catalog of an upgraded database with a fresh install's.

\echo Use "ALTER EXTENSION pgdl UPDATE" to load this file. \quit

-- the registry trigger: IS DISTINCT FROM found its = through the caller's
-- search_path (a hostile operator ran as the caller)
CREATE OR REPLACE FUNCTION pgdl.registry_keys() RETURNS trigger LANGUAGE plpgsql AS $$
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
	-- UPDATE: the keys stay.  Not IS DISTINCT FROM, which finds its = through
	-- the caller's search_path; the keys of OLD are never NULL, so "<> is not
	-- false" is "distinct from" (a NULL NEW key included).
	IF TG_TABLE_NAME OPERATOR(pg_catalog.=) 'model_versions' OR TG_TABLE_NAME OPERATOR(pg_catalog.=) 'model_epochs' THEN
		IF (NEW.name OPERATOR(pg_catalog.<>) OLD.name) IS NOT FALSE
		   OR (NEW.version OPERATOR(pg_catalog.<>) OLD.version) IS NOT FALSE THEN
			RAISE EXCEPTION 'the name and version of a model version cannot be changed'
				USING ERRCODE = 'foreign_key_violation';
		END IF;
	ELSIF (NEW.name OPERATOR(pg_catalog.<>) OLD.name) IS NOT FALSE THEN
		RAISE EXCEPTION 'a model cannot be renamed' USING ERRCODE = 'foreign_key_violation',
			HINT = 'Export it, import it under the new name and drop the old one.';
	END IF;
	RETURN NEW;
END $$;

CREATE FUNCTION pgdl.model_inputs(model text, x anyarray) RETURNS real[]
	AS 'MODULE_PATHNAME', 'pgdl_model_inputs' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.model_inputs(text, anyarray) IS 'what the network sees for one feature vector: the model''s imputer and scaler applied in double precision, then float32 (STABLE: reads the registry)';

CREATE TYPE pgdl.source_inputs_row AS (row_number bigint, inputs real[]);
COMMENT ON TYPE pgdl.source_inputs_row IS 'one row of pgdl.source_inputs: its number in the source and what the network sees';
CREATE FUNCTION pgdl.source_inputs(model text, source text) RETURNS SETOF pgdl.source_inputs_row
	AS 'MODULE_PATHNAME', 'pgdl_source_inputs' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.source_inputs(text, text) IS 'what the network sees for every row of source, read as training reads its rows; equal to model_inputs row by row (STABLE: reads the registry; the source runs read-only)';

GRANT EXECUTE ON FUNCTION pgdl.model_inputs(text, anyarray), pgdl.source_inputs(text, text) TO PUBLIC;

-- describe and correlations: their states over float8[] (src/pg/describe.sql)
DROP AGGREGATE pgdl.comoments_state(anyarray);
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

-- the array aggregates over each numeric array type (src/pg/array_aggregates.sql)
DO $$
DECLARE
	agg record;
	elem text;
BEGIN
	FOR agg IN SELECT * FROM (VALUES
		('stats', 'pgdl.stats_vector_accum', 'pgdl.stats_vector_final', '', ''),
		('covariance_matrix', 'pgdl.comoments_accum', 'pgdl.covariance_final', '', ''),
		('correlation_matrix', 'pgdl.comoments_accum', 'pgdl.correlation_final', '', ''),
		('standard_scaler', 'pgdl.standard_scaler_accum', 'pgdl.scaler_final', '', ''),
		('minmax_scaler', 'pgdl.minmax_scaler_accum', 'pgdl.scaler_final', '', ''),
		('maxabs_scaler', 'pgdl.maxabs_scaler_accum', 'pgdl.scaler_final', '', ''),
		('robust_scaler', 'pgdl.robust_scaler_accum', 'pgdl.scaler_final', '', ''),
		('imputer', 'pgdl.imputer_accum', 'pgdl.scaler_final', ', strategy text', ', text')
	) AS a(name, sfunc, finalfunc, more_args, more_types)
	LOOP
		FOREACH elem IN ARRAY ARRAY['float8', 'real', 'numeric', 'int8', 'int4', 'int2', 'bool']
		LOOP
			EXECUTE pg_catalog.format(
				'CREATE AGGREGATE pgdl.%I(x %s[]%s) (SFUNC = %s, STYPE = pgdl.aggstate, '
				'COMBINEFUNC = pgdl.aggstate_combine, FINALFUNC = %s, PARALLEL = SAFE)',
				agg.name, elem, agg.more_args, agg.sfunc, agg.finalfunc);
			EXECUTE pg_catalog.format('COMMENT ON AGGREGATE pgdl.%I(%s[]%s) IS %L',
				agg.name, elem, agg.more_types,
				pg_catalog.obj_description(pg_catalog.to_regprocedure(
					pg_catalog.format('pgdl.%I(anyarray%s)', agg.name, agg.more_types)), 'pg_proc'));
		END LOOP;
	END LOOP;
END
$$;

-- pgdl.stats_columns(a, b, c) over columns that convert to float8 (integers,
-- numeric, real, float8): one declaration per number of columns, 1 to 99 (a
-- function takes at most 100 arguments, the state included), so that Citus
-- sees concrete argument types.  Not VARIADIC float8[]: building an array per
-- row made stats_columns half again as slow.  The VARIADIC "any" declaration
-- in stats.sql still takes bool and other columns.
DO $$
DECLARE
	args text;
BEGIN
	FOR k IN 1..99 LOOP
		args := pg_catalog.array_to_string(pg_catalog.array_fill('float8'::text, ARRAY[k]), ', ');
		EXECUTE pg_catalog.format(
			'CREATE FUNCTION pgdl.stats_columns_float8_accum(pgdl.aggstate, %s) RETURNS pgdl.aggstate '
			'AS %L, %L LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE',
			args, 'MODULE_PATHNAME', 'pgdl_stats_columns_float8_accum');
		EXECUTE pg_catalog.format('COMMENT ON FUNCTION pgdl.stats_columns_float8_accum(pgdl.aggstate, %s) IS %L',
			args, 'transition function of pgdl.stats_columns over float8 columns');
		EXECUTE pg_catalog.format(
			'CREATE AGGREGATE pgdl.stats_columns(%s) (SFUNC = pgdl.stats_columns_float8_accum, '
			'STYPE = pgdl.aggstate, COMBINEFUNC = pgdl.aggstate_combine, '
			'FINALFUNC = pgdl.stats_vector_final, PARALLEL = SAFE)', args);
		EXECUTE pg_catalog.format('COMMENT ON AGGREGATE pgdl.stats_columns(%s) IS %L', args,
			'pgdl.stats over numeric columns given directly: pgdl.stats_columns(a, b, c)');
	END LOOP;
END
$$;

-- how a training read its rows (the option "data"): in the result of
-- train_model and in the history, from the version's metrics (NULL for
-- trainings of 0.1.0)
ALTER TYPE pgdl.train_result ADD ATTRIBUTE data text;
COMMENT ON TYPE pgdl.train_result IS 'what pgdl.train_model returns: the new version, its final losses and how the rows were read (data: memory, stream or parallel n)';
CREATE OR REPLACE VIEW pgdl.training_history WITH (security_invoker = true) AS
SELECT e.name, e.version, e.epoch, e.train_loss, e.validation_loss, e.metric, e.validation_metric,
       e.seconds, v.metrics OPERATOR(pg_catalog.->>) 'data' AS data
FROM pgdl.model_epochs e
LEFT JOIN pgdl.model_versions v
  ON v.name OPERATOR(pg_catalog.=) e.name AND v.version OPERATOR(pg_catalog.=) e.version;
COMMENT ON VIEW pgdl.training_history IS 'one row per training epoch of each model version you may read, with how its rows were read (data: memory, stream or parallel n)';


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
GRANT EXECUTE ON FUNCTION pgdl.train_state_init(text), pgdl.train_state_in(cstring), pgdl.train_state_out(pgdl.train_state),
	pgdl.train_state_recv(internal), pgdl.train_state_send(pgdl.train_state),
	pgdl.train_state_step(pgdl.train_state, pgdl.train_state, record),
	pgdl.train_state_combine(pgdl.train_state, pgdl.train_state),
	pgdl.train_state_final(pgdl.train_state), pgdl.train_state_info(pgdl.train_state),
	pgdl.train_state_agg(pgdl.train_state, record) TO PUBLIC;

-- (src/pg/citus_ship.sql) The per-row scoring functions' twins that take the
-- model's bytes (see the README's Citus section and src/pg/citus_ship.c).
-- On a query over a Citus table, the coordinator replaces
-- pgdl.predict('m', x) by pgdl.predict_shipped(<m's bytes>, x, 'm@N'), so the
-- workers score with the coordinator's model and never read their registry.
-- IMMUTABLE: they read nothing but their arguments; the caller had the bytes.

CREATE FUNCTION pgdl.predict_shipped(model bytea, x anyarray, model_ref text) RETURNS float8
	AS 'MODULE_PATHNAME', 'pgdl_predict' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict_shipped(bytea, anyarray, text) IS 'pgdl.predict with the model''s bytes, as the coordinator sends it to Citus workers (model_ref, name@version, names it in messages)';

CREATE FUNCTION pgdl.predict_shipped(model bytea, r record, model_ref text) RETURNS float8
	AS 'MODULE_PATHNAME', 'pgdl_predict_record' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict_shipped(bytea, record, text) IS 'pgdl.predict of a row with the model''s bytes, as the coordinator sends it to Citus workers';

CREATE FUNCTION pgdl.predict_label_shipped(model bytea, x anyarray, model_ref text) RETURNS text
	AS 'MODULE_PATHNAME', 'pgdl_predict_label' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict_label_shipped(bytea, anyarray, text) IS 'pgdl.predict_label with the model''s bytes, as the coordinator sends it to Citus workers';

CREATE FUNCTION pgdl.predict_label_shipped(model bytea, r record, model_ref text) RETURNS text
	AS 'MODULE_PATHNAME', 'pgdl_predict_label_record' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict_label_shipped(bytea, record, text) IS 'pgdl.predict_label of a row with the model''s bytes, as the coordinator sends it to Citus workers';

CREATE FUNCTION pgdl.predict_proba_shipped(model bytea, x anyarray, model_ref text) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'pgdl_predict_proba' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict_proba_shipped(bytea, anyarray, text) IS 'pgdl.predict_proba with the model''s bytes, as the coordinator sends it to Citus workers';

CREATE FUNCTION pgdl.transform_model_shipped(model bytea, x anyarray, model_ref text) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'pgdl_transform_model' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.transform_model_shipped(bytea, anyarray, text) IS 'pgdl.transform_model with the model''s bytes, as the coordinator sends it to Citus workers';

CREATE FUNCTION pgdl.class_probabilities_shipped(model bytea, x anyarray, model_ref text) RETURNS SETOF pgdl.class_probability_row
	AS 'MODULE_PATHNAME', 'pgdl_class_probabilities' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION pgdl.class_probabilities_shipped(bytea, anyarray, text) IS 'pgdl.class_probabilities with the model''s bytes, as the coordinator sends it to Citus workers';

CREATE FUNCTION pgdl.model_inputs_shipped(model bytea, x anyarray, model_ref text) RETURNS real[]
	AS 'MODULE_PATHNAME', 'pgdl_model_inputs' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.model_inputs_shipped(bytea, anyarray, text) IS 'pgdl.model_inputs with the model''s bytes, as the coordinator sends it to Citus workers';

-- one Lloyd pass as an aggregate over concrete types, which Citus pushes down (src/pg/kmeans_agg.c)
CREATE DOMAIN pgdl.kmeans_state AS float8[];
COMMENT ON DOMAIN pgdl.kmeans_state IS 'the state of pgdl.kmeans_step: [1, k, d, rows, counts (k), sse (k), sums (k x d)], exact through its text form, checked by the functions that read it (22P03)';
CREATE FUNCTION pgdl.kmeans_step_sfunc(state pgdl.kmeans_state, x float8[], params float8[]) RETURNS pgdl.kmeans_state
	AS 'MODULE_PATHNAME', 'pgdl_kmeans_step_sfunc' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.kmeans_step_sfunc(pgdl.kmeans_state, float8[], float8[]) IS 'transition of pgdl.kmeans_step: adds a row to the sums, count and SSE of its nearest centre (STABLE: reads pgdl.max_training_memory)';
CREATE FUNCTION pgdl.kmeans_step_combine(a pgdl.kmeans_state, b pgdl.kmeans_state) RETURNS pgdl.kmeans_state
	AS 'MODULE_PATHNAME', 'pgdl_kmeans_step_combine' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.kmeans_step_combine(pgdl.kmeans_state, pgdl.kmeans_state) IS 'combine of pgdl.kmeans_step: adds two partial states';
CREATE AGGREGATE pgdl.kmeans_step(x float8[], params float8[]) (
	SFUNC = pgdl.kmeans_step_sfunc, STYPE = pgdl.kmeans_state,
	COMBINEFUNC = pgdl.kmeans_step_combine,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.kmeans_step(float8[], float8[]) IS 'one Lloyd pass of k-means over float8[] rows: params [k, d, final, centres (k x d), center (d), scale (d)], the state a pgdl.kmeans_state (pgdl.kmeans runs it on Citus workers; the README)';

-- import_model with options: {"replace": true} lets a version change what
-- the plain name means (src/pg/models.sql)
CREATE FUNCTION pgdl.import_model(model text, data bytea, options jsonb) RETURNS integer
	AS 'MODULE_PATHNAME', 'pgdl_import_model' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION pgdl.import_model(text, bytea, jsonb) IS 'import_model with options: {"replace": true} saves a version whose features, task or labels differ from those of the version the plain name means; returns the version (VOLATILE: writes the registry)';

-- pgdl.models: deployed now means set with pgdl.deploy_model (it read true
-- on the highest version when none was deployed); serving is what the
-- plain name means (src/pg/models.sql)
CREATE OR REPLACE VIEW pgdl.models WITH (security_invoker = true) AS
SELECT v.name, v.version, v.task, n.owner, v.created_at,
	   COALESCE(v.version OPERATOR(pg_catalog.=) n.deployed_version, false) AS deployed,
	   v.description, v.layers, v.options, v.features, v.labels, v.parameters,
	   pg_catalog.octet_length(v.weights)::bigint AS size_bytes, v.metrics,
	   v.target, v.trained_by,
	   v.version OPERATOR(pg_catalog.=) COALESCE(n.deployed_version,
			(SELECT pg_catalog.max(v2.version) FROM pgdl.model_versions v2
			 WHERE v2.name OPERATOR(pg_catalog.=) v.name)) AS serving
FROM pgdl.model_versions v
JOIN pgdl.model_names n ON n.name OPERATOR(pg_catalog.=) v.name;
COMMENT ON VIEW pgdl.models IS 'one row per model version you may read: name, version, task, owner, deployed (set with pgdl.deploy_model), layers, options, features, labels, size, metrics and serving (the version the plain name means: the deployed one, else the highest); no weights: pgdl.export_model reads them';

-- predict, predict_label and predict_proba over text: what an untyped
-- parameter resolves to (src/pg/predict.sql)
CREATE FUNCTION pgdl.predict(model text, x text) RETURNS float8
	AS 'MODULE_PATHNAME', 'pgdl_predict_text' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict(text, text) IS 'predict with the feature vector as the text of a numeric array, ''{1.5,2}'': what a parameter without a type resolves to (STABLE: reads the registry)';
CREATE FUNCTION pgdl.predict_label(model text, x text) RETURNS text
	AS 'MODULE_PATHNAME', 'pgdl_predict_label_text' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict_label(text, text) IS 'predict_label with the feature vector as the text of a numeric array, ''{1.5,2}'': what a parameter without a type resolves to (STABLE: reads the registry)';
CREATE FUNCTION pgdl.predict_proba(model text, x text) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'pgdl_predict_proba_text' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict_proba(text, text) IS 'predict_proba with the feature vector as the text of a numeric array, ''{1.5,2}'': what a parameter without a type resolves to (STABLE: reads the registry)';

-- the representation before the output layer (src/pg/predict.sql), and its
-- twins for Citus workers (src/pg/citus_ship.sql)
CREATE FUNCTION pgdl.embed(model text, x anyarray) RETURNS real[]
	AS 'MODULE_PATHNAME', 'pgdl_embed' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.embed(text, anyarray) IS 'the representation the model computes before its output layer (the input of its last dense layer: a text model''s pooled embedding), for one feature vector (STABLE: reads the registry)';

CREATE FUNCTION pgdl.embed(model text, r record) RETURNS real[]
	AS 'MODULE_PATHNAME', 'pgdl_embed_record' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.embed(text, record) IS 'the representation the model computes before its output layer, for a row, its features taken by the column names used in training (STABLE: reads the registry)';

CREATE FUNCTION pgdl.embed_shipped(model bytea, x anyarray, model_ref text) RETURNS real[]
	AS 'MODULE_PATHNAME', 'pgdl_embed' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.embed_shipped(bytea, anyarray, text) IS 'pgdl.embed with the model''s bytes, as the coordinator sends it to Citus workers';

CREATE FUNCTION pgdl.embed_shipped(model bytea, r record, model_ref text) RETURNS real[]
	AS 'MODULE_PATHNAME', 'pgdl_embed_record' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.embed_shipped(bytea, record, text) IS 'pgdl.embed of a row with the model''s bytes, as the coordinator sends it to Citus workers';

-- the text overloads (the feature vector as '{1.5,2}': a parameter without a type)
CREATE FUNCTION pgdl.predict_shipped(model bytea, x text, model_ref text) RETURNS float8
	AS 'MODULE_PATHNAME', 'pgdl_predict_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict_shipped(bytea, text, text) IS 'pgdl.predict of a vector given as text with the model''s bytes, as the coordinator sends it to Citus workers';

CREATE FUNCTION pgdl.predict_label_shipped(model bytea, x text, model_ref text) RETURNS text
	AS 'MODULE_PATHNAME', 'pgdl_predict_label_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict_label_shipped(bytea, text, text) IS 'pgdl.predict_label of a vector given as text with the model''s bytes, as the coordinator sends it to Citus workers';

CREATE FUNCTION pgdl.predict_proba_shipped(model bytea, x text, model_ref text) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'pgdl_predict_proba_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict_proba_shipped(bytea, text, text) IS 'pgdl.predict_proba of a vector given as text with the model''s bytes, as the coordinator sends it to Citus workers';

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

-- pgdl.imputer(x text, 'most_frequent'): the most frequent value of a text
-- column (ties: the first in byte order), counted in a pgdl.confusion_state
-- (a value v as the pair (v, v)), so classification_metrics' combine,
-- validation and I/O serve it; at most 100,000 distinct values (54000).
CREATE FUNCTION pgdl.imputer_text_accum(pgdl.confusion_state, text, text) RETURNS pgdl.confusion_state
	AS 'MODULE_PATHNAME', 'pgdl_imputer_text_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.imputer_text_accum(pgdl.confusion_state, text, text) IS 'transition function of pgdl.imputer over a text column';
CREATE FUNCTION pgdl.imputer_text_final(pgdl.confusion_state) RETURNS text
	AS 'MODULE_PATHNAME', 'pgdl_imputer_text_final' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.imputer_text_final(pgdl.confusion_state) IS 'final function of pgdl.imputer over a text column: the most frequent value';
CREATE AGGREGATE pgdl.imputer(x text, strategy text) (
	SFUNC = pgdl.imputer_text_accum, STYPE = pgdl.confusion_state,
	COMBINEFUNC = pgdl.confusion_combine, FINALFUNC = pgdl.imputer_text_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.imputer(text, text) IS
	'the value to fill a text column''s NULLs with: strategy ''most_frequent'' (ties: the first in byte order); apply with coalesce(x, fill)';

-- tokenizers and vocabularies (src/pg/text.c; the README's "Text").

-- pgdl.vocabulary: a final vocabulary (tokens in id order with their counts
-- and document frequencies, the options that made it); pgdl.vocabulary_state:
-- the aggregate's counting state.  Both are the same byte format (src/core/vocab.c),
-- with the "pgdl:<hex>" text form of every pgdl state; input validates every byte.
CREATE TYPE pgdl.vocabulary;
CREATE FUNCTION pgdl.vocabulary_in(cstring) RETURNS pgdl.vocabulary
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.vocabulary_out(pgdl.vocabulary) RETURNS cstring
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.vocabulary_recv(internal) RETURNS pgdl.vocabulary
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.vocabulary_send(pgdl.vocabulary) RETURNS bytea
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE pgdl.vocabulary (
	INPUT = pgdl.vocabulary_in,
	OUTPUT = pgdl.vocabulary_out,
	RECEIVE = pgdl.vocabulary_recv,
	SEND = pgdl.vocabulary_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = int4,
	STORAGE = extended
);
COMMENT ON TYPE pgdl.vocabulary IS 'a vocabulary made by the aggregate pgdl.vocabulary: tokens with ids, counts and document frequencies, and the tokenizer options';
COMMENT ON FUNCTION pgdl.vocabulary_in(cstring) IS 'text input of pgdl.vocabulary (validated)';
COMMENT ON FUNCTION pgdl.vocabulary_out(pgdl.vocabulary) IS 'text output of pgdl.vocabulary';
COMMENT ON FUNCTION pgdl.vocabulary_recv(internal) IS 'binary input of pgdl.vocabulary (validated)';
COMMENT ON FUNCTION pgdl.vocabulary_send(pgdl.vocabulary) IS 'binary output of pgdl.vocabulary';

CREATE TYPE pgdl.vocabulary_state;
CREATE FUNCTION pgdl.vocabulary_state_in(cstring) RETURNS pgdl.vocabulary_state
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.vocabulary_state_out(pgdl.vocabulary_state) RETURNS cstring
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.vocabulary_state_recv(internal) RETURNS pgdl.vocabulary_state
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.vocabulary_state_send(pgdl.vocabulary_state) RETURNS bytea
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE pgdl.vocabulary_state (
	INPUT = pgdl.vocabulary_state_in,
	OUTPUT = pgdl.vocabulary_state_out,
	RECEIVE = pgdl.vocabulary_state_recv,
	SEND = pgdl.vocabulary_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = int4,
	STORAGE = extended
);
COMMENT ON TYPE pgdl.vocabulary_state IS 'the transition state of the aggregate pgdl.vocabulary (token counts before min_count and max_size)';
COMMENT ON FUNCTION pgdl.vocabulary_state_in(cstring) IS 'text input of pgdl.vocabulary_state (validated)';
COMMENT ON FUNCTION pgdl.vocabulary_state_out(pgdl.vocabulary_state) IS 'text output of pgdl.vocabulary_state';
COMMENT ON FUNCTION pgdl.vocabulary_state_recv(internal) IS 'binary input of pgdl.vocabulary_state (validated)';
COMMENT ON FUNCTION pgdl.vocabulary_state_send(pgdl.vocabulary_state) IS 'binary output of pgdl.vocabulary_state';

CREATE FUNCTION pgdl.vocabulary_accum(pgdl.vocabulary_state, text) RETURNS pgdl.vocabulary_state
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.vocabulary_accum(pgdl.vocabulary_state, text) IS 'transition of pgdl.vocabulary(text): counts the tokens of a document';
CREATE FUNCTION pgdl.vocabulary_accum(pgdl.vocabulary_state, text, jsonb) RETURNS pgdl.vocabulary_state
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.vocabulary_accum(pgdl.vocabulary_state, text, jsonb) IS 'transition of pgdl.vocabulary(text, jsonb): counts the tokens of a document';
CREATE FUNCTION pgdl.vocabulary_combine(pgdl.vocabulary_state, pgdl.vocabulary_state) RETURNS pgdl.vocabulary_state
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_combine' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.vocabulary_combine(pgdl.vocabulary_state, pgdl.vocabulary_state) IS 'combine of pgdl.vocabulary: adds two partial states';
CREATE FUNCTION pgdl.vocabulary_final(pgdl.vocabulary_state) RETURNS pgdl.vocabulary
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.vocabulary_final(pgdl.vocabulary_state) IS 'final function of pgdl.vocabulary: applies min_count and max_size and assigns ids';

CREATE AGGREGATE pgdl.vocabulary(doc text) (
	SFUNC = pgdl.vocabulary_accum, STYPE = pgdl.vocabulary_state,
	COMBINEFUNC = pgdl.vocabulary_combine, FINALFUNC = pgdl.vocabulary_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.vocabulary(text) IS
	'the vocabulary of a text column with the default tokenizer: ids 2.. by count, then token bytes (0 padding, 1 unknown)';
CREATE AGGREGATE pgdl.vocabulary(doc text, options jsonb) (
	SFUNC = pgdl.vocabulary_accum, STYPE = pgdl.vocabulary_state,
	COMBINEFUNC = pgdl.vocabulary_combine, FINALFUNC = pgdl.vocabulary_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.vocabulary(text, jsonb) IS
	'the vocabulary of a text column (options: tokenizer word | char, lowercase, ngrams, min_count, max_size, oov_buckets)';

-- IMMUTABLE: the tokens depend on the text and the options only.
CREATE FUNCTION pgdl.tokens(doc text, options jsonb DEFAULT '{}') RETURNS text[]
	AS 'MODULE_PATHNAME', 'pgdl_tokens' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.tokens(text, jsonb) IS
	'the tokens of a document, as pgdl.vocabulary and pgdl.tokenize see them (options: tokenizer, lowercase, ngrams)';

CREATE FUNCTION pgdl.tokenize(v pgdl.vocabulary, doc text, max_length int DEFAULT NULL) RETURNS int4[]
	AS 'MODULE_PATHNAME', 'pgdl_tokenize' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.tokenize(pgdl.vocabulary, text, int) IS
	'the ids of a document''s tokens in a vocabulary (1 unknown); with max_length, the first max_length, padded with 0';

CREATE TYPE pgdl.vocabulary_token AS (id int, token text, count bigint, documents bigint);
COMMENT ON TYPE pgdl.vocabulary_token IS 'one token of a vocabulary: pgdl.vocabulary_tokens';
CREATE FUNCTION pgdl.vocabulary_tokens(v pgdl.vocabulary) RETURNS SETOF pgdl.vocabulary_token
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_tokens' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.vocabulary_tokens(pgdl.vocabulary) IS
	'the tokens of a vocabulary in id order, with their counts and document frequencies';
CREATE FUNCTION pgdl.vocabulary_size(v pgdl.vocabulary) RETURNS int
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_size' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.vocabulary_size(pgdl.vocabulary) IS
	'the number of ids pgdl.tokenize can return: 2 + tokens + oov_buckets (an embedding''s input_dim)';
CREATE FUNCTION pgdl.vocabulary_info(v pgdl.vocabulary) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_info' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.vocabulary_info(pgdl.vocabulary) IS
	'a vocabulary''s tokens, documents, error bound (counts may fall short by at most this), ids and options, as jsonb';

-- as the install script's last step (src/pg/grants.sql) does for the new ones
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pgdl TO PUBLIC;

-- reproducible train/test splits (src/pg/split.sql)
CREATE TYPE pgdl.split_row AS (key text, part int);
COMMENT ON TYPE pgdl.split_row IS 'one row of pgdl.split: the row''s key and its part (0-based)';
CREATE FUNCTION pgdl.split(source text, fractions float8[], seed int DEFAULT 42, key text DEFAULT NULL)
	RETURNS SETOF pgdl.split_row
	AS 'MODULE_PATHNAME', 'pgdl_split' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.split(text, float8[], int, text) IS 'assigns every row of source to a part by a seeded hash of its key (or, without a key, of its row number), each part receiving its fraction of the rows (STABLE: the source runs read-only)';
GRANT EXECUTE ON FUNCTION pgdl.split(text, float8[], int, text) TO PUBLIC;
