"""A name a query gives twice (two CTEs of one WITH, two FROM items of one SELECT, a column an
INSERT lists twice or an UPDATE sets twice), or names where it is not (JOIN ... USING a column one
side lacks).

PostgreSQL refuses both at every call ("WITH query name "x" specified more than once", "table name
"a" specified more than once"); SQLite refuses the first and takes the second (a reference to the
name is then ambiguous, and refused where it is written). The analysis resolved the later one and
generated a function that failed at every call. Both engines refuse a USING column missing on a side.
PostgreSQL refuses a column written twice by one statement (SQLite keeps the last value).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from sqlglot import exp

from .. import ir
from ..catalog.build import SchemaState
from ..engines import EngineTraits
from ..errors import Located
from .scope import Source


class Analyzer(Protocol):
    """What these rules ask of the statement analyzer (statements.Analyzer), which calls them."""

    @property
    def engine(self) -> EngineTraits: ...
    @property
    def state(self) -> SchemaState: ...

    def folded(self, name: str, written: exp.Expr | None) -> str: ...
    def offset_of(self, node: exp.Expr) -> int | None: ...
    def coherent(self, rule: str, label: str, node: exp.Expr,
                 operands: list[tuple[exp.Expr, ir.ValueType]]) -> None: ...


def cte_named_once(an: Analyzer, cte: exp.CTE, seen: set[str]) -> None:
    alias = cte.args.get("alias")
    written = an.folded(cte.alias, alias.this if alias is not None else None)
    key = written if an.engine.folds_identifiers else written.lower()  # SQLite's names ignore case
    if key in seen:
        raise Located(f'WITH query name "{written}" specified more than once', an.offset_of(cte))
    seen.add(key)


def from_item_named_once(an: Analyzer, item: exp.Expr, named: dict[str, str]) -> None:
    """An aliased FROM item clashes with any other of its name; two unaliased tables only when
    they are one table (PostgreSQL takes `s.t, r.t`)."""
    if not an.engine.distinct_from_names or not isinstance(item, (exp.Table, exp.Subquery, exp.Values)):
        return
    alias = item.args.get("alias")
    if isinstance(alias, exp.TableAlias) and alias.this is not None:
        name, identity = an.folded(alias.name, alias.this), ""
    elif isinstance(item, exp.Table) and isinstance(item.this, exp.Identifier):
        name = an.folded(item.name, item.this)
        table = an.state.find(item.db or None, name)
        identity = f"{table.schema if table is not None else item.db}.{name}"
    else:
        return
    if name in named and (not identity or not named[name] or named[name] == identity):
        raise Located(f'table name "{name}" specified more than once', an.offset_of(item))
    named[name] = identity


def using_columns_on_both_sides(an: Analyzer, join: exp.Join, joined: Source, earlier: list[Source]) -> None:
    for written in join.args.get("using") or []:
        name = written.name
        side = "right" if joined.find(name) is None else "left" if not any(s.find(name) for s in earlier) else None
        if side is not None:
            raise Located(f'column "{name}" specified in USING does not exist in the {side} table',
                          an.offset_of(written))
        left = next(c for s in earlier if (c := s.find(name)) is not None)
        right = joined.find(name)
        assert right is not None
        an.coherent("compare", "=", written, [(written, left.typed.type), (written, right.typed.type)])


def written_once(engine: EngineTraits, offset_of: Callable[[exp.Expr], int | None],
                 columns: list[tuple[str, exp.Expr]], statement: str) -> None:
    """(resolved column name, where it is written) for each column an INSERT lists or an UPDATE sets."""
    if not engine.columns_written_once:
        return
    seen: set[str] = set()
    for name, written in columns:
        if name in seen:
            message = (f'column "{name}" specified more than once' if statement == "INSERT"
                       else f'multiple assignments to same column "{name}"')
            raise Located(message, offset_of(written))
        seen.add(name)
