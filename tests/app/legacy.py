"""Helpers for the app tests: databases as the earlier release left them, and
ways to compare database shapes and contents.

The earlier release applied 000001 and 000003 itself and recorded them in
schema_migrations; its SQL is frozen here (not read from schema/) because
deployed databases hold what that release ran, whatever schema/ says today:
the Go release's own text (go_release.py), whose CREATE statements SQLite
stores as they were written.
"""

from __future__ import annotations

import os
import random
import re
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from go_release import MIGRATIONS

ROOT = Path(__file__).resolve().parents[2]

# The Go release's own text (go_release.py), foreign key and all: the CREATE
# text SQLite stores is what that release ran.
OLD_INIT_SQL = MIGRATIONS["000001_init"] + ";\n"
OLD_WORKING_DIRECTORIES_SQL = MIGRATIONS["000003_working_directories"] + ";\n"

OLD_VERSIONS_SQL = """
CREATE TABLE schema_migrations (
    version TEXT PRIMARY KEY,
    applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO schema_migrations (version) VALUES ('000001_init');
INSERT INTO schema_migrations (version) VALUES ('000003_working_directories');
"""

# The earlier release's queries that touch what 000004-000006 changed.
OLD_CREATE_THREAD = "INSERT INTO threads (channel_id, thread_ts) VALUES (?, ?) RETURNING *"
OLD_CREATE_SESSION = (
    "INSERT INTO sessions (thread_id, session_id, working_directory, model) VALUES (?, ?, ?, ?) RETURNING *"
)
OLD_GET_SESSION = (
    "SELECT id, thread_id, session_id, working_directory, started_at, ended_at, status, model "
    "FROM sessions WHERE session_id = ?"
)
OLD_CREATE_WORKING_DIRECTORY = "INSERT INTO working_directories (channel_id, name, path) VALUES (?, ?, ?) RETURNING *"
OLD_LIST_WORKING_DIRECTORIES = "SELECT name, path FROM working_directories WHERE channel_id = ? ORDER BY name"
OLD_UPDATE_WORKING_DIRECTORY = (
    "UPDATE working_directories SET path = ?, updated_at = CURRENT_TIMESTAMP WHERE channel_id = ? AND name = ?"
)
OLD_DELETE_WORKING_DIRECTORY = "DELETE FROM working_directories WHERE channel_id = ? AND name = ?"

SESSION_COLUMNS_V3 = (
    "id", "thread_id", "session_id", "working_directory", "started_at", "ended_at", "status", "model",
    "total_cost_usd", "input_tokens", "output_tokens", "duration_ms", "num_turns",
)  # fmt: skip


@dataclass
class Legacy:
    """What build_legacy_db wrote, and what the upgrade must make of it."""

    threads: dict[int, tuple[Any, ...]] = field(default_factory=dict)  # id -> (channel, ts, created, updated)
    sessions: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> row by SESSION_COLUMNS_V3
    expected_dir: dict[int, str] = field(default_factory=dict)  # thread id -> directory after 000004
    special: dict[str, int] = field(default_factory=dict)  # named edge-case thread ids


