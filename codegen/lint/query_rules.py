"""Query rules, on the parsed query and the schema after every migration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from sqlglot import exp

from .. import ir
from ..annotate import Block
from ..catalog.build import SchemaState
from ..catalog.tables import TableDef
from ..errors import Located
from ..parse import parse_one
from ..placeholders import for_analysis, scan
from .ddl import Objects, StatementView
from .findings import Finding, at

if TYPE_CHECKING:
    from ..engines import EngineTraits
    from .context import LintEngine


def parse_block(block: Block, engine: "EngineTraits") -> exp.Expr | None:
    text = block.statement.text
    try:
        return parse_one(for_analysis(text, scan(text, engine), ()).text, engine)
    except (Located, RecursionError):
        return None


def check(engine: "LintEngine", block: Block, query: ir.Query, state: SchemaState, objects: Objects,
          sqlite_min_version: tuple[int, ...] | None) -> list[Finding]:
    findings: list[Finding] = []
    stmt = block.statement

    def report(rule: str, message: str) -> None:
        findings.append(at(stmt, rule, f"query {block.name}: {message}"))

    findings += [Finding(f.path, f.line, f.col, f.rule, f"query {block.name}: {f.message}", f.first_line,
                         f.last_line) for f in engine.lint_query(StatementView(stmt, engine), sqlite_min_version)]
    untyped = [f"parameter {p.name}" for p in query.params if p.type.base == ir.ANY and p.type.override is None]
    untyped += [f"column {c.name}" for c in query.columns if c.type.base == ir.ANY and c.type.override is None
                and c.embed is None]
    if untyped:
        report("any-type", f"{', '.join(untyped)} typed typing.Any")
    tree = parse_block(block, engine)
    if tree is None:
        return findings
    if isinstance(tree, exp.Update) and not tree.args.get("where"):
        report("update-without-where", "UPDATE without WHERE changes every row")
    if isinstance(tree, exp.Delete) and not tree.args.get("where"):
        report("delete-without-where", "DELETE without WHERE removes every row")
    for node in tree.find_all(exp.EQ, exp.NEQ):
        if isinstance(node.left, exp.Null) or isinstance(node.right, exp.Null):
            report("compare-null", f"{node.sql()} is never true; use IS {'' if isinstance(node, exp.EQ) else 'NOT '}NULL")
    for inner in tree.find_all(exp.In):
        if _negated(inner) and inner.args.get("query") is not None:
            column = _nullable_subquery_column(inner.args["query"], state)
            if column is not None:
                report("not-in-nullable", f"NOT IN (subquery) over nullable {column} matches nothing once it "
                                          "returns a NULL")
    if block.command == "exec" and tree.args.get("returning") is not None:
        report("exec-returning", ":exec throws away the rows RETURNING produces")
    _order_checks(block, query, tree, state, objects, report)
    return findings


def _base_table(select: exp.Expr, state: SchemaState) -> tuple[TableDef, set[str]] | None:
    """The table a single-table query reads (or the first of a join), as its schema (or the
    search_path) finds it, and the names it goes by."""
    source = select.args.get("from_") or select.args.get("from")
    table = source.this if isinstance(source, exp.From) else select.this if isinstance(select, (exp.Update, exp.Delete)) else None
    found = state.find(table.db or None, table.name) if isinstance(table, exp.Table) else None
    if not isinstance(table, exp.Table) or found is None:
        return None
    return found, {table.name.lower(), (table.alias_or_name or table.name).lower()}


def _pinned(where: exp.Expr | None, names: set[str]) -> set[str]:
    """Columns of the base table the WHERE clause fixes to one value (col = value, ANDed)."""
    if where is None:
        return set()
    cond = where.this if isinstance(where, exp.Where) else where
    parts = list(cond.flatten()) if isinstance(cond, exp.And) else [cond]
    pinned = set()
    for part in parts:
        part = part.unnest()
        if isinstance(part, exp.EQ):
            for side, other in ((part.left, part.right), (part.right, part.left)):
                if isinstance(side, exp.Column) and (not side.table or side.table.lower() in names) \
                        and not isinstance(other, exp.Column):
                    pinned.add(side.name.lower())
        elif isinstance(part, exp.Is) and isinstance(part.this, exp.Column) and isinstance(part.expression, exp.Null) \
                and not _negated(part):
            pinned.add(part.this.name.lower())
    return pinned


def _keys(found: TableDef, state: SchemaState, objects: Objects) -> list[set[str]]:
    keys = [set(k) for k in objects.unique_keys(found.name.lower())]
    if found is not None:
        pk = {c.name.lower() for c in found.columns if c.primary_key}
        if pk:
            keys.append(pk)
        if state.engine.ddl.rowid_tables and not found.without_rowid:
            keys.append({"rowid"})
    return keys


def _order_checks(block: Block, query: ir.Query, tree: exp.Expr, state: SchemaState, objects: Objects,
                  report: Callable[[str, str], None]) -> None:
    if not isinstance(tree, (exp.Select, exp.Update, exp.Delete)):
        return
    base = _base_table(tree, state)
    if base is None:
        return
    found, names = base
    table = found.name.lower()
    keys = _keys(found, state, objects)
    pinned = _pinned(tree.args.get("where"), names)
    unique = any(k and k <= pinned for k in keys)
    grouped = isinstance(tree, exp.Select) and tree.args.get("group") is not None
    limit = tree.args.get("limit")
    one_row = query.always_one_row or unique
    if block.command == "one" and not one_row and limit is None and not grouped \
            and (isinstance(tree, exp.Select) or tree.args.get("returning") is not None):
        report("one-not-unique", f"the filter does not fix a unique key of {table} and there is no LIMIT")
    if isinstance(tree, exp.Select) and (limit is not None or tree.args.get("offset") is not None) and not one_row:
        order = tree.args.get("order")
        ordered = {o.this.name.lower() for o in (order.expressions if order else [])
                   if isinstance(o.this, exp.Column) and (not o.this.table or o.this.table.lower() in names)}
        if grouped:
            group_cols = {g.name.lower() for g in tree.args["group"].expressions if isinstance(g, exp.Column)}
            total = bool(group_cols) and group_cols <= ordered | pinned
        else:
            total = any(k and k <= ordered | pinned for k in keys)
        if not total:
            report("unstable-pagination", "LIMIT/OFFSET without an ORDER BY that ends in a unique key of "
                                          f"{table}: rows come in no stable order")


def _nullable_subquery_column(query: exp.Expr, state: SchemaState) -> str | None:
    """The subquery's column when it may be NULL (unknown counts as nullable); None when it cannot."""
    select = query.unnest() if isinstance(query, exp.Subquery) else query
    if not isinstance(select, exp.Select) or len(select.expressions) != 1:
        return None
    column = select.expressions[0].unalias()
    if isinstance(column, exp.Literal):
        return None
    where = select.args.get("where")
    if where is not None and isinstance(column, exp.Column) and any(
            isinstance(n.this, exp.Column) and n.this.name.lower() == column.name.lower()
            and isinstance(n.expression, exp.Null) and _negated(n) for n in where.find_all(exp.Is)):
        return None  # WHERE col IS NOT NULL
    if isinstance(column, exp.Column):
        base = _base_table(select, state)
        found = base[0] if base else None
        col = found.column(column.name) if found else None
        if col is not None and (col.not_null or col.primary_key or col.identity):
            return None
        return str(column.sql())
    return str(column.sql())


def _negated(node: exp.Expr) -> bool:
    """`x IS NOT NULL` / `x NOT IN (...)`: sqlglot marks them negate=True or wraps them in NOT."""
    parent = node.parent
    while isinstance(parent, exp.Paren):
        parent = parent.parent
    return bool(node.args.get("negate")) or isinstance(parent, exp.Not)
