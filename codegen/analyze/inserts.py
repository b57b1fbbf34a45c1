"""What an INSERT does to rows, read off its shape: how many it returns, whether it may update.

Two facts the emitter needs and the driver cannot tell afterwards:
- `INSERT ... VALUES (one row) RETURNING` always returns exactly one row, unless something may
  skip the row (`OR IGNORE`, `ON CONFLICT DO NOTHING`, a `DO UPDATE ... WHERE` that may be false,
  a BEFORE / INSTEAD OF INSERT trigger); `:one` then returns `X`, not `X | None`.
- Whether every row the statement changes is a row it inserted. SQLite's last_insert_rowid()
  is the connection's, not the statement's: after an INSERT that inserted nothing, or an upsert
  that updated, it still names an earlier insert, possibly into another table.
"""

from __future__ import annotations

from sqlglot import exp

from ..catalog.build import SchemaState


def _action(node: exp.Insert) -> str:
    conflict = node.args.get("conflict")
    if conflict is None:
        return ""
    action = conflict.args.get("action")
    return action.name.upper() if action is not None else ""


def upsert_updates(node: exp.Expr) -> bool:
    """An INSERT whose conflict clause may turn the insert into an update."""
    return isinstance(node, exp.Insert) and "UPDATE" in _action(node)


def inserts_rows(node: exp.Expr, state: SchemaState) -> bool:
    """An INSERT (or REPLACE) every changed row of which it inserted, into a table with a rowid."""
    return isinstance(node, exp.Insert) and not upsert_updates(node) and not without_rowid(node, state)


def without_rowid(node: exp.Expr, state: SchemaState) -> bool:
    """An INSERT into a WITHOUT ROWID table: its rows have no rowid, and last_insert_rowid() keeps
    naming an earlier insert's row, possibly of another table."""
    target = node.this.this if isinstance(node.this, exp.Schema) else node.this
    if not isinstance(node, exp.Insert) or not isinstance(target, exp.Table):
        return False
    table = state.find(target.db or None, target.name)
    return table is not None and table.without_rowid


_EVENTS: dict[type[exp.Expr], str] = {exp.Insert: "INSERT", exp.Update: "UPDATE", exp.Delete: "DELETE"}


def merge_events(node: exp.Expr) -> set[str]:
    """The changes a MERGE's WHEN clauses make: INSERT, UPDATE, DELETE (DO NOTHING makes none)."""
    whens = node.args.get("whens") if isinstance(node, exp.Merge) else None
    events = set()
    for when in whens.expressions if whens is not None else []:
        then = when.args.get("then")
        if isinstance(then, (exp.Insert, exp.Update)):
            events.add(_EVENTS[type(then)])
        elif isinstance(then, exp.Var) and then.name.upper() == "DELETE":
            events.add("DELETE")
    return events


def instead_of_trigger(node: exp.Expr, state: SchemaState) -> bool:
    """The statement targets a view an INSTEAD OF trigger takes it for: the trigger runs in its
    place, so the database reports no row changed, no rowid, and RETURNING gives the values as
    written, not what the trigger stored (SQLite). A MERGE needs one for each change it makes."""
    events = merge_events(node) if isinstance(node, exp.Merge) else {_EVENTS.get(type(node), "")} - {""}
    target = node.this.this if isinstance(node.this, exp.Schema) else node.this
    if not events or not isinstance(target, exp.Table):
        return False
    table = state.find(target.db or None, target.name)
    return table is not None and table.is_view and events <= set(state.instead_of.get(table.name.lower(), ()))


def returns_one_row(node: exp.Expr, state: SchemaState) -> bool:
    """An INSERT ... RETURNING that always yields exactly one row."""
    if not isinstance(node, exp.Insert) or node.args.get("returning") is None:
        return False
    alternative = str(node.args.get("alternative") or "").upper()
    if alternative == "IGNORE" or node.args.get("ignore"):
        return False
    conflict = node.args.get("conflict")
    if conflict is not None and ("NOTHING" in _action(node) or conflict.args.get("where") is not None
                                 or conflict.args.get("duplicate")):
        return False
    if node.args.get("where") is not None:
        return False
    target = node.this.this if isinstance(node.this, exp.Schema) else node.this
    if not isinstance(target, exp.Table) or target.name.lower() in state.insert_triggers:
        return False
    table = state.find(target.db or None, target.name)
    if table is None or table.is_view:
        return False
    if node.args.get("default"):
        return True
    values = node.args.get("expression")
    return isinstance(values, exp.Values) and len(values.expressions) == 1
