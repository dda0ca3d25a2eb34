-- test/pgtap/text_join.sql: a "sequence" text column together with other
-- features in one model.  The text branch (embedding, pooling or a
-- recurrent layer) is joined with the other features after the first layer
-- that gives one vector per row.  The label needs both: it is (the review
-- is positive) XOR (x > 0), which only the joined model learns.  The text
-- column is not listed first; predictions on raw rows, padding invariance,
-- embed, evaluate, export/import and the refusals (22023, 0A000) are
-- checked.  Rolled back at the end.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(39);

CREATE TEMP TABLE docs AS
SELECT id,
	   ((id * 7919) % 200 - 100) / 50.0 AS x,
	   (ARRAY['red', 'blue', 'green'])[1 + id / 7 % 3] AS color,
	   (ARRAY['the', 'this movie', 'my phone', 'a book', 'our trip'])[1 + id % 5] || ' was ' ||
	   CASE WHEN id % 2 = 0 THEN (ARRAY['good', 'great', 'fine'])[1 + id / 5 % 3]
			ELSE (ARRAY['bad', 'awful', 'poor'])[1 + id / 5 % 3] END ||
	   ' ' || (ARRAY['indeed', 'overall', 'today', 'again'])[1 + id / 3 % 4] AS review
FROM generate_series(1, 600) id;
ALTER TABLE docs ADD COLUMN label text, ADD COLUMN arr float8[], ADD COLUMN day date;
UPDATE docs SET arr = ARRAY[0.5, x], day = date '2026-01-01' + id % 30;
UPDATE docs SET label = CASE WHEN (id % 2 = 0) <> (x > 0) THEN 'yes' ELSE 'no' END;

CREATE FUNCTION pg_temp.train(name text, features text[], opts text DEFAULT '',
							  layers text DEFAULT '[{"type":"embedding","output_dim":8},{"type":"global_avgpool"},{"type":"dense","units":16,"activation":"relu"}]')
RETURNS SETOF pgdl.train_result LANGUAGE sql AS $$
	SELECT * FROM pgdl.train_model(name, 'SELECT * FROM docs ORDER BY id', 'label', layers::jsonb, features,
		('{"epochs":40,"batch_size":16,"learning_rate":0.02,"seed":7,"text":{"review":{"max_length":8}}' || opts || '}')::jsonb)
$$;
-- the error a statement raises, as "SQLSTATE: message"
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

------------------------------------------------------------------------------
-- learning what needs both branches
------------------------------------------------------------------------------
SELECT cmp_ok(validation_metric, '>=', 0.95::float8,
			  'text and numbers joined: (review positive) XOR (x > 0) at 95% validation accuracy')
FROM pg_temp.train('j', ARRAY['x', 'color', 'review'], ',"categorical":["color"]');
SELECT cmp_ok(validation_metric, '<=', 0.75::float8, 'the text alone cannot learn it')
FROM pg_temp.train('j_text', ARRAY['review']);
SELECT cmp_ok(validation_metric, '<=', 0.75::float8, 'the numbers alone cannot learn it')
FROM pgdl.train_model('j_num', 'SELECT * FROM docs ORDER BY id', 'label',
					  '[{"type":"dense","units":16,"activation":"relu"}]', ARRAY['x', 'color'],
					  '{"epochs":40,"batch_size":16,"learning_rate":0.02,"seed":7,"categorical":["color"]}');

-- where the join is, and the layout: the text column's ids open each row
SELECT is(pgdl.model_info('j') -> 'features' -> 0 ->> 'name', 'review',
		  'the text column comes first in the model''s input, wherever it was listed');
SELECT is(ARRAY(SELECT f ->> 'name' FROM jsonb_array_elements(pgdl.model_info('j') -> 'features') f),
		  ARRAY['review', 'x', 'color'], 'the other features keep their order after it');
SELECT is(pgdl.model_info('j') -> 'join',
		  '{"after_layer": 2, "text_inputs": 8, "branch_width": 8, "joined_inputs": 4, "width": 12}'::jsonb,
		  'model_info shows the join: after the pooling, 8 + 4 inputs (x and three colours)');
SELECT is(pgdl.model_info('j') -> 'layers' -> 2 -> 'input_shape', '[12]'::jsonb,
		  'the dense layer after the join reads the concatenation');
SELECT is(pgdl.model_info('j') -> 'input_shape', '[12]'::jsonb, 'a row is the 8 ids and the 4 other inputs');
SELECT ok(pgdl.model_info('j_text') -> 'join' IS NULL, 'a text-only model has no join');
SELECT ok((pgdl.model_info('j') ->> 'standardized')::bool, 'the other features are standardized');