def build_legacy_db(path: Path, *, threads: int = 300, sessions: int = 3000, seed: int = 7) -> Legacy:
    """A database file as the earlier release left it: version 000003, rollback
    journal, data full of the cases 000004 must decide."""
    rng = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript(OLD_INIT_SQL + OLD_WORKING_DIRECTORIES_SQL + OLD_VERSIONS_SQL)
    legacy = Legacy()
    conn.execute("BEGIN")

    def thread(channel: str, ts: str) -> int:
        created = f"2024-0{rng.randint(1, 9)}-{rng.randint(10, 28)} {rng.randint(10, 23)}:00:00"
        cur = conn.execute(
            "INSERT INTO threads (channel_id, thread_ts, created_at, updated_at) VALUES (?, ?, ?, ?)",
            (channel, ts, created, created),
        )
        assert cur.lastrowid is not None
        legacy.threads[cur.lastrowid] = (channel, ts, created, created)
        return cur.lastrowid

    def session(thread_id: int, directory: str, started_at: str | None) -> int:
        status = rng.choice(["active", "completed", "completed", "failed", "timeout", None])
        row: dict[str, Any] = {
            "thread_id": thread_id,
            "session_id": f"sess-{len(legacy.sessions):06d}-{rng.getrandbits(32):08x}",
            "working_directory": directory,
            "started_at": started_at,
            "ended_at": None if status in ("active", None) else f"2024-10-{rng.randint(10, 28)} 12:00:00",
            "status": status,
            "model": rng.choice([None, "claude-sonnet-4", "claude-opus-4"]),
            "total_cost_usd": rng.choice([None, round(rng.random() * 3, 6)]),
            "input_tokens": rng.choice([None, rng.randint(0, 10**6)]),
            "output_tokens": rng.choice([None, rng.randint(0, 10**5)]),
            "duration_ms": rng.choice([None, rng.randint(0, 10**7)]),
            "num_turns": rng.choice([None, rng.randint(1, 80)]),
        }
        names = [c for c in SESSION_COLUMNS_V3 if c != "id"]
        cur = conn.execute(
            f"INSERT INTO sessions ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            [row[c] for c in names],
        )
        assert cur.lastrowid is not None
        legacy.sessions[cur.lastrowid] = {"id": cur.lastrowid, **row}
        return cur.lastrowid

    # Named edge cases first.
    legacy.special["no_sessions"] = thread("CSPECIAL", "1.000001")
    tie = legacy.special["tie"] = thread("CSPECIAL", "1.000002")
    session(tie, "/srv/tie-loser", "2024-05-05 10:00:00")
    session(tie, "/srv/tie-winner", "2024-05-05 10:00:00")  # same instant, higher id wins
    session(tie, "/srv/older", "2024-05-04 10:00:00")
    late = legacy.special["newest_not_highest_id"] = thread("CSPECIAL", "1.000003")
    session(late, "/srv/newest", "2024-06-01 00:00:00")
    session(late, "/srv/inserted-later-but-older", "2024-01-01 00:00:00")
    null_start = legacy.special["null_started_at"] = thread("CSPECIAL", "1.000004")
    session(null_start, "/srv/dated", "2024-02-02 00:00:00")
    session(null_start, "/srv/undated", None)  # NULL sorts last in DESC: never the newest
    # A thread and a session deleted again: AUTOINCREMENT must not reuse their ids.
    gone = thread("CSPECIAL", "1.999999")
    gone_session = session(gone, "/srv/gone", "2024-01-01 00:00:00")
    conn.execute("DELETE FROM sessions WHERE id = ?", (gone_session,))
    conn.execute("DELETE FROM threads WHERE id = ?", (gone,))
    del legacy.sessions[gone_session], legacy.threads[gone]

    ids = [thread(f"C{i % 7:03d}", f"1700000000.{i:06d}") for i in range(threads)]
    directories = [f"/home/dev/project-{k}" for k in range(6)]
    # Few distinct instants: plenty of started_at ties between sessions of a thread.
    instants = [f"2024-03-{d:02d} {h:02d}:00:00" for d in range(1, 6) for h in (9, 15)]
    for _ in range(sessions):
        session(rng.choice(ids), rng.choice(directories), rng.choice(instants))

    for channel in ("C000", "C001", "C002"):
        for name in ("main", "docs"):
            conn.execute(
                "INSERT INTO working_directories (channel_id, name, path) VALUES (?, ?, ?)",
                (channel, name, f"/srv/{channel}/{name}"),
            )
    conn.execute("COMMIT")
    conn.close()

    for tid in legacy.threads:
        mine = [s for s in legacy.sessions.values() if s["thread_id"] == tid]
        # ORDER BY started_at DESC, id DESC: NULL is the smallest value in SQLite.
        newest = max(mine, key=lambda s: (s["started_at"] is not None, s["started_at"] or "", s["id"]), default=None)
        legacy.expected_dir[tid] = newest["working_directory"] if newest else "/tmp"
    return legacy


def normalize_sql(sql: str | None) -> str | None:
    """CREATE text modulo quoting and layout: a rebuilt table's text says
    CREATE TABLE "threads" where the original said CREATE TABLE threads."""
    if sql is None:
        return None
    text = re.sub(r"\s+", " ", sql.replace('"', "")).strip()
    return re.sub(r"\s*([(),])\s*", r"\1", text)


def schema_shape(conn: sqlite3.Connection) -> dict[str, Any]:
    """Everything that makes up the schema: normalized CREATE text, columns,
    indexes and foreign keys of each table."""
    shape: dict[str, Any] = {}
    for type_, name, table, sql in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"):
        shape[f"{type_} {name}"] = (table, normalize_sql(sql))
        if type_ == "table":
            shape[f"columns {name}"] = conn.execute(f"PRAGMA table_info({name})").fetchall()
            shape[f"foreign keys {name}"] = conn.execute(f"PRAGMA foreign_key_list({name})").fetchall()
            indexes = conn.execute(f"PRAGMA index_list({name})").fetchall()
            shape[f"indexes {name}"] = sorted(
                (row[1:], conn.execute(f"PRAGMA index_info({row[1]})").fetchall()) for row in indexes
            )
    return shape


def dump(conn: sqlite3.Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (schema_migrations without its timestamps)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        if name == "schema_migrations":
            out[name] = sorted(conn.execute("SELECT version FROM schema_migrations").fetchall())
        else:
            out[name] = sorted(conn.execute(f"SELECT * FROM {name}").fetchall(), key=repr)
    return out


def read(path: Path, fn: Any) -> Any:
    conn = sqlite3.connect(path)
    try:
        return fn(conn)
    finally:
        conn.close()


def run_app(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m app ARGS` in a fresh process, as an operator would run it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "app", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]
