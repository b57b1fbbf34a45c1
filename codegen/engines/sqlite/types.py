"""SQLite declared type names -> logical value types.

SQLite's own affinity rules decide the storage class (https://sqlite.org/datatype3.html
section 3.1: INT -> integer; CHAR, CLOB, TEXT -> text; BLOB or none -> blob;
REAL, FLOA, DOUB -> real; otherwise numeric). On top of them a few names carry
meaning SQLite does not enforce but every project relies on: BOOLEAN, DATE,
DATETIME/TIMESTAMP, DECIMAL/NUMERIC and JSON. Sizes such as CHAR(255) or
BOOLEAN(2) never change the type (sqlc#3754 turns them into Any).
"""

from __future__ import annotations

import re

from ... import ir

_MEANING = (
    (re.compile(r"^BOOL(EAN)?$"), ir.BOOL),
    (re.compile(r"^DATE$"), ir.DATE),
    # Aware in Python, UTC in the database (README, "Types on SQLite").
    (re.compile(r"^(TIMESTAMPTZ|TIMESTAMP WITH TIME ZONE)$"), ir.DATETIME_TZ),
    (re.compile(r"^(DATETIME|TIMESTAMP)\b"), ir.DATETIME),
    (re.compile(r"^TIME$"), ir.TIME),
    (re.compile(r"^(DECIMAL|NUMERIC)$"), ir.DECIMAL),
    (re.compile(r"^JSONB?$"), ir.JSON),
)


def base_name(declared: str) -> str:
    """Upper-cased type name without its size: 'varchar(255)' -> 'VARCHAR'."""
    return re.sub(r"\s+", " ", re.sub(r"\(.*\)", "", declared)).strip().upper()


def value_type(declared: str) -> ir.ValueType:
    name = base_name(declared)
    for pattern, base in _MEANING:
        if pattern.search(name):
            return ir.ValueType(base)
    if "INT" in name:
        return ir.ValueType(ir.INT)
    if any(part in name for part in ("CHAR", "CLOB", "TEXT")):
        return ir.ValueType(ir.STR)
    if name == "BLOB":
        return ir.ValueType(ir.BYTES)
    if any(part in name for part in ("REAL", "FLOA", "DOUB")):
        return ir.ValueType(ir.FLOAT)
    if name == "ANY":  # a STRICT table's "any value, kept as given": typed Any on purpose
        return ir.ValueType(ir.ANY, declared_any=True)
    # No declared type (blob affinity, anything goes) or numeric affinity with
    # no further meaning: the value may be of any storage class.
    return ir.ValueType(ir.ANY)


def is_rowid_alias(declared: str) -> bool:
    """Only the exact type name INTEGER makes a PRIMARY KEY the rowid (never NULL)."""
    return base_name(declared) == "INTEGER"
