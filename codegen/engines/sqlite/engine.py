"""The SQLite engine (the default): what the engine-agnostic stages ask of it."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from sqlglot import exp

from ... import ir
from .. import ArgType, DDLForms
from ..base import Engine
from . import call_shape, dialect, functions, join_keys, lexing, pytypes, scaffold, types

if TYPE_CHECKING:
    from ...catalog.tables import ColumnDef
    from ...source import SourceFile
    from ...variants import VariantCheck
    from ...analyze.expressions import ExpressionTyping
    from ...catalog.build import SchemaState
    from ...lint.context import FileContext
    from ...lint.ddl import StatementView
    from ...lint.findings import Finding


def _blob_literal(an: ExpressionTyping, node: exp.Expr, scope: object) -> ir.Typed:
    """X'61' is a BLOB on SQLite (a bit string on PostgreSQL): bytes, so a parameter beside it,
    COALESCE(blob_col, X'00', ?), is bytes too."""
    return ir.Typed(ir.ValueType(ir.BYTES), False)


class SQLiteEngine(Engine):
    name = "sqlite"
    dialect = dialect.NAME
    lexer = lexing.lexer
    ddl = DDLForms(rowid_tables=True, strict_types=frozenset({"INT", "INTEGER", "REAL", "TEXT", "BLOB", "ANY"}),
                   views_named_by_text=True)
    folds_identifiers = False
    rowid_columns = ("rowid", "oid", "_rowid_")
    whole_row_references = False
    strict_grouping = False
    distinct_from_names = False
    columns_written_once = False
    returning_reads_from = False  # "the auxiliary tables named in the FROM clause may not participate"
    merge_statements = False
    returning_old_new = False
    double_quoted_strings = True
    division_by_zero_is_null = True
    expression_handlers = {"HexString": _blob_literal}
    case_parameter_is_text = False
    reports_unknown_functions = True
    last_insert_id = True
    rows_without_columns = False
    replace_into = True
    implicit_insert_skips_generated = True
    implicit_insert_takes_leading_columns = False
    query_semicolons = False
    question_mark_parameters = True
    implicit_transactions = False
    dollar_names = True
    at_operators = False
    names_numbered_last = False
    parameter_marker = "?"
    percent_escaped = False
    null_test_cast = ""
    true_literal = "1"
    python_types = pytypes.PYTHON_TYPES
    enum_arrays_as_text = False
    template_folder = Path(__file__).parent / "templates"
    runtime_stdlib = frozenset({"asyncio", "datetime", "decimal", "json", "re", "sqlite3"})
    runtime_imports = ()
    driver_module = "sqlite3"
    connection_type = "sqlite3.Connection"
    async_driver_module = "aiosqlite"
    async_connection_type = "aiosqlite.Connection"
    connection_imports = frozenset()
    async_runs_sync_job = True
    direct_execute = True
    execute_call = "conn.execute"
    batches_in_python = True
    counts_inserted_rows = True
    counts_after_returned_rows = True
    rowcount_verbs = ("INSERT", "UPDATE", "DELETE", "REPLACE")
    typed_results = False  # a value's type is its own, whatever the column's
    typed_parameters = False
    copy_from_stdin = False
    pipeline_mode = False
    install_extra = "async"  # aiosqlite; sqlite3 is in the standard library
    example_migration = scaffold.MIGRATION
    example_queries = scaffold.QUERIES

    def install_catalog(self, state: "SchemaState") -> None:
        state.type_of = types.value_type  # type: ignore[method-assign]

    def is_rowid_alias(self, declared: str) -> bool:
        return types.is_rowid_alias(declared)

    def created_schema(self, schema: str | None) -> str | None:
        return None if schema is not None and schema.lower() in ("temp", "main") else schema

    def temporary_schema(self, schema: str) -> bool:
        return schema.lower() == "temp"

    def lookup_schema(self, schema: str | None) -> str | None:
        # main (the database file) and temp are where every table of the schema lives, as
        # created_schema puts them: main.authors is authors.
        return self.created_schema(schema)

    def cast_type(self, state: "SchemaState", to: exp.DataType) -> ir.ValueType:
        if to.this == exp.DataType.Type.BOOLEAN:
            return ir.ValueType(ir.BOOL)  # sqlglot's SQLite dialect would spell it INTEGER
        return types.value_type(to.sql(dialect="sqlite"))

    def call_type(self, an: "ExpressionTyping", node: exp.Expr, arg_type: ArgType, grouped: bool,
                  filtered: bool) -> ir.Typed | None:
        return functions.infer_call(node, arg_type, grouped=grouped, filtered=filtered)

    @property
    def migrator(self) -> ModuleType:
        from . import migrator

        return migrator

    @property
    def introspection(self) -> ModuleType:
        from . import introspect

        return introspect

    @property
    def sandbox(self) -> ModuleType | None:
        from . import sandbox

        return sandbox

    def variant_check(self, schema: "list[SourceFile]", state: "SchemaState") -> "VariantCheck":
        from .variant_check import VariantCheck

        return VariantCheck(schema, state)

    def compares_exactly(self, key: "ColumnDef", value: exp.Expr, value_column: "ColumnDef | None") -> bool:
        return join_keys.compares_exactly(key, value, value_column)

    def call_name(self, node: exp.Expr) -> str:
        return call_shape.call_name(node)

    def is_aggregate(self, node: exp.Expr) -> bool:
        return functions.is_aggregate(node)


    def lint_statement(self, ctx: "FileContext", view: "StatementView") -> None:
        from . import lint_rules

        lint_rules.check(ctx, view)

    def lint_file_end(self, ctx: "FileContext") -> None:
        from . import lint_rules

        lint_rules.finish(ctx)

    def lint_query(self, view: "StatementView", min_version: tuple[int, ...] | None) -> "list[Finding]":
        from . import lint_rules

        return lint_rules.feature_findings(view, min_version)


SQLITE = SQLiteEngine()
