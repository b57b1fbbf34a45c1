"""Result types of PostgreSQL function calls, as sqlglot parses them (read with dialect.py's CodegenPostgres).

The same interface as functions.py (the SQLite table): `infer_call(node, arg_type, grouped=,
filtered=)` gives the `Typed` a call evaluates to, or None for a call it does not know, and
`is_aggregate(node)` tells aggregates. PostgreSQL needs a little more, also here:

- `arg_hints`: the type and name a parameter passed as each argument takes (`lower($1)` takes
  text named "lower"; `make_interval(secs => $1)` a float named "secs"), like sqlc, which names
  such a parameter after the argument when the catalog names it, else after the function;
- user-defined functions (CREATE FUNCTION, kept in the catalog), matched by name, argument count
  and named arguments (`f(b => $2, a => $1)`), with defaults;
- `check`: a known function called with an argument count it never takes is an error;
- `table_columns`: what a set-returning function yields in FROM.

sqlglot turns many calls into its own classes (now() is CurrentTimestamp, date_part() is Extract,
to_char() TimeToStr...), so each call is first reduced to (PostgreSQL name, SQL-order arguments).
Nullability follows PostgreSQL: most built-in functions are STRICT (a NULL argument gives NULL, so a
call is nullable exactly when an argument is); aggregates other than count give NULL over no rows
(there is always a row per group under GROUP BY); lookups that can miss (->, jsonb_extract_path,
array_length of an empty array, regexp_match) are always nullable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlglot import exp

from codegen import ir
from codegen.ir import Typed, ValueType

from ...analyze import calls
from ...analyze.types import placeholder_index
from . import signatures as sigs
from .signatures import SET_RETURNING, SIGNATURES, Call, Sig

ArgType = Callable[[exp.Expr], Typed]

# sqlglot class name -> PostgreSQL function, where Func.sql_name() says something else.
_CLASS_NAMES = {
    "CurrentTimestamp": "NOW", "TimestampTrunc": "DATE_TRUNC", "TimeToStr": "TO_CHAR", "StrToDate": "TO_DATE",
    "UnixToTime": "TO_TIMESTAMP", "StrToTime": "TO_TIMESTAMP", "GroupConcat": "STRING_AGG",
    "JSONArrayAgg": "JSON_AGG", "JSONObjectAgg": "JSON_OBJECT_AGG", "JSONBObjectAgg": "JSONB_OBJECT_AGG",
    "LogicalAnd": "BOOL_AND", "LogicalOr": "BOOL_OR", "BitwiseAndAgg": "BIT_AND", "BitwiseOrAgg": "BIT_OR",
    "BitwiseXorAgg": "BIT_XOR", "VariancePop": "VAR_POP", "ExplodingGenerateSeries": "GENERATE_SERIES",
    "GenerateSeries": "GENERATE_SERIES", "Explode": "UNNEST", "Uuid": "GEN_RANDOM_UUID", "Rand": "RANDOM",
    "Pow": "POWER", "ArraySize": "ARRAY_LENGTH", "ArrayConcat": "ARRAY_CAT", "Hex": "TO_HEX",
    "StrPosition": "STRPOS", "CurrentVersion": "VERSION", "TimestampFromParts": "MAKE_TIMESTAMP",
    "JSONExtract": "->", "JSONExtractScalar": "->>", "JSONBExtract": "#>", "JSONBExtractScalar": "#>>",
    "MakeInterval": "MAKE_INTERVAL", "Localtimestamp": "LOCALTIMESTAMP", "Localtime": "LOCALTIME",
    "ArrayToString": "ARRAY_TO_STRING", "StringToArray": "STRING_TO_ARRAY", "ToNumber": "TO_NUMBER",
    "JustifyDays": "JUSTIFY_DAYS", "JustifyHours": "JUSTIFY_HOURS", "JustifyInterval": "JUSTIFY_INTERVAL",
    "DateBin": "DATE_BIN", "Ceil": "CEIL", "Stddev": "STDDEV", "StddevPop": "STDDEV_POP",
    "StddevSamp": "STDDEV_SAMP", "Corr": "CORR", "CovarPop": "COVAR_POP", "CovarSamp": "COVAR_SAMP",
    "ArrayAppend": "ARRAY_APPEND", "ArrayPrepend": "ARRAY_PREPEND", "ArrayRemove": "ARRAY_REMOVE",
    "ArrayPosition": "ARRAY_POSITION", "BitLength": "BIT_LENGTH", "MD5": "MD5", "RegexpReplace": "REGEXP_REPLACE",
    "SplitPart": "SPLIT_PART", "StartsWith": "STARTS_WITH", "WidthBucket": "WIDTH_BUCKET",
    "CurrentSchema": "CURRENT_SCHEMA", "CurrentUser": "CURRENT_USER", "SessionUser": "SESSION_USER",
    "TimeFromParts": "MAKE_TIME", "JSONObject": "JSON_OBJECT",
}


def pg_name(node: exp.Expr) -> str | None:
    if isinstance(node, exp.Anonymous):
        return str(node.name).upper()
    if isinstance(node, exp.Pad):
        return "LPAD" if node.args.get("is_left") else "RPAD"
    if isinstance(node, exp.Trim):
        position = str(node.args.get("position") or "").upper()
        return {"LEADING": "LTRIM", "TRAILING": "RTRIM"}.get(position, "BTRIM")
    if isinstance(node, exp.Extract):
        return "EXTRACT"
    if _is_log10(node):
        return "LOG10"
    if isinstance(node, exp.Func) and not isinstance(node, (exp.Cast, exp.Case, exp.If)):
        return _CLASS_NAMES.get(type(node).__name__, node.sql_name())
    return None


# sqlglot classes whose arguments (call_args) are the call's as written, so a call of one is judged
# against the server's function table (builtins.py) by the name pg_name gives it. Others are left
# out: sqlglot adds arguments (initcap's delimiter), reorders them (position(a IN b)), or reads
# SQL syntax that is no function call (COALESCE, EXTRACT, CURRENT_DATE).
_AS_WRITTEN = (exp.TimestampTrunc, exp.GroupConcat, exp.Pad, exp.Left, exp.Right, exp.Round, exp.Trunc,
               exp.TimeToStr, exp.Replace, exp.StartsWith, exp.SplitPart, exp.Repeat, exp.Chr, exp.Ascii,
               exp.RegexpReplace, exp.ArraySize, exp.ArrayToString, exp.StringToArray, exp.StrToDate,
               exp.ToNumber, exp.ArrayAppend, exp.ArrayPrepend, exp.ArrayRemove, exp.ArrayPosition, exp.Translate,
               exp.Encode, exp.Decode, exp.Abs, exp.Sqrt, exp.Ln, exp.Log, exp.Exp, exp.Sign, exp.Ceil, exp.Floor, exp.Pow,
               exp.MD5, exp.Reverse, exp.Hex, exp.Lower, exp.Upper, exp.Initcap,
               exp.JustifyDays, exp.JustifyHours, exp.JustifyInterval, exp.Trim, exp.WidthBucket, exp.DateBin,
               exp.MakeInterval, exp.Substring, exp.StrToTime, exp.UnixToTime)


def _is_log10(node: exp.Expr) -> bool:
    """sqlglot reads log10(x) as log(10, x), which PostgreSQL has not got for a double precision x:
    told apart by the name's length as written (the call's meta spans its name)."""
    if not isinstance(node, exp.Log) or node.expression is None:
        return False
    start, end = node.meta.get("start"), node.meta.get("end")
    return isinstance(start, int) and isinstance(end, int) and end - start + 1 == len("log10")


def written_name(node: exp.Expr) -> str | None:
    """The function a call names, as PostgreSQL looks it up (lower-cased), where its arguments are
    known as written (an unqualified, unquoted name); None for the rest."""
    if isinstance(node.parent, exp.Dot) or (isinstance(node, exp.Anonymous) and isinstance(node.this, exp.Identifier)
                                            and node.this.quoted):
        return None
    if isinstance(node, exp.Anonymous) or isinstance(node, _AS_WRITTEN):
        name = pg_name(node)
        return name.lower() if name else None
    return None


def call_args(node: exp.Expr) -> list[exp.Expr]:
    """The call's arguments in SQL order (named arguments still wrapped in Kwarg)."""
    if isinstance(node, exp.TimestampTrunc):  # date_trunc(unit, value [, zone])
        return [a for a in (node.args.get("unit"), node.this, node.args.get("zone")) if a is not None]
    if isinstance(node, exp.Extract):  # extract(unit FROM value), date_part(unit, value)
        return [node.this, node.expression]
    if isinstance(node, exp.Initcap):  # sqlglot adds a delimiter PostgreSQL's initcap(text) has not got
        return [node.this] if node.this is not None else []
    if _is_log10(node):
        return [node.expression]
    if isinstance(node, exp.ArrayPrepend):  # array_prepend(element, array): sqlglot keeps the array first
        return [a for a in (node.expression, node.this) if a is not None]
    return calls.arguments(node)



