"""How a function call's arguments and window are read from sqlglot's tree, for both engines'
function tables (functions.py for SQLite, pg_functions.py for PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable

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
