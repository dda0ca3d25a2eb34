-- LSTM and GRU trained from SQL: is the running total of a - b over 8 steps
-- positive?  One row per step in a table, turned into sequences with
-- array_agg(ARRAY[a, b] ORDER BY t) (a 2-D array: the shape [8, 2]), and
-- the same sequences as a flat real[] with input_shape [8, 2].  Totals near
-- 0 are left out and outputs thresholded, so that nothing depends on the
-- last bits of float arithmetic.  (A total is a multiple of 1/72, give or
-- take the rounding of b to real: the cut lies between two of them, since
-- the real sum of a total of 0.5 falls either side of 0.5 with the order of
-- the rows, which differs between PostgreSQL majors.)
SET extra_float_digits = 0;
SET client_min_messages = warning;

CREATE TABLE steps AS
SELECT s AS seq_id, t,
	   (((s * 37 + t * 11 + s / 5) % 17) / 8.0 - 1.0)::real AS a,
	   (((s * 13 + t * 29 + s / 7) % 19) / 9.0 - 1.0)::real AS b
FROM generate_series(1, 500) s, generate_series(1, 8) t;

CREATE TABLE seqs AS
SELECT seq_id, array_agg(ARRAY[a, b] ORDER BY t) AS x, sum(a - b) > 0 AS positive
FROM steps GROUP BY seq_id HAVING abs(sum(a - b)) >= 0.507;
SELECT count(*) AS sequences, array_dims((SELECT x FROM seqs LIMIT 1)) AS dims FROM seqs;

SELECT model, task, parameters, validation_metric >= 0.85 AS validates
FROM pgdl.train_model('running', 'SELECT * FROM seqs ORDER BY seq_id', 'positive',
	'[{"type":"lstm","units":16}]', ARRAY['x'],
	'{"epochs":40,"learning_rate":0.01,"batch_size":32,"clip_norm":1,"seed":1}');
SELECT metric, value >= 0.9 AS high FROM pgdl.evaluate('running', 'seqs') WHERE metric = 'accuracy';
SELECT l->>'type' AS type, l->'output_shape' AS output_shape, l->'parameters' AS parameters
FROM jsonb_array_elements(pgdl.model_info('running')->'layers') l;
SELECT pgdl.predict('running', ARRAY[[1, 0], [0.5, 0], [1, 0.2], [0, 0], [0.3, 0], [1, 0], [0, 0], [0.5, 0]]::real[]) AS up,
	   pgdl.predict('running', ARRAY[[0, 1], [0, 0.5], [0.2, 1], [0, 0], [0, 0.3], [0, 1], [0, 0], [0, 0.5]]::real[]) AS down;

-- export and import: the copy predicts the same
SELECT pgdl.import_model('running_copy', pgdl.export_model('running')) AS imported_version;
SELECT count(*) FILTER (WHERE pgdl.predict_proba('running_copy', x) = pgdl.predict_proba('running', x)) =
	   count(*) AS same
FROM seqs;
SELECT pgdl.drop_model('running_copy');

-- stacked gru layers on a flat real[] of 16 values with input_shape [8, 2]
CREATE TABLE flat AS
SELECT seq_id, (SELECT array_agg(v ORDER BY i) FROM unnest(x) WITH ORDINALITY u(v, i)) AS xs, positive
FROM seqs;
SELECT model, task, parameters
FROM pgdl.train_model('running_gru', 'SELECT * FROM flat ORDER BY seq_id', 'positive',
	'[{"type":"gru","units":12,"return_sequences":true},{"type":"gru","units":8}]', ARRAY['xs'],
	'{"input_shape":[8,2],"epochs":40,"learning_rate":0.01,"batch_size":32,"clip_norm":1,"seed":2}');
SELECT metric, value >= 0.9 AS high FROM pgdl.evaluate('running_gru', 'flat') WHERE metric = 'accuracy';
SELECT l->>'type' AS type, l->'output_shape' AS output_shape, l->'parameters' AS parameters
FROM jsonb_array_elements(pgdl.model_info('running_gru')->'layers') l;
SELECT pgdl.import_model('running_gru_copy', pgdl.export_model('running_gru')) AS imported_version;
SELECT count(*) FILTER (WHERE pgdl.predict('running_gru_copy', xs) = pgdl.predict('running_gru', xs)) =
	   count(*) AS same
FROM flat;
SELECT pgdl.drop_model('running_gru_copy');

-- bidirectional: a forward and a backward lstm side by side; export and import
SELECT model, parameters, validation_metric >= 0.85 AS validates
FROM pgdl.train_model('running_bi', 'SELECT * FROM seqs ORDER BY seq_id', 'positive',
	'[{"type":"lstm","units":8,"bidirectional":true}]', ARRAY['x'],
	'{"epochs":40,"learning_rate":0.01,"batch_size":32,"clip_norm":1,"seed":3}');
SELECT l->>'type' AS type, l->'bidirectional' AS bidirectional, l->'output_shape' AS output_shape,
	   l->'parameters' AS parameters
FROM jsonb_array_elements(pgdl.model_info('running_bi')->'layers') l;
SELECT pgdl.import_model('running_bi_copy', pgdl.export_model('running_bi')) AS imported_version;
SELECT count(*) FILTER (WHERE pgdl.predict('running_bi_copy', x) = pgdl.predict('running_bi', x)) =
	   count(*) AS same
FROM seqs;
SELECT pgdl.drop_model('running_bi_copy');

-- shape errors: a flat vector without input_shape, stacking without return_sequences, a short row
SELECT model FROM pgdl.train_model('bad', 'flat', 'positive', '[{"type":"lstm","units":4}]', ARRAY['xs']);
SELECT model FROM pgdl.train_model('bad', 'flat', 'positive',
	'[{"type":"lstm","units":4},{"type":"gru","units":4}]', ARRAY['xs'], '{"input_shape":[8,2]}');
SELECT model FROM pgdl.train_model('bad', 'seqs', 'positive', '[{"type":"lstm"}]', ARRAY['x']);
SELECT pgdl.predict('running_gru', xs[1:15]) FROM flat LIMIT 1;
DROP TABLE flat;
DROP TABLE seqs;
DROP TABLE steps;
