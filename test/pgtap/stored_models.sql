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

SELECT is(CASE fn WHEN 'proba' THEN pgdl.predict_proba('stored_' || name, x::float8[])::text
                  WHEN 'predict' THEN pgdl.predict('stored_' || name, x::float8[])::text
                  ELSE pgdl.transform_model('stored_' || name, x::float8[])::text END,
          expected, name || ' row ' || id || ': ' || fn || ' as in 0.1.0, bit for bit')
FROM stored_outputs ORDER BY name, id;

SELECT * FROM finish();
ROLLBACK;
