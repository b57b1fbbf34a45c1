"""A connection's row_factory is the application's: the generated functions read the same rows
whatever it is (sqlite3.Row, a dict per row, psycopg's dict_row or namedtuple_row), and on
psycopg connections that bind parameters client-side (ClientCursor, as PgBouncer setups use).

The readers take a row's values by position; a dict row used to hand them its keys, so a row of
text columns came back holding its column names, and other rows failed validation. Each query
now reads through a cursor of plain tuples. Checked on a real SQLite file and a real PostgreSQL
server, sync and async, model and tuple rows, for every command that reads rows.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import aiosqlite
import psycopg
import psycopg.rows
import pydantic
import pytest

from _support import generate, import_module, imported

SCHEMA = {
    "sqlite": """
        CREATE TABLE foo (id INTEGER PRIMARY KEY, a TEXT NOT NULL, b INTEGER NOT NULL);
        CREATE TABLE bar (id INTEGER PRIMARY KEY, foo_id INTEGER NOT NULL REFERENCES foo (id), note TEXT NOT NULL);
    """,
    "postgresql": """
        CREATE TABLE foo (id serial PRIMARY KEY, a text NOT NULL, b integer NOT NULL);
        CREATE TABLE bar (id serial PRIMARY KEY, foo_id integer NOT NULL REFERENCES foo (id), note text NOT NULL);
    """,
}
QUERIES = """
-- name: GetFoo :one
SELECT * FROM foo WHERE id = sqlc.arg(id);

-- name: ListFoo :many
SELECT * FROM foo ORDER BY id;

-- name: Texts :many
SELECT a, note FROM foo JOIN bar ON bar.foo_id = foo.id ORDER BY bar.id;

-- name: CountFoo :one
SELECT count(*) FROM foo;

-- name: Names :many
SELECT a FROM foo ORDER BY id;

-- name: FooWithBar :many
SELECT sqlc.embed(foo), sqlc.embed(bar) FROM foo JOIN bar ON bar.foo_id = foo.id ORDER BY bar.id;

-- name: Filtered :many
SELECT * FROM foo WHERE b = sqlc.optional(b) ORDER BY id;

-- name: AddFoo :batchone
INSERT INTO foo (a, b) VALUES (sqlc.arg(a), sqlc.arg(b)) RETURNING *;

-- name: FooByB :batchmany
SELECT * FROM foo WHERE b = sqlc.arg(b) ORDER BY id;
"""
ROWS = 40  # more than TypedRows' threshold (PostgreSQL tuple rows prove types from 32 rows)


def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {column[0]: value for column, value in zip(cursor.description, row)}


FACTORIES: dict[str, list[tuple[str, Any]]] = {
    "sqlite": [("sqlite3.Row", sqlite3.Row), ("dict", _dict_row)],
    "postgresql": [("dict_row", psycopg.rows.dict_row), ("namedtuple_row", psycopg.rows.namedtuple_row),
                   ("client-side binding", "client")],  # ClientCursor (PgBouncer setups), tuple rows
}


def _options(factory: Any, client_cursor: Any) -> dict[str, Any]:
    """psycopg.connect's keywords: a row_factory, or "client": client-side binding cursors."""
    return {"cursor_factory": client_cursor} if factory == "client" else {"row_factory": factory}


@pytest.fixture(scope="module", params=[(e, r) for e in ("sqlite", "postgresql") for r in ("model", "tuple")],
                ids=lambda p: f"{p[0]}-{p[1]}")
def package(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ModuleType]]:
    engine, rows = request.param
    root = tmp_path_factory.mktemp(f"factories_{engine}_{rows}")
    out = generate(root, {"schema.sql": SCHEMA[engine]}, {"q.sql": QUERIES}, engine=engine, emit_async=True,
                   out=f"factories_{engine}_{rows}", extra=f'rows = "{rows}"')
    with imported(out) as found:
        yield engine, found


def plain(value: Any) -> Any:
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, pydantic.BaseModel):
        return tuple(plain(v) for v in value.__dict__.values())
    return value


def calls(q: ModuleType, params: ModuleType) -> list[tuple[str, Callable[[Any], Any]]]:
    """Every function that reads rows, as (name, call with a connection); params: the sync module."""
    return [
        ("get_foo", lambda c: q.get_foo(c, id=2)),
        ("list_foo", lambda c: q.list_foo(c)),
        ("texts", lambda c: q.texts(c)),
        ("count_foo", lambda c: q.count_foo(c)),
        ("names", lambda c: q.names(c)),
        ("foo_with_bar", lambda c: q.foo_with_bar(c)),
        ("filtered", lambda c: q.filtered(c, b=1)),
        ("filtered_off", lambda c: q.filtered(c)),
        ("foo_by_b", lambda c: q.foo_by_b(c, [params.FooByBParams(b=1), params.FooByBParams(b=7)])),
    ]


