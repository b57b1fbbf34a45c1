"""Oracle 2 of tests/test_drawn_evolution*.py: the package generated for a migrated schema, called
on the database the migrations built.

Per table: `SELECT *` (:many), `INSERT ... RETURNING *` of every column it can write (:one),
`UPDATE ... SET c = ? WHERE k = ?` and `DELETE ... WHERE k = ?` (:execrows); per view, `SELECT *`.
Rows are drawn per column from codegen's own value type, as values both databases keep exactly
(quarter floats, decimals SQLite holds as doubles, naive UTC datetimes where the column is
naive), so what comes back must be what went in. Checked: every value a function returns fits its
annotation (tests/harness/harness_typecheck.py); the row INSERT ... RETURNING * gives holds the
values sent, column by column in the database's order; SELECT * reads every stored row, and
each inserted row equals what RETURNING gave; a column the database lets be NULL, set NULL by
raw SQL, still reads; UPDATE and DELETE count the rows raw SQL counts.
"""

from __future__ import annotations

import datetime
import decimal
import inspect
import sys
import typing
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from hypothesis import strategies as st

from codegen import ir
from codegen.python.naming import snake
from tests.drawn_evolution_db import DbRelation, DbSchema

sys.path.insert(0, str(Path(__file__).parent / "harness"))
from harness_typecheck import mismatches  # noqa: E402  (tests/harness is no package)

_LETTERS = st.text("abcxyz", min_size=0, max_size=6)
_UTC = datetime.timezone.utc


def _scalar(t: ir.ValueType) -> st.SearchStrategy[Any]:
    if t.literals:
        return st.sampled_from(t.literals)
    base = t.base
    if base == ir.INT:
        return st.integers(-300, 300)
    if base == ir.FLOAT:
        return st.integers(-400, 400).map(lambda k: k / 4)
    if base == ir.DECIMAL:  # SQLite keeps a Decimal as the double that holds it exactly
        return st.integers(-400, 400).map(lambda k: decimal.Decimal(k) / 4)
    if base == ir.STR:
        return _LETTERS
    if base == ir.BYTES:
        return st.binary(max_size=4)
    if base == ir.BOOL:
        return st.booleans()
    if base == ir.DATE:
        return st.dates(datetime.date(2000, 1, 1), datetime.date(2030, 1, 1))
    if base in (ir.DATETIME, ir.DATETIME_TZ):
        moments = st.datetimes(datetime.datetime(2000, 1, 1), datetime.datetime(2030, 1, 1))
        return moments.map(lambda d: d.replace(tzinfo=_UTC)) if base == ir.DATETIME_TZ else moments
    if base == ir.TIME:
        return st.times()
    if base == ir.TIME_TZ:
        return st.times().map(lambda t: t.replace(tzinfo=_UTC))
    if base == ir.UUID:
        return st.uuids()
    if base in (ir.JSON, ir.JSON_TEXT):
        return st.one_of(st.integers(-5, 5), _LETTERS, st.dictionaries(_LETTERS, st.integers(0, 3), max_size=2))
    return st.one_of(st.integers(-5, 5), _LETTERS)  # typing.Any: what a caller would store


def values(column: ir.Column) -> st.SearchStrategy[Any]:
    """What a caller may send for the column, of values the database keeps exactly."""
    inner = _scalar(column.type)
    for _ in range(column.type.dims):
        inner = st.lists(inner, max_size=2)
    return st.one_of(st.none(), inner) if column.nullable else inner


def rows(plan: TablePlan) -> st.SearchStrategy[list[list[Any]]]:
    """Two rows of values for the columns INSERT names."""
    by_name = {c.name: c for c in plan.table.columns}
    return st.lists(st.tuples(*(values(by_name[n]) for n in plan.written)).map(list), min_size=2, max_size=2)


@dataclass
class TablePlan:
    relation: DbRelation
    table: ir.Table  # codegen's
    prefix: str  # the query names' suffix: All<prefix>, Ins<prefix>...
    written: list[str]  # the columns INSERT names, in the table's order
    key: str | None  # UPDATE / DELETE ... WHERE key = ?


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _qualified(relation: DbRelation) -> str:
    return f"{quoted(relation.schema)}.{quoted(relation.name)}" if relation.schema else quoted(relation.name)


def plan_queries(db: DbSchema, catalog: ir.Catalog, marker: Callable[[int], str]) -> tuple[str, list[TablePlan]]:
    """The query file, and what each table's queries are (marker(n): the n-th parameter)."""
    ours = {(t.schema, t.name.lower()): t for t in catalog.tables}
    blocks, plans = [], []
    for n, relation in enumerate(r for r in db.relations if r.columns):
        table = ours[(relation.schema, relation.name.lower())]
        prefix = f"R{n}"
        blocks.append(f"-- name: All{prefix} :many\nSELECT * FROM {_qualified(relation)};\n")
        if relation.is_view:
            plans.append(TablePlan(relation, table, prefix, [], None))
            continue
        written = [c.name for c, db_col in zip(table.columns, relation.columns) if not db_col.generated]
        keys = [c.name for c in table.columns if c.type.base in (ir.INT, ir.STR) and not c.type.dims
                and c.name in written]
        key = keys[0] if keys else None
        if written:
            marks = ", ".join(marker(i) for i in range(1, len(written) + 1))
            blocks.append(f"-- name: Ins{prefix} :one\nINSERT INTO {_qualified(relation)} ({', '.join(map(quoted, written))}) "
                          f"VALUES ({marks}) RETURNING *;\n")
        if key is not None:
            blocks.append(f"-- name: Upd{prefix} :execrows\nUPDATE {_qualified(relation)} SET {quoted(written[-1])} = "
                          f"{marker(1)} WHERE {quoted(key)} = {marker(2)};\n")
            blocks.append(f"-- name: Del{prefix} :execrows\nDELETE FROM {_qualified(relation)} WHERE {quoted(key)} = {marker(1)};\n")
        plans.append(TablePlan(relation, table, prefix, written, key))
    return "\n".join(blocks), plans


