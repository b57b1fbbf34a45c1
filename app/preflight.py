"""What a migration makes sure of before its first step commits: the file is intact, and a copy of
it lies next to it.

Both only read the database, so they need not wait for each other or hold up the migration: they
run on a helper thread, each through a read-only connection of its own, while the first step's
statements run on the migrating connection. Two facts make that safe:

  * the migrating connection holds the write lock (BEGIN IMMEDIATE) before the helper starts, so
    no other writer can commit in between: the last committed state is the state the step starts
    from, and nobody can move it;
  * in WAL mode a reader sees the last committed state however much the writer has written since
    (its uncommitted pages sit in the -wal file, invisible to readers).

The step waits for the helper before its COMMIT: a corrupt file is refused and the step rolled
back, which leaves the database file as it was; a copy that could not be written rolls the step
back too. On a million sessions this takes the ~1.2 s the two cost off a ~7 s migration
(bench/migration.py).

A file still in a rollback journal cannot do this: there a writer that spills its cache must
shut readers out, and the switch to WAL rewrites the file's header, which must not happen to a
corrupt file. Such a file is checked first, alone (`refuse_corrupt`), before it is switched; only
the copy then runs beside the first step.
"""

from __future__ import annotations

import datetime
import re
import sqlite3
import threading
from pathlib import Path

from app.db import connect_sqlite
from app.errors import MigrationError


def refuse_corrupt(ro: sqlite3.Connection, path: Path) -> None:
    """Raise MigrationError when `path` fails PRAGMA quick_check (read through `ro`).

    Rebuilding tables on top of a damaged page fails halfway at best; refusing up front also
    keeps a corrupt file byte for byte as it was (no switch to WAL, no backup of it)."""
    try:
        problems = [str(row[0]) for row in ro.execute("PRAGMA quick_check(3)")]
    except sqlite3.DatabaseError as exc:
        problems = [str(exc)]
    if problems != ["ok"]:
        raise MigrationError(
            f"database {path} is corrupt ({'; '.join(problems)}); refusing to migrate it: restore it from a backup"
        )


class Preflight:
    """The corruption check and/or the backup copy of `path`, on a helper thread.

    Start it once the migrating connection holds the write lock; call `finish()` before the
    first step commits (it re-raises what went wrong) and `abandon()` when the step failed."""

    def __init__(self, path: Path, *, check: bool, backup_as: str | None) -> None:
        """check: run quick_check; backup_as: the version to name the copy after (None: no copy)."""
        self._path = path
        self._check = check
        self._backup_as = backup_as
        self._error: BaseException | None = None
        self._copy: Path | None = None
        self._thread = threading.Thread(target=self._run, name="migration-preflight", daemon=True)

    def start(self) -> Preflight:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            if self._check:
                ro = connect_sqlite(self._path, readonly=True)
                try:
                    refuse_corrupt(ro, self._path)
                finally:
                    ro.close()
            if self._backup_as is not None:
                self._copy = backup(self._path, self._backup_as)
        except BaseException as exc:  # handed to the migrating thread by finish()
            self._error = exc

    def finish(self) -> Path | None:
        """Wait; the copy's path (None if none was asked for); raise what the helper ran into."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._copy

    def abandon(self) -> MigrationError | None:
        """Wait after the step failed: the helper's own error, which explains the failure better
        (a corrupt page, a full disk) than the statement that ran into it; None if it had none."""
        self._thread.join()
        return self._error if isinstance(self._error, MigrationError) else None


def backup(db_path: Path, version: str) -> Path:
    """Copy the database next to its file with SQLite's backup API: <db>.bak-<version>-<UTC time>.

    The copy reads through a connection of its own, because SQLite refuses to back up from a
    connection that holds a write transaction (SQLITE_LOCKED, which Python's backup() would
    retry forever). It is written under a temporary name and renamed once complete: a copy cut
    short (kill -9, full disk) never bears a backup's name.
    """
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    base = f"{db_path.name}.bak-{version}-{stamp}"
    target = db_path.with_name(base)
    counter = 1
    while target.exists():
        counter += 1
        target = db_path.with_name(f"{base}-{counter}")
    # This run holds the migration lock, so .partial files found now are leftovers of a run cut short.
    leftover = re.compile(re.escape(db_path.name) + r"\.bak-(\d+_\w+|none)-\d{8}T\d{6}Z(-\d+)?\.partial(-journal)?")
    for stale in db_path.parent.iterdir():
        if leftover.fullmatch(stale.name):
            stale.unlink(missing_ok=True)
    partial = target.with_name(target.name + ".partial")
    source = connect_sqlite(db_path, readonly=True)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)
        copy.close()
        partial.replace(target)
    except (sqlite3.Error, OSError) as exc:
        copy.close()
        for name in (partial, partial.with_name(partial.name + "-journal")):
            name.unlink(missing_ok=True)
        raise MigrationError(f"cannot back up {db_path} to {target}: {exc}") from exc
    finally:
        source.close()
    return target
