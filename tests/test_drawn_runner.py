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

import dataclasses
import hashlib
import os
import re
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import drawn_runner_kill
from _support import import_module, imported, make_project, run_cli
from codegen.catalog.state import SchemaState
from codegen.engines.registry import engine_named
import drawn_runner
from drawn_runner import Edit, down_sql, edited_files, edits, layouts, up_changed, up_sql, write_schema
from migration_project import QUERIES, STEPS, schema_files, schema_of, sequences, versions
from tests import drawn_evolution, drawn_evolution_db, drawn_evolution_runner

EXAMPLES = int(os.environ.get("RUNNER_EXAMPLES", "25"))


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
    downs = [down_sql(layout, files, k) for k in range(n, 0, -1)]
    try:
        expected = by_hand(root / "down.db", [up_sql(layout, files, k) for k in range(1, n + 1)] + downs)
    except sqlite3.Error as error:  # an edit left a down that fails by hand too (the index it drops is gone)
        assert done.code == 1 and str(error) in done.stderr, done.stderr
        return
    assert done.code == 0, done.stderr
    assert schema_of(db) == expected


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

def _contents(path: Path) -> tuple[Any, ...]:
    """Schema (as SQLite prints it, and as PRAGMAs read it) and every table's rows."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        db = drawn_evolution_db.sqlite_schema(conn)
        theirs = {name for name, table in conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'")
                  if table in drawn_runner_kill.VERSION_TABLES}
        db = dataclasses.replace(db, relations=tuple(r for r in db.relations
                                                     if r.name not in drawn_runner_kill.VERSION_TABLES),
                                 indexes=tuple(i for i in db.indexes if i not in theirs))
        return (db, drawn_evolution_db.sqlite_rows(conn, db), [
            row for row in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
            if row[2] not in drawn_runner_kill.VERSION_TABLES + ("sqlite_sequence",)])
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
                assert drawn_evolution_runner.fill_sqlite(path, self.rows) == self.rows
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
        rows = drawn_evolution_runner.fill_sqlite(db, rows)
        tool = data.draw(st.sampled_from(drawn_runner_kill.TOOLS), label="versions recorded by")
        rolled_back = data.draw(st.lists(st.integers(start + 1, n), unique=True), label="goose rolled back")
        conn = sqlite3.connect(db, isolation_level=None)
        drawn_runner_kill.as_recorded_by("sqlite", conn.execute, tool, list(range(1, start + 1)), rolled_back)
        conn.close()
        event(f"recorded by {tool}")
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
            null = re.fullmatch(r"NULL value in (.+)\.([^.]+)", problem)  # names may hold spaces: "Two Words"
            if null is not None:
                table, column = ('"' + name.replace('"', '""') + '"' for name in null.groups())
                if conn.execute(f"SELECT 1 FROM {table} WHERE {column} IS NULL").fetchone() is None:
                    continue  # the misreading: the column holds no NULL
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


# -- foreign keys a step leaves dangling ------------------------------------------------------------------

def _violations_after_each(path: Path, history: list[list[str]]) -> tuple[list[list[str]], list[int]]:
    """Apply the history by hand, with foreign keys off as the runner applies it (statements
    SQLite refuses where they stand left out): the migrations kept, and how many rows PRAGMA
    foreign_key_check reports after each."""
    conn = sqlite3.connect(path, isolation_level=None)
    accepted, counts = [], []
    try:
        for migration in history:
            kept, _ = drawn_evolution_db.apply_sqlite(conn, [migration])
            if kept:
                accepted += kept
                counts.append(len(conn.execute("PRAGMA foreign_key_check").fetchall()))
    finally:
        conn.close()
    return accepted, counts


def check_foreign_keys(root: Path, history: list[list[str]]) -> None:
    history, counts = _violations_after_each(root / "by_hand.db", history)
    assert counts[0] == 0
    first_bad = next((k for k, count in enumerate(counts) if count), None)
    engine = drawn_runner_kill.engine_module("sqlite")
    migrations = drawn_runner_kill.migrations("sqlite", history)
    db = root / "run.db"
    try:
        engine.run(str(db), migrations, "up", None, backup=False)
        refused = None
    except engine.MigrationError as error:
        refused = str(error)
    applied = [v for v, _ in engine.status(str(db), migrations).applied]
    if first_bad is None:
        assert (refused, len(applied)) == (None, len(history)), (history, refused)
    else:
        assert refused is not None and "leaves foreign key violations" in refused, (history, counts, refused)
        assert len(applied) == first_bad, (history, counts, applied)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=drawn_runner.foreign_key_histories())
def test_a_step_leaving_a_child_row_without_its_parent_is_refused_however_it_names_the_tables(
        history: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        check_foreign_keys(Path(tmp), history)


def test_a_step_deleting_the_parent_of_a_table_named_with_a_space_is_refused(tmp_path: Path) -> None:
    """Found drawing: the runner read "Odd Table" as odd when it listed the tables a step touches,
    so the keys into a table whose quoted name is not one word went unchecked and a step leaving
    child rows without their parent committed."""
    check_foreign_keys(tmp_path, [['CREATE TABLE "Odd Table" (id INTEGER PRIMARY KEY)',
                                   'CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES "Odd Table" (id))',
                                   'INSERT INTO "Odd Table" (id) VALUES (1)', "INSERT INTO c (id, p) VALUES (1, 1)"],
                                  ['DELETE FROM "Odd Table"']])


# -- concurrent runners ---------------------------------------------------------------------------------

_ALLOWED = ("no such file", "does not exist")  # status or rollback of a file no migrate has created yet


def _schema_by_hand(path: Path, ups: list[str]) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(path)
    for up in ups:
        conn.executescript(up)
    conn.close()
    return schema_of(path)


@settings(max_examples=EXAMPLES // 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=sequences(), data=st.data())
def test_concurrent_runners_with_drawn_targets_leave_a_version_the_migrations_give_by_hand(
        steps: list[tuple[str, str]], data: st.DataObject) -> None:
    """N processes at once, each migrating, rolling back or reading the status to a drawn target,
    on a file that a drawn run left at a drawn version (or that does not exist yet): each one ends
    cleanly, and the file ends at some version k holding the schema the first k migrations give."""
    n = len(steps)
    ops = data.draw(st.lists(st.tuples(st.sampled_from(["up", "up", "down", "status"]), st.integers(0, n)),
                             min_size=2, max_size=4), label="runners")
    ops = [(op, None if op == "up" and target == n else target) for op, target in ops]
    start = data.draw(st.integers(0, n), label="migrated first to")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db = root / "app.db"
        engine = drawn_runner_kill.engine_module("sqlite")
        migrations = drawn_runner_kill.migrations_with_downs("sqlite", steps)
        if start:
            engine.run(str(db), migrations, "up", start, backup=False)
        reports = drawn_runner_kill.run_concurrently("sqlite", str(db), steps, root, ops)
        for (op, target), report in zip(ops, reports):
            assert "error" not in report or any(a in report["error"] for a in _ALLOWED), (op, target, report)
        if not db.exists():
            return
        k = _applied(engine, db, migrations)
        event(f"{len(ops)} runners")
        assert schema_of(db) == _schema_by_hand(root / "by_hand.db", [up for up, _ in steps[:k]]), (ops, reports)


def test_a_partial_backup_a_killed_run_left_is_removed_whatever_the_version_is_named(tmp_path: Path) -> None:
    """A copy cut short by kill -9 keeps its .partial name until the next run with a backup removes
    it; the leftovers were only recognised for versions of digits, _ and word characters, so a
    partial copy taken at 001_add-users (or at a plain init.sql) stayed beside the file forever."""
    for n, first in enumerate(("001_add-users", "init")):
        project = make_project(tmp_path / f"p{n}", {f"{first}.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
                                                   "zz_more.sql": "ALTER TABLE users ADD COLUMN name TEXT;\n"},
                               QUERIES)
        db = tmp_path / f"app{n}.db"
        assert run_cli(project, "migrate", "--db", str(db), "--to", first, "--no-backup").code == 0
        stale = [db.with_name(f"{db.name}.bak-{first}-20260101T000000Z.partial{end}") for end in ("", "-journal")]
        for path in stale:
            path.write_bytes(b"cut short")
        done = run_cli(project, "migrate", "--db", str(db))
        assert done.code == 0, done.stderr
        left = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(db.name + ".bak-"))
        assert len(left) == 1 and not left[0].endswith(".partial"), left
