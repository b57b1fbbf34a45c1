"""INSERT, UPDATE and DELETE: parameters from the columns they fill, RETURNING columns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

from sqlglot import exp

from .. import ir
from ..errors import Located
from . import clashes, placement
from .inserts import instead_of_trigger
from .result_names import CASE_RULE, as_written
from .scope import Scope, Source, SourceColumn
from .types import Output, ParamInfo, array_of, placeholder_index

if TYPE_CHECKING:
    from ..catalog.state import SchemaState
    from ..catalog.tables import TableDef


class Analyzer(Protocol):
    """What DML analysis asks of the statement analyzer (statements.Analyzer), which calls it."""

    root: exp.Expr | None
    state: "SchemaState"
    params: "dict[int, ParamInfo]"

    def offset_of(self, node: exp.Expr) -> int | None: ...
    def bind(self, node: exp.Expr, typed: ir.Typed, name: str | None) -> bool: ...
    def bind_cast_override(self, node: exp.Expr, context: ir.Typed) -> None: ...
    def type_of(self, node: exp.Expr, scope: Scope) -> ir.Typed: ...
    def from_clause(self, node: exp.Expr, scope: Scope) -> None: ...
    def limits(self, node: exp.Expr, scope: Scope, width: int | None = None) -> None: ...
    def coherent(self, rule: str, label: str, node: exp.Expr,
                 operands: list[tuple[exp.Expr, ir.ValueType]]) -> None: ...
    def condition(self, clause: str, node: exp.Expr, scope: Scope) -> ir.Typed: ...
    def outputs(self, node: exp.Expr, outer: Scope | None) -> list[Output]: ...
    def projection(self, item: exp.Expr, scope: Scope, top: bool = False) -> list[Output]: ...
    def table_columns(self, table: "TableDef") -> list[SourceColumn]: ...
    def target(self, node: exp.Expr) -> "tuple[TableDef, str]": ...


def analyze_dml(an: "Analyzer", node: exp.Expr, scope: Scope) -> "list[Output]":
    table, alias = an.target(node)
    # An updatable view's columns that are no plain column of its base (upper(name) AS shout) cannot
    # be written; an INSTEAD OF trigger may write anything (an.target allowed the view for one).
    changed_as_view = table.updatable and not instead_of_trigger(node, an.state)
    read_only = frozenset(c.name.lower() for c in table.columns if c.read_only) if changed_as_view else frozenset()
    computed = frozenset(c.name.lower() for c in table.columns if c.computed)
    always_identity = frozenset(c.name.lower() for c in table.columns if c.identity_always)
    target = Source(alias, an.table_columns(table), table=table.name, read_only=read_only, computed=computed,
                    always_identity=always_identity, through_view=table.is_view)
    if isinstance(node, exp.Insert):
        _insert(an, node, scope, target)
        _check_keys_given(an, node, table)
        _check_conflict_target(an, node, table)
    elif isinstance(node, exp.Update):
        _update(an, node, scope, target)
    else:
        _delete(an, cast(exp.Delete, node), scope, target)
    returning = node.args.get("returning")
    if returning is None:
        return []
    ret_scope = Scope(parent=scope.parent, ctes=scope.ctes, sources=[*_old_and_new(an, node, target), target])
    if isinstance(node, (exp.Update, exp.Delete)) and an.state.engine.returning_reads_from:
        ret_scope.sources += scope.sources[1:]  # UPDATE's FROM, DELETE's USING: RETURNING * takes them too
    outputs = []
    for item in returning.expressions:
        outputs.extend(an.projection(item, ret_scope, top=node is an.root))
    return outputs


def _old_and_new(an: "Analyzer", node: exp.Expr, target: Source) -> list[Source]:
    """PostgreSQL 18's RETURNING old.x, new.x: the row before and after the change, each all NULL
    where there is none (an INSERT's old row, unless ON CONFLICT DO UPDATE found one; a DELETE's new
    row). Listed before the target, so a target aliased old or new is still found by its alias."""
    if not an.state.engine.returning_old_new:
        return []
    return [Source(name, list(target.columns), optional=missing, qualified_only=True)
            for name, missing in (("old", isinstance(node, exp.Insert)), ("new", isinstance(node, exp.Delete)))
            if name != target.alias.lower()]


def target_column(an: "Analyzer", target: Source, node: exp.Expr, written: bool = True) -> tuple[str, ir.Typed]:
    """The target's column a name denotes; `written` False where it gets DEFAULT (a view's column
    over a generated one takes DEFAULT, not a value)."""
    name = node.name if isinstance(node, (exp.Column, exp.Identifier)) else node.sql()
    col = target.find(name)
    if col is None:
        raise Located(f"table {target.table} has no column named {name}", an.offset_of(node))
    folds = an.state.engine.folds_identifiers
    if folds and col.name != as_written(name, node.this if isinstance(node, exp.Column) else node, folds):
        # The target finds a column whatever its case; PostgreSQL does not: "Qty" is not qty.
        raise Located(f"table {target.table} has no column named {as_written(name, node, folds)} (the column is "
                      f'"{col.name}": {CASE_RULE})', an.offset_of(node))
    if written:
        check_writable(an, target, col.name, node)
    return col.name, col.typed


def check_writable(an: "Analyzer", target: Source, name: str, node: exp.Expr) -> None:
    if name.lower() in target.read_only:
        raise Located(f"column {name} of view {target.table} cannot be written: it is not a column of the view's "
                      "base table", an.offset_of(node))


def is_default(value: exp.Expr) -> bool:
    """The DEFAULT keyword where a value goes (sqlglot reads it as a Var or an unquoted column)."""
    word = value.this if isinstance(value, exp.Column) and not value.table else value
    return isinstance(word, (exp.Var, exp.Identifier)) and not word.args.get("quoted") \
        and str(word.this).upper() == "DEFAULT"


def check_not_computed(an: "Analyzer", target: Source, name: str, value: exp.Expr | None, at: exp.Expr,
                       updated: bool = False) -> None:
    """A generated column (GENERATED ALWAYS AS (...), AS (...)) or a GENERATED ALWAYS identity takes no
    value: the engines refuse the statement when it runs (PostgreSQL lets DEFAULT stand for it, except
    in an UPDATE through a view: "can only be updated to DEFAULT" all the same), so it is refused here."""
    if value is not None and is_default(value) and not (updated and target.through_view):
        return
    if name.lower() in target.computed:
        raise Located(f"column {name} of {target.table} is a generated column: the database computes it and "
                      "refuses a value for it; leave it out", an.offset_of(at))
    if name.lower() in target.always_identity:
        raise Located(f"column {name} of {target.table} is GENERATED ALWAYS AS IDENTITY: PostgreSQL refuses a value "
                      "for it (without OVERRIDING SYSTEM VALUE, which codegen cannot parse); leave it out, or "
                      "declare it GENERATED BY DEFAULT AS IDENTITY", an.offset_of(at))


def _bind_unnested(an: "Analyzer", item: exp.Expr, typed: ir.Typed) -> None:
    """INSERT ... SELECT unnest(@xs::text[]), ... (sqlc's bulk insert): an array cast to exactly
    the column's type, unnested into it, takes the column's configured type (list[Color]), so its
    items are sent as the column's values (psycopg sends a plain Enum member by its name); a
    nullable column's items may be None (NULL)."""
    array = ir.Typed(array_of(typed.type, nullable_elements=typed.nullable), False)
    if isinstance(item, exp.Explode):  # sqlglot's name for unnest(x) in a select list
        an.bind_cast_override(item.this, array)
    elif isinstance(item, exp.Unnest) and len(item.expressions) == 1:
        an.bind_cast_override(item.expressions[0], array)
    elif isinstance(item, exp.Anonymous) and str(item.name).lower() == "unnest" and len(item.expressions) == 1:
        an.bind_cast_override(item.expressions[0], array)


def _insert(an: "Analyzer", node: exp.Insert, scope: Scope, target: Source) -> None:
    schema = node.this
    if isinstance(schema, exp.Schema) and schema.expressions:
        columns = [target_column(an, target, c) for c in schema.expressions]
        clashes.written_once(an.state.engine, an.offset_of, [(name, c) for c, (name, _) in zip(schema.expressions, columns)], "INSERT")
        for c, (name, _) in zip(schema.expressions, columns):
            if not isinstance(node.args.get("expression"), exp.Values):
                check_not_computed(an, target, name, None, c)  # INSERT ... SELECT: no DEFAULT there
    else:
        engine = an.state.engine
        columns = [(c.name, c.typed) for c in target.columns if not c.hidden
                   and not (engine.implicit_insert_skips_generated and c.name.lower() in target.computed)]
    listed = isinstance(schema, exp.Schema) and bool(schema.expressions)
    table_name = schema.this if isinstance(schema, exp.Schema) else schema  # where errors with no better place point
    source = node.args.get("expression")
    if isinstance(source, exp.Values):
        for row in source.expressions:
            values = row.expressions if isinstance(row, exp.Tuple) else [row]
            row_columns = filled(an, listed, columns, len(values), row, table_name)
            for name, _ in row_columns if not listed else []:  # the leading columns the values fill
                check_writable(an, target, name, node)
            # Without a column list a value goes to every column in turn: the error points at the
            # value if it has a position (a name in it), else at the table.
            named = schema.expressions if listed else [v if an.offset_of(v) is not None else table_name for v in values]
            for c, (name, _), value in zip(named, row_columns, values):
                check_not_computed(an, target, name, value, c)
            for (name, typed), value in zip(row_columns, values):
                an.bind(value, typed, name)
                an.coherent("assign", name, value, [(value, typed.type), (value, an.type_of(value, scope).type)])
    elif source is not None:
        # INSERT ... SELECT $1, ...: a parameter selected into a column takes the column's type.
        selects = [source] if isinstance(source, exp.Select) else (
            [source.left, source.right] if isinstance(source, exp.SetOperation) else [])
        for select in selects:
            items = select.expressions if isinstance(select, exp.Select) else []
            if len(items) == len(columns) or (0 < len(items) < len(columns) and not listed and not any(
                    isinstance(i, exp.Star) or i.is_star for i in items)
                    and an.state.engine.implicit_insert_takes_leading_columns):
                for (name, typed), item in zip(columns, items):
                    an.bind(item.this if isinstance(item, exp.Alias) else item, typed, name)
                    _bind_unnested(an, item.this if isinstance(item, exp.Alias) else item, typed)
            elif isinstance(select, exp.Select) and len(items) == 1 and items[0].is_star \
                    and isinstance(unnest := select.args.get("from_") or select.args.get("from"), exp.From) \
                    and isinstance(unnest.this, exp.Unnest) and len(unnest.this.expressions) == len(columns) \
                    and not select.args.get("joins"):
                # INSERT ... SELECT * FROM unnest(@a::text[], @b::int[]): each array fills its column
                for (name, typed), array in zip(columns, unnest.this.expressions):
                    _bind_unnested(an, exp.Explode(this=array), typed)
        outputs = an.outputs(source, scope)
        filled_columns = filled(an, listed, columns, len(outputs), source, table_name)
        for name, _ in filled_columns if not listed else []:
            check_writable(an, target, name, node)
        items = source.expressions if isinstance(source, exp.Select) else []
        for i, ((name, typed), output) in enumerate(zip(filled_columns, outputs)):
            at = items[i].unalias() if len(items) == len(outputs) else source
            an.coherent("assign", name, at, [(at, typed.type), (at, output.typed.type)])
        if not listed:
            for name, _ in filled_columns:
                check_not_computed(an, target, name, None, table_name)  # INSERT ... SELECT: no DEFAULT there
    conflict = node.args.get("conflict")
    if conflict is not None:
        # In DO UPDATE a bare name is the existing row's column; excluded.x must be written out.
        excluded = Source("excluded", list(target.columns), qualified_only=True)
        conflict_scope = Scope(parent=scope.parent, ctes=scope.ctes, sources=[target, excluded])
        for key in conflict.args.get("conflict_keys") or []:
            an.type_of(key.this if isinstance(key, exp.Ordered) else key, Scope(sources=[target]))
        set_once(an, conflict.expressions or [], target)
        for assignment in conflict.expressions or []:
            assign(an, assignment, conflict_scope, target)
        where = conflict.args.get("where")
        if where is not None:
            an.type_of(where.this if isinstance(where, exp.Where) else where, conflict_scope)


def filled(an: "Analyzer", listed: bool, columns: list[tuple[str, ir.Typed]], count: int,
            at: exp.Expr, table: exp.Expr) -> list[tuple[str, ir.Typed]]:
    """The columns `count` values fill: all of them, or (PostgreSQL, no column list) the first ones.
    A wrong count is an error at the values, or at the table when they hold no name to point at."""
    if count == len(columns) or (count < len(columns) and not listed
                                 and an.state.engine.implicit_insert_takes_leading_columns):
        return columns[:count]
    offset = an.offset_of(at)
    raise Located(f"{count} values for {len(columns)} columns", offset if offset is not None else an.offset_of(table))


def _check_conflict_target(an: "Analyzer", node: exp.Insert, table: "TableDef") -> None:
    """ON CONFLICT (columns) must name exactly the columns of the primary key, a UNIQUE constraint
    or a unique index: both engines refuse the statement otherwise, at every call. Checked only
    when the target is plain columns and the catalog knows every key of the table."""
    conflict = node.args.get("conflict")
    targets = [k.this if isinstance(k, exp.Ordered) else k for k in (conflict.args.get("conflict_keys") or [])] \
        if conflict is not None else []
    if not targets or not all(isinstance(t, (exp.Column, exp.Identifier)) for t in targets):
        return
    arbiters = table.conflict_arbiters()
    names = frozenset(t.name.lower() for t in targets)
    if arbiters is None or names in arbiters or not all(table.column(n) is not None for n in names):
        return
    listed = ", ".join(t.name for t in targets)
    raise Located(f"ON CONFLICT ({listed}): {table.name} has no primary key, UNIQUE constraint or unique index "
                  f"on exactly ({listed}), so the database refuses the statement; add one, or name the columns "
                  "of one", an.offset_of(targets[0]))


def _check_keys_given(an: "Analyzer", node: exp.Insert, table: "TableDef") -> None:
    """An INSERT that leaves out a key column SQLite lets hold NULL (`id INT PRIMARY KEY`, a TEXT
    or composite key of a rowid table: only INTEGER PRIMARY KEY numbers itself) stores NULL there,
    and the row model, which declares every PRIMARY KEY column NOT NULL as sqlc does, then fails
    to read the row back (RETURNING * raised a ValidationError)."""
    schema = node.this
    if node.args.get("default") or node.args.get("expression") is None:
        given: set[str] = set()  # DEFAULT VALUES
    elif isinstance(schema, exp.Schema) and schema.expressions:
        given = {(c.name if isinstance(c, (exp.Column, exp.Identifier)) else c.sql()).lower()
                 for c in schema.expressions}
    else:
        return  # every column is given
    for col in table.columns:
        if col.null_key and not col.has_default and col.name.lower() not in given:
            raise Located(f"the INSERT leaves out {table.name}.{col.name}, a PRIMARY KEY column SQLite then sets "
                          "to NULL (only a lone INTEGER PRIMARY KEY, not DESC, numbers itself; STRICT and WITHOUT "
                          "ROWID tables refuse NULL) where its row model declares a value: give it one, or declare "
                          "it NOT NULL, with a DEFAULT, or INTEGER PRIMARY KEY",
                          an.offset_of(schema.this if isinstance(schema, exp.Schema) else schema))


def set_once(an: "Analyzer", assignments: list[exp.Expr], target: Source) -> None:
    """Each column an UPDATE's SET names (a[1] and a[2] of one array may both be set)."""
    written: list[tuple[str, exp.Expr]] = []
    for assignment in assignments:
        left = assignment.this if isinstance(assignment, exp.EQ) else None
        for column in left.expressions if isinstance(left, exp.Tuple) else [left]:
            if isinstance(column, exp.Column):
                written.append((target_column(an, target, column)[0], column))
    clashes.written_once(an.state.engine, an.offset_of, written, "UPDATE")


def assign(an: "Analyzer", assignment: exp.Expr, scope: Scope, target: Source) -> None:
    if not isinstance(assignment, exp.EQ):
        an.type_of(assignment, scope)
        return
    left = assignment.this
    if isinstance(left, exp.Tuple):  # SET (a, b) = (?, ?)
        names = [target_column(an, target, c) for c in left.expressions]
        right = assignment.expression
        values = right.expressions if isinstance(right, exp.Tuple) else []
        for i, (c, (name, _)) in enumerate(zip(left.expressions, names)):
            check_not_computed(an, target, name, values[i] if i < len(values) else None, c, updated=True)
        for (name, typed), value in zip(names, values):
            an.bind(value, typed, name)
        an.type_of(right, scope)
        return
    if isinstance(left, exp.Bracket):  # SET arr[i] = v: an element of the array column
        name, typed = target_column(an, target, left.this)
        for index in left.expressions:
            an.bind(index, ir.Typed(ir.ValueType(ir.INT), False), name)
            an.type_of(index, scope)
        typed = ir.Typed(typed.type.element(), typed.nullable)
    else:
        name, typed = target_column(an, target, left)
    check_not_computed(an, target, name, None if isinstance(left, exp.Bracket) else assignment.expression, left,
                       updated=True)
    if is_default(assignment.expression):
        return  # SET col = DEFAULT (PostgreSQL): no value to type
    an.bind(assignment.expression, typed, name)
    value = assignment.expression
    an.coherent("assign", name, value, [(value, typed.type), (value, an.type_of(value, scope).type)])


def _update(an: "Analyzer", node: exp.Update, scope: Scope, target: Source) -> None:
    scope.sources.append(target)
    from_ = node.args.get("from_")
    if from_ is not None:
        # sqlglot hangs `FROM a JOIN b` joins on the first table of the FROM
        holder = exp.Select(from_=from_, joins=from_.args.get("joins") or from_.this.args.get("joins"))
        an.from_clause(holder, scope)
    for join in node.args.get("joins") or []:
        an.from_clause(exp.Select(joins=[join]), scope)
    set_once(an, node.expressions, target)
    for assignment in node.expressions:
        assign(an, assignment, scope, target)
    where = node.args.get("where")
    if where is not None:
        _check_where(an, where.this, scope)
        an.condition("WHERE", where.this, scope)
    _parameters_set(an, node, target)
    an.limits(node, scope)


def _parameters_set(an: "Analyzer", node: exp.Update, target: Source) -> None:
    """SET col = $1 WHERE other = $1: the engine may type $1 by what it is compared with (PostgreSQL
    reads WHERE before SET), and that value must then be one the column takes."""
    for assignment in node.expressions:
        value, left = assignment.expression, assignment.this
        index = placeholder_index(value)
        if index is None or isinstance(left, exp.Bracket) or not an.params[index].compared:
            continue
        name, typed = target_column(an, target, left)
        for other, t in an.params[index].compared[:1]:
            an.coherent("assign", name, other, [(other, typed.type), (other, t)])


def _delete(an: "Analyzer", node: exp.Delete, scope: Scope, target: Source) -> None:
    scope.sources.append(target)
    for item in node.args.get("using") or []:  # PostgreSQL: DELETE FROM t USING a JOIN b ...
        an.from_clause(exp.Select(from_=exp.From(this=item.copy()), joins=item.args.get("joins")), scope)
    where = node.args.get("where")
    if where is not None:
        _check_where(an, where.this, scope)
        an.condition("WHERE", where.this, scope)
    an.limits(node, scope)


def _check_where(an: "Analyzer", where: exp.Expr, scope: Scope) -> None:
    """No aggregate or window function decides which rows an UPDATE or DELETE changes (placement.py)."""
    misplaced = placement.where_problem(where, an.state.engine.is_aggregate, {s.alias.lower() for s in scope.sources})
    if misplaced is not None:
        raise Located(misplaced[0], an.offset_of(misplaced[1]))
