"""Every Python type a SQLite column can get, written through one generated function and read
through another: it comes back equal (under the documented conversions: README, "Types on
SQLite"), or the write is refused with a clear error. Never rounded, never NULL instead.

Also: every form SQLite's own date and time functions accept, stored by plain SQL, reads back as
the instant SQLite's strftime(..., 'auto') reads it as; CAST(... AS BOOLEAN) reads as SQLite's
truth; JSON is encoded and decoded, an override to dict[...] included.
"""

from __future__ import annotations

import datetime as dt
import asyncio
import decimal
import importlib
import math
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pydantic
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from _support import generate, import_module, imported

UTC = dt.timezone.utc
COLUMNS = {
    "i": "INTEGER", "f": "REAL", "d": "DECIMAL(30, 10)", "s": "TEXT", "b": "BLOB", "flag": "BOOLEAN",
    "day": "DATE", "t": "TIME", "ts": "DATETIME", "tstz": "TIMESTAMPTZ", "j": "JSON", "jd": "JSON",
    "kind": "TEXT CHECK (kind IN ('open', 'closed'))",
}
SCHEMA = "CREATE TABLE vals (\n    id INTEGER PRIMARY KEY,\n" + \
    ",\n".join(f"    {name} {sql}" for name, sql in COLUMNS.items()) + "\n);\n" + """
CREATE TABLE stamps (
    id INTEGER PRIMARY KEY,
    day DATE DEFAULT CURRENT_TIMESTAMP,
    t TIME DEFAULT CURRENT_TIMESTAMP,
    ts TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    tstz TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    n INTEGER
);
"""
QUERIES = "".join(f"""
-- name: Put_{name} :execlastid
INSERT INTO vals ({name}) VALUES (?);

-- name: Get_{name} :one
SELECT {name} FROM vals WHERE id = ?;
""" for name in COLUMNS) + """
-- name: GetRow :one
SELECT * FROM vals WHERE id = ?;

-- name: PutRows :copyfrom
INSERT INTO vals (d, ts, j) VALUES (?, ?, ?);

-- name: AllTimes :many
SELECT id, ts, tstz FROM vals WHERE ts IS NOT NULL ORDER BY id;

-- name: TimesInOrder :many
SELECT ts FROM vals WHERE ts IS NOT NULL ORDER BY ts, id;

-- name: Stamps :many
SELECT * FROM stamps ORDER BY id;

-- name: StampsAt :many
SELECT id, ts FROM stamps WHERE ts >= ? ORDER BY id;

-- name: Truth :one
SELECT CAST(COALESCE(n, 0) AS BOOLEAN) AS truth,
       CASE WHEN CAST(COALESCE(n, 0) AS BOOLEAN) THEN 1 ELSE 0 END AS sqlite_says
FROM stamps WHERE id = ?;
"""
OVERRIDE = '[[tool.codegen.overrides]]\ncolumn = "vals.jd"\npython_type = "dict[str, int]"\n'


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("types_sqlite")
    package = generate(root, {"schema.sql": SCHEMA}, {"vals.sql": QUERIES}, out="types_sqlite_gen", extra=OVERRIDE,
                       emit_async=True)
    with imported(package) as module:
        yield import_module(module, "queries.vals")


@pytest.fixture(scope="module")
def aio(gen: ModuleType) -> ModuleType:
    return importlib.import_module(gen.__name__.replace(".queries.", ".aio."))


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(tmp_path_factory.mktemp("types_sqlite_db") / "db.sqlite")
    db.executescript(SCHEMA)
    yield db
    db.close()


def round_trip(gen: ModuleType, conn: sqlite3.Connection, column: str, value: object) -> Any:
    row_id = getattr(gen, f"put_{column}")(conn, **{column: value})
    read = getattr(gen, f"get_{column}")(conn, id=row_id)
    whole = gen.get_row(conn, id=row_id)
    assert getattr(whole, column) == read or (read != read)  # the row model reads it the same way (NaN aside)
    return read


