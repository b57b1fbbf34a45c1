"""The generator's stages in order: sources -> catalog -> queries -> IR -> Python -> files."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import PurePosixPath
from typing import Callable

from sqlglot import exp

from . import ir
from .analyze.expressions import ParamInfo
from .analyze.query import analyze_block
from .analyze.statements import AnalysisEngine, Analyzer
from .annotate import split_blocks
from .catalog.build import CatalogBuilder, SchemaState
from .catalog.state import CatalogEngine
from .catalog.tables import to_ir
from .cache import Cache
from .config import Config, Override
from .engines.registry import engine_named
from .errors import CodegenError, Diagnostic, Located
from .migrations import render_migrations
from .python import naming, override_fit
from .python.view import models_module, query_module
from .render.env import check_syntax, render_async_module, render_models, render_package, render_query_module
from .source import SourceFile
from .sources import query_files, schema_files
from .variants import VariantCheck, variant_check, variant_problems


ColumnInference = Callable[[SchemaState, exp.Expr, Callable[[int], int]], list[tuple[str, ir.Typed]]]


def column_inference(engine: AnalysisEngine) -> ColumnInference:
    """How the catalog builder learns a view's or CREATE TABLE AS query's columns: by analysis."""
    return functools.partial(_infer_columns, engine)


def _infer_columns(engine: AnalysisEngine, state: SchemaState, tree: exp.Expr, to_statement: Callable[[int], int]
                   ) -> list[tuple[str, ir.Typed]]:
    params: dict[int, ParamInfo] = {}

    def offset_of(node: exp.Expr) -> int | None:
        for ident in [node, *node.find_all(exp.Identifier)]:
            if isinstance(ident, exp.Identifier) and "start" in ident.meta:
                return to_statement(int(ident.meta["start"]))
        return to_statement(0)

    try:
        outputs = Analyzer(engine, state, params, offset_of).outputs(tree, None)
    except Located as problem:
        raise Located(problem.message, problem.offset if problem.offset is not None else to_statement(0)) from None
    return [(o.name, o.typed) for o in outputs]


def build_schema(config: Config, sources: list[SourceFile] | None = None) -> SchemaState:
    engine = engine_named(config.engine)
    state = SchemaState(engine, config.search_path)
    if config.overrides:
        state.apply_overrides = functools.partial(apply_overrides, config=config)
    builder = CatalogBuilder(state, column_inference(engine))
    for source in schema_files(config) if sources is None else sources:
        builder.apply_file(source)
    builder.end_session()
    if builder.diagnostics:
        raise CodegenError(builder.diagnostics)
    unmatched = apply_overrides(state, config)
    problems = _unmatched_overrides(state, config, unmatched) + _unfit_overrides(state, config)
    if problems:
        raise CodegenError(problems)
    return state


def _unfit_overrides(state: SchemaState, config: Config) -> list[Diagnostic]:
    """An override whose type the column cannot hold (override_fit) would fail at every call."""
    problems = []
    for table in state.tables.values():
        for col in [] if table.is_view else table.columns:
            why = override_fit.problem(col.type.override, col.type, state.engine.typed_parameters) \
                if col.type.override else None
            if why:
                problems.append(config.diagnostic("overrides", f"override python_type {col.type.override!r} for "
                                                               f"{table.name}.{col.name} ({col.sql_type}) {why}"))
    return problems


def apply_overrides(state: SchemaState, config: Config) -> list[Override]:
    """Configured Python types ride on the column's type, so every parameter compared with or
    assigned to the column, and every result reading it, gets them too. A column override
    wins over an SQL type override, whose sql_type matches as the engine spells type names.
    Returns the column overrides that name no column of a table of the schema: a misspelt name
    would otherwise leave the column's type as it was, silently."""
    engine = state.engine
    by_type = [(engine.type_name_key(ov.sql_type), ov) for ov in config.overrides if ov.sql_type is not None]
    used: set[Override] = set()
    for table in state.tables.values():
        if table.is_view:
            continue
        for col in table.columns:
            declared = engine.type_name_key(col.sql_type)
            match = next((ov for ov in config.overrides if ov.column is not None
                          and _names_column(engine, ov.column, table.schema, table.name, col.name)), None)
            if match is None:
                match = next((ov for key, ov in by_type if key == declared), None)
            if match is None:
                continue
            used.add(match)
            col.type = dataclasses.replace(col.type, override=match.py_type)
            if match.nullable is not None:
                col.not_null = not match.nullable
    return [ov for ov in config.overrides if ov.column is not None and ov not in used]


