-- test/pgtap/streaming.sql: train_model on rows streamed from a temporary
-- file (the options "data" and "shuffle_buffer", see the README): it trains
-- on more rows than the memory budget holds and stays within the budget,
-- gives a model as good as training in memory, learns a table stored in
-- label order as well as a shuffled one (blocks in a random order, rows
-- shuffled in a buffer), is reproducible with a seed, can be cancelled, and
-- says how it read the rows.  Everything is rolled back at the end.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(35);

-- 80,000 rows of 8 features (2.9 MB as float32 rows with their target), the
-- label from a fixed linear teacher: stored in label order, and shuffled
CREATE TEMP TABLE st_sorted AS
SELECT i AS id, x1, x2, x3, x4, x5, x6, x7, x8,
       x1 - 2 * x2 + x3 + 0.5 * x4 - x5 + 0.25 * x6 + x7 - 0.5 * x8 > 0 AS y
FROM (SELECT i, sin(i * 1.1) AS x1, cos(i * 2.3) AS x2, sin(i * 3.7 + 1) AS x3, cos(i * 0.7 + 2) AS x4,
             sin(i * 5.3 + 3) AS x5, cos(i * 1.9 + 4) AS x6, sin(i * 0.3 + 5) AS x7, cos(i * 4.1 + 6) AS x8
      FROM generate_series(1, 80000) i) s
ORDER BY y, i;
CREATE TEMP TABLE st_shuffled AS SELECT * FROM st_sorted ORDER BY md5(id::text);

CREATE FUNCTION pg_temp.train(name text, src text, opts jsonb) RETURNS pgdl.train_result
LANGUAGE sql AS $$
SELECT * FROM pgdl.train_model(name, src, 'y', '[{"type":"dense","units":16,"activation":"relu"}]',
                               ARRAY['x1','x2','x3','x4','x5','x6','x7','x8'],
                               '{"epochs": 2, "batch_size": 32, "learning_rate": 0.01, "seed": 3}'::jsonb || opts)
$$;
CREATE FUNCTION pg_temp.accuracy(model text) RETURNS float8 LANGUAGE sql AS $$
SELECT value FROM pgdl.evaluate(model, 'st_shuffled', 'y') WHERE metric = 'accuracy'
$$;

-- bad values
SELECT throws_ok($$SELECT pg_temp.train('st_bad', 'st_shuffled', '{"data": "disk"}')$$, '22023',
                 'option "data" must be one of auto, memory, stream, got "disk"', 'an unknown data mode is 22023');
SELECT throws_ok($$SELECT pg_temp.train('st_bad', 'st_shuffled', '{"data": 1}')$$, '22023', NULL,
                 'a data mode that is not a string is 22023');
SELECT throws_ok($$SELECT pg_temp.train('st_bad', 'st_shuffled', '{"shuffle_buffer": 0}')$$, '22023',
                 'option "shuffle_buffer" must be an integer from 1 to 1000000000, got 0', 'shuffle_buffer 0 is 22023');
SELECT throws_ok($$SELECT pg_temp.train('st_bad', 'st_shuffled', '{"shuffle_buffer": -5}')$$, '22023', NULL,
                 'a negative shuffle_buffer is 22023');
SELECT throws_ok($$SELECT pg_temp.train('st_bad', 'st_shuffled', '{"shuffle_buffer": 2.5}')$$, '22023', NULL,
                 'a fractional shuffle_buffer is 22023');
SELECT throws_ok($$SELECT pg_temp.train('st_bad', 'st_shuffled', '{"shuffle_buffer": 1000000001}')$$, '22023', NULL,
                 'a shuffle_buffer above 1000000000 is 22023');
SELECT throws_ok($$SELECT pg_temp.train('st_bad', 'st_shuffled', '{"data": "memory", "shuffle_buffer": 100}')$$, '22023',
                 'option "shuffle_buffer" is for streamed rows, but "data" is "memory"', 'shuffle_buffer with data "memory" is 22023');
