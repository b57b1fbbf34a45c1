"""Where aggregates and window functions may stand: rules both engines enforce on every call.

An aggregate is computed over a group, so it cannot decide which rows make the group: it is refused
in WHERE, JOIN ... ON and GROUP BY, and inside another aggregate (PostgreSQL: "aggregate functions
are not allowed in WHERE", "aggregate function calls cannot be nested"; SQLite: "misuse of aggregate").
A window function is computed over the query's result, so it is refused there and in HAVING too.
The analysis used to type such a query and generate a function that failed at every call.

Only what belongs to the query level at hand is judged: a subquery is its own level, and an
aggregate whose columns all come from an enclosing query is that query's (both engines evaluate
it there, so `WHERE ... (SELECT ... HAVING count(outer.x) > 1)` stays valid).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from .levels import this_level


def problem(node: exp.Select, is_aggregate: Callable[[exp.Expr], bool]) -> tuple[str, exp.Expr] | None:
    """(message, the offending call) for the first misplaced aggregate or window function of a SELECT."""
    own = _source_names(node)
    clauses: list[tuple[str, exp.Expr | None, bool]] = [
        ("WHERE", node.args.get("where"), True),
        ("GROUP BY", node.args.get("group"), True),
        ("HAVING", node.args.get("having"), False),
    ] + [("JOIN conditions", join.args.get("on"), True) for join in node.args.get("joins") or []]
    for clause, tree, aggregates_refused in clauses:
        if tree is None:
            continue
        for call in this_level(tree, (exp.Func, exp.Window)):
            if isinstance(call, exp.Window):
                return f"window functions are not allowed in {clause}", call
            if aggregates_refused and is_aggregate(call) and _belongs_here(call, own):
                return f"aggregate functions are not allowed in {clause}", call
    for tree in [*node.expressions, node.args.get("having"), node.args.get("order")]:
        for call in this_level(tree, (exp.Func, exp.Window)) if tree is not None else ():
            if is_aggregate(call) and not isinstance(call.parent, exp.Window) and _belongs_here(call, own):
                inner = next((c for c in this_level(call, (exp.Func, exp.Window), skip_root=True) if is_aggregate(c)
                              and not isinstance(c.parent, exp.Window) and _belongs_here(c, own)), None)
                if inner is not None:
                    return "aggregate function calls cannot be nested", inner
    return None


def where_problem(where: exp.Expr | None, is_aggregate: Callable[[exp.Expr], bool], own: set[str]
                  ) -> tuple[str, exp.Expr] | None:
    """The same rule for an UPDATE's or DELETE's WHERE (no group there at all)."""
    for call in this_level(where, (exp.Func, exp.Window)) if where is not None else ():
        if isinstance(call, exp.Window):
            return "window functions are not allowed in WHERE", call
        if is_aggregate(call) and _belongs_here(call, own):
            return "aggregate functions are not allowed in WHERE", call
    return None


def _source_names(node: exp.Select) -> set[str]:
    """The names this SELECT's own FROM items are known by (alias, else table name), lower-cased."""
    items = []
    from_ = node.args.get("from_")
    if from_ is not None:
        items.append(from_.this)
    items += [join.this for join in node.args.get("joins") or []]
    return {item.alias_or_name.lower() for item in items if item is not None}


def _belongs_here(call: exp.Expr, own: set[str]) -> bool:
    """No column of the call names a FROM item of an enclosing query (unqualified ones count as ours)."""
    columns = list(this_level(call, exp.Column))
    return not columns or any(not c.table or c.table.lower() in own for c in columns)
