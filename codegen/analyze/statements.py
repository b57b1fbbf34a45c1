"""Result columns of SELECT, compound selects, CTEs, INSERT, UPDATE and DELETE."""

from __future__ import annotations

from typing import Callable, Protocol, cast

from sqlglot import exp

from .. import ir
from ..catalog.build import SchemaState
from ..catalog.tables import TableDef
from ..engines import Utility
from ..errors import Located
from ..placeholders import quote_identifier
from .ctes import with_clause
from .dml import analyze_dml
from .merge import analyze_merge
from .calls import has_aggregate
from .expressions import INT, NULL, ExpressionEngine, ExpressionTyping, ParamInfo, merge
from . import clashes, grouping, placement
from .inserts import instead_of_trigger, merge_events
from .result_names import CASE_RULE, alias_column_names, as_written, named_by_text, numbered_duplicates, result_name
from .scope import Scope, Source, SourceColumn, identifier_offset
from .types import Output, is_null_literal

JSON_TABLE_COLUMNS = (("key", ir.ANY, True), ("value", ir.ANY, True), ("type", ir.STR, True), ("atom", ir.ANY, True),
                      ("id", ir.INT, False), ("parent", ir.INT, True), ("fullkey", ir.STR, False),
                      ("path", ir.STR, False))


class AnalysisEngine(ExpressionEngine, Protocol):
    """What statement analysis asks of the engine, besides expression typing's questions."""

    def from_item(self, an: Analyzer, node: exp.Expr, alias: str, scope: Scope) -> Source | None:
        """Engine-only FROM items (functions returning rows, unnest, LATERAL); None when common."""
        return None

    def missing_table(self, node: exp.Table, alias: str) -> Source | None:
        """A FROM name that is no table but still a source (CURRENT_DATE as a FROM item)."""
        return None

    def utility(self, state: SchemaState, text: str) -> Utility | None:
        """A statement the SQL analyser does not parse (NOTIFY, CALL), or None."""
        return None


