"""PostgreSQL namespaces, pinned: each failure tests/test_drawn_pgschemas.py found (or its probing
did), as the smallest project that showed it, generated, imported and called on a real server."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

import psycopg
import pytest

from _support import generate, import_module, imported, make_project, run_cli

TWO_ENUMS = """\
CREATE SCHEMA billing;
CREATE TYPE status AS ENUM ('a', 'b');
CREATE TYPE billing.status AS ENUM ('open', 'paid');
CREATE TABLE items (id serial PRIMARY KEY, st status NOT NULL);
CREATE TABLE billing.items (id serial PRIMARY KEY, st billing.status NOT NULL);
"""


def _migrated(url: str, *migrations: str) -> psycopg.Connection[Any]:
    conn = psycopg.connect(url, autocommit=True)
    for sql in migrations:
        conn.execute(sql.encode())
    return conn


def _literals(function: Any) -> set[str]:
    """The labels a function's (list of) enum result is annotated with."""
    annotation = typing.get_type_hints(function)["return"]
    while typing.get_origin(annotation) is not typing.Literal:
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    return set(typing.get_args(annotation))


def test_postgres_enum_value_added_later_reads_back(postgres_url: str, tmp_path: Path) -> None:
    """ALTER TYPE ... ADD VALUE did not reach the columns of that type: their Literal kept the old
    labels, so reading a row holding the new one failed validation at every call."""
    later = "ALTER TYPE billing.status ADD VALUE 'void';\nALTER TYPE status ADD VALUE 'c' BEFORE 'a';\n"
    queries = ("-- name: Billed :many\nSELECT st FROM billing.items;\n"
               "-- name: Public :many\nSELECT st FROM items;\n")
    out = generate(tmp_path, {"1.sql": TWO_ENUMS, "2.sql": later}, {"q.sql": queries}, out="pgs_added",
                   engine="postgresql")
    with _migrated(postgres_url, TWO_ENUMS, later) as conn, imported(out) as package:
        conn.execute("INSERT INTO billing.items (st) VALUES ('void'); INSERT INTO items (st) VALUES ('c')")
        q = import_module(package, "queries.q")
        assert q.billed(conn) == ["void"] and q.public(conn) == ["c"]
        assert _literals(q.billed) == {"open", "paid", "void"} and _literals(q.public) == {"a", "b", "c"}


def test_postgres_enum_renamed_in_one_schema_leaves_the_other(postgres_url: str, tmp_path: Path) -> None:
    """Columns knew their enum by its bare name: renaming a value (or the type) of billing.status
    retyped the columns of public.status too, whose rows then failed validation."""
    later = ("ALTER TYPE billing.status RENAME VALUE 'open' TO 'due';\n"
             "ALTER TYPE billing.status RENAME TO state;\n")
    queries = ("-- name: Billed :many\nSELECT st FROM billing.items;\n"
               "-- name: Public :many\nSELECT st FROM items;\n")
    out = generate(tmp_path, {"1.sql": TWO_ENUMS, "2.sql": later}, {"q.sql": queries}, out="pgs_renamed",
                   engine="postgresql")
    with _migrated(postgres_url, TWO_ENUMS, later) as conn, imported(out) as package:
        conn.execute("INSERT INTO billing.items (st) VALUES ('due'); INSERT INTO items (st) VALUES ('a')")
        q = import_module(package, "queries.q")
        assert q.billed(conn) == ["due"] and q.public(conn) == ["a"]
        assert _literals(q.billed) == {"due", "paid"} and _literals(q.public) == {"a", "b"}


def test_postgres_empty_slice_of_a_schemas_enum(postgres_url: str, tmp_path: Path) -> None:
    """An empty sqlc.slice list of billing.status was sent as `IN (SELECT NULL::status ...)`, the
    first enum of that name: the server has no operator billing.status = status, so the call failed."""
    queries = ("-- name: Billed :many\nSELECT id FROM billing.items WHERE st IN (sqlc.slice(sts)) ORDER BY id;\n"
               "-- name: NotBilled :many\nSELECT id FROM billing.items WHERE st NOT IN (sqlc.slice(sts)) ORDER BY id;\n")
    out = generate(tmp_path, {"1.sql": TWO_ENUMS}, {"q.sql": queries}, out="pgs_slice", engine="postgresql")
    with _migrated(postgres_url, TWO_ENUMS) as conn, imported(out) as package:
        conn.execute("INSERT INTO billing.items (st) VALUES ('open'), ('paid')")
        q = import_module(package, "queries.q")
        assert q.billed(conn, sts=[]) == [] and q.not_billed(conn, sts=[]) == [1, 2]
        assert q.billed(conn, sts=["paid"]) == [2]


