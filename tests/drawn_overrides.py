"""Drawn type overrides (tests/test_drawn_overrides*.py): a table whose columns each carry a
configured Python type (`[tool.codegen] overrides`), the queries that put those values in every
position a value takes, and the oracle: what the database holds, read back raw by the driver.

A Kind is one override as a user writes it: the python_type, the column's SQL type per engine,
the values of that type, and what the database holds for a value (the raw form the driver
returns for a plain `SELECT column`). The user's own types live in USER_MODULE, written next to
the generated package and imported from there, as a project's own module would be.
"""

from __future__ import annotations

import datetime as dt
import decimal
import ipaddress
import json
import pathlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

USER_MODULE_NAME = "ovtypes"
USER_MODULE = '''
"""A project's own types, as its overrides name them."""
import enum
from typing import Any, NewType

import pydantic
from pydantic_core import core_schema


class Color(enum.StrEnum):
    RED = "red"
    BLUE = "blue"
    DARK_GREEN = "dark green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 20


class Shape(enum.Enum):  # a plain Enum: str() of a member is 'Shape.SQUARE', not its value
    SQUARE = "square"
    ROUND = "round"


class Size(str, enum.Enum):  # the pre-3.11 str mixin: str() is 'Size.S' from Python 3.11
    S = "s"
    XL = "xl"


class Rank(enum.Enum):  # an Enum of ints: no driver binds the member
    FIRST = 1
    SECOND = 2


class Mood(enum.StrEnum):  # the values of the PostgreSQL enum type mood
    HAPPY = "happy"
    SAD = "sad"


UserId = NewType("UserId", int)
Email = NewType("Email", str)


class Address(pydantic.BaseModel):
    street: str
    number: int
    tags: list[str] = []


class Slug:
    """A class of the project's with its own pydantic schema: built from and written as its text."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Slug) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"Slug({self.text!r})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            cls, core_schema.str_schema(),
            serialization=core_schema.plain_serializer_function_ser_schema(str))
'''


def user_types() -> Any:
    """The user module, imported (the test puts its folder on sys.path first)."""
    import importlib

    return importlib.import_module(USER_MODULE_NAME)


# Text SQLite and PostgreSQL both keep as it is (no NUL; PostgreSQL refuses it in text).
_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00", exclude_categories=("Cs",)), max_size=12)


@dataclass(frozen=True)
class Kind:
    name: str
    python_type: str
    sql: dict[str, str]  # engine -> the column's declared type; an engine it lacks does not draw it
    values: Callable[[], st.SearchStrategy[Any]]  # called after the user module is importable
    # (engine, value) -> what a plain `SELECT column` returns through the driver, decoded (JSON text
    # parsed) where the engine hands JSON back as text.
    stored: Callable[[str, Any], Any]
    json: bool = False  # a JSON column: the raw read is parsed before comparing (SQLite's text)
    sliceable: bool = True  # `= ?` and IN (sqlc.slice) mean equality (not for JSON)


def _same(engine: str, value: Any) -> Any:
    return value


def _text(engine: str, value: Any) -> Any:
    return str(value)


def _value(engine: str, value: Any) -> Any:
    return value.value


def _json(engine: str, value: Any) -> Any:
    import pydantic_core

    return pydantic_core.to_jsonable_python(value)


def _uuid_blob(engine: str, value: Any) -> Any:
    return value.bytes


def _numeric_affinity(value: float) -> int | float:
    """A REAL as a NUMERIC column keeps it: an integer when it is one within 64 bits."""
    return int(value) if value.is_integer() and -2**63 <= value < 2**63 else value


