"""Drawn concurrency on SQLite (tests/drawn_concur.py): drawn tasks, each on its own owner's rows, run
at once by threads with a sqlite3 connection each on one WAL file, by threads sharing one
connection (check_same_thread=False) under the lock the README asks for, and by asyncio tasks over
one aiosqlite connection or one each; held to the same tasks run one after another.
`DRAWN_CONCUR_EXAMPLES=N` (default 12 a test)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import sqlite3
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).parent))
import drawn_concur as dc  # noqa: E402

EXAMPLES = int(os.environ.get("DRAWN_CONCUR_EXAMPLES", "12"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("drawn_concur")
    dc.generate("sqlite", root, "concur_sqlite")
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module("concur_sqlite")
    finally:
        sys.path.remove(str(root))


class Files:
    """Fresh database files, migrated by the generated runner (which leaves them in WAL mode)."""

    def __init__(self, package: Any, folder: Path) -> None:
        self.migrations = importlib.import_module(package.__name__ + ".migrations")
        self.folder, self.made = folder, 0

    def fresh(self) -> Path:
        self.made += 1
        path = self.folder / f"db{self.made}.sqlite"
        self.migrations.migrate(str(path), backup=False)
        return path


def kept(path: Path, of: list[str]) -> tuple[list[Any], list[Any]]:
    """The rows the file keeps, each owner shown as its task's index."""
    conn = sqlite3.connect(path)
    try:
        return dc.kept_rows(conn.execute(dc.ROWS_KEPT).fetchall(), of), dc.kept_rows(conn.execute(dc.NOTES_KEPT).fetchall(), of)
    finally:
        conn.close()


def run_task(q: Any, conn: sqlite3.Connection, task: dc.Task, who: str, lock: Any = None) -> list[dc.Outcome]:
    """The task's calls on conn, each committed; each under `lock` (with the check of its id)."""
    outcomes = []
    for call in task:
        function = getattr(q, dc.function_name(call.query))
        args, kwargs = dc.arguments(q, call, who)
        with lock or contextlib.nullcontext():
            result = dc.outcome(call, lambda: function(conn, *args, **kwargs))
            if result.inserted is not None:
                sql, expected = dc.inserted_row("sqlite", call, who)
                found = conn.execute(sql, (result.inserted,)).fetchone()
                assert found == expected, f"{call.query.name} returned the id {result.inserted}, of the row {found}"
            conn.commit()
        outcomes.append(result)
    return outcomes


def alone(q: Any, files: Files, tasks: list[dc.Task]) -> tuple[list[list[dc.Outcome]], Any]:
    """Each task on its own, one after another, on a fresh file: its outcomes, and the rows kept."""
    path = files.fresh()
    conn = sqlite3.connect(path)
    try:
        who = dc.owners(len(tasks))
        outcomes = [run_task(q, conn, task, who[i]) for i, task in enumerate(tasks)]
    finally:
        conn.close()
    return outcomes, kept(path, who)


def on_threads(work: list[Any]) -> list[Any]:
    """Run each callable on a thread of its own, started together; their results, or re-raise."""
    results: list[Any] = [None] * len(work)
    errors: list[BaseException] = []
    start = threading.Barrier(len(work))

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = work[index]()
        except BaseException as error:  # noqa: BLE001 - re-raised below, on the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def test_drawn_threads_with_a_connection_each(package: Any, tmp_path: Path) -> None:
    """Threads, each with its own sqlite3 connection on one WAL file (sqlite3's default 5 s busy
    timeout), each committing after every call: every call gives what it gives alone, and the
    file keeps the rows the tasks keep one after another. No `database is locked`."""
    q = importlib.import_module("concur_sqlite.queries.q")
    files = Files(package, tmp_path)

    @SETTINGS
    @given(tasks=dc.tasks("sqlite"))
    def check(tasks: list[dc.Task]) -> None:
        path, who = files.fresh(), dc.owners(len(tasks))

        def task_on_own_connection(index: int) -> Any:
            def work() -> list[dc.Outcome]:
                conn = sqlite3.connect(path)
                try:
                    return run_task(q, conn, tasks[index], who[index])
                finally:
                    conn.close()
            return work

        got = on_threads([task_on_own_connection(i) for i in range(len(tasks))])
        expected, kept_alone = alone(q, files, tasks)
        dc.compare(tasks, got, expected, kept(path, who), kept_alone, "threads with a connection each")

    check()


