"""A second oracle for reads: a function's result is what its own SQL returns, run raw.

The type check (harness_typecheck.py) cannot see a value in the wrong field, a row read from the
wrong offset (sqlc.embed), a row left out or a statement other than the function's own: every
value still fits its type. So each sync call (SQLite and PostgreSQL) goes through a connection that records the
statements the generated code sends; when the call sent one statement and it only reads (no
INSERT, UPDATE, DELETE, REPLACE, no value that changes between two runs: random(), 'now',
CURRENT_TIMESTAMP, changes(), nextval()), the same SQL is run again with the same bound values on the
plain connection, inside the same savepoint or transaction, and each returned value is compared with the
raw one at its position (embedded rows flattened in place). Values whose Python type is SQLite's
own (int, float, str, bytes, None, and bool from an integer; an int or float also against a
Decimal, as PostgreSQL's numeric results of integers) are compared; the rest (datetime, Decimal,
UUID, JSON, arrays) are converted by readers the type tests check, and only their position and
NULL-ness are checked here.
"""

from __future__ import annotations

import decimal
import math
import re
import sqlite3
import types
import typing
from typing import Any

import pydantic

_READS = re.compile(r"\s*(\(\s*)*(SELECT|WITH|VALUES|TABLE)\b", re.IGNORECASE)
_WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE|UPSERT|MERGE|COPY|TRUNCATE|CALL|nextval|setval)\b",
                     re.IGNORECASE)
_CHANGING = re.compile(r"random|'now'|\bnow\b|current_(timestamp|date|time)|localtime|changes\s*\(|last_insert_rowid"
                       r"|gen_random|uuid_generate|clock_timestamp|statement_timestamp|timeofday|txid|currval|lastval"
                       r"|advisory|setseed|set_config|pg_notify",
                       re.IGNORECASE)


_SQLITE_COUNT = "SELECT changes(), last_insert_rowid()"


class Recording:
    """A connection (sqlite3 or psycopg) as the generated code uses it, recording each statement
    it sends: (sql, its bound values), or (sql, None) for an executemany."""

    def __init__(self, conn: Any) -> None:
        object.__setattr__(self, "_conn", conn)
        object.__setattr__(self, "sent", [])

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def execute(self, sql: Any, params: Any = (), *args: Any, **kwargs: Any) -> Any:
        self.sent.append((sql, params))
        return self._conn.execute(sql, params, *args, **kwargs)

    def executemany(self, sql: Any, params: Any, *args: Any, **kwargs: Any) -> Any:
        self.sent.append((sql, None))
        return self._conn.executemany(sql, params, *args, **kwargs)

    def cursor(self, *args: Any, **kwargs: Any) -> _RecordingCursor:
        return _RecordingCursor(self._conn.cursor(*args, **kwargs), self.sent)


class _RecordingCursor:
    def __init__(self, cursor: Any, sent: list[tuple[Any, Any]]) -> None:
        object.__setattr__(self, "_cursor", cursor)
        object.__setattr__(self, "_sent", sent)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._cursor, name, value)

    def __enter__(self) -> _RecordingCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self._cursor.close()

    def __iter__(self) -> Any:
        return iter(self._cursor)

    def execute(self, sql: Any, params: Any = (), *args: Any, **kwargs: Any) -> _RecordingCursor:
        self._sent.append((sql, params))
        self._cursor.execute(sql, params, *args, **kwargs)
        return self

    def executemany(self, sql: Any, params: Any, *args: Any, **kwargs: Any) -> _RecordingCursor:
        self._sent.append((sql, None))
        self._cursor.executemany(sql, params, *args, **kwargs)
        return self


def replayable(sent: list[tuple[str, Any]]) -> tuple[str, Any] | None:
    """The one statement the call sent, when running it again reads the same rows."""
    if len(sent) != 1 or sent[0][1] is None:
        return None
    sql = sent[0][0]
    text = sql.decode() if isinstance(sql, bytes) else str(sql)
    if not _READS.match(text) or _WRITES.search(text) or _CHANGING.search(text):
        return None
    return sent[0]


def differences(result: Any, returns: Any, raw: list[tuple[Any, ...]]) -> list[str]:
    """Where the function's result differs from the raw rows of its own SQL."""
    many = typing.get_origin(returns) is list
    item = typing.get_args(returns)[0] if many else returns
    if typing.get_origin(item) is list:  # a :batchmany result: one list per argument set
        return []
    if _row_class(item) is None:  # a single column: the value (None: no row, or NULL)
        values: list[Any] = result if many else [result]
        first: list[Any] = [r[0] for r in raw] if many else [raw[0][0] if raw else None]
        if len(values) != len(first):
            return [f"{len(values)} values returned, its SQL run raw reads {len(first)}"]
        return [f"value {i}: returned {v!r}, its SQL run raw reads {e!r}"
                for i, (v, e) in enumerate(zip(values, first)) if not _same(v, _plain(item), e)][:3]
    rows: list[Any] = result if many else ([] if result is None else [result])
    expected = raw if many else raw[:1]
    if len(rows) != len(expected):
        return [f"{len(rows)} rows returned, its SQL run raw reads {len(expected)}"]
    out: list[str] = []
    for i, (row, raw_row) in enumerate(zip(rows, expected)):
        values = _leaves(row, item)
        if len(values) != len(raw_row):
            out.append(f"row {i}: {len(values)} values, its SQL run raw reads {len(raw_row)} columns")
            continue
        for j, ((value, kind), raw_value) in enumerate(zip(values, raw_row)):
            if not _same(value, kind, raw_value):
                out.append(f"row {i} column {j}: returned {value!r}, its SQL run raw reads {raw_value!r}")
    return out[:3]


