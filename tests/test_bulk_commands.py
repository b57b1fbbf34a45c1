"""Bulk commands, run for real: :copyfrom (COPY on PostgreSQL, executemany on SQLite) and sqlc's
batch commands (:batchexec, :batchone, :batchmany: one call, an iterable of argument tuples, one
result per tuple), sync and async, on a SQLite file and on a real PostgreSQL server. The four
packages must give the same results, and pass mypy --strict."""

from __future__ import annotations

import asyncio
import datetime
import inspect
import sqlite3
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosqlite
import psycopg
import pydantic
import pytest

from _support import generate, import_module, imported, run_cli, write_files

SCHEMA = {
    "sqlite": """
        CREATE TABLE foo (id INTEGER PRIMARY KEY, a TEXT, b INTEGER NOT NULL, at TIMESTAMP);
        CREATE TABLE bar (id INTEGER PRIMARY KEY, foo_id INTEGER NOT NULL REFERENCES foo (id), note TEXT);
    """,
    "postgresql": """
        CREATE TABLE foo (id serial PRIMARY KEY, a text, b integer NOT NULL, at timestamp);
        CREATE TABLE bar (id serial PRIMARY KEY, foo_id integer NOT NULL REFERENCES foo (id), note text);
    """,
}
QUERIES = """
-- name: CopyFoo :copyfrom
INSERT INTO foo (b, a, at) VALUES (sqlc.arg(b), sqlc.arg(a), sqlc.arg(at));

-- name: InsertFoo :batchone
INSERT INTO foo (a, b) VALUES (sqlc.arg(a), sqlc.arg(b)) RETURNING *;

-- name: InsertId :batchone
INSERT INTO foo (a, b) VALUES (sqlc.arg(a), sqlc.arg(b)) RETURNING id;

-- name: FooByB :batchmany
SELECT * FROM foo WHERE b = sqlc.arg(b) ORDER BY id;

-- name: CountByB :batchone
SELECT count(*) FROM foo WHERE b = sqlc.arg(b);

-- name: FirstByB :batchone
SELECT id, a FROM foo WHERE b = sqlc.arg(b) ORDER BY id LIMIT 1;

-- name: FooWithBars :batchmany
SELECT sqlc.embed(foo), sqlc.embed(bar)
FROM foo LEFT JOIN bar ON bar.foo_id = foo.id
WHERE foo.b = sqlc.arg(b)
ORDER BY foo.id, bar.id;

-- name: RenameByB :batchexec
UPDATE foo SET a = sqlc.arg(a) WHERE b = sqlc.arg(b);

-- name: AddBar :batchexec
INSERT INTO bar (foo_id, note) VALUES (sqlc.arg(foo_id), sqlc.arg(note));

-- name: AddBarReturning :batchexec
INSERT INTO bar (foo_id, note) VALUES (sqlc.arg(foo_id), sqlc.arg(note)) RETURNING id;
"""
NOON = datetime.datetime(2026, 11, 27, 12, 0, 0)


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """engine -> the generated package's folder (sync queries/ and async aio/)."""
    out = {}
    for engine in ("sqlite", "postgresql"):
        root = tmp_path_factory.mktemp(engine)
        out[engine] = generate(root, {"schema.sql": SCHEMA[engine]}, {"bulk.sql": QUERIES}, engine=engine,
                               emit_async=True, out=f"bulk_{engine}")
    return out


def plain(value: Any) -> Any:
    """Rows of any package as nested tuples and lists, comparable across packages."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, pydantic.BaseModel):  # model rows (the default row style)
        return tuple(plain(v) for v in value.__dict__.values())
    return value


async def scenario(q: types.ModuleType, call: Callable[..., Any]) -> list[Any]:
    """Every bulk function once or more, values checked; returns the results in call order."""
    out: list[Any] = []

    async def run(fn: Callable[..., Any], items: list[Any]) -> Any:
        result = await call(fn, items)
        out.append(plain(result))
        return result

    assert await run(q.copy_foo, [q.CopyFooParams(b=1, a="x", at=NOON), q.CopyFooParams(b=1, a=None, at=None),
                                  q.CopyFooParams(b=2, a="it's", at=NOON)]) == 3
    assert await run(q.copy_foo, []) == 0
    inserted = await run(q.insert_foo, [q.InsertFooParams(a="y", b=3), q.InsertFooParams(a=None, b=3)])
    assert [(f.id, f.a, f.b, f.at) for f in inserted] == [(4, "y", 3, None), (5, None, 3, None)]
    assert await run(q.insert_id, [q.InsertIdParams(a="z", b=4)]) == [6]
    assert await run(q.insert_id, []) == []
    by_b = await run(q.foo_by_b, [q.FooByBParams(b=1), q.FooByBParams(b=9), q.FooByBParams(b=2)])
    assert [[(f.id, f.a, f.at) for f in rows] for rows in by_b] == [[(1, "x", NOON), (2, None, None)], [],
                                                                   [(3, "it's", NOON)]]
    assert await run(q.foo_by_b, []) == []
    assert await run(q.count_by_b, [q.CountByBParams(b=1), q.CountByBParams(b=9)]) == [2, 0]
    first = await run(q.first_by_b, [q.FirstByBParams(b=3), q.FirstByBParams(b=9)])
    assert [None if r is None else (r.id, r.a) for r in first] == [(4, "y"), None]
    assert await run(q.rename_by_b, [q.RenameByBParams(a="renamed", b=3), q.RenameByBParams(a="none", b=9)]) is None
    assert await run(q.add_bar, [q.AddBarParams(foo_id=4, note="n1"), q.AddBarParams(foo_id=4, note=None)]) is None
    assert await run(q.add_bar_returning, [q.AddBarReturningParams(foo_id=5, note="n3")]) is None
    nested = await run(q.foo_with_bars, [q.FooWithBarsParams(b=3), q.FooWithBarsParams(b=4)])
    assert [[(r.foo.id, r.foo.a, None if r.bar is None else (r.bar.id, r.bar.note)) for r in rows]
            for rows in nested] == [[(4, "renamed", (1, "n1")), (4, "renamed", (2, None)), (5, "renamed", (3, "n3"))],
                                    [(6, "z", None)]]
    return out


def bulk_module(pkg: types.ModuleType, is_async: bool) -> types.SimpleNamespace:
    """The sync module's names (the Params classes live there) with the functions of the one to run."""
    q = import_module(pkg, "aio.bulk" if is_async else "queries.bulk")
    sync = import_module(pkg, "queries.bulk")
    return types.SimpleNamespace(**{**vars(sync), **{n: f for n, f in vars(q).items() if inspect.isfunction(f)}})