-- predictions on raw rows
SELECT cmp_ok((SELECT avg((pgdl.predict_label('j', d) = d.label)::int)::float8 FROM docs d), '>=', 0.95::float8,
			  'predict_label on raw rows: 95% right');
SELECT cmp_ok((SELECT value FROM pgdl.evaluate('j', 'docs', 'label') WHERE metric = 'accuracy'), '>=', 0.95::float8,
			  'evaluate reads the raw text and the numbers');
SELECT is((SELECT count(*) FROM docs d, pgdl.predict_batch('j', 'docs', 'id') p
		   WHERE p.id = d.id::text AND p.label IS DISTINCT FROM pgdl.predict_label('j', d)), 0::bigint,
		  'predict_batch agrees with predict_label row by row');
SELECT is(pgdl.predict_label('j', r), 'yes', 'an unseen sentence: great and x < 0')
FROM (SELECT 'zork great' AS review, -1.5 AS x, 'red' AS color) r;
SELECT is(pgdl.predict_label('j', r), 'no', 'the same sentence with x > 0')
FROM (SELECT 'zork great' AS review, 1.5 AS x, 'red' AS color) r;
SELECT is(pgdl.predict_label('j', r), 'yes', 'awful with x > 0')
FROM (SELECT 1.5 AS x, 'blue' AS color, 'awful zork' AS review) r;
SELECT ok(bool_and(abs(p.probabilities[1] + p.probabilities[2] - 1) < 1e-6), 'the probabilities of each row sum to 1')
FROM pgdl.predict_batch('j', 'docs', 'id') p;

-- padding: the model's vocabulary is that of every row (no validation split),
-- so pgdl.tokenize gives its ids; padding before them predicts what padding after does
SELECT lives_ok($$CREATE TEMP TABLE t_all AS SELECT * FROM pg_temp.train('j_all', ARRAY['review', 'x'], ',"validation_fraction":0')$$,
				'a joined model without validation rows');
CREATE TEMP TABLE v AS SELECT pgdl.vocabulary(review) AS v FROM docs;
CREATE TEMP TABLE ids AS SELECT pgdl.tokenize(v, 'my phone was great', 8) AS post FROM v;
SELECT is(pgdl.embed('j_all', (SELECT post FROM ids)::float8[] || ARRAY[-0.7]),
		  pgdl.embed('j_all', r),
		  'the ids and x as an array give what the raw row does')
FROM (SELECT 'my phone was great' AS review, -0.7 AS x) r;
SELECT is(pgdl.predict_proba('j_all', ARRAY[0, 0, 0] || (SELECT post[1:5] FROM ids)::float8[] || ARRAY[-0.7]),
		  pgdl.predict_proba('j_all', (SELECT post FROM ids)::float8[] || ARRAY[-0.7]),
		  'the document padded before predicts what it does padded after: the padding is masked');

-- embed: the representation the output layer reads, here the join itself
SELECT lives_ok($$CREATE TEMP TABLE t_e AS SELECT * FROM pg_temp.train('j_pool', ARRAY['x', 'review'], '',
				'[{"type":"embedding","output_dim":8},{"type":"global_avgpool"}]')$$,
				'the output layer may read the join directly');
SELECT is(array_length(pgdl.embed('j_pool', r), 1), 9, 'embed gives the pooled text (8) and x (1)')
FROM (SELECT 'good' AS review, 0.5 AS x) r;
SELECT ok((pgdl.embed('j_pool', a))[1:8] = (pgdl.embed('j_pool', b))[1:8]
		  AND (pgdl.embed('j_pool', a))[9] <> (pgdl.embed('j_pool', b))[9],
		  'the text part follows the text, the joined part follows x')
FROM (SELECT 'good' AS review, 0.5 AS x) a, (SELECT 'good' AS review, -0.5 AS x) b;

-- arrays and dates join as any other feature
SELECT cmp_ok(validation_metric, '>=', 0.95::float8, 'an array and a date joined with the text')
FROM pg_temp.train('j_arr', ARRAY['day', 'review', 'arr'], ',"dates":["day"]');
SELECT is((pgdl.model_info('j_arr') -> 'join' ->> 'joined_inputs')::int,
		  (SELECT sum((f ->> 'inputs')::int)::int FROM jsonb_array_elements(pgdl.model_info('j_arr') -> 'features') f
		   WHERE f ->> 'kind' <> 'text'),
		  'every input of the other features joins');

