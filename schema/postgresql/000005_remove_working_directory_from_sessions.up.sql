-- The directory now lives on the thread (000004); the per-session copy goes.
-- A plain DROP COLUMN: the column has no index, constraint or reference.
ALTER TABLE sessions DROP COLUMN working_directory;