def run_sqlite(package: Path, is_async: bool, path: Path) -> list[Any]:
    with imported(package) as pkg:
        namespace = bulk_module(pkg, is_async)
        if not is_async:
            conn = sqlite3.connect(path)
            conn.executescript(SCHEMA["sqlite"])

            async def call(fn: Callable[..., Any], items: list[Any]) -> Any:
                return fn(conn, items)

            try:
                return asyncio.run(scenario(namespace, call))
            finally:
                conn.close()

        async def main() -> list[Any]:
            async with aiosqlite.connect(path) as conn:
                await conn.executescript(SCHEMA["sqlite"])

                async def call(fn: Callable[..., Any], items: list[Any]) -> Any:
                    return await fn(conn, items)

                return await scenario(namespace, call)

        return asyncio.run(main())


def run_postgres(package: Path, is_async: bool, url: str) -> list[Any]:
    with imported(package) as pkg:
        namespace = bulk_module(pkg, is_async)
        with psycopg.connect(url, autocommit=True) as setup:
            setup.execute(SCHEMA["postgresql"].encode())
        if not is_async:
            with psycopg.connect(url) as conn:

                async def call(fn: Callable[..., Any], items: list[Any]) -> Any:
                    return fn(conn, items)

                return asyncio.run(scenario(namespace, call))

        async def main() -> list[Any]:
            async with await psycopg.AsyncConnection.connect(url) as conn:

                async def call(fn: Callable[..., Any], items: list[Any]) -> Any:
                    return await fn(conn, items)

                return await scenario(namespace, call)

        return asyncio.run(main())


def test_bulk_commands_on_sqlite_sync_and_async_agree(projects: dict[str, Path], tmp_path: Path) -> None:
    sync = run_sqlite(projects["sqlite"], False, tmp_path / "sync.db")
    assert run_sqlite(projects["sqlite"], True, tmp_path / "async.db") == sync


def test_bulk_commands_on_postgres_sync_and_async_agree_with_sqlite(
    projects: dict[str, Path], postgres_databases: Callable[[str], str], tmp_path: Path
) -> None:
    reference = run_sqlite(projects["sqlite"], False, tmp_path / "reference.db")
    assert run_postgres(projects["postgresql"], False, postgres_databases("bulk_sync")) == reference
    assert run_postgres(projects["postgresql"], True, postgres_databases("bulk_async")) == reference


def test_bulk_commands_signatures_and_describe(projects: dict[str, Path]) -> None:
    with imported(projects["sqlite"]) as pkg:
        q = import_module(pkg, "queries.bulk")
        hints = {name: str(inspect.signature(getattr(q, name))) for name in ("insert_foo", "foo_by_b", "rename_by_b")}
    assert hints["insert_foo"] == ("(conn: sqlite3.Connection, params: Iterable[bulk_sqlite.queries.bulk.InsertFooParams])"
                                   " -> list[bulk_sqlite.models.Foo]")  # an INSERT ... VALUES always returns its row
    assert hints["foo_by_b"].endswith("-> list[list[bulk_sqlite.models.Foo]]")
    assert hints["rename_by_b"].endswith("-> None")
    result = run_cli(projects["sqlite"].parent, "describe")
    commands = {q["name"]: q["command"] for q in __import__("json").loads(result.stdout)["queries"]}
    assert commands["InsertFoo"] == "batchone" and commands["FooByB"] == "batchmany" and commands["AddBar"] == "batchexec"


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_bulk_command_packages_pass_mypy_strict(projects: dict[str, Path], engine: str) -> None:
    package = projects[engine]
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary", package.name],
                            cwd=package.parent, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_slice_in_a_batch_query_is_a_located_error(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "pyproject.toml": '[tool.codegen]\nschema = "schema.sql"\nqueries = "queries"\nout = "gen"\n',
        "schema.sql": "CREATE TABLE foo (id INTEGER PRIMARY KEY);",
        "queries/q.sql": "-- name: Pick :batchmany\nSELECT id FROM foo WHERE id IN (sqlc.slice(ids));\n",
    })
    result = run_cli(tmp_path)
    assert result.code == 1
    assert "queries/q.sql:2:1: error: query Pick: sqlc.slice cannot be used in a :batchmany query (" in result.stderr, \
        result.stderr
    assert not (tmp_path / "gen").exists()
