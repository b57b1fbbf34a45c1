"""How many rows an INSERT ... RETURNING gives, as the generated `:one` declares it, proven on a
real SQLite file and a real PostgreSQL server: exactly one (`X`, not `X | None`) for one VALUES row
and for upserts with DO UPDATE; `X | None` wherever the row may be skipped, and there it is."""

from __future__ import annotations

import inspect
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest

from tests._support import generate, import_module, imported

SCHEMA = """
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, uses INTEGER NOT NULL DEFAULT 0);
CREATE TABLE guarded (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
"""
SQLITE_TRIGGER = """
CREATE TRIGGER skip_blank BEFORE INSERT ON guarded WHEN NEW.name = '' BEGIN SELECT RAISE(IGNORE); END;
"""
PG_TRIGGER = """
CREATE FUNCTION skip_blank() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN IF NEW.name = '' THEN RETURN NULL; END IF; RETURN NEW; END $$;
CREATE TRIGGER skip_blank BEFORE INSERT ON guarded FOR EACH ROW EXECUTE FUNCTION skip_blank();
"""

QUERIES = """
-- name: AddTag :one
INSERT INTO tags (name) VALUES (sqlc.arg(name)) RETURNING *;

-- name: AddTagId :one
INSERT INTO tags (name) VALUES (sqlc.arg(name)) RETURNING id;

-- name: UseTag :one
INSERT INTO tags (name) VALUES (sqlc.arg(name))
ON CONFLICT (name) DO UPDATE SET uses = tags.uses + 1 RETURNING *;

-- name: AddTagIfNew :one
INSERT INTO tags (name) VALUES (sqlc.arg(name)) ON CONFLICT DO NOTHING RETURNING *;

-- name: UseTagBelow :one
INSERT INTO tags (name) VALUES (sqlc.arg(name))
ON CONFLICT (name) DO UPDATE SET uses = tags.uses + 1 WHERE tags.uses < 1 RETURNING *;

-- name: AddTwo :one
INSERT INTO tags (name) VALUES (sqlc.arg(a)), (sqlc.arg(b)) RETURNING id;

-- name: AddGuarded :one
INSERT INTO guarded (name) VALUES (sqlc.arg(name)) RETURNING *;
"""
ALWAYS = {"add_tag", "add_tag_id", "use_tag"}
MAYBE = {"add_tag_if_new", "use_tag_below", "add_two", "add_guarded"}


def _package(root: Path, engine: str, trigger: str) -> Path:
    queries = QUERIES
    if engine == "sqlite":
        queries += """
-- name: AddTagOrIgnore :one
INSERT OR IGNORE INTO tags (name) VALUES (sqlc.arg(name)) RETURNING *;
"""
    return generate(root, {"1.sql": SCHEMA + trigger}, {"q.sql": queries}, out=f"gen_returning_{engine}",
                    engine=engine)


@pytest.fixture(scope="module")
def sqlite_q(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    with imported(_package(tmp_path_factory.mktemp("ret_sqlite"), "sqlite", SQLITE_TRIGGER)) as package:
        yield import_module(package, "queries.q")


@pytest.fixture(scope="module")
def pg_q(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    with imported(_package(tmp_path_factory.mktemp("ret_pg"), "postgresql", PG_TRIGGER)) as package:
        yield import_module(package, "queries.q")


def _declared_optional(q: ModuleType, name: str) -> bool:
    return str(inspect.signature(getattr(q, name)).return_annotation).endswith("| None")


def _check(q: ModuleType, conn: Any) -> None:
    assert {n for n in ALWAYS | MAYBE if _declared_optional(q, n)} == MAYBE
    tag = q.add_tag(conn, name="a")
    assert (tag.name, tag.uses) == ("a", 0)
    assert isinstance(q.add_tag_id(conn, name="b"), int)
    used = q.use_tag(conn, name="a")
    assert (used.id, used.name, used.uses) == (tag.id, "a", 1)
    assert q.use_tag(conn, name="c").uses == 0
    # Where the row may be skipped, it is: these stay Optional for a reason.
    assert q.add_tag_if_new(conn, name="a") is None
    assert q.use_tag_below(conn, name="a") is None
    assert q.add_guarded(conn, name="") is None
    assert q.add_guarded(conn, name="x").name == "x"


def test_insert_returning_cardinality_sqlite(sqlite_q: ModuleType, tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "ret.db")
    conn.executescript(SCHEMA + SQLITE_TRIGGER)
    _check(sqlite_q, conn)
    assert _declared_optional(sqlite_q, "add_tag_or_ignore") and sqlite_q.add_tag_or_ignore(conn, name="a") is None


def test_postgres_insert_returning_cardinality(pg_q: ModuleType, postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute((SCHEMA.replace("INTEGER PRIMARY KEY", "SERIAL PRIMARY KEY") + PG_TRIGGER).encode())
        _check(pg_q, conn)