class Analyzer(ExpressionTyping):
    engine: AnalysisEngine

    def __init__(self, engine: AnalysisEngine, state: SchemaState, params: dict[int, ParamInfo],
                 offset_of: Callable[[exp.Expr], int | None], embeds: set[int] | None = None) -> None:
        self.state = state
        self.engine = engine
        self.params = params
        self.offset_of = offset_of
        self.embed_offsets = embeds or set()
        # sqlc.embed(t) at an offset -> the columns t has now: the SQL sent names them, as it names
        # those of a `*`, so a column added to t later cannot slide into the next result column.
        self.embed_columns: dict[int, list[str]] = {}
        self.root: exp.Expr | None = None  # the statement whose result the query returns
        # For each `*` / `t.*` in the root's result list, in order: (qualifier, column) pairs, so the
        # emitted SQL can name its columns and never depend on the table's shape at run time.
        self.star_expansions: list[list[tuple[str | None, str]]] = []
        self.view_stack: list[str] = []
        self.text: str | None = None  # the parsed text, for names as written (PostgreSQL: ceiling, mod)
        self.unknown_calls: list[tuple[str, int | None]] = []  # (function, offset): calls typed Any

    def folded(self, name: str, written: exp.Expr | None) -> str:
        """A name as PostgreSQL sees it, so an alias `E` is emitted as e, not "E" (no FROM item's name)."""
        return as_written(name, written, self.engine.folds_identifiers)

    def cte_key(self, name: str) -> str:
        """How a CTE is found by a name as the engine sees it (folded): PostgreSQL's "C" is not c."""
        return name if self.engine.folds_identifiers else name.lower()

    def _t_Column(self, node: exp.Column, scope: Scope) -> ir.Typed:
        typed = self._column(node, scope)
        if scope.bare_columns_nullable and not isinstance(node.this, exp.Star) and not self._under_aggregate(node):
            try:
                owner, _ = scope.resolve(node, None)
            except Located:
                return typed  # a result alias (ORDER BY c0), or a whole row: typed as it is
            if owner in scope.sources:  # not an outer query's column, which has its value
                return typed.nullable_if(True)
        return typed

    def _column(self, node: exp.Column, scope: Scope) -> ir.Typed:
        try:
            return super()._t_Column(node, scope)
        except Located:
            # PostgreSQL: a FROM item's name where no column has it is its whole row (row_to_json(t))
            src = scope.source(node.name) if self.engine.whole_row_references and not node.table else None
            if src is None or isinstance(node.this, exp.Star):
                raise
            return ir.Typed(ir.ValueType(ir.ANY), src.optional)

    def _under_aggregate(self, node: exp.Expr) -> bool:
        """Inside an aggregate call (its arguments or its FILTER) of this SELECT, not a window's."""
        child, parent = node, node.parent
        while parent is not None and not isinstance(parent, (exp.Select, exp.Subquery)):
            if isinstance(parent, exp.Filter) and self.engine.is_aggregate(parent.this):
                return True
            if self.engine.is_aggregate(parent) and not isinstance(parent.parent, exp.Window):
                return True
            child, parent = parent, parent.parent
        return False

    # -- relations -------------------------------------------------------------
    def table_columns(self, table: TableDef) -> list[SourceColumn]:
        if table.is_view:
            return self.view_columns(table)
        key = ir.table_key(table.name, table.schema)
        cols = [SourceColumn(c.name, ir.Typed(c.type, not c.not_null), key) for c in table.columns]
        cols += [SourceColumn(c.name, ir.Typed(c.type, not c.not_null), None, hidden=True) for c in table.hidden]
        cols += [SourceColumn(n, ir.Typed(self.state.type_of(self.engine.hidden_column_type(n)), False), None,
                              hidden=True) for n in self.engine.hidden_columns(table)]
        return cols

    def view_columns(self, view: TableDef) -> list[SourceColumn]:
        """A view's columns, from its text, against the schema as it is now (SQLite re-expands `*`)."""
        if view.view_select is None:  # PostgreSQL: columns fixed when the view was created
            return [SourceColumn(c.name, ir.Typed(c.type, not c.not_null), None) for c in view.columns]
        if view.name.lower() in self.view_stack:
            raise Located(f"view {view.name} is circularly defined")
        inner = Analyzer(self.engine, self.state, {}, lambda node: None)
        inner.view_stack = self.view_stack + [view.name.lower()]
        try:
            outputs = inner.outputs(view.view_select, None)
        except Located as problem:
            raise Located(f"view {view.name} is invalid: {problem.message}") from None
        names = view.view_column_names or [o.name for o in outputs]
        if not view.view_column_names and self.engine.ddl.views_named_by_text:
            names = numbered_duplicates(named_by_text(view, names, self.engine))
        return [SourceColumn(n, o.typed, None) for n, o in zip(names, outputs)]

    def relation(self, node: exp.Expr, scope: Scope) -> Source:
        alias = node.alias if isinstance(node, (exp.Table, exp.Subquery, exp.Values, exp.Unnest)) else ""
        if self.engine.folds_identifiers:
            alias_node = node.args.get("alias")
            alias = self.folded(alias, alias_node.this if alias_node is not None else None)
        special = self.engine.from_item(self, node, alias, scope)
        if special is not None:
            return special
        if isinstance(node, exp.Table) and isinstance(node.this, (exp.Anonymous, exp.Func)):
            return self.table_function(node.this, alias or node.this.name if isinstance(node.this, exp.Anonymous)
                                       else alias or "", scope)
        if isinstance(node, exp.Table):
            name, schema = self.folded(node.name, node.this), node.db or None
            cte = scope.cte(self.cte_key(name)) if schema is None else None
            if cte is not None:
                return Source(alias or name, list(cte))
            table = self.state.find(schema, name)
            if table is not None:
                self.named_as_created(table, node)
            if table is None:
                value = self.engine.missing_table(node, alias)
                if value is not None:
                    return value
            if table is None:
                raise Located(f"no such table: {node.sql(dialect=self.engine.dialect)}" if schema else self.state.missing(name),
                              self.offset_of(node))
            return Source(alias or table.name, self.table_columns(table), table=None if table.is_view else table.name,
                          schema=table.schema, view=table.name if table.is_view else None)
        if isinstance(node, exp.Subquery):
            # A derived table sees the CTEs and enclosing queries, not its sibling FROM items.
            outputs = self.outputs(node.this, Scope(parent=scope.parent, ctes=scope.ctes))
            names = alias_column_names(node, self.engine.folds_identifiers)
            return Source(alias or "", [SourceColumn(names[i] if i < len(names) else o.name, o.typed, None)
                                        for i, o in enumerate(outputs)])
        if isinstance(node, exp.Values):
            outputs = self.values_columns(node, scope)
            names = alias_column_names(node, self.engine.folds_identifiers)
            return Source(alias or "", [SourceColumn(names[i] if i < len(names) else o.name, o.typed, None)
                                        for i, o in enumerate(outputs)])
        if isinstance(node, exp.Unnest):
            for e in node.expressions:
                self.type_of(e, scope)
            names = alias_column_names(node, self.engine.folds_identifiers) or [alias or "unnest"]
            return Source(alias or "unnest", [SourceColumn(n, NULL, None) for n in names])
        raise Located(f"unsupported FROM item {type(node).__name__}", self.offset_of(node))

    def named_as_created(self, table: TableDef, node: exp.Table) -> None:
        """A FROM item or statement target the catalog found (whatever its case) must name the
        table the database finds: PostgreSQL's "Sales"."Orders" is not sales.orders (an
        unqualified name was found in a schema of the search_path: only its own case counts)."""
        if not self.engine.folds_identifiers:
            return
        schema = self.folded(node.db, node.args.get("db")) if node.db else None
        if self.folded(node.name, node.this) != table.name \
                or (schema is not None and self.engine.lookup_schema(schema) != self.engine.lookup_schema(table.schema)):
            raise Located(f"no such table: {node.sql(dialect=self.engine.dialect)} (the migrations create "
                          f"{spelt(table.schema, table.name)}: {CASE_RULE})",
                          self.offset_of(node.args["db"] if node.db else node))

    def table_function(self, call: exp.Expr, alias: str, scope: Scope) -> Source:
        name = (call.name if isinstance(call, exp.Anonymous) else cast(exp.Func, call).sql_name()).lower()
        for arg in call.iter_expressions():
            self.bind(arg, ir.Typed(ir.ValueType(ir.STR), False), "json" if name.startswith("json") else None)
            self.type_of(arg, scope)
        if name in ("json_each", "json_tree", "jsonb_each", "jsonb_tree"):
            cols = [SourceColumn(n, ir.Typed(ir.ValueType(b), nullable), None) for n, b, nullable in JSON_TABLE_COLUMNS]
            cols += [SourceColumn("json", NULL, None, hidden=True), SourceColumn("root", NULL, None, hidden=True)]
            return Source(alias or name, cols)
        if name in ("generate_series",):
            return Source(alias or name, [SourceColumn("value", INT, None)])
        raise Located(f"no such table-valued function: {name}", self.offset_of(call))

    def from_clause(self, node: exp.Expr, scope: Scope) -> None:
        """Fill scope.sources from FROM and JOINs, marking the optional side of outer joins."""
        from_ = node.args.get("from_")
        named: dict[str, str] = {}  # each FROM item's name, for the engines that refuse a name twice
        if from_ is not None:
            scope.sources.append(self.relation(from_.this, scope))
            clashes.from_item_named_once(self, from_.this, named)
        for join in node.args.get("joins") or []:
            src = self.relation(join.this, scope)
            clashes.from_item_named_once(self, join.this, named)
            side = (join.args.get("side") or "").upper()
            if side in ("LEFT", "FULL"):
                src.optional = True
            if side in ("RIGHT", "FULL"):
                for earlier in scope.sources:
                    earlier.optional = True
            using = [u.name.lower() for u in join.args.get("using") or []]
            clashes.using_columns_on_both_sides(self, join, src, scope.sources)
            if (join.args.get("method") or "").upper() == "NATURAL":
                using = [c.name.lower() for c in src.columns if not c.hidden
                         and any(s.find(c.name) for s in scope.sources)]
            src.using = set(using)
            if side in ("RIGHT", "FULL"):
                for earlier in scope.sources:
                    earlier.coalesced |= {u for u in using if earlier.find(u) is not None}
            scope.sources.append(src)
            on = join.args.get("on")
            if on is not None:
                self.condition("JOIN/ON", on, scope)

    # -- SELECT and friends ------------------------------------------------------
    def query_columns(self, node: exp.Expr, scope: Scope | None) -> list[tuple[str, ir.Typed, str | None]]:
        return [(o.name, o.typed, o.table) for o in self.outputs(node, scope)]

    def outputs(self, node: exp.Expr, outer: Scope | None) -> list[Output]:
        if isinstance(node, exp.Subquery):
            return self.outputs(node.this, outer)
        if isinstance(node, exp.Paren):
            return self.outputs(node.this, outer)
        base = Scope(parent=outer, ctes=dict(outer.ctes) if outer else {})
        with_ = node.args.get("with_")
        if with_ is not None:
            with_clause(self, with_, base)
        if isinstance(node, exp.Select):
            return self.select(node, base)
        if isinstance(node, exp.SetOperation):
            return self.compound(node, base)
        if isinstance(node, exp.Values):
            return self.values_columns(node, base)
        if isinstance(node, (exp.Insert, exp.Update, exp.Delete)):
            return self.dml(node, base)
        if isinstance(node, exp.Merge):
            return analyze_merge(self, node, base)
        raise Located(f"unsupported statement {type(node).__name__.upper()}", self.offset_of(node))

    def compound(self, node: exp.SetOperation, scope: Scope) -> list[Output]:
        left = self.outputs(node.this, scope)
        right = self.outputs(node.expression, scope)
        if len(left) != len(right):
            raise Located(f"SELECTs to the left and right of {node.key.upper()} do not have the same number of "
                          "result columns", self.offset_of(node))
        self.one_type_per_column(node.key.upper(), node, left, right)
        out = []
        for i, (a, b) in enumerate(zip(left, right)):
            typed = merge(a.typed, b.typed, _null_projection(node.this, i), _null_projection(node.expression, i))
            if isinstance(node, exp.Intersect):
                typed = ir.Typed(typed.type, a.typed.nullable and b.typed.nullable)
            elif isinstance(node, exp.Except):
                typed = ir.Typed(typed.type, a.typed.nullable)
            out.append(Output(a.name, typed))
        # A compound's ORDER BY names result columns: those of every SELECT, the leftmost first.
        for o in reversed([*zip(out, right)]):
            scope.aliases.update({o[1].name.lower(): o[0].typed, o[0].name.lower(): o[0].typed})
        self.limits(node, scope, len(out))
        return out

    def one_type_per_column(self, what: str, node: exp.SetOperation, left: list[Output], right: list[Output]) -> None:
        """Each column of a compound has one type: its sides' values of it must have one (PostgreSQL)."""
        for i, (a, b) in enumerate(zip(left, right)):
            self.coherent("common", what, node, [(_projected(node.this, i), a.typed.type),
                                                 (_projected(node.expression, i), b.typed.type)])

    def values_columns(self, node: exp.Values, scope: Scope) -> list[Output]:
        rows = [self_row.expressions if isinstance(self_row, exp.Tuple) else [self_row] for self_row in node.expressions]
        out: list[Output] = []
        columns: list[list[tuple[exp.Expr, ir.ValueType]]] = [[] for _ in rows[0]] if rows else []
        for row in rows:
            types = [self.type_of(v, scope) for v in row]
            for column, value, typed in zip(columns, row, types):
                column.append((value, typed.type))
            if not out:
                out = [Output(f"column{i + 1}", t) for i, t in enumerate(types)]
            else:
                out = [Output(o.name, merge(o.typed, t)) for o, t in zip(out, types)]
        for column in columns:
            self.coherent("common", "VALUES", node, column)
        return out

    def select(self, node: exp.Select, scope: Scope) -> list[Output]:
        misplaced = placement.problem(node, self.engine.is_aggregate)
        if misplaced is not None:
            raise Located(misplaced[0], self.offset_of(misplaced[1]))
        self.from_clause(node, scope)
        scope.grouped = node.args.get("group") is not None
        where = node.args.get("where")
        if where is not None:
            self.condition("WHERE", where.this, scope)
        outputs: list[Output] = []
        group_by = node.args.get("group")
        scope.bare_columns_nullable = (not scope.grouped and (
            node.args.get("having") is not None or any(has_aggregate(e, self.engine) for e in node.expressions))
        ) or (group_by is not None and any(isinstance(e, (exp.Rollup, exp.Cube, exp.GroupingSets))
                                           for e in group_by.expressions))  # its super-aggregate rows
        for item in node.expressions:
            outputs.extend(self.projection(item, scope, top=node is self.root))
        scope.aliases = {o.name.lower(): o.typed for o in outputs}
        group = node.args.get("group")
        if group is not None:
            for e in group.expressions:
                self.type_of(e, scope)
        having = node.args.get("having")
        if having is not None:
            self.condition("HAVING", having.this, scope)
        self.limits(node, scope, len(outputs))
        misgrouped = grouping.position_problem("GROUP BY", group.expressions if group is not None else [],
                                               len(outputs))
        if misgrouped is None and self.engine.strict_grouping:
            misgrouped = grouping.Grouping(node, scope, self.state, self.engine.dialect, self.engine.is_aggregate,
                                           [o.name for o in outputs]).problem()
        if misgrouped is not None:
            raise Located(misgrouped[0], self.offset_of(misgrouped[1]))
        return outputs

    def limits(self, node: exp.Expr, scope: Scope, width: int | None = None) -> None:
        """ORDER BY, LIMIT and OFFSET; `width` result columns for ORDER BY's positions to name."""
        order = node.args.get("order")
        if order is not None:
            misplaced = grouping.position_problem("ORDER BY", order.expressions, width) if width is not None else None
            if misplaced is not None:
                raise Located(misplaced[0], self.offset_of(misplaced[1]))
            for ordered in order.expressions:
                if isinstance(ordered.this, exp.Literal) and not ordered.this.is_string:
                    continue  # ORDER BY 2 names a result column
                self.type_of(ordered.this, scope)
        for key in ("limit", "offset"):
            clause = node.args.get(key)
            if clause is None:
                continue
            value = clause.expression if isinstance(clause, (exp.Limit, exp.Offset)) else clause
            if isinstance(clause, exp.Fetch):  # FETCH NEXT @n ROWS ONLY (FETCH FIRST ROW ONLY: no count)
                value = clause.args.get("count")
                if value is None:
                    continue
            if value is None:
                value = clause.this
            self.bind(value, INT, key)
            self.coherent("limit", key.upper(), value, [(value, self.type_of(value, scope).type)])
            reads_row = grouping.row_column(value, scope)
            if reads_row is not None:  # both engines: LIMIT is one number for the statement, not per row
                raise Located(f"argument of {key.upper()} must not read a column of its own query's rows",
                              self.offset_of(reads_row))

    def projection(self, item: exp.Expr, scope: Scope, top: bool = False) -> list[Output]:
        if isinstance(item, exp.Star):
            cols, names = [], []
            spread = [src for src in scope.sources if not src.qualified_only]  # not RETURNING's old and new
            for src in spread:
                for c in src.columns:
                    if not c.hidden and not (c.name.lower() in src.using):
                        cols.append(Output(c.name, src.typed(c), _origin(src, c)))
                        names.append((None if _coalesced(scope, src, c.name) else
                                       src.alias if len(spread) > 1 else None, c.name))
            if not scope.sources:
                raise Located("no tables specified", self.offset_of(item))
            if top:
                self.star_expansions.append(names)
            return cols
        if isinstance(item, exp.Column) and isinstance(item.this, exp.Star):
            owner = scope.source(item.table, item.args.get("table"))
            if owner is None or owner not in scope.sources:
                raise Located(f"no such table: {item.table}", self.offset_of(item))
            self.named_as_in_from(owner, item.args["table"])
            offset = self.offset_of(item.args["table"]) if item.args.get("table") is not None else None
            if offset is not None and offset in self.embed_offsets:
                # A table's or a view's row nests as its model; anything else has none, and was
                # silently spread into plain columns
                embedded = owner.table or owner.view
                if embedded is None:
                    raise Located(f"sqlc.embed({item.table}): {item.table} is not a table or a view", offset)
                self.embed_columns[offset] = [c.name for c in owner.columns if not c.hidden]
                return [Output(embedded, ir.Typed(ir.ValueType(ir.ANY), owner.optional), None,
                               embed=ir.table_key(embedded, owner.schema))]
            visible = [c for c in owner.columns if not c.hidden]
            if top:
                qualifier = self.folded(item.table, item.args.get("table"))
                self.star_expansions.append([(qualifier, c.name) for c in visible])
            return [Output(c.name, owner.typed(c), _origin(owner, c)) for c in visible]
        typed = self.type_of(item, scope)
        inner = item.this if isinstance(item, exp.Alias) else item
        table = None
        if isinstance(inner, exp.Column) and not isinstance(item, exp.Alias):
            try:
                src, col = scope.resolve(inner, None)
                table = _origin(src, col)
            except Located:
                pass  # a FROM item's whole row (PostgreSQL: `SELECT e FROM f(x) AS e`), typed above: no column of a table
        return [Output(result_name(item, self.engine, self.text), typed, table)]

    # -- INSERT / UPDATE / DELETE ----------------------------------------------------
    def target(self, node: exp.Expr) -> tuple[TableDef, str]:
        table_node = node.this
        if isinstance(table_node, exp.Schema):
            table_node = table_node.this
        if not isinstance(table_node, exp.Table):
            raise Located("unsupported target", self.offset_of(node))
        table = self.state.find(table_node.db or None, table_node.name)
        if table is None:
            raise Located(f"no such table: {table_node.sql(dialect=self.engine.dialect)}" if table_node.db
                          else self.state.missing(table_node.name), self.offset_of(table_node))
        self.named_as_created(table, table_node)
        if table.is_view and not table.updatable and not instead_of_trigger(node, self.state):
            statement = type(node).__name__.upper()
            if isinstance(node, exp.Merge):
                changes = ", ".join(sorted(merge_events(node))) or "none"
                raise Located(f"{table_node.name} is a view PostgreSQL cannot change by itself: a MERGE into it needs "
                              f"an INSTEAD OF trigger for each change its WHEN clauses make ({changes})",
                              self.offset_of(table_node))
            raise Located(f"{table_node.name} is a view with no INSTEAD OF {statement} trigger: a {statement} cannot "
                          "change it", self.offset_of(table_node))
        return table, table_node.alias or table.name

    def dml(self, node: exp.Expr, scope: Scope) -> list[Output]:
        return analyze_dml(self, node, scope)


