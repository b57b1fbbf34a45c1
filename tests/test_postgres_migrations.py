"""The generated package's migration runner on a real PostgreSQL server, in synthetic projects of
every layout: migrate/rollback/status through the package and `python -m codegen`, checksums,
adopting golang-migrate / goose / dbmate version tables, concurrent migrators (processes), and a
migrator killed with SIGKILL in the middle of a step."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import import_module, imported, run_cli, run_subprocess
from migration_project import LAYOUTS, STEPS, Step, edit, project, regenerate, sequences, versions


def schema_of(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        columns = conn.execute(
            "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name <> 'schema_migrations' ORDER BY 1, 2").fetchall()
        indexes = conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
                               "AND tablename <> 'schema_migrations' ORDER BY 1").fetchall()
    return [*columns, *indexes]


def recorded(url: str) -> list[tuple[str, str]]:
    with psycopg.connect(url) as conn:
        return sorted(conn.execute("SELECT version, checksum FROM schema_migrations").fetchall())


@pytest.mark.parametrize("layout", LAYOUTS)
def test_postgres_every_layout_migrates_rolls_back_and_reports(
        tmp_path: Path, layout: str, postgres_databases: Any) -> None:
    out = project(tmp_path / "proj", layout, "postgresql")
    url, at_one = postgres_databases(f"layout_{layout}"), postgres_databases(f"one_{layout}")
    with imported(out) as package:
        runner = import_module(package, "migrations")
        books = import_module(package, "queries.books")
        assert runner.status(url).pending == tuple(versions(layout))
        result = runner.migrate(url)
        assert list(result.steps) == versions(layout) and result.backup is None
        assert recorded(url) == sorted((m.version, m.checksum) for m in runner.MIGRATIONS)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("INSERT INTO authors (id, name) VALUES (1, 'Ada')")
            conn.execute("INSERT INTO books (id, author_id, title, isbn) VALUES (1, 1, 'Notes', 'x')")
            assert books.count_books(conn) == 1  # the generated query runs on the migrated schema
        assert runner.migrate(url).steps == ()
        runner.migrate(at_one, versions(layout)[0])
        if layout == "plain":
            with pytest.raises(runner.MigrationError, match="has no .down.sql or down section"):
                runner.rollback(url, to=versions(layout)[0])
            return
        assert runner.rollback(url, to=versions(layout)[0]).steps == tuple(versions(layout)[:0:-1])
        assert schema_of(url) == schema_of(at_one)
        runner.rollback(url, to=0)
        assert schema_of(url) == [] and runner.status(url).applied == ()


def test_postgres_the_command_migrates_reports_and_refuses_an_edit(tmp_path: Path, postgres_url: str) -> None:
    root = tmp_path / "proj"
    out = project(root, "golang-migrate", "postgresql")
    done = run_subprocess(root, "migrate", "--db", postgres_url, "--to", "2")
    assert done.code == 0, done.stderr
    assert done.stdout.splitlines() == [f"applied {v}" for v in versions("golang-migrate")[:2]] + [
        f"version: {versions('golang-migrate')[1]}"]
    status = run_subprocess(root, "status", "--db", postgres_url)
    assert status.code == 0 and f"pending  {versions('golang-migrate')[2]}" in status.stdout
    edit(root, "golang-migrate", 1, Step("create_authors", STEPS[0].up.replace("name TEXT", "name VARCHAR(80)"),
                                         STEPS[0].down))
    regenerate(root)
    refused = run_cli(root, "migrate", "--db", postgres_url)
    assert refused.code == 1
    assert "schema/000001_create_authors.up.sql: migration 000001_create_authors was applied with checksum" in refused.stderr
    assert recorded(postgres_url)[0][0] == "000001_create_authors" and len(recorded(postgres_url)) == 2
    accepted = run_cli(root, "migrate", "--db", postgres_url, "--accept-edit", "000001_create_authors")
    assert accepted.code == 0, accepted.stderr
    with imported(out) as package:
        runner = import_module(package, "migrations")
        assert recorded(postgres_url) == sorted((m.version, m.checksum) for m in runner.MIGRATIONS)
    back = run_cli(root, "rollback", "--db", postgres_url, "--to", "1")
    assert back.code == 0 and "version: 000001_create_authors" in back.stdout, back.stderr


# The version tables as each tool creates them on PostgreSQL (golang-migrate database/postgres,
# goose's postgres dialect, dbmate's postgres driver).
FOREIGN = {
    "golang-migrate": (["CREATE TABLE IF NOT EXISTS schema_migrations (version bigint not null primary key, "
                        "dirty boolean not null)"],
                       [(2, False)], "INSERT INTO schema_migrations (version, dirty) VALUES (%s, %s)"),
    "goose": (["CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, "
               "is_applied boolean NOT NULL, tstamp timestamp NULL default now(), PRIMARY KEY(id))"],
              [(1, 0, True), (2, 1, True), (3, 2, True)],
              "INSERT INTO goose_db_version (id, version_id, is_applied) VALUES (%s, %s, %s)"),
    "dbmate": (["CREATE TABLE IF NOT EXISTS schema_migrations (version character varying(128) NOT NULL PRIMARY KEY)"],
               [("20240101000001",), ("20240101000002",)], "INSERT INTO schema_migrations (version) VALUES (%s)"),
}


@pytest.mark.parametrize("layout", sorted(FOREIGN))
def test_postgres_another_tools_version_table_is_adopted(tmp_path: Path, layout: str, postgres_databases: Any) -> None:
    root = tmp_path / "proj"
    out = project(root, layout, "postgresql")
    url = postgres_databases(f"adopt_{layout}")
    tables, rows, insert = FOREIGN[layout]
    with psycopg.connect(url, autocommit=True) as conn:
        for step in STEPS[:2]:
            conn.execute(step.up.encode())
        for sql in tables:
            conn.execute(sql.encode())
        for row in rows:
            conn.execute(insert.encode(), row)
    with imported(out) as package:
        runner = import_module(package, "migrations")
        state = runner.status(url)
        assert [v for v, _ in state.applied] == versions(layout)[:2] and state.adopted_from == layout
        result = runner.migrate(url)
        assert result.steps == (versions(layout)[2],) and result.adopted_from == layout
        assert recorded(url) == sorted((m.version, m.checksum) for m in runner.MIGRATIONS)
    if layout == "golang-migrate":
        dirty = postgres_databases("adopt_dirty")
        with psycopg.connect(dirty, autocommit=True) as conn:
            conn.execute(tables[0].encode())
            conn.execute(insert.encode(), (2, True))
        done = run_cli(root, "migrate", "--db", dirty)
        assert done.code == 1 and "records version 2 as dirty" in done.stderr and "migrate force 2" in done.stderr
        with psycopg.connect(dirty) as conn:
            assert conn.execute("SELECT version, dirty FROM schema_migrations").fetchall() == [(2, True)]


def test_postgres_concurrent_migrators_apply_each_step_once(tmp_path: Path, postgres_url: str) -> None:
    out = project(tmp_path / "proj", "goose", "postgresql")
    code = ("import sys, os, time; sys.path.insert(0, sys.argv[1]); from gen import migrations\n"
            "while not os.path.exists(sys.argv[3]): time.sleep(0.002)\n"
            "print(','.join(migrations.migrate(sys.argv[2]).steps))")
    go = tmp_path / "go"
    workers = [subprocess.Popen([sys.executable, "-c", code, str(out.parent), postgres_url, str(go)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    time.sleep(0.5)
    go.touch()
    outputs = [w.communicate(timeout=120) for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    applied = [v for o, _ in outputs for v in o.strip().split(",") if v]
    assert sorted(applied) == versions("goose")
    assert [v for v, _ in recorded(postgres_url)] == versions("goose")


def test_postgres_kill_9_in_the_middle_of_a_step_leaves_the_previous_version(
        tmp_path: Path, postgres_url: str) -> None:
    slow = STEPS[:1] + (Step("fill", "CREATE TABLE filler AS SELECT n FROM generate_series(1, 1000) AS n;\n"
                                     "SELECT pg_sleep(3);\n", "DROP TABLE filler;\n"),) + STEPS[1:]
    out = project(tmp_path / "proj", "dbmate", "postgresql", steps=slow)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from gen import migrations\n"
            "migrations.migrate(sys.argv[2], progress=lambda v: print(v, flush=True))")
    proc = subprocess.Popen([sys.executable, "-c", code, str(out.parent), postgres_url], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == versions("dbmate", slow)[0]
    time.sleep(0.5)  # inside the step's pg_sleep
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with imported(out) as package:
        runner = import_module(package, "migrations")
        deadline = time.monotonic() + 30
        while True:  # the server notices the dead client and rolls its transaction back
            with psycopg.connect(postgres_url) as conn:
                busy = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                    "AND pid <> pg_backend_pid()").fetchone()
            if busy == (0,) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        # the killed step's transaction was rolled back: the database is at the first version
        assert [v for v, _ in runner.status(postgres_url).applied] == versions("dbmate", slow)[:1]
        with psycopg.connect(postgres_url) as conn:
            assert conn.execute("SELECT to_regclass('filler')").fetchone() == (None,)
        assert runner.migrate(postgres_url).steps == tuple(versions("dbmate", slow)[1:])


@pytest.fixture(scope="module")
def drawn_url(postgres_server: Any) -> Any:
    """One database for every drawn sequence: each example ends by rolling everything back."""
    name = "drawn_migrations"
    admin = postgres_server.get_uri()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"'.encode())
        conn.execute(f'CREATE DATABASE "{name}"'.encode())
    yield postgres_server.get_uri(database=name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())




@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=sequences(), data=st.data())
def test_postgres_drawn_sequences_migrate_to_a_target_and_roll_back_to_the_same_schema(
        drawn_url: str, steps: list[tuple[str, str]], data: st.DataObject) -> None:
    from generated.postgresql import _migrate, _migrate_engine  # the runtime every PostgreSQL package carries

    migrations = tuple(
        _migrate.Migration(f"{n:03d}_m", n, f"schema/{n:03d}_m.up.sql", up, _migrate.checksum(up),
                           f"schema/{n:03d}_m.down.sql", down)
        for n, (up, down) in enumerate(steps, 1))
    high = data.draw(st.integers(0, len(steps)), label="migrate to")
    low = data.draw(st.integers(0, high), label="roll back to")
    try:
        _migrate_engine.run(drawn_url, migrations, "up", high)
        assert [v for v, _ in _migrate_engine.status(drawn_url, migrations).applied] == [
            m.version for m in migrations[:high]]
        _migrate_engine.run(drawn_url, migrations, "down", low)
        rolled_back = schema_of(drawn_url)
        _migrate_engine.run(drawn_url, migrations, "down", 0)
        assert schema_of(drawn_url) == []
        _migrate_engine.run(drawn_url, migrations, "up", low)
        assert schema_of(drawn_url) == rolled_back
    finally:
        _migrate_engine.run(drawn_url, migrations, "down", 0)
        with psycopg.connect(drawn_url, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS schema_migrations")
