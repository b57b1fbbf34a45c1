"""Faults on real SQLite files, no mocks: kill -9 in the middle of an upgrade
of hundreds of thousands of sessions, a step failing halfway, a full disk, a
read-only file or directory, processes contending for the same threads, and
files that are not what they claim to be.

Knobs (environment): FAULT_TRIALS (kill -9 trials, default 6), FAULT_SEED
(the trials' random delays; printed on failure), FAULT_SESSIONS /
FAULT_THREADS (size of the large database, default 200000 / 20000),
FAULT_WORKERS / FAULT_SECONDS (contention, default 8 processes for 3 s).
Every test here carries the `faults` marker; the long variant for CI is e.g.
`FAULT_TRIALS=40 python -m pytest tests/app -m faults`.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fault_support import (
    SESSION_COLUMNS,
    THREAD_COLUMNS,
    V3,
    V4,
    V5,
    V6,
    V7,
    V8,
    VERSIONS,
    app_argv,
    app_env,
    build_large_legacy_db,
    columns,
    differences,
    master,
    open_ro,
    open_rw,
    recorded_versions,
    run_cli,
    run_cli_many,
    sha256,
    tables,
    with_db,
)
from legacy import ROOT, Legacy, assert_one_line_error, build_legacy_db, dump, read, schema_shape

from app import migrate

pytestmark = pytest.mark.faults

TRIALS = int(os.environ.get("FAULT_TRIALS", "6"))
SESSIONS = int(os.environ.get("FAULT_SESSIONS", "200000"))
THREADS = int(os.environ.get("FAULT_THREADS", "20000"))
WORKERS = int(os.environ.get("FAULT_WORKERS", "8"))
SECONDS = float(os.environ.get("FAULT_SECONDS", "3"))
SUPPORT = Path(__file__).with_name("fault_support.py")
_BACKUP_NAME = re.compile(r"\.bak-(\d{6}_\w+?|none)-\d{8}T\d{6}Z(-\d+)?$")


# -- what a database at each version looks like ------------------------------------


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """schema_shape of a database at each version from 000003 on (the shape
    does not depend on the rows)."""
    folder = tmp_path_factory.mktemp("shapes")
    base = folder / "v3.db"
    build_large_legacy_db(base, threads=20, sessions=100)
    out = {V3: read(base, schema_shape)}
    for version in (V4, V5, V6, V7, V8):
        copy = folder / f"{version}.db"
        shutil.copyfile(base, copy)
        migrate.migrate(copy, to=int(version[:6]), backup=False)
        out[version] = read(copy, schema_shape)
    return out


@dataclass
class Reference:
    """The earlier release's database and what an uninterrupted upgrade makes of it."""

    legacy: Path
    final: Path
    sequences: dict[str, int]  # AUTOINCREMENT high-water marks of threads and sessions
    session_count: int
    final_master: list[tuple[Any, ...]]
    duration: float  # of the uninterrupted `python -m app migrate`, process start to exit


def reference_for(legacy: Path, folder: Path) -> Reference:
    """Upgrade a copy of `legacy` uninterrupted, through the CLI as the trials
    run it (backup included), timed."""
    work = folder / "reference"
    work.mkdir()
    final = work / "reference.db"
    shutil.copyfile(legacy, final)
    started = time.perf_counter()
    result = run_cli("migrate", "--db", str(final))
    duration = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    for copy in work.glob("reference.db.bak-*"):
        copy.unlink()

    def sequences(conn: sqlite3.Connection) -> dict[str, int]:
        return dict(conn.execute("SELECT name, seq FROM sqlite_sequence WHERE name IN ('threads', 'sessions')"))

    return Reference(
        legacy=legacy,
        final=final,
        sequences=with_db(legacy, sequences),
        session_count=with_db(legacy, lambda c: c.execute("SELECT count(*) FROM sessions").fetchone()[0]),
        final_master=with_db(final, master),
        duration=duration,
    )


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    folder = tmp_path_factory.mktemp("large")
    legacy = folder / "legacy.db"
    build_large_legacy_db(legacy, threads=THREADS, sessions=SESSIONS)
    return reference_for(legacy, folder)


