"""PostgreSQL folds unquoted identifiers to lower case and keeps quoted ones exactly: the catalog must
record names the same way, or `e.*` is emitted as e."ID", a column the server does not have.
Generated code is called on a real server (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest

from tests._support import generate, import_module, imported

# Unquoted names in any case, quoted mixed-case ones, and ALTERs that name them in another case.
SCHEMA = """
CREATE TABLE Events (ID int NOT NULL, "Mixed" text, Name text);
ALTER TABLE EVENTS ADD COLUMN Extra INT;
ALTER TABLE events RENAME COLUMN NAME TO FullName;
ALTER TABLE "events" ADD COLUMN "CamelCase" int;
"""

QUERIES = """
-- name: AllAliased :many
SELECT e.* FROM events e ORDER BY e.id;

-- name: AllStar :many
SELECT * FROM EVENTS ORDER BY ID;

-- name: Joined :many
SELECT a.*, b.ID FROM events a JOIN Events b ON b.id = a.ID ORDER BY a.id;

-- name: UpperAlias :many
SELECT E.* FROM events E ORDER BY E.ID;

-- name: UpperAliasesJoined :many
SELECT * FROM (SELECT ID AS Event_ID FROM events) E JOIN Events T ON T.id = E.event_id ORDER BY T.ID;

-- name: QuotedAlias :many
SELECT "x".* FROM events "x" ORDER BY "x".id;

-- name: UpperCte :many
WITH X AS (SELECT ID FROM Events) SELECT * FROM X JOIN events ON events.id = X.id ORDER BY X.ID;

-- name: ByUpperNames :many
SELECT e.ID FROM events e WHERE e.ID > $1 AND EXTRA = $2 AND "Mixed" = $3 AND FullName LIKE $4 ORDER BY e.ID;

-- name: SetUpperNames :exec
UPDATE Events SET EXTRA = $1, "CamelCase" = $2 WHERE ID = $3;

-- name: Add :one
INSERT INTO Events (ID, "Mixed", FULLNAME, extra, "CamelCase")
VALUES (sqlc.arg(id), sqlc.narg(mixed), sqlc.narg(full_name), sqlc.narg(extra), sqlc.narg(camel))
RETURNING *;
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("pg_identifier_case")
    out = generate(root, {"1.sql": SCHEMA}, {"q.sql": QUERIES}, out="gen_pg_identifier_case", engine="postgresql")
    with imported(out) as pkg:
        import_module(pkg, "queries.q")
        yield pkg


@pytest.fixture
def conn(postgres_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(postgres_url, autocommit=True) as c:
        c.execute(SCHEMA.encode())
        yield c


def test_postgres_unquoted_identifiers_fold_to_lower_case(package: ModuleType,
                                                          conn: psycopg.Connection[Any]) -> None:
    q = package.queries.q
    added = q.add(conn, id=1, mixed="m", full_name="ada", extra=7, camel=3)
    q.add(conn, id=2, mixed=None, full_name=None, extra=None, camel=None)
    assert (added.id, added.Mixed, added.fullname, added.extra, added.CamelCase) == (1, "m", "ada", 7, 3)
    # The server names the columns; the catalog must agree with it.
    server = [d.name for d in conn.execute("SELECT * FROM events").description or ()]
    assert server == ["id", "Mixed", "fullname", "extra", "CamelCase"]
    for rows in (q.all_aliased(conn), q.all_star(conn), q.upper_alias(conn), q.quoted_alias(conn)):
        assert [(r.id, r.fullname, r.extra) for r in rows] == [(1, "ada", 7), (2, None, None)]
    joined = q.joined(conn)
    assert [r.id for r in joined] == [1, 2]
    assert [(r.event_id, r.id, r.fullname) for r in q.upper_aliases_joined(conn)] == [(1, 1, "ada"), (2, 2, None)]
    assert [r.fullname for r in q.upper_cte(conn)] == ["ada", None]


def test_postgres_a_parameter_is_named_as_the_server_names_its_column(package: ModuleType,
                                                                      conn: psycopg.Connection[Any]) -> None:
    """`e.ID > $1` compares with the column id: the parameter is `id`, as sqlc names it (PostgreSQL
    folds the unquoted name), not `ID`; a quoted name keeps its case ("Mixed")."""
    import inspect

    q = package.queries.q
    assert list(inspect.signature(q.by_upper_names).parameters)[1:] == ["id", "extra", "Mixed", "fullname"]
    assert list(inspect.signature(q.set_upper_names).parameters)[1:] == ["extra", "CamelCase", "id"]
    q.add(conn, id=1, mixed="m", full_name="ada", extra=7, camel=3)
    q.set_upper_names(conn, extra=8, CamelCase=4, id=1)
    assert q.by_upper_names(conn, id=0, extra=8, Mixed="m", fullname="a%") == [1]
