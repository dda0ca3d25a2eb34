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
