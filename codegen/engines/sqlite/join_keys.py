"""SQLite: does `key = value` compare the key's stored values as they are?

Before comparing, SQLite may convert an operand to the other's type affinity: NUMERIC when one
side is INTEGER, REAL or NUMERIC and the other TEXT or BLOB/none, TEXT when one side is TEXT and
the other none. Converted key values can become equal ('1' and '01' in a TEXT key compared with
an INTEGER column are both 1), so one row could meet two keys; only comparisons that leave the
key's values alone count for dropping a join (analyze/joins.py).
"""

from __future__ import annotations

from sqlglot import exp

from ...catalog.tables import ColumnDef

_NUMERIC = {"INTEGER", "REAL", "NUMERIC"}


def affinity(declared: str) -> str:
    """SQLite's rules for a declared type (datatype3.html, 3.1); ANY, like no type, converts nothing."""
    name = declared.upper()
    if "INT" in name:
        return "INTEGER"
    if any(word in name for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in name or not name.strip() or name.strip() == "ANY":
        return "BLOB"
    if any(word in name for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def compares_exactly(key: ColumnDef, value: exp.Expr, value_column: ColumnDef | None) -> bool:
    if isinstance(value, exp.Column):
        if value_column is None:
            return False
        other = affinity(value_column.sql_type)
    elif isinstance(value, exp.Cast):
        other = affinity(value.to.sql("sqlite"))
    elif isinstance(value, (exp.Literal, exp.Placeholder, exp.Neg, exp.Add, exp.Sub, exp.Mul)):
        other = "BLOB"  # an expression has no affinity
    else:
        return False
    mine = affinity(key.sql_type)
    if mine in _NUMERIC:
        return True  # the other side is converted, if anything
    if mine == "TEXT":
        return other not in _NUMERIC
    return other == "BLOB"
