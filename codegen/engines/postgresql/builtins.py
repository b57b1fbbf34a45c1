"""Calls the server cannot resolve, judged against its own table of built-in functions
(builtin_functions.json, dumped from pg_proc and pg_cast by pg_proc_dump.py).

PostgreSQL resolves a call when it prepares the query: some function of that name must take that
many arguments (defaults and VARIADIC counted), each argument of its type or of one an implicit
cast converts (`date_trunc('day', text_col)`, `string_agg(x)`, `lpad(int_col, 3)`, `nosuch(x)`:
function ... does not exist, at every call). Only what is known is judged, and a call is refused
only when no overload could take it:

- an argument of no type of its own (a parameter, NULL, a quoted literal, a unit word) fits any;
- an argument whose type is not known here (read as Any, a str of no string type) fits any;
- an integer not known to be a bigint may be a smallint, an integer or a bigint;
- a polymorphic parameter (anyelement, "any") takes anything but what it cannot (an anyarray a
  value that is no array);
- a call named after a type (`text(x)`, `int4(x)`) may be a cast; named arguments (`f(a => 1)`)
  and calls qualified by a schema are not judged; nor any call where the migrations create an
  extension the table does not know (it may add overloads of any name).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlglot import exp

from ... import ir
from . import coherence

Problem = tuple[str, exp.Expr]
DATA = Path(__file__).with_name("builtin_functions.json")

# The PostgreSQL types a value of each type may be (a typname; arrays add []).
_POSSIBLE = {ir.FLOAT: ("float8", "float4"), ir.DECIMAL: ("numeric",), ir.BOOL: ("bool",), ir.DATE: ("date",),
             ir.DATETIME: ("timestamp",), ir.DATETIME_TZ: ("timestamptz",), ir.TIME: ("time", "timetz"),
             ir.INTERVAL: ("interval",), ir.UUID: ("uuid",), ir.BYTES: ("bytea",), ir.JSON: ("jsonb", "json")}
_STRINGS = ("text", "varchar", "bpchar", "name")
_ENUM = "an enum"  # stands for the user's enum types: no implicit cast, only polymorphic parameters
_SPOKEN = {"int2": "smallint", "int4": "integer", "int8": "bigint", "float4": "real", "float8": "double precision",
           "bool": "boolean", "timestamptz": "timestamp with time zone", "timestamp": "timestamp without time zone",
           "varchar": "character varying", "bpchar": "character", "timetz": "time with time zone"}
# Polymorphic parameters that take only some values.
_ARRAYS_ONLY = {"anyarray", "anycompatiblearray"}
_NO_ARRAYS = {"anynonarray", "anycompatiblenonarray"}
_RANGES = {"anyrange", "anymultirange", "anycompatiblerange", "anycompatiblemultirange"}
# Input functions of the types a quoted literal may be read as (coherence.literal_problem judges it).
_LITERAL_TYPES = {"int2": ir.ValueType(ir.INT), "int4": ir.ValueType(ir.INT), "int8": ir.ValueType(ir.INT),
                  "numeric": ir.ValueType(ir.DECIMAL), "float8": ir.ValueType(ir.FLOAT),
                  "float4": ir.ValueType(ir.FLOAT), "bool": ir.ValueType(ir.BOOL), "uuid": ir.ValueType(ir.UUID),
                  "date": ir.ValueType(ir.DATE), "timestamp": ir.ValueType(ir.DATETIME),
                  "timestamptz": ir.ValueType(ir.DATETIME_TZ)}


# Names sqlglot reads as a call that are SQL syntax, no function of pg_proc: x = ALL(arr), ROW(1, 2),
# GROUPING(a), the SQL/JSON constructors, CURRENT_ROLE...
_SYNTAX = {"all", "any", "some", "row", "grouping", "exists", "array", "values", "cube", "rollup", "collation",
           "treat", "merge_action", "json", "json_object", "json_array", "json_scalar", "json_serialize",
           "json_query", "json_value", "json_exists", "json_table", "json_arrayagg", "json_objectagg",
           "system_user", "current_role", "overlaps", "extract", "position", "overlay", "trim",
           "normalize", "coalesce", "nullif", "greatest", "least", "cast", "interval", "xmlparse", "xmlelement",
           "xmlforest", "xmlconcat", "xmlpi", "xmlroot", "xmlserialize", "xmlexists", "xmlattributes", "unique",
           "similar", "between", "in", "is", "not", "and", "or", "like", "ilike"}


@dataclass(frozen=True)
class Overload:
    args: tuple[str, ...]
    defaults: int
    variadic: bool

    def takes(self, count: int) -> bool:
        n = len(self.args)
        return n - self.defaults <= count <= n or (self.variadic and count >= n - 1)

    def parameter(self, i: int) -> str:
        if i < len(self.args) - 1 or not self.variadic:
            return self.args[i]
        last = self.args[-1]  # VARIADIC text[]: each further argument a text
        return last[:-2] if last.endswith("[]") else last


@dataclass(frozen=True)
class Table:
    functions: dict[str, tuple[Overload, ...]]
    types: dict[str, str]  # typname -> category and typtype letters ("Nb", "Pp")
    implicit: dict[str, frozenset[str]]
    extensions: dict[str, dict[str, tuple[Overload, ...]]]
    server: str


def _overloads(spelt: Iterable[str]) -> tuple[Overload, ...]:
    result = []
    for text in spelt:
        variadic = text.endswith("*")
        text = text.removesuffix("*")
        args, _, defaults = text.partition("/")
        result.append(Overload(tuple(args.split(",")) if args else (), int(defaults or 0), variadic))
    return tuple(result)


@cache
def table() -> Table:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    return Table({name: _overloads(v) for name, v in data["functions"].items()}, data["types"],
                 {source: frozenset(targets) for source, targets in data["implicit"].items()},
                 {ext: {name: _overloads(v) for name, v in functions.items()}
                  for ext, functions in data["extensions"].items()}, data["server"])


def possible(t: ir.ValueType) -> tuple[str, ...] | None:
    """The PostgreSQL types a value of type t may be, None when not known."""
    if t.model is not None or t.text_array or t.composite is not None:
        return None
    if t.enum is not None:
        scalar: tuple[str, ...] = (_ENUM,)
    elif t.base == ir.INT:
        scalar = ("int8",) if t.wide else ("int4", "int2", "int8")
    elif t.base == ir.STR:
        if coherence.family(ir.ValueType(ir.STR, family=t.family)) != "string":
            return None
        scalar = _STRINGS
    else:
        found = _POSSIBLE.get(t.base)
        if found is None:
            return None
        scalar = found
    return tuple(s + "[]" for s in scalar) if t.dims else scalar


def _fits(have: str, parameter: str, data: Table) -> bool:
    """A value of type have can be passed where the function takes parameter."""
    if have == parameter:
        return True
    array = have.endswith("[]")
    kind = data.types.get(parameter, "")
    if kind.endswith("p"):  # a pseudo-type: polymorphic
        if parameter in _ARRAYS_ONLY:
            return array
        if parameter in _NO_ARRAYS:
            return not array
        if parameter == "anyenum":
            return have == _ENUM
        return parameter not in _RANGES
    if parameter.endswith("[]"):
        return array and _fits(have[:-2], parameter[:-2], data)
    return not array and parameter in data.implicit.get(have, ())


def _adapts(node: exp.Expr) -> bool:
    """No type of its own: a parameter, NULL, a quoted literal; or a unit word (date_trunc's 'day')."""
    while isinstance(node, exp.Paren):
        node = node.this
    return isinstance(node, (exp.Placeholder, exp.Null, exp.Parameter, exp.Var)) or (
        isinstance(node, exp.Literal) and node.is_string)


def _spoken(types: tuple[str, ...] | None) -> str:
    if types is None:
        return "unknown"
    first = types[0]
    array = first.endswith("[]")
    name = _SPOKEN.get(first.removesuffix("[]"), first.removesuffix("[]"))
    return name + ("[]" if array else "")


def _versions(name: str, created_extensions: Iterable[str], defined: set[str]) -> list[Overload] | None:
    """The versions of function `name` the server would have: the built-in ones and those of the
    extensions the migrations create. None when the call is not judged (a type's name, syntax, a
    function the migrations define, an extension the table does not know may add any)."""
    data = table()
    if name != name.lower() or name in defined or name in data.types or name in _SYNTAX:
        return None
    overloads = list(data.functions.get(name, ()))
    for extension in created_extensions:
        if extension == "plpgsql":
            continue
        if extension not in data.extensions:
            return None  # it may add any function, or an overload of a built-in one
        overloads += data.extensions[extension].get(name, ())
    return overloads


def unknown(name: str, created_extensions: Iterable[str], defined: set[str]) -> bool:
    """Whether no built-in function, no extension the migrations create and no function they
    define has this name. Such a call fails on a server with only those, but the user's database
    may have it from outside the migrations (a DBA's, template1's): a warning, its result typed
    Any, an error under `strict` (as sqlc's strict_function_checks), not a refusal."""
    return _versions(name, created_extensions, defined) == []


def resolution_problem(name: str, node: exp.Expr, args: list[tuple[exp.Expr, ir.ValueType]],
                       created_extensions: Iterable[str], defined: set[str]) -> Problem | None:
    """Why the server finds no function name(args), or None when some overload may take them.

    created_extensions: the extensions the migrations create; defined: lower-cased names of
    functions, procedures and aggregates they define (any schema)."""
    data = table()
    overloads = _versions(name, created_extensions, defined)
    if not overloads:  # not judged, or a name nothing here defines (unknown, below)
        return None
    types = [None if _adapts(arg) else possible(t) for arg, t in args]
    signature = f"{name}({', '.join(_spoken(t) for t in types)})"
    counted = [o for o in overloads if o.takes(len(args))]
    if not counted:
        takes = sorted({len(o.args) for o in overloads})
        return (f"function {signature} does not exist ({name} takes "
                f"{' or '.join(str(n) for n in takes)} arguments)", node)
    def fits(i: int, t: tuple[str, ...] | None, o: Overload) -> bool:
        return t is None or any(_fits(h, o.parameter(i), data) for h in t)

    fitting = [o for o in counted if all(fits(i, t, o) for i, t in enumerate(types))]
    if not fitting:  # located at an argument no version takes, if one is such
        wrong = next((arg for i, ((arg, _), t) in enumerate(zip(args, types))
                      if not any(fits(i, t, o) for o in counted)), node)
        return f"function {signature} does not exist (no version of {name} takes such arguments)", wrong
    if len(fitting) == 1:  # the one the server takes reads each quoted literal as its parameter's type
        for i, (arg, _) in enumerate(args):
            goal = _LITERAL_TYPES.get(fitting[0].parameter(i))
            problem = coherence.literal_problem(arg, goal) if goal is not None else None
            if problem is not None:
                return problem
    return None


_CREATED = re.compile(r'\bCREATE\s+(?:OR\s+REPLACE\s+)?(FUNCTION|PROCEDURE|AGGREGATE|EXTENSION|COLLATION)\s+'
                      r'(?:IF\s+NOT\s+EXISTS\s+)?((?:"[^"]+"|[\w$]+)(?:\s*\.\s*(?:"[^"]+"|[\w$]+))?)', re.IGNORECASE)


def created_names(text: str) -> list[tuple[str, str]]:
    """(FUNCTION, name)... for each function, procedure, aggregate, extension and collation a
    statement creates, a DO block's too (the name without its schema, lower-cased unless quoted)."""
    found = []
    for m in _CREATED.finditer(text):
        last = re.split(r"\s*\.\s*", m.group(2))[-1]
        found.append((m.group(1).upper(), last[1:-1] if last.startswith('"') else last.lower()))
    return found


__all__ = ["created_names", "possible", "resolution_problem", "table"]
