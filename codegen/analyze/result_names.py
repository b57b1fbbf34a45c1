"""What a result column is called: its alias, its column's name or its function's, as the engine
writes it; a SQLite view's unaliased expressions named by their text, duplicates numbered."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlglot import exp

from ..catalog.view_text import result_spans

if TYPE_CHECKING:
    from ..catalog.tables import TableDef
    from ..engines import EngineTraits


def named_by_text(view: TableDef, names: list[str], engine: EngineTraits) -> list[str]:
    """Each unaliased expression of the view's result list named by its text (SQLite); a column
    keeps its name. Left as analysis names them when a `*` or a compound makes items and columns
    no longer one for one."""
    spans = result_spans(view.view_text, engine) if view.view_text is not None else None
    select = view.view_select
    if spans is None or not isinstance(select, exp.Select) or not len(spans) == len(select.expressions) == len(names):
        return names
    named = list(names)
    for i, item in enumerate(select.expressions):
        while isinstance(item, exp.Paren):
            item = item.this
        if not isinstance(item, (exp.Alias, exp.Column, exp.Star)):
            named[i] = spans[i]
    return named


def numbered_duplicates(names: list[str]) -> list[str]:
    """A view's column names as SQLite makes them unique (sqlite3ColumnsFromExprList): a name met
    before, without case, gets `:1` (`:2`...) in place of any `:N` it ends with. SQLite numbers a
    name's fifth clash at random; that view has names no code can know."""
    seen: set[str] = set()
    unique = []
    for name in names:
        count = 0
        while name.lower() in seen:
            count += 1
            name = f"{re.sub(r'(?<=.):[0-9]*$', '', name)}:{count}"
        seen.add(name.lower())
        unique.append(name)
    return unique


# What a name differing only in case from the one the database knows is told (PostgreSQL).
CASE_RULE = "an unquoted name is folded to lower case, a quoted one keeps its case"


def as_written(name: str, written: exp.Expr | None, folds: bool) -> str:
    """A name as the engine sees it: one that folds unquoted identifiers (PostgreSQL) names a
    result column in lower case unless it was written quoted."""
    if not folds or (isinstance(written, exp.Identifier) and written.quoted):
        return name
    return name.lower()


def alias_column_names(node: exp.Expr, folds: bool) -> list[str]:
    """The names a FROM item's or CTE's column list gives (`AS u(X, "Y")`), as the engine sees them:
    PostgreSQL reads X as x, so `u.X` is found and `u."X"` is not."""
    alias = node.args.get("alias")
    if not isinstance(alias, exp.TableAlias):
        return []
    return [as_written(c.name, c, folds) for c in alias.columns]


def result_name(item: exp.Expr, engine: EngineTraits, text: str | None = None) -> str:
    """What a result column is called: its alias, its column name, or its function's name."""
    if isinstance(item, exp.Alias):
        return as_written(item.alias, item.args.get("alias"), engine.folds_identifiers)
    node = engine.result_node(item, text)
    if isinstance(node, str):
        return node
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Column):
        return as_written(node.name, node.this, engine.folds_identifiers)
    if isinstance(node, exp.Dot) and isinstance(node.expression, (exp.Func, exp.Anonymous)):
        node = node.expression  # schema.function(...)
    if isinstance(node, exp.Window):
        node = node.this
    if isinstance(node, exp.Filter):
        node = node.this
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    if isinstance(node, exp.Func):
        return engine.function_result_name(node)
    return ""


def written_call_name(node: exp.Expr, text: str | None) -> str:
    """PostgreSQL names a call's column after the function as written (ceiling, not ceil; mod(a, b),
    which sqlglot turns into a % b); sqlglot keeps where that name was in the parsed text."""
    start, end = node.meta.get("start"), node.meta.get("end")
    if text is None or not isinstance(start, int) or not isinstance(end, int):
        return ""
    name = text[start:end + 1]
    rest = text[end + 1:].lstrip()
    return name.lower() if re.fullmatch(r"[A-Za-z_]\w*", name) and rest.startswith("(") else ""