# ---------------------------------------------------------------- user-defined functions


def call_schema(node: exp.Expr) -> str | None:
    """The schema a call names (`billing.total(1)`, `FROM billing.items_of(1)`) as the catalog
    keeps a function's (FuncDef.schema): None for public or none named, since the default
    search_path finds public's; pg_catalog's are the built-ins, never a user's."""
    written = written_schema(node)
    return None if written == "public" else written


def visible(functions: dict[str, list[Any]], node: exp.Expr, path: tuple[str | None, ...]) -> dict[str, list[Any]]:
    """The functions a call can mean. A qualified call names its schema's (public's as None, as
    FuncDef.schema keeps it); an unqualified one, those of the schemas on the search_path, the
    earlier schema's first (the server takes the first of equally fitting ones), each as if it
    were public's, which is how the matching below knows an unqualified call's candidates."""
    call = node.this if isinstance(node, (exp.Window, exp.Filter)) else node
    if not isinstance(call, exp.Anonymous) or written_schema(call) is not None:
        return functions
    name = str(call.name).lower()
    found = [replace(f, schema=None) for schema in path for f in functions.get(name, []) if f.schema == schema]
    return {**functions, name: found}


def written_schema(node: exp.Expr) -> str | None:
    """The schema a call is qualified with, as the server reads it (folded unless quoted); None
    when it names none."""
    parent = node.parent
    if isinstance(parent, exp.Dot) and parent.expression is node:
        written = parent.this
    elif isinstance(parent, exp.Table) and parent.this is node:
        written = parent.args.get("db")
    else:
        return None
    if not isinstance(written, exp.Identifier):
        return None
    return written.name if written.quoted else written.name.lower()


