"""Located diagnostics: every problem of a run, reported against the original file."""

from __future__ import annotations

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
