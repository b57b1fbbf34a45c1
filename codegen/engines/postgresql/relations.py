"""PostgreSQL FROM items beyond tables and subqueries: functions, unnest(...) and LATERAL."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from ... import ir
from ...errors import Located
from . import functions as pg_functions
from ...analyze.result_names import alias_column_names, as_written
from ...analyze.scope import Scope, Source, SourceColumn

if TYPE_CHECKING:
    from ...analyze.statements import Analyzer

NULL = ir.Typed(ir.ValueType(ir.ANY), True)


def table_function(an: "Analyzer", call: exp.Expr, alias: str, names: list[str], scope: Scope) -> Source:
    """FROM f(...) [AS alias [(names)]]: a function of a scalar result gives one column named
    after the alias (else the function); a set of rows gives its own columns; `names` rename."""
    functions = pg_functions.visible(an.state.functions, call, an.state.search_path)
    problem = pg_functions.check(call, functions)
    if problem is not None:
        schema = call.parent.args.get("db") if isinstance(call.parent, exp.Table) else None
        raise Located(problem, an.offset_of(schema) if schema is not None else an.offset_of(call))
    for arg, typed, name in pg_functions.arg_hints(call, functions):
        an.bind(arg, typed, name)
    for param, wanted in pg_functions.derived_arg_types(call, lambda child: an.type_of(child, scope)):
        an.bind(param, ir.Typed(wanted, False), None)  # generate_series(1, $1): an integer
    cols = pg_functions.table_columns(call, lambda child: an.type_of(child, scope), functions)
    for child in call.iter_expressions():  # parameters and names inside are checked too
        an.type_of(child, scope)
    fname = str(call.name).lower() if isinstance(call, exp.Anonymous) else (pg_functions.pg_name(call) or "").lower()
    if cols is None:
        # A function sqlc does not know either: whatever the alias names, of unknown type.
        cols = [(n, NULL) for n in names] or [(alias or fname, NULL)]
    elif len(cols) == 1 and cols[0][0] == fname and alias:
        cols = [(alias, cols[0][1])]
    cols = [(names[i] if i < len(names) else n, t) for i, (n, t) in enumerate(cols)]
    declared = declared_types(call.parent)
    if declared:  # a column definition list, AS r(a int, b text): a record function's columns
        kinds = declared + [None] * len(cols)
        cols = [(n, t if (kind := kinds[i]) is None else ir.Typed(an.cast_type(kind), True))
                for i, (n, t) in enumerate(cols)]
    return Source(alias or fname, [SourceColumn(n, t, None) for n, t in cols])


def declared_types(item: exp.Expr | None) -> list[exp.DataType | None]:
    """The types of a FROM item's column definition list (`jsonb_to_recordset(x) AS r(a int, b
    text)`), by position; empty when it has none. Each may be NULL: a record that lacks the key."""
    alias = item.args.get("alias") if item is not None else None
    if not isinstance(alias, exp.TableAlias):
        return []
    kinds = [c.args.get("kind") if isinstance(c, exp.ColumnDef) else None for c in alias.columns]
    return [k if isinstance(k, exp.DataType) else None for k in kinds] if any(kinds) else []


_VALUE_FUNCTIONS = {"current_date": ir.DATE, "current_time": ir.TIME_TZ, "current_timestamp": ir.DATETIME_TZ,
                    "localtime": ir.TIME, "localtimestamp": ir.DATETIME, "current_user": ir.STR,
                    "session_user": ir.STR, "current_role": ir.STR, "user": ir.STR, "current_catalog": ir.STR,
                    "current_schema": ir.STR}


def value_function(node: exp.Table, alias: str) -> Source | None:
    """FROM current_date [AS d]: these keywords are function calls, one row of one column."""
    name = node.this
    if node.db or not isinstance(name, exp.Identifier) or name.quoted or name.name.lower() not in _VALUE_FUNCTIONS:
        return None
    fname = name.name.lower()
    return Source(alias or fname, [SourceColumn(alias or fname, ir.Typed(ir.ValueType(_VALUE_FUNCTIONS[fname]),
                                                                         False), None)])


def unnest(an: "Analyzer", node: exp.Unnest, alias: str, scope: Scope) -> Source:
    """FROM unnest(a, b...) [AS t (x, y)]: one column per array, of its element type. The
    elements of list[T] parameters and columns are never NULL in the generated code; an array that
    may hold NULL (array_agg of a nullable value) gives NULL elements, and several arrays are
    padded with NULLs to the longest one."""
    types = [an.type_of(e, scope) for e in node.expressions]
    defaults = [alias] if alias and len(types) == 1 else ["unnest"] * len(types)
    given = alias_column_names(node, folds=True)
    ordinality = node.args.get("offset")  # WITH ORDINALITY; sqlglot keeps the last alias column here
    if ordinality:
        defaults.append("ordinality")
        if isinstance(ordinality, exp.Expression):
            given.append(ordinality.name)
    names = [given[i] if i < len(given) else d for i, d in enumerate(defaults)] + given[len(defaults):]
    cols = []
    for i, name in enumerate(names):
        if i < len(types):
            t = types[i].type
            padded = len(types) > 1 or t.nullable_elements
            cols.append(SourceColumn(name, ir.Typed(t.element(),
                                                    t.base == ir.ANY or padded), None))
        else:
            cols.append(SourceColumn(name, ir.Typed(ir.ValueType(ir.INT), False), None))  # WITH ORDINALITY
    return Source(alias or "unnest", cols)


def rows_from(an: "Analyzer", node: exp.Table, alias: str, scope: Scope) -> Source:
    """FROM ROWS FROM (f(...), g(...)) [WITH ORDINALITY] [AS t (names)]: the functions' columns side
    by side, each padded with NULLs to the longest set (so every column is nullable), and a bigint
    ordinality after them."""
    columns = [SourceColumn(c.name, c.typed.nullable_if(True), None)
               for item in node.args.get("rows_from") or [] for c in an.relation(item, scope).columns]
    if node.args.get("ordinality"):
        columns.append(SourceColumn("ordinality", ir.Typed(ir.ValueType(ir.INT), False), None))
    names = alias_column_names(node, folds=True)
    return Source(alias or "rows", [SourceColumn(names[i] if i < len(names) else c.name, c.typed, None)
                                    for i, c in enumerate(columns)])


def lateral(an: "Analyzer", node: exp.Lateral, scope: Scope) -> Source:
    """LATERAL (subquery) or LATERAL f(...): it sees the FROM items before it."""
    inner = node.this
    alias = node.alias
    if isinstance(inner, exp.Subquery):
        outputs = an.outputs(inner.this, Scope(parent=scope, ctes=scope.ctes))
        names = alias_column_names(node, folds=True)
        return Source(alias or "", [SourceColumn(names[i] if i < len(names) else o.name, o.typed, None)
                                    for i, o in enumerate(outputs)])
    if isinstance(inner, exp.Unnest):
        inner = inner.copy()
        inner.set("alias", node.args.get("alias"))
        return unnest(an, inner, alias, scope)
    if isinstance(inner, (exp.Anonymous, exp.Func)):
        return table_function(an, inner, alias, alias_column_names(node, folds=True), scope)
    raise Located(f"unsupported LATERAL item {type(inner).__name__}", an.offset_of(node))


def json_table(an: "Analyzer", node: exp.JSONTable, alias: str, names: list[str], scope: Scope) -> Source:
    """FROM JSON_TABLE(doc, 'path' COLUMNS (...)) [AS alias] (PostgreSQL 17): a row per item the
    path finds, a column per definition. A path column is of its declared type and NULL where an
    item has no such value (NULL ON EMPTY is the default); FOR ORDINALITY numbers the rows; a NESTED
    PATH's columns are NULL in the rows of the items it does not find."""
    document = node.this
    an.bind(document, ir.Typed(ir.ValueType(ir.JSON), False), "doc")
    an.type_of(document, scope)
    schema = node.args.get("schema")
    columns = _json_table_columns(an, schema, nested=False) if isinstance(schema, exp.JSONSchema) else []
    columns = [SourceColumn(names[i] if i < len(names) else c.name, c.typed, None) for i, c in enumerate(columns)]
    return Source(alias or "json_table", columns)


def _json_table_columns(an: "Analyzer", schema: exp.JSONSchema, nested: bool) -> list[SourceColumn]:
    columns = []
    for item in schema.expressions:
        inner = item.args.get("nested_schema") if isinstance(item, exp.JSONColumnDef) else None
        if isinstance(inner, exp.JSONSchema):
            columns += _json_table_columns(an, inner, nested=True)
            continue
        if not isinstance(item, exp.JSONColumnDef) or not isinstance(item.this, exp.Identifier):
            continue
        name = as_written(item.this.name, item.this, folds=True)
        if item.args.get("ordinality"):
            typed = ir.Typed(ir.ValueType(ir.INT), nested)
        else:
            kind = item.args.get("kind")
            typed = ir.Typed(an.cast_type(kind) if isinstance(kind, exp.DataType) else ir.ValueType(ir.ANY), True)
        columns.append(SourceColumn(name, typed, None))
    return columns


__all__ = ["json_table", "lateral", "rows_from", "table_function", "unnest", "value_function"]
