"""Apply migrations statement by statement to a schema state (sqlc's catalog.Update, in Python)."""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from typing import Callable

from sqlglot import exp

from .. import ir
from ..errors import Diagnostic, Located
from ..parse import parse_one
from ..source import SourceFile, Statement
from ..sqltext import split_statements
from . import keys
from .alter import apply_alter, drop_dependent_views
from .cursor import Cursor
from .state import SchemaState
from .tables import (TABLE_CONSTRAINTS, ColumnDef, TableDef, check_strict_type, finish_nullability, parse_column,
                     parse_table_constraint)

# Statements that never change the shape of tables and views.
NO_EFFECT = {"INSERT", "UPDATE", "DELETE", "REPLACE", "SELECT", "WITH", "PRAGMA", "BEGIN", "COMMIT", "END",
             "ROLLBACK", "SAVEPOINT", "RELEASE", "ANALYZE", "VACUUM", "REINDEX", "ATTACH", "DETACH", "VALUES",
             "GRANT", "REVOKE", "SET", "COMMENT", "SELECT", "COPY", "NOTIFY", "LISTEN", "DO", "REFRESH",
             "CLUSTER", "TRUNCATE", "CALL", "LOCK", "DISCARD", "RESET", "SECURITY", "REASSIGN", "EXPLAIN"}
NO_EFFECT_CREATE = {"INDEX", "TRIGGER", "FUNCTION", "PROCEDURE", "SEQUENCE", "EXTENSION", "SCHEMA", "ROLE",
                    "USER", "POLICY", "RULE", "AGGREGATE", "OPERATOR", "CAST", "COLLATION", "PUBLICATION",
                    "SUBSCRIPTION", "SERVER", "STATISTICS", "EVENT", "LANGUAGE", "TABLESPACE", "CONVERSION",
                    "TEXT", "ACCESS", "DATABASE", "FOREIGN"}

InferColumns = Callable[[SchemaState, exp.Expr, Callable[[int], int]], list[tuple[str, ir.Typed]]]


def _note_insert_trigger(state: SchemaState, cur: Cursor) -> None:
    """Record the table of a `CREATE ... TRIGGER name BEFORE|INSTEAD OF ... INSERT ... ON table`,
    and the statements an INSTEAD OF trigger runs in place of on its view."""
    words = []
    while (lx := cur.peek()) is not None and not (lx.kind == "word" and lx.text.upper() == "ON"):
        words.append(lx.text.upper() if lx.kind == "word" else lx.text)
        cur.pos += 1
    if "TRIGGER" not in words or lx is None:
        return
    events = words[words.index("TRIGGER"):]
    inserts = "INSERT" in events and ("BEFORE" in events or "INSTEAD" in events)
    instead = {e for e in ("INSERT", "UPDATE", "DELETE") if e in events} if "INSTEAD" in events else set()
    if inserts or instead:
        cur.pos += 1
        try:
            _, name, _ = cur.qualified_name("table name")
        except Located:
            return
        if inserts:
            state.insert_triggers.add(name.lower())
        state.instead_of.setdefault(name.lower(), set()).update(instead)


