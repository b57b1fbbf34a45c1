"""PostgreSQL's automatically updatable views: a simple view it changes its base table through.

INSERT, UPDATE and DELETE on such a view (with RETURNING, and rowcounts that count) act on the one
table under it, as the CREATE VIEW page's "Updatable Views" describes: one FROM item, a table or
another such view; no WITH, DISTINCT, GROUP BY, HAVING, LIMIT or OFFSET at the top, no UNION,
INTERSECT or EXCEPT; no aggregate, window function or set-returning function in the select list.
Only a column that is a plain reference to a changeable column of the base can be written; the
others (upper(name) AS shout) are read-only. Any other view is changed only by an INSTEAD OF
trigger (analyze/inserts.py), and a statement on it is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from .functions import is_aggregate, pg_name
from .signatures import SET_RETURNING

if TYPE_CHECKING:
    from ...catalog.state import SchemaState
    from ...catalog.tables import ColumnDef, TableDef

_NOT_SIMPLE = ("with_", "distinct", "group", "having", "limit", "offset", "joins", "laterals", "qualify")


def writable_columns(tree: exp.Expr, state: "SchemaState") -> "tuple[TableDef, list[ColumnDef | None]] | None":
    """The view's base relation and, per column the view's query yields (a `*` as the base's
    columns), the base column a statement writes through it (None: read-only); None when
    PostgreSQL does not change the base through the view at all."""
    base = _base(tree, state)
    if base is None:
        return None
    assert isinstance(tree, exp.Select)
    if any(_not_row_by_row(node, state) for item in tree.expressions for node in item.walk()):
        return None
    from_item = tree.args["from_"].this
    alias = from_item.alias_or_name.lower()
    through: list[ColumnDef | None] = []
    for item in tree.expressions:
        value = item.this if isinstance(item, exp.Alias) else item
        if isinstance(value, exp.Star) or (isinstance(value, exp.Column) and isinstance(value.this, exp.Star)):
            through.extend(col if _writable(base, col) else None for col in base.columns)
            continue
        col = base.column(value.name) if isinstance(value, exp.Column) and value.table.lower() in ("", alias) \
            and not value.args.get("db") else None
        through.append(col if col is not None and _writable(base, col) else None)
    return base, through


def _base(tree: exp.Expr, state: "SchemaState") -> "TableDef | None":
    """The view's one base relation, when its query has the simple shape."""
    if not isinstance(tree, exp.Select) or any(tree.args.get(key) for key in _NOT_SIMPLE):
        return None
    from_clause = tree.args.get("from_")
    item = from_clause.this if from_clause is not None else None
    if not isinstance(item, exp.Table) or not isinstance(item.this, exp.Identifier):
        return None  # a subquery, a function, VALUES
    base = state.find(item.db or None, item.name)
    if base is None or base.virtual is not None or (base.is_view and not base.updatable):
        return None
    return base


def _not_row_by_row(node: exp.Expr, state: "SchemaState") -> bool:
    """An aggregate, a window function or a set-returning call (a user's SETOF function too)."""
    if isinstance(node, exp.Window):
        return True
    if not isinstance(node, exp.Func):
        return False
    name = str(pg_name(node) or node.name).upper()
    user = state.functions.get(name.lower(), [])
    return is_aggregate(node) or name in SET_RETURNING or any(getattr(f, "setof", False) for f in user)


def _writable(base: "TableDef", col: "ColumnDef") -> bool:
    """A generated column counts: the view's column takes DEFAULT for it, as the base's does."""
    return not base.is_view or not col.read_only
