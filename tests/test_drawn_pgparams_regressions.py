"""What tests/test_drawn_pgparams.py found: parameters typed otherwise than the server types them,
so that a call with a value of the declared type failed (`now() + @i` declared a datetime:
timestamptz + timestamptz does not exist), or Any where the server knows the type. Each case is
held to the server twice: PREPARE reports the parameter types we must agree with (same family and
dims, no Any), and the generated function, called with a value of the type it declares, returns what
the same SQL run raw through psycopg returns."""

from __future__ import annotations

import datetime
import decimal
import typing
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

import drawn_pgparams as dp
from _support import generate, import_module, imported, make_project, run_cli

# (query, the Python types we must declare, in order, values to call it with)
CASES: list[tuple[str, list[str], dict[str, Any]]] = [
    ("SELECT id FROM t WHERE now() + @i > ts", ["timedelta"], {"i": datetime.timedelta(hours=1)}),
    ("SELECT id FROM t WHERE ts + @i > now()", ["timedelta"], {"i": datetime.timedelta(days=1)}),
    ("SELECT tn + @i AS x FROM t", ["timedelta"], {"i": datetime.timedelta(minutes=3)}),
    ("SELECT iv * @k AS x FROM t", ["float"], {"k": 2.5}),
    ("SELECT @k * iv AS x FROM t", ["float"], {"k": 0.5}),
    ("SELECT ts + @k * interval '1 day' AS x FROM t", ["float"], {"k": 3.0}),
    ("SELECT iv / @k AS x FROM t", ["float"], {"k": 4.0}),
    ("SELECT j #>> @path AS x FROM t", ["list[str]"], {"path": ["a", "b"]}),
    ("SELECT j #> @path AS x FROM t", ["list[str]"], {"path": ["a"]}),
    ("SELECT j - @key AS x FROM t", ["str"], {"key": "a"}),
    ("SELECT n ^ @e AS x FROM t", ["float"], {"e": 2.0}),
    ("SELECT id FROM t WHERE NOT @flag", ["bool"], {"flag": False}),
    ("SELECT id FROM t WHERE @flag AND f", ["bool"], {"flag": True}),
    ("SELECT CASE WHEN @flag THEN s END AS x FROM t", ["bool"], {"flag": True}),
    ("SELECT id FROM t WHERE @flag", ["bool"], {"flag": True}),
    ("SELECT t.id FROM t JOIN t AS u ON @flag AND u.id = t.id", ["bool"], {"flag": False}),
    ("SELECT n, count(*) AS c FROM t GROUP BY n HAVING @flag", ["bool"], {"flag": True}),
    ("SELECT id FROM t WHERE j @? @path", ["str"], {"path": "$.a.b"}),
    ("SELECT id FROM t WHERE j @@ @path", ["str"], {"path": "$.a == 1"}),
    ("SELECT id FROM t WHERE to_tsvector('simple', s) @@ @q", ["str"], {"q": "abc"}),
    ("SELECT generate_series(1, @stop) AS x", ["int"], {"stop": 3}),
    ("SELECT x FROM generate_series(@start, 4) AS g(x)", ["int"], {"start": 2}),
    ("SELECT generate_series(1, 9, @step) AS x", ["int"], {"step": 4}),
    ("SELECT generate_series(m, @stop) AS x FROM t", ["Decimal"], {"stop": decimal.Decimal("11.5")}),
    ("SELECT generate_series(ts, ts + interval '1 day', @step) AS x FROM t", ["timedelta"],
     {"step": datetime.timedelta(hours=6)}),
    ("SELECT count(*) AS c FROM t, generate_series(ts, @stop, interval '1 hour') AS g",
     ["datetime"], {"stop": datetime.datetime(2024, 3, 1, 14, tzinfo=datetime.timezone.utc)}),
    ("SELECT random(1, @p) <= @p AS x", ["int"], {"p": 5}),
    ("SELECT abs(@p) AS x", ["float"], {"p": -2.5}),
    ("SELECT round(@p) AS x, sqrt(@q) AS y", ["float", "float"], {"p": 2.5, "q": 4.0}),
    ("SELECT to_timestamp(@epoch) AS x", ["float"], {"epoch": 86400.5}),
    ("SELECT array_append(ia, @v) AS x FROM t", ["int"], {"v": 7}),
    ("SELECT array_prepend(@v, ta) AS x FROM t", ["str"], {"v": "z"}),
    ("SELECT array_position(ta, @v) AS x FROM t", ["str"], {"v": "b"}),
    ("SELECT array_remove(ia, @v) AS x FROM t", ["int"], {"v": 2}),
    ("SELECT array_cat(ia, @vs) AS x FROM t", ["list[int]"], {"vs": [5, 6]}),
]

