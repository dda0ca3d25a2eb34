-- src/pg/cluster.sql: k-means and the silhouette score (see the README).

CREATE TYPE pgdl.kmeans_row AS (cluster integer, centroid float8[], size bigint, sse float8);
COMMENT ON TYPE pgdl.kmeans_row IS 'one cluster of pgdl.kmeans: its 0-based id, centroid (in the features'' units), row count and sum of squared distances';

CREATE FUNCTION pgdl.kmeans(source text, k integer, features text[] DEFAULT NULL, options jsonb DEFAULT '{}')
	RETURNS SETOF pgdl.kmeans_row
	AS 'MODULE_PATHNAME', 'pgdl_kmeans' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED ROWS 10;
COMMENT ON FUNCTION pgdl.kmeans(text, integer, text[], jsonb) IS 'k-means (k-means++ or random init, Lloyd iterations) over the rows of source; options init, max_iter, tol, n_init, seed, standardize, impute (STABLE: the source runs read-only and nothing is written)';

CREATE FUNCTION pgdl.train_kmeans(model text, source text, k integer, features text[] DEFAULT NULL,
								  options jsonb DEFAULT '{}')
	RETURNS SETOF pgdl.kmeans_row
	AS 'MODULE_PATHNAME', 'pgdl_train_kmeans' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE ROWS 10;
COMMENT ON FUNCTION pgdl.train_kmeans(text, text, integer, text[], jsonb) IS 'pgdl.kmeans, saved as the next version of model: pgdl.predict(model, x) then returns the nearest cluster id (VOLATILE: writes the registry)';

CREATE FUNCTION pgdl.silhouette(model text, source text, features text[] DEFAULT NULL)
	RETURNS float8
	AS 'MODULE_PATHNAME', 'pgdl_silhouette' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.silhouette(text, text, text[]) IS 'mean silhouette coefficient of the rows of source clustered by a k-means model: exact up to 10,000 rows, else on a seeded uniform sample of 10,000 (STABLE: reads the registry; the source runs read-only)';
