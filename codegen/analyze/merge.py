"""MERGE (PostgreSQL 15+): a target, a source joined to it ON a condition, and WHEN clauses that
insert, update or delete target rows; with RETURNING (17+) the rows it changed.

Which names a clause sees follows the server: a WHEN MATCHED clause both rows, WHEN NOT MATCHED
[BY TARGET] the source row only (there is no target row), WHEN NOT MATCHED BY SOURCE the target
row only. Each action's columns and values are checked and typed the way INSERT and UPDATE's are
(dml.py): parameters take the type of the column they fill or are compared with.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Protocol

from sqlglot import exp

from .. import ir
from ..errors import Located
from . import clashes
from .dml import Analyzer as DMLAnalyzer, assign, check_not_computed, check_writable, filled, is_default, set_once, target_column
from .scope import Scope, Source
from .types import Output

if TYPE_CHECKING:
    from ..catalog.tables import TableDef

class Analyzer(DMLAnalyzer, Protocol):
    """What MERGE analysis asks of the statement analyzer besides DML's: its source as a FROM item."""

    def relation(self, node: exp.Expr, scope: Scope) -> Source: ...


_EVENT: dict[type[exp.Expr], str] = {exp.Insert: "INSERT", exp.Update: "UPDATE"}
MERGE_ACTION = ir.Typed(ir.ValueType(ir.STR), False)


@dataclasses.dataclass(frozen=True)
class Actions:
    """What the WHEN clauses may do to a row RETURNING reports."""

    inserts: bool = False  # a row with no old version
    deletes: bool = False  # a row with no new version
    by_source: bool = False  # a row with no source row (WHEN NOT MATCHED BY SOURCE ... UPDATE/DELETE)


def analyze_merge(an: "Analyzer", node: exp.Merge, scope: Scope) -> "list[Output]":
    if not an.state.engine.merge_statements:
        raise Located("unsupported query statement MERGE: the database has no MERGE; use INSERT ... ON CONFLICT",
                      0)
    table, alias = an.target(node)
    target = _target_source(an, table, alias)
    using = node.args.get("using")
    if using is None:
        raise Located("MERGE needs USING a source", an.offset_of(node))
    source = an.relation(using, scope)
    if source.alias.lower() == target.alias.lower():
        raise Located(f'table name "{source.alias}" specified more than once', an.offset_of(using))
    both = Scope(parent=scope.parent, ctes=scope.ctes, sources=[target, source])
    an.condition("MERGE/ON", node.args["on"], both)
    actions = Actions()
    whens = node.args.get("whens")
    unconditional: set[tuple[bool, bool]] = set()
    for when in whens.expressions if whens is not None else []:
        kind = (bool(when.args.get("matched")), bool(when.args.get("source")))
        if kind in unconditional:
            # the server refuses it when the statement is prepared, at every call
            raise Located("unreachable WHEN clause specified after unconditional WHEN clause: a clause of the same "
                          "kind without AND takes every row first; give that one a condition, or drop this one",
                          an.offset_of(when))
        if when.args.get("condition") is None:
            unconditional.add(kind)
        actions = _when(an, when, scope, target, source, table, actions)
    returning = node.args.get("returning")
    if returning is None:
        return []
    read = dataclasses.replace(source, optional=source.optional or actions.by_source)
    # RETURNING * gives the source's columns, then the target's (the server's order)
    ret_scope = Scope(parent=scope.parent, ctes=scope.ctes,
                      sources=[*_old_and_new(an, target, actions), read, target])
    outputs = []
    for item in returning.expressions:
        if _is_merge_action(item.unalias()):
            name = item.alias if isinstance(item, exp.Alias) else "merge_action"
            outputs.append(Output(name, MERGE_ACTION))
            continue
        outputs.extend(an.projection(item, ret_scope, top=node is an.root))
    return outputs


def _target_source(an: "Analyzer", table: "TableDef", alias: str) -> Source:
    read_only = frozenset(c.name.lower() for c in table.columns if c.read_only) if table.updatable else frozenset()
    return Source(alias, an.table_columns(table), table=table.name, schema=table.schema, read_only=read_only,
                  through_view=table.is_view,
                  computed=frozenset(c.name.lower() for c in table.columns if c.computed),
                  always_identity=frozenset(c.name.lower() for c in table.columns if c.identity_always))


