"""Drawn range and multirange values (tests/drawn_pgranges.py) through generated functions on a real
PostgreSQL server, model and tuple rows, sync and async, each call held to two oracles:

- the server: the same SQL run raw through psycopg, each parameter sent as PostgreSQL's own text
  of the value and cast to its column's type. Every call returns what the raw query returns
  (ranges equal as psycopg compares them: bounds and flags, so `[1,3]` reads as `[1,4)` both ways),
  or raises the same SQLSTATE where the raw query fails (a union that is not contiguous);
- pydantic: every value read fits its field's annotation (a Range whose bounds are of the bound's
  type; None only where the field takes it: lower() of an empty or unbounded range), and a row
  written to JSON validates back to an equal row.

Figures: `DRAWN_PGRANGES_EXAMPLES=N` (default 12); `-s` prints them.
"""

from __future__ import annotations

import asyncio
import datetime
import decimal
import json
import os
import tempfile
import types
import typing
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import psycopg
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.types.multirange import Multirange
from psycopg.types.range import Range

import drawn_pgranges as dr
from _support import generate, import_module, imported, named_database

EXAMPLES = int(os.environ.get("DRAWN_PGRANGES_EXAMPLES", "12"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    derandomize=not os.environ.get("DRAWN_PGRANGES_RANDOM"), suppress_health_check=list(HealthCheck))
FIGURES: Counter[str] = Counter()
SQL = dr.query_sql()


class Package(typing.NamedTuple):
    rows: str
    sync: ModuleType
    aio: ModuleType


@pytest.fixture(scope="module")
def packages() -> Iterator[list[Package]]:
    with tempfile.TemporaryDirectory() as tmp:
        made = []
        with imported(generate(Path(tmp) / "m", {"1.sql": dr.SCHEMA}, {"q.sql": dr.queries()}, out="pgranges_model",
                               engine="postgresql", emit_async=True)) as model, \
                imported(generate(Path(tmp) / "t", {"1.sql": dr.SCHEMA}, {"q.sql": dr.queries()},
                                  out="pgranges_tuple", engine="postgresql", emit_async=True,
                                  extra='rows = "tuple"')) as tuples:
            for style, package in (("model", model), ("tuple", tuples)):
                made.append(Package(style, import_module(package, "queries.q"), import_module(package, "aio.q")))
            yield made
    print("\ndrawn pgranges: " + "; ".join(f"{k} {v}" for k, v in sorted(FIGURES.items())))


@pytest.fixture(scope="module")
def url(postgres_server: Any) -> Iterator[str]:
    with named_database(postgres_server, "drawn_pgranges", dr.SCHEMA) as target:
        yield target


@pytest.fixture(scope="module")
def conn(url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(url, autocommit=True) as db:
        yield db


# ---------------------------------------------------------------- comparing with the oracle

def _outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", _norm(call())
    except psycopg.Error as error:
        return "error", error.sqlstate


def _raw(conn: psycopg.Connection[Any], name: str, params: dict[str, Any], casts: dict[str, str], many: bool) -> Any:
    cursor = conn.execute(dr.raw_sql(SQL[name], casts).encode(), params)
    if many:
        return [row[0] if len(row) == 1 else tuple(row) for row in cursor.fetchall()]
    row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if len(row) == 1 else tuple(row)  # a :one of one column returns its value


def _values(result: Any) -> Any:
    """A generated function's result as the raw driver's: a row as the tuple of its values."""
    if isinstance(result, list):
        return [_values(r) for r in result]
    if isinstance(result, pydantic.BaseModel):
        return tuple(getattr(result, name) for name in type(result).model_fields)
    return tuple(result) if isinstance(result, tuple) else result


def _norm(value: Any) -> Any:
    """A value as compared with the oracle's: NaN equal to NaN (numrange bounds may be NaN)."""
    if isinstance(value, Range):
        return ("range", _norm(value.lower), _norm(value.upper), value.bounds, value.isempty)
    if isinstance(value, pydantic.BaseModel):  # an embedded row
        return _norm(_values(value))
    if isinstance(value, (list, tuple, Multirange)):
        return tuple(_norm(v) for v in value)
    if isinstance(value, decimal.Decimal) and value.is_nan():
        return "NaN"
    return value


def _admits_none(hint: Any) -> bool:
    return hint is Any or (typing.get_origin(hint) in (typing.Union, types.UnionType)
                           and type(None) in typing.get_args(hint))


def _fits(value: Any, hint: Any, where: str) -> None:
    """value fits the field's hint: None only where it admits None; a Range/Multirange of the bound's type."""
    if value is None:
        assert _admits_none(hint), f"{where}: None in a field typed {hint}"
        return
    options = [h for h in typing.get_args(hint) if h is not type(None)] if _admits_none(hint) else [hint]
    (plain,) = options
    origin = typing.get_origin(plain)
    if origin is list:
        for item in value:
            _fits(item, typing.get_args(plain)[0], where)
    elif origin in (Range, Multirange):
        bound = typing.get_args(plain)[0]
        assert isinstance(value, origin), f"{where}: {value!r} is no {origin.__name__}"
        for item in (value if origin is Multirange else [value]):
            for b in (item.lower, item.upper):
                # (a date field's bound is no datetime, though a datetime is a date)
                assert b is None or (isinstance(b, bound) and not (
                    bound is datetime.date and isinstance(b, datetime.datetime))), f"{where}: bound {b!r} is no {bound}"
    elif plain is bool:
        assert type(value) is bool, f"{where}: {value!r} is no bool"
    else:
        assert isinstance(value, plain), f"{where}: {value!r} is no {plain}"


_SCHEMAS: dict[type, list[Callable[[Any], None]]] = {}


def _json_schemas(cls: type, adapter: pydantic.TypeAdapter[Any]) -> list[Callable[[Any], None]]:
    """Validators of the row class's JSON schema, as written (serialization) and as read (validation)."""
    if cls not in _SCHEMAS:
        _SCHEMAS[cls] = [jsonschema.Draft202012Validator(adapter.json_schema(mode=mode)).validate
                         for mode in ("serialization", "validation")]
    return _SCHEMAS[cls]


def _check_row(result: Any, where: str) -> None:
    """Every field fits its annotation, and the row's JSON fits its JSON schema and validates back to an equal row."""
    rows = result if isinstance(result, list) else [result]
    for row in rows:
        if not isinstance(row, pydantic.BaseModel) and not hasattr(row, "_fields"):
            continue
        hints = typing.get_type_hints(type(row))
        names = list(type(row).model_fields) if isinstance(row, pydantic.BaseModel) else list(row._fields)
        for name in names:
            _fits(getattr(row, name), hints[name], f"{where}.{name}")
        adapter = pydantic.TypeAdapter(type(row))
        text = adapter.dump_json(row)
        for validate in _json_schemas(type(row), adapter):  # what OpenAPI documents admits what is written
            validate(json.loads(text))
        assert _norm(_values(adapter.validate_json(text))) == _norm(_values(row)), f"{where}: {text!r} read back differs"
        FIGURES["json round trips"] += 1


def _same(conn: psycopg.Connection[Any], name: str, generated: Callable[[], Any], params: dict[str, Any],
          casts: dict[str, str], many: bool = False) -> Any:
    got = _outcome(lambda: _values(generated()))
    want = _outcome(lambda: _raw(conn, name, params, casts, many))
    assert got == want, f"{name}({params}): generated {got}, raw {want}"
    FIGURES["calls " + got[0]] += 1
    return got


# ---------------------------------------------------------------- the drawn program

@st.composite
def programs(draw: st.DrawFn) -> dict[str, Any]:
    t_params = {}
    for t in dr.RANGE_TYPES:
        lo_hi = sorted([draw(dr._bounds_of(t)) for _ in range(2)], key=dr._order_key)
        t_params[t.column] = {"p": draw(dr.ranges(t)), "pm": draw(dr.multiranges(t)), "x": draw(dr._bounds_of(t)),
                              "lo": lo_hi[0], "hi": lo_hi[1], "flags": draw(st.sampled_from(["[)", "(]", "()", "[]"])),
                              "rs": draw(st.lists(dr.ranges(t), max_size=2))}
    written = st.tuples(dr.rows(), st.sampled_from(["insert", "copy", "batch"]))
    return {"rows": draw(st.lists(written, min_size=1, max_size=3)), "params": t_params,
            "style": draw(st.integers(0, 1)), "aio": draw(st.booleans())}


def _write(conn: psycopg.Connection[Any], q: ModuleType, row: dict[str, Any], how: str) -> Any:
    """The row written by the generated INSERT ... RETURNING *, or :copyfrom, or :batchexec, read back."""
    if how == "insert":
        return q.insert(conn, **row)
    if how == "copy":
        assert q.copy_spans(conn, [q.CopySpansParams(**row)]) == 1
    else:
        q.batch_spans(conn, [q.BatchSpansParams(**row)])
    return q.get(conn, id=q.last(conn))


def _insert(conn: psycopg.Connection[Any], q: ModuleType, row: dict[str, Any], how: str) -> int | None:
    """The generated INSERT of a drawn row, held to the server's reading of each value's text."""
    columns = list(row)
    texts = {c: dr.text_of(c, row[c]) for c in columns}
    want = _outcome(lambda: conn.execute(("SELECT " + ", ".join(f"%({c})s::{dr.sql_type(c)}" for c in columns)).encode(),
                                         texts).fetchone())
    got = _outcome(lambda: _write(conn, q, row, how))
    assert got[0] == want[0] and (got[0] == "ok" or got[1] == want[1]), f"{how} {row}: {got}, raw {want}"
    if got[0] != "ok":
        FIGURES["rows refused"] += 1
        return None
    inserted = got[1]
    values = _values(inserted)
    assert _norm(values[1:]) == want[1], f"insert {row}: stored {values[1:]}, the server reads {want[1]}"
    _check_row(inserted, "insert")
    FIGURES["rows " + how] += 1
    return int(values[0])


@SETTINGS
@given(program=programs())
def test_drawn_ranges_read_and_written_as_the_server_does(packages: list[Package], conn: psycopg.Connection[Any],
                                                          url: str, program: dict[str, Any]) -> None:
    package = packages[program["style"]]
    q = package.sync
    conn.execute(b"TRUNCATE spans")
    ids = [i for i in (_insert(conn, q, row, how) for row, how in program["rows"]) if i is not None]
    for row_id in ids:
        got = _same(conn, "Get", lambda: q.get(conn, id=row_id), {"id": row_id}, {})
        _check_row(q.get(conn, id=row_id), "get")
        assert got[0] == "ok"
        embedded = q.embedded(conn, id=row_id)  # the table's row inside a query's own
        assert _norm(_values(embedded.spans)) == _norm(_values(q.get(conn, id=row_id)))
        _check_row(embedded, "embedded")
    _same(conn, "FromView", lambda: q.from_view(conn), {}, {}, many=True)
    _check_row(q.from_view(conn), "view")
    for t in dr.RANGE_TYPES:
        c, name, params = t.column, t.column.capitalize(), program["params"][t.column]
        fn = name.lower()
        for row_id in ids:
            for col, label, p, kind in ((c, name, params["p"], t.sql), (c + "m", name + "Multi", params["pm"], t.multi)):
                lower = fn if col == c else fn + "_multi"
                one = {"id": row_id}
                _same(conn, f"Bounds{label}", lambda: getattr(q, f"bounds_{lower}")(conn, id=row_id), one, {})
                _check_row(getattr(q, f"bounds_{lower}")(conn, id=row_id), f"bounds {col}")
                for query in ("Ops", "Union", "Minus"):
                    method = getattr(q, f"{query.lower()}_{lower}")
                    result = _same(conn, f"{query}{label}", lambda: method(conn, p=p, id=row_id), {"p": dr.text_of(col, p),
                                   "id": row_id}, {"p": kind})
                    if result[0] == "ok":
                        _check_row(method(conn, p=p, id=row_id), f"{query} {col}")
            merge = {"p": dr.text_of(c, params["p"]), "id": row_id}
            _same(conn, f"Merge{name}", lambda: getattr(q, f"merge_{fn}")(conn, p=params["p"], id=row_id), merge, {"p": t.sql})
            _same(conn, f"Pieces{name}", lambda: getattr(q, f"pieces_{fn}")(conn, id=row_id), {"id": row_id}, {},
                  many=True)
        make = {k: params[k] for k in ("lo", "hi", "flags")}
        result = _same(conn, f"Make{name}", lambda: getattr(q, f"make_{fn}")(conn, **make), make,
                       {"lo": t.bound, "hi": t.bound})
        if result[0] == "ok":
            _check_row(getattr(q, f"make_{fn}")(conn, **make), f"make {c}")
        _same(conn, f"Agg{name}", lambda: getattr(q, f"agg_{fn}")(conn, ids=ids), {"ids": ids}, {})
        texts = [dr.range_text(r) for r in params["rs"]]
        _same(conn, f"AnyOf{name}", lambda: getattr(q, f"any_of_{fn}")(conn, rs=params["rs"]), {"rs": texts}, {},
              many=True)
        _same(conn, f"InSlice{name}", lambda: getattr(q, f"in_slice_{fn}")(conn, rs=params["rs"]), {"rs": texts},
              {"rs": t.sql + "[]"}, many=True)
        _same(conn, f"Holds{name}", lambda: getattr(q, f"holds_{fn}")(conn, x=params["x"]), {"x": params["x"]}, {},
              many=True)
    if program["aio"] and ids:
        # the async twin returns what the sync function returns, for a read and for a range parameter
        t = dr.RANGE_TYPES[ids[0] % len(dr.RANGE_TYPES)]
        p = program["params"][t.column]["p"]
        lower = t.column

        async def both() -> tuple[Any, Any]:
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as aconn:
                return (await package.aio.get(aconn, id=ids[0]),
                        await asyncio.gather(*[_async_outcome(package.aio, f"ops_{lower}", aconn, p, i) for i in ids]))
        got_row, got_ops = asyncio.run(both())
        assert _norm(_values(got_row)) == _norm(_values(q.get(conn, id=ids[0])))
        assert got_ops == [_outcome(lambda: _values(getattr(q, f"ops_{lower}")(conn, p=p, id=i))) for i in ids]
        FIGURES["async calls"] += 1 + len(ids)


async def _async_outcome(aio: ModuleType, name: str, aconn: Any, p: Any, row_id: int) -> tuple[str, Any]:
    try:
        return "ok", _norm(_values(await getattr(aio, name)(aconn, p=p, id=row_id)))
    except psycopg.Error as error:
        return "error", error.sqlstate


def test_drawn_pgranges_queries_typed(packages: list[Package]) -> None:
    """No range position is left typing.Any: every parameter and field of the generated functions is typed."""
    for package in packages:
        for name, fn in vars(package.sync).items():
            if not callable(fn) or not hasattr(fn, "__annotations__") or name.startswith("_"):
                continue
            hints = typing.get_type_hints(fn)
            for arg, hint in hints.items():
                if arg != "conn":
                    assert "Any" not in str(hint), f"{name}({arg}) is {hint}"


@SETTINGS
@given(drawn=dr.bookings(), window=dr.bookings(), style=st.integers(0, 1), use_async=st.booleans())
def test_drawn_bookings_kept_apart_as_a_python_model_says(packages: list[Package], conn: psycopg.Connection[Any],
                                                          url: str, drawn: list[tuple[int, Range[Any]]],
                                                          window: list[tuple[int, Range[Any]]], style: int,
                                                          use_async: bool) -> None:
    """A booking system's table, `EXCLUDE USING gist (during WITH &&)`: each generated INSERT is
    refused (ExclusionViolation) exactly when a plain Python model of tstzrange says the booking
    overlaps one kept, and `during * @window ... WHERE during && @window` returns the model's
    intersections, sync or async, model or tuple rows."""
    package = packages[style]
    conn.execute(b"TRUNCATE bookings")
    kept: list[tuple[int, Range[Any]]] = []

    async def book_async(room: int, during: Range[Any]) -> Any:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as aconn:
            return await package.aio.book(aconn, room=room, during=during)

    for room, during in drawn:
        refused = any(dr.overlaps(during, other) for _, other in kept)
        try:
            row = asyncio.run(book_async(room, during)) if use_async else package.sync.book(conn, room=room, during=during)
        except psycopg.errors.ExclusionViolation:
            assert refused, f"{during} refused, overlapping none of {[k for _, k in kept]}"
            FIGURES["bookings refused"] += 1
            continue
        assert not refused, f"{during} kept, overlapping one of {[k for _, k in kept]}"
        assert row.during == (Range(empty=True) if dr._empty(during) else during)
        _check_row(row, "book")
        kept.append((row.id, during))
        FIGURES["bookings kept"] += 1
    probe = window[0][1]
    got = [(r.id, r.part) for r in package.sync.bookings_over(conn, window=probe)]
    want = [(i, dr.intersection(d, probe)) for i, d in kept if dr.overlaps(d, probe)]
    assert got == want, f"window {probe}"
