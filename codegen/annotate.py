"""Split query files into annotated blocks: `-- name: GetThread :one` heads each query."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import Diagnostic
from .source import SourceFile, Statement
from .sqltext import Lexical, lex, split_statements

COMMANDS = ("one", "many", "exec", "execrows", "execlastid", "execresult", "copyfrom", "batchexec", "batchone",
            "batchmany")
_HEADER = re.compile(r"^[ \t]*(?:--|/\*)[ \t]*name:[ \t]*(?P<name>\S*)[ \t]*(?P<cmd>:?\S*)?(?P<rest>[^\n]*)$",
                     re.MULTILINE)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_COMMENT_LINE = re.compile(r"^[ \t]*--[ \t]?(?P<text>.*)$")
# `-- codegen: allow RULE reason="..."` speaks to the linter, not to the reader of the function.
_DIRECTIVE = re.compile(r"^\s*codegen:\s*allow\b", re.IGNORECASE)


@dataclass(frozen=True)
class Block:
    name: str
    command: str
    doc: str
    statement: Statement
    line: int  # of the header


def _doc_above(lines: list[str], header_line: int) -> list[str]:
    """Comment lines directly above the header (no blank line between)."""
    doc: list[str] = []
    i = header_line - 2
    while i >= 0:
        m = _COMMENT_LINE.match(lines[i])
        if not m or _HEADER.match(lines[i]):
            break
        if not _DIRECTIVE.match(m.group("text")):
            doc.insert(0, m.group("text").rstrip())
        i -= 1
    return doc


def _doc_below(text: str, start: int) -> list[str]:
    doc: list[str] = []
    for line in text[start:].split("\n"):
        m = _COMMENT_LINE.match(line)
        if not line.strip():
            if doc:
                break
            continue
        if not m:
            break
        if not _DIRECTIVE.match(m.group("text")):
            doc.append(m.group("text").rstrip())
    return doc


def split_blocks(source: SourceFile, engine: Lexical, allow_unannotated: bool = False
                 ) -> tuple[list[Block], list[Diagnostic]]:
    blocks: list[Block] = []
    errors: list[Diagnostic] = []
    lines = source.text.split("\n")
    # A header is a comment: `-- name:` inside a string literal is text, not a new query.
    comments = {lx.start for lx in lex(source.text, engine) if lx.kind in ("line_comment", "block_comment")}
    headers = [h for h in _HEADER.finditer(source.text) if h.start() + len(h.group(0)) - len(h.group(0).lstrip())
               in comments]
    first_header = headers[0].start() if headers else len(source.text)
    for stmt in split_statements(source, engine, 0, first_header):
        if allow_unannotated:
            continue
        line, col = stmt.position()
        errors.append(Diagnostic(source.path, line, col, "statement without a header (add `-- name: Name :command`)"))
    for i, header in enumerate(headers):
        line, _ = source.position(header.start())
        name, cmd, rest = header.group("name"), (header.group("cmd") or ""), header.group("rest").strip()
        if rest.endswith("*/"):
            rest = rest[:-2].strip()
        name_col = source.position(header.start("name"))[1]
        if not _NAME.match(name):
            errors.append(Diagnostic(source.path, line, name_col, f"invalid query name {name!r}"))
            continue
        command = cmd.lstrip(":").lower()
        if not cmd.startswith(":") or command not in COMMANDS:
            col = source.position(header.start("cmd"))[1] if cmd else name_col + len(name)
            shown = cmd or "nothing"
            errors.append(Diagnostic(source.path, line, col, f"query {name}: invalid command {shown!r}, expected one "
                                     f"of {', '.join(':' + c for c in COMMANDS)}"))
            continue
        if rest and not rest.startswith("--"):
            raw = header.group("rest")
            col = source.position(header.start("rest") + len(raw) - len(raw.lstrip()))[1]
            errors.append(Diagnostic(source.path, line, col, f"query {name}: unexpected {rest!r} after the command"))
            continue
        body_start = header.end()
        body_end = headers[i + 1].start() if i + 1 < len(headers) else len(source.text)
        statements = split_statements(source, engine, body_start, body_end)
        if not statements:
            errors.append(Diagnostic(source.path, line, 1, f"query {name} has no SQL statement"))
            continue
        for extra in statements[1:] if not allow_unannotated else []:
            eline, ecol = extra.position()
            errors.append(Diagnostic(source.path, eline, ecol, "statement without a header (add `-- name: Name "
                                     ":command`)"))
        doc = _doc_above(lines, line) + _doc_below(source.text, body_start)
        blocks.append(Block(name, command, "\n".join(doc).strip(), statements[0], line))
    return blocks, errors
