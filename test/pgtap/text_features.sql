-- test/pgtap/text_features.sql: text columns as features of train_model
-- (the option "text", encoding "sequence").  A separable toy corpus of
-- English and Chinese reviews is learned; predictions on unseen words (the
-- unknown id) follow the words the model knows; the vocabulary is fitted on
-- the training split only and capped at vocabulary_size; export/import
-- round-trips a text model bit for bit; bad options are 22023.  Rolled back
-- at the end.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(39);

-- a review is a few filler words around one word of its class, in English
-- or in Chinese (no spaces: the tokenizer cuts Chinese into characters and
-- character pairs)
CREATE TEMP TABLE reviews AS
SELECT id,
	   CASE WHEN id % 3 = 0 THEN
			(ARRAY['这部电影', '这本书', '那家餐厅', '我的手机'])[1 + id / 6 % 4] || '非常' ||
			CASE WHEN id % 2 = 0 THEN (ARRAY['好', '棒', '精彩'])[1 + id / 7 % 3]
				 ELSE (ARRAY['差', '糟糕', '烂'])[1 + id / 7 % 3] END
	   ELSE
			(ARRAY['the', 'this movie', 'my phone', 'a book', 'our trip'])[1 + id % 5] || ' was ' ||
			CASE WHEN id % 2 = 0 THEN (ARRAY['good', 'great', 'excellent'])[1 + id / 5 % 3]
				 ELSE (ARRAY['bad', 'awful', 'terrible'])[1 + id / 5 % 3] END ||
			' ' || (ARRAY['indeed', 'overall', 'today', 'again', 'really', 'honestly'])[1 + id / 3 % 6]
	   END AS review,
	   CASE WHEN id % 2 = 0 THEN 'pos' ELSE 'neg' END AS label
FROM generate_series(1, 400) id;

CREATE FUNCTION pg_temp.train(name text, src text, opts text,
							  layers text DEFAULT '[{"type":"embedding","output_dim":8},{"type":"global_avgpool"}]',
							  features text[] DEFAULT NULL)
RETURNS SETOF pgdl.train_result LANGUAGE sql AS $$
	SELECT * FROM pgdl.train_model(name, src, 'label', layers::jsonb, features,
		('{"epochs":40,"batch_size":16,"learning_rate":0.05,"seed":7,' || opts || '}')::jsonb)
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
-- learning a separable corpus
------------------------------------------------------------------------------
SELECT cmp_ok((SELECT validation_metric FROM pg_temp.train('rev', 'SELECT id, review, label FROM reviews ORDER BY id',
											  '"text":{"review":{"encoding":"sequence","max_length":12}}')),
			  '>=', 0.95::float8, 'a sequence model of English and Chinese reviews reaches 95% validation accuracy');
SELECT cmp_ok((SELECT value FROM pgdl.evaluate('rev', 'reviews', 'label') WHERE metric = 'accuracy'),
			  '>=', 0.95::float8, 'evaluate reads the raw text of the source: accuracy at least 95%');
SELECT is((SELECT count(*) FROM reviews r WHERE pgdl.predict_label('rev', r) = r.label),
		  (SELECT count(*) FROM reviews r, pgdl.predict_batch('rev', 'reviews', 'id') p
		   WHERE p.id = r.id::text AND p.label = r.label),
		  'predict_label(model, row) and predict_batch agree on the source');
SELECT is(pgdl.model_info('rev') -> 'features' -> 0 ->> 'kind', 'text', 'model_info shows a text feature');
SELECT is((pgdl.model_info('rev') -> 'features' -> 0 ->> 'inputs')::int, 12, 'of max_length inputs');
SELECT is((pgdl.model_info('rev') -> 'features' -> 0 ->> 'vocabulary_size')::int,
		  (pgdl.model_info('rev') -> 'layers' -> 0 ->> 'input_dim')::int - 2,
		  'and its vocabulary: the embedding''s ids less padding and unknown');
SELECT ok((pgdl.model_info('rev') -> 'layers' -> 0 ->> 'mask_zero')::bool,
		  'the embedding masks the padding (id 0)');

