-- test/pgtap/lib/model_blobs.sql: editing pgdl weights blobs in SQL
-- (docs/model-format.md), for the suites and the dump test that import
-- hostile models: \ir this file inside the session; the functions are
-- temporary.  An edited blob gets its header's total length and its
-- CRC-32C recomputed, so the reader checks what lies past the checksum.

-- CRC-32C (Castagnoli, reflected), as src/core/nn/model_io.c computes it
CREATE FUNCTION pg_temp.crc32c(b bytea) RETURNS bigint LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    c bigint := 4294967295;
    t bigint[];
    v bigint;
BEGIN
    FOR i IN 0..255 LOOP
        v := i;
        FOR k IN 1..8 LOOP
            v := CASE WHEN v & 1 = 1 THEN (v >> 1) # 2197175160 ELSE v >> 1 END;
        END LOOP;
        t[i] := v;
    END LOOP;
    FOR i IN 0..length(b) - 1 LOOP
        c := t[(c # get_byte(b, i)) & 255] # (c >> 8);
    END LOOP;
    RETURN c # 4294967295;
END $$;

-- a u32 as 4 little-endian bytes
CREATE FUNCTION pg_temp.le32(v bigint) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT set_byte(set_byte(set_byte(set_byte('\x00000000'::bytea, 0, (v & 255)::int), 1, ((v >> 8) & 255)::int),
                    2, ((v >> 16) & 255)::int), 3, ((v >> 24) & 255)::int) $$;

-- the total length (offset 20, a u64 whose high half stays 0) and the checksum made to agree with the bytes
CREATE FUNCTION pg_temp.fixed(b bytea) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT x || pg_temp.le32(pg_temp.crc32c(x))
    FROM (SELECT overlay(substr(b, 1, length(b) - 4) PLACING pg_temp.le32(length(b)) FROM 21 FOR 4)) s(x) $$;

-- the stored string old (a u32 length, then the bytes) replaced by new
CREATE FUNCTION pg_temp.restring(b bytea, old bytea, new bytea) RETURNS bytea LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    p int := position(pg_temp.le32(length(old)) || old IN b);
BEGIN
    IF p = 0 THEN
        RAISE EXCEPTION 'the model holds no string %', old;
    END IF;
    RETURN pg_temp.fixed(substr(b, 1, p - 1) || pg_temp.le32(length(new)) || new || substr(b, p + 4 + length(old)));
END $$;

-- parameter i (from 0) of a blob holding n parameters set to the f32 bits given as 4 bytes
CREATE FUNCTION pg_temp.with_param(b bytea, n bigint, i int, bits bytea) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT pg_temp.fixed(overlay(b PLACING bits FROM (length(b) - 4 - 4 * n + 4 * i + 1)::int FOR 4)) $$;

-- a hostile variant of b: 1 to 4 bytes overwritten with random values
-- (from random(), so setseed() makes a campaign repeatable), more often in
-- the sections before the parameters, where the strings are; then fixed
CREATE FUNCTION pg_temp.mutant(b bytea, head int) RETURNS bytea LANGUAGE plpgsql VOLATILE STRICT AS $$
DECLARE
    body int := length(b) - 32;		-- between the header (28 bytes) and the checksum
    span int;
    p int;
BEGIN
    FOR k IN 1..1 + floor(random() * 4)::int LOOP
        span := CASE WHEN random() < 0.7 THEN least(head, body) ELSE body END;
        p := 28 + floor(random() * span)::int;
        b := set_byte(b, p, CASE WHEN random() < 0.5 THEN floor(random() * 256)::int
                                 ELSE (ARRAY[0, 1, 255, 128, 192, 224, 240, 127, 255])[1 + floor(random() * 9)::int] END);
    END LOOP;
    RETURN pg_temp.fixed(b);
END $$;
