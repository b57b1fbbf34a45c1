"""`sqlite_min_version` and the features queries use: a project declaring the SQLite it runs on
(Ubuntu 20.04 ships 3.31, Debian 11 3.34) was told nothing about RIGHT / FULL JOIN, IS [NOT]
DISTINCT FROM (3.39) or the functions added since 3.38 (format, unhex, timediff, octet_length,
concat, concat_ws, string_agg, the jsonb functions, json_pretty); `codegen lint` passed and the
query failed on the older SQLite. Each feature's version is checked against the running SQLite:
it refuses what the table says is newer than it, and takes what is not."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from _support import make_project, run_cli

SCHEMA = {"0001.up.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT, j JSON);\n"
                         "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER);\n"}
# (feature as lint names it, version, query)
FEATURES = [
    ("RIGHT JOIN", (3, 39, 0), "SELECT a.id, b.id AS b_id FROM a RIGHT JOIN b ON b.a_id = a.id"),
    ("RIGHT JOIN", (3, 39, 0), "SELECT a.id, b.id AS b_id FROM a RIGHT OUTER JOIN b ON b.a_id = a.id"),
    ("FULL JOIN", (3, 39, 0), "SELECT a.id, b.id AS b_id FROM a FULL OUTER JOIN b ON b.a_id = a.id"),
    ("IS DISTINCT FROM", (3, 39, 0), "SELECT id FROM a WHERE x IS DISTINCT FROM ?"),
    ("IS NOT DISTINCT FROM", (3, 39, 0), "SELECT id FROM a WHERE x IS NOT DISTINCT FROM ?"),
    ("format()", (3, 38, 0), "SELECT format('%s!', x) AS f FROM a"),
    ("unhex()", (3, 41, 0), "SELECT unhex(x) AS u FROM a"),
    ("timediff()", (3, 43, 0), "SELECT timediff('now', x) AS d FROM a"),
    ("octet_length()", (3, 43, 0), "SELECT octet_length(x) AS n FROM a"),
    ("concat()", (3, 44, 0), "SELECT concat(x, '!') AS c FROM a"),
    ("concat_ws()", (3, 44, 0), "SELECT concat_ws(',', x, x) AS c FROM a"),
    ("string_agg()", (3, 44, 0), "SELECT string_agg(x, ',') AS s FROM a"),
    ("jsonb()", (3, 45, 0), "SELECT jsonb(j) AS b FROM a"),
    ("the jsonb functions", (3, 45, 0), "SELECT jsonb_extract(j, '$.k') AS v FROM a"),
    ("json_pretty()", (3, 46, 0), "SELECT json_pretty(j) AS p FROM a"),
]


def _lint(root: Path, queries: str, minimum: str) -> list[str]:
    make_project(root, SCHEMA, {"q.sql": queries}, extra=f'sqlite_min_version = "{minimum}"')
    result = run_cli(root, "lint")
    return [line for line in result.stdout.splitlines() + result.stderr.splitlines()
            if "sqlite-feature-too-new" in line]


def _version(v: tuple[int, ...]) -> str:
    return ".".join(map(str, v))


def test_each_feature_is_flagged_below_its_version_and_not_from_it(tmp_path: Path) -> None:
    queries = "".join(f"-- name: Q{i} :many\n{sql};\n\n" for i, (_, _, sql) in enumerate(FEATURES))
    below = _lint(tmp_path / "old", queries, "3.37")
    for i, (feature, version, _) in enumerate(FEATURES):
        line = 2 + 3 * i
        expected = [f for f in below if f.startswith(f"queries/q.sql:{line}:")]
        assert len(expected) == 1 and f"{feature} needs SQLite {_version(version)}" in expected[0], (feature, below)
    assert _lint(tmp_path / "new", queries, "3.46") == []


@pytest.mark.parametrize(("feature", "version", "sql"), FEATURES, ids=[f"{f}-{s[:30]}" for f, _, s in FEATURES])
def test_the_running_sqlite_agrees_with_the_version(feature: str, version: tuple[int, ...], sql: str) -> None:
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA["0001.up.sql"])
    try:
        conn.execute("EXPLAIN " + sql, [None] * sql.count("?"))
        accepted = True
    except sqlite3.OperationalError:
        accepted = False
    assert accepted == (sqlite3.sqlite_version_info >= version), (feature, sqlite3.sqlite_version)