@dataclass
class _Match:
    func: Any  # catalog.postgres.FuncDef
    bound: list[tuple[exp.Expr, Any]] = field(default_factory=list)  # (argument value, FuncArg)


def _match_user(node: exp.Expr, functions: dict[str, list[Any]] | None) -> tuple[bool, _Match | None]:
    """(name is user-defined, the overload the call resolves to)."""
    if not functions or not isinstance(node, exp.Anonymous):
        return False, None
    schema = call_schema(node)
    overloads = [f for f in functions.get(str(node.name).lower()) or [] if f.schema == schema]
    if not overloads:
        return False, None
    args = list(node.expressions)
    for func in sorted(overloads, key=lambda f: len(f.inputs)):
        inputs = func.inputs
        variadic = bool(inputs) and inputs[-1].mode == "VARIADIC"
        positional = [a for a in args if not isinstance(a, exp.Kwarg)]
        named = {str(a.this.name).lower(): a.expression for a in args if isinstance(a, exp.Kwarg)}
        if len(positional) > len(inputs) and not variadic:
            continue
        bound: list[tuple[exp.Expr, Any]] = []
        for i, value in enumerate(positional):
            bound.append((value, inputs[min(i, len(inputs) - 1)]))
        rest = inputs[len(positional):]
        by_name = {(a.name or "").lower(): a for a in rest}
        if any(n not in by_name for n in named):
            continue
        bound += [(value, by_name[n]) for n, value in named.items()]
        given = {id(a) for _, a in bound}
        if any(id(a) not in given and not a.has_default and a.mode != "VARIADIC" for a in rest):
            continue
        return True, _Match(func, bound)
    # no overload fits: a built-in function of that name may (CREATE FUNCTION lower(int) ...)
    return pg_name(node) not in SIGNATURES, None


