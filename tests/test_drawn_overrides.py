"""Drawn type overrides through the emitted code, on a real SQLite file and a real PostgreSQL server.

Each example draws a table whose columns carry configured Python types (tests/drawn_overrides.py:
stdlib types, JSON shapes, Literals, the project's own enums, NewTypes, a pydantic model, a class
with its own core schema; NOT NULL or nullable, `nullable = false`, an sql_type override the column
override must win over), generates its package (model or tuple rows, sync and async) and sends
drawn rows through every position a value takes: INSERT ... RETURNING, :copyfrom, :batchexec,
UPDATE SET (and its RETURNING), `=`, IN (sqlc.slice), sqlc.narg, sqlc.optional, SELECT through a
view, an embedded row and the optional side of a LEFT JOIN. The oracle: the database holds what
was sent (read back raw with the driver: str() of a path, an enum member's value, a UUID's bytes
in a BLOB, a model's JSON), and every value returned is an instance of the override's type and
equal to the value sent. tests/test_drawn_overrides_regressions.py holds the bugs it found.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sqlite3
import sys
import typing
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import generate, import_module, imported
from drawn_overrides import USER_MODULE, USER_MODULE_NAME, Design, designs, equal, instance_of, row_values

EXAMPLES = int(__import__("os").environ.get("OVERRIDES_EXAMPLES", "20"))
_PACKAGES = itertools.count()
FIGURES: Counter[str] = Counter()


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder holding the user's module (its types are what the overrides name) and every drawn
    package; on sys.path while the module's tests run."""
    folder = tmp_path_factory.mktemp("drawn_overrides")
    (folder / f"{USER_MODULE_NAME}.py").write_text(USER_MODULE, encoding="utf-8")
    sys.path.insert(0, str(folder))
    yield folder
    sys.path.remove(str(folder))
    sys.modules.pop(USER_MODULE_NAME, None)
    print("\ndrawn overrides: " + "; ".join(f"{k} {v}" for k, v in sorted(FIGURES.items())))


def package_of(root: Path, design: Design) -> Iterator[tuple[ModuleType, ModuleType, ModuleType]]:
    """(queries.q, aio.q, models) of the design's generated package, imported while it lasts."""
    name = f"ov_{design.engine}_{next(_PACKAGES)}"
    project = root / name
    generated = generate(project, {"1.sql": design.schema()}, {"q.sql": design.queries()}, out=name,
                         engine=design.engine, emit_async=True, extra=f'rows = "{design.rows}"\n' + design.overrides())
    sys.path.insert(0, str(project))
    try:
        with imported(generated) as package:
            yield import_module(package, "queries.q"), import_module(package, "aio.q"), import_module(package, "models")
    finally:
        sys.path.remove(str(project))


class Raw:
    """The database as the driver returns it, apart from the generated code."""

    def __init__(self, design: Design, conn: Any) -> None:
        self.design, self.conn = design, conn

    def column(self, name: str, row_id: int) -> Any:
        mark = "?" if self.design.engine == "sqlite" else "%s"
        return self.conn.execute(f"SELECT {name} FROM items WHERE id = {mark}", (row_id,)).fetchone()[0]

    def check(self, row_id: int, values: dict[str, Any], where: str) -> None:
        for c in self.design.columns:
            raw = self.column(c.name, row_id)
            sent = values[c.name]
            if sent is None:
                assert raw is None, f"{where}: {c.name} sent None, the database holds {raw!r}"
                continue
            if c.kind.json and isinstance(raw, str):
                raw = json.loads(raw)
            if isinstance(raw, memoryview):
                raw = bytes(raw)
            expected = c.kind.stored(self.design.engine, sent)
            assert raw == expected and type(raw) is type(expected), \
                f"{where}: {c.name} ({c.kind.python_type}) sent {sent!r}, the database holds {raw!r}, not {expected!r}"


def returned(design: Design, row: Any, values: dict[str, Any], where: str, prefix: str = "") -> None:
    for c in design.columns:
        got, sent = getattr(row, prefix + c.name), values[c.name]
        assert equal(sent, got), f"{where}: {c.name} ({c.kind.python_type}) sent {sent!r}, returned {got!r}"
        assert got is None or instance_of(got, c.kind), f"{where}: {c.name} returned {got!r}, not a {c.kind.python_type}"


