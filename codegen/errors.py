"""Located diagnostics: every problem of a run, reported against the original file."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    col: int
    message: str
    severity: str = "error"  # "warning" and "note" are printed and let the run go on

    def __str__(self) -> str:
        # One line per problem, whatever the message quoted (SQL text, a huge identifier).
        message = " ".join(self.message.split())
        if len(message) > 300:
            message = message[:297] + "..."
        if self.line == 0:  # about a folder or a file as a whole (one that may not exist): no position
            return f"{self.path}: {self.severity}: {message}"
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {message}"


class CodegenError(Exception):
    """Raised with all diagnostics of a stage; the CLI prints them and exits 1."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("\n".join(str(d) for d in diagnostics))
        self.diagnostics = sorted(set(diagnostics), key=lambda d: (d.path, d.line, d.col, d.message))


class Located(Exception):
    """An analysis error at an offset of the statement being analysed.

    Raised deep inside analysis, caught per statement and turned into a
    Diagnostic once the statement's position in its file is known.
    """

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


_DIGITS = re.compile(r"[0-9][0-9_]*")


def number_too_long(path: str, text: str) -> Diagnostic | None:
    """The first decimal number in a config's text that Python refuses to read as an int.

    Python reads at most sys.get_int_max_str_digits() digits (a guard against quadratic-time
    conversion); tomllib, PyYAML and json let that bare ValueError escape instead of their own decode
    error, so a config holding such a number must be reported here (None: no such number)."""
    limit = sys.get_int_max_str_digits()
    for match in _DIGITS.finditer(text) if limit else ():
        digits = len(match.group().replace("_", ""))
        if digits > limit:
            line = text.count("\n", 0, match.start()) + 1
            col = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            return Diagnostic(path, line, col, f"a number of {digits} digits: Python reads an integer of at most "
                                               f"{limit} digits")
    return None
