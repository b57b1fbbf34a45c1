"""Hypothesis strategies built from a generated function's own annotations.

`for_annotation(ann, pool)` gives values of the annotated type: what a caller may pass, as mypy
sees it. Values lean small (ints 0..6, a few short words), so keys, joins and lookups meet the
stored rows, and now and then reach the edges (64-bit bounds, nan/inf, long and astral text,
NUL, empty bytes, far dates, aware and naive datetimes). `pool` holds values read back from the
filled tables, by parameter name: a parameter named like a column draws that column's stored
values half the time, so `WHERE a = ? AND b = ?` finds rows. Pool values are only offered where
they fit the annotation (typecheck.mismatches).

A NamedTuple (the XParams of :copyfrom and the batch commands) is built field by field;
Iterable[XParams] and Sequence[X] become lists of 0..3 items.
"""

from __future__ import annotations

import collections.abc
import datetime
import decimal
import ipaddress
import types
import typing
import uuid
from typing import Any

from hypothesis import strategies as st
from psycopg.types.multirange import Multirange
from psycopg.types.range import Range

from harness_typecheck import mismatches

WORDS = ("alpha", "beta", "gamma", "a", "", "x y", "ü😀")
INT_EDGES = (0, -1, 2**31 - 1, -(2**31), 2**63 - 1, -(2**63))
FLOAT_EDGES = (0.0, -0.5, 1e300, float("inf"), float("-inf"), float("nan"))

_json: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.sampled_from(WORDS),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(WORDS), inner, max_size=3),
    max_leaves=5)


def _ints() -> st.SearchStrategy[int]:
    return st.one_of(st.integers(0, 6), st.integers(0, 6), st.integers(0, 6), st.integers(-100, 10_000),
                     st.sampled_from(INT_EDGES))


def _floats() -> st.SearchStrategy[float]:
    return st.one_of(st.sampled_from((0.5, 1.25, 2.0, 3.0)), st.floats(-1e6, 1e6), st.sampled_from(FLOAT_EDGES))


def _texts() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(WORDS), st.sampled_from(WORDS), st.text(max_size=6))


def _decimals() -> st.SearchStrategy[decimal.Decimal]:
    return st.one_of(st.sampled_from([decimal.Decimal(x) for x in ("0", "1.5", "10.25", "-3")]),
                     st.decimals(min_value=-10**6, max_value=10**6, allow_nan=False, places=2))


def _datetimes() -> st.SearchStrategy[datetime.datetime]:
    near = st.datetimes(datetime.datetime(2020, 1, 1), datetime.datetime(2030, 1, 1))
    return st.one_of(near, near.map(lambda d: d.replace(tzinfo=datetime.timezone.utc)),
                     st.datetimes(datetime.datetime(1, 1, 2), datetime.datetime(9999, 12, 30)))


_SCALARS: dict[type, typing.Callable[[], st.SearchStrategy[Any]]] = {
    int: _ints,
    float: _floats,
    str: _texts,
    bytes: lambda: st.binary(max_size=6),
    bool: st.booleans,
    decimal.Decimal: _decimals,
    datetime.datetime: _datetimes,
    datetime.date: lambda: st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31)),
    datetime.time: lambda: st.times(),
    datetime.timedelta: lambda: st.timedeltas(datetime.timedelta(days=-1000), datetime.timedelta(days=1000)),
    uuid.UUID: lambda: st.uuids(),
    ipaddress.IPv4Address: lambda: st.ip_addresses(v=4),
    ipaddress.IPv6Address: lambda: st.ip_addresses(v=6),
    ipaddress.IPv4Interface: lambda: st.builds(lambda a, n: ipaddress.IPv4Interface((a, n)), st.ip_addresses(v=4),
                                               st.integers(0, 32)),
    ipaddress.IPv6Interface: lambda: st.builds(lambda a, n: ipaddress.IPv6Interface((a, n)), st.ip_addresses(v=6),
                                               st.integers(0, 128)),
    ipaddress.IPv4Network: lambda: st.builds(lambda a, n: ipaddress.IPv4Network((a, n), strict=False),
                                             st.ip_addresses(v=4), st.integers(0, 32)),
    ipaddress.IPv6Network: lambda: st.builds(lambda a, n: ipaddress.IPv6Network((a, n), strict=False),
                                             st.ip_addresses(v=6), st.integers(0, 128)),
}

Pool = dict[str, list[object]]


def _range(lower: Any, upper: Any, bounds: str, empty: bool) -> Range[Any]:
    if empty:
        return Range(empty=True)
    try:
        if lower is not None and upper is not None and lower > upper:
            lower, upper = upper, lower
    except TypeError:  # an aware and a naive datetime: unbounded above instead
        upper = None
    return Range(lower, upper, bounds)


def _ranges(bound: st.SearchStrategy[Any]) -> st.SearchStrategy[Range[Any]]:
    return st.builds(_range, st.none() | bound, st.none() | bound, st.sampled_from(["[)", "(]", "()", "[]"]),
                     st.integers(0, 9).map(lambda n: n == 0))


def for_annotation(annotation: Any, pool: Pool | None = None, name: str | None = None) -> st.SearchStrategy[Any]:
    """Values of the annotated type. name: the parameter's name, to draw stored values from pool."""
    strategy = _base(annotation, pool)
    stored = [v for v in (pool or {}).get((name or "").lower(), []) if not mismatches(v, annotation)]
    if stored:
        strategy = st.one_of(st.sampled_from(stored), strategy)
    return strategy


def _base(annotation: Any, pool: Pool | None) -> st.SearchStrategy[Any]:
    if annotation is Any or annotation is object:
        # Untyped (SQLite columns without a type, JSON): what a caller would store there.
        return st.one_of(st.integers(0, 6), st.sampled_from(WORDS), st.floats(-10, 10), st.none())
    if annotation is None or annotation is type(None):
        return st.none()
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Union or origin is types.UnionType:
        options = [a for a in args if a is not type(None)]
        inner = st.one_of(*(_base(a, pool) for a in options))
        return st.one_of(st.none(), inner, inner, inner) if type(None) in args else inner
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin in (list, collections.abc.Sequence, collections.abc.Iterable, collections.abc.Collection,
                  collections.abc.MutableSequence):
        return st.lists(for_annotation(args[0] if args else Any, pool), max_size=3)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(_base(args[0], pool), max_size=3).map(tuple)
        return st.tuples(*(_base(a, pool) for a in args))
    if origin in (dict, collections.abc.Mapping):
        return st.dictionaries(st.sampled_from(WORDS), _json, max_size=3)
    if origin is Range:  # a PostgreSQL range of the bound's type: bounds in order, or empty
        return _ranges(_base(args[0], pool))
    if origin is Multirange:
        return st.lists(_ranges(_base(args[0], pool)), max_size=3).map(Multirange)
    if isinstance(annotation, type):
        for kind, make in _SCALARS.items():
            if annotation is kind:
                return make()
        fields_of = getattr(annotation, "_fields", None) or list(getattr(annotation, "model_fields", None) or ())
        if fields_of:  # XParams: a NamedTuple or a pydantic model, built field by field
            hints = typing.get_type_hints(annotation)
            fields = typing.cast(tuple[str, ...], tuple(fields_of))
            return st.fixed_dictionaries({f: for_annotation(hints[f], pool, f) for f in fields}).map(
                lambda kw: annotation(**kw))
        return st.from_type(annotation)  # an override type (pathlib.Path, ...)
    raise TypeError(f"no strategy for the annotation {annotation!r}")
