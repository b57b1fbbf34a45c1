"""What a migration makes sure of before its first step commits: the file is intact, and a copy of
it lies next to it.

Both only read the database, so they need not wait for each other or hold up the migration: they
run on a helper thread, through a read-only connection of its own, while the first step's
statements run on the migrating connection. What makes that safe:

  * the migrating connection holds the write lock (BEGIN IMMEDIATE) before the helper starts, so
    no other writer can commit in between: the last committed state is the state the step starts
    from, and nobody can move it;
  * the step's first statement waits until the helper's read transaction is open (`start()`).
    In WAL mode that transaction reads the last committed state however much the writer writes
    meanwhile (its pages sit in the -wal file, invisible to readers): the check and the copy
    both read through it. With a rollback journal, the writer must shut readers out before it
    writes a single page to the database file (when its cache spills, or at COMMIT), and SQLite
    makes it wait until the helper's transaction ends. So the helper keeps that transaction
    short: it copies the file's bytes (the whole database, in this mode) in the kernel, ends the
    transaction, and checks the copy, which holds the very bytes the step starts from, while the
    step goes on writing. (Without a copy it checks the file itself, holding the writer off.)
    A WAL file whose -wal file is empty is the whole database too, and is copied the same way;
    one with committed frames goes through SQLite's backup API instead.
    Opening the transaction before the step starts is what rules out a deadlock: a reader that
    arrived after the writer had begun shutting readers out would wait for the writer, which
    would wait for it.
  * the step waits for the helper before its COMMIT. A corrupt file is refused and the step
    rolled back, which leaves the file byte for byte as it was: in WAL mode the step wrote
    nothing outside the -wal file, and with a rollback journal every page it wrote to the file
    is put back from the journal (by SQLite's own rollback, or by the next connection if the
    process dies). A copy that could not be written rolls the step back too. A failing helper
    interrupts the step, so that the refusal comes at once rather than after the step's work.

This is also why the runner migrates an earlier release's rollback-journal file in that mode and
switches it to WAL only afterwards: the switch rewrites the file's header, which must not happen
to a corrupt file. On a million sessions the check and the copy take ~1 s beside a ~5.5 s
migration and add a few percent to it (bench/migration.py).
"""

from __future__ import annotations

import datetime
import errno
import os
import re
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from app.db import DatabaseOpenError, connect_sqlite
from app.errors import MigrationError


