"""INSERT, UPDATE and DELETE on a view an INSTEAD OF trigger takes them for.

codegen refused them ("no such table"), though SQLite and PostgreSQL run them through the trigger.
They are :exec statements: the trigger runs in the statement's place, so SQLite reports no rows
changed and no rowid, and RETURNING gives the values as written, not what the trigger stored; any
other command is an error at the query, as is a statement on a view with no such trigger. Called on
a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import generate, import_module, imported, make_project, run_cli

SQLITE_SCHEMA = """
CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE VIEW author_names AS SELECT id, name FROM authors;
CREATE TRIGGER author_names_insert INSTEAD OF INSERT ON author_names
BEGIN INSERT INTO authors (name) VALUES (upper(NEW.name)); END;
CREATE TRIGGER author_names_update INSTEAD OF UPDATE OF name ON author_names
BEGIN UPDATE authors SET name = NEW.name WHERE id = OLD.id; END;
"""
PG_SCHEMA = """
CREATE TABLE authors (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL);
CREATE VIEW author_names AS SELECT id, name FROM authors WHERE id > 0 UNION ALL SELECT 0, 'none';
CREATE FUNCTION author_names_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO authors (name) VALUES (upper(NEW.name)); RETURN NEW; END $$;
CREATE TRIGGER author_names_insert INSTEAD OF INSERT ON author_names FOR EACH ROW EXECUTE FUNCTION author_names_insert();
"""
QUERIES = """
-- name: AddName :exec
INSERT INTO author_names (name) VALUES (sqlc.arg(name));

-- name: ListAuthors :many
SELECT id, name FROM authors ORDER BY id;
"""
SQLITE_QUERIES = QUERIES + """
-- name: Rename :exec
UPDATE author_names SET name = sqlc.arg(name) WHERE id = sqlc.arg(id);
"""
names = st.lists(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8), min_size=1, max_size=4)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=names)
def test_statements_on_a_view_run_its_instead_of_trigger_on_sqlite(tmp_path_factory: pytest.TempPathFactory,
                                                                     drawn: list[str]) -> None:
    root = tmp_path_factory.mktemp("view_triggers")
    out = generate(root, {"1.sql": SQLITE_SCHEMA}, {"v.sql": SQLITE_QUERIES}, out="view_triggers")
    with imported(out) as package:
        v = import_module(package, "queries.v")
        conn = sqlite3.connect(root / "db.sqlite3")
        conn.executescript(SQLITE_SCHEMA)
        for name in drawn:
            v.add_name(conn, name=name)
        upper = [conn.execute("SELECT upper(?)", (n,)).fetchone()[0] for n in drawn]  # SQLite's: ASCII only
        assert [(r.id, r.name) for r in v.list_authors(conn)] == list(enumerate(upper, start=1))
        v.rename(conn, name=drawn[0], id=1)
        assert v.list_authors(conn)[0].name == drawn[0]
        conn.close()


def test_statements_on_a_view_run_its_instead_of_trigger_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    out = generate(tmp_path, {"1.sql": PG_SCHEMA}, {"v.sql": QUERIES}, out="view_triggers_pg", engine="postgresql")
    with imported(out) as package, psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(PG_SCHEMA.encode())
        v = import_module(package, "queries.v")
        v.add_name(conn, name="ada")
        v.add_name(conn, name="Bob")
        assert [(r.id, r.name) for r in v.list_authors(conn)] == [(1, "ADA"), (2, "BOB")]


@pytest.mark.parametrize("query, message", [
    ("-- name: Counted :execrows\nINSERT INTO author_names (name) VALUES (?);\n",
     "2:1: error: query Counted: :execrows cannot answer for a statement on a view: its INSTEAD OF trigger"),
    ("-- name: Returned :one\nINSERT INTO author_names (name) VALUES (?) RETURNING id;\n",
     "2:1: error: query Returned: :one cannot answer for a statement on a view"),
    ("-- name: Gone :exec\nDELETE FROM author_names WHERE id = ?;\n",
     "2:13: error: query Gone: author_names is a view with no INSTEAD OF DELETE trigger: a DELETE cannot change it"),
])
def test_what_a_view_cannot_answer_is_a_located_error(tmp_path: Path, query: str, message: str) -> None:
    make_project(tmp_path, {"1.sql": SQLITE_SCHEMA}, {"v.sql": query})
    result = run_cli(tmp_path)
    assert result.code == 1 and "Traceback" not in result.stderr
    assert len(result.errors) == 1 and result.errors[0].startswith(f"queries/v.sql:{message}"), result.stderr
    assert not (tmp_path / "gen").exists()