REFUSED = (ValueError, OverflowError)  # OverflowError: sqlite3's own, for an int beyond 64 bits


def check(gen: ModuleType, conn: sqlite3.Connection, column: str, value: object,
          expected: Callable[[Any], object] = lambda v: v, same_type: bool = True) -> Any:
    """Equal to expected(value), or the write refused with a clear error (then None is returned).
    Only the write may refuse: a read that fails validation fails the test."""
    try:
        row_id = getattr(gen, f"put_{column}")(conn, **{column: value})
    except REFUSED as error:
        assert not isinstance(error, pydantic.ValidationError) and str(error), f"refused {value!r}: {error!r}"
        return None
    read = getattr(gen, f"get_{column}")(conn, id=row_id)
    assert getattr(gen.get_row(conn, id=row_id), column) == read or read != read  # the row model too (NaN aside)
    want = expected(value)
    assert read == want and (type(read) is type(want) or not same_type), (value, read, want)
    return read


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.integers())
@example(2**63)
@example(-(2**63) - 1)
def test_int(gen: ModuleType, conn: sqlite3.Connection, value: int) -> None:
    read = check(gen, conn, "i", value)
    assert (read is None) == (not -(2**63) <= value < 2**63)  # refused exactly outside 64 bits


@pytest.mark.parametrize("value", [-(2**63), 2**63 - 1, 0])
def test_int_bounds(gen: ModuleType, conn: sqlite3.Connection, value: int) -> None:
    assert check(gen, conn, "i", value) == value


@FAST
@given(st.floats())
@example(float("nan"))
@example(float("-inf"))
@example(-0.0)
def test_float(gen: ModuleType, conn: sqlite3.Connection, value: float) -> None:
    read = check(gen, conn, "f", value)
    assert (read is None) == math.isnan(value)  # SQLite stores NaN as NULL: refused, infinities kept


def test_an_aware_datetime_beyond_utc_years_is_refused(gen: ModuleType, conn: sqlite3.Connection) -> None:
    late = dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(-dt.timedelta(hours=5)))
    for column in ("ts", "tstz", "day"):
        with pytest.raises(ValueError, match="outside the years"):
            getattr(gen, f"put_{column}")(conn, **{column: late})


def test_nan_is_refused_not_read_as_none(gen: ModuleType, conn: sqlite3.Connection) -> None:
    with pytest.raises(ValueError, match="nan.*NULL"):
        gen.put_f(conn, f=float("nan"))
    with pytest.raises(ValueError, match="NaN.*NULL"):
        gen.put_d(conn, d=decimal.Decimal("NaN"))
    assert round_trip(gen, conn, "f", float("inf")) == float("inf")
    assert round_trip(gen, conn, "f", float("-inf")) == float("-inf")


def exactly_stored(value: decimal.Decimal) -> bool:
    """What a NUMERIC column keeps unchanged: a 64-bit integer or a double's shortest repr."""
    if value.is_infinite():
        return True
    if value == value.to_integral_value() and -(2**63) <= value < 2**63:
        return True
    return decimal.Decimal(repr(float(value))) == value


@FAST
@given(st.decimals(allow_nan=False) | st.decimals(places=2, min_value=-10**12, max_value=10**12)
       | st.sampled_from(["12345678901234567890.123456789", "0.30000000000000000001", "0.1", "1E+30", "-0"]).map(
           decimal.Decimal))
def test_decimal_is_exact_or_refused(gen: ModuleType, conn: sqlite3.Connection, value: decimal.Decimal) -> None:
    read = check(gen, conn, "d", value, lambda v: v)
    assert (read is not None) == exactly_stored(value)


def test_decimal_examples_of_the_issue(gen: ModuleType, conn: sqlite3.Connection) -> None:
    for text in ("12345678901234567890.123456789", "0.30000000000000000001"):
        with pytest.raises(ValueError, match="cannot be stored exactly in SQLite"):
            gen.put_d(conn, d=decimal.Decimal(text))
    assert round_trip(gen, conn, "d", decimal.Decimal("12345.67")) == decimal.Decimal("12345.67")
    assert round_trip(gen, conn, "d", decimal.Decimal("Infinity")) == decimal.Decimal("Infinity")


