-- test/pgtap/embed.sql: pgdl.embed, the representation a model computes
-- before its output layer (the input of its last dense layer).  A text-like
-- model (token ids, an embedding with mask_zero, pooled, a hidden layer):
-- its embeddings have the hidden layer's width; the output layer applied to
-- them (weights read from pgdl.export_model's bytes) gives predict_proba;
-- a row and its array embed alike; padding does not move them; the nearest
-- neighbour of a row's embedding is of its class far above chance, in plain
-- SQL and, where the pgvector extension is installed, through a cast to
-- vector (skipped, saying so, where it is not: Debian 12 does not package
-- it).  Rolled back at the end.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(11);

-- three classes of "documents": each class draws its tokens from its own
-- ids (1-4, 5-8, 9-12) with a shared noise token 13; 3 to 10 tokens, padded
-- with 0 to 12, before or after
CREATE TEMP TABLE docs AS
SELECT id, id % 3 AS topic,
	   CASE WHEN id % 2 = 0 THEN array_cat(array_fill(0, ARRAY[12 - len]), toks)
			ELSE array_cat(toks, array_fill(0, ARRAY[12 - len])) END AS toks
FROM (SELECT id, len,
			 (SELECT array_agg(CASE WHEN (id * 7 + t * 3) % 5 = 0 THEN 13
									ELSE 1 + (id % 3) * 4 + (id * 11 + t * 5) % 4 END ORDER BY t)
			  FROM generate_series(0, len - 1) t) AS toks
	  FROM (SELECT id, 3 + (id * 7) % 8 AS len FROM generate_series(1, 240) id) l) s;

SELECT is((SELECT version FROM pgdl.train_model('tap_embed', 'SELECT * FROM docs ORDER BY id', 'topic',
		   '[{"type":"embedding","input_dim":14,"output_dim":8,"mask_zero":true},{"type":"global_avgpool"},
			 {"type":"dense","units":6,"activation":"tanh"},{"type":"dense"}]', ARRAY['toks'],
		   '{"epochs":15,"learning_rate":0.02,"batch_size":16,"seed":4}')), 1, 'a text-like classifier trains');

CREATE TEMP TABLE e AS SELECT id, topic, toks, pgdl.embed('tap_embed', toks) AS v FROM docs;

SELECT is((SELECT min(cardinality(v)) || '-' || max(cardinality(v)) FROM e), '6-6',
		  'an embedding has the width of the last hidden layer (6)');
SELECT is((SELECT count(*) FROM e WHERE v = pgdl.embed('tap_embed', (SELECT d FROM docs d WHERE d.id = e.id))), 240::bigint,
		  'embed of a row equals embed of its array');
SELECT is(pgdl.embed('tap_embed', array_cat(ARRAY[0, 0, 0, 0, 0, 0, 0, 0, 0], ARRAY[1, 2, 13])),
		  pgdl.embed('tap_embed', array_cat(ARRAY[1, 2, 13], ARRAY[0, 0, 0, 0, 0, 0, 0, 0, 0])),
		  'padding before or after: the same embedding');

-- the output layer's weights: the last 6 x 3 + 3 parameters, float32
-- little-endian before the 4-byte checksum (docs/model-format.md)
CREATE FUNCTION pg_temp.f32(b bytea, at int) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN e = 0 THEN m * 2 ^ -149 ELSE (8388608 + m) * 2 ^ (e - 150) END * (1 - 2 * s)
	FROM (SELECT (u >> 31) & 1 AS s, (u >> 23) & 255 AS e, u & 8388607 AS m
		  FROM (SELECT get_byte(b, at)::bigint + (get_byte(b, at + 1)::bigint << 8) +
					   (get_byte(b, at + 2)::bigint << 16) + (get_byte(b, at + 3)::bigint << 24) AS u) x) y
