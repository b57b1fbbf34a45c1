"""What a SQLite user sees on stderr when a query file holds statements codegen does not take
(EXPLAIN QUERY PLAN, SAVEPOINT): located errors only. sqlglot's own logged warning ("'EXPLAIN
QUERY PLAN SELECT ... :__p0' contains unsupported syntax. Falling back to parsing as a
'Command'.") was printed too, unlocated, showing the placeholders codegen substitutes."""

from __future__ import annotations

import re
from pathlib import Path

from _support import make_project, run_subprocess

SCHEMA = {"0001.up.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"}
QUERIES = {"t.sql": """\
    -- name: Plan :many
    EXPLAIN QUERY PLAN SELECT * FROM t WHERE id = ?;

    -- name: Mark :exec
    SAVEPOINT sp;

    -- name: GetT :one
    SELECT * FROM t WHERE id = ?;
    """}
LOCATED = re.compile(r"^queries/t\.sql:\d+:\d+: (error|warning): |^codegen: \d+ error\(s\); nothing written$")


def test_unsupported_statements_give_located_errors_and_nothing_else(tmp_path: Path) -> None:
    make_project(tmp_path, SCHEMA, QUERIES)
    for args in ((), ("--check",), ("describe",)):
        result = run_subprocess(tmp_path, *args)
        assert result.code in (1, 2), result.stderr
        lines = result.stderr.splitlines()
        assert [line for line in lines if not LOCATED.match(line)] == [], result.stderr
        assert any(line.startswith("queries/t.sql:2:1: error: query Plan: ") for line in lines), result.stderr
        assert "__p0" not in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "gen").exists()
