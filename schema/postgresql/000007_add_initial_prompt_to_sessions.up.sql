-- The prompt a session was started with, as the Go release's 000007 stores
-- it: a nullable column at the end of sessions (NULL when there was none).
--
-- Before that, working_directory is put right after thread_ts, as 000004 now
-- places it: databases whose 000004 ran before it did hold it as the last
-- column of threads, and a migration that already ran is never run again,
-- so the fix comes in a later step (see the SQLite twin for why this one).
-- As in 000004, created_at and updated_at move behind it: renamed, added
-- again at the end, filled, dropped. For a database already in that order
-- the result is the same order; threads holds one row per Slack thread, so
-- the pass is cheap. (The Go release's idx_threads_channel_thread has no
-- counterpart here: it only duplicates the index of the UNIQUE
-- (channel_id, thread_ts) constraint.)
-- codegen: allow rename, pg-lock-timeout reason="inside this file's transaction: created_at is added again below and filled before the commit, so no running query ever misses it; threads holds one row per Slack thread, so the file holds its lock for milliseconds"
ALTER TABLE threads RENAME COLUMN created_at TO created_at_before_000007;
-- codegen: allow rename reason="inside this file's transaction: updated_at is added again below and filled before the commit, so no running query ever misses it"
ALTER TABLE threads RENAME COLUMN updated_at TO updated_at_before_000007;
ALTER TABLE threads ADD COLUMN created_at TIMESTAMP;
ALTER TABLE threads ADD COLUMN updated_at TIMESTAMP;
UPDATE threads SET created_at = created_at_before_000007, updated_at = updated_at_before_000007;
-- codegen: allow drop-column reason="the 000007 copies of created_at and updated_at, copied into the new columns by the UPDATE above"
ALTER TABLE threads
    DROP COLUMN created_at_before_000007,
    DROP COLUMN updated_at_before_000007,
    ALTER COLUMN created_at SET DEFAULT CURRENT_TIMESTAMP,
    ALTER COLUMN updated_at SET DEFAULT CURRENT_TIMESTAMP;

ALTER TABLE sessions ADD COLUMN initial_prompt TEXT;
