"""The finding model, and `-- codegen: allow RULE-ID reason="..."` suppressions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..source import SourceFile, Statement
from ..sqltext import lex
from .rules import RULES

if TYPE_CHECKING:
    from ..engines import EngineTraits


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    col: int
    rule: str
    message: str
    # The lines a suppression may sit on to silence it: the comment block right above the
    # statement through the statement's last line.
    first_line: int = 0
    last_line: int = 0

    @property
    def severity(self) -> str:
        return RULES[self.rule].severity

    def __str__(self) -> str:
        message = " ".join(self.message.split())
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.rule}: {message}"


def at(stmt: Statement, rule: str, message: str, offset: int = 0) -> Finding:
    """A finding located at an offset of a statement, suppressible on or above the statement."""
    line, col = stmt.position(offset)
    first, _ = stmt.position(0)
    last, _ = stmt.position(len(stmt.text.rstrip()))
    return Finding(stmt.source.path, line, col, rule, message, _comment_block_start(stmt.source, first), last)


def _comment_block_start(source: SourceFile, line: int) -> int:
    """The first line of the run of comment lines directly above `line` (no blank line between)."""
    lines = source.text.split("\n")
    start = line
    while start >= 2 and lines[start - 2].lstrip().startswith("--"):
        start -= 1
    return start


@dataclass(frozen=True)
class Suppression:
    path: str
    line: int
    col: int
    rules: tuple[str, ...]
    reason: str | None


_ALLOW = re.compile(r"--\s*codegen:\s*allow\s+(?P<rules>[\w-]+(?:\s*,\s*[\w-]+)*)"
                    r"(?:\s+reason\s*=\s*\"(?P<reason>[^\"]*)\")?", re.IGNORECASE)


def suppressions(source: SourceFile, engine: "EngineTraits") -> list[Suppression]:
    """Every `-- codegen: allow` comment of a file (only real comments, not text in strings)."""
    found = []
    for lx in lex(source.text, engine):
        if lx.kind != "line_comment":
            continue
        match = _ALLOW.match(lx.text)
        if match is None:
            continue
        line, col = source.position(lx.start)
        rules = tuple(r.strip().lower() for r in match.group("rules").split(","))
        reason = (match.group("reason") or "").strip() or None
        found.append(Suppression(source.path, line, col, rules, reason))
    return found


def apply_suppressions(findings: list[Finding], sources: list[SourceFile], engine: "EngineTraits") -> list[Finding]:
    """Drop the findings a reasoned suppression covers; add findings for bad suppressions.

    A suppression without a reason silences nothing and is itself an error."""
    by_path: dict[str, list[Suppression]] = {}
    extra: list[Finding] = []
    for source in sources:
        for sup in suppressions(source, engine):
            by_path.setdefault(source.path, []).append(sup)
            if sup.reason is None:
                extra.append(Finding(sup.path, sup.line, sup.col, "suppression-without-reason",
                                     f"suppression of {', '.join(sup.rules)} gives no reason=\"...\"; it silences nothing",
                                     sup.line, sup.line))
            for rule in sup.rules:
                if rule not in RULES:
                    extra.append(Finding(sup.path, sup.line, sup.col, "suppression-unknown-rule",
                                         f"suppression names unknown rule {rule!r}", sup.line, sup.line))
    kept = []
    for finding in findings:
        if any(finding.rule in sup.rules and sup.reason is not None
               and finding.first_line <= sup.line <= finding.last_line
               for sup in by_path.get(finding.path, ())):
            continue
        kept.append(finding)
    return kept + extra
