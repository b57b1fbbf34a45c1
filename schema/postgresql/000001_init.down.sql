-- Back to an empty database. Everything the tables held is gone (take a
-- pg_dump first if it matters).
DROP INDEX idx_sessions_status;
DROP INDEX idx_sessions_thread_id;
DROP TABLE sessions;
DROP TABLE threads;
