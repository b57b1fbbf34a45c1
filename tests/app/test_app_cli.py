"""`python -m app` as an operator runs it: output, and one-line errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from legacy import Legacy, assert_one_line_error, run_app

from app.db import connect
from app.sessions import SessionManager


def test_status_lists_applied_and_pending(legacy_db: tuple[Path, Legacy]) -> None:
    path, _ = legacy_db
    result = run_app("status", "--db", str(path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["STATE", "VERSION", "APPLIED_AT"]
    assert [line.split()[:2] for line in lines[1:-1]] == [
        ["applied", "000001_init"],
        ["applied", "000003_working_directories"],
        ["pending", "000004_add_working_directory_to_threads"],
        ["pending", "000005_remove_working_directory_from_sessions"],
        ["pending", "000006_drop_working_directories"],
        ["pending", "000007_add_initial_prompt_to_sessions"],
        ["pending", "000008_add_pagination_indexes"],
    ]
    assert lines[-1] == "version: 000003_working_directories"


def test_listings_on_a_migrated_database(fresh_db: Path) -> None:
    conn = connect(fresh_db)
    manager = SessionManager(conn)
    manager.start(channel_id="C1", thread_ts="1.5", working_directory="/work/alpha", session_id="sess-a")
    manager.finish(session_id="sess-a", status="completed", total_cost_usd=0.25, num_turns=4)
    manager.start(channel_id="C1", thread_ts="1.5", working_directory="/work/alpha", session_id="sess-b")
    manager.start(channel_id="C2", thread_ts="2.5", working_directory="/work/beta", session_id="sess-c")
    conn.close()

    threads = run_app("threads", "--db", str(fresh_db))
    assert threads.returncode == 0, threads.stderr
    header, *rows = threads.stdout.splitlines()
    assert header.split() == ["ID", "CHANNEL", "THREAD_TS", "WORKING_DIRECTORY", "CREATED_AT", "UPDATED_AT"]
    assert {tuple(row.split()[1:4]) for row in rows} == {("C1", "1.5", "/work/alpha"), ("C2", "2.5", "/work/beta")}
    assert header.index("WORKING_DIRECTORY") == rows[0].index("/work/")  # aligned columns

    sessions = run_app("sessions", "--db", str(fresh_db))
    assert sessions.returncode == 0, sessions.stderr
    header, *rows = sessions.stdout.splitlines()
    assert header.split()[:4] == ["ID", "THREAD", "SESSION_ID", "STATUS"]
    assert [row.split()[2] for row in rows] == ["sess-c", "sess-b", "sess-a"]
    assert "0.2500" in rows[2] and "completed" in rows[2]

    one = run_app("sessions", "--db", str(fresh_db), "--thread", "C1:1.5")
    assert [row.split()[2] for row in one.stdout.splitlines()[1:]] == ["sess-b", "sess-a"]
    limited = run_app("sessions", "--db", str(fresh_db), "--limit", "1")
    assert len(limited.stdout.splitlines()) == 2

    assert "no thread C9:9" in assert_one_line_error(run_app("sessions", "--db", str(fresh_db), "--thread", "C9:9"))
    assert "CHANNEL:TS" in assert_one_line_error(run_app("sessions", "--db", str(fresh_db), "--thread", "nocolon"))


@pytest.mark.parametrize("command", [["status"], ["threads"], ["sessions"], ["rollback", "--to", "1"]])
def test_missing_database_is_an_error_and_is_not_created(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "missing.db"
    line = assert_one_line_error(run_app(*command, "--db", str(path)))
    assert str(path) in line and "no such file" in line
    assert list(tmp_path.iterdir()) == []


def test_missing_directory_is_an_error(tmp_path: Path) -> None:
    line = assert_one_line_error(run_app("migrate", "--db", str(tmp_path / "nope" / "app.db")))
    assert "does not exist" in line
    assert not (tmp_path / "nope").exists()


@pytest.mark.parametrize("command", [["migrate"], ["rollback", "--to", "0"], ["status"], ["threads"], ["sessions"]])
def test_corrupt_file_is_an_error_and_stays_as_it_was(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"definitely not SQLite\n" * 300)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    line = assert_one_line_error(run_app(*command, "--db", str(path)))
    assert "file is not a database" in line
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corrupt.db"]


def test_listing_an_unmigrated_database_says_what_to_do(legacy_db: tuple[Path, Legacy]) -> None:
    path, _ = legacy_db
    line = assert_one_line_error(run_app("threads", "--db", str(path)))
    assert "pending" in line and "python -m app migrate" in line


def test_usage_errors_are_one_line(tmp_path: Path) -> None:
    result = run_app("rollback", "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2
    assert assert_one_line_error(result).startswith("error: the following arguments are required: --to")
    assert "expected a migration number" in assert_one_line_error(
        run_app("migrate", "--db", str(tmp_path / "x.db"), "--to", "six")
    )
    assert run_app("--help").returncode == 0