@FAST
@given(st.text() | st.sampled_from(["a\x00b", "\x00", "\U0001f600\U00010348", "'; DROP TABLE vals; --"]))
def test_str(gen: ModuleType, conn: sqlite3.Connection, value: str) -> None:
    assert check(gen, conn, "s", value) == value


@FAST
@given(st.binary())
def test_bytes(gen: ModuleType, conn: sqlite3.Connection, value: bytes) -> None:
    assert check(gen, conn, "b", value) == value


@pytest.mark.parametrize("value", [True, False])
def test_bool(gen: ModuleType, conn: sqlite3.Connection, value: bool) -> None:
    assert check(gen, conn, "flag", value) is value


@pytest.mark.parametrize("value", ["open", "closed"])
def test_literal(gen: ModuleType, conn: sqlite3.Connection, value: str) -> None:
    assert check(gen, conn, "kind", value) == value


def test_literal_outside_is_refused_by_the_check_constraint(gen: ModuleType, conn: sqlite3.Connection) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        gen.put_kind(conn, kind="ajar")


OFFSETS = st.builds(dt.timezone, st.timedeltas(min_value=-dt.timedelta(hours=23, minutes=59),
                                               max_value=dt.timedelta(hours=23, minutes=59)).map(
    lambda d: dt.timedelta(minutes=d // dt.timedelta(minutes=1))))
NAIVE = st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30))
AWARE = st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=OFFSETS)


def utc_naive(value: dt.datetime) -> dt.datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


@FAST
@given(st.dates() | NAIVE | AWARE)
@example(dt.datetime(2024, 1, 1, 10, 30))  # the issue's example: stored as 2024-01-01T10:30:00, unreadable
@example(dt.datetime(2024, 1, 1, 23, 30, tzinfo=dt.timezone(-dt.timedelta(hours=2))))
def test_date(gen: ModuleType, conn: sqlite3.Connection, value: dt.date) -> None:
    """A datetime passed for a DATE is stored as its (UTC) date: it never poisons later reads."""
    def expected(v: dt.date) -> dt.date:
        return utc_naive(v).date() if isinstance(v, dt.datetime) else v
    check(gen, conn, "day", value, expected)


@FAST
@given(st.times() | st.times(timezones=OFFSETS))
def test_time(gen: ModuleType, conn: sqlite3.Connection, value: dt.time) -> None:
    def expected(v: dt.time) -> dt.time:
        offset = v.utcoffset()
        if offset is None:
            return v
        return (dt.datetime.combine(dt.date(2000, 1, 1), v.replace(tzinfo=None)) - offset).time()
    assert check(gen, conn, "t", value, expected) is not None


@FAST
@given(NAIVE | AWARE)
def test_datetime(gen: ModuleType, conn: sqlite3.Connection, value: dt.datetime) -> None:
    """DATETIME/TIMESTAMP: naive, meaning UTC; an aware value is stored as its UTC time."""
    assert check(gen, conn, "ts", value, utc_naive) is not None


@FAST
@given(NAIVE | AWARE)
def test_datetime_with_time_zone(gen: ModuleType, conn: sqlite3.Connection, value: dt.datetime) -> None:
    """TIMESTAMPTZ reads back aware, in UTC: equal to an aware value written; a naive one meant UTC."""
    assert check(gen, conn, "tstz", value, lambda v: utc_naive(v).replace(tzinfo=UTC)) is not None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(NAIVE | AWARE, min_size=2, max_size=8))
def test_datetimes_sort_in_sql_as_in_python(gen: ModuleType, conn: sqlite3.Connection,
                                            values: list[dt.datetime]) -> None:
    conn.execute("DELETE FROM vals")
    for value in values:
        gen.put_ts(conn, ts=value)
    assert gen.times_in_order(conn) == sorted(utc_naive(v) for v in values)


JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
JSON = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(), inner, max_size=4), max_leaves=10)


@FAST
@given(JSON)
def test_json(gen: ModuleType, conn: sqlite3.Connection, value: Any) -> None:
    # A top-level 1.0 reads back as 1: a JSON column has NUMERIC affinity (README, "Types on SQLite").
    read = check(gen, conn, "j", value, same_type=False)
    top_level_big_int = isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63
    assert (read is None and value is not None) == top_level_big_int


def test_json_refuses_what_json_cannot_say(gen: ModuleType, conn: sqlite3.Connection) -> None:
    for value in (float("nan"), [float("inf")], {"when": dt.date(2024, 1, 1)}):
        with pytest.raises((ValueError, TypeError)):
            gen.put_j(conn, j=value)


@FAST
@given(st.dictionaries(st.text(), st.integers(min_value=-(2**63), max_value=2**63 - 1)))
def test_json_override_to_a_dict_type(gen: ModuleType, conn: sqlite3.Connection, value: dict[str, int]) -> None:
    assert check(gen, conn, "jd", value) == value


def test_json_text_written_by_sql_is_decoded_and_bad_json_is_an_error(gen: ModuleType,
                                                                     conn: sqlite3.Connection) -> None:
    row_id = conn.execute("""INSERT INTO vals (j, jd) VALUES ('{"a": [1, 2.5, null]}', '{"n": 3}')""").lastrowid
    assert gen.get_j(conn, id=row_id) == {"a": [1, 2.5, None]}
    assert gen.get_jd(conn, id=row_id) == {"n": 3}
    row_id = conn.execute("INSERT INTO vals (j, jd) VALUES ('not json', '[1]')").lastrowid
    with pytest.raises(pydantic.ValidationError, match="not JSON"):
        gen.get_j(conn, id=row_id)
    with pytest.raises(pydantic.ValidationError):  # a list is not a dict[str, int]
        gen.get_jd(conn, id=row_id)


