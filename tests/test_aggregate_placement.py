"""Aggregates and window functions where the engines refuse them, decided by the engines.

`WHERE count(*) > 1`, `GROUP BY count(*)`, `max(count(*))`, a window function in WHERE or HAVING,
an aggregate in a JOIN's ON, `x IN (SELECT a, b ...)`: PostgreSQL generated a function for each
that failed at every call (no server at hand when generating; SQLite's now compiles each query).
The analysis refuses them (codegen/analyze/placement.py). Every combination of a call and the
clause it stands in, one reading an enclosing query's column (then it is that query's aggregate,
and valid), on both engines. The oracle is the engine itself: SQLite's EXPLAIN, PostgreSQL's PREPARE.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from _support import make_project, run_cli

SCHEMA = "CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER NOT NULL, g INTEGER NOT NULL);\n"
CALLS = ["count(*)", "sum(t.x)", "max(t.g)", "row_number() OVER ()", "sum(t.x) OVER (PARTITION BY t.g)",
         "count(o.x)"]  # o: the enclosing query's row (only inside the subquery shape)
SHAPES = [
    "SELECT t.g FROM t WHERE {c} > 0",
    "SELECT t.g FROM t GROUP BY t.g, {c}",
    "SELECT t.g FROM t GROUP BY t.g HAVING {c} > 0",
    "SELECT t.g FROM t JOIN t AS u ON u.id = t.id AND {c} > 0",
    "SELECT max({c}) AS m FROM t",
    "SELECT t.g, {c} AS v FROM t GROUP BY t.g",
    "SELECT t.g FROM t GROUP BY t.g ORDER BY {c}",
    "SELECT o.g FROM t AS o GROUP BY o.g HAVING EXISTS (SELECT 1 FROM t WHERE {c} > 0)",
    "SELECT t.id FROM t WHERE t.id IN (SELECT t.id, {c} FROM t)",
    "DELETE FROM t WHERE {c} > 0",
]
# What both engines say of a misplaced aggregate or window function (not other grouping errors,
# such as a column missing from GROUP BY, which only PostgreSQL has and the analysis leaves alone).
PLACEMENT = ("not allowed in", "cannot be nested", "misuse of aggregate", "misuse of window",
             "sub-select returns", "subquery has too many columns")


def _sqlite_refusal(sql: str) -> str | None:
    conn = sqlite3.connect(":memory:")
    conn.execute(SCHEMA)
    try:
        conn.execute("EXPLAIN " + sql).fetchall()
    except sqlite3.Error as error:
        return str(error)
    return None


@pytest.fixture(scope="module")
def pg(postgres_server: Any) -> Iterator[psycopg.Connection[Any]]:
    """One connection for every probe, its table in a schema of its own (dropped after)."""
    with psycopg.connect(postgres_server.get_uri(), autocommit=True) as conn:
        conn.execute("CREATE SCHEMA placement_probe")
        conn.execute("SET search_path TO placement_probe")
        conn.execute(SCHEMA)
        yield conn
        conn.execute("DROP SCHEMA placement_probe CASCADE")


def _postgres_refusal(conn: psycopg.Connection[Any], sql: str) -> str | None:
    try:
        with conn.transaction(force_rollback=True):
            conn.execute(f"PREPARE probe AS {sql}")
    except psycopg.Error as error:
        return str(error)
    return None


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
@pytest.mark.parametrize("sql", sorted({shape.format(c=call) for shape in SHAPES for call in CALLS
                                        if "o." not in call or "AS o" in shape}))
def test_a_misplaced_aggregate_is_refused_exactly_when_the_engine_refuses_it(
        tmp_path_factory: Any, pg: psycopg.Connection[Any], engine: str, sql: str) -> None:
    refused_by_engine = _sqlite_refusal(sql) if engine == "sqlite" else _postgres_refusal(pg, sql)
    root = make_project(tmp_path_factory.mktemp("p"), {"1.sql": SCHEMA},
                        {"q.sql": f"-- name: Q :exec\n{sql};\n"}, engine=engine)
    result = run_cli(root)
    placement_refusal = refused_by_engine is not None and any(p in refused_by_engine for p in PLACEMENT)
    if placement_refusal:
        assert result.code == 1 and result.errors[0].startswith("queries/q.sql:2:"), (sql, refused_by_engine)
    ours = [e for e in result.errors if any(p in e for p in PLACEMENT)]
    if ours:
        assert refused_by_engine is not None, (sql, ours)
    if refused_by_engine is None:
        assert result.code == 0, (sql, result.stderr)
