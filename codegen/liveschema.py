"""What an engine's introspection hands the drift check (`codegen verify --db`), engine-agnostic.

A schema is described as a flat mapping from keys to attributes, so that a reference database
built from the migrations and a live one are compared key by key, attribute by attribute:

    ("table", "sessions")                       {"autoincrement": True, ...options}
    ("column_order", "sessions")                {"columns": ["id", "thread_id", ...]}
    ("column", "sessions", "status")            {"type": "TEXT", "not_null": False, "default": "'active'"}
    ("primary_key", "sessions"[, name])         {"columns": ["id"]} / {"definition": ...}
    ("foreign_key", "sessions", name)           {"on_delete": ...} / {"definition": ...}
    ("unique" | "check" | "exclusion", "threads", name)
    ("index" | "trigger", "sessions", name)     {"definition": ...}
    ("view" | "materialized_view", "recent")    {"definition": ..., "columns": [...]}
    ("enum" | "domain" | "sequence" | "function", name)

A constraint's name is its definition on SQLite (its constraints have no name to read back) and
its name on PostgreSQL. Key[1] names the table (or the object itself, for kinds without a
table): a table missing on one side hides the differences of everything keyed under it. Each
engine writes values in one normal form (identifier case, whitespace, quoting, type aliases), so
a database migrated by the same migrations describes exactly as the reference does.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

Key = tuple[str, ...]
Description = dict[Key, dict[str, object]]

# Kinds whose key[1] is the table they belong to (a missing table explains them all).
TABLE_PARTS = frozenset({"column", "column_order", "primary_key", "foreign_key", "unique", "check", "index",
                         "trigger", "exclusion", "rule", "policy"})


class LiveDatabaseError(Exception):
    """The database argument cannot be used (missing file, bad URL, refused connection, no rights):
    a clean error about the argument, exit 2."""


class MigrationRefused(Exception):
    """A migration statement failed (or was refused) in the sandbox the reference is built in."""


class QueryRefused(Exception):
    """The live database refused to prepare a query."""


class Reference(Protocol):
    """A scratch database the migrations are applied to, one statement at a time."""

    def apply(self, sql: str) -> None:
        """Run one migration statement; MigrationRefused with the engine's reason if it fails."""

    def start_file(self) -> None:
        """A migration file begins: what the files before it set for their session (PostgreSQL's
        search_path, SET or SET LOCAL) is undone, as the runner starts each step afresh."""

    def describe(self) -> Description: ...


class Live(Protocol):
    """The database under check, opened so that nothing can be written or committed."""

    display: str  # the argument as shown in messages (a URL's password hidden)

    def describe(self) -> Description: ...

    def prepare(self, sql: str, parameters: int) -> list[str]:
        """Prepare one query (with that many placeholders) without running it: its result column names (none for a statement
        without rows); QueryRefused with the engine's reason."""


class Introspection(Protocol):
    """What an engine's `introspect` module offers the drift check."""

    def accepts(self, db: str) -> bool: ...

    def open_live(self, db: str) -> AbstractContextManager[Live]: ...

    def reference(self, live: Live) -> AbstractContextManager[Reference]: ...
