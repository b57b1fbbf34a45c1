"""sqlglot parsing with errors mapped back to offsets in the text given."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from .errors import Located

if TYPE_CHECKING:
    from .engines import EngineTraits

# sqlglot logs a warning when it falls back to an opaque Command ("'EXPLAIN ... :__p0' contains
# unsupported syntax"); with no handler configured, Python printed it to stderr beside our own
# located diagnostic for the statement, showing the placeholders we substitute. Said by us, once.
logging.getLogger("sqlglot").addHandler(logging.NullHandler())


def _offset_of(text: str, line: int, col: int) -> int:
    lines = text.split("\n")
    line = max(1, min(line, len(lines)))
    return sum(len(x) + 1 for x in lines[: line - 1]) + max(0, col - 1)


_TOKEN = re.compile(r"<Token token_type: TokenType\.\w+, text: (.*?), line: \d+.*?>")


def _clean(message: str) -> str:
    """sqlglot quotes tokens as their repr; show just their text."""
    return _TOKEN.sub(lambda m: repr(m.group(1)), message)


def parse_one(text: str, engine: "EngineTraits") -> exp.Expr:
    """Parse exactly one statement or raise Located at the offending token."""
    try:
        trees = sqlglot.parse(text, read=engine.dialect)
    except ParseError as error:
        detail = error.errors[0] if error.errors else {}
        line, col = detail.get("line") or 1, detail.get("col") or 1
        # sqlglot's col points at the end of the offending token; step back to its start.
        highlight = detail.get("highlight") or ""
        offset = _offset_of(text, line, col) - max(0, len(highlight) - 1)
        message = _clean(str(detail.get("description") or error).split(". Line")[0])
        raise Located(f"syntax error: {message}" + (f" near {highlight!r}" if highlight else ""), offset) from None
    except TokenError as error:
        match = re.search(r"line (\d+), col: (\d+)", str(error), re.IGNORECASE)
        offset = _offset_of(text, int(match.group(1)), int(match.group(2))) if match else 0
        raise Located(f"syntax error: {str(error).split('. Line')[0].splitlines()[0][:120]}", offset) from None
    except (RecursionError, ValueError, KeyError, IndexError, AttributeError, TypeError) as error:
        raise Located(f"cannot parse statement: {type(error).__name__}", 0) from None
    trees = [t for t in trees if t is not None]
    if not trees:
        raise Located("empty statement", 0)
    if len(trees) > 1:
        raise Located("expected one statement, found several (missing ';'?)", 0)
    tree = trees[0]
    if tree is None:
        raise Located("empty statement", 0)
    if isinstance(tree, exp.Command):
        raise Located(f"unsupported statement {tree.name.upper()!r}", 0)
    return tree
