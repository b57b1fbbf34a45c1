"""The migration runner on PostgreSQL: schema/postgresql/NNNNNN_name.up.sql in
order, rolled back with the .down.sql twins. app.migrate dispatches here for a
postgresql:// URL or a psycopg connection; the public API is app.migrate's.

The same guarantees as on SQLite, by PostgreSQL's own means:
  * the same schema_migrations table (version TEXT PRIMARY KEY, applied_at)
    and version strings ("000004_add_working_directory_to_threads");
  * each step runs in its own transaction together with its schema_migrations
    row: PostgreSQL DDL is transactional, so a failing step leaves nothing
    behind and the database stays at the previous version;
  * each step's transaction first takes a transaction-level advisory lock
    (pg_advisory_xact_lock) and only then reads the applied versions, under
    READ COMMITTED: concurrent migrators queue on the lock, each sees what the
    one before it committed, and no step runs twice;
  * a database recording a version this code does not know is refused before
    any statement of a migration runs (nothing is created or changed);
  * a failing statement is reported as file:line.
Foreign keys are enforced by PostgreSQL at every statement, so there is no
foreign_key_check step, and there is no file to copy: take a pg_dump before
migrating a database whose contents matter (RunResult.backup stays None).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
from psycopg import pq

from app.db import BUSY_TIMEOUT_S, connect_postgres, one_line
from app.errors import MigrationError, foreign_table_message
from app.migrate import (
    Migration,
    Progress,
    RunResult,
    Statement,
    Status,
    _plan,
    _status,
    load_migrations,
    read_step,
    refuse_transaction_control,
)

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema" / "postgresql"

# pg_advisory_xact_lock's key: b"appmigra" as a big-endian bigint. Any value
# works as long as every migrator of a database uses the same one.
LOCK_KEY = int.from_bytes(b"appmigra", "big")

# Statements that would end, nest or escape the runner's own transaction.
_TRANSACTION_CONTROL = frozenset(
    {"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE", "VACUUM"}
)

_CREATE_VERSIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version TEXT PRIMARY KEY,
    applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
)"""

PgConnection = psycopg.Connection[Any]


def status(db: str | PgConnection, schema_dir: str | Path | None = None) -> Status:
    """Applied, pending and unknown versions, without modifying anything."""
    migrations = load_migrations(schema_dir if schema_dir is not None else SCHEMA_DIR)
    if not isinstance(db, str):
        return _status(_applied(db), migrations)
    conn = connect_postgres(db, readonly=True)
    try:
        return _status(_applied(conn), migrations)
    finally:
        conn.close()


def run(
    db: str | PgConnection,
    direction: str,
    to: int | None,
    schema_dir: str | Path | None,
    progress: Progress | None,
) -> RunResult:
    migrations = load_migrations(schema_dir if schema_dir is not None else SCHEMA_DIR)
    if not isinstance(db, str):
        return _run(db, migrations, direction, to, progress)
    conn = connect_postgres(db, timeout=BUSY_TIMEOUT_S)
    try:
        return _run(conn, migrations, direction, to, progress)
    finally:
        conn.close()


def _run(
    conn: PgConnection,
    migrations: list[Migration],
    direction: str,
    to: int | None,
    progress: Progress | None,
) -> RunResult:
    if conn.info.transaction_status != pq.TransactionStatus.IDLE:
        raise MigrationError("cannot migrate inside an open transaction")
    steps: list[str] = []
    version: str | None = None
    while True:
        with conn.transaction():
            # Before any query of the transaction, whatever the connection's
            # default: each statement must see what earlier migrators committed.
            conn.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            _lock(conn)
            applied = _applied(conn)
            version = _status(applied, migrations).current
            plan = _plan(migrations, applied, direction, to)  # refuses unknown versions untouched
            if not plan:
                break  # leaving the block commits the (empty) transaction and frees the lock
            step = plan[0]
            if direction == "up":
                conn.execute(_CREATE_VERSIONS)
            _apply(conn, step, direction, version)
        steps.append(step.version)
        if progress is not None:
            progress(step.version)
    return RunResult(tuple(steps), None, version)


def _lock(conn: PgConnection) -> None:
    try:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
    except psycopg.errors.LockNotAvailable as exc:
        raise MigrationError(f"cannot lock the database for migrating: {one_line(exc)}") from exc


