-- PCA: pgdl.pca and pgdl.train_pca + pgdl.transform_model.
-- Reference: scikit-learn 1.2.1 PCA(n_components=3, svd_solver='full') on the
-- 10 x 4 table below gives explained_variance_ 2.20313881 1.64291868
-- 0.46722008, explained_variance_ratio_ 0.50681822 0.37794311 0.10748104;
-- after StandardScaler 2.4775258 1.46708454 0.44551518 and 0.5574433
-- 0.33009402 0.10024092; components_ equal the loadings below up to sign.
SET extra_float_digits = 0;
SET client_min_messages = warning;

CREATE TABLE pca_small (id serial PRIMARY KEY, a float8, b float8, c numeric, d int);
INSERT INTO pca_small (a, b, c, d) VALUES
	(2.5, 2.4, 1.0, 20), (0.5, 0.7, 2.0, 23), (2.2, 2.9, 1.5, 18), (1.9, 2.2, 3.5, 21),
	(3.1, 3.0, 0.5, 24), (2.3, 2.7, 2.5, 17), (2.0, 1.6, 4.0, 20), (1.0, 1.1, 3.0, 22),
	(1.5, 1.6, 2.0, 19), (1.1, 0.9, 1.0, 25);
-- d is twice the reference's fourth column: use d / 2 through a query
CREATE VIEW pca_ref AS SELECT a, b, c, d / 2.0 AS d FROM pca_small;

SELECT component, round(explained_variance::numeric, 8) AS variance,
	   round(explained_variance_ratio::numeric, 8) AS ratio,
	   (SELECT array_agg(round(l::numeric, 6)) FROM unnest(loadings) l) AS loadings
FROM pgdl.pca('pca_ref', 3) ORDER BY component;
SELECT component, round(explained_variance::numeric, 8) AS variance,
	   round(explained_variance_ratio::numeric, 8) AS ratio,
	   (SELECT array_agg(round(l::numeric, 6)) FROM unnest(loadings) l) AS loadings
FROM pgdl.pca('pca_ref', 3, NULL, '{"matrix": "correlation"}') ORDER BY component;
-- a query source, the features named, the ratios of all components sum to 1
SELECT round(sum(explained_variance_ratio)::numeric, 12) AS ratio_sum, count(*)
FROM pgdl.pca('SELECT a, b, c, d / 2.0 AS d FROM pca_small', 4, ARRAY['a', 'b', 'c', 'd']);
-- sign convention: the largest |loading| of each component is positive
SELECT component, (SELECT l FROM unnest(loadings) l ORDER BY abs(l) DESC LIMIT 1) > 0 AS largest_positive
FROM pgdl.pca('pca_ref', 4) ORDER BY component;
-- components are orthonormal
SELECT p.component AS i, q.component AS j,
	   round((SELECT sum(x * y) FROM unnest(p.loadings, q.loadings) u(x, y))::numeric, 10) AS dot
FROM pgdl.pca('pca_ref', 3) p, pgdl.pca('pca_ref', 3) q ORDER BY i, j;

-- train_pca saves a projection model; transform_model of every row equals
-- the projection computed in SQL from pca's loadings (float32 precision)
SELECT component, round(explained_variance::numeric, 8) AS variance
FROM pgdl.train_pca('pca_cov', 'pca_ref', 2) ORDER BY component;
SELECT m->'task' AS task, m->'features' AS features, m->'standardized' AS centered_by_scaler
FROM pgdl.model_info('pca_cov') m;
CREATE TEMP TABLE pca_loadings AS SELECT * FROM pgdl.pca('pca_ref', 2);
WITH m AS (SELECT avg(a) ma, avg(b) mb, avg(c)::float8 mc, avg(d)::float8 md FROM pca_ref),
	 sqlp AS (
		SELECT r.a, r.b, r.c, r.d,
			   array_agg((r.a - ma) * l.loadings[1] + (r.b - mb) * l.loadings[2]
						 + (r.c - mc) * l.loadings[3] + (r.d - md) * l.loadings[4] ORDER BY l.component) AS p
		FROM pca_ref r, m, pca_loadings l GROUP BY r.a, r.b, r.c, r.d)
