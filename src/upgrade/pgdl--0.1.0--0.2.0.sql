-- src/upgrade/pgdl--0.1.0--0.2.0.sql: ALTER EXTENSION pgdl UPDATE from 0.1.0
-- to 0.2.0.
--
-- 0.2.0 builds against PostgreSQL 15 to 18 and ships as a Debian package and
-- on PGXN.  Its SQL objects are those of 0.1.0 and: pgdl.model_inputs and
-- pgdl.source_inputs (what the network sees, in prediction and as training
-- reads its rows), the registry trigger without a search_path lookup of
-- "=", and how a training read its rows (memory or stream) in the result of
-- train_model and in pgdl.training_history.  A change to a src/pg/*.sql fragment goes here too (or into the next
-- release's step): the upgrade test (scripts/run_tests.sh, section upgrade)
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

-- how a training read its rows (the option "data"): in the result of
-- train_model and in the history, from the version's metrics (NULL for
-- trainings of 0.1.0)
ALTER TYPE pgdl.train_result ADD ATTRIBUTE data text;
COMMENT ON TYPE pgdl.train_result IS 'what pgdl.train_model returns: the new version, its final losses and how the rows were read (data: memory or stream)';
CREATE OR REPLACE VIEW pgdl.training_history WITH (security_invoker = true) AS
SELECT e.name, e.version, e.epoch, e.train_loss, e.validation_loss, e.metric, e.validation_metric,
       e.seconds, v.metrics OPERATOR(pg_catalog.->>) 'data' AS data
FROM pgdl.model_epochs e
LEFT JOIN pgdl.model_versions v
  ON v.name OPERATOR(pg_catalog.=) e.name AND v.version OPERATOR(pg_catalog.=) e.version;
COMMENT ON VIEW pgdl.training_history IS 'one row per training epoch of each model version you may read, with how its rows were read (data: memory or stream)';
