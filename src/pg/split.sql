-- src/pg/split.sql: reproducible train/test splits (see the README).

CREATE TYPE pgdl.split_row AS (key text, part int);
COMMENT ON TYPE pgdl.split_row IS 'one row of pgdl.split: the row''s key and its part (0-based)';
CREATE FUNCTION pgdl.split(source text, fractions float8[], seed int DEFAULT 42, key text DEFAULT NULL)
	RETURNS SETOF pgdl.split_row
	AS 'MODULE_PATHNAME', 'pgdl_split' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pgdl.split(text, float8[], int, text) IS 'assigns every row of source to a part by a seeded hash of its key (or, without a key, of its row number), each part receiving its fraction of the rows (STABLE: the source runs read-only)';