def _user_result(match: _Match, arg_type: ArgType) -> Typed:
    func = match.func
    if len(func.columns) == 1:  # RETURNS TABLE (y int) is SETOF int
        return Typed(func.columns[0][1], False)
    if func.columns or func.returns is None:
        return Typed(ValueType(ir.ANY), func.returns is None and not func.columns)  # a record, or void
    # sqlc reads a function's result as NOT NULL; a STRICT one is NULL for any NULL argument.
    nullable = func.strict and any(arg_type(value).nullable for value, _ in match.bound)
    return Typed(func.returns, nullable)


# ---------------------------------------------------------------- API


def is_aggregate(node: exp.Expr) -> bool:
    """An aggregate call folding the query's rows (not one used as a window function)."""
    if isinstance(node, exp.Filter):
        node = node.this
    if isinstance(node, exp.WithinGroup):
        return True
    sig = SIGNATURES.get(pg_name(node) or "")
    return sig is not None and sig.aggregate and calls.window_of(node) is None


def check(node: exp.Expr, functions: dict[str, list[Any]] | None = None) -> str | None:
    """Why the call cannot resolve (a known function, an argument count it never takes), or None."""
    user, match = _match_user(node, functions)
    if user:
        return None if match is not None else f"function {node.name}({_unknowns(node)}) does not exist"
    name = pg_name(node)
    schema = written_schema(node)
    if schema not in (None, "pg_catalog"):  # the built-ins are pg_catalog's, and no user's is there
        return f"function {schema}.{str(name or node.name).lower()}({_unknowns(node)}) does not exist"
    if isinstance(node, exp.Count) and node.this is None:  # SQLite counts rows so; PostgreSQL wants count(*)
        return "count(*) must be used to call a parameterless aggregate function"
    sig = SIGNATURES.get(name or "")
    if sig is None or sig.arity is None or not isinstance(node, exp.Anonymous | exp.Rand | exp.CurrentTimestamp):
        return None
    if len(call_args(node)) not in sig.arity:
        return f"function {str(name).lower()}({_unknowns(node)}) does not exist"
    return None


def _unknowns(node: exp.Expr) -> str:
    return ", ".join("unknown" for _ in call_args(node))


def arg_hints(node: exp.Expr, functions: dict[str, list[Any]] | None = None
              ) -> list[tuple[exp.Expr, Typed, str | None]]:
    """For each argument that takes a known type: (argument, type, name a parameter there gets)."""
    user, match = _match_user(node, functions)
    if user:
        if match is None:
            return []
        return [(value, Typed(arg.type, False), arg.name or str(node.name).lower()) for value, arg in match.bound]
    name = pg_name(node)
    sig = SIGNATURES.get(name or "")
    if sig is None or not sig.args:
        return []
    hints: list[tuple[exp.Expr, Typed, str | None]] = []
    for i, arg in enumerate(call_args(node)):
        label = sig.names[i] if i < len(sig.names) else None
        if isinstance(arg, exp.Kwarg):
            label = str(arg.this.name).lower()
            position = sig.names.index(label) if label in sig.names else None
            arg = arg.expression
        else:
            position = i if i < len(sig.args) else (len(sig.args) - 1 if sig.variadic else None)
        if position is None or not sig.args[position]:
            continue
        hints.append((arg, Typed(sigs.value_type(sig.args[position]), False), label or str(name).lower()))
    return hints


