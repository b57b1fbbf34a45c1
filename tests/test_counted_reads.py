""":execrows and :execresult of a statement that changes no rows (a SELECT), as sqlc's own
pg_advisory_lock case writes them: PostgreSQL's rowcount is the number of rows the SELECT returned,
while sqlite3 leaves it -1, so the same query returned -1 on SQLite and a count on PostgreSQL. Both
engines now return the rows it returned, sync and async, checked here against count(*) on a real
SQLite file and a real PostgreSQL server over drawn rows."""

from __future__ import annotations

import asyncio
import contextlib
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

from tests._support import generate, import_module, imported

SCHEMA = "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
QUERIES = """
-- name: CountAbove :execrows
SELECT id FROM t WHERE n > sqlc.arg(floor);

-- name: ResultAbove :execresult
WITH above AS (SELECT id, n FROM t WHERE n > sqlc.arg(floor)) SELECT id FROM above;
"""


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[ModuleType, ModuleType]]]:
    out = {}
    with contextlib.ExitStack() as stack:
        for engine in ("sqlite", "postgresql"):
            root = generate(tmp_path_factory.mktemp(f"counted_{engine}"), {"1.sql": SCHEMA}, {"q.sql": QUERIES},
                            engine=engine, emit_async=True, out=f"gen_counted_{engine}")
            package = stack.enter_context(imported(root))
            out[engine] = (import_module(package, "queries.q"), import_module(package, "aio.q"))
        yield out


async def _sqlite_async(aio: ModuleType, path: Path, floor: int) -> tuple[Any, Any]:
    async with aiosqlite.connect(path) as conn:
        return await aio.count_above(conn, floor=floor), await aio.result_above(conn, floor=floor)


async def _postgres_async(aio: ModuleType, url: str, floor: int) -> tuple[Any, Any]:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        return await aio.count_above(conn, floor=floor), await aio.result_above(conn, floor=floor)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.integers(-50, 50), max_size=30), floor=st.integers(-60, 60))
def test_a_counted_select_returns_the_rows_it_returned_on_both_engines(
        packages: dict[str, tuple[ModuleType, ModuleType]], tmp_path_factory: pytest.TempPathFactory,
        postgres_url: str, values: list[int], floor: int) -> None:
    rows = list(enumerate(values, 1))
    path = tmp_path_factory.mktemp("counted") / "lite.db"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(SCHEMA)
        conn.executemany("INSERT INTO t VALUES (?, ?)", rows)
        conn.commit()
        expected = conn.execute("SELECT count(*) FROM t WHERE n > ?", (floor,)).fetchone()[0]
        q, aio = packages["sqlite"]
        assert q.count_above(conn, floor=floor) == expected
        assert q.result_above(conn, floor=floor) == q._runtime.ExecResult(expected, None)
    assert asyncio.run(_sqlite_async(aio, path, floor)) == (expected, q._runtime.ExecResult(expected, None))
    q, aio = packages["postgresql"]
    with psycopg.connect(postgres_url, autocommit=True) as server:
        server.execute(b"DROP TABLE IF EXISTS t")
        server.execute(SCHEMA.encode())
        with server.cursor() as cur:
            cur.executemany(b"INSERT INTO t VALUES (%s, %s)", rows)
        assert server.execute(b"SELECT count(*) FROM t WHERE n > %s", (floor,)).fetchone() == (expected,)
        assert q.count_above(server, floor=floor) == expected
        assert q.result_above(server, floor=floor) == q._runtime.ExecResult(expected, None)
    assert asyncio.run(_postgres_async(aio, postgres_url, floor)) == (expected, q._runtime.ExecResult(expected, None))
