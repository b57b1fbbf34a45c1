"""SessionManager, app.db.connect and `python -m app` against a real PostgreSQL server."""

from __future__ import annotations

import datetime
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from legacy import ROOT, assert_one_line_error, run_app
from pg import query, raw
from test_app_concurrency import check_starts, run_workers

from app import migrate
from app.db import DatabaseOpenError, connect
from app.migrate import MigrationError
from app.sessions import ActiveSessionError, SessionError, SessionManager, StartedSession, UnknownSessionError
from generated.postgresql import models as pg_models

UTC = datetime.timezone.utc


@pytest.fixture
def migrated_url(postgres_url: str) -> str:
    migrate.migrate(postgres_url)
    return postgres_url


@pytest.fixture
def manager(migrated_url: str) -> Iterator[SessionManager]:
    conn = connect(migrated_url)
    yield SessionManager(conn)
    conn.close()


def start(manager: SessionManager, session_id: str, directory: str = "/work/a", ts: str = "1.0") -> StartedSession:
    return manager.start(
        channel_id="C1", thread_ts=ts, working_directory=directory, session_id=session_id, model="claude-sonnet-4"
    )


def idle(manager: SessionManager) -> bool:
    conn: Any = manager.conn
    return bool(conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE)


def test_postgres_connect_is_autocommit_utc_and_reports_what_it_cannot_open(migrated_url: str) -> None:
    conn: Any = connect(migrated_url)
    assert isinstance(conn, psycopg.Connection) and conn.autocommit
    assert conn.execute("SHOW TimeZone").fetchone() == ("UTC",)
    assert conn.execute("SHOW lock_timeout").fetchone() == ("30s",)
    # CURRENT_TIMESTAMP lands in TIMESTAMP columns as UTC wall-clock time, whatever
    # the database's own default time zone says (the fixture sets Pacific/Auckland).
    row = conn.execute(
        "INSERT INTO threads (channel_id, thread_ts, working_directory) VALUES ('C', '1', '/w') RETURNING created_at"
    ).fetchone()
    now = datetime.datetime.now(UTC).replace(tzinfo=None)
    assert abs(row[0] - now) < datetime.timedelta(minutes=1)
    assert query(migrated_url, "SHOW TimeZone") == [("Pacific/Auckland",)]
    conn.close()

    ro: Any = connect(migrated_url, readonly=True)
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        ro.execute("DELETE FROM threads")
    ro.close()

    # An options parameter already in the URL is kept, ours added to it.
    extra: Any = connect(migrated_url + "&options=-c%20statement_timeout%3D12345")
    assert extra.execute("SHOW statement_timeout").fetchone() == ("12345ms",)
    assert extra.execute("SHOW TimeZone").fetchone() == ("UTC",)
    extra.close()

    missing = migrated_url.split("?")[0].rsplit("/", 1)[0] + "/no_such_db?" + migrated_url.split("?")[1]
    with pytest.raises(DatabaseOpenError, match='database "no_such_db" does not exist'):
        connect(missing)
    with pytest.raises(DatabaseOpenError, match=r"cannot open database postgresql://app:\*\*\*@/x\?host=/nonexistent"):
        connect("postgresql://app:hunter2@/x?host=/nonexistent/socket/dir")
    with pytest.raises(DatabaseOpenError) as caught:
        connect("postgresql://app:hunter2@/x?host=/nonexistent/socket/dir")
    assert "hunter2" not in str(caught.value) and "\n" not in str(caught.value)


