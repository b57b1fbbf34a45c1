"""The mutable schema state migrations are applied to, and table-definition parsing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable

import sqlglot
from sqlglot import exp

from .. import ir
from ..errors import Located
from ..source import Statement
from .cursor import Cursor
from .keys import note_key

# Words that end a column's type name and start its constraints.
# USING ends the new type of PostgreSQL's ALTER COLUMN ... TYPE t USING expr (no type name holds it).
CONSTRAINT_WORDS = {"CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE",
                    "REFERENCES", "GENERATED", "AS", "ON", "AUTOINCREMENT", "ASC", "DESC", "USING"}
TABLE_CONSTRAINTS = {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "EXCLUDE"}


@dataclass
class ColumnDef:
    name: str
    sql_type: str
    type: ir.ValueType
    not_null: bool = False
    primary_key: bool = False
    has_default: bool = False
    identity: bool = False  # serial / identity / rowid alias: never NULL
    unique: bool = False  # PRIMARY KEY or UNIQUE on the column itself (not deferrable): a key alone
    collation: str | None = None  # COLLATE on the column
    read_only: bool = False  # a column of an updatable view that is no plain column of its base (upper(x))
    # The base column an updatable view's plain column writes (PostgreSQL): an INSERT through the
    # view that leaves it out leaves the base column to its default (lint's `_unset`).
    base: ColumnDef | None = field(default=None, repr=False, compare=False)
    # GENERATED ALWAYS AS (expr) / AS (expr): the database computes it and refuses a value for it
    computed: bool = False
    # GENERATED ALWAYS AS IDENTITY (PostgreSQL): refuses a value unless OVERRIDING SYSTEM VALUE, which
    # sqlglot cannot parse, so a written value is refused (analyze/dml.py); BY DEFAULT takes one.
    identity_always: bool = False
    primary_key_name: str | None = None  # CONSTRAINT name PRIMARY KEY on the column
    # CONSTRAINT name NOT NULL (PostgreSQL 18 names every NOT NULL, by default <table>_<column>_not_null,
    # and DROP CONSTRAINT of that name makes the column nullable)
    not_null_name: str | None = None
    primary_key_desc: bool = False  # PRIMARY KEY DESC on the column: SQLite makes no rowid alias of it
    deferred_key: bool = False  # its PRIMARY KEY / UNIQUE is DEFERRABLE (no key; TableDef.keys_unknown)
    rowid_alias: bool = False  # SQLite's INTEGER PRIMARY KEY: the rowid itself
    # A PRIMARY KEY column the database lets hold NULL (a SQLite rowid table's legacy quirk), which
    # the row models declare NOT NULL: an INSERT must not leave it out (analyze/dml.py).
    null_key: bool = False


@dataclass
class TableDef:
    name: str
    columns: list[ColumnDef]
    schema: str | None = None
    is_view: bool = False
    view_select: exp.Expr | None = None  # the view's query, expanded at each use like SQLite does
    view_statement: Statement | None = None
    view_offset: Callable[[int], int] | None = None
    view_column_names: list[str] = field(default_factory=list)
    view_text: str | None = None  # the view's query as written, renames applied (catalog/view_text.py)
    updatable: bool = False  # a view the database changes its base table through (PostgreSQL's simple views)
    view_base: TableDef | None = field(default=None, repr=False, compare=False)  # an updatable view's base relation
    temporary: bool = False  # CREATE TEMP: it lasts as long as the migrating session, not for the queries
    strict: bool = False
    without_rowid: bool = False
    virtual: str | None = None  # module name for CREATE VIRTUAL TABLE
    hidden: list[ColumnDef] = field(default_factory=list)  # rowid, fts5's rank and table-named column
    # Table-level PRIMARY KEY / UNIQUE constraints and unique indexes over plain columns: (constraint
    # or index name, columns). See catalog/keys.py for what counts.
    unique_keys: list[tuple[str | None, tuple[str, ...]]] = field(default_factory=list)
    inherited: bool = False  # PostgreSQL INHERITS from it: its rows include the children's, keys do not hold
    # Its INHERITS children and partitions (PostgreSQL): an ALTER TABLE of its columns without ONLY
    # changes theirs too. The tables themselves, so a rename keeps them.
    children: list[TableDef] = field(default_factory=list, repr=False, compare=False)
    # A unique constraint or index of the table is not in unique_keys (an expression or partial
    # index, a DEFERRABLE key, LIKE, a constraint dropped by a name never seen...): what an ON
    # CONFLICT target may match is not known, so none is refused (see conflict_arbiters).
    keys_unknown: bool = False
    # The PRIMARY KEY constraint's name: as written, else PostgreSQL's `<table>_pkey` at the time it
    # was declared (a later RENAME TO keeps it), so DROP CONSTRAINT of that name drops the key.
    primary_key_name: str | None = None
    # A view whose columns are fixed (PostgreSQL): the catalog keys (schema, lower-cased name) of
    # the relations its query reads, as resolved when it was created (the server's view follows
    # them by reference), and the names of the columns it names ("*" when it expands a star), for
    # DROP ... CASCADE.
    view_reads: frozenset[tuple[str | None, str]] = frozenset()
    view_names: frozenset[str] = frozenset()

    def keys(self) -> list[tuple[str, ...]]:
        """Column sets no two rows share (each may be NULL in some rows, which equals nothing)."""
        if self.is_view or self.virtual is not None or self.inherited:
            return []
        return [(c.name,) for c in self.columns if c.unique] + [cols for _, cols in self.unique_keys]

    def conflict_arbiters(self) -> list[frozenset[str]] | None:
        """The lower-cased column sets an ON CONFLICT (columns) target may name (each engine takes
        the primary key, a UNIQUE constraint or a unique index over exactly those columns); None
        when the table may have others this catalog did not record."""
        if self.keys_unknown or self.is_view or self.virtual is not None or any(c.deferred_key for c in self.columns):
            return None
        # SQLite matches no target of several columns that holds the rowid alias, whatever index
        # covers them (a UNIQUE (id, x) beside `id INTEGER PRIMARY KEY` arbitrates nothing).
        aliases = {c.name.lower() for c in self.columns if c.rowid_alias}
        keyed = [frozenset(c.lower() for c in cols) for _, cols in self.unique_keys]
        return [frozenset({c.name.lower()}) for c in self.columns if c.unique] + \
            [k for k in keyed if len(k) == 1 or not k & aliases]

    def column(self, name: str) -> ColumnDef | None:
        lowered = name.lower()
        for col in self.columns:
            if col.name.lower() == lowered:
                return col
        return None


def check_strict_type(table: TableDef, col: ColumnDef, offset: int, allowed: frozenset[str]) -> None:
    """A STRICT table refuses every other declared type (SQLite: unknown datatype), where the
    code generated for it would have typed the column (TIMESTAMP as datetime) for a table that
    cannot be created."""
    if not col.sql_type:
        raise Located(f"missing datatype for {table.name}.{col.name}: a STRICT table's columns each "
                      f"take one of {', '.join(sorted(allowed))}", offset)
    if col.sql_type.upper() not in allowed:
        raise Located(f"unknown datatype for {table.name}.{col.name}: {col.sql_type!r}: a STRICT table's "
                      f"columns each take one of {', '.join(sorted(allowed))}", offset)


def check_literals(text: str, column: str | None, dialect: str) -> dict[str, tuple[str, ...]]:
    """`CHECK (col IN ('a', 'b'))`, alone or ANDed with other checks: col -> ('a', 'b')."""
    try:
        tree = sqlglot.parse_one(text, read=dialect)
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError, ValueError):
        return {}
    found: dict[str, tuple[str, ...]] = {}
    conjuncts = list(tree.flatten()) if isinstance(tree, exp.And) else [tree]
    for node in conjuncts:
        node = node.unnest()
        if isinstance(node, exp.In) and isinstance(node.this, exp.Column) and not node.args.get("query"):
            values = node.expressions
            if values and all(isinstance(v, exp.Literal) and v.is_string for v in values):
                found[node.this.name.lower()] = tuple(dict.fromkeys(v.this for v in values))
        elif isinstance(node, exp.EQ) and isinstance(node.expression, exp.Any):
            # PostgreSQL keeps (and pg_dump writes) `col IN ('a', 'b')` as
            # `(col)::text = ANY ((ARRAY['a'::varchar, 'b'::varchar])::text[])`
            column_node, array = _uncast(node.this), _uncast(node.expression.this)
            values = [_uncast(v) for v in array.expressions] if isinstance(array, exp.Array) else []
            if isinstance(column_node, exp.Column) and values and all(
                    isinstance(v, exp.Literal) and v.is_string for v in values):
                found[column_node.name.lower()] = tuple(dict.fromkeys(str(v.this) for v in values))
    if column is not None:
        return {column.lower(): found[column.lower()]} if column.lower() in found else {}
    return found


def _uncast(node: exp.Expr) -> exp.Expr:
    """The value under parentheses and text casts: (status)::text is status, 'a'::varchar is 'a'."""
    while isinstance(node, (exp.Paren, exp.Cast)):
        node = node.this
    return node


def parse_type_name(cur: Cursor) -> str:
    """The declared type: words up to the first constraint keyword, plus (size) and [].

    PostgreSQL type names may also be quoted or schema-qualified (`foo."Mood"`), and words
    may follow the size (`time(3) with time zone`)."""
    words: list[str] = []
    qualified = cur.engine.ddl.qualified_types
    while (lx := cur.peek()) is not None:
        if lx.kind == "word" and lx.text.upper() not in CONSTRAINT_WORDS or (qualified and lx.kind == "ident" and not words):
            text = lx.text
            cur.pos += 1
            while qualified and cur.is_punct(".") and (part := cur.peek(1)) is not None and part.kind in ("word", "ident"):
                text += "." + part.text
                cur.pos += 2
            words.append(text)
        elif words and cur.is_punct("(") and not words[-1].endswith(")"):
            start, end = cur.balanced()
            words[-1] += "(" + cur.text[start:end].strip() + ")"
            if not qualified:
                break
        else:
            break
    suffix = ""
    while cur.is_punct("[") or (cur.peek() is not None and cur.peek().kind == "ident" and cur.peek().text.startswith("[")):  # type: ignore[union-attr]
        if cur.accept_punct("["):
            cur.skip_until_top_level("]")
            cur.expect_punct("]")
        else:
            cur.next()
        suffix += "[]"
    return " ".join(words) + suffix


def parse_column(cur: Cursor, type_of: Callable[[str], ir.ValueType], dialect: str,
                 on_identity: Callable[[str], bool]) -> tuple[ColumnDef, int]:
    name, offset = cur.name("column name")
    declared = parse_type_name(cur)
    col = ColumnDef(name, declared, type_of(declared))
    col.identity = on_identity(declared)
    literals: tuple[str, ...] = ()
    constraint = None
    while (lx := cur.peek()) is not None and not (lx.kind == "punct" and lx.text in (",", ")")):
        if cur.accept("CONSTRAINT"):
            constraint = cur.name("constraint name")[0]
        elif cur.accept("PRIMARY", "KEY"):
            col.primary_key = col.unique = True
            col.primary_key_name = constraint
            col.primary_key_desc = cur.is_word("DESC")
            _skip_words(cur, "ASC", "DESC")
            _skip_conflict(cur)
            if cur.accept("AUTOINCREMENT"):
                col.identity = True
        elif cur.accept("NOT", "NULL"):
            col.not_null = True
            col.not_null_name = constraint
            _skip_conflict(cur)
        elif cur.accept("NULL"):
            col.not_null = False
        elif cur.accept("UNIQUE"):
            col.unique = True
            cur.accept("NULLS", "NOT", "DISTINCT") or cur.accept("NULLS", "DISTINCT")
            _skip_conflict(cur)
        elif cur.accept("CHECK"):
            start, end = cur.balanced()
            literals = check_literals(cur.text[start:end], name, dialect).get(name.lower(), literals)
        elif cur.accept("DEFAULT"):
            col.has_default = True
            if cur.engine.ddl.expression_defaults:
                skip_expression(cur)  # nextval('s'::regclass), now() + interval '1 day'...
            elif cur.is_punct("("):
                cur.balanced()
            else:
                cur.accept_punct("-") or cur.accept_punct("+")
                cur.next()
                while cur.accept_punct("::"):  # PostgreSQL: DEFAULT 'x'::text
                    parse_type_name(cur)
        elif cur.accept("COLLATE"):
            col.collation = cur.name("collation")[0]
        elif cur.accept("REFERENCES"):
            skip_references(cur)
        elif cur.accept("GENERATED"):
            col.has_default = True
            always = cur.accept("ALWAYS")
            if not always:
                cur.accept("BY", "DEFAULT")
            cur.expect("AS")
            if cur.accept("IDENTITY"):
                col.identity = True
                col.identity_always = always
                if cur.is_punct("("):
                    cur.balanced()
            else:
                col.computed = True
                cur.balanced()
                _skip_words(cur, "STORED", "VIRTUAL")
        elif cur.accept("AS"):
            col.has_default = col.computed = True
            cur.balanced()
            _skip_words(cur, "STORED", "VIRTUAL")
        elif cur.engine.ddl.open_options and (cur.accept("DEFERRABLE") or cur.accept("NOT", "DEFERRABLE")
                                              or cur.accept("NO", "INHERIT")):
            if cur.items[cur.pos - 1].text.upper() == "DEFERRABLE" and cur.items[cur.pos - 2].text.upper() != "NOT":
                col.unique = False  # checked at commit: duplicates may stand inside a transaction
                col.deferred_key = True
            cur.accept("INITIALLY", "DEFERRED") or cur.accept("INITIALLY", "IMMEDIATE")
        else:
            bad = cur.next()
            raise Located(f"unexpected {bad.text!r} in the definition of column {name!r}", bad.start)
    if literals and col.type.base == ir.STR:
        col.type = replace(col.type, literals=literals)
    return col, offset


def skip_expression(cur: Cursor) -> None:
    """Skip a column's DEFAULT expression: up to the next top-level `,` or `)` or constraint keyword."""
    first = True
    while (lx := cur.peek()) is not None:
        if lx.kind == "punct" and lx.text in (",", ")"):
            return
        if not first and lx.kind == "word" and lx.text.upper() in CONSTRAINT_WORDS:
            return
        first = False
        if lx.kind == "punct" and lx.text == "(":
            cur.balanced()
        elif lx.kind == "punct" and lx.text == "[":
            cur.pos += 1
            cur.skip_until_top_level("]")
            cur.accept_punct("]")
        else:
            cur.pos += 1


