"""Helpers for test_app_faults.py: a large database as the earlier release left
it, built set-based in a few seconds; row-by-row comparisons and shape checks
that say which version a database really is at; the CLI run with OS-level limits;
and the worker process of the contention test
(`python tests/app/fault_support.py contend ...`).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from legacy import (  # noqa: E402
    OLD_INIT_SQL,
    OLD_VERSIONS_SQL,
    OLD_WORKING_DIRECTORIES_SQL,
    ROOT,
    normalize_sql,
)

V3 = "000003_working_directories"
V4 = "000004_add_working_directory_to_threads"
V5 = "000005_remove_working_directory_from_sessions"
V6 = "000006_drop_working_directories"
V7 = "000007_add_initial_prompt_to_sessions"
V8 = "000008_add_pagination_indexes"
VERSIONS = ["000001_init", V3, V4, V5, V6, V7, V8]

# Columns every version has: what "no row lost" is checked on at any step.
THREAD_COLUMNS = ("id", "channel_id", "thread_ts", "created_at", "updated_at")
SESSION_COLUMNS = (
    "id", "thread_id", "session_id", "started_at", "ended_at", "status", "model",
    "total_cost_usd", "input_tokens", "output_tokens", "duration_ms", "num_turns",
)  # fmt: skip

_NUMBERS = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :n) "


def build_large_legacy_db(path: Path, *, threads: int = 20_000, sessions: int = 200_000) -> None:
    """A version-000003 database as the earlier release left it (rollback
    journal), with `sessions` sessions spread over `threads` threads, plus
    threads without sessions, NULL and tied started_at values, and deleted
    rows (AUTOINCREMENT high-water marks above the highest id). Set-based:
    INSERT ... SELECT over a recursive CTE, a couple of seconds for 200k rows."""
    conn = sqlite3.connect(path, isolation_level=None)
    # Building only: no journal, no syncs. The file ends in the earlier
    # release's rollback-journal mode like any database it left.
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -200000")
    conn.executescript(OLD_INIT_SQL + OLD_WORKING_DIRECTORIES_SQL + OLD_VERSIONS_SQL)
    conn.execute("BEGIN")
    conn.execute(
        _NUMBERS + "INSERT INTO threads (id, channel_id, thread_ts, created_at, updated_at) "
        "SELECT i, printf('C%03d', i % 37), printf('1700000000.%06d', i), "
        "       datetime('2024-01-01', printf('+%d minutes', i)), datetime('2024-01-01', printf('+%d minutes', 2 * i)) "
        "  FROM n",
        {"n": threads + 50},  # the last 50 threads get no session: their directory becomes '/tmp'
    )
    conn.execute(
        _NUMBERS + """
        INSERT INTO sessions (id, thread_id, session_id, working_directory, started_at, ended_at, status, model,
                              total_cost_usd, input_tokens, output_tokens, duration_ms, num_turns)
        SELECT i, 1 + (i * 7919) % :threads, printf('sess-%07d-%08x', i, (i * 2654435761) % 4294967296),
               printf('/home/dev/project-%d', (i * 31) % 11),
               CASE WHEN i % 97 = 0 THEN NULL ELSE datetime('2024-03-01', printf('+%d hours', (i * 13) % 240)) END,
               CASE WHEN i % 5 IN (0, 4) THEN NULL ELSE datetime('2024-03-20', printf('+%d minutes', i % 5000)) END,
               CASE i % 5 WHEN 0 THEN 'active' WHEN 1 THEN 'completed' WHEN 2 THEN 'failed'
                          WHEN 3 THEN 'timeout' ELSE NULL END,
               CASE i % 3 WHEN 0 THEN NULL WHEN 1 THEN 'claude-sonnet-4' ELSE 'claude-opus-4' END,
               CASE WHEN i % 4 = 0 THEN NULL ELSE (i % 10007) / 997.0 END,
               CASE WHEN i % 6 = 0 THEN NULL ELSE (i * 37) % 1000000 END,
               CASE WHEN i % 7 = 0 THEN NULL ELSE (i * 11) % 100000 END,
               CASE WHEN i % 8 = 0 THEN NULL ELSE (i * 101) % 10000000 END,
               CASE WHEN i % 9 = 0 THEN NULL ELSE 1 + i % 80 END
          FROM n""",
        {"n": sessions, "threads": threads},
    )
    conn.execute(
        _NUMBERS + "INSERT INTO working_directories (channel_id, name, path) "
        "SELECT printf('C%03d', i % 37), printf('dir-%d', i), printf('/srv/%d', i) FROM n",
        {"n": 60},
    )
    # Deleted rows: ids are never handed out again, so the high-water marks
    # (sqlite_sequence) must survive every table rebuild.
    conn.execute("DELETE FROM sessions WHERE id % 1000 = 500 OR id = ?", (sessions,))
    conn.execute("DELETE FROM threads WHERE id = ?", (threads + 50,))
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()


# -- what a database holds ---------------------------------------------------------


def differences(conn: sqlite3.Connection, other: Path, table: str, cols: Sequence[str]) -> str | None:
    """None when `table` holds the same rows (by id, the given columns) in the
    database of `conn` and in the file `other`; else what differs. A join on
    the primary key, far cheaper than hashing every value as text."""
    conn.execute("ATTACH DATABASE ? AS other", (f"{other.resolve().as_uri()}?mode=ro",))
    try:
        mine, theirs = conn.execute(
            f"SELECT (SELECT count(*) FROM main.{table}), (SELECT count(*) FROM other.{table})"
        ).fetchone()
        differ = " OR ".join(f"a.{c} IS NOT b.{c}" for c in cols)
        ids = conn.execute(
            f"SELECT a.id FROM main.{table} AS a LEFT JOIN other.{table} AS b ON b.id = a.id "
            f"WHERE b.id IS NULL OR {differ} ORDER BY a.id LIMIT 5"
        ).fetchall()
    finally:
        conn.execute("DETACH DATABASE other")
    if mine == theirs and not ids:
        return None
    return f"{table}: {mine} rows here, {theirs} in {other.name}; rows differing (first ids): {[i for (i,) in ids]}"


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def tables(conn: sqlite3.Connection) -> set[str]:
    return {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def recorded_versions(conn: sqlite3.Connection) -> list[str]:
    if "schema_migrations" not in tables(conn):
        return []
    return sorted(v for (v,) in conn.execute("SELECT version FROM schema_migrations"))


def master(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    """sqlite_master without root pages, CREATE text normalized."""
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    return sorted((t, n, tbl, normalize_sql(sql)) for t, n, tbl, sql in rows)


def open_rw(path: Path) -> sqlite3.Connection:
    """A plain connection; URI filenames on, so ATTACH can say mode=ro."""
    return sqlite3.connect(path.resolve().as_uri(), uri=True)


def open_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def with_db(path: Path, fn: Callable[[sqlite3.Connection], Any]) -> Any:
    conn = open_rw(path)
    try:
        return fn(conn)
    finally:
        conn.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- running the CLI ------------------------------------------------------------------


def app_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "app", *args]


def app_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}


def run_cli(
    *args: str,
    prefix: Sequence[str] = (),
    preexec_fn: Callable[[], None] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """`python -m app ARGS`, optionally under a wrapper (setpriv) or with
    limits set in the child (preexec_fn)."""
    return subprocess.run(
        [*prefix, *app_argv(*args)],
        cwd=ROOT,
        env=app_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=preexec_fn,
    )


def run_cli_many(argvs: Sequence[Sequence[str]], timeout: float = 120) -> list[subprocess.CompletedProcess[str]]:
    """Several `python -m app` runs side by side (each on its own file)."""
    procs = [
        subprocess.Popen(
            app_argv(*argv), cwd=ROOT, env=app_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for argv in argvs
    ]
    results = []
    for argv, proc in zip(argvs, procs):
        out, err = proc.communicate(timeout=timeout)
        results.append(subprocess.CompletedProcess(list(argv), proc.returncode, out, err))
    return results


# -- the contention worker ---------------------------------------------------------------

FINISH_CYCLE = ("completed", "failed", "timeout", "completed", None)  # None: left active


def contend(db: Path, go: Path, worker: int, threads: int, seconds: float) -> None:
    """Start, rename and end sessions in `threads` shared threads until
    `seconds` have passed; print what was done as JSON. A start refused
    because the thread has an active session is counted; when that session
    is one its worker left active ("-idle"), the refused worker times it out,
    as the Go service's idle cleanup would."""
    from app.db import connect
    from app.sessions import ActiveSessionError, SessionManager

    manager = SessionManager(connect(db))
    rng = random.Random(worker)
    deadline_wait = time.monotonic() + 120
    while not go.exists():
        if time.monotonic() > deadline_wait:
            raise SystemExit("worker: the go file never appeared")
        time.sleep(0.002)
    done: dict[str, dict[str, Any]] = {}
    timed_out: list[str] = []
    refused = 0
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        thread_ts = f"1.{rng.randrange(threads):03d}"
        status = FINISH_CYCLE[n % len(FINISH_CYCLE)]
        provisional, final = f"w{worker}-{n}-tmp", f"w{worker}-{n}" + ("-idle" if status is None else "")
        try:
            started = manager.start(
                channel_id="CSHARED",
                thread_ts=thread_ts,
                working_directory=f"/dirs/w{worker}",
                session_id=provisional,
                model="claude-sonnet-4",
            )
        except ActiveSessionError as exc:
            refused += 1
            if exc.active.session_id.endswith("-idle"):
                manager.time_out(exc.active.session_id)
                timed_out.append(exc.active.session_id)
            continue
        renamed = manager.rename_session(provisional, final)
        assert renamed.id == started.session.id, (renamed, started)
        if status == "timeout":
            assert manager.time_out(final).status == status
        elif status is not None:
            finished = manager.finish(session_id=final, status=status, num_turns=n, total_cost_usd=n / 100)
            assert finished.status == status
        done[final] = {
            "thread_ts": thread_ts,
            "thread_id": started.thread.id,
            "status": status or "active",
            "working_directory": started.working_directory,
            "resume": started.resume_session_id,
        }
        n += 1
    manager.conn.close()
    print(json.dumps({"done": done, "timed_out": timed_out, "refused": refused}))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1] != "contend":
        raise SystemExit(f"unknown mode {sys.argv[1]}")
    contend(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]))