def _row_class(annotation: Any) -> type | None:
    """The row class an annotation names (X or X | None), if it is one."""
    options = typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, types.UnionType) \
        else (annotation,)
    for option in options:
        if getattr(option, "composite_type", False):
            continue  # a composite type's value (models.PairType): one column, not an embedded row
        if isinstance(option, type) and (issubclass(option, pydantic.BaseModel) or
                                         (issubclass(option, tuple) and hasattr(option, "_fields"))):
            return option
    return None


def _fields(cls: type) -> list[tuple[str, Any]]:
    hints = typing.get_type_hints(cls)
    names = list(cls.model_fields) if issubclass(cls, pydantic.BaseModel) else list(cls._fields)  # type: ignore[attr-defined]
    return [(name, hints[name]) for name in names]


def _width(cls: type) -> int:
    return sum(_width(inner) if (inner := _row_class(hint)) else 1 for _, hint in _fields(cls))


def _plain(annotation: Any) -> type | None:
    """The SQLite value type a field declares (X or X | None), when it is one the raw value is
    compared with; None for converted types (datetime, Decimal, JSON's Any ...)."""
    options = [a for a in (typing.get_args(annotation) if typing.get_origin(annotation) in
                           (typing.Union, types.UnionType) else (annotation,)) if a is not type(None)]
    return options[0] if len(options) == 1 and options[0] in (bool, int, float, str, bytes) else None


def _leaves(row: Any, annotation: Any) -> list[tuple[Any, type | None]]:
    """A row's (value, its plain type) in column order, an embedded row's in its place (NULLs for
    an absent one)."""
    cls = _row_class(annotation)
    assert cls is not None
    if row is None:
        return [(None, None)] * _width(cls)
    out: list[tuple[Any, type | None]] = []
    for name, hint in _fields(cls):
        value = getattr(row, name)
        out.extend(_leaves(value, hint) if _row_class(hint) else [(value, _plain(hint))])
    return out


def _same(value: Any, kind: type | None, raw: Any) -> bool:
    if value is None or raw is None:
        return value is None and raw is None
    if kind is None:  # a converted type: its position and NULL-ness are what this oracle checks
        return True
    if kind is bool:
        return not isinstance(raw, int) or raw == value
    if kind in (int, float) and isinstance(raw, (int, float, decimal.Decimal)):
        return value == raw or (isinstance(value, float) and math.isnan(value) and math.isnan(raw))
    return type(value) is type(raw) and value == raw


def sending_differences(query: Any, arg_names: list[str], kwargs: dict[str, Any],
                        sent: list[tuple[Any, Any]]) -> tuple[int, list[str]]:
    """What the call sent against its query's IR: every statement is the query's own SQL (not
    another query's), and each bind slot holds the argument the IR assigns it (an int, str,
    bytes, float or None passes unchanged on both engines; a value sent converted, as a JSON
    argument's Jsonb or a datetime's text, is not compared).
    Not for sqlc.slice or sqlc.optional queries, whose SQL is built per call, nor :copyfrom.
    Returns (how many statements were checked, the differences)."""
    if query is None or query.dynamic or any(p.slice for p in query.params) or query.command == "copyfrom":
        return 0, []
    out: list[str] = []
    for sql, params in sent:
        text = sql.decode() if isinstance(sql, bytes) else str(sql)
        if text == _SQLITE_COUNT and query.writes:
            continue  # the SQLite runtime's count of a writing statement behind a WITH (_runtime.changes)
        if text != query.sql:
            out.append(f"sent SQL other than its query {query.name}'s: {text[:120]!r}")
            continue
        if params is None or query.command.startswith("batch") or len(arg_names) != len(query.params):
            continue
        if not isinstance(params, (tuple, list)) or len(params) != len(query.slots):
            out.append(f"sent {params!r} for {len(query.slots)} bind slots")
            continue
        for position, (slot, value) in enumerate(zip(query.slots, params)):
            given = kwargs.get(arg_names[slot])
            plain = [v is None or type(v) in (int, str, bytes, float) for v in (given, value)]
            if all(plain) and not (type(value) is type(given) and (value == given or value != value)):
                out.append(f"bind slot {position} holds {value!r}, the IR gives it {arg_names[slot]}={given!r}")
    return len(sent), out[:3]
