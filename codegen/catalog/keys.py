"""Which column sets of a table hold unique values: primary keys, UNIQUE constraints, unique indexes.

A dynamic query drops a LEFT JOIN that matches at most one row (analyze/joins.py), which it knows
from a key the ON clause equates. A key recorded here must really be one, so whatever leaves
doubt leaves the key out, never in: a DEFERRABLE constraint (duplicates may stand until commit),
a partial or expression index, a column with a COLLATE in the key, a constraint dropped by a name
we never saw (all the table's keys go), a table others INHERIT from.
"""

from __future__ import annotations

from typing import Mapping, Protocol, Sequence

from .cursor import Cursor


class _Column(Protocol):
    unique: bool


class TableDef(Protocol):
    """What keys need of a table (tables.TableDef, whose parser calls note_key: no import back)."""

    unique_keys: list[tuple[str | None, tuple[str, ...]]]
    keys_unknown: bool

    @property
    def columns(self) -> Sequence[_Column]: ...

    def column(self, name: str) -> object | None: ...


class SchemaState(Protocol):
    """What keys need of the schema (state.SchemaState, which holds tables.TableDef)."""

    @property
    def tables(self) -> Mapping[tuple[str | None, str], TableDef]: ...

    def find(self, schema: str | None, name: str) -> TableDef | None: ...


def _plain_columns(cur: Cursor, start: int) -> tuple[str, ...] | None:
    """`( a, b DESC )` at items[start:pos] -> ('a', 'b'); None when an entry is more than a column
    name (an expression, a COLLATE, an operator class), which makes it no plain key."""
    items = cur.items[start:cur.pos]
    if len(items) < 3 or items[0].text != "(" or items[-1].text != ")":
        return None
    columns: list[str] = []
    entry: list[int] = []
    for i in range(start + 1, cur.pos):
        lx = cur.items[i]
        if lx.text in (",", ")") and lx.kind == "punct":
            words = [cur.items[j].text.upper() for j in entry[1:]]
            if not entry or cur.items[entry[0]].kind not in ("word", "ident") or words not in ([], ["ASC"], ["DESC"]):
                return None
            columns.append(_name(cur, entry[0]))
            entry = []
        else:
            entry.append(i)
    return tuple(columns)


def _name(cur: Cursor, index: int) -> str:
    """The identifier at items[index], read as the engine reads it (case folded or not)."""
    saved, cur.pos = cur.pos, index
    try:
        return cur.name()[0]
    finally:
        cur.pos = saved


def _deferrable_ahead(cur: Cursor) -> bool:
    """DEFERRABLE (not NOT DEFERRABLE) before the constraint's end (a top-level `,` or `)`)."""
    depth = 0
    for i in range(cur.pos, len(cur.items)):
        lx = cur.items[i]
        if lx.kind == "punct" and lx.text == "(":
            depth += 1
        elif lx.kind == "punct" and lx.text == ")":
            if depth == 0:
                return False
            depth -= 1
        elif depth == 0 and lx.kind == "punct" and lx.text == ",":
            return False
        elif lx.kind == "word" and lx.text.upper() == "DEFERRABLE" and cur.items[i - 1].text.upper() != "NOT":
            return True
    return False


def note_key(cur: Cursor, table: "TableDef", constraint: str | None, start: int) -> None:
    """A table constraint's PRIMARY KEY / UNIQUE column list, read from items[start:pos]."""
    columns = _plain_columns(cur, start)
    if columns is None or _deferrable_ahead(cur) or not all(table.column(c) is not None for c in columns):
        table.keys_unknown = True
        return
    table.unique_keys.append((constraint, columns))


def create_unique_index(state: "SchemaState", cur: Cursor) -> None:
    """After CREATE UNIQUE INDEX: [CONCURRENTLY] [IF NOT EXISTS] [name] ON [ONLY] table [USING m] (columns)
    [INCLUDE (...)] [NULLS [NOT] DISTINCT] [WITH (...)] [TABLESPACE t] [WHERE ...]."""
    cur.accept("CONCURRENTLY")
    cur.accept("IF", "NOT", "EXISTS")
    name = None
    if not cur.is_word("ON"):
        _, name, _ = cur.qualified_name("index name")
    cur.expect("ON")
    cur.accept("ONLY")
    schema, table_name, _ = cur.qualified_name("table name")
    table = state.find(schema, table_name)
    if cur.accept("USING"):
        cur.next()
    if table is None:
        return
    if not cur.is_punct("("):
        table.keys_unknown = True
        return
    start = cur.pos
    cur.balanced()
    columns = _plain_columns(cur, start)
    rest = [x.text.upper() for x in cur.items[cur.pos:] if x.kind == "word"]
    if columns is None or "WHERE" in rest or not all(table.column(c) is not None for c in columns):
        table.keys_unknown = True  # an expression or partial index (unique among some rows only)
        return
    table.unique_keys.append((name, columns))


def drop_index(state: "SchemaState", cur: Cursor) -> None:
    """After DROP INDEX: [CONCURRENTLY] [IF EXISTS] name [, ...]: the keys those indexes made go."""
    cur.accept("CONCURRENTLY")
    cur.accept("IF", "EXISTS")
    names = set()
    while cur.peek() is not None and cur.peek().kind in ("word", "ident", "string"):  # type: ignore[union-attr]
        _, name, _ = cur.qualified_name("index name")
        names.add(name.lower())
        if not cur.accept_punct(","):
            break
    for table in state.tables.values():
        table.unique_keys = [k for k in table.unique_keys if (k[0] or "").lower() not in names]


def rename_index(state: "SchemaState", cur: Cursor) -> None:
    """After ALTER INDEX: [IF EXISTS] name RENAME TO new (other actions keep the index as it is)."""
    cur.accept("IF", "EXISTS")
    _, old, _ = cur.qualified_name("index name")
    if not cur.accept("RENAME", "TO"):
        return
    new, _ = cur.name("index name")
    for table in state.tables.values():
        table.unique_keys = [(new if (k[0] or "").lower() == old.lower() else k[0], k[1]) for k in table.unique_keys]


def drop_constraint(table: "TableDef", name: str) -> None:
    """A named key goes; a name we never saw (PostgreSQL's own `t_col_key`, say) takes every key."""
    kept = [k for k in table.unique_keys if (k[0] or "").lower() != name.lower()]
    if len(kept) == len(table.unique_keys):
        kept = []
        for col in table.columns:
            col.unique = False
        table.keys_unknown = True  # perhaps a CHECK or foreign key: the keys may all still stand
    table.unique_keys = kept


def rename_constraint(table: "TableDef", old: str, new: str) -> None:
    table.unique_keys = [(new if (k[0] or "").lower() == old.lower() else k[0], k[1]) for k in table.unique_keys]


def drop_column(table: "TableDef", name: str) -> None:
    table.unique_keys = [k for k in table.unique_keys if name.lower() not in (c.lower() for c in k[1])]


def rename_column(table: "TableDef", old: str, new: str) -> None:
    table.unique_keys = [(k[0], tuple(new if c.lower() == old.lower() else c for c in k[1]))
                         for k in table.unique_keys]