def test_postgres_first_start_creates_the_thread_and_later_ones_resume(
    manager: SessionManager, migrated_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert manager.engine == "postgresql"
    first = start(manager, "s1", "/work/a")
    assert isinstance(first.thread, pg_models.Thread) and isinstance(first.session, pg_models.Session)
    assert first.thread.working_directory == first.working_directory == "/work/a"
    assert first.session.thread_id == first.thread.id and first.session.status == "active"
    assert isinstance(first.session.started_at, datetime.datetime) and first.resume_session_id is None
    assert idle(manager)  # committed
    assert manager.list_threads() == [manager.get_thread("C1", "1.0")]

    done = manager.finish(
        session_id="s1", status="completed", total_cost_usd=0.1 + 0.2, input_tokens=2**40, num_turns=3
    )
    assert done.status == "completed" and isinstance(done.ended_at, datetime.datetime)
    assert (done.total_cost_usd, done.input_tokens, done.output_tokens, done.num_turns) == (0.1 + 0.2, 2**40, None, 3)
    assert done.model == "claude-sonnet-4"  # no model given: the stored one stays

    with caplog.at_level(logging.WARNING, logger="app.sessions"):
        second = start(manager, "s2", "/work/elsewhere")
    assert second.thread.id == first.thread.id and second.working_directory == "/work/a"
    assert "/work/elsewhere" in caplog.text
    assert second.resume_session_id == "s1"
    with pytest.raises(ActiveSessionError, match="C1:1.0 already has an active session: s2") as refused:
        start(manager, "s3")
    assert refused.value.active.session_id == "s2" and idle(manager)  # rolled back: no s3
    assert manager.get_session("s3") is None
    failed = manager.finish(session_id="s2", status="failed", num_turns=2, model="claude-opus-4")
    assert (failed.status, failed.model, failed.num_turns) == ("failed", "claude-opus-4", 2)

    # The latest ended completed session is resumed; a tie on ended_at goes to the higher id.
    for sid in ("a", "b", "c"):
        start(manager, sid)
        manager.finish(session_id=sid, status="completed")
    with raw(migrated_url) as conn:
        for sid, ended in (("a", "2030-01-01 00:00:02"), ("b", "2030-01-01 00:00:01"), ("c", "2030-01-01 00:00:01")):
            conn.execute("UPDATE sessions SET ended_at = %s WHERE session_id = %s", (ended, sid))
    assert start(manager, "f").resume_session_id == "a"
    timed_out = manager.time_out("f")
    assert (timed_out.status, timed_out.num_turns) == ("timeout", None) and timed_out.ended_at is not None
    query(migrated_url, "UPDATE sessions SET ended_at = '2030-01-01 00:00:01' WHERE session_id = 'a'")
    assert start(manager, "g").resume_session_id == "c"
    assert manager.fail_start("g").status == "failed"
    # A completed session that never got an ended_at is never resumed (as the Go service checks).
    query(migrated_url, "UPDATE sessions SET status = 'completed', ended_at = NULL WHERE session_id = 'g'")
    candidate = manager.resume_candidate("C1", "1.0")
    assert candidate is not None and candidate.session_id == "c"

    with pytest.raises(UnknownSessionError):
        manager.finish(session_id="nope", status="completed")
    with pytest.raises(SessionError, match="not 'active'"):
        manager.finish(session_id="s1", status="active")
    assert idle(manager)


def test_postgres_rename_status_model_and_listings(manager: SessionManager) -> None:
    start(manager, "provisional")
    start(manager, "other", ts="3.0")
    start(manager, "t1", ts="2.0")
    renamed = manager.rename_session("provisional", "real-id")
    assert renamed.session_id == "real-id" and manager.get_session("provisional") is None
    with pytest.raises(UnknownSessionError):
        manager.rename_session("provisional", "x")
    with pytest.raises(SessionError, match="cannot rename"):
        manager.rename_session("real-id", "other")  # session ids are unique
    assert idle(manager)  # the failed statement's transaction was rolled back
    assert manager.end("real-id", "failed").status == "failed"
    assert manager.set_model("real-id", None).model is None
    with pytest.raises(UnknownSessionError):
        manager.set_model("gone", None)
    start(manager, "again", ts="1.0")

    active = manager.active_session("C1", "1.0")
    assert active is not None and active.session_id == "again"
    thread = manager.get_thread("C1", "1.0")
    assert thread is not None and manager.count_active(thread.id) == 1
    assert [s.session_id for s in manager.thread_sessions("C1", "1.0")] == ["again", "real-id"]
    assert manager.thread_sessions("C1", "9.9") == [] and manager.active_session("C9", "9") is None
    assert [s.session_id for s in manager.list_sessions()] == ["again", "t1", "other", "real-id"]
    assert [s.session_id for s in manager.list_sessions(limit=2, offset=1)] == ["t1", "other"]
    assert {s.session_id for s in manager.list_active_sessions()} == {"again", "other", "t1"}
    page = manager.list_threads_page(limit=10)
    assert {(r.thread_ts, r.first_session_prompt) for r in page} == {("1.0", None), ("2.0", None), ("3.0", None)}


def test_postgres_failed_start_leaves_nothing_and_methods_join_the_callers_transaction(
    manager: SessionManager,
) -> None:
    start(manager, "taken", ts="1.0")
    with pytest.raises(SessionError, match="cannot create session taken") as caught:
        start(manager, "taken", ts="2.0")  # new thread, duplicate session id
    assert "sessions_session_id_key" in str(caught.value) and "\n" not in str(caught.value)  # one line
    assert manager.get_thread("C1", "2.0") is None  # the thread insert rolled back with it
    assert idle(manager)

    conn: Any = manager.conn
    with conn.transaction():
        start(manager, "s1", ts="3.0")
        assert not idle(manager)  # not committed behind the caller's back
        raise psycopg.Rollback()  # the caller rolls its transaction back
    assert manager.get_session("s1") is None and manager.get_thread("C1", "3.0") is None


def postgres_rows(url: str) -> tuple[list[Any], list[Any]]:
    sessions = query(
        url,
        "SELECT s.id, s.session_id, t.thread_ts, s.status FROM sessions AS s JOIN threads AS t ON t.id = s.thread_id",
    )
    return sessions, query(url, "SELECT id, thread_ts, working_directory FROM threads")


def test_postgres_concurrent_starts_share_threads_and_lose_no_session(migrated_url: str, tmp_path: Path) -> None:
    workers, threads, rounds = 5, 6, 4
    results = run_workers(
        tmp_path, [["sessions", migrated_url, str(w), str(threads), str(rounds)] for w in range(workers)]
    )
    sessions, thread_rows = postgres_rows(migrated_url)
    started, refused = check_starts(results, sessions, thread_rows)
    assert len(started) + len(refused) == workers * threads * rounds and len(thread_rows) == threads
    finished = query(migrated_url, "SELECT count(*) FROM sessions WHERE status = 'completed' AND ended_at IS NOT NULL")
    assert finished == [(len(started),)]


def test_postgres_concurrent_starts_in_a_thread_let_exactly_one_win(migrated_url: str, tmp_path: Path) -> None:
    workers, threads = 5, 6
    results = run_workers(tmp_path, [["race", migrated_url, str(w), str(threads), "1"] for w in range(workers)])
    sessions, thread_rows = postgres_rows(migrated_url)
    started, refused = check_starts(results, sessions, thread_rows)
    winners = {ts: sid for _, sid, ts, _ in sessions}
    assert len(started) == len(winners) == threads and len(refused) == (workers - 1) * threads
    assert all(winners[ts] == active for _, ts, active, _ in refused)


def test_postgres_cli_against_a_url(postgres_url: str) -> None:
    result = run_app("status", "--db", postgres_url)
    assert result.returncode == 0, result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()[1:-1]] == ["pending"] * 7
    assert result.stdout.splitlines()[-1] == "version: (none)"

    result = run_app("migrate", "--db", postgres_url, "--to", "4")
    assert result.returncode == 0, result.stderr
    assert "applied 000004_add_working_directory_to_threads" in result.stdout and "backup" not in result.stdout
    line = assert_one_line_error(run_app("threads", "--db", postgres_url))
    assert "4 pending" in line and "python -m app migrate" in line
    assert run_app("migrate", "--db", postgres_url).returncode == 0

    status = run_app("status", "--db", postgres_url)
    lines = status.stdout.splitlines()
    assert lines[0].split() == ["STATE", "VERSION", "APPLIED_AT"]
    assert [line.split()[:2] for line in lines[1:-1]] == [
        ["applied", "000001_init"],
        ["applied", "000003_working_directories"],
        ["applied", "000004_add_working_directory_to_threads"],
        ["applied", "000005_remove_working_directory_from_sessions"],
        ["applied", "000006_drop_working_directories"],
        ["applied", "000007_add_initial_prompt_to_sessions"],
        ["applied", "000008_add_pagination_indexes"],
    ]
    assert lines[-1] == "version: 000008_add_pagination_indexes"

    conn = connect(postgres_url)
    manager = SessionManager(conn)
    manager.start(channel_id="C1", thread_ts="1.5", working_directory="/work/alpha", session_id="sess-a")
    manager.finish(session_id="sess-a", status="completed", total_cost_usd=0.25, num_turns=4)
    manager.start(channel_id="C1", thread_ts="1.5", working_directory="/work/alpha", session_id="sess-b")
    manager.start(channel_id="C2", thread_ts="2.5", working_directory="/work/beta", session_id="sess-c")
    conn.close()

    threads = run_app("threads", "--db", postgres_url)
    assert threads.returncode == 0, threads.stderr
    header, *rows = threads.stdout.splitlines()
    assert header.split() == ["ID", "CHANNEL", "THREAD_TS", "WORKING_DIRECTORY", "CREATED_AT", "UPDATED_AT"]
    assert {tuple(row.split()[1:4]) for row in rows} == {("C1", "1.5", "/work/alpha"), ("C2", "2.5", "/work/beta")}

    sessions = run_app("sessions", "--db", postgres_url)
    assert sessions.returncode == 0, sessions.stderr
    header, *rows = sessions.stdout.splitlines()
    assert [row.split()[2] for row in rows] == ["sess-c", "sess-b", "sess-a"]
    assert "0.2500" in rows[2] and "completed" in rows[2]
    one = run_app("sessions", "--db", postgres_url, "--thread", "C1:1.5", "--limit", "1")
    assert [row.split()[2] for row in one.stdout.splitlines()[1:]] == ["sess-b"]
    assert "no thread C9:9" in assert_one_line_error(run_app("sessions", "--db", postgres_url, "--thread", "C9:9"))

    result = run_app("rollback", "--db", postgres_url, "--to", "3")
    assert result.returncode == 0, result.stderr
    assert "reverted 000004_add_working_directory_to_threads" in result.stdout
    assert result.stdout.splitlines()[-1] == "version: 000003_working_directories"


