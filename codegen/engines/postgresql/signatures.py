"""The PostgreSQL built-in function table used by pg_functions.py.

Each entry gives the result type, when the result may be NULL, and the argument types a parameter
passed there takes (with the argument names where pg_catalog names them). Type codes: i int,
f float, n numeric, t text, b bool, y bytea, j json(b), u uuid, d date, ts timestamp, tz timestamptz,
tm time, iv interval, a anything; tx a text sent as ::text (where the function takes "any"); a `[]`
suffix makes an array.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlglot import exp

from codegen import ir
from codegen.analyze.types import merge_datetimes, overridden_among_literals
from codegen.ir import Typed, ValueType

from . import ranges

_CODES = {"i": ir.INT, "f": ir.FLOAT, "n": ir.DECIMAL, "t": ir.STR, "b": ir.BOOL, "y": ir.BYTES, "j": ir.JSON,
          "u": ir.UUID, "d": ir.DATE, "ts": ir.DATETIME, "tz": ir.DATETIME_TZ, "tm": ir.TIME, "ttz": ir.TIME_TZ, "iv": ir.INTERVAL,
          "a": ir.ANY}


_CODE_OF = {base: code for code, base in _CODES.items()}


def value_type(code: str) -> ValueType:
    dims = code.count("[]")
    base = code.replace("[]", "")
    if base == "o":  # read as str, but of no string type (tsvector, tsquery): text functions take none
        return ValueType(ir.STR, dims=dims)
    if base == "tx":
        # An argument of type "any" (concat, format): the server cannot type a parameter there, and
        # psycopg sends a str as of unknown type, so a str failed at every call. Sent as text.
        return ValueType(ir.STR, family="string", parameter_cast="::text")
    return ValueType(_CODES[base], dims=dims, family="string" if base == "t" else "")


@dataclass
class Call:
    name: str
    args: list[exp.Expr]
    arg_type: Callable[[exp.Expr], Typed]
    rows: bool  # the aggregate sees at least one row (GROUP BY, or a window frame)
    filtered: bool
    _types: dict[int, Typed] = field(default_factory=dict)

    def t(self, i: int) -> Typed:
        if i not in self._types:
            arg = self.args[i]
            # unit words (extract(epoch FROM x)) and path literals (x -> 'k') are never NULL
            literal = isinstance(arg, (exp.Var, exp.JSONPath))
            self._types[i] = Typed(ValueType(ir.STR), False) if literal else self.arg_type(arg)
        return self._types[i]

    def base(self, i: int) -> str:
        return self.t(i).type.base if i < len(self.args) else ir.ANY


Result = str | Callable[[Call], ValueType]
Null = bool | Callable[[Call], bool]


@dataclass(frozen=True)
class Sig:
    result: Result
    null: Null = True
    args: tuple[str, ...] = ()  # parameter types by position; "" when the function does not say
    names: tuple[str, ...] = ()  # pg_catalog's argument names, where it has them
    variadic: bool = False  # the last argument type repeats
    arity: frozenset[int] | None = None  # argument counts it takes, when sure (else unchecked)
    aggregate: bool = False

    def apply(self, c: Call) -> Typed:
        vt = value_type(self.result) if isinstance(self.result, str) else self.result(c)
        return Typed(vt, self.null if isinstance(self.null, bool) else self.null(c))


# -- nullability ---------------------------------------------------------------
NEVER, ALWAYS = False, True


def STRICT(c: Call) -> bool:  # NULL in any argument gives NULL
    return any(c.t(i).nullable for i in range(len(c.args)))


def FIRST(c: Call) -> bool:
    return bool(c.args) and c.t(0).nullable


def ALL_NULL(c: Call) -> bool:  # coalesce, greatest, least: NULL only when every argument is
    return all(c.t(i).nullable for i in range(len(c.args)))


def AGG(c: Call) -> bool:  # NULL over no rows, or when every input is NULL
    return not c.rows or c.filtered or FIRST(c)


def AGG_ROWS(c: Call) -> bool:  # array_agg, json_agg...: NULL over no rows only
    return not c.rows or c.filtered


def SUBSTRING_NULL(c: Call) -> bool:
    """substring(s FROM pattern) and substring(s, pattern): a text pattern is a regular expression,
    and a string it does not match gives NULL (an integer start never does)."""
    return STRICT(c) or (len(c.args) > 1 and c.base(1) == ir.STR)


def LAG(c: Call) -> bool:  # NULL past the partition's edge unless a default is given
    return len(c.args) < 3 or c.t(0).nullable or c.t(2).nullable


# -- result types ----------------------------------------------------------------
def ARG0(c: Call) -> ValueType:
    return c.t(0).type if c.args else ValueType(ir.ANY)


def ARG1(c: Call) -> ValueType:
    return c.t(1).type if len(c.args) > 1 else ValueType(ir.ANY)


def ELEM0(c: Call) -> ValueType:
    t = ARG0(c)
    if not t.dims and t.base in ranges.MULTIRANGES:  # unnest(multirange): its ranges
        return ValueType(ranges.MULTIRANGES[t.base])
    return t.element()


def ARRAY0(c: Call) -> ValueType:
    return ARG0(c).array_of()


def AGG_ARRAY0(c: Call) -> ValueType:  # array_agg(x): a NULL x is an element ({NULL} under a LEFT JOIN)
    return ARG0(c).array_of(nullable_elements=bool(c.args) and c.t(0).nullable)


def APPEND(c: Call) -> ValueType:  # array_append(arr, x): a NULL x is an element
    t = ARG0(c)
    return replace(t, nullable_elements=t.nullable_elements or (len(c.args) > 1 and c.t(1).nullable))


def PREPEND(c: Call) -> ValueType:  # array_prepend(x, arr)
    t = ARG1(c)
    return replace(t, nullable_elements=t.nullable_elements or (bool(c.args) and c.t(0).nullable))


def REPLACE_ELEMENTS(c: Call) -> ValueType:  # array_replace(arr, old, new): a NULL new is an element
    t = ARG0(c)
    return replace(t, nullable_elements=t.nullable_elements or (len(c.args) > 2 and c.t(2).nullable))


def FILLED(c: Call) -> ValueType:  # array_fill(x, dims): every element is x, NULL or not
    return replace(ARRAY0(c), nullable_elements=bool(c.args) and c.t(0).nullable)


def SPLIT(c: Call) -> ValueType:  # string_to_array(s, sep, null_string): that piece is a NULL element
    return ValueType(ir.STR, dims=1, nullable_elements=len(c.args) > 2)


# regexp_match(es): a group that matched nothing ('(a)(x)?') is a NULL element
GROUPS = ValueType(ir.STR, dims=1, nullable_elements=True)


def ELEMENTS_NULL(c: Call) -> bool:  # unnest(arr): NULL where arr holds a NULL
    return bool(c.args) and c.t(0).type.nullable_elements


def MERGE(c: Call) -> ValueType:
    known = [c.t(i).type for i in range(len(c.args)) if c.t(i).type.base != ir.ANY]
    if not known:
        return ValueType(ir.ANY)
    if all(k == known[0] for k in known):
        return known[0]
    kept = overridden_among_literals(known)  # COALESCE(color, 'r'): a Color
    if kept is not None:
        return kept
    bases = {k.base for k in known}
    if len(bases) == 1:  # arrays (array_cat, COALESCE): a NULL element of any of them is one of the result
        return ValueType(bases.pop(), dims=known[0].dims, nullable_elements=any(k.nullable_elements for k in known))
    if bases <= {ir.INT, ir.DECIMAL}:
        return ValueType(ir.DECIMAL)
    if bases <= {ir.INT, ir.DECIMAL, ir.FLOAT}:
        return ValueType(ir.FLOAT)
    return merge_datetimes(bases) or ValueType(ir.ANY)


def TEXT_OR_BYTES(c: Call) -> ValueType:  # substr, trim, overlay, reverse, string_agg: of bytea, a bytea
    return ValueType(ir.BYTES) if c.args and c.base(0) == ir.BYTES else value_type("t")


def RANDOM(c: Call) -> ValueType:
    """random() is a double precision in [0, 1); random(min, max) (PostgreSQL 17) a value of its
    bounds' type: integer, bigint or numeric."""
    return MERGE(c) if c.args else ValueType(ir.FLOAT)


