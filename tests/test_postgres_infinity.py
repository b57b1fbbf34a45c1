"""PostgreSQL's `infinity` and `-infinity` dates and timestamps (`valid_until timestamptz DEFAULT
'infinity'` is a common idiom) have no Python value: psycopg refuses to read them, so the
generated function raises psycopg.DataError on such a row. The README gives psycopg's recipe: the
application maps them to the `max` and `min` of date and datetime on its connection. This test
runs the generated functions on a real server both ways, and checks that with the recipe the
values round-trip: what is read back is the infinity stored, and `datetime.max` sent is stored
as `infinity`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.types.datetime import (DateDumper, DateLoader, DatetimeDumper, DatetimeNoTzDumper, TimestampLoader,
                                    TimestamptzLoader)

from _support import generate, import_module, imported

SCHEMA = """\
CREATE TABLE grants (
    id bigint PRIMARY KEY,
    starts date NOT NULL DEFAULT '-infinity',
    local_until timestamp NOT NULL DEFAULT 'infinity',
    valid_until timestamptz NOT NULL DEFAULT 'infinity'
);
"""
QUERIES = """\
-- name: GetGrant :one
SELECT * FROM grants WHERE id = $1;

-- name: AddOpenGrant :exec
INSERT INTO grants (id) VALUES ($1);

-- name: AddGrant :exec
INSERT INTO grants (id, starts, local_until, valid_until) VALUES ($1, $2, $3, $4);
"""
UTC_MAX, UTC_MIN = dt.datetime.max.replace(tzinfo=dt.timezone.utc), dt.datetime.min.replace(tzinfo=dt.timezone.utc)


# The README's recipe (section Types), as a user writes it.
class InfinityDateLoader(DateLoader):
    def load(self, data: Any) -> dt.date:
        return {b"infinity": dt.date.max, b"-infinity": dt.date.min}.get(bytes(data)) or super().load(data)


class InfinityTimestampLoader(TimestampLoader):
    def load(self, data: Any) -> dt.datetime:
        return {b"infinity": dt.datetime.max, b"-infinity": dt.datetime.min}.get(bytes(data)) or super().load(data)


class InfinityTimestamptzLoader(TimestamptzLoader):
    def load(self, data: Any) -> dt.datetime:
        return {b"infinity": UTC_MAX, b"-infinity": UTC_MIN}.get(bytes(data)) or super().load(data)


class InfinityDateDumper(DateDumper):
    def dump(self, obj: Any) -> Any:
        return {dt.date.max: b"infinity", dt.date.min: b"-infinity"}.get(obj) or super().dump(obj)


class InfinityDatetimeNoTzDumper(DatetimeNoTzDumper):
    def dump(self, obj: Any) -> Any:
        return {dt.datetime.max: b"infinity", dt.datetime.min: b"-infinity"}.get(obj) or super().dump(obj)


class InfinityDatetimeDumper(DatetimeDumper):
    def dump(self, obj: Any) -> Any:
        return {UTC_MAX: b"infinity", UTC_MIN: b"-infinity"}.get(obj) or super().dump(obj)

    def upgrade(self, obj: dt.datetime, format: Any) -> Any:  # a naive datetime is a timestamp
        return self if obj.tzinfo else InfinityDatetimeNoTzDumper(self.cls)


def use_infinity(conn: psycopg.Connection[Any]) -> None:
    conn.adapters.register_loader("date", InfinityDateLoader)
    conn.adapters.register_loader("timestamp", InfinityTimestampLoader)
    conn.adapters.register_loader("timestamptz", InfinityTimestamptzLoader)
    conn.adapters.register_dumper(dt.date, InfinityDateDumper)
    conn.adapters.register_dumper(dt.datetime, InfinityDatetimeDumper)


def test_postgres_infinity_dates_read_with_the_readmes_recipe_and_fail_clearly_without(
        tmp_path: Path, postgres_url: str) -> None:
    out = generate(tmp_path, {"1.sql": SCHEMA}, {"q.sql": QUERIES}, engine="postgresql")
    with imported(out) as package:
        queries = import_module(package, "queries.q")
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(SCHEMA)
            queries.add_open_grant(conn, id=1)
            with pytest.raises(psycopg.DataError, match="infinity"):
                queries.get_grant(conn, id=1)
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            use_infinity(conn)
            row = queries.get_grant(conn, id=1)
            assert (row.starts, row.local_until, row.valid_until) == (dt.date.min, dt.datetime.max, UTC_MAX)
            queries.add_grant(conn, id=2, starts=dt.date.max, local_until=dt.datetime.min, valid_until=UTC_MIN)
            raw = conn.execute("SELECT starts::text, local_until::text, valid_until::text FROM grants WHERE id = 2")
            assert raw.fetchone() == ("infinity", "-infinity", "-infinity")
            back = queries.get_grant(conn, id=2)
            assert (back.starts, back.local_until, back.valid_until) == (dt.date.max, dt.datetime.min, UTC_MIN)
            ordinary = dt.datetime(2024, 2, 29, 12, 30, tzinfo=dt.timezone.utc)
            queries.add_grant(conn, id=3, starts=dt.date(2024, 2, 29), local_until=ordinary.replace(tzinfo=None),
                              valid_until=ordinary)
            kept = queries.get_grant(conn, id=3)
            assert (kept.starts, kept.local_until, kept.valid_until) == \
                (dt.date(2024, 2, 29), ordinary.replace(tzinfo=None), ordinary)