def test_bulk_insert_converts_like_single_calls(gen: ModuleType, conn: sqlite3.Connection) -> None:
    params = gen.PutRowsParams
    aware = dt.datetime(2024, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    conn.execute("DELETE FROM vals")
    gen.put_rows(conn, [params(decimal.Decimal("1.25"), aware, {"k": [1]})])
    assert conn.execute("SELECT d, ts, j FROM vals").fetchone() == (1.25, "2024-01-01 10:00:00", '{"k": [1]}')
    with pytest.raises(ValueError):
        gen.put_rows(conn, [params(decimal.Decimal("0.30000000000000000001"), aware, None)])


# ---------------------------------------------------------------- every form SQLite's date functions accept


def sqlite_instant(conn: sqlite3.Connection, value: object) -> dt.datetime | None:
    """The instant SQLite's own date functions read `value` as ('auto': julian day or unix time)."""
    text = conn.execute("SELECT strftime('%Y-%m-%d %H:%M:%f', ?, 'auto', '+0 seconds')", (value,)).fetchone()[0]
    return None if text is None else dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f")


def text_forms(value: dt.datetime, with_date: bool = True) -> st.SearchStrategy[str]:
    """The ISO-8601 spellings SQLite reads: 'T' or spaces, minutes or seconds, fractions, zones, spaces;
    without the date, a time alone (SQLite puts it on 2000-01-01)."""
    zone = st.sampled_from(["", "Z", "z", " Z", "+00:00", "-02:00", "+05:30", " +14:00", "-14:00", "+09:45  "])
    fraction = st.integers(min_value=1, max_value=9).map(lambda n: "." + (f"{value.microsecond:06d}" + "123")[:n])
    separator = st.sampled_from([" ", "T", "  ", "TT", "T "]) if with_date else st.just("")
    day = value.date().isoformat() if with_date else ""
    return st.tuples(separator, st.sampled_from(["minutes", "seconds", "fraction"]), fraction, zone).map(
        lambda p: day + p[0] + value.strftime("%H:%M" if p[1] == "minutes" else "%H:%M:%S")
        + (p[2] if p[1] == "fraction" else "") + p[3])


SQLITE_DATETIME_FORMS = st.one_of(
    st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)).flatmap(text_forms),
    st.times().flatmap(lambda t: text_forms(dt.datetime.combine(dt.date(2000, 1, 1), t), with_date=False)),
    st.dates().map(dt.date.isoformat),
    st.floats(min_value=1721426.5, max_value=5373484.4),  # julian day numbers
    st.integers(min_value=1721426, max_value=5373484),  # julian days too ('auto' reads them so)
    st.integers(min_value=-62135596800, max_value=-1) | st.integers(min_value=5373485, max_value=253402300700),
    st.floats(min_value=5373485, max_value=253402300700).map(lambda x: round(x, 3)),  # unix time, milliseconds
    st.integers(min_value=5373485, max_value=253402300700).map(str),  # a number as text is a number
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(SQLITE_DATETIME_FORMS)
def test_every_sqlite_date_form_reads_as_sqlite_reads_it(gen: ModuleType, conn: sqlite3.Connection,
                                                         value: object) -> None:
    want = sqlite_instant(conn, value)
    assert want is not None, f"SQLite does not read {value!r}: the strategy is wrong"
    row_id = conn.execute("INSERT INTO vals (day, t, ts, tstz) VALUES (?, ?, ?, ?)", (value,) * 4).lastrowid
    row = gen.get_row(conn, id=row_id)
    # SQLite keeps milliseconds (rounding longer fractions); we keep the microseconds written.
    assert abs(row.ts - want) < dt.timedelta(milliseconds=1), (value, row.ts, want)
    assert row.ts.tzinfo is None and row.tstz.tzinfo is UTC and row.tstz.replace(tzinfo=None) == row.ts
    assert row.day == row.ts.date()
    assert row.t == row.ts.time()
    assert gen.get_ts(conn, id=row_id) == row.ts


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(SQLITE_DATETIME_FORMS, min_size=2, max_size=8))
def test_one_column_of_mixed_forms_reads_as_one_comparable_kind(gen: ModuleType, conn: sqlite3.Connection,
                                                                values: list[object]) -> None:
    """Epoch numbers, julian days and ISO texts with and without zones in one column: all naive (or,
    TIMESTAMPTZ, all aware), so they sort, in the order SQLite's julianday(x, 'auto') puts them."""
    conn.execute("DELETE FROM vals")
    conn.executemany("INSERT INTO vals (ts, tstz) VALUES (?, ?)", [(v, v) for v in values])
    rows = gen.all_times(conn)
    assert all(r.ts.tzinfo is None and r.tstz.tzinfo is UTC for r in rows)
    theirs = [row[0] for row in conn.execute("SELECT julianday(ts, 'auto') FROM vals ORDER BY id")]
    ours = [r.ts for r in rows]
    for a in range(len(rows)):
        for b in range(len(rows)):
            if abs(theirs[a] - theirs[b]) * 86400000 > 2:  # apart by more than SQLite's millisecond rounding
                assert (ours[a] < ours[b]) == (theirs[a] < theirs[b]) and \
                    (rows[a].tstz < rows[b].tstz) == (theirs[a] < theirs[b])


@pytest.mark.parametrize("value", ["2024-13-01", "2024-01-01Z", "24:60", "yesterday", "2024-1-1", "", b"\x00",
                                   "0000-01-01", "-0001-01-01 10:00", 10.5, 1e12])
def test_what_python_cannot_hold_or_sqlite_cannot_read_is_an_error(gen: ModuleType, conn: sqlite3.Connection,
                                                                    value: object) -> None:
    row_id = conn.execute("INSERT INTO vals (ts) VALUES (?)", (value,)).lastrowid
    with pytest.raises(pydantic.ValidationError):
        gen.get_ts(conn, id=row_id)


