-- src/pg/pca.sql: principal component analysis (see the README).

CREATE TYPE pgdl.pca_row AS (
	component int, explained_variance float8, explained_variance_ratio float8, loadings float8[]
);
COMMENT ON TYPE pgdl.pca_row IS 'one component of pgdl.pca / pgdl.train_pca';

-- STABLE: the result depends on the source's contents; the source runs read-only.
-- PARALLEL RESTRICTED: it runs SQL through SPI.
CREATE FUNCTION pgdl.pca(source text, n_components int, features text[] DEFAULT NULL,
						 options jsonb DEFAULT '{}')
	RETURNS SETOF pgdl.pca_row
	AS 'MODULE_PATHNAME', 'pgdl_pca' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.pca(text, int, text[], jsonb) IS
	'principal components of the features of a source (options: matrix covariance | correlation), by explained variance, largest |loading| positive';

-- VOLATILE and PARALLEL UNSAFE: it writes a model version into the registry.
CREATE FUNCTION pgdl.train_pca(model text, source text, n_components int, features text[] DEFAULT NULL,
							   options jsonb DEFAULT '{}')
	RETURNS SETOF pgdl.pca_row
	AS 'MODULE_PATHNAME', 'pgdl_train_pca' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION pgdl.train_pca(text, text, int, text[], jsonb) IS
	'pgdl.pca, saved as a new version of a projection model: pgdl.transform_model(model, x) projects a row';