def _wal_is_empty(path: Path) -> bool:
    """Whether the -wal file beside `path` is missing or empty, as the last connection to close
    leaves it. One that merely holds checkpointed frames does not count: it is not worth telling
    apart, since the backup API copies such a file correctly anyway."""
    try:
        return path.with_name(path.name + "-wal").stat().st_size == 0
    except FileNotFoundError:
        return True


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

    Start it once the migrating connection holds the write lock (`start()` returns once the
    helper's read transaction is open); call `finish()` before the first step commits (it
    re-raises what went wrong) and `abandon()` when the step failed. `interrupt` stops the
    step's running statement (sqlite3.Connection.interrupt) when the helper fails."""

    def __init__(
        self, path: Path, *, check: bool, backup_as: str | None, interrupt: Callable[[], None] | None = None
    ) -> None:
        """check: run quick_check; backup_as: the version to name the copy after (None: no copy)."""
        self._path = path
        self._check = check
        self._backup_as = backup_as
        self._interrupt = interrupt
        self._error: BaseException | None = None
        self._copy: Path | None = None
        self._reading = threading.Event()
        self._thread = threading.Thread(target=self._run, name="migration-preflight", daemon=True)

    def start(self) -> Preflight:
        """Start the helper and wait until it reads (see the module's docstring for why)."""
        self._thread.start()
        self._reading.wait()
        if self._error is not None:  # it could not even start reading: fail before the step runs
            self.finish()
        return self

    def _run(self) -> None:
        ro: sqlite3.Connection | None = None
        try:
            try:
                ro = connect_sqlite(self._path, readonly=True)
                ro.execute("BEGIN")
                ro.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the transaction reads from here on
                wal = ro.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            except (sqlite3.Error, DatabaseOpenError) as exc:
                raise MigrationError(f"cannot read database {self._path} to check it: {exc}") from exc
            self._reading.set()
            if self._backup_as is None or (wal and not _wal_is_empty(self._path)):
                if self._check:
                    refuse_corrupt(ro, self._path)
                if self._backup_as is not None:
                    self._copy = backup(self._path, self._backup_as, ro)
                return
            # The file alone is the whole database: a rollback journal, or WAL mode with no
            # committed frame in the -wal file (and none can come: the step holds the write
            # lock, and writes nothing before this transaction has begun). Its bytes are copied
            # (~0.1 s per 200 MB, where SQLite's backup API takes ~0.6 s), the transaction ends
            # (with a rollback journal the step cannot write the file before that), and the
            # check then reads the copy, which holds the very bytes the step starts from.
            partial = start_backup(self._path, self._backup_as)
            try:
                copy_file(self._path, partial)
                ro.close()
                ro = None
                if self._check:
                    # immutable: nobody else has the copy, so no locks and no -wal or -shm beside it
                    check = sqlite3.connect(f"{partial.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
                    try:
                        refuse_corrupt(check, self._path)
                    finally:
                        check.close()
            except BaseException:
                discard(partial)
                raise
            self._copy = publish_backup(self._path, partial)
        except BaseException as exc:  # handed to the migrating thread by finish()
            self._error = exc
            if self._interrupt is not None and self._reading.is_set():
                self._interrupt()
        finally:
            if ro is not None:
                ro.close()  # ends the read transaction: a writer waiting to write the file goes on
            self._reading.set()

    def finish(self) -> Path | None:
        """Wait; the copy's path (None if none was asked for); raise what the helper ran into."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._copy

    def abandon(self) -> BaseException | None:
        """Wait after the step failed: the helper's own error, which explains the failure better
        (a corrupt page, a full disk, or the interruption it caused) than the statement that ran
        into it; None if it had none."""
        self._thread.join()
        return self._error


def backup(db_path: Path, version: str, source: sqlite3.Connection) -> Path:
    """Copy the database next to its file with SQLite's backup API: <db>.bak-<version>-<UTC time>.

    The copy reads through `source` (left open: the Preflight's read transaction), never the
    migrating connection: SQLite refuses to back up from a connection that holds a write
    transaction (SQLITE_LOCKED, which Python's backup() would retry forever).
    """
    partial = start_backup(db_path, version)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
        finally:
            copy.close()
    except (sqlite3.Error, OSError) as exc:
        discard(partial)
        raise MigrationError(f"cannot back up {db_path} to {_final_name(partial)}: {exc}") from exc
    return publish_backup(db_path, partial)


def start_backup(db_path: Path, version: str) -> Path:
    """The temporary name to write the copy under: <db>.bak-<version>-<UTC time>.partial.

    A copy is written under it and renamed once complete (publish_backup): a copy cut short
    (kill -9, full disk) never bears a backup's name. Leftovers of such copies are removed."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    base = f"{db_path.name}.bak-{version}-{stamp}"
    target = db_path.with_name(base)
    counter = 1
    while target.exists():
        counter += 1
        target = db_path.with_name(f"{base}-{counter}")
    # This run holds the migration lock, so .partial files found now are leftovers of a run cut short.
    leftover = re.compile(re.escape(db_path.name) + r"\.bak-(\d+_\w+|none)-\d{8}T\d{6}Z(-\d+)?\.partial(-journal|-wal|-shm)?")
    for stale in db_path.parent.iterdir():
        if leftover.fullmatch(stale.name):
            stale.unlink(missing_ok=True)
    return target.with_name(target.name + ".partial")


# Run in a child process (-I -S: no site, no user paths; it starts in ~20 ms).
_COPY_FILE = """import shutil, sys
try:
    shutil.copyfile(sys.argv[1], sys.argv[2])
except OSError as exc:
    sys.stderr.write(f"{exc.errno}\\t{exc.strerror or exc}")
    sys.exit(1)
"""


def copy_file(db_path: Path, partial: Path) -> None:
    """The database file's bytes, copied in the kernel. Only a consistent copy while the caller
    holds a read transaction on a rollback-journal file (no writer can write it meanwhile).

    The copy runs in a child process: closing any descriptor of the database file in this
    process would drop every POSIX lock SQLite holds on it here, the migration's write lock
    included, and let a second migrator in (sqlite.org/howtocorrupt.html, 2.2). A child's
    descriptors and locks are its own."""
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _COPY_FILE, str(db_path), str(partial)], capture_output=True, text=True
    )
    if done.returncode != 0:
        code, _, reason = done.stderr.strip().rpartition("\t")
        if code == str(errno.ENOSPC):
            reason = "the disk is full"
        raise MigrationError(f"cannot back up {db_path} to {_final_name(partial)}: {reason or done.stderr.strip()}")


def publish_backup(db_path: Path, partial: Path) -> Path:
    """Make the complete copy durable and give it its backup name; its path."""
    target = _final_name(partial)
    try:
        fd = os.open(partial, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        partial.replace(target)
    except OSError as exc:
        discard(partial)
        raise MigrationError(f"cannot back up {db_path} to {target}: {exc}") from exc
    return target


def discard(partial: Path) -> None:
    for name in [partial] + [partial.with_name(partial.name + end) for end in ("-journal", "-wal", "-shm")]:
        name.unlink(missing_ok=True)


def _final_name(partial: Path) -> Path:
    return partial.with_name(partial.name.removesuffix(".partial"))
