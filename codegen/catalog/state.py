"""The schema as migrations leave it: tables, views, enums and functions, for one engine."""

from __future__ import annotations

from abc import abstractmethod
import contextlib
from collections.abc import Container, Iterator
from typing import TYPE_CHECKING, Any, Callable, Protocol

from .. import ir
from ..engines import EngineTraits
from ..errors import Located
from ..source import Statement
from .cursor import Cursor
from .tables import ColumnDef, TableDef

if TYPE_CHECKING:
    from sqlglot import exp


class CatalogEngine(EngineTraits, Protocol):
    """What the catalog asks of its engine, besides the traits every stage may read."""

    @abstractmethod
    def install_catalog(self, state: SchemaState) -> None:
        """Give a new schema state this engine's type names and engine-only statements."""

    def hidden_columns(self, table: TableDef) -> tuple[str, ...]:
        """Columns a query may name that the table's definition does not list."""
        if self.rowid_columns and self.ddl.rowid_tables and not table.without_rowid and not table.is_view:
            return self.rowid_columns
        return ()

    def hidden_column_type(self, name: str) -> str:
        """The type name a hidden column has, as a column would declare it (a rowid: INTEGER)."""
        return "INTEGER"

    def writable_view_columns(self, tree: exp.Expr, state: SchemaState) -> tuple[TableDef, list[ColumnDef | None]] | None:
        """For a view the database changes its base relation through: that relation and, per
        column of the view's query (a `*` as the base's columns), the base column INSERT and
        UPDATE write through it (None: read-only); None: only an INSTEAD OF trigger changes the view."""
        return None

    def type_name_key(self, declared: str) -> str:
        """A declared type name as an `overrides` sql_type matches it: the name without its size,
        in one spelling per type ("VARCHAR(20)" -> "VARCHAR")."""
        return " ".join(declared.split("(")[0].upper().split())

    @abstractmethod
    def compares_exactly(self, key: ColumnDef, value: exp.Expr, value_column: ColumnDef | None) -> bool:
        """`key = value` matches at most the rows equal to value (no collation or cast widening it)."""


