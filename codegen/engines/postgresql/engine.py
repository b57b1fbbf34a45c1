"""The PostgreSQL engine (psycopg 3): what the engine-agnostic stages ask of it."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from sqlglot import exp

from ... import ir
from ...analyze.result_names import alias_column_names
from ...analyze.scope import Source
from ...errors import Located
from .. import ArgType, DDLForms, Utility
from ..base import Engine
from . import (builtins, catalog, coherence, expressions, functions, generated, grammar, join_keys, lexing, naming, pytypes, relations,
               scaffold, updatable, utility)
from .dialect import NAME as DIALECT_NAME

if TYPE_CHECKING:
    from ...catalog.tables import ColumnDef, TableDef
    from ...source import SourceFile
    from ...variants import VariantCheck
    from ...lint.context import FileContext
    from ...lint.ddl import StatementView
    from ...analyze.scope import Scope
    from ...analyze.expressions import ExpressionTyping
    from ...analyze.statements import Analyzer
    from ...catalog.build import SchemaState


class PostgreSQLEngine(Engine):
    name = "postgresql"
    dialect = DIALECT_NAME
    lexer = lexing.lexer
    ddl = DDLForms(table_inheritance=True, empty_tables=True, data_clause=True, open_options=True,
                   views_fixed_at_creation=True, alter_lists=True, expression_defaults=True, qualified_types=True,
                   unnamed_view_column="?column?")
    folds_identifiers = True
    rowid_columns = ()
    whole_row_references = True
    strict_grouping = True
    distinct_from_names = True
    columns_written_once = True
    returning_reads_from = True
    merge_statements = True
    returning_old_new = True
    double_quoted_strings = False
    division_by_zero_is_null = False
    case_parameter_is_text = True
    reports_unknown_functions = False
    last_insert_id = False
    rows_without_columns = True
    replace_into = False
    implicit_insert_skips_generated = False
    implicit_insert_takes_leading_columns = True
    query_semicolons = True
    question_mark_parameters = False
    implicit_transactions = True
    dollar_names = False
    at_operators = True
    names_numbered_last = True
    parameter_marker = "%s"
    percent_escaped = True
    null_test_cast = "::text"  # every type has a cast to text; IS NULL is the same whatever the type
    true_literal = "TRUE"
    python_types = pytypes.PYTHON_TYPES
    enum_arrays_as_text = True  # psycopg returns an enum's array as its text form
    template_folder = Path(__file__).parent / "templates"
    runtime_stdlib = frozenset({"asyncio", "datetime", "json", "operator", "re", "types"})
    runtime_imports = ("psycopg.adapt", "psycopg.postgres", "psycopg.pq", "psycopg.rows", "psycopg.types.json",
                       "psycopg.types.multirange", "psycopg.types.range")
    driver_module = "psycopg"
    connection_type = "psycopg.Connection[typing.Any]"
    async_driver_module = "psycopg"
    # The connection annotation names typing.Any, whatever the signatures need.
    async_connection_type = "psycopg.AsyncConnection[typing.Any]"
    connection_imports = frozenset({"typing"})
    async_runs_sync_job = False
    direct_execute = False
    execute_call = "_runtime.cursor(conn).execute"  # a RawCursor cursor_factory takes $1
    batches_in_python = False
    counts_inserted_rows = False
    counts_after_returned_rows = False
    rowcount_verbs = ()
    typed_results = True
    typed_parameters = True
    copy_from_stdin = True
    pipeline_mode = True
    install_extra = "postgresql"
    example_migration = scaffold.MIGRATION
    example_queries = scaffold.QUERIES
    expression_handlers = expressions.HANDLERS

    def install_catalog(self, state: "SchemaState") -> None:
        catalog.install(state)

    def is_rowid_alias(self, declared: str) -> bool:
        return False

    def type_name_key(self, declared: str) -> str:
        """One spelling per type, so an override's sql_type matches a column however either is
        written: int4 and integer, timestamptz and timestamp with time zone, pg_catalog.text and
        text; an array keeps its brackets (text[] is not text)."""
        name, dims = catalog.normalise(declared)
        return catalog.SYNONYMS.get(name, name).upper() + "[]" * dims

    def hidden_columns(self, table: "TableDef") -> tuple[str, ...]:
        """Every table's system columns, as int: `RETURNING (xmax = 0) AS inserted` (an upsert's
        insert), `tableoid::regclass` (a partition's name). ctid (a tid, read as text) is left out."""
        return () if table.is_view else ("tableoid", "xmin", "xmax", "cmin", "cmax")

    def hidden_column_type(self, name: str) -> str:
        return "oid" if name == "tableoid" else "xid" if name in ("xmin", "xmax") else "cid"

    def created_schema(self, schema: str | None) -> str | None:
        # public is the default schema, however it was reached: `CREATE TABLE public.users` (as
        # pg_dump writes every table) is the table `CREATE TABLE users` makes, and named as it is
        # (models.User, not models.PublicUser; sqlc names it so too).
        return None if schema == "public" else schema

    def lookup_schema(self, schema: str | None) -> str | None:
        # pg_temp (the session's own temporary schema) is searched first, before public.
        return None if schema is not None and (schema.lower() in ("public", "pg_catalog")
                                               or self.temporary_schema(schema)) else schema

    def generation_notes(self) -> list[str]:
        if grammar.available():
            return []
        return ["PostgreSQL's own parser (pglast, GPL-3.0) is not installed, so a query it cannot parse is not "
                "refused when generating (`verify --db` still prepares every query): pip install 'codegen-sql[pgparse]'"]

    def temporary_schema(self, schema: str) -> bool:
        return schema.lower().startswith("pg_temp")

    def cast_type(self, state: "SchemaState", to: exp.DataType) -> ir.ValueType:
        return state.type_of(to.sql(dialect=self.dialect))

    def call_type(self, an: "ExpressionTyping", node: exp.Expr, arg_type: ArgType, grouped: bool,
                  filtered: bool) -> ir.Typed | None:
        """Checked against the known functions, its parameters typed by the function's argument
        types, then its result."""
        known = functions.visible(an.state.functions, node, an.state.search_path)
        problem = functions.check(node, known)
        if problem is not None:
            dot = node.parent
            at = dot.this if isinstance(dot, exp.Dot) and dot.expression is node else node  # billing.f(...)
            raise Located(problem, an.offset_of(at))
        unresolved = self._unresolved(an, node, arg_type)
        if unresolved is not None:
            offset = an.offset_of(unresolved[1])
            raise Located(unresolved[0], offset if offset is not None else an.offset_of(node))
        for arg, typed, name in functions.arg_hints(node, known):
            an.bind(arg, typed, name)
        for param, wanted in functions.derived_arg_types(node, arg_type):  # range_merge(r, $1): $1 is r's type
            an.bind(param, ir.Typed(wanted, False), None)
        return functions.infer_call(node, arg_type, grouped=grouped, filtered=filtered, functions=known)

    def _unresolved(self, an: "ExpressionTyping", node: exp.Expr, arg_type: ArgType) -> tuple[str, exp.Expr] | None:
        """A call no built-in function takes (builtins.py), judged where the arguments are as written."""
        call = node.this if isinstance(node, (exp.Window, exp.Filter)) else node
        name = functions.written_name(call)
        if name is None:
            return None
        args = functions.call_args(call)
        if any(isinstance(a, exp.Kwarg) for a in args):
            return None
        defined = {n for kind in ("FUNCTION", "PROCEDURE", "AGGREGATE") for n in catalog.created(an.state, kind)}
        extensions = sorted(catalog.created(an.state, "EXTENSION"))
        if builtins.unknown(name, extensions, defined | set(an.state.functions)):
            unknown = getattr(an, "unknown_calls", None)
            if unknown is not None:  # a warning (analyze/findings.py), an error under strict
                unknown.append((name, an.offset_of(call)))
            return None
        return builtins.resolution_problem(name, call, [(a, arg_type(a).type) for a in args], extensions,
                                           defined | set(an.state.functions))

    @property
    def migrator(self) -> ModuleType:
        from . import migrator

        return migrator

    @property
    def introspection(self) -> ModuleType:
        from . import introspect

        return introspect

    def variant_check(self, schema: "list[SourceFile]", state: "SchemaState") -> "VariantCheck":
        from .variant_check import VariantCheck

        return VariantCheck(self, schema, state)

    def compares_exactly(self, key: "ColumnDef", value: exp.Expr, value_column: "ColumnDef | None") -> bool:
        return join_keys.compares_exactly(key, value, value_column)

    def writable_view_columns(self, tree: exp.Expr, state: "SchemaState") -> "tuple[TableDef, list[ColumnDef | None]] | None":
        return updatable.writable_columns(tree, state)

    def call_name(self, node: exp.Expr) -> str:
        return str(functions.pg_name(node) or node.name)

    def is_aggregate(self, node: exp.Expr) -> bool:
        return functions.is_aggregate(node)

    def arithmetic_type(self, node: exp.Expr, a: ir.ValueType, b: ir.ValueType) -> ir.ValueType | None:
        return expressions.temporal_arithmetic(node, a, b)

    def operand_parameter_type(self, node: exp.Expr, other: ir.ValueType, parameter_first: bool) -> ir.ValueType | None:
        return expressions.operand_parameter_type(node, other, parameter_first)

    def operand_problem(self, rule: str, label: str, node: exp.Expr,
                        operands: list[tuple[exp.Expr, ir.ValueType]]) -> tuple[str, exp.Expr] | None:
        if rule == "compare":
            return coherence.compared(node, operands, label)
        if rule == "condition":
            return coherence.condition(label, *operands[0])
        if rule == "arithmetic":
            return coherence.arithmetic(node, operands)
        if rule == "common":
            return coherence.common(label, operands)
        if rule == "assign":
            return coherence.assigned(label, operands[0][1], *operands[1])
        if rule == "limit":
            return coherence.limit(label, *operands[0])
        if rule == "cast":
            return coherence.cast(operands[0][0], operands[1][1], operands[0][1])
        if rule == "call":
            return coherence.called(label, *operands[0])
        if rule == "parameter":
            return coherence.shared_parameter(label, operands)
        return None

    def from_item(self, an: "Analyzer", node: exp.Expr, alias: str, scope: "Scope") -> Source | None:
        if isinstance(node, exp.Table) and node.args.get("rows_from"):
            return relations.rows_from(an, node, alias, scope)
        if isinstance(node, exp.Table) and isinstance(node.this, exp.JSONTable):
            return relations.json_table(an, node.this, alias, alias_column_names(node, folds=True), scope)
        if isinstance(node, exp.Table) and isinstance(node.this, (exp.Anonymous, exp.Func)):
            return relations.table_function(an, node.this, alias, alias_column_names(node, folds=True), scope)
        if isinstance(node, exp.Unnest):
            return relations.unnest(an, node, alias, scope)
        if isinstance(node, exp.Lateral):
            return relations.lateral(an, node, scope)
        return None

    def missing_table(self, node: exp.Table, alias: str) -> Source | None:
        return relations.value_function(node, alias)

    def result_node(self, item: exp.Expr, text: str | None) -> exp.Expr | str:
        return naming.result_node(item, text)

    def function_result_name(self, node: exp.Func) -> str:
        name = (functions.pg_name(node) or "").lower()
        return name if name.replace("_", "").isalnum() else ""

    def utility(self, state: "SchemaState", text: str) -> Utility | None:
        return utility.classify(state, text)

    def empty_slice(self, t: ir.ValueType, catalog: ir.Catalog) -> str:
        return generated.empty_slice(t, catalog)


    def lint_statement(self, ctx: "FileContext", view: "StatementView") -> None:
        from . import lint_rules

        lint_rules.check(ctx, view)


POSTGRESQL = PostgreSQLEngine()
