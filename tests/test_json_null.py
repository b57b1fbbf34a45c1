"""A NOT NULL JSON column takes JSON's null: None given for it is the JSON value null, not SQL NULL.

Before, every JSON parameter sent None as SQL NULL, so a row read from a NOT NULL json/jsonb column
holding JSON null (read as None) could not be written back, and None raised a NOT NULL violation.
A nullable JSON column keeps None as SQL NULL. Called on a real SQLite file and a real PostgreSQL
server, sync and async, one-row inserts, updates and :copyfrom."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import aiosqlite
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import generate, import_module, imported

SCHEMA = {
    "sqlite": "CREATE TABLE docs (id INTEGER PRIMARY KEY, body JSON NOT NULL, extra JSON);",
    "postgresql": "CREATE TABLE docs (id INTEGER PRIMARY KEY, body JSONB NOT NULL, extra JSON, text_body JSON NOT NULL "
                  "DEFAULT 'null');",
}
QUERIES = """
-- name: AddDoc :one
INSERT INTO docs (id, body, extra) VALUES (sqlc.arg(id), sqlc.arg(body), sqlc.narg(extra)) RETURNING *;

-- name: SetBody :exec
UPDATE docs SET body = sqlc.arg(body) WHERE id = sqlc.arg(id);

-- name: CopyDocs :copyfrom
INSERT INTO docs (id, body, extra) VALUES (sqlc.arg(id), sqlc.arg(body), sqlc.narg(extra));

-- name: NullnessOf :one
SELECT body IS NULL AS body_sql_null, extra IS NULL AS extra_sql_null FROM docs WHERE id = sqlc.arg(id);
"""
PG_TEXT = "-- name: SetTextBody :one\nUPDATE docs SET text_body = sqlc.arg(text_body) WHERE id = sqlc.arg(id) RETURNING text_body;\n"

json_values = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=5),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                                          max_size=3), max_leaves=5)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def package(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ModuleType]]:
    engine = request.param
    queries = QUERIES + (PG_TEXT if engine == "postgresql" else "")
    out = generate(tmp_path_factory.mktemp(f"json_null_{engine}"), {"1.sql": SCHEMA[engine]}, {"docs.sql": queries},
                   out=f"json_null_{engine}", engine=engine, emit_async=True)
    with imported(out) as pkg:
        yield engine, pkg


@pytest.fixture
def connect(package: tuple[str, ModuleType], tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    """A function making a fresh connection (sync or async) to one database with the schema."""
    engine = package[0]
    if engine == "sqlite":
        path = tmp_path / "docs.sqlite3"
        with sqlite3.connect(path) as conn:
            conn.execute(SCHEMA["sqlite"])
        return lambda aio=False: aiosqlite.connect(path, isolation_level=None) if aio else \
            sqlite3.connect(path, isolation_level=None)
    url = request.getfixturevalue("postgres_url")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SCHEMA["postgresql"])
    return lambda aio=False: psycopg.AsyncConnection.connect(url, autocommit=True) if aio else \
        psycopg.connect(url, autocommit=True)


def _pair(row: Any) -> tuple[bool, bool]:
    """(body IS NULL, extra IS NULL) as bools (SQLite answers 0 or 1)."""
    return bool(row.body_sql_null), bool(row.extra_sql_null)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=json_values, extra=json_values)
def test_none_for_a_not_null_json_column_is_json_null(package: tuple[str, ModuleType], connect: Any, body: Any,
                                                      extra: Any) -> None:
    engine, pkg = package
    q, aq = import_module(pkg, "queries.docs"), import_module(pkg, "aio.docs")
    conn = connect()
    try:
        conn.execute("DELETE FROM docs")
        row = q.add_doc(conn, id=1, body=None, extra=extra)  # raised NotNullViolation / IntegrityError before
        assert (row.body, row.extra) == (None, extra)
        assert _pair(q.nullness_of(conn, id=1)) == (False, extra is None)  # JSON null, SQL NULL only if nullable
        q.set_body(conn, id=1, body=body)
        q.set_body(conn, id=1, body=q.add_doc(conn, id=2, body=body, extra=None).body)  # a value read, written back
        assert q.nullness_of(conn, id=2).body_sql_null is False
        assert q.copy_docs(conn, [q.CopyDocsParams(3, None, None), q.CopyDocsParams(4, body, extra)]) == 2
        assert _pair(q.nullness_of(conn, id=3)) == (False, True)
        if engine == "postgresql":
            assert q.set_text_body(conn, text_body=None, id=1) is None and \
                conn.execute("SELECT text_body::text FROM docs WHERE id = 1").fetchone() == ("null",)

        async def run() -> Any:
            aconn = await connect(aio=True)
            try:
                added = await aq.add_doc(aconn, id=5, body=None, extra=None)
                await aq.set_body(aconn, id=5, body=None)
                return added, await aq.nullness_of(aconn, id=5)
            finally:
                await aconn.close()

        added, nullness = asyncio.run(run())
        assert added.body is None and _pair(nullness) == (False, True)
    finally:
        conn.close()
