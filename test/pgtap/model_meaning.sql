-- test/pgtap/model_meaning.sql: a new version (train_model, import_model,
-- train_kmeans, train_pca)
-- may not silently change what a model's plain name means: other features
-- (names, count, form), another task or other labels than the version the
-- plain name resolves to are 55000 naming the difference, unless the option
-- "replace" is true; a deployed version keeps serving until redeployed.
-- And pgdl.models says which version is deployed and which serves.
-- Everything is rolled back at the end.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(42);

\ir lib/errors.sql
-- the hint of a refusal
CREATE FUNCTION pg_temp.hint(name text) RETURNS text LANGUAGE sql AS $$
    SELECT format('Save it under another name, or set the option "replace" to true to change what "%s" means (a deployed version keeps serving until another is deployed).', name)
$$;
-- one quick training of name on source (target y or cls) with features and options
CREATE FUNCTION pg_temp.train(name text, source text, target text, features text[], options jsonb DEFAULT '{}')
RETURNS int LANGUAGE sql AS $$
    SELECT version FROM pgdl.train_model(name, source, target, '[{"type":"dense","units":2}]', features,
                                         '{"epochs":1,"seed":1}'::jsonb || options)
$$;

CREATE TEMP TABLE mm AS
SELECT i AS id, (i % 7) * 0.3 AS a, (i % 5) * 0.2 AS b, ARRAY[i % 3, i % 2] AS arr,
       (ARRAY['neg', 'pos', 'mid'])[i % 3 + 1] AS cls, (i % 7) * 0.3 + (i % 5) * 0.2 AS y
FROM generate_series(1, 60) i;

-- regression on (a, b)
SELECT is(pg_temp.train('mm_reg', 'mm', 'y', ARRAY['a', 'b']), 1, 'version 1 of a new name');
SELECT is(pg_temp.train('mm_reg', 'mm', 'y', ARRAY['a', 'b'], '{"seed":2}'), 2,
          'a version with the same features and task is saved');
SELECT is(pg_temp.err($$SELECT pg_temp.train('mm_reg', 'mm', 'y', ARRAY['a'])$$),
          '55000: a new version of model "mm_reg" would change its features | Version 2 reads 2 features (a, b), the new one 1 (a). Every query that scores with the plain name "mm_reg" would read the new version. | ' || pg_temp.hint('mm_reg'),
          'fewer features: 55000 naming the counts and the columns');
SELECT is(pg_temp.err($$SELECT pg_temp.train('mm_reg', 'mm', 'y', ARRAY['b', 'a'])$$),
          '55000: a new version of model "mm_reg" would change its features | Feature 1 is "a" in version 2, "b" in the new one. Every query that scores with the plain name "mm_reg" would read the new version. | ' || pg_temp.hint('mm_reg'),
          'the same columns in another order: 55000 naming the first that differs');
SELECT is(pg_temp.err($$SELECT pg_temp.train('mm_reg', 'SELECT id, arr AS a, b, y FROM mm', 'y', ARRAY['a', 'b'])$$),
          '55000: a new version of model "mm_reg" would change its features | Feature "a" is a number in version 2, an array of 2 values in the new one. Every query that scores with the plain name "mm_reg" would read the new version. | ' || pg_temp.hint('mm_reg'),
          'a feature of another form (a number, now an array): 55000 naming it');
SELECT is(pg_temp.err($$SELECT pg_temp.train('mm_reg', 'mm', 'cls', ARRAY['a', 'b'])$$),
          '55000: a new version of model "mm_reg" would change its task | Version 2 is a regression model, the new one classification. Every query that scores with the plain name "mm_reg" would read the new version. | ' || pg_temp.hint('mm_reg'),
          'another task: 55000 naming both');
SELECT is(pg_temp.err($$SELECT pg_temp.train('mm_reg', 'mm', 'cls', ARRAY['a'])$$),
          '55000: a new version of model "mm_reg" would change its task and features | Version 2 is a regression model, the new one classification. Version 2 reads 2 features (a, b), the new one 1 (a). Every query that scores with the plain name "mm_reg" would read the new version. | ' || pg_temp.hint('mm_reg'),
          'two differences: both named');
SELECT throws_ok($$SELECT pg_temp.train('mm_reg', 'mm', 'y', ARRAY['a'])$$, '55000', NULL,
                 'the refusal is 55000 (throws_ok)');
SELECT is((SELECT max(version) FROM pgdl.models WHERE name = 'mm_reg'), 2, 'nothing was saved by the refused trainings');

