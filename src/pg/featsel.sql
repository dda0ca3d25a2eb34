-- src/pg/featsel.sql: feature scores and selection (see the README).

CREATE TYPE pgdl.feature_score_row AS (feature text, score float8, p_value float8, rank int);
COMMENT ON TYPE pgdl.feature_score_row IS 'one row of pgdl.feature_scores';

CREATE TYPE pgdl.selected_feature_row AS (feature text, score float8, p_value float8, rank int, selected bool);
COMMENT ON TYPE pgdl.selected_feature_row IS 'one row of pgdl.select_features';

-- STABLE: the result depends on the source's contents; the source runs
-- read-only, so both work in READ ONLY transactions and on a standby.
CREATE FUNCTION pgdl.feature_scores(source text, target text, method text DEFAULT 'auto',
		features text[] DEFAULT NULL)
	RETURNS SETOF pgdl.feature_score_row
	AS 'MODULE_PATHNAME', 'pgdl_feature_scores' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.feature_scores(text, text, text, text[]) IS
	'score of every feature against the target (pearson, f_classif, f_regression, chi2, mutual_info, variance; auto by the target''s type), its p-value and rank';

CREATE FUNCTION pgdl.select_features(source text, target text, k int, method text DEFAULT 'auto',
		features text[] DEFAULT NULL)
	RETURNS SETOF pgdl.selected_feature_row
	AS 'MODULE_PATHNAME', 'pgdl_select_features' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.select_features(text, text, int, text, text[]) IS
	'the k best features by a feature_scores method or by recursive feature elimination (rfe) with a ridge or logistic model';
