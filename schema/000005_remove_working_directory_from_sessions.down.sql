-- Give sessions their working_directory back, NOT NULL, each session taking
-- its thread's directory. The per-session values the column held before
-- 000005 are not recoverable; the thread's directory is what the sessions
-- ran in since 000004.
--
-- A rebuild rather than ADD COLUMN: the column must sit right after
-- session_id again and be NOT NULL without a DEFAULT, exactly the 000001 shape
-- (the Go release's text, foreign key clause at the end).
CREATE TABLE sessions_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id INTEGER NOT NULL,
    session_id TEXT NOT NULL UNIQUE,
    working_directory TEXT NOT NULL,
    started_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    ended_at TIMESTAMP,
    status TEXT CHECK(status IN ('active', 'completed', 'failed', 'timeout')) DEFAULT 'active',
    model TEXT,
    total_cost_usd REAL,
    input_tokens INTEGER,
    output_tokens INTEGER,
    duration_ms INTEGER,
    num_turns INTEGER,
    FOREIGN KEY (thread_id) REFERENCES threads(id)
);

-- '/tmp' only for a session whose thread is missing; foreign_key_check
-- refuses to commit such a row anyway.
INSERT INTO sessions_new (id, thread_id, session_id, working_directory, started_at, ended_at,
                          status, model, total_cost_usd, input_tokens, output_tokens,
                          duration_ms, num_turns)
SELECT s.id, s.thread_id, s.session_id, COALESCE(t.working_directory, '/tmp'), s.started_at,
       s.ended_at, s.status, s.model, s.total_cost_usd, s.input_tokens, s.output_tokens,
       s.duration_ms, s.num_turns
  FROM sessions AS s
  LEFT JOIN threads AS t ON t.id = s.thread_id;

DELETE FROM sqlite_sequence WHERE name = 'sessions_new';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'sessions_new', seq FROM sqlite_sequence WHERE name = 'sessions';

DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;

CREATE INDEX idx_sessions_thread_id ON sessions(thread_id);
CREATE INDEX idx_sessions_status ON sessions(status);
