"""A migration file that is one transaction (`BEGIN;` first, `COMMIT;` last) migrates.

golang-migrate wraps nothing, so its PostgreSQL files often carry their own `BEGIN;` ... `COMMIT;`.
The runner wraps each step in its own transaction and refused every `BEGIN`, so a project adopting
codegen's runner could not apply such a file (generation and lint accepted it). The pair around
the whole file is now left out: the step is still one transaction with its version row. Anything
else that ends or nests the runner's transaction stays refused at its line, nothing applied.

Drawn: the wrapper's spelling and case, the body, and whether a statement of the body fails; the
oracle is the body applied by hand, on a real SQLite file and a real PostgreSQL server.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Callable

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import make_project, run_cli

OPENS = {"sqlite": ["BEGIN", "BEGIN TRANSACTION", "BEGIN IMMEDIATE", "begin deferred transaction"],
         "postgresql": ["BEGIN", "BEGIN TRANSACTION", "BEGIN WORK", "START TRANSACTION"]}
CLOSES = ["COMMIT", "COMMIT TRANSACTION", "END", "commit work"]


def _cased(draw: st.DrawFn, text: str) -> str:
    return "".join(c.upper() if draw(st.booleans()) else c.lower() for c in text)


@st.composite
def wrapped_files(draw: st.DrawFn, engine: str) -> tuple[str, list[str], bool]:
    """(the file, the tables its body makes, whether a statement of the body fails)."""
    tables = draw(st.lists(st.sampled_from(["alpha", "beta", "gamma"]), min_size=1, max_size=3, unique=True))
    body = [f"CREATE TABLE {t} (id INTEGER PRIMARY KEY, note TEXT);" for t in tables]
    fails = draw(st.booleans())
    if fails:
        body.insert(draw(st.integers(0, len(body))), "INSERT INTO no_such_table VALUES (1);")
    opening = _cased(draw, draw(st.sampled_from(OPENS[engine])))
    closing = _cased(draw, draw(st.sampled_from(CLOSES)))
    ending = draw(st.sampled_from([";\n", ";", "\n", ""]))
    return f"-- a golang-migrate file\n{opening};\n" + "\n".join(body) + f"\n{closing}{ending}", tables, fails


def _migrate(root: Path, db: str) -> Any:
    return run_cli(root, "migrate", "--db", db)


def _sqlite_tables(db: str) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    finally:
        conn.close()


def _pg_tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


FIRST = "CREATE TABLE base (id INTEGER PRIMARY KEY);\n"
QUERIES = {"q.sql": "-- name: Bases :many\nSELECT id FROM base;\n"}


def _check(root: Path, db: str, tables: set[str], file: str, body_tables: list[str], fails: bool,
           engine: str) -> None:
    make_project(root, {"000001_base.up.sql": FIRST, "000002_wrapped.up.sql": file}, QUERIES, engine=engine)
    result = _migrate(root, db)
    if fails:
        assert result.code == 1 and result.stderr.startswith("schema/000002_wrapped.up.sql:")
        assert ":1: error: " in result.stderr and "Traceback" not in result.stderr
        assert tables(db) == {"base", "schema_migrations"}, "the failing step is rolled back whole"
    else:
        assert result.code == 0, result.stderr
        assert tables(db) == {"base", "schema_migrations", *body_tables}
        assert _migrate(root, db).code == 0  # applied once, checksum of the file as written: no edit seen


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=wrapped_files("sqlite"))
def test_sqlite_a_file_wrapped_in_one_transaction_migrates_as_its_body(
        tmp_path_factory: pytest.TempPathFactory, drawn: tuple[str, list[str], bool]) -> None:
    root = tmp_path_factory.mktemp("wrapped")
    _check(root, str(root / "app.db"), _sqlite_tables, *drawn, engine="sqlite")


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=wrapped_files("postgresql"))
def test_postgres_a_file_wrapped_in_one_transaction_migrates_as_its_body(
        tmp_path_factory: pytest.TempPathFactory, postgres_databases: Callable[[str], str],
        drawn: tuple[str, list[str], bool]) -> None:
    root = tmp_path_factory.mktemp("wrapped")
    _check(root, postgres_databases("wrapped"), _pg_tables, *drawn, engine="postgresql")


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
@pytest.mark.parametrize("file, line, keyword", [
    ("CREATE TABLE a (id INTEGER);\nCOMMIT;\nCREATE TABLE b (id INTEGER);\n", 2, "COMMIT"),
    ("BEGIN;\nCREATE TABLE a (id INTEGER);\nROLLBACK;\n", 1, "BEGIN"),
    # the pair around the file is left out; what is between still ends the runner's transaction
    ("BEGIN;\nCREATE TABLE a (id INTEGER);\nCOMMIT;\nBEGIN;\nCREATE TABLE b (id INTEGER);\nCOMMIT;\n", 3, "COMMIT"),
    ("CREATE TABLE a (id INTEGER);\nSAVEPOINT s;\nCREATE TABLE b (id INTEGER);\nRELEASE s;\n", 2, "SAVEPOINT"),
])
def test_what_would_end_or_nest_the_runners_transaction_is_refused(
        tmp_path: Path, request: pytest.FixtureRequest, engine: str, file: str, line: int, keyword: str) -> None:
    db = str(tmp_path / "app.db") if engine == "sqlite" else request.getfixturevalue("postgres_url")
    tables = _sqlite_tables if engine == "sqlite" else _pg_tables
    make_project(tmp_path, {"000001_base.up.sql": FIRST, "000002_x.up.sql": file}, QUERIES, engine=engine)
    result = _migrate(tmp_path, db)
    assert result.code == 1
    assert result.stderr.startswith(f"schema/000002_x.up.sql:{line}:1: error: {keyword} is not allowed in a migration"), \
        result.stderr
    assert tables(db) == {"base", "schema_migrations"}


def test_postgres_a_wrapper_that_sets_a_mode_is_refused(tmp_path: Path, postgres_url: str) -> None:
    """`BEGIN ISOLATION LEVEL SERIALIZABLE` asks for what the runner's transaction is not."""
    file = "BEGIN ISOLATION LEVEL SERIALIZABLE;\nCREATE TABLE a (id INTEGER);\nCOMMIT;\n"
    make_project(tmp_path, {"000001_base.up.sql": FIRST, "000002_x.up.sql": file}, QUERIES, engine="postgresql")
    result = _migrate(tmp_path, postgres_url)
    assert result.code == 1
    assert result.stderr.startswith("schema/000002_x.up.sql:1:1: error: BEGIN is not allowed in a migration")
    assert _pg_tables(postgres_url) == {"base", "schema_migrations"}
