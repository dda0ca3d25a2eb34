-- test/pgtap/stored_models.sql: models saved by pgdl 0.1.0 (every layer
-- family, an imputer, a scaler, categories, k-means, PCA) import and predict
-- bit for bit what they predicted when they were saved
-- (test/data/models_0.1.0.sql).  Rolled back at the end.
BEGIN;
SET client_min_messages = warning;
SET extra_float_digits = 3;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
\ir ../data/models_0.1.0.sql
SELECT plan((SELECT count(*)::int FROM stored_models) + (SELECT count(*)::int FROM stored_outputs));

SELECT is(pgdl.import_model('stored_' || name, blob), 1, 'the 0.1.0 blob of ' || name || ' imports')
FROM stored_models ORDER BY name;

-- Bit for bit on the platform that saved them (Debian 12: PostgreSQL 15,
-- OpenBLAS 0.3.21, glibc 2.36).  Elsewhere (make test-versions: Debian 13
-- and testing) another OpenBLAS kernel and a correctly rounded tanhf move
-- float32 outputs by a few units in the last place: there within a
-- relative 1e-5.
CREATE FUNCTION pg_temp.close(have text, want text) RETURNS bool LANGUAGE sql IMMUTABLE AS $$
	SELECT have = want OR (current_setting('server_version_num')::int >= 160000 AND
		(SELECT bool_and(abs(h - w) <= 1e-5 * greatest(abs(h), abs(w)))
		 FROM unnest(('{' || trim(both '{}' from have) || '}')::float8[],
					 ('{' || trim(both '{}' from want) || '}')::float8[]) u(h, w)))
$$;
SELECT ok(pg_temp.close(CASE fn WHEN 'proba' THEN pgdl.predict_proba('stored_' || name, x::float8[])::text
                  WHEN 'predict' THEN pgdl.predict('stored_' || name, x::float8[])::text
                  ELSE pgdl.transform_model('stored_' || name, x::float8[])::text END, expected),
          name || ' row ' || id || ': ' || fn || ' as in 0.1.0 (bit for bit on the platform that saved it)')
FROM stored_outputs ORDER BY name, id;

SELECT * FROM finish();
ROLLBACK;
