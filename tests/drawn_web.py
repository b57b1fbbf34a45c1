"""Strategies for tests/test_drawn_web*.py: a table of every column type a web app plausibly returns,
per engine, the values each column holds, and the queries that read them into each kind of row class
(table, view, a query's own result shape, sqlc.embed through a LEFT JOIN).

Each Column is written through the generated INSERT (a parameter `p<k>` per column, sqlc.narg: every
column takes NULL) with a drawn Python value, so what the database holds is what a user's write
made of it; the row the generated code reads back is the oracle every web round trip must equal.
Column names include a keyword (`class`), a BaseModel attribute (`schema`) and a name with a space
(`unit price`): fields renamed from their columns, whose JSON keys are the columns' names.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import math
import sqlite3
import string
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import psycopg
import pydantic
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import strategies as st

import drawn_types
from _support import generate, import_module, imported


@dataclass(frozen=True)
class Column:
    name: str  # as the migration spells it (quoted where it must be)
    declared: str
    values: st.SearchStrategy[Any]


def _ints(bits: int) -> st.SearchStrategy[int]:
    return st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)


# Any text a user types (no NUL: PostgreSQL text holds none; no lone surrogates: not UTF-8).
_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
_SHORT = st.text(string.ascii_letters + " \"'\\é{}", max_size=8)
# JSON values, strings among them: a JSON string that reads like a number, a date or JSON text itself.
_JSON_TEXTS = st.sampled_from(["", "hello", "123", "true", "null", "[1]", '{"a": 1}', "2020-01-01", " 7 "]) | _SHORT
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | _ints(53) | _JSON_TEXTS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_SHORT, inner, max_size=3), max_leaves=6)
# A JSON column's value as a row holds it; None is SQL NULL in a nullable column.
_FLOATS = st.floats(allow_nan=True, allow_infinity=True)
_REALS = st.floats(width=32, allow_nan=True, allow_infinity=True)
# SQLite stores NaN as NULL (the generated code refuses it going in); infinities it keeps.
_SQLITE_FLOATS = st.floats(allow_nan=False, allow_infinity=True)
_DECIMALS = st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-10**9, max_value=10**9) | \
    st.sampled_from([decimal.Decimal("NaN"), decimal.Decimal("Infinity"), decimal.Decimal("-Infinity")])
# SQLite keeps Decimal infinities (as REAL); NaN it would read back as NULL (refused going in).
_SQLITE_DECIMALS = _DECIMALS.filter(lambda d: not d.is_nan())
_NAIVE = st.datetimes(dt.datetime(1, 1, 2), dt.datetime(9999, 12, 30))
_AWARE = st.datetimes(dt.datetime(1, 1, 2), dt.datetime(9999, 12, 30), timezones=drawn_types._ZONES)
_INTERVALS = st.timedeltas(dt.timedelta(days=-10**5), dt.timedelta(days=10**5))
MOODS = drawn_types.MOODS

SQLITE_COLUMNS = (
    Column("i", "INTEGER", _ints(64)),
    Column("r", "REAL", _SQLITE_FLOATS),  # SQLite stores NaN as NULL: refused going in
    Column("t", "TEXT", _TEXT),
    Column('"class"', "TEXT", _SHORT),
    Column("bl", "BLOB", st.binary(max_size=16)),
    Column("b", "BOOLEAN", st.booleans()),
    Column("d", "DATE", st.dates()),
    Column("ts", "DATETIME", _NAIVE | _AWARE),
    Column("tz", "TIMESTAMPTZ", _AWARE),
    Column("tm", "TIME", st.times()),
    Column("n", "DECIMAL", _SQLITE_DECIMALS),
    Column('"unit price"', "NUMERIC", st.decimals(allow_nan=False, allow_infinity=False, places=2,
                                                  min_value=0, max_value=10**6)),
    Column("j", "JSON", JSON_VALUES),
    Column('"schema"', "JSON", JSON_VALUES),
    Column("e", "TEXT CHECK (e IN ('sad', 'ok', 'happy'))", st.sampled_from(MOODS)),
)

POSTGRES_COLUMNS = (
    Column("i", "integer", _ints(32)),
    Column("small", "smallint", _ints(16)),
    Column("big", "bigint", _ints(64)),
    Column("r", "real", _REALS),
    Column("dp", "double precision", _FLOATS),
    Column("dps", "double precision[]", st.lists(_FLOATS, max_size=3)),
    Column("n", "numeric", _DECIMALS),
    Column('"unit price"', "numeric(12, 2)", st.decimals(allow_nan=False, allow_infinity=False, places=2,
                                                          min_value=-10**9, max_value=10**9)),
    Column("t", "text", _TEXT),
    Column('"class"', "varchar(8)", _SHORT),
    Column("bl", "bytea", st.binary(max_size=16)),
    Column("bls", "bytea[]", st.lists(st.binary(max_size=8), max_size=3)),
    Column("b", "boolean", st.booleans()),
    Column("d", "date", st.dates()),
    Column("ts", "timestamp", _NAIVE),
    Column("tz", "timestamptz", _AWARE),
    Column("tm", "time", st.times()),
    Column("ttz", "timetz", st.times(timezones=drawn_types._ZONES)),
    Column("iv", "interval", _INTERVALS),
    Column("u", "uuid", st.uuids()),
    Column("j", "json", JSON_VALUES),
    Column('"schema"', "jsonb", JSON_VALUES),
    Column("ip", "inet", drawn_types._ADDRESSES),
    Column("net", "cidr", drawn_types._NETWORKS),
    Column("e", "mood", st.sampled_from(MOODS)),
    Column("es", "mood[]", st.lists(st.sampled_from(MOODS), max_size=3)),
    Column("ints", "integer[]", st.lists(_ints(32), max_size=3)),
    Column("texts", "text[]", st.lists(_SHORT, max_size=3)),
    Column("days", "date[]", st.lists(st.dates(), max_size=3)),
)
COLUMNS = {"sqlite": SQLITE_COLUMNS, "postgresql": POSTGRES_COLUMNS}

# The owner's columns are NOT NULL: a value the web turns into null shows as a failed read-back.
OWNER_COLUMNS = {
    "sqlite": (Column("name", "TEXT NOT NULL", _TEXT), Column("score", "REAL NOT NULL", _SQLITE_FLOATS),
               Column("doc", "JSON NOT NULL", JSON_VALUES), Column("photo", "BLOB NOT NULL", st.binary(max_size=8))),
    "postgresql": (Column("name", "text NOT NULL", _TEXT), Column("score", "double precision NOT NULL", _FLOATS),
                   Column("doc", "jsonb NOT NULL", JSON_VALUES), Column("photo", "bytea NOT NULL", st.binary(max_size=8))),
}


def schema(engine: str) -> str:
    key = "bigserial PRIMARY KEY" if engine == "postgresql" else "INTEGER PRIMARY KEY"
    owner_key = "bigint" if engine == "postgresql" else "INTEGER"
    enum = "CREATE TYPE mood AS ENUM (" + ", ".join(f"'{m}'" for m in MOODS) + ");\n" if engine == "postgresql" else ""
    owners = ",\n".join(f"    {c.name} {c.declared}" for c in OWNER_COLUMNS[engine])
    things = ",\n".join(f"    {c.name} {c.declared}" for c in COLUMNS[engine])
    return (f"{enum}CREATE TABLE owners (\n    id {key},\n{owners}\n);\n"
            f"CREATE TABLE things (\n    id {key},\n    owner_id {owner_key} REFERENCES owners (id),\n{things}\n);\n"
            "CREATE VIEW things_view AS SELECT * FROM things;\n")


def queries(engine: str) -> str:
    """Writes (one INSERT per table, a parameter p<k> per column), and a read of each row class."""
    columns, owners = COLUMNS[engine], OWNER_COLUMNS[engine]
    names = ", ".join(c.name for c in columns)
    # The shape: every column, in reverse, some through an expression, one renamed to a keyword.
    shape = ", ".join(f"CASE WHEN id > 0 THEN {c.name} END AS {c.name}" if k % 3 == 0 else c.name
                      for k, c in reversed(list(enumerate(columns))))
    return f"""