-- unseen words are the unknown id; the words it knows decide
SELECT is(pgdl.predict_label('rev', r), 'pos', 'an unseen sentence with "great" is positive')
FROM (SELECT 'zorblax flimflam great qwerty' AS review) r;
SELECT is(pgdl.predict_label('rev', r), 'neg', 'an unseen sentence with "awful" is negative')
FROM (SELECT 'zorblax flimflam awful qwerty' AS review) r;
SELECT is(pgdl.predict_label('rev', r), 'pos', 'Chinese: 棒 is positive, in a sentence never seen')
FROM (SELECT '这本书棒' AS review) r;
SELECT is(pgdl.predict_label('rev', r), 'neg', 'Chinese: 糟糕 is negative')
FROM (SELECT '这本书糟糕' AS review) r;
SELECT is(pgdl.predict_label('rev', r), 'pos', 'case folding: GREAT is great')
FROM (SELECT 'THE TRIP WAS GREAT' AS review) r;
SELECT ok(pgdl.predict_label('rev', r) IN ('pos', 'neg'), 'a NULL document is an empty one (all padding)')
FROM (SELECT NULL::text AS review) r;
SELECT ok(pgdl.predict_label('rev', r) IN ('pos', 'neg'), 'a document longer than max_length keeps its start')
FROM (SELECT repeat('good ', 5000) AS review) r;
SELECT is(pgdl.predict_label('rev', r), 'pos', 'a varchar column is text too')
FROM (SELECT 'it was excellent'::varchar(40) AS review) r;

------------------------------------------------------------------------------
-- the vocabulary: the training split only, capped
------------------------------------------------------------------------------
-- each row has a word of its own: the vocabulary holds those of the training rows, no more
CREATE TEMP TABLE uniq AS
SELECT id, 'w' || id || CASE WHEN id % 2 = 0 THEN ' good' ELSE ' bad' END AS review,
	   CASE WHEN id % 2 = 0 THEN 'pos' ELSE 'neg' END AS label
FROM generate_series(1, 100) id;
CREATE TEMP TABLE t1 AS SELECT * FROM pg_temp.train('uniq', 'uniq', '"epochs":1,"validation_fraction":0.2,"text":{"review":{}}');
SELECT is((pgdl.model_info('uniq') -> 'layers' -> 0 ->> 'input_dim')::int,
		  2 + (SELECT (metrics ->> 'rows')::int FROM pgdl.models WHERE name = 'uniq' AND version = 1) + 2,
		  'input_dim = padding and unknown + one word per training row + good and bad: validation rows left out');
SELECT is((SELECT (metrics ->> 'rows')::int FROM pgdl.models WHERE name = 'uniq' AND version = 1), 80,
		  'of 80 training rows');
CREATE TEMP TABLE t2 AS SELECT * FROM pg_temp.train('uniq', 'uniq', '"epochs":1,"validation_fraction":0,"text":{"review":{}}');
SELECT is((pgdl.model_info('uniq') -> 'layers' -> 0 ->> 'input_dim')::int, 2 + 100 + 2,
		  'without validation every row counts');
CREATE TEMP TABLE t3 AS SELECT * FROM pg_temp.train('uniq', 'uniq', '"epochs":1,"text":{"review":{"vocabulary_size":5}}');
SELECT is((pgdl.model_info('uniq') -> 'layers' -> 0 ->> 'input_dim')::int, 2 + 5,
		  'vocabulary_size caps the vocabulary at the most frequent tokens');
SELECT is(pgdl.predict_label('uniq', r), 'pos', 'good and bad are the most frequent: kept')
FROM (SELECT 'good' AS review) r;

------------------------------------------------------------------------------
-- other paths: streamed rows, cross-validation, an lstm
------------------------------------------------------------------------------
SELECT cmp_ok(validation_metric, '>=', 0.95::float8, 'streamed rows train the same way')
FROM pg_temp.train('rev_stream', 'SELECT id, review, label FROM reviews ORDER BY id',
				   '"data":"stream","text":{"review":{"max_length":12}}');
SELECT cmp_ok((SELECT avg(value) FROM pgdl.cross_validate('SELECT review, label FROM reviews ORDER BY id', 'label',
			   '[{"type":"embedding","output_dim":8},{"type":"global_avgpool"}]', 3, NULL,
			   '{"epochs":20,"batch_size":16,"learning_rate":0.05,"text":{"review":{"max_length":12}}}')
			   WHERE metric = 'accuracy'), '>=', 0.9::float8,
			  'cross_validate fits a vocabulary per fold');
SELECT cmp_ok(validation_metric, '>=', 0.9::float8, 'an lstm reads the token ids, padding masked')
FROM pg_temp.train('rev_lstm', 'SELECT id, review, label FROM reviews ORDER BY id',
				   '"epochs":15,"learning_rate":0.02,"text":{"review":{"max_length":12,"tokenizer":"word","lowercase":true}}',
				   '[{"type":"embedding","output_dim":8},{"type":"lstm","units":8}]');

