"""The repository's PostgreSQL target (generated/postgresql/): every generated
query function, sync on psycopg.Connection and async on psycopg.AsyncConnection,
called against a real server (tests/conftest.py) with a round trip of values,
and checked against what the SQLite package returns for the same calls."""

from __future__ import annotations

import asyncio
import datetime
import inspect
import subprocess
import sys
import types
import typing
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import psycopg
import pydantic
import pytest

from app import migrate
from app.db import connect, connect_sqlite
from generated import models as sqlite_models
from generated.postgresql import models as pg_models
from generated.postgresql.aio import sessions as aio_sessions
from generated.postgresql.aio import threads as aio_threads
from generated.postgresql.queries import sessions as pg_sessions
from generated.postgresql.queries import threads as pg_threads
from generated.queries import sessions as sqlite_sessions
from generated.queries import threads as sqlite_threads

ROOT = Path(__file__).resolve().parent.parent
STATUSES = ("active", "completed", "failed", "timeout")
Call = Callable[..., Awaitable[Any]]


def functions(module: types.ModuleType) -> dict[str, Callable[..., Any]]:
    return {n: f for n, f in vars(module).items() if inspect.isfunction(f) and f.__module__ == module.__name__}


class Recorder:
    """Calls generated functions on one connection, sync or async, and notes which ran."""

    def __init__(self, conn: Any, is_async: bool) -> None:
        self.conn, self.is_async, self.called = conn, is_async, set[str]()

    async def __call__(self, fn: Callable[..., Any], **kwargs: Any) -> Any:
        self.called.add(fn.__name__)
        result = fn(self.conn, **kwargs)
        return await result if self.is_async else result


