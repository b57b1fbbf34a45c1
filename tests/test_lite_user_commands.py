"""A SQLite user's counting commands with RETURNING: :execrows, :execlastid, :execresult and
:copyfrom return what the statement did, sync and async, as raw sqlite3 counts it.

sqlite3 steps a statement once on execute(); with RETURNING, the changes are only counted once
every returned row has been read, so a count read straight after execute() was 0 (and
:execlastid / :execresult, which trust that count, said no row was inserted)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import aiosqlite
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import generate, import_module, imported, make_project, run_cli

SCHEMA = {"0001_items.up.sql": """\
    CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        stock INTEGER NOT NULL DEFAULT 0
    );
    """}
QUERIES = {"items.sql": """\
    -- name: Restock :execrows
    UPDATE items SET stock = stock + 1 WHERE stock <= ? RETURNING id;

    -- name: Remove :execrows
    DELETE FROM items WHERE stock > ? RETURNING id, name;

    -- name: Add :execlastid
    INSERT OR IGNORE INTO items (name) VALUES (?) RETURNING id;

    -- name: AddResult :execresult
    INSERT OR IGNORE INTO items (name, stock) VALUES (?, ?) RETURNING *;

    -- name: Load :copyfrom
    INSERT OR IGNORE INTO items (name, stock) VALUES (?, ?) RETURNING id;
    """}

names = st.lists(st.text(min_size=1, max_size=6), max_size=6)
stocks = st.integers(-3, 3)


@pytest.fixture(scope="module")
def items(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, ModuleType]]:
    out = generate(tmp_path_factory.mktemp("returning"), SCHEMA, QUERIES, emit_async=True)
    with imported(out) as package:
        yield import_module(package, "queries.items"), import_module(package, "aio.items")


def _fresh(path: Path, rows: list[tuple[str, int]]) -> None:
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as conn:
        conn.executescript(SCHEMA["0001_items.up.sql"])
        conn.executemany("INSERT OR IGNORE INTO items (name, stock) VALUES (?, ?)", rows)


def _raw_changes(path: Path, sql: str, args: tuple[object, ...]) -> tuple[int, int | None]:
    """What the statement changes and the rowid it inserts, by raw sqlite3 (then rolled back)."""
    conn = sqlite3.connect(path)
    try:
        before = conn.total_changes
        returned = conn.execute(sql, args).fetchall()
        changed = conn.total_changes - before
        assert changed == len(returned)  # no triggers here: one returned row per change
        return changed, (returned[0][0] if changed and sql.startswith("INSERT") else None)
    finally:
        conn.rollback()
        conn.close()


def _calls(sync: ModuleType, name: str, limit: int) -> list[tuple[str, dict[str, object], tuple[object, ...], str]]:
    return [
        ("restock", {"stock": limit}, (limit,), sync.RESTOCK),
        ("remove", {"stock": limit}, (limit,), sync.REMOVE),
        ("add", {"name": name}, (name,), sync.ADD),
        ("add_result", {"name": name, "stock": limit}, (name, limit), sync.ADD_RESULT),
    ]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(existing=st.lists(st.tuples(st.text(min_size=1, max_size=6), stocks), max_size=6),
       name=st.text(min_size=1, max_size=6), limit=stocks, loaded=names)
def test_counts_of_returning_statements_match_sqlite(items: tuple[ModuleType, ModuleType], tmp_path: Path,
                                                     existing: list[tuple[str, int]], name: str, limit: int,
                                                     loaded: list[str]) -> None:
    sync, aio = items
    db = tmp_path / "app.db"
    for fn_name, kwargs, args, sql in _calls(sync, name, limit):
        _fresh(db, existing)
        changed, rowid = _raw_changes(db, sql, args)
        for flavour in ("sync", "async"):
            _fresh(db, existing)
            if flavour == "sync":
                with sqlite3.connect(db) as conn:
                    got = getattr(sync, fn_name)(conn, **kwargs)
            else:
                async def call() -> object:
                    async with aiosqlite.connect(db) as conn:
                        return await getattr(aio, fn_name)(conn, **kwargs)
                got = asyncio.run(call())
            expected = {"restock": changed, "remove": changed, "add": rowid,
                        "add_result": sync._runtime.ExecResult(changed, rowid)}[fn_name]
            assert got == expected, (fn_name, flavour)
    # :copyfrom counts the rows it inserted (OR IGNORE skips the names already there)
    rows = [sync.LoadParams(name=n, stock=1) for n in loaded]
    _fresh(db, existing)
    with sqlite3.connect(db) as conn:
        before = conn.total_changes
        assert sync.load(conn, rows=rows) == conn.total_changes - before
    _fresh(db, existing)

    async def load() -> tuple[int, int]:
        async with aiosqlite.connect(db) as conn:
            before = conn.total_changes
            count = await aio.load(conn, rows=rows)
            return count, conn.total_changes - before
    count, changes = asyncio.run(load())
    assert count == changes


# A WITHOUT ROWID table: its rows have no rowid, and sqlite3's lastrowid kept naming the row an
# earlier INSERT made, here in another table: :execresult said lastrowid=1 for a tag.
ROWLESS_SCHEMA = {"0001.up.sql": """\
    CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
    CREATE TABLE tags (name TEXT PRIMARY KEY, color TEXT) WITHOUT ROWID;
    """}
ROWLESS_QUERIES = {"q.sql": """\
    -- name: AddNote :execlastid
    INSERT INTO notes (body) VALUES (?);

    -- name: AddTag :execresult
    INSERT OR IGNORE INTO tags (name) VALUES (?);
    """}


def test_without_rowid_tables_report_no_rowid(tmp_path: Path) -> None:
    out = generate(tmp_path / "ok", ROWLESS_SCHEMA, ROWLESS_QUERIES, emit_async=True)
    with imported(out) as package:
        sync, aio = import_module(package, "queries.q"), import_module(package, "aio.q")
        with sqlite3.connect(":memory:") as conn:
            conn.executescript(ROWLESS_SCHEMA["0001.up.sql"])
            assert sync.add_note(conn, body="x") == 1
            assert sync.add_tag(conn, name="red") == sync._runtime.ExecResult(1, None)
            assert sync.add_tag(conn, name="red") == sync._runtime.ExecResult(0, None)

        async def run() -> object:
            async with aiosqlite.connect(":memory:") as conn:
                await conn.executescript(ROWLESS_SCHEMA["0001.up.sql"])
                await aio.add_note(conn, body="x")
                return await aio.add_tag(conn, name="blue")
        assert asyncio.run(run()) == sync._runtime.ExecResult(1, None)
    refused = tmp_path / "refused"
    make_project(refused, ROWLESS_SCHEMA, {"q.sql": "-- name: AddTag :execlastid\nINSERT INTO tags (name) VALUES (?);\n"})
    result = run_cli(refused)
    assert result.code == 1 and len(result.errors) == 1, result.stderr
    assert result.errors[0].startswith("queries/q.sql:2:1: error: query AddTag: :execlastid needs a rowid, "
                                       "and a WITHOUT ROWID table has none")