def skip_references(cur: Cursor) -> None:
    cur.qualified_name("referenced table")
    if cur.is_punct("("):
        cur.balanced()
    while True:
        if cur.accept("ON", "DELETE") or cur.accept("ON", "UPDATE"):
            if not (cur.accept("SET", "NULL") or cur.accept("SET", "DEFAULT") or cur.accept("CASCADE")
                    or cur.accept("RESTRICT") or cur.accept("NO", "ACTION")):
                raise Located("expected a foreign key action", cur.offset())
        elif cur.accept("MATCH"):
            cur.next()
        elif cur.accept("NOT", "DEFERRABLE") or cur.accept("DEFERRABLE"):
            cur.accept("INITIALLY", "DEFERRED") or cur.accept("INITIALLY", "IMMEDIATE")
        else:
            return


def _skip_conflict(cur: Cursor) -> None:
    if cur.accept("ON", "CONFLICT"):
        cur.next()


def _skip_words(cur: Cursor, *words: str) -> None:
    while any(cur.accept(w) for w in words):
        pass


def parse_table_constraint(cur: Cursor, table: TableDef, dialect: str) -> list[tuple[str, int]]:
    """Apply one table constraint; returns (column, offset) pairs it names, for validation."""
    named: list[tuple[str, int]] = []
    constraint = cur.name("constraint name")[0] if cur.accept("CONSTRAINT") else None
    if cur.accept("PRIMARY", "KEY"):
        start = cur.pos
        table.primary_key_name = constraint or f"{table.name}_pkey"
        for name, offset in _column_list(cur):
            named.append((name, offset))
            col = table.column(name)
            if col is not None:
                col.primary_key = True
        note_key(cur, table, constraint, start)
        _skip_conflict(cur)
    elif cur.accept("UNIQUE"):
        cur.accept("NULLS", "NOT", "DISTINCT") or cur.accept("NULLS", "DISTINCT")  # PostgreSQL 15
        start = cur.pos
        named.extend(_column_list(cur))
        note_key(cur, table, constraint, start)
        _skip_conflict(cur)
    elif cur.accept("CHECK"):
        start, end = cur.balanced()
        for name, values in check_literals(cur.text[start:end], None, dialect).items():
            col = table.column(name)
            if col is not None and col.type.base == ir.STR:
                col.type = replace(col.type, literals=values)
    elif cur.accept("NOT", "NULL"):  # PostgreSQL 18: CONSTRAINT name NOT NULL column [NO INHERIT]
        name, offset = cur.name("column name")
        named.append((name, offset))
        col = table.column(name)
        cur.accept("NO", "INHERIT")
        # NOT VALID: the catalog says NOT NULL, yet the rows already there may hold NULL (read
        # back as such) until ALTER TABLE ... VALIDATE CONSTRAINT
        checked = not (cur.is_word("NOT") and cur.is_word("VALID", ahead=1))
        if col is not None:
            col.not_null, col.not_null_name = col.not_null or checked, constraint
    elif cur.accept("FOREIGN", "KEY"):
        named.extend(_column_list(cur))
        cur.expect("REFERENCES")
        skip_references(cur)
    else:
        cur.accept("EXCLUDE")
        table.keys_unknown = True  # an exclusion constraint may arbitrate ON CONFLICT DO NOTHING
        cur.skip_until_top_level(",")
    return named


