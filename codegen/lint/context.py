"""What the migration rules know while one migration file is walked statement by statement."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..catalog.build import SchemaState
from ..engines import EngineTraits
from ..source import SourceFile, Statement
from .ddl import Objects, StatementView
from .findings import Finding, at

_GOOSE_NO_TX = re.compile(r"^\s*--\s*\+goose\s+NO\s+TRANSACTION\b", re.IGNORECASE | re.MULTILINE)
_GOOSE = re.compile(r"^\s*--\s*\+goose\s+up\b", re.IGNORECASE | re.MULTILINE)
_DBMATE = re.compile(r"^\s*--\s*migrate:up\b(?P<opts>[^\n]*)", re.IGNORECASE | re.MULTILINE)


class LintEngine(EngineTraits, Protocol):
    """What the migration and query rules ask of the engine: its own rules."""

    def lint_statement(self, ctx: FileContext, view: StatementView) -> None:
        """This engine's migration rules on one statement (ctx collects the findings)."""
        return None

    def lint_file_end(self, ctx: FileContext) -> None:
        """This engine's migration rules once a whole file is read."""
        return None

    def lint_query(self, view: StatementView, min_version: tuple[int, ...] | None) -> list[Finding]:
        """Findings on a query's text alone (features newer than the oldest supported version)."""
        return []


@dataclass
class Dropped:
    """A table dropped in this file, as it was just before the DROP (for rebuild checks)."""

    stmt: Statement
    columns: list[str]
    indexes: list[tuple[str, tuple[str, ...], bool]]  # (name, columns, unique)
    triggers: list[str]
    views: list[str]
    referenced_by: list[str]
    references: set[str]
    rebuilt_by: Statement | None = None  # the ALTER TABLE new RENAME TO old that completes a rebuild
    new_columns: list[str] = field(default_factory=list)


@dataclass
class FileContext:
    source: SourceFile
    engine: LintEngine
    state: SchemaState  # the schema before the statement being checked
    objects: Objects
    statements: list[Statement]
    shared: dict[str, Any]  # facts that outlive one file (validated NOT NULL checks)
    sqlite_min_version: tuple[int, ...] | None = None
    findings: list[Finding] = field(default_factory=list)
    created: set[str] = field(default_factory=set)  # tables created by this file
    dropped: dict[str, Dropped] = field(default_factory=dict)
    in_transaction: bool = False  # an explicit BEGIN is open
    foreign_keys_off: bool = False  # PRAGMA foreign_keys = OFF ran outside a transaction
    lock_timeout: bool = False
    lock_reported: bool = False

    def __post_init__(self) -> None:
        views = [StatementView(s, self.engine) for s in self.statements]
        self.foreign_key_check = any(v.starts("PRAGMA") and v.name_at(1) == "foreign_key_check" for v in views)
        self.dropped_later = {v.name_at(a) for v in views if v.starts("DROP", "TABLE")
                              for a, _ in v.split_top(v.skip_if_exists(2), len(v.words))}
        self.created_later = {v.name_at(v.skip_if_exists(v.words.index("TABLE") + 1)) for v in views
                              if v.starts("CREATE") and "TABLE" in v.words[1:4]
                              and v.words.index("TABLE") + 1 < len(v.words)}
        self.moved_aside: dict[str, str] = {}  # old table renamed away to rebuild it: new name -> old name
        # (table, column) of every ADD COLUMN: a column renamed away and added again under its name
        # before the file commits is still there for running code.
        self.columns_added = {(v.name_at(2), v.name_at(v.skip_if_exists(a + 1 + (v.words[a + 1] == "COLUMN"))))
                              for v in views if v.starts("ALTER", "TABLE") and len(v.words) > 3
                              for a, b in v.split_top(v.name_end(2), len(v.words))
                              if v.words[a] == "ADD" and a + 1 < b
                              and v.words[a + 1] not in ("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "EXCLUDE")}
        text = self.source.text
        dbmate = _DBMATE.search(text)
        # goose and dbmate wrap each file in a transaction unless told not to; a PostgreSQL file of
        # several statements sent as one query (golang-migrate) runs in an implicit one.
        self.wrapped = bool((_GOOSE.search(text) and not _GOOSE_NO_TX.search(text))
                            or (dbmate and "transaction:false" not in dbmate.group("opts").replace(" ", "").lower())
                            or (self.engine.implicit_transactions and len(self.statements) > 1))

    def report(self, v: StatementView, rule: str, message: str, index: int = 0) -> None:
        self.findings.append(at(v.stmt, rule, message, v.offset(index)))

    def existed_before(self, table: str) -> bool:
        """Did the table exist before this file (so running code and real rows may use it)?"""
        return table not in self.created

    def after(self, v: StatementView) -> None:
        """Bookkeeping once the statement has been applied."""
        w = v.words
        if not w:
            return
        if w[0] in ("BEGIN", "START") and not (len(w) > 1 and w[1] in ("ATOMIC",)):
            self.in_transaction = True
        elif w[0] in ("COMMIT", "END", "ROLLBACK", "ABORT") and not (len(w) > 1 and w[1] == "TO"):
            self.in_transaction = False
        elif w[0] == "CREATE" and "TABLE" in w[1:4]:
            i = v.skip_if_exists(w.index("TABLE") + 1)
            self.created.add(v.name_at(i))
        elif v.starts("PRAGMA") and v.name_at(1) == "foreign_keys" and not self.in_transaction and len(w) > 3:
            self.foreign_keys_off = w[-1] in ("OFF", "0", "FALSE", "NO")
        elif w[0] == "SET" and "LOCK_TIMEOUT" in w[1:3]:
            self.lock_timeout = True
