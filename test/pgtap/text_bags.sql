-- test/pgtap/text_bags.sql: text columns as bags of words in train_model
-- (the option "text", encodings "tfidf", "counts" and "binary"), held
-- sparse in training.  A separable toy corpus is learned with each encoding;
-- unseen words are dropped; tfidf values equal scikit-learn's formula
-- computed in SQL from pgdl.tokens; the vocabulary is fitted on the training
-- split only; bags of words mix with numeric and categorical features;
-- prediction (the row made dense) equals training's sparse path; a
-- vocabulary far larger than a dense matrix could hold trains in a small
-- memory budget; export/import bit for bit; what is refused.  Rolled back
-- at the end.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(47);

-- a review is a few filler words around one word of its class
CREATE TEMP TABLE reviews AS
SELECT id,
	   (ARRAY['the', 'this movie', 'my phone', 'a book', 'our trip'])[1 + id % 5] || ' was ' ||
	   CASE WHEN id % 2 = 0 THEN (ARRAY['good', 'great', 'excellent'])[1 + id / 5 % 3]
			ELSE (ARRAY['bad', 'awful', 'terrible'])[1 + id / 5 % 3] END ||
	   ' ' || (ARRAY['indeed', 'overall', 'today', 'again', 'really', 'honestly'])[1 + id / 3 % 6] AS review,
	   (id % 7)::float8 AS noise,
	   (ARRAY['web', 'shop', 'mail'])[1 + id % 3] AS channel,
	   CASE WHEN id % 2 = 0 THEN (ARRAY['nice', 'fine'])[1 + id % 4 / 2] ELSE (ARRAY['poor', 'weak'])[1 + id % 4 / 2] END
	   || ' ' || (ARRAY['day', 'week', 'month'])[1 + id % 3] AS title,
	   CASE WHEN id % 2 = 0 THEN 'pos' ELSE 'neg' END AS label
FROM generate_series(1, 300) id;

CREATE FUNCTION pg_temp.train(name text, src text, opts text, layers text DEFAULT '[]',
							  features text[] DEFAULT NULL)
RETURNS SETOF pgdl.train_result LANGUAGE sql AS $$
	SELECT * FROM pgdl.train_model(name, src, 'label', layers::jsonb, features,
		('{"epochs":30,"batch_size":16,"learning_rate":0.05,"seed":7,' || opts || '}')::jsonb)
$$;
-- pg_temp.err(q): 'SQLSTATE: message | detail | hint' of q's error
\ir lib/errors.sql

------------------------------------------------------------------------------
-- learning a separable corpus, with each encoding
------------------------------------------------------------------------------
SELECT cmp_ok(validation_metric, '>=', 0.95::float8, 'a linear tfidf model reaches 95% validation accuracy')
FROM pg_temp.train('bag_tfidf', 'reviews', '"text":{"review":{"encoding":"tfidf"}}', '[]', ARRAY['review']);
SELECT cmp_ok(validation_metric, '>=', 0.95::float8, 'counts: 95%')
FROM pg_temp.train('bag_counts', 'reviews', '"text":{"review":{"encoding":"counts"}}', '[]', ARRAY['review']);
SELECT cmp_ok(validation_metric, '>=', 0.95::float8, 'binary, through a hidden dense layer: 95%')
FROM pg_temp.train('bag_binary', 'reviews', '"text":{"review":{"encoding":"binary"}}',
				   '[{"type":"dense","units":8,"activation":"relu"}]', ARRAY['review']);
SELECT cmp_ok((SELECT value FROM pgdl.evaluate('bag_tfidf', 'reviews', 'label') WHERE metric = 'accuracy'),
			  '>=', 0.95::float8, 'evaluate reads the raw text of the source: accuracy at least 95%');
SELECT is((SELECT count(*) FROM reviews r WHERE pgdl.predict_label('bag_counts', r) = r.label),
		  (SELECT count(*) FROM reviews r, pgdl.predict_batch('bag_counts', 'reviews', 'id') p
		   WHERE p.id = r.id::text AND p.label = r.label),
		  'predict_label(model, row) and predict_batch agree on the source');
SELECT is(pgdl.model_info('bag_tfidf') -> 'features' -> 0 ->> 'encoding', 'tfidf', 'model_info shows the encoding');
SELECT is((pgdl.model_info('bag_tfidf') -> 'features' -> 0 ->> 'inputs')::int,
		  (pgdl.model_info('bag_tfidf') -> 'features' -> 0 ->> 'vocabulary_size')::int,
		  'one input per word of the vocabulary');
