"""The SQLite half of the migration runner a generated package carries (templates/_migrate_*.py.j2):
standard library only, copied as they are next to the engine-agnostic _migrate.py."""

from __future__ import annotations

from pathlib import Path

_TEMPLATES = Path(__file__).parent / "templates"
# The engine's runtime modules, by the name they get in the package.
RUNTIME_MODULES = ("_migrate_engine.py", "_migrate_checks.py")
# What migrate()/rollback()/status() accept as `db`, for the generated docstrings.
DATABASE_DOC = "a SQLite file's path (checked with quick_check and copied before the first step) or a sqlite3.Connection"


def runtime_module(name: str) -> str:
    return (_TEMPLATES / f"{name}.j2").read_text(encoding="utf-8")


def accepts(db: str) -> bool:
    """Whether `--db` names a database of this engine: anything but a URL is a SQLite file's path."""
    return "://" not in db
