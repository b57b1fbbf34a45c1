"""What PostgreSQL calls an unaliased result column (sqlc asks the server, so we follow it)."""

from __future__ import annotations

from sqlglot import exp

from ...analyze.statements import as_written, written_call_name
from . import functions


def result_name(item: exp.Expr, text: str | None) -> str:
    """x::int is named after x, ceiling(x) as written (not ceil), NOT EXISTS as sqlc names it."""
    node = item
    while isinstance(node, (exp.Paren, exp.Cast)):
        if written := written_call_name(node, text):
            return written  # div(a, b) parses as a cast of a / b
        node = node.this  # PostgreSQL names x::int after x
    if written := written_call_name(node, text):
        return written
    if isinstance(node, exp.Column):
        return as_written(node.name, node.this, True)
    if isinstance(node, exp.Dot) and isinstance(node.expression, (exp.Func, exp.Anonymous)):
        node = node.expression  # schema.function(...)
    if isinstance(node, exp.Window):
        node = node.this
    if isinstance(node, exp.Filter):
        node = node.this
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    if isinstance(node, exp.Not) and isinstance(node.this, exp.Exists):
        return "not_exists"  # as sqlc names it (PostgreSQL says ?column?)
    if isinstance(node, exp.Func):
        name = (functions.pg_name(node) or "").lower()
        return name if name.replace("_", "").isalnum() else ""
    return ""
