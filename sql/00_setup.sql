-- Fixtures shared by the pg_regress tests (pg_regress loads the extension).
SET extra_float_digits = 0;
SELECT setseed(0.42);
CREATE TABLE t (id int PRIMARY KEY, g int, x float8, y float8, z real, k int, b bool, n numeric, label text);
INSERT INTO t
SELECT i, i % 3,
       CASE WHEN i % 17 = 0 THEN NULL ELSE 1e9 + random() END,
       (i % 100) * 0.5 + random(),
       (random() * 10)::real,
       (random() * 1000)::int,
       i % 2 = 0,
       round((random() * 100)::numeric, 3),
       'row ' || i
FROM generate_series(1, 5000) i;
ANALYZE t;
-- plan_has(query, text): whether EXPLAIN of the query mentions the text
-- (the parallel tests look for Partial Aggregate)
CREATE FUNCTION plan_has(q text, needle text) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE l text;
BEGIN
  FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
    IF l LIKE '%' || needle || '%' THEN RETURN true; END IF;
  END LOOP;
  RETURN false;
END $$;
CREATE TABLE empty_t (x float8, v float8[]);
CREATE TABLE one_row (x float8, v float8[]);
INSERT INTO one_row VALUES (2.5, '{1,2}');
SELECT count(*) FROM t;
