"""The corruption check and the backup copy run beside the first step (preflight), also on a
file the earlier release left in a rollback journal. There the writer may not write a page to
the database file while the helper copies it: these tests slow the helper down on a file big
enough for the first step to spill its cache, and look at the file while the helper is slow."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from legacy import Legacy, build_legacy_db, dump

import generated._migrate_checks as preflight  # the generated runner's checks
from app import migrate
from app.migrate import MigrationError

PADDING_THREADS = 40_000  # threads_new then outgrows SQLite's default 2 MiB page cache: the step spills
SLOW_S = 1.0


def sha256(path: Path) -> str:
    """Only while no connection of this process has the file open: see Peek."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Peek:
    """Reads the database file while the migration runs in this process, through one descriptor
    opened before and closed after: closing a descriptor of the file drops every POSIX lock this
    process holds on it, the migration's write lock included (sqlite.org/howtocorrupt.html)."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_RDONLY)

    def sha256(self) -> str:
        digest, offset = hashlib.sha256(), 0
        while chunk := os.pread(self.fd, 1 << 20, offset):
            digest.update(chunk)
            offset += len(chunk)
        return digest.hexdigest()

    def journal(self) -> str:
        """The file format bytes 18-19 of the header: 1 for a rollback journal, 2 for WAL."""
        return {b"\x01\x01": "rollback", b"\x02\x02": "wal"}[os.pread(self.fd, 2, 18)]

    def close(self) -> None:
        os.close(self.fd)


@pytest.fixture
def big_legacy(tmp_path: Path) -> tuple[Path, Legacy]:
    path = tmp_path / "app.db"
    legacy = build_legacy_db(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(
        """WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?)
           INSERT INTO threads (channel_id, thread_ts, created_at, updated_at)
           SELECT printf('CPAD%03d', x % 97), printf('1800000000.%06d', x), '2024-01-01 00:00:00', NULL FROM n""",
        (PADDING_THREADS,),
    )
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()
    return path, legacy


def other_process_can_write(path: Path) -> bool:
    """Whether another process gets the write lock at once. In this process SQLite itself keeps
    track of its connections' locks; only another process sees what the OS holds."""
    attempt = subprocess.run(
        [sys.executable, "-c", "import sqlite3, sys\n"
         "c = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None)\n"
         "c.execute('BEGIN IMMEDIATE'); c.execute('ROLLBACK')", str(path)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert attempt.returncode == 0 or "database is locked" in attempt.stderr, attempt.stderr
    return attempt.returncode == 0


def run_in_thread(fn: Any, limit: float = 120) -> Any:
    """fn() on a thread, failing the test instead of hanging it if the two sides deadlock."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # re-raised below
            outcome["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(limit)
    assert not worker.is_alive(), f"the migration did not finish in {limit} s: a deadlock"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_rollback_journal_file_is_checked_and_copied_beside_its_first_step(
    big_legacy: tuple[Path, Legacy], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = big_legacy
    reader = sqlite3.connect(path)
    before_bytes, before_rows = sha256(path), dump(reader)
    reader.close()
    seen: dict[str, Any] = {}
    copy_file, check = preflight.copy_file, preflight.refuse_corrupt

    peek = Peek(path)

    def slow_copy(db_path: Path, partial: Path) -> None:
        copy_file(db_path, partial)
        time.sleep(SLOW_S)  # the step runs on meanwhile, up to the point where it must write the file
        seen["file while the helper holds its read lock"] = peek.sha256()
        seen["journal"] = db_path.with_name(db_path.name + "-journal").exists()

    def recorded_check(ro: sqlite3.Connection, file: Path) -> None:
        seen["checked"] = Path(ro.execute("PRAGMA database_list").fetchone()[2]).name
        check(ro, file)

    monkeypatch.setattr(preflight, "copy_file", slow_copy)
    monkeypatch.setattr(preflight, "refuse_corrupt", recorded_check)
    result = run_in_thread(lambda: migrate.migrate(path))
    peek.close()

    assert result.steps[0].startswith("000004") and result.backup is not None
    assert result.backup.name.startswith("app.db.bak-000003_working_directories-")
    # The step had begun (its rollback journal exists) but wrote nothing to the file yet; the
    # check then read the copy (under its temporary name), while the step wrote the file.
    assert seen == {
        "file while the helper holds its read lock": before_bytes,
        "journal": True,
        "checked": result.backup.name + ".partial",
    }
    copy = sqlite3.connect(f"{result.backup.resolve().as_uri()}?mode=ro", uri=True)
    assert dump(copy) == before_rows  # the copy is the file as it was, nothing of the step
    copy.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)  # switched after the last step
    assert conn.execute("SELECT count(*) FROM threads WHERE working_directory = '/tmp'").fetchone()[0] > PADDING_THREADS
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_failing_helper_interrupts_the_step_and_leaves_the_file_as_it_was(
    big_legacy: tuple[Path, Legacy], monkeypatch: pytest.MonkeyPatch, journal: str
) -> None:
    """A corruption the check finds while the step runs: the step is interrupted, its work
    rolled back, and the one error is the check's, not the interruption it caused."""
    path, _ = big_legacy
    if journal == "wal":
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.close()
    before = sha256(path)

    def failing_check(ro: sqlite3.Connection, file: Path) -> None:
        time.sleep(0.2)
        raise MigrationError(f"database {file} is corrupt (made up by the test)")

    monkeypatch.setattr(preflight, "refuse_corrupt", failing_check)
    with pytest.raises(MigrationError, match="made up by the test"):
        run_in_thread(lambda: migrate.migrate(path))
    assert sha256(path) == before
    assert not list(path.parent.glob("*.bak-*"))
    assert not path.with_name(path.name + "-journal").exists()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone() == (journal,)  # a refused file is not switched
    assert conn.execute("SELECT max(version) FROM schema_migrations").fetchone() == ("000003_working_directories",)
    conn.close()


def test_helper_that_cannot_start_reading_fails_before_the_step(
    big_legacy: tuple[Path, Legacy], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = big_legacy
    before = sha256(path)

    def unopenable(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file (made up by the test)")

    monkeypatch.setattr(preflight, "open_reader", unopenable)
    with pytest.raises(MigrationError, match=r"cannot read database .* to check it: unable to open .*made up"):
        run_in_thread(lambda: migrate.migrate(path))
    assert sha256(path) == before


def test_without_a_copy_the_check_reads_the_file_itself_and_holds_the_step_off(
    big_legacy: tuple[Path, Legacy], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = big_legacy
    before = sha256(path)
    seen: dict[str, Any] = {}
    check = preflight.refuse_corrupt
    peek = Peek(path)

    def slow_check(ro: sqlite3.Connection, file: Path) -> None:
        seen["checked"] = Path(ro.execute("PRAGMA database_list").fetchone()[2]).name
        check(ro, file)
        time.sleep(SLOW_S)
        seen["file while the check reads it"] = peek.sha256()

    monkeypatch.setattr(preflight, "refuse_corrupt", slow_check)
    result = run_in_thread(lambda: migrate.migrate(path, backup=False))
    peek.close()
    assert result.backup is None and len(result.steps) == 5
    assert seen == {"checked": path.name, "file while the check reads it": before}


@pytest.mark.parametrize("journal", ["delete", "wal", "wal-with-a-reader"])
def test_steps_run_under_a_rollback_journal_and_the_file_ends_in_wal(
    big_legacy: tuple[Path, Legacy], journal: str
) -> None:
    """Where a table rewrite inside a transaction needs no statement journal: an earlier
    release's file stays in its rollback journal from the start, a WAL file leaves WAL after the
    first step (once found intact), unless another connection has it open; WAL at the end."""
    path, _ = big_legacy
    reader = sqlite3.connect(path, isolation_level=None)
    if journal != "delete":
        reader.execute("PRAGMA journal_mode = WAL")
        reader.execute("SELECT count(*) FROM threads").fetchone()  # the open connection uses the WAL
    if journal != "wal-with-a-reader":
        reader.close()
    modes: list[str] = []
    peek = Peek(path)
    result = migrate.migrate(path, progress=lambda version: modes.append(peek.journal()))
    expected = {
        "delete": ["rollback"] * 5,
        "wal": ["wal"] + ["rollback"] * 4,
        "wal-with-a-reader": ["wal"] * 5,
    }[journal]
    assert (len(result.steps), modes) == (5, expected)
    if journal == "wal-with-a-reader":
        assert reader.execute("SELECT count(*) FROM threads WHERE working_directory = '/tmp'").fetchone()[0] > 0
        reader.close()
    assert peek.journal() == "wal"
    peek.close()


def test_the_copy_keeps_the_migrations_write_lock(legacy_db: tuple[Path, Legacy], monkeypatch: pytest.MonkeyPatch) -> None:
    """Closing a descriptor of the database file in this process would drop the write lock
    SQLite holds on it here, and a second migrator would get in: the copy must not do that.
    (A small file: the step never spills its cache, so its write lock is all it holds.)"""
    path, _ = legacy_db
    copy_file = preflight.copy_file
    seen: list[bool] = []

    def probed_copy(db_path: Path, partial: Path) -> None:
        copy_file(db_path, partial)
        seen.append(other_process_can_write(db_path))

    monkeypatch.setattr(preflight, "copy_file", probed_copy)
    result = run_in_thread(lambda: migrate.migrate(path))
    assert result.backup is not None and seen == [False]


@pytest.mark.parametrize("wal_frames", [False, True])
def test_wal_file_copy_holds_what_the_wal_holds(
    legacy_db: tuple[Path, Legacy], monkeypatch: pytest.MonkeyPatch, wal_frames: bool
) -> None:
    """A WAL file is copied byte for byte only while its -wal file is empty; committed frames
    still in the -wal file (another connection keeps it open) go through SQLite's backup API."""
    path, _ = legacy_db
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode = WAL")
    if wal_frames:
        writer.execute("INSERT INTO threads (channel_id, thread_ts) VALUES ('CWAL', '1.5')")
        assert path.with_name(path.name + "-wal").stat().st_size > 0
    else:
        writer.close()
    copy_file = preflight.copy_file
    copied: list[Path] = []
    monkeypatch.setattr(preflight, "copy_file", lambda db, partial: (copied.append(db), copy_file(db, partial)))
    result = run_in_thread(lambda: migrate.migrate(path))
    if wal_frames:
        writer.close()
    assert result.backup is not None and copied == ([] if wal_frames else [path])
    assert sorted(p.name for p in path.parent.glob("*.bak-*")) == [result.backup.name]  # no -wal, -shm, .partial
    copy = sqlite3.connect(f"{result.backup.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    rows = copy.execute("SELECT count(*) FROM threads WHERE channel_id = 'CWAL'").fetchone()
    assert rows == (1 if wal_frames else 0,)
    assert copy.execute("SELECT max(version) FROM schema_migrations").fetchone() == ("000003_working_directories",)
    copy.close()