def NULLIF(c: Call) -> ValueType:
    """NULLIF(a, b) is a, of the type the = operator compares it as: NULLIF(1, 2.5) is double
    precision, NULLIF(1, 2.2) numeric (PostgreSQL's manual, 9.18.3). Integers of two widths have
    their own =, and keep a's type."""
    first = ARG0(c)
    bases = {first.base, ARG1(c).base}
    if len(bases) == 2 and bases <= {ir.INT, ir.DECIMAL, ir.FLOAT} and not first.dims:
        return MERGE(c)
    return first


def SUM(c: Call) -> ValueType:
    """sum(smallint or integer) is bigint, sum(bigint) numeric (it may pass 64 bits); sum(money) is
    money, the one text-read type with a sum (psycopg returns its text, '$12.34')."""
    base = c.base(0)
    if base == ir.INT and c.t(0).type.wide and c.t(0).type.dims == 0:
        return ValueType(ir.DECIMAL)
    return ValueType(base if base in (ir.INT, ir.FLOAT, ir.DECIMAL, ir.INTERVAL, ir.STR) else ir.DECIMAL)


def TEXT_OR_BOUND(c: Call) -> ValueType:
    """lower() and upper() of text are text; of a range or multirange its bound, of the range's
    element type (upper(int4range) is an int, lower(tstzmultirange) a timestamptz)."""
    bound = ranges.bound(c.base(0))
    if bound is not None:
        return ValueType(bound)
    return ValueType(ir.ANY) if c.base(0) == ir.ANY else ValueType(ir.STR, family="string")


