"""Opening the service's database the one way the app relies on: a SQLite
file, or a PostgreSQL server given as a postgresql:// URL.

Every connection is in autocommit mode: the generated query functions never
commit, so callers group statements in explicit transactions (BEGIN
IMMEDIATE ... COMMIT on SQLite, psycopg's conn.transaction() on PostgreSQL),
and neither driver may open transactions behind their back.

PostgreSQL connections also run with TimeZone = 'UTC', so that TIMESTAMP
columns filled from CURRENT_TIMESTAMP hold UTC wall-clock time, as SQLite's
CURRENT_TIMESTAMP does; psycopg (the `postgresql` extra) is imported only
when a URL is opened.
"""

from __future__ import annotations

import re
import sqlite3
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    import psycopg

    Connection: TypeAlias = sqlite3.Connection | psycopg.Connection[Any]
else:
    Connection: TypeAlias = Any

BUSY_TIMEOUT_S = 30.0
CONNECT_TIMEOUT_S = 10
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class DatabaseOpenError(Exception):
    """The database could not be opened: a missing directory or file, a file
    that is not a SQLite database, an unreachable PostgreSQL server. The
    message is one line, fit for a user."""


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def is_postgres(conn: object) -> bool:
    """Whether `conn` is a psycopg connection (without importing psycopg)."""
    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and isinstance(conn, psycopg.Connection)


def connect(
    target: str | Path,
    *,
    create: bool = True,
    readonly: bool = False,
    timeout: float = BUSY_TIMEOUT_S,
) -> Connection:
    """A SQLite connection for a path, a psycopg one for a postgresql:// URL.

    See connect_sqlite and connect_postgres; `create` only means something
    for SQLite (a PostgreSQL database must exist already).
    """
    if is_postgres_url(target):
        return connect_postgres(str(target), readonly=readonly, timeout=timeout)
    return connect_sqlite(target, create=create, readonly=readonly, timeout=timeout)


def connect_sqlite(
    path: str | Path,
    *,
    create: bool = True,
    readonly: bool = False,
    timeout: float = BUSY_TIMEOUT_S,
    wal: bool = True,
) -> sqlite3.Connection:
    """Open `path` with WAL journaling, foreign keys ON and a busy timeout.

    create=False refuses a file that does not exist instead of creating an
    empty database (listing and status commands must not leave files behind).
    readonly=True opens it read-only (implies create=False) and leaves the
    journal mode alone, so the file is not modified at all. wal=False leaves
    the journal mode alone too, for a caller that switches with enable_wal()
    later (the migration runner, after checking the file).
    """
    name = str(path)
    if name == ":memory:":
        conn = sqlite3.connect(name, timeout=timeout, isolation_level=None)
    else:
        conn = sqlite3.connect(
            _uri(Path(path), create=create and not readonly, readonly=readonly),
            uri=True,
            timeout=timeout,
            isolation_level=None,
        )
    try:
        # Also set through the PRAGMA so the timeout is visible to anyone
        # inspecting the connection, and holds for every statement.
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        # The first read of the header: this is where a file that is not a
        # database fails ("file is not a database").
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if wal and not readonly:
            enable_wal(conn, timeout)
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseOpenError(f"cannot open database {name}: {exc}") from exc
    return conn


def connect_postgres(url: str, *, readonly: bool = False, timeout: float = BUSY_TIMEOUT_S) -> psycopg.Connection[Any]:
    """Connect to the PostgreSQL database `url` names (postgresql://...).

    Autocommit, TimeZone UTC, and lock_timeout = `timeout`: a statement waits
    that long for a lock another connection holds, then fails, as SQLite's
    busy timeout does. readonly=True makes every transaction READ ONLY.
    Options already in the URL (?options=...) are kept.
    """
    shown = redact(url)
    try:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict
    except ImportError:
        raise DatabaseOpenError(
            f"cannot open database {shown}: PostgreSQL needs psycopg (pip install 'psycopg[binary]')"
        ) from None
    settings = ["-c TimeZone=UTC", f"-c lock_timeout={int(timeout * 1000)}"]
    if readonly:
        settings.append("-c default_transaction_read_only=on")
    try:
        given = conninfo_to_dict(url).get("options")
        options = " ".join(([str(given)] if given else []) + settings)
        conn = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S, options=options)
    except psycopg.Error as exc:
        raise DatabaseOpenError(f"cannot open database {shown}: {one_line(exc)}") from exc
    return conn


def redact(url: str) -> str:
    """The URL without its password, fit for messages."""
    return re.sub(r"^(\w+://[^:/?#@]*):[^@/?#]*@", r"\1:***@", url)


def one_line(exc: BaseException) -> str:
    """A driver error as one line: psycopg's messages carry hints on more lines."""
    return " ".join(str(exc).split()) or type(exc).__name__


def enable_wal(conn: sqlite3.Connection, timeout: float = BUSY_TIMEOUT_S) -> None:
    """Switch to WAL, which lets readers run while a session is being written.

    A no-op once the file is in WAL mode. The switch itself needs the file to
    itself for a moment, and SQLite reports "database is locked" at once
    instead of calling the busy handler when another process holds a lock
    (seen with concurrent first migrations), so wait here instead.
    """
    deadline = time.monotonic() + timeout
    delay = 0.002
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            return
        except sqlite3.OperationalError as exc:
            busy = exc.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
            if not busy or time.monotonic() >= deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def _uri(path: Path, *, create: bool, readonly: bool) -> str:
    if path.is_dir():
        raise DatabaseOpenError(f"cannot open database {path}: it is a directory")
    if path.exists() and not path.is_file():  # a FIFO, socket or device: opening it would block or worse
        raise DatabaseOpenError(f"cannot open database {path}: not a regular file")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise DatabaseOpenError(f"cannot open database {path}: directory {parent} does not exist")
    if not path.exists() and not create:
        raise DatabaseOpenError(f"cannot open database {path}: no such file")
    mode = "ro" if readonly else "rwc" if create else "rw"
    # as_uri() percent-encodes the path, so names with '?' or '#' stay intact.
    return f"{path.resolve().as_uri()}?mode={mode}"
