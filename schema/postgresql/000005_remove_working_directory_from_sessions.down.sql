-- Give sessions their working_directory back, NOT NULL, each session taking
-- its thread's directory. The per-session values the column held before
-- 000005 are not recoverable; the thread's directory is what the sessions
-- ran in since 000004.
--
-- Altered in place, as in the up direction: the column comes back NOT NULL
-- without a DEFAULT, like the 000001 shape, but as the table's last column
-- (PostgreSQL cannot insert a column in the middle; SQLite's down rebuilds
-- the table to put it after session_id). Nothing reads sessions by column
-- position at this version, and 000005 drops the column again.
ALTER TABLE sessions ADD COLUMN working_directory TEXT;

-- Every session has its thread (the foreign key guarantees it), so every
-- row gets a directory; the COALESCE only mirrors the SQLite twin.
UPDATE sessions AS s
   SET working_directory = COALESCE((SELECT t.working_directory FROM threads AS t WHERE t.id = s.thread_id), '/tmp');

ALTER TABLE sessions ALTER COLUMN working_directory SET NOT NULL;
