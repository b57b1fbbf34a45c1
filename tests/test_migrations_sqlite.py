"""The generated package's migration runner on real SQLite files, in synthetic projects of every
layout codegen reads: migrate/rollback/status through the package and `python -m codegen`,
checksums, adopting golang-migrate / goose / dbmate version tables, concurrent migrators, kill -9
in the middle of a step, a corrupt file, and drawn migration sequences."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import REPO, import_module, imported, run_cli, run_subprocess
from migration_project import LAYOUTS, STEPS, Step, edit, project, regenerate, schema_of, sequences, versions


def recorded(path: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute("SELECT version, checksum FROM schema_migrations"))
    finally:
        conn.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_migrates_rolls_back_and_reports(tmp_path: Path, layout: str) -> None:
    out = project(tmp_path / "proj", layout)
    db, at_one = tmp_path / "app.db", tmp_path / "one.db"
    with imported(out) as package:
        runner = import_module(package, "migrations")
        books = import_module(package, "queries.books")
        assert runner.status(str(db) if db.exists() else sqlite3.connect(":memory:")).pending == tuple(versions(layout))
        result = runner.migrate(str(db))
        assert list(result.steps) == versions(layout) and result.version == versions(layout)[-1]
        assert [v for v, _ in runner.status(str(db)).applied] == versions(layout)
        # the checksum stored is the one the generated module carries
        assert recorded(db) == sorted((m.version, m.checksum) for m in runner.MIGRATIONS)
        conn = sqlite3.connect(db)
        conn.execute("INSERT INTO authors (id, name) VALUES (1, 'Ada')")
        conn.execute("INSERT INTO books (author_id, title, isbn) VALUES (1, 'Notes', 'x')")
        conn.commit()
        assert books.count_books(conn) == 1  # the generated query runs on the migrated schema
        conn.close()
        assert runner.migrate(str(db)).steps == ()
        runner.migrate(str(at_one), versions(layout)[0])
        if layout == "plain":
            with pytest.raises(runner.MigrationError, match="has no .down.sql or down section"):
                runner.rollback(str(db), to=versions(layout)[0])
            return
        result = runner.rollback(str(db), to=versions(layout)[0])
        assert list(result.steps) == versions(layout)[:0:-1] and result.backup is not None
        assert schema_of(db) == schema_of(at_one)
        assert runner.status(str(db)).pending == tuple(versions(layout)[1:])
        runner.rollback(str(db), to=0)
        assert schema_of(db) == [] and runner.status(str(db)).applied == ()


@pytest.mark.parametrize("layout", ["golang-migrate", "dbmate"])
def test_the_command_runs_the_same_runner(tmp_path: Path, layout: str) -> None:
    root = tmp_path / "proj"
    out = project(root, layout)
    db = tmp_path / "cli.db"
    done = run_subprocess(root, "migrate", "--db", str(db), "--to", versions(layout)[1])
    assert done.code == 0, done.stderr
    assert done.stdout.splitlines() == [f"applied {v}" for v in versions(layout)[:2]] + [f"version: {versions(layout)[1]}"]
    status = run_subprocess(root, "status", "--db", str(db))
    assert status.code == 0 and status.stdout.split()[3:5] == ["applied", versions(layout)[0]], status.stdout
    assert f"pending  {versions(layout)[2]}" in status.stdout
    assert run_subprocess(root, "migrate", "--db", str(db)).code == 0
    with imported(out) as package:  # the package sees what the command wrote, checksums included
        runner = import_module(package, "migrations")
        assert runner.status(str(db)).pending == () and runner.status(str(db)).edited == ()
    back = run_subprocess(root, "rollback", "--db", str(db), "--to", versions(layout)[0])
    assert back.code == 0, back.stderr
    assert f"reverted {versions(layout)[1]}" in back.stdout and f"version: {versions(layout)[0]}" in back.stdout
    missing = run_subprocess(root, "rollback", "--db", str(db))
    assert missing.code == 2 and "--to" in missing.stderr


def test_an_edited_migration_is_refused_until_accepted(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    out = project(root, "goose")
    db = tmp_path / "app.db"
    with imported(out) as package:
        import_module(package, "migrations").migrate(str(db), 2)
    edited = Step("create_books", STEPS[1].up.replace("title TEXT NOT NULL", "title TEXT NOT NULL DEFAULT ''"),
                  STEPS[1].down)
    edit(root, "goose", 2, edited)
    regenerate(root)
    before = sha256(db)
    with imported(out) as package:
        runner = import_module(package, "migrations")
        with pytest.raises(runner.MigrationError) as refused:
            runner.migrate(str(db))
        assert "schema/00002_create_books.sql: migration 00002_create_books was applied with checksum" in str(refused.value)
        assert "--accept-edit 00002_create_books" in str(refused.value)
        assert runner.status(str(db)).edited == ("00002_create_books",)
    assert sha256(db) == before
    status = run_cli(root, "status", "--db", str(db))
    assert status.code == 1 and "edited   00002_create_books" in status.stdout
    assert "schema/00002_create_books.sql: applied migration 00002_create_books was edited" in status.stderr
    refused_cli = run_cli(root, "migrate", "--db", str(db))
    assert refused_cli.code == 1 and "00002_create_books" in refused_cli.stderr and sha256(db) == before
    accepted = run_cli(root, "migrate", "--db", str(db), "--accept-edit", "00002_create_books")
    assert accepted.code == 0, accepted.stderr
    with imported(out) as package:
        runner = import_module(package, "migrations")
        assert runner.status(str(db)).edited == () and runner.status(str(db)).pending == ()
        assert recorded(db) == sorted((m.version, m.checksum) for m in runner.MIGRATIONS)
    # an unknown version to accept is refused, not ignored
    assert "no such migration" in run_cli(root, "migrate", "--db", str(db), "--accept-edit", "nope").stderr


def _foreign(db: Path, layout: str, applied: int, table_sql: list[str], rows: list[tuple[object, ...]],
             insert: str) -> None:
    conn = sqlite3.connect(db)
    for step in STEPS[:applied]:
        conn.executescript(step.up)
    for sql in table_sql:
        conn.execute(sql)
    conn.executemany(insert, rows)
    conn.commit()
    conn.close()


# The version tables as each tool creates them (golang-migrate database/sqlite3, goose's sqlite3
# dialect, dbmate's sqlite driver).
FOREIGN = {
    "golang-migrate": (["CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool)",
                        "CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version)"],
                       [(2, 0)], "INSERT INTO schema_migrations (version, dirty) VALUES (?, ?)"),
    "goose": (["CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER NOT NULL, "
               "is_applied INTEGER NOT NULL, tstamp TIMESTAMP DEFAULT (datetime('now')))"],
              [(1, 0, 1), (2, 1, 1), (3, 2, 1), (4, 3, 1), (5, 3, 0)],
              "INSERT INTO goose_db_version (id, version_id, is_applied) VALUES (?, ?, ?)"),
    "dbmate": (['CREATE TABLE IF NOT EXISTS "schema_migrations" (version varchar(128) primary key)'],
               [("20240101000001",), ("20240101000002",)], "INSERT INTO schema_migrations (version) VALUES (?)"),
}


@pytest.mark.parametrize("layout", sorted(FOREIGN))
def test_another_tools_version_table_is_adopted_and_continued(tmp_path: Path, layout: str) -> None:
    out = project(tmp_path / "proj", layout)
    db = tmp_path / "theirs.db"
    _foreign(db, layout, 2, *FOREIGN[layout])  # goose's last rows: 3 applied, then rolled back
    with imported(out) as package:
        runner = import_module(package, "migrations")
        state = runner.status(str(db))
        assert [v for v, _ in state.applied] == versions(layout)[:2] and state.adopted_from == layout
        with pytest.raises(runner.MigrationError, match=f"migrated by {layout}.*adopt=False.*nothing was changed"):
            runner.migrate(str(db), adopt=False)
        result = runner.migrate(str(db))
        assert result.steps == (versions(layout)[2],) and result.adopted_from == layout
        assert recorded(db) == sorted((m.version, m.checksum) for m in runner.MIGRATIONS)
        conn = sqlite3.connect(db)
        kept = {"golang-migrate": "schema_migrations_golang_migrate", "goose": "goose_db_version",
                "dbmate": "schema_migrations_dbmate"}[layout]
        assert conn.execute(f"SELECT count(*) FROM {kept}").fetchone()[0] == len(FOREIGN[layout][1])  # kept as it was
        conn.close()
        assert runner.rollback(str(db), to=versions(layout)[0]).steps == tuple(versions(layout)[:0:-1])


def test_a_dirty_golang_migrate_record_is_refused_with_instructions(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    project(root, "golang-migrate")
    db = tmp_path / "dirty.db"
    tables, _, insert = FOREIGN["golang-migrate"]
    _foreign(db, "golang-migrate", 2, tables, [(2, 1)], insert)
    before = sha256(db)
    for command in ("migrate", "status"):
        done = run_cli(root, command, "--db", str(db))
        assert done.code == 1 and "records version 2 as dirty" in done.stderr, done.stderr
        assert "migrate force 2" in done.stderr and "nothing was changed" in done.stderr
    assert sha256(db) == before and sorted(p.name for p in tmp_path.iterdir()) == ["dirty.db", "proj"]


def test_a_foreign_version_this_project_lacks_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    project(root, "goose")
    db = tmp_path / "newer.db"
    tables, _, insert = FOREIGN["goose"]
    _foreign(db, "goose", 2, tables, [(1, 0, 1), (2, 1, 1), (3, 2, 1), (4, 9, 1)], insert)
    done = run_cli(root, "migrate", "--db", str(db))
    assert done.code == 1 and "unknown to this code" in done.stderr and "9 (goose)" in done.stderr


SLOW_STEPS = STEPS[:1] + (
    Step("fill", "CREATE TABLE filler (n INTEGER, pad TEXT);\n"
                 "INSERT INTO filler WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 3000000)\n"
                 "SELECT n, printf('%0200d', n) FROM c;\n", "DROP TABLE filler;\n"),
) + STEPS[1:]


def test_concurrent_migrators_apply_each_step_once(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    out = project(root, "golang-migrate")
    db = tmp_path / "shared.db"
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from gen import migrations; import time\n"
            "while not __import__('os').path.exists(sys.argv[3]): time.sleep(0.002)\n"
            "print(','.join(migrations.migrate(sys.argv[2]).steps))")
    go = tmp_path / "go"
    workers = [subprocess.Popen([sys.executable, "-c", code, str(out.parent), str(db), str(go)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    time.sleep(0.3)
    go.touch()
    outputs = [w.communicate(timeout=120) for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    applied = [v for out_, _ in outputs for v in out_.strip().split(",") if v]
    assert sorted(applied) == versions("golang-migrate")  # every step once, by one of them
    assert [v for v, _ in recorded(db)] == versions("golang-migrate")


def test_kill_9_in_the_middle_of_a_step_leaves_the_previous_version(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    out = project(root, "dbmate", steps=SLOW_STEPS)
    db = tmp_path / "killed.db"
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from gen import migrations\n"
            "migrations.migrate(sys.argv[2], progress=lambda v: print(v, flush=True))")
    proc = subprocess.Popen([sys.executable, "-c", code, str(out.parent), str(db)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == versions("dbmate", SLOW_STEPS)[0]
    time.sleep(0.5)  # well inside the three-million-row step
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    with imported(out) as package:
        runner = import_module(package, "migrations")
        assert [v for v, _ in runner.status(str(db)).applied] == versions("dbmate", SLOW_STEPS)[:1]
        conn = sqlite3.connect(db)
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'filler'").fetchone() == (0,)
        conn.close()
        assert runner.migrate(str(db), backup=False).steps == tuple(versions("dbmate", SLOW_STEPS)[1:])
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT count(*) FROM filler").fetchone() == (3000000,)
    conn.close()


def test_a_corrupt_file_is_refused_untouched(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    out = project(root, "plain")
    db = tmp_path / "corrupt.db"
    with imported(out) as package:
        runner = import_module(package, "migrations")
        runner.migrate(str(db), 1)
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.executemany("INSERT INTO authors (name) VALUES (?)", [(f"author {i:05d}" * 20,) for i in range(3000)])
        conn.commit()
        conn.close()
        data = bytearray(db.read_bytes())
        page = 4096
        data[5 * page + 100 : 5 * page + 300] = b"\xff" * 200  # a b-tree page of authors, overwritten
        db.write_bytes(bytes(data))
        before = sha256(db)
        with pytest.raises(runner.MigrationError, match="(?s)is corrupt.*restore it from a backup"):
            runner.migrate(str(db))
    assert sha256(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corrupt.db", "proj"]  # no backup, no journal left


# -- drawn migration sequences ---------------------------------------------------------------------

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=sequences(), data=st.data())
def test_drawn_sequences_migrate_to_a_target_and_roll_back_to_the_same_schema(
        tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[str, str]], data: st.DataObject) -> None:
    sys.path.insert(0, str(REPO))
    from generated import _migrate, _migrate_engine  # the runtime modules every SQLite package carries

    migrations = tuple(
        _migrate.Migration(f"{n:03d}_m", n, f"schema/{n:03d}_m.up.sql", up, _migrate.checksum(up),
                           f"schema/{n:03d}_m.down.sql", down)
        for n, (up, down) in enumerate(steps, 1))
    high = data.draw(st.integers(0, len(steps)), label="migrate to")
    low = data.draw(st.integers(0, high), label="roll back to")
    folder = tmp_path_factory.mktemp("drawn")
    db, expected = folder / "db", folder / "expected"
    _migrate_engine.run(str(db), migrations, "up", high)
    assert [v for v, _ in _migrate_engine.status(str(db), migrations).applied] == [m.version for m in migrations[:high]]
    _migrate_engine.run(str(db), migrations, "down", low)
    _migrate_engine.run(str(expected), migrations, "up", low)
    assert schema_of(db) == schema_of(expected)
    assert _migrate_engine.run(str(db), migrations, "up", None).steps == tuple(m.version for m in migrations[low:])


def test_bad_input_to_the_commands_is_one_located_line(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    project(root, "golang-migrate")
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 200)
    cases = {
        ("migrate", "--db", str(tmp_path / "missing" / "x.db")): "directory",
        ("status", "--db", str(tmp_path / "nope.db")): "no such file",
        ("migrate", "--db", str(tmp_path / "junk.db")): "file is not a database",
        ("migrate", "--db", str(tmp_path / "ok.db"), "--to", "000009_nothing"): "no migration '000009_nothing'",
    }
    for args, expected in cases.items():
        done = run_cli(root, *args)
        assert done.code == 1 and "Traceback" not in done.stderr, (args, done.stderr)
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ") and expected in done.stderr, done.stderr
    assert not (tmp_path / "ok.db").exists() and not (tmp_path / "missing").exists()
    (root / "schema" / "000002_again.up.sql").write_text("CREATE TABLE again (x INTEGER);\n")
    clash = run_cli(root)
    assert clash.code == 1 and ("schema/000002_create_books.up.sql:1:1: error: migration number 2 is also used by "
                                "schema/000002_again.up.sql") in clash.stderr


def test_an_edited_down_file_regenerates_and_is_watched(tmp_path: Path) -> None:
    """The down SQL is part of the package: the run cache and `watch` must see a .down.sql edit
    even when the schema pattern names only the .up.sql files."""
    from codegen.watch import watched_paths
    from migration_project import schema_files

    from _support import config_text, write_files

    root = tmp_path / "proj"
    write_files(root, {"pyproject.toml": config_text(schema="schema/*.up.sql"),
                       **{f"schema/{n}": t for n, t in schema_files("golang-migrate").items()},
                       "queries/books.sql": "-- name: CountBooks :one\nSELECT count(*) AS n FROM books;\n"})
    regenerate(root)
    down = root / "schema" / "000003_add_isbn.down.sql"
    assert down in watched_paths(None, root)
    down.write_text("ALTER TABLE books DROP COLUMN isbn; -- edited\n")
    regenerate(root)  # the run cache must not hand back the package of the old down SQL
    assert "-- edited" in (root / "gen" / "migrations.py").read_text()


def test_adopting_a_schema_migrations_table_beside_a_broken_view(tmp_path: Path) -> None:
    """SQLite lets a migration drop a table a view reads; the view stays, broken. A modern ALTER
    TABLE RENAME checks every view, so keeping golang-migrate's schema_migrations under another name
    failed ('error in view v: no such table') and such a database could not be adopted (found by
    test_drawn_runner.py's kill test in CI)."""
    out = project(tmp_path / "proj", "golang-migrate")
    db = tmp_path / "theirs.db"
    _foreign(db, "golang-migrate", 2, *FOREIGN["golang-migrate"])
    conn = sqlite3.connect(db)
    conn.executescript("CREATE TABLE gone (x INTEGER); CREATE VIEW v AS SELECT x FROM gone; DROP TABLE gone;")
    conn.close()
    with imported(out) as package:
        runner = import_module(package, "migrations")
        result = runner.migrate(str(db))
        assert result.steps == (versions("golang-migrate")[2],) and result.adopted_from == "golang-migrate"
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM schema_migrations_golang_migrate").fetchone()[0] == 1
    assert conn.execute("PRAGMA legacy_alter_table").fetchone() == (0,)  # as it was
    conn.close()