-- streamed rows and cross-validation lay the rows out the same way
SELECT cmp_ok(validation_metric, '>=', 0.95::float8, 'streamed rows train a joined model too')
FROM pg_temp.train('j_stream', ARRAY['x', 'review'], ',"data":"stream"');
SELECT cmp_ok((SELECT min(value) FROM pgdl.cross_validate('SELECT x, review, label FROM docs ORDER BY id', 'label',
			   '[{"type":"embedding","output_dim":8},{"type":"global_avgpool"},{"type":"dense","units":16,"activation":"relu"}]', 3,
			   ARRAY['x', 'review'],
			   '{"epochs":30,"batch_size":16,"learning_rate":0.02,"seed":7,"text":{"review":{"max_length":8}}}')
			   WHERE metric = 'accuracy'), '>=', 0.9::float8, 'cross_validate: each fold''s vocabulary, joined');

-- an lstm reduces the sequence: the join comes after it
SELECT cmp_ok(validation_metric, '>=', 0.9::float8, 'joined after an lstm')
FROM pg_temp.train('j_lstm', ARRAY['x', 'review'], ',"epochs":25',
				   '[{"type":"embedding","output_dim":8},{"type":"lstm","units":8},{"type":"dense","units":16,"activation":"relu"}]');

------------------------------------------------------------------------------
-- export and import: bit for bit
------------------------------------------------------------------------------
SELECT is(get_byte(pgdl.export_model('j'), 8), 2, 'a joined model is stored in format version 2');
SELECT is(pgdl.import_model('j_copy', pgdl.export_model('j')), 1, 'a joined model imports');
SELECT ok(pgdl.export_model('j_copy') = pgdl.export_model('j'), 'export/import round-trips it bit for bit');

------------------------------------------------------------------------------
-- refusals
------------------------------------------------------------------------------
SELECT alike(pg_temp.err($$SELECT pg_temp.train('x', ARRAY['x', 'review'], '',
										 '[{"type":"embedding","output_dim":8},{"type":"lstm","units":4,"return_sequences":true}]')$$),
			 '22023: the layers never reduce the token sequence of text column "review" to one vector per row before the output layer, so the other 1 inputs have nowhere to join',
			 'a text branch that never gives one vector per row is 22023');
SELECT alike(pg_temp.err($$SELECT pg_temp.train('x', ARRAY['x', 'review'], '',
										 '[{"type":"embedding","output_dim":8},{"type":"dense","units":4}]')$$),
			 '22023: the layers never reduce the token sequence of text column "review"%',
			 'a dense layer maps each step: still no vector per row, 22023');
SELECT alike(pg_temp.err($$SELECT * FROM pgdl.train_model('x', 'docs', 'label', '[{"type":"embedding","output_dim":4},{"type":"global_avgpool"}]',
										 ARRAY['x', 'review', 'color'], '{"text":{"review":{},"color":{}}}')$$),
			 '0A000: a model takes one text column with "encoding": "sequence", but there are 2',
			 'two sequence columns are 0A000');
SELECT alike(pg_temp.err($$SELECT * FROM pgdl.train_model('x', 'docs', 'label', '[{"type":"embedding","output_dim":4},{"type":"global_avgpool"}]',
										 ARRAY['x', 'review', 'color'], '{"text":{"review":{},"color":{"encoding":"tfidf"}}}')$$),
			 '0A000: a model takes text column "review" as a sequence or text column "color" as a bag of words, not both',
			 'a sequence column beside a bag of words is 0A000 (the embedding opens one, a first dense layer reads the other)');
-- an imputer fills the other features' inputs, never a token id: a NULL id in an array is 22004
CREATE TEMP TABLE t_imp AS SELECT * FROM pg_temp.train('j_imp', ARRAY['x', 'review'], ',"epochs":1,"impute":"median"');
SELECT is(pg_temp.err($$SELECT pgdl.predict_label('j_imp', ARRAY[NULL, 0, 0, 0, 0, 0, 0, 0, 0.5]::float8[])$$),
		  '22004: element 1 of the feature vector is NULL or NaN',
		  'a NULL token id in an array is 22004, not the imputer''s median id');
SELECT is(pgdl.predict_label('j_imp', ARRAY[0, 0, 0, 0, 0, 0, 0, 0, NULL]::float8[]),
		  pgdl.predict_label('j_imp', r), 'the NULL number after the ids is imputed, as in a row')
FROM (SELECT NULL::float8 AS x, NULL::text AS review) r;
SELECT alike(pg_temp.err($$SELECT pg_temp.train('x', ARRAY['x', 'review'], ',"input_shape":[9]')$$),
			 '22023: option "input_shape" does not apply to a model whose text column "review" is joined with other features',
			 'input_shape with a join is 22023');
SELECT alike(pg_temp.err($$SELECT pg_temp.train('x', ARRAY['x', 'review'], ',"warm_start":"j@1"')$$),
			 '0A000: warm_start does not take text features yet%', 'warm_start stays refused with a join');

SELECT * FROM finish();
ROLLBACK;
