"""ALTER TABLE actions: SQLite's four, plus PostgreSQL's in-place column changes."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from sqlglot import exp

from ..errors import Located
from .cursor import Cursor
from . import keys
from .view_text import renamed
from .tables import ColumnDef, TableDef, check_strict_type, parse_column, parse_table_constraint, parse_type_name

if TYPE_CHECKING:
    from .state import SchemaState


def apply_alter(state: "SchemaState", cur: Cursor, table: TableDef, schema: str | None) -> None:
    while True:
        _one_action(state, cur, table, schema)
        if not (state.engine.ddl.alter_lists and cur.accept_punct(",")):
            break
    if not cur.at_end():
        bad = cur.next()
        raise Located(f"unexpected {bad.text!r} in ALTER TABLE", bad.start)


def _column(cur: Cursor, table: TableDef) -> tuple[int, str, int]:
    name, offset = cur.name("column name")
    for i, col in enumerate(table.columns):
        if col.name.lower() == name.lower():
            return i, name, offset
    raise Located(f"no such column: {name!r} in table {table.name!r}", offset)


def _one_action(state: "SchemaState", cur: Cursor, table: TableDef, schema: str | None) -> None:
    dialect = state.engine.dialect
    ddl = state.engine.ddl
    if cur.accept("RENAME", "TO"):
        new_schema, new_name, offset = cur.qualified_name("table name")
        if state.table_at(table.schema, new_name) is not None and new_name.lower() != table.name.lower():
            raise Located(f"there is already another table or view named {new_name!r}", offset)
        old_key = state.key_of(table)
        del state.tables[old_key]
        _rewrite_views(state, table.name, new_table=new_name, key=old_key)
        table.name = new_name
        state.tables[state.key_of(table)] = table
    elif cur.is_word("RENAME") and not cur.is_word("CONSTRAINT", ahead=1):
        cur.expect("RENAME")
        cur.accept("COLUMN")
        index, _, _ = _column(cur, table)
        cur.expect("TO")
        new_name, offset = cur.name("column name")
        if table.column(new_name) is not None and new_name.lower() != table.columns[index].name.lower():
            raise Located(f"duplicate column name: {new_name!r}", offset)
        _rewrite_views(state, table.name, old_column=table.columns[index].name, new_column=new_name,
                       key=state.key_of(table))
        keys.rename_column(table, table.columns[index].name, new_name)
        table.columns[index].name = new_name
    elif cur.accept("ADD"):
        if cur.is_word("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "EXCLUDE") or (
                ddl.alter_lists and cur.is_word("NOT") and cur.is_word("NULL", ahead=1)):
            if ddl.open_options:
                if not any(cur.is_word("USING", ahead=i) and cur.is_word("INDEX", ahead=i + 1) for i in range(5)):
                    parse_table_constraint(cur, table, dialect)
                else:
                    table.keys_unknown = True  # a key made of an index: which columns, we did not record
                cur.skip_until_top_level(",")  # INCLUDE (...), NOT VALID, DEFERRABLE, USING INDEX...
                for col in table.columns:
                    col.not_null = col.not_null or col.primary_key  # a primary key is NOT NULL
                return
            parse_table_constraint(cur, table, dialect)
            return
        cur.accept("COLUMN")
        if_not_exists = cur.accept("IF", "NOT", "EXISTS")
        col, offset = parse_column(cur, state.type_of, dialect, state.is_identity)
        if table.column(col.name) is not None:
            if if_not_exists:
                return
            raise Located(f"duplicate column name: {col.name!r}", offset)
        if col.primary_key and ddl.rowid_tables:
            raise Located("cannot add a PRIMARY KEY column", offset)
        if table.strict:
            check_strict_type(table, col, offset, ddl.strict_types)
        if col.primary_key or col.identity:
            col.not_null = True
        if col.primary_key:
            table.primary_key_name = col.primary_key_name or f"{table.name}_pkey"
        table.columns.append(col)
    elif cur.accept("DROP"):
        if cur.accept("CONSTRAINT"):
            cur.accept("IF", "EXISTS")
            constraint = cur.name("constraint name")[0]
            if constraint.lower() == (table.primary_key_name or "").lower():
                # Its columns stay NOT NULL (PostgreSQL keeps their NOT NULL), and a later
                # DROP NOT NULL may now make them nullable.
                for col in table.columns:
                    col.primary_key = False
                table.primary_key_name = None
            for col in table.columns:
                if not col.primary_key and constraint.lower() == not_null_name(table, col).lower():
                    col.not_null = False
            keys.drop_constraint(table, constraint)
            cur.accept("CASCADE") or cur.accept("RESTRICT")
            return
        cur.accept("COLUMN")
        if_exists = cur.accept("IF", "EXISTS")
        name, offset = cur.name("column name")
        found = next((i for i, c in enumerate(table.columns) if c.name.lower() == name.lower()), None)
        if found is None:
            if if_exists:
                return
            raise Located(f"no such column: {name!r} in table {table.name!r}", offset)
        if ddl.rowid_tables and table.columns[found].primary_key:
            raise Located(f"cannot drop PRIMARY KEY column {name!r}", offset)
        remove_column(state, table, table.columns[found], cascade=cur.accept("CASCADE"))
        cur.accept("RESTRICT")
    elif ddl.alter_lists and cur.accept("RENAME", "CONSTRAINT"):
        old, _ = cur.name("constraint name")
        cur.expect("TO")
        new_name = cur.name("constraint name")[0]
        for col in table.columns:
            if col.not_null and old.lower() == not_null_name(table, col).lower():
                col.not_null_name = new_name
        keys.rename_constraint(table, old, new_name)
    elif cur.accept("ALTER") and ddl.alter_lists:
        _alter_column(state, cur, table)
    elif ddl.alter_lists and cur.is_word("SET", "OWNER", "ENABLE", "DISABLE", "FORCE", "NO",
                                                      "CLUSTER", "REPLICA", "INHERIT", "VALIDATE", "ATTACH",
                                                      "DETACH", "RESET", "OF", "NOT"):
        _set_table(state, cur, table, schema)
    else:
        lx = cur.peek()
        raise Located(f"unsupported ALTER TABLE action {lx.text if lx else ''!r}", cur.offset())


def _rewrite_views(state: "SchemaState", table: str, new_table: str | None = None, old_column: str | None = None,
                   new_column: str | None = None, *, key: tuple[str | None, str]) -> None:
    """SQLite (3.25+) rewrites the views that name a renamed table or column; so do we. `key`:
    the renamed relation's catalog key (before a rename)."""
    if new_table is not None:
        follow_relation(state, key, (key[0], new_table.lower()))
    lowered = table.lower()
    for view in state.tables.values():
        # PostgreSQL's view follows by reference; what it reads is kept for DROP ... CASCADE.
        if view.is_view and view.view_select is None and key in view.view_reads:
            if new_column is not None and old_column is not None and old_column.lower() in view.view_names:
                view.view_names = view.view_names | {new_column.lower()}
        if not view.is_view or view.view_select is None:
            continue
        aliases = {lowered}
        for node in view.view_select.find_all(exp.Table):
            if node.name.lower() == lowered:
                if node.alias:
                    aliases.add(node.alias.lower())
                if new_table is not None:
                    node.set("this", exp.to_identifier(new_table))
        if len(aliases) == 1 and not any(t.name.lower() == (new_table or table).lower()
                                         for t in view.view_select.find_all(exp.Table)):
            continue  # the view does not read this table
        if view.view_text is not None:  # SQLite rewrites the text, so its expressions' names follow
            view.view_text = renamed(view.view_text, state.engine, table if new_table is not None else old_column or "",
                                     new_table or new_column or "", quote_always=new_table is not None)
        for col in view.view_select.find_all(exp.Column):
            qualifier = col.table.lower()
            if new_table is not None and qualifier == lowered:
                col.set("table", exp.to_identifier(new_table))
            if old_column is not None and new_column is not None and col.name.lower() == old_column.lower() \
                    and (not qualifier or qualifier in aliases):
                col.set("this", exp.to_identifier(new_column))


