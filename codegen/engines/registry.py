"""The engines by the name a configuration gives them (`engine = "sqlite"`).

Only the entry points (the pipeline, lint, verify, the CLI, configuration checks) look an engine
up here; every stage below them receives the engine object and asks it. An engine's package is
imported when a configuration first names it: a SQLite project never loads PostgreSQL's tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..sqltext import Lexing

if TYPE_CHECKING:  # the engine's type names every stage: loaded with an engine, not before
    from .base import Engine


def _sqlite() -> Engine:
    from .sqlite.engine import SQLITE

    return SQLITE


def _postgresql() -> Engine:
    from .postgresql.engine import POSTGRESQL

    return POSTGRESQL


def _sqlite_lexing() -> Lexing:
    from .sqlite import lexing

    return lexing


def _postgresql_lexing() -> Lexing:
    from .postgresql import lexing

    return lexing


_LOADERS: dict[str, Callable[[], Engine]] = {"sqlite": _sqlite, "postgresql": _postgresql}
_LEXING: dict[str, Callable[[], Lexing]] = {"sqlite": _sqlite_lexing, "postgresql": _postgresql_lexing}
NAMES: tuple[str, ...] = tuple(_LOADERS)
DEFAULT = "sqlite"


def engine_named(name: str) -> Engine:
    """The engine a configuration names; KeyError for a name the registry does not hold (the
    configuration parsers report those against NAMES before anything gets here)."""
    engine = _LOADERS[name]()
    assert engine.name == name, (engine.name, name)
    return engine


def lexing_named(name: str) -> Lexing:
    """The engine's lexer alone (reading source files needs no more, and loads no parser)."""
    return _LEXING[name]()


__all__ = ["DEFAULT", "NAMES", "engine_named", "lexing_named"]
