"""Synthetic projects for the migration runner's tests: the same three migrations written in each
layout codegen reads (golang-migrate, goose, dbmate, plain files), generated for SQLite or
PostgreSQL into a folder of their own."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from hypothesis import strategies as st

from _support import make_project, run_cli, write_files

LAYOUTS = ("golang-migrate", "goose", "dbmate", "plain")


@dataclasses.dataclass(frozen=True)
class Step:
    name: str
    up: str
    down: str | None


STEPS = (
    Step("create_authors", "CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n",
         "DROP TABLE authors;\n"),
    Step("create_books",
         "-- books; an index for the author lookups\n"
         "CREATE TABLE books (\n    id INTEGER PRIMARY KEY,\n"
         "    author_id INTEGER NOT NULL REFERENCES authors (id),\n    title TEXT NOT NULL\n);\n"
         "CREATE INDEX books_author ON books (author_id);\n",
         "DROP INDEX books_author;\nDROP TABLE books;\n"),
    Step("add_isbn", "ALTER TABLE books ADD COLUMN isbn TEXT;\n", "ALTER TABLE books DROP COLUMN isbn;\n"),
)

QUERIES = {"books.sql": "-- name: CountBooks :one\nSELECT count(*) AS n FROM books;\n"}


def file_name(layout: str, number: int, name: str) -> str:
    if layout == "golang-migrate":
        return f"{number:06d}_{name}.up.sql"
    if layout == "goose":
        return f"{number:05d}_{name}.sql"
    if layout == "dbmate":
        return f"{20240101000000 + number}_{name}.sql"
    return f"{number:03d}_{name}.sql"


def version(layout: str, number: int, name: str) -> str:
    return file_name(layout, number, name).removesuffix(".sql").removesuffix(".up")


def schema_files(layout: str, steps: tuple[Step, ...] = STEPS) -> dict[str, str]:
    files = {}
    for number, step in enumerate(steps, 1):
        name = file_name(layout, number, step.name)
        if layout == "golang-migrate":
            files[name] = step.up
            if step.down is not None:
                files[name.replace(".up.sql", ".down.sql")] = step.down
        elif layout == "goose":
            files[name] = f"-- +goose Up\n{step.up}\n-- +goose Down\n{step.down or ''}"
        elif layout == "dbmate":
            files[name] = f"-- migrate:up\n{step.up}\n-- migrate:down\n{step.down or ''}"
        else:
            files[name] = step.up
    return files


def project(root: Path, layout: str, engine: str = "sqlite", steps: tuple[Step, ...] = STEPS) -> Path:
    """Write and generate the project; its package is root/gen."""
    make_project(root, schema_files(layout, steps), QUERIES, engine=engine)
    regenerate(root)
    return root / "gen"


def regenerate(root: Path) -> None:
    result = run_cli(root)
    assert result.code == 0, result.stderr


def edit(root: Path, layout: str, number: int, step: Step) -> Path:
    """Rewrite one migration's file (its up SQL changed); the path edited."""
    name = file_name(layout, number, step.name)
    write_files(root / "schema", {name: schema_files(layout, (step,))[file_name(layout, 1, step.name)]})
    return root / "schema" / name


def versions(layout: str, steps: tuple[Step, ...] = STEPS) -> list[str]:
    return [version(layout, n, s.name) for n, s in enumerate(steps, 1)]


# -- drawn migration sequences (hypothesis), valid SQL on SQLite and PostgreSQL ------------------------

_NAMES = st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]), min_size=1, max_size=5,
                  unique=True)


@st.composite
def sequences(draw: st.DrawFn) -> list[tuple[str, str]]:
    """(up, down) pairs: tables created (some referencing the one before), columns added, indexes."""
    steps: list[tuple[str, str]] = []
    tables: list[str] = []
    for name in draw(_NAMES):
        kind = draw(st.sampled_from(["table", "column", "index"]) if tables else st.just("table"))
        if kind == "table":
            ref = f", parent INTEGER REFERENCES {tables[-1]} (id)" if tables and draw(st.booleans()) else ""
            steps.append((f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, label TEXT NOT NULL{ref});",
                          f"DROP TABLE {name};"))
            tables.append(name)
        elif kind == "column":
            steps.append((f"ALTER TABLE {tables[-1]} ADD COLUMN {name} TEXT;",
                          f"ALTER TABLE {tables[-1]} DROP COLUMN {name};"))
        else:
            steps.append((f"CREATE INDEX idx_{name} ON {tables[0]} (label);", f"DROP INDEX idx_{name};"))
    return steps


def schema_of(path: Path) -> list[tuple[str, str, str]]:
    """The SQLite file's schema as sqlite_master holds it, less the runner's own tables."""
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT IN ('schema_migrations', 'sqlite_sequence') "
            "AND sql IS NOT NULL"))
    finally:
        conn.close()
