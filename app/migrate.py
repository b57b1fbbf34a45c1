"""The runtime migration runner: applies schema/NNNNNN_name.up.sql files in
order and rolls them back with their .down.sql twins.

Standard library only: the service must be able to migrate its database
without the code generator (sqlglot) installed. A postgresql:// URL (or a
psycopg connection) is migrated by app.migrate_postgres from
schema/postgresql/, the same versions written the PostgreSQL way, with the
same guarantees by PostgreSQL's means; everything below is about SQLite.

Guarantees, each step at a time:
  * a step commits together with its schema_migrations row, or not at all;
  * each step runs in its own BEGIN IMMEDIATE transaction and re-reads the
    applied versions inside it, so concurrent migrators serialize and never
    apply a step twice;
  * foreign_keys is OFF while migrating (table rebuilds drop and rename tables
    that others reference) and PRAGMA foreign_key_check must come back empty
    before each COMMIT;
  * a database recording a version this code does not know is refused before
    anything touches it (it was migrated by newer code);
  * a database file is checked for corruption (PRAGMA quick_check) and
    copied next to itself (SQLite's backup API in WAL mode, the file's bytes
    under a read lock with a rollback journal) before the first step commits;
    both run beside the first step's statements (app.preflight), so they add
    little to the migration's time;
  * steps run under a rollback journal where they can (a table rewrite
    costs less there, see _run) and the file ends in WAL mode; a file the
    earlier release left in a rollback journal is switched only once a step
    has committed on it, since the switch rewrites the header of a file
    that may turn out corrupt.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app import fkcheck
from app.db import Connection, connect_sqlite, enable_wal, is_postgres, is_postgres_url
from app.errors import MigrationError as MigrationError  # re-exported: app.migrate.MigrationError
from app.errors import foreign_table_message
from app.preflight import Preflight

if TYPE_CHECKING:
    from app.migrate_postgres import PgConnection

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"

_UP_FILE = re.compile(r"^(\d+)_(\w+)\.up\.sql$")
_DOWN_FILE = re.compile(r"^(\d+)_(\w+)\.down\.sql$")
# Statements that would end or nest the runner's own transaction.
_TRANSACTION_CONTROL = frozenset({"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "VACUUM"})

_CREATE_VERSIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version TEXT PRIMARY KEY,
    applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
)"""

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Migration:
    number: int
    version: str  # the file name without .up.sql: "000001_init"
    up: Path
    down: Path | None


@dataclass(frozen=True)
class Statement:
    line: int  # 1-based line of the statement's first token in its file
    sql: str


@dataclass(frozen=True)
class Status:
    applied: tuple[tuple[str, str | None], ...]  # (version, applied_at), oldest first
    pending: tuple[str, ...]
    unknown: tuple[str, ...]  # recorded by the database, no file here: newer code

    @property
    def current(self) -> str | None:
        return self.applied[-1][0] if self.applied else None


@dataclass(frozen=True)
class RunResult:
    steps: tuple[str, ...]  # versions applied (migrate) or reverted (rollback), in order
    backup: Path | None  # the copy taken before the first step, if any
    version: str | None  # the database's version afterwards


def load_migrations(schema_dir: str | Path | None = None) -> list[Migration]:
    """The migrations in `schema_dir` (default: the repo's schema/), in order."""
    folder = Path(schema_dir) if schema_dir is not None else SCHEMA_DIR
    if not folder.is_dir():
        raise MigrationError(f"schema directory {folder} does not exist")
    ups: dict[int, Path] = {}
    downs: dict[str, Path] = {}
    for file in sorted(folder.iterdir()):
        if file.name.endswith(".up.sql"):
            match = _UP_FILE.match(file.name)
            if not match:
                raise MigrationError(f"{file}: migration files must be named NNNNNN_name.up.sql")
            number = int(match.group(1))
            if number in ups:
                raise MigrationError(f"{file}: version number {number} is also used by {ups[number].name}")
            ups[number] = file
        elif file.name.endswith(".down.sql"):
            if not _DOWN_FILE.match(file.name):
                raise MigrationError(f"{file}: migration files must be named NNNNNN_name.down.sql")
            downs[file.name.removesuffix(".down.sql")] = file
    migrations = []
    for number in sorted(ups):
        version = ups[number].name.removesuffix(".up.sql")
        migrations.append(Migration(number, version, ups[number], downs.pop(version, None)))
    if downs:
        orphan = next(iter(downs.values()))
        raise MigrationError(f"{orphan}: down migration without a matching .up.sql")
    return migrations


