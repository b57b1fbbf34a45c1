"""Times of day, naive and aware, through the generated functions of both engines.

A `time` column has no zone. Sent as it is, an aware `datetime.time` goes from psycopg as a timetz,
which PostgreSQL casts to time by dropping the offset when it is stored, but compares by casting the
column to timetz in the session's zone: a row written with a value was not found by it, and the same
value read back differently from SQLite, which stores an aware time converted to UTC. The generated
code now converts an aware time for a `time` parameter to UTC on both engines (naive means UTC, as
for timestamps), and a `timetz` (its own IR type, TIME_TZ) keeps the offset it was given.

Drawn: times with and without a zone (offsets to the minute, either side of midnight UTC), written
through the generated INSERT, found again through the generated lookups (a scalar and `= ANY` of a
list), and read back: equal on SQLite and PostgreSQL, equal to the value's UTC time of day, and
for timetz equal to what was written, offset included. The session's zone is not UTC, so a
conversion in the session's zone cannot pass for one in UTC.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import generate, import_module, imported, named_database
from drawn_types import utc_time_of_day  # the oracle: what a time means in UTC

SQLITE_SCHEMA = "CREATE TABLE slots (id INTEGER PRIMARY KEY, starts TIME NOT NULL);\n"
PG_SCHEMA = ("CREATE TABLE slots (id integer PRIMARY KEY, starts time NOT NULL, starts_tz timetz, "
             "all_starts time[]);\n")
SQLITE_QUERIES = """\
-- name: AddSlot :exec
INSERT INTO slots (id, starts) VALUES (?, ?);

-- name: SlotsAt :many
SELECT id FROM slots WHERE starts = ? ORDER BY id;

-- name: GetSlot :one
SELECT * FROM slots WHERE id = ?;
"""
PG_QUERIES = """\
-- name: AddSlot :exec
INSERT INTO slots (id, starts, starts_tz, all_starts) VALUES ($1, $2, $3, $4);

-- name: SlotsAt :many
SELECT id FROM slots WHERE starts = $1 ORDER BY id;

-- name: SlotsAtAny :many
SELECT id FROM slots WHERE starts = ANY(@times::time[]) ORDER BY id;

-- name: SlotsAtTz :many
SELECT id FROM slots WHERE starts_tz = $1 ORDER BY id;

-- name: GetSlot :one
SELECT * FROM slots WHERE id = $1;
"""
SESSION_ZONE = "Pacific/Auckland"  # +12/+13: a zone dropped or taken from the session shows
SETTINGS = settings(max_examples=30, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))

_OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda minutes: dt.timezone(dt.timedelta(minutes=minutes)))
TIMES = st.builds(lambda t, zone: t.replace(tzinfo=zone), st.times(), st.none() | _OFFSETS)


@pytest.fixture(scope="module")
def packages() -> Iterator[tuple[ModuleType, ModuleType]]:
    with tempfile.TemporaryDirectory() as tmp:
        lite = generate(Path(tmp) / "lite", {"1.sql": SQLITE_SCHEMA}, {"q.sql": SQLITE_QUERIES}, out="times_lite")
        pg = generate(Path(tmp) / "pg", {"1.sql": PG_SCHEMA}, {"q.sql": PG_QUERIES}, out="times_pg",
                      engine="postgresql")
        with imported(lite) as lite_package, imported(pg) as pg_package:
            yield import_module(lite_package, "queries.q"), import_module(pg_package, "queries.q")


@pytest.fixture(scope="module")
def databases(postgres_server: Any, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[tuple[sqlite3.Connection, psycopg.Connection[Any]]]:
    lite = sqlite3.connect(tmp_path_factory.mktemp("times") / "times.db", isolation_level=None)
    lite.executescript(SQLITE_SCHEMA)
    with named_database(postgres_server, "drawn_times", PG_SCHEMA, SESSION_ZONE) as url, \
            psycopg.connect(url, autocommit=True) as pg:
        yield lite, pg
    lite.close()


@SETTINGS
@given(values=st.lists(TIMES, min_size=1, max_size=4))
def test_a_time_of_day_is_stored_as_its_utc_time_and_found_by_the_value_written(
        packages: tuple[ModuleType, ModuleType], databases: tuple[sqlite3.Connection, psycopg.Connection[Any]],
        values: list[dt.time]) -> None:
    lite_q, pg_q = packages
    lite, pg = databases
    lite.execute("DELETE FROM slots")
    pg.execute("DELETE FROM slots")
    for i, value in enumerate(values):
        lite_q.add_slot(lite, id=i, starts=value)
        pg_q.add_slot(pg, id=i, starts=value, starts_tz=value, all_starts=[value, value])
    for i, value in enumerate(values):
        expected = utc_time_of_day(value)
        same_time = [j for j, other in enumerate(values) if utc_time_of_day(other) == expected]
        lite_row, pg_row = lite_q.get_slot(lite, id=i), pg_q.get_slot(pg, id=i)
        assert lite_row.starts == pg_row.starts == expected
        assert pg_row.all_starts == [expected, expected]
        assert lite_q.slots_at(lite, starts=value) == pg_q.slots_at(pg, starts=value) == same_time
        assert pg_q.slots_at_any(pg, times=[value]) == same_time
        if value.tzinfo is not None:  # a timetz keeps the offset it was given
            assert pg_row.starts_tz == value and pg_row.starts_tz.utcoffset() == value.utcoffset()
            assert i in pg_q.slots_at_tz(pg, starts_tz=value)


def test_a_naive_time_for_a_timetz_takes_the_sessions_offset(
        packages: tuple[ModuleType, ModuleType], databases: tuple[sqlite3.Connection, psycopg.Connection[Any]]
        ) -> None:
    """What the README says of a naive value for a zoned type, shown for timetz: the server gives it
    the session zone's offset today (not UTC), as it gives a naive timestamp for a timestamptz."""
    _, pg_q = packages
    _, pg = databases
    pg.execute("DELETE FROM slots")
    pg_q.add_slot(pg, id=1, starts=dt.time(9), starts_tz=dt.time(9), all_starts=None)
    (offset,) = pg.execute("SELECT extract(timezone FROM now())::int").fetchone() or (None,)
    read = pg_q.get_slot(pg, id=1).starts_tz
    assert read.replace(tzinfo=None) == dt.time(9) and read.utcoffset() == dt.timedelta(seconds=offset) != dt.timedelta(0)
