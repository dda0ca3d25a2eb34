-- Settings: bounds, units, privileges, and BLAS threads started with every
-- signal blocked.  The settings exist once the library is loaded.
LOAD 'pgdl';
SHOW pgdl.max_training_memory;
SHOW pgdl.max_model_size;
SHOW pgdl.blas_threads;
SET pgdl.max_training_memory = '8GB';
SHOW pgdl.max_training_memory;
RESET pgdl.max_training_memory;
SET pgdl.blas_threads = 0;
SET pgdl.blas_threads = 65;
SET pgdl.no_such_setting = 1;
-- only superusers may set them
CREATE ROLE pgdl_regress_user;
SET ROLE pgdl_regress_user;
SET pgdl.blas_threads = 2;
SET pgdl.max_training_memory = '100GB';
RESET ROLE;
DROP ROLE pgdl_regress_user;
-- With pgdl.blas_threads = 1 the backend has no thread but its own; with 2,
-- OpenBLAS has one worker, which must block every signal PostgreSQL handles
-- (SIGHUP, SIGINT, SIGUSR1, SIGTERM: mask 0x4203) so that handlers only ever
-- run on the backend's own thread, which itself must not block SIGINT.
CREATE FUNCTION backend_threads() RETURNS TABLE (tid text, sigblk bit(64)) LANGUAGE sql AS $$
  SELECT t, ('x' || lpad(substring(pg_read_file('/proc/' || pg_backend_pid() || '/task/' || t || '/status')
                                   FROM 'SigBlk:\s*([0-9a-f]+)'), 16, '0'))::bit(64)
  FROM pg_ls_dir('/proc/' || pg_backend_pid() || '/task') AS t $$;
CREATE VIEW thread_check AS
SELECT count(*) AS threads,
       coalesce(bool_and(sigblk & x'0000000000004203' = x'0000000000004203') FILTER (WHERE tid <> pg_backend_pid()::text), true) AS workers_block_signals,
       bool_and(sigblk & x'0000000000000002' = x'0000000000000000') FILTER (WHERE tid = pg_backend_pid()::text) AS backend_takes_sigint
FROM backend_threads();
SELECT * FROM thread_check;
SET pgdl.blas_threads = 2;
SELECT * FROM thread_check;
SET pgdl.blas_threads = 1;
SELECT * FROM thread_check;
