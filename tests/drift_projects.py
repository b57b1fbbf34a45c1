"""Drawn projects for the drift property tests: tables with drawn columns spread over migrations
(created with their table, or added by a later ALTER TABLE), rendered one statement per line so
each column's declaring statement has a known line. A change to one column's declaration renders
the live database's migrations; the reference keeps the original."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from hypothesis import strategies as st

TYPES = {"sqlite": ["INTEGER", "TEXT", "REAL", "BLOB", "TIMESTAMP", "NUMERIC"],
         "postgresql": ["integer", "text", "double precision", "bytea", "timestamp without time zone",
                        "numeric(10,2)"]}
DEFAULTS = {"INTEGER": "7", "TEXT": "'x'", "REAL": "1.5", "BLOB": "x'00'", "TIMESTAMP": "'2024-01-01 00:00:00'",
            "NUMERIC": "3", "integer": "7", "text": "'x'::text", "double precision": "1.5",
            "bytea": "'\\x00'::bytea", "timestamp without time zone": "'2024-01-01 00:00:00'::timestamp without time zone",
            "numeric(10,2)": "3.00"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool
    default: bool
    migration: int  # 0: in CREATE TABLE; n > 0: ALTER TABLE ADD COLUMN in migration n


@dataclass(frozen=True)
class Table:
    name: str
    migration: int
    columns: tuple[Column, ...]


def declaration(column: Column) -> str:
    return (f'"{column.name}" {column.type}' + (" NOT NULL" if column.not_null else "")
            + (f" DEFAULT {DEFAULTS[column.type]}" if column.default else ""))


def render(tables: tuple[Table, ...], migrations: int) -> dict[str, str]:
    files = {n: [] for n in range(migrations)}  # type: dict[int, list[str]]
    for table in tables:
        created = [c for c in table.columns if c.migration <= table.migration]
        files[table.migration].append(f'CREATE TABLE "{table.name}" (id INTEGER PRIMARY KEY'
                                      + "".join(", " + declaration(c) for c in created) + ");")
        for column in table.columns:
            if column.migration > table.migration:
                files[column.migration].append(f'ALTER TABLE "{table.name}" ADD COLUMN {declaration(column)};')
    return {f"{n + 1:04d}_m.sql": "-- drawn\n" + "\n".join(lines) + "\n" for n, lines in files.items()}


def declaring_line(files: dict[str, str], table: Table, column: Column) -> str:
    """`schema/file:line` of the statement that declares the column."""
    for name, text in files.items():
        for number, line in enumerate(text.splitlines(), 1):
            if f'"{table.name}"' in line and f'"{column.name}"' in line:
                return f"schema/{name}:{number}"
    raise AssertionError(column)


@st.composite
def projects(draw: st.DrawFn, engine: str) -> tuple[tuple[Table, ...], int]:
    migrations = draw(st.integers(1, 3))
    names = st.lists(st.from_regex(r"\A[a-z][a-z0-9_]{0,8}\Z"), min_size=1, max_size=3, unique=True)
    tables = []
    for table_name in draw(names):
        created = draw(st.integers(0, migrations - 1))
        columns = []
        for column_name in draw(names):
            later = draw(st.integers(created, migrations - 1))
            default = draw(st.booleans())
            # ADD COLUMN ... NOT NULL needs a default
            not_null = draw(st.booleans()) and (default or later == created)
            columns.append(Column(f"c_{column_name}", draw(st.sampled_from(TYPES[engine])), not_null, default, later))
        tables.append(Table(f"t_{table_name}", created, tuple(columns)))
    return tuple(tables), migrations


CHANGES = ("type", "not_null", "default", "dropped")


def changed(tables: tuple[Table, ...], table: Table, column: Column, change: str, engine: str
            ) -> tuple[tuple[Table, ...], str]:
    """The tables with one column's declaration changed, and the message fragment it must cause."""
    if change == "dropped":
        new_columns = tuple(c for c in table.columns if c != column)
        message = f"column {table.name}.{column.name} is missing from the database"
    else:
        if change == "type":
            replacement = dataclasses.replace(column, type=next(t for t in TYPES[engine] if t != column.type))
        elif change == "not_null":
            replacement = dataclasses.replace(column, not_null=not column.not_null,
                                              default=column.default or column.migration > table.migration)
        else:
            replacement = dataclasses.replace(column, default=not column.default)
        new_columns = tuple(replacement if c == column else c for c in table.columns)
        message = f"column {table.name}.{column.name}: {change.replace('_', ' ')}:"
    return tuple(dataclasses.replace(t, columns=new_columns) if t == table else t for t in tables), message
