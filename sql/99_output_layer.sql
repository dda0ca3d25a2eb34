-- sql/99_output_layer.sql: the NOTICE that says what output layer
-- train_model added or completed, for layers '[]' (a linear model), a last
-- layer without units or activation, a hidden last layer, and none for a
-- complete output (a Keras Dense(2, "softmax") on a binary target among
-- them).  The source has a NULL feature in its first row, so that each
-- call stops right after the NOTICE, before any epoch (whose NOTICE shows
-- timings).
CREATE TABLE nullx AS
SELECT NULL::float8 AS x1, 1.0::float8 AS x2, v AS y, v::int::float8 AS yr,
       (ARRAY['a', 'b', 'c'])[1 + v::int] AS kind
FROM (VALUES (true), (false)) t(v);
INSERT INTO nullx VALUES (NULL, 1, true, 2, 'c');
-- layers [] is a linear model: logistic, linear, softmax regression
SELECT * FROM pgdl.train_model('n', 'nullx', 'y', '[]', ARRAY['x1', 'x2']);
SELECT * FROM pgdl.train_model('n', 'nullx', 'yr', '[]', ARRAY['x1', 'x2']);
SELECT * FROM pgdl.train_model('n', 'nullx', 'kind', '[]', ARRAY['x1', 'x2']);
-- completed: units and activation from the task; a last dense(2) without
-- activation on two classes stays a hidden layer (unless the loss is
-- cross_entropy), and the output is appended after it
SELECT * FROM pgdl.train_model('n', 'nullx', 'yr', '[{"type":"dense"}]', ARRAY['x1', 'x2']);
SELECT * FROM pgdl.train_model('n', 'nullx', 'y', '[{"type":"Dense","units":2}]', ARRAY['x1', 'x2']);
SELECT * FROM pgdl.train_model('n', 'nullx', 'y', '[{"type":"Dense","units":2}]', ARRAY['x1', 'x2'], '{"loss":"sparse_categorical_crossentropy"}');
-- appended after a hidden layer
SELECT * FROM pgdl.train_model('n', 'nullx', 'kind', '[{"type":"dense","units":8,"activation":"relu"}]', ARRAY['x1', 'x2']);
SELECT * FROM pgdl.train_model('n', 'nullx', 'y', '[{"type":"flatten"}]', ARRAY['x1', 'x2']);
-- complete outputs: no NOTICE
SELECT * FROM pgdl.train_model('n', 'nullx', 'y', '[{"type":"Dense","units":2,"activation":"softmax"}]', ARRAY['x1', 'x2']);
SELECT * FROM pgdl.train_model('n', 'nullx', 'y', '[{"type":"dense","units":1,"activation":"sigmoid"}]', ARRAY['x1', 'x2']);
DROP TABLE nullx;
