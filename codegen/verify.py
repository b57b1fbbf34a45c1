"""`python -m codegen verify`: ask SQLite itself whether the analysis is right.

The migrations are applied to an in-memory database, then every query is
run there with NULL for each parameter inside a transaction that is rolled
back. SQLite rejecting a query, or returning a different number of columns
(or differently named plain columns) than the analysis says, is an error
located at the query.
"""

from __future__ import annotations

import re
import sqlite3
import sys

from . import ir, pipeline
from .annotate import split_blocks
from .config import Config
from .errors import CodegenError, Diagnostic
from .placeholders import SLICE_MARK
from .sources import query_files, schema_files
from .sqltext import split_statements
from .variants import checked_variants

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Functions that read or write files, or load code (the CLI's fileio extension, extension loading,
# fts3_tokenizer's pointers): none has a place in a migration or a query run here.
_FILE_FUNCTIONS = {"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"}
_FILE_PRAGMAS = {"temp_store_directory", "data_store_directory"}


class _Sandbox:
    """sqlite3's authorizer keeps verify inside its in-memory database: ATTACH (and VACUUM INTO,
    which attaches its target), DETACH and anything else that reaches a file is denied, and the
    reason kept, so the statement's error can say why."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.refused: str | None = None
        conn.set_authorizer(self._authorize)

    def _authorize(self, action: int, arg1: str | None, arg2: str | None, db: str | None, trigger: str | None) -> int:
        if action == sqlite3.SQLITE_ATTACH:
            self.refused = f"ATTACH of {arg1!r} (verify works on an in-memory database and touches no file)"
        elif action == sqlite3.SQLITE_DETACH:
            self.refused = f"DETACH of {arg1!r} (verify works on an in-memory database and touches no file)"
        elif action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in _FILE_FUNCTIONS:
            self.refused = f"{arg2}() (it reaches files or loads code)"
        elif action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() in _FILE_PRAGMAS:
            self.refused = f"PRAGMA {arg1} (it reaches files)"
        else:
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY

    def reason(self, error: sqlite3.Error) -> str:
        """The refusal behind an error, if the authorizer caused it (and forget it)."""
        refused, self.refused = self.refused, None
        return f"verify refuses {refused}" if refused else str(error)


def _apply_schema(conn: sqlite3.Connection, sandbox: _Sandbox, config: Config) -> list[Diagnostic]:
    problems = []
    for source in schema_files(config):
        # A schema file may also hold annotated queries (sqlc reads only its DDL): not migrations.
        blocks, _ = split_blocks(source, "sqlite", allow_unannotated=True)
        queries = {block.statement.start for block in blocks}
        for stmt in split_statements(source, "sqlite"):
            if stmt.start in queries:
                continue
            try:
                conn.execute(stmt.text)
            except sqlite3.Error as error:
                if "reserved for internal use" in str(error):
                    continue  # CREATE TABLE sqlite_master (...): declares what SQLite already has
                line, col = stmt.position()
                reason = sandbox.reason(error)
                message = reason if sandbox_refusal(reason) else f"SQLite rejects this migration statement: {reason}"
                problems.append(Diagnostic(source.path, line, col, message))
    return problems


def verify(config: Config) -> int:
    if config.engine != "sqlite":
        print("codegen: error: verify runs against SQLite only", file=sys.stderr)
        return 1
    project = pipeline.analyze(config)  # our own analysis must pass first
    conn = sqlite3.connect(":memory:", isolation_level=None)
    sandbox = _Sandbox(conn)
    problems = _apply_schema(conn, sandbox, config)
    positions = {}
    for source in query_files(config):
        blocks, _ = split_blocks(source, "sqlite")
        for block in blocks:
            positions[block.name] = (source.path, *block.statement.position())
    checked = statements = 0
    for qfile in project.files:
        for query in qfile.queries:
            path, line, col = positions.get(query.name, (query.file, query.line, 1))
            done = [_check(conn, sandbox, project, query, f"{query.name} ({label})" if label else query.name,
                           variant_sql, len(variant_slots), (path, line, col), problems)
                    for label, variant_sql, variant_slots in checked_variants(query)]
            checked += 1 if any(done) else 0
            statements += sum(done)
    if problems:
        raise CodegenError(problems)
    variants = f" ({statements} statements: each optional filter alone, all, none, every sort)" \
        if statements != checked else ""
    print(f"verify: {checked} queries{variants} prepared and run on SQLite {sqlite3.sqlite_version}; all agree")
    return 0


def _check(conn: sqlite3.Connection, sandbox: _Sandbox, project: object, query: ir.Query, name: str, sql: str,
           slot_count: int, where: tuple[str, int, int], problems: list[Diagnostic]) -> int:
    """Prepare one statement a query sends and compare its columns with the analysis; 1 if checked."""
    path, line, col = where
    for index, param in enumerate(query.params):
        sql = sql.replace(SLICE_MARK.format(name=index) + "?", "?") if param.slice else sql
    values: list[None] = [None] * slot_count
    try:
        # EXPLAIN compiles the statement without running it: errors here are SQLite's verdict.
        program = conn.execute("EXPLAIN " + sql, values).fetchall()
    except sqlite3.Error as error:
        reason = sandbox.reason(error)
        verdict = reason if sandbox_refusal(reason) else f"SQLite rejects it: {reason}"
        problems.append(Diagnostic(path, line, col, f"query {name}: {verdict}"))
        return 0
    counts = {row[3] for row in program if row[1] == "ResultRow"}  # p2: the column count
    described = _run_for_names(conn, sql, values)
    sandbox.refused = None
    if described is None:
        described = [""] * (max(counts) if counts else 0)
    ours = [c.name for c in query.columns]
    expanded = sum(_width(c, project) for c in query.columns)
    if expanded != len(described):
        problems.append(Diagnostic(path, line, col, f"query {name}: SQLite returns {len(described)} "
                                   f"columns, the analysis says {expanded}"))
        return 1
    if any(c.embed for c in query.columns):
        return 1
    for ours_name, theirs in zip(ours, described):
        if _PLAIN.match(theirs) and ours_name and ours_name.lower() != theirs.lower():
            problems.append(Diagnostic(path, line, col, f"query {name}: SQLite names a column "
                                       f"{theirs!r}, the analysis says {ours_name!r}"))
    return 1


def sandbox_refusal(reason: str) -> bool:
    return reason.startswith("verify refuses ")


def _run_for_names(conn: sqlite3.Connection, sql: str, values: list[None]) -> list[str] | None:
    """Column names as SQLite reports them, from a run that is rolled back; None if it fails at run time
    (NULL into a NOT NULL column, say), which says nothing about the query's shape."""
    conn.execute("SAVEPOINT verify")
    try:
        cursor = conn.execute(sql, values)
        names = [d[0] for d in cursor.description or ()]
        cursor.fetchall()
        return names
    except sqlite3.Error:
        return None
    finally:
        conn.execute("ROLLBACK TO verify")
        conn.execute("RELEASE verify")


def _width(column: object, project: object) -> int:
    embed = getattr(column, "embed", None)
    if not embed:
        return 1
    tables = getattr(getattr(project, "catalog"), "tables")
    table = next(t for t in tables if t.key == embed.lower())
    return len(table.columns)
