-- A small CNN trained from SQL: 8x8 images (a real[] of 64 pixels reshaped
-- by input_shape [1,8,8]) with a vertical or a horizontal bar of 3 pixels
-- at a varying place, in deterministic noise.  Outputs are thresholded so
-- that they do not depend on the last bits of float arithmetic.  Then an
-- embedding of token ids.
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
-- without a flatten the output dense layer would keep the image's axes
SELECT model FROM pgdl.train_model('bad', 'bars', 'orientation', '[{"type":"conv2d","filters":2,"kernel":3}]',
	ARRAY['img'], '{"input_shape":[1,8,8]}');
SELECT pgdl.predict_label('bars', img[1:63]) FROM bars WHERE id = 1;

-- export and import: the copy predicts the same
SELECT pgdl.import_model('bars_copy', pgdl.export_model('bars')) AS imported_version;
SELECT count(*) FILTER (WHERE pgdl.predict_proba('bars_copy', img) = pgdl.predict_proba('bars', img)) AS same
FROM bars;
SELECT pgdl.drop_model('bars_copy');
DROP TABLE bars;

-- an embedding of token ids (integer arrays, not standardized): does token 7 occur?
CREATE TABLE tokens AS
SELECT id, toks, 7 = ANY (toks) AS has_seven
FROM (SELECT id, (SELECT array_agg(CASE WHEN id % 2 = 1 AND t = id % 6 THEN 7
										 WHEN (id * 7 + t * 5 + id / 11) % 11 >= 7 THEN (id * 7 + t * 5 + id / 11) % 11 + 1
										 ELSE (id * 7 + t * 5 + id / 11) % 11 END ORDER BY t)
				   FROM generate_series(0, 5) t) AS toks
	  FROM generate_series(1, 400) id) s;
SELECT model, task, parameters
FROM pgdl.train_model('seven', 'SELECT * FROM tokens ORDER BY id', 'has_seven',
	'[{"type":"embedding","input_dim":12,"output_dim":8},{"type":"global_avgpool"}]', ARRAY['toks'],
	'{"epochs":40,"learning_rate":0.02,"batch_size":32,"seed":2}');
SELECT metric, value >= 0.95 AS high FROM pgdl.evaluate('seven', 'tokens') WHERE metric = 'accuracy';
SELECT pgdl.predict('seven', ARRAY[7, 1, 2, 3, 4, 5]) AS with_seven, pgdl.predict('seven', ARRAY[0, 1, 2, 3, 4, 5]) AS without;
SELECT (pgdl.model_info('seven')->'layers'->0->>'parameters') AS table_size;
-- ids outside the vocabulary, or not integers, name the id and the vocabulary size
SELECT pgdl.predict('seven', ARRAY[0, 1, 12, 3, 4, 5]);
SELECT pgdl.predict('seven', ARRAY[0, 1, 2.5, 3, 4, 5]);
SELECT model FROM pgdl.train_model('bad', 'SELECT id, array_append(toks[1:5], -1) AS toks, has_seven FROM tokens',
	'has_seven', '[{"type":"embedding","input_dim":12,"output_dim":8},{"type":"flatten"}]', ARRAY['toks']);
SELECT model FROM pgdl.train_model('bad', 'tokens', 'has_seven',
	'[{"type":"dense","units":4},{"type":"embedding","input_dim":12,"output_dim":8}]', ARRAY['toks']);
DROP TABLE tokens;
