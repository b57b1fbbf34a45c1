"""Strategies for tests/test_drawn_types*.py: PostgreSQL array column types a user plausibly
declares, the values each holds, and the query positions a parameter or result of that type takes.

Each ArrayType is one column of the drawn table: its declaration, a strategy for one element, and
the cast the oracle puts on its own parameter so the server reads it as exactly that type (the
generated code is what is under test; the oracle states the meaning the database gives the SQL).
Elements are never NULL here: a column's own T[] is list[T] (README, "Types on PostgreSQL").
"""

from __future__ import annotations

import datetime as dt
import decimal
import ipaddress
import string
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st


@dataclass(frozen=True)
class ArrayType:
    column: str  # the column's name in the drawn table
    declared: str  # as the migration declares it
    element: st.SearchStrategy[Any]
    # What the oracle casts its parameter to: the type the server gives a parameter in the column's
    # place, which has no size (`ts = $1` on a timestamp(3) column compares with a timestamp).
    oracle_cast: str
    read_cast: str = ""  # what the oracle casts the column to when reading (psycopg returns text for some)


def _ints(bits: int) -> st.SearchStrategy[int]:
    return st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)


_SHORT_TEXT = st.text(string.ascii_letters + string.digits + " ,{}\"\\é", max_size=8)
_ZONES = st.sampled_from([dt.timezone.utc, dt.timezone(dt.timedelta(hours=5, minutes=30)),
                          dt.timezone(-dt.timedelta(hours=8))])
MOODS = ("sad", "ok", "happy")
_DATETIMES = st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2200, 1, 1), timezones=st.none() | _ZONES)
# What an inet holds (and its annotation admits): addresses, and interfaces (an address with a prefix).
_ADDRESSES = st.one_of(st.ip_addresses(), st.ip_addresses(v=4).map(lambda a: ipaddress.ip_interface(f"{a}/24")),
                       st.ip_addresses(v=6).map(lambda a: ipaddress.ip_interface(f"{a}/64")))
_NETWORKS = st.one_of(st.ip_addresses(v=4).map(lambda a: ipaddress.ip_network(f"{a}/16", strict=False)),
                      st.ip_addresses(v=6).map(lambda a: ipaddress.ip_network(f"{a}/48", strict=False)))

ARRAY_TYPES = (
    ArrayType("small", "smallint[]", _ints(16), "smallint[]"),
    ArrayType("ints", "integer[]", _ints(32), "integer[]"),
    ArrayType("int4s", "int4[]", st.integers(0, 9), "integer[]"),
    ArrayType("ints_sql", "integer ARRAY", _ints(32), "integer[]"),
    ArrayType("bigs", "bigint[]", _ints(64), "bigint[]"),
    ArrayType("reals", "real[]", st.floats(width=32, allow_nan=False), "real[]"),
    ArrayType("doubles", "double precision[]", st.floats(allow_nan=False), "double precision[]"),
    ArrayType("nums", "numeric[]", st.decimals(allow_nan=False, allow_infinity=False, places=3,
                                              min_value=-10**9, max_value=10**9), "numeric[]"),
    ArrayType("texts", "text[]", _SHORT_TEXT, "text[]"),
    ArrayType("vchars", "varchar(8)[]", _SHORT_TEXT, "varchar[]"),
    ArrayType("uuids", "uuid[]", st.uuids(), "uuid[]"),
    ArrayType("flags", "boolean[]", st.booleans(), "boolean[]"),
    ArrayType("days", "date[]", st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)), "date[]"),
    # A list[datetime] may hold naive and aware items whatever the column: the server converts them as
    # an assignment would (in the session's time zone).
    ArrayType("stamps", "timestamptz[]", _DATETIMES, "timestamptz[]"),
    ArrayType("naive_stamps", "timestamp(3)[]", _DATETIMES, "timestamp[]"),
    # (psycopg dumps a list with its first item's dumper: naive and aware times never share one)
    ArrayType("times", "time[]", st.times(), "time[]"),
    ArrayType("times_given_zoned", "time[]", st.times(timezones=_ZONES), "time[]"),
    ArrayType("zoned_times", "timetz[]", st.times(timezones=_ZONES), "timetz[]"),
    ArrayType("addrs", "inet[]", _ADDRESSES, "inet[]"),
    ArrayType("nets", "cidr[]", _NETWORKS, "cidr[]"),
    ArrayType("spans", "interval[]", st.timedeltas(dt.timedelta(days=-10**5), dt.timedelta(days=10**5)),
              "interval[]"),
    ArrayType("moods", "mood[]", st.sampled_from(MOODS), "mood[]", "text[]"),
    ArrayType("emails", "email[]", _SHORT_TEXT.map(lambda s: s + "@x"), "email[]", "text[]"),
    ArrayType("intlist", "intlist", _ints(32), "intlist"),  # a domain over integer[]
)
BY_COLUMN = {t.column: t for t in ARRAY_TYPES}

