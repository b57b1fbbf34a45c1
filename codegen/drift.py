"""`python -m codegen verify --db PATH_OR_URL`: does a live database hold the schema the migrations
declare, and do the project's queries prepare against it?

The engine builds a reference database from the migrations in a sandbox (SQLite: in memory;
PostgreSQL: a scratch database, one transaction rolled back) and describes it and the live one
the same way (codegen.liveschema). The reference is described after every migration statement,
so each object is located at the statement that created or last altered it (a table renamed into
place keeps the place of the statement that created it), and an object only the live database
holds at the statement that dropped it, if one did. Then every query is prepared against the live
database, nothing run. Exit 0: no difference; 1: drift or a query refused; 2: the database
argument is unusable.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import cast

from .annotate import split_blocks
from .config import Config
from .engines.registry import engine_named
from .errors import CodegenError, Diagnostic
from .liveschema import (TABLE_PARTS, Description, Introspection, Key, Live, LiveDatabaseError, MigrationRefused,
                         QueryRefused, Reference)
from .placeholders import SLICE_MARK
from .sources import query_files, schema_files
from .sqltext import split_statements
from .variants import checked_variants

# Version tables of migration runners: codegen's own (and golang-migrate's, dbmate's)
# schema_migrations, the copy of another tool's table it keeps when it adopts one
# (schema_migrations_<tool>), goose's goose_db_version. A live database holds them, no migration
# declares them.
_BOOKKEEPING_TABLE = re.compile(r"^(schema_migrations(_\w+)?|goose_db_version)$")
_SLICE = re.compile(re.escape(SLICE_MARK).replace(r"\{name\}", r"\d+"))
# The exit status when the database argument cannot be used (1 is kept for drift found).
UNUSABLE_DATABASE = 2


@dataclass(frozen=True)
class Place:
    path: str
    line: int
    col: int


def introspection(engine: str) -> Introspection:
    """The engine's introspection module (codegen/engines/<engine>/introspect.py)."""
    return cast(Introspection, engine_named(engine).introspection)


def pick_target(config: Config, db: str) -> Config:
    """The config (or target) whose engine takes this database argument: a postgresql:// URL picks
    the PostgreSQL target, a file the SQLite one."""
    for target in (config, *config.targets):
        if introspection(target.engine).accepts(db):
            return target
    raise LiveDatabaseError(f"no target of {config.display(config.path)} is for an engine that takes this database")


class Locator:
    """Where each object of the reference was created, last altered, and dropped."""

    def __init__(self) -> None:
        self.declared: dict[Key, Place] = {}  # created or last altered
        self.created: dict[Key, Place] = {}
        self.dropped: dict[Key, Place] = {}
        self.description: Description = {}

    def after(self, place: Place, now: Description) -> None:
        """Record what one migration statement changed (`now` is the reference after it)."""
        before = self.description
        gone = {key: value for key, value in before.items() if key not in now}
        for key, value in now.items():
            if key in before and before[key] == value:
                continue
            if key in before:
                self.declared[key] = place
                continue
            renamed = self._renamed_from(key, value, gone)
            self.declared[key] = self.declared.get(renamed, place) if renamed else place
            self.created[key] = self.created.get(renamed, place) if renamed else place
            self.dropped.pop(key, None)
        for key in gone:
            self.dropped[key] = place
            self.declared.pop(key, None)
            self.created.pop(key, None)
        self.description = now

    @staticmethod
    def _renamed_from(key: Key, value: dict[str, object], gone: Description) -> Key | None:
        """The key this one was renamed from by the same statement (ALTER TABLE t_new RENAME TO t,
        the end of SQLite's table rebuild): same kind, same attributes, same name within the table."""
        for old, was in gone.items():
            if old[0] == key[0] and was == value and (old[2:] == key[2:] if len(key) > 2 else True):
                return old
        return None


_KIND_WORDS = {"primary_key": ("primary key", "PRIMARY KEY"), "foreign_key": ("foreign key", "FOREIGN KEY"),
               "unique": ("unique constraint", "UNIQUE"), "check": ("check constraint", "CHECK"),
               "exclusion": ("exclusion constraint", "EXCLUDE")}


def _label(key: Key) -> str:
    """How a key reads in a message: `column books.title`, `index idx_books_status on books`."""
    kind = key[0]
    if kind == "column":
        return f"column {key[1]}.{key[2]}"
    if kind == "column_order":
        return f"table {key[1]}"
    if kind == "primary_key" and len(key) == 2:
        return f"the primary key of {key[1]}"
    if kind in _KIND_WORDS:
        words, sql = _KIND_WORDS[kind]
        # SQLite's constraints are named by their definition, PostgreSQL's by their name.
        return f"{key[2]} on {key[1]}" if key[2].upper().startswith(sql) else f"{words} {key[2]} on {key[1]}"
    if kind in ("index", "trigger", "rule", "policy"):
        return f"{kind} {key[2]} on {key[1]}"
    return f"{kind.replace('_', ' ')} {key[1]}"


def _shown(value: object) -> str:
    if isinstance(value, list):
        return "(" + ", ".join(str(v) for v in value) + ")"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    return str(value)


