"""Walk each target's migrations statement by statement, run the rules, analyse the queries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from .. import pipeline
from ..annotate import split_blocks
from ..catalog.build import NO_EFFECT, CatalogBuilder, SchemaState
from ..config import Config
from ..errors import CodegenError, Diagnostic, Located
from ..source import SourceFile, Statement
from ..sources import query_files, schema_files
from ..sqltext import split_statements
from ..engines.registry import engine_named
from . import common_rules, query_rules, rolling
from .context import FileContext
from .ddl import Objects, StatementView
from .findings import Finding, apply_suppressions, at

if TYPE_CHECKING:
    from ..engines.base import Engine


@dataclass
class Options:
    since: int | None = None
    previous: str | None = None  # a git revision
    previous_queries: Path | None = None


def version_of(path: str) -> int | None:
    match = re.match(r"\d+", PurePosixPath(path).name)
    return int(match.group()) if match else None


def lint(config: Config, options: Options) -> list[Finding]:
    """Findings of every target, suppressions applied, sorted and without duplicates (a query file
    shared by two targets is checked twice)."""
    found: set[Finding] = set()
    for target in (config, *config.targets):
        found.update(_lint_target(target, options))
    return sorted(found, key=lambda f: (f.path, f.line, f.col, f.rule, f.message))


def _lint_target(config: Config, options: Options) -> list[Finding]:
    engine = engine_named(config.engine)
    schema, queries = schema_files(config), query_files(config)
    project = pipeline.analyze(config, None, (schema, queries))  # every input problem surfaces here
    schema_paths = {s.path for s in schema}
    current = [rolling.probe(b, f"{b.name} ({source.path}:{b.line})", engine) for source in queries
               for b in split_blocks(source, engine, allow_unannotated=source.path in schema_paths)[0]]
    previous: list[rolling.Probe] = []
    baseline: set[str] | None = None
    if options.previous is not None:
        previous, baseline = rolling.previous_from_git(config, options.previous)
    elif options.previous_queries is not None:
        previous = rolling.previous_from_path(config, options.previous_queries)

    state = SchemaState(engine, config.search_path)
    builder = CatalogBuilder(state, pipeline.column_inference(engine))
    objects = Objects()
    shared: dict[str, Any] = {}
    findings: list[Finding] = []
    min_version = getattr(config, "sqlite_min_version", None)
    probes = current + previous
    shipped = previous  # as written; pinned to a schema below
    statuses: dict[str, rolling.Status] | None = None  # every probe's status, from the first linted file on
    pinned = False  # the previous release's queries are pinned to its schema (see rolling.pinned)
    for source in schema:
        version = version_of(source.path)
        linted = options.since is None or (version is not None and version > options.since)
        new = linted and (baseline is None or source.path not in baseline)
        statements = split_statements(source, engine)
        state.start_session()  # each file starts with the connection's search_path, as under the runner
        ctx = FileContext(source, engine, state, objects, statements, shared, min_version)
        if new and previous and not (pinned and (baseline is not None or options.since is not None)):
            # The previous release runs its generated SQL, written against the schema it shipped
            # with: the one before the first new file (from git, or after --since), else (a folder
            # alone) the one before each file.
            pipeline.apply_overrides(state, config)
            previous, pinned = [rolling.pinned(engine, state, p) for p in shipped], True
            probes = current + previous
            if statuses is not None:
                statuses.update(_statuses(engine, config, state, previous))
        if linted and statuses is None and probes:
            statuses = _statuses(engine, config, state, probes)
        start = dict(statuses or {})
        timeline: list[tuple[Statement, dict[str, rolling.Status]]] = []
        for stmt in statements:
            view = StatementView(stmt, engine)
            if linted:
                common_rules.check(ctx, view)
                engine.lint_statement(ctx, view)
            names_before = _relation_names(state)
            try:
                builder.apply(stmt)
            except Located as problem:  # analyze() applied the same statements: only if it changes
                line, col = stmt.position(problem.offset)
                raise CodegenError([Diagnostic(source.path, line, col, problem.message)]) from None
            objects.apply(view)
            ctx.after(view)
            if statuses is not None and view.words and view.words[0] not in NO_EFFECT:
                touched = _touched(view, names_before | _relation_names(state), objects)
                affected = [p for p in probes if touched is None or not touched.isdisjoint(p.names)]
                statuses.update(_statuses(engine, config, state, affected))
                timeline.append((stmt, dict(statuses)))
        if not linted:
            continue
        common_rules.finish(ctx)
        engine.lint_file_end(ctx)
        findings += ctx.findings
        if timeline:
            findings += _query_changes(engine, timeline, start, current, previous if new else [])
    state.start_session()  # the queries run in sessions of their own
    findings += _query_findings(engine, project, current, state, objects, min_version)
    sources = schema + queries
    return apply_suppressions(findings, sources, engine)


def _relation_names(state: SchemaState) -> set[str]:
    return {name for _, name in state.tables}


def _touched(view: StatementView, relations: set[str], objects: Objects) -> set[str] | None:
    """The tables and views a schema statement may change for a query: those it names, and the views
    reading them (SQLite expands a view at each use). None (every query) when it names none, as
    PostgreSQL's CREATE TYPE or CREATE FUNCTION do."""
    touched = view.identifiers() & relations
    if not touched:
        return None
    while True:
        more = {v for name in touched for v in objects.views_reading(name)} - touched
        if not more:
            return touched
        touched |= more


def _statuses(engine: "Engine", config: Config, state: SchemaState, watch: list[rolling.Probe]) -> dict[str, rolling.Status]:
    if not watch:
        return {}
    pipeline.apply_overrides(state, config)
    with state.as_queries_see_it():  # a file's own SET search_path is not the connections'
        return {p.label: rolling.status(engine, state, p.block) for p in watch}


def _query_changes(engine: "Engine", timeline: list[tuple[Statement, dict[str, rolling.Status]]], start: dict[str, rolling.Status],
                   current: list[rolling.Probe], previous: list[rolling.Probe]) -> list[Finding]:
    """Compare each query before and after the file; locate a change at the first statement after
    which the query is in the state the file leaves it in."""
    findings = []
    end = timeline[-1][1]
    for probe in previous:
        why = rolling.breaks(start[probe.label], end[probe.label], engine)
        if why is None:
            continue
        stmt = next((s for s, st in timeline if rolling.breaks(start[probe.label], st[probe.label], engine) == why),
                    None) or next(s for s, st in timeline if rolling.breaks(start[probe.label], st[probe.label], engine))
        findings.append(at(stmt, "previous-query-breaks",
                           f"the previous release's query {probe.label} breaks after this statement: {why}"))
    for probe in current:
        changes = rolling.type_changes(start[probe.label], end[probe.label])
        if not changes:
            continue
        stmt = next((s for s, st in timeline if rolling.type_changes(start[probe.label], st[probe.label]) == changes),
                    timeline[-1][0])
        findings.append(at(stmt, "query-type-changes", f"query {probe.label}: {'; '.join(changes)}"))
    return findings


def _query_findings(engine: "Engine", project: Any, current: list[rolling.Probe], state: SchemaState, objects: Objects,
                    min_version: tuple[int, ...] | None) -> list[Finding]:
    by_place = {(q.file, q.line): q for f in project.files for q in f.queries}
    findings = []
    for probe in current:
        query = by_place.get((probe.block.statement.source.path, probe.block.line))
        if query is not None:
            findings += query_rules.check(engine, probe.block, query, state, objects, min_version)
    return findings
