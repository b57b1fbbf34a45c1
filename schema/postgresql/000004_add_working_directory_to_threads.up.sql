-- A thread works in one directory: store it on the thread itself.
--
-- PostgreSQL alters the table in place (SQLite has to rebuild it): add the
-- column nullable, fill it, then make it NOT NULL. No DEFAULT is left behind,
-- so a thread cannot be created without a directory. The whole file runs in
-- one transaction; other sessions wait on the table lock, never see the
-- half-filled column.
-- codegen: allow pg-lock-timeout reason="deliberate (see above): sessions wait on the lock; threads holds one row per Slack thread, so the file holds it for milliseconds"
ALTER TABLE threads ADD COLUMN working_directory TEXT;

-- Each thread takes the directory of its most recent session (latest
-- started_at, ties broken by the higher id); a thread without sessions gets
-- '/tmp'. One set-based statement: the correlated subquery walks
-- idx_sessions_thread_id, so this stays fast on millions of sessions.
-- NULLS LAST: SQLite sorts NULL as the smallest value, so an undated session
-- is never the newest there; PostgreSQL would put NULL first in DESC order.
UPDATE threads AS t
   SET working_directory = COALESCE((SELECT s.working_directory
                                       FROM sessions AS s
                                      WHERE s.thread_id = t.id
                                      ORDER BY s.started_at DESC NULLS LAST, s.id DESC
                                      LIMIT 1), '/tmp');

-- codegen: allow pg-set-not-null reason="the scan covers threads, one row per Slack thread: milliseconds under the lock this file already holds"
ALTER TABLE threads ALTER COLUMN working_directory SET NOT NULL;
