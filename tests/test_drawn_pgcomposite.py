"""Drawn values of PostgreSQL composite types (tests/drawn_pgcomposite.py) through generated
functions on a real server, sync and async, model and tuple rows, each call held to two oracles:

- the server, read by psycopg with the types registered (psycopg.types.composite.register_composite
  on the oracle's own connection): the row the generated function wrote holds, field by field, the
  values drawn, and what the generated function reads is what the registered read makes of it;
- pydantic: a row holding composites writes to JSON and validates back to an equal row.

Figures: `DRAWN_PGCOMPOSITE_EXAMPLES=N` (default 25); `-s` prints them.
"""

from __future__ import annotations

import asyncio
import datetime
import decimal
import os
import tempfile
import typing
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.types.composite import CompositeInfo, register_composite
from psycopg.types.range import Range, RangeInfo, register_range

import drawn_pgcomposite as dc
from _support import generate, import_module, imported, named_database

EXAMPLES = int(os.environ.get("DRAWN_PGCOMPOSITE_EXAMPLES", "25"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    derandomize=not os.environ.get("DRAWN_PGCOMPOSITE_RANDOM"),
                    suppress_health_check=list(HealthCheck))
FIGURES: Counter[str] = Counter()


class Package(typing.NamedTuple):
    rows: str
    models: ModuleType
    sync: ModuleType
    aio: ModuleType


@pytest.fixture(scope="module")
def packages() -> Iterator[list[Package]]:
    with tempfile.TemporaryDirectory() as tmp:
        with imported(generate(Path(tmp) / "m", {"1.sql": dc.SCHEMA}, {"q.sql": dc.QUERIES}, out="pgcomposite_model",
                               engine="postgresql", emit_async=True)) as model, \
                imported(generate(Path(tmp) / "t", {"1.sql": dc.SCHEMA}, {"q.sql": dc.QUERIES},
                                  out="pgcomposite_tuple", engine="postgresql", emit_async=True,
                                  extra='rows = "tuple"')) as tuples:
            yield [Package(style, import_module(package, "models"), import_module(package, "queries.q"),
                           import_module(package, "aio.q")) for style, package in (("model", model), ("tuple", tuples))]
    print("\ndrawn pgcomposite: " + "; ".join(f"{k} {v}" for k, v in sorted(FIGURES.items())))


@pytest.fixture(scope="module")
def url(postgres_server: Any) -> Iterator[str]:
    with named_database(postgres_server, "drawn_pgcomposite", dc.SCHEMA) as target:
        yield target


@pytest.fixture(scope="module")
def conn(url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(url, autocommit=True) as db:
        yield db


@pytest.fixture(scope="module")
def oracle(url: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection that knows the types: psycopg's own reading of them, field by field."""
    with psycopg.connect(url, autocommit=True) as db:
        for name in ("pair", '"Outer"'):
            info = CompositeInfo.fetch(db, name)
            assert info is not None
            # psycopg's own namedtuple refuses a field named `class`: the fields as a plain tuple
            register_composite(info, db, factory=lambda *fields: fields)
        for name in ("floatrange", '"Moments"'):
            found = RangeInfo.fetch(db, name)
            assert found is not None
            register_range(found, db)
        yield db


# ---------------------------------------------------------------- values as compared

def _range_text(value: Range[Any]) -> Any:
    if value.isempty:
        return "empty"
    lower = "" if value.lower is None else str(value.lower)
    upper = "" if value.upper is None else str(value.upper)
    return f"{value.bounds[0]}{lower},{upper}{value.bounds[1]}"


def _norm(value: Any) -> Any:
    """A value as both sides are compared: a composite as the tuple of its fields, a range as its text."""
    if isinstance(value, pydantic.BaseModel):
        return tuple(_norm(getattr(value, name)) for name in type(value).model_fields)
    if isinstance(value, dict):  # a drawn composite (a JSON object is never one: compared as drawn)
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, Range):  # as psycopg compares them: bounds and flags
        return ("range", value.lower, value.upper, value.bounds if not value.isempty else "", value.isempty)
    if isinstance(value, list):
        return [_norm(v) for v in value]
    if isinstance(value, tuple):  # a registered composite's fields, as the oracle reads them
        return tuple(_norm(v) for v in value)
    return value


def _drawn(value: Any, fields: tuple[str, ...]) -> Any:
    """A drawn composite (a dict by SQL field name) as the tuple of its fields."""
    if value is None:
        return None
    out = []
    for name in fields:
        field = value[name]
        if name == "p":
            field = _drawn(field, ("a", "b"))
        elif name == "ps" and field is not None:
            field = [_drawn(item, ("a", "b")) for item in field]
        out.append(field)
    return tuple(out)


def _drawn_thing(thing: dict[str, Any]) -> tuple[Any, ...]:
    return (_drawn(thing["x"], ("a", "b")), _drawn(thing["o"], dc.OUTER_FIELDS),
            None if thing["xs"] is None else [_drawn(p, ("a", "b")) for p in thing["xs"]])


def _arguments(models: ModuleType, thing: dict[str, Any]) -> dict[str, Any]:
    """The drawn values as the generated classes (validated from their SQL field names)."""
    pair = models.PairType.model_validate
    return {"x": None if thing["x"] is None else pair(thing["x"]),
            "o": None if thing["o"] is None else models.OuterType.model_validate(thing["o"]),
            "xs": None if thing["xs"] is None else [pair(p) for p in thing["xs"]]}


def _row_fields(row: Any) -> tuple[Any, ...]:
    if isinstance(row, pydantic.BaseModel):
        return tuple(getattr(row, name) for name in type(row).model_fields)
    return tuple(row)


def _json_round_trip(row: Any) -> None:
    adapter = pydantic.TypeAdapter(type(row))
    text = adapter.dump_json(row)
    back = adapter.validate_json(text)
    assert _norm(_row_fields(back)) == _norm(_row_fields(row)), text


# ---------------------------------------------------------------- the properties

@SETTINGS
@given(thing=dc.THING, style=st.sampled_from([0, 1]), use_async=st.booleans())
def test_composites_round_trip_against_registered_psycopg(
        packages: list[Package], conn: psycopg.Connection[Any], oracle: psycopg.Connection[Any], thing: dict[str, Any],
        style: int, use_async: bool) -> None:
    package = packages[style]
    arguments = _arguments(package.models, thing)
    if use_async:
        async def run() -> Any:
            async with await psycopg.AsyncConnection.connect(conn.info.dsn, autocommit=True) as aconn:
                return await package.aio.add_thing(aconn, **arguments)
        added = asyncio.run(run())
    else:
        added = package.sync.add_thing(conn, **arguments)
    FIGURES[f"{package.rows} {'async' if use_async else 'sync'} calls"] += 1
    expected = _drawn_thing(thing)
    # What the server holds, read by psycopg with the types registered, is what was drawn.
    stored = oracle.execute("SELECT x, o, xs FROM things WHERE id = %s", (added.id,)).fetchone()
    assert stored is not None
    assert _norm(list(stored)) == _norm(list(expected))
    # What the generated function read back (RETURNING *) and reads by id is the same.
    assert _norm(list(_row_fields(added)[1:])) == _norm(list(expected))
    got = package.sync.get_thing(conn, id=added.id)
    assert got is not None and _norm(list(_row_fields(got)[1:])) == _norm(list(expected))
    _json_round_trip(got)
    _json_round_trip(added)
    # Fields read in SQL, (col).field, are typed as declared and read as the registered driver reads them.
    sql = dc.QUERIES.split("-- name: GetFields :one\n")[1].split(";")[0].replace("@id", "%s")
    raw = oracle.execute(sql.encode(), (added.id,)).fetchone()
    fields = package.sync.get_fields(conn, id=added.id)
    assert raw is not None and fields is not None and _norm(list(_row_fields(fields))) == _norm(list(raw))
    # The composite sent as a parameter compares equal with the stored one (x = $1::pair).
    if thing["x"] is not None and None not in thing["x"].values():
        assert added.id in package.sync.find_by_pair(conn, x=arguments["x"])
        FIGURES["found by pair"] += 1
    if thing["o"] is not None:
        FIGURES["null fields"] += sum(v is None for v in thing["o"].values())


@SETTINGS
@given(a=st.one_of(st.none(), dc.INT), b=st.one_of(st.none(), dc.TEXT))
def test_row_constructor_read_as_the_class(packages: list[Package], conn: psycopg.Connection[Any],
                                           oracle: psycopg.Connection[Any], a: int | None, b: str | None) -> None:
    raw = oracle.execute("SELECT ROW(%s::integer, %s::text)::pair", (a, b)).fetchone()
    assert raw is not None
    for package in packages:
        made = package.sync.make_pair(conn, a=a, b=b)
        assert made is not None and _norm(made) == _norm(raw[0]) == (a, b)


def test_a_field_no_composite_has_is_refused_as_the_server_refuses_it(tmp_path: Path,
                                                                     oracle: psycopg.Connection[Any]) -> None:
    """(o).sel of a type whose field is "Sel": the server says no such column; so does codegen,
    located, where it typed the read Any before."""
    from _support import make_project, run_cli

    sql = "SELECT (o).sel FROM things"
    make_project(tmp_path, {"1.sql": dc.SCHEMA}, {"q.sql": f"-- name: Bad :many\n{sql};\n"}, engine="postgresql")
    result = run_cli(tmp_path)
    assert result.code == 1
    assert 'q.sql:2:12: error: query Bad: column "sel" not found in data type "Outer"' in result.stderr
    with pytest.raises(psycopg.errors.UndefinedColumn, match='column "sel" not found in data type "Outer"'):
        oracle.execute(f"PREPARE bad AS {sql}".encode())


def _canonical(value: Range[Any] | None) -> Any:
    """A float range as the server keeps it: [x,x) and the like empty, an infinite bound inclusive
    or not as written (a continuous range has no canonical form)."""
    if value is None or value.isempty:
        return value
    if value.lower is not None and value.upper is not None and value.lower == value.upper and value.bounds != "[]":
        return Range(empty=True)
    return value


@SETTINGS
@given(span=dc.SPAN, style=st.sampled_from([0, 1]), use_async=st.booleans(), x=st.floats(allow_nan=False))
def test_user_declared_ranges_are_ranges_of_their_subtype(
        packages: list[Package], conn: psycopg.Connection[Any], oracle: psycopg.Connection[Any], span: dict[str, Any],
        style: int, use_async: bool, x: float) -> None:
    """A user-declared range type was typing.Any (its text); now Range[T] of its subtype, sent as
    its text cast to the type, read from the text psycopg returns unregistered; the oracle reads
    the same rows with the types registered (register_range)."""
    package = packages[style]
    if use_async:
        async def run() -> Any:
            async with await psycopg.AsyncConnection.connect(conn.info.dsn, autocommit=True) as aconn:
                return await package.aio.add_span(aconn, **span)
        added = asyncio.run(run())
    else:
        added = package.sync.add_span(conn, **span)
    FIGURES[f"spans {package.rows}"] += 1
    stored = oracle.execute("SELECT fr, during, frs FROM spans WHERE id = %s", (added.id,)).fetchone()
    assert stored is not None
    expected = [_canonical(span["fr"]), _canonical(span["during"]),
                None if span["frs"] is None else [_canonical(r) for r in span["frs"]]]
    assert _norm(list(stored)) == _norm(expected)
    assert _norm(list(_row_fields(added)[1:])) == _norm(list(stored))
    _json_round_trip(added)
    sql = dc.QUERIES.split("-- name: SpanFacts :one\n")[1].split(";")[0].replace("@x", "%(x)s").replace("@id", "%(id)s")
    raw = oracle.execute(sql.encode(), {"x": x, "id": added.id}).fetchone()
    facts = package.sync.span_facts(conn, x=x, id=added.id)
    assert raw is not None and facts is not None and _norm(list(_row_fields(facts))) == _norm(list(raw))