# Refused by the server (the operator or function is not unique for an unknown, or takes "any"): we
# type the parameter with a type whose call works, and the raw query casts it so (the last item):
# date + integer (a number of days) is a date; concat's and format's "any" arguments are sent as
# text (declared str, psycopg sends a str as unknown: "could not determine data type" at each call).
WORKS: list[tuple[str, list[str], dict[str, Any]]] = [
    ("SELECT d + @days AS x FROM t", ["int"], {"days": 3}),
    ("SELECT current_date + @days AS x", ["int"], {"days": 1}),
    ("SELECT concat(s, @p) AS x FROM t", ["str"], {"p": "!"}),
    ("SELECT concat_ws(@sep, s, @p) AS x FROM t", ["str", "str"], {"sep": "-", "p": "z"}),
    ("SELECT format('%s/%s', s, @p) AS x FROM t", ["str"], {"p": "q"}),
    # ARRAY[$1] beside an integer[]: the server reads ARRAY[unknown] as text[] (no integer[] @> text[]),
    # and psycopg sends a small int as a smallint (no integer[] @> smallint[] either): the items take
    # the array's element type, sent cast to it.
    ("SELECT id FROM t WHERE ia @> ARRAY[@p]", ["int"], {"p": 2}),
    ("SELECT id FROM t WHERE ARRAY[@a, @b] && ia", ["int", "int"], {"a": 3, "b": 9}),
    ("SELECT id FROM t WHERE ia = ARRAY[@a, @b, 3]", ["int", "int"], {"a": 1, "b": 2}),
    ("SELECT id FROM t WHERE ia <@ ARRAY[@a, 2, 3, 4]", ["int"], {"a": 1}),
    ("SELECT id FROM t WHERE ta @> ARRAY[@p]", ["str"], {"p": "b"}),
    # no generate_series(smallint, ...): the server finds none unique for (smallint, unknown), nor for
    # the (smallint, smallint) psycopg sends 0 as; the bound is sent cast to an integer
    ("SELECT generate_series(sm, @stop) AS x FROM t", ["int"], {"stop": 0}),
]
RAW_CASTS = [["integer"], [], ["text"], ["text", "text"], ["text"], ["integer"], ["integer", "integer"],
             ["integer", "integer"], ["integer"], ["text"], ["integer"]]


@pytest.fixture(scope="module")
def package() -> Iterator[Any]:
    queries = "".join(f"-- name: Q{i} :many\n{sql};\n\n" for i, (sql, _, _) in enumerate(CASES + WORKS))
    with tempfile.TemporaryDirectory() as tmp, imported(generate(
            Path(tmp), {"1.sql": dp.SCHEMA}, {"q.sql": queries}, out="pgparams_regressions",
            engine="postgresql")) as made:
        yield import_module(made, "queries.q")


@pytest.fixture(scope="module")
def conn(postgres_server: Any) -> Iterator[psycopg.Connection[Any]]:
    with dp.database(postgres_server, "drawn_pgparams_regressions") as db:
        db.execute(dp.ROWS.encode())
        yield db