SCHEMA = (
    "CREATE TYPE mood AS ENUM (" + ", ".join(f"'{m}'" for m in MOODS) + ");\n"
    "CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');\n"
    "CREATE DOMAIN intlist AS integer[];\n"
    "CREATE TABLE arrays (\n    id bigserial PRIMARY KEY,\n"
    + ",\n".join(f"    {t.column} {t.declared}" for t in ARRAY_TYPES) + "\n);\n"
    "CREATE VIEW arrays_view AS SELECT * FROM arrays;\n"
    # Transaction ids: xmin (every table's, the optimistic-locking version) and columns of the types.
    "CREATE TABLE versioned (id bigserial PRIMARY KEY, name text NOT NULL, x xid, x8 xid8);\n"
)
XID_QUERIES = """
-- name: put_versioned :one
INSERT INTO versioned (name, x, x8) VALUES (sqlc.arg(name), sqlc.arg(x), sqlc.arg(x8)) RETURNING id, xmin;

-- name: rename_if_unchanged :execrows
UPDATE versioned SET name = sqlc.arg(name) WHERE id = sqlc.arg(id) AND xmin = sqlc.arg(version);

-- name: by_x :many
SELECT id FROM versioned WHERE x = sqlc.arg(x) ORDER BY id;

-- name: by_x8 :many
SELECT id FROM versioned WHERE x8 = sqlc.arg(x8) ORDER BY id;

-- name: get_versioned :one
SELECT id, xmin, xmax, cmin, x, x8 FROM versioned WHERE id = sqlc.arg(id);
"""
XIDS = st.integers(0, 2**32 - 1)
XID8S = st.integers(0, 2**63 - 1)

# Where a parameter of the column's type stands, as (query suffix, predicate): the oracle runs the
# same predicate with its parameter cast, `{p}` standing for the parameter in both.
PREDICATES = {
    "equal": "{c} = {p}",
    "contains": "{c} @> {p}",
    "contained_by": "{c} <@ {p}",
    "overlaps": "{c} && {p}",
    "distinct": "{c} IS DISTINCT FROM {p}",
    "in_list": "{c} IN ({p})",
    "coalesced": "COALESCE({c}, {p}) = {p}",
}
# Where a result of the column's type is read, as (query suffix, select list, FROM).
READS = {
    "get": ("{c}", "arrays"),
    "via_view": ("{c}", "arrays_view"),
    "via_case": ("CASE WHEN id > 0 THEN {c} END AS {c}", "arrays"),
    "via_coalesce": ("COALESCE({c}, {c}) AS {c}", "arrays"),
}


