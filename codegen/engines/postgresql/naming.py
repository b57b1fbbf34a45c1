"""What PostgreSQL calls an unaliased result column (sqlc asks the server, so we follow it)."""

from __future__ import annotations

from sqlglot import exp

from ...analyze.result_names import written_call_name


def result_node(item: exp.Expr, text: str | None) -> exp.Expr | str:
    """x::int is named after x, ceiling(x) as written (not ceil), NOT EXISTS as sqlc names it; the
    rest by the common rules (codegen.analyze.result_names.result_name)."""
    node = item
    while isinstance(node, (exp.Paren, exp.Cast)):
        if written := written_call_name(node, text):
            return written  # div(a, b) parses as a cast of a / b
        node = node.this  # PostgreSQL names x::int after x
    if written := written_call_name(node, text):
        return written
    if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Identifier):
        field = node.expression  # (composite).field is named after the field, as the server names it
        return field.name if field.quoted else field.name.lower()
    if isinstance(node, exp.Not) and isinstance(node.this, exp.Exists):
        return "not_exists"  # as sqlc names it (PostgreSQL says ?column?)
    return node
