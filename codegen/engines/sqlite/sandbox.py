"""An in-memory SQLite database built from the migrations, kept away from files.

`verify` runs every query there; generation prepares the variants of dynamic queries there.
"""

from __future__ import annotations

import sqlite3

from ...annotate import split_blocks
from ...errors import Diagnostic
from ...source import SourceFile
from ...sqltext import split_statements
from . import lexing

# Functions that read or write files, or load code (the CLI's fileio extension, extension loading,
# fts3_tokenizer's pointers): none has a place in a migration or a query run here.
_FILE_FUNCTIONS = {"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"}
_REFUSED_PRAGMAS = {
    "temp_store_directory": "it reaches files", "data_store_directory": "it reaches files",
    # The sandbox's own bounds, and the process's heap (shared with everything else running).
    "max_page_count": "the sandbox bounds its database's size",
    "hard_heap_limit": "it sets the whole process's heap", "soft_heap_limit": "it sets the whole process's heap",
}

# Bounds on what one statement may cost here. The database starts empty, so a migration's DDL and
# a data migration over its (empty) tables cost little; only a statement that makes its own rows
# (a recursive CTE without an end, a seed of huge blobs) reaches them, and it is stopped with a
# located reason instead of hanging or exhausting memory.
STEP_BUDGET = 50_000_000  # SQLite virtual-machine steps per statement (about a second)
_STEPS_PER_CALL = 10_000
_MAX_PAGES = 65_536  # 256 MiB at the default 4 KiB page: the database's size
_MAX_VALUE = 64 * 1024 * 1024  # one string or blob


class Sandbox:
    """sqlite3's authorizer keeps verify inside its in-memory database: ATTACH (and VACUUM INTO,
    which attaches its target), DETACH and anything else that reaches a file is denied, and the
    reason kept, so the statement's error can say why. A progress handler and SQLite's limits
    bound each statement's time and memory."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.refused: str | None = None
        self._calls = 0
        conn.execute(f"PRAGMA max_page_count = {_MAX_PAGES}")
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, _MAX_VALUE)
        conn.set_authorizer(self._authorize)
        conn.set_progress_handler(self._progress, _STEPS_PER_CALL)

    def _progress(self) -> int:
        self._calls += 1
        if self._calls * _STEPS_PER_CALL <= STEP_BUDGET:
            return 0
        self.refused = (f"a statement that runs for over {STEP_BUDGET:,} SQLite steps in its empty in-memory "
                        "database (a recursive CTE without an end, or a seed of that many rows?)")
        return 1  # interrupts the statement

    def _authorize(self, action: int, arg1: str | None, arg2: str | None, db: str | None, trigger: str | None) -> int:
        # SQLite asks at each statement's compilation, before it runs: each statement's budget starts here.
        self._calls = 0
        if action == sqlite3.SQLITE_ATTACH:
            self.refused = f"ATTACH of {arg1!r} (verify works on an in-memory database and touches no file)"
        elif action == sqlite3.SQLITE_DETACH:
            self.refused = f"DETACH of {arg1!r} (verify works on an in-memory database and touches no file)"
        elif action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in _FILE_FUNCTIONS:
            self.refused = f"{arg2}() (it reaches files or loads code)"
        elif action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() in _REFUSED_PRAGMAS:
            self.refused = f"PRAGMA {arg1} ({_REFUSED_PRAGMAS[(arg1 or '').lower()]})"
        else:
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY

    def reason(self, error: sqlite3.Error) -> str:
        """The refusal behind an error, if the authorizer caused it (and forget it)."""
        refused, self.refused = self.refused, None
        return f"verify refuses {refused}" if refused else str(error)


def apply_schema(conn: sqlite3.Connection, sandbox: Sandbox, sources: list[SourceFile]) -> list[Diagnostic]:
    """Run each migration statement; SQLite's complaints, located."""
    problems = []
    for source in sources:
        # A schema file may also hold annotated queries (sqlc reads only its DDL): not migrations.
        blocks, _ = split_blocks(source, lexing, allow_unannotated=True)
        queries = {block.statement.start for block in blocks}
        for stmt in split_statements(source, lexing):
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


def sandbox_refusal(reason: str) -> bool:
    return reason.startswith("verify refuses ")


def schema_database(sources: list[SourceFile]) -> tuple[sqlite3.Connection, Sandbox, list[Diagnostic]]:
    """A fresh in-memory database with the migrations applied (and what SQLite refused of them)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    sandbox = Sandbox(conn)
    return conn, sandbox, apply_schema(conn, sandbox, sources)
