"""A STRICT table takes only INT, INTEGER, REAL, TEXT, BLOB or ANY. codegen accepted any declared
type there (`published_at TIMESTAMP`), generated a `datetime` field for it, and `codegen lint` said
nothing: the first to object was SQLite, when the migration ran. Now codegen refuses the column at
its line and column exactly when SQLite does, in CREATE TABLE and in ALTER TABLE ADD COLUMN."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import make_project, run_cli

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