SELECT is((pgdl.model_info('bag_tfidf') ->> 'standardized')::bool, false,
		  'a bag of words alone has nothing to standardize');

-- unseen words are dropped; the words it knows decide
SELECT is(pgdl.predict_label('bag_tfidf', r), 'pos', 'an unseen sentence with "great" is positive')
FROM (SELECT 'zorblax flimflam great qwerty' AS review) r;
SELECT is(pgdl.predict_label('bag_binary', r), 'neg', 'an unseen sentence with "awful" is negative')
FROM (SELECT 'zorblax flimflam awful qwerty' AS review) r;
SELECT is(pgdl.embed('bag_tfidf', r), pgdl.embed('bag_tfidf', e),
		  'only unseen words: the bag of an empty document')
FROM (SELECT 'zorblax flimflam' AS review) r, (SELECT '' AS review) e;
SELECT is((SELECT count(*) FROM unnest(pgdl.embed('bag_counts', r)) v WHERE v <> 0), 0::bigint,
		  'a NULL document is an empty bag')
FROM (SELECT NULL::text AS review) r;
SELECT is((SELECT max(v) FROM unnest(pgdl.embed('bag_counts', r)) v), 3::real,
		  'counts count: a word three times gives 3')
FROM (SELECT 'Great great GREAT' AS review) r;

------------------------------------------------------------------------------
-- tfidf as scikit-learn's TfidfVectorizer: idf = ln((1 + n) / (1 + df)) + 1, rows L2-normalised
------------------------------------------------------------------------------
CREATE TEMP TABLE t_all AS SELECT * FROM pg_temp.train('bag_all', 'reviews',
	'"epochs":1,"validation_fraction":0,"text":{"review":{"encoding":"tfidf"}}', '[]', ARRAY['review']);
CREATE TEMP TABLE toks AS
SELECT r.id, t.tok, count(*) AS tf
FROM reviews r, unnest(pgdl.tokens(r.review)) t(tok) GROUP BY r.id, t.tok;
CREATE TEMP TABLE idf AS
SELECT tok, ln((1 + (SELECT count(*) FROM reviews))::float8 / (1 + count(DISTINCT id))) + 1 AS idf
FROM toks GROUP BY tok;
CREATE TEMP TABLE ref AS
SELECT id, tf * idf / sqrt(sum((tf * idf) ^ 2) OVER (PARTITION BY id)) AS v
FROM toks JOIN idf USING (tok);
CREATE TEMP TABLE cmp AS
SELECT r.id, (SELECT array_agg(v ORDER BY v) FROM ref WHERE ref.id = r.id) AS want,
	   (SELECT array_agg(e ORDER BY e) FROM unnest(pgdl.embed('bag_all', r)) e WHERE e <> 0) AS got
FROM reviews r;
SELECT is((SELECT count(*) FROM cmp
		   WHERE cardinality(want) IS DISTINCT FROM cardinality(got)
			  OR EXISTS (SELECT FROM unnest(want, got) u(w, g) WHERE abs(w - g) > 1e-6)), 0::bigint,
		  'every row''s tfidf values equal those computed in SQL from pgdl.tokens (within float32)');
SELECT is((SELECT count(*) FROM reviews r
		   WHERE abs((SELECT sum(e * e) FROM unnest(pgdl.embed('bag_all', r)) e) - 1) > 1e-5), 0::bigint,
		  'each row has an L2 norm of 1');

------------------------------------------------------------------------------
-- the vocabulary: the training split only
------------------------------------------------------------------------------
-- each row has a word of its own: the vocabulary holds those of the training rows, no more
CREATE TEMP TABLE uniq AS
SELECT id, 'w' || id || CASE WHEN id % 2 = 0 THEN ' good' ELSE ' bad' END AS review,
	   CASE WHEN id % 2 = 0 THEN 'pos' ELSE 'neg' END AS label
FROM generate_series(1, 100) id;
CREATE TEMP TABLE t1 AS SELECT * FROM pg_temp.train('uniq', 'uniq',
	'"epochs":1,"validation_fraction":0.2,"text":{"review":{"encoding":"counts"}}', '[]', ARRAY['review']);
SELECT is((pgdl.model_info('uniq') -> 'features' -> 0 ->> 'inputs')::int, 80 + 2,
		  'one word per training row + good and bad: the 20 validation rows'' words left out');