def fill(engine: str, conn: Any) -> None:
    marker = "?" if engine == "sqlite" else "%s"
    for i in range(ROWS):
        conn.execute(f"INSERT INTO foo (a, b) VALUES ({marker}, {marker})", (f"a{i}", i % 3))
        conn.execute(f"INSERT INTO bar (foo_id, note) VALUES ({marker}, {marker})", (i + 1, f"note {i}"))


def results(engine: str, package: ModuleType, connect: Callable[[Any], Any], aconnect: Callable[[Any], Any],
            factory: Any) -> tuple[list[Any], list[Any]]:
    """Each reading function's result, sync then async, on connections with this row_factory (an
    inserted row without its id: a PostgreSQL sequence is not rolled back)."""
    sync_q, async_q = import_module(package, "queries.q"), import_module(package, "aio.q")
    with connect(factory) as conn:
        sync = [(name, plain(call(conn))) for name, call in calls(sync_q, sync_q)]
        sync.append(("add_foo", [row[1:] for row in plain(sync_q.add_foo(conn, [sync_q.AddFooParams(a="new", b=9)]))]))

    async def run() -> list[Any]:
        async with aconnect(factory) as conn:
            out = []
            for name, call in calls(async_q, sync_q):
                out.append((name, plain(await call(conn))))
            out.append(("add_foo", [row[1:] for row in plain(await async_q.add_foo(conn, [sync_q.AddFooParams(a="new", b=9)]))]))
            return out

    return sync, asyncio.run(run())


def test_a_connections_row_factory_changes_no_result(package: tuple[str, ModuleType], tmp_path: Path,
                                                     request: pytest.FixtureRequest) -> None:
    engine, found = package
    if engine == "sqlite":
        path = tmp_path / "db.sqlite"
        with sqlite3.connect(path) as setup:
            setup.executescript(SCHEMA[engine])
            fill(engine, setup)

        class _Sqlite:
            def __init__(self, factory: Any) -> None:
                self.conn = sqlite3.connect(path)
                self.conn.row_factory = factory

            def __enter__(self) -> sqlite3.Connection:
                return self.conn

            def __exit__(self, *exc: object) -> None:
                self.conn.rollback()  # the batch inserts are undone: every factory sees the same rows
                self.conn.close()

        class _Aiosqlite:
            def __init__(self, factory: Any) -> None:
                self.factory = factory

            async def __aenter__(self) -> aiosqlite.Connection:
                self.conn = await aiosqlite.connect(path)
                self.conn.row_factory = self.factory
                return self.conn

            async def __aexit__(self, *exc: object) -> None:
                await self.conn.rollback()
                await self.conn.close()

        connect: Callable[[Any], Any] = _Sqlite
        aconnect: Callable[[Any], Any] = _Aiosqlite
    else:
        url = request.getfixturevalue("postgres_url")
        with psycopg.connect(url, autocommit=True) as pg_setup:
            pg_setup.execute(SCHEMA[engine].encode())
            fill(engine, pg_setup)

        class _Psycopg:
            def __init__(self, factory: Any) -> None:
                self.conn = psycopg.connect(url, **_options(factory, psycopg.ClientCursor))

            def __enter__(self) -> psycopg.Connection[Any]:
                return self.conn

            def __exit__(self, *exc: object) -> None:
                self.conn.rollback()
                self.conn.close()

        class _AsyncPsycopg:
            def __init__(self, factory: Any) -> None:
                self.factory = factory

            async def __aenter__(self) -> psycopg.AsyncConnection[Any]:
                self.conn = await psycopg.AsyncConnection.connect(url, **_options(self.factory,
                                                                                   psycopg.AsyncClientCursor))
                return self.conn

            async def __aexit__(self, *exc: object) -> None:
                await self.conn.rollback()
                await self.conn.close()

        connect, aconnect = _Psycopg, _AsyncPsycopg

    default = sqlite3.connect(":memory:").row_factory if engine == "sqlite" else psycopg.rows.tuple_row
    expected_sync, expected_async = results(engine, found, connect, aconnect, default)
    assert expected_sync == expected_async
    names = dict(expected_sync)
    assert names["names"][:2] == ["a0", "a1"] and names["texts"][0] == ("a0", "note 0")  # values, not column names
    assert len(names["list_foo"]) == ROWS and names["count_foo"] == ROWS
    for label, factory in FACTORIES[engine]:
        got_sync, got_async = results(engine, found, connect, aconnect, factory)
        assert got_sync == expected_sync, label
        assert got_async == expected_async, label
