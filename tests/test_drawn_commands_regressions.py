"""Bugs tests/test_drawn_commands.py found, each pinned as a small case on a real SQLite file and a
real PostgreSQL server, sync and async.

- A writing statement behind a WITH: sqlite3 counts (rowcount) only a statement that begins with
  INSERT, UPDATE, DELETE or REPLACE, so :execrows returned -1 and :execlastid / :execresult said
  no row was inserted. The count and rowid are now asked of SQLite (changes(), last_insert_rowid()).
  :copyfrom behind a WITH (executemany) returned -1 the same way; it now counts each row so.
- An INSERT leaving out a PRIMARY KEY column that SQLite lets hold NULL (`id INT PRIMARY KEY`,
  `INTEGER PRIMARY KEY DESC`, a TEXT or composite key of a rowid table: only a lone INTEGER PRIMARY
  KEY numbers itself) stored NULL where the row model declares a value, and RETURNING * or any later
  read of the row raised a ValidationError. codegen now refuses such an INSERT at its table.
- PostgreSQL :copyfrom sent `COPY t (columns)` whatever else the INSERT did: ON CONFLICT DO NOTHING
  was dropped (a duplicate raised), lower($1) stored the value unlowered, a literal left its column
  without data, a second VALUES row was lost. COPY now stands only for one VALUES row of bare
  parameters; any other INSERT runs once per row (executemany), as on SQLite.
"""

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

from _support import generate, import_module, imported, make_project, run_cli

SCHEMA = {
    "sqlite": "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE, n INTEGER NOT NULL DEFAULT 0);",
    "postgresql": "CREATE TABLE t (id bigserial PRIMARY KEY, k text UNIQUE, n bigint NOT NULL DEFAULT 0);",
}
CTE_QUERIES = """
-- name: AddCounted :execrows
WITH src AS (SELECT 1 AS one) INSERT INTO t (k) SELECT sqlc.arg(k) FROM src;

-- name: AddResult :execresult
WITH src AS (SELECT 1 AS one) INSERT INTO t (k) VALUES (sqlc.arg(k)) ON CONFLICT DO NOTHING;

-- name: BumpAll :execrows
WITH src AS (SELECT 1 AS one) UPDATE t SET n = n + 1 RETURNING id;

-- name: DropAll :execresult
WITH src AS (SELECT 1 AS one) DELETE FROM t;
"""
SQLITE_ONLY = """
-- name: AddId :execlastid
WITH src AS (SELECT 1 AS one) INSERT OR IGNORE INTO t (k) VALUES (sqlc.arg(k));
"""


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[ModuleType, ModuleType]]]:
    out = {}
    with contextlib.ExitStack() as stack:
        for engine in ("sqlite", "postgresql"):
            root = generate(tmp_path_factory.mktemp(f"cte_{engine}"), {"1.sql": SCHEMA[engine]},
                            {"q.sql": CTE_QUERIES + (SQLITE_ONLY if engine == "sqlite" else "")}, engine=engine,
                            emit_async=True, out=f"gen_cte_{engine}")
            package = stack.enter_context(imported(root))
            out[engine] = (import_module(package, "queries.q"), import_module(package, "aio.q"))
        yield out


def _sqlite_sync(q: ModuleType, conn: sqlite3.Connection) -> list[Any]:
    return [q.add_counted(conn, k="a"), q.add_id(conn, k="b"), q.add_id(conn, k="b"),
            q.add_result(conn, k="c"), q.add_result(conn, k="c"), q.bump_all(conn), q.drop_all(conn)]


async def _sqlite_async(q: ModuleType, conn: Any) -> list[Any]:
    return [await q.add_counted(conn, k="a"), await q.add_id(conn, k="b"), await q.add_id(conn, k="b"),
            await q.add_result(conn, k="c"), await q.add_result(conn, k="c"), await q.bump_all(conn),
            await q.drop_all(conn)]


def test_sqlite_counts_a_writing_statement_behind_a_with(packages: dict[str, Any], tmp_path: Path) -> None:
    q, aio = packages["sqlite"]
    runtime = q._runtime
    expected = [1, 2, None, runtime.ExecResult(1, 3), runtime.ExecResult(0, None), 3, runtime.ExecResult(3, None)]
    conn = sqlite3.connect(tmp_path / "sync.db")
    conn.executescript(SCHEMA["sqlite"])
    conn.row_factory = sqlite3.Row  # the application's choice for its own queries
    assert _sqlite_sync(q, conn) == expected
    conn.close()

    async def run() -> list[Any]:
        async with aiosqlite.connect(tmp_path / "async.db") as conn:
            await conn.executescript(SCHEMA["sqlite"])
            return await _sqlite_async(aio, conn)

    assert asyncio.run(run()) == expected