def check_consistent(
    path: Path, shapes: dict[str, Any], ref: Reference, context: str = "", check: str = "integrity_check"
) -> str:
    """The database is whole, records exactly the versions whose shape it has,
    and has lost no row; returns its version."""
    conn = open_rw(path)
    try:
        assert conn.execute(f"PRAGMA {check}").fetchall() == [("ok",)], context
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == [], context
        versions = recorded_versions(conn)
        assert len(versions) >= 2 and versions == VERSIONS[: len(versions)], (context, versions)
        thread_columns, session_columns, names = columns(conn, "threads"), columns(conn, "sessions"), tables(conn)
        assert (V4 in versions) == ("working_directory" in thread_columns), (context, versions, thread_columns)
        assert (V5 in versions) == ("working_directory" not in session_columns), (context, versions, session_columns)
        assert (V6 in versions) == ("working_directories" not in names), (context, versions, names)
        assert (V7 in versions) == ("initial_prompt" in session_columns), (context, versions, session_columns)
        current = versions[-1]
        # Every table, column, index and CREATE text of that version; nothing
        # left over of a half-done step (threads_new, sessions_new, ...).
        assert schema_shape(conn) == shapes[current], (context, current)
        # No row lost, no value changed: what every version has, against the
        # earlier release's file; what 000004 adds, against the clean upgrade.
        problems = [
            differences(conn, ref.legacy, "threads", THREAD_COLUMNS),
            differences(conn, ref.legacy, "sessions", SESSION_COLUMNS),
        ]
        if V4 in versions:
            problems.append(differences(conn, ref.final, "threads", ["working_directory"]))
        if V5 not in versions:
            problems.append(differences(conn, ref.legacy, "sessions", ["working_directory"]))
        if V6 not in versions:
            problems.append(differences(conn, ref.legacy, "working_directories", columns(conn, "working_directories")))
        assert [p for p in problems if p] == [], context
        sequences = dict(conn.execute("SELECT name, seq FROM sqlite_sequence WHERE name IN ('threads', 'sessions')"))
        assert sequences == ref.sequences, context
        return current
    finally:
        conn.close()


def check_converged(path: Path, ref: Reference, context: str = "") -> None:
    """Identical in content and shape to the uninterrupted upgrade's result:
    every table row by row, sqlite_master normalized."""
    conn = open_rw(path)
    try:
        assert master(conn) == ref.final_master, context
        assert recorded_versions(conn) == VERSIONS, context
        problems = [
            differences(conn, ref.final, "threads", columns(conn, "threads")),
            differences(conn, ref.final, "sessions", columns(conn, "sessions")),
        ]
        assert [p for p in problems if p] == [], context
        sequence = "SELECT name, seq FROM sqlite_sequence ORDER BY name"
        assert conn.execute(sequence).fetchall() == with_db(ref.final, lambda c: c.execute(sequence).fetchall())
        assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)], context
    finally:
        conn.close()


