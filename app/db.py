"""Opening the service's SQLite database the one way the app relies on.

Every connection is in autocommit mode (isolation_level=None): the generated
query functions never commit, so callers group statements with an explicit
BEGIN IMMEDIATE ... COMMIT, and Python's sqlite3 must not open transactions
behind their back.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

BUSY_TIMEOUT_S = 30.0


class DatabaseOpenError(Exception):
    """The database could not be opened: a missing directory or file, or a
    file that is not a SQLite database. The message is one line, fit for a user."""


def connect(
    path: str | Path,
    *,
    create: bool = True,
    readonly: bool = False,
    timeout: float = BUSY_TIMEOUT_S,
) -> sqlite3.Connection:
    """Open `path` with WAL journaling, foreign keys ON and a busy timeout.

    create=False refuses a file that does not exist instead of creating an
    empty database (listing and status commands must not leave files behind).
    readonly=True opens it read-only (implies create=False) and leaves the
    journal mode alone, so the file is not modified at all.
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
        if not readonly:
            _enable_wal(conn, timeout)
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseOpenError(f"cannot open database {name}: {exc}") from exc
    return conn


def _enable_wal(conn: sqlite3.Connection, timeout: float) -> None:
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
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise DatabaseOpenError(f"cannot open database {path}: directory {parent} does not exist")
    if not path.exists() and not create:
        raise DatabaseOpenError(f"cannot open database {path}: no such file")
    mode = "ro" if readonly else "rwc" if create else "rw"
    # as_uri() percent-encodes the path, so names with '?' or '#' stay intact.
    return f"{path.resolve().as_uri()}?mode={mode}"
