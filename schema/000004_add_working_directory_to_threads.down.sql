-- Back to threads without a working directory (the 000001 shape), by the same
-- rebuild as the up migration.
--
-- Lossless as long as sessions still carry their directories (they do at this
-- version: 000005's down migration gives every session its thread's
-- directory). Only a thread with no session at all loses its directory; it
-- comes back as '/tmp' when migrating up again.
CREATE TABLE threads_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id TEXT NOT NULL,
    thread_ts TEXT NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    UNIQUE(channel_id, thread_ts)
);

INSERT INTO threads_new (id, channel_id, thread_ts, created_at, updated_at)
SELECT id, channel_id, thread_ts, created_at, updated_at
  FROM threads;

DELETE FROM sqlite_sequence WHERE name = 'threads_new';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'threads_new', seq FROM sqlite_sequence WHERE name = 'threads';

DROP TABLE threads;
ALTER TABLE threads_new RENAME TO threads;
