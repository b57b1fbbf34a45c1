"""SQLite's date and time functions: when their result is provably not NULL."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from sqlglot import exp

from codegen import ir
from codegen.ir import Typed, ValueType

from .call_shape import Call, name_of

# ---------------------------------------------------------------- date & time
#
# Every date/time function returns NULL for a NULL argument AND for a time-value
# or modifier it cannot parse, or a result outside years 0000..9999, so a NOT
# NULL text column is no guarantee.  We call the result non-null only when every
# argument is a literal we can prove valid: 'now', an ISO date/time string, a
# number, CURRENT_TIMESTAMP and friends, or a non-null nested date()/time()/
# datetime()/julianday(); and modifiers from the long-standing set.  To stay
# clear of the year limits, literal years must lie in 1000..8999 and the +/-N
# unit modifiers may add up to 900 years at most.  Newer modifiers ('subsec',
# 'auto', 'julianday', 'ceiling', ...) and strftime specifiers (%e %F %I %k %l
# %p %P %R %T %u %G %g %U %V) give NULL on older SQLite (3.40 here), so they
# count as nullable.

_HMS = r"(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:[Zz]|[+-](?:0\d|1[0-4]):[0-5]\d)?"
# 'now' in any case, but only an upper-case T separates date and time
_TIME_VALUE = re.compile(rf"(?i:now)|\d{{4}}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:[ T]{_HMS})?|{_HMS}")
_SHIFT = re.compile(r"[+-]?(\d+(?:\.\d+)?) +(day|hour|minute|second|month|year)s?", re.I)
_MODIFIER = re.compile(r"start of (?:month|year|day)|weekday [0-6]|localtime|utc", re.I)
_PER_YEAR = {"day": 365.25, "hour": 8766, "minute": 525960, "second": 31557600, "month": 12, "year": 1}
_MAX_SHIFT = 900
_STRFTIME_FORMAT = re.compile(r"(?:[^%]|%[dfHjJmMsSwWY%])*")
_JULIAN_RANGE = (2086302.5, 5008242.5)  # 1000-01-01 .. 9000-01-01
_UNIX_RANGE = (-30610224000, 221845392000)
_DATE_RESULTS = frozenset({"DATE", "TIME", "DATETIME", "JULIANDAY", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP"})


def literal(arg: exp.Expr) -> str | float | None:
    if isinstance(arg, exp.Neg):
        inner = literal(arg.this)
        return -inner if isinstance(inner, float) else None
    if isinstance(arg, exp.Literal):
        if arg.is_string:
            return str(arg.this)
        try:
            return float(arg.this)
        except ValueError:
            return None
    return None


def _valid_text(text: str) -> bool:
    if _TIME_VALUE.fullmatch(text) is None:
        return False
    if text[4:5] != "-":  # 'now' or a bare time
        return True
    # SQLite passes '2024-02-30' through unchanged (no calendar check), which
    # is then no date for Python: only accept days that exist.
    try:
        return 1000 <= dt.date(int(text[:4]), int(text[5:7]), int(text[8:10])).year <= 8999
    except ValueError:
        return False


def _valid_time(c: Call, i: int, unixepoch: bool = False, shifted: bool = False) -> bool:
    arg = c.args[i]
    value = literal(arg)
    if isinstance(value, str):
        return not unixepoch and _valid_text(value)
    if isinstance(value, float):
        low, high = _UNIX_RANGE if unixepoch else _JULIAN_RANGE
        return low <= value <= high
    # a nested date(...) may already sit near a year limit: no shifting it
    return not (unixepoch or shifted) and name_of(arg) in _DATE_RESULTS and not c.t(i).nullable


def _valid_date_args(c: Call, start: int) -> bool:
    """args[start] is the time-value (absent: 'now'), the rest modifiers."""
    if len(c.args) <= start:
        return True
    mods = [literal(a) for a in c.args[start + 1 :]]
    unixepoch = bool(mods) and isinstance(mods[0], str) and mods[0].lower() == "unixepoch"
    shift = 0.0
    for mod in mods[1 if unixepoch else 0 :]:
        if not isinstance(mod, str):
            return False
        if m := _SHIFT.fullmatch(mod):
            shift += float(m[1]) / _PER_YEAR[m[2].lower()]
        elif not _MODIFIER.fullmatch(mod):
            return False
    return shift <= _MAX_SHIFT and _valid_time(c, start, unixepoch, shift > 0)


def date_rule(base: str) -> Callable[[Call], Typed]:
    return lambda c: Typed(ValueType(base), not _valid_date_args(c, 0))


def unixepoch(c: Call) -> Typed:
    subsec = any(str(literal(a)).lower() == "subsec" for a in c.args[1:])
    return Typed(ValueType(ir.FLOAT if subsec else ir.INT), not _valid_date_args(c, 0))


def strftime(c: Call) -> Typed:
    fmt = literal(c.args[0]) if c.args else None
    ok = isinstance(fmt, str) and _STRFTIME_FORMAT.fullmatch(fmt) is not None
    return Typed(ValueType(ir.STR), not (ok and _valid_date_args(c, 1)))


def timediff(c: Call) -> Typed:
    ok = len(c.args) == 2 and _valid_time(c, 0) and _valid_time(c, 1)
    return Typed(ValueType(ir.STR), not ok)
