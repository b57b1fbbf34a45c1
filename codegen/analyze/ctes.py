"""A WITH clause: each CTE typed in order (a recursive one's anchor first, so its recursive part
sees it), named as the engine names it, and the columns a recursive CTE's SEARCH or CYCLE clause
adds. Kept out of statements.py, which calls it with itself as the analyzer."""

from __future__ import annotations

from typing import Protocol

from sqlglot import exp

from .. import ir
from ..errors import Located
from . import clashes
from .result_names import alias_column_names
from .scope import Scope, SourceColumn
from .types import Output, merge


class Analyzer(clashes.Analyzer, Protocol):
    """What a WITH clause asks of the statement analyzer (statements.Analyzer) besides the naming
    rules' (clashes.Analyzer)."""

    def cte_key(self, name: str) -> str: ...
    def outputs(self, node: exp.Expr, outer: Scope | None) -> list[Output]: ...
    def type_of(self, node: exp.Expr, scope: Scope) -> ir.Typed: ...
    def one_type_per_column(self, what: str, node: exp.SetOperation, left: list[Output],
                            right: list[Output]) -> None: ...


def with_clause(an: "Analyzer", with_: exp.With, scope: Scope) -> None:
    recursive = bool(with_.args.get("recursive"))
    seen: set[str] = set()
    key = ""
    for cte in with_.expressions:
        name = cte.alias
        alias_node = cte.args.get("alias")
        key = an.cte_key(an.folded(name, alias_node.this if alias_node is not None else None))
        clashes.cte_named_once(an, cte, seen)
        names = alias_column_names(cte, an.engine.folds_identifiers)
        body = cte.this
        if recursive and isinstance(body, exp.Union):
            # Type the anchor first, then let the recursive part see it.
            anchor = an.outputs(body.this, scope)
            scope.ctes[key] = _cte_columns(anchor, names)
            step = an.outputs(body.expression, scope)
            merged = [Output(a.name, merge(a.typed, b.typed)) for a, b in zip(anchor, step)]
            if len(anchor) != len(step):
                raise Located("SELECTs to the left and right of UNION do not have the same number of "
                              "result columns", an.offset_of(body))
            an.one_type_per_column("UNION", body, anchor, step)
            outputs = merged
        else:
            outputs = an.outputs(body, scope)
        if names and len(names) != len(outputs):
            raise Located(f"table {name} has {len(outputs)} values for {len(names)} columns", an.offset_of(cte))
        scope.ctes[key] = _cte_columns(outputs, names)
    search = with_.args.get("search")
    if isinstance(search, exp.RecursiveWithSearch) and with_.expressions:
        scope.ctes[key] = scope.ctes[key] + _search_columns(an, search, scope)


def _search_columns(an: "Analyzer", search: exp.RecursiveWithSearch, scope: Scope) -> list[SourceColumn]:
    """The columns a recursive CTE's SEARCH or CYCLE clause adds (sqlglot reads one, after the
    last CTE): SEARCH's ordering column, CYCLE's mark (a boolean, or the type of its TO and
    DEFAULT values) and its path. The ordering column and the path are rows: typing.Any."""
    added = []
    if str(search.args.get("kind") or "").upper() == "CYCLE":
        mark = search.args.get("to")
        typed = an.type_of(mark, scope).not_null() if isinstance(mark, exp.Expr) else ir.Typed(
            ir.ValueType(ir.BOOL), False)
        added.append((search.expression, typed))
        added.append((search.args.get("using"), ir.Typed(ir.ValueType(ir.ANY), False)))
    else:
        added.append((search.expression, ir.Typed(ir.ValueType(ir.ANY), False)))
    return [SourceColumn(an.folded(n.name, n), t, None) for n, t in added if isinstance(n, exp.Identifier)]


def _cte_columns(outputs: list[Output], names: list[str]) -> list[SourceColumn]:
    return [SourceColumn(names[i] if i < len(names) else o.name, o.typed, None) for i, o in enumerate(outputs)]
