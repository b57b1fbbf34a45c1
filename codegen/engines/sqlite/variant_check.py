"""Generation prepares each query, and each variant of a dynamic query, against SQLite itself.

The migrations are applied once per run to an in-memory database (the per-file cache skips files
already checked); each statement is compiled with EXPLAIN, which runs nothing. A statement SQLite
cannot compile fails at every call of its function, so it is refused here, not at run time.
"""

from __future__ import annotations

import sqlite3

from ... import ir
from ...catalog.build import SchemaState
from ...source import SourceFile
from .sandbox import sandbox_refusal, schema_database

# What an application brings to its own connection and this database lacks: a function or
# collation it registers, a module or table its extensions load (`dbstat`, spatialite's). A query
# needing one is judged by `verify --db` against the real database, not here.
_SUPPLIED_AT_RUN_TIME = ("no such function:", "no such collation sequence:", "no such module:", "no such table:")
# Errors no migration can cause: the text itself is not SQLite's SQL.
_SYNTAX = ("syntax error", "unrecognized token", "incomplete input")


class VariantCheck:
    def __init__(self, schema: list[SourceFile], state: SchemaState) -> None:
        # Migrations SQLite refuses are verify's to report; the queries that need what they
        # would have made fail their first variant as well, and are then not judged here.
        self.conn, self.sandbox, problems = schema_database(schema)
        self.schema_complete = not problems

    def problem(self, query: ir.Query, sql: str, slots: tuple[int, ...]) -> str | None:
        reason = self._compile_error(sql, slots)
        if reason is None or sandbox_refusal(reason):
            return reason
        return f"SQLite rejects it: {reason}"

    def _compile_error(self, sql: str, slots: tuple[int, ...]) -> str | None:
        """SQLite's error compiling the statement (or the sandbox's refusal), None if it compiles."""
        try:
            self.conn.execute("EXPLAIN " + sql, [None] * len(slots)).fetchall()
        except sqlite3.Error as error:
            return self.sandbox.reason(error)
        return None

    def query_problem(self, query: ir.Query, text: str) -> tuple[str, int] | None:
        """Why SQLite cannot compile the query as written, when that is certain here: a syntax
        error always; another error when every migration applied, unless an application could
        supply what is missing."""
        reason = self._compile_error(query.sql, query.slots)
        if reason is None or sandbox_refusal(reason) or reason.startswith(_SUPPLIED_AT_RUN_TIME):
            return None
        if not self.schema_complete and not any(mark in reason for mark in _SYNTAX):
            return None
        # SQLite's message has no position (Python's sqlite3 does not expose sqlite3_error_offset).
        return f"SQLite {sqlite3.sqlite_version} rejects it, so every call would fail: {reason}", 0