SELECT is((SELECT count(*) FROM uniq u, LATERAL (SELECT 'w' || u.id AS review) r
		   WHERE (SELECT count(*) FROM unnest(pgdl.embed('uniq', r)) e WHERE e <> 0) = 1), 80::bigint,
		  'a word only in a validation row is unknown: 80 of the 100 row words are known');

------------------------------------------------------------------------------
-- with other features; prediction equals training's sparse path
------------------------------------------------------------------------------
SELECT cmp_ok(validation_metric, '>=', 0.95::float8, 'tfidf with a number and a category, through a hidden layer: 95%')
FROM pg_temp.train('bag_mixed', 'reviews', '"categorical":["channel"],"text":{"review":{"encoding":"tfidf"}}',
				   '[{"type":"dense","units":8,"activation":"relu"}]', ARRAY['review', 'noise', 'channel']);
SELECT is(ARRAY(SELECT f ->> 'name' FROM jsonb_array_elements(pgdl.model_info('bag_mixed') -> 'features') f),
		  ARRAY['noise', 'channel', 'review'], 'the bag of words comes after the other inputs');
SELECT is((pgdl.model_info('bag_mixed') ->> 'standardized')::bool, true, 'the other inputs are standardized');
SELECT is(pgdl.predict_label('bag_mixed', r), 'pos', 'predict reads the three columns of a row')
FROM (SELECT 'what an excellent trip' AS review, 3.0::float8 AS noise, 'web' AS channel) r;
-- a learning rate too small to move a weight: the one epoch's training loss, from the sparse rows,
-- is the log loss of the same weights predicting the rows made dense
CREATE TEMP TABLE t_still AS SELECT * FROM pg_temp.train('bag_still', 'reviews',
	'"epochs":1,"learning_rate":1e-30,"validation_fraction":0,"categorical":["channel"],"text":{"review":{"encoding":"counts"}}',
	'[{"type":"dense","units":8,"activation":"tanh"}]', ARRAY['review', 'noise', 'channel']);
SELECT cmp_ok(abs((SELECT train_loss FROM t_still) -
				  (SELECT value FROM pgdl.evaluate('bag_still', 'reviews', 'label') WHERE metric = 'log_loss')),
			  '<', 1e-5::float8, 'prediction (the row made dense) gives the loss training measured on the sparse rows');

-- two bags of words and a number: each bag's columns after the one before
CREATE TEMP TABLE t_two AS SELECT * FROM pg_temp.train('bag_two', 'reviews',
	'"epochs":1,"learning_rate":1e-30,"validation_fraction":0,"text":{"review":{"encoding":"tfidf"},"title":{"encoding":"binary"}}',
	'[{"type":"dense","units":8,"activation":"tanh"}]', ARRAY['title', 'noise', 'review']);
SELECT is(ARRAY(SELECT (f ->> 'name') || ':' || (f ->> 'inputs') FROM jsonb_array_elements(pgdl.model_info('bag_two') -> 'features') f),
		  ARRAY['noise:1', 'title:7', 'review:22'], 'two bags of words after the number, in the order listed');
SELECT cmp_ok(abs((SELECT train_loss FROM t_two) -
				  (SELECT value FROM pgdl.evaluate('bag_two', 'reviews', 'label') WHERE metric = 'log_loss')),
			  '<', 1e-5::float8, 'two bags of words: prediction gives the loss training measured on the sparse rows');
SELECT cmp_ok(validation_metric, '>=', 0.95::float8, 'and they learn together')
FROM pg_temp.train('bag_two', 'reviews', '"text":{"review":{"encoding":"tfidf"},"title":{"encoding":"binary"}}',
				   '[]', ARRAY['title', 'noise', 'review']);
-- cross-validation: a vocabulary per fold, its rows scored dense
SELECT cmp_ok((SELECT avg(value) FROM pgdl.cross_validate('reviews', 'label', '[]', 3, ARRAY['title', 'noise', 'review'],
			   '{"epochs":20,"batch_size":16,"learning_rate":0.05,"text":{"review":{"encoding":"tfidf"},"title":{"encoding":"binary"}}}')
			   WHERE metric = 'accuracy'), '>=', 0.95::float8,
			  'cross_validate fits a vocabulary per fold: accuracy at least 95%');
