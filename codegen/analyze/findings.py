"""Warnings about a query: each parameter or result column that ends up `typing.Any`, and each
function call the engine's function table does not know. They are located in the query file and
kept in the IR (so a cached analysis reports them again); `strict` makes them errors."""

from __future__ import annotations

import re
from dataclasses import replace

from .. import ir
from ..annotate import Block
from ..errors import Diagnostic
from ..placeholders import Scan


def _untyped(value: ir.ValueType) -> bool:
    """typing.Any because nothing said otherwise (JSON is Any by choice, and so is a column the
    schema declares ANY; an override or an embedded model is a type)."""
    return value.base == ir.ANY and value.override is None and value.model is None and value.composite is None \
        and not value.declared_any


def _call_start(text: str, name: str, inside: int | None) -> int | None:
    """Where `name(` is written: the last such spelling at or before the offset the analyzer gave
    (that of something inside the call), else the first one."""
    starts = [m.start() for m in re.finditer(rf"(?<![\w$]){re.escape(name)}\s*\(", text, re.IGNORECASE)]
    if not starts:
        return inside
    before = [s for s in starts if inside is not None and s <= inside]
    return before[-1] if before else starts[0]


def with_findings(query: ir.Query, block: Block, found: Scan, unknown_calls: list[tuple[str, int | None]],
                  column_offsets: dict[str, int]) -> ir.Query:
    statement = block.statement
    findings: dict[tuple[int, int, str], None] = {}  # ordered, without repeats

    def add(offset: int | None, message: str) -> None:
        line, col = statement.position(offset or 0)
        findings[(line, col, f"query {query.name}: {message}")] = None

    for name, offset in unknown_calls:
        add(_call_start(statement.text, name, offset), f"unknown function {name}(): its result is typing.Any "
                                                        "(add a CAST, or it is misspelt)")
    for spec, param in zip(sorted(found.params, key=lambda p: p.index), query.params):
        if _untyped(param.type):
            add(min(spec.offsets, default=0), f"parameter {param.name!r} is typing.Any: nothing in the "
                                              "query gives it a type (a CAST or a comparison with a column would)")
    for column in query.columns:
        if _untyped(column.type) and column.embed is None:
            add(column_offsets.get(column.name, 0), f"result column {column.name!r} is typing.Any: " + (
                column.type.any_because or "its type cannot be inferred (a CAST would give it one)"))
    return replace(query, warnings=tuple(ir.Finding(line, col, message) for line, col, message in sorted(findings)))


def warnings_of(project: ir.Project) -> list[Diagnostic]:
    return [Diagnostic(query.file, finding.line, finding.col, finding.message, "warning")
            for file in project.files for query in file.queries for finding in query.warnings]
