"""Other tools' migration folders. Flyway's (`V1__init.sql`, `V2_1__add.sql`, `V10__rename.sql`; `U2__...sql` undo
files): codegen ordered them by name, so V10 came before V2 (a false 'no such column' at best, a
catalog other than the database's at worst) and an undo file ran as one more up migration. They are
ordered by version, part by part, as Flyway orders them, an undo file is left out, and the generated
migrate() applies them in that order. Prisma's <timestamp>_<name>/migration.sql (below) likewise.

Drawn: versions (one to three parts, written with . or _), shuffled. Oracle: the same SQL run on a real
SQLite file in Flyway's order, whose columns every generated model must have."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import config_text, generate, import_module, imported, run_cli, write_files

versions = st.lists(st.lists(st.integers(0, 12), min_size=1, max_size=3).map(tuple), min_size=1, max_size=6,
                    unique=True)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=versions, separator=st.sampled_from([".", "_"]), undo=st.booleans())
def test_flyway_migrations_run_in_version_order(tmp_path_factory: pytest.TempPathFactory,
                                                drawn: list[tuple[int, ...]], separator: str, undo: bool) -> None:
    root = tmp_path_factory.mktemp("flyway")
    ordered = sorted(drawn)
    # each migration adds a column named after its place in version order, then renames the previous
    # one: any other order fails, or leaves other columns
    files = {"V0__init.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY);\n"} if (0,) not in drawn else {}
    first = "V0__init.sql" if files else None
    for place, version in enumerate(ordered):
        name = f"V{separator.join(map(str, version))}__step_{place}.sql"
        sql = f"ALTER TABLE t ADD COLUMN c{place} TEXT;\n"
        if place:
            sql += f"ALTER TABLE t RENAME COLUMN c{place - 1} TO done{place - 1};\n"
        if version == (0,):
            sql = "CREATE TABLE t (id INTEGER PRIMARY KEY);\n" + sql
            first = name
        files[name] = sql
        if undo:
            files[f"U{separator.join(map(str, version))}__step_{place}.sql"] = "DROP TABLE t;\n"
    assert first is not None
    raw = sqlite3.connect(root / "raw.db")
    in_order = [first] + [f"V{separator.join(map(str, v))}__step_{i}.sql" for i, v in enumerate(ordered)
                          if f"V{separator.join(map(str, v))}__step_{i}.sql" != first]
    for name in in_order:
        raw.executescript(files[name])
    expected = [row[1] for row in raw.execute("PRAGMA table_info(t)")]
    raw.close()
    out = generate(root / "project", files, {"q.sql": "-- name: All :many\nSELECT * FROM t;\n"}, out="gen_flyway")
    with imported(out) as package:
        assert list(import_module(package, "models").T.model_fields) == expected
        result = import_module(package, "migrations").migrate(root / "app.db")
        assert [f"{step}.sql" for step in result.steps] == in_order
    app = sqlite3.connect(root / "app.db")
    assert [row[1] for row in app.execute("PRAGMA table_info(t)")] == expected
    app.close()


def test_flyway_versions_are_numbers_for_migrate_to(tmp_path: Path) -> None:
    out = generate(tmp_path, {"V1__init.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY);\n",
                              "V2__more.sql": "ALTER TABLE t ADD COLUMN b TEXT;\n",
                              "V10__last.sql": "ALTER TABLE t ADD COLUMN c TEXT;\n"},
                   {"q.sql": "-- name: All :many\nSELECT * FROM t;\n"})
    with imported(out) as package:
        migrations = import_module(package, "migrations")
        assert [m.number for m in migrations.MIGRATIONS] == [1, 2, 10]
        assert migrations.migrate(tmp_path / "app.db", 2).steps == ("V1__init", "V2__more")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stamps=st.lists(st.integers(20200101000000, 20291231235959), min_size=1, max_size=5, unique=True),
       shuffle=st.randoms(use_true_random=False))
def test_prisma_migration_folders_run_in_timestamp_order(tmp_path_factory: pytest.TempPathFactory,
                                                         stamps: list[int], shuffle: Any) -> None:
    """Prisma keeps prisma/migrations/<timestamp>_<name>/migration.sql: every file had one name, so
    they ran in the file system's order and were all version 'migration' (one row in the version
    table for all). The folder's name is the version now."""
    root = tmp_path_factory.mktemp("prisma")
    ordered = sorted(stamps)
    steps = {f"{stamp}_step_{place}": (f"CREATE TABLE t (id INTEGER PRIMARY KEY, c0 TEXT);\n" if place == 0 else
                                       f"ALTER TABLE t RENAME COLUMN c{place - 1} TO c{place};\n")
             for place, stamp in enumerate(ordered)}
    written = list(steps)
    shuffle.shuffle(written)
    write_files(root, {"pyproject.toml": config_text("prisma/migrations/*/migration.sql", out="gen_prisma",
                                                     emit_async=None),
                       "queries/q.sql": "-- name: All :many\nSELECT * FROM t;\n",
                       **{f"prisma/migrations/{folder}/migration.sql": steps[folder] for folder in written}})
    assert run_cli(root).code == 0
    with imported(root / "gen_prisma") as package:
        assert list(import_module(package, "models").T.model_fields) == ["id", f"c{len(ordered) - 1}"]
        assert import_module(package, "migrations").migrate(root / "app.db").steps == tuple(steps)