def split_statements(text: str) -> list[Statement]:
    """Cut a migration file into single statements, keeping their lines.

    sqlite3.complete_statement decides where a statement ends, so semicolons
    inside strings, comments and CREATE TRIGGER ... BEGIN ... END bodies do not
    split. Candidates are tried at every semicolon rather than at line ends so
    that two statements on one line still become two statements.
    """
    statements: list[Statement] = []
    start = 0
    semicolon = text.find(";")
    while semicolon >= 0:
        if sqlite3.complete_statement(text[start : semicolon + 1]):
            _append(statements, text, start, semicolon + 1)
            start = semicolon + 1
        semicolon = text.find(";", semicolon + 1)
    _append(statements, text, start, len(text))  # a last statement without ';'
    return statements


def _append(statements: list[Statement], text: str, start: int, end: int) -> None:
    begin = _skip_space_and_comments(text, start, end)
    sql = text[begin:end].strip()
    if sql and sql != ";":
        statements.append(Statement(text.count("\n", 0, begin) + 1, sql))


def _skip_space_and_comments(text: str, i: int, end: int) -> int:
    while i < end:
        if text[i].isspace():
            i += 1
        elif text.startswith("--", i):
            newline = text.find("\n", i, end)
            i = end if newline < 0 else newline + 1
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2, end)
            i = end if close < 0 else close + 2
        else:
            break
    return i


def status(db: str | Path | Connection, schema_dir: str | Path | None = None) -> Status:
    """Applied, pending and unknown versions, without modifying anything."""
    postgres = _postgres_target(db)
    if postgres is not None:
        from app import migrate_postgres

        return migrate_postgres.status(postgres, schema_dir)
    migrations = load_migrations(schema_dir)
    if isinstance(db, sqlite3.Connection):
        return _status(_applied(db), migrations)
    conn = connect_sqlite(_path(db), readonly=True)
    try:
        return _status(_applied(conn), migrations)
    finally:
        conn.close()


def check_current(conn: Connection, schema_dir: str | Path | None = None) -> None:
    """Raise MigrationError unless the database is exactly at this code's version."""
    state = status(conn, schema_dir)
    if state.unknown:
        raise MigrationError(newer_version_message(state.unknown))
    if state.pending:
        raise MigrationError(
            f"database is at version {state.current or '(none)'} with {len(state.pending)} pending "
            f"migration(s); run `python -m app migrate` first"
        )


def migrate(
    db: str | Path | Connection,
    *,
    to: int | None = None,
    schema_dir: str | Path | None = None,
    backup: bool = True,
    progress: Progress | None = None,
) -> RunResult:
    """Apply pending migrations (up to and including number `to`).

    `db` is a SQLite file, a postgresql:// URL or an open connection (in
    autocommit mode, outside a transaction). Backups are SQLite's only.
    """
    return _open_and_run(db, "up", to, schema_dir, backup, progress)


def rollback(
    db: str | Path | Connection,
    *,
    to: int,
    schema_dir: str | Path | None = None,
    backup: bool = True,
    progress: Progress | None = None,
) -> RunResult:
    """Run down migrations, newest first, until number `to` is the newest applied."""
    if to < 0:
        raise MigrationError("--to must be 0 or a migration number")
    return _open_and_run(db, "down", to, schema_dir, backup, progress)


def _open_and_run(
    db: str | Path | Connection,
    direction: str,
    to: int | None,
    schema_dir: str | Path | None,
    backup: bool,
    progress: Progress | None,
) -> RunResult:
    postgres = _postgres_target(db)
    if postgres is not None:
        from app import migrate_postgres

        return migrate_postgres.run(postgres, direction, to, schema_dir, progress)
    migrations = load_migrations(schema_dir)
    if isinstance(db, sqlite3.Connection):
        return _run(db, migrations, direction, to, progress)
    path = _path(db)
    check = False  # whether there are steps to run on an existing file: checked beside the first
    keep_journal = False  # a rollback-journal file is migrated so and switched to WAL after its last step
    if path.exists():
        # Refuse a newer database through a read-only connection first:
        # opening it for writing would already switch it to WAL mode.
        ro = connect_sqlite(path, readonly=True)
        try:
            plan = _plan(migrations, _applied(ro), direction, to)
            if plan:
                check = True
                # The switch rewrites the header, which must wait until the file is known intact.
                keep_journal = ro.execute("PRAGMA journal_mode").fetchone()[0] != "wal"
        finally:
            ro.close()
        # SQLite opens a file it may not write read-only without a word; in
        # WAL mode even BEGIN IMMEDIATE succeeds, and the first statement of a
        # step would fail, blamed on the migration file.
        if plan and not os.access(path, os.W_OK):
            raise MigrationError(f"database {path} is read-only (no permission to write it); nothing was changed")
        folder = path.parent  # Path("app.db").parent is Path(".")
        if plan and not os.access(folder, os.W_OK):  # where SQLite writes its journal or -wal file
            raise MigrationError(
                f"database {path} is in a read-only directory (no permission to create its journal in {folder}); "
                "nothing was changed"
            )
    conn = connect_sqlite(path, create=direction == "up", wal=not keep_journal)
    try:
        return _run(conn, migrations, direction, to, progress, file=path, check=check, backup=backup)
    finally:
        conn.close()


