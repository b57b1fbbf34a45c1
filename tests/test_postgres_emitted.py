"""PostgreSQL code paths as emitted, called on a real server (tests/conftest.py), sync and async:
JSON and JSONB parameters, enum array columns, :copyfrom into a table of another schema."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests._support import generate, import_module, imported

SCHEMA = """
CREATE TYPE status AS ENUM ('open', 'closed', 'on hold');
CREATE TYPE weird AS ENUM ('a,b', 'q"x', 'back\\slash', ' sp ', 'NULL', '{br}', '');
CREATE TABLE weird_rows (id SERIAL PRIMARY KEY, labels weird[][] NOT NULL);
CREATE SCHEMA archive;
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE archive.users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE user_data (id INTEGER NOT NULL, "user" TEXT NOT NULL, "Mixed" TEXT);
CREATE TABLE tickets (
  id SERIAL PRIMARY KEY,
  statuses status[] NOT NULL,
  maybe_statuses status[],
  doc JSON,
  docb JSONB NOT NULL
);
"""

QUERIES = """
-- name: AddTicket :one
INSERT INTO tickets (statuses, maybe_statuses, doc, docb)
VALUES (sqlc.arg(statuses), sqlc.narg(maybe_statuses), sqlc.narg(doc), sqlc.arg(docb)) RETURNING *;

-- name: GetTicket :one
SELECT * FROM tickets WHERE id = sqlc.arg(id);

-- name: ListStatuses :many
SELECT statuses FROM tickets ORDER BY id;

-- name: FindByDoc :many
SELECT id FROM tickets WHERE docb @> sqlc.arg(fragment) ORDER BY id;

-- name: ArchiveUsers :copyfrom
INSERT INTO archive.users (id, name) VALUES ($1, $2);

-- name: StageUserData :copyfrom
INSERT INTO user_data (id, "user", "Mixed") VALUES (sqlc.arg(id), sqlc.arg(user_name), sqlc.arg(mixed));

-- name: ListArchived :many
SELECT id, name FROM archive.users ORDER BY id;

-- name: AddWeird :one
INSERT INTO weird_rows (labels) VALUES (sqlc.arg(labels)) RETURNING *;

-- name: ListUsers :many
SELECT id, name FROM users ORDER BY id;

-- name: GetUser :one
SELECT * FROM users WHERE id = sqlc.arg(id);

