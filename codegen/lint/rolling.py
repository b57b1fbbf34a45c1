"""The query-aware checks: queries analysed against the schema as it stands after each migration
statement, so a change is located at the statement that makes it.

The previous release's queries come from a git revision (`git ls-tree` / `git show`) or a folder;
its migrations (the files present at that revision) are the baseline it ran against.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import ir
from ..analyze.query import analyze_block
from ..annotate import Block, split_blocks
from ..catalog.build import SchemaState
from ..catalog.cursor import unquote
from ..config import Config
from ..engines.registry import engine_named
from ..errors import CodegenError, Diagnostic, Located
from ..placeholders import expand_stars, quote_identifier, scan
from ..python.typemap import annotation
from ..source import SourceFile, Statement
from ..sqltext import lex
from .ddl import StatementView

if TYPE_CHECKING:
    from ..analyze.statements import AnalysisEngine
    from ..catalog.tables import TableDef
    from ..engines import EngineTraits

Signature = tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]  # (params, columns): (name, type)


@dataclass(frozen=True)
class Status:
    """A query analysed against one schema: its signature, or why it fails."""

    signature: Signature | None
    error: str | None = None
    written: frozenset[str] = frozenset()  # parameters stored in a column (INSERT VALUES, UPDATE SET)
    # Parameters whose context takes NULL: the columns they meet are nullable (sqlc.narg aside, which
    # makes a parameter nullable whatever it meets: a NOT NULL column gained still refuses its NULL)
    takes_null: frozenset[str] = frozenset()
    unset: frozenset[str] = frozenset()  # NOT NULL columns without a default an INSERT leaves out


@dataclass(frozen=True)
class Probe:
    block: Block
    label: str  # "GetThread (queries/threads.sql:2 at HEAD~1)"
    names: frozenset[str]  # every identifier of the query: the tables and views it reads are among them


def probe(block: Block, label: str, engine: "EngineTraits") -> Probe:
    return Probe(block, label, frozenset(unquote(x).lower() for x in lex(block.statement.text, engine)
                                         if x.kind in ("word", "ident")))


def signature(query: ir.Query, engine: "EngineTraits") -> Signature:
    def shown(t: ir.ValueType, nullable: bool) -> str:
        try:
            return annotation(t, nullable, engine)
        except Exception:  # an annotation the emitter would reject: compare the raw type instead
            return f"{t!r}{' | None' if nullable else ''}"

    return (tuple((p.name, shown(p.type, p.nullable)) for p in query.params),
            tuple((c.name, shown(c.type, c.nullable)) for c in query.columns))


def _main_verb(view: StatementView) -> tuple[str, int]:
    """The statement's verb and its index, past a WITH's common table expressions (nested in
    brackets, so the first top-level verb is the statement's); REPLACE is SQLite's INSERT."""
    at = 0
    if view.words[:1] == ["WITH"]:
        found = [i for i in (view.find(w) for w in ("INSERT", "REPLACE", "UPDATE", "DELETE", "MERGE", "SELECT"))
                 if i >= 0]
        at = min(found, default=0)
    verb = view.words[at] if at < len(view.words) else ""
    return ("INSERT" if verb == "REPLACE" else verb), at


def _written(query: ir.Query, block: Block, engine: "EngineTraits") -> frozenset[str]:
    """The parameters whose value a row stores: those in an INSERT's VALUES rows or SELECT list, an
    upsert's DO UPDATE SET and an UPDATE's SET list. A NULL sent there meets the column's NOT NULL;
    sent to a comparison it only matches nothing."""
    view = StatementView(block.statement, engine)
    spans: list[tuple[int, int]] = []  # lexeme index ranges [first, last)

    def span_from(first: int, *stops: str) -> None:
        ends = [i for i in (view.find(w, start=first) for w in stops) if i >= 0]
        spans.append((first, min(ends, default=len(view.items))))

    verb, at = _main_verb(view)
    if verb == "INSERT":
        values, select = view.find("VALUES", start=at), view.find("SELECT", start=at)
        if values >= 0:
            span_from(values + 1, "ON", "RETURNING")
        elif select >= 0:
            span_from(select + 1, "FROM", "WHERE", "GROUP", "ORDER", "LIMIT", "ON", "RETURNING")
        update = view.find("DO", "UPDATE", "SET", start=at)
        if update >= 0:
            span_from(update + 3, "WHERE", "RETURNING")
    elif verb == "UPDATE" and view.find("SET", start=at) >= 0:
        span_from(view.find("SET", start=at) + 1, "FROM", "WHERE", "RETURNING")
    elif verb == "MERGE":  # each WHEN clause's INSERT VALUES and UPDATE SET
        for then in _merge_actions(view, at):
            if view.words[then + 1:then + 2] == ["INSERT"] and (values := view.find("VALUES", start=then)) >= 0:
                span_from(values + 1, "WHEN", "RETURNING")
            elif view.words[then + 1:then + 3] == ["UPDATE", "SET"]:
                span_from(then + 3, "WHEN", "RETURNING")
    text = block.statement.text

    def offset(i: int) -> int:
        return view.offset(i) if i < len(view.items) else len(text)

    ranges = [(offset(first), offset(last)) for first, last in spans]
    slots = [o for o in scan(text, engine).occurrences if o.param is not None]
    stored = {query.slots[k] for k, o in enumerate(slots)
              if any(start <= o.start < end for start, end in ranges) and k < len(query.slots)}
    return frozenset(query.params[i].name for i in stored if i < len(query.params))


def _unset(state: SchemaState, block: Block, engine: "EngineTraits") -> frozenset[str]:
    """The columns an INSERT with a column list, DEFAULT VALUES or (PostgreSQL) too few values leaves
    out that need a value:
    NOT NULL, without a default, not filled by the database (identity, rowid)."""
    view = StatementView(block.statement, engine)
    verb, at = _main_verb(view)
    into = view.find("INTO", start=at)
    if verb not in ("INSERT", "MERGE") or into < 0:
        return frozenset()
    table = state.find(view.schema_at(into + 1), view.name_at(into + 1))
    if table is None or (table.is_view and table.view_base is None):
        return frozenset()
    if verb == "MERGE":  # each WHEN NOT MATCHED ... THEN INSERT: (columns), DEFAULT VALUES or VALUES
        return frozenset().union(*(_left_out(table, view, then + 2, engine) for then in _merge_actions(view, at)
                                   if view.words[then + 1:then + 2] == ["INSERT"]))
    j = view.name_end(into + 1)
    j += 2 if view.words[j:j + 1] == ["AS"] else 0
    return _left_out(table, view, j, engine)


def _merge_actions(view: StatementView, at: int) -> list[int]:
    """The index of each top-level THEN of a MERGE (its WHEN clauses' actions)."""
    found, i = [], at
    while (i := view.find("THEN", start=i)) >= 0:
        found.append(i)
        i += 1
    return found


def _left_out(table: "TableDef", view: StatementView, j: int, engine: "EngineTraits") -> frozenset[str]:
    """What an INSERT whose column list, DEFAULT VALUES or VALUES starts at index j leaves out."""
    if view.words[j:j + 1] == ["("]:
        named = set(view.names_in(*view.group(j)))
    elif view.words[j:j + 2] == ["DEFAULT", "VALUES"]:
        named = set()
    elif engine.implicit_insert_takes_leading_columns and view.words[j:j + 2] == ["VALUES", "("]:
        # PostgreSQL: fewer values than columns fill the first ones (a column added since is left out)
        count = len(view.split_top(*view.group(j + 1)))
        named = {c.name.lower() for c in table.columns[:count]}
    elif not table.is_view:
        return frozenset()  # every column, by position: the count of values says whether it fits
    else:
        named = {c.name.lower() for c in table.columns}
    given = [c for c in table.columns if c.name.lower() in named or c.has_default]
    prefix = ""
    while table.view_base is not None:
        # An updatable view (PostgreSQL): the INSERT lands in its base relation, and a base column
        # the view does not expose, or that the INSERT leaves out, takes the base's default or NULL.
        given = [c.base for c in given if c.base is not None]
        table = table.view_base
        prefix = f"{table.name}."
        given += [c for c in table.columns if c.has_default]
    return frozenset(prefix + c.name for c in table.columns if c.not_null and not c.has_default and not c.identity
                     and not c.computed and not any(c is g for g in given))


def _takes_null(engine: "AnalysisEngine", state: SchemaState, block: Block, query: ir.Query) -> frozenset[str]:
    """The parameters the query's context lets be NULL: query's own nullability, with each
    sqlc.narg(x) analysed as sqlc.arg(x) so that the columns it meets decide."""
    text = block.statement.text
    nargs = [o for o in scan(text, engine).occurrences if _NARG.match(text, o.start, o.end)]
    if not nargs:
        return frozenset(p.name for p in query.params if p.nullable)
    for o in nargs:  # `sqlc. arg(`: the same length, so every offset (and the block's end) stays
        text = text[:o.start] + _NARG.sub(r"\1 arg", text[o.start:o.end], count=1) + text[o.end:]
    try:
        as_args = analyze_block(engine, state, dataclasses.replace(
            block, statement=dataclasses.replace(block.statement, text=text)))
    except (Located, RecursionError):
        return frozenset(p.name for p in query.params if p.nullable)
    return frozenset(p.name for p in as_args.params if p.nullable)


_NARG = re.compile(r"(sqlc\s*\.\s*)narg", re.IGNORECASE)


def status(engine: "AnalysisEngine", state: SchemaState, block: Block) -> Status:
    try:
        query = analyze_block(engine, state, block)
        return Status(signature(query, engine), written=_written(query, block, engine),
                      unset=_unset(state, block, engine), takes_null=_takes_null(engine, state, block, query))
    except Located as problem:
        return Status(None, problem.message)
    except RecursionError:
        return Status(None, "nested too deeply")


def pinned(engine: "AnalysisEngine", state: SchemaState, probe: Probe) -> Probe:
    """The previous release's query as its generated code sends it: each top-level `*` named as the
    columns it stood for against the schema that release shipped with (the generated SQL spells them
    out), so a column added since is not read and a column renamed or dropped since is missed."""
    stars: list[list[tuple[str | None, str]]] = []
    embeds: list[list[str]] = []
    try:
        analyze_block(engine, state, probe.block, stars, embeds)
    except (Located, RecursionError):
        return probe  # it did not generate: nothing was shipped to pin
    text = probe.block.statement.text
    occurrences = [o for o in scan(text, engine).occurrences if o.embed is not None]
    if len(occurrences) == len(embeds):  # sqlc.embed(t): t's columns then, as the generated SQL names them
        for occ, names in reversed(list(zip(occurrences, embeds))):
            text = text[:occ.start] + ", ".join(f"{occ.embed}.{quote_identifier(n)}" for n in names) + text[occ.end:]
    text = expand_stars(text, engine, stars)
    if text == probe.block.statement.text:
        return probe
    # A file of its own, so the text after the statement is still its `;` (PostgreSQL wants one).
    statement = Statement(SourceFile.of(probe.block.statement.source.path, text + ";\n"), 0, text)
    pinned = dataclasses.replace(probe, block=dataclasses.replace(probe.block, statement=statement))
    # The pinned text must analyse where the query did; were it not to, keep the query as written
    # rather than let a failing `before` hide every break.
    return pinned if status(engine, state, pinned.block).signature is not None else probe


def probes(sources: list[SourceFile], engine: "EngineTraits", where: str = "") -> list[Probe]:
    found = []
    for source in sources:
        blocks, _ = split_blocks(source, engine)
        found += [probe(b, f"{b.name} ({source.path}:{b.line}{where})", engine) for b in blocks]
    return found


def _nullable(shown: str) -> tuple[str, bool]:
    """An annotation as (its type without None, whether it admits None)."""
    return (shown[:-len(" | None")], True) if shown.endswith(" | None") else (shown, False)


def _holds(field: str, value: str) -> bool:
    """Does a value of type `value` validate, unchanged, into a field of type `field`? An int is a
    float, and a bool an int: SQLite's driver hands a bool column's 0 and 1 over as integers,
    PostgreSQL's its true and false as bools, which an int or float field takes as 1 and 0."""
    return field == value or field.startswith("typing.Any") or (field, value) == ("float", "int") \
        or (field in ("int", "float") and value == "bool")


def _sends(engine: "EngineTraits", old: str, new: str, stored: bool) -> bool:
    """Does a parameter value of type `old` still do what it did where the query now takes `new`?
    A typed server compares an int with a float column (and stores it as one), stores any value in
    a text column (PostgreSQL's assignment cast through text), and refuses any other mix or rounds
    a float it stores in an integer column. Without typed parameters (SQLite)
    a compared value meets the column's affinity, and a stored one keeps its own type unless the
    column's affinity turns it into the new type (a number into text, an int or bool into real,
    a bool into an integer)."""
    if old == new or old.startswith("typing.Any"):
        return True
    if engine.typed_parameters:
        return (old, new) == ("int", "float") or ((old, new) == ("float", "int") and not stored) \
            or (stored and new == "str")
    return not stored or new == "str" or (old in ("int", "bool") and new == "float") or (old, new) == ("bool", "int")


def breaks(before: Status, after: Status, engine: "EngineTraits") -> str | None:
    """Why a query that worked before a migration no longer does for the code generated from it:
    the statement fails, or the values it reads no longer fit the fields its row was generated
    with (another type, or a NULL where there was none), or the values it sends no longer fit
    the columns they go to."""
    if before.signature is None:
        return None
    if after.signature is None:
        return after.error or "fails"
    (params0, cols0), (params1, cols1) = before.signature, after.signature
    if len(params0) != len(params1):
        return f"takes {len(params1)} parameter(s) instead of {len(params0)}"
    if len(cols0) != len(cols1):
        return f"returns {len(cols1)} column(s) instead of {len(cols0)}"
    for (name, old), (_, new) in zip(cols0, cols1):
        (old_type, old_null), (new_type, new_null) = _nullable(old), _nullable(new)
        if not _holds(old_type, new_type):
            return f"column {name} reads {new}, generated as {old}"
        if new_null and not old_null:
            return f"column {name} may be NULL, generated as {old}"
    for (name, old), (_, new) in zip(params0, params1):
        (old_type, old_null), (new_type, new_null) = _nullable(old), _nullable(new)
        if not _sends(engine, old_type, new_type, name in after.written):
            return f"parameter {name} takes {new}, generated as {old}"
        if old_null and name in after.written and name in before.takes_null and name not in after.takes_null:
            return f"parameter {name} is stored in a NOT NULL column, generated as {old}"
    for column in sorted(after.unset - before.unset):
        return f"column {column} is NOT NULL without a default, and the query does not set it"
    return None


def type_changes(before: Status, after: Status) -> list[str]:
    """Parameters and columns present before and after whose Python type differs."""
    if before.signature is None or after.signature is None:
        return []
    changes = []
    for what, old, new in (("parameter", before.signature[0], after.signature[0]),
                           ("column", before.signature[1], after.signature[1])):
        new_types = dict(new)
        for name, old_type in old:
            # typing.Any becoming a real type is inference improving (a function now declared), not a change.
            if name in new_types and new_types[name] != old_type and not old_type.startswith("typing.Any"):
                changes.append(f"{what} {name}: {old_type} -> {new_types[name]}")
    return changes


# -- the previous release -----------------------------------------------------------------------
def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except OSError as exc:
        raise CodegenError([Diagnostic(str(root), 1, 1, f"cannot run git: {exc.strerror}")]) from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise CodegenError([Diagnostic(str(root), 1, 1, f"git {' '.join(args[:2])}: {(lines or ['failed'])[-1]}")])
    try:
        return done.stdout.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CodegenError([Diagnostic(str(root), 1, 1, f"git {' '.join(args[:2])}: output is not valid UTF-8")]) from None


def _matches(path: str, pattern: str, recursive: bool) -> bool:
    """Does a path (relative to the config folder) fall under a schema/queries config entry?"""
    pattern = pattern.strip("/").removeprefix("./")
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatchcase(path, pattern)
    if path == pattern:
        return True
    if not path.startswith(pattern + "/") or not path.endswith(".sql"):
        return False
    return recursive or "/" not in path[len(pattern) + 1:]


class Revision:
    """The files of the config folder at a git revision."""

    def __init__(self, root: Path, rev: str) -> None:
        self.root, self.rev = root, rev
        top = Path(_git(root, "rev-parse", "--show-toplevel").strip())
        prefix = _git(root, "rev-parse", "--show-prefix").strip()
        self.top = top
        listing = _git(top, "ls-tree", "-r", "--name-only", "--full-tree", "-z", f"{rev}^{{tree}}")
        self.paths = {p[len(prefix):]: p for p in listing.split("\0") if p and p.startswith(prefix)}

    def files(self, patterns: tuple[str, ...], recursive: bool) -> list[str]:
        return sorted(p for p in self.paths if any(_matches(p, pat, recursive) for pat in patterns))

    def read(self, path: str) -> SourceFile:
        try:
            text = _git(self.top, "show", f"{self.rev}:{self.paths[path]}")
        except CodegenError as error:  # say which file, at which revision
            raise CodegenError([Diagnostic(path, 1, 1, f"at {self.rev}: {d.message}") for d in error.diagnostics]) from None
        return SourceFile.of(path, text.replace("\r\n", "\n").replace("\r", "\n"))


def previous_from_git(config: Config, rev: str) -> tuple[list[Probe], set[str]]:
    """The queries at `rev`, and the migration paths it had (its baseline)."""
    revision = Revision(config.root, rev)
    queries = [revision.read(p) for p in revision.files(config.queries, recursive=True)]
    migrations = {p for p in revision.files(config.schema, recursive=False) if not p.endswith(".down.sql")}
    return probes(queries, engine_named(config.engine), f" at {rev}"), migrations


def previous_from_path(config: Config, path: Path) -> list[Probe]:
    paths = sorted(path.rglob("*.sql")) if path.is_dir() else [path]
    sources = []
    for p in paths:
        try:
            text = p.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CodegenError([Diagnostic(str(p), 1, 1, f"cannot read previous queries: {exc}")]) from None
        sources.append(SourceFile.of(config.display(p), text.replace("\r\n", "\n")))
    return probes(sources, engine_named(config.engine))
