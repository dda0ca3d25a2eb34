-- test/pgtap/text.sql: tokenizers and vocabularies (the README's "Text"):
-- pgdl.tokens, the aggregate pgdl.vocabulary (NULL rows skipped, parallel
-- plans equal to serial ones, the text form round-tripping), pgdl.tokenize,
-- the accessors, and every error path with its SQLSTATE, including bytes
-- that are not UTF-8 in a SQL_ASCII database (a second database, reached
-- through dblink, created and dropped by this suite).
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(58);

-- ---- markings ------------------------------------------------------------------
SELECT is((SELECT string_agg(DISTINCT proparallel::text, ',') FROM pg_proc WHERE oid IN
			('pgdl.vocabulary(text)'::regprocedure, 'pgdl.vocabulary(text, jsonb)'::regprocedure,
			 'pgdl.tokens(text, jsonb)'::regprocedure, 'pgdl.tokenize(pgdl.vocabulary, text, int)'::regprocedure)),
		  's', 'the aggregates, tokens and tokenize are PARALLEL SAFE');
SELECT is((SELECT string_agg(DISTINCT aggcombinefn::text || '/' || aggserialfn::text || '/' || aggtranstype::regtype::text, ',')
		   FROM pg_aggregate WHERE aggfnoid IN ('pgdl.vocabulary(text)'::regprocedure, 'pgdl.vocabulary(text, jsonb)'::regprocedure)),
		  'pgdl.vocabulary_combine/-/pgdl.vocabulary_state',
		  'both aggregates combine over the concrete state type pgdl.vocabulary_state, without a serialize function');
SELECT is((SELECT provolatile::text || left(proisstrict::text, 1) FROM pg_proc WHERE oid = 'pgdl.tokens(text, jsonb)'::regprocedure),
		  'it', 'tokens is IMMUTABLE STRICT');
SELECT is((SELECT provolatile::text || left(proisstrict::text, 1) FROM pg_proc WHERE oid = 'pgdl.tokenize(pgdl.vocabulary, text, int)'::regprocedure),
		  'if', 'tokenize is IMMUTABLE and CALLED ON NULL INPUT (max_length defaults to NULL)');

-- ---- the tokenizer ---------------------------------------------------------------
SELECT is(pgdl.tokens('The quick brown Fox, isn''t it? 3.14!'), ARRAY['the', 'quick', 'brown', 'fox', 'isn''t', 'it', '3.14'],
		  'English: words, lowercase, apostrophes and decimals kept');
SELECT is(pgdl.tokens('我爱机器学习'), ARRAY['我', '爱', '我爱', '机', '爱机', '器', '机器', '学', '器学', '习', '学习'],
		  'Chinese: character unigrams and bigrams, not one token');
SELECT is(pgdl.tokens('iPhone手机 ΣΊΣΥΦΟΣ ЖУРНАЛ 😀'), ARRAY['iphone', '手', '机', '手机', 'σίσυφοσ', 'журнал', '😀'],
		  'mixed scripts, Greek and Cyrillic case folding, an emoji token');
SELECT is(pgdl.tokens(' 	 '), '{}'::text[], 'a whitespace-only document has no tokens');
SELECT is(pgdl.tokens('The Fox', '{"lowercase": false}'), ARRAY['The', 'Fox'], 'lowercase false keeps the case');
SELECT is(pgdl.tokens('a b c', '{"ngrams": 2}'), ARRAY['a', 'b', 'a b', 'c', 'b c'], 'word bigrams follow each word');
SELECT is(pgdl.tokens('Cat', '{"tokenizer": "char"}'), ARRAY[' ca', 'cat', 'at '], 'char: trigrams of the padded word');
SELECT is(pgdl.tokens(NULL), NULL, 'NULL document, NULL tokens');
SELECT is((SELECT cardinality(pgdl.tokens(repeat('word ', 200000)))), 200000, 'a 1 MB document');

-- ---- bad options: 22023 -------------------------------------------------------------
SELECT throws_ok($$SELECT pgdl.tokens('x', '{"ngrams": 0}')$$, '22023', NULL, 'ngrams 0 is 22023');
SELECT throws_ok($$SELECT pgdl.tokens('x', '{"ngrams": 9}')$$, '22023', NULL, 'ngrams 9 is 22023');
SELECT throws_ok($$SELECT pgdl.tokens('x', '{"tokenizer": "bpe"}')$$, '22023', NULL, 'an unknown tokenizer is 22023');
SELECT throws_ok($$SELECT pgdl.tokens('x', '{"stopwords": true}')$$, '22023', NULL, 'an unknown option is 22023');
SELECT throws_ok($$SELECT pgdl.tokens('x', '{"lowercase": "yes"}')$$, '22023', NULL, 'lowercase that is not a boolean is 22023');
SELECT throws_ok($$SELECT pgdl.vocabulary(d, '{"min_count": 0}') FROM (VALUES ('a')) t(d)$$, '22023', NULL, 'min_count 0 is 22023');
SELECT throws_ok($$SELECT pgdl.vocabulary(d, '{"max_size": -1}') FROM (VALUES ('a')) t(d)$$, '22023', NULL, 'max_size -1 is 22023');
SELECT throws_ok($$SELECT pgdl.vocabulary(d, jsonb_build_object('ngrams', i)) FROM (VALUES ('a', 1), ('b', 2)) t(d, i)$$,
				 '22023', 'the options of pgdl.vocabulary must be the same in every row', 'options that change between rows are 22023');
SELECT lives_ok($$SELECT pgdl.vocabulary(d, o) FROM (VALUES ('a', '{"ngrams": 1}'::jsonb), ('b', '{}'::jsonb)) t(d, o)$$,
				'options written differently but meaning the same are accepted');

-- ---- the aggregate -------------------------------------------------------------------
-- a regular table: parallel workers cannot read temporary tables
CREATE TABLE pgdl_text_docs AS
SELECT i, CASE WHEN i % 7 = 0 THEN NULL
			   WHEN i % 3 = 0 THEN '机器学习很有趣 ' || (i % 50)
			   ELSE 'The cat number ' || (i % 97) || ' sat on the mat; ' || (ARRAY['red', 'green', 'blue'])[1 + i % 3] END AS d
FROM generate_series(1, 30000) i;
ANALYZE pgdl_text_docs;

SELECT is((SELECT pgdl.vocabulary(d)::text FROM pgdl_text_docs),
		  (SELECT pgdl.vocabulary(d)::text FROM pgdl_text_docs WHERE d IS NOT NULL),
		  'NULL documents are skipped');
SELECT ok((SELECT pgdl.vocabulary(d) IS NULL FROM pgdl_text_docs WHERE d IS NULL), 'no documents, NULL vocabulary');
SELECT is((SELECT array_agg(token ORDER BY id) FROM pgdl.vocabulary_tokens(
			(SELECT pgdl.vocabulary(d) FROM (VALUES ('b a b'), ('c a'), ('d'), (NULL)) t(d)))),
		  ARRAY['a', 'b', 'c', 'd'], 'ids by count, then by token bytes');
SELECT results_eq($$SELECT id, token, count, documents FROM pgdl.vocabulary_tokens(
					 (SELECT pgdl.vocabulary(d) FROM (VALUES ('b a b'), ('c a'), ('d')) t(d)))$$,
				  $$VALUES (2, 'a', 2::bigint, 2::bigint), (3, 'b', 2, 1), (4, 'c', 1, 1), (5, 'd', 1, 1)$$,
				  'vocabulary_tokens: ids from 2, counts and document frequencies');
SELECT is((SELECT array_agg(token ORDER BY id) FROM pgdl.vocabulary_tokens(
			(SELECT pgdl.vocabulary(d, '{"min_count": 2}') FROM (VALUES ('b a b'), ('c a'), ('d')) t(d)))),
		  ARRAY['a', 'b'], 'min_count drops rare tokens');
SELECT is((SELECT array_agg(token ORDER BY id) FROM pgdl.vocabulary_tokens(
			(SELECT pgdl.vocabulary(d, '{"max_size": 1}') FROM (VALUES ('b a b'), ('c a'), ('d')) t(d)))),
		  ARRAY['a'], 'max_size keeps the most frequent');
SELECT is((SELECT pgdl.vocabulary_size(pgdl.vocabulary(d, '{"oov_buckets": 10}')) FROM (VALUES ('b a b'), ('c a'), ('d')) t(d)),
		  16, 'vocabulary_size: 2 + tokens + oov_buckets');
SELECT is((SELECT pgdl.vocabulary_info(pgdl.vocabulary(d, '{"ngrams": 2, "min_count": 2}')) FROM (VALUES ('b a b'), ('c a'), ('d'), (NULL)) t(d)),
		  '{"tokens": 2, "documents": 3, "error": 0, "ids": 4, "tokenizer": "word", "lowercase": true, "ngrams": 2, "min_count": 2, "max_size": null, "oov_buckets": 0}'::jsonb,
		  'vocabulary_info: counts, error bound, ids and options');
SELECT is((SELECT array_agg(pgdl.vocabulary_size(v) ORDER BY i) FROM
			(SELECT i, pgdl.vocabulary(d) OVER (ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS v
			 FROM (VALUES (1, 'a b'), (2, NULL), (3, 'b c'), (4, 'a')) t(i, d)) s),
		  ARRAY[4, 4, 5, 5], 'as a window aggregate: the vocabulary of the frame');

CREATE TEMP TABLE serial_v AS SELECT pgdl.vocabulary(d) AS v, pgdl.vocabulary(d, '{"ngrams": 2, "min_count": 3}') AS v2
FROM pgdl_text_docs;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	line text;
	plan text := '';
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
		plan := plan || line || E'\n';
	END LOOP;
	RETURN plan;
END $$;
SELECT matches(pg_temp.plan_of('SELECT pgdl.vocabulary(d) FROM pgdl_text_docs'), 'Partial Aggregate',
			   'forced parallel: the plan has a Partial Aggregate');
SELECT is((SELECT pgdl.vocabulary(d)::text FROM pgdl_text_docs), (SELECT v::text FROM serial_v),
		  'parallel == serial, byte for byte');
SELECT is((SELECT pgdl.vocabulary(d, '{"ngrams": 2, "min_count": 3}')::text FROM pgdl_text_docs), (SELECT v2::text FROM serial_v),
		  'parallel == serial with options');
SELECT is((SELECT string_agg(v::text, ',') FROM (SELECT i % 4 AS g, pgdl.vocabulary(d) AS v FROM pgdl_text_docs GROUP BY 1 ORDER BY 1) s),
		  (SELECT string_agg(v::text, ',') FROM (SELECT g, pgdl.vocabulary(d) AS v FROM
			(SELECT i % 4 AS g, d FROM pgdl_text_docs ORDER BY i OFFSET 0) t GROUP BY 1 ORDER BY 1) s),
		  'grouped, in parallel or not, the same');
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- ---- the text form and the types -------------------------------------------------------
SELECT is((SELECT v::text::pgdl.vocabulary::text FROM serial_v), (SELECT v::text FROM serial_v), 'the text form round-trips');
SELECT ok((SELECT v::text LIKE 'pgdl:56444750%' FROM serial_v), 'the text form is pgdl: and the hex of the bytes');
SELECT throws_ok($$SELECT 'hello'::pgdl.vocabulary$$, '22P02', NULL, 'text that is not pgdl:<hex> is 22P02');
SELECT throws_ok($$SELECT 'pgdl:00'::pgdl.vocabulary$$, '22P03', NULL, 'bytes that are not a vocabulary are 22P03');
SELECT throws_ok(format('SELECT %L::pgdl.vocabulary', (SELECT left(v::text, -2) FROM serial_v)), '22P03', NULL,
				 'a truncated vocabulary is 22P03');
SELECT throws_ok(format('SELECT %L::pgdl.vocabulary_state', (SELECT v::text FROM serial_v)), '22P03',
				 'invalid pgdl vocabulary state', 'a final vocabulary is not an aggregate state');
SELECT throws_ok(format('SELECT %L::pgdl.vocabulary', (SELECT overlay(v::text PLACING '02' FROM 14 FOR 2) FROM serial_v)), '0A000', NULL,
				 'a newer format version is 0A000');

-- ---- tokenize ---------------------------------------------------------------------------
CREATE TEMP TABLE small AS SELECT pgdl.vocabulary(d) AS v FROM (VALUES ('the cat sat'), ('the dog')) t(d);
SELECT is((SELECT pgdl.tokenize(v, 'The cat ate the fish') FROM small), ARRAY[2, 3, 1, 2, 1],
		  'tokenize: ids, 1 for unknown tokens');
SELECT is((SELECT pgdl.tokenize(v, 'the cat', 4) FROM small), ARRAY[2, 3, 0, 0], 'max_length pads with 0 at the end');
SELECT is((SELECT pgdl.tokenize(v, 'the cat sat the dog', 3) FROM small), ARRAY[2, 3, 5], 'max_length keeps the first tokens');
SELECT is((SELECT pgdl.tokenize(v, '') FROM small), '{}'::int4[], 'an empty document, no ids');
SELECT is((SELECT pgdl.tokenize(v, NULL) FROM small), NULL, 'a NULL document, NULL ids');
SELECT throws_ok($$SELECT pgdl.tokenize(NULL, 'x')$$, '22004', NULL, 'a NULL vocabulary is 22004');
SELECT throws_ok($$SELECT pgdl.tokenize(v, 'x', 0) FROM small$$, '22023', NULL, 'max_length 0 is 22023');
SELECT throws_ok($$SELECT pgdl.tokenize(v, 'x', 2147483647) FROM small$$, '54000', NULL, 'a max_length past an array''s size is 54000');
SELECT is((SELECT count(DISTINCT pgdl.tokenize(s.v, d)) FROM pgdl_text_docs, serial_v s WHERE i <= 300), 
		  (SELECT count(DISTINCT d)::bigint FROM pgdl_text_docs WHERE i <= 300 AND d IS NOT NULL),
		  'one vocabulary over many rows (read once per statement): each document its own ids');

-- ---- a SQL_ASCII database: bytes that are not UTF-8 are 22021 ------------------------------
CREATE EXTENSION IF NOT EXISTS dblink;
CREATE FUNCTION pg_temp.conn(db text) RETURNS text LANGUAGE sql
	RETURN format('dbname=%s port=%s host=%s user=%s', db, current_setting('port'),
				  split_part(current_setting('unix_socket_directories'), ',', 1), current_user);
SELECT is(dblink_exec(pg_temp.conn(current_database()), 'DROP DATABASE IF EXISTS pgdl_text_ascii'), 'DROP DATABASE',
		  'no database left from an earlier run');
SELECT is(dblink_exec(pg_temp.conn(current_database()),
					  'CREATE DATABASE pgdl_text_ascii ENCODING ''SQL_ASCII'' LC_COLLATE ''C'' LC_CTYPE ''C'' TEMPLATE template0'),
		  'CREATE DATABASE', 'a SQL_ASCII database');
SELECT is(dblink_exec(pg_temp.conn('pgdl_text_ascii'), 'CREATE EXTENSION pgdl'), 'CREATE EXTENSION', 'with pgdl');
SELECT is((SELECT t FROM dblink(pg_temp.conn('pgdl_text_ascii'), $q$SELECT pgdl.tokens('Grüße 中文')::text$q$) AS r(t text)),
		  '{grüße,中,文,中文}', 'SQL_ASCII: UTF-8 text is tokenized');
SELECT throws_ok($$SELECT * FROM dblink(pg_temp.conn('pgdl_text_ascii'), $q$SELECT pgdl.tokens(E'caf\xe9')::text$q$) AS r(t text)$$,
				 '22021', NULL, 'SQL_ASCII: tokens of bytes that are not UTF-8 is 22021');
SELECT throws_ok($$SELECT * FROM dblink(pg_temp.conn('pgdl_text_ascii'),
				   $q$SELECT pgdl.vocabulary(d)::text FROM (VALUES ('ok'), (E'\xff\xfe')) t(d)$q$) AS r(t text)$$,
				 '22021', NULL, 'SQL_ASCII: pgdl.vocabulary over bytes that are not UTF-8 is 22021');
SELECT is(dblink_exec(pg_temp.conn(current_database()), 'DROP DATABASE pgdl_text_ascii'), 'DROP DATABASE', 'dropped again');

SELECT * FROM finish();
ROLLBACK;
