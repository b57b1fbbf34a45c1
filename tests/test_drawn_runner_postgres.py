"""The generated migration runner under drawn trouble on the PostgreSQL test server (the SQLite
twin, and what is checked, is tests/test_drawn_runner.py); the oracle is the same migrations
applied by hand, once, to a fresh database.

- kill -9 at a drawn statement (tests/drawn_runner_kill.py) of a run over a drawn history from a
  drawn version holding rows: the database is left at some version k, with the schema and rows
  of the history's first k migrations applied by hand over the same rows; a run after it ends
  where an uninterrupted one would.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import drawn_runner_kill
from codegen.catalog.state import SchemaState
from codegen.engines.registry import engine_named
from tests import drawn_evolution, drawn_evolution_db, drawn_evolution_runner

EXAMPLES = int(os.environ.get("RUNNER_PG_EXAMPLES", "8"))


def _contents(url: str) -> tuple[Any, ...]:
    import psycopg

    with psycopg.connect(url) as conn:
        schema = drawn_evolution_db.postgresql_schema(conn)
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
