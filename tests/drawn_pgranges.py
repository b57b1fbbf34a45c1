"""The pgranges lane's inputs: a table with a column of each built-in range and multirange type,
queries reading and writing them through every position a range takes (row fields, parameters,
arrays, lower()/upper() and the other range functions, the range operators, constructors,
unnest(multirange), range_agg), drawn range values, and each query's oracle: the same SQL run
raw through psycopg, every parameter sent as PostgreSQL's own text of the range and cast to the
column's type (so psycopg's range dumpers, which the generated code relies on, are not the oracle).
"""

from __future__ import annotations

import datetime
import decimal
import re
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from psycopg.types.multirange import Multirange
from psycopg.types.range import Range


@dataclass(frozen=True)
class RangeType:
    column: str
    sql: str  # the range type
    multi: str  # its multirange type
    bound: str  # the bound's SQL type
    python: type  # the bound's Python type


RANGE_TYPES = [
    RangeType("i4", "int4range", "int4multirange", "integer", int),
    RangeType("i8", "int8range", "int8multirange", "bigint", int),
    RangeType("num", "numrange", "nummultirange", "numeric", decimal.Decimal),
    RangeType("d", "daterange", "datemultirange", "date", datetime.date),
    RangeType("ts", "tsrange", "tsmultirange", "timestamp", datetime.datetime),
    RangeType("tz", "tstzrange", "tstzmultirange", "timestamptz", datetime.datetime),
]
BY_COLUMN = {t.column: t for t in RANGE_TYPES}

SCHEMA = "CREATE TABLE spans (\n    id serial PRIMARY KEY,\n" + ",\n".join(
    f"    {t.column} {t.sql},\n    {t.column}m {t.multi},\n    {t.column}s {t.sql}[]" for t in RANGE_TYPES) + """
);
CREATE VIEW span_view AS SELECT id, i4 * int4range(0, 100) AS clipped, tzm, nums FROM spans;
-- a booking system's table: no two bookings of a room overlap
CREATE TABLE bookings (
    id serial PRIMARY KEY,
    room integer NOT NULL,
    during tstzrange NOT NULL,
    EXCLUDE USING gist (during WITH &&)
);
"""

_ALL = [f"{t.column}{s}" for t in RANGE_TYPES for s in ("", "m", "s")]
_OPERATORS = {"ov": "&&", "co": "@>", "cb": "<@", "adj": "-|-", "sl": "<<", "sr": ">>", "el": "&<", "er": "&>"}


def queries() -> str:
    """One query file: the INSERT of every column, and per range type its reads, operators and constructors."""
    blocks = [
        "-- name: Insert :one\nINSERT INTO spans (" + ", ".join(_ALL) + ") VALUES ("
        + ", ".join(f"@{c}" for c in _ALL) + ") RETURNING *;",
        "-- name: Get :one\nSELECT * FROM spans WHERE id = @id;",
        "-- name: CopySpans :copyfrom\nINSERT INTO spans (" + ", ".join(_ALL) + ") VALUES ("
        + ", ".join(f"@{c}" for c in _ALL) + ");",
        "-- name: BatchSpans :batchexec\nINSERT INTO spans (" + ", ".join(_ALL) + ") VALUES ("
        + ", ".join(f"@{c}" for c in _ALL) + ");",
        "-- name: Last :one\nSELECT id FROM spans ORDER BY id DESC LIMIT 1;",
        "-- name: Embedded :one\nSELECT sqlc.embed(spans), tz * tz AS same FROM spans WHERE id = @id;",
        "-- name: FromView :many\nSELECT * FROM span_view ORDER BY id;",
        "-- name: Book :one\nINSERT INTO bookings (room, during) VALUES (@room, @during) RETURNING *;",
        "-- name: BookingsOver :many\nSELECT id, during * @window AS part FROM bookings WHERE during && @window ORDER BY id;",
    ]
    for t in RANGE_TYPES:
        c, name = t.column, t.column.capitalize()
        for col, label in ((c, name), (c + "m", name + "Multi")):
            blocks.append(f"-- name: Bounds{label} :one\nSELECT lower({col}) AS lo, upper({col}) AS hi, "
                          f"isempty({col}) AS e, lower_inc({col}) AS li, upper_inc({col}) AS ui, "
                          f"lower_inf({col}) AS lf, upper_inf({col}) AS uf FROM spans WHERE id = @id;")
            blocks.append(f"-- name: Ops{label} :one\nSELECT " + ", ".join(
                f"{col} {op} @p AS {alias}" for alias, op in _OPERATORS.items() if label == name or op in
                ("&&", "@>", "<@", "-|-")) + f", {col} * @p AS inter FROM spans WHERE id = @id;")
            blocks.append(f"-- name: Union{label} :one\nSELECT {col} + @p AS u FROM spans WHERE id = @id;")
            blocks.append(f"-- name: Minus{label} :one\nSELECT {col} - @p AS m FROM spans WHERE id = @id;")
        blocks.append(f"-- name: Merge{name} :one\nSELECT range_merge({c}, @p) AS r, range_merge({c}m) AS rm, "
                      f"multirange({c}) AS mr FROM spans WHERE id = @id;")
        blocks.append(f"-- name: Make{name} :one\nSELECT {t.sql}(@lo, @hi, @flags) AS r, {t.sql}(@lo, @hi) AS r2;")
        blocks.append(f"-- name: Pieces{name} :many\nSELECT unnest({c}m) AS r FROM spans WHERE id = @id;")
        blocks.append(f"-- name: Agg{name} :one\nSELECT range_agg({c}) AS a, range_intersect_agg({c}) AS i "
                      f"FROM spans WHERE id = ANY(@ids::integer[]);")
        blocks.append(f"-- name: AnyOf{name} :many\nSELECT id FROM spans WHERE {c} = ANY(@rs::{t.sql}[]) ORDER BY id;")
        blocks.append(f"-- name: InSlice{name} :many\nSELECT id FROM spans WHERE {c} IN (sqlc.slice(rs)) ORDER BY id;")
        blocks.append(f"-- name: Holds{name} :many\nSELECT id FROM spans WHERE {c} @> @x::{t.bound} "
                      f"OR {c}m @> @x::{t.bound} ORDER BY id;")
    return "\n\n".join(blocks) + "\n"


