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


MIXED_CASE = """\
CREATE SCHEMA "Sales";
CREATE TABLE "Sales"."Orders" (id serial PRIMARY KEY, "Qty" integer NOT NULL, note text);
CREATE TABLE "People" (id serial PRIMARY KEY, "Name" text);
"""


@pytest.mark.parametrize(("query", "where"), [
    ("SELECT id FROM sales.orders", "2:16: error: query Q: no such table: sales.orders"),
    ('SELECT id FROM "Sales".orders', '2:16: error: query Q: no such table: "Sales".orders'),
    ('SELECT id FROM Sales."Orders"', '2:16: error: query Q: no such table: Sales."Orders"'),
    ("SELECT id FROM people", "2:16: error: query Q: no such table: people"),
    ('SELECT qty FROM "Sales"."Orders"', '2:8: error: query Q: no such column: qty'),
    ('SELECT o."qty" FROM "Sales"."Orders" o', '2:10: error: query Q: no such column: o.qty'),
    ('SELECT id FROM "People" WHERE name = $1', '2:31: error: query Q: no such column: name'),
    ("INSERT INTO sales.orders (note) VALUES ($1)", "2:13: error: query Q: no such table: sales.orders"),
    ('DELETE FROM "people" WHERE id = $1', '2:13: error: query Q: no such table: "people"'),
    ('INSERT INTO "People" (name) VALUES ($1)', '2:23: error: query Q: table People has no column named name'),
    ('UPDATE "People" SET name = $1 WHERE id = $2', '2:21: error: query Q: table People has no column named name'),
])
def test_postgres_a_quoted_names_case_is_its_own(tmp_path: Path, query: str, where: str) -> None:
    """Tables, schemas and columns were found by their lower-cased names: a query naming
    "Sales"."Orders" as sales.orders, or "Qty" as qty, was generated, and the server refused it at
    every call (relation "sales.orders" does not exist). Now an error where it is named."""
    make_project(tmp_path, {"1.sql": MIXED_CASE}, {"q.sql": f"-- name: Q :many\n{query};\n"}, engine="postgresql")
    result = run_cli(tmp_path)
    assert result.code == 1 and len(result.errors) == 1, result.stderr
    assert result.errors[0].startswith(f"queries/q.sql:{where} ("), result.stderr


def test_postgres_quoted_mixed_case_names_spelt_right(postgres_url: str, tmp_path: Path) -> None:
    """The same names spelt as the server knows them generate, and the calls read and write them."""
    queries = ('-- name: AddOrder :one\nINSERT INTO "Sales"."Orders" ("Qty") VALUES ($1) RETURNING *;\n'
               '-- name: Orders :many\nSELECT o."Qty", O.id, o.Note FROM "Sales"."Orders" O\n'
               "  WHERE o.id > $1 ORDER BY o.Id;\n"
               '-- name: People :many\nSELECT "Name" FROM "People" JOIN "Sales"."Orders" USING (id);\n')
    out = generate(tmp_path, {"1.sql": MIXED_CASE}, {"q.sql": queries}, out="pgs_case", engine="postgresql")
    with _migrated(postgres_url, MIXED_CASE) as conn, imported(out) as package:
        conn.execute("""INSERT INTO "People" ("Name") VALUES ('ada')""")
        q = import_module(package, "queries.q")
        assert q.add_order(conn, Qty=3).Qty == 3
        assert [(r.Qty, r.id, r.note) for r in q.orders(conn, id=0)] == [(3, 1, None)]
        assert q.people(conn) == ["ada"]


SET_PATH = """\
CREATE SCHEMA app;
SET search_path TO app, public;
CREATE TABLE items (id serial PRIMARY KEY, label text);
"""


@pytest.mark.parametrize(("query", "where"), [
    ("SELECT * FROM items", "2:15: error: query Q: no such table: items (in no schema of the search_path; "
                            "app.items is not on it"),
    ("INSERT INTO items (label) VALUES ($1)", "2:13: error: query Q: no such table: items (in no schema of the "
                                              "search_path; app.items is not on it"),
])
def test_postgres_a_table_created_under_a_search_path_is_an_error_where_queried(
        postgres_url: str, tmp_path: Path, query: str, where: str) -> None:
    """A table created unqualified after SET search_path TO app is app's (the catalog follows the
    path since the pgpath lane); queries run with the project's declared search_path (the server's
    "$user", public here), which does not reach it: an error where the query names it, saying
    where the table is (tests/test_drawn_pgpath_regressions.py declares a path that reaches it)."""
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(SET_PATH.encode())
        assert conn.execute("SELECT to_regclass('public.items') IS NULL").fetchone() == (True,)
    make_project(tmp_path, {"1.sql": SET_PATH}, {"q.sql": f"-- name: Q :exec\n{query};\n"}, engine="postgresql")
    result = run_cli(tmp_path)
    assert result.code == 1 and len(result.errors) == 1, result.stderr
    assert result.errors[0].startswith(f"queries/q.sql:{where}"), result.stderr