def annotations_follow_overrides(design: Design, models: ModuleType) -> None:
    """The table's model says each column's configured type (a column override beats an sql_type
    one), `| None` exactly where the column may hold NULL as the override declares it."""
    fields = typing.get_type_hints(models.Item)
    for c in design.columns:
        hint = fields[c.name]
        text = str(hint)
        assert c.kind.python_type.split("[")[0].rsplit(".", 1)[-1] in text, f"{c.name}: {text}"
        assert (type(None) in typing.get_args(hint)) == c.takes_null, f"{c.name}: {text} (takes NULL: {c.takes_null})"


def exercise(design: Design, q: ModuleType, aio: ModuleType, models: ModuleType, conn: Any, aconn: Any, raw: Raw,
             rows: list[dict[str, Any]]) -> None:
    annotations_follow_overrides(design, models)
    first = q.insert_item(conn, **rows[0])
    returned(design, first, rows[0], "INSERT ... RETURNING")
    raw.check(first.id, rows[0], "INSERT")
    ids = [first.id]
    if len(rows) > 1:
        params = [q.CopyItemsParams(**r) for r in rows[1:]]
        assert q.copy_items(conn, params) == len(params)
        q.batch_items(conn, [q.BatchItemsParams(**r) for r in rows[1:]])
        back = q.batch_returning(conn, [q.BatchReturningParams(**r) for r in rows[1:]])
        for row, values in zip(back, rows[1:]):
            returned(design, row, values, ":batchone RETURNING")
        stored = [r[0] for r in raw.conn.execute("SELECT id FROM items ORDER BY id").fetchall()][1:]
        assert len(stored) == 3 * len(params)
        for found, values in zip(q.batch_read(conn, [q.BatchReadParams(id=i) for i in stored]), rows[1:] * 3):
            returned(design, found[0], values, ":batchmany")
        for row_id, values in zip(stored, rows[1:] * 3):  # copy's rows, then each batch's
            raw.check(row_id, values, "copyfrom/batchexec")
            returned(design, q.get_item(conn, id=row_id), values, "SELECT after copyfrom/batchexec")
        ids += stored
    returned(design, q.get_item(conn, id=first.id), rows[0], "SELECT *")
    returned(design, q.get_view_item(conn, id=first.id), rows[0], "SELECT through a view")
    pair = q.pair_items(conn, id=first.id, step=0)
    assert len(pair) == 1
    returned(design, pair[0].items, rows[0], "sqlc.embed")
    returned(design, pair[0], rows[0], "LEFT JOIN, matched", prefix="b_")
    unmatched = q.pair_items(conn, id=first.id, step=10**9)[0]
    returned(design, unmatched, {c.name: None for c in design.columns}, "LEFT JOIN, unmatched", prefix="b_")
    for c in design.columns:
        n, value = c.name, rows[0][c.name]
        index = n.split("_")[0][1:]
        fn = lambda verb: getattr(q, f"{verb}_col{index}")  # noqa: E731
        if c.kind.sliceable and value is not None:
            same = [i for i, r in zip(ids, [rows[0]] + rows[1:] * 3) if equal(r[n], value)]
            by = fn("by")(conn, value=value)
            assert [r.id for r in by] == same, f"{n} = {value!r}: {by}"
            for r in by:
                assert equal(value, getattr(r, n)) and instance_of(getattr(r, n), c.kind)
            assert fn("in")(conn, vals=[value]) == same, f"{n} IN ({value!r})"
            assert fn("narg")(conn, value=value, id=first.id) == [first.id], f"{n} = sqlc.narg({value!r})"
            assert fn("opt")(conn, value=value, id=first.id) == [first.id], f"{n} = sqlc.optional({value!r})"
        if c.kind.sliceable:
            assert fn("narg")(conn, value=None, id=first.id) == [first.id]
            assert fn("opt")(conn, value=None, id=first.id) == [first.id]
        # UPDATE SET another row's value, then back
        other = rows[-1][n]
        swapped = fn("swap")(conn, value=other, id=first.id)
        assert equal(other, swapped), f"UPDATE {n} RETURNING: sent {other!r}, returned {swapped!r}"
        raw.check(first.id, {**rows[0], n: other}, f"UPDATE SET {n}")
        assert fn("set")(conn, value=value, id=first.id) == 1
        raw.check(first.id, rows[0], f"UPDATE SET {n} back")
    # async: the aio twin writes and reads the same way
    async def through_aio() -> Any:
        connection = await aconn()
        try:
            row = await aio.insert_item(connection, **rows[0])
            again = await aio.get_item(connection, id=row.id)
            await connection.commit()
            return row, again
        finally:
            await connection.close()
    row, again = asyncio.run(through_aio())
    returned(design, row, rows[0], "async INSERT ... RETURNING")
    returned(design, again, rows[0], "async SELECT")
    raw.check(row.id, rows[0], "async INSERT")
    FIGURES[f"{design.engine} examples"] += 1
    FIGURES[f"{design.engine} values"] += len(rows) * len(design.columns)