def BOUND_NULL(c: Call) -> bool:
    """lower() and upper() of a range are NULL where it has no such bound: empty, or unbounded on that side."""
    return STRICT(c) or ranges.bound(c.base(0)) is not None or c.base(0) == ir.ANY


def RANGE0(c: Call) -> ValueType:
    """range_merge(), range_intersect_agg(): a range of the argument's (a multirange's ranges')."""
    t = ARG0(c)
    return ValueType(ranges.MULTIRANGES.get(t.base, t.base)) if not t.dims else ValueType(ir.ANY)


def MULTIRANGE0(c: Call) -> ValueType:
    """multirange(r), range_agg(r): the multirange of the argument's range type."""
    t = ARG0(c)
    if t.dims or t.base == ir.ANY:
        return ValueType(ir.ANY)
    return ValueType(t.base if t.base in ranges.MULTIRANGES else ranges.RANGE_OF.get(t.base, ir.ANY))


def _constructor(name: str) -> Sig:
    """int4range(a, b[, '[)']), tstzmultirange(r, ...): never NULL (a NULL bound is an unbounded side)."""
    bound = ranges.BOUNDS.get(name)
    args = f"{_CODE_OF[bound]},{_CODE_OF[bound]},t" if bound is not None else ""
    return _s(lambda c: ValueType(name), NEVER, args)


def AVG(c: Call) -> ValueType:
    base = c.base(0)
    return ValueType(base if base in (ir.FLOAT, ir.INTERVAL) else ir.DECIMAL)


def ROUNDING(c: Call) -> ValueType:
    """ceil, floor, round, trunc, sign: numeric or double precision. An integer takes the double
    precision form (ceil(7) is 7.0, PostgreSQL's preferred numeric type), except round(x, n) and
    trunc(x, n), which exist for numeric only."""
    if len(c.args) > 1:
        return ValueType(ir.DECIMAL)
    return ValueType(ir.FLOAT if c.base(0) in (ir.FLOAT, ir.INT) else ir.DECIMAL)


def NUMERIC_MATH(c: Call) -> ValueType:  # sqrt, exp, ln, log, power: numeric for numeric input
    bases = {c.base(i) for i in range(len(c.args))}
    return ValueType(ir.DECIMAL if ir.DECIMAL in bases and ir.FLOAT not in bases else ir.FLOAT)


def SERIES(c: Call) -> ValueType:  # generate_series(start, stop[, step]): the type of start/stop
    return MERGE(Call(c.name, c.args[:2], c.arg_type, c.rows, c.filtered)) if c.args else ValueType(ir.INT)


