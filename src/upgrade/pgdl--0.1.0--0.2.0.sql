-- src/upgrade/pgdl--0.1.0--0.2.0.sql: ALTER EXTENSION pgdl UPDATE from 0.1.0
-- to 0.2.0.
--
-- 0.2.0 builds against PostgreSQL 15 to 18 and ships as a Debian package and
-- on PGXN; its SQL objects are those of 0.1.0, so this step changes none.
-- A change to a src/pg/*.sql fragment goes here too (or into the next
-- release's step): the upgrade test (scripts/run_tests.sh, section upgrade)
-- compares the catalog of an upgraded database with a fresh install's.

\echo Use "ALTER EXTENSION pgdl UPDATE" to load this file. \quit
