"""Source text with file coordinates: offsets map back to path:line:col."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceFile:
    path: str  # as shown in diagnostics (relative to the config's folder when possible)
    text: str
    line_starts: tuple[int, ...] = field(default=(), compare=False)

    @staticmethod
    def of(path: str, text: str) -> "SourceFile":
        starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                starts.append(i + 1)
        return SourceFile(path, text, tuple(starts))

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.line_starts, offset) - 1
        return line + 1, offset - self.line_starts[line] + 1


@dataclass(frozen=True)
class Statement:
    """One SQL statement cut out of a file; `start` is its offset in the file."""

    source: SourceFile
    start: int
    text: str

    def position(self, offset: int | None = None) -> tuple[int, int]:
        return self.source.position(self.start + (offset or 0))
