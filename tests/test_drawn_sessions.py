"""Drawn sessions on SQLite (tests/drawn_sessions.py): generated calls, sync (sqlite3) and async
(aiosqlite), interleaved with the user's BEGIN [IMMEDIATE] / SAVEPOINT / ROLLBACK TO / RELEASE /
COMMIT / ROLLBACK, commit() and rollback(), `with conn:` blocks that commit or raise, under every
isolation_level and with a row_factory on the generated side, against the same SQL through sqlite3
on a twin file. `DRAWN_SESSIONS_EXAMPLES=N` (default 30 a test)."""

from __future__ import annotations

import asyncio
import importlib
import itertools
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
import drawn_sessions as ds  # noqa: E402

EXAMPLES = int(os.environ.get("DRAWN_SESSIONS_EXAMPLES", "30"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
_FILES = itertools.count()


class BlockFailed(Exception):
    """Raised by the user inside a `with conn:` block (sqlite3 rolls back and re-raises)."""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    root = tmp_path_factory.mktemp("drawn_sessions")
    ds.generate("sqlite", root, "sessions_sqlite")
    sys.path.insert(0, str(root))
    try:
        yield (importlib.import_module("sessions_sqlite.queries.q"), importlib.import_module("sessions_sqlite.aio.q"))
    finally:
        sys.path.remove(str(root))


def oracle_call(conn: sqlite3.Connection, call: ds.Call, sql: str) -> Any:
    query = call.query
    if not call.items and query.command in ("copyfrom", "batchexec"):
        # As sqlite3 runs an empty batch: executemany() opens the transaction a write would.
        conn.executemany(sql, [])
    if _writes_behind_with(query.sql) and conn.isolation_level is not None and not conn.in_transaction:
        # The one difference from the raw driver, on purpose (README): sqlite3 opens its implicit
        # transaction before no write behind a WITH; the generated function opens it.
        conn.execute(f"BEGIN {conn.isolation_level}")
    outcomes = []
    for item in call.items:
        rows = conn.execute(sql, tuple(item[p] for p in query.params)).fetchall()
        changes, lastid = conn.execute("SELECT changes(), last_insert_rowid()").fetchone()
        inserted = lastid if query.sql.startswith("INSERT") and "DO UPDATE" not in query.sql and changes else None
        outcomes.append((rows, len(rows) if query.counts == "rows" else changes, inserted))
    command = query.command
    if command in ("one", "many", "execrows", "execlastid", "execresult"):
        rows, count, inserted = outcomes[0]
        return {"one": rows[0] if rows else None, "many": rows, "execrows": count, "execlastid": inserted,
                "execresult": ("ExecResult", count, inserted)}[command]
    if command == "copyfrom":
        return sum(count for _, count, _ in outcomes)
    if command == "batchone":
        return [rows[0] if rows else None for rows, _, _ in outcomes]
    if command == "batchmany":
        return [rows for rows, _, _ in outcomes]
    return None  # exec, batchexec


def _writes_behind_with(sql: str) -> bool:
    words = sql.upper().split()
    return bool(words) and words[0] == "WITH" and bool({"INSERT", "UPDATE", "DELETE", "REPLACE"} & set(words))


def control(conn: Any, what: str) -> Any:
    if what == "commit()":
        return conn.commit()
    if what == "rollback()":
        return conn.rollback()
    return conn.execute(what)


def twin(gen: Any, oracle: sqlite3.Connection, module: Any, sync_module: Any) -> ds.Twin:
    return ds.Twin(gen, oracle, module, sync_module, oracle_call, status=lambda conn: conn.in_transaction,
                   gen_control=control, oracle_control=control, gen_block=lambda conn, block: conn,
                   oracle_block=lambda conn, block: conn, fail_error=lambda block: BlockFailed())


def kept_rows(path: Path) -> Any:
    """The rows a closed connection left, read by a new one that does not wait for a lock: a
    connection closed without a commit has rolled its transaction back and holds no lock."""
    conn = sqlite3.connect(path, timeout=0)
    try:
        conn.execute("BEGIN IMMEDIATE")
        return conn.execute("SELECT * FROM items ORDER BY name").fetchall()
    except sqlite3.OperationalError as error:
        return f"{error} after the connection was closed"
    finally:
        conn.close()


def fresh_files(tmp_path: Path) -> tuple[Path, Path]:
    n = next(_FILES)
    paths = tmp_path / f"gen{n}.db", tmp_path / f"oracle{n}.db"
    for path in paths:
        conn = sqlite3.connect(path)
        conn.executescript(ds.SCHEMA)
        conn.close()
    return paths


ISOLATION_LEVELS = st.sampled_from([None, "DEFERRED", "IMMEDIATE", "EXCLUSIVE"])


def test_drawn_sessions_sqlite_sync(package: tuple[Any, Any], tmp_path: Path) -> None:
    module, _ = package

    @SETTINGS
    @given(program=ds.programs("sqlite", ("with conn",)), isolation_level=ISOLATION_LEVELS,
           row_factory=st.sampled_from([None, sqlite3.Row, lambda cursor, row: dict(zip("ab", row))]))
    def check(program: list[ds.Step], isolation_level: str | None, row_factory: Any) -> None:
        gen_path, oracle_path = fresh_files(tmp_path)
        gen = sqlite3.connect(gen_path, isolation_level=isolation_level)
        oracle = sqlite3.connect(oracle_path, isolation_level=isolation_level)
        gen.row_factory = row_factory
        state = twin(gen, oracle, module, module)
        try:
            asyncio.run(ds.run_steps(state, program))
        finally:
            gen.close()  # without a commit: what the user did not commit is gone
            oracle.close()
        ds.report(state, program, kept_rows(gen_path), kept_rows(oracle_path))

    check()


def test_drawn_sessions_sqlite_async(package: tuple[Any, Any], tmp_path: Path) -> None:
    import aiosqlite

    module, aio = package

    @SETTINGS
    @given(program=ds.programs("sqlite", ("gather",)), isolation_level=ISOLATION_LEVELS,
           row_factory=st.sampled_from([None, aiosqlite.Row]))
    def check(program: list[ds.Step], isolation_level: str | None, row_factory: Any) -> None:
        gen_path, oracle_path = fresh_files(tmp_path)
        oracle = sqlite3.connect(oracle_path, isolation_level=isolation_level)
        state: ds.Twin | None = None

        async def main() -> None:
            nonlocal state
            gen = await aiosqlite.connect(gen_path, isolation_level=isolation_level)
            gen.row_factory = row_factory
            state = twin(gen, oracle, aio, module)
            try:
                await ds.run_steps(state, program)
            finally:
                await gen.close()

        try:
            asyncio.run(main())
        finally:
            oracle.close()
        assert state is not None
        ds.report(state, program, kept_rows(gen_path), kept_rows(oracle_path))

    check()


@pytest.mark.parametrize("row_factory", [None, sqlite3.Row], ids=["tuples", "sqlite3.Row"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_an_error_kept_leaves_no_lock_after_close(package: tuple[Any, Any], tmp_path: Path, row_factory: Any,
                                                  is_async: bool) -> None:
    """A generated call that fails (a unique violation) on a connection with a row_factory, its error
    kept (logged, reported, chained), then the connection closed without a commit: the transaction
    is rolled back and the database free. The cursor the call made for tuple rows stayed alive in
    the error's traceback, so sqlite3's close left the connection open, holding its write lock."""
    import aiosqlite

    module, aio = package
    gen_path, _ = fresh_files(tmp_path)
    errors: list[BaseException] = []

    async def main() -> None:
        conn = await aiosqlite.connect(gen_path) if is_async else sqlite3.connect(gen_path)
        conn.row_factory = row_factory
        for _ in range(2):
            try:
                await ds.maybe_await((aio if is_async else module).add_item(conn, name="a", n=1))
            except sqlite3.IntegrityError as error:
                errors.append(error)
        await ds.maybe_await(conn.close())

    asyncio.run(main())
    assert len(errors) == 1
    assert kept_rows(gen_path) == []


def test_tasks_sharing_one_async_connection_get_their_own_results(package: tuple[Any, Any], tmp_path: Path) -> None:
    """asyncio tasks sharing one aiosqlite connection: each call returns what it would alone, in the
    order the tasks started. A count read by a second job (SQLite's changes() after a statement behind
    a WITH) counted another task's statement that ran between the two jobs (0 rows bumped for 2),
    and a list fetched in a second job read a row a task started after it inserted."""
    import aiosqlite

    module, aio = package
    gen_path, _ = fresh_files(tmp_path)

    async def main() -> list[Any]:
        async with aiosqlite.connect(gen_path) as conn:
            await aio.put_item(conn, name="a", n=0)
            await aio.put_item(conn, name="b", n=0)
            return list(await asyncio.gather(
                aio.bump_behind_with(conn), aio.put_item(conn, name="c", n=0), aio.drop_small(conn, n=-1),
                aio.list_items(conn), aio.put_item(conn, name="d", n=0), aio.count_names(conn)))

    bumped, _, dropped, listed, _, counted = asyncio.run(main())
    assert (bumped, dropped.rowcount, [row.name for row in listed], counted) == (2, 0, ["a", "b", "c"], 4)


def test_drawn_cancelled_call_leaves_the_connection_usable(package: tuple[Any, Any], tmp_path: Path) -> None:
    """A task running a generated call on a shared aiosqlite connection, cancelled after a drawn number
    of event-loop turns, mid-call: the connection still answers (a generated list equals the raw
    driver's SELECT on it), its rollback() undoes whatever the call did, and once closed it holds
    no lock."""
    import aiosqlite

    module, aio = package

    @settings(SETTINGS, max_examples=max(EXAMPLES // 2, 1))
    @given(call=ds.calls("sqlite"), ticks=st.integers(0, 6), row_factory=st.sampled_from([None, aiosqlite.Row]))
    def check(call: ds.Call, ticks: int, row_factory: Any) -> None:
        gen_path, _ = fresh_files(tmp_path)
        with sqlite3.connect(gen_path) as setup:
            setup.executemany("INSERT INTO items VALUES (?, ?)", [("a", 0), ("b", 2)])
        setup.close()

        async def main() -> tuple[str, list[Any], list[Any]]:
            async with aiosqlite.connect(gen_path, isolation_level="DEFERRED") as conn:
                conn.row_factory = row_factory
                # Opened by the user: sqlite3 opens none for a statement behind a WITH, which commits
                # on its own (as through the raw driver).
                await conn.execute("BEGIN")
                ended = await ds.cancelled_midway(aio, module, conn, call, ticks)
                listed = [ds.plain(row) for row in await aio.list_items(conn)]
                raw = [tuple(row) for row in await conn.execute_fetchall("SELECT * FROM items ORDER BY name")]
                await conn.rollback()
                return ended, listed, raw

        ended, listed, raw = asyncio.run(main())
        assert listed == raw, (ended, listed, raw)
        assert kept_rows(gen_path) == [("a", 0), ("b", 2)], ended

    check()


@pytest.mark.parametrize("row_factory", [sqlite3.Row, lambda cursor, row: {d[0]: v for d, v in zip(cursor.description, row)}],
                         ids=["sqlite3.Row", "dicts"])
def test_migrations_run_on_the_application_connection(package: tuple[Any, Any], tmp_path: Path,
                                                      row_factory: Any) -> None:
    """The generated runner on the application's own connection, whatever its row_factory: a factory
    making a dict per row failed migrate() and status() with a traceback (KeyError: 0: the runner
    reads rows by position). The connection keeps its factory afterwards."""
    migrations = importlib.import_module("sessions_sqlite.migrations")
    conn = sqlite3.connect(tmp_path / "app.db", isolation_level=None)
    conn.row_factory = row_factory
    try:
        assert migrations.migrate(conn).version == "0001_items"
        assert [version for version, _ in migrations.status(conn).applied] == ["0001_items"]
        assert conn.row_factory is row_factory
        assert package[0].upsert_item(conn, name="a", n=1) is None
    finally:
        conn.close()
