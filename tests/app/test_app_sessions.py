"""SessionManager on the generated data layer, against migrated database files."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from legacy import Legacy

from app import migrate
from app.db import connect
from app.sessions import SessionError, SessionManager, StartedSession, UnknownSessionError
from generated import models


@pytest.fixture
def manager(fresh_db: Path) -> Iterator[SessionManager]:
    conn = connect(fresh_db)
    yield SessionManager(conn)
    conn.close()


def start(manager: SessionManager, session_id: str, directory: str = "/work/a", ts: str = "1.0") -> StartedSession:
    return manager.start(
        channel_id="C1", thread_ts=ts, working_directory=directory, session_id=session_id, model="claude-sonnet-4"
    )


def set_ended_at(manager: SessionManager, session_id: str, ended_at: str) -> None:
    # The queries stamp CURRENT_TIMESTAMP (1 s resolution); tests pin the instants.
    manager.conn.execute("UPDATE sessions SET ended_at = ? WHERE session_id = ?", (ended_at, session_id))


def test_first_session_creates_the_thread_with_its_directory(manager: SessionManager) -> None:
    started = start(manager, "s1", "/work/a")
    assert isinstance(started.thread, models.Thread) and isinstance(started.session, models.Session)
    assert started.thread.channel_id == "C1" and started.thread.thread_ts == "1.0"
    assert started.thread.working_directory == started.working_directory == "/work/a"
    assert started.session.thread_id == started.thread.id
    assert started.session.session_id == "s1" and started.session.status == "active"
    assert started.session.model == "claude-sonnet-4" and started.session.started_at is not None
    assert started.resume_session_id is None
    assert not manager.conn.in_transaction  # committed
    assert manager.list_threads() == [manager.get_thread("C1", "1.0")]


def test_later_sessions_run_in_the_thread_directory_and_resume(
    manager: SessionManager, caplog: pytest.LogCaptureFixture
) -> None:
    first = start(manager, "s1", "/work/a")
    manager.finish(session_id="s1", status="completed", total_cost_usd=0.5, num_turns=3)

    with caplog.at_level(logging.WARNING, logger="app.sessions"):
        second = start(manager, "s2", "/work/elsewhere")
    assert second.thread.id == first.thread.id
    assert second.working_directory == "/work/a" and second.thread.working_directory == "/work/a"
    assert "/work/elsewhere" in caplog.text and "/work/a" in caplog.text
    assert second.resume_session_id == "s1"

    # Same directory asked for: no warning.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="app.sessions"):
        third = start(manager, "s3", "/work/a")
    assert caplog.text == ""
    # s2 is still active, so the session to resume is still s1.
    assert third.resume_session_id == "s1"


def test_resume_picks_the_latest_ended_completed_session(manager: SessionManager) -> None:
    for sid in ("a", "b", "c", "d", "e"):
        start(manager, sid)
    manager.finish(session_id="a", status="completed")
    manager.finish(session_id="b", status="completed")
    manager.finish(session_id="c", status="completed")
    manager.finish(session_id="d", status="failed")
    set_ended_at(manager, "a", "2030-01-01 00:00:02")  # ended last, though created first
    set_ended_at(manager, "b", "2030-01-01 00:00:01")
    set_ended_at(manager, "c", "2030-01-01 00:00:01")
    set_ended_at(manager, "d", "2030-01-01 00:00:09")  # newer, but failed
    assert start(manager, "f").resume_session_id == "a"
    set_ended_at(manager, "a", "2030-01-01 00:00:01")  # a tie on ended_at: the higher id wins
    assert start(manager, "g").resume_session_id == "c"
    resumable = manager.resume_candidate("C1", "1.0")
    assert resumable is not None and resumable.session_id == "c"


def test_finish_records_the_outcome(manager: SessionManager) -> None:
    started = start(manager, "s1")
    done = manager.finish(
        session_id="s1",
        status="completed",
        total_cost_usd=1.25,
        input_tokens=100,
        output_tokens=20,
        duration_ms=4000,
        num_turns=2,
    )
    assert done.status == "completed" and done.ended_at is not None
    assert (done.total_cost_usd, done.input_tokens, done.output_tokens, done.duration_ms, done.num_turns) == (
        1.25,
        100,
        20,
        4000,
        2,
    )
    assert done.model == "claude-sonnet-4"  # no model given: the stored one stays
    start(manager, "s2")
    assert manager.finish(session_id="s2", status="timeout", model="claude-opus-4").model == "claude-opus-4"
    thread = manager.get_thread("C1", "1.0")
    assert thread is not None and thread.updated_at is not None and thread.id == started.thread.id

    with pytest.raises(UnknownSessionError):
        manager.finish(session_id="nope", status="completed")
    with pytest.raises(SessionError, match="cannot finish as 'active'"):
        manager.finish(session_id="s1", status="active")
    assert not manager.conn.in_transaction


def test_rename_status_and_model(manager: SessionManager) -> None:
    start(manager, "provisional")
    start(manager, "other")
    renamed = manager.rename_session("provisional", "real-id")
    assert renamed.session_id == "real-id" and manager.get_session("provisional") is None
    with pytest.raises(UnknownSessionError):
        manager.rename_session("provisional", "x")
    with pytest.raises(SessionError, match="cannot rename"):
        manager.rename_session("real-id", "other")  # session ids are unique
    assert manager.set_status("real-id", "failed").status == "failed"
    assert manager.set_model("real-id", "claude-haiku").model == "claude-haiku"
    with pytest.raises(UnknownSessionError):
        manager.set_model("gone", None)
    assert not manager.conn.in_transaction


def test_active_session_and_listings(manager: SessionManager) -> None:
    assert manager.active_session("C1", "1.0") is None
    start(manager, "s1")
    start(manager, "s2")
    start(manager, "t1", ts="2.0")
    active = manager.active_session("C1", "1.0")
    assert active is not None and active.session_id == "s2"  # newest first
    thread = manager.get_thread("C1", "1.0")
    assert thread is not None and manager.count_active(thread.id) == 2
    manager.finish(session_id="s2", status="completed")
    active = manager.active_session("C1", "1.0")
    assert active is not None and active.session_id == "s1"
    assert [s.session_id for s in manager.thread_sessions("C1", "1.0")] == ["s2", "s1"]
    assert manager.thread_sessions("C1", "9.9") == []
    assert [s.session_id for s in manager.list_sessions()] == ["t1", "s2", "s1"]
    assert [s.session_id for s in manager.list_sessions(limit=2, offset=1)] == ["s2", "s1"]
    assert {s.session_id for s in manager.list_active_sessions()} == {"s1", "t1"}


def test_a_failed_start_leaves_nothing_behind(manager: SessionManager) -> None:
    start(manager, "taken", ts="1.0")
    with pytest.raises(SessionError, match="cannot create session taken"):
        start(manager, "taken", ts="2.0")  # new thread, duplicate session id
    assert manager.get_thread("C1", "2.0") is None  # the thread insert rolled back with it
    assert not manager.conn.in_transaction


def test_methods_join_a_transaction_the_caller_opened(manager: SessionManager) -> None:
    manager.conn.execute("BEGIN IMMEDIATE")
    start(manager, "s1")
    assert manager.conn.in_transaction  # not committed behind the caller's back
    manager.conn.execute("ROLLBACK")
    assert manager.get_session("s1") is None and manager.list_threads() == []


def test_sessions_continue_on_an_upgraded_database(legacy_db: tuple[Path, Legacy]) -> None:
    path, legacy = legacy_db
    migrate.migrate(path)
    conn = connect(path)
    manager = SessionManager(conn)
    tie = legacy.special["tie"]
    channel_id, thread_ts = legacy.threads[tie][:2]
    completed = [s for s in legacy.sessions.values() if s["thread_id"] == tie and s["status"] == "completed"]
    expected = max(completed, key=lambda s: (s["ended_at"], s["id"]))["session_id"] if completed else None

    started = manager.start(
        channel_id=channel_id, thread_ts=thread_ts, working_directory="/somewhere/else", session_id="after-upgrade"
    )
    assert started.working_directory == "/srv/tie-winner"  # the directory 000004 chose
    assert started.resume_session_id == expected
    assert len(manager.list_threads()) == len(legacy.threads)
    conn.close()


def test_connect_reports_what_it_cannot_open(tmp_path: Path) -> None:
    from app.db import DatabaseOpenError

    with pytest.raises(DatabaseOpenError, match="does not exist"):
        connect(tmp_path / "missing" / "x.db")
    with pytest.raises(DatabaseOpenError, match="no such file"):
        connect(tmp_path / "x.db", create=False)
    assert not (tmp_path / "x.db").exists()
    (tmp_path / "junk.db").write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(DatabaseOpenError, match="file is not a database"):
        connect(tmp_path / "junk.db")
    conn = connect(tmp_path / "ok.db")
    assert conn.isolation_level is None
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert conn.execute("PRAGMA busy_timeout").fetchone() == (30000,)
    conn.close()
    ro = connect(tmp_path / "ok.db", readonly=True)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        ro.execute("CREATE TABLE t (x)")
    ro.close()
