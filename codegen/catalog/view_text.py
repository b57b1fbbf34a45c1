"""A SQLite view's columns are named from its text: an unaliased expression by the text it is
written as (`count(*)`, `a + 1`, `max("Two Words")`), as sqlite3ColumnsFromExprList names it, and
renames rewrite that text token by token (ALTER TABLE ... RENAME [COLUMN]), so the name follows.

Only the result list of a plain `SELECT` (no compound, no `WITH`) is read, each item from its
first lexeme to its last, as SQLite spans it; anything else keeps the names analysis gives.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..sqltext import Lexeme
from .cursor import Cursor, unquote

if TYPE_CHECKING:
    from ..engines import EngineTraits

# Words that end a SELECT's result list at the top level.
_LIST_END = {"FROM", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "WINDOW", "UNION", "INTERSECT", "EXCEPT"}
_BARE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def result_spans(text: str, engine: "EngineTraits") -> list[str] | None:
    """The text of each item of the view's result list, or None when it is no plain SELECT."""
    cur = Cursor(text, engine)
    if not cur.accept("SELECT"):
        return None
    cur.accept("DISTINCT") or cur.accept("ALL")
    spans: list[str] = []
    first: Lexeme | None = None
    last: Lexeme | None = None
    depth = 0
    for lx in cur.items[cur.pos:]:
        if lx.kind == "punct" and lx.text == "(":
            depth += 1
        elif lx.kind == "punct" and lx.text == ")":
            depth -= 1
        elif depth == 0 and ((lx.kind == "punct" and lx.text in (",", ";"))
                             or (lx.kind == "word" and lx.text.upper() in _LIST_END)):
            if first is None or last is None:
                return None
            spans.append(text[first.start:last.end])
            first = None
            if lx.text != ",":
                return spans
            continue
        if first is None:
            first = lx
        last = lx
    if first is not None and last is not None:
        spans.append(text[first.start:last.end])
    return spans


def renamed(text: str, engine: "EngineTraits", old: str, new: str, quote_always: bool) -> str:
    """text with each name token `old` (bare, quoted or bracketed; any case) written as `new`:
    quoted when it was, or when `new` needs it (SQLite quotes a renamed table always). SQLite
    rewrites only the tokens that resolve to the renamed object; this rewrites every token of that
    name in a view reading the table, so another table's column of the same name in the same
    expression would be renamed too (its name, not its type, would differ)."""
    out, at = [], 0
    for lx in Cursor(text, engine).items:
        if lx.kind in ("word", "ident") and unquote(lx).lower() == old.lower():
            was_quoted = lx.kind == "ident"
            written = new if not (was_quoted or quote_always or not _BARE.match(new)) \
                else '"' + new.replace('"', '""') + '"'
            out.append(text[at:lx.start] + written)
            at = lx.end
    return "".join(out) + text[at:]