-- name: PutOwner :one
INSERT INTO owners ({", ".join(c.name for c in owners)})
VALUES ({", ".join(f"sqlc.arg(p{k})" for k in range(len(owners)))}) RETURNING id;

-- name: PutThing :one
INSERT INTO things (owner_id, {names})
VALUES (sqlc.narg(owner_id), {", ".join(f"sqlc.narg(p{k})" for k in range(len(columns)))}) RETURNING id;

-- name: CopyThings :copyfrom
INSERT INTO things (owner_id, {names})
VALUES (sqlc.narg(owner_id), {", ".join(f"sqlc.narg(p{k})" for k in range(len(columns)))});

-- name: GetThing :one
SELECT * FROM things WHERE id = sqlc.arg(id);

-- name: ListThings :many
SELECT * FROM things ORDER BY id;

-- name: GetThingView :one
SELECT * FROM things_view WHERE id = sqlc.arg(id);

-- name: GetShape :one
SELECT id AS "from", {shape} FROM things WHERE id = sqlc.arg(id);

-- name: GetOwnerThings :many
SELECT sqlc.embed(owners), sqlc.embed(things) FROM owners LEFT JOIN things ON things.owner_id = owners.id
WHERE owners.id = sqlc.arg(id) ORDER BY things.id;
"""


def same(a: Any, b: Any) -> bool:
    """Equal as values, NaN equal to NaN (a float's or a Decimal's): rows compared field by field."""
    if isinstance(a, tuple) and isinstance(b, tuple):  # NamedTuple rows
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, pydantic.BaseModel) and type(a) is type(b):
        return all(same(getattr(a, f), getattr(b, f)) for f in type(a).model_fields)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, decimal.Decimal) and isinstance(b, decimal.Decimal) and a.is_nan() and b.is_nan():
        return True
    return type(a) is type(b) and a == b


@contextlib.contextmanager
def database(engine: str, request: pytest.FixtureRequest, name: str) -> Iterator[Any]:
    """A fresh database holding the drawn schema: a SQLite file, or a PostgreSQL database `name`
    on the session's server (dropped afterwards)."""
    if engine == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            # FastAPI runs sync endpoints in worker threads, one at a time here.
            conn = sqlite3.connect(Path(tmp) / f"{name}.sqlite", isolation_level=None, check_same_thread=False)
            conn.executescript(schema(engine))
            yield conn
            conn.close()
        return
    server = request.getfixturevalue("postgres_server")
    with psycopg.connect(server.get_uri(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())
        admin.execute(f'CREATE DATABASE "{name}"'.encode())
    with psycopg.connect(server.get_uri(database=name), autocommit=True) as conn:
        conn.execute(schema(engine).encode())
        yield conn
    with psycopg.connect(server.get_uri(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


@dataclass
class Web:
    """The package generated for the drawn schema, its FastAPI app's client and OpenAPI document,
    over a fresh database."""

    engine: str
    style: str
    models: ModuleType
    q: ModuleType
    conn: Any
    client: TestClient
    openapi: dict[str, Any]


WebT = TypeVar("WebT", bound=Web)


@contextlib.contextmanager
def served(request: pytest.FixtureRequest, engine: str, style: str, name: str, queries: str,
           app: Callable[[ModuleType, ModuleType, Any], FastAPI], kind: type[WebT]) -> Iterator[WebT]:
    """The drawn schema and `queries` generated in row style `style` (package `<name>_<engine>_<style>`),
    served by `app(models, queries module, connection)` over database `name`."""
    with tempfile.TemporaryDirectory() as tmp, database(engine, request, name) as conn:
        out = generate(Path(tmp), {"1.sql": schema(engine)}, {"q.sql": queries},
                       out=f"{name}_{engine}_{style}", engine=engine, extra=f'rows = "{style}"')
        with imported(out) as package:
            models, q = import_module(package, "models"), import_module(package, "queries.q")
            client = TestClient(app(models, q, conn))
            yield kind(engine, style, models, q, conn, client, client.get("/openapi.json").json())