def _is_merge_action(node: exp.Expr) -> bool:
    return isinstance(node, exp.Anonymous) and str(node.name).lower() == "merge_action" and not node.expressions


def _when(an: "Analyzer", when: exp.When, scope: Scope, target: Source, source: Source, table: "TableDef",
          actions: Actions) -> Actions:
    matched, by_source = bool(when.args.get("matched")), bool(when.args.get("source"))
    # The rows a clause sees: NOT MATCHED [BY TARGET] has no target row, BY SOURCE no source row.
    seen = [target, source] if matched else [target] if by_source else [source]
    when_scope = Scope(parent=scope.parent, ctes=scope.ctes, sources=seen)
    condition = when.args.get("condition")
    if condition is not None:
        an.condition("WHEN", condition, when_scope)
    then = when.args.get("then")
    if isinstance(then, (exp.Insert, exp.Update)) and _EVENT[type(then)] in an.state.instead_of.get(
            table.name.lower(), ()) and table.is_view:
        # an INSTEAD OF trigger writes in the view's place: any of its columns may be given
        target = dataclasses.replace(target, read_only=frozenset())
    if isinstance(then, exp.Insert):
        if matched or by_source:
            raise Located("a WHEN MATCHED or NOT MATCHED BY SOURCE clause cannot INSERT: there the target row "
                          "exists; use UPDATE or DELETE", an.offset_of(then) or an.offset_of(when))
        _insert(an, then, when_scope, target, table)
        return dataclasses.replace(actions, inserts=True)
    if not matched and not by_source and then is not None and not (isinstance(then, exp.Var)
                                                                    and then.name.upper() == "DO NOTHING"):
        raise Located("a WHEN NOT MATCHED [BY TARGET] clause can only INSERT or DO NOTHING: there is no target "
                      "row to change", an.offset_of(when))
    if isinstance(then, exp.Update):
        set_once(an, then.expressions, target)
        for assignment in then.expressions:
            assign(an, assignment, when_scope, target)
        return dataclasses.replace(actions, by_source=actions.by_source or by_source)
    if isinstance(then, exp.Var) and then.name.upper() == "DELETE":
        return dataclasses.replace(actions, deletes=True, by_source=actions.by_source or by_source)
    return actions  # DO NOTHING: no row changed, none returned


def _insert(an: "Analyzer", then: exp.Insert, scope: Scope, target: Source, table: "TableDef") -> None:
    """INSERT (columns) VALUES (values) | INSERT VALUES (values) | INSERT DEFAULT VALUES."""
    named = then.this.expressions if isinstance(then.this, exp.Tuple) else []
    values_node = then.args.get("expression")
    if values_node is None and len(named) == 1 and is_default(named[0]):
        return  # INSERT DEFAULT VALUES (sqlglot reads it as a column list of one DEFAULT)
    values = values_node.expressions if isinstance(values_node, exp.Tuple) else [values_node] if values_node else []
    if named:
        columns = [target_column(an, target, c, written=not (i < len(values) and is_default(values[i])))
                   for i, c in enumerate(named)]
        clashes.written_once(an.state.engine, an.offset_of, [(n, c) for c, (n, _) in zip(named, columns)], "INSERT")
    else:
        columns = [(c.name, c.typed) for c in target.columns if not c.hidden]
    row_columns = filled(an, bool(named), columns, len(values), values_node or then, then)
    if not named:
        for name, _ in row_columns:  # only the leading columns the values fill are written
            check_writable(an, target, name, then)
    places = named or values
    for at, (name, _), value in zip(places, row_columns, values):
        check_not_computed(an, target, name, value, at if an.offset_of(at) is not None else then)
    for (name, typed), value in zip(row_columns, values):
        an.bind(value, typed, name)
        an.coherent("assign", name, value, [(value, typed.type), (value, an.type_of(value, scope).type)])


def _old_and_new(an: "Analyzer", target: Source, actions: Actions) -> list[Source]:
    """PostgreSQL 18's RETURNING old.x / new.x: all NULL where the row has no such version (an
    inserted row's old, a deleted row's new)."""
    if not an.state.engine.returning_old_new:
        return []
    return [Source(name, list(target.columns), optional=missing, qualified_only=True)
            for name, missing in (("old", actions.inserts), ("new", actions.deletes))
            if name != target.alias.lower()]
