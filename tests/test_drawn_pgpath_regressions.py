"""PostgreSQL's search_path, pinned: each failure tests/test_drawn_pgpath.py found (or the lane's
brief named), as the smallest project that showed it, generated, imported and called on a real
server with the connection's search_path set as the project declares it."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

import psycopg
import pytest

from _support import generate, import_module, imported, make_project, run_cli

APP_PATH = 'search_path = ["app", "public"]'

SET_PATH = """\
CREATE SCHEMA app;
CREATE TABLE public.items (id serial PRIMARY KEY, label text NOT NULL);
SET search_path TO app, public;
CREATE TABLE items (id serial PRIMARY KEY, label text NOT NULL, qty integer NOT NULL DEFAULT 0);
"""


def _connect(url: str, path: str, *migrations: str) -> psycopg.Connection[Any]:
    """A connection whose search_path is `path`, after the migrations ran on one like it."""
    conn = psycopg.connect(url, autocommit=True)
    for sql in migrations:
        conn.execute(f"SET search_path TO {path}".encode())
        conn.execute(sql.encode())
    conn.execute(f"SET search_path TO {path}".encode())
    return conn


def test_postgres_a_table_created_after_set_search_path_is_the_one_queries_find(postgres_url: str,
                                                                                 tmp_path: Path) -> None:
    """A migration's SET search_path TO app put its unqualified CREATE TABLE items in app (the
    server's doing); the catalog took it for public's, and a query naming items was a located
    refusal. Followed now: with the project's search_path app, public, `items` is app.items (its
    three columns), and rows land there."""
    queries = ("-- name: AddItem :one\nINSERT INTO items (label, qty) VALUES ($1, $2) RETURNING *;\n"
               "-- name: PublicLabels :many\nSELECT label FROM public.items ORDER BY id;\n")
    out = generate(tmp_path, {"1.sql": SET_PATH}, {"q.sql": queries}, out="pgp_set", engine="postgresql",
                   extra=APP_PATH)
    with _connect(postgres_url, "app, public", SET_PATH) as conn, imported(out) as package:
        q = import_module(package, "queries.q")
        row = q.add_item(conn, label="a", qty=3)
        assert (row.label, row.qty) == ("a", 3)
        assert conn.execute("SELECT label, qty FROM app.items").fetchall() == [("a", 3)]
        assert q.public_labels(conn) == []


def test_postgres_an_unqualified_name_the_declared_path_does_not_reach_is_refused(tmp_path: Path) -> None:
    """With the server's default search_path ("$user", public), `items` is public's: a column
    only app.items has is no column of it."""
    make_project(tmp_path, {"1.sql": SET_PATH}, {"q.sql": "-- name: Q :many\nSELECT qty FROM items;\n"},
                 engine="postgresql")
    result = run_cli(tmp_path)
    assert result.code == 1 and len(result.errors) == 1, result.stderr
    assert "qty" in result.errors[0] and result.errors[0].startswith("queries/q.sql:2:"), result.stderr


ENUMS = """\
CREATE SCHEMA app;
CREATE TYPE public.status AS ENUM ('a', 'b');
SET search_path TO app, public;
CREATE TYPE status AS ENUM ('open', 'paid');
CREATE TABLE orders (id serial PRIMARY KEY, st status NOT NULL);
"""


def test_postgres_an_enum_created_after_set_search_path_types_its_columns(postgres_url: str,
                                                                         tmp_path: Path) -> None:
    """app.status, created unqualified after SET search_path TO app, was taken for public.status:
    the column app.orders.st was typed with public's labels, and reading 'paid' failed validation."""
    queries = ("-- name: AddOrder :one\nINSERT INTO orders (st) VALUES ($1) RETURNING st;\n"
               "-- name: States :many\nSELECT st FROM orders ORDER BY id;\n")
    out = generate(tmp_path, {"1.sql": ENUMS}, {"q.sql": queries}, out="pgp_enum", engine="postgresql",
                   extra=APP_PATH)
    with _connect(postgres_url, "app, public", ENUMS) as conn, imported(out) as package:
        q = import_module(package, "queries.q")
        assert q.add_order(conn, st="paid") == "paid"
        assert q.states(conn) == ["paid"]


