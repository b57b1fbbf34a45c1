"""The service's migrations, run by the runner codegen generates: generated.migrations (SQLite,
schema/) and generated.postgresql.migrations (PostgreSQL, schema/postgresql/, the same versions
written the PostgreSQL way). Every guarantee is the generated runner's (generated/_migrate*.py).

What stays here is the service's own policy on top of it:
  * a postgresql:// URL or a psycopg connection goes to the PostgreSQL package, anything else to
    the SQLite one;
  * another tool's version table is refused, not adopted (adopt=False): the service's databases
    were only ever migrated by its Go release and by this runner, both of which keep
    schema_migrations(version TEXT, applied_at) (its rows `000001_init`, `000003_...` are this
    runner's versions and are continued as they are);
  * schema_migrations keeps the Go release's shape, (version TEXT, applied_at), with no checksum
    column (checksums=False): a database rolled back to 000003 is the Go release's schema exactly,
    and one upgraded from it the same as a fresh one (tests/app/test_app_migrate.py);
  * `python -m app migrate --schema DIR` (tests) reads migrations from a folder at run time;
  * errors of either package are app.errors.MigrationError.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from app.db import Connection, is_postgres, is_postgres_url
from app.errors import MigrationError as MigrationError  # re-exported: app.migrate.MigrationError
from generated import _migrate
from generated import migrations as sqlite_migrations
from generated._migrate import Migration, Progress, RunResult, Status
from generated._migrate import newer_version_message as newer_version_message
from generated._migrate_engine import split_statements as split_statements

__all__ = ["SCHEMA_DIR", "Migration", "MigrationError", "Progress", "RunResult", "Status", "check_current",
           "load_migrations", "migrate", "newer_version_message", "rollback", "split_statements", "status"]

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"


def load_migrations(schema_dir: str | Path | None = None) -> Sequence[Migration]:
    """The migrations in `schema_dir`, read now; without one, the SQLite package's own."""
    with _errors():
        return sqlite_migrations.MIGRATIONS if schema_dir is None else _migrate.load_folder(schema_dir)


def status(db: str | Path | Connection, schema_dir: str | Path | None = None) -> Status:
    """Applied, pending and unknown versions, without modifying anything."""
    package = _package(db)
    with _errors():
        result: Status = package.status(_target(db), adopt=False, migrations=_migrations(package, schema_dir))
        return result


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
    """Apply pending migrations (up to and including number `to`). `db` is a SQLite file, a
    postgresql:// URL or an open connection (autocommit, outside a transaction)."""
    package = _package(db)
    with _errors():
        result: RunResult = package.migrate(_target(db), to, backup=backup, adopt=False, progress=progress,
                                            checksums=False, migrations=_migrations(package, schema_dir))
        return result


def rollback(
    db: str | Path | Connection,
    *,
    to: int,
    schema_dir: str | Path | None = None,
    backup: bool = True,
    progress: Progress | None = None,
) -> RunResult:
    """Run down migrations, newest first, until number `to` is the newest applied."""
    package = _package(db)
    with _errors():
        result: RunResult = package.rollback(_target(db), to, backup=backup, adopt=False, progress=progress,
                                             checksums=False, migrations=_migrations(package, schema_dir))
        return result


def _package(db: object) -> ModuleType:
    if is_postgres_url(db) or is_postgres(db):
        from generated.postgresql import migrations as postgres_migrations

        return postgres_migrations
    if not isinstance(db, (str, Path, sqlite3.Connection)):
        raise TypeError(f"expected a database path, URL or connection, got {type(db).__name__}")
    return sqlite_migrations


def _target(db: str | Path | Connection) -> Any:
    return str(db) if isinstance(db, Path) else db


def _migrations(package: ModuleType, schema_dir: str | Path | None) -> Sequence[Any]:
    if schema_dir is None:
        return package.MIGRATIONS  # type: ignore[no-any-return]
    # The same dataclass in either package; the PostgreSQL package's runner takes its own.
    found = _migrate.load_folder(schema_dir)
    own = package.Migration
    return tuple(own(m.version, m.number, m.path, m.up, m.checksum, m.down_path, m.down) for m in found)


@contextmanager
def _errors() -> Iterator[None]:
    """Either package's MigrationError as the service's (one class for callers to catch)."""
    errors: tuple[type[BaseException], ...] = (_migrate.MigrationError,)
    import sys

    postgres = sys.modules.get("generated.postgresql._migrate")
    if postgres is not None:
        errors += (postgres.MigrationError,)
    try:
        yield
    except errors as exc:
        raise MigrationError(str(exc)) from exc
