"""The generated migration runner under drawn trouble, on real SQLite files; the oracle is the
same migrations applied by hand, once, to a fresh file.

- Edits to migrations already applied (tests/drawn_runner.py): `status` and `migrate` refuse the
  database exactly when the up SQL of an applied migration changed, and change nothing then;
  otherwise the file migrates to the schema the edited files give by hand, and rolls back with
  the edited down SQL to what those statements give by hand.
"""

from __future__ import annotations

import hashlib
import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import import_module, imported, make_project, run_cli
from drawn_runner import Edit, down_sql, edited_files, edits, layouts, up_changed, up_sql, write_schema
from migration_project import QUERIES, STEPS, schema_files, versions


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