def _names_column(engine: CatalogEngine, written: str, schema: str | None, table: str, column: str) -> bool:
    """Whether an override's "table.column" or "schema.table.column" is this column."""
    qualifier, _, name = written.rpartition(".")
    wanted_schema, _, wanted_table = qualifier.rpartition(".")
    if name != column.lower() or wanted_table != table.lower():
        return False
    if not wanted_schema:
        return True
    found = engine.lookup_schema(wanted_schema)
    return (found or "").lower() == (schema or "").lower()


def _unmatched_overrides(state: SchemaState, config: Config, unmatched: list[Override]) -> list[Diagnostic]:
    views = {t.name.lower() for t in state.tables.values() if t.is_view}
    problems = []
    for ov in unmatched:
        assert ov.column is not None
        table = ov.column.rpartition(".")[0]
        why = ("names a view: override the table column the view reads, whose type its column takes"
               if table.rpartition(".")[2] in views else "names no column of a table of the schema")
        problems.append(config.diagnostic("overrides", f"override column {ov.column!r} {why}"))
    return problems


def catalog_of(state: SchemaState, config: Config) -> ir.Catalog:
    engine = engine_named(config.engine)
    tables, problems = [], []
    for table in state.tables.values():
        if table.is_view:
            try:
                cols = Analyzer(engine, state, {}, lambda n: None).view_columns(table)
            except Located as problem:
                stmt = table.view_statement
                assert stmt is not None
                line, col = stmt.position(0)
                problems.append(Diagnostic(stmt.source.path, line, col, problem.message))
                continue
            tables.append(ir.Table(table.name, tuple(ir.Column(c.name, "", c.typed.type, c.typed.nullable)
                                                     for c in cols), True, table.schema))
        else:
            tables.append(to_ir(table))
    if problems:
        raise CodegenError(problems)
    return ir.Catalog(tuple(tables), tuple(state.enums.values()), state.composite_types())


def analyze(config: Config, cache: Cache | None = None,
            sources: tuple[list[SourceFile], list[SourceFile]] | None = None) -> ir.Project:
    schema, query_sources = sources if sources is not None else (schema_files(config), query_files(config))
    cache = cache if cache is not None else Cache(config.root, enabled=False)
    schema_key = cache.key(config.engine, repr(config.overrides), repr(config.search_path),
                           *(f"{s.path}\0{s.text}" for s in schema))
    engine = engine_named(config.engine)
    state = build_schema(config, schema)
    catalog = catalog_of(state, config)
    problems: list[Diagnostic] = []
    files = []
    seen: dict[str, tuple[str, str]] = {}  # python name -> (query name, path:line)
    used_keys = set()
    schema_paths = {s.path for s in schema}
    check: VariantCheck | None = None  # made at the first query analysed: no cost when the cache has all
    for source in query_sources:
        file_key = cache.key(schema_key, source.path, source.text, str(source.path in schema_paths))
        used_keys.add(file_key)
        cached = cache.load_query_file(file_key)
        if cached is not None and not _duplicates(cached, seen, problems):
            files.append(cached)
            continue
        # A file listed as schema and as queries (sqlc allows it) keeps its DDL unannotated.
        blocks, errors = split_blocks(source, engine, allow_unannotated=source.path in schema_paths)
        problems.extend(errors)
        queries = []
        for block in blocks:
            clash = _name_clash(block.name, f"{source.path}:{block.line}", seen)
            if clash is not None:
                problems.append(Diagnostic(source.path, block.line, 1, clash))
                continue
            try:
                query = _unique_params(analyze_block(engine, state, block))
                check = check or variant_check(engine, schema, state)
                refused = check.query_problem(query, block.statement.text)
                if refused is not None:
                    line, col = block.statement.position(refused[1])
                    problems.append(Diagnostic(source.path, line, col, f"query {block.name}: {refused[0]}"))
                    continue
                if query.dynamic:
                    bad = variant_problems(query, check)
                    if bad:
                        line, col = block.statement.position(0)
                        problems.extend(Diagnostic(source.path, line, col, f"query {block.name} ({label}): {reason}")
                                        for label, reason in bad)
                        continue
                queries.append(query)
            except Located as problem:
                line, col = block.statement.position(problem.offset)
                problems.append(Diagnostic(source.path, line, col, f"query {block.name}: {problem.message}"))
            except RecursionError:
                line, col = block.statement.position(0)
                problems.append(Diagnostic(source.path, line, col, f"query {block.name}: nested too deeply"))
        stem = source.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        files.append(ir.QueryFile(source.path, stem, tuple(queries)))
        if not errors and len(queries) == len(blocks):
            cache.store_query_file(file_key, files[-1])
    if problems:
        raise CodegenError(problems)
    cache.prune(used_keys)
    files = _module_stems(files)
    return ir.Project(config.engine, catalog, tuple(files))


