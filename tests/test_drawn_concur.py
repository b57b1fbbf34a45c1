"""Drawn concurrency on SQLite (tests/drawn_concur.py): drawn tasks, each on its own owner's rows, run
at once by threads with a sqlite3 connection each on one WAL file, by threads sharing one
connection (check_same_thread=False) under the lock the README asks for, and by asyncio tasks over
one aiosqlite connection or one each; held to the same tasks run one after another.
`DRAWN_CONCUR_EXAMPLES=N` (default 12 a test)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).parent))
import drawn_concur as dc  # noqa: E402

EXAMPLES = int(os.environ.get("DRAWN_CONCUR_EXAMPLES", "12"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with dc.imported_versions("sqlite", tmp_path_factory.mktemp("drawn_concur"), "concur_sqlite") as package:
        yield package


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


def run_task(q: Any, conn: sqlite3.Connection, task: dc.Task, who: str, lock: Any = None, commit: bool = True
             ) -> list[dc.Outcome]:
    """The task's calls on conn, each committed (unless not `commit`); each under `lock` (with the
    check of its id)."""
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
            if commit:
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


@pytest.mark.parametrize("transaction", [False, True], ids=["a commit a call", "a task a BEGIN IMMEDIATE"])
def test_drawn_threads_with_a_connection_each(package: Any, tmp_path: Path, transaction: bool) -> None:
    """Threads, each with its own sqlite3 connection on one WAL file (sqlite3's default 5 s busy
    timeout), each committing after every call or running its whole task in one transaction opened
    with BEGIN IMMEDIATE, as the README asks of a transaction that reads before it writes: every
    call gives what it gives alone, and the file keeps the rows the tasks keep one after another.
    No `database is locked`."""
    q = importlib.import_module("concur_sqlite.queries.q")
    files = Files(package, tmp_path)

    @SETTINGS
    @given(tasks=dc.tasks("sqlite"))
    def check(tasks: list[dc.Task]) -> None:
        path, who = files.fresh(), dc.owners(len(tasks))

        def own(index: int) -> list[dc.Outcome]:
            conn = sqlite3.connect(path, isolation_level=None if transaction else "")
            try:
                if not transaction:
                    return run_task(q, conn, tasks[index], who[index])
                conn.execute("BEGIN IMMEDIATE")
                outcomes = run_task(q, conn, tasks[index], who[index], commit=False)
                conn.execute("COMMIT")
                return outcomes
            finally:
                conn.close()

        got = on_threads([lambda i=i: own(i) for i in range(len(tasks))])
        expected, kept_alone = alone(q, files, tasks)
        dc.compare(tasks, got, expected, kept(path, who), kept_alone, "threads with a connection each")

    check()


def test_a_transaction_reading_before_it_writes_needs_begin_immediate(package: Any, tmp_path: Path) -> None:
    """The README's rule, shown: a transaction opened with a plain BEGIN that reads, then writes after
    another connection wrote, fails at once with `database is locked` (SQLite cannot move its read
    snapshot forward, whatever the busy timeout); opened with BEGIN IMMEDIATE it waits its turn."""
    q = importlib.import_module("concur_sqlite.queries.q")
    path = Files(package, tmp_path).fresh()
    mine, other = sqlite3.connect(path, isolation_level=None), sqlite3.connect(path, isolation_level=None)
    try:
        mine.execute("BEGIN")
        assert q.get_item(mine, owner="o", name="a") is None
        q.put_item(other, owner="o", name="b", n=1)
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            q.put_item(mine, owner="o", name="a", n=1)
        assert time.monotonic() - started < 1  # at once, not after the 5 s busy timeout
        mine.execute("ROLLBACK")
        mine.execute("BEGIN IMMEDIATE")
        assert q.get_item(mine, owner="o", name="a") is None
        q.put_item(mine, owner="o", name="a", n=1)
        mine.execute("COMMIT")
    finally:
        mine.close()
        other.close()
    assert kept(path, ["o"])[0] == [(0, "a", 1), (0, "b", 1)]


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


# --- migrating while the service runs ----------------------------------------------------------------

T = TypeVar("T")

# A migrator process: it says it is ready, waits for the go file, migrates, prints the steps it applied.
MIGRATOR = """import importlib, json, os, sys, time
sys.path.insert(0, sys.argv[1])
migrations = importlib.import_module(sys.argv[2] + ".migrations")
print("ready", flush=True)
while not os.path.exists(sys.argv[4]):
    time.sleep(0.001)
