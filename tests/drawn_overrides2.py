"""Drawn type overrides through every position a column's value takes (tests/test_drawn_overrides2*.py).

tests/drawn_overrides.py drew the overrides themselves through the plain positions (INSERT,
UPDATE SET, `=`, IN (sqlc.slice), views, sqlc.embed). This lane draws where a column's value
travels further: `= ANY(sqlc.arg(x))`, `= ANY(@x::T[])`, `<> ALL(...)`, `array_agg`, `unnest`,
`ARRAY[...]`, `COALESCE(col, @x)`, `CASE`, `UNION ALL` branches, CTEs, derived tables over a
view, `INSERT ... SELECT` (a parameter's value, and a row copied between tables), `UPDATE ...
RETURNING`, `:copyfrom` and `:batchone`. The kinds are chosen where a wrong value passes silently:
enums whose values are not their names (psycopg dumps a plain Enum member by *name*), a StrEnum
(equal to its text, so only its type tells it from a str), an IntEnum, an Enum over a PostgreSQL
enum type, paths, UUIDs, Decimals, a pydantic model and a dict in JSON columns.

The oracle: a Python model of the table (the values sent, by row id) for what every query
returns, and the database read raw through the driver for what it holds (`Kind.stored`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import pathlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

USER_MODULE_NAME = "ov2types"
USER_MODULE = '''
"""A project's own types, as its overrides name them: values that are not their members' names."""
import enum

import pydantic


class Color(enum.Enum):  # psycopg would send 'DARK_GREEN' where the column holds 'dark green'
    RED = "r"
    DARK_GREEN = "dark green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 20


class Tone(enum.StrEnum):  # equal to its text: only its type tells a member from a str
    LOUD = "loud!"
    SOFT = "Soft"


class Mood(enum.Enum):  # over the PostgreSQL enum type mood
    HAPPY = "happy"
    SO_SO = "so so"


class Rank(enum.Enum):  # an Enum of ints: psycopg would send 'FIRST' to a bigint
    FIRST = 1
    SECOND = 2


class Address(pydantic.BaseModel):
    street: str
    number: int
'''


def user_types() -> Any:
    import importlib

    return importlib.import_module(USER_MODULE_NAME)


_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00", exclude_categories=("Cs",)), max_size=8)


@dataclass(frozen=True)
class Kind:
    name: str
    python_type: str
    sql: dict[str, str]  # engine -> the column's declared type
    values: Callable[[], st.SearchStrategy[Any]]
    stored: Callable[[str, Any], Any]  # (engine, value) -> what a raw `SELECT col` returns (JSON decoded)
    comparable: bool = True  # `=`, IN, ANY and ALL mean equality of the Python values
    json: bool = False
    array: bool = False  # a list of the configured type over an array column (PostgreSQL)

    def sql_literal(self, engine: str, value: Any) -> str | None:
        """The value written into the SQL as a literal (as a user writes `COALESCE(color, 'r')`);
        None for a kind no literal stands for (JSON, arrays)."""
        if self.json or self.array:
            return None
        stored = self.stored(engine, value)
        if isinstance(value, str):
            return "'" + value.replace("'", "''") + "'"
        if isinstance(stored, int):
            return str(stored)
        if isinstance(stored, decimal.Decimal):
            return str(stored)  # numeric literal
        return "'" + str(stored).replace("'", "''") + "'"


def _value(engine: str, v: Any) -> Any:
    return v.value


def _text(engine: str, v: Any) -> Any:
    return str(v)


def _json(engine: str, v: Any) -> Any:
    import pydantic_core

    return pydantic_core.to_jsonable_python(v)


KINDS = [
    Kind("color", f"{USER_MODULE_NAME}.Color", {"sqlite": "TEXT", "postgresql": "text"},
         lambda: st.sampled_from(list(user_types().Color)), _value),
    Kind("level", f"{USER_MODULE_NAME}.Level", {"sqlite": "INTEGER", "postgresql": "integer"},
         lambda: st.sampled_from(list(user_types().Level)), _value),
    Kind("tone", f"{USER_MODULE_NAME}.Tone", {"sqlite": "TEXT", "postgresql": "varchar(16)"},
         lambda: st.sampled_from(list(user_types().Tone)), _value),
    Kind("mood", f"{USER_MODULE_NAME}.Mood", {"sqlite": "TEXT", "postgresql": "mood"},
         lambda: st.sampled_from(list(user_types().Mood)), _value),
    Kind("rank", f"{USER_MODULE_NAME}.Rank", {"sqlite": "INTEGER", "postgresql": "bigint"},
         lambda: st.sampled_from(list(user_types().Rank)), _value),
    Kind("path", "pathlib.Path", {"sqlite": "TEXT", "postgresql": "text"},
         lambda: _TEXT.filter(bool).map(pathlib.Path), _text),
    Kind("uid", "uuid.UUID", {"sqlite": "TEXT", "postgresql": "uuid"}, lambda: st.uuids(),
         lambda engine, v: v if engine == "postgresql" else str(v)),
    Kind("amount", "decimal.Decimal", {"sqlite": "TEXT", "postgresql": "numeric"},
         lambda: st.decimals(min_value=-10**6, max_value=10**6, places=2),
         lambda engine, v: v if engine == "postgresql" else str(v)),
    # str over a column of another type: sent as the text the database parses, read as the text of
    # what the driver returns
    Kind("uuid_text", "str", {"sqlite": "UUID", "postgresql": "uuid"}, lambda: st.uuids().map(str),
         lambda engine, v: uuid.UUID(v) if engine == "postgresql" else v),
    Kind("day_text", "str", {"sqlite": "DATE", "postgresql": "date"}, lambda: st.dates().map(dt.date.isoformat),
         lambda engine, v: dt.date.fromisoformat(v) if engine == "postgresql" else v),
    Kind("numeric_text", "str", {"postgresql": "numeric(12, 2)"},
         lambda: st.decimals(min_value=-10**6, max_value=10**6, places=2).map(lambda d: f"{d:.2f}"),
         lambda engine, v: decimal.Decimal(v)),
    Kind("address", f"{USER_MODULE_NAME}.Address", {"sqlite": "JSON", "postgresql": "jsonb"},
         lambda: st.builds(user_types().Address, street=_TEXT, number=st.integers(-2**31, 2**31)), _json,
         comparable=False, json=True),
    Kind("colors", f"list[{USER_MODULE_NAME}.Color]", {"postgresql": "text[]"},
         lambda: st.lists(st.sampled_from(list(user_types().Color)), max_size=3),
         lambda engine, v: [c.value for c in v], comparable=False, array=True),
    Kind("counts", "dict[str, int]", {"sqlite": "JSON", "postgresql": "jsonb"},
         lambda: st.dictionaries(_TEXT, st.integers(-2**31, 2**31), max_size=2), _json, comparable=False, json=True),
]
PG_PREAMBLE = "CREATE TYPE mood AS ENUM ('happy', 'so so');\n"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    not_null: bool
    override_nullable: bool | None  # None: not said; False: a nullable column declared never NULL
    literal: Any = None  # a value of the kind written as a literal in the queries (None: none)

    @property
    def takes_null(self) -> bool:
        return not self.not_null and self.override_nullable is not False


@dataclass(frozen=True)
class Design:
    engine: str
    columns: tuple[Column, ...]
    rows: str  # "model" or "tuple"

    @property
    def pg(self) -> bool:
        return self.engine == "postgresql"

    def schema(self) -> str:
        key = "id bigserial PRIMARY KEY" if self.pg else "id INTEGER PRIMARY KEY"
        cols = [f"{c.name} {c.kind.sql[self.engine]}{' NOT NULL' if c.not_null else ''}" for c in self.columns]
        # archive: the same columns, all nullable, for INSERT ... SELECT
        archive = [f"{c.name} {c.kind.sql[self.engine]}" for c in self.columns]
        return ((PG_PREAMBLE if self.pg else "") + f"CREATE TABLE items (\n  {key},\n  " + ",\n  ".join(cols) + "\n);\n"
                + "CREATE TABLE archive (\n  id bigint PRIMARY KEY,\n  " + ",\n  ".join(archive) + "\n);\n"
                + "CREATE VIEW item_view AS SELECT * FROM items;\n")

    def overrides(self) -> str:
        lines = []
        for c in self.columns:
            nullable = "" if c.override_nullable is None else f", nullable = {str(c.override_nullable).lower()}"
            for table in ("items", "archive"):
                lines.append(f"  {{column = \"{table}.{c.name}\", python_type = {json.dumps(c.kind.python_type)}"
                             f"{nullable if table == 'items' else ''}}},")
        return "overrides = [\n" + "\n".join(lines) + "\n]\n"

    def queries(self) -> str:
        names = [c.name for c in self.columns]
        cols = ", ".join(names)
        args = ", ".join(f"sqlc.arg({n})" for n in names)
        out = [f"-- name: CopyItems :copyfrom\nINSERT INTO items ({cols}) VALUES ({args});\n",
               f"-- name: InsertItem :one\nINSERT INTO items ({cols}) VALUES ({args}) RETURNING *;\n",
               "-- name: AllItems :many\nSELECT * FROM items ORDER BY id;\n",
               f"-- name: Archive :execrows\nINSERT INTO archive (id, {cols}) SELECT id, {cols} FROM item_view"
               " WHERE id = sqlc.arg(id);\n",
               "-- name: Archived :one\nSELECT * FROM archive WHERE id = sqlc.arg(id);\n"]
        if self.pg:  # sqlc's bulk insert: one array per column, unnested into rows
            flat = [c for c in self.columns if not c.kind.array]
            arrays = [f"sqlc.arg({c.name})::{c.kind.sql[self.engine]}[]" for c in flat]
            names = ", ".join(c.name for c in flat)
            out.append(f"-- name: BulkArchive :execrows\nINSERT INTO archive (id, {names})\n"
                       f"SELECT * FROM unnest(sqlc.arg(ids)::bigint[], {', '.join(arrays)});\n")
            out.append(f"-- name: BulkArchiveListed :execrows\nINSERT INTO archive (id, {names})\n"
                       f"SELECT unnest(sqlc.arg(ids)::bigint[]), " + ", ".join(f"unnest({a})" for a in arrays) + ";\n")
        for c in self.columns:
            out.append(self._column_queries(c))
        return "".join(out)

    def _column_queries(self, c: Column) -> str:
        n, t = c.name, c.kind.sql[self.engine]
        q = n.title().replace("_", "")
        out = [
            f"-- name: Coalesce{q} :many\nSELECT COALESCE({n}, sqlc.arg(fallback)) AS v FROM items ORDER BY id;\n",
            f"-- name: Case{q} :many\nSELECT CASE WHEN id = sqlc.arg(pick) THEN {n} END AS v FROM items ORDER BY id;\n",
            f"-- name: Union{q} :many\nSELECT {n} AS v FROM items WHERE id = sqlc.arg(a)\n"
            f"UNION ALL SELECT {n} FROM item_view WHERE id = sqlc.arg(b);\n",
            f"-- name: Derived{q} :one\nSELECT d.{n} FROM (SELECT id, {n} FROM item_view) AS d WHERE d.id = sqlc.arg(id);\n",
            f"-- name: Put{q} :one\nINSERT INTO archive (id, {n}) SELECT sqlc.arg(id), sqlc.arg(v) RETURNING {n};\n",
            f"-- name: Set{q} :batchone\nUPDATE items SET {n} = sqlc.arg(v) WHERE id = sqlc.arg(id) RETURNING {n};\n",
        ]
        if c.literal is not None:
            lit = c.kind.sql_literal(self.engine, c.literal)
            out += [
                f"-- name: Literal{q} :many\nSELECT COALESCE({n}, {lit}) AS v,\n"
                f"  CASE WHEN id = sqlc.arg(pick) THEN {lit} ELSE {n} END AS w FROM items ORDER BY id;\n",
                f"-- name: UnionLiteral{q} :many\nSELECT {n} AS v FROM items WHERE id = sqlc.arg(id) UNION ALL SELECT {lit};\n",
            ]
        if c.kind.array:
            out += [
                f"-- name: Has{q} :many\nSELECT id FROM items WHERE sqlc.arg(v) = ANY({n}) ORDER BY id;\n",
                f"-- name: Each{q} :many\nSELECT unnest({n}) AS v FROM items WHERE id = sqlc.arg(id);\n",
            ]
        if c.kind.comparable:
            out += [
                f"-- name: In{q} :many\nSELECT id FROM items WHERE {n} IN (sqlc.slice(vals)) ORDER BY id;\n",
                f"-- name: Pick{q} :many\nSELECT id FROM items WHERE {n} IN (sqlc.arg(a), sqlc.arg(b)) ORDER BY id;\n",
                f"-- name: Nullif{q} :many\nSELECT NULLIF({n}, sqlc.arg(v)) AS v FROM items ORDER BY id;\n",
                f"-- name: Scalar{q} :one\nSELECT (SELECT {n} FROM items WHERE id = sqlc.arg(id)) AS v;\n",
                f"-- name: Cte{q} :many\nWITH w AS (SELECT id, {n} FROM items) SELECT id, {n} FROM w"
                f" WHERE {n} = sqlc.arg(v) ORDER BY id;\n",
            ]
        if self.pg and not c.kind.array:  # array_agg refuses arrays of unequal lengths, and NULL ones
            out += [
                f"-- name: Agg{q} :one\nSELECT array_agg({n} ORDER BY id) AS vals FROM items;\n",
                f"-- name: Pair{q} :one\nSELECT ARRAY[{n}, {n}] AS pair FROM items WHERE id = sqlc.arg(id);\n",
                f"-- name: Unnest{q} :many\nSELECT u.v FROM (SELECT array_agg({n} ORDER BY id) AS a FROM items) AS s,"
                f" unnest(s.a) WITH ORDINALITY AS u(v, i) ORDER BY u.i;\n",
            ]
            if c.kind.comparable:
                out += [
                    f"-- name: Any{q} :many\nSELECT id FROM items WHERE {n} = ANY(sqlc.arg(vals)) ORDER BY id;\n",
                    f"-- name: AnyCast{q} :many\nSELECT id FROM items WHERE {n} = ANY(@vals::{t}[]) ORDER BY id;\n",
                    f"-- name: NotAll{q} :many\nSELECT id FROM items WHERE {n} <> ALL(sqlc.arg(vals)) ORDER BY id;\n",
                    f"-- name: BatchAny{q} :batchmany\nSELECT id FROM items WHERE {n} = ANY(sqlc.arg(vals)) ORDER BY id;\n",
                ]
        return "".join(out)


def designs(engine: str) -> st.SearchStrategy[Design]:
    kinds = [k for k in KINDS if engine in k.sql]

    @st.composite
    def draw(data: st.DrawFn) -> Design:
        chosen = data(st.lists(st.sampled_from(kinds), min_size=3, max_size=6, unique_by=lambda k: k.name))
        columns = []
        for kind in chosen:
            not_null = data(st.booleans())
            override_nullable = None if not_null else data(st.sampled_from([None, None, False]))
            value = data(kind.values())
            literal = value if kind.sql_literal(engine, value) is not None else None
            columns.append(Column(f"c_{kind.name}", kind, not_null, override_nullable, literal))
        return Design(engine, tuple(columns), data(st.sampled_from(["model", "tuple"])))

    return draw()


def row_values(design: Design) -> st.SearchStrategy[dict[str, Any]]:
    """One row's values by column name: None only where the column takes NULL."""
    return st.fixed_dictionaries({c.name: (st.none() | c.kind.values()) if c.takes_null else c.kind.values()
                                  for c in design.columns})


def value_of(column: Column) -> st.SearchStrategy[Any]:
    """A value to send for the column (never None: positions that take None say so)."""
    return column.kind.values()


def same(a: Any, b: Any) -> bool:
    """Equal and of one type: a StrEnum member equals its text, so `==` alone cannot tell
    list[Tone] from list[str]; a Decimal compared by value (the server may drop trailing zeros)."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, decimal.Decimal):
        return isinstance(b, decimal.Decimal) and a == b
    if isinstance(a, pathlib.PurePath):
        return isinstance(b, pathlib.PurePath) and a == b
    return type(a) is type(b) and a == b


__all__ = ["Column", "Design", "KINDS", "Kind", "USER_MODULE", "USER_MODULE_NAME", "designs", "row_values", "same",
           "user_types", "value_of"]
