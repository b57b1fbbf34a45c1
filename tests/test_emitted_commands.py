"""Commands and slices as emitted, called against a real SQLite file and a real PostgreSQL server
(tests/conftest.py), sync and async: :batchexec with converted values, :execlastid and
:execresult after inserts that inserted nothing, sqlc.slice given a str, empty slices under IN and
NOT IN. Every case here once crashed or returned a wrong value (issue 14)."""

from __future__ import annotations

import asyncio
import datetime
import decimal
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

from tests._support import generate, import_module, imported, make_project, run_cli

SQLITE_SCHEMA = """
CREATE TABLE ledger_entries (
  id INTEGER PRIMARY KEY,
  account_name TEXT NOT NULL UNIQUE,
  amount_in_cents DECIMAL NOT NULL,
  booked_on_date DATE NOT NULL,
  free_text_note_for_humans TEXT
);
CREATE TABLE unrelated (id INTEGER PRIMARY KEY, label TEXT);
"""
PG_SCHEMA = SQLITE_SCHEMA.replace("INTEGER PRIMARY KEY", "BIGSERIAL PRIMARY KEY")

SHARED_QUERIES = """
-- name: AddEntries :batchexec
INSERT INTO ledger_entries (account_name, amount_in_cents, booked_on_date, free_text_note_for_humans)
VALUES (sqlc.arg(account_name), sqlc.arg(amount_in_cents), sqlc.arg(booked_on_date), sqlc.arg(free_text_note_for_humans));

-- name: ListEntries :many
SELECT account_name, amount_in_cents, booked_on_date, free_text_note_for_humans FROM ledger_entries ORDER BY account_name;

-- name: AddUnrelated :execresult
INSERT INTO unrelated (label) VALUES (sqlc.arg(label));

-- name: AddEntryIfNew :execresult
INSERT INTO ledger_entries (account_name, amount_in_cents, booked_on_date)
VALUES (sqlc.arg(account_name), 1, '2024-01-01') ON CONFLICT (account_name) DO NOTHING;

-- name: RelabelAll :execresult
UPDATE unrelated SET label = sqlc.arg(label);

-- name: ByNames :many
SELECT id FROM ledger_entries WHERE account_name IN (sqlc.slice(names)) ORDER BY id;

-- name: InIds :many
SELECT id FROM unrelated WHERE id IN (sqlc.slice(ids)) ORDER BY id;

-- name: NotInIds :many
SELECT id FROM unrelated WHERE id NOT IN (sqlc.slice(ids)) ORDER BY id;

-- name: NotInLabels :many
SELECT id FROM unrelated WHERE label NOT IN (sqlc.slice(labels)) ORDER BY id;
"""

SQLITE_ONLY = """
-- name: AddUnrelatedId :execlastid
INSERT INTO unrelated (label) VALUES (?);

-- name: AddEntryOrIgnore :execlastid
INSERT OR IGNORE INTO ledger_entries (account_name, amount_in_cents, booked_on_date) VALUES (?, 1, '2024-01-01');

-- name: AddEntryDoNothing :execlastid
INSERT INTO ledger_entries (account_name, amount_in_cents, booked_on_date) VALUES (?, 1, '2024-01-01')
ON CONFLICT DO NOTHING;

-- name: DeleteUnrelated :execlastid
DELETE FROM unrelated WHERE id = ?;
"""


@pytest.fixture(scope="module")
def sqlite_gen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("cmds_sqlite")
    out = generate(root, {"1.sql": SQLITE_SCHEMA}, {"q.sql": SHARED_QUERIES + SQLITE_ONLY}, out="gen_cmds_sqlite",
                   emit_async=True)
    with imported(out) as package:
        import_module(package, "queries.q")
        import_module(package, "aio.q")  # both set as attributes of the package
        yield package


@pytest.fixture(scope="module")
def pg_gen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("cmds_pg")
    out = generate(root, {"1.sql": PG_SCHEMA}, {"q.sql": SHARED_QUERIES}, out="gen_cmds_pg", engine="postgresql",
                   emit_async=True)
    with imported(out) as package:
        import_module(package, "queries.q")
        import_module(package, "aio.q")  # both set as attributes of the package
        yield package


