-- src/pg/grants.sql: privileges, last in the install script.
-- USAGE on the schema and EXECUTE on every function for everyone (the README).

GRANT USAGE ON SCHEMA pgdl TO PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pgdl TO PUBLIC;
COMMENT ON SCHEMA pgdl IS 'pgdl: in-database analytics and deep learning';
