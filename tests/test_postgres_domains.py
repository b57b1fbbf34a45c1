"""PostgreSQL: a column of a domain declared NOT NULL is typed nullable, on purpose.

PostgreSQL's documentation (CREATE DOMAIN, Notes) says such a column can still hold NULL: the
constraint is checked when a value is converted to the domain, and "INSERT INTO tab (domcol)
VALUES ((SELECT domcol FROM tab WHERE false))" stores the empty scalar subquery's NULL, already of
the domain type, without a check. The docs advise putting NOT NULL on the column instead, which
codegen types NOT NULL. This test stores that NULL on a real server and reads it back through the
generated function: typed NOT NULL, the read would fail validation at every call on that row."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from _support import generate, import_module, imported

SCHEMA = """\
CREATE DOMAIN email AS text NOT NULL CHECK (VALUE LIKE '%@%');
CREATE DOMAIN label AS text;
CREATE TABLE users (id bigint PRIMARY KEY, mail email, tag label NOT NULL);
"""
QUERIES = """\
-- name: GetUser :one
SELECT * FROM users WHERE id = $1;

-- name: AddUser :exec
INSERT INTO users (id, mail, tag) VALUES ($1, $2, $3);
"""


def test_postgres_a_not_null_domain_column_that_holds_null_reads_back_as_none(tmp_path: Path,
                                                                              postgres_url: str) -> None:
    out = generate(tmp_path, {"1.sql": SCHEMA}, {"q.sql": QUERIES}, engine="postgresql")
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(SCHEMA)
        with imported(out) as package:
            queries = import_module(package, "queries.q")
            queries.add_user(conn, id=1, mail="a@b", tag="x")
            # The domain's NOT NULL is enforced on a value converted to it...
            with pytest.raises(psycopg.errors.NotNullViolation):
                queries.add_user(conn, id=2, mail=None, tag="x")
            # ...and not on the NULL an empty scalar subquery of the domain's type yields.
            conn.execute("INSERT INTO users (id, mail, tag) VALUES (3, (SELECT mail FROM users WHERE false), 'y')")
            assert conn.execute("SELECT mail IS NULL FROM users WHERE id = 3").fetchone() == (True,)
            assert queries.get_user(conn, id=1).mail == "a@b"
            assert queries.get_user(conn, id=3).mail is None
            # NOT NULL on the column itself is the guarantee, and is typed so.
            fields = type(queries.get_user(conn, id=3)).model_fields
            assert fields["tag"].annotation is str
            assert fields["mail"].annotation == str | None
