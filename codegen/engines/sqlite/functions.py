"""Result types of SQLite function calls, as sqlglot parses them (read="sqlite").

`infer_call` maps one call node to the `Typed` it evaluates to, or None for a
call it does not know (the analyzer then falls back to Any, nullable).

sqlglot normalises many SQLite functions into its own classes and sometimes
restructures their arguments (strftime wraps its time-value, json_object pairs
keys with values, log10(x) becomes Log(10, x), max(a, b) becomes Greatest...).
So every call is first reduced to (SQLite function name, original argument
list) by `_name` / `_args`, and the rules below are written against SQLite's
own documentation (lang_corefunc, lang_datefunc, lang_mathfunc, json1,
lang_aggfunc, windowfunctions), checked against a real sqlite3 in the tests.

Operators the analyzer types itself (CAST, CASE, COLLATE, arithmetic, `||`,
`%` -- note sqlglot also turns the mod() *function* into `%`) are not handled.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from codegen import ir
from codegen.ir import Typed, ValueType

from ...analyze import calls
from ...analyze.types import overridden_among_literals
from . import dates
from .call_shape import ArgType, Call, arguments, name_of

# Base for functions that return JSON *text* (json(), json_object(), ->, ...).
# SQLite hands these back as str; flip to ir.JSON if the Python stage decodes.
JSON_TEXT = ir.STR

AGGREGATES = frozenset(
    {"AVG", "COUNT", "GROUP_CONCAT", "MAX", "MIN", "SUM", "TOTAL",
     "JSON_GROUP_ARRAY", "JSON_GROUP_OBJECT", "JSONB_GROUP_ARRAY", "JSONB_GROUP_OBJECT"}
)  # string_agg is an alias of group_concat (sqlglot parses both to GroupConcat)
WINDOW_FUNCTIONS = frozenset(
    {"ROW_NUMBER", "RANK", "DENSE_RANK", "PERCENT_RANK", "CUME_DIST", "NTILE",
     "LAG", "LEAD", "FIRST_VALUE", "LAST_VALUE", "NTH_VALUE"}
)

_NUMERIC = frozenset({ir.INT, ir.FLOAT, ir.BOOL, ir.DECIMAL})


def _frame_has_current_row(window: exp.Window) -> bool:
    """True when every frame of the window holds at least the current row.

    No frame clause means RANGE UNBOUNDED PRECEDING .. CURRENT ROW (or the whole
    partition), which always contains the current row.  A named window is
    looked up in the SELECT's WINDOW clause; anything we cannot see is unsafe.
    """
    spec = window.args.get("spec")
    if spec is None and window.args.get("alias") is not None:
        select = window.find_ancestor(exp.Select)
        named = {w.this.name: w for w in (select.args.get("windows") or [])} if select else {}
        base = named.get(window.args["alias"].name)
        if base is None:
            return False
        spec = base.args.get("spec")
    if spec is None:
        return True
    start = str(spec.args.get("start") or "").upper()
    start_side = str(spec.args.get("start_side") or "").upper()
    end = str(spec.args.get("end") or "").upper()
    end_side = str(spec.args.get("end_side") or "").upper()
    exclude = spec.args.get("exclude")
    return (
        (start == "CURRENT ROW" or start_side == "PRECEDING")
        and (not end or end == "CURRENT ROW" or end_side == "FOLLOWING")
        and (exclude is None or exclude.name.upper() in ("NO OTHERS", "TIES"))
    )


def _merge(types: list[Typed]) -> ValueType:
    """Common type of values that may come from any of `types`.

    ANY (e.g. a NULL literal) says nothing and is skipped; identical types keep
    their extras (literals, override); int/bool/float widen; else ANY.
    """
    known = [t.type for t in types if t.type.base != ir.ANY]
    if not known:
        return ValueType(ir.ANY)
    if all(t == known[0] for t in known):
        return known[0]
    kept = overridden_among_literals(known)  # COALESCE(color, 'r'): a Color
    if kept is not None:
        return kept
    bases = {t.base for t in known}
    if len(bases) == 1:
        return ValueType(bases.pop())
    if bases <= {ir.INT, ir.BOOL}:
        return ValueType(ir.INT)
    if bases <= {ir.INT, ir.BOOL, ir.FLOAT}:
        return ValueType(ir.FLOAT)
    return ValueType(ir.ANY)


def _numeric(base: str) -> str:
    # abs/ceil/floor/trunc/sum keep an integer an integer and a real a real;
    # text/blob/unknown input is converted and comes out int-or-real, which a
    # `float` annotation covers (int is acceptable where float is expected).
    # DECIMAL (NUMERIC affinity) stays DECIMAL like the column it came from.
    if base in (ir.INT, ir.BOOL):
        return ir.INT
    return base if base in (ir.FLOAT, ir.DECIMAL) else ir.FLOAT


# ---------------------------------------------------------------- rules

# A rule is (result type, nullability): each either a constant or a function of
# the call.  Nullability functions:
NEVER = False
ALWAYS = True


def STRICT(c: Call) -> bool:  # NULL in any argument -> NULL out
    return c.any_null()


def FIRST(c: Call) -> bool:  # only the first argument's NULL propagates
    return not c.args or c.t(0).nullable


def NUMERIC(c: Call) -> bool:
    # math functions (and sign/ceil/floor/trunc) return NULL for text or blobs
    # that do not look like numbers, not only for NULL.
    return c.any_null() or any(c.base(i) not in _NUMERIC for i in range(len(c.args)))


def AGG(c: Call) -> bool:
    # NULL over no rows (no GROUP BY / empty window frame), over a FILTER that
    # may reject every row, or when every input is NULL.
    return not c.rows or c.filtered or FIRST(c)


def DIVISOR(c: Call) -> bool:  # mod(x, 0) is NULL: safe only with a non-zero literal divisor
    divisor = dates.literal(c.args[1]) if len(c.args) == 2 else None
    return NUMERIC(c) or not (isinstance(divisor, (int, float)) and divisor != 0)


def FORMAT(c: Call) -> bool:  # printf('') is NULL: only a non-empty literal format is safe
    fmt = dates.literal(c.args[0]) if c.args else None
    return not (isinstance(fmt, str) and fmt != "")


def PATH(c: Call) -> bool:  # f(json) vs f(json, path): a missing path gives NULL
    return len(c.args) > 1 or FIRST(c)


def REMOVE(c: Call) -> bool:  # json_remove(x, '$') removes everything -> NULL
    paths = [dates.literal(a) for a in c.args[1:]]
    return FIRST(c) or any(not isinstance(p, str) or p.strip() == "$" for p in paths)


def ARG0(c: Call) -> ValueType:
    return c.t(0).type


def NUM0(c: Call) -> ValueType:
    return ValueType(_numeric(c.base(0)))


def _rule(type_: str | Callable[[Call], ValueType], null: bool | Callable[[Call], bool]) -> Callable[[Call], Typed]:
    def apply(c: Call) -> Typed:
        vt = ValueType(type_) if isinstance(type_, str) else type_(c)
        return Typed(vt, null if isinstance(null, bool) else null(c))

    return apply


def _coalesce(c: Call) -> Typed:  # non-null as soon as one argument is
    types = [c.t(i) for i in range(len(c.args))]
    return Typed(_merge(types), all(t.nullable for t in types))


def _iif(c: Call) -> Typed:  # iif(cond, then[, else]); a missing else is NULL
    branches = [c.t(i) for i in range(1, len(c.args))]
    return Typed(_merge(branches), len(c.args) < 3 or any(t.nullable for t in branches))


def _min_max(c: Call) -> Typed:
    if len(c.args) > 1:  # scalar max(a, b, ...): NULL if any argument is NULL
        types = [c.t(i) for i in range(len(c.args))]
        return Typed(_merge(types), any(t.nullable for t in types))
    return Typed(c.t(0).type, AGG(c))  # the aggregate


def _substr(c: Call) -> Typed:
    # substr() of a blob is a blob -- and NULL for an empty blob (x''), so any
    # argument that may be a blob makes it nullable (and, untyped, str or bytes).
    base = c.base(0)
    result = base if base in (ir.BYTES, ir.ANY) else ir.STR
    return Typed(ValueType(result), base in (ir.BYTES, ir.ANY) or STRICT(c))


def _json_extract(blob: bool) -> Callable[[Call], Typed]:
    # One path: the SQL value found there (any type), NULL when it is missing.
    # Several paths: a JSON array of the results, NULL only for NULL input.
    def rule(c: Call) -> Typed:
        if len(c.args) <= 2:
            return Typed(ValueType(ir.ANY), True)
        return Typed(ValueType(ir.BYTES if blob else JSON_TEXT), STRICT(c))

    return rule


def _lag_lead(c: Call) -> Typed:
    # NULL past the partition edge unless a default is given: lag(x, n, d).
    # A NULL offset n also yields the default, so only x and d matter.
    if len(c.args) < 3:
        return Typed(c.t(0).type, True)
    value, default = c.t(0), c.t(2)
    return Typed(_merge([value, default]), value.nullable or default.nullable)


_I, _F, _S, _B = ir.INT, ir.FLOAT, ir.STR, ir.BYTES

RULES: dict[str, Callable[[Call], Typed]] = {
    # core scalar functions (lang_corefunc)
    "ABS": _rule(NUM0, FIRST),  # abs('x') is 0.0, not NULL
    **dict.fromkeys(["CHANGES", "TOTAL_CHANGES", "LAST_INSERT_ROWID", "RANDOM"], _rule(_I, NEVER)),
    # char(NULL) is '\0'; hex(NULL) is ''; quote(NULL) is 'NULL'; soundex(NULL) is '?000'
    **dict.fromkeys(["CHAR", "HEX", "QUOTE", "SOUNDEX", "TYPEOF", "SQLITE_VERSION",
                     "SQLITE_SOURCE_ID", "UNISTR_QUOTE", "CONCAT"], _rule(_S, NEVER)),
    "COALESCE": _coalesce,
    "NULLIF": _rule(ARG0, ALWAYS),
    "IIF": _iif,
    **dict.fromkeys(["LIKE", "GLOB"], _rule(ir.BOOL, STRICT)),
    **dict.fromkeys(["INSTR", "LENGTH", "OCTET_LENGTH"], _rule(_I, STRICT)),
    "UNICODE": _rule(_I, ALWAYS),  # unicode('') is NULL
    # replace(x, '', y) returns x unchanged, even an integer: still typed str
    **dict.fromkeys(["LOWER", "UPPER", "LTRIM", "RTRIM", "TRIM", "REPLACE", "UNISTR"], _rule(_S, STRICT)),
    "SUBSTR": _substr,
    "PRINTF": _rule(_S, FORMAT),  # NULL or '' format -> NULL; NULL arguments print as ''/0
    "CONCAT_WS": _rule(_S, FIRST),  # only a NULL separator gives NULL
    **dict.fromkeys(["RANDOMBLOB", "ZEROBLOB"], _rule(_B, NEVER)),
    "UNHEX": _rule(_B, ALWAYS),  # NULL for non-hex input
    "ROUND": _rule(_F, STRICT),  # always real, round(5) is 5.0
    "SIGN": _rule(_I, NUMERIC),
    **dict.fromkeys(["LIKELIHOOD", "LIKELY", "UNLIKELY"], _rule(ARG0, FIRST)),
    **dict.fromkeys(["MAX", "MIN"], _min_max),
    "SQLITE_COMPILEOPTION_USED": _rule(ir.BOOL, STRICT),
    "SQLITE_COMPILEOPTION_GET": _rule(_S, ALWAYS),
    "SQLITE_OFFSET": _rule(_I, ALWAYS),
    # date and time (lang_datefunc), see the comment above _HMS
    "DATE": dates.date_rule(ir.DATE),
    "TIME": dates.date_rule(ir.TIME),
    "DATETIME": dates.date_rule(ir.DATETIME),
    "JULIANDAY": dates.date_rule(_F),
    "UNIXEPOCH": dates.unixepoch,
    "STRFTIME": dates.strftime,
    "TIMEDIFF": dates.timediff,
    "CURRENT_DATE": _rule(ir.DATE, NEVER),
    "CURRENT_TIME": _rule(ir.TIME, NEVER),
    "CURRENT_TIMESTAMP": _rule(ir.DATETIME, NEVER),
    # math (lang_mathfunc): real results, NULL for NULL or non-numeric input;
    # sin/cos/tan of an infinity is NaN -> NULL too, which we accept as a gap.
    **dict.fromkeys(["ASINH", "ATAN", "ATAN2", "COS", "COSH", "DEGREES", "EXP",
                     "RADIANS", "SIN", "SINH", "TAN", "TANH"], _rule(_F, NUMERIC)),
    # domain errors give NaN, which SQLite returns as NULL: sqrt(-1), ln(0),
    # acos(2), pow(-1, 0.5), mod(x, 0) ... (mod() reaches us as Anonymous: our
    # SQLite dialect keeps sqlglot from reading it as the % operator)
    **dict.fromkeys(["ACOS", "ACOSH", "ASIN", "ATANH", "LN", "LOG", "POW", "SQRT"], _rule(_F, ALWAYS)),
    "MOD": _rule(_F, DIVISOR),
    # ceil/floor/trunc return an integer argument unchanged, reals as reals
    **dict.fromkeys(["CEIL", "FLOOR", "TRUNC"], _rule(NUM0, NUMERIC)),
    "PI": _rule(_F, NEVER),
    # fts5 auxiliary functions: highlight/snippet of a NULL column are NULL; bm25 is a real rank
    **dict.fromkeys(["HIGHLIGHT", "SNIPPET"], _rule(_S, ALWAYS)),
    "BM25": _rule(_F, NEVER),
    # JSON (json1).  Malformed JSON raises an error rather than giving NULL.
    **dict.fromkeys(["JSON", "JSON_PRETTY"], _rule(JSON_TEXT, FIRST)),
    "JSONB": _rule(_B, FIRST),
    # NULL elements become null; json_quote(NULL) is 'null'
    **dict.fromkeys(["JSON_ARRAY", "JSON_OBJECT", "JSON_QUOTE"], _rule(JSON_TEXT, NEVER)),
    **dict.fromkeys(["JSONB_ARRAY", "JSONB_OBJECT"], _rule(_B, NEVER)),
    "JSON_EXTRACT": _json_extract(False),
    "JSONB_EXTRACT": _json_extract(True),
    "->": _rule(JSON_TEXT, ALWAYS),
    "JSON_ARRAY_LENGTH": _rule(_I, PATH),
    "JSON_TYPE": _rule(_S, PATH),
    "JSON_ERROR_POSITION": _rule(_I, FIRST),
    # 3.40 returns 0 for NULL, newer releases NULL: nullable with its argument
    "JSON_VALID": _rule(ir.BOOL, FIRST),
    **dict.fromkeys(["JSON_INSERT", "JSON_REPLACE", "JSON_SET"], _rule(JSON_TEXT, FIRST)),
    **dict.fromkeys(["JSONB_INSERT", "JSONB_REPLACE", "JSONB_SET"], _rule(_B, FIRST)),
    "JSON_REMOVE": _rule(JSON_TEXT, REMOVE),
    "JSONB_REMOVE": _rule(_B, REMOVE),
    "JSON_PATCH": _rule(JSON_TEXT, STRICT),
    "JSONB_PATCH": _rule(_B, STRICT),
    # aggregates (lang_aggfunc); count/total and the JSON ones are never NULL
    "COUNT": _rule(_I, NEVER),
    "SUM": _rule(NUM0, AGG),  # int for ints, real for reals
    "TOTAL": _rule(_F, NEVER),
    "AVG": _rule(_F, AGG),
    "GROUP_CONCAT": _rule(_S, AGG),  # a NULL separator counts as ''
    "JSON_GROUP_ARRAY": _rule(JSON_TEXT, NEVER),  # '[]' over no rows
    "JSON_GROUP_OBJECT": _rule(JSON_TEXT, NEVER),  # '{}' over no rows
    **dict.fromkeys(["JSONB_GROUP_ARRAY", "JSONB_GROUP_OBJECT"], _rule(_B, NEVER)),
    # window functions
    **dict.fromkeys(["ROW_NUMBER", "RANK", "DENSE_RANK", "NTILE"], _rule(_I, NEVER)),
    **dict.fromkeys(["PERCENT_RANK", "CUME_DIST"], _rule(_F, NEVER)),
    **dict.fromkeys(["LAG", "LEAD"], _lag_lead),
    # first/last_value see a row whenever the frame holds the current row
    **dict.fromkeys(["FIRST_VALUE", "LAST_VALUE"], _rule(ARG0, lambda c: not c.rows or FIRST(c))),
    "NTH_VALUE": _rule(ARG0, ALWAYS),
}


# ---------------------------------------------------------------- API


def is_aggregate(node: exp.Expr) -> bool:
    """Is `node` an aggregate call that folds the query's rows (not OVER ...)?

    Scalar max(a, b) / min(a, b) are not; neither is an aggregate used as a
    window function, since it does not collapse rows.
    """
    if isinstance(node, exp.Filter):
        node = node.this
    name = name_of(node)
    if name not in AGGREGATES or calls.window_of(node) is not None:
        return False
    return not (name in ("MAX", "MIN") and len(arguments(node)) > 1)


def infer_call(
    node: exp.Expr, arg_type: ArgType, *, grouped: bool, filtered: bool = False
) -> Typed | None:
    """The Typed of a function call, or None when it is not a call we know.

    grouped: the SELECT has GROUP BY, so an aggregate sees at least one row.
    filtered: the aggregate has a FILTER clause (also detected from the tree).
    As a window function (parent is exp.Window) `grouped` is ignored and the
    frame decides whether an aggregate may see no rows.
    """
    if isinstance(node, exp.Window):
        node = node.this
    if isinstance(node, exp.Filter):
        node, filtered = node.this, True
    if isinstance(node, exp.TsOrDsToTimestamp) and isinstance(node.parent, exp.TimeToStr):
        # sqlglot's wrapper of strftime's time-value, not a call written in the SQL: the value's own type
        # (left to fall through, it was an "unknown function" warning, an error under strict).
        return arg_type(node.this)
    name = name_of(node)
    if name is None or (rule := RULES.get(name)) is None:
        return None
    filtered = filtered or isinstance(node.parent, exp.Filter)
    window = calls.window_of(node)
    rows = grouped if window is None else _frame_has_current_row(window)
    return rule(Call(name, arguments(node), arg_type, rows, filtered))
