"""Drawn concurrency on PostgreSQL (tests/drawn_concur.py): drawn tasks, each on its own owner's rows,
run at once by threads with a psycopg connection each, by threads sharing one connection (psycopg's
connections are thread-safe), and by asyncio tasks over one AsyncConnection or one each (as a pool
hands out); held to the same tasks run one after another. `DRAWN_CONCUR_EXAMPLES=N` (default 12)."""

from __future__ import annotations

import asyncio
import importlib
import itertools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
import drawn_concur as dc  # noqa: E402
from test_drawn_concur import EXAMPLES, SETTINGS, on_threads, while_two_migrate  # noqa: E402


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with dc.imported_versions("postgresql", tmp_path_factory.mktemp("drawn_concur_pg"), "concur_pg") as package:
        yield package


def database(package: Any, make: Callable[[str], str]) -> str:
    """A fresh database migrated by the generated runner: one a test, its examples' tasks on owners of
    their own."""
    url = make("concur")
    importlib.import_module(package.__name__ + ".migrations").migrate(url)
    return url


def kept(url: str, of: list[str]) -> tuple[list[Any], list[Any]]:
    import psycopg

    with psycopg.connect(url) as conn:
        return (dc.kept_rows(conn.execute(dc.ROWS_KEPT).fetchall(), of),
                dc.kept_rows(conn.execute(dc.NOTES_KEPT).fetchall(), of))


def check_inserted(conn: Any, call: dc.Call, who: str, result: dc.Outcome) -> None:
    sql, expected = dc.inserted_row("postgresql", call, who)
    found = conn.execute(sql.encode(), (result.inserted,)).fetchone()
    assert found == expected, f"{call.query.name} returned the id {result.inserted}, of the row {found}"


def run_task(q: Any, conn: Any, task: dc.Task, who: str) -> list[dc.Outcome]:
    """The task's calls on conn (in autocommit)."""
    outcomes = []
    for call in task:
        function = getattr(q, dc.function_name(call.query))
        args, kwargs = dc.arguments(q, call, who)
        result = dc.outcome(call, lambda: function(conn, *args, **kwargs))
        if result.inserted is not None:
            check_inserted(conn, call, who, result)
        outcomes.append(result)
    return outcomes


def alone(q: Any, url: str, tasks: list[dc.Task]) -> tuple[list[list[dc.Outcome]], Any]:
    """Each task on its own, one after another (on owners of their own): outcomes, rows kept."""
    import psycopg

    who = dc.owners(len(tasks))
    with psycopg.connect(url, autocommit=True) as conn:
        outcomes = [run_task(q, conn, task, who[i]) for i, task in enumerate(tasks)]
    return outcomes, kept(url, who)


@pytest.mark.parametrize("shared", [False, True], ids=["a connection each", "one connection"])
def test_postgres_drawn_threads(package: Any, postgres_databases: Callable[[str], str], shared: bool) -> None:
    """Threads with a psycopg connection each, or sharing one (autocommit): every call gives what it
    gives alone, and the database keeps the rows the tasks keep one after another."""
    import psycopg

    q = importlib.import_module("concur_pg.queries.q")
    url = database(package, postgres_databases)

    @SETTINGS
    @given(tasks=dc.tasks("postgresql"))
    def check(tasks: list[dc.Task]) -> None:
        who = dc.owners(len(tasks))
        if shared:
            with psycopg.connect(url, autocommit=True) as conn:
                got = on_threads([lambda i=i: run_task(q, conn, tasks[i], who[i]) for i in range(len(tasks))])
        else:
            def own(index: int) -> list[dc.Outcome]:
                with psycopg.connect(url, autocommit=True) as conn:
                    return run_task(q, conn, tasks[index], who[index])
            got = on_threads([lambda i=i: own(i) for i in range(len(tasks))])
        expected, kept_alone = alone(q, url, tasks)
        dc.compare(tasks, got, expected, kept(url, who), kept_alone,
                   "threads " + ("sharing a connection" if shared else "with a connection each"))

    check()


async def run_task_async(aio: Any, q: Any, conn: Any, task: dc.Task, who: str, savepoints: bool = False
                         ) -> list[dc.Outcome]:
    """The task's calls on conn; `savepoints`: each in a nested conn.transaction() (a savepoint), so
    a refused call undoes its own changes and leaves the enclosing transaction going."""
    async def call_in_savepoint(function: Any, args: Any, kwargs: Any) -> Any:
        async with conn.transaction():
            return await function(conn, *args, **kwargs)

    outcomes = []
    for call in task:
        function = getattr(aio, dc.function_name(call.query))
        args, kwargs = dc.arguments(q, call, who)
        if savepoints:
            result = await dc.outcome_async(call, lambda: call_in_savepoint(function, args, kwargs))
        else:
            result = await dc.outcome_async(call, lambda: function(conn, *args, **kwargs))
        if result.inserted is not None:
            sql, expected = dc.inserted_row("postgresql", call, who)
            found = await (await conn.execute(sql.encode(), (result.inserted,))).fetchone()
            assert found == expected, f"{call.query.name} returned the id {result.inserted}, of the row {found}"
        outcomes.append(result)
    return outcomes


