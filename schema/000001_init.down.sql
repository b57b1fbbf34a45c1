-- Back to an empty database. Everything the tables held is gone: the
-- migration runner takes a backup of the file before running this.
DROP INDEX idx_sessions_status;
DROP INDEX idx_sessions_thread_id;
DROP TABLE sessions;
DROP TABLE threads;
