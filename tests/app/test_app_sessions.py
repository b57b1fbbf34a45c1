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
from app.sessions import ActiveSessionError, SessionError, SessionManager, StartedSession, UnknownSessionError
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
    manager.time_out("s2")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="app.sessions"):
        third = start(manager, "s3", "/work/a")
    assert caplog.text == ""
    # s2 timed out, so the session to resume is still s1.
    assert third.resume_session_id == "s1"


def test_resume_picks_the_latest_ended_completed_session(manager: SessionManager) -> None:
    for sid, status in (("a", "completed"), ("b", "completed"), ("c", "completed"), ("d", "failed")):
        start(manager, sid)
        manager.finish(session_id=sid, status=status)
    start(manager, "e")
    manager.time_out("e")
    set_ended_at(manager, "a", "2030-01-01 00:00:02")  # ended last, though created first
    set_ended_at(manager, "b", "2030-01-01 00:00:01")
    set_ended_at(manager, "c", "2030-01-01 00:00:01")
    set_ended_at(manager, "d", "2030-01-01 00:00:09")  # newer, but failed
    set_ended_at(manager, "e", "2030-01-01 00:00:09")  # newer, but timed out
    assert start(manager, "f").resume_session_id == "a"
    manager.fail_start("f")
    set_ended_at(manager, "a", "2030-01-01 00:00:01")  # a tie on ended_at: the higher id wins
    assert start(manager, "g").resume_session_id == "c"
    resumable = manager.resume_candidate("C1", "1.0")
    assert resumable is not None and resumable.session_id == "c"
    # A completed session without an end time is never resumed (the Go service checks ended_at).
    manager.finish(session_id="g", status="completed")
    manager.conn.execute("UPDATE sessions SET ended_at = NULL WHERE status = 'completed'")
    assert manager.resume_candidate("C1", "1.0") is None


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
    failed = manager.finish(session_id="s2", status="failed", num_turns=1, model="claude-opus-4")
    outcome = (failed.status, failed.model, failed.num_turns, failed.total_cost_usd)
    assert outcome == ("failed", "claude-opus-4", 1, None)
    assert failed.ended_at is not None
    thread = manager.get_thread("C1", "1.0")
    assert thread is not None and thread.updated_at is not None and thread.id == started.thread.id

    with pytest.raises(UnknownSessionError):
        manager.finish(session_id="nope", status="completed")
    for status in ("active", "timeout"):
        with pytest.raises(SessionError, match=f"not '{status}'"):
            manager.finish(session_id="s1", status=status)  # type: ignore[arg-type]
    assert not manager.conn.in_transaction


def test_failed_starts_and_timeouts_record_the_status_and_end_time_only(manager: SessionManager) -> None:
    # What the Go service's UpdateSessionEndTime records: usage figures stay as they are.
    start(manager, "never-ran")
    failed = manager.fail_start("never-ran")
    assert (failed.status, failed.total_cost_usd, failed.num_turns) == ("failed", None, None)
    assert failed.ended_at is not None
    start(manager, "idle")
    manager.conn.execute("UPDATE sessions SET num_turns = 7 WHERE session_id = 'idle'")
    timed_out = manager.time_out("idle")
    assert (timed_out.status, timed_out.num_turns) == ("timeout", 7) and timed_out.ended_at is not None
    with pytest.raises(UnknownSessionError):
        manager.time_out("nope")
    with pytest.raises(SessionError, match="not 'completed'"):
        manager.end("idle", "completed")
    assert not manager.conn.in_transaction


def test_a_second_active_session_in_a_thread_is_refused(manager: SessionManager) -> None:
    first = manager.start(
        channel_id="C1", thread_ts="1.0", working_directory="/work/a", session_id="temp_1", initial_prompt="fix it"
    )
    assert first.session.initial_prompt == "fix it"
    with pytest.raises(ActiveSessionError, match="C1:1.0 already has an active session: temp_1") as refused:
        start(manager, "temp_2")
    assert refused.value.active.session_id == "temp_1"
    assert manager.get_session("temp_2") is None and not manager.conn.in_transaction
    # The refusal names the session under its current id.
    manager.rename_session("temp_1", "real-1")
    with pytest.raises(ActiveSessionError, match="active session: real-1"):
        start(manager, "temp_3")
    # Another thread is not affected, and an empty prompt is stored as NULL (as the Go service does).
    other = manager.start(
        channel_id="C1", thread_ts="2.0", working_directory="/work/a", session_id="temp_4", initial_prompt=""
    )
    assert other.session.initial_prompt is None
    # Once the active session ended, a new one starts and resumes it if it completed.
    manager.finish(session_id="real-1", status="completed", num_turns=1)
    assert start(manager, "temp_5").resume_session_id == "real-1"


