-- src/pg/evaluate.sql: evaluation (see the README).
-- STABLE: they read the registry and run the source read-only; RESTRICTED:
-- they run SPI queries, which parallel workers may not start.

CREATE TYPE pgdl.metric_row AS (metric text, value float8);
COMMENT ON TYPE pgdl.metric_row IS 'one metric of pgdl.evaluate';
CREATE FUNCTION pgdl.evaluate(model text, source text, target text DEFAULT NULL, options jsonb DEFAULT '{}')
	RETURNS SETOF pgdl.metric_row
	AS 'MODULE_PATHNAME', 'pgdl_evaluate' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.evaluate(text, text, text, jsonb) IS 'scores source with the model and compares with target: accuracy, precision, recall, f1 (+ macro), log_loss, roc_auc, or mse, rmse, mae, r2 (STABLE: reads the registry; the source runs read-only)';

CREATE TYPE pgdl.confusion_row AS (actual text, predicted text, n bigint);
COMMENT ON TYPE pgdl.confusion_row IS 'one cell of a confusion matrix';
CREATE FUNCTION pgdl.confusion_matrix(model text, source text, target text DEFAULT NULL)
	RETURNS SETOF pgdl.confusion_row
	AS 'MODULE_PATHNAME', 'pgdl_confusion_matrix' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.confusion_matrix(text, text, text) IS 'counts of (actual, predicted) label pairs, every pair including zeros (STABLE: reads the registry; the source runs read-only)';

CREATE TYPE pgdl.roc_row AS (threshold float8, fpr float8, tpr float8, precision float8, recall float8);
COMMENT ON TYPE pgdl.roc_row IS 'one point of a ROC / precision-recall curve';
CREATE FUNCTION pgdl.roc_curve(model text, source text, target text DEFAULT NULL, options jsonb DEFAULT '{}')
	RETURNS SETOF pgdl.roc_row
	AS 'MODULE_PATHNAME', 'pgdl_roc_curve' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.roc_curve(text, text, text, jsonb) IS 'ROC and precision-recall points, one per distinct score of the positive class (STABLE: reads the registry; the source runs read-only)';