def test_postgres_counts_a_writing_statement_behind_a_with(packages: dict[str, Any], postgres_url: str) -> None:
    q, aio = packages["postgresql"]
    runtime = q._runtime
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(SCHEMA["postgresql"].encode())
        assert [q.add_counted(conn, k="a"), q.add_result(conn, k="c"), q.add_result(conn, k="c"), q.bump_all(conn),
                q.drop_all(conn)] == [1, runtime.ExecResult(1, None), runtime.ExecResult(0, None), 2,
                                      runtime.ExecResult(2, None)]

    async def run() -> list[Any]:
        async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as conn:
            return [await aio.add_counted(conn, k="x"), await aio.drop_all(conn)]

    assert asyncio.run(run()) == [1, runtime.ExecResult(1, None)]


KEYS_SCHEMA = """
CREATE TABLE a (id INT PRIMARY KEY, name TEXT);
CREATE TABLE b (id INTEGER PRIMARY KEY DESC, name TEXT);
CREATE TABLE c (code TEXT PRIMARY KEY, name TEXT);
CREATE TABLE e (x INTEGER, y TEXT, name TEXT, PRIMARY KEY (x, y));
CREATE TABLE d (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE f (id INT PRIMARY KEY, name TEXT) STRICT;
CREATE TABLE g (id INTEGER, name TEXT, PRIMARY KEY (id DESC));
CREATE TABLE h (code TEXT PRIMARY KEY DEFAULT 'none', name TEXT);
CREATE TABLE w (id INT PRIMARY KEY, name TEXT) WITHOUT ROWID;
"""
# (table, the INSERT, does SQLite store a NULL key for it)
KEY_INSERTS = [
    ("a", "INSERT INTO a (name) VALUES (?) RETURNING *", True),
    ("b", "INSERT INTO b (name) VALUES (?) RETURNING *", True),
    ("c", "INSERT INTO c DEFAULT VALUES RETURNING *", True),
    ("e", "INSERT INTO e (x, name) SELECT 1, ? RETURNING *", True),
    ("d", "INSERT INTO d (name) VALUES (?) RETURNING *", False),
    ("f", "INSERT INTO f (name) VALUES (?) RETURNING *", False),
    ("g", "INSERT INTO g (name) VALUES (?) RETURNING *", False),
    ("h", "INSERT INTO h (name) VALUES (?) RETURNING *", False),
    ("w", "INSERT INTO w (name) VALUES (?) RETURNING *", False),
    ("a", "INSERT INTO a VALUES (?, ?) RETURNING *", False),
]


def test_sqlite_insert_leaving_out_a_key_that_takes_null_is_refused(tmp_path: Path) -> None:
    conn = sqlite3.connect(":memory:")
    conn.executescript(KEYS_SCHEMA)
    stores_null = []
    for table, sql, _ in KEY_INSERTS:
        try:
            rows = conn.execute(sql, [1, "n"][:sql.count("?")]).fetchall()
        except sqlite3.IntegrityError:  # NOT NULL constraint failed: the key is enforced
            rows = []
        stores_null.append(any(None in row[:2] for row in rows))  # the key: the first one or two columns
    assert stores_null == [null for _, _, null in KEY_INSERTS]  # what real SQLite does

    queries = "".join(f"-- name: Add{i} :one\n{sql};\n" for i, (_, sql, _) in enumerate(KEY_INSERTS))
    make_project(tmp_path, {"1.sql": KEYS_SCHEMA}, {"q.sql": queries})
    result = run_cli(tmp_path)
    assert result.code == 1 and "Traceback" not in result.stderr
    refused = [int(line.split("query Add")[1].split(":")[0]) for line in result.errors]
    assert refused == [i for i, (_, _, null) in enumerate(KEY_INSERTS) if null], result.stderr
    assert result.errors[0].startswith("queries/q.sql:2:13: error: query Add0: the INSERT leaves out a.id, a "
                                       "PRIMARY KEY column SQLite then sets to NULL"), result.errors[0]
    assert not (tmp_path / "gen").exists()


