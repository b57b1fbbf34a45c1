"""The engines by the name a configuration gives them (`engine = "sqlite"`).

Only the entry points (the pipeline, lint, verify, the CLI, configuration checks) look an engine
up here; every stage below them receives the engine object and asks it.
"""

from __future__ import annotations

from . import Engine
from .postgresql.engine import POSTGRESQL
from .sqlite.engine import SQLITE

ENGINES: dict[str, Engine] = {engine.name: engine for engine in (SQLITE, POSTGRESQL)}
NAMES: tuple[str, ...] = tuple(ENGINES)
DEFAULT = SQLITE.name


def engine_named(name: str) -> Engine:
    """The engine a configuration names; KeyError for a name the registry does not hold (the
    configuration parsers report those against NAMES before anything gets here)."""
    return ENGINES[name]


__all__ = ["DEFAULT", "ENGINES", "NAMES", "engine_named"]
