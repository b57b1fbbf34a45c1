"""Everything that differs between database engines lives under this package.

An engine is what the engine-agnostic stages ask: the sqlglot dialect, the lexer, the DDL forms
the catalog builder accepts, the engine-only expression and FROM-item typing, the Python types of
values and what the generated code needs. `sqlite/` and `postgresql/` implement it; `registry.py`
maps the configuration's `engine` name to the implementation. No module outside this package
asks an engine's name (tests/test_architecture.py checks it): a stage that behaves differently on
some engine asks the engine a question named after the difference.

The interface is split by who asks, so that no stage imports the engine package's full type and
no import cycle ties them (tests/test_architecture.py counts annotation-only imports too):

- `EngineTraits`, here: the values and the questions about SQL text, nodes and value types that
  any stage may ask. This module is a leaf: it imports no stage.
- Each stage declares, next to the object it hands to the engine, the hooks it calls with that
  object, as a protocol extending `EngineTraits`: `catalog.state.CatalogEngine` (the schema
  state), `analyze.expressions.ExpressionEngine` and `analyze.statements.AnalysisEngine` (the
  analyzer), `lint.context.LintEngine` (a migration file being linted), `variants.VariantEngine`
  (the generation-time check of dynamic queries). A stage holds the narrowest one it needs.
- `base.Engine` composes them all; the engines subclass it, and only the pipeline, the CLI and
  the engines themselves name it.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Callable, Mapping, Protocol

from .. import ir

if TYPE_CHECKING:  # annotations only (sqlglot loads slowly)
    from sqlglot import exp

    from ..python.pytype import PyType

ArgType = Callable[["exp.Expr"], ir.Typed]


@dataclass(frozen=True)
class DDLForms:
    """The schema-language forms an engine has beyond the common core the catalog builder reads."""

    rowid_tables: bool = False  # tables have a rowid (STRICT, WITHOUT ROWID; primary key columns stay)
    table_inheritance: bool = False  # CREATE TABLE ... PARTITION OF / (LIKE t) / INHERITS (t)
    empty_tables: bool = False  # CREATE TABLE t ()
    data_clause: bool = False  # CREATE TABLE / MATERIALIZED VIEW ... AS query WITH [NO] DATA
    open_options: bool = False  # storage and constraint options (WITH (...), INCLUDE, DEFERRABLE...) skipped
    views_fixed_at_creation: bool = False  # a view's columns (and `*`) are fixed when it is created
    # A view's columns are named as SQLite names them: an unaliased expression by its text as written
    # (renames rewrite it), a repeated name numbered (a, a:1, a:2) instead of refused
    views_named_by_text: bool = False
    # What a view fixed at creation names a result column analysis has no name for (an operator, a
    # literal): PostgreSQL's ?column?, the name a query must use to read it
    unnamed_view_column: str = ""
    alter_lists: bool = False  # ALTER TABLE with several actions, ALTER COLUMN, RENAME CONSTRAINT, SET ...
    expression_defaults: bool = False  # DEFAULT takes an unparenthesised expression
    qualified_types: bool = False  # type names may be quoted, schema-qualified, or go on after their size
    # The only declared types a STRICT table takes (upper case); empty: no STRICT tables
    strict_types: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Utility:
    """A statement without result rows; `select` is text to analyse instead (CALL p() as SELECT p())."""

    select: str | None = None


class EngineTraits(Protocol):
    """What any stage may ask of an engine: values, and questions about SQL text, nodes and value
    types. The hooks that receive a stage's own objects are declared by that stage (see above)."""

    name: str  # the configuration's `engine` value
    dialect: str  # sqlglot's name for the dialect queries and schema are parsed with
    lexer: re.Pattern[str]  # codegen.sqltext's lexer pattern for this engine's strings, names, comments
    ddl: DDLForms
    folds_identifiers: bool  # an unquoted name is lower-cased (ID names the column id)
    rowid_columns: tuple[str, ...]  # hidden columns every rowid table has
    whole_row_references: bool  # a FROM item's bare name is its whole row (row_to_json(t))
    # A grouped SELECT reads only grouped columns (or its grouped primary key's table), a DISTINCT one
    # orders by what it selects (PostgreSQL); else a bare column reads any row of its group (SQLite)
    strict_grouping: bool
    distinct_from_names: bool  # two FROM items of one name are refused (else a reference to it is ambiguous)
    columns_written_once: bool  # an INSERT listing a column twice, an UPDATE setting one twice, are refused
    returning_reads_from: bool  # RETURNING sees UPDATE's FROM and DELETE's USING tables (else only the table changed)
    merge_statements: bool  # MERGE INTO target USING source ON ... WHEN ... (PostgreSQL 15+; SQLite has none)
    returning_old_new: bool  # RETURNING reads old.x and new.x, the row before and after the change (PostgreSQL 18)
    double_quoted_strings: bool  # an unknown "name" may be the string 'name'
    division_by_zero_is_null: bool  # x / 0 is NULL instead of an error
    case_parameter_is_text: bool  # CASE $1 WHEN ...: the parameter is resolved as text
    reports_unknown_functions: bool  # a call the function table does not know is a warning
    last_insert_id: bool  # :execlastid works (the rowid of the inserted row)
    rows_without_columns: bool  # SELECT FROM t returns rows without columns
    replace_into: bool  # REPLACE INTO t ... means INSERT OR REPLACE
    # An INSERT without a column list: its values fill every column but the generated ones (SQLite),
    # else every column, a generated one taking only DEFAULT (PostgreSQL)...
    implicit_insert_skips_generated: bool
    # ...and it may give fewer values than that, filling the first columns; the rest take their defaults.
    implicit_insert_takes_leading_columns: bool
    query_semicolons: bool  # every query in a file ends with `;` (sqlc's rule on PostgreSQL)
    question_mark_parameters: bool  # `?` is a parameter (else an operator: jsonb's key test)
    implicit_transactions: bool  # several statements sent as one query run in one transaction
    dollar_names: bool  # $name is a named parameter (else $ only numbers them: $1)
    at_operators: bool  # @ alone is an operator (PostgreSQL's absolute value, @>, <@); else only @name
    names_numbered_last: bool  # named parameters are numbered after every $N, in order of appearance
    parameter_marker: str  # the driver's positional marker in the SQL sent
    percent_escaped: bool  # the driver reads % as a marker's start, so a literal % is written %%
    # Written after a marker tested with IS [NOT] NULL (`sqlc.narg(x) IS NULL OR col = sqlc.narg(x)`):
    # the server types each marker on its own and that test gives it no type ('' when none is needed).
    null_test_cast: str
    true_literal: str  # a condition that always holds (ON 1, ON TRUE)
    python_types: "Mapping[str, PyType]"  # value types the driver does not hand over as they are
    enum_arrays_as_text: bool  # the driver returns an enum's array in its text form ({a,b})
    # What the generated code needs:
    template_folder: Path  # searched before codegen/render/templates: _runtime_engine.py.j2
    runtime_stdlib: frozenset[str]  # standard modules its part of _runtime.py imports
    runtime_imports: tuple[str, ...]  # driver modules its part of _runtime.py imports
    driver_module: str  # imported by the query modules
    connection_type: str  # the `conn` annotation of the query functions
    async_driver_module: str
    async_connection_type: str
    connection_imports: frozenset[str]  # modules the connection annotations name besides the driver
    # The async driver runs each call of a connection as a job on a thread of its own (aiosqlite):
    # an async function runs its sync twin whole, as one job (_runtime.job_async), so no other
    # task's statement runs between its statements and a call cancelled before its job starts
    # never runs. Else (psycopg) the async functions are written out against the async driver.
    async_runs_sync_job: bool
    direct_execute: bool  # conn.execute(sql, args) runs a statement (else through conn.cursor())
    # How a sync query function runs a statement (the cursor it returns): the connection's own
    # execute(), or a runtime call that picks a cursor taking the generated SQL's placeholders.
    execute_call: str
    batches_in_python: bool  # :batch* queries loop in Python (else executemany, result sets per item)
    counts_inserted_rows: bool  # an INSERT's rowcount tells whether a trigger skipped the row
    # The driver's rowcount (and so lastrowid's meaning) counts a statement's changes only once its
    # RETURNING rows are read: sqlite3 steps a statement once on execute
    counts_after_returned_rows: bool
    # The driver's DML words: it counts (rowcount) only a statement that begins with one of them,
    # and, in its default transaction mode, opens its implicit transaction only before one (sqlite3
    # leaves rowcount -1 for an INSERT, UPDATE or DELETE behind a WITH, and runs it in autocommit);
    # () when the driver counts every statement and has no implicit transactions of its own.
    rowcount_verbs: tuple[str, ...]
    typed_results: bool  # the driver loads each result column by its type (its values' type is provable)
    # The server types each parameter and refuses (or casts) one of another type than the column it
    # meets; else a value is compared and stored by the column's affinity, whatever its own type.
    typed_parameters: bool
    copy_from_stdin: bool  # :copyfrom streams COPY ... FROM STDIN (else executemany of the INSERT)
    # The driver has a pipeline mode (psycopg's conn.pipeline()): execute() returns before the
    # statement's result arrives, so its rowcount is -1 until the generated code waits for it,
    # and COPY cannot run in it (a :copyfrom runs its INSERT per row there instead).
    pipeline_mode: bool
    install_extra: str  # the extra of codegen-sql that installs the generated code's driver
    example_migration: str  # what `codegen init` writes: a first migration
    example_queries: str  # and a query file for it

    # -- catalog ---------------------------------------------------------------
    @abstractmethod
    def is_rowid_alias(self, declared: str) -> bool:
        """A PRIMARY KEY column of this declared type is the rowid (never NULL)."""

    def lookup_schema(self, schema: str | None) -> str | None:
        """The schema a qualified name is looked up in (None: the default one)."""
        return schema

    def created_schema(self, schema: str | None) -> str | None:
        """The schema a new table or view of this qualified name goes into (None: the default one)."""
        return schema

    def generation_notes(self) -> list[str]:
        """What generation for this engine cannot check here, said once per run."""
        return []

    def temporary_schema(self, schema: str) -> bool:
        """A table created as `schema.name` is temporary: gone when the migrating session ends."""
        return False

    # -- analysis --------------------------------------------------------------
    @abstractmethod
    def call_name(self, node: exp.Expr) -> str:
        """A call's function name, for messages."""

    @abstractmethod
    def is_aggregate(self, node: exp.Expr) -> bool:
        """The call aggregates rows (count, sum, array_agg...)."""

    def arithmetic_type(self, node: exp.Expr, a: ir.ValueType, b: ir.ValueType) -> ir.ValueType | None:
        """Engine-only arithmetic results (timestamp - timestamp), None when the common rules apply."""
        return None

    def operand_parameter_type(self, node: exp.Expr, other: ir.ValueType, parameter_first: bool) -> ir.ValueType | None:
        """The type a parameter operand of arithmetic node takes beside an operand of type other,
        where it is not other's (timestamp + $1 takes an interval); None: other's type."""
        return None

    def operand_problem(self, rule: str, label: str, node: exp.Expr,
                        operands: list[tuple[exp.Expr, ir.ValueType]]) -> tuple[str, exp.Expr] | None:
        """(message, where) when the engine refuses, preparing the query, values put together so:
        rule is compare (label: the operator), condition (WHERE...), arithmetic, common (CASE, UNION:
        one type for all), assign (label: the column; operands: the column's type, then the value),
        limit (LIMIT, OFFSET), cast (the value, then the type cast to), call (label: the function; its
        one argument), parameter (label: its name; operands: the values one parameter is compared
        with, in order). None: taken, or not the engine's to say
        before running it."""
        return None

    def result_node(self, item: exp.Expr, text: str | None) -> "exp.Expr | str":
        """What an unaliased result column is named after: the item itself, the part of it the
        engine names it after (PostgreSQL names x::int after x), or a name the engine gives it."""
        return item

    def function_result_name(self, node: exp.Func) -> str:
        """The name of a result column that is a call: the function as the engine prints it."""
        head = node.sql(dialect=self.dialect).split("(", 1)[0].strip()
        return head.lower() if head.replace("_", "").isalnum() else ""

    # The modules below are imported when first asked for: a generation run needs none of them.
    @property
    @abstractmethod
    def migrator(self) -> ModuleType:
        """The generated migration runner: RUNTIME_MODULES, runtime_module(name), accepts(db), DATABASE_DOC."""

    @property
    @abstractmethod
    def introspection(self) -> ModuleType:
        """Reads a live database for `verify --db` (drift: codegen.liveschema.Introspection)."""

    @property
    def sandbox(self) -> ModuleType | None:
        """The in-memory database `verify` runs queries in (schema_database, Sandbox, sandbox_refusal);
        None when the engine has none."""
        return None

    # -- generated code --------------------------------------------------------------
    def empty_slice(self, t: ir.ValueType, catalog: ir.Catalog) -> str:
        """What `IN (sqlc.slice(x))` holds for an empty list, so IN matches no row and NOT IN every row."""
        return ""

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<engine {self.name}>"


__all__ = ["ArgType", "DDLForms", "EngineTraits", "Utility"]