def _column_list(cur: Cursor) -> list[tuple[str, int]]:
    cur.expect_punct("(")
    names = []
    while True:
        ahead = cur.peek(1)
        if cur.is_word("PERIOD") and ahead is not None and ahead.kind in ("word", "ident"):
            cur.next()  # PostgreSQL 18's temporal foreign key: FOREIGN KEY (id, PERIOD valid_at)
        names.append(cur.name("column name"))
        cur.skip_until_top_level(",")
        if not cur.accept_punct(","):
            break
    cur.expect_punct(")")
    return names


def finish_nullability(table: TableDef, rowid_alias: Callable[[str], bool], rowid_tables: bool) -> None:
    """PRIMARY KEY columns are NOT NULL (sqlc does the same; SQLite enforces it for the
    rowid alias, STRICT and WITHOUT ROWID tables, and only a legacy quirk allows NULL
    in other rowid tables: those columns are marked null_key, and an INSERT leaving one out
    is refused). The rowid alias, which numbers itself, is a lone INTEGER PRIMARY KEY of a rowid
    table, not declared DESC on the column."""
    declared_on_a_column = next((col for col in table.columns if col.primary_key), None)
    if table.primary_key_name is None and declared_on_a_column is not None:
        table.primary_key_name = declared_on_a_column.primary_key_name or f"{table.name}_pkey"
    keys = [col for col in table.columns if col.primary_key]
    for col in table.columns:
        alias = len(keys) == 1 and col.primary_key and rowid_alias(col.sql_type) and not col.primary_key_desc \
            and not (rowid_tables and table.without_rowid)
        if alias:
            col.identity = True
            col.rowid_alias = rowid_tables
        col.null_key = col.primary_key and not col.not_null and not col.identity and rowid_tables \
            and not table.strict and not table.without_rowid
        if col.primary_key or col.identity:
            col.not_null = True


def to_ir(table: TableDef, columns: list[ColumnDef] | None = None, view_columns: Any = None) -> ir.Table:
    cols = tuple(ir.Column(c.name, c.sql_type, c.type, not c.not_null, c.primary_key, c.has_default or c.identity)
                 for c in (columns if columns is not None else table.columns))
    return ir.Table(table.name, cols, table.is_view, table.schema)