@pytest.mark.parametrize("shared, transaction", [(True, False), (False, False), (False, True)],
                         ids=["one connection", "a connection each", "a connection and a transaction each"])
def test_postgres_drawn_asyncio_tasks(package: Any, postgres_databases: Callable[[str], str], shared: bool,
                                      transaction: bool) -> None:
    """asyncio tasks gathered over one psycopg AsyncConnection, or one each (autocommit), or one each
    running its task in one transaction (conn.transaction()), each call in a savepoint of its own
    (a nested conn.transaction()) so that a refused call leaves the task's transaction going."""
    import psycopg

    q = importlib.import_module("concur_pg.queries.q")
    aio = importlib.import_module("concur_pg.aio.q")
    url = database(package, postgres_databases)

    @SETTINGS
    @given(tasks=dc.tasks("postgresql"))
    def check(tasks: list[dc.Task]) -> None:
        who = dc.owners(len(tasks))

        async def main() -> list[list[dc.Outcome]]:
            if shared:
                async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                    return list(await asyncio.gather(*(run_task_async(aio, q, conn, task, who[i])
                                                       for i, task in enumerate(tasks))))

            async def own(index: int) -> list[dc.Outcome]:
                async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                    if not transaction:
                        return await run_task_async(aio, q, conn, tasks[index], who[index])
                    async with conn.transaction():
                        return await run_task_async(aio, q, conn, tasks[index], who[index], savepoints=True)
            return list(await asyncio.gather(*(own(i) for i in range(len(tasks)))))

        got = asyncio.run(main())
        expected, kept_alone = alone(q, url, tasks)
        dc.compare(tasks, got, expected, kept(url, who), kept_alone,
                   "asyncio tasks on " + ("one connection" if shared else "a connection each")
                   + (" in a transaction each" if transaction else ""))

    check()


def test_postgres_drawn_gathered_calls_on_the_same_rows_each_run_whole(
        package: Any, postgres_databases: Callable[[str], str]) -> None:
    """Two to four calls of any command gathered over one AsyncConnection, all on one owner's rows:
    psycopg runs each statement (a batch, a COPY) under the connection's lock, so the results and
    the rows kept are those of the calls one after another, in some order. (Not always the order
    they started: a COPY runs in a task of its own, one a cancelled caller can stop, which queues
    after them, and a :copyfrom asks the lock first whether the caller is in a pipeline.)"""
    import psycopg

    q = importlib.import_module("concur_pg.queries.q")
    aio = importlib.import_module("concur_pg.aio.q")
    url = database(package, postgres_databases)

    @SETTINGS
    @given(task=st.lists(dc.calls("postgresql"), min_size=2, max_size=4).map(tuple))
    def check(task: dc.Task) -> None:
        who = dc.owners(1)

        async def one(conn: Any, call: dc.Call) -> dc.Outcome:
            function = getattr(aio, dc.function_name(call.query))
            args, kwargs = dc.arguments(q, call, who[0])
            return await dc.outcome_async(call, lambda: function(conn, *args, **kwargs))

        async def main() -> list[dc.Outcome]:
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                return list(await asyncio.gather(*(one(conn, call) for call in task)))

        got = [outcome.compared() for outcome in asyncio.run(main())]
        kept_now = kept(url, who)
        orders = []
        for order in itertools.permutations(range(len(task))):
            expected, kept_alone = alone(q, url, [tuple(task[i] for i in order)])
            by_call = dict(zip(order, (outcome.compared() for outcome in expected[0])))
            if [by_call[i] for i in range(len(task))] == got and kept_alone == kept_now:
                return
            orders.append(f"{order}: {[by_call[i] for i in range(len(task))]} keeping {kept_alone}")
        raise AssertionError(f"gathered: {got} keeping {kept_now}; no order of the calls gives that:\n"
                             + "\n".join(orders))

    check()


@pytest.mark.parametrize("autocommit", [True, False], ids=["autocommit", "in a transaction"])
def test_postgres_timed_out_call_is_cancelled_on_the_server(package: Any, postgres_databases: Callable[[str], str],
                                                            autocommit: bool) -> None:
    """asyncio.wait_for around a slow call: TimeoutError when the timeout passes, psycopg cancels the
    statement on the server, and the connection answers the next call at once; inside a
    transaction that transaction has failed, for the caller to roll back (the README's rule)."""
    import time

    import psycopg

    aio = importlib.import_module("concur_pg.aio.q")
    url = database(package, postgres_databases)

    async def main() -> tuple[float, Any, str]:
        async with await psycopg.AsyncConnection.connect(url, autocommit=autocommit) as conn:
            started = time.monotonic()
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(aio.slow(conn, seconds=30), 0.2)
            failed = ""
            try:
                await aio.total(conn, owner="o")
            except psycopg.errors.InFailedSqlTransaction:
                failed = "failed"
                await conn.rollback()
            answer = await aio.total(conn, owner="o")
            return time.monotonic() - started, answer, failed

    took, answer, failed = asyncio.run(main())
    assert took < 10 and answer.items == 0
    assert failed == ("" if autocommit else "failed")


