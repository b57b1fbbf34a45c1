"""The analysis as JSON: what `python -m codegen describe` prints."""

from __future__ import annotations

import dataclasses
from typing import Any

from . import ir
from .config import Config
from .engines import EngineTraits
from .engines.registry import engine_named
from .python import naming
from .python.typemap import describe_type


def _type(t: ir.ValueType, nullable: bool, engine: EngineTraits, config: Config, table: str | None = None,
          column: str | None = None) -> tuple[str, bool]:
    # Arrays are described like sqlc describes them: the element type, plus an "array" field
    # giving the dimensions (the generated annotation itself stays list[...]).
    element = dataclasses.replace(t, dims=0) if t.dims and not t.override else t
    return describe_type(element, engine), nullable


def _array(entry: dict[str, Any], t: ir.ValueType) -> dict[str, Any]:
    if t.dims and not t.override:
        entry["array"] = t.dims
    return entry


def describe(project: ir.Project, config: Config) -> dict[str, Any]:
    engine = engine_named(project.engine)
    models = naming.model_names([t.name for t in project.catalog.tables])
    model_of = {t.key: m for t, m in zip(project.catalog.tables, models)}
    tables = []
    for table, model in zip(project.catalog.tables, models):
        cols = []
        for c in table.columns:
            py, nullable = _type(c.type, c.nullable, engine, config, table.name, c.name)
            cols.append(_array({"name": c.name, "sql_type": c.sql_type, "py_type": py, "nullable": nullable}, c.type))
        tables.append({"name": table.name, "model": model, "view": table.is_view, "columns": cols})
    queries = []
    for f in project.files:
        for q in f.queries:
            params = []
            for p in q.params:
                py, nullable = _type(p.type, p.nullable, engine, config)
                params.append(_array({"name": p.name, "py_type": py, "nullable": nullable, "slice": p.slice}, p.type))
                if p.optional >= 0:
                    params[-1]["optional"] = True  # sqlc.optional: None leaves its predicates out
            columns = []
            for result in q.columns:
                if result.embed:
                    columns.append({"name": result.name, "py_type": model_of[result.embed.lower()],
                                    "nullable": result.nullable, "embed": True})
                    continue
                py, nullable = _type(result.type, result.nullable, engine, config, result.table, result.name)
                columns.append(_array({"name": result.name, "py_type": py, "nullable": nullable}, result.type))
            function = naming.function_name(naming.snake(q.name), set())
            queries.append({"name": q.name, "function": function, "command": q.command, "file": q.file,
                            "line": q.line, "doc": q.doc, "params": params, "columns": columns})
            if q.sort_choices:
                queries[-1]["sort"] = {"param": q.sort_param, "choices": [v for v, _ in q.sort_choices],
                                       "default": q.sort_choices[0][0]}
    return {"engine": engine.name, "tables": tables, "queries": queries}