def queries() -> str:
    """The query file: per column, an INSERT, an UPDATE, every predicate and every read."""
    blocks = [XID_QUERIES, "-- name: row :one\nSELECT sqlc.embed(arrays) FROM arrays WHERE id = sqlc.arg(id);\n"]
    for t in ARRAY_TYPES:
        c = t.column
        blocks.append(f"-- name: put_{c} :one\nINSERT INTO arrays ({c}) VALUES (sqlc.arg(val)) RETURNING id;\n")
        blocks.append(f"-- name: set_{c} :execrows\nUPDATE arrays SET {c} = sqlc.arg(val) WHERE id = sqlc.arg(id);\n")
        for name, predicate in PREDICATES.items():
            where = predicate.format(c=c, p="sqlc.arg(val)")
            blocks.append(f"-- name: {name}_{c} :many\nSELECT id FROM arrays WHERE {where} ORDER BY id;\n")
        for name, (select, table) in READS.items():
            blocks.append(f"-- name: {name}_{c} :one\nSELECT {select.format(c=c)} FROM {table} "
                          "WHERE id = sqlc.arg(id);\n")
    return "\n".join(blocks)


@st.composite
def array_values(draw: st.DrawFn, t: ArrayType, stored: list[list[Any]] | None = None) -> list[Any]:
    """A list for the column: often one already stored, or a part of one (so @>, <@ and && hold)."""
    if stored and draw(st.integers(0, 2)) > 0:
        base = draw(st.sampled_from(stored))
        return draw(st.sampled_from([base, base[:1], base[1:], list(reversed(base))]))
    return draw(st.lists(t.element, max_size=4))


def as_meant(t: ArrayType, value: list[Any]) -> list[Any]:
    """The value as the generated code sends it, for the oracle to send too: an aware time for a
    `time` column is its UTC time of day (README, "Types on PostgreSQL"), where the server's own
    cast of a timetz to time would drop the offset."""
    return [utc_time_of_day(x) for x in value] if t.declared == "time[]" else value


def utc_time_of_day(value: dt.time) -> dt.time:
    """The naive UTC time of day a time means (a naive one is UTC already), worked out by datetime
    itself (astimezone), not as the generated code does it."""
    if value.utcoffset() is None:
        return value
    return dt.datetime.combine(dt.date(2000, 1, 1), value).astimezone(dt.timezone.utc).time().replace(tzinfo=None)


def same(a: Any, b: Any) -> bool:
    """Equal as the database's values: lists item by item, exact types, datetimes as instants."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, decimal.Decimal) and isinstance(b, decimal.Decimal):
        return a == b
    return type(a) is type(b) and a == b



# Expressions over columns of each type whose result type is the type's own, not a number's: what
# the generated function reads is checked against its annotation and the raw driver's value.
EXPRESSION_SCHEMA = (
    "CREATE TABLE typed (id bigserial PRIMARY KEY, m money NOT NULL, ip inet NOT NULL, net cidr NOT NULL,\n"
    "    bits bit(8) NOT NULL, vbits varbit NOT NULL, r int4range NOT NULL, n integer NOT NULL);\n"
)
EXPRESSIONS = (
    "sum(m)", "max(m)", "m * 2", "ip & ip", "ip | net", "net >> ip", "ip << net", "bits & bits", "bits | bits",
    "bits # bits", "bits << 2", "vbits >> 1", "n & 6", "n << 2", "n >> 1", "upper(r)", "lower(r)",
    "upper(lower(r)::text)",
)


@st.composite
def typed_rows(draw: st.DrawFn) -> list[tuple[Any, ...]]:
    """Rows for `typed`: money in cents, addresses, 8-bit and shorter bit strings, int ranges."""
    def bits(size: int) -> st.SearchStrategy[str]:
        return st.text("01", min_size=size, max_size=size)
    row = st.tuples(st.integers(-10**9, 10**9).map(lambda c: decimal.Decimal(c) / 100),
                    st.ip_addresses(v=4).map(str), st.ip_addresses(v=4).map(lambda a: str(ipaddress.ip_network(f"{a}/16", strict=False))),
                    bits(8), st.integers(1, 6).flatmap(bits),
                    st.tuples(st.integers(-100, 100), st.integers(1, 50)).map(lambda p: f"[{p[0]},{p[0] + p[1]})"),
                    st.integers(-1000, 1000))
    return draw(st.lists(row, min_size=1, max_size=3))