def _s(result: Result, null: Null = STRICT, args: str = "", names: str = "", variadic: bool = False,
       arity: tuple[int, ...] | None = None, aggregate: bool = False) -> Sig:
    return Sig(result, null, tuple(args.split(",")) if args else (), tuple(names.split(",")) if names else (),
               variadic, frozenset(arity) if arity is not None else None, aggregate)


def _agg(result: Result, null: Null = AGG, args: str = "") -> Sig:
    return _s(result, null, args, aggregate=True)


SIGNATURES: dict[str, Sig] = {
    # aggregates
    "COUNT": _agg("i", NEVER),
    "SUM": _agg(SUM), "AVG": _agg(AVG), "MIN": _agg(ARG0), "MAX": _agg(ARG0),
    "ANY_VALUE": _agg(ARG0),  # PostgreSQL 16: a non-null input value, if any
    # SQL/JSON (PostgreSQL 17): NULL where the path finds nothing; JSON_VALUE is an expression handler
    "JSON_QUERY": _s("j", ALWAYS, "j,t"), "JSON_EXISTS": _s("b", FIRST, "j,t"),
    "ARRAY_AGG": _agg(AGG_ARRAY0, AGG_ROWS),
    "STRING_AGG": _agg(TEXT_OR_BYTES, AGG, "t,t"),
    **dict.fromkeys(["JSON_AGG", "JSONB_AGG", "JSON_OBJECT_AGG", "JSONB_OBJECT_AGG"], _agg("j", AGG_ROWS)),
    **dict.fromkeys(["BOOL_AND", "BOOL_OR", "EVERY"], _agg("b", AGG, "b")),
    **dict.fromkeys(["BIT_AND", "BIT_OR", "BIT_XOR"], _agg(ARG0)),
    **dict.fromkeys(["STDDEV_POP", "VAR_POP"], _agg(AVG)),
    # the sample statistics are NULL for a single row too
    **dict.fromkeys(["STDDEV", "STDDEV_SAMP", "VARIANCE", "VAR_SAMP"], _agg(AVG, ALWAYS)),
    **dict.fromkeys(["CORR", "COVAR_POP", "COVAR_SAMP", "REGR_SLOPE", "REGR_INTERCEPT", "REGR_R2"],
                    _agg("f", ALWAYS)),
    "REGR_COUNT": _agg("i", NEVER),
    # window functions
    **dict.fromkeys(["ROW_NUMBER", "RANK", "DENSE_RANK"], _s("i", NEVER, arity=(0,))),
    "NTILE": _s("i", NEVER, "i"),
    **dict.fromkeys(["PERCENT_RANK", "CUME_DIST"], _s("f", NEVER, arity=(0,))),
    **dict.fromkeys(["LAG", "LEAD"], _s(ARG0, LAG, ",i")),
    **dict.fromkeys(["FIRST_VALUE", "LAST_VALUE"], _s(ARG0, FIRST)),
    "NTH_VALUE": _s(ARG0, ALWAYS, ",i"),
    # date and time
    **dict.fromkeys(["NOW", "TRANSACTION_TIMESTAMP", "STATEMENT_TIMESTAMP", "CLOCK_TIMESTAMP"],
                    _s("tz", NEVER, arity=(0,))),
    "CURRENT_DATE": _s("d", NEVER), "CURRENT_TIME": _s("ttz", NEVER), "LOCALTIME": _s("tm", NEVER),
    "LOCALTIMESTAMP": _s("ts", NEVER), "TIMEOFDAY": _s("t", NEVER, arity=(0,)),
    "DATE_TRUNC": _s(ARG1, STRICT, "t,tz,t"),
    "DATE_BIN": _s(ARG1, STRICT, "iv,tz,tz"),
    # extract() is numeric since PostgreSQL 14, date_part() double precision; sqlglot reads both as Extract
    "EXTRACT": _s("n", STRICT, "t,tz"), "DATE_PART": _s("f", STRICT, "t,tz"),
    "TO_CHAR": _s("t", STRICT, "tz,t"), "TO_DATE": _s("d", STRICT, "t,t"),
    "TO_TIMESTAMP": _s("tz"),  # (double precision) or (text, format)
    "TO_NUMBER": _s("n", STRICT, "t,t"),
    "AGE": _s("iv", STRICT, "tz,tz"),
    "MAKE_INTERVAL": _s("iv", STRICT, "i,i,i,i,i,i,f", "years,months,weeks,days,hours,mins,secs"),
    "MAKE_DATE": _s("d", STRICT, "i,i,i", "year,month,day"),
    "MAKE_TIME": _s("tm", STRICT, "i,i,f", "hour,min,sec"),
    "MAKE_TIMESTAMP": _s("ts", STRICT, "i,i,i,i,i,f", "year,month,mday,hour,min,sec"),
    "MAKE_TIMESTAMPTZ": _s("tz", STRICT, "i,i,i,i,i,f,t", "year,month,mday,hour,min,sec,timezone"),
    **dict.fromkeys(["JUSTIFY_DAYS", "JUSTIFY_HOURS", "JUSTIFY_INTERVAL"], _s("iv", STRICT, "iv")),
    "ISFINITE": _s("b", STRICT, "tz"),
    # strings
    **dict.fromkeys(["INITCAP", "MD5", "QUOTE_IDENT", "QUOTE_LITERAL", "UNACCENT"], _s("t", STRICT, "t", arity=(1,))),
    "REVERSE": _s(TEXT_OR_BYTES, STRICT, "t", arity=(1,)),  # PostgreSQL 18 reverses a bytea too
    **dict.fromkeys(["LOWER", "UPPER"], _s(TEXT_OR_BOUND, BOUND_NULL, "t", arity=(1,))),
    **dict.fromkeys(["LTRIM", "RTRIM", "BTRIM", "TRIM"], _s(TEXT_OR_BYTES, STRICT, "t,t")),
    **dict.fromkeys(["LPAD", "RPAD"], _s("t", STRICT, "t,i,t")),
    **dict.fromkeys(["LEFT", "RIGHT", "REPEAT"], _s("t", STRICT, "t,i")),
    **dict.fromkeys(["REPLACE", "TRANSLATE", "REGEXP_REPLACE"], _s("t", STRICT, "t,t,t,t")),
    "SUBSTR": _s(TEXT_OR_BYTES, STRICT, "t,i,i"), "SUBSTRING": _s(TEXT_OR_BYTES, SUBSTRING_NULL, "t,i,i"),
    "OVERLAY": _s(TEXT_OR_BYTES, STRICT, "t,t,i,i"), "SPLIT_PART": _s("t", STRICT, "t,t,i"),
    "CHR": _s("t", STRICT, "i"), "TO_HEX": _s("t", STRICT, "i"), "TO_ASCII": _s("t", STRICT, "t"),
    "CONCAT": _s("t", NEVER, "tx", variadic=True),  # NULL arguments are skipped
    "CONCAT_WS": _s("t", FIRST, "t,tx", variadic=True), "FORMAT": _s("t", FIRST, "t,tx", variadic=True),
    "QUOTE_NULLABLE": _s("t", NEVER),
    **dict.fromkeys(["LENGTH", "CHAR_LENGTH", "CHARACTER_LENGTH", "OCTET_LENGTH", "BIT_LENGTH", "ASCII"],
                    _s("i", STRICT, "t")),
    **dict.fromkeys(["STRPOS", "POSITION"], _s("i", STRICT, "t,t")),
    "STARTS_WITH": _s("b", STRICT, "t,t"),
    "ENCODE": _s("t", STRICT, "y,t"), "DECODE": _s("y", STRICT, "t,t"),
    "REGEXP_MATCH": _s(lambda c: GROUPS, ALWAYS, "t,t,t"),  # NULL when nothing matches
    "REGEXP_SPLIT_TO_ARRAY": _s("t[]", STRICT, "t,t,t"), "STRING_TO_ARRAY": _s(SPLIT, FIRST, "t,t,t"),
    "REGEXP_COUNT": _s("i", STRICT, "t,t"), "REGEXP_INSTR": _s("i", STRICT, "t,t"),
    "REGEXP_LIKE": _s("b", STRICT, "t,t"), "REGEXP_SUBSTR": _s("t", ALWAYS, "t,t"),
    "ARRAY_TO_STRING": _s("t", FIRST, ",t,t"),
    # numbers
    **dict.fromkeys(["ABS", "MOD", "GCD", "LCM"], _s(ARG0)),
    **dict.fromkeys(["CEIL", "CEILING", "FLOOR", "SIGN"], _s(ROUNDING)),
    **dict.fromkeys(["ROUND", "TRUNC"], _s(ROUNDING, STRICT, ",i")),  # round(x, $1): $1 is the digits, an int
    **dict.fromkeys(["SQRT", "EXP", "LN", "LOG", "LOG10", "POWER", "POW"], _s(NUMERIC_MATH)),
    **dict.fromkeys(["CBRT", "SIN", "COS", "TAN", "ASIN", "ACOS", "ATAN", "ATAN2", "DEGREES", "RADIANS", "SINH",
                     "COSH", "TANH"], _s("f")),
    "PI": _s("f", NEVER, arity=(0,)),
    "RANDOM": _s(RANDOM, STRICT, arity=(0, 2)),
    "SETSEED": _s("a", NEVER, "f"),
    "WIDTH_BUCKET": _s("i", STRICT, "f,f,f,i"), "DIV": _s("n", STRICT, "n,n"),
    **dict.fromkeys(["SCALE", "MIN_SCALE"], _s("i", STRICT, "n")), "TRIM_SCALE": _s("n", STRICT, "n"),
    "FACTORIAL": _s("n", STRICT, "i"), "HASHTEXT": _s("i", STRICT, "t"),
    # conditional
    "COALESCE": _s(MERGE, ALL_NULL), "GREATEST": _s(MERGE, ALL_NULL), "LEAST": _s(MERGE, ALL_NULL),
    "NULLIF": _s(NULLIF, ALWAYS),
    # json
    **dict.fromkeys(["JSON_BUILD_OBJECT", "JSONB_BUILD_OBJECT", "JSON_BUILD_ARRAY", "JSONB_BUILD_ARRAY"],
                    _s("j", NEVER)),
    **dict.fromkeys(["TO_JSON", "TO_JSONB", "ROW_TO_JSON", "ARRAY_TO_JSON", "JSONB_STRIP_NULLS",
                     "JSON_STRIP_NULLS", "JSON_OBJECT", "JSONB_OBJECT"], _s("j")),
    "JSONB_SET": _s("j", STRICT, "j,t[],j,b", "jsonb_in,path,replacement,create_if_missing"),
    "JSONB_SET_LAX": _s("j", FIRST, "j,t[],j,b,t"),
    "JSONB_INSERT": _s("j", STRICT, "j,t[],j,b", "jsonb_in,path,replacement,insert_after"),
    **dict.fromkeys(["JSONB_EXTRACT_PATH", "JSON_EXTRACT_PATH", "->", "JSONB_PATH_QUERY_FIRST"],
                    _s("j", ALWAYS, "j,t", variadic=True)),
    **dict.fromkeys(["JSONB_EXTRACT_PATH_TEXT", "JSON_EXTRACT_PATH_TEXT", "->>"],
                    _s("t", ALWAYS, "j,t", variadic=True)),
    # doc #> path and #>> path: the path is one text[] ('{a,b}'), where jsonb_extract_path takes
    # its keys one argument each
    "#>": _s("j", ALWAYS, "j,t[]"), "#>>": _s("t", ALWAYS, "j,t[]"),
    **dict.fromkeys(["JSON_ARRAY_LENGTH", "JSONB_ARRAY_LENGTH"], _s("i", STRICT, "j")),
    **dict.fromkeys(["JSON_TYPEOF", "JSONB_TYPEOF", "JSONB_PRETTY"], _s("t", STRICT, "j")),
    **dict.fromkeys(["JSONB_PATH_EXISTS", "JSONB_PATH_MATCH"], _s("b", STRICT, "j,t", "target,path")),
    # arrays
    "ARRAY_LENGTH": _s("i", ALWAYS, ",i"),  # NULL for an empty array
    **dict.fromkeys(["ARRAY_UPPER", "ARRAY_LOWER"], _s("i", ALWAYS, ",i")),
    "ARRAY_NDIMS": _s("i", ALWAYS), "ARRAY_DIMS": _s("t", ALWAYS),
    "CARDINALITY": _s("i"),
    "ARRAY_APPEND": _s(APPEND, NEVER), "ARRAY_PREPEND": _s(PREPEND, NEVER), "ARRAY_CAT": _s(MERGE, ALL_NULL),
    "ARRAY_REMOVE": _s(ARG0, FIRST), "ARRAY_REPLACE": _s(REPLACE_ELEMENTS, FIRST),
    "ARRAY_POSITION": _s("i", ALWAYS), "ARRAY_POSITIONS": _s("i[]", FIRST),
    "UNNEST": _s(ELEM0, ELEMENTS_NULL), "GENERATE_SERIES": _s(SERIES, NEVER), "GENERATE_SUBSCRIPTS": _s("i", NEVER),
    # sequences
    **dict.fromkeys(["NEXTVAL", "CURRVAL"], _s("i", STRICT, "t", arity=(1,))),
    "SETVAL": _s("i", STRICT, "t,i,b"), "LASTVAL": _s("i", NEVER, arity=(0,)),
    # locks and notifications (void results: Any)
    **dict.fromkeys(["PG_ADVISORY_LOCK", "PG_ADVISORY_XACT_LOCK", "PG_ADVISORY_LOCK_SHARED",
                     "PG_ADVISORY_XACT_LOCK_SHARED"], _s("a", NEVER, "i,i", arity=(1, 2))),
    **dict.fromkeys(["PG_TRY_ADVISORY_LOCK", "PG_TRY_ADVISORY_XACT_LOCK", "PG_ADVISORY_UNLOCK",
                     "PG_ADVISORY_UNLOCK_SHARED", "PG_TRY_ADVISORY_LOCK_SHARED",
                     "PG_TRY_ADVISORY_XACT_LOCK_SHARED"], _s("b", STRICT, "i,i", arity=(1, 2))),
    "PG_ADVISORY_UNLOCK_ALL": _s("a", NEVER, arity=(0,)),
    "PG_NOTIFY": _s("a", NEVER, "t,t"), "PG_SLEEP": _s("a", NEVER, "f"),
    # uuid-ossp, pgcrypto, pg_trgm
    **dict.fromkeys(["GEN_RANDOM_UUID", "UUID_GENERATE_V1", "UUID_GENERATE_V4", "UUIDV4"], _s("u", NEVER, arity=(0,))),
    "UUIDV7": _s("u", STRICT, "iv", "shift", arity=(0, 1)),  # uuidv7(shift interval): a time shifted
    **dict.fromkeys(["UUID_GENERATE_V3", "UUID_GENERATE_V5"], _s("u", STRICT, "u,t", "namespace,name")),
    **dict.fromkeys(["DIGEST", "HMAC"], _s("y", STRICT, "t,t,t")),
    "CRYPT": _s("t", STRICT, "t,t"), "GEN_SALT": _s("t", STRICT, "t,i"), "GEN_RANDOM_BYTES": _s("y", STRICT, "i"),
    "PGP_SYM_ENCRYPT": _s("y", STRICT, "t,t"), "PGP_SYM_DECRYPT": _s("t", STRICT, "y,t"),
    **dict.fromkeys(["SIMILARITY", "WORD_SIMILARITY", "STRICT_WORD_SIMILARITY"], _s("f", STRICT, "t,t")),
    "SHOW_TRGM": _s("t[]", STRICT, "t"),
    # text search
    # a tsvector or tsquery is no text: ts_rank(v, q) of text arguments does not exist
    **dict.fromkeys(["TO_TSVECTOR", "TO_TSQUERY", "PLAINTO_TSQUERY", "PHRASETO_TSQUERY", "WEBSEARCH_TO_TSQUERY"],
                    _s("o", STRICT, "t,t")),
    "SETWEIGHT": _s("o", STRICT, "o,t"), "STRIP": _s("o", STRICT, "o"), "TS_HEADLINE": _s("t", STRICT),
    "QUERYTREE": _s("t", STRICT, "o"), "NUMNODE": _s("i", STRICT, "o"),
    **dict.fromkeys(["TS_RANK", "TS_RANK_CD"], _s("f", STRICT)),
    # system information
    **dict.fromkeys(["CURRENT_USER", "SESSION_USER", "USER", "CURRENT_SCHEMA", "CURRENT_DATABASE", "VERSION",
                     "CURRENT_CATALOG"], _s("t", NEVER)),
    **dict.fromkeys(["PG_BACKEND_PID", "TXID_CURRENT"], _s("i", NEVER, arity=(0,))),
    "CURRENT_SETTING": _s("t", STRICT, "t,b"), "SET_CONFIG": _s("t", FIRST, "t,t,b"),
    "PG_TYPEOF": _s(lambda c: ValueType(ir.STR), NEVER),  # a regtype, read as its name: not text
    "HOST": _s("t", STRICT),
    **dict.fromkeys(["PG_SIZE_PRETTY", "FORMAT_TYPE", "OBJ_DESCRIPTION", "COL_DESCRIPTION"], _s("t")),
    **dict.fromkeys(["PG_TOTAL_RELATION_SIZE", "PG_RELATION_SIZE", "PG_TABLE_SIZE", "PG_DATABASE_SIZE"],
                    _s("i", STRICT, "t")),
    "ARRAY_FILL": _s(FILLED, STRICT),
    # ranges and multiranges (ranges.py)
    **dict.fromkeys(["ISEMPTY", "LOWER_INC", "UPPER_INC", "LOWER_INF", "UPPER_INF"], _s("b", STRICT, arity=(1,))),
    "RANGE_MERGE": _s(RANGE0, STRICT), "MULTIRANGE": _s(MULTIRANGE0, STRICT, arity=(1,)),
    "RANGE_AGG": _agg(MULTIRANGE0), "RANGE_INTERSECT_AGG": _agg(RANGE0),
    **{name.upper(): _constructor(name) for name in ranges.PYTHON_TYPES},
}