VIEWS = """\
CREATE SCHEMA billing;
CREATE TABLE items (id serial PRIMARY KEY, label text NOT NULL);
CREATE TABLE billing.items (id serial PRIMARY KEY, amount integer NOT NULL);
CREATE VIEW labels AS SELECT label FROM items;
"""


def test_postgres_drop_cascade_of_a_same_named_table_keeps_the_view_of_the_other(postgres_url: str,
                                                                                tmp_path: Path) -> None:
    """Views recorded the tables they read by bare name: DROP TABLE billing.items CASCADE also
    dropped the view over public.items, and a query reading the view was a false refusal."""
    later = "DROP TABLE billing.items CASCADE;\n"
    queries = "-- name: Labels :many\nSELECT label FROM labels;\n"
    out = generate(tmp_path, {"1.sql": VIEWS, "2.sql": later}, {"q.sql": queries}, out="pgp_view",
                   engine="postgresql")
    with _connect(postgres_url, "public", VIEWS, later) as conn, imported(out) as package:
        conn.execute("INSERT INTO items (label) VALUES ('x')")
        assert import_module(package, "queries.q").labels(conn) == ["x"]


def test_postgres_pg_dump_preamble_leaves_no_schema_to_create_in(tmp_path: Path) -> None:
    """pg_dump's set_config('search_path', '', false): the server refuses an unqualified CREATE
    after it ("no schema has been selected to create in"); qualified ones go where they say."""
    schema = ("SELECT pg_catalog.set_config('search_path', '', false);\n"
              "CREATE TABLE public.items (id integer);\n"
              "CREATE TABLE notes (id integer);\n")
    make_project(tmp_path, {"1.sql": schema}, {"q.sql": "-- name: Q :many\nSELECT id FROM items;\n"},
                 engine="postgresql")
    result = run_cli(tmp_path)
    assert result.code == 1 and len(result.errors) == 1, result.stderr
    assert result.errors[0].startswith("schema/1.sql:3:14: error: no schema has been selected to create in"), \
        result.stderr


@pytest.mark.parametrize("statement", [
    "ALTER TABLE items ADD COLUMN note text",
    "ALTER TABLE items RENAME COLUMN label TO note",
])
def test_postgres_alter_after_set_search_path_changes_the_table_the_path_finds(
        postgres_url: str, tmp_path: Path, statement: str) -> None:
    """An unqualified ALTER TABLE after SET search_path TO app changes app.items, not public's."""
    later = f"SET search_path TO app;\n{statement};\n"
    queries = ("-- name: AppNotes :many\nSELECT note FROM app.items;\n"
               "-- name: PublicLabels :many\nSELECT label FROM public.items;\n")
    out = generate(tmp_path, {"1.sql": SET_PATH, "2.sql": later}, {"q.sql": queries}, out="pgp_alter",
                   engine="postgresql")
    with _connect(postgres_url, "public", SET_PATH, later) as conn, imported(out) as package:
        q = import_module(package, "queries.q")
        assert q.app_notes(conn) == [] and q.public_labels(conn) == []


TWO_ITEMS = """\
CREATE SCHEMA billing;
CREATE TABLE items (id serial PRIMARY KEY, amount bigint NOT NULL);
CREATE TABLE billing.items (id serial PRIMARY KEY, amount integer NOT NULL);
"""


@pytest.mark.parametrize(("later", "rule"), [
    ("ALTER TABLE billing.items ALTER COLUMN amount TYPE bigint;\n", "pg-column-type-rewrite"),
    ("SET search_path TO billing;\nALTER TABLE items ALTER COLUMN amount TYPE bigint;\n", "pg-column-type-rewrite"),
])
def test_postgres_lint_looks_a_qualified_table_up_in_its_schema(tmp_path: Path, later: str, rule: str) -> None:
    """Lint looked `billing.items` up as items, public's: public.items.amount is already bigint, so
    turning billing's integer column into bigint (a rewrite under an exclusive lock) went unflagged."""
    make_project(tmp_path, {"1.sql": TWO_ITEMS, "2.sql": later}, {"q.sql": "-- name: Q :one\nSELECT 1 AS one;\n"},
                 engine="postgresql")
    result = run_cli(tmp_path, "lint", "--since", "1")
    assert rule in result.stdout + result.stderr, result.stdout + result.stderr