-- another vocabulary does not change what a query passes: a new version, not a new meaning
SELECT is(version, 3, 'a version trained on other rows, with another vocabulary, is the same model')
FROM pg_temp.train('bag_two', 'SELECT * FROM reviews WHERE review NOT LIKE ''%excellent%''',
				   '"text":{"review":{"encoding":"tfidf"},"title":{"encoding":"binary"}}', '[]', ARRAY['title', 'noise', 'review']);
SELECT is((pgdl.model_info('bag_two') -> 'features' -> 2 ->> 'inputs')::int, 21, 'of one word fewer');

-- an imputer fills the other inputs only: a missing value among a bag's inputs (an array) is 22004
CREATE TEMP TABLE t_imp AS SELECT * FROM pg_temp.train('bag_imp',
	'SELECT review, CASE WHEN id % 10 = 0 THEN NULL ELSE noise END AS noise, label FROM reviews',
	'"epochs":1,"impute":"mean","text":{"review":{"encoding":"counts"}}', '[]', ARRAY['review', 'noise']);
CREATE TEMP TABLE imp_zero AS
SELECT array_fill(0::float8, ARRAY[(pgdl.model_info('bag_imp') -> 'input_shape' ->> 0)::int]) AS x;
SELECT alike(pg_temp.err(format($$SELECT pgdl.model_inputs('bag_imp', %L::float8[])$$, x[1:1] || 'NaN'::float8 || x[3:])),
			 '22004: element 2 of the feature vector is NULL or NaN%',
			 'model_inputs: a NaN bag-of-words value is 22004, not passed on to the network') FROM imp_zero;
SELECT alike(pg_temp.err(format($$SELECT pgdl.predict_label('bag_imp', %L::float8[])$$, x[1:1] || NULL::float8 || x[3:])),
			 '22004: element 2 of the feature vector is NULL or NaN | It is an input of the bag of words of text column "review", which the imputer does not fill.%',
			 'a NULL bag-of-words value in an array is 22004, though the model has an imputer') FROM imp_zero;
SELECT is(pgdl.predict_label('bag_imp', NULL::float8 || x[2:]), pgdl.predict_label('bag_imp', r),
		  'the NULL number beside it is imputed, as in a row')
FROM imp_zero, (SELECT NULL::float8 AS noise, '' AS review) r;

-- the folds after the first fit their bags anew beside an imputer's missing numbers
SELECT cmp_ok((SELECT avg(value) FROM pgdl.cross_validate(
				   'SELECT review, CASE WHEN id % 10 = 0 THEN NULL ELSE noise END AS noise, label FROM reviews',
				   'label', '[]', 3, ARRAY['review', 'noise'],
				   '{"epochs":20,"batch_size":16,"learning_rate":0.05,"impute":"mean","text":{"review":{"encoding":"counts"}}}')
			   WHERE metric = 'accuracy'), '>=', 0.95::float8,
			  'cross_validate with an imputer and missing numbers beside a bag of words: accuracy at least 95%');

------------------------------------------------------------------------------
-- held sparse: memory in proportion to the words present
------------------------------------------------------------------------------
-- 400 short documents of words of their own: a vocabulary of 1,202 words as a dense
-- float32 matrix would take 400 x 1,202 x 4 bytes = 1.8 MB, more than the 1 MB allowed
CREATE TEMP TABLE many AS
SELECT id, 'u' || id || ' v' || id || ' x' || id || CASE WHEN id % 2 = 0 THEN ' good' ELSE ' bad' END AS review,
	   CASE WHEN id % 2 = 0 THEN 'pos' ELSE 'neg' END AS label
FROM generate_series(1, 400) id;
CREATE TEMP TABLE t_many AS SELECT * FROM pg_temp.train('many', 'many',
	'"epochs":2,"validation_fraction":0,"max_memory":1024,"text":{"review":{"encoding":"tfidf","vocabulary_size":200000}}',
	'[]', ARRAY['review']);
SELECT is((pgdl.model_info('many') -> 'features' -> 0 ->> 'inputs')::int, 1202, 'a vocabulary of 1,202 words');
SELECT cmp_ok(400 * 1202 * 4 / 1024, '>', 1024, 'whose dense matrix would not fit the budget');
SELECT cmp_ok((SELECT (metrics ->> 'peak_memory_kb')::int FROM pgdl.models WHERE name = 'many'), '<=', 1024,
			  'trained within max_memory 1024 kB: the bags of words held sparse');

