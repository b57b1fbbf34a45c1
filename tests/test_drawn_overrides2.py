"""Drawn type overrides through every position a column's value takes, on a real SQLite file and a
real PostgreSQL server, sync and async, model and tuple rows (tests/drawn_overrides2.py says what
is drawn). Each example generates a package for a drawn table, fills it through `:copyfrom` and
`INSERT ... RETURNING`, and calls every query of every column with drawn arguments. The oracle:
a Python model of the table (what every call returns: equal values *of the override's type*),
and the database read raw through the driver (what it holds: an enum member's value, never its
name). Membership (IN, ANY, ALL, `=`) is decided as the database compares: by the stored form.
tests/test_drawn_overrides2_regressions.py pins the bugs it found.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sqlite3
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from _support import generate, import_module, imported
from drawn_overrides2 import USER_MODULE, USER_MODULE_NAME, Column, Design, designs, row_values, same, value_of

EXAMPLES = int(os.environ.get("OVERRIDES2_EXAMPLES", "4"))
_PACKAGES = itertools.count()
FIGURES: Counter[str] = Counter()


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("drawn_overrides2")
    (folder / f"{USER_MODULE_NAME}.py").write_text(USER_MODULE, encoding="utf-8")
    sys.path.insert(0, str(folder))
    yield folder
    sys.path.remove(str(folder))
    sys.modules.pop(USER_MODULE_NAME, None)
    print("\ndrawn overrides2: " + "; ".join(f"{k} {v}" for k, v in sorted(FIGURES.items())))


def package_of(root: Path, design: Design) -> Iterator[tuple[ModuleType, ModuleType]]:
    name = f"ov2_{design.engine}_{next(_PACKAGES)}"
    generated = generate(root / name, {"1.sql": design.schema()}, {"q.sql": design.queries()}, out=name,
                         engine=design.engine, emit_async=True, extra=f'rows = "{design.rows}"\n' + design.overrides())
    with imported(generated) as package:
        yield import_module(package, "queries.q"), import_module(package, "aio.q")


class Check:
    """One example: the generated modules, the connection they use, a raw one beside it, and the
    table's model (id -> the values sent)."""

    def __init__(self, design: Design, q: ModuleType, conn: Any, raw: Any, data: st.DataObject) -> None:
        self.design, self.q, self.conn, self.raw, self.data = design, q, conn, raw, data
        self.table: dict[int, dict[str, Any]] = {}

    def mark(self) -> str:
        return "%s" if self.design.pg else "?"

    def stored(self, column: Column, value: Any) -> Any:
        return None if value is None else column.kind.stored(self.design.engine, value)

    def raw_value(self, table: str, column: Column, row_id: int) -> Any:
        raw = self.raw.execute(f"SELECT {column.name} FROM {table} WHERE id = {self.mark()}", (row_id,)).fetchone()[0]
        return json.loads(raw) if column.kind.json and isinstance(raw, str) else raw

    def holds(self, table: str, row_id: int, column: Column, value: Any, where: str) -> None:
        raw, expected = self.raw_value(table, column, row_id), self.stored(column, value)
        assert raw == expected and type(raw) is type(expected), \
            f"{where}: {table}.{column.name} sent {value!r}, the database holds {raw!r}, not {expected!r}"
        FIGURES["values checked raw"] += 1

    def returned(self, got: Any, expected: Any, where: str) -> None:
        assert same(expected, got), f"{where}: expected {expected!r}, returned {got!r}"
        FIGURES["values returned"] += 1

    def draw(self, strategy: st.SearchStrategy[Any], label: str) -> Any:
        return self.data.draw(strategy, label=label)

    def fn(self, verb: str, column: Column) -> Any:
        return getattr(self.q, f"{verb}_{column.name}")

    def ids(self) -> list[int]:
        return sorted(self.table)

    def matching(self, column: Column, values: list[Any]) -> list[int]:
        """The rows whose value the database finds among values (compared as stored)."""
        wanted = [self.stored(column, v) for v in values]
        return [i for i in self.ids() if self.table[i][column.name] is not None
                and self.stored(column, self.table[i][column.name]) in wanted]

    def some_values(self, column: Column) -> st.SearchStrategy[Any]:
        present = [r[column.name] for r in self.table.values() if r[column.name] is not None]
        return st.sampled_from(present) | value_of(column) if present else value_of(column)

    # -- the positions ---------------------------------------------------------------------------
    def fill(self, rows: list[dict[str, Any]]) -> None:
        first = self.q.insert_item(self.conn, **rows[0])
        for c in self.design.columns:
            self.returned(getattr(first, c.name), rows[0][c.name], f"INSERT ... RETURNING {c.name}")
        assert self.q.copy_items(self.conn, [self.q.CopyItemsParams(**r) for r in rows[1:]]) == len(rows) - 1
        everything = self.q.all_items(self.conn)
        assert [r.id for r in everything][0] == first.id and len(everything) == len(rows)
        for row, values in zip(everything, rows):
            self.table[row.id] = dict(values)
            for c in self.design.columns:
                self.returned(getattr(row, c.name), values[c.name], f":copyfrom, read back {c.name}")
                self.holds("items", row.id, c, values[c.name], ":copyfrom / INSERT")
        if self.design.pg:
            self.bulk(rows)
        row_id = self.draw(st.sampled_from(self.ids()), "archived")
        assert self.q.archive(self.conn, id=row_id) == 1
        copied = self.q.archived(self.conn, id=row_id)
        for c in self.design.columns:
            self.returned(getattr(copied, c.name), self.table[row_id][c.name], f"INSERT ... SELECT row, {c.name}")
            self.holds("archive", row_id, c, self.table[row_id][c.name], "INSERT ... SELECT row")

    def bulk(self, rows: list[dict[str, Any]]) -> None:
        """INSERT ... SELECT * FROM unnest(@a::T[], ...) and SELECT unnest(@a::T[]), ...: each
        column's list of the configured type, sent as the column's values."""
        flat = [c for c in self.design.columns if not c.kind.array]
        for verb, start in (("bulk_archive", 2 * 10**6), ("bulk_archive_listed", 3 * 10**6)):
            ids = list(range(start, start + len(rows)))
            lists = {c.name: [r[c.name] for r in rows] for c in flat}
            assert getattr(self.q, verb)(self.conn, ids=ids, **lists) == len(rows)
            for row_id, values in zip(ids, rows):
                copied = self.q.archived(self.conn, id=row_id)
                for c in flat:
                    self.returned(getattr(copied, c.name), values[c.name], f"{verb} of {c.name}, read back")
                    self.holds("archive", row_id, c, values[c.name], f"{verb} (unnest of arrays)")

    def column(self, c: Column, offset: int) -> None:
        n, ids = c.name, self.ids()
        fallback = self.draw(value_of(c), f"{n} COALESCE fallback")
        got = self.fn("coalesce", c)(self.conn, fallback=fallback)
        self.returned(got, [fallback if self.table[i][n] is None else self.table[i][n] for i in ids], f"COALESCE({n}, @x)")
        pick = self.draw(st.sampled_from(ids), f"{n} CASE pick")
        self.returned(self.fn("case", c)(self.conn, pick=pick),
                      [self.table[i][n] if i == pick else None for i in ids], f"CASE WHEN ... THEN {n}")
        a, b = self.draw(st.sampled_from(ids), f"{n} UNION a"), self.draw(st.sampled_from(ids), f"{n} UNION b")
        self.returned(self.fn("union", c)(self.conn, a=a, b=b), [self.table[a][n], self.table[b][n]], f"UNION ALL {n}")
        self.returned(self.fn("derived", c)(self.conn, id=a), self.table[a][n], f"derived table over a view, {n}")
        value = self.draw(value_of(c), f"{n} INSERT ... SELECT @v")
        self.returned(self.fn("put", c)(self.conn, id=offset, v=value), value, f"INSERT ... SELECT @v RETURNING {n}")
        self.holds("archive", offset, c, value, f"INSERT ... SELECT @v, {n}")
        if c.literal is not None:
            pick = self.draw(st.sampled_from(ids), f"{n} literal pick")
            got = [(r.v, r.w) for r in self.fn("literal", c)(self.conn, pick=pick)]
            self.returned([v for v, _ in got], [c.literal if self.table[i][n] is None else self.table[i][n] for i in ids],
                          f"COALESCE({n}, literal)")
            self.returned([w for _, w in got], [c.literal if i == pick else self.table[i][n] for i in ids],
                          f"CASE ... THEN literal ELSE {n}")
            self.returned(self.fn("union_literal", c)(self.conn, id=a), [self.table[a][n], c.literal],
                          f"UNION ALL SELECT literal, {n}")
        if c.kind.array:
            item = self.draw(value_of(c).filter(bool).map(lambda items: items[0]), f"{n} item")
            self.returned(self.fn("has", c)(self.conn, v=item),
                          [i for i in ids if self.table[i][n] is not None and item in self.table[i][n]], f"@v = ANY({n})")
            self.returned(self.fn("each", c)(self.conn, id=a), self.table[a][n] or [], f"unnest({n})")
        if c.kind.comparable:
            self.membership(c)
            v = self.draw(self.some_values(c), f"{n} NULLIF value")
            self.returned(self.fn("nullif", c)(self.conn, v=v),
                          [None if self.matching(c, [v]).count(i) else self.table[i][n] for i in ids], f"NULLIF({n}, @v)")
            self.returned(self.fn("scalar", c)(self.conn, id=a), self.table[a][n], f"scalar subquery of {n}")
            x, y = self.draw(self.some_values(c), f"{n} IN a"), self.draw(self.some_values(c), f"{n} IN b")
            self.returned(self.fn("pick", c)(self.conn, a=x, b=y), self.matching(c, [x, y]), f"{n} IN (@a, @b)")
        if self.design.pg and not c.kind.array:
            column = [self.table[i][n] for i in ids]
            self.returned(self.fn("agg", c)(self.conn), column, f"array_agg({n})")
            self.returned(self.fn("unnest", c)(self.conn), column, f"unnest(array_agg({n}))")
            self.returned(self.fn("pair", c)(self.conn, id=a), [self.table[a][n]] * 2, f"ARRAY[{n}, {n}]")
        # UPDATE ... SET @v RETURNING, in a batch: the model follows
        changes = self.draw(st.lists(st.tuples(st.sampled_from(ids), value_of(c)), min_size=1, max_size=3), f"{n} SET")
        back = self.fn("set", c)(self.conn, [getattr(self.q, f"Set{n.title().replace('_', '')}Params")(v=v, id=i)
                                             for i, v in changes])
        for (i, v), got in zip(changes, back):
            self.returned(got, v, f"UPDATE SET {n} = @v RETURNING (:batchone)")
            self.table[i][n] = v
        for i in {i for i, _ in changes}:
            self.holds("items", i, c, self.table[i][n], f"UPDATE SET {n}")

    def membership(self, c: Column) -> None:
        n = c.name
        vals = self.draw(st.lists(self.some_values(c), max_size=3), f"{n} list")
        expected = self.matching(c, vals)
        self.returned(self.fn("in", c)(self.conn, vals=vals), expected, f"{n} IN (sqlc.slice)")
        v = self.draw(self.some_values(c), f"{n} CTE value")
        found = self.fn("cte", c)(self.conn, v=v)
        self.returned([r.id for r in found], self.matching(c, [v]), f"CTE {n} = @v")
        for r in found:
            self.returned(getattr(r, n), self.table[r.id][n], f"CTE {n} read")
        if self.design.pg:
            self.returned(self.fn("any", c)(self.conn, vals=vals), expected, f"{n} = ANY(sqlc.arg)")
            self.returned(self.fn("any_cast", c)(self.conn, vals=vals), expected, f"{n} = ANY(@vals::T[])")
            stored = [self.stored(c, x) for x in vals]
            others = [i for i in self.ids() if not vals or (self.table[i][n] is not None
                                                            and self.stored(c, self.table[i][n]) not in stored)]
            self.returned(self.fn("not_all", c)(self.conn, vals=vals), others, f"{n} <> ALL(sqlc.arg)")
            lists = self.draw(st.lists(st.lists(self.some_values(c), max_size=2), min_size=1, max_size=2), f"{n} batch")
            params = getattr(self.q, f"BatchAny{n.title().replace('_', '')}Params")
            self.returned(self.fn("batch_any", c)(self.conn, [params(vals=v) for v in lists]),
                          [self.matching(c, v) for v in lists], f"{n} = ANY(sqlc.arg) in :batchmany")

    async def through_aio(self, aio: ModuleType, aconn: Any) -> None:
        """The async twins send and read the same: COALESCE, IN and (PostgreSQL) ANY and array_agg."""
        ids = self.ids()
        for c in self.design.columns:
            n = c.name
            fallback = self.draw(value_of(c), f"{n} async fallback")
            self.returned(await getattr(aio, f"coalesce_{n}")(aconn, fallback=fallback),
                          [fallback if self.table[i][n] is None else self.table[i][n] for i in ids], f"async COALESCE {n}")
            if c.kind.comparable:
                vals = self.draw(st.lists(self.some_values(c), max_size=3), f"{n} async list")
                self.returned(await getattr(aio, f"in_{n}")(aconn, vals=vals), self.matching(c, vals), f"async IN {n}")
                if self.design.pg:
                    self.returned(await getattr(aio, f"any_{n}")(aconn, vals=vals), self.matching(c, vals),
                                  f"async ANY {n}")
            if self.design.pg and not c.kind.array:
                self.returned(await getattr(aio, f"agg_{n}")(aconn), [self.table[i][n] for i in ids], f"async agg {n}")


