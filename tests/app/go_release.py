"""Databases as the Go service (yuya-takeyama/cc-slack) leaves them.

Its migrations are transcribed here statement for statement (the CREATE
statements byte for byte: SQLite stores their text) and run the way its runner
runs them: schema_migrations(version TEXT PRIMARY KEY, applied_at), one
transaction per file recording the file's name without .up.sql, on a
connection with foreign keys ON and the file in WAL mode. Its comments and the
down files are left out. Rows are written with its own queries, in the order
its session manager issues them.

Two releases matter: the one before the refactoring (commit 8a481bc) left
databases at version 000003, the current one at 000008. The Go 000004 cannot
upgrade the first kind itself: it drops `threads` with foreign keys ON, which
fails with "FOREIGN KEY constraint failed" as soon as a session exists.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RUNNER_TABLE = """
\tCREATE TABLE IF NOT EXISTS schema_migrations (
\t\tversion TEXT PRIMARY KEY,
\t\tapplied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
\t)
\t"""

MIGRATIONS: dict[str, str] = {
    "000001_init": """
CREATE TABLE threads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id TEXT NOT NULL,
    thread_ts TEXT NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    UNIQUE(channel_id, thread_ts)
);

CREATE TABLE sessions (
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

CREATE INDEX idx_sessions_thread_id ON sessions(thread_id);
CREATE INDEX idx_sessions_status ON sessions(status);""",
    "000003_working_directories": """
CREATE TABLE working_directories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id TEXT NOT NULL,
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    UNIQUE(channel_id, name)
);

CREATE INDEX idx_working_directories_channel_id ON working_directories(channel_id);""",
    "000004_add_working_directory_to_threads": """
ALTER TABLE threads ADD COLUMN working_directory TEXT;

UPDATE threads
SET working_directory = (
    SELECT s.working_directory
    FROM sessions s
    WHERE s.thread_id = threads.id
    ORDER BY s.started_at DESC
    LIMIT 1
)
WHERE EXISTS (
    SELECT 1
    FROM sessions s
    WHERE s.thread_id = threads.id
);

UPDATE threads
SET working_directory = '/tmp'
WHERE working_directory IS NULL;

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

DROP TABLE threads;
ALTER TABLE threads_new RENAME TO threads;

CREATE INDEX idx_threads_channel_thread ON threads(channel_id, thread_ts);""",
    "000005_remove_working_directory_from_sessions": """
CREATE TABLE sessions_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id INTEGER NOT NULL,
    session_id TEXT NOT NULL UNIQUE,
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

INSERT INTO sessions_new (
    id, thread_id, session_id, started_at, ended_at, status,
    model, total_cost_usd, input_tokens, output_tokens, duration_ms, num_turns
)
SELECT
    id, thread_id, session_id, started_at, ended_at, status,
    model, total_cost_usd, input_tokens, output_tokens, duration_ms, num_turns
FROM sessions;

DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;

CREATE INDEX idx_sessions_thread_id ON sessions(thread_id);
CREATE INDEX idx_sessions_status ON sessions(status);""",
    "000006_drop_working_directories": """
DROP INDEX IF EXISTS idx_working_directories_channel_id;
DROP TABLE IF EXISTS working_directories;""",
    "000007_add_initial_prompt_to_sessions": """
ALTER TABLE sessions ADD COLUMN initial_prompt TEXT;""",
    "000008_add_pagination_indexes": """
CREATE INDEX IF NOT EXISTS idx_threads_updated_at_desc ON threads(updated_at DESC);

CREATE INDEX IF NOT EXISTS idx_sessions_started_at_desc ON sessions(started_at DESC);

CREATE INDEX IF NOT EXISTS idx_sessions_thread_started_at ON sessions(thread_id, started_at DESC);""",
}
VERSIONS = list(MIGRATIONS)

# The service's queries (sqlc's input), before the refactoring and now.
V3_CREATE_THREAD = "INSERT INTO threads (channel_id, thread_ts) VALUES (?, ?) RETURNING *"
V3_CREATE_SESSION = (
    "INSERT INTO sessions (thread_id, session_id, working_directory, model) VALUES (?, ?, ?, ?) RETURNING *"
)
V8_CREATE_THREAD = "INSERT INTO threads (channel_id, thread_ts, working_directory) VALUES (?, ?, ?) RETURNING *"
V8_CREATE_SESSION = (
    "INSERT INTO sessions (thread_id, session_id, model, initial_prompt) VALUES (?, ?, ?, ?) RETURNING *"
)
UPDATE_SESSION_ID = "UPDATE sessions SET session_id = ? WHERE session_id = ?"
UPDATE_SESSION_MODEL = "UPDATE sessions SET model = ? WHERE session_id = ?"
UPDATE_SESSION_STATUS = (
    "UPDATE sessions SET status = ?, ended_at = CURRENT_TIMESTAMP, total_cost_usd = ?, input_tokens = ?, "
    "output_tokens = ?, duration_ms = ?, num_turns = ? WHERE session_id = ?"
)
UPDATE_SESSION_END_TIME = "UPDATE sessions SET status = ?, ended_at = CURRENT_TIMESTAMP WHERE session_id = ?"


def open_like_go(path: Path) -> sqlite3.Connection:
    """A connection set up as the Go service's database.Open sets up its own."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    return conn