def check_backups(
    path: Path, shapes: dict[str, Any], session_count: int, context: str = "", partial_ok: bool = False
) -> list[Path]:
    """Every file named as a backup of `path` is a whole copy of the database
    at the version its name says (partial_ok: but for copies cut short,
    which say so in their name)."""
    copies = []
    for copy in sorted(path.parent.glob(path.name + ".bak-*")):
        if partial_ok and ".partial" in copy.name:
            continue
        match = _BACKUP_NAME.search(copy.name)
        assert match, f"{context}: {copy.name} is left next to the database and is no complete backup"
        # immutable: a copy of a WAL database is one too, and a plain
        # read-only look would leave its -wal and -shm next to it.
        conn = sqlite3.connect(f"{copy.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)], (context, copy.name)
            versions = recorded_versions(conn)
            assert versions and versions[-1] == match.group(1), (context, copy.name, versions)
            assert schema_shape(conn) == shapes[versions[-1]], (context, copy.name)
            assert conn.execute("SELECT count(*) FROM sessions").fetchone() == (session_count,), (context, copy.name)
        finally:
            conn.close()
        copies.append(copy)
    return copies


# -- 1. kill -9 while upgrading a large database -----------------------------------------


def test_app_large_legacy_database_upgrades_in_one_run(large: Reference, shapes: dict[str, Any]) -> None:
    """The reference the kill trials converge to: every session kept, threads
    given their newest session's directory, and the whole run timed."""
    check_consistent(large.final, shapes, large, "uninterrupted", check="quick_check")
    assert with_db(large.final, recorded_versions) == VERSIONS
    conn = open_ro(large.final)
    try:
        assert conn.execute("SELECT count(*) FROM sessions").fetchone() == (large.session_count,)
        assert large.session_count >= SESSIONS * 0.99
        assert conn.execute("SELECT count(*) FROM threads WHERE working_directory = '/tmp'").fetchone()[0] >= 49
    finally:
        conn.close()
    # Each thread took its newest session's directory (latest started_at, NULL
    # oldest, ties to the higher id), '/tmp' without sessions: the same rule
    # as a window function over the earlier release's rows.
    conn = open_rw(large.legacy)
    conn.execute("ATTACH DATABASE ? AS upgraded", (f"{large.final.resolve().as_uri()}?mode=ro",))
    wrong = conn.execute(
        """SELECT t.id, COALESCE(s.working_directory, '/tmp'), u.working_directory
             FROM threads AS t
             JOIN upgraded.threads AS u ON u.id = t.id
             LEFT JOIN (SELECT thread_id, working_directory,
                               row_number() OVER (PARTITION BY thread_id
                                                  ORDER BY started_at DESC NULLS LAST, id DESC) AS rank
                          FROM sessions) AS s ON s.thread_id = t.id AND s.rank = 1
            WHERE COALESCE(s.working_directory, '/tmp') IS NOT u.working_directory
            LIMIT 5"""
    ).fetchall()
    conn.close()
    assert wrong == []
    print(f"uninterrupted upgrade of {large.session_count} sessions: {large.duration:.2f} s")


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_app_kill_9_during_migrate_never_loses_or_mixes_versions(
    large: Reference, shapes: dict[str, Any], tmp_path: Path, journal: str
) -> None:
    """The earlier release's file (rollback journal: checked, then switched to WAL) and one in
    WAL mode (checked and copied beside the first step, generated/_migrate_checks.py), killed at random."""
    seed = int(os.environ.get("FAULT_SEED", str(random.SystemRandom().randrange(10**9))))
    rng = random.Random(seed)
    outcomes: dict[str, int] = {}
    killed = 0
    for trial in range(TRIALS):
        # Delays spread over the whole run: one per slice of the measured duration.
        delay = large.duration * 1.05 * (trial + rng.random()) / TRIALS
        context = f"{journal} trial {trial}, kill after {delay:.3f} s of {large.duration:.3f} s (FAULT_SEED={seed})"
        work = tmp_path / f"trial{trial}"
        work.mkdir()
        path = work / "app.db"
        shutil.copyfile(large.legacy, path)
        if journal == "wal":
            to_wal(path)

        proc = subprocess.Popen(
            app_argv("migrate", "--db", str(path)),
            cwd=ROOT,
            env=app_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        time.sleep(delay)
        proc.kill()
        _, err = proc.communicate(timeout=60)
        if proc.returncode == -9:
            killed += 1
        else:
            assert proc.returncode == 0, f"{context}: {err.decode()}"

        version = check_consistent(path, shapes, large, context)
        outcomes[version] = outcomes.get(version, 0) + 1
        check_backups(path, shapes, large.session_count, context, partial_ok=True)

        # Rerunning finishes the job, whatever the kill left next to the file.
        rerun = run_cli("migrate", "--db", str(path))
        assert rerun.returncode == 0, f"{context}: {rerun.stderr}"
        check_converged(path, large, context)
        copies = check_backups(path, shapes, large.session_count, context)
        assert copies, context  # the rerun (or the killed run) kept a copy of what it started from
        # And once more: nothing to do, nothing changed.
        again = run_cli("migrate", "--db", str(path))
        assert again.returncode == 0 and "nothing to migrate" in again.stdout, f"{context}: {again.stderr}"
        shutil.rmtree(work)

    print(f"FAULT_SEED={seed}: {killed}/{TRIALS} runs killed; versions found after the kill: {outcomes}")
    assert killed, f"no kill landed before the run ended (FAULT_SEED={seed})"


def test_app_kill_9_while_the_backup_is_written(large: Reference, shapes: dict[str, Any], tmp_path: Path) -> None:
    """The copy taken before the first step is cut short: no file may then
    pass for a backup, and the next run must not trip over what is left."""
    path = tmp_path / "app.db"
    shutil.copyfile(large.legacy, path)
    proc = subprocess.Popen(
        app_argv("migrate", "--db", str(path)), cwd=ROOT, env=app_env(), stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60

    def copied() -> int:  # bytes of the copy written so far
        sizes = [-1]
        for copy in tmp_path.glob("app.db.bak-*"):
            try:
                sizes.append(copy.stat().st_size)
            except FileNotFoundError:  # renamed in the meantime
                pass
        return max(sizes)

    while copied() < 2**20 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.0005)
    proc.kill()
    proc.wait()
    assert copied() >= 0, "the backup never started"
    print("left by the kill:", sorted((p.name, p.stat().st_size) for p in tmp_path.iterdir()))
    # Whatever the kill left is a complete backup, or says it is not one.
    check_backups(path, shapes, large.session_count, "after the kill", partial_ok=True)
    assert check_consistent(path, shapes, large, "killed during the backup") in (V3, V4)

    rerun = run_cli("migrate", "--db", str(path))
    assert rerun.returncode == 0, rerun.stderr
    check_converged(path, large)
    assert check_backups(path, shapes, large.session_count)
    assert not list(tmp_path.glob("*.partial*"))  # the leftovers are cleared


# -- 2. a step that fails halfway -----------------------------------------------------------

# (step, the line before which the bad statement goes (None: at the end),
#  the bad statement, what SQLite says about it)
INJECTIONS = {
    "constraint-after-the-copy": (
        V4,
        "-- Keep the AUTOINCREMENT high-water mark",
        "INSERT INTO threads_new (id, channel_id, thread_ts, working_directory)\n"
        "SELECT id, channel_id, thread_ts, '/dup' FROM threads LIMIT 1;\n",
        "UNIQUE constraint failed: threads_new.id",
    ),
    "syntax-error-after-the-drop": (
        V4,
        "ALTER TABLE threads_new RENAME TO threads;",
        "SELEC 'the old table is dropped by now';\n",
        'near "SELEC": syntax error',
    ),
    "after-drop-column": (
        V5,
        None,
        "UPDATE sessions SET working_directory = NULL;\n",
        "no such column: working_directory",
    ),
    "between-drop-index-and-drop-table": (
        V6,
        "DROP TABLE working_directories;",
        "INSERT INTO working_directories (channel_id) VALUES ('C1');\n",
        "NOT NULL constraint failed: working_directories.name",
    ),
}


def inject(schema: Path, step: str, before: str | None, statement: str) -> int:
    """Put `statement` into the step's up file; return the line it starts on."""
    file = schema / f"{step}.up.sql"
    lines = file.read_text().splitlines(keepends=True)
    at = len(lines) if before is None else next(i for i, line in enumerate(lines) if line.startswith(before))
    file.write_text("".join(lines[:at]) + statement + "".join(lines[at:]))
    return at + 1


@pytest.mark.parametrize("case", sorted(INJECTIONS))
def test_app_step_failing_halfway_keeps_the_previous_version(
    legacy_db: tuple[Path, Legacy], tmp_path: Path, case: str
) -> None:
    path, _ = legacy_db
    step, before, statement, message = INJECTIONS[case]
    previous = VERSIONS[VERSIONS.index(step) - 1]
    expected = tmp_path / "expected.db"  # the same file, taken to the previous version only
    shutil.copyfile(path, expected)
    migrate.migrate(expected, to=int(previous[:6]), backup=False)

    schema = tmp_path / "schema"
    shutil.copytree(migrate.SCHEMA_DIR, schema)
    line_no = inject(schema, step, before, statement)

    result = run_cli("migrate", "--db", str(path), "--schema", str(schema))
    line = assert_one_line_error(result)
    assert f"{schema / (step + '.up.sql')}:{line_no}: {message}" in line, line
    assert f"stays at {previous}" in line, line
    applied = [row.split()[1] for row in result.stdout.splitlines() if row.startswith("applied ")]
    assert applied == VERSIONS[VERSIONS.index(V4) : VERSIONS.index(step)]

    # Shape, rows and recorded versions: exactly the previous version's.
    assert read(path, schema_shape) == read(expected, schema_shape)
    assert read(path, dump) == read(expected, dump)
    assert read(path, lambda c: c.execute("PRAGMA integrity_check").fetchall()) == [("ok",)]

    # The real migrations take it the rest of the way, to what a clean run gives.
    rerun = run_cli("migrate", "--db", str(path))
    assert rerun.returncode == 0, rerun.stderr
    migrate.migrate(expected, backup=False)
    assert read(path, dump) == read(expected, dump)
    assert read(path, schema_shape) == read(expected, schema_shape)


# -- 3. full disk, file size limit, read-only --------------------------------------------------


def _medium_reference(folder: Path) -> Reference:
    legacy = folder / "medium.db"
    build_large_legacy_db(legacy, threads=2000, sessions=40000)
    return reference_for(legacy, folder)


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """A database of a few MB (40k sessions) for the disk tests."""
    return _medium_reference(tmp_path_factory.mktemp("medium"))


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 32 MB tmpfs of its own (needs root and mount; skipped elsewhere, where
    test_faults_file_size_limit_* still runs)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32m,mode=0755", "tmpfs", str(disk)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def fill(disk: Path, leave: int) -> Path:
    """Fill the file system but for about `leave` bytes."""
    stat = os.statvfs(disk)
    free = stat.f_bavail * stat.f_frsize
    filler = disk / "filler"
    with open(filler, "wb") as f:
        f.write(b"\0" * max(0, free - leave))
    return filler


def leftovers(folder: Path, name: str) -> list[str]:
    """Files next to the database other than itself, its WAL and shared memory."""
    keep = {name, name + "-wal", name + "-shm", "filler"}
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def to_wal(path: Path) -> None:
    """Leave `path` in WAL mode, as every connection of the current release does."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode = WAL").fetchone() == ("wal",)
    finally:
        conn.close()


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_faults_backup_written_beside_the_first_step_is_the_file_as_it_was(
    medium: Reference, shapes: dict[str, Any], tmp_path: Path, journal: str
) -> None:
    """The copy is written while the first step already runs (generated/_migrate_checks.py), from the earlier
    release's file (rollback journal, switched to WAL first) and from one in WAL mode: it must
    hold exactly what the file held before, nothing the step wrote."""
    path = tmp_path / "app.db"
    shutil.copyfile(medium.legacy, path)
    if journal == "wal":
        to_wal(path)
    result = run_cli("migrate", "--db", str(path))
    assert result.returncode == 0, result.stderr
    check_converged(path, medium, journal)
    [copy] = check_backups(path, shapes, medium.session_count, journal)
    conn = sqlite3.connect(f"{copy.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        assert master(conn) == with_db(medium.legacy, master), journal
        for table in ("threads", "sessions", "working_directories"):
            assert differences(conn, medium.legacy, table, columns(conn, table)) is None, (journal, table)
        conn.execute("ATTACH DATABASE ? AS before", (f"{medium.legacy.resolve().as_uri()}?mode=ro",))
        for table in ("schema_migrations", "sqlite_sequence"):
            either_only = f"SELECT * FROM main.{table} EXCEPT SELECT * FROM before.{table}"
            other_only = f"SELECT * FROM before.{table} EXCEPT SELECT * FROM main.{table}"
            assert conn.execute(either_only).fetchall() == conn.execute(other_only).fetchall() == [], table
    finally:
        conn.close()


def test_faults_disk_full_during_the_backup(small_disk: Path, medium: Reference, shapes: dict[str, Any]) -> None:
    path = small_disk / "app.db"
    shutil.copyfile(medium.legacy, path)
    filler = fill(small_disk, leave=path.stat().st_size // 2)  # no room for the copy

    line = assert_one_line_error(run_cli("migrate", "--db", str(path)))
    assert "cannot back up" in line and "disk is full" in line, line
    assert check_consistent(path, shapes, medium, line) == V3
    assert leftovers(small_disk, path.name) == []  # no half-written backup

    filler.unlink()
    rerun = run_cli("migrate", "--db", str(path))
    assert rerun.returncode == 0, rerun.stderr
    check_converged(path, medium)
    assert len(check_backups(path, shapes, medium.session_count)) == 1


def test_faults_disk_full_during_a_step(small_disk: Path, medium: Reference, shapes: dict[str, Any]) -> None:
    path = small_disk / "app.db"
    shutil.copyfile(medium.legacy, path)
    # Room for 000004 (a copy of the threads table), not for 000005 (which
    # rewrites every session row).
    filler = fill(small_disk, leave=path.stat().st_size // 4)

    result = run_cli("migrate", "--db", str(path), "--no-backup")
    line = assert_one_line_error(result)
    assert "disk is full" in line, line
    version = check_consistent(path, shapes, medium, line)
    assert version in (V3, V4), line
    assert f"applied {V5}" not in result.stdout
    assert leftovers(small_disk, path.name) == []

    filler.unlink()
    rerun = run_cli("migrate", "--db", str(path), "--no-backup")
    assert rerun.returncode == 0, rerun.stderr
    check_converged(path, medium)


def _limit_file_size(limit: int) -> Any:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize("backup", [True, False], ids=["backup", "no-backup"])
def test_faults_file_size_limit_fails_cleanly(
    tmp_path: Path, medium: Reference, shapes: dict[str, Any], backup: bool
) -> None:
    """A write refused by the OS (RLIMIT_FSIZE, as `ulimit -f` sets: works
    without root): no file may grow past half the database's size, so neither
    the backup nor the WAL of the session rewrite fits."""
    path = tmp_path / "app.db"
    shutil.copyfile(medium.legacy, path)
    args = ["migrate", "--db", str(path)] + ([] if backup else ["--no-backup"])
    result = run_cli(*args, preexec_fn=_limit_file_size(path.stat().st_size // 2))
    line = assert_one_line_error(result)
    # SQLite says "disk is full" or "disk I/O error"; a copy made by the kernel, the OS's EFBIG.
    assert "disk is full" in line or "disk I/O error" in line or "File too large" in line, line
    if backup:
        assert "cannot back up" in line, line
    version = check_consistent(path, shapes, medium, line)
    assert version != VERSIONS[-1], line
    assert leftovers(tmp_path, path.name) == []

    rerun = run_cli(*args)
    assert rerun.returncode == 0, rerun.stderr
    check_converged(path, medium)


def _without_root_powers(tmp_path: Path) -> list[str]:
    """An argv prefix under which file permissions bind: as root, setpriv
    drops the capabilities that bypass them (CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH) for the child, which keeps uid 0 and so can still
    read the repository."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file permissions would not bind")
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
    probe = tmp_path / "probe"
    probe.write_bytes(b"x")
    probe.chmod(0o444)
    check = subprocess.run([*prefix, sys.executable, "-c", f"open({str(probe)!r}, 'r+b')"], capture_output=True)
    probe.unlink()
    if check.returncode == 0:
        pytest.skip("cannot drop root's permission override here")
    return prefix


def _read_only_cases(tmp_path: Path, legacy: Path) -> dict[str, Path]:
    """The earlier release's file (rollback journal) and one in WAL mode at
    000004, each read-only itself or in a read-only directory."""
    wal = tmp_path / "wal-source.db"
    shutil.copyfile(legacy, wal)
    migrate.migrate(wal, to=4, backup=False)
    cases = {}
    for source_name, source in (("legacy", legacy), ("wal", wal)):
        for how in ("file", "directory"):
            folder = tmp_path / f"{source_name}-{how}"
            folder.mkdir()
            path = folder / "app.db"
            shutil.copyfile(source, path)
            if how == "file":
                path.chmod(0o444)
            else:
                folder.chmod(0o555)
            cases[f"{source_name}-{how}"] = path
    return cases


def files_of(folder: Path) -> dict[str, str]:
    """Every file's digest, but for what any reader of a WAL database leaves:
    its shared-memory index and an empty -wal."""
    return {
        p.name: sha256(p)
        for p in folder.iterdir()
        if not p.name.endswith("-shm") and not (p.name.endswith("-wal") and p.stat().st_size == 0)
    }


def test_faults_read_only_database_is_refused_untouched(legacy_db: tuple[Path, Legacy], tmp_path: Path) -> None:
    prefix = _without_root_powers(tmp_path)
    legacy, _ = legacy_db
    cases = _read_only_cases(tmp_path, legacy)
    try:
        for case, path in cases.items():
            before = files_of(path.parent)
            for command in (["migrate"], ["rollback", "--to", "1"], ["status"]):
                result = run_cli(*command, "--db", str(path), prefix=prefix)
                context = f"{case} {command[0]}: {result.stdout}{result.stderr}"
                if command[0] == "status" and result.returncode == 0:
                    assert "version: " in result.stdout, context  # reading needs no write access
                else:
                    line = assert_one_line_error(result)
                    assert "readonly" in line or "read-only" in line, context
                assert files_of(path.parent) == before, context
    finally:
        for path in cases.values():
            path.parent.chmod(0o755)
            path.chmod(0o644)


# -- 4. contention ------------------------------------------------------------------------------


def test_app_contending_processes_share_threads_and_lose_nothing(fresh_db: Path, tmp_path: Path) -> None:
    threads = 3
    go = tmp_path / "go"
    # Output to files, not pipes: nobody reads a pipe until the workers end,
    # and a worker blocked on a full one would hold up all the others.
    outs = [tmp_path / f"worker{w}.json" for w in range(WORKERS)]
    errs = [tmp_path / f"worker{w}.err" for w in range(WORKERS)]
    procs = []
    for w in range(WORKERS):
        with open(outs[w], "wb") as out, open(errs[w], "wb") as err:
            procs.append(
                subprocess.Popen(
                    [sys.executable, str(SUPPORT), "contend", str(fresh_db), str(go)]
                    + [str(w), str(threads), str(SECONDS)],
                    cwd=ROOT,
                    env=app_env(),
                    stdout=out,
                    stderr=err,
                )
            )
    # Watch the threads while the workers run: a reader never waits in WAL mode.
    watcher = open_ro(fresh_db)
    first_seen: dict[str, str] = {}
    samples = 0
    go.touch()
    deadline = time.monotonic() + SECONDS + 120
    while any(proc.poll() is None for proc in procs):
        if time.monotonic() > deadline:
            for proc in procs:
                proc.kill()
            pytest.fail("the workers did not finish in time")
        for ts, directory in watcher.execute("SELECT thread_ts, working_directory FROM threads"):
            assert first_seen.setdefault(ts, directory) == directory, f"thread {ts} changed its directory"
        assert len(first_seen) <= threads
        # Never two active sessions in a thread, at any moment a reader sees.
        twice = "SELECT thread_id FROM sessions WHERE status = 'active' GROUP BY thread_id HAVING count(*) > 1"
        assert watcher.execute(twice).fetchall() == []
        samples += 1
        time.sleep(0.01)
    watcher.close()

    done: dict[str, dict[str, Any]] = {}
    timed_out: set[str] = set()
    refused = 0
    for w, proc in enumerate(procs):
        proc.wait(timeout=120)
        err = errs[w].read_text()
        # (stderr holds the manager's warnings about ignored directories)
        assert proc.returncode == 0 and "Traceback" not in err and "Error" not in err, f"worker {w}: {err[-3000:]}"
        run = json.loads(outs[w].read_text())
        done.update(run["done"])
        timed_out.update(run["timed_out"])
        refused += run["refused"]
    assert len(done) >= WORKERS, f"too little work done in {SECONDS} s"
    for sid in timed_out:  # a session left active, then timed out by a worker its start was refused to
        assert sid.endswith("-idle") and done[sid]["status"] == "active"
        done[sid]["status"] = "timeout"

    conn = sqlite3.connect(fresh_db)
    rows = conn.execute("SELECT id, thread_ts, working_directory FROM threads").fetchall()
    assert sorted(ts for _, ts, _ in rows) == [f"1.{t:03d}" for t in range(threads)]  # no duplicate thread
    stored = {
        sid: (thread_id, status)
        for sid, thread_id, status in conn.execute("SELECT session_id, thread_id, status FROM sessions")
    }
    # Every session, under its final id, with its final status; no provisional id left.
    assert stored == {sid: (s["thread_id"], s["status"]) for sid, s in done.items()}
    for thread_id, ts, directory in rows:
        assert first_seen.get(ts, directory) == directory
        (first,) = conn.execute("SELECT session_id FROM sessions WHERE thread_id = ? ORDER BY id LIMIT 1", (thread_id,))
        assert directory == "/dirs/" + first[0].split("-")[0]  # whoever started the thread's first session
        mine = [s for s in done.values() if s["thread_id"] == thread_id]
        assert {s["working_directory"] for s in mine} == {directory}  # every start was told that directory
        for s in mine:  # a resumed session is one that completed, in the same thread
            if s["resume"] is not None:
                assert done[s["resume"]]["status"] == "completed" and done[s["resume"]]["thread_id"] == thread_id
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
    print(f"{len(done)} sessions by {WORKERS} workers in {SECONDS} s, {refused} starts refused; {samples} samples")


# -- 5. bad input ----------------------------------------------------------------------------------

COMMANDS = (["migrate"], ["rollback", "--to", "1"], ["status"], ["threads"], ["sessions"])


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Real database files to spoil: the earlier release's, and a current one in WAL mode."""
    folder = tmp_path_factory.mktemp("sources")
    legacy = folder / "legacy.db"
    build_legacy_db(legacy)
    current = folder / "current.db"
    shutil.copyfile(legacy, current)
    migrate.migrate(current, backup=False)
    newer = folder / "newer.db"
    shutil.copyfile(current, newer)
    conn = open_rw(newer)
    conn.execute("INSERT INTO schema_migrations (version) VALUES ('000099_future')")
    conn.commit()
    conn.close()
    legacy_wal = folder / "legacy-wal.db"
    shutil.copyfile(legacy, legacy_wal)
    to_wal(legacy_wal)
    return {name: (folder / f"{name}.db").read_bytes() for name in ("legacy", "legacy-wal", "current", "newer")}


def spoiled(sources: dict[str, bytes], case: str) -> bytes:
    rng = random.Random(case)
    legacy, current = sources["legacy"], sources["current"]
    if case == "sqlite-magic-then-random":
        return b"SQLite format 3\x00" + rng.randbytes(65536)
    if case == "truncated-to-the-header":
        return legacy[:100]
    if case == "truncated-mid-page":
        return legacy[: 3 * 4096 + 1000]
    if case == "truncated-half-wal":
        return current[: len(current) // 2]
    if case == "newer-wal":
        return sources["newer"]
    raise AssertionError(case)


def run_on_copies(tmp_path: Path, data: bytes) -> list[tuple[Path, str, subprocess.CompletedProcess[str]]]:
    """Every command, side by side, each on its own copy of `data`."""
    paths = []
    for i, _ in enumerate(COMMANDS):
        folder = tmp_path / f"c{i}"
        folder.mkdir()
        (folder / "app.db").write_bytes(data)
        paths.append(folder / "app.db")
    results = run_cli_many([[*command, "--db", str(path)] for command, path in zip(COMMANDS, paths)])
    return [(path, sha256(path), result) for path, result in zip(paths, results)]


@pytest.mark.parametrize(
    "case",
    [
        "sqlite-magic-then-random",  # (plain garbage: test_app_cli.py)
        "truncated-to-the-header",
        "truncated-mid-page",
        "truncated-half-wal",
        "newer-wal",  # (the earlier release's file with a newer version: test_app_migrate.py)
    ],
)
def test_faults_bad_file_is_one_line_error_and_stays_byte_identical(
    sources: dict[str, bytes], tmp_path: Path, case: str
) -> None:
    data = spoiled(sources, case)
    digest_before = sha256_bytes(data)
    for path, digest_after, result in run_on_copies(tmp_path, data):
        context = f"{case} {result.args[0]}"
        line = assert_one_line_error(result)
        if case == "newer-wal":
            assert "000099_future" in line and "unknown to this code" in line, context
        else:
            assert "not a database" in line or "malformed" in line, (context, line)
        assert digest_after == digest_before, context
        assert not list(path.parent.glob("*.bak-*")), context
        wal = path.with_name("app.db-wal")
        assert not wal.exists() or wal.stat().st_size == 0, context


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_faults_corrupt_page_is_refused_before_migrating(sources: dict[str, bytes], tmp_path: Path, journal: str) -> None:
    """A valid header and schema, garbage in a page of sessions: the listing
    commands may read around it, but nothing rewrites tables on top of it. A
    file in WAL mode is checked beside the first step (generated/_migrate_checks.py), which
    then rolls back: the file stays byte for byte as it was all the same."""
    data = bytearray(sources["legacy" if journal == "delete" else "legacy-wal"])
    page = 4096
    middle = (len(data) // page // 2) * page
    data[middle : middle + page] = random.Random(5).randbytes(page)
    before = sha256_bytes(bytes(data))
    for path, digest_after, result in run_on_copies(tmp_path, bytes(data)):
        command = result.args[0]
        if command in ("migrate", "rollback"):
            line = assert_one_line_error(result)
            assert "malformed" in line or "corrupt" in line, line
            assert not list(path.parent.glob("*.bak-*")), command  # no backup of a broken file either
        elif result.returncode != 0:
            assert_one_line_error(result)
        assert digest_after == before, command
        wal = path.with_name("app.db-wal")  # nor anything the rolled-back step wrote, left to replay
        assert not wal.exists() or wal.stat().st_size == 0, command


@pytest.mark.parametrize("where", ["a-directory", "under-a-file"])  # (missing ones: test_app_cli.py)
def test_faults_unusable_path_is_one_line_error(tmp_path: Path, where: str) -> None:
    if where == "a-directory":
        path = tmp_path / "app.db"
        path.mkdir()
        expected = "is a directory"
    else:
        (tmp_path / "file").write_text("x")
        path = tmp_path / "file" / "app.db"
        expected = "does not exist"
    results = run_cli_many([[*command, "--db", str(path)] for command in COMMANDS])
    for command, result in zip(COMMANDS, results):
        line = assert_one_line_error(result)
        assert expected in line and str(path) in line, (command, line)
    left = {"a-directory": ["app.db"], "under-a-file": ["file"]}[where]
    assert sorted(p.name for p in tmp_path.iterdir()) == left  # nothing created
    if where == "a-directory":
        assert list(path.iterdir()) == []
