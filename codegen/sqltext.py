"""Lexical work on SQL text that must happen before (or instead of) parsing.

Statement splitting, comment stripping and parameter discovery all need to
know what is a string, a quoted identifier or a comment, and nothing more.
One regex-driven lexer serves them all; it never fails, so even a file that
sqlglot cannot parse is split into statements with exact positions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from .source import SourceFile, Statement


class Lexical(Protocol):
    """What lexing asks of an engine (codegen.engines.Engine, or its lexing module): its pattern."""

    @property
    def lexer(self) -> re.Pattern[str]: ...


class Lexing(Lexical, Protocol):
    """An engine's lexing module: its pattern, and the characters its own tokenizer skips as blanks."""

    @property
    def blanks(self) -> str: ...

_COMMON = r"""
      (?P<ws>\s+)
    | (?P<line_comment>--[^\n\r]*)
    | (?P<block_comment>/\*.*?(?:\*/|\Z))
    {escape}
    | (?P<string>[xXbBeE]?'(?:[^']|'')*(?:'|\Z))
    {dollar}
    | (?P<ident>"(?:[^"]|"")*(?:"|\Z)|`(?:[^`]|``)*(?:`|\Z){bracket})
    | (?P<word>[A-Za-z_\x80-\U0010ffff][\w$\x80-\U0010ffff]*)
    | (?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)
    | (?P<punct>::|.)
    """


def lexer_pattern(escape: str = "", dollar: str = "", bracket: str = "") -> re.Pattern[str]:
    """The lexer for an engine: the common lexemes plus its own string and name forms (each an
    alternative starting with `|`), which the engine package (codegen.engines) supplies."""
    return re.compile(_COMMON.format(escape=escape, dollar=dollar, bracket=bracket), re.VERBOSE | re.DOTALL)


_KINDS = {"tag": "dollar", "meta": "line_comment", "escaped": "string"}


@dataclass(slots=True)
class Lexeme:
    kind: str
    start: int
    end: int
    text: str


def lex(text: str, engine: Lexical) -> list[Lexeme]:
    return [Lexeme(_KINDS.get(m.lastgroup, m.lastgroup), m.start(), m.end(), m.group())  # type: ignore[arg-type]
            for m in engine.lexer.finditer(text)]


def normalise_line_breaks(text: str, engine: Lexical) -> str:
    """CRLF and lone CR become LF, so offsets and columns agree; not inside a string literal or
    a quoted name, whose every byte is part of a value."""
    if "\r" not in text:
        return text
    return "".join(lx.text if lx.kind in ("string", "ident", "dollar")
                   else lx.text.replace("\r\n", "\n").replace("\r", "\n") for lx in lex(text, engine))


# A byte order mark: where one stands inside a file, files were joined together (`cat a.sql b.sql`).
_MARK = "\ufeff"


def _false(ch: str, engine: Lexing) -> bool:
    return (ch.isspace() or ch == _MARK) and ch not in engine.blanks


def false_blank(text: str, engine: Lexing) -> int | None:
    """The offset of the first character between tokens that Python (and so this lexer and
    sqlglot) reads as a blank but the database does not (U+2028, a no-break space, U+0085, \\v...),
    or a byte order mark the database does not skip: the database reads it as part of the next name,
    or refuses it, so the analysis would describe another statement than the one that runs. None
    when there is none."""
    if not any(_false(ch, engine) for ch in set(text)):
        return None  # the common case, without lexing
    for lx in lex(text, engine):
        if lx.kind in ("ws", "word"):
            for i, ch in enumerate(lx.text):
                if (lx.kind == "ws" and ch not in engine.blanks) or (ch == _MARK and _false(ch, engine)):
                    return lx.start + i
    return None


def blank_marks(text: str, engine: Lexing) -> str:
    """A byte order mark between tokens as a space, for an engine that skips it as a blank (SQLite
    does: files joined together keep theirs) where this lexer and sqlglot would make it part of a
    name. Strings, quoted names and comments keep theirs; one character for one, so positions hold."""
    if _MARK not in text or _MARK not in engine.blanks:
        return text
    return "".join(lx.text.replace(_MARK, " ") if lx.kind in ("word", "punct") else lx.text for lx in lex(text, engine))


def first_significant(text: str, engine: Lexical) -> Lexeme | None:
    """The first lexeme that is not blank or a comment, lexing no further than it."""
    for m in engine.lexer.finditer(text):
        kind = _KINDS.get(m.lastgroup, m.lastgroup)  # type: ignore[arg-type]
        if kind not in ("ws", "line_comment", "block_comment"):
            return Lexeme(kind, m.start(), m.end(), m.group())  # type: ignore[arg-type]
    return None


def _significant(lexemes: list[Lexeme]) -> list[Lexeme]:
    return [x for x in lexemes if x.kind not in ("ws", "line_comment", "block_comment")]


def split_statements(source: SourceFile, engine: Lexical, start: int = 0, end: int | None = None
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
    first: int | None = None
    for lx in lexemes:
        if first is None and lx.kind not in ("ws", "line_comment", "block_comment") and not (
                lx.kind == "punct" and lx.text == ";" and depth == 0):
            first = lx.start
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
            _add(statements, source, start, text, stmt_start, lx.start, first)
            stmt_start, words, first = lx.end, [], None
    _add(statements, source, start, text, stmt_start, len(text), first)
    return statements


def _is_trigger(words: list[str]) -> bool:
    """A statement whose body may hold `;` between BEGIN and END: a trigger, or a PostgreSQL
    function or procedure with a BEGIN ATOMIC ... END body."""
    return len(words) >= 2 and words[0] == "CREATE" and any(w in words[1:4] for w in ("TRIGGER", "FUNCTION",
                                                                                       "PROCEDURE"))


def _add(statements: list[Statement], source: SourceFile, base: int, text: str, start: int, end: int,
         first: int | None) -> None:
    """first: offset of the statement's first significant lexeme, None when it has none."""
    if first is None:
        return
    # Start the statement at its first significant character so positions are exact.
    statements.append(Statement(source, base + first, text[first:end].rstrip()))


def strip_comments(text: str, engine: Lexical) -> str:
    """The statement as it will be sent: comments removed, blank lines and trailing spaces
    dropped, and nothing else changed. Only the blanks between tokens are tidied: a string
    literal or quoted name keeps every byte (its trailing spaces, blank lines and lone CRs
    are part of the value the query compares with)."""
    parts: list[str] = []
    blank = ""  # the blanks (and comments, as blanks) since the last token
    for lx in lex(text, engine):
        if lx.kind == "ws":
            blank += lx.text
        elif lx.kind == "line_comment":
            continue  # its newline is the next blank
        elif lx.kind == "block_comment":
            blank += " "
        else:
            if parts and blank:
                parts.append(_tidy_blank(blank))
            blank = ""
            parts.append(lx.text)
    while parts and parts[-1] == ";":
        parts.pop()
        if parts and parts[-1].isspace():
            parts.pop()
    return "".join(parts)


def _tidy_blank(blank: str) -> str:
    """Blanks between two tokens: one line break and the next line's indentation, or as written."""
    last_break = max(blank.rfind("\n"), blank.rfind("\r"))
    return blank if last_break < 0 else "\n" + blank[last_break + 1:]
