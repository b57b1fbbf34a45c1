"""A migration's TEMP table (a staging table for a data migration) is gone once the migrations end.

The catalog kept it: its row model was generated, and a query reading it generated a function that
failed at every call (`no such table`), since queries run in sessions of their own. The oracle is
the real database after the generated runner applied the same migrations: what a new connection
sees is what the catalog has. PostgreSQL makes a view over a temporary table temporary as well.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

from _support import import_module, imported, make_project, run_cli

SPELLINGS = {"sqlite": ["CREATE TEMP TABLE staging", "CREATE TEMPORARY TABLE staging",
                        "CREATE TABLE temp.staging", "CREATE TEMP TABLE IF NOT EXISTS staging"],
             "postgresql": ["CREATE TEMP TABLE staging", "CREATE TEMPORARY TABLE staging",
                            "CREATE TABLE pg_temp.staging", "CREATE LOCAL TEMP TABLE staging"]}


def _schema(create: str, engine: str) -> dict[str, str]:
    temp_view = ("CREATE VIEW staged AS SELECT id FROM staging;\n" if engine == "postgresql"
                 else "CREATE TEMP VIEW staged AS SELECT id FROM staging;\n")
    return {
        "000001_notes.up.sql": "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n",
        "000002_backfill.up.sql": (f"{create} (id INTEGER, body TEXT);\n"
                                   "INSERT INTO staging VALUES (1, 'one'), (2, 'two');\n"
                                   + temp_view +
                                   "INSERT INTO notes SELECT id, body FROM staging;\n"
                                   "CREATE VIEW recent AS SELECT id, body FROM notes;\n"),
    }


QUERIES = "-- name: Notes :many\nSELECT id, body FROM recent ORDER BY id;\n"


def _visible(engine: str, db: str) -> set[str]:
    if engine == "sqlite":
        conn = sqlite3.connect(db)
        try:
            return {r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') "
                                               "UNION SELECT name FROM temp.sqlite_schema")}
        finally:
            conn.close()
    with psycopg.connect(db) as conn:
        return {r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema NOT IN "
            "('pg_catalog', 'information_schema')")}


@pytest.mark.parametrize("engine, create", [(e, c) for e, spellings in SPELLINGS.items() for c in spellings])
def test_temporary_tables_are_gone_for_the_queries(tmp_path: Path, request: pytest.FixtureRequest,
                                                   engine: str, create: str) -> None:
    db = str(tmp_path / "app.db") if engine == "sqlite" else request.getfixturevalue("postgres_url")
    root = make_project(tmp_path / "p", _schema(create, engine), {"q.sql": QUERIES}, engine=engine)
    assert run_cli(root, "migrate", "--db", db).code == 0
    assert _visible(engine, db) == {"notes", "recent", "schema_migrations"}  # the oracle: no staging, no staged

    assert run_cli(root).code == 0
    with imported(root / "gen") as package:
        models = import_module(package, "models")
        assert not hasattr(models, "Staging") and not hasattr(models, "Staged") and hasattr(models, "Recent")
        if engine == "sqlite":
            with sqlite3.connect(db) as conn:
                rows = import_module(package, "queries.q").notes(conn)
        else:
            with psycopg.connect(db) as pg:
                rows = import_module(package, "queries.q").notes(pg)
        assert [(r.id, r.body) for r in rows] == [(1, "one"), (2, "two")]

    for name in ("staging", "staged"):
        (root / "queries" / "q.sql").write_text(QUERIES + f"-- name: Bad :many\nSELECT id FROM {name};\n")
        refused = run_cli(root)
        assert refused.code == 1 and refused.errors == [
            f"queries/q.sql:4:16: error: query Bad: no such table: {name} (a TEMP table or view of "
            "the migrations: it is gone when their session ends, and queries run in sessions of their own)"
        ], refused.stderr
        if engine == "sqlite":
            with sqlite3.connect(db) as conn, pytest.raises(sqlite3.OperationalError, match="no such table"):
                conn.execute(f"SELECT id FROM {name}")
        else:
            with psycopg.connect(db) as pg, pytest.raises(psycopg.errors.UndefinedTable):
                pg.execute(f"SELECT id FROM {name}")