# ---------------------------------------------------------------- drawn values

_ZONES = [datetime.timezone.utc, datetime.timezone(datetime.timedelta(hours=5, minutes=30)),
          datetime.timezone(datetime.timedelta(hours=-8)), datetime.timezone(datetime.timedelta(hours=13))]


def _bounds_of(t: RangeType) -> st.SearchStrategy[Any]:
    if t.sql == "int4range":
        return st.integers(-(2**31), 2**31 - 2)  # [x, 2^31-1] canonicalises to an upper bound past int4
    if t.sql == "int8range":
        return st.integers(-(2**63), 2**63 - 2)
    if t.sql == "numrange":
        return st.one_of(st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-10**6, max_value=10**6),
                         st.sampled_from([decimal.Decimal("Infinity"), decimal.Decimal("-Infinity"),
                                          decimal.Decimal("NaN")]))
    if t.sql == "daterange":
        return st.dates(datetime.date(1, 1, 2), datetime.date(9999, 12, 30))
    naive = st.datetimes(datetime.datetime(1900, 1, 1), datetime.datetime(2200, 1, 1))
    if t.sql == "tsrange":
        return naive
    # tstzrange: aware in a few zones, or naive (the session's TimeZone decides, as for a timestamptz)
    return st.one_of(st.builds(lambda d, z: d.replace(tzinfo=z), naive, st.sampled_from(_ZONES)), naive)


def _order_key(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):  # NaN sorts above every number in PostgreSQL
        return (1, 0) if value.is_nan() else (0, value)
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value


@st.composite
def ranges(draw: st.DrawFn, t: RangeType) -> Range[Any]:
    """A range the server takes: empty, or bounds in order (None for unbounded), any bound flags."""
    if draw(st.integers(0, 9)) == 0:
        return Range(empty=True)
    values = st.one_of(st.none(), _bounds_of(t))
    lower, upper = draw(values), draw(values)
    if lower is not None and upper is not None and _order_key(lower) > _order_key(upper):
        lower, upper = upper, lower
    return Range(lower, upper, draw(st.sampled_from(["[)", "(]", "()", "[]"])))


@st.composite
def multiranges(draw: st.DrawFn, t: RangeType) -> Multirange[Any]:
    return Multirange(draw(st.lists(ranges(t), max_size=3)))


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    """Values of every column of spans: a range, a multirange and an array of ranges per type, or NULL."""
    row: dict[str, Any] = {}
    for t in RANGE_TYPES:
        row[t.column] = draw(st.none() | ranges(t))
        row[t.column + "m"] = draw(st.none() | multiranges(t))
        row[t.column + "s"] = draw(st.none() | st.lists(ranges(t), max_size=2))
    return row


# ---------------------------------------------------------------- PostgreSQL's text of a value


def _bound_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        text = value.isoformat(sep=" ")
    else:
        text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def range_text(value: Range[Any]) -> str:
    """'[1,4)', '["2024-01-01 10:00:00+05:30",)', 'empty': the server's input form of a range."""
    if value.isempty:
        return "empty"
    return f"{value.bounds[0]}{_bound_text(value.lower)},{_bound_text(value.upper)}{value.bounds[1]}"


def multirange_text(value: Multirange[Any]) -> str:
    return "{" + ",".join(range_text(r) for r in value) + "}"


def array_text(values: list[Range[Any]]) -> str:
    return "{" + ",".join('"' + range_text(r).replace("\\", "\\\\").replace('"', '\\"') + '"' for r in values) + "}"


def text_of(column: str, value: Any) -> str | None:
    """The text a raw query sends for a column's value (cast to the column's type there)."""
    if value is None:
        return None
    if column.endswith("s") and column[:-1] in BY_COLUMN:
        return array_text(value)
    if column.endswith("m") and column[:-1] in BY_COLUMN:
        return multirange_text(value)
    return range_text(value)


