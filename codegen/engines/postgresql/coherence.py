"""Values PostgreSQL cannot put together: refused when the query is prepared, so at every call.

PostgreSQL resolves every operator and assignment by the types on both sides when it prepares a
query: `text_col = 1` (operator does not exist: text = integer), `bool_col = 2`, `ts_col > 5`,
`int_col LIKE 'a%'`, `WHERE text_col`, `text_col + 1`, `CASE ... THEN name ELSE age END`, a UNION
of text over integer, `SET bool_col = 1`; and a quoted literal takes the type of the other side,
read by that type's input function then and there: `int_col = 'abc'`, `LIMIT 'a'`, `bool_col =
'maybe'`, `mood_col = 'sad'` where the enum has no such label. The analysis generated a function
failing at every call for each.

Only what is known is judged. A type is known by its family (`family()`): numbers compare with
numbers (integer = numeric), strings with strings, dates and timestamps with each other; a
parameter, NULL or a quoted literal has no type of its own (it takes the other side's); a type read
as str that is no string type (money, tsvector, a bit string) or any type codegen reads as Any is
not judged. A quoted literal is judged only by the input syntaxes below, each looser than the
server's (the server's verdict on the rest comes from `verify --db`).
"""

from __future__ import annotations

import re

from sqlglot import exp

from ... import ir
from . import moments

Problem = tuple[str, exp.Expr]

_BASE_FAMILIES = {ir.INT: "number", ir.FLOAT: "number", ir.DECIMAL: "number", ir.BOOL: "boolean",
                  ir.DATE: "datetime", ir.DATETIME: "datetime", ir.DATETIME_TZ: "datetime", ir.TIME: "time",
                  ir.TIME_TZ: "time",
                  ir.INTERVAL: "interval", ir.UUID: "uuid", ir.BYTES: "bytea"}
_SPOKEN = {"number": "a number", "string": "text", "boolean": "boolean", "datetime": "a date or timestamp",
           "time": "a time of day", "interval": "an interval", "uuid": "uuid", "bytea": "bytea"}
# (column's family, value's family) an assignment converts between: timestamp to time, interval to
# time are assignment casts, time to interval an implicit one; no date or timestamp takes a time or
# an interval.
_ASSIGNABLE = {("time", "datetime"), ("time", "interval"), ("interval", "time")}

_INTEGER = re.compile(r"\s*[+-]?(?:\d[\d_]*|0[xX][\da-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+)\s*")
_NUMBER = re.compile(r"\s*[+-]?(?:(?:\d[\d_]*)?\.?[\d_]*(?:[eE][+-]?\d+)?|nan|inf|infinity|0[xob][\da-f_.p+-]+)\s*",
                     re.IGNORECASE)  # numeric reads 0x1F and 1_000 too (PostgreSQL 16), double precision hex
_BOOLEAN_WORDS = ("true", "false", "yes", "no", "on", "off", "1", "0")
_UUID = re.compile(r"[\da-fA-F]{32}")


def family(t: ir.ValueType) -> str | None:
    """The family of SQL types a value of this type compares with, None when not known."""
    if t.dims or t.model is not None or t.text_array or t.composite is not None:
        return None
    if t.enum is not None:
        return f"enum {t.enum}"
    if t.base == ir.STR:
        return t.family or None
    return _BASE_FAMILIES.get(t.base)


def _comparable(a: str | None, b: str | None) -> bool:
    """Values of the two families compare, and have one common type: the same family, or a time of
    day and an interval (time converts to interval implicitly)."""
    return a == b or {a, b} == {"time", "interval"}


def spoken(name: str) -> str:
    return _SPOKEN.get(name, name.removeprefix("enum "))


def _adapts(node: exp.Expr) -> bool:
    """A value of no type of its own: a parameter, NULL, a quoted literal (PostgreSQL's unknown)."""
    while isinstance(node, (exp.Paren, exp.Collate)):  # 'a' COLLATE "C" is still of no type of its own
        node = node.this
    return isinstance(node, (exp.Placeholder, exp.Null, exp.Parameter)) or (
        isinstance(node, exp.Literal) and node.is_string)


