"""The real databases of tests/test_drawn_evolution*.py: apply a drawn history, keeping only the
statements the database takes, and read back what the database itself says it holds.

The reading is written here, on purpose apart from codegen's own introspection
(codegen/engines/*/introspect.py), so the oracle shares no code with what it checks: SQLite's
sqlite_schema and PRAGMA table_xinfo, PostgreSQL's pg_class, pg_attribute, pg_index and pg_enum.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DbColumn:
    name: str
    type: str  # as the database prints it (SQLite: as declared; PostgreSQL: format_type)
    not_null: bool
    pk: bool
    generated: bool = False  # computed by the database (GENERATED ALWAYS AS ...): no INSERT names it


@dataclass(frozen=True)
class DbRelation:
    schema: str | None  # None: main (SQLite) or public (PostgreSQL)
    name: str
    is_view: bool
    columns: tuple[DbColumn, ...] | None  # None: a view the database can no longer expand


@dataclass(frozen=True)
class DbSchema:
    relations: tuple[DbRelation, ...]
    enums: tuple[tuple[str | None, str, tuple[str, ...]], ...] = ()
    indexes: tuple[str, ...] = ()


# -- applying ----------------------------------------------------------------------------------------

def apply_sqlite(conn: sqlite3.Connection, history: list[list[str]]) -> tuple[list[list[str]], int]:
    """Each migration in a transaction, each statement under a savepoint: what SQLite refuses is
    rolled back and left out. Returns (the accepted history, how many statements were refused)."""
    conn.isolation_level = None
    accepted: list[list[str]] = []
    refused = 0
    for migration in history:
        kept = []
        conn.execute("BEGIN")
        for statement in migration:
            conn.execute("SAVEPOINT s")
            try:
                conn.execute(statement)
                kept.append(statement)
            except sqlite3.Error:
                conn.execute("ROLLBACK TO s")
                refused += 1
            conn.execute("RELEASE s")
        conn.execute("COMMIT")
        if kept:
            accepted.append(kept)
    return accepted, refused


def apply_postgresql(conn: Any, history: list[list[str]]) -> tuple[list[list[str]], int]:
    """apply_sqlite on a psycopg connection: one transaction per migration, as the runner does."""
    import psycopg

    accepted: list[list[str]] = []
    refused = 0
    for migration in history:
        kept = []
        with conn.transaction():
            for statement in migration:
                try:
                    with conn.transaction():
                        conn.execute(statement.encode())
                    kept.append(statement)
                except psycopg.Error:
                    refused += 1
        if kept:
            accepted.append(kept)
    return accepted, refused


def run_all(execute: Any, history: list[list[str]]) -> None:
    for migration in history:
        for statement in migration:
            execute(statement)


# -- reading -----------------------------------------------------------------------------------------

def sqlite_schema(conn: sqlite3.Connection) -> DbSchema:
    relations = []
    rows = conn.execute("SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') "
                        "AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name").fetchall()
    for name, kind in rows:
        try:
            info = conn.execute(f'PRAGMA table_xinfo("{name}")').fetchall()
        except sqlite3.Error:  # a view over a table since dropped or renamed away
            relations.append(DbRelation(None, name, kind == "view", None))
            continue
        # hidden: 1 a virtual table's hidden column, 2 and 3 a generated one
        columns = tuple(DbColumn(r[1], r[2], bool(r[3]), r[5] > 0, r[6] in (2, 3)) for r in info if r[6] != 1)
        relations.append(DbRelation(None, name, kind == "view", columns))
    indexes = tuple(r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'index' "
                                               "AND name NOT LIKE 'sqlite_%' ORDER BY name"))
    return DbSchema(tuple(relations), (), indexes)


def postgresql_schema(conn: Any) -> DbSchema:
    rows = conn.execute("""
        SELECT c.oid, n.nspname, c.relname, c.relkind = 'v'
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'v', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg_toast%' AND c.relname <> 'schema_migrations'
        ORDER BY n.nspname, c.relname""").fetchall()
    relations = []
    for oid, schema, name, is_view in rows:
        keys = {r[0] for r in conn.execute("""
            SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid
             AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s AND i.indisprimary""", (oid,))}
        columns = tuple(DbColumn(r[0], r[1], r[2], r[0] in keys, r[3]) for r in conn.execute("""
            SELECT attname, format_type(atttypid, atttypmod), attnotnull, attgenerated <> '' FROM pg_attribute
            WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped ORDER BY attnum""", (oid,)))
        relations.append(DbRelation(None if schema == "public" else schema, name, is_view, columns))
    enums = tuple((None if r[0] == "public" else r[0], r[1], tuple(r[2])) for r in conn.execute("""
        SELECT n.nspname, t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
        FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace
        GROUP BY n.nspname, t.typname ORDER BY 1, 2"""))
    indexes = tuple(r[0] for r in conn.execute("""
        SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_index i ON i.indexrelid = c.oid
        WHERE c.relkind = 'i' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg_toast%' AND i.indrelid::regclass::text <> 'schema_migrations'
        ORDER BY 1"""))
    return DbSchema(tuple(relations), enums, indexes)


def sqlite_rows(conn: sqlite3.Connection, schema: DbSchema) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted, for comparing two databases' contents."""
    return {r.name: sorted(conn.execute(f'SELECT * FROM "{r.name}"').fetchall(), key=repr)
            for r in schema.relations if not r.is_view}


def postgresql_rows(conn: Any, schema: DbSchema) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for r in schema.relations:
        if not r.is_view:
            qualified = f'"{r.schema}"."{r.name}"' if r.schema else f'"{r.name}"'
            out[f"{r.schema}.{r.name}"] = sorted(conn.execute(f"SELECT * FROM {qualified}".encode()).fetchall(),
                                                 key=repr)
    return out