def _postgres_target(db: object) -> str | PgConnection | None:
    """The URL or psycopg connection when `db` is PostgreSQL, else None."""
    if is_postgres_url(db):
        return str(db)
    if is_postgres(db):
        return db  # type: ignore[return-value]  # is_postgres checked the type
    return None


def _path(db: object) -> Path:
    if not isinstance(db, (str, Path)):
        raise TypeError(f"expected a database path, URL or connection, got {type(db).__name__}")
    return Path(db)


def _run(
    conn: sqlite3.Connection,
    migrations: list[Migration],
    direction: str,
    to: int | None,
    progress: Progress | None,
    *,
    file: Path | None = None,
    check: bool = False,
    backup: bool = False,
) -> RunResult:
    """Apply the plan step by step on `conn`; for a database `file`, the corruption check (if
    `check`) and the backup copy (if `backup`) run beside the first step (see app.preflight)."""
    if conn.in_transaction:
        raise MigrationError("cannot migrate inside an open transaction")
    foreign_keys = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    # Must be set outside a transaction: inside one the PRAGMA is a no-op.
    conn.execute("PRAGMA foreign_keys = OFF")
    # Steps after the first run under a rollback journal, and the file goes (back) to WAL at the
    # end. A statement that rewrites a whole table (DROP COLUMN) inside a step's transaction must
    # keep every page it changes in a statement journal too, unless the page already goes to the
    # rollback journal: with a rollback journal that copy is free, in WAL mode it is a second
    # write of the table (~7% of the migration of a million sessions, bench/migration.py). A file
    # the earlier release left in a rollback journal stays in it from the start: it must not be
    # switched before the preflight has found it intact (the switch rewrites its header).
    to_wal = file is not None and conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal"
    preflight_due = file is not None and (check or backup)  # once per run, with its first step
    steps: list[str] = []
    backup_path: Path | None = None
    version: str | None = None
    try:
        while True:
            _begin(conn)
            preflight: Preflight | None = None
            try:
                if direction == "up":
                    conn.execute(_CREATE_VERSIONS)
                applied = _applied(conn)
                version = _status(applied, migrations).current
                plan = _plan(migrations, applied, direction, to)
                if not plan:
                    conn.execute("COMMIT")
                    break
                step = plan[0]
                if preflight_due and file is not None:
                    preflight_due = False
                    copy = backup and _has_tables(conn)  # nothing worth a copy in a brand-new file
                    if check or copy:
                        backup_as = (version or "none") if copy else None
                        preflight = Preflight(file, check=check, backup_as=backup_as, interrupt=conn.interrupt).start()
                try:
                    _apply(conn, step, direction, version)
                except BaseException:
                    cause = preflight.abandon() if preflight is not None else None
                    if cause is not None:  # a corrupt page or a full disk, which the step ran into
                        raise cause from None
                    raise
                if preflight is not None:
                    backup_path = preflight.finish()
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            steps.append(step.version)
            if progress is not None:
                progress(step.version)
            if file is not None and len(steps) == 1 and not to_wal and len(plan) > 1:
                to_wal = _leave_wal(conn)
    finally:
        if to_wal and steps:  # only a file a step has committed on is known intact
            _switch_to_wal(conn)
        conn.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
    return RunResult(tuple(steps), backup_path, version)