-- classification: the labels
SELECT is(pg_temp.train('mm_cls', 'mm', 'cls', ARRAY['a', 'b']), 1, 'a classifier over neg, mid, pos');
SELECT is(pg_temp.err($$SELECT pg_temp.train('mm_cls', 'SELECT * FROM mm WHERE cls <> ''mid''', 'cls', ARRAY['a', 'b'])$$),
          '55000: a new version of model "mm_cls" would change its labels | Version 1 has the labels mid, neg, pos; the new one neg, pos. Every query that scores with the plain name "mm_cls" would read the new version. | ' || pg_temp.hint('mm_cls'),
          'other labels: 55000 listing both sets');

-- pgdl.models: deployed is what deploy_model set, serving what the plain name means
SELECT is((SELECT array_agg(version ORDER BY version) FROM pgdl.models WHERE name = 'mm_reg' AND deployed), NULL,
          'pgdl.models: no version is deployed before deploy_model');
SELECT is((SELECT array_agg(version ORDER BY version) FROM pgdl.models WHERE name = 'mm_reg' AND serving), ARRAY[2],
          'pgdl.models: the highest version serves the plain name');

-- replace: true saves it; the plain name then means the new version
SELECT is(pg_temp.train('mm_cls', 'SELECT * FROM mm WHERE cls <> ''mid''', 'cls', ARRAY['a', 'b'], '{"replace":true}'), 2,
          'with "replace": true the version with other labels is saved');
SELECT is((SELECT labels FROM pgdl.models WHERE name = 'mm_cls' AND version = 2), ARRAY['neg', 'pos'],
          'and the plain name means it');
SELECT is(pg_temp.err($$SELECT pg_temp.train('mm_cls', 'mm', 'y', ARRAY['a', 'b'], '{"replace":"yes"}')$$),
          '22023: option "replace" must be true or false, got "yes" |  | ', 'replace must be a boolean (22023)');

-- the comparison is with the version the plain name means: the deployed one
SELECT is(pgdl.deploy_model('mm_reg', 1), 1, 'mm_reg version 1 deployed');
SELECT is((SELECT array_agg(ROW(version, deployed, serving)::text ORDER BY version) FROM pgdl.models WHERE name = 'mm_reg'),
          ARRAY['(1,t,t)', '(2,f,f)'], 'pgdl.models: the deployed version 1 is deployed and serving');
SELECT is(pg_temp.train('mm_reg', 'mm', 'y', ARRAY['a', 'arr'], '{"replace":true}'), 3,
          'a replacing version 3 with other features');
SELECT is(pgdl.predict('mm_reg', ARRAY[0.3, 0.2]), pgdl.predict('mm_reg@1', ARRAY[0.3, 0.2]),
          'the deployed version 1 keeps serving the plain name');
SELECT is(pg_temp.train('mm_reg', 'mm', 'y', ARRAY['a', 'b'], '{"seed":3}'), 4,
          'a version like the deployed one (not like the highest) is saved');
SELECT is(pg_temp.err($$SELECT pg_temp.train('mm_reg', 'mm', 'y', ARRAY['a', 'arr'])$$),
          '55000: a new version of model "mm_reg" would change its features | Feature 2 is "b" in version 1, "arr" in the new one. Every query that scores with the plain name "mm_reg" would read the new version. | ' || pg_temp.hint('mm_reg'),
          'one like the highest but not like the deployed one is refused');
SELECT is(pgdl.deploy_model('mm_reg', NULL), 4, 'deploy_model(name, NULL): back to the highest');
SELECT is((SELECT array_agg(ROW(version, deployed, serving)::text ORDER BY version) FROM pgdl.models WHERE name = 'mm_reg'),
          ARRAY['(1,f,f)', '(2,f,f)', '(3,f,f)', '(4,f,t)'], 'pgdl.models: nothing deployed, the highest serving');

-- import_model: the same rule, options as its third argument
SELECT is(pg_temp.err($$SELECT pgdl.import_model('mm_cls', pgdl.export_model('mm_reg@3'))$$),
          '55000: a new version of model "mm_cls" would change its task and features | Version 2 is a classification model, the new one regression. Feature 2 is "b" in version 2, "arr" in the new one. Every query that scores with the plain name "mm_cls" would read the new version. | ' || pg_temp.hint('mm_cls'),
          'import_model of another model under the name: 55000');
SELECT is(pgdl.import_model('mm_cls', pgdl.export_model('mm_cls@2')), 3, 'import_model of a like version is saved');
SELECT is(pgdl.import_model('mm_cls', pgdl.export_model('mm_reg@3'), '{"replace": true}'), 4,
          'import_model(model, data, ''{"replace": true}'') saves the other model');
SELECT is(pg_temp.err($$SELECT pgdl.import_model('mm_new', pgdl.export_model('mm_reg@3'), '{"replace": 1}')$$),
          '22023: option "replace" must be true or false, got 1 |  | ', 'import_model''s options are checked (22023)');
