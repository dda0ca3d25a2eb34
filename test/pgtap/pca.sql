-- test/pgtap/pca.sql: pgdl.pca and pgdl.train_pca (see the README) — agreement
-- with scikit-learn, transform_model against the loadings, wide array
-- features, every error path with its SQLSTATE, and read-only use.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(27);

-- scikit-learn 1.2.1: PCA(n_components=2, svd_solver='full').fit(X) on the
-- 10 rows below: explained_variance_ [2.20313881, 1.64291868],
-- explained_variance_ratio_ [0.50681822, 0.37794311], components_ (up to
-- sign) [[-0.26749291, -0.36606288, -0.29681179, 0.84044528],
-- [-0.43464565, -0.45662783, 0.7736124, -0.06401589]].
CREATE TEMP TABLE px (a float8, b float8, c float8, d float8, label text, n_null float8, n_nan float8);
INSERT INTO px VALUES
	(2.5, 2.4, 1.0, 10.0, 'x', 1, 1), (0.5, 0.7, 2.0, 11.5, 'y', 1, 1), (2.2, 2.9, 1.5, 9.0, 'x', 1, 1),
	(1.9, 2.2, 3.5, 10.5, 'y', 1, 1), (3.1, 3.0, 0.5, 12.0, 'x', 1, 1), (2.3, 2.7, 2.5, 8.5, 'y', 1, 1),
	(2.0, 1.6, 4.0, 10.0, 'x', 1, 1), (1.0, 1.1, 3.0, 11.0, 'y', 1, 1), (1.5, 1.6, 2.0, 9.5, 'x', NULL, 1),
	(1.1, 0.9, 1.0, 12.5, 'y', 1, 'NaN');
CREATE FUNCTION pg_temp.close(a float8[], b float8[], tol float8) RETURNS bool LANGUAGE sql IMMUTABLE
  RETURN (SELECT bool_and(abs(x - y) <= tol) FROM unnest(a, b) AS u(x, y));

SELECT ok((SELECT pg_temp.close(array_agg(explained_variance ORDER BY component), ARRAY[2.20313881, 1.64291868], 1e-8)
              AND pg_temp.close(array_agg(explained_variance_ratio ORDER BY component), ARRAY[0.50681822, 0.37794311], 1e-8)
           FROM pgdl.pca('px', 2, ARRAY['a', 'b', 'c', 'd'])),
          'explained variance (n - 1) and ratio equal scikit-learn''s');
SELECT ok((SELECT bool_and(pg_temp.close(loadings, ref, 1e-8) OR pg_temp.close(loadings, ARRAY(SELECT -x FROM unnest(ref) x), 1e-8))
           FROM pgdl.pca('px', 2, ARRAY['a', 'b', 'c', 'd'])
           JOIN (VALUES (1, ARRAY[-0.26749291, -0.36606288, -0.29681179, 0.84044528]),
                        (2, ARRAY[-0.43464565, -0.45662783, 0.7736124, -0.06401589])) r(component, ref) USING (component)),
          'components equal scikit-learn''s up to sign');
SELECT ok((SELECT bool_and((SELECT l FROM unnest(loadings) l ORDER BY abs(l) DESC LIMIT 1) > 0)
           FROM pgdl.pca('px', 4, ARRAY['a', 'b', 'c', 'd'])),
          'sign convention: the largest |loading| of every component is positive');

-- train_pca and transform_model: the projection of every row equals (x - mean) . loadings
SELECT is((SELECT count(*)::int FROM pgdl.train_pca('tap_pca', 'px', 2, ARRAY['a', 'b', 'c', 'd'])), 2,
          'train_pca returns the components and saves the model');
SELECT ok((WITH m AS (SELECT avg(a) ma, avg(b) mb, avg(c) mc, avg(d) md FROM px),
                l AS (SELECT * FROM pgdl.pca('px', 2, ARRAY['a', 'b', 'c', 'd']))
           SELECT bool_and(pg_temp.close(pgdl.transform_model('tap_pca', ARRAY[a, b, c, d]),
                    ARRAY(SELECT (a - ma) * l.loadings[1] + (b - mb) * l.loadings[2] + (c - mc) * l.loadings[3]
                                 + (d - md) * l.loadings[4] FROM l ORDER BY component), 1e-5))
           FROM px, m),
          'transform_model of every row equals the projection on pca''s loadings (float32 precision)');
SELECT is(pgdl.model_info('tap_pca')->>'task', 'projection', 'the model is a projection');

