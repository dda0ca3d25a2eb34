-- Attention layers trained from SQL on sequences of 8 steps x (a, b): is
-- the first step's a above the last step's?  Order matters, so the
-- transformer needs positions.  Near ties are left out and outputs
-- thresholded, so that nothing depends on the last bits of float
-- arithmetic.  Then one network with every layer type that takes a
-- sequence, exported and imported.
SET extra_float_digits = 0;
SET client_min_messages = warning;

CREATE TABLE steps AS
SELECT s AS seq_id, t,
	   (((s * 37 + t * 11 + s / 5) % 17) / 8.0 - 1.0)::real AS a,
	   (((s * 13 + t * 29 + s / 7) % 19) / 9.0 - 1.0)::real AS b
FROM generate_series(1, 600) s, generate_series(1, 8) t;

CREATE TABLE seqs AS
SELECT seq_id, array_agg(ARRAY[a, b] ORDER BY t) AS x,
	   (array_agg(a ORDER BY t))[1] > (array_agg(a ORDER BY t))[8] AS first_above
FROM steps GROUP BY seq_id
HAVING abs((array_agg(a ORDER BY t))[1] - (array_agg(a ORDER BY t))[8]) >= 0.2;
SELECT count(*) AS sequences, array_dims((SELECT x FROM seqs LIMIT 1)) AS dims FROM seqs;

-- a projection, learned positions, a pre-norm encoder, mean over the steps
SELECT model, task, parameters, validation_metric >= 0.85 AS validates
FROM pgdl.train_model('order', 'SELECT * FROM seqs ORDER BY seq_id', 'first_above',
	'[{"type":"dense","units":16},{"type":"positional_encoding","encoding":"learned"},
	  {"type":"transformer_encoder","heads":2,"ff_dim":32,"dropout":0,"norm_first":true},
	  {"type":"global_avgpool"}]', ARRAY['x'],
	'{"epochs":30,"learning_rate":0.003,"batch_size":32,"seed":3}');
SELECT metric, value >= 0.9 AS high FROM pgdl.evaluate('order', 'seqs') WHERE metric = 'accuracy';
SELECT l->>'type' AS type, l->'output_shape' AS output_shape, l->'parameters' AS parameters,
	   l->'key_dim' AS key_dim, l->'ff_dim' AS ff_dim
FROM jsonb_array_elements(pgdl.model_info('order')->'layers') l;
-- per-row scoring agrees with the batch evaluation
SELECT avg((pgdl.predict('order', x) = first_above::int)::int) >= 0.9 AS scores_rows FROM seqs;

-- without positions a mean over the steps cannot tell first from last
SELECT model, validation_metric < 0.75 AS near_chance
FROM pgdl.train_model('no_order', 'SELECT * FROM seqs ORDER BY seq_id', 'first_above',
	'[{"type":"dense","units":16},{"type":"transformer_encoder","heads":2,"ff_dim":32,"dropout":0},
	  {"type":"global_avgpool"}]', ARRAY['x'],
	'{"epochs":10,"learning_rate":0.003,"batch_size":32,"seed":3}');

-- causal attention: the last step sees every step, so its state answers
SELECT model, validation_metric >= 0.85 AS validates
FROM pgdl.train_model('causal', 'SELECT * FROM seqs ORDER BY seq_id', 'first_above',
	'[{"type":"dense","units":16},{"type":"positional_encoding"},
	  {"type":"attention","heads":4,"causal":true},{"type":"lstm","units":8}]', ARRAY['x'],
	'{"epochs":30,"learning_rate":0.005,"batch_size":32,"seed":4}');
SELECT metric, value >= 0.85 AS high FROM pgdl.evaluate('causal', 'seqs') WHERE metric = 'accuracy';

-- every layer type that takes a sequence, in one network: export and import predict the same
SELECT model, parameters
FROM pgdl.train_model('zoo', 'SELECT * FROM seqs ORDER BY seq_id', 'first_above',
	'[{"type":"conv1d","filters":4,"kernel":3,"padding":"same","activation":"relu"},
	  {"type":"maxpool1d","pool":2},{"type":"batchnorm"},{"type":"layernorm"},
	  {"type":"dense","units":8},{"type":"positional_encoding"},
	  {"type":"attention","heads":2,"dropout":0.1},
	  {"type":"transformer_encoder","heads":2,"ff_dim":16,"activation":"gelu"},
	  {"type":"lstm","units":8,"return_sequences":true},{"type":"gru","units":8,"return_sequences":true},
	  {"type":"dropout","rate":0.1},{"type":"activation","activation":"tanh"},
	  {"type":"reshape","target_shape":[1,4,8]},{"type":"conv2d","filters":2,"kernel":1},
	  {"type":"avgpool2d","pool":[1,2]},{"type":"maxpool2d","pool":[2,2]},
	  {"type":"global_avgpool"},{"type":"flatten"},{"type":"dense"}]', ARRAY['x'],
	'{"epochs":2,"seed":5}');
SELECT string_agg(l->>'type', ', ') AS types FROM jsonb_array_elements(pgdl.model_info('zoo')->'layers') l;
SELECT pgdl.import_model('zoo_copy', pgdl.export_model('zoo')) AS imported_version;
SELECT count(*) FILTER (WHERE pgdl.predict_proba('zoo_copy', x) = pgdl.predict_proba('zoo', x)) =
	   count(*) AS same
FROM seqs;
SELECT pgdl.export_model('zoo_copy') = pgdl.export_model('zoo') AS same_bytes;
SELECT pgdl.import_model('order_copy', pgdl.export_model('order')) AS imported_version;
SELECT count(*) FILTER (WHERE pgdl.predict('order_copy', x) = pgdl.predict('order', x)) = count(*) AS same
FROM seqs;
SELECT pgdl.drop_model('zoo_copy'), pgdl.drop_model('order_copy');

-- shape errors: a flat vector is not a sequence, heads that do not divide, a short row
CREATE TABLE flat AS
SELECT seq_id, (SELECT array_agg(v ORDER BY i) FROM unnest(x) WITH ORDINALITY u(v, i)) AS xs, first_above
FROM seqs;
SELECT model FROM pgdl.train_model('bad', 'flat', 'first_above', '[{"type":"attention"}]', ARRAY['xs']);
SELECT model FROM pgdl.train_model('bad', 'flat', 'first_above',
	'[{"type":"transformer_encoder","heads":3}]', ARRAY['xs'], '{"input_shape":[8,2]}');
SELECT model FROM pgdl.train_model('bad', 'flat', 'first_above',
	'[{"type":"attention","heads":2,"dropout":1}]', ARRAY['xs'], '{"input_shape":[8,2]}');
SELECT pgdl.predict('order', x[1:7]) FROM seqs LIMIT 1;
DROP TABLE flat;
DROP TABLE seqs;
DROP TABLE steps;
