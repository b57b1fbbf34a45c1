"""Generation prepares each variant of a dynamic query against SQLite itself.

The migrations are applied once per run to an in-memory database (only when some query has
variants, and the per-file cache skips files already checked); each statement is compiled with
EXPLAIN, which runs nothing.
"""

from __future__ import annotations

import sqlite3

from ... import ir
from ...catalog.build import SchemaState
from ...source import SourceFile
from .sandbox import sandbox_refusal, schema_database


class VariantCheck:
    def __init__(self, schema: list[SourceFile], state: SchemaState) -> None:
        # Migrations SQLite refuses are verify's to report; the queries that need what they
        # would have made fail their first variant as well, and are then not judged here.
        self.conn, self.sandbox, _ = schema_database(schema)

    def problem(self, query: ir.Query, sql: str, slots: tuple[int, ...]) -> str | None:
        try:
            self.conn.execute("EXPLAIN " + sql, [None] * len(slots)).fetchall()
        except sqlite3.Error as error:
            reason = self.sandbox.reason(error)
            return reason if sandbox_refusal(reason) else f"SQLite rejects it: {reason}"
        return None
