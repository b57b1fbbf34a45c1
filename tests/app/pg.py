"""Helpers for the PostgreSQL app tests: a database as the earlier release left
it (built through schema/postgresql/'s own 000001 and 000003), and ways to
compare database shapes and contents. The server and a fresh database per test
come from tests/conftest.py (postgres_server, postgres_url)."""

from __future__ import annotations

import datetime
import random
from typing import Any

import psycopg
from legacy import Legacy

from app import migrate

DT = datetime.datetime


def raw(url: str) -> psycopg.Connection[Any]:
    """A plain psycopg connection, not through app.db (autocommit, server defaults)."""
    return psycopg.connect(url, autocommit=True)


def query(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with raw(url) as conn:
        cur = conn.execute(sql.encode(), params)
        return cur.fetchall() if cur.description is not None else []


def versions(url: str) -> list[str]:
    return [v for (v,) in query(url, "SELECT version FROM schema_migrations ORDER BY version")]


def tables(url: str) -> set[str]:
    return {t for (t,) in query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def schema_shape(url: str, *, column_order: bool = True) -> dict[str, Any]:
    """Tables with their columns (type, nullability, default, identity),
    constraints and indexes. column_order=False compares columns as a set."""
    shape: dict[str, Any] = {}
    with raw(url) as conn:
        for table, *column in conn.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity, identity_generation "
            "FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
        ):
            shape.setdefault(f"columns {table}", []).append(tuple(column))
        if not column_order:
            shape = {key: sorted(value) for key, value in shape.items()}
        for table, name, definition in conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE connamespace = 'public'::regnamespace AND conrelid <> 0"
        ):
            shape.setdefault(f"constraints {table}", set()).add((name, definition))
        for table, name, definition in conn.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
        ):
            shape.setdefault(f"indexes {table}", set()).add((name, definition))
    return shape


def dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (schema_migrations without its timestamps)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with raw(url) as conn:
        names = [t for (t,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        for name in names:
            if name == "schema_migrations":
                out[name] = sorted(conn.execute("SELECT version FROM schema_migrations").fetchall())
            else:
                out[name] = sorted(conn.execute(f'SELECT * FROM "{name}"'.encode()).fetchall(), key=repr)
    return out


SESSION_COLUMNS_V3 = (
    "id", "thread_id", "session_id", "working_directory", "started_at", "ended_at", "status", "model",
    "total_cost_usd", "input_tokens", "output_tokens", "duration_ms", "num_turns",
)  # fmt: skip


def build_legacy(url: str, *, threads: int = 200, sessions: int = 2000, seed: int = 11) -> Legacy:
    """The database the earlier release left: version 000003 applied through
    schema/postgresql/ (recorded in schema_migrations), data full of the cases
    000004 must decide: sessions of one thread in different directories,
    started_at ties, an undated session, a thread without sessions, a thread
    whose newest session has the lower id, working_directories rows."""
    result = migrate.migrate(url, to=3)
    assert result.version == "000003_working_directories"
    rng = random.Random(seed)
    legacy = Legacy()
    with raw(url) as conn, conn.transaction():

        def thread(channel: str, ts: str) -> int:
            created = DT(2024, rng.randint(1, 9), rng.randint(10, 28), rng.randint(10, 23), 0, 0, rng.randint(0, 999999))
            row = conn.execute(
                "INSERT INTO threads (channel_id, thread_ts, created_at, updated_at) VALUES (%s, %s, %s, %s) "
                "RETURNING id",
                (channel, ts, created, created),
            ).fetchone()
            assert row is not None
            legacy.threads[row[0]] = (channel, ts, created, created)
            return int(row[0])

        def session(thread_id: int, directory: str, started_at: DT | None) -> int:
            status = rng.choice(["active", "completed", "completed", "failed", "timeout", None])
            values: dict[str, Any] = {
                "thread_id": thread_id,
                "session_id": f"sess-{len(legacy.sessions):06d}-{rng.getrandbits(32):08x}",
                "working_directory": directory,
                "started_at": started_at,
                "ended_at": None if status in ("active", None) else DT(2024, 10, rng.randint(10, 28), 12),
                "status": status,
                "model": rng.choice([None, "claude-sonnet-4", "claude-opus-4"]),
                "total_cost_usd": rng.choice([None, rng.random() * 3]),
                "input_tokens": rng.choice([None, rng.randint(0, 10**12)]),  # beyond 32 bits: BIGINT
                "output_tokens": rng.choice([None, rng.randint(0, 10**5)]),
                "duration_ms": rng.choice([None, rng.randint(0, 10**7)]),
                "num_turns": rng.choice([None, rng.randint(1, 80)]),
            }
            names = [c for c in SESSION_COLUMNS_V3 if c != "id"]
            row = conn.execute(
                f"INSERT INTO sessions ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))}) "
                "RETURNING id".encode(),
                [values[c] for c in names],
            ).fetchone()
            assert row is not None
            legacy.sessions[row[0]] = {"id": row[0], **values}
            return int(row[0])

        legacy.special["no_sessions"] = thread("CSPECIAL", "1.000001")
        tie = legacy.special["tie"] = thread("CSPECIAL", "1.000002")
        session(tie, "/srv/tie-loser", DT(2024, 5, 5, 10))
        session(tie, "/srv/tie-winner", DT(2024, 5, 5, 10))  # same instant, higher id wins
        session(tie, "/srv/older", DT(2024, 5, 4, 10))
        late = legacy.special["newest_not_highest_id"] = thread("CSPECIAL", "1.000003")
        session(late, "/srv/newest", DT(2024, 6, 1))
        session(late, "/srv/inserted-later-but-older", DT(2024, 1, 1))
        null_start = legacy.special["null_started_at"] = thread("CSPECIAL", "1.000004")
        session(null_start, "/srv/dated", DT(2024, 2, 2))
        session(null_start, "/srv/undated", None)  # NULL is never the newest, as in SQLite
        gone = thread("CSPECIAL", "1.999999")  # deleted again: its ids must not come back
        gone_session = session(gone, "/srv/gone", DT(2024, 1, 1))
        conn.execute("DELETE FROM sessions WHERE id = %s", (gone_session,))
        conn.execute("DELETE FROM threads WHERE id = %s", (gone,))
        del legacy.sessions[gone_session], legacy.threads[gone]

        ids = [thread(f"C{i % 7:03d}", f"1700000000.{i:06d}") for i in range(threads)]
        directories = [f"/home/dev/project-{k}" for k in range(6)]
        instants = [DT(2024, 3, d, h) for d in range(1, 6) for h in (9, 15)]  # plenty of ties
        for _ in range(sessions):
            session(rng.choice(ids), rng.choice(directories), rng.choice(instants))
        for channel in ("C000", "C001", "C002"):
            for name in ("main", "docs"):
                conn.execute(
                    "INSERT INTO working_directories (channel_id, name, path) VALUES (%s, %s, %s)",
                    (channel, name, f"/srv/{channel}/{name}"),
                )

    for tid in legacy.threads:
        mine = [s for s in legacy.sessions.values() if s["thread_id"] == tid]
        newest = max(mine, key=lambda s: (s["started_at"] is not None, s["started_at"] or DT.min, s["id"]), default=None)
        legacy.expected_dir[tid] = newest["working_directory"] if newest else "/tmp"
    return legacy