def exercise(check: Check, rows: list[dict[str, Any]], aio: ModuleType, aconnect: Any) -> None:
    check.fill(rows)
    for offset, c in enumerate(check.design.columns, start=10**6):
        check.column(c, offset)

    async def run_async() -> None:
        aconn = await aconnect()
        try:
            await check.through_aio(aio, aconn)
        finally:
            await aconn.close()

    asyncio.run(run_async())
    FIGURES[f"{check.design.engine} examples"] += 1
    FIGURES[f"{check.design.engine} columns"] += len(check.design.columns)


# OVERRIDES2_SHRINK=0 reports the first failing example as drawn (shrinking one takes minutes)
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                    phases=tuple(Phase) if os.environ.get("OVERRIDES2_SHRINK", "1") == "1" else
                    (Phase.explicit, Phase.reuse, Phase.generate))


@SETTINGS
@given(data=st.data())
def test_overrides_in_every_position_sqlite(root: Path, tmp_path_factory: pytest.TempPathFactory,
                                            data: st.DataObject) -> None:
    import aiosqlite

    design = data.draw(designs("sqlite"), label="design")
    rows = data.draw(st.lists(row_values(design), min_size=1, max_size=4), label="rows")
    path = tmp_path_factory.mktemp("db") / "ov2.db"
    setup = sqlite3.connect(path)
    setup.executescript(design.schema())
    setup.close()
    for q, aio in package_of(root, design):
        conn, raw = sqlite3.connect(path, isolation_level=None), sqlite3.connect(path, isolation_level=None)
        try:
            exercise(Check(design, q, conn, raw, data), rows, aio, lambda: aiosqlite.connect(path))
        finally:
            conn.close()
            raw.close()


@SETTINGS
@given(data=st.data())
def test_postgres_overrides_in_every_position(root: Path, postgres_url: str, data: st.DataObject) -> None:
    import psycopg

    design = data.draw(designs("postgresql"), label="design")
    rows = data.draw(st.lists(row_values(design), min_size=1, max_size=4), label="rows")
    with psycopg.connect(postgres_url, autocommit=True) as setup:
        setup.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        setup.execute(design.schema().encode())
    for q, aio in package_of(root, design):
        with psycopg.connect(postgres_url, autocommit=True) as conn, \
                psycopg.connect(postgres_url, autocommit=True) as raw:
            exercise(Check(design, q, conn, raw, data), rows, aio,
                     lambda: psycopg.AsyncConnection.connect(postgres_url, autocommit=True))
