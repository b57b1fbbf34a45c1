"""`ORDER BY sqlc.sort(name, col_a, col_b, ...)`: a sort order chosen by the caller among fixed ones.

The call is found lexically (sqlglot would not parse it), analysed once per column with that
column in its place (so an unknown column is an error at its own position), and sent with a
marker where each choice's fixed text (`col_a`, `col_a DESC`, ...) goes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import Located
from ..sqltext import Lexeme, lex

if TYPE_CHECKING:
    from ..engines import EngineTraits

MARK = "\x01"  # where the chosen ORDER BY text goes in the statement sent
_SORT = re.compile(r"sqlc\s*\.\s*sort\s*\(", re.IGNORECASE)
_NAME = re.compile(r"[A-Za-z_]\w*")


@dataclass(frozen=True)
class SortCall:
    start: int
    end: int
    name: str
    columns: tuple[tuple[str, int], ...]  # (column text as written, its offset)

    def choices(self) -> tuple[tuple[str, str], ...]:
        """(value, SQL text) per choice: `col` ascending, `-col` descending, in the order written."""
        out = []
        for text, _ in self.columns:
            value = _value(text)
            out += [(value, text), ("-" + value, text + " DESC")]
        return tuple(out)


def _value(text: str) -> str:
    last = text.rsplit(".", 1)[-1]
    return last[1:-1].replace('""', '"') if last[:1] in "\"`[" else last


def find(text: str, engine: "EngineTraits") -> SortCall | None:
    lexemes = [x for x in lex(text, engine) if x.kind not in ("ws", "line_comment", "block_comment")]
    calls = [i for i, x in enumerate(lexemes) if x.kind == "word" and x.text.lower() == "sqlc"
             and _SORT.match(text, x.start)]
    if not calls:
        return None
    at = calls[0]
    if len(calls) > 1:
        raise Located("a query takes one sqlc.sort", lexemes[calls[1]].start)
    start = lexemes[at].start
    if at < 2 or [x.text.upper() for x in lexemes[at - 2:at]] != ["ORDER", "BY"]:
        raise Located("sqlc.sort must be the first item of ORDER BY", start)
    open_at = next(i for i in range(at, len(lexemes)) if lexemes[i].text == "(")
    args: list[list[Lexeme]] = [[]]
    depth, close = 0, None
    for i in range(open_at + 1, len(lexemes)):
        x = lexemes[i]
        if x.text == "(":
            depth += 1
        elif x.text == ")" and depth == 0:
            close = i
            break
        elif x.text == ")":
            depth -= 1
        if x.text == "," and depth == 0:
            args.append([])
        else:
            args[-1].append(x)
    if close is None:
        raise Located("sqlc.sort( is not closed", start)
    if len(args) < 2 or any(not a for a in args):
        raise Located("sqlc.sort takes a parameter name and at least one column: sqlc.sort(name, col, ...)", start)
    name = args[0]
    if len(name) != 1 or not _NAME.fullmatch(name[0].text.strip("'\"")):
        raise Located("sqlc.sort's first argument is the parameter's name", name[0].start)
    columns = []
    for arg in args[1:]:
        if not all(x.kind in ("word", "ident") or x.text == "." for x in arg):
            raise Located("sqlc.sort takes column names (a leading '-' is the caller's choice, not written here)",
                          arg[0].start)
        columns.append((text[arg[0].start:arg[-1].end], arg[0].start))
    call = SortCall(start, lexemes[close].end, name[0].text.strip("'\""), tuple(columns))
    seen: set[str] = set()
    for column, offset in columns:
        value = _value(column)
        if value in seen:
            raise Located(f"sqlc.sort: column {value!r} is listed twice", offset)
        seen.add(value)
    return call