def differences(reference: Description, live: Description) -> list[tuple[Key, str]]:
    """(key, message) for each difference; parts of a table missing on one side are not repeated."""
    out: list[tuple[Key, str]] = []
    missing = {k[1] for k in reference if k[0] == "table" and k not in live}
    extra = {k[1] for k in live if k[0] == "table" and k not in reference}
    ignored = {name for name in extra if _BOOKKEEPING_TABLE.match(name.rsplit(".", 1)[-1])}
    for key in sorted(reference.keys() | live.keys()):
        if key[0] in TABLE_PARTS and key[1] in missing | extra:
            continue
        if key[0] == "table" and key[1] in ignored:
            continue
        if key not in live:
            out.append((key, f"{_label(key)} is missing from the database"))
        elif key not in reference:
            out.append((key, f"{_label(key)} is in the database, the migrations do not declare it"))
        else:
            out.extend((key, message) for message in _attribute_differences(key, reference[key], live[key]))
    return out


def _attribute_differences(key: Key, declared: dict[str, object], found: dict[str, object]) -> list[str]:
    messages = []
    for attribute in sorted(declared.keys() | found.keys()):
        ours, theirs = declared.get(attribute), found.get(attribute)
        if ours == theirs:
            continue
        if key[0] == "column_order" and isinstance(ours, list) and isinstance(theirs, list):
            if sorted(ours) == sorted(theirs):  # a column missing or extra is reported for the column
                messages.append(f"{_label(key)}: column order: the migrations declare {_shown(ours)}, "
                                f"the database has {_shown(theirs)}")
            continue
        name = attribute.replace("_", " ")
        if attribute == "not_null":
            ours, theirs = ("NOT NULL" if v else "nullable" for v in (ours, theirs))
        messages.append(f"{_label(key)}: {name}: the migrations declare {_shown(ours)}, the database has {_shown(theirs)}")
    return messages


def _migration_statements(config: Config) -> list[tuple[Place, str]]:
    statements = []
    for source in schema_files(config):
        # A schema file may also hold annotated queries (sqlc reads only its DDL): not migrations.
        blocks, _ = split_blocks(source, engine_named(config.engine), allow_unannotated=True)
        queries = {block.statement.start for block in blocks}
        for stmt in split_statements(source, engine_named(config.engine)):
            if stmt.start not in queries:
                statements.append((Place(source.path, *stmt.position()), stmt.text))
    return statements


def build_reference(reference: Reference, statements: list[tuple[Place, str]]) -> tuple[Description, Locator]:
    locator = Locator()
    path = None
    for place, sql in statements:
        if place.path != path:
            path = place.path
            reference.start_file()
        try:
            reference.apply(sql)
        except MigrationRefused as refused:
            raise CodegenError([Diagnostic(place.path, place.line, place.col, str(refused))]) from None
        locator.after(place, reference.describe())
    return locator.description, locator


def drift_diagnostics(reference: Description, locator: Locator, live: Description, first: Place,
                      display: str) -> list[Diagnostic]:
    found = []
    for key, message in differences(reference, live):
        place = locator.declared.get(key)
        if place is None and key in locator.dropped:
            place = locator.dropped[key]
            message += " (this statement drops it)"
        if place is None and key[0] in TABLE_PARTS:  # in the live table only: where the table was created
            place = locator.created.get(("table", key[1]))
        if place is None:
            place = first
            message += f" (found in {display})"
        found.append(Diagnostic(place.path, place.line, place.col, f"drift: {message}"))
    return found


def _query_diagnostics(config: Config, live: Live) -> tuple[list[Diagnostic], int]:
    from . import pipeline

    try:
        project = pipeline.analyze(config)
    except CodegenError as error:  # reported beside the drift found, not instead of it
        return list(error.diagnostics), 0
    positions = {}
    for source in query_files(config):
        blocks, _ = split_blocks(source, engine_named(config.engine))
        for block in blocks:
            positions[block.name] = (source.path, *block.statement.position())
    problems, prepared = [], 0
    for qfile in project.files:
        for query in qfile.queries:
            path, line, col = positions.get(query.name, (query.file, query.line, 1))
            for label, sql, slots in checked_variants(query):
                name = f"{query.name} ({label})" if label else query.name
                try:
                    columns = live.prepare(_SLICE.sub("", sql), len(slots))  # a slice as one item
                except QueryRefused as refused:
                    problems.append(Diagnostic(path, line, col, f"query {name}: {refused}"))
                    continue
                prepared += 1
                width = sum(_width(c, project) for c in query.columns)
                if len(columns) != width:
                    problems.append(Diagnostic(path, line, col, f"query {name}: the database returns "
                                               f"{len(columns)} columns, the analysis says {width}"))
    return problems, prepared


def _width(column: object, project: object) -> int:
    embed = getattr(column, "embed", None)
    if not embed:
        return 1
    tables = getattr(getattr(project, "catalog"), "tables")
    return len(next(t for t in tables if t.key == embed.lower()).columns)


def verify_live(config: Config, db: str) -> int:
    """The whole check; prints what it found, returns the exit status."""
    try:
        target = pick_target(config, db)
        engine = introspection(target.engine)
        statements = _migration_statements(target)
        first = statements[0][0] if statements else Place(target.display(target.path), 1, 1)
        first = Place(first.path, 1, 1)
        with engine.open_live(db) as live:
            with engine.reference(live) as ref:
                declared, locator = build_reference(ref, statements)
            problems = drift_diagnostics(declared, locator, live.describe(), first, live.display)
            query_problems, prepared = _query_diagnostics(target, live)
    except LiveDatabaseError as error:
        print(Diagnostic(db_shown(db), 0, 0, str(error)), file=sys.stderr)
        return UNUSABLE_DATABASE
    problems += query_problems
    if problems:
        raise CodegenError(problems)
    print(f"verify: {live.display} matches the migrations ({len(declared)} objects); "
          f"{prepared} statements prepared against it")
    return 0


def db_shown(db: str) -> str:
    """The database argument as printed: a URL's password is never shown."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", db)
