-- A thread works in one directory: store it on the thread itself.
--
-- SQLite cannot add a NOT NULL column without a DEFAULT, and a lingering
-- DEFAULT would let a thread be created without a directory, so the table is
-- rebuilt (SQLite's 12-step procedure): build the new shape, copy, drop the
-- old table, rename. sessions.thread_id references threads, which is why the
-- runner keeps foreign_keys OFF during a migration and runs
-- PRAGMA foreign_key_check before committing. (The Go release's 000004 drops
-- the table with foreign keys ON and fails on any database holding a session.)
--
-- The shape is the Go release's, column for column: working_directory right
-- after thread_ts, and idx_threads_channel_thread, so a database upgraded
-- here and one upgraded by the Go service have the same schema. Databases
-- this runner upgraded before the order matched got working_directory as the
-- last column; 000007 rebuilds them into this shape.
CREATE TABLE threads_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id TEXT NOT NULL,
    thread_ts TEXT NOT NULL,
    working_directory TEXT NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    UNIQUE(channel_id, thread_ts)
);

-- Each thread takes the directory of its most recent session (latest
-- started_at, ties broken by the higher id); a thread without sessions gets
-- '/tmp'. One set-based statement: the correlated subquery walks
-- idx_sessions_thread_id, so this stays fast on millions of sessions.
INSERT INTO threads_new (id, channel_id, thread_ts, working_directory, created_at, updated_at)
SELECT t.id, t.channel_id, t.thread_ts,
       COALESCE((SELECT s.working_directory
                   FROM sessions AS s
                  WHERE s.thread_id = t.id
                  ORDER BY s.started_at DESC, s.id DESC
                  LIMIT 1), '/tmp'),
       t.created_at, t.updated_at
  FROM threads AS t;

-- Keep the AUTOINCREMENT high-water mark, so ids of deleted threads are never
-- handed out again. The rename below carries this row over to "threads".
DELETE FROM sqlite_sequence WHERE name = 'threads_new';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'threads_new', seq FROM sqlite_sequence WHERE name = 'threads';

-- codegen: allow sqlite-rebuild-foreign-keys-on, sqlite-rebuild-no-foreign-key-check reason="app/migrate.py runs every step with foreign_keys OFF and checks PRAGMA foreign_key_check before it commits"
DROP TABLE threads;
ALTER TABLE threads_new RENAME TO threads;

-- The Go release's index; it duplicates the UNIQUE constraint's own index,
-- and is kept so that the two schemas compare equal.
CREATE INDEX idx_threads_channel_thread ON threads(channel_id, thread_ts);