class CatalogBuilder:
    def __init__(self, state: SchemaState, infer: InferColumns) -> None:
        self.state = state
        self.infer = infer
        self.dialect = state.engine.dialect
        self.diagnostics: list[Diagnostic] = []
        self._temporary = False  # the CREATE being applied makes a TEMP table or view

    def apply_file(self, source: SourceFile) -> None:
        self.state.start_session()
        for stmt in split_statements(source, self.state.engine):
            try:
                self.apply(stmt)
            except Located as problem:
                line, col = stmt.position(problem.offset)
                self.diagnostics.append(Diagnostic(source.path, line, col, problem.message))
            except RecursionError:
                line, col = stmt.position(0)
                self.diagnostics.append(Diagnostic(source.path, line, col, "statement is nested too deeply"))

    def apply(self, stmt: Statement) -> None:
        cur = Cursor(stmt.text, self.state.engine)
        first = cur.peek()
        if first is None:
            return
        word = first.text.upper() if first.kind == "word" else first.text
        if word == "CREATE":
            _note_insert_trigger(self.state, Cursor(stmt.text, self.state.engine))
        for handler in self.state.extensions.values():
            saved = cur.pos
            if handler(self.state, cur, stmt):
                return
            cur.pos = saved
        if word == "CREATE":
            self._create(cur, stmt)
        elif word == "ALTER":
            self._alter(cur)
        elif word == "DROP":
            self._drop(cur)
        elif word in NO_EFFECT or word == "(":
            return
        else:
            raise Located(f"unsupported statement {first.text!r} in schema", first.start)

    # -- CREATE ----------------------------------------------------------------
    def _create(self, cur: Cursor, stmt: Statement) -> None:
        cur.expect("CREATE")
        replace_view = cur.accept("OR", "REPLACE")
        self._temporary = False
        while (lx := cur.peek()) is not None and lx.kind == "word" \
                and lx.text.upper() in ("TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL"):  # in any order
            self._temporary = self._temporary or lx.text.upper() in ("TEMP", "TEMPORARY")
            cur.pos += 1
        before = set(self.state.tables)
        self._create_object(cur, stmt, replace_view)
        for key in set(self.state.tables) - before:
            if self._temporary:
                self.state.tables[key].temporary = True

    def end_session(self) -> None:
        """After the last migration: the migrating session's TEMP tables and views are gone (and a
        PostgreSQL view over one, which the server made temporary too). Queries run in sessions of
        their own and cannot read them."""
        gone = {key for key, table in self.state.tables.items() if table.temporary}
        while True:
            names = {self.state.tables[key].name.lower() for key in gone}
            readers = {key for key, table in self.state.tables.items() if key not in gone and table.is_view
                       and (table.view_reads & gone or (table.view_select is not None and names & {
                           t.name.lower() for t in table.view_select.find_all(exp.Table)}))}
            if not readers:
                break
            gone |= readers
        for key in gone:
            self.state.session_only.add(self.state.tables.pop(key).name.lower())
        self.state.start_session()  # queries run in sessions of their own

    def _create_object(self, cur: Cursor, stmt: Statement, replace_view: bool) -> None:
        if cur.accept("TABLE"):
            self._create_table(cur, stmt)
        elif cur.accept("VIRTUAL", "TABLE"):
            self._create_virtual(cur)
        elif cur.accept("VIEW"):
            self._create_view(cur, stmt, replace_view, plain=True)
        elif cur.accept("MATERIALIZED", "VIEW") or cur.accept("RECURSIVE", "VIEW"):
            self._create_view(cur, stmt, replace_view)
        elif cur.accept("UNIQUE", "INDEX"):
            keys.create_unique_index(self.state, cur)
        elif cur.is_word(*NO_EFFECT_CREATE) or cur.is_word("CONSTRAINT"):
            return
        else:
            lx = cur.peek()
            raise Located(f"unsupported CREATE {lx.text if lx else ''}".rstrip(), cur.offset())

    def _if_not_exists(self, cur: Cursor) -> bool:
        return cur.accept("IF", "NOT", "EXISTS")

    def _new_name(self, cur: Cursor, what: str, replace_view: bool = False) -> tuple[str | None, str, bool]:
        """Name of a table or view being created; False when IF NOT EXISTS skips it."""
        if_not_exists = self._if_not_exists(cur)
        schema, name, offset = cur.qualified_name(f"{what} name")
        self._temporary = self._temporary or (schema is not None and self.state.engine.temporary_schema(schema))
        if not self._temporary:  # (a TEMP one goes to the session's own schema, searched first)
            schema = self.state.creation_schema(schema, offset)
        schema = self.state.engine.created_schema(schema)
        existing = self.state.table_at(schema, name)  # in that very schema, not along the search_path
        if existing is not None:
            if replace_view and existing.is_view:
                return schema, name, True
            if if_not_exists:
                return schema, name, False
            engine = self.state.engine
            if engine.folds_identifiers and (existing.name != name or engine.lookup_schema(existing.schema)
                                             != engine.lookup_schema(schema)):  # PostgreSQL: "Items" beside items
                raise Located(f"{what} {name!r}: codegen cannot tell it from {existing.name!r} (schema "
                              f"{existing.schema or 'public'}), a name that differs only in case: rename one", offset)
            raise Located(f"{what} {name!r} already exists", offset)
        return schema, name, True

    def _create_table(self, cur: Cursor, stmt: Statement) -> None:
        schema, name, create = self._new_name(cur, "table")
        if not create:
            return
        table = TableDef(name, [], schema=schema)
        ddl = self.state.engine.ddl
        if ddl.table_inheritance and cur.accept("PARTITION", "OF"):
            # A partition has its parent's columns; FOR VALUES ... only routes rows.
            src_schema, src_name, src_offset = cur.qualified_name("table name")
            parent = self._existing(src_schema, src_name, src_offset)
            table.columns = [replace(c) for c in parent.columns]
            table.keys_unknown = True  # the parent's unique indexes are the partition's too
            parent.children.append(table)
            self.state.tables[self.state.key(schema, name)] = table
            return
        if cur.accept("AS"):
            text, offset = cur.rest_text()
            tree = parse_one(_without_data_clause(text) if ddl.data_clause else text, self.state.engine)
            columns = self.infer(self.state, tree, lambda o: o + offset)
            table.columns = [ColumnDef(n, "", t.type, not_null=False) for n, t in columns]
            self.state.tables[self.state.key(schema, name)] = table
            return
        cur.expect_punct("(")
        pending: list[tuple[str, int]] = []
        column_offsets: list[int] = []
        while not (ddl.empty_tables and cur.is_punct(")")):
            if cur.is_word(*TABLE_CONSTRAINTS) and not cur.is_punct(",", ahead=1):
                pending.extend(parse_table_constraint(cur, table, self.dialect))
                if ddl.open_options:
                    cur.skip_until_top_level(",")  # INCLUDE (...), WITH (...), DEFERRABLE...
            elif cur.is_word("LIKE") and ddl.table_inheritance:
                cur.next()
                src_schema, src_name, src_offset = cur.qualified_name("table name")
                source = self._existing(src_schema, src_name, src_offset)
                table.columns.extend(replace(c, unique=False) for c in source.columns)  # LIKE copies no keys
                table.keys_unknown = True  # ...but LIKE ... INCLUDING INDEXES (or ALL) does
                cur.skip_until_top_level(",")
            else:
                col, offset = parse_column(cur, self.state.type_of, self.dialect, self.state.is_identity)
                if table.column(col.name) is not None:
                    raise Located(f"duplicate column name {col.name!r}", offset)
                table.columns.append(col)
                column_offsets.append(offset)
            if not cur.accept_punct(","):
                break
        cur.expect_punct(")")
        for col_name, offset in pending:
            if table.column(col_name) is None:
                raise Located(f"no such column {col_name!r} in table {name!r}", offset)
        while not cur.at_end():
            if cur.accept("STRICT"):
                table.strict = True
            elif cur.accept("WITHOUT", "ROWID"):
                table.without_rowid = True
            elif ddl.table_inheritance and cur.accept("INHERITS"):
                self._inherit(cur, table)
            elif ddl.open_options:
                # PARTITION BY, WITH (...), TABLESPACE, ON COMMIT...: no effect on the columns
                if cur.is_punct("("):
                    cur.balanced()
                else:
                    cur.next()
            elif cur.accept_punct(","):
                pass
            else:
                bad = cur.next()
                raise Located(f"unexpected {bad.text!r} after the column list", bad.start)
        if table.strict:
            for col, offset in zip(table.columns, column_offsets):
                check_strict_type(table, col, offset, ddl.strict_types)
        finish_nullability(table, self.state.is_rowid_alias, ddl.rowid_tables)
        self.state.tables[self.state.key(schema, name)] = table

    def _inherit(self, cur: Cursor, table: TableDef) -> None:
        """INHERITS (parents): the parents' columns come first; a local column of the same name
        merges with the inherited one, and must have the same type."""
        cur.expect_punct("(")
        inherited: list[ColumnDef] = []
        while True:
            src_schema, src_name, src_offset = cur.qualified_name("table name")
            parent = self._existing(src_schema, src_name, src_offset)
            parent.inherited = True  # its rows now include the child's: no key of its holds over them
            parent.children.append(table)
            for col in parent.columns:
                same = next((c for c in inherited if c.name.lower() == col.name.lower()), None)
                if same is None:
                    inherited.append(replace(col, primary_key=False, unique=False))
                elif same.type.base != col.type.base or same.type.dims != col.type.dims:
                    raise Located(f"column {col.name!r} has a type conflict", src_offset)
            if not cur.accept_punct(","):
                break
        cur.expect_punct(")")
        for col in table.columns:
            same = next((c for c in inherited if c.name.lower() == col.name.lower()), None)
            if same is None:
                inherited.append(col)
            elif same.type.base != col.type.base or same.type.dims != col.type.dims:
                raise Located(f"column {col.name!r} has a type conflict", src_offset)
            else:
                same.not_null = same.not_null or col.not_null
        table.columns = inherited

    def _create_virtual(self, cur: Cursor) -> None:
        schema, name, create = self._new_name(cur, "table")
        if not create:
            return
        cur.expect("USING")
        module, _ = cur.name("module name")
        table = TableDef(name, [], schema=schema, virtual=module.lower())
        if cur.is_punct("("):
            start, end = cur.balanced()
            for arg in _split_args(cur.text[start:end]):
                words = arg.split()
                if not words or "=" in arg:
                    continue  # fts5 options such as content='' or tokenize='porter'
                col_name = words[0].strip('"`[]')
                declared = " ".join(w for w in words[1:] if w.upper() not in ("UNINDEXED",))
                if module.lower() in ("fts3", "fts4", "fts5"):
                    col_type = ir.ValueType(ir.STR)
                    declared = declared or "TEXT"
                else:
                    col_type = self.state.type_of(declared)
                table.columns.append(ColumnDef(col_name, declared, col_type, not_null=False))
        if module.lower() == "fts5":
            # Hidden columns usable in queries: the table-named column (for MATCH) and rank.
            table.hidden = [ColumnDef(name, "", ir.ValueType(ir.ANY), False), ColumnDef("rank", "", ir.ValueType(ir.FLOAT))]
        self.state.tables[self.state.key(schema, name)] = table

    def _create_view(self, cur: Cursor, stmt: Statement, replace_view: bool = False, plain: bool = False) -> None:
        schema, name, create = self._new_name(cur, "view", replace_view)
        names: list[str] = []
        if cur.accept_punct("("):
            while True:
                names.append(cur.name("column name")[0])
                if not cur.accept_punct(","):
                    break
            cur.expect_punct(")")
        ddl = self.state.engine.ddl
        if ddl.open_options:
            while cur.accept("WITH") and cur.is_punct("("):  # WITH (check_option = local)
                cur.balanced()
        cur.expect("AS")
        text, offset = cur.rest_text()
        tree = parse_one(_without_data_clause(text) if ddl.data_clause else text, self.state.engine)
        if not create:
            return
        view = TableDef(name, [], schema=schema, is_view=True, view_select=tree, view_statement=stmt,
                        view_offset=lambda o: o + offset, view_column_names=names, view_text=text)
        # SQLite checks a view when it is used (it may name a table created later; `.schema`
        # dumps list views that way): it is checked once the whole schema is applied and
        # expanded afresh wherever it is used.
        if ddl.views_fixed_at_creation:
            # PostgreSQL checks it now and fixes its columns (`*` is expanded then), so the
            # view keeps them, instead of its query, to be re-expanded at each use.
            if self.state.apply_overrides is not None:
                self.state.apply_overrides(self.state)
            columns = self.infer(self.state, tree, lambda o: o + offset)
            if len(names) > len(columns):
                raise Located(f"CREATE VIEW specifies more column names than columns", offset)
            view.view_select = None
            view.view_reads = frozenset(self.state.key_of(found) for t in tree.find_all(exp.Table)
                                        if (found := self.state.find(t.db or None, t.name)) is not None)
            view.view_names = frozenset(["*"] * any(tree.find_all(exp.Star))
                                        + [c.name.lower() for c in tree.find_all(exp.Column)])
            view.columns = [ColumnDef(names[i] if i < len(names) else n or ddl.unnamed_view_column, "", t.type,
                                      not_null=not t.nullable)
                            for i, (n, t) in enumerate(columns)]
            writable = self.state.engine.writable_view_columns(tree, self.state) if plain else None
            if writable is not None and len(writable[1]) == len(columns):
                view.updatable, view.view_base = True, writable[0]
                for col, through in zip(view.columns, writable[1]):
                    col.read_only, col.base = through is None, through
                    if through is not None:  # generated in the base: DEFAULT only, through the view too
                        col.computed, col.identity_always = through.computed, through.identity_always
        self.state.tables[self.state.key(schema, name)] = view

    # -- ALTER / DROP --------------------------------------------------------
    def _existing(self, schema: str | None, name: str, offset: int, view: bool | None = False) -> TableDef:
        table = self.state.find(schema, name)
        if table is None or (view is not None and table.is_view != view):
            what = "view" if view else "table"
            raise Located(f"no such {what}: {name}", offset)
        return table

    def _alter(self, cur: Cursor) -> None:
        cur.expect("ALTER")
        if cur.accept("INDEX"):
            keys.rename_index(self.state, cur)
            return
        if not cur.accept("TABLE"):
            if cur.is_word("SEQUENCE", "FUNCTION", "SCHEMA", "EXTENSION", "ROLE", "USER", "DATABASE",
                           "DEFAULT", "POLICY", "TRIGGER", "PUBLICATION", "STATISTICS"):
                return
            raise Located("unsupported ALTER statement", cur.offset())
        if_exists = cur.accept("IF", "EXISTS")
        only = cur.accept("ONLY")
        schema, name, offset = cur.qualified_name("table name")
        if if_exists and self.state.find(schema, name) is None:
            return
        table = self._existing(schema, name, offset)
        start = cur.pos
        apply_alter(self.state, cur, table, schema)
        if not only and _changes_columns(cur, start):
            # PostgreSQL changes the columns of the children and partitions too (ADD COLUMN gives
            # them the column, RENAME renames theirs...): the same actions, read again for each.
            for child in _descendants(table):
                again = copy.copy(cur)
                again.pos = start
                apply_alter(self.state, again, child, child.schema)

    def _drop(self, cur: Cursor) -> None:
        cur.expect("DROP")
        view = cur.accept("VIEW") or cur.accept("MATERIALIZED", "VIEW")
        if not view and cur.accept("INDEX"):
            keys.drop_index(self.state, cur)
            return
        if not view and not cur.accept("TABLE"):
            return  # DROP TRIGGER / TYPE ...: handled by extensions or no effect
        if_exists = cur.accept("IF", "EXISTS")
        dropped = []
        while True:
            schema, name, offset = cur.qualified_name("table name")
            if self.state.find(schema, name) is None and if_exists:
                pass
            else:
                table = self._existing(schema, name, offset, view=view)
                dropped.append(self.state.key_of(table))
                del self.state.tables[dropped[-1]]
            if not cur.accept_punct(","):
                break
        if cur.accept("CASCADE"):
            drop_dependent_views(self.state, dropped)


