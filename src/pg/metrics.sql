-- src/pg/metrics.sql: model metrics aggregates for BI tools (see the README).

-- pgdl.confusion_state: the state of classification_metrics, row counts per
-- (actual, predicted) label pair (see src/pg/metrics.c).  Text form
-- "pgdl:<hex>", exact round trip; its input functions validate every byte.
CREATE TYPE pgdl.confusion_state;
CREATE FUNCTION pgdl.confusion_state_in(cstring) RETURNS pgdl.confusion_state
	AS 'MODULE_PATHNAME', 'pgdl_confusion_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.confusion_state_out(pgdl.confusion_state) RETURNS cstring
	AS 'MODULE_PATHNAME', 'pgdl_confusion_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.confusion_state_recv(internal) RETURNS pgdl.confusion_state
	AS 'MODULE_PATHNAME', 'pgdl_confusion_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.confusion_state_send(pgdl.confusion_state) RETURNS bytea
	AS 'MODULE_PATHNAME', 'pgdl_confusion_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE pgdl.confusion_state (
	INPUT = pgdl.confusion_state_in, OUTPUT = pgdl.confusion_state_out,
	RECEIVE = pgdl.confusion_state_recv, SEND = pgdl.confusion_state_send,
	INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON FUNCTION pgdl.confusion_state_in(cstring) IS 'text input of pgdl.confusion_state (validated)';
COMMENT ON FUNCTION pgdl.confusion_state_out(pgdl.confusion_state) IS 'text output of pgdl.confusion_state';
COMMENT ON FUNCTION pgdl.confusion_state_recv(internal) IS 'binary input of pgdl.confusion_state (validated)';
COMMENT ON FUNCTION pgdl.confusion_state_send(pgdl.confusion_state) IS 'binary output of pgdl.confusion_state';
COMMENT ON TYPE pgdl.confusion_state IS
	'transition state of pgdl.classification_metrics: row counts per (actual, predicted) label pair, at most 100,000 pairs; text form "pgdl:<hex>" round-trips exactly';

CREATE TYPE pgdl.classification_metrics_row AS (
	n bigint, accuracy float8, precision_macro float8, recall_macro float8, f1_macro float8,
	classes int
);
COMMENT ON TYPE pgdl.classification_metrics_row IS
	'result of pgdl.classification_metrics: rows, accuracy, macro-averaged precision, recall and F1, number of classes';

CREATE TYPE pgdl.regression_metrics_row AS (
	n bigint, mse float8, rmse float8, mae float8, r2 float8
);
COMMENT ON TYPE pgdl.regression_metrics_row IS
	'result of pgdl.regression_metrics: rows, mean squared error, its root, mean absolute error, R²';

-- Transition functions see NULL inputs (they skip those rows): CALLED ON NULL INPUT.
-- Final functions are called with a NULL state for zero rows.
CREATE FUNCTION pgdl.classification_accum(pgdl.confusion_state, text, text) RETURNS pgdl.confusion_state
	AS 'MODULE_PATHNAME', 'pgdl_classification_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION pgdl.confusion_combine(pgdl.confusion_state, pgdl.confusion_state) RETURNS pgdl.confusion_state
	AS 'MODULE_PATHNAME', 'pgdl_confusion_combine' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION pgdl.classification_final(pgdl.confusion_state) RETURNS pgdl.classification_metrics_row
	AS 'MODULE_PATHNAME', 'pgdl_classification_final' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.classification_accum(pgdl.confusion_state, text, text) IS
	'transition function of pgdl.classification_metrics';
COMMENT ON FUNCTION pgdl.confusion_combine(pgdl.confusion_state, pgdl.confusion_state) IS
	'combine function of pgdl.classification_metrics (validates the partial state it receives)';
COMMENT ON FUNCTION pgdl.classification_final(pgdl.confusion_state) IS
	'final function of pgdl.classification_metrics';

CREATE AGGREGATE pgdl.classification_metrics(actual text, predicted text) (
	SFUNC = pgdl.classification_accum, STYPE = pgdl.confusion_state,
	COMBINEFUNC = pgdl.confusion_combine, FINALFUNC = pgdl.classification_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.classification_metrics(text, text) IS
	'accuracy and macro precision/recall/F1 over the classes seen as actual or predicted (scikit-learn, zero_division=0); rows with a NULL skipped';

CREATE FUNCTION pgdl.regression_accum(pgdl.aggstate, float8, float8) RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_regression_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION pgdl.regression_final(pgdl.aggstate) RETURNS pgdl.regression_metrics_row
	AS 'MODULE_PATHNAME', 'pgdl_regression_final' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.regression_accum(pgdl.aggstate, float8, float8) IS
	'transition function of pgdl.regression_metrics';
COMMENT ON FUNCTION pgdl.regression_final(pgdl.aggstate) IS
	'final function of pgdl.regression_metrics';

CREATE AGGREGATE pgdl.regression_metrics(actual float8, predicted float8) (
	SFUNC = pgdl.regression_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, FINALFUNC = pgdl.regression_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.regression_metrics(float8, float8) IS
	'mse, rmse, mae and R² = 1 - SSE/SST, numerically stable; R² NULL when n < 2 or SST = 0; NaN/Infinity as float8 arithmetic';

CREATE FUNCTION pgdl.roc_auc_accum(pgdl.aggstate, bool, float8) RETURNS pgdl.aggstate
	AS 'MODULE_PATHNAME', 'pgdl_roc_auc_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION pgdl.roc_auc_final(pgdl.aggstate) RETURNS float8
	AS 'MODULE_PATHNAME', 'pgdl_roc_auc_final' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.roc_auc_accum(pgdl.aggstate, bool, float8) IS 'transition function of pgdl.roc_auc';
COMMENT ON FUNCTION pgdl.roc_auc_final(pgdl.aggstate) IS 'final function of pgdl.roc_auc';

CREATE AGGREGATE pgdl.roc_auc(actual bool, score float8) (
	SFUNC = pgdl.roc_auc_accum, STYPE = pgdl.aggstate,
	COMBINEFUNC = pgdl.aggstate_combine, FINALFUNC = pgdl.roc_auc_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.roc_auc(bool, float8) IS
	'area under the ROC curve, P(score of a positive > of a negative) + P(tie)/2: exact up to 10,000 rows per class, within a stated bound beyond; NULL without both classes';

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