# Built-in functions whose two arguments are of one type (anyrange, anyrange) that no table here names.
_SAME_TYPED = {"range_merge"}
# Built-in functions of an array and an element (anycompatiblearray, anycompatible): the server
# types a parameter passed as the element from the array beside it (array_append(int_arr, $1): an
# integer), and one passed as the array (array_cat(int_arr, $1)) as that array.
_ELEMENT_OF_ARRAY = {"array_append": (0, 1), "array_prepend": (1, 0), "array_position": (0, 1),
                     "array_positions": (0, 1), "array_remove": (0, 1), "array_replace": (0, 1, 2)}
_ARRAY_OF_ARRAY = {"array_cat": (0, 1)}
# power(x, $1) and x ^ $1: double precision unless x is numeric (the server's pick for an unknown
# beside a known type is that type's; an integer x goes up to double precision).
_POWER = {"power", "pow"}
# generate_series(start, stop [, step]) and random(min, max): start and stop of one type (an
# integer, a numeric, a timestamp), the step of theirs or an interval beside timestamps.
_SERIES = {"generate_series", "random"}
# A parameter alone in these, the server picks double precision (abs($1), to_timestamp($1)).
_FLOAT_ALONE = {"abs", "round", "trunc", "sqrt", "cbrt", "exp", "ln", "log10", "ceil", "ceiling", "floor", "sign",
                "to_timestamp"}
_TEMPORAL = {ir.DATE, ir.DATETIME, ir.DATETIME_TZ}


def derived_arg_types(node: exp.Expr, arg_type: ArgType) -> list[tuple[exp.Expr, ValueType]]:
    """(parameter, type) where the server types a parameter passed to a built-in from the other
    arguments rather than from the function's signature: range_merge(during, $1) takes a tstzrange,
    array_append(int_arr, $1) an integer, generate_series(1, $1) an integer, abs($1) a double."""
    name = (pg_name(node) or "").lower()
    args = call_args(node)
    if any(isinstance(a, exp.Kwarg) for a in args):
        return []
    params = [i for i, a in enumerate(args) if placeholder_index(a) is not None]
    if not params:
        return []
    if name in _ELEMENT_OF_ARRAY or name in _ARRAY_OF_ARRAY:
        array, *others = (_ELEMENT_OF_ARRAY.get(name) or _ARRAY_OF_ARRAY[name])
        if array >= len(args) or array in params:
            return []
        known = arg_type(args[array]).type
        if name in _ELEMENT_OF_ARRAY:
            known = known.element() if known.dims else ValueType(ir.ANY)
        return [(args[i], known) for i in others if i in params and known.base != ir.ANY]
    if name in _FLOAT_ALONE and len(args) == 1:
        return [(args[0], ValueType(ir.FLOAT))]
    if name in _SERIES and len(args) in (2, 3):
        bounds = [arg_type(args[i]).type for i in (0, 1) if i not in params]
        if not bounds or bounds[0].base == ir.ANY:
            return []
        bound = bounds[0]
        if bound.base == ir.INT and not bound.dims:
            # sent cast: psycopg sends 0 as a smallint, and of (smallint, smallint) no
            # generate_series is unique (integer, bigint, numeric all take it)
            bound = replace(bound, parameter_cast="::bigint" if bound.wide else "::integer")
        step = ValueType(ir.INTERVAL) if bound.base in _TEMPORAL else bound
        return [(args[i], bound if i < 2 else step) for i in params]
    if name in _SAME_TYPED | _POWER and len(args) == 2 and len(params) == 1:
        other = arg_type(args[1 - params[0]]).type
        if name in _POWER:
            other = ValueType(ir.DECIMAL if other.base == ir.DECIMAL else ir.FLOAT)
        return [(args[params[0]], other)] if other.base != ir.ANY else []
    return []


