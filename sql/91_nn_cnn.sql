-- A small CNN trained from SQL: 8x8 images (a real[] of 64 pixels reshaped
-- by input_shape [1,8,8]) with a vertical or a horizontal bar of 3 pixels
-- at a varying place, in deterministic noise.  Outputs are thresholded so
-- that they do not depend on the last bits of float arithmetic.
SET extra_float_digits = 0;
SET client_min_messages = warning;

CREATE TABLE bars AS
SELECT id, CASE WHEN id % 2 = 0 THEN 'vertical' ELSE 'horizontal' END AS orientation,
	   (SELECT array_agg((((id * 31 + p * 17) % 13) / 13.0 * 0.4 - 0.2
						  + CASE WHEN id % 2 = 0
								 THEN (p % 8 = (id * 7) % 8 AND p / 8 BETWEEN (id * 3) % 6 AND (id * 3) % 6 + 2)::int
								 ELSE (p / 8 = (id * 7) % 8 AND p % 8 BETWEEN (id * 3) % 6 AND (id * 3) % 6 + 2)::int
							END)::real ORDER BY p)
		FROM generate_series(0, 63) p) AS img
FROM generate_series(1, 240) id;

SELECT model, version, task, parameters, validation_metric >= 0.9 AS validates
FROM pgdl.train_model('bars', 'SELECT * FROM bars ORDER BY id', 'orientation',
	'[{"type":"conv2d","filters":8,"kernel":3,"padding":"same","activation":"relu"},
	  {"type":"maxpool2d","pool":2},
	  {"type":"conv2d","filters":8,"kernel":[3,3],"activation":"relu"},
	  {"type":"flatten"}]', ARRAY['img'],
	'{"input_shape":[1,8,8],"epochs":30,"learning_rate":0.01,"batch_size":16,"seed":1}');
SELECT metric, value >= 0.95 AS high FROM pgdl.evaluate('bars', 'bars') WHERE metric = 'accuracy';
-- each layer's output shape and parameter count
SELECT l->>'type' AS type, l->'output_shape' AS output_shape, l->'parameters' AS parameters
FROM jsonb_array_elements(pgdl.model_info('bars')->'layers') l;
SELECT count(*) FILTER (WHERE pgdl.predict_label('bars', img) = orientation) >= 228 AS mostly_right FROM bars;

-- shape errors: a declared shape that does not hold the features, a conv on a flat vector, a short row
SELECT model FROM pgdl.train_model('bad', 'bars', 'orientation', '[{"type":"conv2d","filters":2,"kernel":3}]',
	ARRAY['img'], '{"input_shape":[1,8,7]}');
SELECT model FROM pgdl.train_model('bad', 'bars', 'orientation',
	'[{"type":"conv2d","filters":2,"kernel":3},{"type":"flatten"}]', ARRAY['img']);
SELECT model FROM pgdl.train_model('bad', 'bars', 'orientation',
	'[{"type":"conv2d","filters":2,"kernel":9},{"type":"flatten"}]', ARRAY['img'], '{"input_shape":[1,8,8]}');
SELECT pgdl.predict_label('bars', img[1:63]) FROM bars WHERE id = 1;

-- export and import: the copy predicts the same
SELECT pgdl.import_model('bars_copy', pgdl.export_model('bars')) AS imported_version;
SELECT count(*) FILTER (WHERE pgdl.predict_proba('bars_copy', img) = pgdl.predict_proba('bars', img)) AS same
FROM bars;
SELECT pgdl.drop_model('bars_copy');
DROP TABLE bars;