def _literal(node: exp.Expr) -> exp.Literal | None:
    while isinstance(node, (exp.Paren, exp.Collate)):  # 'a' COLLATE "C" is still of no type of its own
        node = node.this
    return node if isinstance(node, exp.Literal) and node.is_string else None


def literal_problem(node: exp.Expr, t: ir.ValueType) -> Problem | None:
    """A quoted literal the input function of t refuses: `int_col = 'abc'`."""
    literal = _literal(node)
    if literal is None or t.dims:
        return None
    text = str(literal.this)
    if t.enum is not None:
        if t.literals and text not in t.literals:
            return f'invalid input value for enum {t.enum}: "{text}"', node
        return None
    kind = family(t)
    if t.base == ir.INT and kind == "number" and not _INTEGER.fullmatch(text):
        return f'invalid input syntax for type integer: "{text}"', node
    if t.base in (ir.DECIMAL, ir.FLOAT) and not _NUMBER.fullmatch(text) or (
            t.base in (ir.DECIMAL, ir.FLOAT) and not re.search(r"\d|nan|inf", text, re.IGNORECASE)):
        return f'invalid input syntax for type {"numeric" if t.base == ir.DECIMAL else "double precision"}: ' \
               f'"{text}"', node
    if t.base == ir.BOOL and not _boolean(text):
        return f'invalid input syntax for type boolean: "{text}"', node
    if t.base == ir.UUID and not _UUID.fullmatch(re.sub(r"[{}\-\s]", "", text)):
        return f'invalid input syntax for type uuid: "{text}"', node
    if t.base in _DATE_NAMES and (not re.search(r"\d", text) and text.strip().lower() not in _DATE_WORDS or (
            t.base not in (ir.TIME, ir.TIME_TZ) and (_PLAIN_NUMBER.fullmatch(text) and len(re.sub(r"\D", "", text)) < 6
                                   or _CODED_NUMBER.fullmatch(text)))):
        return f'invalid input syntax for type {_DATE_NAMES[t.base]}: "{text}"', node
    moment = moments.problem(text, t.base)
    return (moment, node) if moment is not None else None


# A date or time PostgreSQL reads has a digit in it, or is one of its special words.
_DATE_NAMES = {ir.DATE: "date", ir.DATETIME: "timestamp", ir.DATETIME_TZ: "timestamp with time zone",
               ir.TIME: "time", ir.TIME_TZ: "time with time zone"}
# A date as a plain number has at least 6 digits (YYMMDD, YYYYMMDD): '2024' or '7' is no date.
_PLAIN_NUMBER = re.compile(r"\s*[+-]?[\d.]+(?:[eE][+-]?\d+)?\s*")
_CODED_NUMBER = re.compile(r"\s*[+-]?(?:0[xXoObB][\da-fA-F_]+|\d+_[\d_]*)\s*")  # 0x1F, 1_000: no dates
_DATE_WORDS = {"now", "today", "tomorrow", "yesterday", "epoch", "infinity", "-infinity", "+infinity", "allballs"}


def _boolean(text: str) -> bool:
    """PostgreSQL's boolean input: a word or a prefix of one (1 letter for t/f/y/n, 2 for on/off)."""
    word = text.strip().lower()
    return bool(word) and any(w.startswith(word) and (len(word) >= 2 or w not in ("on", "off"))
                              for w in _BOOLEAN_WORDS)


def compared(node: exp.Expr, operands: list[tuple[exp.Expr, ir.ValueType]], operator: str) -> Problem | None:
    """Operands one operator puts side by side (=, <, IN's items, BETWEEN's bounds, LIKE)."""
    typed = [(n, t, family(t)) for n, t in operands if not _adapts(n)]
    known = [(n, f) for n, _, f in typed if f is not None]
    if operator in ("~~", "~~*", "~"):  # LIKE, ILIKE, regular expressions: text only
        other = next(((n, f) for n, f in known if f != "string"), None)
        if other is not None:
            return f"operator does not exist: {spoken(other[1])} {operator} text (LIKE compares text)", other[0]
    elif known:
        first = known[0][1]
        other = next(((n, f) for n, f in known if not _comparable(first, f)), None)
        if other is not None:
            return (f"operator does not exist: {spoken(first)} {operator} {spoken(other[1])}: PostgreSQL compares "
                    "no such values", other[0])
    if typed and len({f for _, _, f in typed}) == 1 and typed[0][2] is not None:
        t = typed[0][1]
        for n, _ in operands:
            problem = literal_problem(n, t)
            if problem is not None:
                return problem
    return None


