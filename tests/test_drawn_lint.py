"""Drawn rolling deploys on SQLite: does `codegen lint --previous-queries` report exactly the
previous release's queries that a real database shows breaking after the next migration?

A table, the previous release's queries over it and the next migration are drawn
(tests/drawn_lint.py); the previous release's generated package is called on a real SQLite file
before and after the migration, with the next release's rows in it (tests/drawn_lint_oracle.py).
Every query that breaks there (an error, a row field read from another column or with another
value, a value of another type) must be a `previous-query-breaks` error at the migration, and
every such error must be a query that breaks. The PostgreSQL twin is test_drawn_lint_postgres.py.
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from tests import drawn_lint, drawn_lint_oracle
from tests.drawn_lint import Col, Deploy, Table

EXAMPLES = int(os.environ.get("LINT_EXAMPLES", "40"))


def _one_text_column(migration: list[str], after: list[Col]) -> Deploy:
    return Deploy("sqlite", Table("t", [Col("a", "TEXT", origin="a")]),
                  "-- name: ListAll :many\nSELECT * FROM t ORDER BY id;\n", migration, Table("t", after))


_EMBED = "-- name: ListEmbed :many\nSELECT sqlc.embed(t), t.id AS row_id FROM t ORDER BY t.id;\n"

# (id, deploy): each a rolling deploy lint got wrong, minimal.
REGRESSIONS = [
    # The generated SQL names the columns `*` stood for when it was generated (as sqlc does), but
    # lint analysed the query's own text against the new schema: a renamed column passed (the
    # shipped `SELECT id, a` fails), and an added one was an error (the shipped code never reads it).
    ("star-then-rename-column", _one_text_column(["ALTER TABLE t RENAME COLUMN a TO h"], [Col("h", "TEXT", origin="a")])),
    ("star-then-add-column", _one_text_column(["ALTER TABLE t ADD COLUMN h TEXT"],
                                              [Col("a", "TEXT", origin="a"), Col("h", "TEXT")])),
    ("star-then-drop-and-add", _one_text_column(["ALTER TABLE t ADD COLUMN h TEXT", "ALTER TABLE t DROP COLUMN a"],
                                                [Col("h", "TEXT")])),
    # sqlc.embed(t) was sent as `t.*`: once t gained a column, the previous release's row took it
    # for the next result column (row_id read h's NULL, a ValidationError, or h's value, silently);
    # and lint, reading sqlc.embed(t) against the new schema, missed a dropped column of t.
    ("embed-then-add-column", Deploy("sqlite", Table("t", [Col("a", "INTEGER", origin="a")]), _EMBED,
                                     ["ALTER TABLE t ADD COLUMN h INTEGER"],
                                     Table("t", [Col("a", "INTEGER", origin="a"), Col("h", "INTEGER")]))),
    ("embed-then-drop-column", Deploy("sqlite", Table("t", [Col("a", "INTEGER", origin="a"),
                                                            Col("b", "TEXT", origin="b")]), _EMBED,
                                      ["ALTER TABLE t DROP COLUMN a"], Table("t", [Col("b", "TEXT", origin="b")]))),
    # Only the number of columns and parameters was compared: a rebuild that changes a column's
    # type, or lets it be NULL, kept the count, and the previous release's rows refused the values
    # (ValidationError); a parameter now stored in a NOT NULL column, or a NOT NULL column an INSERT
    # leaves out, failed every such call (IntegrityError).
    ("rebuild-retypes-a-column", Deploy("sqlite", Table("t", [Col("a", "BOOLEAN", origin="a")]),
                                        "-- name: ListAll :many\nSELECT * FROM t ORDER BY id;\n",
                                        ["CREATE TABLE t2 (id INTEGER PRIMARY KEY, a INTEGER)",
                                         "INSERT INTO t2 (id, a) SELECT id, a FROM t", "DROP TABLE t",
                                         "ALTER TABLE t2 RENAME TO t"], Table("t", [Col("a", "INTEGER", origin="a")]))),
    ("rebuild-drops-not-null", Deploy("sqlite", Table("t", [Col("a", "TEXT", True, origin="a")]),
                                      "-- name: ListSome :many\nSELECT id, a FROM t ORDER BY id;\n\n"
                                      "-- name: FindBy :many\nSELECT id FROM t WHERE a = @a ORDER BY id;\n",
                                      ["CREATE TABLE t2 (id INTEGER PRIMARY KEY, a TEXT)",
                                       "INSERT INTO t2 (id, a) SELECT id, a FROM t", "DROP TABLE t",
                                       "ALTER TABLE t2 RENAME TO t"], Table("t", [Col("a", "TEXT", origin="a")]))),
    ("rebuild-sets-not-null", Deploy("sqlite", Table("t", [Col("a", "TEXT", origin="a"), Col("b", "REAL", origin="b")]),
                                     "-- name: Update :execrows\nUPDATE t SET a = @a WHERE id = @id;\n\n"
                                     "-- name: Insert :one\nINSERT INTO t (a) VALUES (@a) RETURNING id;\n",
                                     ["CREATE TABLE t2 (id INTEGER PRIMARY KEY, a TEXT NOT NULL, b REAL NOT NULL)",
                                      "INSERT INTO t2 (id, a, b) SELECT id, coalesce(a, ''), coalesce(b, 0.5) FROM t",
                                      "DROP TABLE t", "ALTER TABLE t2 RENAME TO t"],
                                     Table("t", [Col("a", "TEXT", True, origin="a"), Col("b", "REAL", True, origin="b")]))),
]


def _storage(conn: sqlite3.Connection) -> object:
    def storage(table: str, column: str, row_id: object) -> list[str]:
        return [r[0] for r in conn.execute(f"SELECT typeof({column}) FROM {table} WHERE id = ?", (row_id,))]
    return storage


def rolling_deploy_sqlite(root: Path, deploy: Deploy, data: st.DataObject) -> tuple[dict[str, list[str]], dict[str, list[str]], list[str]] | None:
    """(what breaks on the real file, what lint says breaks, what lint gets wrong otherwise), or
    None when SQLite refuses the migration."""
    conn = sqlite3.connect(root / "live.db", isolation_level=None)
    try:
        conn.executescript(deploy.schema())
        db = drawn_lint_oracle.Db(conn, "?", (sqlite3.Error,), lambda: drawn_lint_oracle.sqlite_savepoint(conn),
                                  _storage(conn))  # type: ignore[arg-type]

        def migrate() -> bool:
            conn.execute("BEGIN")
            try:
                for statement in deploy.migration:
                    conn.execute(statement)
            except sqlite3.Error:
                conn.execute("ROLLBACK")
                return False
            conn.execute("COMMIT")
            return True

        broken = drawn_lint_oracle.play(root, deploy, db, data, migrate)
    finally:
        conn.close()
    if broken is None:
        return None
    reported, wrong = drawn_lint_oracle.linted(root, deploy)
    return broken, reported, wrong


def conservative(query: str, findings: list[str]) -> bool:
    """A break lint reports that the drawn calls cannot show, documented as conservative (README,
    Lint): a column INSERT ... RETURNING reads back whose type changed. What comes back is what the
    INSERT sent (which the database converted to the new type, and the previous release's row
    mostly takes back, 7.0 as 7) or the column's default; a default or trigger of the new type gives
    a value that row refuses."""
    return query == "Insert" and all(re.search(r"breaks after this statement: column \w+ reads ", f) for f in findings)


def check(deploy: Deploy, broken: dict[str, list[str]], reported: dict[str, list[str]], wrong: list[str]) -> None:
    assert wrong == []
    missed = {q: why for q, why in broken.items() if q not in reported}
    assert missed == {}, "lint misses breaks"
    false = {q: why for q, why in reported.items() if q not in broken and not conservative(q, why)}
    assert false == {}, "lint reports breaks that do not happen"


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deploy=drawn_lint.deploys("sqlite"), data=st.data())
def test_lint_reports_exactly_the_previous_queries_a_migration_breaks_on_sqlite(deploy: Deploy,
                                                                                data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        outcome = rolling_deploy_sqlite(Path(tmp), deploy, data)
        if outcome is None:
            event("SQLite refuses the migration")
        assume(outcome is not None)
        assert outcome is not None
        event(f"breaks: {bool(outcome[0])}")
        check(deploy, *outcome)


@pytest.mark.parametrize("deploy", [d for _, d in REGRESSIONS], ids=[i for i, _ in REGRESSIONS])
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_lint_reports_exactly_what_a_found_deploy_breaks_on_sqlite(tmp_path_factory: pytest.TempPathFactory,
                                                                   deploy: Deploy, data: st.DataObject) -> None:
    outcome = rolling_deploy_sqlite(tmp_path_factory.mktemp("deploy"), deploy, data)
    assert outcome is not None  # SQLite takes the migration
    check(deploy, *outcome)
