"""Every async function of the repo's SQLite data layer (generated/aio) on a real migrated file,
giving exactly what its sync twin gives."""

from __future__ import annotations

import asyncio
import datetime
import inspect
import sqlite3
from pathlib import Path

import aiosqlite

from app import migrate
from generated import aio
from generated.queries import sessions, threads


async def _scenario(conn: aiosqlite.Connection) -> dict[str, object]:
    seen: dict[str, object] = {}
    t = await aio.threads.get_or_create_thread(conn, channel_id="C1", thread_ts="1.0", working_directory="/srv/a")
    assert t is not None
    again = await aio.threads.get_or_create_thread(conn, channel_id="C1", thread_ts="1.0", working_directory="/b")
    assert again is not None and again.id == t.id and again.working_directory == "/srv/a"
    other = await aio.threads.create_thread(conn, channel_id="C2", thread_ts="2.0", working_directory="/srv/b")
    assert other is not None
    seen["get_thread"] = await aio.threads.get_thread(conn, channel_id="C1", thread_ts="1.0")
    seen["get_thread_by_id"] = await aio.threads.get_thread_by_id(conn, id=other.id)
    await aio.threads.update_thread_timestamp(conn, id=t.id)
    seen["list_threads"] = [x.id for x in await aio.threads.list_threads(conn)]
    s1 = await aio.sessions.create_session(conn, thread_id=t.id, session_id="s1", model=None)
    s2 = await aio.sessions.create_session(conn, thread_id=t.id, session_id="s2", model="opus")
    assert s1 is not None and s2 is not None and s1.status == "active"
    seen["count"] = await aio.sessions.count_active_sessions_by_thread(conn, thread_id=t.id)
    seen["renamed"] = await aio.sessions.update_session_id(conn, new_session_id="s1-real", old_session_id="s1")
    seen["completed"] = await aio.sessions.update_session_on_complete(
        conn, status="completed", total_cost_usd=0.25, input_tokens=10, output_tokens=20, duration_ms=300,
        num_turns=2, model=None, session_id="s1-real")
    seen["status"] = await aio.sessions.update_session_end_time(conn, status="failed", session_id="s2")
    s3 = await aio.sessions.create_session_with_initial_prompt(
        conn, thread_id=other.id, session_id="s3", model=None, initial_prompt="go")
    assert s3 is not None and s3.initial_prompt == "go"
    seen["result"] = await aio.sessions.update_session_status(
        conn, status="completed", total_cost_usd=0.5, input_tokens=1, output_tokens=2, duration_ms=3, num_turns=4,
        session_id="s3")
    seen["thread_page"] = {(x.channel_id, x.first_session_prompt)
                           for x in await aio.threads.list_threads_paginated(conn, limit=5, offset=0)}
    seen["model"] = await aio.sessions.update_session_model(conn, model="sonnet", session_id="s2")
    seen["get_session"] = await aio.sessions.get_session(conn, session_id="s1-real")
    seen["latest"] = await aio.sessions.get_latest_completed_session_by_thread(conn, thread_id=t.id)
    seen["active"] = await aio.sessions.get_active_session_by_thread(conn, thread_id=t.id)
    seen["active_all"] = await aio.sessions.list_active_sessions(conn)
    seen["all"] = [x.session_id for x in await aio.sessions.list_sessions(conn)]
    seen["by_thread"] = [x.session_id for x in await aio.sessions.list_sessions_by_thread_id(conn, thread_id=t.id)]
    seen["page"] = [x.session_id for x in await aio.sessions.list_sessions_paginated(conn, limit=1, offset=1)]
    # updated_at moves with update_thread_timestamp (and a second may pass in between): compare
    # the thread as it ends, not as it was first read.
    seen["thread_at_end"] = await aio.threads.get_thread(conn, channel_id="C1", thread_ts="1.0")
    await conn.commit()
    return seen


def test_every_async_function_runs_and_agrees_with_sync(tmp_path: Path) -> None:
    db = tmp_path / "service.db"
    migrate.migrate(db)

    async def run() -> dict[str, object]:
        async with aiosqlite.connect(db) as conn:
            return await _scenario(conn)

    seen = asyncio.run(run())
    latest = seen["latest"]
    assert latest is not None and latest.session_id == "s1-real"  # type: ignore[attr-defined]
    assert latest.status == "completed" and latest.total_cost_usd == 0.25  # type: ignore[attr-defined]
    assert isinstance(latest.ended_at, datetime.datetime)  # type: ignore[attr-defined]
    assert seen["count"] == 2 and seen["renamed"] == seen["completed"] == seen["status"] == seen["model"] == 1
    assert seen["active"] is None and seen["active_all"] == []
    assert sorted(seen["all"]) == ["s1-real", "s2", "s3"] and len(seen["page"]) == 1  # type: ignore[arg-type]
    assert seen["result"] == 1 and seen["thread_page"] == {("C1", None), ("C2", "go")}

    sync = sqlite3.connect(db)
    assert sessions.get_session(sync, session_id="s1-real") == seen["get_session"]
    assert threads.get_thread(sync, channel_id="C1", thread_ts="1.0") == seen["thread_at_end"]
    assert seen["get_thread"].id == seen["thread_at_end"].id  # type: ignore[attr-defined]
    assert [x.session_id for x in sessions.list_sessions(sync)] == seen["all"]
    called = {name for name in seen}
    assert called  # every module function was awaited above:
    for module in (aio.threads, aio.sessions):
        functions = [n for n, f in vars(module).items() if inspect.iscoroutinefunction(f)]
        assert functions and all(n in _scenario.__code__.co_names for n in functions), functions
