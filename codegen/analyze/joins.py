"""LEFT JOINs a dynamic query may leave out of a variant: those that cannot change its rows.

A `LEFT JOIN t ON ...` keeps every row of its left side and adds t's columns; when its ON equates
every column of a key of t (primary key, UNIQUE constraint, unique index) with values from the
other side, each row meets at most one row of t, so the rows are the same with or without the
join. If nothing but optional predicates reads t, a variant whose predicates on t are off does
not need the join, and sending it would only cost the engine a lookup per row.

This module decides, from the parsed statement and the catalog, which joins qualify; what uses
them, and so which variants keep them, is found in the statement's text (analyze/dynamic.py).
Whatever leaves doubt keeps the join: a subquery or a function we do not know in its ON (it could
write, or match several rows), a key column with a collation, values compared after a conversion
that could make two keys equal (asked of the engine), a locking clause, NATURAL or USING joins
(their columns depend on every table joined).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlglot import exp

from ..catalog.build import SchemaState
from ..catalog.tables import ColumnDef, TableDef
from ..placeholders import PLACEHOLDER
from ..sqltext import Lexeme

_VALUE_NODES = (exp.Column, exp.Literal, exp.Placeholder, exp.Cast, exp.DataType, exp.DataTypeParam, exp.Identifier,
                exp.Paren, exp.Neg, exp.Add, exp.Sub, exp.Mul)


@dataclass(frozen=True)
class DroppableJoin:
    """A LEFT JOIN that matches at most one row: `table_at` is the offset of its table's name in the
    statement as written; the join goes from a variant when nothing kept there reads `alias` or
    any of `columns`."""

    table_at: int
    alias: str
    columns: frozenset[str]


def droppable_joins(tree: exp.Expr, state: SchemaState, optional: set[int],
                    offset_of: Callable[[exp.Expr], int | None]) -> list[DroppableJoin]:
    if not isinstance(tree, exp.Select) or tree.args.get("locks"):
        return []  # FOR UPDATE locks the joined rows too: leaving the join out would not
    joins = tree.args.get("joins") or []
    if any(j.args.get("method") or j.args.get("using") for j in joins):
        return []
    with_ = tree.args.get("with")
    ctes = {c.alias_or_name.lower() for c in with_.expressions} if with_ else set()
    sources = _sources(tree, state, ctes)
    out = []
    for join in joins:
        table = join.this
        if (join.side or "").upper() != "LEFT" or (join.kind or "").upper() not in ("", "OUTER") \
                or not isinstance(table, exp.Table) or not isinstance(join.args.get("on"), exp.Expr):
            continue
        alias = table.alias_or_name.lower()
        found = sources.get(alias)
        if found is None or any(isinstance(n, (exp.Query, exp.Subquery, exp.Anonymous))
                                for n in join.args["on"].find_all(exp.Expr)):
            continue
        others = {a: t for a, t in sources.items() if a != alias}
        equated = _equated_columns(join.args["on"], alias, found, others, optional, state.engine.compares_exactly)
        keyed = any(all(c.lower() in equated for c in key) for key in found.keys())
        offset = offset_of(table.this)
        if keyed and offset is not None:
            out.append(DroppableJoin(offset, alias, frozenset(c.name.lower() for c in found.columns)))
    return out


def _sources(tree: exp.Select, state: SchemaState, ctes: set[str]) -> dict[str, TableDef]:
    """Each catalog table of the FROM clause and joins, by the name the statement calls it."""
    out: dict[str, TableDef] = {}
    from_ = tree.args.get("from_")
    for node in [from_.this if from_ else None, *(j.this for j in tree.args.get("joins") or [])]:
        if isinstance(node, exp.Table) and not node.args.get("joins") and not (node.name.lower() in ctes and not node.db):
            table = state.find(node.db or None, node.name)
            if table is not None:
                out[node.alias_or_name.lower()] = table
    return out


def _equated_columns(on: exp.Expr, alias: str, table: TableDef, others: dict[str, TableDef], optional: set[int],
                     compares_exactly: Callable[[ColumnDef, exp.Expr, ColumnDef | None], bool]) -> set[str]:
    """Columns of the joined table that a fixed conjunct of ON sets equal to a value of the other side."""
    on = on.unnest()
    out = set()
    for conjunct in (on.flatten() if isinstance(on, exp.And) else [on]):
        conjunct = conjunct.unnest()
        if not isinstance(conjunct, exp.EQ) or any(_optional(p, optional) for p in conjunct.find_all(exp.Placeholder)):
            continue
        for mine, theirs in ((conjunct.this, conjunct.expression), (conjunct.expression, conjunct.this)):
            key = table.column(mine.name) if isinstance(mine, exp.Column) and mine.table.lower() == alias else None
            if key is None or key.collation is not None or not _outside(theirs, alias, table, others):
                continue
            other = _column_of(theirs, others) if isinstance(theirs, exp.Column) else None
            if (other is None or other.collation is None) and compares_exactly(key, theirs, other):
                out.add(key.name.lower())
    return out


def _optional(placeholder: exp.Placeholder, optional: set[int]) -> bool:
    name = str(placeholder.name)
    return name.startswith(PLACEHOLDER) and name[len(PLACEHOLDER):].isdigit() and int(name[len(PLACEHOLDER):]) in optional


def _outside(value: exp.Expr, alias: str, table: TableDef, others: dict[str, TableDef]) -> bool:
    """A value that does not read the joined table and is the same for each of its rows."""
    for node in value.walk():
        if not isinstance(node, _VALUE_NODES) or isinstance(node, exp.Collate):
            return False
        if isinstance(node, exp.Column):
            qualifier = node.table.lower()
            if qualifier == alias or (not qualifier and table.column(node.name) is not None):
                return False
            if qualifier and qualifier not in others:
                return False  # a correlated or unknown name: not known to be one value per row
    return True


def _column_of(column: exp.Column, others: dict[str, TableDef]) -> ColumnDef | None:
    if column.table:
        table = others.get(column.table.lower())
        return table.column(column.name) if table is not None else None
    found = [c for t in others.values() if (c := t.column(column.name)) is not None]
    return found[0] if len(found) == 1 else None


def join_lexemes(sig: list[Lexeme], depths: list[int], at: int, ends: Callable[[int], bool]) -> tuple[int, int] | None:
    """(first, last) lexeme of the `LEFT [OUTER] JOIN t [AS a] ON ...` whose table name is sig[at];
    `ends(j)` says whether sig[j] (at the top level) ends the ON clause."""
    j = at - 1
    if j >= 1 and sig[j].text == ".":
        j -= 2  # schema.table
    words = [sig[i].text.upper() for i in range(max(j - 2, 0), j + 1)] if j >= 0 else []
    if words[-2:] == ["LEFT", "JOIN"]:
        first = j - 1
    elif words[-3:] == ["LEFT", "OUTER", "JOIN"]:
        first = j - 2
    else:
        return None
    if depths[first] != 0:
        return None
    on_seen = False
    last = at
    for i in range(at + 1, len(sig)):
        if depths[i] < 0 or (depths[i] == 0 and (sig[i].text in (",", ";") or (
                sig[i].kind == "word" and (on_seen or sig[i].text.upper() != "ON") and ends(i)))):
            break
        on_seen = on_seen or (depths[i] == 0 and sig[i].kind == "word" and sig[i].text.upper() == "ON")
        last = i
    return (first, last) if on_seen else None


def reads(sig: list[Lexeme], i: int, join: DroppableJoin) -> bool:
    """Whether sig[i] may name the joined table or one of its columns (or is a `*` taking them all).
    Unqualified names count, as do names a statement may use for other things: in doubt, a use."""
    x = sig[i]
    if x.text == "*" and x.kind == "punct" and i and sig[i - 1].text.upper() in ("SELECT", "DISTINCT", "ALL", ","):
        return True
    if x.kind not in ("word", "ident"):
        return False
    name = _bare(x)
    if name != join.alias and name not in join.columns:
        return False
    if i >= 2 and sig[i - 1].text == "." and sig[i - 2].kind in ("word", "ident"):
        return _bare(sig[i - 2]) == join.alias  # qualified: only by the joined table's name
    return True


def _bare(x: Lexeme) -> str:
    return (x.text[1:-1] if x.kind == "ident" else x.text).lower()
