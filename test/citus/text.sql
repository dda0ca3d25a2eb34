-- test/citus/text.sql — pgdl.vocabulary on a Citus distributed table: the
-- plan counts on the workers (worker_partial_agg; the partial
-- pgdl.vocabulary_state values travel to the coordinator in their text
-- form and are combined there by coord_combine_agg), and the vocabulary
-- equals the one of an undistributed copy, byte for byte (the counts are
-- exact below the vocabulary's bound, so the order of the merges does not
-- matter).  Run by scripts/citus.sh (make test-citus) on the coordinator.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
SET client_min_messages = warning;

CREATE TABLE public.docs (id int, g int, d text);
INSERT INTO public.docs
SELECT i, i % 5, CASE WHEN i % 11 = 0 THEN NULL
					  WHEN i % 3 = 0 THEN '机器学习很有趣 ' || (i % 40)
					  ELSE 'The cat number ' || (i % 97) || ' sat on the mat; ' || (ARRAY['red', 'green', 'blue'])[1 + i % 3] END
FROM generate_series(1, 3000) i;
CREATE TABLE public.docs_local AS SELECT * FROM public.docs;
SELECT create_distributed_table('public.docs', 'id', shard_count := 4);
SELECT truncate_local_data_after_distributing_table('public.docs');

\ir lib/plan.sql

SELECT plan(6);

SELECT matches(pg_temp.plan('SELECT pgdl.vocabulary(d) FROM public.docs'),
			   'worker_partial_agg\(.*coord_combine_agg|coord_combine_agg\(.*worker_partial_agg',
			   'pgdl.vocabulary(text) runs on the workers');
SELECT matches(pg_temp.plan($$SELECT pgdl.vocabulary(d, '{"ngrams": 2}') FROM public.docs$$),
			   'worker_partial_agg\(.*coord_combine_agg|coord_combine_agg\(.*worker_partial_agg',
			   'pgdl.vocabulary(text, jsonb) runs on the workers');
SELECT is((SELECT pgdl.vocabulary(d)::text FROM public.docs), (SELECT pgdl.vocabulary(d)::text FROM public.docs_local),
		  'pgdl.vocabulary(text): equal to the local result, byte for byte');
SELECT is((SELECT pgdl.vocabulary(d, '{"ngrams": 2, "min_count": 3}')::text FROM public.docs),
		  (SELECT pgdl.vocabulary(d, '{"ngrams": 2, "min_count": 3}')::text FROM public.docs_local),
		  'pgdl.vocabulary(text, jsonb): equal to the local result, byte for byte');
SELECT is((SELECT string_agg(v, ',' ORDER BY g) FROM (SELECT g, pgdl.vocabulary(d)::text AS v FROM public.docs GROUP BY g) s),
		  (SELECT string_agg(v, ',' ORDER BY g) FROM (SELECT g, pgdl.vocabulary(d)::text AS v FROM public.docs_local GROUP BY g) s),
		  'grouped by another column: equal to the local result');
SELECT is((SELECT sum(cardinality(pgdl.tokenize(v.v, docs.d)))::int FROM public.docs,
			(SELECT pgdl.vocabulary(d) AS v FROM public.docs_local) v),
		  (SELECT sum(cardinality(pgdl.tokens(d)))::int FROM public.docs_local),
		  'pgdl.tokenize with a vocabulary sent to the workers: an id per token');

SELECT * FROM finish();

DROP TABLE public.docs, public.docs_local;
