"""A cursor over the significant lexemes of one statement, for the DDL parser.

sqlglot rejects valid SQLite column types such as `VARYING CHARACTER(10)` or
`UNSIGNED BIG INT` and drops the declared spelling we need for affinity, so
table definitions are read by a small hand-written parser over our lexer.
Expressions inside them (CHECK, DEFAULT) are still handed to sqlglot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import Located
from ..sqltext import Lexeme, lex

if TYPE_CHECKING:
    from ..engines import EngineTraits


def unquote(lx: Lexeme) -> str:
    text = lx.text
    if lx.kind == "ident":
        if text[0] == "[":
            return text[1:-1]
        quote = text[0]
        return text[1:-1].replace(quote * 2, quote)
    if lx.kind == "string":
        return text[1:-1].replace("''", "'")
    return text


class Cursor:
    def __init__(self, text: str, engine: "EngineTraits") -> None:
        self.text = text
        self.engine = engine
        self.items = [x for x in lex(text, engine) if x.kind not in ("ws", "line_comment", "block_comment")]
        self.pos = 0

    # -- looking -------------------------------------------------------------
    def peek(self, ahead: int = 0) -> Lexeme | None:
        i = self.pos + ahead
        return self.items[i] if i < len(self.items) else None

    def at_end(self) -> bool:
        return self.pos >= len(self.items) or (self.peek() is not None and self.peek().text == ";"  # type: ignore[union-attr]
                                                and self.pos == len(self.items) - 1)

    def is_word(self, *words: str, ahead: int = 0) -> bool:
        lx = self.peek(ahead)
        return lx is not None and lx.kind == "word" and lx.text.upper() in words

    def is_punct(self, text: str, ahead: int = 0) -> bool:
        lx = self.peek(ahead)
        return lx is not None and lx.kind == "punct" and lx.text == text

    def offset(self) -> int:
        lx = self.peek()
        return lx.start if lx is not None else len(self.text.rstrip())

    # -- consuming -----------------------------------------------------------
    def next(self) -> Lexeme:
        lx = self.peek()
        if lx is None:
            raise Located("unexpected end of statement", self.offset())
        self.pos += 1
        return lx

    def accept(self, *words: str) -> bool:
        """Consume the given keywords in sequence if they are all next."""
        for i, word in enumerate(words):
            if not self.is_word(word, ahead=i):
                return False
        self.pos += len(words)
        return True

    def accept_punct(self, text: str) -> bool:
        if self.is_punct(text):
            self.pos += 1
            return True
        return False

    def expect(self, *words: str) -> None:
        if not self.accept(*words):
            got = self.peek()
            raise Located(f"expected {' '.join(words)}, found {got.text if got else 'end of statement'!r}",
                          self.offset())

    def expect_punct(self, text: str) -> None:
        if not self.accept_punct(text):
            got = self.peek()
            raise Located(f"expected {text!r}, found {got.text if got else 'end of statement'!r}", self.offset())

    def name(self, what: str = "name") -> tuple[str, int]:
        """An identifier (bare, quoted or, as SQLite allows, a string) and its offset."""
        lx = self.peek()
        if lx is None or lx.kind not in ("word", "ident", "string"):
            raise Located(f"expected {what}, found {lx.text if lx else 'end of statement'!r}", self.offset())
        self.pos += 1
        if self.engine.folds_identifiers and lx.kind == "word":
            # PostgreSQL folds an unquoted identifier to lower case (`ID` names the column id);
            # only a quoted one keeps its case.
            return lx.text.lower(), lx.start
        return unquote(lx), lx.start

    def qualified_name(self, what: str = "name") -> tuple[str | None, str, int]:
        """schema.name or name."""
        first, offset = self.name(what)
        if self.is_punct(".") and self.peek(1) is not None and self.peek(1).kind in ("word", "ident", "string"):  # type: ignore[union-attr]
            self.pos += 1
            second, _ = self.name(what)
            return first, second, offset
        return None, first, offset

    def balanced(self) -> tuple[int, int]:
        """Skip a parenthesised group; return the text span inside the parentheses."""
        self.expect_punct("(")
        start = self.items[self.pos - 1].end
        depth = 1
        while depth:
            lx = self.next()
            if lx.kind == "punct" and lx.text == "(":
                depth += 1
            elif lx.kind == "punct" and lx.text == ")":
                depth -= 1
        return start, self.items[self.pos - 1].start

    def skip_until_top_level(self, *stops: str) -> None:
        """Advance to the next top-level `,` or `)` (or given punctuation), skipping groups."""
        depth = 0
        while (lx := self.peek()) is not None:
            if lx.kind == "punct":
                if lx.text == "(":
                    depth += 1
                elif lx.text == ")":
                    if depth == 0:
                        return
                    depth -= 1
                elif depth == 0 and lx.text in stops:
                    return
            self.pos += 1

    def rest_text(self) -> tuple[str, int]:
        """The remaining text of the statement and its offset."""
        start = self.offset()
        return self.text[start:].rstrip().rstrip(";"), start
