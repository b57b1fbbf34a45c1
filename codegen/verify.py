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
from typing import Any, Callable

from . import ir, pipeline
from .annotate import split_blocks
from .config import Config
from .engines.registry import engine_named
from .errors import CodegenError, Diagnostic
from .placeholders import SLICE_MARK
from .sources import query_files, schema_files
from .variants import checked_variants

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def verify(config: Config) -> int:
    engine = engine_named(config.engine)
    if engine.sandbox is None:  # an in-memory database to run the queries in: SQLite's
        print("codegen: error: verify runs against SQLite only", file=sys.stderr)
        return 1
    project = pipeline.analyze(config)  # our own analysis must pass first
    conn, sandbox, problems = engine.sandbox.schema_database(schema_files(config))
    refusal = engine.sandbox.sandbox_refusal
    positions = {}
    for source in query_files(config):
        blocks, _ = split_blocks(source, engine)
        for block in blocks:
            positions[block.name] = (source.path, *block.statement.position())
    checked = statements = 0
    for qfile in project.files:
        for query in qfile.queries:
            path, line, col = positions.get(query.name, (query.file, query.line, 1))
            done = [_check(conn, sandbox, refusal, project, query, f"{query.name} ({label})" if label else query.name,
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


def _check(conn: sqlite3.Connection, sandbox: Any, refusal: Callable[[str], bool], project: object, query: ir.Query, name: str, sql: str,
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
        verdict = reason if refusal(reason) else f"SQLite rejects it: {reason}"
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