class SchemaState:
    """Tables and views by (schema, lower-cased name), in creation order."""

    def __init__(self, engine: CatalogEngine, search_path: tuple[str, ...] | None = None) -> None:
        self.engine = engine  # the catalog's view of it: later stages get theirs from the pipeline
        self.tables: dict[tuple[str | None, str], TableDef] = {}
        self.enums: dict[tuple[str | None, str], ir.Enum] = {}
        # The composite types the migrations leave (PostgreSQL's CREATE TYPE ... AS (...)): the
        # engine installs what lists them.
        self.composite_types: Callable[[], tuple[ir.Composite, ...]] = lambda: ()
        self.extensions: "dict[str, Callable[[SchemaState, Cursor, Statement], bool]]" = {}
        # PostgreSQL CREATE FUNCTION / PROCEDURE signatures by lower-cased name (overloads in a list)
        self.functions: dict[str, list[Any]] = {}
        # Lower-cased names of tables and views with a BEFORE or INSTEAD OF INSERT trigger: such a
        # trigger may skip the row (RAISE(IGNORE), RETURN NULL), so an INSERT there may return none.
        self.insert_triggers: set[str] = set()
        # Applies the configured Python types (overrides) to the tables' columns: run before a view
        # whose columns are fixed when it is created (PostgreSQL) takes them, so the view's
        # columns carry them too; None when there are none to apply.
        self.apply_overrides: Callable[[SchemaState], object] | None = None
        # Lower-cased view name -> the statements (INSERT, UPDATE, DELETE) an INSTEAD OF trigger on it
        # runs in their place: those may name the view as their target.
        self.instead_of: dict[str, set[str]] = {}
        # Lower-cased names of the migrations' TEMP tables and views, gone when their session ended.
        self.session_only: set[str] = set()
        # The schemas an unqualified name is looked up in, in order, as keys name them (None: the
        # default one), and the first is where an unqualified CREATE puts its object (none: the
        # server refuses it). PostgreSQL's engine follows the search_path here: a migration's SET
        # search_path until the end of its file, the project's declared one for queries.
        self.search_path: tuple[str | None, ...] = (None,)
        # The search_path the project declares its connections have (config), None: the engine's default.
        self.declared_search_path = search_path
        # Where each migration file starts (the runner starts each step with its session's own
        # settings), and what queries see once they are applied. The engine installs it.
        self.start_session: Callable[[], None] = lambda: None
        # The search_path a query sees now (the declared one's schemas that exist), mid-migration
        # too: lint analyses queries between the statements of a file that moved its own path.
        self.query_path: Callable[[], tuple[str | None, ...]] = lambda: (None,)
        engine.install_catalog(self)  # its type names, and the statements only it has

    def key(self, schema: str | None, name: str) -> tuple[str | None, str]:
        schema = self.engine.lookup_schema(schema)
        return (schema.lower() if schema else None, name.lower())

    def find(self, schema: str | None, name: str) -> TableDef | None:
        """The table or view a name means: a qualified one in its schema, an unqualified one in the
        first schema of the search_path holding one of that name."""
        key = self.resolve(schema, name, self.tables)
        return self.tables.get(key) if key is not None else None

    def resolve(self, schema: str | None, name: str, known: "Container[tuple[str | None, str]]"
                ) -> tuple[str | None, str] | None:
        """The key of what `schema.name` means among `known` (tables, enums, domains...): a
        qualified name's own; an unqualified one's in the first schema of the search_path holding
        one (None when none does)."""
        if schema is not None:
            return self.key(schema, name)
        return next((key for s in self.search_path if (key := self.key(s, name)) in known), None)

    def creation_schema(self, schema: str | None, offset: int | None = None) -> str | None:
        """The schema an object created as `schema.name` goes into: its own, or the search_path's
        first (the server refuses an unqualified CREATE when the path names no schema there is)."""
        if schema is not None:
            return schema
        if not self.search_path:
            raise Located("no schema has been selected to create in (the search_path names none that exists "
                          "here): name the schema", offset)
        return self.search_path[0]

    def table_at(self, schema: str | None, name: str) -> TableDef | None:
        """The table or view of that name in that very schema (None: the default one), as the
        catalog records a table's own schema: no search_path involved."""
        return self.tables.get(self.key(schema, name))

    @contextlib.contextmanager
    def as_queries_see_it(self) -> Iterator[None]:
        """Unqualified names resolved through the queries' search_path while it lasts."""
        saved, self.search_path = self.search_path, self.query_path()
        try:
            yield
        finally:
            self.search_path = saved

    def key_of(self, table: TableDef) -> tuple[str | None, str]:
        return self.key(table.schema, table.name)

    def missing(self, name: str) -> str:
        """What a statement naming a table the catalog lacks is told."""
        if name.lower() in self.session_only:
            return (f"no such table: {name} (a TEMP table or view of the migrations: it is gone when their "
                    "session ends, and queries run in sessions of their own)")
        elsewhere = sorted(f"{t.schema or 'public'}.{t.name}" for t in self.tables.values()
                           if t.name.lower() == name.lower())
        if elsewhere:  # PostgreSQL: in a schema the search_path does not reach
            return (f"no such table: {name} (in no schema of the search_path; {', '.join(elsewhere)} is not on it: "
                    "name the schema, or declare the search_path the connections have, [tool.codegen] search_path)")
        return f"no such table: {name}"

    def type_of(self, declared: str) -> ir.ValueType:
        """The value type of a declared type name (the engine installs its own)."""
        return ir.ValueType(ir.ANY)

    def is_identity(self, declared: str) -> bool:
        return False

    def is_rowid_alias(self, declared: str) -> bool:
        return self.engine.is_rowid_alias(declared)
