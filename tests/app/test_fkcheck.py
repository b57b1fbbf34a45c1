"""The generated runner's (generated/_migrate_checks.py) set-based foreign key check must find exactly the rows SQLite's own
PRAGMA foreign_key_check finds: single-column keys to a rowid, to a UNIQUE text column and to an
implied primary key, a composite key (left to the pragma), NULLs on both sides, and values whose
type differs from the parent column's (affinity decides whether they match)."""

from __future__ import annotations

import sqlite3
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from generated import _migrate_checks as fkcheck  # the generated runner's foreign key check

SCHEMA = """
CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT UNIQUE, a INT, b INT, UNIQUE (a, b));
CREATE TABLE child (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES parent (id),
    parent_code TEXT REFERENCES parent (code),
    a INT, b INT, FOREIGN KEY (a, b) REFERENCES parent (a, b)
);
CREATE TABLE untyped_child (parent_id REFERENCES parent);
CREATE TABLE unrelated (x INT);
"""

small = st.integers(min_value=0, max_value=6)
# Values as they come: integers, their text spellings, other text, reals, NULL.
loose = st.one_of(st.none(), small, small.map(str), st.sampled_from(["x", "2.0", " 3"]), st.just(2.0))
parents = st.lists(st.tuples(st.one_of(st.none(), st.sampled_from("abcde")), st.one_of(st.none(), small), small),
                   max_size=6)
children = st.lists(st.tuples(loose, st.one_of(st.none(), st.sampled_from("abcdefg"), small), st.one_of(st.none(), small),
                              st.one_of(st.none(), small)), max_size=12)


def database(parent_rows: list[tuple[Any, ...]], child_rows: list[tuple[Any, ...]], untyped: list[Any]) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA)
    for i, (code, a, b) in enumerate(parent_rows):
        conn.execute("INSERT OR IGNORE INTO parent (id, code, a, b) VALUES (?, ?, ?, ?)", (i + 1, code, a, b))
    conn.executemany("INSERT INTO child (parent_id, parent_code, a, b) VALUES (?, ?, ?, ?)", child_rows)
    conn.executemany("INSERT INTO untyped_child (parent_id) VALUES (?)", [(v,) for v in untyped])
    return conn


@settings(max_examples=300, deadline=None)
@given(parents, children, st.lists(loose, max_size=6))
def test_fkcheck_finds_what_the_pragma_finds(
    parent_rows: list[tuple[Any, ...]], child_rows: list[tuple[Any, ...]], untyped: list[Any]
) -> None:
    conn = database(parent_rows, child_rows, untyped)
    expected = sorted((table, rowid, parent) for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check"))
    found = sorted(fkcheck.violations(conn, {"parent"}, limit=10**6))
    assert found == expected


def test_fkcheck_looks_only_at_keys_the_step_touched() -> None:
    conn = database([], [(1, None, None, None)], [])
    assert fkcheck.violations(conn, {"unrelated"}) == []
    assert fkcheck.violations(conn, {"child"}) == [("child", 1, "parent")]


def test_fkcheck_reports_at_most_limit_rows() -> None:
    conn = database([], [(n, None, None, None) for n in range(20)], [])
    assert len(fkcheck.violations(conn, {"parent"}, limit=5)) == 5
