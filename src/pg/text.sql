-- src/pg/text.sql: tokenizers and vocabularies (src/pg/text.c; the README's "Text").

-- pgdl.vocabulary: a final vocabulary (tokens in id order with their counts
-- and document frequencies, the options that made it); pgdl.vocabulary_state:
-- the aggregate's counting state.  Both are the same byte format (src/core/vocab.c),
-- with the "pgdl:<hex>" text form of every pgdl state; input validates every byte.
CREATE TYPE pgdl.vocabulary;
CREATE FUNCTION pgdl.vocabulary_in(cstring) RETURNS pgdl.vocabulary
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.vocabulary_out(pgdl.vocabulary) RETURNS cstring
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.vocabulary_recv(internal) RETURNS pgdl.vocabulary
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.vocabulary_send(pgdl.vocabulary) RETURNS bytea
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE pgdl.vocabulary (
	INPUT = pgdl.vocabulary_in,
	OUTPUT = pgdl.vocabulary_out,
	RECEIVE = pgdl.vocabulary_recv,
	SEND = pgdl.vocabulary_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = int4,
	STORAGE = extended
);
COMMENT ON TYPE pgdl.vocabulary IS 'a vocabulary made by the aggregate pgdl.vocabulary: tokens with ids, counts and document frequencies, and the tokenizer options';
COMMENT ON FUNCTION pgdl.vocabulary_in(cstring) IS 'text input of pgdl.vocabulary (validated)';
COMMENT ON FUNCTION pgdl.vocabulary_out(pgdl.vocabulary) IS 'text output of pgdl.vocabulary';
COMMENT ON FUNCTION pgdl.vocabulary_recv(internal) IS 'binary input of pgdl.vocabulary (validated)';
COMMENT ON FUNCTION pgdl.vocabulary_send(pgdl.vocabulary) IS 'binary output of pgdl.vocabulary';

CREATE TYPE pgdl.vocabulary_state;
CREATE FUNCTION pgdl.vocabulary_state_in(cstring) RETURNS pgdl.vocabulary_state
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.vocabulary_state_out(pgdl.vocabulary_state) RETURNS cstring
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.vocabulary_state_recv(internal) RETURNS pgdl.vocabulary_state
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pgdl.vocabulary_state_send(pgdl.vocabulary_state) RETURNS bytea
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE pgdl.vocabulary_state (
	INPUT = pgdl.vocabulary_state_in,
	OUTPUT = pgdl.vocabulary_state_out,
	RECEIVE = pgdl.vocabulary_state_recv,
	SEND = pgdl.vocabulary_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = int4,
	STORAGE = extended
);
COMMENT ON TYPE pgdl.vocabulary_state IS 'the transition state of the aggregate pgdl.vocabulary (token counts before min_count and max_size)';
COMMENT ON FUNCTION pgdl.vocabulary_state_in(cstring) IS 'text input of pgdl.vocabulary_state (validated)';
COMMENT ON FUNCTION pgdl.vocabulary_state_out(pgdl.vocabulary_state) IS 'text output of pgdl.vocabulary_state';
COMMENT ON FUNCTION pgdl.vocabulary_state_recv(internal) IS 'binary input of pgdl.vocabulary_state (validated)';
COMMENT ON FUNCTION pgdl.vocabulary_state_send(pgdl.vocabulary_state) IS 'binary output of pgdl.vocabulary_state';

CREATE FUNCTION pgdl.vocabulary_accum(pgdl.vocabulary_state, text) RETURNS pgdl.vocabulary_state
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.vocabulary_accum(pgdl.vocabulary_state, text) IS 'transition of pgdl.vocabulary(text): counts the tokens of a document';
CREATE FUNCTION pgdl.vocabulary_accum(pgdl.vocabulary_state, text, jsonb) RETURNS pgdl.vocabulary_state
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.vocabulary_accum(pgdl.vocabulary_state, text, jsonb) IS 'transition of pgdl.vocabulary(text, jsonb): counts the tokens of a document';
CREATE FUNCTION pgdl.vocabulary_combine(pgdl.vocabulary_state, pgdl.vocabulary_state) RETURNS pgdl.vocabulary_state
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_combine' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.vocabulary_combine(pgdl.vocabulary_state, pgdl.vocabulary_state) IS 'combine of pgdl.vocabulary: adds two partial states';
CREATE FUNCTION pgdl.vocabulary_final(pgdl.vocabulary_state) RETURNS pgdl.vocabulary
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.vocabulary_final(pgdl.vocabulary_state) IS 'final function of pgdl.vocabulary: applies min_count and max_size and assigns ids';

CREATE AGGREGATE pgdl.vocabulary(doc text) (
	SFUNC = pgdl.vocabulary_accum, STYPE = pgdl.vocabulary_state,
	COMBINEFUNC = pgdl.vocabulary_combine, FINALFUNC = pgdl.vocabulary_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.vocabulary(text) IS
	'the vocabulary of a text column with the default tokenizer: ids 2.. by count, then token bytes (0 padding, 1 unknown)';
CREATE AGGREGATE pgdl.vocabulary(doc text, options jsonb) (
	SFUNC = pgdl.vocabulary_accum, STYPE = pgdl.vocabulary_state,
	COMBINEFUNC = pgdl.vocabulary_combine, FINALFUNC = pgdl.vocabulary_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgdl.vocabulary(text, jsonb) IS
	'the vocabulary of a text column (options: tokenizer word | char, lowercase, ngrams, min_count, max_size, oov_buckets)';

-- IMMUTABLE: the tokens depend on the text and the options only.
CREATE FUNCTION pgdl.tokens(doc text, options jsonb DEFAULT '{}') RETURNS text[]
	AS 'MODULE_PATHNAME', 'pgdl_tokens' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.tokens(text, jsonb) IS
	'the tokens of a document, as pgdl.vocabulary and pgdl.tokenize see them (options: tokenizer, lowercase, ngrams)';

CREATE FUNCTION pgdl.tokenize(v pgdl.vocabulary, doc text, max_length int DEFAULT NULL) RETURNS int4[]
	AS 'MODULE_PATHNAME', 'pgdl_tokenize' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.tokenize(pgdl.vocabulary, text, int) IS
	'the ids of a document''s tokens in a vocabulary (1 unknown); with max_length, the first max_length, padded with 0';

CREATE TYPE pgdl.vocabulary_token AS (id int, token text, count bigint, documents bigint);
COMMENT ON TYPE pgdl.vocabulary_token IS 'one token of a vocabulary: pgdl.vocabulary_tokens';
CREATE FUNCTION pgdl.vocabulary_tokens(v pgdl.vocabulary) RETURNS SETOF pgdl.vocabulary_token
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_tokens' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.vocabulary_tokens(pgdl.vocabulary) IS
	'the tokens of a vocabulary in id order, with their counts and document frequencies';
CREATE FUNCTION pgdl.vocabulary_size(v pgdl.vocabulary) RETURNS int
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_size' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.vocabulary_size(pgdl.vocabulary) IS
	'the number of ids pgdl.tokenize can return: 2 + tokens + oov_buckets (an embedding''s input_dim)';
CREATE FUNCTION pgdl.vocabulary_info(v pgdl.vocabulary) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'pgdl_vocabulary_info' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgdl.vocabulary_info(pgdl.vocabulary) IS
	'a vocabulary''s tokens, documents, error bound (counts may fall short by at most this), ids and options, as jsonb';
