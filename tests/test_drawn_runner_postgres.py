"""The generated migration runner under drawn trouble on the PostgreSQL test server (the SQLite
twin, and what is checked, is tests/test_drawn_runner.py); the oracle is the same migrations
applied by hand, once, to a fresh database.

- kill -9 at a drawn statement (tests/drawn_runner_kill.py) of a run over a drawn history from a
  drawn version holding rows: the database is left at some version k, with the schema and rows
  of the history's first k migrations applied by hand over the same rows; a run after it ends
  where an uninterrupted one would.
- Migrations that change their session (SET search_path, pg_dump's set_config preamble, SET
  LOCAL) and SQL-standard function bodies (BEGIN ATOMIC ... END), applied in drawn splits into
  runs: the database holds what each migration gives applied by hand in a session of its own
  (psql -f per file), whatever the split; the runner finds its version table in the schema it
  started in, and `verify --db` reports no drift.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import drawn_runner
import drawn_runner_kill
from _support import make_project, run_cli
from migration_project import sequences
from codegen.catalog.state import SchemaState
from codegen.engines.registry import engine_named
from tests import drawn_evolution, drawn_evolution_db, drawn_evolution_oracle, drawn_evolution_runner

EXAMPLES = int(os.environ.get("RUNNER_PG_EXAMPLES", "8"))


def _contents(url: str) -> tuple[Any, ...]:
    import psycopg

    with psycopg.connect(url) as conn:
        schema = drawn_evolution_db.postgresql_schema(conn)
        schema = dataclasses.replace(schema, relations=tuple(r for r in schema.relations
                                                             if r.name not in drawn_runner_kill.VERSION_TABLES),
                                     indexes=tuple(i for i in schema.indexes
                                                   if not i.split(".")[-1].startswith(drawn_runner_kill.VERSION_TABLES)))
        return schema, drawn_evolution_db.postgresql_rows(conn, schema)


def _fill(url: str, rows: list[drawn_evolution_runner.Row]) -> list[drawn_evolution_runner.Row]:
    import psycopg

    with psycopg.connect(url) as conn:
        return drawn_evolution_runner.insert(lambda sql, row: conn.execute(sql.encode(), row), rows, "%s",
                                             (psycopg.errors.IntegrityError, psycopg.errors.DataError,
                                              psycopg.errors.DatatypeMismatch), conn.transaction)


class _ByHand:
    """The history applied by hand to fresh databases: the first `start` migrations, the rows,
    then migrations up to k (each database built once)."""

    def __init__(self, databases: Callable[[str], str], history: list[list[str]], start: int,
                 rows: list[drawn_evolution_runner.Row]) -> None:
        self.databases, self.history, self.start, self.rows = databases, history, start, rows
        self.built: dict[int, tuple[Any, ...]] = {}
        self.refused = False

    def at(self, k: int) -> tuple[Any, ...]:
        import psycopg

        if k not in self.built:
            url = self.databases(f"runner_by_hand_{k}")
            with psycopg.connect(url) as conn:
                drawn_evolution_db.apply_postgresql(conn, self.history[:min(k, self.start)])
            if k >= self.start:
                assert _fill(url, self.rows) == self.rows
                with psycopg.connect(url) as conn:
                    _, refused = drawn_evolution_db.apply_postgresql(conn, self.history[self.start:k])
                self.refused = self.refused or bool(refused)
            self.built[k] = _contents(url)
        return self.built[k]


def _applied(engine: Any, url: str, migrations: tuple[Any, ...]) -> int:
    applied = [v for v, _ in engine.status(url, migrations).applied]
    assert applied == [m.version for m in migrations[:len(applied)]], applied
    return len(applied)


def check_kill_postgresql(databases: Callable[[str], str], folder: Path, history: list[list[str]],
                          data: st.DataObject) -> list[str]:
    import psycopg

    n = len(history)
    start = data.draw(st.integers(0, n - 1), label="migrated to first")
    engine = drawn_runner_kill.engine_module("postgresql")
    migrations = drawn_runner_kill.migrations("postgresql", history)
    url = databases("runner_killed")
    rows: list[drawn_evolution_runner.Row] = []
    if start:
        engine.run(url, migrations, "up", start)
        with psycopg.connect(url) as conn:
            rows = drawn_evolution_runner.draw_rows(data, SchemaState(engine_named("postgresql")),
                                                    drawn_evolution_db.postgresql_schema(conn),
                                                    drawn_evolution_runner.postgresql_value)
        rows = _fill(url, rows)
        tool = data.draw(st.sampled_from(drawn_runner_kill.TOOLS), label="versions recorded by")
        rolled_back = data.draw(st.lists(st.integers(start + 1, n), unique=True), label="goose rolled back")
        with psycopg.connect(url, autocommit=True) as conn:
            drawn_runner_kill.as_recorded_by("postgresql", lambda sql: conn.execute(sql.encode()), tool,
                                             list(range(1, start + 1)), rolled_back)
        event(f"recorded by {tool}")
    by_hand = _ByHand(databases, history, start, rows)
    by_hand.at(n)
    if by_hand.refused:
        event("a later statement refuses the rows")
        return []
    kill_at = data.draw(st.integers(1, 8 * (n - start) + 6), label="killed before statement")
    outcome = drawn_runner_kill.run_child("postgresql", url, history, folder, kill_at, backup=False)
    event("killed" if outcome.killed else "not killed")
    event(f"left with {_applied(engine, url, migrations) - start} of {n - start} steps applied")
    problems = []
    if not outcome.killed and "error" in outcome.report:
        problems.append(f"the run failed: {outcome.report['error']}")
    k = _applied(engine, url, migrations)
    if k < start:
        problems.append(f"the run left {k} migrations applied, it started from {start}")
    elif _contents(url) != by_hand.at(k):
        problems.append(f"killed at statement {kill_at}: at {k}, {_contents(url)} != by hand {by_hand.at(k)}")
    try:
        engine.run(url, migrations, "up", None)
    except engine.MigrationError as error:
        problems.append(f"the run after the kill failed: {error}")
    k = _applied(engine, url, migrations)
    if k != n or _contents(url) != by_hand.at(n):
        problems.append(f"after the kill and a new run: at {k}, {_contents(url)} != by hand {by_hand.at(n)}")
    return problems


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(history=drawn_evolution.histories("postgresql"), data=st.data())
def test_postgres_a_runner_killed_at_a_drawn_statement_leaves_a_version_the_history_gives_by_hand(
        postgres_databases: Callable[[str], str], history: list[list[str]], data: st.DataObject) -> None:
    import psycopg

    scratch = postgres_databases("runner_scratch")
    with psycopg.connect(scratch) as conn:
        accepted, _ = drawn_evolution_db.apply_postgresql(conn, history)
    assume(accepted)
    with tempfile.TemporaryDirectory() as tmp:
        problems = check_kill_postgresql(postgres_databases, Path(tmp), accepted, data)
    assert problems == [], (accepted, problems)


# -- migrations that change their session ----------------------------------------------------------

def _apply_in_sessions(url: str, history: list[list[str]]) -> list[list[str]]:
    """Each migration in a session (and transaction) of its own, as psql -f file by file; the
    statements the server refuses where they stand are left out."""
    import psycopg

    accepted = []
    for migration in history:
        with psycopg.connect(url) as conn:
            kept, _ = drawn_evolution_db.apply_postgresql(conn, [migration])
        accepted += kept
    return accepted


def _session_contents(url: str) -> tuple[Any, ...]:
    import psycopg

    with psycopg.connect(url) as conn:
        functions = conn.execute("""
            SELECT n.nspname, p.proname, pg_get_functiondef(p.oid) FROM pg_proc p
            JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2""").fetchall()
        schemas = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg_%' "
                               "AND nspname <> 'information_schema' ORDER BY 1").fetchall()
        return drawn_evolution_db.postgresql_schema(conn), functions, schemas


def _version_tables(url: str) -> list[tuple[str, ...]]:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                            "WHERE c.relname = 'schema_migrations'").fetchall()


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(history=drawn_runner.session_histories(), data=st.data())
def test_postgres_where_a_step_creates_does_not_depend_on_how_the_steps_are_split_into_runs(
        postgres_databases: Callable[[str], str], history: list[list[str]], data: st.DataObject) -> None:
    by_hand = postgres_databases("runner_sessions_by_hand")
    accepted = _apply_in_sessions(by_hand, history)
    assume(accepted)
    splits = data.draw(drawn_runner.run_splits(len(accepted)))
    event(f"{len(splits)} run(s)")
    event("the search_path changed" if any("search_path" in s for m in accepted for s in m) else "no SET")
    check_session_history(postgres_databases, accepted, splits, by_hand)


def check_session_history(databases: Callable[[str], str], history: list[list[str]], splits: list[int],
                          by_hand: str | None = None) -> None:
    if by_hand is None:
        by_hand = databases("runner_sessions_by_hand")
        assert _apply_in_sessions(by_hand, history) == history
    engine = drawn_runner_kill.engine_module("postgresql")
    migrations = drawn_runner_kill.migrations("postgresql", history)
    url = databases("runner_sessions")
    for target in splits:
        engine.run(url, migrations, "up", target)
        assert [v for v, _ in engine.status(url, migrations).applied] == [m.version for m in migrations[:target]]
    assert _session_contents(url) == _session_contents(by_hand), (history, splits)
    assert _version_tables(url) == [("public",)]
    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp), drawn_evolution_oracle.schema_files(history),
                               {"q.sql": "-- name: One :one\nSELECT 1 AS one;\n"}, engine="postgresql")
        result = run_cli(project, "verify", "--db", url)
    assert (result.code, result.stderr) == (0, ""), (history, result.stderr)


# Found drawing (each failed before): the version table followed the search_path a migration set,
# so the next run found no version recorded and ran the first migration again ("schema app already
# exists"); pg_dump's preamble left no schema to create it in (a traceback from `codegen migrate`);
# a BEGIN ATOMIC body was cut at its first semicolon ("syntax error at end of input"); a SET
# search_path lasted into the next steps of the same run only, so where a table landed depended on
# the split into runs, and a SET LOCAL lasted into the next files in verify's reference (drift
# reported on a database the runner had migrated).
SESSION_REGRESSIONS = [
    ("search-path-moves-the-version-table",
     [["CREATE SCHEMA app", "SET search_path TO app", "CREATE TABLE t (id integer)"], ["CREATE TABLE u (id integer)"]],
     [2]),
    ("pg-dump-preamble", [drawn_runner.PG_DUMP_PREAMBLE + ["CREATE TABLE public.t (id integer)"],
                          ["CREATE TABLE u (id integer)"]], [2]),
    ("begin-atomic", [["CREATE FUNCTION f(x integer) RETURNS integer LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n"
                       "  SELECT CASE WHEN x > 0 THEN x ELSE 0 END;\nEND"]], [1]),
    ("search-path-in-one-run", [["CREATE SCHEMA app", "SET search_path TO app, public"],
                                ["CREATE TABLE u (id integer)"]], [2]),
    ("set-local-in-verify", [["CREATE SCHEMA app", "SET LOCAL search_path TO app"], ["CREATE TABLE u (id integer)"]],
     [1, 2]),
]


@pytest.mark.parametrize("history, splits", [(h, s) for _, h, s in SESSION_REGRESSIONS],
                         ids=[i for i, _, _ in SESSION_REGRESSIONS])
def test_postgres_a_found_session_history_migrates_as_by_hand(postgres_databases: Callable[[str], str],
                                                              history: list[list[str]], splits: list[int]) -> None:
    check_session_history(postgres_databases, history, splits)


@pytest.mark.parametrize("autocommit", [True, False])
def test_postgres_a_callers_connection_keeps_its_search_path(postgres_url: str, autocommit: bool) -> None:
    """... and, out of autocommit mode, is left outside a transaction with every step committed."""
    import psycopg
    from psycopg import pq

    history = [["CREATE SCHEMA app", "SET search_path TO app", "CREATE TABLE t (id integer)"],
               ["CREATE TABLE u (id integer)"]]
    engine = drawn_runner_kill.engine_module("postgresql")
    with psycopg.connect(postgres_url, autocommit=autocommit) as conn:
        conn.execute("SET search_path TO public")
        if not autocommit:
            conn.commit()
        assert engine.run(conn, drawn_runner_kill.migrations("postgresql", history), "up", None).steps == (
            "0001_m1", "0002_m2")
        assert conn.info.transaction_status == pq.TransactionStatus.IDLE
        assert conn.execute("SHOW search_path").fetchone() == ("public",)
    assert _version_tables(postgres_url) == [("public",)]
    with psycopg.connect(postgres_url) as other:
        assert other.execute("SELECT to_regclass('app.t') IS NOT NULL, to_regclass('public.u') IS NOT NULL"
                             ).fetchone() == (True, True)


# -- concurrent runners ---------------------------------------------------------------------------------

@settings(max_examples=max(EXAMPLES // 2, 3), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=sequences(), data=st.data())
def test_postgres_concurrent_runners_with_drawn_targets_leave_a_version_the_migrations_give_by_hand(
        postgres_databases: Callable[[str], str], steps: list[tuple[str, str]], data: st.DataObject) -> None:
    """tests/test_drawn_runner.py's twin: N processes at once migrate, roll back or read the status
    of one database to drawn targets; each ends cleanly, and the database ends at some version k
    holding what the first k migrations give by hand."""
    import psycopg

    n = len(steps)
    ops = data.draw(st.lists(st.tuples(st.sampled_from(["up", "up", "down", "status"]), st.integers(0, n)),
                             min_size=2, max_size=4), label="runners")
    ops = [(op, None if op == "up" and target == n else target) for op, target in ops]
    start = data.draw(st.integers(0, n), label="migrated first to")
    url, by_hand = postgres_databases("runner_concurrent"), postgres_databases("runner_concurrent_by_hand")
    engine = drawn_runner_kill.engine_module("postgresql")
    migrations = drawn_runner_kill.migrations_with_downs("postgresql", steps)
    if start:
        engine.run(url, migrations, "up", start)
    with tempfile.TemporaryDirectory() as tmp:
        reports = drawn_runner_kill.run_concurrently("postgresql", url, steps, Path(tmp), ops)
    assert all("error" not in report for report in reports), (ops, reports)
    k = _applied(engine, url, migrations)
    with psycopg.connect(by_hand, autocommit=True) as conn:
        for up, _ in steps[:k]:
            conn.execute(up.encode())
    assert _contents(url)[0] == _contents(by_hand)[0], (ops, reports)


def test_postgres_a_search_path_in_the_url_naming_a_schema_the_first_migration_creates(postgres_url: str) -> None:
    """A URL with options=-csearch_path=app, whose first migration creates app: the version table
    goes to app, where the next run finds it (refused at first while app did not exist yet)."""
    import psycopg

    url = psycopg.conninfo.make_conninfo(postgres_url, options="-c search_path=app")
    history = [["CREATE SCHEMA app", "CREATE TABLE t (id integer)"], ["CREATE TABLE u (id integer)"]]
    engine = drawn_runner_kill.engine_module("postgresql")
    migrations = drawn_runner_kill.migrations("postgresql", history)
    assert engine.status(url, migrations).pending == ("0001_m1", "0002_m2")
    assert engine.run(url, migrations, "up", 1).steps == ("0001_m1",)
    assert engine.run(url, migrations, "up", None).steps == ("0002_m2",)
    assert _version_tables(postgres_url) == [("app",)]
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT to_regclass('app.t') IS NOT NULL, to_regclass('app.u') IS NOT NULL").fetchone() \
            == (True, True)
