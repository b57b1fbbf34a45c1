"""A value the database returns that its annotation refuses is reported by column name and row.

A database can hold what the schema says it cannot: a column made NOT NULL in a migration the
database has not run, a CHECK added later, text in a SQLite INTEGER column. The generated read then
fails with pydantic's ValidationError, as it should. Rows go into pydantic-core positionally (the
fast paths), so the error said "1: Input should be a valid string" under the title
"function-after[functools.partial(...)]": neither the column nor the row class. Now it names both
(`_runtime._located`), for model and tuple rows, single values, embedded rows, :one and :many.

Drawn: which row and which column holds a bad value, and the value (NULL, or on SQLite text of
another type); the database is made without the schema's constraints. The oracle is the drawn
place itself: one error, located at (row index, column) or (embedded table, column), under the
row class's name, carrying the bad value.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import generate, import_module, imported

SCHEMA = {
    "sqlite": """\
CREATE TABLE owners (id INTEGER PRIMARY KEY, label TEXT NOT NULL);
CREATE TABLE items (id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL, n INTEGER NOT NULL, name TEXT NOT NULL,
                    at DATETIME NOT NULL, tag TEXT NOT NULL CHECK (tag IN ('x', 'y')), ok BOOLEAN NOT NULL);
""",
    "postgresql": """\
CREATE TABLE owners (id integer PRIMARY KEY, label text NOT NULL);
CREATE TABLE items (id integer PRIMARY KEY, owner_id integer NOT NULL, n integer NOT NULL, name text NOT NULL,
                    at timestamp NOT NULL, tag text NOT NULL, ok boolean NOT NULL);
""",
}
QUERIES = """\
-- name: GetItem :one
SELECT * FROM items WHERE id = {p};

-- name: ListItems :many
SELECT * FROM items ORDER BY id;

-- name: ListPairs :many
SELECT sqlc.embed(owners), sqlc.embed(items) FROM items JOIN owners ON owners.id = items.owner_id ORDER BY items.id;

-- name: ListNames :many
SELECT name FROM items ORDER BY id;

-- name: ListOddNames :many
SELECT name AS "it's ""odd""\\" FROM items ORDER BY id;
"""
# The database as it is: the schema's columns without their NOT NULL and CHECK constraints.
LOOSE = {
    "sqlite": "CREATE TABLE owners (id INTEGER PRIMARY KEY, label TEXT); CREATE TABLE items (id INTEGER PRIMARY KEY, "
              "owner_id INTEGER, n INTEGER, name TEXT, at DATETIME, tag TEXT, ok BOOLEAN);",
    "postgresql": "CREATE TABLE owners (id integer PRIMARY KEY, label text); CREATE TABLE items (id integer PRIMARY KEY, "
                  "owner_id integer, n integer, name text, at timestamp, tag text, ok boolean);",
}
GOOD = {"n": 7, "name": "ok", "at": "2024-05-01 10:00:00", "tag": "x", "ok": True}
# Values each engine can hold that the column's annotation refuses.
BAD = {
    "sqlite": {"n": [None, "seven"], "name": [None], "at": [None, "not a date"], "tag": [None, "z"],
               "ok": [None]},  # SQLite reads any text as a truth value, so do its readers
    "postgresql": {"n": [None], "name": [None], "at": [None], "tag": [None], "ok": [None]},
}
SETTINGS = settings(max_examples=12, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def packages() -> Iterator[dict[tuple[str, str], ModuleType]]:
    with tempfile.TemporaryDirectory() as tmp:
        made = {}
        for engine in ("sqlite", "postgresql"):
            for rows in ("model", "tuple"):
                queries = QUERIES.format(p="?" if engine == "sqlite" else "$1")
                made[engine, rows] = generate(Path(tmp) / f"{engine}_{rows}", {"1.sql": SCHEMA[engine]},
                                              {"q.sql": queries}, engine=engine, out=f"read_errors_{engine}_{rows}",
                                              extra=f'rows = "{rows}"')
        with imported(made["sqlite", "model"]) as a, imported(made["sqlite", "tuple"]) as b, \
                imported(made["postgresql", "model"]) as c, imported(made["postgresql", "tuple"]) as d:
            yield {key: import_module(package, "queries.q") for key, package in zip(made, (a, b, c, d))}


@pytest.fixture(scope="module")
def connections(postgres_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    name = "drawn_read_errors"
    admin_url = postgres_server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"'.encode())
        admin.execute(f'CREATE DATABASE "{name}"'.encode())
    lite = sqlite3.connect(tmp_path_factory.mktemp("read_errors") / "loose.db", isolation_level=None)
    lite.executescript(LOOSE["sqlite"])
    with psycopg.connect(postgres_server.get_uri(database=name), autocommit=True) as pg:
        pg.execute(LOOSE["postgresql"].encode())
        yield {"sqlite": lite, "postgresql": pg}
    lite.close()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


def _fill(conn: Any, engine: str, count: int, bad_row: int, column: str, value: Any) -> None:
    mark = "?" if engine == "sqlite" else "%s"
    conn.execute("DELETE FROM items")
    conn.execute("DELETE FROM owners")
    conn.execute(f"INSERT INTO owners VALUES (1, {mark})", ("owner",))
    for i in range(count):
        row = dict(GOOD, **({column: value} if i == bad_row else {}))
        conn.execute(f"INSERT INTO items VALUES ({', '.join([mark] * 7)})",
                     (i, 1, row["n"], row["name"], row["at"], row["tag"], row["ok"]))


def _only_error(call: Any) -> tuple[str, dict[str, Any]]:
    with pytest.raises(pydantic.ValidationError) as caught:
        call()
    errors = caught.value.errors()
    assert len(errors) == 1, str(caught.value)
    return caught.value.title, errors[0]


@SETTINGS
@given(data=st.data())
@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
@pytest.mark.parametrize("rows", ["model", "tuple"])
def test_a_refused_value_is_reported_by_row_class_column_and_row(
        packages: dict[tuple[str, str], ModuleType], connections: dict[str, Any], engine: str, rows: str,
        data: st.DataObject) -> None:
    q, conn = packages[engine, rows], connections[engine]
    column = data.draw(st.sampled_from(sorted(BAD[engine])), label="column")
    value = data.draw(st.sampled_from(BAD[engine][column]), label="value")
    count = data.draw(st.integers(1, 4), label="rows")
    bad_row = data.draw(st.integers(0, count - 1), label="bad row")
    _fill(conn, engine, count, bad_row, column, value)

    title, error = _only_error(lambda: q.get_item(conn, id=bad_row))
    assert (title, error["loc"], error["input"]) == ("Item", (column,), value)
    title, error = _only_error(lambda: q.list_items(conn))
    assert title.startswith("list[") and error["loc"] == (bad_row, column) and error["input"] == value
    title, error = _only_error(lambda: q.list_pairs(conn))
    assert (title, error["loc"], error["input"]) == ("list[ListPairsRow]", (bad_row, "items", column), value)
    if column == "name":
        title, error = _only_error(lambda: q.list_names(conn))
        assert (title, error["loc"], error["input"]) == ("list[str]", (bad_row, "name"), value)
        _, error = _only_error(lambda: q.list_odd_names(conn))  # a column name is data in the generated code
        assert error["loc"] == (bad_row, 'it\'s "odd"\\')