COPY_SCHEMA = "CREATE TABLE t (id bigserial PRIMARY KEY, k text UNIQUE, n bigint NOT NULL DEFAULT 0);"
COPY_QUERIES = """
-- name: CopyIfNew :copyfrom
INSERT INTO t (k) VALUES (sqlc.arg(k)) ON CONFLICT DO NOTHING;

-- name: CopyFive :copyfrom
INSERT INTO t (k, n) VALUES (sqlc.arg(k), 5);

-- name: CopyLower :copyfrom
INSERT INTO t (k) VALUES (lower(sqlc.arg(k)));

-- name: CopyPairs :copyfrom
INSERT INTO t (k, n) VALUES (sqlc.arg(k), sqlc.arg(n)), (sqlc.arg(k) || '2', sqlc.arg(n) + 1);

-- name: CopyPlain :copyfrom
INSERT INTO t (k, n) VALUES (sqlc.arg(k), sqlc.arg(n));
"""


def _copies(q: ModuleType) -> list[tuple[str, list[Any]]]:
    return [("copy_if_new", [q.CopyIfNewParams("a"), q.CopyIfNewParams("a"), q.CopyIfNewParams("b")]),
            ("copy_five", [q.CopyFiveParams("c")]),
            ("copy_lower", [q.CopyLowerParams("DE")]),
            ("copy_pairs", [q.CopyPairsParams("p", 7)]),
            ("copy_plain", [q.CopyPlainParams("z", 9), q.CopyPlainParams("y", 8)])]


def test_postgres_copyfrom_does_what_its_insert_does(tmp_path: Path, postgres_databases: Any) -> None:
    root = generate(tmp_path / "pg", {"1.sql": COPY_SCHEMA}, {"q.sql": COPY_QUERIES}, engine="postgresql",
                    emit_async=True, out="gen_copy_pg")
    expected_counts = [2, 1, 1, 2, 2]
    expected_rows = [("a", 0), ("b", 0), ("c", 5), ("de", 0), ("p", 7), ("p2", 8), ("y", 8), ("z", 9)]
    with imported(root) as package:
        q, aio = import_module(package, "queries.q"), import_module(package, "aio.q")
        assert "COPY t (k, n) FROM STDIN" in (root / "queries" / "q.py").read_text()  # the plain one still copies
        sync_url, async_url = postgres_databases("copy_sync"), postgres_databases("copy_async")
        with psycopg.connect(sync_url) as conn:
            conn.execute(COPY_SCHEMA.encode())
            assert [getattr(q, name)(conn, rows) for name, rows in _copies(q)] == expected_counts
            assert conn.execute("SELECT k, n FROM t ORDER BY k").fetchall() == expected_rows

        async def run() -> tuple[list[int], list[Any]]:
            async with await psycopg.AsyncConnection.connect(async_url) as conn:
                await conn.execute(COPY_SCHEMA.encode())
                counts = [await getattr(aio, name)(conn, rows) for name, rows in _copies(q)]
                cursor = await conn.execute("SELECT k, n FROM t ORDER BY k")
                return counts, await cursor.fetchall()

        assert asyncio.run(run()) == (expected_counts, expected_rows)


def test_sqlite_copyfrom_and_a_lone_execrows_behind_a_with(tmp_path: Path) -> None:
    """A module whose only counting query is behind a WITH: the async module imports _runtime too."""
    schema = "CREATE TABLE d (id INTEGER PRIMARY KEY, x INTEGER);"
    root = generate(tmp_path / "p", {"1.sql": schema}, {"q.sql": """
        -- name: CopyCte :copyfrom
        WITH s AS (SELECT 1) INSERT INTO d (x) VALUES (?);

        -- name: ClearCte :execrows
        WITH s AS (SELECT 1) DELETE FROM d;
        """}, emit_async=True, out="gen_copy_cte")
    with imported(root) as package:
        q, aio = import_module(package, "queries.q"), import_module(package, "aio.q")
        conn = sqlite3.connect(tmp_path / "sync.db")
        conn.execute(schema)
        assert (q.copy_cte(conn, [q.CopyCteParams(1), q.CopyCteParams(2)]), q.clear_cte(conn)) == (2, 2)
        conn.close()

        async def run() -> tuple[int, int]:
            async with aiosqlite.connect(tmp_path / "async.db") as conn:
                await conn.execute(schema)
                return await aio.copy_cte(conn, [q.CopyCteParams(1)]), await aio.clear_cte(conn)

        assert asyncio.run(run()) == (1, 1)