-- a 784-element real[] column (Fashion-MNIST's shape): one feature per element
CREATE TEMP TABLE wide AS
SELECT i AS id, ARRAY(SELECT ((i * 31 + j * 17 + (i * j) % 13) % 256)::real FROM generate_series(1, 784) j) AS pixels
FROM generate_series(1, 40) i;
-- numpy.linalg.eigvalsh(numpy.cov(X.T)): the largest five eigenvalues are
-- 1359823.70706637 1316447.57979299 345035.41111215 330267.11614597 153599.68757793
SELECT ok((SELECT count(*) = 5 AND bool_and(array_length(loadings, 1) = 784)
                  AND pg_temp.close(array_agg(explained_variance / ref ORDER BY component), '{1,1,1,1,1}', 1e-9)
           FROM pgdl.pca('wide', 5, ARRAY['pixels'])
           JOIN unnest('{1359823.70706637,1316447.57979299,345035.41111215,330267.11614597,153599.68757793}'::float8[])
                WITH ORDINALITY r(ref, component) USING (component)),
          'a 784-element real[] feature: 784 loadings per component, the variances numpy''s eigenvalues');
SELECT ok((SELECT sum(explained_variance_ratio) BETWEEN 0 AND 1 + 1e-12 FROM pgdl.pca('wide', 5, ARRAY['pixels'])),
          'the ratios of the first components sum to at most 1');

-- errors
SELECT throws_ok($$SELECT * FROM pgdl.pca(NULL, 2)$$, '22004', 'source must not be NULL', 'NULL source: 22004');
SELECT throws_ok($$SELECT * FROM pgdl.pca('px', NULL, ARRAY['a', 'b'])$$, '22004', NULL, 'NULL n_components: 22004');
SELECT throws_ok($$SELECT * FROM pgdl.pca('px', 0, ARRAY['a', 'b'])$$, '22023', NULL, 'n_components 0: 22023');
SELECT throws_ok($$SELECT * FROM pgdl.pca('px', 3, ARRAY['a', 'b'])$$, '22023',
                 'n_components must be between 1 and the number of features (2), got 3', 'n_components above the features: 22023');
SELECT throws_like($$SELECT * FROM pgdl.pca('px', 1, ARRAY['a', 'b'], '{"whiten": true}')$$, '%whiten%',
                   'an unknown option is an error naming it');
SELECT throws_ok($$SELECT * FROM pgdl.pca('px', 1, ARRAY['a', 'b'], '{"matrix": "spearman"}')$$, '22023', NULL,
                 'a bad matrix value: 22023');
SELECT throws_ok($$SELECT * FROM pgdl.pca('px', 1, ARRAY['a', 'b'], '[1]')$$, '22023', NULL, 'options not an object: 22023');
SELECT throws_ok($$SELECT * FROM pgdl.pca('px', 1, ARRAY['a', 'label'])$$, '42804', NULL, 'a text feature: 42804');
SELECT throws_ok($$SELECT * FROM pgdl.pca('px', 1, ARRAY['a', 'nope'])$$, '42703', NULL, 'a missing column: 42703');
SELECT throws_ok($$SELECT * FROM pgdl.pca('no_such_table', 1)$$, '42P01', NULL, 'a missing relation: 42P01');
SELECT throws_ok($$SELECT * FROM pgdl.pca('px', 1, ARRAY['a', 'n_null'])$$, '22004', NULL, 'a NULL feature: 22004');
SELECT throws_ok($$SELECT * FROM pgdl.pca('px', 1, ARRAY['a', 'n_nan'])$$, '22P02', NULL, 'a NaN feature: 22P02');
SELECT throws_ok($$SELECT * FROM pgdl.pca('SELECT a, b FROM px LIMIT 1', 1)$$, '22023',
                 'PCA needs at least 2 rows, the source has 1', 'one row: 22023');
SELECT throws_ok($$SELECT * FROM pgdl.pca('SELECT a, b FROM px WHERE false', 1)$$, '22023', NULL, 'no rows: 22023');
SELECT throws_ok($$SELECT * FROM pgdl.train_pca('tap_pca@1', 'px', 1, ARRAY['a', 'b'])$$, '42602', NULL,
                 'train_pca takes a plain model name: 42602');
SET LOCAL pgdl.max_training_memory = '1MB';
SELECT throws_ok($$SELECT * FROM pgdl.pca('wide', 2, ARRAY['pixels'])$$, '54000', NULL,
                 'a d x d matrix above pgdl.max_training_memory: 54000');
RESET pgdl.max_training_memory;

-- read-only transactions (last: cannot be undone)
SET LOCAL transaction_read_only = on;
SELECT lives_ok($$SELECT * FROM pgdl.pca('px', 2, ARRAY['a', 'b', 'c', 'd'], '{"matrix": "correlation"}')$$,
                'pgdl.pca works in a read-only transaction');
SELECT lives_ok($$SELECT pgdl.transform_model('tap_pca', ARRAY[1, 2, 3, 4])$$,
                'transform_model works in a read-only transaction');
SELECT throws_ok($$SELECT * FROM pgdl.train_pca('tap_pca_ro', 'px', 1, ARRAY['a', 'b'])$$, '25006', NULL,
                 'train_pca writes: refused in a read-only transaction (25006)');

SELECT * FROM finish();
ROLLBACK;
