-- The source argument: a relation or one read-only query, nothing else.
CREATE TABLE victim (a float8);
INSERT INTO victim VALUES (1), (2);
SELECT * FROM pgdl.describe('WITH d AS (DELETE FROM victim RETURNING a) SELECT a FROM d');
SELECT * FROM pgdl.describe('SELECT a INTO stolen FROM victim');
SELECT * FROM pgdl.describe('SELECT a FROM victim; DELETE FROM victim');
SELECT * FROM pgdl.describe('DELETE FROM victim');
SELECT * FROM pgdl.describe('SELECT a FROM victim FOR UPDATE');
SELECT * FROM pgdl.describe('SELECT * FROM (SELECT a FROM victim FOR UPDATE) s');
SELECT * FROM pgdl.describe('SELECT * FROM victim WHERE a IN (SELECT a FROM victim FOR KEY SHARE)');
-- a syntax error points into the source text
SELECT * FROM pgdl.describe('SELECT a +* FROM victim');
SELECT * FROM pgdl.describe('');
SELECT * FROM pgdl.describe('victim; DROP TABLE victim');
SELECT count(*) AS still_two FROM victim;
-- a data-modifying function inside a SELECT is refused by the read-only execution
CREATE FUNCTION wipe() RETURNS float8 LANGUAGE sql AS 'DELETE FROM victim RETURNING 1.0::float8';
SELECT * FROM pgdl.describe('SELECT wipe() AS w');
SELECT count(*) AS still_two FROM victim;
-- the caller's privileges apply
CREATE ROLE pgdl_regress_stranger;
SET ROLE pgdl_regress_stranger;
SELECT * FROM pgdl.describe('victim');
RESET ROLE;
-- and row-level security
CREATE TABLE secret (owner text, v float8);
INSERT INTO secret VALUES ('pgdl_regress_stranger', 1), ('someone_else', 100);
ALTER TABLE secret ENABLE ROW LEVEL SECURITY;
CREATE POLICY mine ON secret USING (owner = current_user);
GRANT SELECT ON secret TO pgdl_regress_stranger;
SET ROLE pgdl_regress_stranger;
SELECT column_name, n, max FROM pgdl.describe('secret');
RESET ROLE;
DROP TABLE secret;
DROP ROLE pgdl_regress_stranger;
-- works in a read-only transaction
BEGIN READ ONLY;
SELECT column_name, n FROM pgdl.describe('victim');
COMMIT;
