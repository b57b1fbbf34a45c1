"""The generated migration runner under drawn trouble, on real SQLite files; the oracle is the
same migrations applied by hand, once, to a fresh file.

- Edits to migrations already applied (tests/drawn_runner.py): `status` and `migrate` refuse the
  database exactly when the up SQL of an applied migration changed, and change nothing then;
  otherwise the file migrates to the schema the edited files give by hand, and rolls back with
  the edited down SQL to what those statements give by hand.
- kill -9 at a drawn statement (tests/drawn_runner_kill.py) of a run over a drawn history
  (tests/drawn_evolution.py) from a drawn version holding rows: the file is left at some version
  k, with the schema and rows of the history's first k migrations applied by hand over the same
  rows, intact; a run after it ends where an uninterrupted one would; every backup copy holds
  what the migrations give at the version it is named after, and no partial copy is left.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import drawn_runner_kill
from _support import import_module, imported, make_project, run_cli
from codegen.catalog.state import SchemaState
from codegen.engines.registry import engine_named
from drawn_runner import Edit, down_sql, edited_files, edits, layouts, up_changed, up_sql, write_schema
from migration_project import QUERIES, STEPS, schema_files, versions
from tests import drawn_evolution, drawn_evolution_db, drawn_evolution_runner

EXAMPLES = int(os.environ.get("RUNNER_EXAMPLES", "25"))


def schema_of(path: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT IN ('schema_migrations', 'sqlite_sequence') "
            "AND sql IS NOT NULL"))
    finally:
        conn.close()


def by_hand(path: Path, scripts: list[str]) -> list[tuple[str, str, str]]:
    """The schema `scripts` give a fresh file, each run as it is."""
    conn = sqlite3.connect(path)
    for script in scripts:
        conn.executescript(script)
    conn.close()
    return schema_of(path)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_edit(root: Path, layout: str, applied: int, edit: Edit) -> None:
    make_project(root / "p", schema_files(layout), QUERIES)
    db = root / "app.db"
    done = run_cli(root / "p", "migrate", "--db", str(db), "--to", str(versions(layout)[applied - 1]), "--no-backup")
    assert done.code == 0, done.stderr
    files = edited_files(layout, edit)
    write_schema(root / "p", files)
    refused = edit.number <= applied and up_changed(layout, edit)
    before = sha256(db)
    status = run_cli(root / "p", "status", "--db", str(db))
    assert "Traceback" not in status.stderr
    assert (status.code, "edited" in status.stdout) == (int(refused), refused), status.stdout + status.stderr
    done = run_cli(root / "p", "migrate", "--db", str(db), "--no-backup")
    if refused:
        assert done.code == 1 and "an applied migration was edited" in done.stderr, done.stderr
        assert sha256(db) == before
        return
    assert done.code == 0, done.stderr
    n = len(STEPS)
    assert schema_of(db) == by_hand(root / "up.db", [up_sql(layout, files, k) for k in range(1, n + 1)])
    if layout == "plain":
        return
    done = run_cli(root / "p", "rollback", "--db", str(db), "--to", "0", "--no-backup")
    assert done.code == 0, done.stderr
    downs = [down_sql(layout, files, k) for k in range(n, 0, -1)]
    assert schema_of(db) == by_hand(root / "down.db", [up_sql(layout, files, k) for k in range(1, n + 1)] + downs)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layout=layouts, data=st.data())
def test_an_applied_migration_is_refused_exactly_when_its_up_sql_was_edited(layout: str, data: st.DataObject) -> None:
    applied = data.draw(st.integers(1, len(STEPS)), label="applied")
    edit = data.draw(edits(layout))
    with tempfile.TemporaryDirectory() as tmp:
        check_edit(Path(tmp), layout, applied, edit)


def test_a_goose_files_down_section_edited_after_it_ran_is_no_edit(tmp_path: Path) -> None:
    """Found drawing: the checksum covered the up SQL with the down section's lines left blank, so
    a line added to or removed from the down section of an applied goose or dbmate migration (the
    fix of a rollback found wrong once it is needed) made `migrate`, `rollback` and `status`
    refuse the database as edited."""
    for n, layout in enumerate(("goose", "dbmate")):
        check_edit(tmp_path / str(n), layout, 2, Edit(2, "down", "statement"))


def test_a_checksum_recorded_before_down_sections_were_left_out_is_no_edit(tmp_path: Path) -> None:
    """A database migrated by an earlier codegen holds the checksum of `up` with the down section's
    lines blank: it is not edited, and gets the checksum of the up sections with the next step."""
    make_project(tmp_path / "p", schema_files("goose"), QUERIES)
    db = tmp_path / "app.db"
    assert run_cli(tmp_path / "p", "migrate", "--db", str(db), "--to", "2", "--no-backup").code == 0
    assert run_cli(tmp_path / "p").code == 0
    with imported(tmp_path / "p" / "gen") as package:
        runner = import_module(package, "migrations")
        old = {m.version: hashlib.sha256(m.up.encode()).hexdigest() for m in runner.MIGRATIONS}
        new = {m.version: m.checksum for m in runner.MIGRATIONS}
        assert old != new
        conn = sqlite3.connect(db)
        conn.executemany("UPDATE schema_migrations SET checksum = ? WHERE version = ?", [(c, v) for v, c in old.items()])
        conn.commit()
        conn.close()
        assert runner.status(str(db)).edited == ()
        assert runner.migrate(str(db), backup=False).steps == (versions("goose")[2],)
    conn = sqlite3.connect(db)
    assert dict(conn.execute("SELECT version, checksum FROM schema_migrations")) == new
    conn.close()


# -- kill -9 at a drawn statement ---------------------------------------------------------------------

@contextlib.contextmanager
def _savepoint(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("SAVEPOINT r")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK TO r")
        raise
    finally:
        conn.execute("RELEASE r")


def _fill(path: Path, rows: list[drawn_evolution_runner.Row]) -> list[drawn_evolution_runner.Row]:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        return drawn_evolution_runner.insert(lambda sql, row: conn.execute(sql, row), rows, "?",
                                             (sqlite3.IntegrityError, sqlite3.OperationalError),
                                             lambda: _savepoint(conn))
    finally:
        conn.close()


def _contents(path: Path) -> tuple[Any, ...]:
    """Schema (as SQLite prints it, and as PRAGMAs read it) and every table's rows."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        db = drawn_evolution_db.sqlite_schema(conn)
        return (db, drawn_evolution_db.sqlite_rows(conn, db), conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name NOT IN ('schema_migrations', "
            "'sqlite_sequence') ORDER BY type, name").fetchall())
    finally:
        conn.close()