def sql_type(column: str) -> str:
    """The SQL type of a spans column (i4 -> int4range, i4m -> int4multirange, i4s -> int4range[])."""
    if column in BY_COLUMN:
        return BY_COLUMN[column].sql
    t = BY_COLUMN[column[:-1]]
    return t.multi if column.endswith("m") else t.sql + "[]"


def bound_fits(value: Any, t: RangeType) -> bool:
    """A bound psycopg read is of the bound's Python type (a date is no datetime; a timestamptz's is aware)."""
    if value is None:
        return True
    if t.python is datetime.date:
        return type(value) is datetime.date
    if t.sql == "tsrange":
        return isinstance(value, datetime.datetime) and value.tzinfo is None
    if t.sql == "tstzrange":
        return isinstance(value, datetime.datetime) and value.tzinfo is not None
    return type(value) is t.python


__all__ = ["BY_COLUMN", "RANGE_TYPES", "RangeType", "SCHEMA", "bound_fits", "multiranges", "queries", "range_text",
           "ranges", "rows", "sql_type", "text_of"]


# ---------------------------------------------------------------- the oracle's SQL

def query_sql() -> dict[str, str]:
    """Each query of queries() by name: its SQL as written."""
    found = {}
    for block in queries().split("\n\n"):
        head, _, body = block.partition("\n")
        found[head.split()[2]] = body.strip().rstrip(";")
    return found


def raw_sql(sql: str, casts: dict[str, str]) -> str:
    """The query with psycopg's named placeholders: `@p` -> `%(p)s::int4range` (casts[p]; none where
    the query casts it itself), `sqlc.slice(rs)` -> `SELECT unnest(%(rs)s::int4range[])`."""
    import re

    sql = re.sub(r"sqlc\.slice\((\w+)\)", lambda m: f"SELECT unnest(@{m.group(1)})", sql)
    return re.sub(r"@(\w+)(::)?", lambda m: f"%({m.group(1)})s" + (
        f"::{casts[m.group(1)]}" if m.group(1) in casts and not m.group(2) else (m.group(2) or "")), sql)


# ---------------------------------------------------------------- a plain Python model of tstzrange

@st.composite
def bookings(draw: st.DrawFn) -> list[tuple[int, Range[Any]]]:
    """(room, during) of a few bookings over half a day, so that many overlap: aware bounds in
    several zones (one instant written in each), unbounded sides, every flag, empty ranges."""
    start = datetime.datetime(2024, 3, 1, 8, tzinfo=datetime.timezone.utc)
    moment = st.builds(lambda h, z: (start + datetime.timedelta(minutes=30 * h)).astimezone(z),
                       st.integers(0, 24), st.sampled_from(_ZONES))
    during = st.tuples(st.none() | moment, st.none() | moment, st.sampled_from(["[)", "(]", "()", "[]"]))
    drawn = draw(st.lists(st.tuples(st.integers(1, 3), during), min_size=1, max_size=8))
    made = []
    for room, (lower, upper, flags) in drawn:
        if lower is not None and upper is not None and lower > upper:
            lower, upper = upper, lower
        made.append((room, Range(lower, upper, flags)))
    return made


def _empty(r: Range[Any]) -> bool:
    """Empty as the server stores it: 'empty', or equal bounds not both inclusive ('[t,t)')."""
    return r.isempty or (r.lower is not None and r.lower == r.upper and r.bounds != "[]")


def _starts_before_end(lower: Any, lower_inc: bool, upper: Any, upper_inc: bool) -> bool:
    return lower is None or upper is None or lower < upper or (lower == upper and lower_inc and upper_inc)


def overlaps(a: Range[Any], b: Range[Any]) -> bool:
    """a && b for continuous ranges (tstzrange): each starts before the other ends."""
    if _empty(a) or _empty(b):
        return False
    return (_starts_before_end(a.lower, a.lower_inc, b.upper, b.upper_inc)
            and _starts_before_end(b.lower, b.lower_inc, a.upper, a.upper_inc))


def intersection(a: Range[Any], b: Range[Any]) -> Range[Any]:
    """a * b for continuous ranges: the later start and the earlier end, inclusive where both are."""
    if not overlaps(a, b):
        return Range(empty=True)
    def pick(x: Any, x_inc: bool, y: Any, y_inc: bool, later: bool) -> tuple[Any, bool]:
        if x is None:
            return y, y_inc
        if y is None or x == y:
            return x, x_inc and (y is None or y_inc)
        return (x, x_inc) if (x > y) == later else (y, y_inc)
    lower, lower_inc = pick(a.lower, a.lower_inc, b.lower, b.lower_inc, later=True)
    upper, upper_inc = pick(a.upper, a.upper_inc, b.upper, b.upper_inc, later=False)
    made = Range(lower, upper, ("[" if lower_inc else "(") + ("]" if upper_inc else ")"))
    return Range(empty=True) if _empty(made) else made