def shared_parameter(name: str, compared: list[tuple[exp.Expr, ir.ValueType]]) -> Problem | None:
    """One parameter compared with values of two families (`id = @x AND name = @x`): the server
    gives it the type of the first value of a type it is compared with, and finds no operator for
    the other (text = bigint). compared: those values in order, the last one just seen."""
    known = [family(t) for n, t in compared if not _adapts(n)]
    if len(known) < 2 or known[-1] is None or known[0] is None or _comparable(known[0], known[-1]) \
            or _adapts(compared[-1][0]):
        return None
    first, then = str(known[0]), str(known[-1])
    label = f" {name}" if name else ""
    return (f"operator does not exist: {spoken(then)} = {spoken(first)}: parameter{label} is first compared with "
            f"{spoken(first)}, which makes it of that type, then with {spoken(then)}", compared[-1][0])


def condition(clause: str, node: exp.Expr, t: ir.ValueType) -> Problem | None:
    """WHERE, ON, HAVING and the operands of AND, OR and NOT must be boolean."""
    kind = None if _adapts(node) else family(t)
    if kind is not None and kind != "boolean":
        return f"argument of {clause} must be type boolean, not {spoken(kind)}", node
    return literal_problem(node, ir.ValueType(ir.BOOL)) if _literal(node) is not None else None


def arithmetic(node: exp.Expr, operands: list[tuple[exp.Expr, ir.ValueType]]) -> Problem | None:
    """+ - * / % of text, a boolean, a uuid or bytea: no such operator; nor timestamp + number,
    date + bigint, date + date (date +/- integer, date - date, timestamp - timestamp are)."""
    symbol = _SYMBOLS.get(type(node), "")
    kinds = [(operand, t, None if _adapts(operand) else family(t)) for operand, t in operands]
    if symbol == "%":  # % is of integers and numeric only: a double precision operand has none
        for operand, t, kind in kinds:
            if kind is not None and t.base == ir.FLOAT and not t.dims:
                return "operator does not exist: double precision % (% takes integers and numeric)", operand
    for operand, t, kind in kinds:
        if kind is not None and (kind in ("string", "boolean", "uuid", "bytea") or kind.startswith("enum ")):
            if isinstance(node, exp.Neg):
                return f"operator does not exist: - {spoken(kind)}", operand
            return f"operator does not exist: {spoken(kind)} {symbol or 'arithmetic'}", operand
    if len(kinds) != 2 or not symbol:
        return None
    (left, a, x), (right, b, y) = kinds
    for (literal, _, _), (_, t, kind) in (((left, a, x), (right, b, y)), ((right, b, y), (left, a, x))):
        if _literal(literal) is not None and kind == "number":
            return literal_problem(literal, t)  # the literal is read as the number's type
        if _literal(literal) is not None and kind == "datetime" and symbol in "*/%":
            return f"operator does not exist: {_date_name(t)} {symbol} unknown", node
    if "datetime" not in (x, y):
        return None
    if x == y == "datetime":
        return None if symbol == "-" else (f"operator does not exist: {_date_name(a)} {symbol} {_date_name(b)}", right)
    date, number = ((left, a), (right, b)) if x == "datetime" else ((right, b), (left, a))
    if "number" not in (x, y):
        return None  # an interval, a time, or what is not known
    if symbol in "+-" and date[1].base == ir.DATE and _integer(*number) and (symbol == "+" or date[0] is left):
        return None
    return f"operator does not exist: {_date_name(date[1])} {symbol} a number", number[0]


_SYMBOLS: dict[type, str] = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/", exp.Mod: "%"}


def _date_name(t: ir.ValueType) -> str:
    return {ir.DATE: "date", ir.DATETIME: "timestamp", ir.DATETIME_TZ: "timestamp with time zone"}.get(t.base, "a date")