def test_drawn_threads_sharing_one_connection_under_a_lock(package: Any, tmp_path: Path) -> None:
    """Threads sharing one sqlite3 connection (check_same_thread=False), each call and the commit
    after it under one lock, as the README asks: the same outcomes as the tasks alone."""
    q = importlib.import_module("concur_sqlite.queries.q")
    files = Files(package, tmp_path)

    @SETTINGS
    @given(tasks=dc.tasks("sqlite"))
    def check(tasks: list[dc.Task]) -> None:
        path, who = files.fresh(), dc.owners(len(tasks))
        conn = sqlite3.connect(path, check_same_thread=False)
        lock = threading.Lock()
        try:
            got = on_threads([lambda i=i: run_task(q, conn, tasks[i], who[i], lock) for i in range(len(tasks))])
        finally:
            conn.close()
        expected, kept_alone = alone(q, files, tasks)
        dc.compare(tasks, got, expected, kept(path, who), kept_alone, "threads sharing a connection")

    check()


async def run_task_async(aio: Any, q: Any, conn: Any, task: dc.Task, who: str, commit: bool) -> list[dc.Outcome]:
    outcomes = []
    for call in task:
        function = getattr(aio, dc.function_name(call.query))
        args, kwargs = dc.arguments(q, call, who)
        result = await dc.outcome_async(call, lambda: function(conn, *args, **kwargs))
        if result.inserted is not None:
            sql, expected = dc.inserted_row("sqlite", call, who)
            found = list(await conn.execute_fetchall(sql, (result.inserted,)))
            assert [tuple(r) for r in found] == [expected], f"{call.query.name} returned the id {result.inserted}"
        if commit:
            await conn.commit()
        outcomes.append(result)
    return outcomes


@pytest.mark.parametrize("shared", [True, False], ids=["one connection", "a connection each"])
def test_drawn_asyncio_tasks(package: Any, tmp_path: Path, shared: bool) -> None:
    """asyncio tasks gathered over one aiosqlite connection (committed once they all end), or over
    one connection each (as a pool hands out; each committing after every call)."""
    import aiosqlite

    q = importlib.import_module("concur_sqlite.queries.q")
    aio = importlib.import_module("concur_sqlite.aio.q")
    files = Files(package, tmp_path)

    @SETTINGS
    @given(tasks=dc.tasks("sqlite"))
    def check(tasks: list[dc.Task]) -> None:
        path, who = files.fresh(), dc.owners(len(tasks))

        async def main() -> list[list[dc.Outcome]]:
            if shared:
                async with aiosqlite.connect(path) as conn:
                    got = await asyncio.gather(*(run_task_async(aio, q, conn, task, who[i], False)
                                                 for i, task in enumerate(tasks)))
                    await conn.commit()
                    return list(got)

            async def own(index: int) -> list[dc.Outcome]:
                async with aiosqlite.connect(path) as conn:
                    return await run_task_async(aio, q, conn, tasks[index], who[index], True)
            return list(await asyncio.gather(*(own(i) for i in range(len(tasks)))))

        got = asyncio.run(main())
        expected, kept_alone = alone(q, files, tasks)
        dc.compare(tasks, got, expected, kept(path, who), kept_alone,
                   "asyncio tasks on " + ("one connection" if shared else "a connection each"))

    check()


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


def slow_query(conn: sqlite3.Connection) -> None:
    """A statement that keeps the connection's thread busy for about a second."""
    conn.execute("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 4000000) "
                 "SELECT count(*) FROM c").fetchone()


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
            busy = asyncio.ensure_future(conn._execute(slow_query, conn._conn))
            await asyncio.sleep(0.05)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(calls[command](conn), 0.05)
            await busy
            return await aio.list_items(conn, owner="o")

    assert asyncio.run(main()) == []
