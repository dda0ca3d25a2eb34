-- src/pg/citus_ship.sql: the per-row scoring functions' twins that take the
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
