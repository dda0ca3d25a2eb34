-- Scoring a source (predict_batch, evaluate) runs the network on batches
-- of rows whose workspace and input and output rows fit
-- pgdl.max_training_memory: a bag of words gives one input per word of
-- its vocabulary, so a batch of 256 rows of a 6,000-word model (6 MB of
-- inputs) becomes fewer rows under a 1 MB limit.  The batch size is a
-- DEBUG1 message.
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE bag_docs AS
SELECT i AS id, 'w' || i || ' v' || i || ' common' AS body, i % 2 AS label
FROM generate_series(1, 3000) i;
SELECT version FROM pgdl.train_model('bag_m', 'bag_docs', 'label', '[]', ARRAY['body'],
       '{"epochs":1,"seed":1,"validation_fraction":0,"text":{"body":{"encoding":"counts"}}}');
SELECT (pgdl.model_info('bag_m')->'features'->0->>'inputs')::int AS inputs;
SET client_min_messages = debug1;
SELECT count(*) AS rows FROM pgdl.predict_batch('bag_m', 'bag_docs', 'id');
SET pgdl.max_training_memory = '1MB';
SELECT count(*) AS rows FROM pgdl.predict_batch('bag_m', 'bag_docs', 'id');
SELECT value AS n FROM pgdl.evaluate('bag_m', 'bag_docs', 'label') WHERE metric = 'n';
RESET pgdl.max_training_memory;
SET client_min_messages = warning;
DROP TABLE bag_docs;
SELECT pgdl.drop_model('bag_m');
