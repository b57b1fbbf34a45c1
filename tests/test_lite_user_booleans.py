"""A BOOLEAN column reads as SQLite's truth (README, Types on SQLite), whatever other writers left
in it. Text was read by pydantic's own bool parsing: 'true', 't', 'yes', 'on' came back True while
SQLite (`WHERE flag`) takes them for false, so a row could read `is_admin=True` and be missing from
`SELECT ... WHERE is_admin`. Every value now reads as SQLite decides it, in both row styles."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import generate, import_module, imported

SCHEMA = {"0001.up.sql": "CREATE TABLE flags (id INTEGER PRIMARY KEY, flag BOOLEAN NOT NULL, maybe BOOL);\n"}
QUERIES = {"flags.sql": """\
    -- name: ListFlags :many
    SELECT * FROM flags ORDER BY id;

    -- name: Truthy :many
    SELECT id FROM flags WHERE flag ORDER BY id;
    """}

stored = st.one_of(
    st.sampled_from(["true", "false", "t", "f", "yes", "no", "on", "off", "y", "n", "TRUE", "1", "0", " 2", "0.0",
                     "-0", "1e3", "12abc", ".5", "+", "0x10", "", " ", "nan"]),
    st.text(max_size=6), st.integers(-3, 3), st.floats(allow_nan=False), st.binary(max_size=4))


@pytest.fixture(scope="module", params=["model", "tuple"])
def flags(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    out = generate(tmp_path_factory.mktemp(request.param), SCHEMA, QUERIES, extra=f'rows = "{request.param}"')
    with imported(out) as package:
        yield import_module(package, "queries.flags")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.tuples(stored, st.none() | stored), min_size=1, max_size=6))
def test_booleans_read_as_sqlite_decides(flags: ModuleType, values: list[tuple[object, object]]) -> None:
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(SCHEMA["0001.up.sql"])
        conn.executemany("INSERT INTO flags (flag, maybe) VALUES (?, ?)", values)
        sqlite_says = conn.execute("SELECT CASE WHEN flag THEN 1 ELSE 0 END, "
                                   "CASE WHEN maybe IS NULL THEN NULL WHEN maybe THEN 1 ELSE 0 END "
                                   "FROM flags ORDER BY id").fetchall()
        rows = flags.list_flags(conn)
        assert [(r.flag, r.maybe) for r in rows] == [(bool(a), None if b is None else bool(b)) for a, b in sqlite_says]
        assert all(type(r.flag) is bool for r in rows)
        assert flags.truthy(conn) == [r.id for r in rows if r.flag]
    finally:
        conn.close()
