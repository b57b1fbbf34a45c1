"""Generation re-analyses each variant of a dynamic query against the catalog (PostgreSQL).

No server is at hand when generating, so each statement a query can send is turned back into
query text (`%s` into `sqlc.arg(name)`) and analysed like any query; an error there, or result
columns other than the query's, is the variant's problem. The server's own verdict on every
variant comes from `verify` against a database.
"""

from __future__ import annotations

import re

from ... import ir
from ...analyze.query import analyze_block
from ...annotate import Block
from ...analyze.statements import AnalysisEngine
from ...catalog.build import SchemaState
from ...errors import Located
from ...source import SourceFile, Statement

_MARKER = re.compile(r"%%|%s")  # psycopg's placeholder, and its escaped percent sign


class VariantCheck:
    def __init__(self, engine: AnalysisEngine, schema: list[SourceFile], state: SchemaState) -> None:
        self.engine = engine
        self.state = state

    def problem(self, query: ir.Query, sql: str, slots: tuple[int, ...]) -> str | None:
        names = iter(query.params[i].name for i in slots)
        text = _MARKER.sub(lambda m: "%" if m.group() == "%%" else f"sqlc.arg({next(names)})", sql)
        source = SourceFile.of(query.file, text + ";")  # the `;` PostgreSQL queries end with
        block = Block(query.name, query.command, "", Statement(source, 0, text), query.line)
        try:
            variant = analyze_block(self.engine, self.state, block)
        except Located as problem:
            return f"the analysis rejects it: {problem.message}"
        ours = self._names(query.columns)
        theirs = self._names(variant.columns)
        if ours != theirs:
            return f"it returns the columns {theirs}, the query {ours}"
        return None

    def query_problem(self, query: ir.Query) -> str | None:
        """None: the query as written is what was just analysed; the server's verdict is `verify`'s."""
        return None

    def _names(self, columns: tuple[ir.ResultColumn, ...]) -> list[str]:
        """Result column names, a sqlc.embed(t) as t's columns (the statement sent lists them)."""
        out = []
        for column in columns:
            table = self.state.find(None, column.embed) if column.embed else None
            out += [c.name for c in table.columns] if table is not None else [column.name]
        return out