def _integer(node: exp.Expr, t: ir.ValueType) -> bool:
    """An integer (not a bigint: PostgreSQL has date + integer only)."""
    while isinstance(node, (exp.Paren, exp.Collate)):  # 'a' COLLATE "C" is still of no type of its own
        node = node.this
    if isinstance(node, exp.Literal) and not node.is_string:
        return str(node.this).isdigit() and int(str(node.this)) < 2**31
    return t.base == ir.INT and not t.wide


def common(what: str, operands: list[tuple[exp.Expr, ir.ValueType]]) -> Problem | None:
    """The results of a CASE, the columns a UNION puts one above the other: one type for all."""
    typed = [(n, family(t), t) for n, t in operands if not _adapts(n)]
    known = [(n, f, t) for n, f, t in typed if f is not None]
    if known:
        first = known[0][1]
        other = next(((n, f) for n, f, _ in known if not _comparable(first, f)), None)
        if other is not None:
            return f"{what} types {spoken(first)} and {spoken(other[1])} cannot be matched", other[0]
    if typed and known and len(known) == len(typed):
        for n, _ in operands:
            problem = literal_problem(n, known[0][2])
            if problem is not None:
                return problem
    return None


def assigned(column: str, target: ir.ValueType, value: exp.Expr, t: ir.ValueType) -> Problem | None:
    """A value stored into a column (INSERT's VALUES, UPDATE's SET) converts by an assignment cast:
    anything to text, numbers among themselves, dates and times among themselves."""
    problem = literal_problem(value, target)
    if problem is not None or _adapts(value):
        return problem
    goal, have = family(target), family(t)
    if goal is None or have is None or goal == have or goal == "string":
        return None
    if (goal, have) in _ASSIGNABLE:
        return None
    return f'column "{column}" is of type {spoken(goal)} but expression is of type {spoken(have)}', value


# Functions of one argument and the families no version of them takes (sum(text), max(boolean),
# length(integer)); a family not listed, or not known, is left to the server.
_NOT_TAKEN = {
    "sum": {"string", "boolean", "datetime", "time", "uuid", "bytea"},
    "avg": {"string", "boolean", "datetime", "time", "uuid", "bytea"},
    "max": {"boolean"}, "min": {"boolean"},
    "lower": {"number", "boolean", "datetime", "time", "interval", "uuid"},
    "upper": {"number", "boolean", "datetime", "time", "interval", "uuid"},
    "length": {"number", "boolean", "datetime", "time", "interval", "uuid"},
    "char_length": {"number", "boolean", "datetime", "time", "interval", "uuid", "bytea"},
}


def called(function: str, argument: exp.Expr, t: ir.ValueType) -> Problem | None:
    kind = None if _adapts(argument) else family(t)
    if kind is not None and (kind in _NOT_TAKEN.get(function, ()) or (
            kind.startswith("enum ") and function in ("sum", "avg", "lower", "upper", "length", "char_length"))):
        return f"function {function}({spoken(kind)}) does not exist", argument
    return None


# Casts PostgreSQL has not got (a boolean to a date, a timestamp to an integer): to text and from
# a quoted literal every type has one, and what is not listed is left to the server.
_NO_CAST = {"boolean": {"datetime", "time", "interval", "uuid", "bytea"},
            "datetime": {"number", "boolean", "uuid"},
            "number": {"datetime", "time", "uuid"},
            "uuid": {"number", "boolean", "datetime"}}


def cast(value: exp.Expr, have: ir.ValueType, goal: ir.ValueType) -> Problem | None:
    problem = literal_problem(value, goal)
    if problem is not None or _adapts(value):
        return problem
    source, target = family(have), family(goal)
    if source is not None and target is not None and target in _NO_CAST.get(source, ()):
        return f"cannot cast type {spoken(source)} to {spoken(target)}", value
    return None


def limit(clause: str, node: exp.Expr, t: ir.ValueType) -> Problem | None:
    literal = _literal(node)
    if literal is not None and not _INTEGER.fullmatch(str(literal.this)):
        return f'invalid input syntax for type bigint: "{literal.this}"', node
    kind = None if _adapts(node) else family(t)
    if kind is not None and kind != "number":
        return f"argument of {clause} must be type bigint, not {spoken(kind)}", node
    return None