def run_go_migration(conn: sqlite3.Connection, version: str) -> None:
    """One file as the Go runner runs it: in a transaction with its version row.
    Raises the SQLite error its runner would report (and rolls back)."""
    conn.execute(RUNNER_TABLE)
    try:
        conn.executescript(f"BEGIN;\n{MIGRATIONS[version]}\n")
        conn.execute("INSERT INTO schema_migrations (version) VALUES (?)", (version,))
        conn.execute("COMMIT")
    except sqlite3.Error:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def go_schema(path: Path, upto: str) -> None:
    """A new file the Go runner took from nothing to version `upto`."""
    conn = open_like_go(path)
    for version in VERSIONS[: VERSIONS.index(upto) + 1]:
        run_go_migration(conn, version)
    conn.close()


@dataclass
class GoDatabase:
    """A database the Go service wrote, and what it wrote into it."""

    path: Path
    version: str
    threads: dict[str, int] = field(default_factory=dict)  # name -> thread id
    sessions: dict[str, str] = field(default_factory=dict)  # name -> session_id as stored
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)  # table -> rows ordered by id


class GoService:
    """The session manager's writes, in its order: thread, provisional session,
    real id from Claude's init message, model, then how the session ended."""

    def __init__(self, conn: sqlite3.Connection, db: GoDatabase) -> None:
        self.conn, self.db, self.v3 = conn, db, db.version == "000003_working_directories"

    def thread(self, name: str, channel_id: str, thread_ts: str, directory: str) -> int:
        if self.v3:
            row = self.conn.execute(V3_CREATE_THREAD, (channel_id, thread_ts)).fetchone()
        else:
            row = self.conn.execute(V8_CREATE_THREAD, (channel_id, thread_ts, directory)).fetchone()
        self.db.threads[name] = row[0]
        return int(row[0])

    def start(self, name: str, thread: str, directory: str, prompt: str = "") -> str:
        temp = f"temp_{time.time_ns()}"
        thread_id = self.db.threads[thread]
        if self.v3:
            self.conn.execute(V3_CREATE_SESSION, (thread_id, temp, directory, None)).fetchone()
        else:
            self.conn.execute(V8_CREATE_SESSION, (thread_id, temp, None, prompt or None)).fetchone()
        self.db.sessions[name] = temp
        return temp

    def init_message(self, name: str, real_id: str, model: str) -> None:
        self.conn.execute(UPDATE_SESSION_ID, (real_id, self.db.sessions[name]))
        self.conn.execute(UPDATE_SESSION_MODEL, (model, real_id))
        self.db.sessions[name] = real_id

    def result(self, name: str, *, is_error: bool, cost: float, tokens: tuple[int, int], ms: int, turns: int) -> None:
        status = "failed" if is_error else "completed"
        self.conn.execute(UPDATE_SESSION_STATUS, (status, cost, *tokens, ms, turns, self.db.sessions[name]))

    def end(self, name: str, status: str) -> None:  # a failed process start, an idle timeout
        self.conn.execute(UPDATE_SESSION_END_TIME, (status, self.db.sessions[name]))


def build_go_database(path: Path, version: str) -> GoDatabase:
    """A database at `version` (000003 or 000008) holding every kind of row the
    Go service leaves: completed, failed (an error result, and a process that
    never started: its provisional id stays), timed-out and still-active
    sessions, a thread without sessions, two sessions started in the same
    second, and sessions a second apart."""
    go_schema(path, version)
    db = GoDatabase(path, version)
    conn = open_like_go(path)
    go = GoService(conn, db)
    go.thread("alpha", "C0ALPHA", "1700000001.000100", "/srv/alpha")
    go.thread("empty", "C0ALPHA", "1700000002.000200", "/srv/empty")  # its only start never got a session
    go.thread("beta", "C0BETA", "1700000003.000300", "/srv/beta")
    go.thread("gamma", "C0BETA", "1700000004.000400", "/srv/gamma")

    go.start("alpha-1", "alpha", "/srv/alpha-old", "first prompt: fix the build")
    go.init_message("alpha-1", "5b6f0d3e-alpha-1", "claude-sonnet-4-20250514")
    go.result("alpha-1", is_error=False, cost=0.1234, tokens=(1200, 340), ms=45000, turns=6)
    go.start("gamma-1", "gamma", "/srv/gamma")
    go.init_message("gamma-1", "9c1d22aa-gamma-1", "claude-opus-4-20250514")
    go.end("gamma-1", "timeout")
    time.sleep(max(0.0, 1.05 - time.time() % 1))  # into the next second, with room for the pair below
    go.start("beta-1", "beta", "/srv/beta-first")
    go.end("beta-1", "failed")  # the process never started: no real id
    go.start("beta-2", "beta", "/srv/beta-second", "retry after the failure")  # the same second
    go.init_message("beta-2", "0e9f7a11-beta-2", "claude-sonnet-4-20250514")
    go.result("beta-2", is_error=True, cost=0.002, tokens=(10, 0), ms=800, turns=1)
    go.start("alpha-2", "alpha", "/srv/alpha-new", "second prompt")  # resumes alpha-1, still running
    go.init_message("alpha-2", "77aa31f0-alpha-2", "claude-sonnet-4-20250514")
    for table in ("threads", "sessions"):
        db.rows[table] = conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
    pair = conn.execute(
        "SELECT started_at FROM sessions WHERE session_id IN (?, ?)", (db.sessions["beta-1"], db.sessions["beta-2"])
    ).fetchall()
    assert len({started for (started,) in pair}) == 1, "the pair crossed a second; the fixture must be rebuilt"
    conn.close()
    return db