SELECT throws_ok($$SELECT * FROM pgdl.cross_validate('st_shuffled', 'y', '[{"type":"dense","units":2}]', 2, NULL, '{"data": "stream"}')$$,
                 '22023', NULL, 'cross_validate does not stream: data "stream" is 22023');

-- data "auto" counts a median imputer's working block with the rows: these
-- fit 4 MB alone, not with the block, so they are streamed (they stayed in
-- memory and the imputer's pass failed with 54000)
CREATE TEMP TABLE st_nulls AS
SELECT id, CASE WHEN id % 10 = 0 THEN NULL ELSE x1 END AS x1, x2, x3, x4, x5, x6, x7, x8, y FROM st_shuffled;
CREATE TEMP TABLE st_median (data text);
SELECT lives_ok($$INSERT INTO st_median SELECT (pg_temp.train('st_median', 'st_nulls', '{"impute": "median", "max_memory": "4096kB"}')).data$$,
                'data "auto" with a median imputer trains rows that do not fit beside its working block');
SELECT is((SELECT data FROM st_median), 'stream', '... by streaming them');

-- without validation rows there is no validation loss, in memory or streamed
-- (the in-memory batch source took a split without validation rows for all
-- the rows, and "validated" on the training rows every epoch)
SELECT is((SELECT validation_loss FROM pg_temp.train('st_noval', 'st_shuffled', '{"validation_fraction": 0, "epochs": 1}')),
          NULL::float8, 'validation_fraction 0 in memory: no validation loss');
SELECT is((SELECT validation_loss FROM pg_temp.train('st_noval', 'st_shuffled', '{"validation_fraction": 0, "epochs": 1, "data": "stream"}')),
          NULL::float8, 'validation_fraction 0 streamed: no validation loss');

-- in memory, the rows do not fit 512 kB
SELECT throws_like($$SELECT pg_temp.train('st_bad', 'st_shuffled', '{"data": "memory", "max_memory": "512kB"}')$$,
                   '%more than % (512 kB)%', 'data "memory" past the budget is an error');
SELECT throws_ok($$SELECT pg_temp.train('st_bad', 'st_shuffled', '{"data": "memory", "max_memory": "512kB"}')$$,
                 '54000', NULL, '... 54000');

-- streamed, they train in 512 kB: the budget charges every allocation, so a
-- training that held the rows would fail with 54000, and its peak is kept
SELECT is((pg_temp.train('st_stream', 'st_shuffled', '{"data": "stream", "max_memory": "512kB"}')).data, 'stream',
          'data "stream" trains on 2.9 MB of rows within a budget of 512 kB, and says it streamed');
SELECT cmp_ok(80000 * 9 * 4, '>', 5 * 512 * 1024, 'the prepared rows are more than five times the budget');
SELECT cmp_ok((SELECT (metrics->>'peak_memory_kb')::int FROM pgdl.models WHERE name = 'st_stream'), '<=', 512,
              'the most the training held stayed within the budget');
SELECT is((SELECT array_agg(DISTINCT data) FROM pgdl.training_history WHERE name = 'st_stream'), ARRAY['stream'],
          'pgdl.training_history says each epoch was streamed');
SELECT is((SELECT metrics->>'data' FROM pgdl.models WHERE name = 'st_stream'), 'stream', 'so do the metrics');
SELECT ok((SELECT validation_metric IS NOT NULL AND validation_loss IS NOT NULL FROM pgdl.models m,
           LATERAL (SELECT (m.metrics->>'validation_accuracy')::float8 AS validation_metric,
                           (m.metrics->>'validation_loss')::float8 AS validation_loss) v
           WHERE name = 'st_stream'), 'a streamed training keeps a validation split');

-- auto: in memory when the rows fit, streamed when they do not
SELECT is((pg_temp.train('st_memory', 'st_shuffled', '{}')).data, 'memory', 'data "auto" holds rows that fit in memory');
SELECT is((pg_temp.train('st_auto', 'st_shuffled', '{"max_memory": "512kB"}')).data, 'stream',
          'data "auto" streams rows that do not fit the budget');
SELECT is((SELECT array_agg(DISTINCT data) FROM pgdl.training_history WHERE name = 'st_memory'), ARRAY['memory'],
          'pgdl.training_history says the rows were in memory');

-- one feature: the targets, kept while the rows are read in case they fit,
-- would outgrow 640 kB (a doubling of 256 kB) before the rows are seen not to
-- fit; they are dropped and the rows streamed instead of failing with 54000
CREATE TEMP TABLE st_one AS SELECT sin(i)::float8 AS a, sin(i) > 0 AS y FROM generate_series(1, 100000) i;
SELECT is((SELECT data FROM pgdl.train_model('st_one', 'st_one', 'y', '[{"type":"dense","units":4}]', NULL,
                                             '{"epochs": 1, "max_memory": "640kB"}')), 'stream',
          'data "auto" streams when the targets alone would pass the budget while the rows are read');

-- quality: streaming trains as well as memory, and a table stored in label
-- order as well as a shuffled one
SELECT cmp_ok(pg_temp.accuracy('st_memory'), '>', 0.95::float8, 'in memory, the teacher is learned');
SELECT cmp_ok(abs(pg_temp.accuracy('st_stream') - pg_temp.accuracy('st_memory')), '<', 0.01::float8,
              'streamed in 512 kB, the model is within a point of the one trained in memory');
SELECT lives_ok($$SELECT pg_temp.train('st_sorted_stream', 'st_sorted', '{"data": "stream", "max_memory": "512kB"}')$$,
                'a table stored in label order streams');
SELECT cmp_ok(abs(pg_temp.accuracy('st_sorted_stream') - pg_temp.accuracy('st_memory')), '<', 0.01::float8,
              'stored in label order and streamed, the model is within a point of the shuffled one in memory');

-- a seed fixes the weights bit for bit; another seed changes them
SELECT lives_ok($$SELECT pg_temp.train('st_seed', 'st_sorted', '{"data": "stream", "max_memory": "512kB", "seed": 9, "epochs": 1}')$$,
                'a streamed training with seed 9');
SELECT lives_ok($$SELECT pg_temp.train('st_seed', 'st_sorted', '{"data": "stream", "max_memory": "512kB", "seed": 9, "epochs": 1}')$$,
                'again');
SELECT lives_ok($$SELECT pg_temp.train('st_seed', 'st_sorted', '{"data": "stream", "max_memory": "512kB", "seed": 10, "epochs": 1}')$$,
                'with seed 10');
SELECT ok(pgdl.export_model('st_seed@1') = pgdl.export_model('st_seed@2'),
          'two streamed trainings with the same seed give the same weights bit for bit');
SELECT ok(pgdl.export_model('st_seed@1') <> pgdl.export_model('st_seed@3'), 'another seed gives other weights');

-- a streaming training can be cancelled (throws_ok's WHEN OTHERS does not
-- catch 57014: this catches exactly that); 5,000 rows are read at once, then
-- a hundred thousand epochs stream them
CREATE FUNCTION pg_temp.cancelled(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN query_canceled THEN
    RETURN SQLSTATE;
END $$;
SET statement_timeout = '500ms';
CREATE TEMP TABLE st_cancel AS
SELECT pg_temp.cancelled($$SELECT pg_temp.train('st_cancel', 'SELECT * FROM st_shuffled LIMIT 5000',
                                                '{"data": "stream", "max_memory": "512kB", "epochs": 100000}')$$) AS state;
RESET statement_timeout;
SELECT is((SELECT state FROM st_cancel), '57014', 'statement_timeout cancels a streaming training with 57014');
SELECT is((SELECT count(*) FROM pgdl.models WHERE name = 'st_cancel'), 0::bigint, 'and it saved nothing');

SELECT * FROM finish();
ROLLBACK;
