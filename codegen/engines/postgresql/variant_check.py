"""Generation re-analyses each variant of a dynamic query against the catalog (PostgreSQL).

No server is at hand when generating, so each statement a query can send is turned back into
query text (`%s` into `sqlc.arg(name)`) and analysed like any query; an error there, or result
columns other than the query's, is the variant's problem. The server's own verdict on every
variant comes from `verify` against a database. Each query as written is also read by PostgreSQL's
own parser (grammar.py), when pglast is installed.
"""

from __future__ import annotations

import re

from ... import ir
from ...analyze.query import analyze_block
from ...annotate import Block
from ...analyze.statements import AnalysisEngine
from ...catalog.build import SchemaState
from ...errors import Located
from ...placeholders import scan
from ...source import SourceFile, Statement
from . import grammar

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

    def query_problem(self, query: ir.Query, text: str) -> tuple[str, int] | None:
        """PostgreSQL's own parser on the query as written (grammar.py), each parameter (`@name`,
        `sqlc.arg(name)`: not PostgreSQL's SQL) spelt `$1` in its place, padded so every offset
        stays the source's; the server's verdict on the rest is `verify --db`'s."""
        return grammar.problem(_as_postgresql(text, self.engine))

    def _names(self, columns: tuple[ir.ResultColumn, ...]) -> list[str]:
        """Result column names, a sqlc.embed(t) as t's columns (the statement sent lists them)."""
        out = []
        for column in columns:
            table = self.state.find(None, column.embed) if column.embed else None
            out += [c.name for c in table.columns] if table is not None else [column.name]
        return out


def _as_postgresql(text: str, engine: AnalysisEngine) -> str:
    out = text
    for occ in sorted(scan(text, engine).occurrences, key=lambda o: o.start, reverse=True):
        width = occ.end - occ.start
        marker = "($1)" if occ.wrap else "$1"
        if occ.param is None or width < len(marker):
            continue  # sqlc.embed(t) is a call PostgreSQL parses as it is
        out = out[:occ.start] + marker.ljust(width) + out[occ.end:]
    return out
