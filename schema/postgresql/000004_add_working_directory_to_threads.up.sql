-- A thread works in one directory: store it on the thread itself.
--
-- PostgreSQL alters the table in place (SQLite has to rebuild it): add the
-- column nullable, fill it, then make it NOT NULL. No DEFAULT is left behind,
-- so a thread cannot be created without a directory. The whole file runs in
-- one transaction; other sessions wait on the table lock, never see the
-- half-filled column.
--
-- The column must sit right after thread_ts, as in the SQLite twin (which
-- follows the Go release's column order): the generated row models of both
-- engines have their fields in the same order. PostgreSQL only adds columns
-- at the end, so created_at and updated_at move behind it instead: each is
-- renamed, added again at the end, filled from its old self (in the same
-- UPDATE that fills the directory: one pass over the table) and dropped.
-- Every constraint, index, sequence and foreign key stays as it is.
-- codegen: allow pg-lock-timeout reason="deliberate (see above): sessions wait on the lock; threads holds one row per Slack thread, so the file holds it for milliseconds"
ALTER TABLE threads ADD COLUMN working_directory TEXT;
-- codegen: allow rename reason="inside this file's transaction: created_at is added again below and filled before the commit, so no running query ever misses it"
ALTER TABLE threads RENAME COLUMN created_at TO created_at_before_000004;
-- codegen: allow rename reason="inside this file's transaction: updated_at is added again below and filled before the commit, so no running query ever misses it"
ALTER TABLE threads RENAME COLUMN updated_at TO updated_at_before_000004;
ALTER TABLE threads ADD COLUMN created_at TIMESTAMP;
ALTER TABLE threads ADD COLUMN updated_at TIMESTAMP;

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
                                      LIMIT 1), '/tmp'),
       created_at = t.created_at_before_000004,
       updated_at = t.updated_at_before_000004;

-- codegen: allow drop-column, pg-set-not-null reason="the 000004 copies of created_at and updated_at, copied into the new columns by the UPDATE above; the SET NOT NULL scan covers threads, one row per Slack thread: milliseconds under the lock this file already holds"
ALTER TABLE threads
    ALTER COLUMN working_directory SET NOT NULL,
    DROP COLUMN created_at_before_000004,
    DROP COLUMN updated_at_before_000004,
    ALTER COLUMN created_at SET DEFAULT CURRENT_TIMESTAMP,
    ALTER COLUMN updated_at SET DEFAULT CURRENT_TIMESTAMP;
