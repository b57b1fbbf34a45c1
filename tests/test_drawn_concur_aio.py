"""aiosqlite calls at once and cancelled (tests/drawn_concur.py's project): each async call runs its sync
twin as one job on the connection's thread, so gathered calls on the same rows give the results of
the calls one after another in the order they started; a call cancelled before its job starts never
runs, one cancelled while it runs runs whole. `DRAWN_CONCUR_EXAMPLES=N` (default 12)."""

from __future__ import annotations

import asyncio
import importlib
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

sys.path.insert(0, str(Path(__file__).parent))
import drawn_concur as dc  # noqa: E402
from test_drawn_concur import SETTINGS, Files, kept, package  # noqa: E402,F401 - package: the module's fixture


# --- one job a call: aiosqlite -------------------------------------------------------------------------


def test_drawn_gathered_calls_on_the_same_rows_each_run_whole(package: Any, tmp_path: Path) -> None:
    """Calls of every command gathered over one aiosqlite connection, all on one owner's rows: each
    runs as one job on the connection's thread, so the results are those of the calls one after
    another in the order they started. A :batch* or :copyfrom call used to run a job per item, and
    another task's statement ran between two items (a batch read a row half its items missed)."""
    import aiosqlite

    q = importlib.import_module("concur_sqlite.queries.q")
    aio = importlib.import_module("concur_sqlite.aio.q")
    files = Files(package, tmp_path)

    @SETTINGS
    @given(task=dc.tasks("sqlite", most=2).map(lambda tasks: tasks[0] + tasks[1]))
    def check(task: dc.Task) -> None:
        path, who = files.fresh(), dc.owners(1)[0]

        async def one(conn: Any, call: dc.Call) -> dc.Outcome:
            function = getattr(aio, dc.function_name(call.query))
            args, kwargs = dc.arguments(q, call, who)
            return await dc.outcome_async(call, lambda: function(conn, *args, **kwargs))

        async def main() -> list[dc.Outcome]:
            async with aiosqlite.connect(path) as conn:
                got = await asyncio.gather(*(one(conn, call) for call in task))
                await conn.commit()
                return list(got)

        got = asyncio.run(main())
        alone_path = files.fresh()
        conn = sqlite3.connect(alone_path)
        try:
            expected = [dc.outcome(call, lambda call=call: getattr(q, dc.function_name(call.query))(
                conn, *dc.arguments(q, call, who)[0], **dc.arguments(q, call, who)[1])) for call in task]
            conn.commit()
        finally:
            conn.close()
        dc.compare([task], [got], [expected], kept(path, [who]), kept(alone_path, [who]),
                   "calls gathered on one connection")

    check()


def test_batch_read_beside_a_write_sees_one_state(package: Any, tmp_path: Path) -> None:
    """A :batchone of three reads of one row, gathered with the insert of that row: the batch sees
    the row in all three items or in none (it started first: none), never in some."""
    import aiosqlite

    q = importlib.import_module("concur_sqlite.queries.q")
    aio = importlib.import_module("concur_sqlite.aio.q")
    path = Files(package, tmp_path).fresh()

    async def main() -> list[Any]:
        async with aiosqlite.connect(path) as conn:
            read, _ = await asyncio.gather(aio.batch_get(conn, [q.BatchGetParams(owner="o", name="a")] * 3),
                                           aio.put_item(conn, owner="o", name="a", n=1))
            return list(read)

    assert asyncio.run(main()) == [None, None, None]


@pytest.mark.parametrize("command", ["put_item", "copy_items", "batch_put", "add_item"])
def test_call_cancelled_before_it_started_never_runs(package: Any, tmp_path: Path, command: str) -> None:
    """A call whose task is cancelled (an asyncio.wait_for timeout) while its statement waits behind
    another on the aiosqlite connection never runs it: the caller was told it timed out. aiosqlite
    runs a queued job whatever became of its caller, so the row used to be inserted afterwards."""
    import aiosqlite

    q = importlib.import_module("concur_sqlite.queries.q")
    aio = importlib.import_module("concur_sqlite.aio.q")
    path = Files(package, tmp_path).fresh()
    calls = {
        "put_item": lambda conn: aio.put_item(conn, owner="o", name="late", n=1),
        "add_item": lambda conn: aio.add_item(conn, owner="o", name="late", n=1),
        "copy_items": lambda conn: aio.copy_items(conn, [q.CopyItemsParams(owner="o", name="late", n=1)]),
        "batch_put": lambda conn: aio.batch_put(conn, [q.BatchPutParams(owner="o", name="late", n=1)]),
    }

    async def main() -> list[Any]:
        async with aiosqlite.connect(path, isolation_level=None) as conn:
            release = threading.Event()
            busy = asyncio.ensure_future(conn._execute(release.wait))  # the connection's thread, held
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(calls[command](conn), 0.05)
            release.set()
            await busy
            return await aio.list_items(conn, owner="o")

    assert asyncio.run(main()) == []


def test_call_cancelled_while_it_runs_runs_whole(package: Any, tmp_path: Path) -> None:
    """A call whose task is cancelled while its job runs: the job runs to its end, all of it (a
    :copyfrom's every row), the caller gets its CancelledError, and the connection answers the next
    call once the job has ended (the README's rule: a timeout bounds the wait, not the work)."""
    import aiosqlite

    q = importlib.import_module("concur_sqlite.queries.q")
    aio = importlib.import_module("concur_sqlite.aio.q")
    path = Files(package, tmp_path).fresh()
    rows = [q.CopyItemsParams(owner="o", name=f"n{i}", n=i) for i in range(1000)]
    midway, go_on = threading.Event(), threading.Event()

    def hold_once() -> int:  # SQLite's progress handler: the copy stops midway until the task is cancelled
        if not midway.is_set():
            midway.set()
            go_on.wait()
        return 0

    async def main() -> tuple[int, Any]:
        async with aiosqlite.connect(path) as conn:
            await conn.set_progress_handler(hold_once, 1000)
            copying = asyncio.ensure_future(aio.copy_items(conn, rows))
            await asyncio.to_thread(midway.wait)
            copying.cancel()
            with pytest.raises(asyncio.CancelledError):
                await copying
            go_on.set()
            await conn.set_progress_handler(None, 0)
            total = await aio.total(conn, owner="o")
            await conn.rollback()
            return total.items, await aio.total(conn, owner="o")

    copied, after_rollback = asyncio.run(main())
    assert copied == len(rows)
    assert after_rollback.items == 0  # it ran in the connection's transaction, which the caller rolls back


def test_timed_out_slow_read_keeps_the_connection_until_it_ends(package: Any, tmp_path: Path) -> None:
    """asyncio.wait_for around a slow read: TimeoutError when the timeout passes, and the next call
    on the connection is answered once the read has ended, with the right result."""
    import time

    import aiosqlite

    aio = importlib.import_module("concur_sqlite.aio.q")
    path = Files(package, tmp_path).fresh()

    async def main() -> tuple[float, float, Any]:
        async with aiosqlite.connect(path) as conn:
            started = time.monotonic()
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(aio.slow(conn, steps=2_000_000), 0.05)
            timed_out = time.monotonic() - started
            answered = await aio.slow(conn, steps=3)
            return timed_out, time.monotonic() - started, answered

    timed_out, answered_after, answered = asyncio.run(main())
    assert answered == 3
    # The timeout came when it was due; the next call waited for the abandoned read to end (2,000,000
    # steps: about half a second here, many times the timeout).
    assert timed_out * 2 < answered_after, (timed_out, answered_after)