class _ByHand:
    """The history applied by hand to fresh files: the first `start` migrations, the rows, then
    migrations up to k (each file built once)."""

    def __init__(self, folder: Path, history: list[list[str]], start: int, rows: list[drawn_evolution_runner.Row]):
        self.folder, self.history, self.start, self.rows = folder, history, start, rows
        self.built: dict[int, tuple[Any, ...]] = {}
        self.refused = False

    def at(self, k: int) -> tuple[Any, ...]:
        if k not in self.built:
            path = self.folder / f"by_hand_{k}.db"
            conn = sqlite3.connect(path)
            drawn_evolution_db.apply_sqlite(conn, self.history[:min(k, self.start)])
            conn.close()
            if k >= self.start:
                assert _fill(path, self.rows) == self.rows
                conn = sqlite3.connect(path)
                _, refused = drawn_evolution_db.apply_sqlite(conn, self.history[self.start:k])
                conn.close()
                self.refused = self.refused or bool(refused)
            self.built[k] = _contents(path)
        return self.built[k]


def _applied(engine: Any, path: Path, migrations: tuple[Any, ...]) -> int:
    """How many migrations the file records; they must be the first ones."""
    applied = [v for v, _ in engine.status(str(path), migrations).applied]
    assert applied == [m.version for m in migrations[:len(applied)]], applied
    return len(applied)