def _returns(fn: Callable[..., Any]) -> Any:
    return typing.get_type_hints(fn)["return"]


def _fields(row: Any) -> list[Any]:
    """A row's values in column order; a one-column result is that column's value itself."""
    if hasattr(type(row), "model_fields"):
        return [getattr(row, f) for f in type(row).model_fields]
    return list(row) if hasattr(row, "_fields") else [row]


class Caller:
    """Calls one table's generated functions on a connection, listing every contradiction."""

    def __init__(self, module: Any, conn: Any, raw: Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]]],
                 refused: tuple[type[BaseException], ...], savepoint: Callable[[], Any], marker: str) -> None:
        self.module, self.conn, self.raw, self.refused, self.savepoint = module, conn, raw, refused, savepoint
        self.marker = marker  # the driver's own parameter marker, for raw SQL
        self.problems: list[str] = []
        self.calls = 0

    def call(self, name: str, **kwargs: Any) -> tuple[bool, Any]:
        fn = getattr(self.module, snake(name))
        self.calls += 1
        try:
            with self.savepoint():
                result = fn(self.conn, **kwargs)
        except self.refused:  # a CHECK, UNIQUE, foreign key or domain the drawn row breaks
            return False, None
        except Exception as error:  # a crash of the generated code (a ValidationError reading a row...)
            self.problems.append(f"{name}({kwargs}) raised {type(error).__name__}: {' '.join(str(error).split())[:300]}")
            return False, None
        self.problems.extend(mismatches(result, _returns(fn), f"{name}({kwargs})"))
        return True, result

    def exercise(self, plan: TablePlan, rows: list[list[Any]]) -> None:
        relation = plan.relation
        assert relation.columns is not None
        names = [c.name for c in relation.columns]
        everything = f"SELECT * FROM {_qualified(relation)}"
        if not relation.is_view and plan.written:
            inserted = []
            params = list(inspect.signature(getattr(self.module, snake(f"Ins{plan.prefix}"))).parameters)[1:]
            for row in rows:
                ok, got = self.call(f"Ins{plan.prefix}", **dict(zip(params, row)))
                if not ok:
                    continue
                inserted.append(got)
                back = dict(zip(names, _fields(got)))
                for column, sent in zip(plan.written, row):
                    if back.get(column, sent) != sent:
                        self.problems.append(f"{relation.name}.{column}: sent {sent!r}, RETURNING * gave "
                                             f"{back.get(column)!r}")
            listed = self.call(f"All{plan.prefix}")[1] or []
            if len(listed) != len(self.raw(everything, ())):
                self.problems.append(f"{relation.name}: SELECT * read {len(listed)} rows, the table holds more")
            for got in inserted:
                if got not in listed:
                    self.problems.append(f"{relation.name}: {got!r} from RETURNING * is not among SELECT *'s rows")
            self._nulls(plan)
            if plan.key is not None and inserted:
                self._update_delete(plan, dict(zip(names, _fields(inserted[0])))[plan.key], rows[0][-1])
        listed = self.call(f"All{plan.prefix}")[1] or []
        raw = self.raw(everything, ())
        if len(listed) != len(raw) or (listed and len(_fields(listed[0])) != len(names)):
            self.problems.append(f"{relation.name}: SELECT * gave {len(listed)} rows of "
                                 f"{len(_fields(listed[0])) if listed else '?'} fields, the database {len(raw)} of "
                                 f"{len(names)}")

    def _nulls(self, plan: TablePlan) -> None:
        """Each column the database lets be NULL, set NULL in every row by raw SQL: SELECT * still reads."""
        for column in plan.relation.columns or ():
            # a primary key column: SQLite lets a NULL into most, codegen types the intent (README, "Types")
            if column.not_null or column.pk or column.name not in plan.written:
                continue
            try:
                with self.savepoint():
                    self.raw(f"UPDATE {_qualified(plan.relation)} SET {quoted(column.name)} = NULL", ())
            except self.refused:
                continue
        self.call(f"All{plan.prefix}")

    def _update_delete(self, plan: TablePlan, key: Any, value: Any) -> None:
        where = f"FROM {_qualified(plan.relation)} WHERE {quoted(plan.key)} = {self.marker}"
        if key is None:
            return
        before = self.raw(f"SELECT count(*) {where}", (key,))[0][0]
        ok, changed = self.call(f"Upd{plan.prefix}", **dict(zip(list(inspect.signature(
            getattr(self.module, snake(f"Upd{plan.prefix}"))).parameters)[1:], (value, key))))
        if ok and changed != before:
            self.problems.append(f"{plan.relation.name}: UPDATE counted {changed} rows, {before} match")
        key_after = key if plan.key != plan.written[-1] or not ok else value
        before = self.raw(f"SELECT count(*) {where}", (key_after,))[0][0]
        ok, deleted = self.call(f"Del{plan.prefix}", **dict(zip(list(inspect.signature(
            getattr(self.module, snake(f"Del{plan.prefix}"))).parameters)[1:], (key_after,))))
        if ok and (deleted != before or self.raw(f"SELECT count(*) {where}", (key_after,))[0][0] != 0):
            self.problems.append(f"{plan.relation.name}: DELETE counted {deleted} rows, {before} matched")


__all__ = ["Caller", "TablePlan", "plan_queries", "values", "uuid"]
