-- test/data/models_0.1.0_train.sql: how the models of models_0.1.0.sql were trained (with
-- pgdl 0.1.0, in a throwaway cluster); see test/data/README.md.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET extra_float_digits = 3;
DROP TABLE IF EXISTS fx_tab, fx_img, fx_seq, fx_tok CASCADE;
SELECT pgdl.drop_model(name) FROM (SELECT DISTINCT name FROM pgdl.models WHERE name LIKE 'fx_%') s;
CREATE TABLE fx_tab AS
SELECT i AS id, (i % 10) / 10.0 AS a, (i % 7)::float8 AS b, (i % 4)::int AS c, (i % 3 = 0) AS f,
       (ARRAY['red','green','blue'])[1 + i % 3] AS color,
       (ARRAY['lo','mid','hi'])[1 + (i * 7 % 10) / 4] AS kind,
       (i % 10) / 10.0 * 2 - (i % 7) * 0.1 AS yr
FROM generate_series(1, 120) i;
UPDATE fx_tab SET a = NULL WHERE id % 17 = 0;
CREATE TABLE fx_img AS
SELECT i AS id, ARRAY(SELECT ((i * 31 + k * 7) % 11) / 10.0 FROM generate_series(1, 64) k)::real[] AS px, (i % 3) AS y
FROM generate_series(1, 60) i;
CREATE TABLE fx_seq AS
SELECT i AS id, ARRAY(SELECT ARRAY[sin(i + t), cos(i * t)] FROM generate_series(1, 6) t) AS s, (i % 2 = 0) AS y
FROM generate_series(1, 80) i;
CREATE TABLE fx_tok AS
SELECT i AS id, ARRAY(SELECT 1 + (i * t) % 19 FROM generate_series(1, 8) t) AS tok, (i % 3 = 0) AS y
FROM generate_series(1, 80) i;

SELECT 1 FROM pgdl.train_model('fx_mlp', 'fx_tab', 'kind', '[{"type":"dense","units":6,"activation":"relu"},{"type":"dropout","rate":0.1},{"type":"batchnorm"},{"type":"dense","units":5,"activation":"tanh"}]',
  ARRAY['a','b','c','f','color'], '{"epochs":3,"seed":7,"impute":"mean","categorical":["color"]}');
SELECT 1 FROM pgdl.train_model('fx_reg', 'fx_tab', 'yr', '[{"type":"dense","units":5,"activation":"gelu"},{"type":"layernorm"}]',
  ARRAY['a','b'], '{"epochs":3,"seed":7,"impute":"median","loss":"huber","optimizer":"adamw"}');
SELECT 1 FROM pgdl.train_model('fx_cnn', 'fx_img', 'y', '[{"type":"conv2d","filters":3,"kernel":[3,3],"activation":"relu","padding":"same"},{"type":"maxpool2d","pool":[2,2]},{"type":"flatten"},{"type":"reshape","target_shape":[12,4]},{"type":"conv1d","filters":2,"kernel":3},{"type":"maxpool1d","pool":2},{"type":"flatten"},{"type":"dense","units":3}]',
  ARRAY['px'], '{"epochs":2,"seed":7,"input_shape":[1,8,8]}');
SELECT 1 FROM pgdl.train_model('fx_cnn2', 'fx_img', 'y', '[{"type":"conv2d","filters":2,"kernel":[3,3]},{"type":"avgpool2d","pool":[2,2]},{"type":"global_avgpool"}]',
  ARRAY['px'], '{"epochs":2,"seed":7,"input_shape":[1,8,8]}');
SELECT 1 FROM pgdl.train_model('fx_lstm', 'fx_seq', 'y', '[{"type":"lstm","units":4,"bidirectional":true,"return_sequences":true},{"type":"gru","units":3}]',
  ARRAY['s'], '{"epochs":2,"seed":7}');
SELECT 1 FROM pgdl.train_model('fx_tf', 'fx_seq', 'y', '[{"type":"positional_encoding"},{"type":"transformer_encoder","heads":2,"ff_dim":6},{"type":"global_avgpool"}]',
  ARRAY['s'], '{"epochs":2,"seed":7}');
SELECT 1 FROM pgdl.train_model('fx_tok', 'fx_tok', 'y', '[{"type":"embedding","input_dim":20,"output_dim":4},{"type":"positional_encoding","encoding":"learned"},{"type":"attention","heads":2,"causal":true},{"type":"reshape","target_shape":[32]},{"type":"activation","activation":"leaky_relu"},{"type":"dense","units":2}]',
  ARRAY['tok'], '{"epochs":2,"seed":7}');
SELECT 1 FROM pgdl.train_kmeans('fx_km', 'fx_tab', 3, ARRAY['b','c'], '{"seed":7}');
SELECT 1 FROM pgdl.train_pca('fx_pca', 'fx_tab', 2, ARRAY['b','c','yr']);
