"""The statements a dynamic query (sqlc.optional, sqlc.sort) can send, for checking them.

The generated `_runtime.variant` joins pieces the same way at run time; here the variants worth
preparing are listed: every optional predicate alone, all on, all off, and every sort value.
Generation prepares them through the engine's `VariantCheck`, `verify` on the database.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, Protocol

from . import ir
from .engines import EngineTraits

if TYPE_CHECKING:
    from .catalog.build import SchemaState
    from .source import SourceFile

SORT_MARK = "\x01"


def compose(query: ir.Query, mask: int, order: str) -> tuple[str, tuple[int, ...]]:
    sql: list[str] = []
    slots: list[int] = []
    for piece in query.dynamic:
        if piece.needed and not any(need & mask == need for need in piece.needed):
            continue  # a LEFT JOIN read only by predicates this variant leaves out
        sql.append(piece.text)
        slots.extend(piece.slots)
        kept = [c for c in piece.conjuncts if c.requires & mask == c.requires]
        if piece.keyword and not kept:
            sql.append(piece.fallback)
        elif piece.keyword:
            sql.append(piece.keyword + " " + " AND ".join(c.text for c in kept))
            for c in kept:
                slots.extend(c.slots)
    return "".join(sql).replace(SORT_MARK, order), tuple(slots)


def optional_params(query: ir.Query) -> list[ir.Param]:
    return [p for p in query.params if p.optional >= 0]


def checked_variants(query: ir.Query) -> list[tuple[str, str, tuple[int, ...]]]:
    """(label, SQL, slots) of each variant to prepare; one unlabelled entry for a fixed query."""
    if not query.dynamic:
        return [("", query.sql, query.slots)]
    optional = optional_params(query)
    every = sum(1 << p.optional for p in optional)
    first_order = query.sort_choices[0][1] if query.sort_choices else ""
    masks = [("all optional filters on", every)]
    if optional:
        masks.append(("all optional filters off", 0))
        masks += [(f"only {p.name} set", 1 << p.optional) for p in optional if len(optional) > 1]
    out = [(label, *compose(query, mask, first_order)) for label, mask in masks]
    out += [(f"{query.sort_param}={value!r}", *compose(query, every, text)) for value, text in query.sort_choices[1:]]
    return out


class VariantCheck(Protocol):
    """An engine's judgement, at generation, of a query and of each statement a dynamic query can send."""

    def problem(self, query: ir.Query, sql: str, slots: tuple[int, ...]) -> str | None:
        """Why the engine (or the analysis standing in for it) rejects the statement; None if it is fine."""

    def query_problem(self, query: ir.Query, text: str) -> tuple[str, int] | None:
        """Why every call of a query would fail, when the engine can tell at generation, and where
        in `text` (the statement as written); None if it cannot."""


class VariantEngine(EngineTraits, Protocol):
    """What generation asks of the engine for dynamic queries: a check of their variants."""

    @abstractmethod
    def variant_check(self, schema: list[SourceFile], state: SchemaState) -> VariantCheck:
        """Prepares each variant of a dynamic query at generation time."""


def variant_check(engine: VariantEngine, schema: list[SourceFile], state: SchemaState) -> VariantCheck:
    """The engine's check (codegen/engines/<engine>/variant_check.py), made once per run when a query needs it."""
    return engine.variant_check(schema, state)


def variant_problems(query: ir.Query, check: VariantCheck) -> list[tuple[str, str]]:
    """(label, reason) for each variant of a dynamic query that does not prepare, at generation.

    The statement with every filter on (and the first sort value) is the query as analysed; when
    even it does not prepare here (a function the application registers, an extension's table),
    this check cannot judge the query and leaves it to `verify` against the real database, unless
    the statement as written prepares: then the pieces are at fault, and every call would fail.
    Otherwise each other variant must prepare too: one that does not would fail only at run time,
    for the arguments that choose it.
    """
    if not query.dynamic:
        return []
    first, *others = checked_variants(query)
    problem = check.problem(query, first[1], first[2])
    if problem is not None:
        return [] if check.problem(query, query.sql, query.slots) is not None else [(first[0], problem)]
    out = []
    for label, sql, slots in others:
        problem = check.problem(query, sql, slots)
        if problem is not None:
            out.append((label, problem))
    return out
