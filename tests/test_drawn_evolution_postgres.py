"""Drawn schema evolution on PostgreSQL (the SQLite twin, and what is checked, is
tests/test_drawn_evolution.py): histories that also change a column's type, NOT NULL and default
in place, add and drop primary keys, create enums and add their values, domains and a second
schema, each applied to a real database on the test server (statements it refuses left out);
codegen's catalog must equal what pg_catalog says, `codegen verify --db` report no drift, and the
package generated for the schema, called on that database, return what went in.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from tests import (drawn_evolution, drawn_evolution_calls, drawn_evolution_db, drawn_evolution_oracle,
                   drawn_evolution_runner)
from tests._support import generate, import_module, imported, run_cli, write_files

EXAMPLES = int(os.environ.get("EVOLUTION_PG_EXAMPLES", "12"))

REGRESSIONS = [
    # ALTER COLUMN ... TYPE t USING expr: the type was read as 't USING c', which types nothing
    # (typing.Any in every row model and parameter of the column).
    ("alter-type-using", [["CREATE TABLE t (id integer PRIMARY KEY, c timestamp)",
                           "ALTER TABLE t ALTER COLUMN c TYPE date USING c::date"]]),
    ("set-data-type-using", [["CREATE TABLE t (c text)", "ALTER TABLE t ALTER c SET DATA TYPE integer USING c::integer"]]),
    # DROP CONSTRAINT t_pkey left the columns marked primary key, so a later DROP NOT NULL kept
    # them NOT NULL: a row read with NULL there failed validation.
    ("drop-primary-key", [["CREATE TABLE t (a integer PRIMARY KEY, b text)", "ALTER TABLE t DROP CONSTRAINT t_pkey",
                           "ALTER TABLE t ALTER COLUMN a DROP NOT NULL"]]),
    ("drop-primary-key-of-a-renamed-table", [["CREATE TABLE t (a integer, b text, PRIMARY KEY (a, b))"],
                                             ["ALTER TABLE t RENAME TO u", "ALTER TABLE u DROP CONSTRAINT t_pkey",
                                              "ALTER TABLE u ALTER b DROP NOT NULL"]]),
    ("drop-named-primary-key", [["CREATE TABLE t (a integer CONSTRAINT k PRIMARY KEY)",
                                 "ALTER TABLE t ADD COLUMN b integer CONSTRAINT j UNIQUE",
                                 "ALTER TABLE t DROP CONSTRAINT k", "ALTER TABLE t ALTER a DROP NOT NULL"]]),
    # Dropping one column of a primary key drops the key: the other columns are no longer in one.
    ("drop-a-primary-key-column", [["CREATE TABLE t (a integer, b integer, PRIMARY KEY (a, b))",
                                    "ALTER TABLE t DROP COLUMN a", "ALTER TABLE t ALTER b DROP NOT NULL"]]),
    # DROP ... CASCADE drops the views reading what it drops (and the views reading those): the
    # catalog kept them, so a query on one generated and failed at run time, and creating the view
    # again was refused ("view 'v' already exists").
    ("drop-table-cascade", [["CREATE TABLE t (a integer)", "CREATE VIEW v AS SELECT * FROM t",
                             "CREATE VIEW w AS SELECT a FROM v", "DROP TABLE t CASCADE",
                             "CREATE VIEW v AS SELECT 1 AS one"]]),
    ("drop-column-cascade", [["CREATE TABLE t (a integer, b integer)", "CREATE VIEW v AS SELECT b FROM t",
                              "CREATE VIEW w AS SELECT a FROM t", "ALTER TABLE t RENAME b TO c",
                              "ALTER TABLE t DROP COLUMN c CASCADE"]]),
    ("drop-view-cascade", [["CREATE TABLE t (a integer)", "CREATE VIEW v AS SELECT a FROM t",
                            "CREATE VIEW w AS SELECT a FROM v", "DROP VIEW v CASCADE"]]),
    ("drop-type-cascade", [["CREATE TYPE e AS ENUM ('a', 'b')", "CREATE DOMAIN d AS integer NOT NULL",
                            "CREATE TABLE t (id integer PRIMARY KEY, c e, x d, y integer)", "DROP TYPE e CASCADE",
                            "DROP DOMAIN d CASCADE"]]),
    # PostgreSQL names an operator's or a literal's column of a view ?column?; codegen had ''.
    ("view-expressions", [["CREATE TABLE t (a integer)",
                           "CREATE VIEW v AS SELECT a IS NULL, count(*), max(a), coalesce(a, a), a::text AS x "
                           "FROM t GROUP BY a"]]),
    ("drop-added-primary-key", [["CREATE TABLE t (a integer)", "ALTER TABLE t ADD PRIMARY KEY (a)",
                                 "ALTER TABLE t RENAME TO u", "ALTER TABLE u DROP CONSTRAINT t_pkey",
                                 "ALTER TABLE u ALTER a DROP NOT NULL"]]),
]


# `verify --db` reported drift on a database migrated by these very migrations: the test databases
# have TimeZone Pacific/Auckland (tests/conftest.py), verify's scratch database the server's, and a
# timestamptz default is printed in the session's zone (and one without an offset read in it).
VERIFY_REGRESSIONS = [
    ("timestamptz-default", [["CREATE TABLE t (c timestamptz DEFAULT '2024-01-01 00:00:00+00')"]]),
    ("timestamptz-default-read-in-the-zone", [["CREATE TABLE t (c timestamptz DEFAULT '2024-01-01 00:00:00')",
                                               "CREATE VIEW v AS SELECT c FROM t WHERE c > '2020-01-01 10:00'"]]),
]


@pytest.mark.parametrize("history", [h for _, h in VERIFY_REGRESSIONS], ids=[i for i, _ in VERIFY_REGRESSIONS])
def test_postgres_verify_reports_no_drift_for_a_found_history(postgres_url: str, tmp_path: Path,
                                                              history: list[list[str]]) -> None:
    accepted, found = _postgres_differences(postgres_url, tmp_path, history)
    assert (accepted, found) == (history, [])
    result = run_cli(tmp_path / "p", "verify", "--db", postgres_url)
    assert (result.code, result.stderr) == (0, ""), result.stderr


def _postgres_differences(url: str, root: Path, history: list[list[str]]) -> tuple[list[list[str]], list[str]]:
    import psycopg

    with psycopg.connect(url) as conn:
        accepted, _ = drawn_evolution_db.apply_postgresql(conn, history)
        db = drawn_evolution_db.postgresql_schema(conn)
    return accepted, drawn_evolution_oracle.catalog_differences(root / "p", accepted, db, "postgresql")


@pytest.mark.parametrize("history", [h for _, h in REGRESSIONS], ids=[i for i, _ in REGRESSIONS])
def test_postgres_a_found_history_gives_the_catalog_the_database_has(postgres_url: str, tmp_path: Path,
                                                                     history: list[list[str]]) -> None:
    accepted, found = _postgres_differences(postgres_url, tmp_path, history)
    assert accepted == history  # PostgreSQL takes every statement
    assert found == []


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(history=drawn_evolution.histories("postgresql"), data=st.data())
def test_postgres_a_drawn_history_gives_the_catalog_the_database_has(postgres_databases: Callable[[str], str],
                                                                     history: list[list[str]],
                                                                     data: st.DataObject) -> None:
    url = postgres_databases("evolution")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        accepted, found = _postgres_differences(url, root, history)
        assume(accepted)
        assume(found != ["documented refusal"])
        assert found == [], (accepted, found)
        result = run_cli(root / "p", "verify", "--db", url)
        assert (result.code, result.stderr) == (0, ""), (accepted, result.stderr)
        problems = exercise_postgresql(root / "p", url, data)
        assert problems == [], (accepted, problems)
        problems = run_migrations_postgresql(root, accepted, url, postgres_databases, data)
        assert problems == [], (accepted, problems)


def _contents(url: str) -> tuple[drawn_evolution_db.DbSchema, dict[str, list[tuple[Any, ...]]]]:
    import psycopg

    with psycopg.connect(url) as conn:
        schema = drawn_evolution_db.postgresql_schema(conn)
        return schema, drawn_evolution_db.postgresql_rows(conn, schema)


def _fill(url: str, rows: list[drawn_evolution_runner.Row]) -> list[drawn_evolution_runner.Row]:
    import psycopg

    with psycopg.connect(url) as conn:
        return drawn_evolution_runner.insert(lambda sql, row: conn.execute(sql.encode(), row), rows, "%s",
                                             # DatatypeMismatch: the rows are drawn by the final catalog's
                                             # type names, and a type renamed since is unknown there
                                             (psycopg.errors.IntegrityError, psycopg.errors.DataError,
                                              psycopg.errors.DatatypeMismatch),
                                             conn.transaction)


def run_migrations_postgresql(root: Path, history: list[list[str]], live: str, databases: Callable[[str], str],
                              data: st.DataObject) -> list[str]:
    """Oracle 3 (tests/test_drawn_evolution.py's run_migrations_sqlite) on the server."""
    import psycopg

    problems = []
    with imported(root / "p" / "gen") as package:
        migrations = import_module(package, "migrations")
        scratch = databases("evolution_scratch")
        migrations.migrate(scratch)
        if _contents(scratch)[0] != _contents(live)[0]:
            problems.append(f"migrate() from scratch: {_contents(scratch)[0]} != by hand {_contents(live)[0]}")
        if len(history) < 2:
            return problems
        k = data.draw(st.integers(1, len(history) - 1), label="migrated to")
        by_hand, by_runner = databases("evolution_by_hand"), databases("evolution_by_runner")
        state, _ = drawn_evolution_oracle.codegen_catalog(root / "p")
        with psycopg.connect(by_hand) as conn:
            drawn_evolution_db.apply_postgresql(conn, history[:k])
            rows = drawn_evolution_runner.draw_rows(data, state, drawn_evolution_db.postgresql_schema(conn),
                                                    drawn_evolution_runner.postgresql_value)
        rows = _fill(by_hand, rows)
        with psycopg.connect(by_hand) as conn:
            _, refused = drawn_evolution_db.apply_postgresql(conn, history[k:])
        if refused:  # the rows make a later statement fail (SET NOT NULL over a NULL...): another story
            event("in place: a later statement refuses the rows")
            return problems
        migrations.migrate(by_runner, target=k)
        if _fill(by_runner, rows) != rows:
            problems.append(f"migrate(target={k}) left a schema that refuses rows the history takes by hand")
        try:
            migrations.migrate(by_runner)
        except migrations.MigrationError as error:
            problems.append(f"migrate() from {k}: {error}")
            return problems
        if _contents(by_runner) != _contents(by_hand):
            problems.append(f"migrate() from {k} over rows: {_contents(by_runner)} != by hand {_contents(by_hand)}")
        event("in place: compared")
    return problems


def exercise_postgresql(project: Path, url: str, data: st.DataObject) -> list[str]:
    """Oracle 2: generate the package for the migrated schema and call it on the database."""
    import psycopg

    with psycopg.connect(url) as conn:
        db = drawn_evolution_db.postgresql_schema(conn)
        _, catalog = drawn_evolution_oracle.codegen_catalog(project)
        text, plans = drawn_evolution_calls.plan_queries(db, catalog, lambda n: f"${n}")
        write_files(project, {"queries/q.sql": text})
        result = run_cli(project)
        assert result.code == 0, result.stderr

        @contextlib.contextmanager
        def savepoint() -> Iterator[None]:
            with conn.transaction():
                yield

        def raw(sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
            cursor = conn.execute(sql.encode(), args)
            return cursor.fetchall() if cursor.description else []

        with imported(project / "gen") as package:
            caller = drawn_evolution_calls.Caller(import_module(package, "queries.q"), conn, raw,
                                                  (psycopg.errors.IntegrityError, psycopg.errors.DataError),
                                                  savepoint, "%s")
            for plan in plans:
                caller.exercise(plan, data.draw(drawn_evolution_calls.rows(plan)) if plan.written else [])
        return caller.problems


def test_a_view_reads_the_null_a_later_drop_not_null_lets_in(postgres_url: str, tmp_path: Path) -> None:
    """A view's columns are fixed when it is created, but its NOT NULL is the table's as it is now:
    after DROP NOT NULL under it, the view (and a view over it) reads NULL, and the generated
    rows refused it (ValidationError; found by the drawn history test, oracle 2)."""
    import psycopg

    schema = ("CREATE TABLE t (a integer NOT NULL, b integer NOT NULL, c integer NOT NULL);\n"
              "CREATE VIEW v AS SELECT a AS x, b + 1 AS y, c FROM t;\nCREATE VIEW w AS SELECT x FROM v;\n"
              "CREATE VIEW other AS SELECT c FROM t;\n"
              "ALTER TABLE t ALTER COLUMN a DROP NOT NULL;\nALTER TABLE t ALTER COLUMN b DROP NOT NULL;\n")
    queries = "-- name: ListV :many\nSELECT * FROM v;\n\n-- name: ListW :many\nSELECT * FROM w;\n\n" \
              "-- name: ListOther :many\nSELECT * FROM other;\n"
    out = generate(tmp_path, {"1.sql": schema}, {"q.sql": queries}, out="gen_pg_view_nulls", engine="postgresql")
    with imported(out) as package, psycopg.connect(postgres_url, autocommit=True) as conn:
        q = import_module(package, "queries.q")
        conn.execute(schema.encode())
        conn.execute(b"INSERT INTO t VALUES (NULL, NULL, 3)")
        assert [(r.x, r.y, r.c) for r in q.list_v(conn)] == [(None, None, 3)]
        assert q.list_w(conn) == [None]
        assert q.list_other(conn) == [3]
        assert "int | None" not in str(typing.get_type_hints(q.list_other)["return"])  # c is still NOT NULL there