async def scenario(call: Recorder, threads: types.ModuleType, sessions: types.ModuleType) -> list[Any]:
    """Every query of queries/threads.sql and queries/sessions.sql, with the
    values checked as they come back; returns the results in call order."""
    out: list[Any] = []

    async def run(fn: Callable[..., Any], **kwargs: Any) -> Any:
        result = await call(fn, **kwargs)
        out.append((fn.__name__, result))
        return result

    t1 = await run(threads.create_thread, channel_id="C1", thread_ts="1.1", working_directory="/w/1")
    assert t1.working_directory == "/w/1" and isinstance(t1.created_at, datetime.datetime)
    assert await run(threads.get_thread, channel_id="C1", thread_ts="1.1") == t1
    assert await run(threads.get_thread_by_id, id=t1.id) == t1
    assert await run(threads.get_thread, channel_id="C9", thread_ts="none") is None
    again = await run(threads.get_or_create_thread, channel_id="C1", thread_ts="1.1", working_directory="/other")
    assert (again.id, again.working_directory, again.created_at) == (t1.id, "/w/1", t1.created_at)
    t2 = await run(threads.get_or_create_thread, channel_id="C2", thread_ts="2.2", working_directory="/w/2")
    assert t2.id != t1.id and t2.working_directory == "/w/2"
    assert await run(threads.update_thread_timestamp, id=t2.id) is None
    assert [t.id for t in await run(threads.list_threads)] == [t2.id, t1.id]

    s1 = await run(sessions.create_session, thread_id=t1.id, session_id="s1", model=None)
    assert (s1.status, s1.model, s1.ended_at, s1.total_cost_usd) == ("active", None, None, None)
    assert isinstance(s1.started_at, datetime.datetime)
    s2 = await run(sessions.create_session, thread_id=t1.id, session_id="s2", model="claude-sonnet-4")
    await run(sessions.create_session, thread_id=t2.id, session_id="s3", model="m")
    assert await run(sessions.get_session, session_id="s2") == s2
    assert await run(sessions.get_session, session_id="nope") is None

    # Every Literal status, and NULL, the column's CHECK allows.
    for status in (*STATUSES, None, "active"):
        assert await run(sessions.update_session_end_time, status=status, session_id="s2") == 1
        assert (await run(sessions.get_session, session_id="s2")).status == status
    assert await run(sessions.update_session_end_time, status="failed", session_id="nope") == 0
    active = await run(sessions.get_active_session_by_thread, thread_id=t1.id)
    assert active.session_id == "s2"  # newest first
    assert await run(sessions.count_active_sessions_by_thread, thread_id=t1.id) == 2
    assert await run(sessions.count_active_sessions_by_thread, thread_id=404) == 0
    assert await run(sessions.get_latest_completed_session_by_thread, thread_id=t1.id) is None

    cost = 0.1 + 0.2  # not representable in a float4: needs DOUBLE PRECISION / REAL
    n = await run(sessions.update_session_on_complete, status="completed", total_cost_usd=cost, input_tokens=2**40,
                  output_tokens=0, duration_ms=None, num_turns=7, model=None, session_id="s1")
    assert n == 1
    done = await run(sessions.get_session, session_id="s1")
    assert (done.status, done.total_cost_usd, done.input_tokens, done.output_tokens, done.duration_ms) == (
        "completed", cost, 2**40, 0, None)
    assert (done.num_turns, done.model) == (7, None) and isinstance(done.ended_at, datetime.datetime)
    await run(sessions.update_session_on_complete, status="completed", total_cost_usd=None, input_tokens=None,
              output_tokens=None, duration_ms=1, num_turns=None, model="claude-opus-4", session_id="s2")
    await run(sessions.update_session_on_complete, status="completed", total_cost_usd=None, input_tokens=None,
              output_tokens=None, duration_ms=2, num_turns=None, model=None, session_id="s2")
    s2 = await run(sessions.get_session, session_id="s2")
    assert (s2.model, s2.duration_ms) == ("claude-opus-4", 2)  # a NULL model keeps the stored one
    latest = await run(sessions.get_latest_completed_session_by_thread, thread_id=t1.id)
    assert latest.session_id == "s2"

    assert await run(sessions.update_session_model, model=None, session_id="s2") == 1
    assert (await run(sessions.get_session, session_id="s2")).model is None
    assert await run(sessions.update_session_model, model="m2", session_id="nope") == 0
    assert await run(sessions.update_session_id, new_session_id="s1-real", old_session_id="s1") == 1
    assert await run(sessions.get_session, session_id="s1") is None

    assert [s.session_id for s in await run(sessions.list_active_sessions)] == ["s3"]
    assert [s.session_id for s in await run(sessions.list_sessions)] == ["s3", "s2", "s1-real"]
    assert [s.session_id for s in await run(sessions.list_sessions_by_thread_id, thread_id=t1.id)] == ["s2", "s1-real"]
    assert await run(sessions.list_sessions_by_thread_id, thread_id=404) == []
    page = await run(sessions.list_sessions_paginated, limit=1, offset=1)
    assert [s.session_id for s in page] == ["s2"]
    assert await run(sessions.list_sessions_paginated, limit=5, offset=3) == []

    # As the Go service starts and ends sessions: a prompt, then a result with its usage figures.
    s4 = await run(sessions.create_session_with_initial_prompt, thread_id=t2.id, session_id="s4", model=None,
                   initial_prompt="fix the build")
    assert (s4.initial_prompt, s4.status) == ("fix the build", "active")
    assert await run(sessions.update_session_status, status="failed", total_cost_usd=0.5, input_tokens=1,
                     output_tokens=2, duration_ms=3, num_turns=4, session_id="s4") == 1
    s4 = await run(sessions.get_session, session_id="s4")
    assert (s4.status, s4.total_cost_usd, s4.num_turns) == ("failed", 0.5, 4) and s4.ended_at is not None
    page = await run(threads.list_threads_paginated, limit=5, offset=0)
    assert {(t.id, t.first_session_prompt) for t in page} == {(t1.id, None), (t2.id, None)}  # s3 came first
    return out


def normalized(value: Any) -> Any:
    """Results with datetimes reduced to their type, row classes to plain tuples."""
    if isinstance(value, datetime.datetime):
        return "<datetime>"
    if isinstance(value, pydantic.BaseModel):
        return tuple(normalized(v) for v in value.__dict__.values())
    if isinstance(value, (list, tuple)):
        return tuple(normalized(v) for v in value)
    return value


