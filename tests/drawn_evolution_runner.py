"""Oracle 3 of tests/test_drawn_evolution*.py: the migration runner the package carries
(`migrations.migrate`) against the history applied statement by statement.

- From scratch: `migrate(db)` on an empty database builds the schema the history builds.
- In place: a database at an intermediate version (`migrate(db, target=k)`), filled with rows,
  then `migrate(db)`, ends with the schema and the very rows of a database that ran the first k
  migrations, got the same rows, and ran the rest by hand. Nothing lost, nothing changed.

Rows are drawn per column from the type codegen maps the database's declared type to
(drawn_evolution_calls.values), inserted by raw SQL; a row the database refuses is left out of
both databases alike.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

from hypothesis import strategies as st

from codegen import ir
from codegen.catalog.state import SchemaState
from tests.drawn_evolution_calls import quoted, values
from tests.drawn_evolution_db import DbSchema

Row = tuple[str, list[str], list[Any]]  # (qualified table, columns, values)


def draw_rows(data: st.DataObject, state: SchemaState, db: DbSchema, convert: Callable[[Any, str], Any]) -> list[Row]:
    """Two rows per table of the schema as it is now, every column the database lets one write;
    convert(value, declared type): the value as the driver takes it."""
    rows: list[Row] = []
    for relation in db.relations:
        if relation.is_view or not relation.columns:
            continue
        columns = [c for c in relation.columns if not c.generated]
        typed = [ir.Column(c.name, c.type, state.type_of(c.type), not c.not_null) for c in columns]
        qualified = f"{quoted(relation.schema)}.{quoted(relation.name)}" if relation.schema else quoted(relation.name)
        for _ in range(2):
            rows.append((qualified, [c.name for c in columns],
                         [convert(data.draw(values(t)), c.type) for t, c in zip(typed, columns)]))
    return rows


def sqlite_value(value: Any, column_type: str) -> Any:
    """A drawn value as raw SQL on SQLite stores it (what the generated code would write)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).replace(tzinfo=None).isoformat(" ") if value.tzinfo \
            else value.isoformat(" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


def postgresql_value(value: Any, column_type: str) -> Any:
    from psycopg.types.json import Jsonb

    return Jsonb(value) if column_type in ("jsonb", "json") else value


def insert(execute: Callable[[str, list[Any]], None], rows: list[Row], marker: str,
           refused: tuple[type[BaseException], ...], savepoint: Callable[[], Any]) -> list[Row]:
    """Insert each row under a savepoint; returns the rows the database took."""
    taken = []
    for table, columns, row in rows:
        if not columns:
            continue
        sql = f"INSERT INTO {table} ({', '.join(map(quoted, columns))}) VALUES ({', '.join([marker] * len(columns))})"
        try:
            with savepoint():
                execute(sql, row)
            taken.append((table, columns, row))
        except refused:
            continue
    return taken


@contextlib.contextmanager
def sqlite_savepoint(conn: sqlite3.Connection) -> Iterator[None]:
    """A savepoint on an autocommit connection: rolled back if the block raises."""
    conn.execute("SAVEPOINT drawn")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK TO drawn")
        raise
    finally:
        conn.execute("RELEASE drawn")


def fill_sqlite(path: Path, rows: list[Row]) -> list[Row]:
    """Insert the rows into the SQLite file, foreign keys enforced (so a migration's key check
    finds what it would in use); returns the rows the database took."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        return insert(lambda sql, row: conn.execute(sql, row), rows, "?",
                      (sqlite3.IntegrityError, sqlite3.OperationalError), lambda: sqlite_savepoint(conn))
    finally:
        conn.close()