def test_current_timestamp_defaults_read_in_every_column_type(gen: ModuleType, conn: sqlite3.Connection) -> None:
    """DATE/TIME/TIMESTAMP DEFAULT CURRENT_TIMESTAMP, a unix time, a julian day and an ISO text with a
    zone in one column: all read, all comparable, all the instant they mean."""
    conn.execute("DELETE FROM stamps")
    before = dt.datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    conn.execute("INSERT INTO stamps (n) VALUES (NULL)")
    conn.execute("INSERT INTO stamps (ts, tstz) VALUES (1700000000, 1700000000)")
    conn.execute("INSERT INTO stamps (ts, tstz) VALUES (2460000.25, 2460000.25)")
    conn.execute("INSERT INTO stamps (ts, tstz) VALUES ('2023-11-14T23:13:20.5+01:00', '2023-11-14T23:13:20.5+01:00')")
    rows = gen.stamps(conn)
    now = rows[0]
    assert before <= now.ts <= dt.datetime.now(UTC).replace(tzinfo=None)
    assert now.day == now.ts.date() and now.t == now.ts.time() and now.tstz == now.ts.replace(tzinfo=UTC)
    assert [r.ts for r in rows[1:]] == [dt.datetime(2023, 11, 14, 22, 13, 20), dt.datetime(2023, 2, 24, 18),
                                        dt.datetime(2023, 11, 14, 22, 13, 20, 500000)]
    assert [r.ts for r in rows[1:]] == [sqlite_instant(conn, v) for v in (1700000000, 2460000.25,
                                                                          "2023-11-14T23:13:20.5+01:00")]
    assert sorted(r.ts for r in rows) and sorted(r.tstz for r in rows)  # naive with naive, aware with aware
    assert all(r.tstz == r.ts.replace(tzinfo=UTC) for r in rows)
    row_id = conn.execute("INSERT INTO vals (ts) VALUES ('now')").lastrowid  # 'now' is now, to SQLite too
    assert before <= gen.get_ts(conn, id=row_id) <= dt.datetime.now(UTC).replace(tzinfo=None)
    # A parameter compares with CURRENT_TIMESTAMP text in SQL: written the same way, UTC.
    assert [r.id for r in gen.stamps_at(conn, ts=dt.datetime.now(UTC) - dt.timedelta(minutes=1))] == [now.id]


@pytest.mark.parametrize("n, truth", [(909, True), (0, False), (None, False), (-1, True), (1, True)])
def test_cast_as_boolean_reads_as_sqlites_truth(gen: ModuleType, conn: sqlite3.Connection, n: int | None,
                                                truth: bool) -> None:
    row_id = conn.execute("INSERT INTO stamps (n) VALUES (?)", (n,)).lastrowid
    row = gen.truth(conn, id=row_id)
    assert row.truth is truth and row.sqlite_says == int(truth)


def test_async_functions_convert_the_same_way(aio: ModuleType, tmp_path: Path) -> None:
    import aiosqlite

    async def scenario() -> None:
        async with aiosqlite.connect(tmp_path / "aio.sqlite") as db:
            await db.executescript(SCHEMA)
            aware = dt.datetime(2024, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2)))
            ids = [await aio.put_ts(db, ts=aware), await aio.put_d(db, d=decimal.Decimal("12.5")),
                   await aio.put_j(db, j={"a": [1, None]}), await aio.put_day(db, day=aware),
                   await aio.put_flag(db, flag=True)]
            rows = [await aio.get_row(db, id=i) for i in ids]
            assert (rows[0].ts, rows[1].d, rows[2].j, rows[3].day, rows[4].flag) == (
                dt.datetime(2024, 1, 1, 10), decimal.Decimal("12.5"), {"a": [1, None]}, dt.date(2024, 1, 1), True)
            assert await aio.get_ts(db, id=ids[0]) == dt.datetime(2024, 1, 1, 10)
            with pytest.raises(ValueError, match="NULL"):
                await aio.put_f(db, f=float("nan"))
            with pytest.raises(ValueError, match="exactly"):
                await aio.put_d(db, d=decimal.Decimal("0.30000000000000000001"))

    asyncio.run(scenario())
