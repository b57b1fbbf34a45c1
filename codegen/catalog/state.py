"""The schema as migrations leave it: tables, views, enums and functions, for one engine."""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, Any, Callable, Protocol

from .. import ir
from ..engines import EngineTraits
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

    def __init__(self, engine: CatalogEngine) -> None:
        self.engine = engine  # the catalog's view of it: later stages get theirs from the pipeline
        self.tables: dict[tuple[str | None, str], TableDef] = {}
        self.enums: dict[tuple[str | None, str], ir.Enum] = {}
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
        # Set by the engine while a statement of the current migration file has changed where an
        # unqualified CREATE puts its object (PostgreSQL's SET search_path), which the catalog does
        # not follow: why, for the tables created meanwhile (TableDef.misplaced). Each file starts
        # without one, as the migration runner starts each step with its own session's settings.
        self.placement: str | None = None
        engine.install_catalog(self)  # its type names, and the statements only it has

    def key(self, schema: str | None, name: str) -> tuple[str | None, str]:
        schema = self.engine.lookup_schema(schema)
        return (schema.lower() if schema else None, name.lower())

    def find(self, schema: str | None, name: str) -> TableDef | None:
        return self.tables.get(self.key(schema, name))

    def missing(self, name: str) -> str:
        """What a statement naming a table the catalog lacks is told."""
        if name.lower() in self.session_only:
            return (f"no such table: {name} (a TEMP table or view of the migrations: it is gone when their "
                    "session ends, and queries run in sessions of their own)")
        return f"no such table: {name}"

    def type_of(self, declared: str) -> ir.ValueType:
        """The value type of a declared type name (the engine installs its own)."""
        return ir.ValueType(ir.ANY)

    def is_identity(self, declared: str) -> bool:
        return False

    def is_rowid_alias(self, declared: str) -> bool:
        return self.engine.is_rowid_alias(declared)