def _apply(conn: PgConnection, step: Migration, direction: str, version: str | None) -> None:
    run = read_step(step, direction, version)
    for statement in split_statements(run.text):
        refuse_transaction_control(run, statement, _TRANSACTION_CONTROL)
        try:
            # No parameters: psycopg sends the text as it is ('%' needs no escaping).
            conn.execute(statement.sql.encode("utf-8"))
        except psycopg.Error as exc:
            raise MigrationError(
                f"{run.path}:{statement.line}: {_message(exc)} (rolled back; {run.kept})"
            ) from exc
        if conn.info.transaction_status != pq.TransactionStatus.INTRANS:
            raise MigrationError(f"{run.path}:{statement.line}: the statement ended the migration's transaction")
    if direction == "up":
        conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (step.version,))
    else:
        conn.execute("DELETE FROM schema_migrations WHERE version = %s", (step.version,))


def _message(exc: psycopg.Error) -> str:
    """The server's one-line message; psycopg's str() adds LINE/caret lines."""
    primary = exc.diag.message_primary
    return " ".join(primary.split()) if primary else one_line(exc)


def _applied(conn: PgConnection) -> dict[str, str | None]:
    row = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return {}
    columns = [
        str(r[0])
        for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'schema_migrations'::regclass "
            "AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
        ).fetchall()
    ]
    if not {"version", "applied_at"} <= set(columns):
        raise MigrationError(foreign_table_message(columns))
    rows = conn.execute(
        "SELECT version, to_char(applied_at, 'YYYY-MM-DD HH24:MI:SS') FROM schema_migrations"
    ).fetchall()
    return {str(v): at for v, at in rows}


def split_statements(text: str) -> list[Statement]:
    """Cut a PostgreSQL migration file into single statements, keeping their lines.

    A semicolon ends a statement unless it sits in a '...' or E'...' string, a
    "quoted" identifier, a -- or (nested) /* */ comment, or a $tag$ ... $tag$
    dollar-quoted body (CREATE FUNCTION, DO).
    """
    statements: list[Statement] = []
    start = i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == ";":
            _append(statements, text, start, i + 1)
            start = i = i + 1
        elif ch == "-" and text.startswith("--", i):
            newline = text.find("\n", i)
            i = n if newline < 0 else newline + 1
        elif ch == "/" and text.startswith("/*", i):
            i = _block_comment_end(text, i)
        elif ch == "'":
            escapes = i > 0 and text[i - 1] in "eE" and (i < 2 or not (text[i - 2].isalnum() or text[i - 2] == "_"))
            i = _quoted_end(text, i, "'", escapes)
        elif ch == '"':
            i = _quoted_end(text, i, '"', False)
        elif ch == "$":
            i = _dollar_end(text, i)
        else:
            i += 1
    _append(statements, text, start, n)  # a last statement without ';'
    return statements


def _quoted_end(text: str, i: int, quote: str, backslash_escapes: bool) -> int:
    j = i + 1
    while j < len(text):
        if backslash_escapes and text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            if text.startswith(quote, j + 1):  # '' inside a string, "" inside an identifier
                j += 2
                continue
            return j + 1
        j += 1
    return len(text)


def _block_comment_end(text: str, i: int) -> int:
    depth, j = 0, i
    while j < len(text):
        if text.startswith("/*", j):
            depth, j = depth + 1, j + 2
        elif text.startswith("*/", j):
            depth, j = depth - 1, j + 2
            if depth == 0:
                return j
        else:
            j += 1
    return len(text)


def _dollar_end(text: str, i: int) -> int:
    """Past the closing tag of a $tag$ body starting at i; i + 1 for $1 or a lone $."""
    j = i + 1
    while j < len(text) and (text[j].isalnum() or text[j] == "_"):
        j += 1
    tag = text[i : j + 1]
    if j >= len(text) or text[j] != "$" or tag[1:2].isdigit() or (i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")):
        return i + 1
    close = text.find(tag, j + 1)
    return len(text) if close < 0 else close + len(tag)


def _append(statements: list[Statement], text: str, start: int, end: int) -> None:
    begin = start
    while begin < end:  # past leading space and comments: the statement starts at its first token
        if text[begin].isspace():
            begin += 1
        elif text.startswith("--", begin):
            newline = text.find("\n", begin, end)
            begin = end if newline < 0 else newline + 1
        elif text.startswith("/*", begin):
            begin = min(_block_comment_end(text, begin), end)
        else:
            break
    sql = text[begin:end].strip()
    if sql and sql != ";":
        statements.append(Statement(text.count("\n", 0, begin) + 1, sql))