def test_rename_status_and_model(manager: SessionManager) -> None:
    start(manager, "provisional")
    start(manager, "other", ts="2.0")
    renamed = manager.rename_session("provisional", "real-id")
    assert renamed.session_id == "real-id" and manager.get_session("provisional") is None
    with pytest.raises(UnknownSessionError):
        manager.rename_session("provisional", "x")
    with pytest.raises(SessionError, match="cannot rename"):
        manager.rename_session("real-id", "other")  # session ids are unique
    assert manager.end("real-id", "failed").status == "failed"
    assert manager.set_model("real-id", "claude-haiku").model == "claude-haiku"
    with pytest.raises(UnknownSessionError):
        manager.set_model("gone", None)
    assert not manager.conn.in_transaction


def test_active_session_and_listings(manager: SessionManager) -> None:
    assert manager.active_session("C1", "1.0") is None
    start(manager, "s1", directory="/work/a")
    manager.finish(session_id="s1", status="completed")
    start(manager, "s2")
    start(manager, "t1", ts="2.0")
    active = manager.active_session("C1", "1.0")
    assert active is not None and active.session_id == "s2"
    thread = manager.get_thread("C1", "1.0")
    assert thread is not None and manager.count_active(thread.id) == 1
    manager.finish(session_id="s2", status="completed")
    assert manager.active_session("C1", "1.0") is None and manager.count_active(thread.id) == 0
    assert [s.session_id for s in manager.thread_sessions("C1", "1.0")] == ["s2", "s1"]
    assert manager.thread_sessions("C1", "9.9") == []
    assert [s.session_id for s in manager.list_sessions()] == ["t1", "s2", "s1"]
    assert [s.session_id for s in manager.list_sessions(limit=2, offset=1)] == ["s2", "s1"]
    assert {s.session_id for s in manager.list_active_sessions()} == {"t1"}


def test_thread_pages_carry_the_first_sessions_prompt(manager: SessionManager) -> None:
    for ts, prompts in (("1.0", ["first", "second"]), ("2.0", [None]), ("3.0", [])):
        for n, prompt in enumerate(prompts):
            manager.start(
                channel_id="C1", thread_ts=ts, working_directory="/w", session_id=f"{ts}-{n}", initial_prompt=prompt
            )
            manager.finish(session_id=f"{ts}-{n}", status="completed")
        if not prompts:
            manager.start(channel_id="C1", thread_ts=ts, working_directory="/w", session_id="x")
            manager.conn.execute("DELETE FROM sessions WHERE session_id = 'x'")  # a thread without sessions
    manager.conn.execute("UPDATE threads SET updated_at = '2030-01-0' || substr(thread_ts, 1, 1) || ' 00:00:00'")
    page = manager.list_threads_page(limit=2)
    assert [(r.thread_ts, r.first_session_prompt) for r in page] == [("3.0", None), ("2.0", None)]
    rest = manager.list_threads_page(limit=2, offset=2)
    assert [(r.thread_ts, r.working_directory, r.first_session_prompt) for r in rest] == [("1.0", "/w", "first")]


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

    # The earlier release may have left several sessions active in a thread: each start is
    # refused naming the newest, until the idle cleanup has timed them all out.
    mine = [s for s in legacy.sessions.values() if s["thread_id"] == tie]
    left_active = {s["session_id"] for s in mine if s["status"] == "active"}
    timed_out = set()
    while True:
        try:
            started = manager.start(
                channel_id=channel_id,
                thread_ts=thread_ts,
                working_directory="/somewhere/else",
                session_id="after-upgrade",
            )
            break
        except ActiveSessionError as refused:
            timed_out.add(manager.time_out(refused.active.session_id).session_id)
    assert timed_out == left_active
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
