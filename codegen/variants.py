"""The statements a dynamic query (sqlc.optional, sqlc.sort) can send, for checking them.

The generated `_runtime.variant` joins pieces the same way at run time; here the variants worth
preparing are listed: every optional predicate alone, all on, all off, and every sort value.
"""

from __future__ import annotations

from . import ir

SORT_MARK = "\x01"


def compose(query: ir.Query, mask: int, order: str) -> tuple[str, tuple[int, ...]]:
    sql: list[str] = []
    slots: list[int] = []
    for piece in query.dynamic:
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
    return out  # type: ignore[return-value]