def test_postgres_enum_dropped_in_one_schema_keeps_the_others_columns(postgres_url: str, tmp_path: Path) -> None:
    """DROP TYPE billing.status CASCADE dropped every column whose type was named status, public's
    too: `SELECT *` lost a column the table has and a query naming it was refused."""
    later = "DROP TYPE billing.status CASCADE;\n"
    queries = "-- name: Public :many\nSELECT * FROM items;\n-- name: States :many\nSELECT st FROM items;\n"
    out = generate(tmp_path, {"1.sql": TWO_ENUMS, "2.sql": later}, {"q.sql": queries}, out="pgs_dropped",
                   engine="postgresql")
    with _migrated(postgres_url, TWO_ENUMS, later) as conn, imported(out) as package:
        conn.execute("INSERT INTO items (st) VALUES ('b')")
        q = import_module(package, "queries.q")
        assert [(r.id, r.st) for r in q.public(conn)] == [(1, "b")] and q.states(conn) == ["b"]
        assert [c for (c,) in conn.execute("SELECT column_name FROM information_schema.columns "
                                           "WHERE table_schema = 'billing' AND table_name = 'items'")] == ["id"]


SAME_FUNCTION = """\
CREATE SCHEMA billing;
CREATE TABLE billing.items (id serial PRIMARY KEY, amount integer NOT NULL);
CREATE FUNCTION billing.total(x integer) RETURNS integer LANGUAGE sql AS $$ SELECT x * 2 $$;
CREATE FUNCTION total(x text) RETURNS text LANGUAGE sql AS $$ SELECT x || '!' $$;
CREATE FUNCTION billing.items_of(lo integer) RETURNS SETOF billing.items LANGUAGE sql
    AS $$ SELECT * FROM billing.items WHERE amount >= lo $$;
CREATE FUNCTION items_of(lo text) RETURNS TABLE (label text) LANGUAGE sql AS $$ SELECT lo $$;
"""


def test_postgres_same_named_functions_of_two_schemas(postgres_url: str, tmp_path: Path) -> None:
    """Functions were known by their bare name: `total('a')` (public's, text) was typed by
    billing.total (integer), and `FROM items_of('a')` by billing.items_of's rows: every call failed
    validation. Each call now resolves among the functions of the schema it names (public unnamed)."""
    queries = ("-- name: Doubled :one\nSELECT billing.total(amount) FROM billing.items WHERE id = $1;\n"
               "-- name: Shout :one\nSELECT total(sqlc.arg(word)::text);\n"
               "-- name: Billed :many\nSELECT * FROM billing.items_of($1) ORDER BY id;\n"
               "-- name: Labels :many\nSELECT * FROM items_of($1);\n"
               "-- name: PublicShout :one\nSELECT public.total('b');\n")
    out = generate(tmp_path, {"1.sql": SAME_FUNCTION}, {"q.sql": queries}, out="pgs_functions", engine="postgresql")
    with _migrated(postgres_url, SAME_FUNCTION) as conn, imported(out) as package:
        conn.execute("INSERT INTO billing.items (amount) VALUES (5), (7)")
        q = import_module(package, "queries.q")
        assert q.doubled(conn, id=1) == 10
        assert q.shout(conn, word="a") == "a!" and q.public_shout(conn) == "b!"
        assert [(r.id, r.amount) for r in q.billed(conn, lo=6)] == [(2, 7)]
        assert [r.label if hasattr(r, "label") else r for r in q.labels(conn, lo="x")] == ["x"]


def test_postgres_function_dropped_in_one_schema_keeps_the_other(postgres_url: str, tmp_path: Path) -> None:
    """DROP FUNCTION billing.total(integer) dropped public's total(text) too: a query calling it
    became an unknown function, typed Any."""
    later = "DROP FUNCTION billing.total(integer);\n"
    queries = "-- name: Shout :one\nSELECT total(sqlc.arg(word)::text);\n"
    out = generate(tmp_path, {"1.sql": SAME_FUNCTION, "2.sql": later}, {"q.sql": queries}, out="pgs_drop_function",
                   engine="postgresql", extra="strict = true")
    with _migrated(postgres_url, SAME_FUNCTION, later) as conn, imported(out) as package:
        q = import_module(package, "queries.q")
        assert q.shout(conn, word="a") == "a!"
        assert typing.get_type_hints(q.shout)["return"] == str
