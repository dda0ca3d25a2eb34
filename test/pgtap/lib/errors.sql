-- test/pgtap/lib/errors.sql: pg_temp.err(q) runs q and returns 'ok', or
-- 'SQLSTATE: message | detail | hint' of its error, for the checks that
-- look at DETAIL and HINT (throws_ok sees the message only).  \ir this file
-- inside the session; the function is temporary.
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    m text;
    d text;
    h text;
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
    RETURN SQLSTATE || ': ' || m || ' | ' || coalesce(d, '') || ' | ' || coalesce(h, '');
END $$;