def _datetimes() -> st.SearchStrategy[dt.datetime]:
    return st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30),
                        timezones=st.none() | st.just(dt.timezone.utc)
                        | st.builds(dt.timezone, st.timedeltas(min_value=dt.timedelta(hours=-23),
                                                               max_value=dt.timedelta(hours=23))
                                    .map(lambda d: dt.timedelta(minutes=d // dt.timedelta(minutes=1)))))


KINDS = [
    Kind("path", "pathlib.Path", {"sqlite": "TEXT", "postgresql": "text"},
         lambda: _TEXT.filter(bool).map(pathlib.Path), _text),
    Kind("uuid_text", "uuid.UUID", {"sqlite": "TEXT", "postgresql": "text"}, lambda: st.uuids(), _text),
    Kind("uuid_blob", "uuid.UUID", {"sqlite": "BLOB", "postgresql": "bytea"}, lambda: st.uuids(), _uuid_blob),
    Kind("uuid_native", "uuid.UUID", {"postgresql": "uuid"}, lambda: st.uuids(), _same),
    Kind("decimal_text", "decimal.Decimal", {"sqlite": "TEXT", "postgresql": "text"},
         lambda: st.decimals(allow_nan=False, places=None), _text),
    Kind("ipv4_text", "ipaddress.IPv4Address", {"sqlite": "TEXT", "postgresql": "text"},
         lambda: st.ip_addresses(v=4), _text),
    Kind("ipv6_inet", "ipaddress.IPv6Address", {"postgresql": "inet"}, lambda: st.ip_addresses(v=6), _same),
    Kind("fraction", "fractions.Fraction", {"sqlite": "TEXT", "postgresql": "text"},
         lambda: st.fractions(max_denominator=10**6), _text),
    Kind("datetime_text", "datetime.datetime", {"sqlite": "TEXT", "postgresql": "text"}, _datetimes, _text),
    Kind("dict_json", "dict[str, int]", {"sqlite": "JSON", "postgresql": "jsonb"},
         lambda: st.dictionaries(_TEXT, st.integers(-2**53, 2**53), max_size=3), _json, json=True, sliceable=False),
    Kind("list_json", "list[str]", {"sqlite": "JSON", "postgresql": "json"},
         lambda: st.lists(_TEXT, max_size=3), _json, json=True, sliceable=False),
    Kind("literal", "typing.Literal['a', 'b c', '']", {"sqlite": "TEXT", "postgresql": "text"},
         lambda: st.sampled_from(["a", "b c", ""]), _same),
    Kind("str_enum", f"{USER_MODULE_NAME}.Color", {"sqlite": "TEXT", "postgresql": "text"},
         lambda: st.sampled_from(list(user_types().Color)), _value),
    Kind("int_enum", f"{USER_MODULE_NAME}.Level", {"sqlite": "INTEGER", "postgresql": "integer"},
         lambda: st.sampled_from(list(user_types().Level)), _value),
    Kind("plain_enum", f"{USER_MODULE_NAME}.Shape", {"sqlite": "TEXT", "postgresql": "text"},
         lambda: st.sampled_from(list(user_types().Shape)), _value),
    Kind("mixin_enum", f"{USER_MODULE_NAME}.Size", {"sqlite": "TEXT", "postgresql": "varchar(8)"},
         lambda: st.sampled_from(list(user_types().Size)), _value),
    Kind("int_valued_enum", f"{USER_MODULE_NAME}.Rank", {"sqlite": "INTEGER", "postgresql": "bigint"},
         lambda: st.sampled_from(list(user_types().Rank)), _value),
    Kind("pg_enum", f"{USER_MODULE_NAME}.Mood", {"postgresql": "mood"},
         lambda: st.sampled_from(list(user_types().Mood)), _value),
    Kind("new_int", f"{USER_MODULE_NAME}.UserId", {"sqlite": "INTEGER", "postgresql": "bigint"},
         lambda: st.integers(-2**63, 2**63 - 1).map(user_types().UserId), _same),
    Kind("new_str", f"{USER_MODULE_NAME}.Email", {"sqlite": "TEXT", "postgresql": "text"},
         lambda: _TEXT.map(user_types().Email), _same),
    Kind("model_json", f"{USER_MODULE_NAME}.Address", {"sqlite": "JSON", "postgresql": "jsonb"},
         lambda: st.builds(user_types().Address, street=_TEXT, number=st.integers(-2**53, 2**53),
                           tags=st.lists(_TEXT, max_size=2)), _json, json=True, sliceable=False),
    Kind("core_schema", f"{USER_MODULE_NAME}.Slug", {"sqlite": "TEXT", "postgresql": "text"},
         lambda: _TEXT.map(user_types().Slug), _text),
    # builtin types over columns of another type: a uuid, a date, a number as str; a number as int or float
    Kind("str_uuid", "str", {"sqlite": "UUID", "postgresql": "uuid"}, lambda: st.uuids().map(str),
         lambda engine, v: uuid.UUID(v) if engine == "postgresql" else v),
    Kind("str_date", "str", {"sqlite": "DATE", "postgresql": "date"},
         lambda: st.dates().map(dt.date.isoformat),
         lambda engine, v: dt.date.fromisoformat(v) if engine == "postgresql" else v),
    Kind("str_numeric", "str", {"postgresql": "numeric"},
         lambda: st.decimals(min_value=-10**9, max_value=10**9, places=2).map(lambda d: str(d + 0)),
         lambda engine, v: decimal.Decimal(v)),
    Kind("str_bigint", "str", {"postgresql": "bigint"}, lambda: st.integers(-2**63, 2**63 - 1).map(str),
         lambda engine, v: int(v)),
    Kind("str_inet", "str", {"postgresql": "inet"}, lambda: st.ip_addresses().map(str),
         lambda engine, v: ipaddress.ip_address(v)),
    Kind("int_numeric", "int", {"sqlite": "DECIMAL", "postgresql": "numeric"}, lambda: st.integers(-2**63, 2**63 - 1),
         lambda engine, v: decimal.Decimal(v) if engine == "postgresql" else v),
    Kind("float_numeric", "float", {"sqlite": "NUMERIC", "postgresql": "numeric"},
         lambda: st.floats(allow_nan=False, allow_infinity=False, width=64),
         lambda engine, v: decimal.Decimal(repr(v)) if engine == "postgresql" else _numeric_affinity(v)),
    Kind("text_array", "list[str]", {"postgresql": "text[]"}, lambda: st.lists(_TEXT, max_size=3), _same,
         sliceable=False),
]
PG_PREAMBLE = "CREATE TYPE mood AS ENUM ('happy', 'sad');\n"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    not_null: bool  # declared NOT NULL
    # the override's nullable: None (not set), False (the column is nullable but declared never to
    # hold NULL: no NULL is ever sent)
    override_nullable: bool | None

    @property
    def takes_null(self) -> bool:
        return not self.not_null and self.override_nullable is not False


@dataclass(frozen=True)
class Design:
    engine: str
    columns: tuple[Column, ...]
    rows: str  # "model" or "tuple"
    # an sql_type override of the first column's declared type, to a type that must lose to the
    # column's own override (precedence), when drawn
    shadowing_sql_type: bool

    def schema(self) -> str:
        lines = ["id INTEGER PRIMARY KEY" if self.engine == "sqlite" else "id bigserial PRIMARY KEY"]
        lines += [f"{c.name} {c.kind.sql[self.engine]}{' NOT NULL' if c.not_null else ''}" for c in self.columns]
        preamble = PG_PREAMBLE if self.engine == "postgresql" else ""
        return (preamble + "CREATE TABLE items (\n  " + ",\n  ".join(lines) + "\n);\n"
                "CREATE VIEW item_view AS SELECT * FROM items;\n")

    def overrides(self) -> str:
        items = []
        for c in self.columns:
            nullable = "" if c.override_nullable is None else f", nullable = {str(c.override_nullable).lower()}"
            items.append(f"  {{column = \"items.{c.name}\", python_type = {json.dumps(c.kind.python_type)}{nullable}}},")
        if self.shadowing_sql_type:
            declared = self.columns[0].kind.sql[self.engine]
            shadow = "int" if declared.upper() in ("INTEGER", "BIGINT") else "str"
            items.append(f"  {{sql_type = {json.dumps(declared)}, python_type = \"{shadow}\"}},")
        return "overrides = [\n" + "\n".join(items) + "\n]\n"

    def queries(self) -> str:
        ph = (lambda i: "?") if self.engine == "sqlite" else (lambda i: f"${i}")
        names = [c.name for c in self.columns]
        cols = ", ".join(names)
        values = ", ".join(ph(i + 1) for i in range(len(names)))
        out = [f"-- name: InsertItem :one\nINSERT INTO items ({cols}) VALUES ({values}) RETURNING *;\n",
               "-- name: GetItem :one\nSELECT * FROM items WHERE id = sqlc.arg(id);\n",
               "-- name: GetViewItem :one\nSELECT * FROM item_view WHERE id = sqlc.arg(id);\n",
               f"-- name: CopyItems :copyfrom\nINSERT INTO items ({cols}) VALUES ({values});\n",
               f"-- name: BatchItems :batchexec\nINSERT INTO items ({cols}) VALUES ({values});\n",
               f"-- name: BatchReturning :batchone\nINSERT INTO items ({cols}) VALUES ({values}) RETURNING *;\n",
               "-- name: BatchRead :batchmany\nSELECT * FROM items WHERE id = sqlc.arg(id);\n",
               # the optional side of a LEFT JOIN (all NULL, the columns' types nullable) beside an
               # embedded row of the table
               "-- name: PairItems :many\nSELECT sqlc.embed(a), " + ", ".join(f"b.{n} AS b_{n}" for n in names)
               + " FROM items a LEFT JOIN items b ON b.id = a.id + sqlc.arg(step) WHERE a.id = sqlc.arg(id);\n"]
        for c in self.columns:
            n = c.name
            q = f"Col{c.name.split('_')[0][1:]}"  # SetCol0 -> set_col0
            out.append(f"-- name: Set{q} :execrows\nUPDATE items SET {n} = sqlc.arg(value) WHERE id = sqlc.arg(id);\n")
            out.append(f"-- name: Swap{q} :one\nUPDATE items SET {n} = sqlc.arg(value) WHERE id = sqlc.arg(id)"
                       f" RETURNING {n};\n")
            if c.kind.sliceable:
                out.append(f"-- name: By{q} :many\nSELECT id, {n} FROM items WHERE {n} = sqlc.arg(value) ORDER BY id;\n")
                out.append(f"-- name: In{q} :many\nSELECT id FROM items WHERE {n} IN (sqlc.slice(vals)) ORDER BY id;\n")
                out.append(f"-- name: Narg{q} :many\nSELECT id FROM items WHERE"
                           f" ({n} = sqlc.narg(value) OR sqlc.narg(value) IS NULL) AND id = sqlc.arg(id);\n")
                out.append(f"-- name: Opt{q} :many\nSELECT id FROM items WHERE id = sqlc.arg(id)"
                           f" AND {n} = sqlc.optional(value);\n")
        return "".join(out)


def designs(engine: str) -> st.SearchStrategy[Design]:
    kinds = [k for k in KINDS if engine in k.sql]

    @st.composite
    def draw(data: st.DrawFn) -> Design:
        chosen = data(st.lists(st.sampled_from(kinds), min_size=1, max_size=5, unique_by=lambda k: k.name))
        columns = []
        for i, kind in enumerate(chosen):
            not_null = data(st.booleans())
            override_nullable = None if not_null else data(st.sampled_from([None, None, False]))
            columns.append(Column(f"c{i}_{kind.name}", kind, not_null, override_nullable))
        return Design(engine, tuple(columns), data(st.sampled_from(["model", "tuple"])), data(st.booleans()))

    return draw()


def row_values(design: Design) -> st.SearchStrategy[dict[str, Any]]:
    """One row's values by column name: None only where the column takes NULL."""
    fields = {}
    for c in design.columns:
        values = c.kind.values()
        fields[c.name] = (st.none() | values) if c.takes_null else values
    return st.fixed_dictionaries(fields)


def equal(a: Any, b: Any) -> bool:
    """Values equal as the row holds them; a Decimal or datetime compared as itself, never by text."""
    if isinstance(a, decimal.Decimal) and isinstance(b, decimal.Decimal):
        return a == b and str(a) == str(b) if not a.is_nan() else b.is_nan()
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return a == b and a.utcoffset() == b.utcoffset()
    return type(a) is type(b) and a == b if a is not None else b is None


def instance_of(value: Any, kind: Kind) -> bool:
    """Whether a returned value is of the override's type (typing.Literal: one of its strings;
    NewType: its base; dict/list: their element types)."""
    t = kind.python_type
    if t.startswith("typing.Literal"):
        return isinstance(value, str)
    if t == "dict[str, int]":
        return isinstance(value, dict) and all(isinstance(k, str) and type(v) is int for k, v in value.items())
    if t == "list[str]":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    module, _, name = t.rpartition(".")
    if not module:
        import builtins

        return isinstance(value, getattr(builtins, name))
    if module == USER_MODULE_NAME:
        target = getattr(user_types(), name)
        target = getattr(target, "__supertype__", target)  # a NewType is its base at run time
        return isinstance(value, target)
    import importlib

    return isinstance(value, getattr(importlib.import_module(module), name))


__all__ = ["Column", "Design", "KINDS", "Kind", "USER_MODULE", "USER_MODULE_NAME", "designs", "equal", "instance_of",
           "row_values", "user_types"]
