"""The migration history and its runner, on real database files."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from legacy import (
    OLD_CREATE_SESSION,
    OLD_CREATE_THREAD,
    OLD_CREATE_WORKING_DIRECTORY,
    OLD_DELETE_WORKING_DIRECTORY,
    OLD_GET_SESSION,
    OLD_LIST_WORKING_DIRECTORIES,
    OLD_UPDATE_WORKING_DIRECTORY,
    SESSION_COLUMNS_V3,
    Legacy,
    assert_one_line_error,
    build_legacy_db,
    dump,
    read,
    run_app,
    schema_shape,
)

from app import migrate
from app.migrate import MigrationError, split_statements

FINAL = "000008_add_pagination_indexes"
ALL_VERSIONS = [
    "000001_init",
    "000003_working_directories",
    "000004_add_working_directory_to_threads",
    "000005_remove_working_directory_from_sessions",
    "000006_drop_working_directories",
    "000007_add_initial_prompt_to_sessions",
    FINAL,
]


def versions(path: Path) -> list[str]:
    rows = read(path, lambda c: c.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall())
    return [str(v) for (v,) in rows]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(path.name + ".bak-*"))


# -- the schema files ---------------------------------------------------------


def test_every_migration_has_a_down_and_000002_stays_missing() -> None:
    found = migrate.load_migrations()
    assert [m.version for m in found] == ALL_VERSIONS
    assert all(m.down is not None for m in found)


def test_fresh_database_gets_the_final_shape(fresh_db: Path) -> None:
    conn = sqlite3.connect(fresh_db)
    tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"schema_migrations", "sqlite_sequence", "threads", "sessions"}
    threads = {row[1]: row for row in conn.execute("PRAGMA table_info(threads)")}
    # The Go release's column order (its 000004 puts the directory after thread_ts).
    assert list(threads) == ["id", "channel_id", "thread_ts", "working_directory", "created_at", "updated_at"]
    # NOT NULL without a lingering DEFAULT: a thread cannot be created without a directory.
    assert threads["working_directory"][3:5] == (1, None)
    sessions = [row[1] for row in conn.execute("PRAGMA table_info(sessions)")]
    assert "working_directory" not in sessions and sessions[:3] == ["id", "thread_id", "session_id"]
    assert sessions[-1] == "initial_prompt"
    indexes = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
    assert indexes == {
        "idx_sessions_thread_id",
        "idx_sessions_status",
        "idx_threads_channel_thread",
        "idx_threads_updated_at_desc",
        "idx_sessions_started_at_desc",
        "idx_sessions_thread_started_at",
    }
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO threads (channel_id, thread_ts) VALUES ('C', '1')")
    conn.close()
    assert versions(fresh_db) == ALL_VERSIONS
    assert backups(fresh_db) == []  # nothing worth copying in a brand-new file


# -- upgrading the earlier release's databases --------------------------------


def test_upgrade_of_an_existing_database(legacy_db: tuple[Path, Legacy], fresh_db: Path) -> None:
    path, legacy = legacy_db
    before = read(path, dump)
    old_sequences = dict(before["sqlite_sequence"])

    result = run_app("migrate", "--db", str(path))
    assert result.returncode == 0, result.stderr
    assert "applied 000004_add_working_directory_to_threads" in result.stdout
    assert versions(path) == ALL_VERSIONS

    conn = sqlite3.connect(path)
    # Exactly the shape a fresh database gets.
    assert schema_shape(conn) == read(fresh_db, schema_shape)
    # Every session row and value kept (only the directory column is gone; no prompt was recorded).
    columns = [c for c in SESSION_COLUMNS_V3 if c != "working_directory"]
    rows = {r[0]: dict(zip(columns, r)) for r in conn.execute(f"SELECT {', '.join(columns)} FROM sessions")}
    assert rows == {sid: {c: s[c] for c in columns} for sid, s in legacy.sessions.items()}
    assert conn.execute("SELECT count(*) FROM sessions WHERE initial_prompt IS NOT NULL").fetchone() == (0,)
    # Each thread holds its newest session's directory, '/tmp' without sessions.
    threads = {
        r[0]: r[1:]
        for r in conn.execute(
            "SELECT id, channel_id, thread_ts, created_at, updated_at, working_directory FROM threads"
        )
    }
    assert threads == {tid: (*legacy.threads[tid], legacy.expected_dir[tid]) for tid in legacy.threads}
    assert threads[legacy.special["no_sessions"]][-1] == "/tmp"
    assert threads[legacy.special["tie"]][-1] == "/srv/tie-winner"
    assert threads[legacy.special["newest_not_highest_id"]][-1] == "/srv/newest"
    assert threads[legacy.special["null_started_at"]][-1] == "/srv/dated"
    assert conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'working_directories%'").fetchall() == []
    # Deleted ids are never handed out again.
    assert dict(conn.execute("SELECT name, seq FROM sqlite_sequence")) == {
        "threads": old_sequences["threads"],
        "sessions": old_sequences["sessions"],
    }
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()

    # The backup holds the database exactly as it was.
    (copy,) = backups(path)
    assert f"backup: {copy}" in result.stdout
    assert copy.name.startswith("legacy.db.bak-000003_working_directories-")
    assert read(copy, dump) == before


def test_rollback_to_3_restores_the_earlier_release_shape(legacy_db: tuple[Path, Legacy], tmp_path: Path) -> None:
    path, legacy = legacy_db
    untouched = tmp_path / "untouched.db"
    build_legacy_db(untouched)
    assert run_app("migrate", "--db", str(path)).returncode == 0

    result = run_app("rollback", "--db", str(path), "--to", "3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.index("reverted 000008") < result.stdout.index("reverted 000006")
    assert result.stdout.index("reverted 000006") < result.stdout.index("reverted 000004")
    assert versions(path) == ALL_VERSIONS[:2]
    assert read(path, schema_shape) == read(untouched, schema_shape)

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    # Each session's directory now comes from its thread; every other value is kept.
    rows = {r[0]: dict(zip(SESSION_COLUMNS_V3, r)) for r in conn.execute("SELECT * FROM sessions")}
    assert rows == {
        sid: {**s, "working_directory": legacy.expected_dir[s["thread_id"]]} for sid, s in legacy.sessions.items()
    }
    assert conn.execute("SELECT count(*) FROM working_directories").fetchone() == (0,)  # unrecoverable: empty

    # The earlier release's queries run against it.
    thread = conn.execute(OLD_CREATE_THREAD, ("COLD", "9.000001")).fetchone()
    created = conn.execute(OLD_CREATE_SESSION, (thread[0], "old-release-session", "/srv/old", "claude")).fetchone()
    assert created[3] == "/srv/old" and created[6] == "active"
    fetched = conn.execute(OLD_GET_SESSION, ("old-release-session",)).fetchone()
    assert fetched[:4] == (created[0], thread[0], "old-release-session", "/srv/old")
    assert conn.execute(OLD_CREATE_WORKING_DIRECTORY, ("COLD", "main", "/srv/main")).fetchone()[1:4] == (
        "COLD",
        "main",
        "/srv/main",
    )
    conn.execute(OLD_CREATE_WORKING_DIRECTORY, ("COLD", "docs", "/srv/docs")).fetchone()
    conn.execute(OLD_UPDATE_WORKING_DIRECTORY, ("/srv/main2", "COLD", "main"))
    assert conn.execute(OLD_LIST_WORKING_DIRECTORIES, ("COLD",)).fetchall() == [
        ("docs", "/srv/docs"),
        ("main", "/srv/main2"),
    ]
    conn.execute(OLD_DELETE_WORKING_DIRECTORY, ("COLD", "docs"))
    assert conn.execute(OLD_LIST_WORKING_DIRECTORIES, ("COLD",)).fetchall() == [("main", "/srv/main2")]
    with pytest.raises(sqlite3.IntegrityError):  # still NOT NULL, as the earlier release had it
        conn.execute("INSERT INTO sessions (thread_id, session_id) VALUES (?, 'no-dir')", (thread[0],))
    conn.close()

    # And the current release takes it forward again, the new rows included.
    assert run_app("migrate", "--db", str(path)).returncode == 0
    query = "SELECT working_directory FROM threads WHERE id = ?"
    directory = read(path, lambda c: c.execute(query, (thread[0],)).fetchone())
    assert directory == ("/srv/old",)


def test_rollback_and_migrate_again_is_lossless(legacy_db: tuple[Path, Legacy]) -> None:
    path, _ = legacy_db
    assert run_app("migrate", "--db", str(path)).returncode == 0
    before = read(path, dump)
    shape = read(path, schema_shape)

    assert run_app("rollback", "--db", str(path), "--to", "3").returncode == 0
    assert run_app("migrate", "--db", str(path)).returncode == 0
    assert read(path, dump) == before
    assert read(path, schema_shape) == shape

    # A second migrate is a no-op: no step, no backup, no change.
    copies = backups(path)
    again = run_app("migrate", "--db", str(path))
    assert again.returncode == 0 and "nothing to migrate" in again.stdout and "applied" not in again.stdout
    assert backups(path) == copies
    assert read(path, dump) == before


def test_rollback_to_zero_and_back(fresh_db: Path) -> None:
    result = migrate.rollback(fresh_db, to=0)
    assert result.steps == tuple(reversed(ALL_VERSIONS)) and result.version is None
    tables = read(fresh_db, lambda c: {n for (n,) in c.execute("SELECT name FROM sqlite_master WHERE type='table'")})
    assert tables == {"schema_migrations", "sqlite_sequence"}
    assert migrate.migrate(fresh_db).version == FINAL
    assert migrate.migrate(fresh_db, to=3).steps == ()  # --to below the current version: nothing to do


def test_migrate_to_stops_at_the_given_number(tmp_path: Path) -> None:
    path = tmp_path / "partial.db"
    assert migrate.migrate(path, to=4).version == "000004_add_working_directory_to_threads"
    state = migrate.status(path)
    assert state.pending == tuple(ALL_VERSIONS[3:]) and state.unknown == ()


# -- refusing and failing safely -----------------------------------------------


def test_database_of_a_newer_release_is_refused_untouched(legacy_db: tuple[Path, Legacy]) -> None:
    path, _ = legacy_db
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_migrations (version) VALUES ('000099_from_the_future')")
    conn.commit()
    conn.close()
    digest = sha256(path)
    for args in (["migrate"], ["rollback", "--to", "1"], ["status"], ["threads"], ["sessions"]):
        result = run_app(*args, "--db", str(path))
        line = assert_one_line_error(result)
        assert "000099_from_the_future" in line, args
        assert sha256(path) == digest, args  # not even switched to WAL
    assert backups(path) == []
    with pytest.raises(MigrationError, match="unknown to this code"):
        migrate.migrate(path)
    assert sha256(path) == digest


def test_failing_migration_names_file_and_line_and_keeps_the_previous_version(
    legacy_db: tuple[Path, Legacy], tmp_path: Path
) -> None:
    path, _ = legacy_db
    schema = tmp_path / "schema"
    shutil.copytree(migrate.SCHEMA_DIR, schema)
    (schema / "000009_half_done.up.sql").write_text(
        "-- creates a table, then fails: the table must not survive\n"
        "CREATE TABLE half_done (id INTEGER);\n"
        "\n"
        "INSERT INTO half_done VALUES (1);\n"
        "UPDATE no_such_table\n"
        "   SET x = 1;\n"
    )
    (schema / "000009_half_done.down.sql").write_text("DROP TABLE half_done;\n")

    result = run_app("migrate", "--db", str(path), "--schema", str(schema))
    line = assert_one_line_error(result)
    assert "000009_half_done.up.sql:5:" in line and "no such table: no_such_table" in line
    assert f"applied {FINAL}" in result.stdout  # the good steps committed
    assert versions(path) == ALL_VERSIONS
    assert read(path, lambda c: c.execute("SELECT name FROM sqlite_master WHERE name = 'half_done'").fetchall()) == []
    assert read(path, lambda c: c.execute("PRAGMA integrity_check").fetchone()) == ("ok",)


def test_foreign_key_violation_rolls_the_step_back(fresh_db: Path, tmp_path: Path) -> None:
    schema = tmp_path / "schema"
    shutil.copytree(migrate.SCHEMA_DIR, schema)
    (schema / "000009_orphan.up.sql").write_text("INSERT INTO sessions (thread_id, session_id) VALUES (404, 'x');\n")
    with pytest.raises(MigrationError, match="000009_orphan.up.sql: leaves foreign key violations"):
        migrate.migrate(fresh_db, schema_dir=schema)
    assert versions(fresh_db) == ALL_VERSIONS
    assert read(fresh_db, lambda c: c.execute("SELECT count(*) FROM sessions").fetchone()) == (0,)


def test_transaction_control_in_a_migration_is_refused(fresh_db: Path, tmp_path: Path) -> None:
    schema = tmp_path / "schema"
    shutil.copytree(migrate.SCHEMA_DIR, schema)
    (schema / "000009_commits.up.sql").write_text("CREATE TABLE a (x);\nCOMMIT;\n")
    with pytest.raises(MigrationError, match=r"000009_commits.up.sql:2: COMMIT is not allowed"):
        migrate.migrate(fresh_db, schema_dir=schema)
    assert read(fresh_db, lambda c: c.execute("SELECT name FROM sqlite_master WHERE name = 'a'").fetchall()) == []


def test_rollback_needs_a_down_file(fresh_db: Path, tmp_path: Path) -> None:
    schema = tmp_path / "schema"
    shutil.copytree(migrate.SCHEMA_DIR, schema)
    (schema / "000009_one_way.up.sql").write_text("CREATE TABLE one_way (x);\n")
    migrate.migrate(fresh_db, schema_dir=schema)
    with pytest.raises(MigrationError, match="000009_one_way has no .down.sql"):
        migrate.rollback(fresh_db, to=8, schema_dir=schema)


def test_out_of_order_migration_is_refused(fresh_db: Path, tmp_path: Path) -> None:
    schema = tmp_path / "schema"
    shutil.copytree(migrate.SCHEMA_DIR, schema)
    (schema / "000002_late.up.sql").write_text("CREATE TABLE late (x);\n")
    with pytest.raises(MigrationError, match="out of order"):
        migrate.migrate(fresh_db, schema_dir=schema)


# -- splitting files into statements ---------------------------------------------


def test_split_statements_keeps_triggers_strings_and_lines_together() -> None:
    text = (
        "-- header; with a semicolon\n"  # 1
        "CREATE TABLE a (x TEXT DEFAULT 'a;b');\n"  # 2
        "/* block;\n"  # 3
        "   comment */ CREATE TABLE b (y);  CREATE TABLE c (z);\n"  # 4
        "CREATE TRIGGER t AFTER INSERT ON a\n"  # 5
        "BEGIN\n"
        "  INSERT INTO b VALUES (1);\n"
        "  UPDATE c SET z = 2;\n"
        "END;\n"
        ";\n"  # 10: an empty statement, skipped
        "\n"
        "INSERT INTO a VALUES ('--not a comment')\n"  # 12, no final semicolon
    )
    statements = split_statements(text)
    assert [s.line for s in statements] == [2, 4, 4, 5, 12]
    assert statements[0].sql == "CREATE TABLE a (x TEXT DEFAULT 'a;b');"
    assert statements[3].sql.startswith("CREATE TRIGGER") and statements[3].sql.endswith("END;")
    conn = sqlite3.connect(":memory:")
    for statement in statements:
        conn.execute(statement.sql)  # each is exactly one statement
    assert conn.execute("SELECT count(*) FROM b").fetchone() == (1,)
