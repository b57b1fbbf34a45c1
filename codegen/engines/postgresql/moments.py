"""Quoted dates, times and intervals the server's input functions refuse when it prepares the query
(`date_col = '2024-02-30'`, `ts_col = '1 day'`, `time_col = '2024-01-31'`, `iv_col = 'abc'`).

PostgreSQL reads a great many forms; these rules recognise only forms that are plainly of another
kind or out of range, each checked against the server (tests/test_drawn_pgverdict2.py draws them):
a date with month 13 or day 30 of February, a time of day alone where a date is needed, an
interval's words ('1 day', 'P1D') where a moment is, a date where a time of day or an interval is.
Anything else is left to the server (`verify --db`).
"""

from __future__ import annotations

import calendar
import re

from ... import ir

_NAMES = {ir.DATE: "date", ir.DATETIME: "timestamp", ir.DATETIME_TZ: "timestamp with time zone",
          ir.TIME: "time", ir.INTERVAL: "interval"}
_DATED = (ir.DATE, ir.DATETIME, ir.DATETIME_TZ)

_ISO_DATE = re.compile(r"\s*(\d{4,5})-(\d{1,2})-(\d{1,2})(?:[ T].*)?", re.DOTALL)
_DATE_ONLY = re.compile(r"\s*\d{4,5}-\d{1,2}-\d{1,2}\s*")
_TIME_ONLY = re.compile(r"\s*T?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(?:[ap]m)?\s*", re.IGNORECASE)
_CLOCK = re.compile(r"(?:^|[\sT])(\d{1,2}):(\d{2})(?::(\d{2}))?")
_UNITS = (r"(?:years?|mons?|months?|weeks?|days?|hours?|minutes?|mins?|seconds?|secs?|ms|milliseconds?|"
          r"microseconds?)")
_INTERVAL_WORDS = re.compile(rf"\s*@?\s*[+-]?\d+(?:\.\d+)?\s*{_UNITS}\b.*", re.IGNORECASE | re.DOTALL)
_ISO_DURATION = re.compile(r"\s*P\d.*|\s*PT\d.*", re.DOTALL)
_DECIMAL = re.compile(r"\s*[+-]?\d*\.\d+\s*")
_SHORT_NUMBER = re.compile(r"\s*[+-]?\d{1,2}\s*")
_MERIDIEM = re.compile(r".*\d\s*[ap]m\s*", re.IGNORECASE | re.DOTALL)
# A word run into a number ('a1', 'mar1'): no field of any of them (J2451187 is a Julian date,
# T1030 a time, P1 an interval)
_MONTH = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\b", re.IGNORECASE)
_WORD_NUMBER = re.compile(r"\s*(?![JjTtPp]\d)[A-Za-z]+\d+\s*")


def problem(text: str, base: str) -> str | None:
    """The server's complaint about text read as a value of the date/time type base, if plainly one."""
    name = _NAMES.get(base)
    if name is None:
        return None
    invalid = f'invalid input syntax for type {name}: "{text}"'
    out_of_range = f'date/time field value out of range: "{text}"'
    if _WORD_NUMBER.fullmatch(text):
        return invalid
    if base in _DATED:
        date = _ISO_DATE.fullmatch(text)
        if date is not None:
            year, month, day = (int(g) for g in date.groups())
            if year == 0 or not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
                return out_of_range
        if _TIME_ONLY.fullmatch(text) or _INTERVAL_WORDS.fullmatch(text) or _ISO_DURATION.fullmatch(text) \
                or text.strip().lower() == "allballs":  # midnight: a time of day only
            return invalid
    if base == ir.TIME:
        word = text.strip().lower()
        if (not re.search(r"\d", text) and word not in ("now", "allballs")) or _DATE_ONLY.fullmatch(text) \
                or _DECIMAL.fullmatch(text) or _SHORT_NUMBER.fullmatch(text) or _INTERVAL_WORDS.fullmatch(text) \
                or _ISO_DURATION.fullmatch(text) or (_MONTH.search(text) and ":" not in text):  # a date alone
            return invalid
    if base == ir.INTERVAL:
        word = text.strip().lower()
        if (not re.search(r"\d", text) and word not in ("infinity", "-infinity", "+infinity")) \
                or _ISO_DATE.fullmatch(text) or _MERIDIEM.fullmatch(text) or _MONTH.search(text):
            return invalid
    clock = _CLOCK.search(text)
    if clock is not None and base in (*_DATED, ir.TIME):
        hour, minute, second = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
        if hour > 24 or minute > 59 or second > 60 or (hour == 24 and (minute or second)):
            return out_of_range
    elif clock is not None and base == ir.INTERVAL and int(clock.group(2)) > 59:
        return out_of_range
    return None


__all__ = ["problem"]