-- name: GetArchivedUser :one
SELECT * FROM archive.users WHERE id = sqlc.arg(id);
"""


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, Path]]:
    root = tmp_path_factory.mktemp("pg_emitted")
    out = generate(root, {"1.sql": SCHEMA}, {"q.sql": QUERIES}, out="gen_pg_emitted", engine="postgresql",
                   emit_async=True)
    with imported(out) as package:
        import_module(package, "queries.q")
        import_module(package, "aio.q")
        yield package, out


@pytest.fixture
def conn(postgres_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(postgres_url, autocommit=True) as c:
        c.execute(SCHEMA.encode())
        yield c


def test_postgres_json_parameters_round_trip(gen: tuple[ModuleType, Path], conn: psycopg.Connection[Any],
                                             postgres_url: str) -> None:
    q = gen[0].queries.q
    doc = {"a": [1, 2, {"b": None}], "s": "x'y"}
    row = q.add_ticket(conn, statuses=["open"], maybe_statuses=None, doc=doc, docb=[doc, 1])
    assert (row.doc, row.docb) == (doc, [doc, 1])
    none = q.add_ticket(conn, statuses=[], maybe_statuses=None, doc=None, docb={"k": "v"})
    assert none.doc is None and q.get_ticket(conn, id=none.id).docb == {"k": "v"}
    assert q.find_by_doc(conn, fragment={"k": "v"}) == [none.id]

    async def run() -> Any:
        async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as aconn:
            added = await gen[0].aio.q.add_ticket(aconn, statuses=["closed"], maybe_statuses=None, doc=[1],
                                                  docb={"z": True})
            return added, await gen[0].aio.q.find_by_doc(aconn, fragment={"z": True})

    added, found = asyncio.run(run())
    assert added.doc == [1] and found == [added.id]


def test_postgres_enum_arrays_read_back_as_lists(gen: tuple[ModuleType, Path], conn: psycopg.Connection[Any]) -> None:
    q = gen[0].queries.q
    conn.execute("""INSERT INTO tickets (statuses, maybe_statuses, docb) VALUES
                    ('{open,closed}', NULL, '{}'), ('{}', '{"on hold", closed}', '{}')""")
    first, second = q.get_ticket(conn, id=1), q.get_ticket(conn, id=2)
    assert (first.statuses, first.maybe_statuses) == (["open", "closed"], None)
    assert second.statuses == [] and second.maybe_statuses == ["on hold", "closed"]
    assert q.list_statuses(conn) == [["open", "closed"], []]
    written = q.add_ticket(conn, statuses=["on hold", "open"], maybe_statuses=["closed"], doc=None, docb={})
    assert (written.statuses, written.maybe_statuses) == (["on hold", "open"], ["closed"])


def test_postgres_copyfrom_into_another_schema(gen: tuple[ModuleType, Path], conn: psycopg.Connection[Any],
                                               postgres_url: str) -> None:
    q = gen[0].queries.q
    assert q.archive_users(conn, [q.ArchiveUsersParams(1, "ada"), q.ArchiveUsersParams(2, "bob")]) == 2
    assert [(r.id, r.name) for r in q.list_archived(conn)] == [(1, "ada"), (2, "bob")] and q.list_users(conn) == []

    async def run() -> int:
        async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as aconn:
            return int(await gen[0].aio.q.archive_users(aconn, [q.ArchiveUsersParams(3, "cy")]))

    assert asyncio.run(run()) == 1
    assert [r.id for r in q.list_archived(conn)] == [1, 2, 3] and q.list_users(conn) == []
    # Reserved and mixed-case column names are quoted in the COPY statement.
    assert q.stage_user_data(conn, [q.StageUserDataParams(1, "ada", None), q.StageUserDataParams(2, "b", "m")]) == 2
    assert conn.execute('SELECT id, "user", "Mixed" FROM user_data ORDER BY id').fetchall() == [(1, "ada", None),
                                                                                                  (2, "b", "m")]


def test_postgres_package_passes_mypy_strict(gen: tuple[ModuleType, Path]) -> None:
    out = gen[1]
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir",
                             str(out.parent / ".mypy_cache"), out.name], cwd=out.parent, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


WEIRD = ["a,b", 'q"x', "back\\slash", " sp ", "NULL", "{br}", ""]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(labels=st.integers(0, 3).flatmap(lambda width: st.lists(st.lists(st.sampled_from(WEIRD), min_size=width,
                                                                          max_size=width), max_size=3)))
def test_postgres_enum_array_labels_that_need_quoting(gen: tuple[ModuleType, Path], conn: psycopg.Connection[Any],
                                                      labels: list[list[str]]) -> None:
    q = gen[0].queries.q
    if any(not row for row in labels):
        labels = []  # PostgreSQL has no array of empty arrays
    row = q.add_weird(conn, labels=labels)
    assert row.labels == labels


def test_a_table_of_another_schema_is_named_with_its_schema(gen: tuple[ModuleType, Path],
                                                             conn: psycopg.Connection[Any],
                                                             tmp_path: Path) -> None:
    """archive.users is models.ArchiveUser, users models.User (as sqlc names them), each read from
    its own table; before, archive.users was User_2, a name that changed with the tables
    declared before it: a third schema's users table renamed the existing classes."""
    package = gen[0]
    q = package.queries.q
    conn.execute("INSERT INTO users VALUES (1, 'live'); INSERT INTO archive.users VALUES (1, 'old')")
    assert q.get_user(conn, id=1) == package.models.User(id=1, name="live")
    assert q.get_archived_user(conn, id=1) == package.models.ArchiveUser(id=1, name="old")
    assert package.models.ArchiveUser.__doc__ == "A row of the table archive.users."
    before = {name for name in vars(package.models) if name.endswith("User")}
    out = generate(tmp_path, {"0.sql": "CREATE SCHEMA aaa; CREATE TABLE aaa.users (id INTEGER PRIMARY KEY);",
                              "1.sql": SCHEMA}, {"q.sql": QUERIES}, out="gen_pg_schemas", engine="postgresql")
    models = (out / "models.py").read_text()
    assert all(f"class {name}(" in models for name in before) and "class AaaUser(" in models, models
