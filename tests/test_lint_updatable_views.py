"""The rolling-deploy check on an INSERT through a PostgreSQL auto-updatable view: the row lands in
the view's base table, so a base column made NOT NULL without a default breaks the previous
release's INSERT when the view does not expose the column or the INSERT leaves it out. The check
used to skip views. Each case's verdict is compared with the real server's: the migrations are
applied and the previous release's INSERT is run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from test_lint_rolling import TABLE, READS_NAME, first_release, lint, release

VIEWS = ("CREATE VIEW named AS SELECT id, name FROM users;\n"
         "CREATE VIEW everything AS SELECT * FROM users;\n"
         "CREATE VIEW nested AS SELECT id, name FROM everything;\n")
# (the previous release's INSERT, the next migration, whether the server refuses the INSERT after it)
CASES = {
    "hidden-column-made-not-null": ("INSERT INTO named (name) VALUES ($1)",
                                    "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n", True),
    "left-out-column-made-not-null": ("INSERT INTO everything (name) VALUES ($1)",
                                      "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n", True),
    "through-two-views": ("INSERT INTO nested (name) VALUES ($1)",
                          "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n", True),
    "new-not-null-column": ("INSERT INTO everything (name, email) VALUES ($1, $1)",
                            "ALTER TABLE users ADD COLUMN nick text NOT NULL;\n", True),
    "given-column-made-not-null": ("INSERT INTO everything (name, email) VALUES ($1, $1)",
                                   "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n", False),
    "made-not-null-with-a-default": ("INSERT INTO named (name) VALUES ($1)",
                                     "ALTER TABLE users ALTER COLUMN email SET DEFAULT 'x';\n"
                                     "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n", False),
    "view-column-default": ("INSERT INTO everything (name) VALUES ($1)",
                            "ALTER VIEW everything ALTER COLUMN email SET DEFAULT 'v';\n"
                            "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n", False),
}


@pytest.mark.parametrize("case", list(CASES))
def test_an_insert_through_an_updatable_view_breaks_exactly_when_the_server_refuses_it(
        tmp_path: Path, postgres_databases: Any, case: str) -> None:
    insert, migration, refused = CASES[case]
    root = first_release(tmp_path, "postgresql", f"-- name: AddThrough :exec\n{insert};\n", "release 1")
    release(root, {"schema/000002_views.up.sql": VIEWS}, "the views, before the release that inserts through them")
    release(root, {"schema/000003_change.up.sql": migration, "queries/users.sql": READS_NAME}, "release 2")
    done = lint(root, "--previous", "HEAD~1")
    assert "Traceback" not in done.stderr, done.stderr
    flagged = "previous-query-breaks: the previous release's query AddThrough" in done.stdout
    with psycopg.connect(postgres_databases(f"view_{case.replace('-', '_')}"), autocommit=True) as conn:
        conn.execute((TABLE["postgresql"] + VIEWS + migration).encode())
        try:
            conn.execute(insert.replace("$1", "%s").encode(), ("ann",) * insert.count("$1"))
            failed = False
        except psycopg.errors.NotNullViolation:
            failed = True
    assert failed == refused, "the case's expectation is wrong about the server"
    assert flagged == refused, done.stdout + done.stderr
