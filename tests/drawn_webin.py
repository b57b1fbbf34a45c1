"""Strategies for tests/test_drawn_webin*.py: values arriving from the web. The table of every
column type (tests/drawn_web.py) gets the writes a web app makes with what a request carried (a
:batchexec and an UPDATE beside drawn_web's INSERT and :copyfrom), reads filtered by request values
(sqlc.optional filters, sqlc.slice / ANY lists), and a client's encoder: a drawn Python value as the
JSON (or query-string text) a client that read the app's OpenAPI document would send.

The client is independent of pydantic's serializer: bytes as base64 in either alphabet (the
document's format; a browser's btoa() writes the standard one), NaN and infinities as the strings a
row writes for them, a datetime's offset as +HH:MM, an interval as ISO 8601 seconds.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import ipaddress
import math
import uuid
from typing import Any

from hypothesis import strategies as st

import drawn_web as dw

COLUMNS = dw.COLUMNS
# Columns a query string cannot carry as the column holds them: JSON (any value), bytes (no text
# form a query string implies). An array is the parameter repeated (an empty one is no parameter:
# None).
_NOT_IN_QUERY_STRINGS = ("JSON", "BLOB", "json", "jsonb", "bytea")


def in_query_string(column: dw.Column) -> bool:
    return not any(marker in column.declared for marker in _NOT_IN_QUERY_STRINGS)


def _names(engine: str) -> str:
    return ", ".join(c.name for c in COLUMNS[engine])


def queries(engine: str) -> str:
    """drawn_web's queries, and the writes and filtered reads a web app makes with request values."""
    columns = COLUMNS[engine]
    values = ", ".join(f"sqlc.narg(p{k})" for k in range(len(columns)))
    sets = ", ".join(f"{c.name} = sqlc.narg(p{k})" for k, c in enumerate(columns))
    if engine == "postgresql":
        lists = ("i = ANY(sqlc.arg(ids)) OR d = ANY(sqlc.arg(days)) OR e = ANY(sqlc.arg(moods))"
                 " OR u = ANY(sqlc.arg(uuids))")
    else:
        lists = "i IN (sqlc.slice(ids)) OR d IN (sqlc.slice(days)) OR e IN (sqlc.slice(moods))"
    return dw.queries(engine) + f"""
-- name: BatchThings :batchexec
INSERT INTO things (owner_id, {_names(engine)}) VALUES (sqlc.narg(owner_id), {values});

-- name: UpdateThing :exec
UPDATE things SET owner_id = sqlc.narg(owner_id), {sets} WHERE id = sqlc.arg(id);

-- name: SearchThings :many
SELECT id FROM things
WHERE i = sqlc.optional(i) AND "class" = sqlc.optional(klass) AND b = sqlc.optional(b) AND d = sqlc.optional(d)
  AND e = sqlc.optional(e) AND tm = sqlc.optional(tm)
ORDER BY id;

-- name: ThingsIn :many
SELECT id FROM things WHERE {lists} ORDER BY id;
"""


def b64(data: bytes, urlsafe: bool) -> str:
    return (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(data).decode("ascii")


def _offset(value: dt.datetime | dt.time) -> str:
    offset = value.utcoffset()
    if offset is None:
        return ""
    sign, offset = ("-", -offset) if offset < dt.timedelta(0) else ("+", offset)
    minutes = int(offset.total_seconds()) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def client_json(value: Any, urlsafe: bool = False) -> Any:
    """The JSON value a client sends for a Python value, as the OpenAPI document describes it."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return value if math.isfinite(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, decimal.Decimal):
        return "NaN" if value.is_nan() else "Infinity" if value == decimal.Decimal("Infinity") else \
            "-Infinity" if value == decimal.Decimal("-Infinity") else str(value)
    if isinstance(value, bytes):
        return b64(value, urlsafe)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat() + _offset(value)
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None).isoformat() + _offset(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return _duration(value)
    if isinstance(value, (uuid.UUID, ipaddress.IPv4Address, ipaddress.IPv6Address, ipaddress.IPv4Interface,
                          ipaddress.IPv6Interface, ipaddress.IPv4Network, ipaddress.IPv6Network)):
        return str(value)
    if isinstance(value, list):
        return [client_json(v, urlsafe) for v in value]
    if isinstance(value, dict):
        return {k: client_json(v, urlsafe) for k, v in value.items()}
    raise TypeError(f"no JSON form for {value!r}")


def _duration(value: dt.timedelta) -> str:
    """ISO 8601 duration of whole days and seconds, each carrying the sign (pydantic's reading)."""
    sign = "-" if value < dt.timedelta(0) else ""
    value = abs(value)
    seconds = f"{value.seconds}.{value.microseconds:06d}" if value.microseconds else str(value.seconds)
    return f"{sign}P{value.days}DT{seconds}S"


def query_text(value: Any) -> str:
    """The query-string text a client sends for a (non-None) Python value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    sent = client_json(value)
    return sent if isinstance(sent, str) else repr(sent)


def thing_values(engine: str) -> st.SearchStrategy[list[Any]]:
    """One value (or None: every column takes NULL) per column of things."""
    return st.tuples(*(st.none() | c.values for c in COLUMNS[engine])).map(list)


def list_filters(engine: str) -> list[tuple[str, str, st.SearchStrategy[Any]]]:
    """(argument, column, values) of each list ThingsIn takes."""
    by_name = {c.name: c for c in COLUMNS[engine]}
    lists = [("ids", "i"), ("days", "d"), ("moods", "e")] + ([("uuids", "u")] if engine == "postgresql" else [])
    return [(name, column, by_name[column].values) for name, column in lists]
