-- The directory now lives on the thread (000004); the per-session copy goes.
-- A plain DROP COLUMN: the column has no index, constraint or reference.
-- codegen: allow drop-column reason="contract step: since 000004 the directory is read from threads and no query reads sessions.working_directory"
ALTER TABLE sessions DROP COLUMN working_directory;