def follow_relation(state: "SchemaState", old: tuple[str | None, str], new: tuple[str | None, str]) -> None:
    """A relation renamed or moved to another schema: the views reading it (PostgreSQL's, by
    reference) read it under its new key."""
    for view in state.tables.values():
        if old in view.view_reads:
            view.view_reads = (view.view_reads - {old}) | {new}


def remove_column(state: "SchemaState", table: TableDef, col: ColumnDef, cascade: bool) -> None:
    """A column dropped, with the keys it is in (PostgreSQL drops a whole primary key; its other
    columns stay NOT NULL) and, under CASCADE, the views that read it."""
    if col.primary_key:
        for other in table.columns:
            other.primary_key = False
        table.primary_key_name = None
    keys.drop_column(table, col.name)
    table.columns.remove(col)
    if cascade:
        drop_dependent_views(state, [state.key_of(table)], column=col.name)


def _dependent_views(state: "SchemaState", relations: list[tuple[str | None, str]], column: str | None = None
                     ) -> list[tuple[str | None, str]]:
    """The keys of the fixed-column views (PostgreSQL) reading `relations`, then of the views
    reading those. With `column`, only views of the relations that name that column or expand a
    star (a view may name another table's column of that name: it counts too, as the catalog
    cannot tell them apart); a view reading such a view counts whatever it names."""
    found: list[tuple[str | None, str]] = []
    touched = set(relations)  # catalog keys: a same-named relation of another schema is another one
    while touched:
        level = [key for key, view in state.tables.items() if key not in found and view.is_view
                 and view.view_reads & touched and (column is None or {column.lower(), "*"} & view.view_names)]
        found += level
        touched = set(level)
        column = None
    return found


