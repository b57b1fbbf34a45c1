"""PostgreSQL: does `key = value` compare the key's values as the key's unique index does?

`=` between different types resolves to an operator of some common type (text = citext is
citext's case-blind `=`), which could make two keys equal; only a value of the key's own type
(a parameter or literal takes it), or integers against integers, counts for dropping a join
(analyze/joins.py).
"""

from __future__ import annotations

from sqlglot import exp

from .catalog import normalise
from ...catalog.tables import ColumnDef

_SAME = {"int": "integer", "int4": "integer", "serial": "integer", "serial4": "integer", "int8": "bigint",
         "bigserial": "bigint", "serial8": "bigint", "int2": "smallint", "smallserial": "smallint",
         "serial2": "smallint", "varchar": "character varying", "timestamp": "timestamp without time zone",
         "timestamptz": "timestamp with time zone", "bool": "boolean"}
_INTEGERS = {"integer", "bigint", "smallint"}
_TEXTS = {"text", "character varying"}  # compared as text, byte for byte under a deterministic collation


def _type(declared: str) -> str | None:
    name, dims = normalise(declared)
    return None if dims or not name else _SAME.get(name, name)


def compares_exactly(key: ColumnDef, value: exp.Expr, value_column: ColumnDef | None) -> bool:
    mine = _type(key.sql_type)
    if mine is None:
        return False
    if isinstance(value, (exp.Placeholder, exp.Literal)):
        return True  # typed as the key
    if isinstance(value, exp.Column):
        other = _type(value_column.sql_type) if value_column is not None else None
    elif isinstance(value, exp.Cast):
        other = _type(value.to.sql("postgres"))
    else:
        return False
    return other == mine or any(other in family and mine in family for family in (_INTEGERS, _TEXTS))