------------------------------------------------------------------------------
-- export and import: bit for bit
------------------------------------------------------------------------------
SELECT is(get_byte(pgdl.export_model('rev'), 8), 2, 'a text model is stored in format version 2');
SELECT is(pgdl.import_model('rev_copy', pgdl.export_model('rev')), 1, 'a text model imports');
SELECT ok(pgdl.export_model('rev_copy') = pgdl.export_model('rev'), 'export/import round-trips it bit for bit');
SELECT is((SELECT count(*) FROM pgdl.predict_batch('rev_copy', 'reviews', 'id') a
		   JOIN pgdl.predict_batch('rev', 'reviews', 'id') b USING (id) WHERE a.probabilities <> b.probabilities),
		  0::bigint,
		  'the copy predicts what the original does');

------------------------------------------------------------------------------
-- bad options
------------------------------------------------------------------------------
SELECT alike(pg_temp.err($$SELECT pg_temp.train('x', 'reviews', '"text":{"review":{"encoding":"bag"}}')$$),
			 '22023: option "text" column "review": option "encoding" must be one of sequence, tfidf, counts, binary, got "bag"',
			 'an unknown encoding is 22023 naming the column and the accepted values');
SELECT alike(pg_temp.err($$SELECT pg_temp.train('x', 'reviews', '"text":{"review":{"max_length":0}}')$$),
			 '22023: option "text" column "review": option "max_length" must be an integer from 1 to 100000, got 0',
			 'max_length 0 is 22023');
SELECT alike(pg_temp.err($$SELECT pg_temp.train('x', 'reviews', '"text":{"review":{"max_length":100001}}')$$),
			 '22023: %max_length%', 'max_length past 100000 is 22023');
SELECT alike(pg_temp.err($$SELECT pg_temp.train('x', 'reviews', '"text":{"review":{"vocab":5}}')$$),
			 '22023: option "text" column "review": unknown option "vocab"; accepted options: encoding, max_length, vocabulary_size, %',
			 'an unknown key of a column is 22023');
SELECT alike(pg_temp.err($$SELECT pg_temp.train('x', 'reviews', '"text":{"id":{}}')$$),
			 '22023: option "text" names column "id", which is integer, not text',
			 'a non-text column in "text" is 22023');
SELECT alike(pg_temp.err($$SELECT pg_temp.train('x', 'reviews', '"text":{"nope":{}}')$$),
			 '42703: text column "nope" is not in the source', 'a missing column is 42703');
SELECT alike(pg_temp.err($$SELECT pg_temp.train('x', 'reviews', '"text":{"review":{}}', '[{"type":"dense","units":4}]')$$),
			 '22023: text column "review" gives token ids: the first layer must be an embedding',
			 'a sequence needs an embedding first');
SELECT alike(pg_temp.err($$SELECT pg_temp.train('x', 'reviews', '"text":{"review":{}}', '[{"type":"embedding","input_dim":50,"output_dim":4}]')$$),
			 '22023: the embedding takes its input_dim from the vocabulary of text column "review"',
			 'an input_dim with a text column is 22023');
SELECT alike(pg_temp.err($$SELECT pg_temp.train('x', 'reviews', '"text":{"review":{}}', features => ARRAY['id'])$$),
			 '22023: option "text" names column "review", which is not among the features',
			 'a text column left out of the features listed is 22023');

SELECT alike(pg_temp.err($$SELECT pg_temp.train('x', 'reviews', '"warm_start":"rev@1","text":{"review":{}}')$$),
			 '0A000: warm_start does not take text features yet%',
			 'warm_start with a text feature is refused: a new vocabulary gives the ids other meanings');
SELECT is(pg_temp.err($$SELECT pg_temp.train('x', 'reviews', '"epochs":1,"text":{"review":{}}', features => ARRAY['review', 'id'])$$),
		  'no error', 'text and numeric features train together (test/pgtap/text_join.sql)');
SELECT alike(pg_temp.err($$SELECT * FROM pgdl.train_model('x', 'SELECT ARRAY[1, 2, 3] AS ids, label FROM reviews', 'label',
										 '[{"type":"embedding","output_dim":4}]')$$),
			 '22023: layer 1 (embedding): "input_dim" (the vocabulary size) is required',
			 'an embedding without input_dim needs a text column to give it');

SELECT * FROM finish();
ROLLBACK;
