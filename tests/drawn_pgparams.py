"""Parameters drawn at every place of an expression over a table of every common PostgreSQL type
(tests/test_drawn_pgparams*.py): operands of operators, arguments of built-in functions, ARRAY[...],
CASE, COALESCE, LIMIT, INSERT ... SELECT, UPDATE SET, ON CONFLICT, casts and date arithmetic.

The oracle is the server twice over: PREPARE reports the type it infers for each `$n`
(pg_prepared_statements.parameter_types), which the type we declare must agree with (same family
and array dims; Any is a gap where the server knows), and the same SQL run raw through psycopg
with the same values is what the generated function must return.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import inspect
import re
import types
import typing
from collections.abc import Iterator
from typing import Any

import psycopg
import pydantic
from hypothesis import strategies as st

from _support import named_database

SCHEMA = """CREATE TABLE t (
  id integer PRIMARY KEY, n integer NOT NULL, b bigint, sm smallint, r double precision, m numeric,
  s text NOT NULL, v varchar(20), d date, ts timestamptz, tn timestamp, tm time, j jsonb,
  ia integer[], ta text[], f boolean, iv interval
);
"""

ROWS = """INSERT INTO t VALUES
  (1, 3, 40, 2, 1.5, 2.25, 'abc', 'x', '2024-02-29', '2024-03-01 10:00+00', '2024-03-01 10:00', '10:30',
   '{"a": {"b": 1}, "k": [1, 2]}', '{1,2,3}', '{a,b}', true, '1 day 2 hours'),
  (2, -1, NULL, NULL, NULL, NULL, 'B%_', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (3, 0, -7, 5, -0.25, 10, '', 'yy', '1999-12-31', '2000-01-01 00:00+00', '2000-01-01', '23:59',
   '{"a": 1}', '{}', '{}', false, '-3 minutes');
"""

# The columns a drawn expression may name, by the kind of value each holds.
COLUMNS = {"int": ["n", "b", "sm"], "float": ["r"], "decimal": ["m"], "text": ["s", "v"], "date": ["d"],
           "timestamptz": ["ts"], "timestamp": ["tn"], "time": ["tm"], "json": ["j"], "int[]": ["ia"],
           "text[]": ["ta"], "bool": ["f"], "interval": ["iv"]}

# Expression forms: {c} is a drawn column of the kind named first, @p the parameter.
FORMS: list[tuple[str, str]] = [
    *[(kind, f"{{c}} {op} @p") for kind in ("int", "float", "decimal") for op in ("+", "-", "*", "/", "%", "^")
      if (kind, op) != ("float", "%")],  # double precision % is refused (test_drawn_pgparams_regressions)
    *[(kind, f"@p {op} {{c}}") for kind in ("int", "float", "decimal") for op in ("+", "-", "*", "^")],
    *[(kind, f"{{c}} {op} @p") for kind in COLUMNS for op in ("=", "<", ">=", "<>", "IS DISTINCT FROM",
                                                              "IS NOT DISTINCT FROM")],
    ("text", "{c} || @p"), ("text", "@p || {c}"), ("text", "{c} LIKE @p"), ("text", "{c} ILIKE @p"),
    ("text", "{c} ~ @p"), ("text", "{c} SIMILAR TO @p"),
    ("int[]", "{c} || @p"), ("text[]", "@p || {c}"), ("int[]", "{c} @> @p"), ("text[]", "{c} && @p"),
    ("int[]", "{c} <@ @p"), ("json", "{c} @> @p"), ("json", "{c} ? @p"), ("json", "{c} ?| @p"),
    ("json", "{c} ->> @p"), ("json", "{c} -> @p"), ("json", "{c} #>> @p"), ("json", "{c} #> @p"),
    ("json", "{c} - @p"), ("json", "{c} || @p"),
    ("date", "{c} - @p"), ("date", "{c} + @p"), ("date", "@p::date - {c}"), ("date", "@p::date + 1"),
    ("timestamptz", "{c} - @p"), ("timestamptz", "{c} + @p"), ("timestamptz", "now() - @p"),
    ("timestamptz", "now() + @p"), ("timestamp", "{c} + @p"), ("timestamp", "{c} - @p"),
    ("time", "{c} + @p"), ("interval", "{c} * @p"), ("interval", "@p * {c}"), ("interval", "{c} / @p"),
    ("interval", "{c} + @p"), ("timestamptz", "{c} + @p * interval '1 hour'"),
    ("bool", "NOT @p"), ("bool", "@p AND {c}"), ("bool", "{c} OR @p"),
    ("int", "mod({c}, @p)"), ("int", "greatest({c}, @p)"), ("int", "least(@p, {c})"),
    ("int", "coalesce(@p, {c})"), ("text", "coalesce(@p, {c})"), ("int", "nullif({c}, @p)"),
    ("text", "strpos({c}, @p)"), ("text", "left({c}, @p)"), ("text", "lpad({c}, @p, '*')"),
    ("text", "concat({c}, @p)"), ("int", "concat_ws(@p, {c}, 'z')"), ("date", "format('%s %s', {c}, @p)"),
    ("text", "replace({c}, @p, 'q')"), ("text", "split_part({c}, ',', @p)"), ("text", "upper(@p) = {c}"),
    ("decimal", "round({c}, @p)"), ("decimal", "div({c}, @p)"),
    ("int[]", "array_append({c}, @p)"), ("text[]", "array_prepend(@p, {c})"), ("int[]", "array_position({c}, @p)"),
    ("text[]", "array_remove({c}, @p)"), ("int[]", "array_cat({c}, @p)"), ("int[]", "array_length({c}, @p)"),
    ("int", "generate_series({c}, @p)"), ("timestamptz", "generate_series({c}, {c} + interval '2 hours', @p)"),
    ("float", "abs(@p) + {c}"), ("decimal", "generate_series(@p, {c})"),
    ("int[]", "{c} @> ARRAY[@p]"), ("int[]", "ARRAY[@p, 1] && {c}"), ("text[]", "{c} = ARRAY[@p]"),
    ("int[]", "{c}[@p]"), ("int", "{c} = ANY(@p)"), ("text", "{c} <> ALL(@p)"), ("int", "ARRAY[@p, {c}]"),
    ("text", "ARRAY[{c}, @p]"), ("int", "CASE WHEN {c} > 0 THEN @p ELSE {c} END"),
    ("text", "CASE WHEN @p THEN {c} END"), ("timestamptz", "date_trunc(@p, {c})"),
    ("timestamptz", "to_char({c}, @p)"), ("json", "jsonb_set({c}, @p, '1')"),
    ("json", "jsonb_set({c}, '{a}', @p)"), ("timestamptz", "{c} > now() - make_interval(days => @p)"),
    ("timestamptz", "{c} AT TIME ZONE @p"), ("int", "{c} BETWEEN @p AND 10"), ("int", "{c} IN (@p, 2)"),
]


def queries(forms: list[tuple[str, str]]) -> str:
    return "".join(f"-- name: Q{i} :many\n{select(form)};\n\n" for i, form in enumerate(forms))


def select(form: tuple[str, str]) -> str:
    return f"SELECT id, {form[1]} AS x FROM t ORDER BY id"


@contextlib.contextmanager
def database(server: Any, name: str) -> Iterator[psycopg.Connection[Any]]:
    """A new database of SCHEMA, dropped afterwards (one per test module)."""
    with named_database(server, name, SCHEMA) as url:
        # prepare_threshold=None: psycopg prepares nothing of its own, so DEALLOCATE ALL is ours
        with psycopg.connect(url, autocommit=True, prepare_threshold=None) as db:
            yield db


def _names(sql: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r"(?<![:@\w])@(\w+)", sql)))


def server_parameter_types(conn: psycopg.Connection[Any], sql: str) -> list[str] | str:
    """The types the server infers for the query's parameters (in order of first use), or its
    refusal's message."""
    text = sql
    for n, name in enumerate(_names(sql), start=1):
        text = re.sub(rf"(?<![:@\w])@{name}\b", f"${n}", text)
    conn.execute(b"DEALLOCATE ALL")
    try:
        conn.execute(f"PREPARE q AS {text}".encode())
    except psycopg.Error as error:
        return str(error).splitlines()[0]
    row = conn.execute(b"SELECT parameter_types::text[] FROM pg_prepared_statements WHERE name = 'q'").fetchone()
    assert row is not None
    return list(row[0])


def raw(conn: psycopg.Connection[Any], sql: str, values: dict[str, Any], types: list[str] | str = "") -> Any:
    """The query run raw through psycopg: its rows, or the SQLSTATE it fails with. Each parameter is
    cast to the type the server infers for it (types, from server_parameter_types), so the oracle is
    the query as the server reads it, not as psycopg guesses from a value ([0] is a smallint[])."""
    casts = dict(zip(_names(sql), types)) if isinstance(types, list) else {}
    text = re.sub(r"(?<![:@\w])@(\w+)", lambda m: f"%({m.group(1)})s" + (f"::{casts[m.group(1)]}" if m.group(1) in casts
                                                                         else ""), sql.replace("%", "%%"))
    try:
        # a query of one column returns its values, as the generated :many does
        return [row[0] if len(row) == 1 else tuple(row) for row in conn.execute(text.encode(), values).fetchall()]
    except psycopg.Error as error:
        return error.sqlstate


def outcome(call: typing.Callable[[], Any]) -> Any:
    try:
        return call()
    except psycopg.Error as error:
        return error.sqlstate


def normalized(result: Any) -> Any:
    """A generated function's result as raw() gives it: a row as the tuple of its values."""
    if isinstance(result, list):
        return [normalized(r) for r in result]
    if isinstance(result, pydantic.BaseModel):
        return tuple(getattr(result, name) for name in type(result).model_fields)
    if isinstance(result, tuple):
        return tuple(result)
    return result


_SHORT = {int: "int", float: "float", str: "str", bool: "bool", decimal.Decimal: "Decimal",
          datetime.date: "date", datetime.datetime: "datetime", datetime.time: "time",
          datetime.timedelta: "timedelta", Any: "Any"}


def _short(hint: Any) -> str:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return " | ".join(_short(h) for h in typing.get_args(hint) if h is not type(None)) + " | None"
    if typing.get_origin(hint) is list:
        return f"list[{_short(typing.get_args(hint)[0])}]"
    return _SHORT.get(hint, getattr(hint, "__name__", str(hint)))


def declared_hints(function: Any) -> dict[str, Any]:
    hints = typing.get_type_hints(function)
    return {name: hint for name, hint in hints.items() if name not in ("conn", "return")}


def declared_types(function: Any) -> list[str]:
    """The parameters' annotations, short and without None: ["int", "list[str]"]; "JSON" for an
    Any the function sends as JSON (a json/jsonb parameter is typing.Any: any JSON value)."""
    source = inspect.getsource(function)
    return ["JSON" if f"json_value({name}" in source else _short(hint).replace(" | None", "")
            for name, hint in declared_hints(function).items()]


_FAMILIES = {"int": {"smallint", "integer", "bigint"}, "float": {"real", "double precision"},
             # a jsonpath or a tsquery is a str: psycopg sends one as of unknown type, which the server reads
             "Decimal": {"numeric"}, "str": {"text", "character varying", "character", "name", "jsonpath", "tsquery"},
             "bool": {"boolean"}, "date": {"date"}, "time": {"time without time zone"},
             "datetime": {"timestamp without time zone", "timestamp with time zone"},
             "timedelta": {"interval"}, "JSON": {"json", "jsonb"}}


def agrees(ours: str, theirs: str) -> bool:
    """Our declared type is of the server's family and dims (list[...] per dimension)."""
    dims = theirs.count("[]")
    base = ours
    for _ in range(dims):
        if not (base.startswith("list[") and base.endswith("]")):
            return False
        base = base[len("list["):-1]
    if base.startswith("list["):
        return False
    return theirs.replace("[]", "") in _FAMILIES.get(base, set())


def values_of(hint: Any) -> st.SearchStrategy[Any]:
    """Small values of a declared parameter type (None where it takes None)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return st.one_of(*[values_of(h) for h in typing.get_args(hint)])
    if hint is type(None):
        return st.none()
    if typing.get_origin(hint) is list:
        return st.lists(values_of(typing.get_args(hint)[0]), max_size=3)
    simple: dict[Any, st.SearchStrategy[Any]] = {
        int: st.integers(-3, 5), bool: st.booleans(),
        float: st.sampled_from([0.0, 1.5, -2.0, 0.25, 3.0]),
        decimal.Decimal: st.sampled_from([decimal.Decimal(x) for x in ("0", "1.5", "-2", "10")]),
        str: st.sampled_from(["a", "", "abc", "B%_", "k", "day", "YYYY", "x,y", "UTC", "{a}", "%", "1"]),
        datetime.date: st.dates(datetime.date(1999, 1, 1), datetime.date(2030, 1, 1)),
        datetime.datetime: st.datetimes(datetime.datetime(1999, 1, 1), datetime.datetime(2030, 1, 1),
                                        timezones=st.just(datetime.timezone.utc)),
        datetime.time: st.times(),
        datetime.timedelta: st.timedeltas(datetime.timedelta(days=-3), datetime.timedelta(days=3)),
    }
    if hint in simple:
        return simple[hint]
    return st.sampled_from([{"a": 1}, [1], "s", 2, None])  # JSON


__all__ = ["COLUMNS", "FORMS", "ROWS", "SCHEMA", "agrees", "database", "declared_hints", "declared_types",
           "normalized", "outcome", "queries", "raw", "select", "server_parameter_types", "values_of"]
