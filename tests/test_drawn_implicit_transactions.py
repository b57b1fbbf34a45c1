"""A generated write behind a WITH joins sqlite3's implicit transaction, as a plain write does.

sqlite3's default transaction mode (isolation_level "", DEFERRED, IMMEDIATE or EXCLUSIVE) opens a
transaction before a statement whose first word is INSERT, UPDATE, DELETE or REPLACE, and before no
other: a `WITH ... UPDATE` ran in autocommit. So in `with conn:` (sqlite3's own idiom) a generated
function whose SQL has a CTE in front committed its change at once, and the rollback an exception
brings left it in place, beside plain writes that were undone. The generated function now opens the
transaction itself (`_runtime.begin_implicit`) where sqlite3 would not.

Drawn: a sequence of generated calls (plain and WITH-fronted INSERT, UPDATE and DELETE, under
:exec, :execrows, :one RETURNING and :batchexec), sync in `with conn:` or async through aiosqlite
with commit() or rollback(), in each transaction mode, with and without a transaction already
open, ending in success or an exception. The oracle is the connection itself and a second one on
the file: a block that fails leaves the table as it was before the block (in autocommit, as the
calls left it), one that succeeds leaves it as the calls saw it last, and another connection sees
the same once the block is over.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import aiosqlite
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import generate, import_module, imported

SCHEMA = "CREATE TABLE items (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);\n"
QUERIES = """\
-- name: AddPlain :exec
INSERT INTO items (n) VALUES (@n);

-- name: AddWith :one
WITH v(x) AS (VALUES (@n)) INSERT INTO items (n) SELECT x FROM v RETURNING id;

-- name: BumpWith :execrows
WITH picked AS (SELECT id FROM items WHERE n < @below) UPDATE items SET n = n + 1 WHERE id IN (SELECT id FROM picked);

-- name: BumpPlain :exec
UPDATE items SET n = n + 10 WHERE n < @below;

-- name: DropWith :exec
WITH picked AS (SELECT id FROM items WHERE n > @above) DELETE FROM items WHERE id IN (SELECT id FROM picked);

-- name: SetEachWith :batchexec
WITH v(x) AS (VALUES (@n)) UPDATE items SET n = (SELECT x FROM v) WHERE id = @id;

-- name: ListItems :many
SELECT id, n FROM items ORDER BY id;
"""
CALLS = {
    "add_plain": st.fixed_dictionaries({"n": st.integers(0, 9)}),
    "add_with": st.fixed_dictionaries({"n": st.integers(0, 9)}),
    "bump_with": st.fixed_dictionaries({"below": st.integers(0, 12)}),
    "bump_plain": st.fixed_dictionaries({"below": st.integers(0, 12)}),
    "drop_with": st.fixed_dictionaries({"above": st.integers(5, 20)}),
    "set_each_with": st.fixed_dictionaries({"items": st.lists(st.tuples(st.integers(0, 9), st.integers(1, 6)),
                                                              max_size=3)}),
}
CALL = st.sampled_from(sorted(CALLS)).flatmap(lambda name: st.tuples(st.just(name), CALLS[name]))
MODES = st.sampled_from(["", "DEFERRED", "IMMEDIATE", "EXCLUSIVE", None])  # None: autocommit
SETTINGS = settings(max_examples=40, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


class Failed(Exception):
    """The exception the drawn block ends with, when it fails."""


@pytest.fixture(scope="module")
def queries() -> Iterator[tuple[ModuleType, ModuleType]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = generate(Path(tmp), {"1.sql": SCHEMA}, {"q.sql": QUERIES}, out="implicit_tx", emit_async=True)
        with imported(out) as package:
            yield import_module(package, "queries.q"), import_module(package, "aio.q")


def _arguments(name: str, drawn: dict[str, Any], q: ModuleType) -> dict[str, Any]:
    if name != "set_each_with":
        return drawn
    params = q.SetEachWithParams
    return {"params": [params(n=n, id=i) for n, i in drawn["items"]]}


def _rows(path: Path) -> list[tuple[int, int]]:
    with sqlite3.connect(path) as other:  # another connection: what the file holds
        return other.execute("SELECT id, n FROM items ORDER BY id").fetchall()


@SETTINGS
@given(calls=st.lists(CALL, min_size=1, max_size=5), mode=MODES, fails=st.booleans(), opened=st.booleans(),
       seed=st.lists(st.integers(0, 9), max_size=3))
def test_sync_a_failed_block_undoes_every_write_and_a_finished_one_keeps_them(
        queries: tuple[ModuleType, ModuleType], tmp_path_factory: pytest.TempPathFactory,
        calls: list[tuple[str, dict[str, Any]]], mode: str | None, fails: bool, opened: bool,
        seed: list[int]) -> None:
    q, _ = queries
    path = tmp_path_factory.mktemp("implicit") / "db.sqlite"
    with sqlite3.connect(path) as setup:
        setup.executescript(SCHEMA)
        setup.executemany("INSERT INTO items (n) VALUES (?)", [(n,) for n in seed])
    before = _rows(path)
    conn = sqlite3.connect(path, isolation_level=mode)
    try:
        if opened and mode is not None:
            conn.execute("BEGIN")  # a transaction of the application's own: the calls join it
        seen: list[Any] = []
        try:
            with conn:
                for name, drawn in calls:
                    getattr(q, name)(conn, **_arguments(name, drawn, q))
                seen = [(r.id, r.n) for r in q.list_items(conn)]
                if fails:
                    raise Failed
        except Failed:
            pass
        assert not conn.in_transaction
        expected = before if fails and mode is not None else seen
        assert [(r.id, r.n) for r in q.list_items(conn)] == expected
        assert _rows(path) == expected
    finally:
        conn.close()


@SETTINGS
@given(calls=st.lists(CALL, min_size=1, max_size=5), mode=MODES, fails=st.booleans(),
       seed=st.lists(st.integers(0, 9), max_size=3))
def test_async_rollback_undoes_every_write_and_commit_keeps_them(
        queries: tuple[ModuleType, ModuleType], tmp_path_factory: pytest.TempPathFactory,
        calls: list[tuple[str, dict[str, Any]]], mode: str | None, fails: bool, seed: list[int]) -> None:
    q, aq = queries
    path = tmp_path_factory.mktemp("implicit_aio") / "db.sqlite"
    with sqlite3.connect(path) as setup:
        setup.executescript(SCHEMA)
        setup.executemany("INSERT INTO items (n) VALUES (?)", [(n,) for n in seed])
    before = _rows(path)

    async def block() -> list[Any]:
        async with aiosqlite.connect(path, isolation_level=mode) as conn:
            for name, drawn in calls:
                await getattr(aq, name)(conn, **_arguments(name, drawn, q))
            seen = [(r.id, r.n) for r in await aq.list_items(conn)]
            await (conn.rollback() if fails else conn.commit())
            assert not conn.in_transaction
            return seen

    seen = asyncio.run(block())
    assert _rows(path) == (before if fails and mode is not None else seen)
