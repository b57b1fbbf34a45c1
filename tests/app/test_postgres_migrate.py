"""The PostgreSQL migration history (schema/postgresql/) and the runner on a real server."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from legacy import assert_one_line_error, run_app
from pg import (
    SESSION_COLUMNS_V3,
    build_legacy,
    dump,
    query,
    raw,
    schema_shape,
    tables,
    versions,
)
from test_app_concurrency import run_workers

from app import migrate
from generated.postgresql import _migrate_engine as migrate_postgres  # the generated runner
from app.migrate import MigrationError
from generated.postgresql import models as pg_models

PG_SCHEMA = migrate.SCHEMA_DIR / "postgresql"
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


def columns(url: str, table: str) -> list[tuple[str, str, str]]:
    return query(
        url,
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
        (table,),
    )


def test_postgres_history_has_the_sqlite_versions_and_every_down() -> None:
    found = migrate.load_migrations(PG_SCHEMA)
    assert [m.version for m in found] == [m.version for m in migrate.load_migrations()] == ALL_VERSIONS
    assert all(m.down is not None for m in found)


def test_postgres_migrate_from_empty_gives_the_final_shape(postgres_url: str) -> None:
    result = migrate.migrate(postgres_url)
    assert result.steps == tuple(ALL_VERSIONS) and result.version == FINAL and result.backup is None
    assert versions(postgres_url) == ALL_VERSIONS
    assert tables(postgres_url) == {"schema_migrations", "threads", "sessions"}

    threads = columns(postgres_url, "threads")
    assert [c[0] for c in threads] == list(pg_models.Thread.model_fields)
    assert threads[3] == ("working_directory", "text", "NO")  # after thread_ts, as on SQLite
    sessions = columns(postgres_url, "sessions")
    assert [c[0] for c in sessions] == list(pg_models.Session.model_fields)
    assert {c[0]: c[1] for c in sessions} == {
        "id": "bigint",
        "thread_id": "bigint",
        "session_id": "text",
        "started_at": "timestamp without time zone",
        "ended_at": "timestamp without time zone",
        "status": "text",
        "model": "text",
        "total_cost_usd": "double precision",
        "input_tokens": "bigint",
        "output_tokens": "bigint",
        "duration_ms": "bigint",
        "num_turns": "bigint",
        "initial_prompt": "text",
    }
    indexes = {n for (n,) in query(postgres_url, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
    assert indexes == {
        "schema_migrations_pkey",
        "threads_pkey",
        "sessions_pkey",
        "sessions_session_id_key",
        "threads_channel_id_thread_ts_key",
        "idx_sessions_thread_id",
        "idx_sessions_status",
        "idx_threads_updated_at_desc",
        "idx_sessions_started_at_desc",
        "idx_sessions_thread_started_at",
    }

    with raw(postgres_url) as conn:
        # NOT NULL without a lingering DEFAULT: a thread cannot be created without a directory.
        with pytest.raises(psycopg.errors.NotNullViolation):
            conn.execute("INSERT INTO threads (channel_id, thread_ts) VALUES ('C', '1')")
        (tid,) = conn.execute(
            "INSERT INTO threads (channel_id, thread_ts, working_directory) VALUES ('C', '1', '/w') RETURNING id"
        ).fetchone() or (None,)
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("INSERT INTO threads (channel_id, thread_ts, working_directory) VALUES ('C', '1', '/x')")
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("INSERT INTO sessions (thread_id, session_id, status) VALUES (%s, 's', 'bogus')", (tid,))
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute("INSERT INTO sessions (thread_id, session_id) VALUES (404, 's')")
        row = conn.execute(
            "INSERT INTO sessions (thread_id, session_id) VALUES (%s, 's') RETURNING status, started_at", (tid,)
        ).fetchone()
        assert row is not None and row[0] == "active" and row[1] is not None


def test_postgres_upgrade_of_a_database_left_by_the_earlier_version(
    postgres_url: str, postgres_databases: Callable[[str], str]
) -> None:
    legacy = build_legacy(postgres_url)
    assert versions(postgres_url) == ALL_VERSIONS[:2]
    # The newest thread goes again, with its sessions: its id must never come back.
    last = max(legacy.threads)
    query(postgres_url, "WITH s AS (DELETE FROM sessions WHERE thread_id = %s) DELETE FROM threads WHERE id = %s "
                        "RETURNING id", (last, last))
    del legacy.threads[last]
    legacy.sessions = {k: v for k, v in legacy.sessions.items() if v["thread_id"] != last}
    before = dump(postgres_url)

    result = run_app("migrate", "--db", postgres_url)
    assert result.returncode == 0, result.stderr
    assert "applied 000004_add_working_directory_to_threads" in result.stdout
    assert "backup" not in result.stdout
    assert versions(postgres_url) == ALL_VERSIONS

    # Exactly the shape a fresh database gets.
    fresh = postgres_databases("fresh")
    migrate.migrate(fresh)
    assert schema_shape(postgres_url) == schema_shape(fresh)

    # Every session row and value kept (only the directory column is gone).
    kept = [c for c in SESSION_COLUMNS_V3 if c != "working_directory"]
    rows = {r[0]: dict(zip(kept, r)) for r in query(postgres_url, f"SELECT {', '.join(kept)} FROM sessions")}
    assert rows == {sid: {c: s[c] for c in kept} for sid, s in legacy.sessions.items()}
    # Each thread holds its newest session's directory, '/tmp' without sessions.
    threads = {
        r[0]: r[1:]
        for r in query(
            postgres_url, "SELECT id, channel_id, thread_ts, created_at, updated_at, working_directory FROM threads"
        )
    }
    assert threads == {tid: (*legacy.threads[tid], legacy.expected_dir[tid]) for tid in legacy.threads}
    assert threads[legacy.special["no_sessions"]][-1] == "/tmp"
    assert threads[legacy.special["tie"]][-1] == "/srv/tie-winner"
    assert threads[legacy.special["newest_not_highest_id"]][-1] == "/srv/newest"
    assert threads[legacy.special["null_started_at"]][-1] == "/srv/dated"
    assert "working_directories" in before and "working_directories" not in tables(postgres_url)
    # Ids are never handed out again: identity sequences carry on past the deleted rows.
    with raw(postgres_url) as conn:
        new = conn.execute(
            "INSERT INTO threads (channel_id, thread_ts, working_directory) VALUES ('N', '1', '/n') RETURNING id"
        ).fetchone()
        assert new is not None and new[0] == last + 1


def test_postgres_rollback_to_3_and_forward_again(postgres_url: str) -> None:
    legacy = build_legacy(postgres_url, threads=40, sessions=300)
    shape_v3 = schema_shape(postgres_url, column_order=False)
    assert run_app("migrate", "--db", postgres_url).returncode == 0
    before, shape = dump(postgres_url), schema_shape(postgres_url)

    result = run_app("rollback", "--db", postgres_url, "--to", "3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.index("reverted 000006") < result.stdout.index("reverted 000004")
    assert versions(postgres_url) == ALL_VERSIONS[:2]
    # The 000003 shape again; sessions.working_directory comes back as the last column
    # (PostgreSQL adds columns at the end), so columns compare as a set here.
    assert schema_shape(postgres_url, column_order=False) == shape_v3
    rows = {r[0]: r for r in query(postgres_url, "SELECT id, working_directory, thread_id FROM sessions")}
    assert {sid: r[1] for sid, r in rows.items()} == {
        sid: legacy.expected_dir[s["thread_id"]] for sid, s in legacy.sessions.items()
    }
    assert query(postgres_url, "SELECT count(*) FROM working_directories") == [(0,)]  # unrecoverable: empty

    # The earlier release's statements run against it.
    with raw(postgres_url) as conn:
        thread = conn.execute("INSERT INTO threads (channel_id, thread_ts) VALUES ('COLD', '9.1') RETURNING id").fetchone()
        assert thread is not None
        conn.execute(
            "INSERT INTO sessions (thread_id, session_id, working_directory) VALUES (%s, 'old-release', '/srv/old')",
            (thread[0],),
        )
        conn.execute("INSERT INTO working_directories (channel_id, name, path) VALUES ('COLD', 'main', '/srv/m')")
        with pytest.raises(psycopg.errors.NotNullViolation):  # still NOT NULL, as the earlier release had it
            conn.execute("INSERT INTO sessions (thread_id, session_id) VALUES (%s, 'no-dir')", (thread[0],))
        conn.execute("DELETE FROM working_directories")
        conn.execute("DELETE FROM sessions WHERE session_id = 'old-release'")
        conn.execute("DELETE FROM threads WHERE id = %s", (thread[0],))

    # Forward again: the same rows and the same shape as before the rollback.
    again = run_app("migrate", "--db", postgres_url)
    assert again.returncode == 0, again.stderr
    assert dump(postgres_url) == before
    assert schema_shape(postgres_url) == shape


def test_postgres_second_migrate_is_a_no_op_and_rollback_to_zero(postgres_url: str) -> None:
    migrate.migrate(postgres_url)
    stamps = query(postgres_url, "SELECT version, applied_at FROM schema_migrations ORDER BY version")
    again = run_app("migrate", "--db", postgres_url)
    assert again.returncode == 0 and "nothing to migrate" in again.stdout and "applied" not in again.stdout
    assert query(postgres_url, "SELECT version, applied_at FROM schema_migrations ORDER BY version") == stamps
    assert migrate.migrate(postgres_url, to=3).steps == ()  # below the current version: nothing to do

    result = migrate.rollback(postgres_url, to=0)
    assert result.steps == tuple(reversed(ALL_VERSIONS)) and result.version is None
    assert tables(postgres_url) == {"schema_migrations"}
    assert migrate.migrate(postgres_url, to=4).version == "000004_add_working_directory_to_threads"
    state = migrate.status(postgres_url)
    assert state.pending == tuple(ALL_VERSIONS[3:]) and state.unknown == ()
    assert [v for v, _ in state.applied] == ALL_VERSIONS[:3]
    assert all(at is not None and len(at) == 19 for _, at in state.applied)  # 'YYYY-MM-DD HH:MM:SS'


def test_postgres_database_of_a_newer_release_is_refused_untouched(postgres_url: str) -> None:
    build_legacy(postgres_url, threads=5, sessions=20)
    with raw(postgres_url) as conn:
        conn.execute("INSERT INTO schema_migrations (version) VALUES ('000099_from_the_future')")
    before, shape = dump(postgres_url), schema_shape(postgres_url)
    for args in (["migrate"], ["rollback", "--to", "1"], ["status"], ["threads"], ["sessions"]):
        line = assert_one_line_error(run_app(*args, "--db", postgres_url))
        assert "000099_from_the_future" in line, args
    with pytest.raises(MigrationError, match="unknown to this code"):
        migrate.migrate(postgres_url)
    assert dump(postgres_url) == before and schema_shape(postgres_url) == shape


def test_postgres_failing_migration_names_file_and_line_and_keeps_the_previous_version(
    postgres_url: str, tmp_path: Path
) -> None:
    schema = tmp_path / "schema"
    shutil.copytree(PG_SCHEMA, schema)
    (schema / "000009_half_done.up.sql").write_text(
        "-- creates a table, then fails: the table must not survive\n"
        "CREATE TABLE half_done (id BIGINT);\n"
        "\n"
        "INSERT INTO half_done VALUES (1);\n"
        "UPDATE no_such_table\n"
        "   SET x = 1;\n"
    )
    (schema / "000009_half_done.down.sql").write_text("DROP TABLE half_done;\n")

    result = run_app("migrate", "--db", postgres_url, "--schema", str(schema))
    line = assert_one_line_error(result)
    assert "000009_half_done.up.sql:5:" in line and 'relation "no_such_table" does not exist' in line
    assert f"stays at {FINAL}" in line
    assert f"applied {FINAL}" in result.stdout  # the good steps committed
    assert versions(postgres_url) == ALL_VERSIONS
    assert "half_done" not in tables(postgres_url)

    (schema / "000009_half_done.up.sql").write_text("CREATE TABLE a (x INT);\nCOMMIT;\n")
    with pytest.raises(MigrationError, match=r"000009_half_done.up.sql:2: COMMIT is not allowed"):
        migrate.migrate(postgres_url, schema_dir=schema)
    assert "a" not in tables(postgres_url) and versions(postgres_url) == ALL_VERSIONS

    (schema / "000009_half_done.down.sql").unlink()
    (schema / "000009_half_done.up.sql").write_text("CREATE TABLE one_way (x INT);\n")
    migrate.migrate(postgres_url, schema_dir=schema)
    with pytest.raises(MigrationError, match="000009_half_done has no .down.sql"):
        migrate.rollback(postgres_url, to=8, schema_dir=schema)


def test_postgres_concurrent_migrators_apply_each_step_once(postgres_url: str, tmp_path: Path) -> None:
    legacy = build_legacy(postgres_url, threads=30, sessions=200)
    pending = migrate.status(postgres_url).pending
    results = run_workers(tmp_path, [["migrate", postgres_url] for _ in range(3)])
    for result in results:
        assert result.returncode == 0, result.stderr
    runs = [json.loads(result.stdout) for result in results]
    applied = [step for run in runs for step in run["steps"]]
    assert sorted(applied) == sorted(pending)  # every step exactly once, across all of them
    assert migrate.status(postgres_url).pending == ()
    assert query(postgres_url, "SELECT count(*) FROM sessions") == [(len(legacy.sessions),)]
    assert query(postgres_url, "SELECT count(*) FROM threads WHERE working_directory IS NULL") == [(0,)]


def test_postgres_split_statements_keeps_bodies_strings_and_lines_together(postgres_url: str) -> None:
    text = (
        "-- header; with a semicolon\n"  # 1
        "CREATE TABLE a (x TEXT DEFAULT 'a;b''c', \"odd;name\" TEXT);\n"  # 2
        "/* block; /* nested; */\n"  # 3
        "   comment */ CREATE TABLE b (y INT);  CREATE TABLE c (z TEXT DEFAULT E'\\';');\n"  # 4
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $body$\n"  # 5
        "BEGIN\n"
        "  INSERT INTO b VALUES (1);\n"
        "  RETURN NEW;\n"
        "END;\n"
        "$body$;\n"
        "DO $$ BEGIN PERFORM 1; END $$;\n"  # 11
        ";\n"  # 12: an empty statement, skipped
        "INSERT INTO a VALUES ('--not a comment', '$$')\n"  # 13, no final semicolon
    )
    statements = migrate_postgres.split_statements(text)
    assert [s.line for s in statements] == [2, 4, 4, 5, 11, 13]
    assert statements[0].sql == "CREATE TABLE a (x TEXT DEFAULT 'a;b''c', \"odd;name\" TEXT);"
    assert statements[3].sql.startswith("CREATE FUNCTION") and statements[3].sql.endswith("$body$;")
    with raw(postgres_url) as conn:
        for statement in statements:
            conn.execute(statement.sql.encode())  # each is exactly one statement
        assert conn.execute("SELECT z FROM c").fetchall() == []
        assert conn.execute("SELECT x, \"odd;name\" FROM a").fetchall() == [("--not a comment", "$$")]


def test_postgres_database_upgraded_before_the_column_order_fix_gets_it_in_000007(postgres_url: str) -> None:
    """A database whose 000004 added working_directory as the last column of threads (as this
    runner did before the column order followed the SQLite twin's) ends like a fresh one."""
    migrate.migrate(postgres_url, to=6)
    with raw(postgres_url) as conn, conn.transaction():
        conn.execute("ALTER TABLE threads RENAME COLUMN working_directory TO wd")
        conn.execute("ALTER TABLE threads ADD COLUMN working_directory TEXT")
        conn.execute("UPDATE threads SET working_directory = wd")
        conn.execute("ALTER TABLE threads ALTER COLUMN working_directory SET NOT NULL")
        conn.execute("ALTER TABLE threads DROP COLUMN wd")
        conn.execute(
            "INSERT INTO threads (channel_id, thread_ts, working_directory, created_at, updated_at) VALUES "
            "('C1', '1.1', '/srv/one', '2024-01-01 10:00:00', '2024-01-02 10:00:00'), "
            "('C1', '1.2', '/srv/two', NULL, NULL)"
        )
        conn.execute("INSERT INTO sessions (thread_id, session_id) SELECT id, 's' || id FROM threads")
    assert columns(postgres_url, "threads")[-1][0] == "working_directory"
    in_order = "SELECT id, channel_id, thread_ts, working_directory, created_at, updated_at FROM threads ORDER BY id"
    before = query(postgres_url, in_order)

    assert migrate.migrate(postgres_url).steps == tuple(ALL_VERSIONS[-2:])
    assert [c[0] for c in columns(postgres_url, "threads")] == list(pg_models.Thread.model_fields)
    assert query(postgres_url, "SELECT * FROM threads ORDER BY id") == before
    with raw(postgres_url) as conn:  # the defaults and the identity carry on
        row = conn.execute(
            "INSERT INTO threads (channel_id, thread_ts, working_directory) VALUES ('C2', '2', '/w') "
            "RETURNING id, created_at"
        ).fetchone()
        assert row is not None and row[0] == before[-1][0] + 1 and row[1] is not None
