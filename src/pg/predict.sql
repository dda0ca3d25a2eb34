-- src/pg/predict.sql: scoring (see the README).
-- STABLE: they read the registry; the model is resolved once per statement.

CREATE FUNCTION pgdl.predict(model text, x anyarray) RETURNS float8
	AS 'MODULE_PATHNAME', 'pgdl_predict' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict(text, anyarray) IS 'the model''s prediction for one feature vector: the value (regression), the numeric label, or 0/1 for bool labels (STABLE: reads the registry)';

CREATE FUNCTION pgdl.predict(model text, r record) RETURNS float8
	AS 'MODULE_PATHNAME', 'pgdl_predict_record' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict(text, record) IS 'the model''s prediction for a row, its features taken by the column names used in training (STABLE: reads the registry)';

CREATE FUNCTION pgdl.predict_label(model text, x anyarray) RETURNS text
	AS 'MODULE_PATHNAME', 'pgdl_predict_label' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict_label(text, anyarray) IS 'the predicted label as text (STABLE: reads the registry)';

CREATE FUNCTION pgdl.predict_label(model text, r record) RETURNS text
	AS 'MODULE_PATHNAME', 'pgdl_predict_label_record' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict_label(text, record) IS 'the predicted label of a row, its features taken by column name (STABLE: reads the registry)';

CREATE FUNCTION pgdl.predict_proba(model text, x anyarray) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'pgdl_predict_proba' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict_proba(text, anyarray) IS 'class probabilities: element i is the probability of labels[i] (STABLE: reads the registry)';

-- a parameter or literal without a type (drivers' prepared statements)
-- resolves to these: the feature vector as the text of a numeric array
CREATE FUNCTION pgdl.predict(model text, x text) RETURNS float8
	AS 'MODULE_PATHNAME', 'pgdl_predict_text' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict(text, text) IS 'predict with the feature vector as the text of a numeric array, ''{1.5,2}'': what a parameter without a type resolves to (STABLE: reads the registry)';
CREATE FUNCTION pgdl.predict_label(model text, x text) RETURNS text
	AS 'MODULE_PATHNAME', 'pgdl_predict_label_text' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict_label(text, text) IS 'predict_label with the feature vector as the text of a numeric array, ''{1.5,2}'': what a parameter without a type resolves to (STABLE: reads the registry)';
CREATE FUNCTION pgdl.predict_proba(model text, x text) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'pgdl_predict_proba_text' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.predict_proba(text, text) IS 'predict_proba with the feature vector as the text of a numeric array, ''{1.5,2}'': what a parameter without a type resolves to (STABLE: reads the registry)';

CREATE TYPE pgdl.class_probability_row AS (label text, probability float8);
COMMENT ON TYPE pgdl.class_probability_row IS 'one class and its probability';
CREATE FUNCTION pgdl.class_probabilities(model text, x anyarray) RETURNS SETOF pgdl.class_probability_row
	AS 'MODULE_PATHNAME', 'pgdl_class_probabilities' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION pgdl.class_probabilities(text, anyarray) IS 'class probabilities in long format, one row per label (STABLE: reads the registry)';

CREATE TYPE pgdl.prediction_row AS (id text, prediction float8, label text, probabilities float8[]);
COMMENT ON TYPE pgdl.prediction_row IS 'one scored row of pgdl.predict_batch';
CREATE FUNCTION pgdl.predict_batch(model text, source text, id_column text) RETURNS SETOF pgdl.prediction_row
	AS 'MODULE_PATHNAME', 'pgdl_predict_batch' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.predict_batch(text, text, text) IS 'scores every row of source in blocks with matrix-matrix products (STABLE: reads the registry; the source runs read-only)';

CREATE FUNCTION pgdl.transform_model(model text, x anyarray) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'pgdl_transform_model' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.transform_model(text, anyarray) IS 'every output of the model for one feature vector: the projection of a PCA model, the network outputs of others (STABLE: reads the registry)';

CREATE FUNCTION pgdl.model_inputs(model text, x anyarray) RETURNS real[]
	AS 'MODULE_PATHNAME', 'pgdl_model_inputs' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.model_inputs(text, anyarray) IS 'what the network sees for one feature vector: the model''s imputer and scaler applied in double precision, then float32 (STABLE: reads the registry)';

CREATE TYPE pgdl.source_inputs_row AS (row_number bigint, inputs real[]);
COMMENT ON TYPE pgdl.source_inputs_row IS 'one row of pgdl.source_inputs: its number in the source and what the network sees';
CREATE FUNCTION pgdl.source_inputs(model text, source text) RETURNS SETOF pgdl.source_inputs_row
	AS 'MODULE_PATHNAME', 'pgdl_source_inputs' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.source_inputs(text, text) IS 'what the network sees for every row of source, read as training reads its rows; equal to model_inputs row by row (STABLE: reads the registry; the source runs read-only)';

CREATE FUNCTION pgdl.embed(model text, x anyarray) RETURNS real[]
	AS 'MODULE_PATHNAME', 'pgdl_embed' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.embed(text, anyarray) IS 'the representation the model computes before its output layer (the input of its last dense layer: a text model''s pooled embedding), for one feature vector (STABLE: reads the registry)';

CREATE FUNCTION pgdl.embed(model text, r record) RETURNS real[]
	AS 'MODULE_PATHNAME', 'pgdl_embed_record' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.embed(text, record) IS 'the representation the model computes before its output layer, for a row, its features taken by the column names used in training (STABLE: reads the registry)';