def _leave_wal(conn: sqlite3.Connection) -> bool:
    """Switch from WAL to a rollback journal for the steps to come; whether it did. SQLite
    refuses while other connections have the file open (the service reading, say): the steps
    then run in WAL mode, only a little slower."""
    try:
        return bool(conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete")
    except sqlite3.OperationalError:
        return False


def _switch_to_wal(conn: sqlite3.Connection) -> None:
    """Switch a file checked intact to WAL. Not worth failing a run whose steps committed over:
    if other connections keep the file busy for the whole timeout, the app's next connection
    switches it (app.db.connect_sqlite)."""
    try:
        enable_wal(conn)
    except sqlite3.OperationalError:
        pass


def _begin(conn: sqlite3.Connection) -> None:
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise MigrationError(f"cannot lock the database for migrating: {exc}") from exc


@dataclass(frozen=True)
class StepFile:
    """The file a step runs, read, and what a failure leaves behind (for messages)."""

    path: Path
    text: str
    kept: str  # "the database stays at 000003_working_directories"


def read_step(step: Migration, direction: str, version: str | None) -> StepFile:
    file = step.up if direction == "up" else step.down
    assert file is not None  # _plan refuses steps without a down file
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MigrationError(f"{file}: cannot read: {exc}") from exc
    return StepFile(file, text, f"the database stays at {version or 'no version'}")


def refuse_transaction_control(
    step: StepFile, statement: Statement, control: frozenset[str] = _TRANSACTION_CONTROL
) -> None:
    """The runner wraps each file in its own transaction: a file must not end or nest it."""
    keyword = statement.sql.split(None, 1)[0].rstrip(";").upper()
    if keyword in control:
        raise MigrationError(
            f"{step.path}:{statement.line}: {keyword} is not allowed in a migration: "
            f"the runner wraps each file in its own transaction ({step.kept})"
        )


def _apply(conn: sqlite3.Connection, step: Migration, direction: str, version: str | None) -> None:
    run = read_step(step, direction, version)
    file, text, kept = run.path, run.text, run.kept
    for statement in split_statements(text):
        refuse_transaction_control(run, statement)
        try:
            conn.execute(statement.sql)
        except sqlite3.Error as exc:
            raise MigrationError(f"{file}:{statement.line}: {exc} (rolled back; {kept})") from exc
        if not conn.in_transaction:  # a statement ended the transaction behind our back
            raise MigrationError(f"{file}:{statement.line}: the statement ended the migration's transaction")
    if direction == "up":
        conn.execute("INSERT INTO schema_migrations (version) VALUES (?)", (step.version,))
    else:
        conn.execute("DELETE FROM schema_migrations WHERE version = ?", (step.version,))
    # Only the keys of tables this step touches can break; checked set-based (see fkcheck).
    violations = fkcheck.violations(conn, fkcheck.touched_tables(s.sql for s in split_statements(text)))
    if violations:
        shown = "; ".join(f"{table} row {rowid} -> missing {parent}" for table, rowid, parent in violations)
        raise MigrationError(f"{file}: leaves foreign key violations ({shown}); rolled back, {kept}")


def _plan(
    migrations: list[Migration], applied: dict[str, str | None], direction: str, to: int | None
) -> list[Migration]:
    """The steps still to run, in running order; refuses what it must not touch."""
    state = _status(applied, migrations)
    if state.unknown:
        raise MigrationError(newer_version_message(state.unknown))
    by_version = {m.version: m for m in migrations}
    done = [by_version[v] for v, _ in state.applied]
    if direction == "up":
        pending = [m for m in migrations if m.version not in applied and (to is None or m.number <= to)]
        newest = max((m.number for m in done), default=-1)
        if pending and pending[0].number < newest:
            raise MigrationError(
                f"{pending[0].version} is older than the applied {state.current}; "
                "refusing to apply a migration out of order"
            )
        return pending
    assert to is not None
    plan = [m for m in reversed(done) if m.number > to]
    for m in plan:
        if m.down is None:
            raise MigrationError(f"{m.version} has no .down.sql; cannot roll back past it")
    return plan


def _status(applied: dict[str, str | None], migrations: list[Migration]) -> Status:
    known = {m.version for m in migrations}
    ordered = sorted(applied.items(), key=lambda item: (_number(item[0]), item[0]))
    return Status(
        applied=tuple((v, at) for v, at in ordered if v in known),
        pending=tuple(m.version for m in migrations if m.version not in applied),
        unknown=tuple(v for v, _ in ordered if v not in known),
    )


def _number(version: str) -> int:
    digits = re.match(r"\d+", version)
    return int(digits.group()) if digits else -1


def newer_version_message(unknown: tuple[str, ...]) -> str:
    return (
        f"database records version {', '.join(unknown)}, unknown to this code "
        "(migrated by a newer release?); refusing to touch it"
    )


def _applied(conn: sqlite3.Connection) -> dict[str, str | None]:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    if not exists:
        return {}
    columns = [row[1] for row in conn.execute("PRAGMA table_info(schema_migrations)")]
    if not {"version", "applied_at"} <= set(columns):
        raise MigrationError(foreign_table_message(columns))
    return {str(v): at for v, at in conn.execute("SELECT version, applied_at FROM schema_migrations")}



def _has_tables(conn: sqlite3.Connection) -> bool:
    """Whether there is anything worth backing up (not for a brand-new file)."""
    row = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
        "AND name NOT IN ('schema_migrations', 'sqlite_sequence')"
    ).fetchone()
    return bool(row[0])
