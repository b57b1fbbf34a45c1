"""A generated column (GENERATED ALWAYS AS (...) [STORED | VIRTUAL], SQLite's bare AS (...)) is
computed by the database, which refuses a value for it when the statement runs: naming it in an
INSERT's columns or an UPDATE's SET was generated into a function that failed at every call.
Each such statement is now a located error at the column, and each refusal is checked against
the real engine (SQLite file, PostgreSQL server); what the engines accept (PostgreSQL's DEFAULT
for it) still generates, and the generated code reads the computed values back."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests._support import generate, import_module, imported, make_project, refused_by_engine, run_cli

SCHEMAS = {
    "sqlite": "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER NOT NULL, "
              "g INTEGER GENERATED ALWAYS AS (a * 2) STORED, v INTEGER AS (a + 1));",
    "postgresql": "CREATE TABLE t (id bigserial PRIMARY KEY, a integer NOT NULL, "
                  "g integer GENERATED ALWAYS AS (a * 2) STORED, v integer);",
}

# (engine, statement, the column the error points at)
REFUSED = [
    ("sqlite", "INSERT INTO t (a, g) VALUES (?, ?)", "g"),
    ("sqlite", "INSERT INTO t (a, v) SELECT a, v FROM t", "v"),
    ("sqlite", "UPDATE t SET v = ? WHERE id = ?", "v"),
    ("sqlite", "INSERT INTO t (id, a) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET g = excluded.a", "g"),
    ("postgresql", "INSERT INTO t (a, g) VALUES ($1, $2)", "g"),
    ("postgresql", "UPDATE t SET (a, g) = ($1, $2) WHERE id = $3", "g"),
    ("postgresql", "UPDATE t SET g = a WHERE id = $1", "g"),
]


@pytest.mark.parametrize("engine, sql, column", REFUSED, ids=[f"{e}:{s}" for e, s, _ in REFUSED])
def test_writing_a_generated_column_is_an_error_at_it_as_the_engine_refuses_it(
        engine: str, sql: str, column: str, tmp_path: Path, postgres_databases: Any) -> None:
    make_project(tmp_path, {"1.sql": SCHEMAS[engine]}, {"q.sql": f"-- name: Refused :exec\n{sql};\n"}, engine=engine)
    result = run_cli(tmp_path)
    assert result.code == 1 and "Traceback" not in result.stderr
    at = sql.index(f" {column}", sql.index(" t ") + 2) + 2  # the column's 1-based column on line 2
    assert f"q.sql:2:{at}: error:" in result.stderr, result.stderr
    assert f"column {column} of t is a generated column" in result.stderr
    url = postgres_databases("generated_refused") if engine == "postgresql" else ""
    assert refused_by_engine(engine, SCHEMAS[engine], sql, url, tmp_path)


PG_QUERIES = """
-- name: Add :one
INSERT INTO t (a, g, v) VALUES ($1, DEFAULT, $2) RETURNING *;

-- name: Recompute :one
UPDATE t SET a = $1, g = DEFAULT WHERE id = $2 RETURNING g;
"""

SQLITE_QUERIES = """
-- name: Add :one
INSERT INTO t (a) VALUES (?) RETURNING *;

-- name: SetA :one
UPDATE t SET a = ? WHERE id = ? RETURNING g, v;
"""


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, ModuleType]]:
    root = tmp_path_factory.mktemp("generated_columns")
    lite = generate(root / "lite", {"1.sql": SCHEMAS["sqlite"]}, {"q.sql": SQLITE_QUERIES}, out="gen_lite_generated")
    pg = generate(root / "pg", {"1.sql": SCHEMAS["postgresql"]}, {"q.sql": PG_QUERIES},
                  out="gen_pg_generated", engine="postgresql")
    with imported(lite) as lite_pkg, imported(pg) as pg_pkg:
        yield import_module(lite_pkg, "queries.q"), import_module(pg_pkg, "queries.q")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=st.integers(-(2 ** 29), 2 ** 29), b=st.integers(-(2 ** 29), 2 ** 29))
def test_what_the_engines_accept_still_generates_and_reads_the_computed_values(
        packages: tuple[ModuleType, ModuleType], tmp_path_factory: pytest.TempPathFactory,
        postgres_url: str, a: int, b: int) -> None:
    lite, pg = packages
    conn = sqlite3.connect(tmp_path_factory.mktemp("lite") / "lite.db")
    conn.execute(SCHEMAS["sqlite"])
    row = lite.add(conn, a=a)
    assert (row.a, row.g, row.v) == (a, a * 2, a + 1)
    changed = lite.set_a(conn, a=b, id=row.id)
    assert changed is not None and (changed.g, changed.v) == (b * 2, b + 1)
    conn.close()
    with psycopg.connect(postgres_url, autocommit=True) as server:
        server.execute(b"DROP TABLE IF EXISTS t")
        server.execute(SCHEMAS["postgresql"].encode())
        added = pg.add(server, a=a, v=b)
        assert (added.a, added.g, added.v) == (a, a * 2, b)
        assert pg.recompute(server, a=b, id=added.id) == b * 2