def _one(code: str, null: bool = False) -> Callable[[Call, str], list[tuple[str, Typed]]]:
    return lambda c, name: [(name, Typed(value_type(code), null))]


def _each(value: str, null: bool) -> Callable[[Call, str], list[tuple[str, Typed]]]:
    return lambda c, name: [("key", Typed(ValueType(ir.STR), False)), ("value", Typed(value_type(value), null))]


def _unnest(c: Call, name: str) -> list[tuple[str, Typed]]:
    # the elements of list[T] parameters and columns are T, never NULL, in the generated code
    # (an array that may hold NULL, array_agg of a nullable value, gives NULL elements; unnest(a, b)
    # pads the shorter array with NULLs)
    return [(name, Typed(ELEM0(Call(c.name, [a], c.arg_type, True, False)),
                         len(c.args) > 1 or c.arg_type(a).type.nullable_elements))
            for a in c.args]


# Set-returning functions used in FROM: their columns (named after the function when it has one).
SET_RETURNING: dict[str, Callable[[Call, str], list[tuple[str, Typed]]]] = {
    "GENERATE_SERIES": lambda c, name: [(name, Typed(SERIES(c), False))],
    "UNNEST": _unnest,
    "GENERATE_SUBSCRIPTS": _one("i"),
    **dict.fromkeys(["JSON_EACH", "JSONB_EACH"], _each("j", False)),
    **dict.fromkeys(["JSON_EACH_TEXT", "JSONB_EACH_TEXT"], _each("t", True)),  # a JSON null is NULL here
    **dict.fromkeys(["JSON_ARRAY_ELEMENTS", "JSONB_ARRAY_ELEMENTS"],
                    lambda c, name: [("value", Typed(ValueType(ir.JSON), False))]),
    **dict.fromkeys(["JSON_ARRAY_ELEMENTS_TEXT", "JSONB_ARRAY_ELEMENTS_TEXT"],
                    lambda c, name: [("value", Typed(ValueType(ir.STR), True))]),
    **dict.fromkeys(["JSON_OBJECT_KEYS", "JSONB_OBJECT_KEYS", "REGEXP_SPLIT_TO_TABLE", "STRING_TO_TABLE"], _one("t")),
    "REGEXP_MATCHES": lambda c, name: [(name, Typed(GROUPS, False))],
    "JSONB_PATH_QUERY": _one("j"),
}

__all__ = ["Call", "SET_RETURNING", "SIGNATURES", "Sig", "value_type"]