def drop_dependent_views(state: "SchemaState", relations: list[tuple[str | None, str]],
                         column: str | None = None) -> None:
    """DROP ... CASCADE: the views reading what it drops go, and the views reading those."""
    for key in _dependent_views(state, relations, column):
        del state.tables[key]


def _loosen_dependent_views(state: "SchemaState", table: tuple[str | None, str], column: str) -> None:
    """DROP NOT NULL under a view whose columns were fixed at creation (PostgreSQL): the view
    reads NULL there from now on. Which of its columns carry the column is not recorded (an
    alias, an expression over it), so every column of a view that names it (or expands a star)
    may be NULL, and so may every column of the views reading those: a NULL the row model
    refused was a crash, a None it allows but never gets is only a looser type."""
    for key in _dependent_views(state, [table], column):
        for col in state.tables[key].columns:
            col.not_null = False


def _alter_column(state: "SchemaState", cur: Cursor, table: TableDef) -> None:
    cur.accept("COLUMN")
    index, _, _ = _column(cur, table)
    col = table.columns[index]
    if cur.accept("SET", "NOT", "NULL"):
        col.not_null = True
    elif cur.accept("DROP", "NOT", "NULL"):
        if col.not_null and not col.primary_key and not table.is_view:
            _loosen_dependent_views(state, state.key_of(table), col.name)
        col.not_null = col.primary_key
    elif cur.accept("SET", "DATA", "TYPE") or cur.accept("TYPE"):
        declared = parse_type_name(cur)
        col.sql_type, col.type = declared, state.type_of(declared)
        col.identity = col.identity or state.is_identity(declared)
        if cur.accept("COLLATE"):
            col.collation = cur.name("collation")[0]
        cur.skip_until_top_level(",")
    elif cur.accept("SET", "DEFAULT") or cur.accept("DROP", "DEFAULT"):
        col.has_default = cur.items[cur.pos - 1].text.upper() == "DEFAULT" and cur.items[cur.pos - 2].text.upper() == "SET"
        cur.skip_until_top_level(",")
    elif cur.accept("ADD", "GENERATED") or cur.accept("DROP", "IDENTITY"):
        col.identity = cur.items[cur.pos - 1].text.upper() == "GENERATED"
        col.identity_always = col.identity and cur.is_word("ALWAYS")
        cur.skip_until_top_level(",")
    elif cur.accept("SET", "GENERATED"):  # the identity's write rule; options after it do not matter here
        col.identity_always = cur.is_word("ALWAYS")
        cur.skip_until_top_level(",")
    else:
        cur.skip_until_top_level(",")


def _set_table(state: "SchemaState", cur: Cursor, table: TableDef, schema: str | None) -> None:
    if cur.accept("SET", "SCHEMA"):
        new_schema, _ = cur.name("schema name")
        old_key = state.key_of(table)
        del state.tables[old_key]
        table.schema = None if new_schema.lower() == "public" else new_schema
        state.tables[state.key_of(table)] = table
        follow_relation(state, old_key, state.key_of(table))
        return
    if cur.accept("VALIDATE", "CONSTRAINT"):  # a NOT NULL added NOT VALID holds from here on
        constraint, _ = cur.name("constraint name")
        for col in table.columns:
            if not_null_name(table, col).lower() == constraint.lower():
                col.not_null = True
        return
    cur.skip_until_top_level(",")


__all__ = ["apply_alter", "replace"]


def not_null_name(table: TableDef, col: ColumnDef) -> str:
    """The name of a column's NOT NULL constraint: as declared, else PostgreSQL 18's default."""
    return col.not_null_name or f"{table.name}_{col.name}_not_null"