SELECT count(*) AS rows,
	   max((SELECT max(abs(x - y)) FROM unnest(pgdl.transform_model('pca_cov', ARRAY[a, b, c, d]), p) u(x, y))) < 1e-5
	   AS equal_to_float32
FROM sqlp;
-- the correlation option stores a standard scaler (population sd)
SELECT count(*) FROM pgdl.train_pca('pca_corr', 'pca_ref', 2, NULL, '{"matrix": "correlation"}');
WITH m AS (SELECT avg(a) ma, stddev_pop(a) sa, avg(b) mb, stddev_pop(b) sb, avg(c)::float8 mc, stddev_pop(c)::float8 sc,
				  avg(d)::float8 md, stddev_pop(d)::float8 sd FROM pca_ref),
	 l AS (SELECT * FROM pgdl.pca('pca_ref', 2, NULL, '{"matrix": "correlation"}')),
	 sqlp AS (
		SELECT r.a, r.b, r.c, r.d,
			   array_agg((r.a - ma) / sa * l.loadings[1] + (r.b - mb) / sb * l.loadings[2]
						 + (r.c - mc) / sc * l.loadings[3] + (r.d - md) / sd * l.loadings[4] ORDER BY l.component) AS p
		FROM pca_ref r, m, l GROUP BY r.a, r.b, r.c, r.d)
SELECT count(*) AS rows,
	   max((SELECT max(abs(x - y)) FROM unnest(pgdl.transform_model('pca_corr', ARRAY[a, b, c, d]), p) u(x, y))) < 1e-5
	   AS equal_to_float32
FROM sqlp;
SELECT round(x::numeric, 4) FROM unnest(pgdl.transform_model('pca_corr', ARRAY[2.5, 2.4, 1.0, 10.0])) x;

-- a real[] column is one feature per element (API §0); data far from zero
-- projects exactly because the model centers in double precision
CREATE TABLE pca_pixels (id int PRIMARY KEY, pixels real[], offset_x float8);
INSERT INTO pca_pixels
SELECT i, ARRAY(SELECT ((i * 7 + j * j * 3 + (i % 5) * j) % 256)::real FROM generate_series(1, 16) j),
	   1e9 + (i % 7) * 0.25 + (i % 3) * 0.5
FROM generate_series(1, 300) i;
SELECT count(*) AS components, min(array_length(loadings, 1)) AS loading_length,
	   bool_and(explained_variance >= 0) AS nonnegative,
	   bool_and(explained_variance_ratio BETWEEN 0 AND 1) AS ratios
FROM pgdl.pca('pca_pixels', 5, ARRAY['pixels']);
SELECT count(*) FROM pgdl.train_pca('pca_offset', 'pca_pixels', 1, ARRAY['offset_x']);
SELECT round(explained_variance::numeric, 6) = round(var_samp(offset_x)::numeric, 6) AS variance_is_var_samp
FROM pgdl.pca('pca_pixels', 1, ARRAY['offset_x']), pca_pixels GROUP BY explained_variance;
SELECT max(abs((pgdl.transform_model('pca_offset', ARRAY[offset_x]))[1]
			   - (offset_x - (SELECT avg(offset_x) FROM pca_pixels)))) < 1e-6 AS centered_exactly
FROM pca_pixels;
-- same source, same result
SELECT (SELECT array_agg(loadings) FROM pgdl.pca('pca_pixels', 3, ARRAY['pixels']))
	 = (SELECT array_agg(loadings) FROM pgdl.pca('pca_pixels', 3, ARRAY['pixels'])) AS deterministic;
-- a projection model predicts no single value
SELECT pgdl.predict('pca_cov', ARRAY[1, 2, 3, 4]);
SELECT pgdl.drop_model('pca_cov'), pgdl.drop_model('pca_corr'), pgdl.drop_model('pca_offset');
