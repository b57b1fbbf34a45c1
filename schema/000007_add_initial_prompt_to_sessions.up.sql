-- The prompt a session was started with, as the Go release's 000007 stores
-- it: a nullable column at the end of sessions (NULL when there was none).
--
-- Before that, threads is rebuilt into the Go release's shape (000004):
-- databases this runner upgraded before 000004 matched the Go column order
-- hold working_directory as the last column of threads, and a migration that
-- already ran is never run again, so the fix has to come in a later step.
-- It comes here rather than in a version of its own because the version
-- numbers are the Go release's: a database it left at 000007 or 000008 is
-- adopted as it is, and a number of our own could clash with its next one.
-- For a database already in that shape the rebuild changes nothing but the
-- table's stored CREATE text; threads holds one row per Slack thread, so it
-- is cheap. Same procedure as 000004: new table, copy, keep the
-- AUTOINCREMENT high-water mark, drop, rename, recreate the index.
CREATE TABLE threads_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id TEXT NOT NULL,
    thread_ts TEXT NOT NULL,
    working_directory TEXT NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    UNIQUE(channel_id, thread_ts)
);

INSERT INTO threads_new (id, channel_id, thread_ts, working_directory, created_at, updated_at)
SELECT id, channel_id, thread_ts, working_directory, created_at, updated_at
  FROM threads;

DELETE FROM sqlite_sequence WHERE name = 'threads_new';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'threads_new', seq FROM sqlite_sequence WHERE name = 'threads';

-- codegen: allow sqlite-rebuild-foreign-keys-on, sqlite-rebuild-no-foreign-key-check reason="app/migrate.py runs every step with foreign_keys OFF and checks PRAGMA foreign_key_check before it commits"
DROP TABLE threads;
ALTER TABLE threads_new RENAME TO threads;

CREATE INDEX idx_threads_channel_thread ON threads(channel_id, thread_ts);

ALTER TABLE sessions ADD COLUMN initial_prompt TEXT;
