"""Databases the Go service left, adopted here: at version 000003 (the release
before its refactoring) and at 000008 (its current release), built from its
own migration text and written by its own queries (go_release.py)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from go_release import GoDatabase, build_go_database, go_schema, open_like_go, run_go_migration
from legacy import read, run_app, schema_shape

from app import migrate
from app.db import connect
from app.sessions import ActiveSessionError, SessionManager

V3 = "000003_working_directories"
V6 = "000006_drop_working_directories"
V8 = "000008_add_pagination_indexes"
ALL_VERSIONS = [m.version for m in migrate.load_migrations()]
THREAD_COLUMNS = ["id", "channel_id", "thread_ts", "created_at", "updated_at"]
SESSION_COLUMNS = [
    "id", "thread_id", "session_id", "started_at", "ended_at", "status", "model",
    "total_cost_usd", "input_tokens", "output_tokens", "duration_ms", "num_turns",
]  # fmt: skip


@pytest.fixture(scope="module")
def go_databases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, GoDatabase]:
    """Built once (writing them waits for a second boundary); each test copies."""
    folder = tmp_path_factory.mktemp("go")
    return {version: build_go_database(folder / f"go-{version[:6]}.db", version) for version in (V3, V8)}


def copy_of(db: GoDatabase, tmp_path: Path) -> Path:
    path = tmp_path / db.path.name
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{db.path}{suffix}").exists():
            shutil.copyfile(f"{db.path}{suffix}", f"{path}{suffix}")
    return path


def rows(path: Path, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    return read(path, lambda c: c.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id").fetchall())


def versions(path: Path) -> list[str]:
    query = "SELECT version FROM schema_migrations ORDER BY version"
    return [v for (v,) in read(path, lambda c: c.execute(query).fetchall())]


def table_shapes(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """Per table: its columns (PRAGMA table_info), its indexes with their
    columns, sort orders and collations (index_list, index_xinfo) and its
    foreign keys (foreign_key_list)."""
    names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    shapes = {}
    for name in names:
        indexes = sorted(
            (row[1:], conn.execute(f"PRAGMA index_xinfo({row[1]})").fetchall())
            for row in conn.execute(f"PRAGMA index_list({name})")
        )
        shapes[name] = {
            "columns": conn.execute(f"PRAGMA table_info({name})").fetchall(),
            "indexes": indexes,
            "foreign keys": conn.execute(f"PRAGMA foreign_key_list({name})").fetchall(),
        }
    return shapes


def assert_same_tables(path: Path, reference: Path) -> None:
    mine, theirs = read(path, table_shapes), read(reference, table_shapes)
    assert sorted(mine) == sorted(theirs)
    for table in theirs:  # one table at a time, so a difference names its table
        assert (table, mine[table]) == (table, theirs[table])
    # And the CREATE text SQLite stores for each table and index, modulo quoting and layout.
    assert read(path, schema_shape) == read(reference, schema_shape)


# -- version 000003: the release before the refactoring --------------------------------------


def test_the_go_000004_fails_on_a_database_holding_a_session(
    go_databases: dict[str, GoDatabase], tmp_path: Path
) -> None:
    """What an operator of the Go release meets: its runner keeps foreign keys
    ON, and its 000004 drops `threads` while sessions reference it."""
    path = copy_of(go_databases[V3], tmp_path)
    conn = open_like_go(path)
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY constraint failed"):
        run_go_migration(conn, "000004_add_working_directory_to_threads")
    conn.close()
    assert versions(path) == ["000001_init", V3]  # rolled back: the Go service stays stuck at 000003


def test_a_go_version_3_database_upgrades_with_nothing_lost(
    go_databases: dict[str, GoDatabase], tmp_path: Path
) -> None:
    go = go_databases[V3]
    path = copy_of(go, tmp_path)
    threads_before = rows(path, "threads", THREAD_COLUMNS)
    sessions_before = rows(path, "sessions", SESSION_COLUMNS)

    result = run_app("migrate", "--db", str(path))
    assert result.returncode == 0, result.stderr
    assert versions(path) == ALL_VERSIONS
    assert rows(path, "threads", THREAD_COLUMNS) == threads_before
    assert rows(path, "sessions", SESSION_COLUMNS) == sessions_before  # provisional ids included
    assert rows(path, "sessions", ["initial_prompt"]) == [(None,)] * len(sessions_before)
    directories = dict(rows(path, "threads", ["id", "working_directory"]))
    assert {name: directories[tid] for name, tid in go.threads.items()} == {
        "alpha": "/srv/alpha-new",  # its newest session, started a second after the other
        "empty": "/tmp",  # no session
        "beta": "/srv/beta-second",  # two started in the same second: the later insert (higher id)
        "gamma": "/srv/gamma",
    }
    assert go.sessions["beta-1"].startswith("temp_")  # a start that failed keeps its provisional id
    assert read(path, lambda c: c.execute("PRAGMA foreign_key_check").fetchall()) == []


def test_the_schema_after_000006_is_the_go_releases_table_by_table(
    go_databases: dict[str, GoDatabase], tmp_path: Path
) -> None:
    upgraded = copy_of(go_databases[V3], tmp_path)
    migrate.migrate(upgraded, to=6, backup=False)
    by_go = tmp_path / "go-v6.db"
    go_schema(by_go, V6)  # what the Go migrations make of a database without sessions
    assert_same_tables(upgraded, by_go)
    columns = [row[1] for row in read(upgraded, lambda c: c.execute("PRAGMA table_info(threads)").fetchall())]
    assert columns == ["id", "channel_id", "thread_ts", "working_directory", "created_at", "updated_at"]


def test_every_path_to_version_8_ends_in_the_go_releases_schema(
    go_databases: dict[str, GoDatabase], tmp_path: Path
) -> None:
    by_go = tmp_path / "go-v8.db"
    go_schema(by_go, V8)
    upgraded = copy_of(go_databases[V3], tmp_path)
    migrate.migrate(upgraded, backup=False)
    fresh = tmp_path / "fresh.db"
    migrate.migrate(fresh)
    earlier = tmp_path / "earlier.db"
    build_with_the_earlier_column_order(earlier)
    before = rows(earlier, "threads", [*THREAD_COLUMNS, "working_directory"])
    assert migrate.migrate(earlier, backup=False).steps == tuple(ALL_VERSIONS[-2:])
    for path in (upgraded, fresh, earlier, copy_of(go_databases[V8], tmp_path)):
        assert_same_tables(path, by_go)
    assert rows(earlier, "threads", [*THREAD_COLUMNS, "working_directory"]) == before
    assert read(earlier, lambda c: c.execute("SELECT seq FROM sqlite_sequence WHERE name = 'threads'").fetchone()) == (
        9,
    )


def build_with_the_earlier_column_order(path: Path) -> None:
    """A database this runner took to 000006 before its 000004 followed the Go
    column order: working_directory as the last column of threads and no
    idx_threads_channel_thread. Rows included, and a deleted thread (id 9)."""
    migrate.migrate(path, to=6, backup=False)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(
        """
        BEGIN;
        CREATE TABLE threads_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            channel_id TEXT NOT NULL,
            thread_ts TEXT NOT NULL,
            created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            working_directory TEXT NOT NULL,
            UNIQUE(channel_id, thread_ts)
        );
        DROP TABLE threads;
        ALTER TABLE threads_new RENAME TO threads;
        INSERT INTO threads (id, channel_id, thread_ts, working_directory) VALUES
            (1, 'C1', '1.1', '/srv/one'), (2, 'C1', '1.2', '/srv/two'), (9, 'C2', '2.9', '/srv/gone');
        INSERT INTO sessions (thread_id, session_id, status) VALUES (1, 's1', 'completed'), (2, 's2', 'active');
        DELETE FROM threads WHERE id = 9;
        COMMIT;
        """
    )
    conn.close()


# -- version 000008: the current Go release ---------------------------------------------------


def test_a_go_version_8_database_is_adopted_as_it_is(go_databases: dict[str, GoDatabase], tmp_path: Path) -> None:
    path = copy_of(go_databases[V8], tmp_path)
    state = migrate.status(path)
    assert [v for v, _ in state.applied] == ALL_VERSIONS and state.pending == state.unknown == ()
    before = every_row(path)
    result = run_app("migrate", "--db", str(path))
    assert result.returncode == 0 and "nothing to migrate" in result.stdout, result.stdout + result.stderr
    assert every_row(path) == before
    assert {t: before[t] for t in ("threads", "sessions")} == go_databases[V8].rows  # as the Go service wrote them


def every_row(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    def dump(conn: sqlite3.Connection) -> dict[str, list[tuple[Any, ...]]]:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: conn.execute(f"SELECT * FROM {n} ORDER BY rowid").fetchall() for n in names}

    return dict(read(path, dump))


# -- the service on them --------------------------------------------------------------------


@pytest.mark.parametrize("version", [V3, V8])
def test_the_service_runs_on_a_go_database(go_databases: dict[str, GoDatabase], tmp_path: Path, version: str) -> None:
    go = go_databases[version]
    path = copy_of(go, tmp_path)
    migrate.migrate(path)
    conn = connect(path)
    manager = SessionManager(conn)
    alpha = manager.get_thread("C0ALPHA", "1700000001.000100")
    assert alpha is not None

    # The Go service left alpha-2 running: a start is refused, naming it, until it times out.
    with pytest.raises(ActiveSessionError, match="already has an active session: 77aa31f0-alpha-2"):
        manager.start(channel_id="C0ALPHA", thread_ts="1700000001.000100", working_directory="/x", session_id="t1")
    assert manager.time_out(go.sessions["alpha-2"]).status == "timeout"
    started = manager.start(
        channel_id="C0ALPHA",
        thread_ts="1700000001.000100",
        working_directory="/elsewhere",
        session_id="temp_1",
        initial_prompt="third prompt",
    )
    assert started.resume_session_id == go.sessions["alpha-1"]  # the one that completed
    assert started.working_directory == alpha.working_directory
    manager.rename_session("temp_1", "python-alpha-3")
    done = manager.finish(session_id="python-alpha-3", status="completed", total_cost_usd=0.5, num_turns=2)
    assert done.ended_at is not None and done.initial_prompt == "third prompt"
    # A thread the Go service created without sessions, and a brand-new one.
    empty = manager.start(channel_id="C0ALPHA", thread_ts="1700000002.000200", working_directory="/y", session_id="e")
    assert empty.resume_session_id is None and empty.thread.id == go.threads["empty"]
    manager.start(channel_id="CNEW", thread_ts="1.0", working_directory="/srv/new", session_id="n")

    assert len(manager.list_threads()) == len(go.threads) + 1
    assert [s.session_id for s in manager.thread_sessions("C0ALPHA", "1700000001.000100")][0] == "python-alpha-3"
    assert len(manager.list_sessions()) == len(go.rows["sessions"]) + 3
    prompts = {row.id: row.first_session_prompt for row in manager.list_threads_page(limit=100)}
    expected = "first prompt: fix the build" if version == V8 else None  # v3 stored no prompts
    assert prompts[go.threads["alpha"]] == expected and prompts[go.threads["empty"]] is None
    conn.close()

    listed = run_app("sessions", "--db", str(path), "--thread", "C0ALPHA:1700000001.000100")
    assert listed.returncode == 0, listed.stderr
    assert {"python-alpha-3", go.sessions["alpha-1"], go.sessions["alpha-2"]} <= set(listed.stdout.split())
    assert run_app("threads", "--db", str(path)).returncode == 0