SELECT is(pgdl.import_model('mm_new', pgdl.export_model('mm_reg@3'), NULL), 1, 'NULL options are {}');

-- the default features leave out a constant column: retraining with the same
-- call compares the features the model keeps, not the ones read first
CREATE TEMP TABLE mm_const AS SELECT a, b, 1.0 AS c, y FROM mm;
SELECT is((SELECT version FROM pgdl.train_model('mm_const', 'mm_const', 'y', '[{"type":"dense","units":2}]', NULL,
                                                  '{"epochs":1,"seed":1}')), 1,
          'a model of the default features, the constant c left out');
SELECT is((SELECT version FROM pgdl.train_model('mm_const', 'mm_const', 'y', '[{"type":"dense","units":2}]', NULL,
                                                  '{"epochs":1,"seed":2}')), 2,
          'the same call again saves version 2 (the dropped constant is no change of features)');

-- a date feature's encodings are the model's own, as a categorical's
-- categories: a query passes the same date column whatever they are
CREATE TEMP TABLE mm_dates AS SELECT i, date '2024-01-01' + i AS d, (i % 7) * 0.5 AS y FROM generate_series(1, 60) i;
SELECT is(pg_temp.train('mm_date', 'mm_dates', 'y', ARRAY['d'], '{"dates":["d"]}'), 1, 'a model of a date feature (days)');
SELECT is(pg_temp.train('mm_date', 'mm_dates', 'y', ARRAY['d'], '{"dates":["d"],"date_encoding":["days","dow"]}'), 2,
          'a version with other date encodings is saved: queries pass the same date');

-- k-means and PCA models: their features, and what their outputs are (the
-- clusters, the components); each call returns the version it saved
CREATE FUNCTION pg_temp.km(name text, k int, features text[], options jsonb) RETURNS int LANGUAGE sql AS $$
    SELECT count(*) FROM pgdl.train_kmeans(name, 'mm', k, features, options);
    SELECT max(version) FROM pgdl.model_versions WHERE model_versions.name = km.name
$$;
CREATE FUNCTION pg_temp.pc(name text, k int, options jsonb DEFAULT '{}') RETURNS int LANGUAGE sql AS $$
    SELECT count(*) FROM pgdl.train_pca(name, 'mm', k, ARRAY['a', 'b'], options);
    SELECT max(version) FROM pgdl.model_versions WHERE model_versions.name = pc.name
$$;
SELECT is(pg_temp.km('mm_km', 3, ARRAY['a', 'b'], '{"seed":1}'), 1, 'train_kmeans: version 1');
SELECT is(pg_temp.km('mm_km', 3, ARRAY['a', 'b'], '{"seed":2}'), 2,
          'train_kmeans with the same features and k: version 2');
SELECT is(pg_temp.err($$SELECT pg_temp.km('mm_km', 4, ARRAY['a', 'b'], '{"seed":1}')$$),
          '55000: a new version of model "mm_km" would change its clusters | Version 2 has 3 clusters; the new one 4. Every query that scores with the plain name "mm_km" would read the new version. | ' || pg_temp.hint('mm_km'),
          'train_kmeans with another k: 55000 (the cluster numbers would mean other clusters)');
SELECT is(pg_temp.err($$SELECT pg_temp.km('mm_km', 3, ARRAY['b', 'a'], '{"seed":1}')$$),
          '55000: a new version of model "mm_km" would change its features | Feature 1 is "a" in version 2, "b" in the new one. Every query that scores with the plain name "mm_km" would read the new version. | ' || pg_temp.hint('mm_km'),
          'train_kmeans with other features: 55000');
SELECT is(pg_temp.km('mm_km', 4, ARRAY['a', 'b'], '{"seed":1, "replace": true}'), 3,
          'train_kmeans with "replace": true saves version 3');
SELECT is(pg_temp.pc('mm_pca', 1), 1, 'train_pca: version 1');
SELECT is(pg_temp.err($$SELECT pg_temp.pc('mm_pca', 2)$$),
          '55000: a new version of model "mm_pca" would change its components | Version 1 projects onto 1 components; the new one onto 2. Every query that scores with the plain name "mm_pca" would read the new version. | ' || pg_temp.hint('mm_pca'),
          'train_pca with another n_components: 55000');
SELECT is(pg_temp.pc('mm_pca', 2, '{"replace": true}'), 2,
          'train_pca with "replace": true saves version 2');
SELECT is(pg_temp.err($$SELECT * FROM pgdl.pca('mm', 1, ARRAY['a', 'b'], '{"replace": true}')$$),
          '22023: unknown option "replace"; accepted options: matrix |  | ',
          'pca saves no model: it takes no "replace"');

SELECT * FROM finish();
ROLLBACK;
