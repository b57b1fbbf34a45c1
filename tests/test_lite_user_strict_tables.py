"""A STRICT table takes only INT, INTEGER, REAL, TEXT, BLOB or ANY. codegen accepted any declared
type there (`published_at TIMESTAMP`), generated a `datetime` field for it, and `codegen lint` said
nothing: the first to object was SQLite, when the migration ran. Now codegen refuses the column at
its line and column exactly when SQLite does, in CREATE TABLE and in ALTER TABLE ADD COLUMN."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import import_module, imported, make_project, run_cli

DECLARED = ["INT", "integer", "Real", "TEXT", "blob", "ANY", "TIMESTAMP", "DATETIME", "BOOLEAN", "VARCHAR(20)",
            "INTEGER(11)", "NUMERIC", "JSON", "DECIMAL(10,2)", "double precision", ""]


def sqlite_accepts(sql: str) -> bool:
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(sql)
        return True
    except sqlite3.Error:
        return False
    finally:
        conn.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(declared=st.sampled_from(DECLARED), alter=st.booleans(), without_rowid=st.booleans())
def test_strict_column_types_are_refused_where_sqlite_refuses_them(tmp_path: Path, declared: str, alter: bool,
                                                                    without_rowid: bool) -> None:
    options = "STRICT, WITHOUT ROWID" if without_rowid else "STRICT"
    column = f"at {declared} NOT NULL DEFAULT 0" if alter else f"at {declared}"
    if alter:
        migration = f"CREATE TABLE posts (id INTEGER PRIMARY KEY) {options};\nALTER TABLE posts ADD COLUMN {column};\n"
    else:
        migration = f"CREATE TABLE posts (id INTEGER PRIMARY KEY, {column}) {options};\n"
    root = tmp_path / f"p{abs(hash((declared, alter, without_rowid)))}"
    make_project(root, {"0001_posts.up.sql": migration}, {"posts.sql": "-- name: ListPosts :many\nSELECT * FROM posts;\n"})
    result = run_cli(root)
    if sqlite_accepts(migration):
        assert (result.code, result.errors) == (0, []), result.stderr
        return
    line = 2 if alter else 1
    col = migration.splitlines()[line - 1].index(" at ") + 2
    assert result.code == 1 and len(result.errors) == 1, result.stderr
    assert result.errors[0].startswith(f"schema/0001_posts.up.sql:{line}:{col}: error: ")
    assert "datatype for posts.at" in result.errors[0] and "Traceback" not in result.stderr
    assert not (root / "gen").exists()


STORED = st.none() | st.integers(-2**63, 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=8) | st.binary(max_size=8)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(STORED, min_size=1, max_size=5))
def test_a_strict_any_column_is_typed_any_by_choice(tmp_path_factory: pytest.TempPathFactory,
                                                     values: list[object]) -> None:
    """A STRICT table's ANY column holds any value as given: typing.Any with no warning, so a
    `strict = true` project can use it (the warning was an error there: no project with an ANY
    column could generate). A column with no declared type still warns. Every value comes back
    as stored, of its own type, on a real SQLite file."""
    root = tmp_path_factory.mktemp("strict_any")
    queries = ("-- name: Put :exec\nINSERT INTO kv (k, v) VALUES (?, ?);\n\n"
               "-- name: Get :one\nSELECT v FROM kv WHERE k = ?;\n\n"
               "-- name: All :many\nSELECT * FROM kv ORDER BY k;\n\n"
               "-- name: ByValue :many\nSELECT k FROM kv WHERE v = ? ORDER BY k;\n")
    make_project(root, {"0001_kv.up.sql": "CREATE TABLE kv (k INTEGER PRIMARY KEY, v ANY) STRICT;\n"},
                 {"kv.sql": queries}, out="strict_any", extra="strict = true")
    result = run_cli(root)
    assert (result.code, result.stderr.strip()) == (0, ""), result.stderr
    with imported(root / "strict_any") as package:
        kv = import_module(package, "queries.kv")
        conn = sqlite3.connect(root / "kv.sqlite3")
        conn.execute("CREATE TABLE IF NOT EXISTS kv (k INTEGER PRIMARY KEY, v ANY) STRICT")
        conn.execute("DELETE FROM kv")
        for k, v in enumerate(values):
            kv.put(conn, k=k, v=v)
        got = [kv.get(conn, k=k) for k in range(len(values))]
        assert [(type(g), g) for g in got] == [(type(v), v) for v in values]
        assert [(row.k, row.v) for row in kv.all_(conn)] == list(enumerate(values))
        conn.close()
    untyped = tmp_path_factory.mktemp("untyped")
    make_project(untyped, {"0001_kv.up.sql": "CREATE TABLE kv (k INTEGER PRIMARY KEY, v);\n"},
                 {"kv.sql": "-- name: Get :one\nSELECT v FROM kv WHERE k = ?;\n"}, extra="strict = true")
    refused = run_cli(untyped)
    assert refused.code == 1 and "result column 'v' is typing.Any" in refused.stderr, refused.stderr