print(json.dumps(list(migrations.migrate(sys.argv[3]).steps)), flush=True)
"""


def while_two_migrate(root: Path, package: str, target: str, go: Path, service: Callable[[], T]) -> T:
    """service() (the service's threads) while two processes run `package`'s migration runner on
    target at once, both let go together by creating `go`: both exit 0, one applies the next
    version's migration and the other finds it applied. What service() returned."""
    migrators = [subprocess.Popen([sys.executable, "-c", MIGRATOR, str(root), package, target, str(go)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        for migrator in migrators:
            assert migrator.stdout is not None and migrator.stdout.readline() == "ready\n"
        go.touch()
        got = service()
        ends = [migrator.communicate(timeout=120) for migrator in migrators]
    finally:
        for migrator in migrators:
            migrator.kill()
            migrator.wait()
    assert [m.returncode for m in migrators] == [0, 0], [err for _, err in ends]
    assert sorted(step for out, _ in ends for step in json.loads(out)) == ["0002_tags"]
    return got


def test_drawn_service_threads_while_two_processes_migrate(package: Any, tmp_path: Path) -> None:
    """A service's threads (a connection each) calling the first version's functions on a file while
    two processes run the next version's migration runner on it at once (a column, an index and a
    table added; 20,000 rows to index and back up): one process applies the migration, the other
    finds it applied, both exit 0; every call of the service gives what it gives alone and the
    rows are kept (the old queries name their columns, so the new one breaks none)."""
    q = importlib.import_module("concur_sqlite.queries.q")
    files = Files(package, tmp_path)
    root = Path(package.__file__).parent.parent

    @settings(SETTINGS, max_examples=max(EXAMPLES // 4, 1))
    @given(tasks=dc.tasks("sqlite"))
    def check(tasks: list[dc.Task]) -> None:
        path, who = files.fresh(), dc.owners(len(tasks))
        with sqlite3.connect(path) as fill:
            fill.executemany("INSERT INTO items VALUES ('bulk', ?, ?)", ((f"n{i}", i) for i in range(20_000)))
        fill.close()

        def own(index: int) -> list[dc.Outcome]:
            conn = sqlite3.connect(path)
            try:
                return run_task(q, conn, tasks[index], who[index])
            finally:
                conn.close()

        got = while_two_migrate(root, "concur_sqlite_v2", str(path), path.with_name(path.name + ".go"),
                                lambda: on_threads([lambda i=i: own(i) for i in range(len(tasks))]))
        expected, kept_alone = alone(q, files, tasks)
        dc.compare(tasks, got, expected, kept(path, who), kept_alone, "service threads while migrating")
        status = importlib.import_module("concur_sqlite_v2.migrations").status(str(path))
        assert [version for version, _ in status.applied] == ["0001_items", "0002_tags"] and not status.pending

    check()


# --- the application's own cursor, read between generated calls -------------------------------------------


def test_own_cursor_read_between_generated_calls(package: Any, tmp_path: Path) -> None:
    """The application iterates its own cursor (sqlite3, then aiosqlite in chunks) and, for each row,
    calls generated functions on the same connection: an upsert of that row, a read of it back,
    a list and a count. Its cursor goes on where it was (every row once, as read before the
    change), and each generated call sees the connection's changes so far."""
    import aiosqlite

    q = importlib.import_module("concur_sqlite.queries.q")
    aio = importlib.import_module("concur_sqlite.aio.q")
    path = Files(package, tmp_path).fresh()
    names = [f"n{i:03}" for i in range(250)]  # more than aiosqlite's chunk (its iter_chunk_size, 64)
    with sqlite3.connect(path) as setup:
        setup.executemany("INSERT INTO items VALUES ('o', ?, 1)", [(name,) for name in names])
    setup.close()
    read = "SELECT name, n FROM items WHERE owner = 'o' ORDER BY name"

    conn = sqlite3.connect(path)
    try:
        seen = []
        for name, n in conn.execute(read):
            seen.append((name, n))
            q.upsert_item(conn, owner="o", name=name, n=n + 10)
            item = q.get_item(conn, owner="o", name=name)
            assert item is not None and item.n == n + 10
            assert q.count_names(conn, owner="o") == len(names)
        assert seen == [(name, 1) for name in names]
        conn.commit()
    finally:
        conn.close()

    async def main() -> list[Any]:
        async with aiosqlite.connect(path) as conn:
            seen = []
            async with conn.execute(read) as cursor:
                async for name, n in cursor:
                    seen.append((name, n))
                    await aio.upsert_item(conn, owner="o", name=name, n=n + 10)
                    assert (await aio.total(conn, owner="o")).items == len(names)
                    item = await aio.get_item(conn, owner="o", name=name)
                    assert item is not None and item.n == n + 10
            await conn.commit()
            return seen

    assert asyncio.run(main()) == [(name, 11) for name in names]
    assert kept(path, ["o"])[0] == [(0, name, 21) for name in names]
