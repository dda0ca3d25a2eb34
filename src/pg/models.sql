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

-- deployed: set with pgdl.deploy_model; serving: what the plain name means
-- (the deployed version, else the highest)
CREATE VIEW pgdl.models WITH (security_invoker = true) AS
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

CREATE VIEW pgdl.model_metrics WITH (security_invoker = true) AS
SELECT v.name, v.version, m.key AS metric, (m.value OPERATOR(pg_catalog.#>>) '{}')::float8 AS value
FROM pgdl.model_versions v, pg_catalog.jsonb_each(v.metrics) m
WHERE pg_catalog.jsonb_typeof(m.value) OPERATOR(pg_catalog.=) 'number';
COMMENT ON VIEW pgdl.model_metrics IS 'the final metrics of each model version you may read, one row per metric';

CREATE VIEW pgdl.training_history WITH (security_invoker = true) AS
SELECT e.name, e.version, e.epoch, e.train_loss, e.validation_loss, e.metric, e.validation_metric,
       e.seconds, v.metrics OPERATOR(pg_catalog.->>) 'data' AS data
FROM pgdl.model_epochs e
LEFT JOIN pgdl.model_versions v
  ON v.name OPERATOR(pg_catalog.=) e.name AND v.version OPERATOR(pg_catalog.=) e.version;
COMMENT ON VIEW pgdl.training_history IS 'one row per training epoch of each model version you may read, with how its rows were read (data: memory, stream or parallel n)';

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
CREATE FUNCTION pgdl.import_model(model text, data bytea, options jsonb) RETURNS integer
	AS 'MODULE_PATHNAME', 'pgdl_import_model' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION pgdl.import_model(text, bytea, jsonb) IS 'import_model with options: {"replace": true} saves a version whose features, task or labels differ from those of the version the plain name means; returns the version (VOLATILE: writes the registry)';

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