@pytest.fixture
def sqlite_conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    path = tmp_path / "cmds.db"
    conn = sqlite3.connect(path)
    conn.executescript(SQLITE_SCHEMA)
    yield conn
    conn.close()


@pytest.fixture
def pg_conn(postgres_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(PG_SCHEMA.encode())
        yield conn


ENTRIES = [("a" * 40, decimal.Decimal("12.50"), datetime.date(2024, 2, 29), None),
           ("b" * 40, decimal.Decimal("-0.01"), datetime.date(1999, 12, 31), "note")]


def _batch_then_list(package: ModuleType, conn: Any) -> None:
    q = package.queries.q
    q.add_entries(conn, [q.AddEntriesParams(*e) for e in ENTRIES])
    rows = q.list_entries(conn)
    assert [(r.account_name, r.amount_in_cents, r.booked_on_date, r.free_text_note_for_humans) for r in rows] == ENTRIES


def test_batchexec_binds_converted_values_sqlite(sqlite_gen: ModuleType, sqlite_conn: sqlite3.Connection) -> None:
    _batch_then_list(sqlite_gen, sqlite_conn)


def test_postgres_batchexec_binds_converted_values(pg_gen: ModuleType, pg_conn: psycopg.Connection[Any]) -> None:
    _batch_then_list(pg_gen, pg_conn)


def test_execlastid_is_none_when_nothing_was_inserted(sqlite_gen: ModuleType,
                                                      sqlite_conn: sqlite3.Connection) -> None:
    q = sqlite_gen.queries.q
    first = q.add_entry_or_ignore(sqlite_conn, account_name="x")
    assert first == sqlite_conn.execute("SELECT id FROM ledger_entries WHERE account_name = 'x'").fetchone()[0]
    unrelated = q.add_unrelated_id(sqlite_conn, label="later insert elsewhere")
    assert unrelated is not None
    assert q.add_entry_or_ignore(sqlite_conn, account_name="x") is None
    assert q.add_entry_do_nothing(sqlite_conn, account_name="x") is None
    assert q.add_entry_do_nothing(sqlite_conn, account_name="y") == sqlite_conn.execute(
        "SELECT id FROM ledger_entries WHERE account_name = 'y'").fetchone()[0]
    assert q.delete_unrelated(sqlite_conn, id=unrelated) is None

    async def run() -> tuple[Any, Any]:
        async with aiosqlite.connect(":memory:") as conn:
            await conn.executescript(SQLITE_SCHEMA)
            await sqlite_gen.aio.q.add_entry_or_ignore(conn, account_name="x")
            await sqlite_gen.aio.q.add_unrelated_id(conn, label="u")
            return (await sqlite_gen.aio.q.add_entry_or_ignore(conn, account_name="x"),
                    await sqlite_gen.aio.q.add_entry_or_ignore(conn, account_name="z"))

    ignored, inserted = asyncio.run(run())
    assert ignored is None and inserted == 2


def test_execlastid_refuses_an_upsert_that_may_update(tmp_path: Path) -> None:
    make_project(tmp_path, {"1.sql": SQLITE_SCHEMA}, {"q.sql": """
        -- name: Upsert :execlastid
        INSERT INTO unrelated (id, label) VALUES (?, ?)
        ON CONFLICT (id) DO UPDATE SET label = excluded.label;
        """})
    result = run_cli(tmp_path)
    assert result.code == 1 and "Traceback" not in result.stderr
    assert result.errors and result.errors[0].startswith("queries/q.sql:2:1: error: query Upsert: :execlastid")


def _execresult(package: ModuleType, conn: Any, rowids: bool) -> None:
    q = package.queries.q
    runtime = package._runtime
    first = q.add_unrelated(conn, label="one")
    assert isinstance(first, runtime.ExecResult) and first.rowcount == 1
    assert first.lastrowid == (1 if rowids else None)
    assert q.add_entry_if_new(conn, account_name="k") == runtime.ExecResult(1, 1 if rowids else None)
    q.add_unrelated(conn, label="two")
    assert q.add_entry_if_new(conn, account_name="k") == runtime.ExecResult(0, None)
    assert q.relabel_all(conn, label="z") == runtime.ExecResult(2, None)
    with pytest.raises(Exception):  # frozen: a result is a value
        first.rowcount = 5


def test_execresult_returns_rowcount_and_lastrowid_sqlite(sqlite_gen: ModuleType,
                                                          sqlite_conn: sqlite3.Connection) -> None:
    _execresult(sqlite_gen, sqlite_conn, rowids=True)

    async def run() -> Any:
        async with aiosqlite.connect(":memory:") as conn:
            await conn.executescript(SQLITE_SCHEMA)
            await sqlite_gen.aio.q.add_unrelated(conn, label="a")
            return await sqlite_gen.aio.q.add_entry_if_new(conn, account_name="b"), \
                await sqlite_gen.aio.q.add_entry_if_new(conn, account_name="b")

    assert asyncio.run(run()) == (sqlite_gen._runtime.ExecResult(1, 1), sqlite_gen._runtime.ExecResult(0, None))


def test_postgres_execresult_returns_rowcount(pg_gen: ModuleType, pg_conn: psycopg.Connection[Any],
                                              postgres_url: str) -> None:
    _execresult(pg_gen, pg_conn, rowids=False)

    async def run() -> Any:
        async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as conn:
            return await pg_gen.aio.q.relabel_all(conn, label="async")

    assert asyncio.run(run()) == pg_gen._runtime.ExecResult(2, None)


def _refuses_text(package: ModuleType, conn: Any) -> None:
    q = package.queries.q
    for n in ("a", "b", "c"):
        conn.execute("INSERT INTO ledger_entries (account_name, amount_in_cents, booked_on_date) "
                     f"VALUES ('{n}', 1, '2024-01-01')")
    assert q.by_names(conn, names=["a", "c"]) == [1, 3]
    for wrong in ("abc", b"abc"):
        with pytest.raises(TypeError, match="names must be a list or tuple of values, not"):
            q.by_names(conn, names=wrong)


def test_slice_refuses_str_sqlite(sqlite_gen: ModuleType, sqlite_conn: sqlite3.Connection) -> None:
    _refuses_text(sqlite_gen, sqlite_conn)


def test_postgres_slice_refuses_str(pg_gen: ModuleType, pg_conn: psycopg.Connection[Any]) -> None:
    _refuses_text(pg_gen, pg_conn)


id_lists = st.lists(st.integers(min_value=0, max_value=6), max_size=4)
label_lists = st.lists(st.sampled_from(["l1", "l2", "l3", "zz"]), max_size=3)


def _slices_agree(package: ModuleType, conn: Any, ids: list[int], labels: list[str]) -> None:
    """IN an empty list matches no row, NOT IN an empty list every row, as the predicate says."""
    q = package.queries.q
    all_ids = [1, 2, 3, 4]
    assert q.in_ids(conn, ids=ids) == [i for i in all_ids if i in ids]
    assert q.not_in_ids(conn, ids=ids) == [i for i in all_ids if i not in ids]
    assert q.not_in_labels(conn, labels=labels) == [i for i in all_ids if f"l{i}" not in labels]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=id_lists, labels=label_lists)
def test_slices_under_in_and_not_in_sqlite(sqlite_gen: ModuleType, sqlite_conn: sqlite3.Connection,
                                           ids: list[int], labels: list[str]) -> None:
    if not sqlite_conn.execute("SELECT count(*) FROM unrelated").fetchone()[0]:
        sqlite_conn.executemany("INSERT INTO unrelated (id, label) VALUES (?, ?)", [(i, f"l{i}") for i in range(1, 5)])
    _slices_agree(sqlite_gen, sqlite_conn, ids, labels)
    _slices_agree(sqlite_gen, sqlite_conn, [], [])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=id_lists, labels=label_lists)
def test_postgres_slices_under_in_and_not_in(pg_gen: ModuleType, pg_conn: psycopg.Connection[Any],
                                             ids: list[int], labels: list[str]) -> None:
    pg_conn.execute("INSERT INTO unrelated (id, label) SELECT i, 'l' || i FROM generate_series(1, 4) AS i "
                    "ON CONFLICT DO NOTHING")
    _slices_agree(pg_gen, pg_conn, ids, labels)
    _slices_agree(pg_gen, pg_conn, [], [])