-- and the bags themselves are charged to it: 2,000 documents of 150 words each (300,000 counts)
CREATE TEMP TABLE wordy AS
SELECT id, (SELECT string_agg('w' || ((id * 7 + k) % 300), ' ') FROM generate_series(1, 150) k) AS review,
	   CASE WHEN id % 2 = 0 THEN 'pos' ELSE 'neg' END AS label
FROM generate_series(1, 2000) id;
SELECT alike(pg_temp.err($$SELECT pg_temp.train('x', 'wordy', '"epochs":1,"max_memory":1024,"text":{"review":{"encoding":"counts"}}',
												'[]', ARRAY['review'])$$),
			 '54000: the training needs more memory than the option "max_memory" (1024 kB)% |  | Use fewer rows%',
			 'bags of words past the budget are 54000, with a hint');

------------------------------------------------------------------------------
-- export and import: bit for bit
------------------------------------------------------------------------------
SELECT is(get_byte(pgdl.export_model('bag_mixed'), 8), 2, 'a bag-of-words model is stored in format version 2');
SELECT is(pgdl.import_model('bag_copy', pgdl.export_model('bag_mixed')), 1, 'it imports');
SELECT ok(pgdl.export_model('bag_copy') = pgdl.export_model('bag_mixed'), 'export/import round-trips it bit for bit');
SELECT is((SELECT count(*) FROM pgdl.predict_batch('bag_copy', 'reviews', 'id') a
		   JOIN pgdl.predict_batch('bag_mixed', 'reviews', 'id') b USING (id) WHERE a.probabilities <> b.probabilities),
		  0::bigint, 'the copy predicts what the original does');

------------------------------------------------------------------------------
-- what is refused
------------------------------------------------------------------------------
SELECT alike(pg_temp.err($$SELECT pg_temp.train('x', 'reviews', '"text":{"review":{"encoding":"bag"}}')$$),
			 '22023: option "text" column "review": option "encoding" must be one of sequence, tfidf, counts, binary, got "bag"%',
			 'an unknown encoding is 22023 listing the accepted ones');
SELECT alike(pg_temp.err($$SELECT pg_temp.train('x', 'reviews', '"text":{"review":{"encoding":"tfidf"}}',
												'[{"type":"dropout","rate":0.1}]', ARRAY['review'])$$),
			 '22023: text column "review" gives a bag of words: the first layer must be dense, not dropout |  | Begin the layers with {"type": "dense"%',
			 'a first layer that is not dense is 22023, with a hint');
SELECT alike(pg_temp.err($$SELECT pg_temp.train('x', 'reviews', '"data":"stream","text":{"review":{"encoding":"tfidf"}}',
												'[]', ARRAY['review'])$$),
			 '0A000: streamed training does not take bag-of-words text features yet: text column "review" is "tfidf" |  | Leave out "data", or set it to "memory"%',
			 'streamed rows are refused (0A000) with a hint, not made dense');
SELECT alike(pg_temp.err($$SELECT pg_temp.train('x', 'reviews', '"parallel_workers":2,"text":{"review":{"encoding":"counts"}}',
												'[]', ARRAY['review'])$$),
			 '0A000: data-parallel training does not take text features yet%',
			 'data-parallel training is refused (0A000)');
SELECT alike(pg_temp.err($$SELECT pg_temp.train('x', 'reviews', '"text":{"review":{"encoding":"counts","min_count":100000}}',
												'[]', ARRAY['review'])$$),
			 '22023: text column "review" has no word in the training rows |  | Lower "min_count", or add "oov_buckets".',
			 'a vocabulary without a word is 22023');
SELECT alike(pg_temp.err($$SELECT pg_temp.train('x', 'reviews', '"epochs":1,"text":{"review":{"encoding":"counts","oov_buckets":1000000}}',
												'[]', ARRAY['review'])$$),
			 '54000: more than 1000000 inputs with the vocabulary of text column "review" | The column gives 22 words and 1000000 oov buckets, one input each; the inputs before it number 0. | Lower "vocabulary_size" or "oov_buckets".',
			 'a bag of words past the inputs'' limit through its oov buckets is 54000 naming them');
SELECT alike(pg_temp.err($$SELECT pg_temp.train('x', 'reviews', '"warm_start":"bag_tfidf@1","text":{"review":{"encoding":"tfidf"}}',
												'[]', ARRAY['review'])$$),
			 '0A000: warm_start does not take text features yet%',
			 'warm_start is refused: a new vocabulary gives the inputs other meanings');

SELECT * FROM finish();
ROLLBACK;