def test_postgres_a_search_path_lasts_to_the_end_of_its_file(postgres_url: str, tmp_path: Path) -> None:
    """As the runner runs each file with the search_path the run started with, a table the next
    file creates unqualified is public's: it is queried as usual."""
    later = "CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);\n"
    queries = "-- name: AddNote :one\nINSERT INTO notes (body) VALUES ($1) RETURNING id;\n"
    out = generate(tmp_path, {"1.sql": SET_PATH, "2.sql": later}, {"q.sql": queries}, out="pgs_path",
                   engine="postgresql")
    with imported(out) as package, psycopg.connect(postgres_url, autocommit=True) as conn:
        import_module(package, "migrations").migrate(postgres_url)
        assert import_module(package, "queries.q").add_note(conn, body="x") == 1
        assert conn.execute("SELECT to_regclass('public.notes') IS NOT NULL").fetchone() == (True,)


@pytest.mark.parametrize(("schema", "where"), [
    ("""CREATE TYPE "Mood" AS ENUM ('a');\nCREATE TYPE mood AS ENUM ('b');\n""",
     "2:13: error: type 'mood': codegen cannot tell it from 'Mood'"),
    ('CREATE SCHEMA "Sales";\nCREATE SCHEMA sales;\nCREATE TABLE "Sales".t (id int);\nCREATE TABLE sales.t (id int);\n',
     "4:14: error: table 't': codegen cannot tell it from 't' (schema Sales)"),
    ('CREATE TABLE "Items" (id int);\nCREATE TABLE items (id int);\n',
     "2:14: error: table 'items': codegen cannot tell it from 'Items'"),
])
def test_postgres_names_differing_only_in_case_are_refused_where_created(tmp_path: Path, schema: str,
                                                                         where: str) -> None:
    """The catalog keys names whatever their case, the server does not: a second enum "Mood" beside
    mood replaced the first silently (a column of the first, declared after, took the second's
    labels), and two such tables were refused as "already exists", which they were not."""
    make_project(tmp_path, {"1.sql": schema}, {"q.sql": "-- name: Q :one\nSELECT 1 AS one;\n"}, engine="postgresql")
    result = run_cli(tmp_path)
    assert result.code == 1 and len(result.errors) == 1, result.stderr
    assert result.errors[0].startswith(f"schema/1.sql:{where}"), result.stderr


TWO_DOMAINS = """\
CREATE SCHEMA billing;
CREATE DOMAIN amount AS text;
CREATE DOMAIN billing.amount AS integer;
CREATE TABLE items (id serial PRIMARY KEY, a amount NOT NULL);
CREATE TABLE billing.items (id serial PRIMARY KEY, a billing.amount NOT NULL);
"""


def test_postgres_same_named_domains_of_two_schemas(postgres_url: str, tmp_path: Path) -> None:
    """Domains were known by their bare name: billing.amount (integer) replaced public's amount
    (text), so public's column was typed int and every read of it failed validation; dropping one
    with CASCADE dropped the other's columns too."""
    later = "DROP DOMAIN billing.amount CASCADE;\n"
    queries = "-- name: Amounts :many\nSELECT a FROM items;\n"
    out = generate(tmp_path, {"1.sql": TWO_DOMAINS, "2.sql": later}, {"q.sql": queries}, out="pgs_domains",
                   engine="postgresql")
    with _migrated(postgres_url, TWO_DOMAINS, later) as conn, imported(out) as package:
        conn.execute("INSERT INTO items (a) VALUES ('ten')")
        assert import_module(package, "queries.q").amounts(conn) == ["ten"]


def test_postgres_drop_schema_cascade_drops_the_views_reading_it(postgres_url: str, tmp_path: Path) -> None:
    """DROP SCHEMA gone CASCADE dropped its tables from the catalog but not a view of another schema
    reading them, which the server drops too: a query of the view was generated and failed at every
    call (relation "pv" does not exist). Now the query is refused where it names the view."""
    schema = ("CREATE SCHEMA gone;\nCREATE TABLE gone.t (id int);\nCREATE VIEW pv AS SELECT id FROM gone.t;\n"
              "DROP SCHEMA gone CASCADE;\n")
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(schema.encode())
        assert conn.execute("SELECT to_regclass('pv') IS NULL").fetchone() == (True,)
    make_project(tmp_path, {"1.sql": schema}, {"q.sql": "-- name: Q :many\nSELECT * FROM pv;\n"}, engine="postgresql")
    result = run_cli(tmp_path)
    assert result.code == 1 and result.errors == ["queries/q.sql:2:15: error: query Q: no such table: pv"], \
        result.stderr