def test_diesel_migration_folders_run_up_and_roll_back_down(tmp_path: Path) -> None:
    """Diesel keeps migrations/<date>-<time>_<name>/up.sql beside down.sql. Every up was named up.sql
    and every down down.sql: the downs ran as more up migrations. Now the folder is the version (its
    date and time the number), up.sql the migration and down.sql its rollback, and a folder of such
    folders is read as they are (as is Prisma's)."""
    folders = {"00000000000000_diesel_initial_setup": ("CREATE TABLE setup (x INTEGER);", "DROP TABLE setup;"),
               "2024-01-01-120000_create_a": ("CREATE TABLE a (id INTEGER PRIMARY KEY);", "DROP TABLE a;"),
               "2024-03-01-090000_add_name": ("ALTER TABLE a ADD COLUMN name TEXT;", "ALTER TABLE a DROP COLUMN name;")}
    write_files(tmp_path, {"pyproject.toml": config_text("migrations", out="gen_diesel", emit_async=None),
                           "queries/q.sql": "-- name: All :many\nSELECT * FROM a;\n",
                           **{f"migrations/{folder}/{side}.sql": sql + "\n" for folder, (up, down) in folders.items()
                              for side, sql in (("up", up), ("down", down))}})
    result = run_cli(tmp_path)
    assert result.code == 0, result.stderr
    with imported(tmp_path / "gen_diesel") as package:
        assert list(import_module(package, "models").A.model_fields) == ["id", "name"]
        migrations = import_module(package, "migrations")
        assert [m.number for m in migrations.MIGRATIONS] == [0, 20240101120000, 20240301090000]
        assert migrations.migrate(tmp_path / "app.db").steps == tuple(folders)
        assert migrations.rollback(tmp_path / "app.db", 20240101120000).steps == ("2024-03-01-090000_add_name",)
    app = sqlite3.connect(tmp_path / "app.db")
    assert [row[1] for row in app.execute("PRAGMA table_info(a)")] == ["id"]
    app.close()


def test_a_folder_named_with_digits_keeps_its_files_apart(tmp_path: Path) -> None:
    """Only Prisma's migration.sql and Diesel's up.sql take their folder's version: plain files in a
    folder whose name starts with digits (000_schema/a.sql, b.sql) stay migrations of their own."""
    write_files(tmp_path, {"pyproject.toml": config_text("000_schema", out="gen_digits", emit_async=None),
                           "000_schema/a.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY);\n",
                           "000_schema/b.sql": "ALTER TABLE t ADD COLUMN n TEXT;\n",
                           "queries/q.sql": "-- name: All :many\nSELECT * FROM t;\n"})
    result = run_cli(tmp_path)
    assert result.code == 0, result.stderr
    with imported(tmp_path / "gen_digits") as package:
        assert [m.version for m in import_module(package, "migrations").MIGRATIONS] == ["a", "b"]
