"""Drawn values of PostgreSQL composite types for tests/test_drawn_pgcomposite.py: a schema whose
composites hold the text format's hard cases (quoted, mixed-case and keyword field names, a nested
composite, an array of composites, JSON, bytea, an enum, a domain, a range, a timestamptz, a field
added, renamed and dropped by ALTER TYPE), and field values drawn with NULLs and text full of quotes,
commas, parentheses, backslashes and blanks."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from hypothesis import strategies as st
from psycopg.types.range import Range

SCHEMA = """
CREATE TYPE mood AS ENUM ('ok', 'so so', 'a,"b"');
CREATE DOMAIN short_text AS text CHECK (length(VALUE) < 50);
CREATE TYPE pair AS (a integer, b text);
CREATE TYPE floatrange AS RANGE (subtype = float8);
CREATE TYPE "Moments" AS RANGE (subtype = timestamptz);
CREATE TYPE "Outer" AS (p pair, "Sel" text, j jsonb, d date, ok boolean, ps pair[], n numeric, f float8,
                        r int4range, m mood, "by" bytea, ts timestamptz, "class" short_text, gone text);
ALTER TYPE "Outer" ADD ATTRIBUTE late integer[], DROP ATTRIBUTE gone;
ALTER TYPE "Outer" RENAME ATTRIBUTE late TO "Late Ints";
ALTER TYPE "Outer" ADD ATTRIBUTE fr floatrange;
CREATE TABLE things (id serial PRIMARY KEY, x pair, o "Outer", xs pair[]);
CREATE TABLE spans (id serial PRIMARY KEY, fr floatrange, during "Moments", frs floatrange[]);
"""

QUERIES = """
-- name: AddThing :one
INSERT INTO things (x, o, xs) VALUES (@x, @o, @xs) RETURNING *;

-- name: GetThing :one
SELECT id, x, o, xs FROM things WHERE id = @id;

-- name: FindByPair :many
SELECT id FROM things WHERE x = @x ORDER BY id;

-- name: GetFields :one
SELECT ((o).p).a AS pa, (x).b, (o)."Sel", (o).j, (o).ps, (t.o).m, (o)."class", (o)."Late Ints", (o).ts
FROM things t WHERE id = @id;

-- name: AddSpan :one
INSERT INTO spans (fr, during, frs) VALUES (@fr, @during, @frs) RETURNING *;

-- name: SpanFacts :one
SELECT lower(fr) AS lo, upper(during) AS hi, fr @> @x::float8 AS holds, isempty(fr) AS empty FROM spans WHERE id = @id;

-- name: MakePair :one
SELECT ROW(@a::integer, @b::text)::pair AS made;
"""

# Text a composite's text format must quote or escape, and what it must keep apart from NULL ('').
HARD = st.sampled_from(['', ' ', '"', '""', ',', '(', ')', '\\', '\\\\', 'a b', 'NULL', '(1,"x")', '{a,b}', '\t\n', "'"])
TEXT = st.one_of(HARD, st.lists(st.one_of(HARD, st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=4)),
                                max_size=4).map("".join))
INT = st.integers(-2**31, 2**31 - 1)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


PAIR = st.fixed_dictionaries({"a": maybe(INT), "b": maybe(TEXT)})
JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), TEXT),
                    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
                    max_leaves=6)
OUTER = st.fixed_dictionaries({
    "p": maybe(PAIR), "Sel": maybe(TEXT), "j": JSON, "d": maybe(st.dates(datetime.date(1, 1, 1))),
    "ok": maybe(st.booleans()), "ps": maybe(st.lists(PAIR, max_size=3)),
    "n": maybe(st.decimals(-10**6, 10**6, places=3)),
    "f": maybe(st.floats(allow_nan=False, width=64)), "r": maybe(st.sampled_from([Range(1, 4), Range(empty=True), Range(None, 5, "()")])),
    "m": maybe(st.sampled_from(["ok", "so so", 'a,"b"'])), "by": maybe(st.binary(max_size=6)),
    "ts": maybe(st.datetimes(datetime.datetime(1900, 1, 2), datetime.datetime(9999, 12, 30),
                             timezones=st.just(datetime.timezone.utc))),
    "class": maybe(TEXT.filter(lambda t: len(t) < 50)),
    "Late Ints": maybe(st.lists(maybe(INT), max_size=3)),
    "fr": maybe(st.builds(lambda a, b: Range(min(a, b), max(a, b), "[]"), st.floats(-1e9, 1e9), st.floats(-1e9, 1e9))),
})
THING = st.fixed_dictionaries({"x": maybe(PAIR), "o": maybe(OUTER), "xs": maybe(st.lists(PAIR, max_size=3))})

# The oracle's view of each composite field (psycopg with the types registered): the Python value
# psycopg makes, by field name.
OUTER_FIELDS = ("p", "Sel", "j", "d", "ok", "ps", "n", "f", "r", "m", "by", "ts", "class", "Late Ints", "fr")

BOUNDS = st.sampled_from(["[)", "(]", "()", "[]"])
FLOAT_BOUND = st.one_of(st.none(), st.floats(allow_nan=False), st.sampled_from([0.0, -0.0, 1.5, 1e-300]))
MOMENT = st.datetimes(datetime.datetime(1900, 1, 2), datetime.datetime(9999, 12, 30),
                      timezones=st.sampled_from([datetime.timezone.utc, datetime.timezone(datetime.timedelta(hours=-5))]))


def _range(bounds: str, a: Any, b: Any) -> Range[Any]:
    """A range the server takes: lower <= upper (else it refuses), and [x,x] or unbounded sides."""
    if a is not None and b is not None and a > b:
        a, b = b, a
    return Range(a, b, bounds)


FLOAT_RANGE = st.one_of(st.just(Range(empty=True)), st.builds(_range, BOUNDS, FLOAT_BOUND, FLOAT_BOUND))
MOMENT_RANGE = st.one_of(st.just(Range(empty=True)), st.builds(_range, BOUNDS, st.none() | MOMENT, st.none() | MOMENT))
SPAN = st.fixed_dictionaries({"fr": maybe(FLOAT_RANGE), "during": maybe(MOMENT_RANGE),
                              "frs": maybe(st.lists(FLOAT_RANGE, max_size=3))})


__all__ = ["OUTER", "OUTER_FIELDS", "PAIR", "QUERIES", "SCHEMA", "SPAN", "THING", "decimal"]