def run(root: Path, design: Design, rows: list[dict[str, Any]], connect: Any, aconnect: Any) -> None:
    for q, aio, models in package_of(root, design):
        conn, raw = connect(design)
        try:
            exercise(design, q, aio, models, conn, aconnect, raw, rows)
        finally:
            conn.close()
            raw.conn.close()


SLOW = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


@SLOW
@given(data=st.data())
def test_overrides_sqlite(root: Path, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    import aiosqlite

    design = data.draw(designs("sqlite"), label="design")
    rows = data.draw(st.lists(row_values(design), min_size=1, max_size=3), label="rows")
    path = tmp_path_factory.mktemp("db") / "ov.db"

    def connect(design: Design) -> tuple[sqlite3.Connection, Raw]:
        setup = sqlite3.connect(path)
        setup.executescript(design.schema())
        setup.close()
        return sqlite3.connect(path, isolation_level=None), Raw(design, sqlite3.connect(path, isolation_level=None))

    run(root, design, rows, connect, lambda: aiosqlite.connect(path))


@SLOW
@given(data=st.data())
def test_postgres_overrides(root: Path, postgres_url: str, data: st.DataObject) -> None:
    import psycopg

    design = data.draw(designs("postgresql"), label="design")
    rows = data.draw(st.lists(row_values(design), min_size=1, max_size=3), label="rows")

    def connect(design: Design) -> tuple[Any, Raw]:
        with psycopg.connect(postgres_url, autocommit=True) as setup:
            setup.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            setup.execute(design.schema().encode())
        return psycopg.connect(postgres_url, autocommit=True), Raw(design, psycopg.connect(postgres_url, autocommit=True))

    run(root, design, rows, connect, lambda: psycopg.AsyncConnection.connect(postgres_url))


def test_every_override_kind_passes_mypy_strict(root: Path) -> None:
    """A package per engine whose table has a column of every kind (nullable and, for the second
    row style, NOT NULL), sync and async, passes `mypy --strict` with the user's module."""
    import subprocess

    from drawn_overrides import KINDS, Column

    targets = []
    for engine, rows in (("sqlite", "model"), ("postgresql", "tuple")):
        columns = tuple(Column(f"c{i}_{k.name}", k, rows == "tuple", None)
                        for i, k in enumerate(k for k in KINDS if engine in k.sql))
        design = Design(engine, columns, rows, True)
        name = f"ov_mypy_{engine}"
        generate(root / name, {"1.sql": design.schema()}, {"q.sql": design.queries()}, out=name, engine=engine,
                 emit_async=True, extra=f'rows = "{rows}"\n' + design.overrides())
        targets.append(str(Path(name) / name))
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--python-version", "3.11",
                             "--cache-dir", str(root / ".mypy_cache"), *targets],
                            cwd=root, capture_output=True, text=True, timeout=600,
                            env={**__import__("os").environ, "MYPYPATH": str(root)})
    assert result.returncode == 0, result.stdout + result.stderr