def check_pg_rows(results: list[Any]) -> None:
    """Rows are the PostgreSQL package's own models, datetimes naive UTC."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    for _, result in results:
        for row in result if isinstance(result, list) else [result]:
            if isinstance(row, (tuple, pydantic.BaseModel)):
                assert type(row) in (pg_models.Thread, pg_models.Session, pg_threads.ListThreadsPaginatedRow), type(row)
                for value in (row.__dict__.values() if isinstance(row, pydantic.BaseModel) else row):
                    if isinstance(value, datetime.datetime):
                        assert value.tzinfo is None and abs(value - now) < datetime.timedelta(minutes=5)


def run_sync(conn: Any) -> tuple[Recorder, list[Any]]:
    recorder = Recorder(conn, is_async=False)
    return recorder, asyncio.run(scenario(recorder, pg_threads, pg_sessions))


def test_postgres_every_sync_query_function_round_trips(postgres_url: str) -> None:
    migrate.migrate(postgres_url)
    conn: Any = connect(postgres_url)
    recorder, results = run_sync(conn)
    conn.close()
    assert recorder.called == set(functions(pg_threads)) | set(functions(pg_sessions))
    check_pg_rows(results)

    # A datetime written by hand (microseconds included) comes back exactly; a CHECK holds.
    with psycopg.connect(postgres_url, autocommit=True) as raw:
        moment = datetime.datetime(2031, 2, 3, 4, 5, 6, 789012)
        raw.execute("UPDATE sessions SET ended_at = %s WHERE session_id = 's2'", (moment,))
        session = pg_sessions.get_session(raw, session_id="s2")
        assert session is not None and session.ended_at == moment
        with pytest.raises(psycopg.errors.CheckViolation):
            pg_sessions.update_session_end_time(raw, status="bogus", session_id="s2")  # type: ignore[arg-type]
        with raw.transaction():  # generated functions never commit: the caller's transaction decides
            pg_sessions.update_session_model(raw, model="inside", session_id="s2")
            raise psycopg.Rollback()
        assert pg_sessions.get_session(raw, session_id="s2").model is None  # type: ignore[union-attr]


def test_postgres_every_async_query_function_round_trips(postgres_url: str) -> None:
    migrate.migrate(postgres_url)

    async def main() -> tuple[Recorder, list[Any]]:
        conn = await psycopg.AsyncConnection.connect(postgres_url, autocommit=True, options="-c TimeZone=UTC")
        try:
            recorder = Recorder(conn, is_async=True)
            return recorder, await scenario(recorder, aio_threads, aio_sessions)
        finally:
            await conn.close()

    recorder, results = asyncio.run(main())
    assert recorder.called == set(functions(aio_threads)) | set(functions(aio_sessions))
    assert set(functions(aio_threads)) == set(functions(pg_threads))
    assert set(functions(aio_sessions)) == set(functions(pg_sessions))
    check_pg_rows(results)


def test_postgres_results_agree_with_sqlite(postgres_url: str) -> None:
    migrate.migrate(postgres_url)
    pg_conn: Any = connect(postgres_url)
    _, on_postgres = run_sync(pg_conn)
    pg_conn.close()
    lite = connect_sqlite(":memory:")
    migrate.migrate(lite)
    recorder = Recorder(lite, is_async=False)
    on_sqlite = asyncio.run(scenario(recorder, sqlite_threads, sqlite_sessions))
    lite.close()
    assert normalized(on_postgres) == normalized(on_sqlite)


def test_postgres_models_and_signatures_match_sqlite() -> None:
    """The same fields and Python types on both engines: code written against one runs on the other."""
    for name in ("Thread", "Session"):
        lite, pg = getattr(sqlite_models, name), getattr(pg_models, name)
        assert typing.get_type_hints(lite) == typing.get_type_hints(pg), name
        assert list(lite.model_fields) == list(pg.model_fields)
    assert set(vars(pg_models)) - set(vars(sqlite_models)) <= {"__file__", "__cached__", "__spec__", "__loader__"}
    for lite_module, pg_module in ((sqlite_threads, pg_threads), (sqlite_sessions, pg_sessions)):
        lite_functions, pg_functions = functions(lite_module), functions(pg_module)
        assert set(lite_functions) == set(pg_functions)
        for fn_name, fn in pg_functions.items():
            lite_hints = typing.get_type_hints(lite_functions[fn_name])
            pg_hints = typing.get_type_hints(fn)
            lite_hints.pop("conn"), pg_hints.pop("conn")
            lite_return, pg_return = lite_hints.pop("return"), pg_hints.pop("return")
            assert lite_hints == pg_hints, fn_name
            assert str(lite_return) == str(pg_return).replace("generated.postgresql.", "generated."), fn_name


def test_postgres_package_and_app_pass_mypy_strict(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir", str(tmp_path / "cache"),
         "--python-version", "3.11", "generated/postgresql", "app"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
