"""Values only ever reach the database as bound parameters.

A property test round-trips arbitrary text (quotes, NULs, emoji, `'; DROP TABLE`), bytes, large and
negative integers and datetimes through generated functions, and checks that they come back
unchanged and that nothing else in the database moved. The generated SQL constants are checked to
hold no value at all, and sqlc.slice expansion to insert nothing but placeholders.
"""

from __future__ import annotations

import datetime
import re
import sqlite3
from pathlib import Path
from types import ModuleType
from typing import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import generate, import_module, imported

SCHEMA = """
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    payload BLOB,
    amount INTEGER,
    seen_at TIMESTAMP
);
CREATE TABLE canary (id INTEGER PRIMARY KEY, note TEXT NOT NULL);
INSERT INTO canary (note) VALUES ('still here');
"""

QUERIES = """
-- name: AddItem :one
INSERT INTO items (label, payload, amount, seen_at) VALUES (?, ?, ?, ?) RETURNING *;

-- name: FindByLabel :many
SELECT * FROM items WHERE label = ?;

-- name: FindByLabels :many
SELECT id, label FROM items WHERE label IN (sqlc.slice(labels)) ORDER BY id;

-- name: Relabel :execrows
UPDATE items SET label = sqlc.arg(new_label) WHERE label = sqlc.arg(old_label);
"""

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60) | st.sampled_from([
    "'; DROP TABLE canary; --", "\"", "''", "\\", "\x00", "a\x00b", "🎉🔥", "?", "?1", ":label", "@x", "$y",
    "/*SLICE:0*/?", "%s", "%%", "NULL", "' OR '1'='1",
])
datetimes = st.datetimes(min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31))


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("injection")
    out = generate(root, {"001_init.sql": SCHEMA}, {"items.sql": QUERIES})
    with imported(out) as pkg:
        import_module(pkg, "queries.items")
        import_module(pkg, "_runtime")
        yield pkg


@pytest.fixture()
def conn(tmp_path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(tmp_path / "items.db")
    db.executescript(SCHEMA)
    return db


def _canary(db: sqlite3.Connection) -> list[tuple[object, ...]]:
    return db.execute("SELECT id, note FROM canary").fetchall()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(label=text, payload=st.binary(max_size=64) | st.none(), amount=st.integers(-(2**63), 2**63 - 1) | st.none(),
       seen_at=datetimes | st.none())
def test_values_round_trip_unchanged(package: ModuleType, conn: sqlite3.Connection, label: str,
                                     payload: bytes | None, amount: int | None,
                                     seen_at: datetime.datetime | None) -> None:
    items = package.queries.items
    row = items.add_item(conn, label=label, payload=payload, amount=amount, seen_at=seen_at)
    assert row is not None
    assert (row.label, row.payload, row.amount, row.seen_at) == (label, payload, amount, seen_at)
    found = items.find_by_label(conn, label=label)
    assert row in found and all(r.label == label for r in found)
    assert _canary(conn) == [(1, "still here")]
    assert {t for (t,) in conn.execute("SELECT name FROM sqlite_master")} >= {"items", "canary"}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(labels=st.lists(text, max_size=6), other=text)
def test_slice_items_are_bound_not_spliced(package: ModuleType, conn: sqlite3.Connection, labels: list[str],
                                           other: str) -> None:
    items = package.queries.items
    for label in labels + [other]:
        items.add_item(conn, label=label, payload=None, amount=None, seen_at=None)
    found = items.find_by_labels(conn, labels=labels)
    assert {r.label for r in found} == set(labels)
    assert items.relabel(conn, new_label=other, old_label=other) >= 1
    assert _canary(conn) == [(1, "still here")]


def test_generated_sql_holds_placeholders_only(package: ModuleType) -> None:
    items = package.queries.items
    for name in ("ADD_ITEM", "FIND_BY_LABEL", "FIND_BY_LABELS", "RELABEL"):
        sql = re.sub(r"/\*SLICE:\d+\*/", "", getattr(items, name))
        assert "'" not in sql, f"{name} embeds a literal: {sql}"
        assert not re.search(r"[:@$]\w", sql), f"{name} keeps a named parameter: {sql}"
    expanded = package._runtime.expand(items.FIND_BY_LABELS, "/*SLICE:0*/?", ["x'); DROP TABLE canary; --"] * 3, "?",
                                       "")
    assert "DROP" not in expanded and expanded.count("?") == 3
