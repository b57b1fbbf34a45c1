"""Real databases for a case: its migrations applied, every table filled, a pool of stored values.

SQLite: a file per case, built and filled by tests/evidence.py (the type-evidence test's own
filler: about 30 rows a table, NULL wherever SQLite's schema allows it, row 0 NULL in every
nullable column).

PostgreSQL: one database for the whole harness (tests/conftest.py's embedded server), emptied
between cases (every non-system schema dropped, `public` recreated), because a CREATE DATABASE
per case would cost more than the case itself. Tables are filled here, with foreign keys and
triggers off (session_replication_role = replica, as SQLite is filled with foreign_keys OFF):
ROWS rows a table, each
value drawn by hypothesis from the column's own annotation (the one the generated models carry),
cast to the column's exact type (format_type), row 0 NULL in every nullable column, integer
primary keys numbered 1..ROWS. A table's rows go in at once; when one is refused, row by row,
each in its own savepoint, so a constraint only drops that row. Generated columns are left to PostgreSQL; identity ALWAYS columns get
OVERRIDING SYSTEM VALUE.
"""

from __future__ import annotations

import datetime
import decimal
import ipaddress
import re
import sqlite3
import typing
import uuid
import zlib
from pathlib import Path
from typing import Any

import psycopg
import psycopg.types.multirange
import psycopg.types.range
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from psycopg import sql
from psycopg.types.json import Jsonb

import evidence
from codegen import ir
from codegen.engines.registry import engine_named
from codegen.python.typemap import annotation
from codegen.sources import schema_files
from harness_projects import Generated
from harness_strategies import Pool, for_annotation
from harness_validity import postgresql_refuses

ROWS = 20
_NAMESPACE = {"datetime": datetime, "decimal": decimal, "ipaddress": ipaddress, "typing": typing, "uuid": uuid,
              "psycopg": psycopg}  # psycopg.types.range.Range[int]
FILL_SETTINGS = settings(max_examples=ROWS, database=None, deadline=None, derandomize=True,
                         phases=[Phase.generate], suppress_health_check=list(HealthCheck))


class SchemaRefused(Exception):
    """The engine refuses the case's migrations (an extension it lacks, sqlc-only syntax)."""


def _pool_add(pool: Pool, names: list[str], rows: list[Any]) -> None:
    for row in rows:
        for name, value in zip(names, row):
            if value is not None:
                values = pool.setdefault(name.lower(), [])
                if len(values) < 40 and value not in values:
                    values.append(value)


# --- SQLite -------------------------------------------------------------------------------------


def sqlite_database(gen: Generated, path: Path) -> tuple[sqlite3.Connection, Pool]:
    """A SQLite file with the migrations applied and every table filled; its stored values."""
    try:
        conn = evidence.build_database(gen.config, path)
    except sqlite3.Error as error:
        raise SchemaRefused(f"SQLite refuses the migrations: {error}") from error
    evidence.fill_tables(conn, gen.project, evidence.Evidence(gen.case.name), str(zlib.crc32(gen.case.name.encode())))
    pool: Pool = {}
    for table in gen.project.catalog.tables:
        try:
            cursor = conn.execute(f'SELECT * FROM "{table.name}"')
        except sqlite3.Error:
            continue
        _pool_add(pool, [d[0] for d in cursor.description], cursor.fetchall())
    return conn, pool


def sqlite_async_connector(gen: Generated, path: Path) -> typing.Callable[[], sqlite3.Connection]:
    """How the async connection opens (in aiosqlite's thread). A schema that ATTACHes a database
    (':memory:' or a file) holds part of its tables in that connection alone: the async side
    then gets a database of its own, built and filled the same way (the same seed, the same rows)."""
    if not any(re.search(r"\bATTACH\b", s.text, re.IGNORECASE) for s in schema_files(gen.config)):
        return lambda: sqlite3.connect(path, isolation_level=None)

    def build() -> sqlite3.Connection:
        conn, _ = sqlite_database(gen, path.with_suffix(".aio.sqlite3"))
        return conn
    return build


# --- PostgreSQL ---------------------------------------------------------------------------------

_RESET = """
DO $$
DECLARE s text;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
END $$;
CREATE SCHEMA public;
"""


def _relation(table: ir.Table) -> sql.Composable:
    return sql.Identifier(table.schema, table.name) if table.schema else sql.Identifier(table.name)