$$;
CREATE TEMP TABLE w AS
SELECT k, pg_temp.f32(b, length(b) - 4 - 4 * (21 - k)) AS w
FROM (SELECT pgdl.export_model('tap_embed') AS b) m, generate_series(0, 20) k;
-- softmax(v W + b): W is (6, 3) row-major, then b (3)
CREATE FUNCTION pg_temp.head(v real[]) RETURNS float8[] LANGUAGE sql STABLE AS $$
	SELECT array_agg(p ORDER BY j)
	FROM (SELECT j, ez / sum(ez) OVER () AS p
		  FROM (SELECT j, exp(z - max(z) OVER ()) AS ez
		  FROM (SELECT j, (SELECT w FROM w WHERE k = 18 + j) +
						  (SELECT sum(v[i + 1] * w) FROM generate_series(0, 5) i JOIN w ON k = i * 3 + j) AS z
				FROM generate_series(0, 2) j) s) t) u
$$;
SELECT cmp_ok((SELECT max(abs(p - q)) FROM e,
					  LATERAL unnest(pg_temp.head(v), pgdl.predict_proba('tap_embed', toks)) u(p, q)),
			  '<', 1e-5::float8, 'the output layer applied to embed gives predict_proba (every row, every class)');

-- a linear model: its inputs, as the network sees them
SELECT is((SELECT version FROM pgdl.train_model('tap_embed_linear', 'SELECT id, topic, toks FROM docs', 'topic',
		   '[{"type":"dense"}]', ARRAY['toks'], '{"epochs":1,"seed":1,"standardize":true}')), 1, 'a linear model trains');
SELECT is((SELECT count(*) FROM docs WHERE pgdl.embed('tap_embed_linear', toks) = pgdl.model_inputs('tap_embed_linear', toks)),
		  240::bigint, 'the embedding of a linear model is its scaled input');

-- nearest neighbours by Euclidean distance, in plain SQL: the class of the nearest other row
CREATE TEMP TABLE nn AS
SELECT a.id, a.topic, (SELECT b.topic FROM e b WHERE b.id <> a.id
					   ORDER BY (SELECT sum((x - y) ^ 2) FROM unnest(a.v, b.v) u(x, y)), b.id LIMIT 1) AS near
FROM e a;
SELECT cmp_ok((SELECT avg((topic = near)::int)::float8 FROM nn), '>=', 0.9::float8,
			  'the nearest neighbour of an embedding is of the same class far above chance (1/3)');

-- with pgvector: the cast, and the same query with its distance operator
CREATE FUNCTION pg_temp.with_vector() RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
	same float8;
	dims int;
BEGIN
	CREATE EXTENSION IF NOT EXISTS vector;
	EXECUTE 'SELECT vector_dims(pgdl.embed(''tap_embed'', toks)::vector) FROM docs LIMIT 1' INTO dims;
	RETURN NEXT is(dims, 6, 'embed casts to pgvector''s vector');
	EXECUTE 'SELECT avg((a.topic = (SELECT b.topic FROM e b WHERE b.id <> a.id
									ORDER BY b.v::vector <-> a.v::vector, b.id LIMIT 1))::int)::float8 FROM e a' INTO same;
	RETURN NEXT cmp_ok(same, '>=', 0.9::float8, 'a nearest-neighbour query with <-> finds the same class far above chance');
	RETURN NEXT cmp_ok(abs(same - (SELECT avg((topic = near)::int)::float8 FROM nn)), '<=', 0.02::float8,
					   'and agrees with the plain SQL one (up to ties, which float32 distances may order otherwise)');
END $$;
SELECT * FROM (SELECT pg_temp.with_vector() WHERE EXISTS (SELECT FROM pg_available_extensions WHERE name = 'vector')) v
UNION ALL
SELECT skip('the pgvector extension is not installed here (Debian 12 does not package it; Debian 13 and testing do: make test-versions runs these)', 3)
WHERE NOT EXISTS (SELECT FROM pg_available_extensions WHERE name = 'vector');

SELECT * FROM finish();
ROLLBACK;
