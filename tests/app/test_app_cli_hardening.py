"""`python -m app` given careless or hostile input (issue 15, symptoms 17-20): a FIFO for --db,
rows holding terminal escapes, limits out of range, a schema_migrations table of another tool."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
from legacy import assert_one_line_error, run_app

from app.db import connect
from app.sessions import SessionManager


@pytest.mark.parametrize("command", ["status", "migrate", "threads", "sessions"])
def test_a_fifo_for_db_is_refused_at_once(tmp_path: Path, command: str) -> None:
    fifo = tmp_path / "service.db"
    os.mkfifo(fifo)
    result = run_app(command, "--db", str(fifo), timeout=30)  # hung forever before
    error = assert_one_line_error(result)
    assert "not a regular file" in error and str(fifo) in error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["service.db"]


def test_listed_text_cannot_forge_rows_or_reach_the_terminal(fresh_db: Path) -> None:
    conn = connect(fresh_db)
    manager = SessionManager(conn)
    hostile = "/srv/a\n99  FORGED  row\x1b[2J\x1b]0;title\x07\r\u202egnp.exe\x00end"
    manager.start(channel_id="C1\x1b[31m", thread_ts="1.5", working_directory=hostile, session_id="s\n1")
    conn.close()
    for command in ("threads", "sessions"):
        result = run_app(command, "--db", str(fresh_db))
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert len(lines) == 2, result.stdout  # the header and one row: no forged second row
        assert not any(ch in result.stdout for ch in "\x1b\x07\r\x00\u202e")
    threads = run_app("threads", "--db", str(fresh_db)).stdout
    assert "/srv/a\\n99  FORGED  row\\x1b[2J\\x1b]0;title\\x07\\r\\u202egnp.exe\\x00end" in threads
    assert "C1\\x1b[31m" in threads


@pytest.mark.parametrize("limit", ["-1", "99999999999999999999", "1e3", "x"])
def test_a_limit_out_of_range_is_a_usage_error(fresh_db: Path, limit: str) -> None:
    result = run_app("sessions", "--db", str(fresh_db), "--limit", limit)
    assert result.returncode == 2 and result.stdout == ""
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
    assert "--limit" in result.stderr


def test_limits_that_are_in_range_work(fresh_db: Path) -> None:
    conn = connect(fresh_db)
    manager = SessionManager(conn)
    for n in range(3):
        manager.start(channel_id="C", thread_ts=f"{n}.5", working_directory="/w", session_id=f"s{n}")
    conn.close()
    for limit, rows in (("0", 3), ("2", 2), (str(2**63 - 1), 3)):
        result = run_app("sessions", "--db", str(fresh_db), "--limit", limit)
        assert result.returncode == 0, result.stderr
        assert len(result.stdout.splitlines()) == 1 + rows


@pytest.mark.parametrize("command", ["status", "migrate", "threads"])
def test_a_golang_migrate_table_is_named_and_left_alone(tmp_path: Path, command: str) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_migrations (version uint64, dirty bool)")
    conn.execute("CREATE UNIQUE INDEX version_unique ON schema_migrations (version)")
    conn.execute("INSERT INTO schema_migrations VALUES (3, 0)")
    conn.commit()
    conn.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    error = assert_one_line_error(run_app(command, "--db", str(path)))
    assert "schema_migrations" in error and "version, dirty" in error and "nothing was changed" in error, error
    assert "no such column" not in error
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_postgres_a_golang_migrate_table_is_named_and_left_alone(postgres_url: str) -> None:
    from pg import dump, raw

    with raw(postgres_url) as conn:
        conn.execute("CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)")
        conn.execute("INSERT INTO schema_migrations VALUES (3, false)")
    before = dump(postgres_url)
    for command in ("status", "migrate"):
        error = assert_one_line_error(run_app(command, "--db", postgres_url))
        assert "version, dirty" in error and "nothing was changed" in error, error
    assert dump(postgres_url) == before