def check_kill_sqlite(root: Path, history: list[list[str]], data: st.DataObject) -> list[str]:
    n = len(history)
    start = data.draw(st.integers(0, n - 1), label="migrated to first")
    engine = drawn_runner_kill.engine_module("sqlite")
    migrations = drawn_runner_kill.migrations("sqlite", history)
    db = root / "run" / "app.db"
    db.parent.mkdir()
    rows: list[drawn_evolution_runner.Row] = []
    if start:
        try:
            engine.run(str(db), migrations, "up", start, backup=False)
        except engine.MigrationError as error:  # a step leaves a key naming a column its parent lacks
            assert "foreign key" in str(error), error
            event("the runner refuses a foreign key it cannot check")
            return []
        conn = sqlite3.connect(db)
        state = SchemaState(engine_named("sqlite"))
        rows = drawn_evolution_runner.draw_rows(data, state, drawn_evolution_db.sqlite_schema(conn),
                                                drawn_evolution_runner.sqlite_value)
        conn.close()
        rows = _fill(db, rows)
        if data.draw(st.booleans(), label="an earlier release's rollback-journal file"):
            conn = sqlite3.connect(db)
            conn.execute("PRAGMA journal_mode = DELETE")
            conn.close()
    by_hand = _ByHand(root, history, start, rows)
    by_hand.at(n)
    if by_hand.refused:  # the rows make a later statement fail (a NOT NULL, a UNIQUE index): another story
        event("a later statement refuses the rows")
        return []
    kill_at = data.draw(st.integers(1, 15 * (n - start) + 10), label="killed before statement")
    backup = data.draw(st.booleans(), label="backup")
    outcome = drawn_runner_kill.run_child("sqlite", str(db), history, root, kill_at, backup)
    event("killed" if outcome.killed else "not killed")
    event(f"left with {_applied(engine, str(db), migrations) - start} of {n - start} steps applied")
    problems = []
    if not outcome.killed and "error" in outcome.report and "foreign key" not in outcome.report["error"]:
        problems.append(f"the run failed: {outcome.report['error']}")
    k = _applied(engine, db, migrations)
    if k < start:
        problems.append(f"the run left {k} migrations applied, it started from {start}")
    elif _contents(db) != by_hand.at(k):
        problems.append(f"killed at statement {kill_at}: at {k}, {_contents(db)} != by hand {by_hand.at(k)}")
    try:
        engine.run(str(db), migrations, "up", None, backup=True)
    except engine.MigrationError as error:
        if "foreign key" not in str(error):  # the runner refuses a step leaving keys dangling (README)
            problems.append(f"the run after the kill failed: {error}")
    k = _applied(engine, db, migrations)
    if _contents(db) != by_hand.at(k):
        problems.append(f"after the kill and a new run: at {k}, {_contents(db)} != by hand {by_hand.at(k)}")
    if _integrity_problems(db):
        problems.append(f"the file is not intact: {_integrity_problems(db)}")
    problems += _check_backups(db, migrations, by_hand)
    return problems


def _integrity_problems(path: Path) -> list[str]:
    """PRAGMA integrity_check's findings, less SQLite 3.40's "NULL value in t.c" for a WITHOUT ROWID
    table whose key is not its first columns, where t.c holds no NULL (a misreading, not damage)."""
    conn = sqlite3.connect(path)
    try:
        found = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
        real = []
        for problem in found:
            null = re.fullmatch(r"NULL value in (\w+)\.(\w+)", problem)
            if null is None or conn.execute(f'SELECT 1 FROM "{null[1]}" WHERE "{null[2]}" IS NULL').fetchone():
                real.append(problem)
        return [] if real == ["ok"] else real
    finally:
        conn.close()


_BACKUP = re.compile(r"app\.db\.bak-(.+)-\d{8}T\d{6}Z(?:-\d+)?")


def _check_backups(db: Path, migrations: tuple[Any, ...], by_hand: _ByHand) -> list[str]:
    problems = []
    versions_ = [m.version for m in migrations]
    for path in sorted(db.parent.iterdir()):
        if path.name in ("app.db", "app.db-wal", "app.db-shm", "app.db-journal"):
            continue
        found = _BACKUP.fullmatch(path.name)
        if found is None:
            problems.append(f"left beside the database: {path.name}")
            continue
        k = 0 if found.group(1) == "none" else versions_.index(found.group(1)) + 1
        if _contents(path) != by_hand.at(k):
            problems.append(f"backup {path.name}: {_contents(path)} != by hand at {k} {by_hand.at(k)}")
    return problems


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=drawn_evolution.histories("sqlite"), data=st.data())
def test_a_runner_killed_at_a_drawn_statement_leaves_a_version_the_history_gives_by_hand(
        history: list[list[str]], data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        conn = sqlite3.connect(root / "scratch.db")
        accepted, _ = drawn_evolution_db.apply_sqlite(conn, history)
        conn.close()
        assume(accepted)
        problems = check_kill_sqlite(root, accepted, data)
        assert problems == [], (accepted, problems)
