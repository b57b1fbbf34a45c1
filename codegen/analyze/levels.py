"""Walking one query level of a parsed statement: the nodes that belong to this SELECT, not to a
subquery nested in it (an aggregate or a column there is the nested query's own)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from sqlglot import exp

NESTED_QUERY = (exp.Subquery, exp.Select, exp.SetOperation)
Node = TypeVar("Node", bound=exp.Expr)


def this_level(tree: exp.Expr, kinds: type[Node] | tuple[type[Node], ...], *, skip_root: bool = False,
               into_root_query: bool = True) -> Iterator[Node]:
    """The nodes of `tree` of the given kinds, not descending into nested queries. skip_root: not
    `tree` itself; into_root_query=False: nothing when `tree` is itself a query."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, NESTED_QUERY) and (node is not tree or not into_root_query):
            continue
        if isinstance(node, kinds) and (node is not tree or not skip_root):
            yield node
        stack.extend(node.iter_expressions())
