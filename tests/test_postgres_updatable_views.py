"""PostgreSQL changes a table through a simple view (its "automatically updatable" views): INSERT,
UPDATE and DELETE on one, with RETURNING and rowcounts, are queries like any other. A view of
another shape, or a column of one that is no plain column of its base, is refused with a located
error, as the server refuses it. Generated code is called on a real server (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests._support import generate, import_module, imported, make_project, run_cli

SCHEMA = """
CREATE TABLE authors (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    bio text,
    active boolean NOT NULL DEFAULT true
);
CREATE TABLE books (id bigserial PRIMARY KEY, author_id bigint NOT NULL REFERENCES authors (id), title text NOT NULL);
-- One table, a filter, a renamed column and a computed one.
CREATE VIEW active_authors AS SELECT id, name AS full_name, bio, upper(name) AS shout FROM authors WHERE active;
-- A simple view over that view, and one over `*`.
CREATE VIEW with_bio AS SELECT id, full_name, bio FROM active_authors WHERE bio IS NOT NULL;
CREATE VIEW every_author AS SELECT * FROM authors;
-- Not changeable: a join, an aggregate.
CREATE VIEW titles AS SELECT b.id, a.name, b.title FROM books b JOIN authors a ON a.id = b.author_id;
CREATE VIEW counts AS SELECT author_id, count(*) AS n FROM books GROUP BY author_id;
"""

QUERIES = """
-- name: AddActive :one
INSERT INTO active_authors (full_name, bio) VALUES (sqlc.arg(full_name), sqlc.narg(bio)) RETURNING *;

-- name: Rename :execrows
UPDATE active_authors SET full_name = sqlc.arg(full_name) WHERE id = sqlc.arg(id);

-- name: RenameWithBio :one
UPDATE with_bio SET full_name = $1 WHERE id = $2 RETURNING id, full_name, bio;

-- name: AddEvery :one
INSERT INTO every_author (name, bio, active) VALUES ($1, $2, $3) RETURNING *;

-- name: RemoveActive :execrows
DELETE FROM active_authors WHERE id = $1;

-- name: ListActive :many
SELECT * FROM active_authors ORDER BY id;

-- name: Author :one
SELECT * FROM authors WHERE id = $1;
"""

REFUSED = [
    ("UPDATE active_authors SET shout = $1 WHERE id = $2", "column shout of view active_authors cannot be written"),
    ("INSERT INTO active_authors VALUES ($1, $2, $3, $4)", "column shout of view active_authors cannot be written"),
    ("UPDATE titles SET title = $1", "titles is a view with no INSTEAD OF UPDATE trigger"),
    ("DELETE FROM counts WHERE author_id = $1", "counts is a view with no INSTEAD OF DELETE trigger"),
]


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("pg_updatable_views")
    out = generate(root, {"1.sql": SCHEMA}, {"q.sql": QUERIES}, out="gen_pg_updatable_views", engine="postgresql")
    with imported(out) as pkg:
        import_module(pkg, "queries.q")
        yield pkg


@pytest.fixture
def conn(postgres_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(postgres_url, autocommit=True) as c:
        c.execute(SCHEMA.encode())
        yield c


def test_statements_on_simple_views_change_the_base_table(package: ModuleType, conn: psycopg.Connection[Any]) -> None:
    q = package.queries.q
    added = q.add_active(conn, full_name="ada", bio=None)
    assert (added.full_name, added.bio, added.shout) == ("ada", None, "ADA")  # RETURNING reads the view
    base = q.author(conn, id=added.id)
    assert (base.name, base.bio, base.active) == ("ada", None, True)  # the base's DEFAULT filled `active`
    assert q.rename(conn, full_name="grace", id=added.id) == 1
    assert q.rename(conn, full_name="nobody", id=added.id + 1000) == 0
    assert q.rename_with_bio(conn, full_name="x", id=added.id) is None  # no bio: not a row of with_bio
    hidden = q.add_every(conn, name="lin", bio="b", active=False)
    assert (hidden.name, hidden.active) == ("lin", False)
    assert [a.full_name for a in q.list_active(conn)] == ["grace"]
    assert q.remove_active(conn, id=hidden.id) == 0  # inactive: not a row of active_authors
    assert q.remove_active(conn, id=added.id) == 1
    assert q.author(conn, id=added.id) is None and q.author(conn, id=hidden.id) is not None


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=8),
                      min_size=1, max_size=5),
       bio=st.none() | st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=8))
def test_rows_written_through_a_view_read_back_as_the_server_reads_them(
        package: ModuleType, postgres_url: str, names: list[str], bio: str | None) -> None:
    q = package.queries.q
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(b"DROP VIEW IF EXISTS titles, counts, with_bio, every_author, active_authors; "
                     b"DROP TABLE IF EXISTS books, authors")
        conn.execute(SCHEMA.encode())
        added = [q.add_active(conn, full_name=name, bio=bio) for name in names]
        raw = conn.execute("SELECT id, full_name, bio, shout FROM active_authors ORDER BY id").fetchall()
        assert [(a.id, a.full_name, a.bio, a.shout) for a in added] == raw
        assert [(a.id, a.full_name, a.bio, a.shout) for a in q.list_active(conn)] == raw
        renamed = q.rename_with_bio(conn, full_name="x" + names[0], id=added[0].id)
        assert (renamed is None) == (bio is None)


@pytest.mark.parametrize("sql, message", REFUSED, ids=[m for _, m in REFUSED])
def test_what_the_server_refuses_is_a_located_error(sql: str, message: str, tmp_path: Path, postgres_url: str) -> None:
    make_project(tmp_path, {"1.sql": SCHEMA}, {"q.sql": f"-- name: Refused :exec\n{sql};\n"}, engine="postgresql")
    result = run_cli(tmp_path)
    assert result.code == 1 and "Traceback" not in result.stderr
    assert "q.sql:2:" in result.stderr and message in result.stderr
    with psycopg.connect(postgres_url, autocommit=True) as conn:  # and the server refuses it too
        conn.execute(SCHEMA.encode())
        with pytest.raises(psycopg.errors.Error):
            conn.execute(f"PREPARE refused AS {sql}".encode())
