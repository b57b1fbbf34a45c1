"""The PostgreSQL half of the migration runner a generated package carries
(templates/_migrate_engine.py.j2): psycopg 3, copied as it is next to the engine-agnostic _migrate.py."""

from __future__ import annotations

from pathlib import Path

_TEMPLATES = Path(__file__).parent / "templates"
# The engine's runtime modules, by the name they get in the package.
RUNTIME_MODULES = ("_migrate_engine.py",)
# What migrate()/rollback()/status() accept as `db`, for the generated docstrings.
DATABASE_DOC = "a postgresql:// URL or a psycopg.Connection in autocommit mode"


def runtime_module(name: str) -> str:
    return (_TEMPLATES / f"{name}.j2").read_text(encoding="utf-8")


def accepts(db: str) -> bool:
    """Whether `--db` names a database of this engine: a postgresql:// (or postgres://) URL."""
    return db.startswith(("postgresql://", "postgres://"))