def _split_args(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def _without_data_clause(text: str) -> str:
    """CREATE TABLE/MATERIALIZED VIEW ... AS query [WITH [NO] DATA]: the query alone."""
    return re.sub(r"\s+WITH\s+(?:NO\s+)?DATA\s*;?\s*$", "", text, flags=re.IGNORECASE)


def _changes_columns(cur: Cursor, start: int) -> bool:
    """ALTER TABLE's first action changes columns (ADD [COLUMN] c, DROP [COLUMN] c, RENAME [COLUMN]
    a TO b, ALTER [COLUMN]): not the table's name, schema, constraints or options."""
    words = [x.text.upper() for x in cur.items[start:start + 2]]
    if not words:
        return False
    if words[0] in ("ADD", "DROP"):
        return words[1:2] != ["CONSTRAINT"] and words[1:2] not in (["PRIMARY"], ["UNIQUE"], ["CHECK"], ["FOREIGN"],
                                                                     ["EXCLUDE"], ["NOT"])
    if words[0] == "RENAME":
        return words[1:2] not in (["TO"], ["CONSTRAINT"])
    return words[0] == "ALTER"


def _descendants(table: TableDef) -> list[TableDef]:
    found: list[TableDef] = []
    for child in table.children:
        if child not in found:
            found += [child, *(d for d in _descendants(child) if d not in found)]
    return found


__all__ = ["NO_EFFECT", "CatalogBuilder", "SchemaState"]