def test_postgres_cli_bad_url_is_one_line_and_non_zero(postgres_server: Any) -> None:
    unreachable = "postgresql://app:hunter2@/service?host=/nonexistent/socket/dir"
    for command in (["migrate"], ["rollback", "--to", "0"], ["status"], ["threads"], ["sessions"]):
        line = assert_one_line_error(run_app(*command, "--db", unreachable))
        assert line.startswith("error: cannot open database postgresql://app:***@/service?host=/nonexistent/socket/dir: ")
        assert "hunter2" not in line and "No such file or directory" in line
    missing = postgres_server.get_uri(database="no_such_database")
    for command in (["migrate"], ["threads"]):
        line = assert_one_line_error(run_app(*command, "--db", missing))
        assert 'database "no_such_database" does not exist' in line
    line = assert_one_line_error(run_app("status", "--db", "postgresql://host:notaport/db"))
    assert "cannot open database postgresql://host:notaport/db" in line


def test_postgres_migrating_inside_an_open_transaction_is_refused(migrated_url: str) -> None:
    conn: Any = connect(migrated_url)
    with conn.transaction():
        with pytest.raises(MigrationError, match="inside an open transaction"):
            migrate.rollback(conn, to=0)
    assert migrate.status(conn).pending == ()  # the connection form works too
    migrate.check_current(conn)
    conn.close()


def test_postgres_app_runs_without_the_generator(postgres_url: str) -> None:
    """The service imports neither sqlglot nor codegen (nor jinja2), on PostgreSQL too."""
    script = (
        "import sys\n"
        "for name in ('sqlglot', 'codegen', 'jinja2'):\n"
        "    sys.modules[name] = None  # any import of them fails\n"
        "from app.cli import main\n"
        "from app.db import connect\n"
        "from app.sessions import SessionManager\n"
        "url = sys.argv[1]\n"
        "assert main(['migrate', '--db', url]) == 0\n"
        "SessionManager(connect(url)).start(channel_id='C', thread_ts='1', working_directory='/w', session_id='s')\n"
        "for command in (['status'], ['threads'], ['sessions']):\n"
        "    assert main([*command, '--db', url]) == 0\n"
        "print(sorted(m for m in sys.modules if m.startswith('generated')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, postgres_url], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "generated.postgresql.queries.sessions" in result.stdout