def infer_call(node: exp.Expr, arg_type: ArgType, *, grouped: bool, filtered: bool = False,
               functions: dict[str, list[Any]] | None = None) -> Typed | None:
    """The Typed of a function call, or None when it is not a call we know.

    grouped: the SELECT has GROUP BY, so an aggregate sees at least one row.
    filtered: the aggregate has a FILTER clause, which may leave it no row.
    As a window function the frame holds the current row, so the aggregate sees one.
    """
    if isinstance(node, exp.Window):
        node = node.this
    if isinstance(node, exp.Filter):
        node, filtered = node.this, True
    if isinstance(node, exp.WithinGroup):  # percentile_cont(0.5) WITHIN GROUP (ORDER BY x)
        inner = node.this
        name = pg_name(inner) if isinstance(inner, exp.Func) else None
        return Typed(ValueType(ir.FLOAT if name and name.startswith("PERCENTILE_CONT") else ir.ANY), True)
    user, match = _match_user(node, functions)
    if user:
        return _user_result(match, arg_type) if match is not None else None
    name = pg_name(node)
    sig = SIGNATURES.get(name or "")
    if sig is None:
        return None
    filtered = filtered or isinstance(node.parent, exp.Filter)
    rows = grouped or calls.window_of(node) is not None
    args = [a.expression if isinstance(a, exp.Kwarg) else a for a in call_args(node)]
    typed = sig.apply(Call(str(name), args, arg_type, rows, filtered))
    if name in SET_RETURNING and not typed.nullable and _beside_another_set(node):
        # SELECT unnest(a), unnest(b): the shorter set is padded with NULLs to the longer one's rows
        typed = Typed(typed.type, True)
    return typed


def _beside_another_set(node: exp.Expr) -> bool:
    """The set-returning call stands in a select list that calls another one."""
    item = node
    while item.parent is not None and not isinstance(item.parent, exp.Select):
        item = item.parent
    select = item.parent
    if select is None or item.arg_key != "expressions":
        return False
    return any(other is not node and pg_name(other) in SET_RETURNING and other.find_ancestor(exp.Select) is select
               for expression in select.expressions for other in expression.find_all(exp.Func))


def table_columns(node: exp.Expr, arg_type: ArgType, functions: dict[str, list[Any]] | None = None
                  ) -> list[tuple[str, Typed]] | None:
    """Columns of a function used as a FROM item, or None for a function we do not know.

    A function of a scalar result gives one column named after the function (the caller
    renames it to the alias, as PostgreSQL does)."""
    user, match = _match_user(node, functions)
    name = str(node.name).lower() if isinstance(node, exp.Anonymous) else (pg_name(node) or "").lower()
    if user:
        if match is None:
            return None
        func = match.func
        if func.columns:  # nullable, as sqlc reads them, but where they are a table's NOT NULL columns
            return [(n, Typed(t, n not in func.required)) for n, t in func.columns]
        return [(name, Typed(func.returns or ValueType(ir.ANY), True))]
    upper = name.upper()
    args = [a.expression if isinstance(a, exp.Kwarg) else a for a in call_args(node)]
    rows = sigs.SET_RETURNING.get(upper)
    if rows is not None:
        return rows(Call(upper, args, arg_type, True, False), name)
    result = infer_call(node, arg_type, grouped=False)
    return None if result is None else [(name, result)]


__all__ = ["arg_hints", "call_args", "check", "written_name", "infer_call", "is_aggregate", "pg_name", "table_columns", "Sig"]
