-- The Go release's indexes for its paginated lists: threads by recent
-- activity, sessions newest first, and a thread's sessions in start order.
-- codegen: allow pg-index-not-concurrently, pg-lock-timeout reason="the runner runs each file in one transaction, where CONCURRENTLY is refused; writes to threads wait while it builds, once"
CREATE INDEX idx_threads_updated_at_desc ON threads (updated_at DESC);
-- codegen: allow pg-index-not-concurrently, pg-lock-timeout reason="the runner runs each file in one transaction, where CONCURRENTLY is refused; writes to sessions wait while it builds, once"
CREATE INDEX idx_sessions_started_at_desc ON sessions (started_at DESC);
-- codegen: allow pg-index-not-concurrently, pg-lock-timeout reason="the runner runs each file in one transaction, where CONCURRENTLY is refused; writes to sessions wait while it builds, once"
CREATE INDEX idx_sessions_thread_started_at ON sessions (thread_id, started_at DESC);
