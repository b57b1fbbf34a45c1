"""Lexical work on SQL text that must happen before (or instead of) parsing.

Statement splitting, comment stripping and parameter discovery all need to
know what is a string, a quoted identifier or a comment, and nothing more.
One regex-driven lexer serves them all; it never fails, so even a file that
sqlglot cannot parse is split into statements with exact positions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .source import SourceFile, Statement

_LEXEME = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<line_comment>--[^\n]*)
    | (?P<block_comment>/\*.*?(?:\*/|\Z))
    | (?P<string>[xXbBeE]?'(?:[^']|'')*(?:'|\Z))
    | (?P<dollar>\$(?P<tag>[A-Za-z_]\w*)?\$.*?(?:\$(?P=tag)\$|\Z))
    | (?P<ident>"(?:[^"]|"")*(?:"|\Z)|`(?:[^`]|``)*(?:`|\Z)|\[[^\]]*(?:\]|\Z))
    | (?P<word>[A-Za-z_\x80-\U0010ffff][\w$\x80-\U0010ffff]*)
    | (?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)
    | (?P<punct>::|.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Lexeme:
    kind: str
    start: int
    end: int
    text: str


def lex(text: str, engine: str = "sqlite") -> list[Lexeme]:
    out = []
    pos = 0
    while pos < len(text):
        m = _LEXEME.match(text, pos)
        assert m is not None  # the last alternative matches any character
        kind = m.lastgroup or "punct"
        if kind == "tag":
            kind = "dollar"
        if kind == "dollar" and engine != "postgresql":
            # In SQLite `$name` is a parameter, not a dollar-quoted string.
            m = re.compile(r".", re.DOTALL).match(text, pos)
            assert m is not None
            kind = "punct"
        if kind == "ident" and text[pos] == "[" and engine == "postgresql":
            m = re.compile(r".", re.DOTALL).match(text, pos)
            assert m is not None
            kind = "punct"
        out.append(Lexeme(kind, m.start(), m.end(), m.group(0)))
        pos = m.end()
    return out


def _significant(lexemes: list[Lexeme]) -> list[Lexeme]:
    return [x for x in lexemes if x.kind not in ("ws", "line_comment", "block_comment")]


def split_statements(source: SourceFile, engine: str = "sqlite", start: int = 0, end: int | None = None
                     ) -> list[Statement]:
    """Cut text into statements at top-level semicolons.

    A CREATE TRIGGER body (BEGIN ... END) holds semicolons of its own; they do
    not end the statement. Statements of only comments or blanks are dropped.
    """
    text = source.text[start:end]
    lexemes = lex(text, engine)
    statements: list[Statement] = []
    stmt_start = 0
    words: list[str] = []  # upper-cased leading words of the current statement
    depth = 0  # BEGIN ... END nesting inside a trigger body
    for lx in lexemes:
        if lx.kind == "word":
            upper = lx.text.upper()
            if len(words) < 4:
                words.append(upper)
            if _is_trigger(words):
                if upper == "BEGIN" or (upper == "CASE" and depth > 0):
                    depth += 1
                elif upper == "END" and depth > 0:
                    depth -= 1
        elif lx.kind == "punct" and lx.text == ";" and depth == 0:
            _add(statements, source, start, text, stmt_start, lx.start)
            stmt_start, words = lx.end, []
    _add(statements, source, start, text, stmt_start, len(text))
    return statements


def _is_trigger(words: list[str]) -> bool:
    return len(words) >= 2 and words[0] == "CREATE" and "TRIGGER" in words[1:4]


def _add(statements: list[Statement], source: SourceFile, base: int, text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    sig = _significant(lex(chunk))
    if not sig:
        return
    # Start the statement at its first significant character so positions are exact.
    first = sig[0].start
    statements.append(Statement(source, base + start + first, chunk[first:].rstrip()))


def strip_comments(text: str, engine: str = "sqlite") -> str:
    """The statement as it will be sent: comments removed, blank lines dropped."""
    parts = []
    for lx in lex(text, engine):
        if lx.kind == "line_comment":
            continue
        if lx.kind == "block_comment":
            parts.append(" ")
            continue
        parts.append(lx.text)
    lines = [line.rstrip() for line in "".join(parts).split("\n")]
    return "\n".join(line for line in lines if line.strip()).strip().rstrip(";").rstrip()


def leading_words(text: str, count: int = 4) -> list[str]:
    words = []
    for lx in _significant(lex(text)):
        if lx.kind != "word":
            break
        words.append(lx.text.upper())
        if len(words) == count:
            break
    return words