FUNCTIONS = """\
CREATE SCHEMA app;
SET search_path TO app;
CREATE FUNCTION total() RETURNS text LANGUAGE sql AS $$ SELECT 'app' $$;
CREATE FUNCTION public.total() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;
"""


@pytest.mark.parametrize(("declared", "path", "expected"), [
    (APP_PATH, "app, public", "app"),
    ("", "public", 1),
])
def test_postgres_an_unqualified_call_is_the_function_the_search_path_finds(
        postgres_url: str, tmp_path: Path, declared: str, path: str, expected: object) -> None:
    """A function created unqualified after SET search_path TO app was recorded as public's, and the
    later public.total() replaced it (same name, same arguments): with the path app, public, the
    call was typed int while the server runs app.total() and returns 'app'."""
    queries = "-- name: Total :one\nSELECT total() AS t;\n"
    out = generate(tmp_path, {"1.sql": FUNCTIONS}, {"q.sql": queries}, out="pgp_func", engine="postgresql",
                   extra=declared)
    with _connect(postgres_url, path, FUNCTIONS) as conn, imported(out) as package:
        total = import_module(package, "queries.q").total
        assert total(conn) == expected
        assert typing.get_type_hints(total)["return"] == type(expected) | None \
            or typing.get_type_hints(total)["return"] is type(expected)


def test_postgres_lint_starts_each_file_with_the_declared_search_path(tmp_path: Path) -> None:
    """Lint applied the migrations without starting each file afresh: file 1's SET search_path TO
    app lasted into file 2, whose CREATE TABLE items (public's, as generation and the runner see
    it) was taken for a second app.items, and lint stopped with "already exists"."""
    first = "CREATE SCHEMA app;\nSET search_path TO app;\nCREATE TABLE items (id integer PRIMARY KEY);\n"
    second = "CREATE TABLE items (id integer PRIMARY KEY, label text);\n"
    queries = "-- name: Labels :many\nSELECT label FROM items;\n"
    make_project(tmp_path, {"1.sql": first, "2.sql": second}, {"q.sql": queries}, engine="postgresql")
    assert run_cli(tmp_path).code == 0
    result = run_cli(tmp_path, "lint")
    assert "error" not in result.stderr and result.code == 0, result.stdout + result.stderr



def test_postgres_copyfrom_into_a_view_inserts_through_it(postgres_url: str, tmp_path: Path) -> None:
    """`:copyfrom` INSERT INTO a view generated COPY items_v (id) FROM STDIN, which the server
    refuses at every call ("cannot copy to view"): an updatable view takes INSERTs, not COPY, so
    the INSERT is run once per row, as for an INSERT COPY cannot stand for."""
    schema = ("CREATE TABLE items (id serial PRIMARY KEY, label text);\n"
              "CREATE VIEW items_v AS SELECT * FROM items;\n")
    queries = "-- name: CopyItems :copyfrom\nINSERT INTO items_v (id, label) VALUES ($1, $2);\n"
    out = generate(tmp_path, {"1.sql": schema}, {"q.sql": queries}, out="pgp_copyview", engine="postgresql")
    with _connect(postgres_url, "public", schema) as conn, imported(out) as package:
        q = import_module(package, "queries.q")
        assert q.copy_items(conn, [q.CopyItemsParams(id=5, label="a"), q.CopyItemsParams(id=6, label=None)]) == 2
        assert conn.execute("SELECT id, label FROM items ORDER BY id").fetchall() == [(5, "a"), (6, None)]


def test_postgres_a_table_created_in_public_beside_a_same_named_one_on_the_path(tmp_path: Path) -> None:
    """Found drawing: with the declared path public, app, an unqualified CREATE TABLE items goes to
    public; the check for an existing table looked the name up along the whole path, found
    app.items and refused "cannot tell it from 'items' (schema app)", a false refusal."""
    schema = ("CREATE SCHEMA app;\nCREATE TABLE app.items (id integer);\n"
              "CREATE TABLE items (id integer, label text);\n")
    queries = "-- name: Labels :many\nSELECT label FROM items;\n-- name: Ids :many\nSELECT id FROM app.items;\n"
    make_project(tmp_path, {"1.sql": schema}, {"q.sql": queries}, engine="postgresql",
                 extra='search_path = ["public", "app"]')
    result = run_cli(tmp_path)
    assert result.code == 0, result.stderr
