"""Drawn rolling deploys on PostgreSQL (the SQLite twin, and what is checked, is
tests/test_drawn_lint.py): the migrations also change a column's type in place, set and drop
NOT NULL and defaults, and add a NOT NULL column without a default; the previous release's
package is called through psycopg on a database of the test server.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from tests import drawn_lint, drawn_lint_oracle
from tests.drawn_lint import Col, Deploy, Table
from tests.test_drawn_lint import check

EXAMPLES = int(os.environ.get("LINT_PG_EXAMPLES", "25"))


def rolling_deploy_postgresql(root: Path, url: str, deploy: Deploy, data: st.DataObject) -> tuple[dict[str, list[str]], dict[str, list[str]], list[str]] | None:
    """tests/test_drawn_lint.py's rolling_deploy_sqlite on a database of the server."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(deploy.schema().encode())
        db = drawn_lint_oracle.Db(conn, "%s", (psycopg.Error,), conn.transaction)

        def migrate() -> bool:
            try:
                with conn.transaction():
                    for statement in deploy.migration:
                        conn.execute(statement.encode())
            except psycopg.Error:
                return False
            return True

        broken = drawn_lint_oracle.play(root, deploy, db, data, migrate)
    if broken is None:
        return None
    reported, wrong = drawn_lint_oracle.linted(root, deploy)
    return broken, reported, wrong


def _one_column(kind: str, not_null: bool, queries: str, migration: list[str], after: list[Col]) -> Deploy:
    return Deploy("postgresql", Table("t", [Col("a", kind, not_null, origin="a")]), queries, migration,
                  Table("t", after))


_LIST = "-- name: ListAll :many\nSELECT * FROM t ORDER BY id;\n"
_FIND = "-- name: FindBy :many\nSELECT id FROM t WHERE a = @a ORDER BY id;\n"
_UPDATE = "-- name: Update :execrows\nUPDATE t SET a = @a WHERE id = @id;\n"

# (id, deploy): each a rolling deploy lint got wrong on PostgreSQL, minimal.
REGRESSIONS = [
    ("alter-type-read", _one_column("bigint", False, _LIST, ["ALTER TABLE t ALTER COLUMN a TYPE text"],
                                    [Col("a", "text", origin="a")])),
    ("alter-type-compared", _one_column("bigint", False, _FIND, ["ALTER TABLE t ALTER COLUMN a TYPE text"],
                                        [Col("a", "text", origin="a")])),
    ("drop-not-null-read", _one_column("text", True, _LIST, ["ALTER TABLE t ALTER COLUMN a DROP NOT NULL"],
                                       [Col("a", "text", origin="a")])),
    ("set-not-null-stored", _one_column("text", False, _UPDATE + "\n" + _FIND,
                                        ["UPDATE t SET a = '' WHERE a IS NULL", "ALTER TABLE t ALTER COLUMN a SET NOT NULL"],
                                        [Col("a", "text", True, origin="a")])),
]


@pytest.mark.parametrize("deploy", [d for _, d in REGRESSIONS], ids=[i for i, _ in REGRESSIONS])
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_postgres_lint_reports_exactly_what_a_found_deploy_breaks(postgres_databases: Callable[[str], str],
                                                                  tmp_path_factory: pytest.TempPathFactory,
                                                                  deploy: Deploy, data: st.DataObject) -> None:
    outcome = rolling_deploy_postgresql(tmp_path_factory.mktemp("deploy"), postgres_databases("lint"), deploy, data)
    assert outcome is not None  # PostgreSQL takes the migration
    check(deploy, *outcome)


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(deploy=drawn_lint.deploys("postgresql"), data=st.data())
def test_postgres_lint_reports_exactly_the_previous_queries_a_migration_breaks(
        postgres_databases: Callable[[str], str], deploy: Deploy, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        outcome = rolling_deploy_postgresql(Path(tmp), postgres_databases("lint"), deploy, data)
        if outcome is None:
            event("PostgreSQL refuses the migration")
        assume(outcome is not None)
        assert outcome is not None
        event(f"breaks: {bool(outcome[0])}")
        check(deploy, *outcome)