def _coalesced(scope: Scope, src: Source, name: str) -> bool:
    """`*` over `a FULL JOIN b USING (x)` gives coalesce(a.x, b.x), which only the bare name `x`
    reads (a.x is NULL on b's unmatched rows); bare, it must name nothing else in the FROM list."""
    lowered = name.lower()
    return lowered in src.coalesced and sum(
        1 for s in scope.sources if lowered not in s.using and s.find(name) is not None) == 1


def _origin(src: Source, col: SourceColumn) -> str | None:
    return col.table if src.table is not None and not src.optional else None


def spelt(schema: str | None, name: str) -> str:
    """A relation's or column's name as the database knows it, quoted where it must be."""
    return f"{quote_identifier(schema)}.{quote_identifier(name)}" if schema else quote_identifier(name)


__all__ = ["Analyzer", "Output", "identifier_offset"]


def _projected(side: exp.Expr, index: int) -> exp.Expr:
    """The index-th result expression of a compound's side where it is one SELECT's item (so a NULL or
    a quoted literal is seen as one), else the side itself."""
    select = side.unnest() if isinstance(side, exp.Subquery) else side
    if isinstance(select, exp.Select) and index < len(select.expressions) \
            and not any(isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star))
                        for e in select.expressions):
        item: exp.Expr = select.expressions[index]
        return item.unalias()
    return side


def _null_projection(node: exp.Expr, index: int) -> bool | None:
    """Whether the index-th result of one side of a UNION is the NULL literal (SELECT NULL);
    None where that side is itself a compound or a VALUES list (the type says it, as before)."""
    node = node.unnest() if isinstance(node, exp.Subquery) else node
    if not isinstance(node, exp.Select) or index >= len(node.expressions) \
            or any(isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star))
                   for e in node.expressions):
        return None
    return is_null_literal(node.expressions[index])
