"""What the generated code needs on PostgreSQL beyond the engine's flags."""

from __future__ import annotations

from ... import ir
from .ranges import PYTHON_TYPES as _RANGES

# PostgreSQL's name for each value type, to type the NULL of an empty sqlc.slice list.
_PG_TYPES = {ir.INT: "bigint", ir.FLOAT: "double precision", ir.STR: "text", ir.BYTES: "bytea",
             ir.BOOL: "boolean", ir.DATE: "date", ir.DATETIME: "timestamp", ir.DATETIME_TZ: "timestamptz",
             ir.TIME: "time", ir.TIME_TZ: "timetz", ir.INTERVAL: "interval", ir.DECIMAL: "numeric", ir.JSON: "jsonb", ir.UUID: "uuid",
             ir.INET: "inet", ir.CIDR: "cidr",
             ir.JSON_TEXT: "json"}


def empty_slice(t: ir.ValueType, catalog: ir.Catalog) -> str:
    """What `IN (sqlc.slice(x))` holds for an empty list, so `IN` matches no row and `NOT IN` every
    row. SQLite accepts `IN ()`; PostgreSQL needs an empty subquery whose column has a type the
    left side compares with (an untyped NULL column would be text)."""
    name = _PG_TYPES.get(t.base) or (t.base if t.base in _RANGES else None)  # a range type: its name
    if t.enum:
        name = t.enum  # as SQL names it, its schema included (catalog.enum_identity)
    if name is None:
        return "SELECT NULL WHERE FALSE"
    return f"SELECT NULL::{name}{'[]' * t.dims} WHERE FALSE"
