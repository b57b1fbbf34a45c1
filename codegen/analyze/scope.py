"""Name resolution: which relation a column reference comes from.

A Scope is one SELECT's FROM clause: its sources in order (each with the
columns it exposes and whether an outer join makes it optional), the
enclosing scope for correlated subqueries, and the CTEs in reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from .. import ir
from ..errors import Located
from .result_names import as_written


@dataclass(frozen=True)
class SourceColumn:
    name: str
    typed: ir.Typed
    table: str | None = None  # catalog table it comes from unchanged, for "is this a table row?"
    hidden: bool = False  # not expanded by `*` (rowid, fts5 rank, json_each.json)


@dataclass
class Source:
    alias: str  # the name queries use for it
    columns: list[SourceColumn]
    optional: bool = False  # the nullable side of an outer join
    table: str | None = None  # catalog table name when the source is a plain table
    view: str | None = None  # catalog view name when the source is a view (it has a model: sqlc.embed)
    schema: str | None = None  # and its schema, if not the default one
    using: set[str] = field(default_factory=set)  # columns merged into an earlier source by USING/NATURAL
    read_only: frozenset[str] = frozenset()  # as a DML target: columns it may not write (lower-cased)
    computed: frozenset[str] = frozenset()  # as a DML target: generated columns, written only DEFAULT (lower-cased)
    always_identity: frozenset[str] = frozenset()  # as a DML target: GENERATED ALWAYS AS IDENTITY, the same rule
    coalesced: set[str] = field(default_factory=set)  # its merged columns a RIGHT/FULL join USING coalesces
    through_view: bool = False  # as a DML target: a view, whose generated columns no UPDATE sets, even to DEFAULT
    qualified_only: bool = False  # reachable only as alias.column (an upsert's `excluded`)

    def find(self, name: str) -> SourceColumn | None:
        lowered = name.lower()
        for col in self.columns:
            if col.name.lower() == lowered:
                return col
        return None

    def typed(self, col: SourceColumn) -> ir.Typed:
        return col.typed.nullable_if(self.optional)


@dataclass
class Scope:
    sources: list[Source] = field(default_factory=list)
    parent: "Scope | None" = None
    ctes: dict[str, list[SourceColumn]] = field(default_factory=dict)  # by cte_key
    aliases: dict[str, ir.Typed] = field(default_factory=dict)  # result aliases usable in ORDER BY etc.
    grouped: bool = False
    # An aggregate SELECT without GROUP BY yields its one row from no rows too: a column read
    # outside the aggregates (SQLite allows it) is NULL then. So are the grouping columns in the
    # rows ROLLUP, CUBE and GROUPING SETS add (every column outside the aggregates, to be safe).
    bare_columns_nullable: bool = False

    def cte(self, key: str) -> list[SourceColumn] | None:
        """The CTE of this key (as the analyzer's cte_key spells a name: exact where the engine
        tells names by case, lower-cased where it does not)."""
        scope: Scope | None = self
        while scope is not None:
            if key in scope.ctes:
                return scope.ctes[key]
            scope = scope.parent
        return None

    def source(self, alias: str, written: exp.Expr | None = None) -> Source | None:
        """The FROM item a qualifier names, found whatever its case (the analyzer then checks the
        case where the engine tells names by it). An item named exactly as the qualifier reads
        wins: PostgreSQL's `FROM "C", c` has two items, and `"C".id` is the first."""
        exact = as_written(written.name, written, folds=True) if isinstance(written, exp.Identifier) else None
        scope: Scope | None = self
        while scope is not None:
            matches = [src for src in reversed(scope.sources) if src.alias.lower() == alias.lower()]
            if matches:
                return next((src for src in matches if src.alias == exact), matches[0])
            scope = scope.parent
        return None

    def resolve(self, column: exp.Column, offset: int | None) -> tuple[Source, SourceColumn]:
        name = column.name
        qualifier = column.table
        if qualifier:
            src = self.source(qualifier, column.args.get("table"))
            if src is None:
                raise Located(f"no such table or alias: {qualifier}", _offset(column.args.get("table"), offset))
            col = src.find(name)
            if col is None:
                raise Located(f"no such column: {qualifier}.{name}", offset)
            return src, col
        scope: Scope | None = self
        while scope is not None:
            hits = [(src, col) for src in scope.sources
                    if not src.qualified_only and (col := src.find(name)) is not None]
            visible = [h for h in hits if h[1].name.lower() not in h[0].using]
            hits = visible or hits
            if len(hits) > 1:
                raise Located(f"ambiguous column name: {name}", offset)
            if hits:
                return hits[0]
            scope = scope.parent
        raise Located(f"no such column: {name}", offset)


def _offset(node: exp.Expr | None, default: int | None) -> int | None:
    if isinstance(node, exp.Identifier) and "start" in node.meta:
        return int(node.meta["start"])
    return default


def identifier_offset(node: exp.Expr) -> int | None:
    """Start offset of a column or table reference in the parsed text, when sqlglot kept it."""
    ident = node.this if isinstance(node, (exp.Column, exp.Table)) else node
    if isinstance(ident, exp.Identifier) and "start" in ident.meta:
        return int(ident.meta["start"])
    if isinstance(node, exp.Column) and isinstance(node.args.get("table"), exp.Identifier):
        return _offset(node.args["table"], None)
    return None