def _name_clash(name: str, where: str, seen: dict[str, tuple[str, str]]) -> str | None:
    """Why a query name cannot be used, or None (and it is registered).

    A query is known by the names generated for it: its function `get_author`, its SQL constant
    `GET_AUTHOR`, its row reader and row class. Names that differ only in style (`GetAuthor`,
    `Get_Author`, `get_author`) would share all of them, so they are one name, within a file and
    across files alike (sqlc's query names are one namespace too). Names equal but for case
    (`GetUser`, `getuser`) are one name as well, as SQL names are.
    """
    key = naming.snake(name)
    if key not in seen and name.lower() not in seen:
        seen[key] = seen[name.lower()] = (name, where)
        return None
    first, first_where = seen.get(name.lower()) or seen[key]
    if first == name:
        return f"duplicate query name {name!r} (first defined at {first_where})"
    if first.lower() == name.lower():
        return f"duplicate query name {name!r} (first defined as {first!r} at {first_where})"
    return (f"query name {name!r} gives the Python name {key!r}, as does query {first!r} "
            f"(defined at {first_where}); rename one")


def _duplicates(cached: ir.QueryFile, seen: dict[str, tuple[str, str]], problems: list[Diagnostic]) -> bool:
    """Register a cached file's query names; True (use no cache) if one clashes with an earlier file."""
    if any(naming.snake(q.name) in seen or q.name.lower() in seen for q in cached.queries):
        return True
    for q in cached.queries:
        seen[naming.snake(q.name)] = seen[q.name.lower()] = (q.name, f"{q.file}:{q.line}")
    return False


def _unique_params(query: ir.Query) -> ir.Query:
    """Parameter names stay unique: session_id, session_id_2."""
    names = naming.unique([p.name for p in query.params])
    if names == [p.name for p in query.params]:
        return query
    params = tuple(dataclasses.replace(p, name=n) for p, n in zip(query.params, names))
    return dataclasses.replace(query, params=params)


def _module_stems(files: list[ir.QueryFile]) -> list[ir.QueryFile]:
    """Each query file's module is named after its file (queries/threads.sql -> threads). Files
    of the same name in different folders (sql/query.sql and query.sql) are named after their
    paths instead (sql_query, query); what still clashes is an error."""
    by_module: dict[str, list[ir.QueryFile]] = {}
    for f in files:
        by_module.setdefault(naming.module_name(f.stem), []).append(f)
    renamed = {
        f.path: str(PurePosixPath(f.path).with_suffix("")).replace("/", "_")
        for group in by_module.values() if len(group) > 1 for f in group
    }
    files = [dataclasses.replace(f, stem=renamed[f.path]) if f.path in renamed else f for f in files]
    seen: dict[str, str] = {}
    problems = []
    for f in files:
        module = naming.module_name(f.stem)
        if module in seen:
            problems.append(Diagnostic(f.path, 1, 1, f"query file name gives module {module!r}, as does {seen[module]}"))
        seen[module] = f.path
    if problems:
        raise CodegenError(problems)
    return files


def render(project: ir.Project, config: Config) -> dict[str, str]:
    schema_source = ", ".join(config.schema)
    engine = engine_named(project.engine)
    models = models_module(project.catalog, engine, config.rows)
    files = render_package([naming.module_name(f.stem) for f in project.files], schema_source, config.emit_async,
                           engine)
    files["models.py"] = render_models(models, schema_source)
    files.update(render_migrations(config, project.engine))
    for qfile in project.files:
        module = query_module(qfile, project.catalog, engine, models)
        files[f"queries/{module.module}.py"] = render_query_module(module, engine)
        if config.emit_async:
            files[f"aio/{module.module}.py"] = render_async_module(module, engine)
    check_syntax(files)
    return files
