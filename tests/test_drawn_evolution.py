"""Drawn schema evolution on SQLite: does codegen's catalog after a migration history equal the
tables and views the real database holds after the same history?

Histories are drawn by tests/drawn_evolution.py (CREATE TABLE with keys, UNIQUE, CHECK and
foreign keys, STRICT and WITHOUT ROWID tables, ADD / DROP / RENAME COLUMN, RENAME and DROP TABLE,
views over tables renamed since, indexes, SQLite's 12-step table rebuild), applied to a real
SQLite file (statements it refuses are left out), and then:
1. codegen's catalog (the pipeline's own build_schema / catalog_of) equals what the file says it
   holds (tests/drawn_evolution_oracle.py), and `codegen verify --db` reports no drift;
2. the package generated with a few queries per table and view, called on that file with drawn
   rows, returns what went in and what the file holds, every value fitting its annotation
   (tests/drawn_evolution_calls.py);
3. the package's migration runner builds the same schema from scratch, and a database it
   migrated to an intermediate version and filled with rows upgrades in place to the schema and
   rows the history gives by hand (tests/drawn_evolution_runner.py).
Each bug the drawing found is a fixed history below (REGRESSIONS), minimal, run on its own.
The PostgreSQL twin is tests/test_drawn_evolution_postgres.py.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from tests import (drawn_evolution, drawn_evolution_calls, drawn_evolution_db, drawn_evolution_oracle,
                   drawn_evolution_runner)
from tests._support import import_module, imported, run_cli, write_files

EXAMPLES = int(os.environ.get("EVOLUTION_EXAMPLES", "40"))

# (id, history): each a minimal history a drawn run found codegen's catalog wrong for.
REGRESSIONS = [
    # SQLite names a view's duplicate column names a, a:1, a:2 (PRAGMA table_info, and what a
    # query may name); codegen had a, a, so `SELECT "a:1" FROM v` was refused.
    ("view-duplicate-names", [["CREATE TABLE t (a INTEGER, b TEXT)",
                               "CREATE VIEW v AS SELECT l.a, r.a, l.b, r.a FROM t AS l JOIN t AS r ON l.a = r.a"]]),
    # SQLite names an unaliased expression of a view by its text (count(*), a + 1); codegen had
    # count, '' (and so `SELECT count FROM v` generated, and failed in SQLite).
    ("view-expressions", [["CREATE TABLE t (a INTEGER, \"Two Words\" TEXT)",
                           "CREATE VIEW v AS SELECT a IS NULL, count(*), max(\"Two Words\"), coalesce(a,  a), a + 1, "
                           "t.a, \"Two Words\" FROM t GROUP BY a"]]),
    # ... and renames rewrite that text, so the names follow: max(a) is max(b) once a is b.
    ("view-expressions-renamed", [["CREATE TABLE t (a INTEGER, \"Two Words\" TEXT)",
                                   "CREATE VIEW v AS SELECT max(a), max(\"a\"), max( t.a ) , a+1, "
                                   "\"Two Words\" || a, [a] FROM t",
                                   "ALTER TABLE t RENAME a TO b", "ALTER TABLE t RENAME \"Two Words\" TO \"x y\"",
                                   "ALTER TABLE t RENAME TO u"]]),
    ("view-star-over-join", [["CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT)", "CREATE TABLE u (a INTEGER, b TEXT)",
                              "CREATE VIEW v AS SELECT * FROM t JOIN u ON t.a = u.a"]]),
]


def _sqlite_differences(root: Path, history: list[list[str]]) -> tuple[list[list[str]], list[str], Path]:
    path = root / "live.db"
    conn = sqlite3.connect(path)
    try:
        accepted, _ = drawn_evolution_db.apply_sqlite(conn, history)
        db = drawn_evolution_db.sqlite_schema(conn)
    finally:
        conn.close()
    if any(r.columns is None for r in db.relations):
        return accepted, ["dangling view"], path
    return accepted, drawn_evolution_oracle.catalog_differences(root / "p", accepted, db, "sqlite"), path


@pytest.mark.parametrize("history", [h for _, h in REGRESSIONS], ids=[i for i, _ in REGRESSIONS])
def test_a_found_history_gives_the_catalog_the_database_has(tmp_path: Path, history: list[list[str]]) -> None:
    accepted, found, _ = _sqlite_differences(tmp_path, history)
    assert accepted == history  # SQLite takes every statement
    assert found == []


# Histories `codegen verify --db` crashed on (a traceback) before describing the reference could
# take a view it cannot expand for a while.
VERIFY_REGRESSIONS = [
    # The view reads a table dropped in 0002 and created again in 0003: valid at the end, but
    # after 0002 PRAGMA table_info(v) fails, and describing the reference raised it.
    ("view-over-a-table-dropped-and-recreated", [["CREATE TABLE t (id INTEGER PRIMARY KEY)",
                                                  "CREATE VIEW v AS SELECT * FROM t"],
                                                 ["DROP TABLE t"], ["CREATE TABLE t (id INTEGER PRIMARY KEY)"]]),
]


@pytest.mark.parametrize("history", [h for _, h in VERIFY_REGRESSIONS], ids=[i for i, _ in VERIFY_REGRESSIONS])
def test_verify_reports_no_drift_for_a_found_history(tmp_path: Path, history: list[list[str]]) -> None:
    accepted, found, db = _sqlite_differences(tmp_path, history)
    assert (accepted, found) == (history, [])
    result = run_cli(tmp_path / "p", "verify", "--db", str(db))
    assert (result.code, result.stderr) == (0, ""), result.stderr


def test_the_runner_refuses_a_foreign_key_it_cannot_check_with_a_located_error(tmp_path: Path) -> None:
    """Found drawing: a step that drops a referenced table and creates it again without the key's
    column. SQLite takes it (foreign keys off), but the runner's key check crashed on it with
    sqlite3.OperationalError (no such column: parent.id), a traceback from `codegen migrate`.
    Every write to the child would fail (foreign key mismatch), so the step is refused, located."""
    history = [["CREATE TABLE p (id INTEGER PRIMARY KEY)", "CREATE TABLE c (a INTEGER REFERENCES p (id))"],
               ["DROP TABLE p", "CREATE TABLE p (x INTEGER)"]]
    accepted, found, _ = _sqlite_differences(tmp_path, history)
    assert (accepted, found) == (history, [])
    assert run_cli(tmp_path / "p").code == 0
    with imported(tmp_path / "p" / "gen") as package:
        migrations = import_module(package, "migrations")
        with pytest.raises(migrations.MigrationError, match=r"^schema/0002_m2\.up\.sql: leaves a foreign key that "
                                                            r"cannot be checked: foreign key mismatch"):
            migrations.migrate(str(tmp_path / "run.db"), backup=False)
        assert [v for v, *_ in migrations.status(str(tmp_path / "run.db")).applied] == ["0001_m1"]
    result = run_cli(tmp_path / "p", "migrate", "--db", str(tmp_path / "cli.db"))
    assert result.code == 1 and "Traceback" not in result.stderr and "foreign key mismatch" in result.stderr


def test_the_runner_migrates_a_healthy_without_rowid_table_quick_check_misreads(tmp_path: Path) -> None:
    """Found drawing: SQLite 3.40's PRAGMA quick_check reports "NULL value in t.b" for a WITHOUT
    ROWID table whose PRIMARY KEY is not its first column, holding a NULL before its NOT NULL
    column. The runner refused such a file as corrupt and no migration could run on it again."""
    history = [["CREATE TABLE t (a INTEGER, b INTEGER NOT NULL, id INTEGER PRIMARY KEY) WITHOUT ROWID"],
               ["ALTER TABLE t ADD COLUMN c TEXT"]]
    accepted, found, _ = _sqlite_differences(tmp_path, history)
    assert (accepted, found) == (history, [])
    assert run_cli(tmp_path / "p").code == 0
    db = tmp_path / "run.db"
    with imported(tmp_path / "p" / "gen") as package:
        migrations = import_module(package, "migrations")
        migrations.migrate(str(db), target=1, backup=False)
        conn = sqlite3.connect(db)
        conn.execute("INSERT INTO t (a, b, id) VALUES (NULL, 0, 1)")
        conn.commit()
        conn.close()
        migrations.migrate(str(db))  # with the check and the backup copy, as a path gets them
        assert [v for v, *_ in migrations.status(str(db)).applied] == ["0001_m1", "0002_m2"]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT a, b, id, c FROM t").fetchall() == [(None, 0, 1, None)]
    conn.close()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=drawn_evolution.histories("sqlite"), data=st.data())
def test_a_drawn_history_gives_the_catalog_the_database_has(history: list[list[str]], data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        accepted, found, db = _sqlite_differences(root, history)
        assume(accepted)
        assume(found != ["documented refusal"])
        # A view left reading a table since dropped: SQLite keeps it and refuses every query on it;
        # codegen refuses the schema at that CREATE VIEW (README, "The catalog follows the database").
        assume(found != ["dangling view"])
        assert found == [], (accepted, found)
        result = run_cli(root / "p", "verify", "--db", str(db))
        assert (result.code, result.stderr) == (0, ""), (accepted, result.stderr)
        problems = exercise_sqlite(root / "p", db, data)
        assert problems == [], (accepted, problems)
        problems = run_migrations_sqlite(root, accepted, db, data)
        assert problems == [], (accepted, problems)


def _contents(path: Path) -> tuple[drawn_evolution_db.DbSchema, dict[str, list[tuple[Any, ...]]]]:
    conn = sqlite3.connect(path)
    try:
        schema = drawn_evolution_db.sqlite_schema(conn)
        return schema, drawn_evolution_db.sqlite_rows(conn, schema)
    finally:
        conn.close()


def run_migrations_sqlite(root: Path, history: list[list[str]], live: Path, data: st.DataObject) -> list[str]:
    """Oracle 3: the generated runner, from scratch and in place over rows."""
    problems = []
    with imported(root / "p" / "gen") as package:
        migrations = import_module(package, "migrations")
        scratch = root / "scratch.db"
        try:
            migrations.migrate(str(scratch), backup=False)
        except migrations.MigrationError as error:
            if "foreign key" not in str(error):
                raise
            # A step leaves a key naming a column its parent lacks: SQLite takes it with keys off,
            # the runner refuses it, located (README, Migrations). Not compared further.
            event("from scratch: the runner refuses a foreign key it cannot check")
            return problems
        if _contents(scratch)[0] != _contents(live)[0]:
            problems.append(f"migrate() from scratch: {_contents(scratch)[0]} != by hand {_contents(live)[0]}")
        if len(history) < 2:
            return problems
        k = data.draw(st.integers(1, len(history) - 1), label="migrated to")
        by_hand, by_runner = root / "by_hand.db", root / "by_runner.db"
        conn = sqlite3.connect(by_hand)
        drawn_evolution_db.apply_sqlite(conn, history[:k])
        state, _ = drawn_evolution_oracle.codegen_catalog(root / "p")
        rows = drawn_evolution_runner.draw_rows(data, state, drawn_evolution_db.sqlite_schema(conn),
                                                drawn_evolution_runner.sqlite_value)
        conn.close()
        rows = drawn_evolution_runner.fill_sqlite(by_hand, rows)
        conn = sqlite3.connect(by_hand)
        _, refused = drawn_evolution_db.apply_sqlite(conn, history[k:])
        conn.close()
        if refused:  # the rows make a later statement fail (a NOT NULL, a UNIQUE index): another story
            event("in place: a later statement refuses the rows")
            return problems
        migrations.migrate(str(by_runner), target=k, backup=False)
        if drawn_evolution_runner.fill_sqlite(by_runner, rows) != rows:
            problems.append(f"migrate(target={k}) left a schema that refuses rows the history takes by hand")
        try:
            migrations.migrate(str(by_runner), backup=False)
        except migrations.MigrationError as error:
            if "foreign key violations" in str(error):  # the runner checks what a step leaves (README)
                event("in place: the runner refuses the foreign keys a step leaves dangling")
                return problems
            problems.append(f"migrate() from {k}: {error}")
            return problems
        if _contents(by_runner) != _contents(by_hand):
            problems.append(f"migrate() from {k} over rows: {_contents(by_runner)} != by hand {_contents(by_hand)}")
        event("in place: compared")
    return problems


def exercise_sqlite(project: Path, path: Path, data: st.DataObject) -> list[str]:
    """Oracle 2: generate the package for the migrated schema and call it on the file."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        db = drawn_evolution_db.sqlite_schema(conn)
        _, catalog = drawn_evolution_oracle.codegen_catalog(project)
        text, plans = drawn_evolution_calls.plan_queries(db, catalog, lambda n: "?")
        write_files(project, {"queries/q.sql": text})
        result = run_cli(project)
        assert result.code == 0, result.stderr

        def raw(sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
            return conn.execute(sql, args).fetchall()

        with imported(project / "gen") as package:
            caller = drawn_evolution_calls.Caller(import_module(package, "queries.q"), conn, raw,
                                                  (sqlite3.IntegrityError,), lambda: drawn_evolution_runner.sqlite_savepoint(conn), "?")
            for plan in plans:
                caller.exercise(plan, data.draw(drawn_evolution_calls.rows(plan)) if plan.written else [])
        return caller.problems
    finally:
        conn.close()
