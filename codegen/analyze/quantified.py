"""How `x op ANY(arr)`, `ALL(arr)` and `SOME(arr)` are read from sqlglot's tree, and an array
written as text ('{1,2}'), for comparing x with the array's elements."""

from __future__ import annotations

from sqlglot import exp


def array_text_items(text: str) -> list[str]:
    """The items of an array written as text ('{1,2,x}'), where plainly written: no quotes, no
    nesting, NULL left out; [] otherwise."""
    inner = text.strip()
    if not (inner.startswith("{") and inner.endswith("}")) or any(c in inner[1:-1] for c in '{}"\\'):
        return []
    return [item.strip() for item in inner[1:-1].split(",") if item.strip() and item.strip().upper() != "NULL"]


def quantified_array(side: exp.Expr) -> exp.Expr | None:
    """The array of `ANY(arr)`, `ALL(arr)` or `SOME(arr)` (a subquery's is no array: None)."""
    if isinstance(side, exp.Any):
        inner = side.this
    elif isinstance(side, exp.Anonymous) and len(side.expressions) == 1 and str(side.name).upper() in ("ALL", "SOME"):
        inner = side.expressions[0]
    else:
        return None
    inner = inner.unnest() if isinstance(inner, exp.Paren) else inner
    return None if isinstance(inner, (exp.Select, exp.Subquery, exp.SetOperation)) else inner
