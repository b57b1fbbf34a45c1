"""Queries the engine itself cannot run, whatever code calls them: these are not the generated
code's fault, so their functions are not called (and are listed at the end of the run).

PostgreSQL: each statement is prepared by the server with every parameter's type left for the
server to infer (`PREPARE h AS ...` with $n placeholders). A statement PostgreSQL refuses to
prepare with its own inferred types, for want of a function or an operator for them
(undefined_function, datatype_mismatch: sqlc's test inputs include such queries, since sqlc
never runs them), cannot run from any caller. Other refusals (an unknown column or table, a
syntax error) could come from the SQL codegen emits, so those queries are called, and fail. Statements PREPARE does not take (CALL, DDL) and
statements with sqlc.slice are not checked here: they are called.

Beyond that, a short list names what the schema or the application has to provide and does
not: a function registered by the application (SQLite), a schema function whose body reads a
table the schema never creates.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg

from codegen import ir
from codegen.python import naming

# (case name, function name) -> why the harness does not call it
NEEDS_WHAT_THE_CASE_LACKS = {
    ("fixtures/select", "unknown_function"): "calls my_udf, a function the application would register",
    ("conformance/postgresql/func_star_expansion__postgresql__pgx", "test_func_select_blog"):
        "the schema's function test_func_select_blog reads table blog, which the schema never creates",
    ("conformance/postgresql/on_duplicate_key_update__postgresql", "upsert_author"):
        "ON CONFLICT (name), and the schema has no unique constraint on name",
    ("conformance/postgresql/on_duplicate_key_update__postgresql", "upsert_author_named"):
        "ON CONFLICT (name), and the schema has no unique constraint on name",
}

# Bugs the harness found that are not fixed yet (issue 14's symptom list does not name them): the
# function is left out of the main run and test_known_bugs_still_crash, xfail(strict=True),
# calls it alone, so the day the bug is fixed that test passes, fails as strict, and the entry goes.
KNOWN_BUGS = {
    ("conformance/postgresql/update_array_index__postgresql__pgx", "update_author"):
        "a text[] column is typed list[str], but PostgreSQL arrays hold NULL elements "
        "(names[4332] = 'x' fills the gap with NULLs): the read fails validation",
}

_PREPARABLE = re.compile(r"^\s*(\(\s*)*(SELECT|INSERT|UPDATE|DELETE|WITH|VALUES|MERGE|TABLE)\b", re.IGNORECASE)


def _numbered(query: ir.Query) -> str:
    """The statement with psycopg's %s placeholders as $n (n: the parameter, as PREPARE wants)."""
    slots = iter(query.slots)
    return re.sub(r"%%|%s", lambda m: "%" if m.group() == "%%" else f"${next(slots) + 1}", query.sql)


def postgresql_refuses(conn: psycopg.Connection[Any], project: ir.Project) -> dict[tuple[str, int], str]:
    """(module, query's place in its file) -> PostgreSQL's reason, for every statement the server
    cannot prepare. A module defines one function per query, in the file's order."""
    refused = {}
    for qfile in project.files:
        module = naming.module_name(qfile.stem)
        for index, query in enumerate(qfile.queries):
            if any(p.slice for p in query.params) or not _PREPARABLE.match(query.sql):
                continue
            try:
                with conn.transaction(force_rollback=True):
                    conn.execute(f"PREPARE harness_check AS {_numbered(query)}".encode())
                    conn.execute("DEALLOCATE harness_check")
            except psycopg.Error as error:
                # Only what PostgreSQL's own type inference decides: an unknown function or
                # operator, a type it cannot reconcile. A column, table or syntax error could
                # come from the SQL codegen emitted, so those queries are called (and fail).
                if error.sqlstate in ("42883", "42804"):
                    refused[(module, index)] = f"{type(error).__name__}: {str(error).splitlines()[0]}"
            except StopIteration:
                continue  # the placeholder count differs from the slots: let the call tell
    return refused


def not_called(case: str, refused: dict[tuple[str, int], str], module: str, function: str, index: int) -> str | None:
    """Why the harness leaves this function (the index-th of its module) uncalled, or None."""
    known = KNOWN_BUGS.get((case, function))
    return (f"known bug: {known}" if known else None) or NEEDS_WHAT_THE_CASE_LACKS.get((case, function)) \
        or refused.get((module, index))