def test_postgres_alter_schema_rename(postgres_url: str, tmp_path: Path) -> None:
    """ALTER SCHEMA billing RENAME TO acct was not followed: a query of billing.items was generated
    (and failed at every call: relation "billing.items" does not exist) and one of acct.items refused.
    Its tables, enums, domains and functions now move with it."""
    schema = TWO_ENUMS + ("CREATE DOMAIN billing.cents AS integer;\n"
                          "CREATE TABLE billing.prices (id serial PRIMARY KEY, c billing.cents NOT NULL);\n"
                          "CREATE FUNCTION billing.total(x integer) RETURNS integer LANGUAGE sql AS $$ SELECT x * 2 $$;\n")
    later = "ALTER SCHEMA billing RENAME TO acct;\nALTER TYPE acct.status ADD VALUE 'void';\n"
    queries = ("-- name: Add :one\nINSERT INTO acct.items (st) VALUES ($1) RETURNING *;\n"
               "-- name: Doubled :one\nSELECT acct.total(c) FROM acct.prices WHERE id = $1;\n")
    out = generate(tmp_path, {"1.sql": schema, "2.sql": later}, {"q.sql": queries}, out="pgs_rename_schema",
                   engine="postgresql")
    with _migrated(postgres_url, schema, later) as conn, imported(out) as package:
        conn.execute("INSERT INTO acct.prices (c) VALUES (21)")
        q = import_module(package, "queries.q")
        row = q.add(conn, st="void")
        assert row.st == "void" and q.doubled(conn, id=1) == 42
        assert set(typing.get_args(type(row).model_fields["st"].annotation)) == {"open", "paid", "void"}
    make_project(tmp_path / "old", {"1.sql": schema, "2.sql": later},
                 {"q.sql": "-- name: Old :many\nSELECT * FROM billing.items;\n"}, engine="postgresql")
    result = run_cli(tmp_path / "old")
    assert result.errors == ["queries/q.sql:2:23: error: query Old: no such table: billing.items"], result.stderr
    (tmp_path / "old" / "queries" / "q.sql").write_text("-- name: Old :exec\nDELETE FROM billing.items;\n")
    result = run_cli(tmp_path / "old")
    assert result.errors == ["queries/q.sql:2:21: error: query Old: no such table: billing.items"], result.stderr


@pytest.mark.parametrize(("query", "where"), [
    ("SELECT billing.lower(label) FROM billing.items", "2:8: error: query Q: function billing.lower(unknown) does not exist"),
    ("SELECT public.total(1)", "2:8: error: query Q: function public.total(unknown) does not exist"),
    ("SELECT * FROM billing.generate_series(1, 2)", "2:15: error: query Q: function billing.generate_series(unknown, "
                                                    "unknown) does not exist"),
])
def test_postgres_a_call_naming_a_schema_without_that_function(postgres_url: str, tmp_path: Path, query: str,
                                                               where: str) -> None:
    """A call qualified with a schema that has no function of that name (the built-ins live in
    pg_catalog) was typed as the built-in or another schema's function: the server refused it at
    every call. Now an error where it is called; pg_catalog.lower and billing.total still generate."""
    schema = ("CREATE SCHEMA billing;\nCREATE TABLE billing.items (id serial PRIMARY KEY, label text NOT NULL);\n"
              "CREATE FUNCTION billing.total(x integer) RETURNS integer LANGUAGE sql AS $$ SELECT x * 2 $$;\n")
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(schema.encode())
        with pytest.raises(psycopg.errors.UndefinedFunction):
            conn.execute(query.encode())
    make_project(tmp_path, {"1.sql": schema}, {"q.sql": f"-- name: Q :many\n{query};\n"}, engine="postgresql")
    result = run_cli(tmp_path)
    assert result.code == 1 and result.errors == [f"queries/q.sql:{where}"], result.stderr
    (tmp_path / "queries" / "q.sql").write_text("-- name: Q :many\nSELECT pg_catalog.lower(label), billing.total(id) "
                                                "FROM billing.items;\n")
    assert run_cli(tmp_path).code == 0