@pytest.mark.parametrize("index", range(len(CASES + WORKS)), ids=[sql for sql, _, _ in CASES + WORKS])
def test_postgres_parameter_types(index: int, package: Any, conn: psycopg.Connection[Any]) -> None:
    sql, declared, values = (CASES + WORKS)[index]
    function = getattr(package, f"q{index}")
    assert dp.declared_types(function) == declared
    server = dp.server_parameter_types(conn, sql) if index < len(CASES) else RAW_CASTS[index - len(CASES)]
    if index < len(CASES):
        assert [dp.agrees(ours, theirs) for ours, theirs in zip(declared, server)] == [True] * len(server), server
    assert dp.normalized(function(conn, **values)) == dp.raw(conn, sql, values, server)


# % of a double precision: PostgreSQL has % for integers and numeric only, so the server refuses the
# query whatever the other operand is (a parameter too); generation took it, and failed at each call.
REFUSED = [
    ("SELECT r % @p AS x FROM t", "r %"),
    ("SELECT @p % r AS x FROM t", "r AS"),
    ("SELECT n % r AS x FROM t", "r AS"),
    ("SELECT r % 2 AS x FROM t", "r %"),
]


@pytest.mark.parametrize("sql, at", REFUSED, ids=[sql for sql, _ in REFUSED])
def test_postgres_float_modulo_refused(sql: str, at: str, tmp_path: Path, conn: psycopg.Connection[Any]) -> None:
    assert "operator does not exist: " in dp.server_parameter_types(conn, sql)
    make_project(tmp_path, {"1.sql": dp.SCHEMA}, {"q.sql": f"-- name: Q :many\n{sql};\n"}, engine="postgresql")
    errors = run_cli(tmp_path).errors
    assert len(errors) == 1 and errors[0].startswith(
        f"queries/q.sql:2:{sql.index(at) + 1}: error: query Q: operator does not exist: double precision %"), errors


@pytest.mark.parametrize("sql", ["SELECT n % @p AS x, m % @q AS y, b % sm AS z FROM t"])
def test_postgres_integer_and_numeric_modulo_taken(sql: str, tmp_path: Path) -> None:
    make_project(tmp_path, {"1.sql": dp.SCHEMA}, {"q.sql": f"-- name: Q :many\n{sql};\n"}, engine="postgresql")
    assert run_cli(tmp_path).errors == []


# to_number and host lost their signatures to a comment they were appended to: their parameters
# and results were Any (to_number(@s, '999') is a numeric of a text).
RESULTS = [
    ("SELECT to_number(@s, '999D9') AS x", "list[Decimal]", {"s": "12.5"}),
    ("SELECT host('10.1.2.3/8'::inet) AS x, to_number('7', '9') AS y FROM t", "list[Row]", {}),
]


def test_postgres_to_number_and_host_typed(tmp_path: Path, conn: psycopg.Connection[Any]) -> None:
    queries = "".join(f"-- name: R{i} :many\n{sql};\n\n" for i, (sql, _, _) in enumerate(RESULTS))
    with imported(generate(tmp_path, {"1.sql": dp.SCHEMA}, {"q.sql": queries}, out="pgparams_results",
                           engine="postgresql")) as made:
        module = import_module(made, "queries.q")
        assert dp.declared_types(module.r0) == ["str"]
        hints = typing.get_type_hints(module.r0)
        assert dp._short(hints["return"]) == RESULTS[0][1]
        row = typing.get_type_hints(typing.get_args(typing.get_type_hints(module.r1)["return"])[0])
        assert (dp._short(row["x"]), dp._short(row["y"])) == ("str", "Decimal")
        for i, (sql, _, values) in enumerate(RESULTS):
            assert dp.normalized(getattr(module, f"r{i}")(conn, **values)) == dp.raw(conn, sql, values, ["text"])