def postgres_database(gen: Generated, url: str) -> tuple[Pool, dict[tuple[str, str], str]]:
    """The harness database emptied, the case's migrations applied and every table filled; the
    stored values, and the statements PostgreSQL itself refuses (harness_validity)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET client_min_messages = warning")
        conn.execute("SET synchronous_commit = off")  # a throwaway database: no wait for the disk
        conn.execute(_RESET)
        for source in schema_files(gen.config):
            try:
                conn.execute(source.text.encode())
            except psycopg.Error as error:
                raise SchemaRefused(f"PostgreSQL refuses {source.path}: {error}") from error
        conn.execute("RESET ALL")  # a migration may SET search_path and the like
        conn.execute("SET synchronous_commit = off")
        # Foreign keys and triggers off while filling, as the SQLite side fills with foreign_keys
        # OFF: a row only ever drops for its own constraints (the calls run with them on).
        conn.execute("SET session_replication_role = replica")
        conn.autocommit = False
        tables = [t for t in gen.project.catalog.tables if not t.is_view]
        plans = [plan for plan in (_plan(conn, t) for t in tables) if plan is not None]
        rows: list[list[list[object]]] = [[] for _ in plans]
        counter = iter(range(10**9))

        @FILL_SETTINGS
        @given(st.data())
        def draw_row(data: st.DataObject) -> None:
            row = next(counter)
            for (_, columns), drawn in zip(plans, rows):
                drawn.append([_value(data, row, c) for c in columns])

        draw_row()
        for (statement, _), drawn in zip(plans, rows):
            try:  # all rows at once (pipelined); row by row when one of them is refused
                with conn.transaction(), conn.cursor() as cursor:
                    cursor.executemany(statement, drawn)
            except psycopg.Error:
                for values in drawn:
                    try:
                        with conn.transaction():
                            conn.execute(statement, values)
                    except psycopg.Error:
                        pass  # a constraint or a type refused the row: it is dropped
        conn.commit()
        pool: Pool = {}
        for table in tables:
            try:
                with conn.transaction():
                    cursor = conn.execute(sql.SQL("SELECT * FROM {}").format(_relation(table)))
                    _pool_add(pool, [d.name for d in cursor.description or ()], cursor.fetchall())
            except psycopg.Error:
                pass
        conn.commit()
        conn.execute("RESET session_replication_role")
        conn.commit()
        refused = postgresql_refuses(conn, gen.project)
        conn.rollback()
    return pool, refused


class _Column(typing.NamedTuple):
    name: str
    pg_type: str
    annotation: Any
    nullable: bool
    numbered: bool  # an integer primary key: row number + 1


def _plan(conn: psycopg.Connection[Any], table: ir.Table) -> tuple[sql.Composed, list[_Column]] | None:
    """The INSERT for one table and how each of its insertable columns is drawn."""
    try:
        with conn.transaction():
            info = conn.execute(
                "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attgenerated, a.attidentity, "
                "a.attnotnull, coalesce(a.attnum = ANY(i.indkey), false) AND i.indnatts = 1 "
                "FROM pg_attribute a LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary "
                "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                [_relation(table).as_string(conn)]).fetchall()
    except psycopg.Error:
        return None  # not a table PostgreSQL knows by this name (the catalog differs): nothing to fill
    declared = {c.name: c for c in table.columns}
    columns: list[_Column] = []
    overriding = False
    for name, pg_type, generated, identity, notnull, single_pk in info:
        if generated:
            continue
        overriding |= identity == "a"
        col = declared.get(name)
        if col is not None and col.type.composite:
            # a composite type's class lives in the generated package (models.PairType), not imported
            # here: its columns are filled with NULL, its values drawn for the calls' parameters
            ann: Any = type(None)
        else:
            ann = eval(annotation(col.type, False, engine_named("postgresql")), dict(_NAMESPACE)) if col else Any  # noqa: S307
        columns.append(_Column(name, pg_type, ann, not notnull, single_pk and pg_type in ("integer", "bigint", "smallint")))
    if not columns:
        return None
    statement = sql.SQL("INSERT INTO {} ({}) {}VALUES ({})").format(
        _relation(table), sql.SQL(", ").join(sql.Identifier(c.name) for c in columns),
        sql.SQL("OVERRIDING SYSTEM VALUE " if overriding else ""),
        sql.SQL(", ").join(sql.SQL("%s::" + c.pg_type) for c in columns))
    return statement, columns


def _value(data: st.DataObject, row: int, column: _Column) -> object:
    if column.numbered:
        return row + 1
    # Both draws happen on every row, whatever is kept: hypothesis needs the same sequence of
    # draws for the same choices (the row number is state it does not see).
    null_roll = data.draw(st.integers(0, 3)) if column.nullable else 1
    value = data.draw(for_annotation(column.annotation))
    if column.nullable and (row == 0 or null_roll == 0):
        return None
    if column.pg_type in ("json", "jsonb"):
        return Jsonb(value)
    return value