def test_postgres_drawn_service_threads_while_two_processes_migrate(
        package: Any, postgres_databases: Callable[[str], str], tmp_path: Path) -> None:
    """tests/test_drawn_concur.py's twin: a service's threads (a connection each, autocommit) calling
    the first version's functions while two processes run the next version's migration runner at
    once: one applies the migration (its ALTER TABLE waits for the service's statements and they
    for it), the other finds it applied, both exit 0; every call gives what it gives alone."""
    import psycopg

    q = importlib.import_module("concur_pg.queries.q")
    root = Path(package.__file__).parent.parent

    @settings(SETTINGS, max_examples=max(EXAMPLES // 6, 1))  # a database each: the migration is once a database
    @given(tasks=dc.tasks("postgresql"))
    def check(tasks: list[dc.Task]) -> None:
        url, who = database(package, postgres_databases), dc.owners(len(tasks))

        def own(index: int) -> list[dc.Outcome]:
            with psycopg.connect(url, autocommit=True) as conn:
                return run_task(q, conn, tasks[index], who[index])

        got = while_two_migrate(root, "concur_pg_v2", url, tmp_path / f"go-{who[0].replace('/', '-')}",
                                lambda: on_threads([lambda i=i: own(i) for i in range(len(tasks))]))
        expected, kept_alone = alone(q, url, tasks)
        dc.compare(tasks, got, expected, kept(url, who), kept_alone, "service threads while migrating")

    check()


def test_postgres_server_side_cursor_read_between_generated_calls(
        package: Any, postgres_databases: Callable[[str], str]) -> None:
    """The application iterates a server-side cursor (a named one, fetching 16 rows at a time) in its
    transaction and, for each row, calls generated functions on the same connection (an upsert of
    that row, a read of it back, a count): the cursor goes on where it was, every row once as
    read before the change, and each call sees the transaction's changes so far."""
    import psycopg

    q = importlib.import_module("concur_pg.queries.q")
    url = database(package, postgres_databases)
    names = [f"n{i:03}" for i in range(100)]
    with psycopg.connect(url) as setup:
        setup.cursor().executemany(b"INSERT INTO items VALUES ('o', %s, 1)", [(name,) for name in names])
    with psycopg.connect(url) as conn:
        seen = []
        with conn.cursor(name="own") as cursor:
            cursor.itersize = 16
            cursor.execute(b"SELECT name, n FROM items WHERE owner = 'o' ORDER BY name")
            for name, n in cursor:
                seen.append((name, n))
                q.upsert_item(conn, owner="o", name=name, n=n + 10)
                item = q.get_item(conn, owner="o", name=name)
                assert item is not None and item.n == n + 10
                assert q.count_names(conn, owner="o") == len(names)
        assert seen == [(name, 1) for name in names]
    assert kept(url, ["o"])[0] == [(0, name, 11) for name in names]


@pytest.mark.parametrize("copy", ["copy_items", "copy_upserts"])
def test_postgres_copy_beside_another_tasks_batch_stays_whole(package: Any, postgres_databases: Callable[[str], str],
                                                              copy: str) -> None:
    """A :copyfrom gathered with another task's :batchexec on one AsyncConnection (autocommit): the
    copy of a row twice fails whole, nothing of it stored. psycopg's executemany() holds the
    connection in a pipeline of its own while it runs; the copy took that for its caller's
    conn.pipeline() and ran its INSERT once per row, each row committed on its own (the first
    kept, for COPY's all or nothing); the upsert's count was the rows' as one INSERT each."""
    import psycopg

    q = importlib.import_module("concur_pg.queries.q")
    aio = importlib.import_module("concur_pg.aio.q")
    url = database(package, postgres_databases)
    twice = [q.CopyItemsParams(owner="o", name="a", n=1), q.CopyItemsParams(owner="o", name="a", n=2)]

    async def main() -> tuple[Any, Any]:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            batch = [q.BatchPutParams(owner="other", name=f"n{i}", n=i) for i in range(50)]
            copying = aio.copy_items(conn, twice) if copy == "copy_items" else \
                aio.copy_upserts(conn, [q.CopyUpsertsParams(*row) for row in twice])
            _, copied = await asyncio.gather(aio.batch_put(conn, batch), copying, return_exceptions=True)
            return copied, await aio.list_items(conn, owner="o")

    copied, kept_rows = asyncio.run(main())
    if copy == "copy_items":
        assert isinstance(copied, psycopg.errors.UniqueViolation) and kept_rows == [], (copied, kept_rows)
    else:  # ON CONFLICT: one statement a row, as executemany() runs it, the second updating the first
        assert copied == 2 and [(r.name, r.n) for r in kept_rows] == [("a", 2)], (copied, kept_rows)
