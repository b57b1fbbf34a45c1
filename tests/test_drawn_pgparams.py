"""Every parameter's type against the server's own (tests/drawn_pgparams.py): a parameter at each
drawn place of an expression over a table of every common type, in one generated package (model
rows, sync and async), held to two oracles:

- PREPARE: the type the server infers for each `$n` (pg_prepared_statements.parameter_types). Ours
  is of the same family and array dims, never Any where the server knows; where the server cannot
  type it (an operator that is not unique for an unknown), ours is a type whose calls work.
- the raw driver: the generated function, called (sync and async) with drawn values of the types it
  declares, returns the rows the same SQL run raw through psycopg with those values returns, or
  fails with the same SQLSTATE; and never with one of class 42 (no such operator or function, a
  type that cannot be determined), which would mean the declared type is not the one the SQL takes.

Figures: `DRAWN_PGPARAMS_EXAMPLES=N` (default 30); `-s` prints them.
"""

from __future__ import annotations

import asyncio
import datetime
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb

import drawn_pgparams as dp
from _support import generate, import_module, imported

EXAMPLES = int(os.environ.get("DRAWN_PGPARAMS_EXAMPLES", "30"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    derandomize=not os.environ.get("DRAWN_PGPARAMS_RANDOM"), suppress_health_check=list(HealthCheck))
FIGURES: Counter[str] = Counter()
FORMS = [(kind, form.replace("{c}", column)) for kind, form in dp.FORMS for column in dp.COLUMNS[kind]]

# Where the server cannot type the parameter, the type we give it instead (whose calls the drawn
# test makes, the raw query casting the parameter to the second item): date + $1 is no unique
# operator (date + integer, + interval, + time); concat's and format's arguments are "any";
SERVER_CANNOT = {"d + @p": (["int"], ["integer"]), "concat(s, @p)": (["str"], ["text"]),
                 "concat(v, @p)": (["str"], ["text"]), "format('%s %s', d, @p)": (["str"], ["text"]),
                 # ARRAY[unknown] is a text[] to the server: ARRAY[$1] beside an array takes its element type
                 "ia @> ARRAY[@p]": (["int"], ["integer"]),
                 # generate_series has no smallint form: (integer, integer) is what a small int is sent to
                 "generate_series(sm, @p)": (["int"], ["integer"])}


@pytest.fixture(scope="module")
def package() -> Iterator[tuple[Any, Any]]:
    with tempfile.TemporaryDirectory() as tmp, imported(generate(
            Path(tmp), {"1.sql": dp.SCHEMA}, {"q.sql": dp.queries(FORMS)}, out="pgparams_drawn",
            engine="postgresql", emit_async=True)) as made:
        yield import_module(made, "queries.q"), import_module(made, "aio.q")
    print("\ndrawn pgparams: " + "; ".join(f"{k} {v}" for k, v in sorted(FIGURES.items())))


@pytest.fixture(scope="module")
def server(postgres_server: Any) -> Iterator[tuple[psycopg.Connection[Any], str]]:
    with dp.database(postgres_server, "drawn_pgparams") as db:
        db.execute(dp.ROWS.encode())
        yield db, str(postgres_server.get_uri(database="drawn_pgparams"))


def test_postgres_parameters_typed_as_the_server_types_them(package: tuple[Any, Any],
                                                             server: tuple[psycopg.Connection[Any], str]) -> None:
    sync, _ = package
    conn, _ = server
    wrong, gaps, cannot = [], [], {}
    for index, form in enumerate(FORMS):
        ours = dp.declared_types(getattr(sync, f"q{index}"))
        theirs = dp.server_parameter_types(conn, dp.select(form))
        if isinstance(theirs, str):
            cannot[form[1]] = ours
        elif "Any" in ours:
            gaps.append((form[1], ours, theirs))
        elif len(ours) != len(theirs) or not all(dp.agrees(o, t) for o, t in zip(ours, theirs)):
            wrong.append((form[1], ours, theirs))
        FIGURES["queries judged"] += 1
    assert wrong == []
    assert gaps == []
    assert cannot == {form: ours for form, (ours, _) in SERVER_CANNOT.items()}


def _arguments(hints: dict[str, Any], declared: list[str], server_types: list[str] | str,
               data: st.DataObject) -> tuple[dict[str, Any], dict[str, Any]]:
    """Drawn values for the generated function, and the same values as the raw driver takes them
    (a JSON parameter wrapped as the generated code wraps it). A timestamp without time zone takes
    a naive datetime: an aware one is sent as a timestamptz (the README's rule for such columns),
    which the raw query's cast would read in the session's time zone instead."""
    ours, raw = {}, {}
    naive = [t == "timestamp without time zone" for t in server_types] if isinstance(server_types, list) else []
    for position, ((name, hint), kind) in enumerate(zip(hints.items(), declared)):
        if kind == "JSON":
            value = data.draw(st.sampled_from([{"a": 1}, {"k": [1]}, [1, 2], "s", 3]), label=name)
            ours[name], raw[name] = value, Jsonb(value)
        elif kind == "datetime" and position < len(naive) and naive[position]:
            value = data.draw(st.datetimes(datetime.datetime(1999, 1, 1), datetime.datetime(2030, 1, 1)), label=name)
            ours[name] = raw[name] = value
        else:
            ours[name] = raw[name] = data.draw(dp.values_of(hint), label=name)
    return ours, raw


def _comparable(sql: str, result: Any) -> Any:
    """now() differs from one call to the next: of such a query only the ids are compared."""
    if "now()" in sql and isinstance(result, list):
        return [row[0] for row in result]
    return result


async def _call_async(function: Any, url: str, arguments: dict[str, Any]) -> Any:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as aconn:
        return dp.normalized(await function(aconn, **arguments))


@SETTINGS
@given(index=st.integers(0, len(FORMS) - 1), data=st.data())
def test_postgres_calls_agree_with_the_raw_query(index: int, data: st.DataObject, package: tuple[Any, Any],
                                                 server: tuple[psycopg.Connection[Any], str]) -> None:
    sync, aio = package
    conn, url = server
    sql = dp.select(FORMS[index])
    function = getattr(sync, f"q{index}")
    declared = dp.declared_types(function)
    server_types = SERVER_CANNOT[FORMS[index][1]][1] if FORMS[index][1] in SERVER_CANNOT else \
        dp.server_parameter_types(conn, sql)
    arguments, raw_arguments = _arguments(dp.declared_hints(function), declared, server_types, data)
    want = _comparable(sql, dp.raw(conn, sql, raw_arguments, server_types))
    got = _comparable(sql, dp.outcome(lambda: dp.normalized(function(conn, **arguments))))
    assert got == want, f"{sql} with {arguments}"
    assert not (isinstance(got, str) and got.startswith("42")), f"{sql} with {arguments}: {got}"
    got_async = _comparable(sql, dp.outcome(lambda: asyncio.run(_call_async(getattr(aio, f"q{index}"), url, arguments))))
    assert got_async == want, f"async {sql} with {arguments}"
    FIGURES["calls " + ("failed alike" if isinstance(got, str) else "ok")] += 1
