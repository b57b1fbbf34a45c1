"""How a function call's arguments and window are read from sqlglot's tree, for both engines'
function tables (functions.py for SQLite, pg_functions.py for PostgreSQL), and what calls say about
a query: an aggregate in its projection, one row always, a window function missing its OVER."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from sqlglot import exp

# An engine's own unwrapping of an argument (None: nothing to unwrap here).
Unwrap = Callable[[exp.Expr], "list[exp.Expr] | None"]


def flat(arg: exp.Expr, unwrap: Unwrap | None = None) -> list[exp.Expr]:
    """Undo sqlglot's wrappers around an argument: count(*), f(DISTINCT x), f(x ORDER BY y)."""
    if isinstance(arg, exp.Star):  # count(*)
        return []
    if isinstance(arg, exp.Distinct):  # sum(DISTINCT x)
        return [a for e in arg.expressions for a in flat(e, unwrap)]
    if isinstance(arg, exp.Order):  # group_concat(x ORDER BY y)
        return flat(arg.this, unwrap)
    if unwrap is not None and (parts := unwrap(arg)) is not None:
        return parts
    return [arg]


def arguments(node: exp.Expr, unwrap: Unwrap | None = None) -> list[exp.Expr]:
    """The call's arguments in SQL order: sqlglot's arg_types order is SQL order for calls."""
    out: list[exp.Expr] = []
    for key in node.arg_types:
        value = node.args.get(key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, exp.Expression):  # skips flags like safe=True
                out.extend(flat(item, unwrap))
    return out


def window_of(node: exp.Expr) -> exp.Window | None:
    """The OVER (...) the call runs in, if any (through a FILTER clause)."""
    parent = node.parent
    if isinstance(parent, exp.Filter):
        parent = parent.parent
    return parent if isinstance(parent, exp.Window) else None


# Functions that are window functions only: both engines refuse them without OVER (PostgreSQL
# "window function rank requires an OVER clause", SQLite "misuse of window function rank()"),
# so a query calling one bare failed at every call.
WINDOW_ONLY = (exp.RowNumber, exp.Rank, exp.DenseRank, exp.PercentRank, exp.CumeDist, exp.Ntile, exp.Lag, exp.Lead,
               exp.FirstValue, exp.LastValue, exp.NthValue)


def needs_over(node: exp.Expr) -> bool:
    """A window-only function called with no OVER (...). `rank(3) WITHIN GROUP (ORDER BY x)` is
    PostgreSQL's hypothetical-set aggregate, which takes none; IGNORE/RESPECT NULLS sit between
    a call and its OVER."""
    if not isinstance(node, WINDOW_ONLY):
        return False
    parent = node.parent
    while isinstance(parent, (exp.Filter, exp.IgnoreNulls, exp.RespectNulls)):
        parent = parent.parent
    return not isinstance(parent, (exp.Window, exp.WithinGroup))


def named_at(call: exp.Expr, name: str) -> exp.Expr:
    """The call's name as a node at the call's place: offset_of locates a node by the first name
    in it, which for lag(id) is the argument."""
    if "start" not in call.meta:
        return call
    named = exp.Identifier(this=name)
    named.meta["start"] = call.meta["start"]
    return named


class AggregateJudge(Protocol):
    """What tells an aggregate call from another (the engine)."""

    def is_aggregate(self, node: exp.Expr) -> bool: ...


def exactly_one_row(node: exp.Expr, engine: AggregateJudge) -> bool:
    """A SELECT that always yields one row: an aggregate without GROUP BY or HAVING, or no FROM
    and no WHERE; either way with no LIMIT or OFFSET that could drop it."""
    if not isinstance(node, exp.Select) or node.args.get("limit") or node.args.get("offset"):
        return False
    if node.args.get("group") or node.args.get("having"):
        return False
    if node.args.get("from_") is None:
        return node.args.get("where") is None
    return any(has_aggregate(e, engine) for e in node.expressions)


def has_aggregate(node: exp.Expr, engine: AggregateJudge) -> bool:
    """An aggregate call in this SELECT's own projection (not in a subquery or a window)."""
    if isinstance(node, (exp.Subquery, exp.Select, exp.Window)):
        return False
    if engine.is_aggregate(node):
        return True
    return any(has_aggregate(child, engine) for child in node.iter_expressions())
