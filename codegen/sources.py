"""Find schema and query files; order migrations by version; strip down-sections."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from .config import Config
from .engines.registry import lexing_named
from .errors import CodegenError, Diagnostic
from .source import SourceFile
from .sqltext import blank_marks, false_blank, normalise_line_breaks

_VERSION = re.compile(r"^(\d+)")
_GOOSE = re.compile(r"^\s*--\s*\+goose\s+(up|down)\b", re.IGNORECASE | re.MULTILINE)
_DBMATE = re.compile(r"^\s*--\s*migrate:(up|down)\b", re.IGNORECASE | re.MULTILINE)


def _expand(root: Path, pattern: str, recursive: bool) -> list[Path]:
    """One config entry: a file, a folder of .sql files, or a glob; sorted by version."""
    if any(ch in pattern for ch in "*?["):
        found = [p for p in root.glob(pattern) if p.is_file()]
    elif (root / pattern).is_dir():
        folder = root / pattern
        found = [p for p in (folder.rglob("*.sql") if recursive else folder.glob("*.sql")) if p.is_file()]
        if not recursive:  # a folder of migration folders: Prisma's <version>_<name>/migration.sql, Diesel's up.sql
            found += [p for name in _FOLDER_MIGRATIONS for p in folder.glob(f"*/{name}")
                      if p.is_file() and _VERSION.match(p.parent.name)]
    else:
        found = [root / pattern]
    return sorted(found, key=migration_order)


def migration_order(path: Path) -> tuple[int, tuple[int, ...], str]:
    """Numeric version first (10_x after 9_y, unlike sqlc's name sort), then the name. Flyway's
    V<version>__<description>.sql is ordered by its version, part by part (V1.10 after V1.9)."""
    name = migration_name(path)
    match = _VERSION.match(name)
    if match:
        return 0, (int(match.group(1)),), name
    flyway = flyway_version(name)
    return (0, flyway, name) if flyway is not None else (1, (), name)


def migration_name(path: Path) -> str:
    """The name a migration's version is read from: its file's, or, for a file of no version in a
    folder of one, the folder's (Prisma keeps <timestamp>_<name>/migration.sql, Diesel
    <date>-<time>_<name>/up.sql beside its down.sql)."""
    if path.name not in _FOLDER_MIGRATIONS or not _VERSION.match(path.parent.name):
        return path.name
    return f"{path.parent.name}{_FOLDER_MIGRATIONS[path.name]}"


# The file names a migration folder holds its migration under, and the suffix its version takes:
# Prisma's migration.sql (up only), Diesel's up.sql (with a down.sql beside it).
_FOLDER_MIGRATIONS = {"migration.sql": ".sql", "up.sql": ".up.sql"}


def _is_down(path: Path) -> bool:
    """A down migration: golang-migrate's .down.sql, Flyway's U<version>__ undo file, Diesel's down.sql."""
    return path.name.endswith(".down.sql") or bool(_FLYWAY_UNDO.match(path.name)) or (
        path.name == "down.sql" and bool(_VERSION.match(path.parent.name)))


_FLYWAY = re.compile(r"^[Vv](\d+(?:[._]\d+)*)__")
_FLYWAY_UNDO = re.compile(r"^[Uu]\d+(?:[._]\d+)*__")


def flyway_version(name: str) -> tuple[int, ...] | None:
    """The version of a Flyway versioned migration's file name: V1_1__add.sql is (1, 1)."""
    match = _FLYWAY.match(name)
    return tuple(int(part) for part in re.split(r"[._]", match.group(1))) if match else None


def _read(config: Config, path: Path) -> SourceFile:
    shown = config.display(path)
    if path.exists() and not path.is_file():  # a FIFO would block the run forever
        raise CodegenError([Diagnostic(shown, 1, 1, "not a regular file")])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CodegenError([Diagnostic(shown, 1, 1, f"cannot read file: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise CodegenError([Diagnostic(shown, line, col, "file is not valid UTF-8")]) from None
    if "\0" in text:  # it would reach generated Python source (a docstring, an SQL constant) as is
        at = text.index("\0")
        line, col = text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1
        raise CodegenError([Diagnostic(shown, line, col, "file holds a NUL byte")])
    lexing = lexing_named(config.engine)
    blank = false_blank(text, lexing)
    if blank is not None:
        line, col = text.count("\n", 0, blank) + 1, blank - (text.rfind("\n", 0, blank) + 1) + 1
        name = unicodedata.name(text[blank], "a control character")
        raise CodegenError([Diagnostic(shown, line, col, f"U+{ord(text[blank]):04X} ({name}) is not a blank to the "
                                       "database, though it looks like one: it is read as part of the next name, "
                                       "or refused; write a space or a line break")])
    # CRLF and lone CR become LF so offsets, columns and the emitted SQL agree; string literals
    # keep theirs (the value a query compares with must not change).
    return SourceFile.of(shown, normalise_line_breaks(blank_marks(text, lexing), lexing))


def _blank(text: str, start: int, end: int) -> str:
    """Replace a span by spaces, keeping newlines so positions stay true."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def keep_up_sections(text: str) -> str:
    """goose and dbmate files hold both directions; only the up part builds the schema."""
    return _keep_sections(text, "down")


def keep_down_sections(text: str) -> str | None:
    """The down part of a goose or dbmate file, everything else blanked (lines stay where they
    are); None when the file has no down section."""
    if not any(m.group(1).lower() == "down" for marker in (_GOOSE, _DBMATE) for m in marker.finditer(text)):
        return None
    kept = _keep_sections(text, "up")
    return kept if kept.strip() else None


def up_sections(text: str) -> str:
    """The up sections of a goose or dbmate file as written, the down sections left out (the whole
    text of any other file): what a migration's checksum covers, so that editing its down section
    is no edit of the SQL it ran."""
    return _keep_sections(text, "down", drop=True)


def _keep_sections(text: str, blanked: str, drop: bool = False) -> str:
    """Blank (or, with drop, cut out) the `blanked` sections of a goose or dbmate file."""
    for marker in (_GOOSE, _DBMATE):
        marks = list(marker.finditer(text))
        if not marks:
            continue
        spans = [(0, marks[0].start())] if blanked == "up" else []  # (start, end) of each blanked section
        for i, mark in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
            if mark.group(1).lower() == blanked:
                spans.append((mark.start(), end))
        for start, end in reversed(spans):
            text = text[:start] + text[end:] if drop else _blank(text, start, end)
    return text


def schema_paths(config: Config) -> list[Path]:
    """The schema (migration) files in version order, down files left out (_is_down)."""
    paths: list[Path] = []
    for pattern in config.schema:
        for path in _expand(config.root, pattern, recursive=False):
            if _is_down(path) or path in paths:
                continue
            paths.append(path)
    return paths


def read_source(config: Config, path: Path) -> SourceFile:
    """A schema or query file's text, line breaks normalised; bad bytes are located errors."""
    return _read(config, path)


def schema_files(config: Config) -> list[SourceFile]:
    files = []
    for path in schema_paths(config):
        source = _read(config, path)
        files.append(SourceFile.of(source.path, keep_up_sections(source.text)))
    return files


def query_files(config: Config) -> list[SourceFile]:
    paths: list[Path] = []
    for pattern in config.queries:
        for path in _expand(config.root, pattern, recursive=True):
            if path not in paths:
                paths.append(path)
    return [_read(config, p) for p in sorted(paths, key=lambda p: config.display(p))]


def expand(root: Path, pattern: str, recursive: bool) -> list[Path]:
    """The files one config entry names, unread (`codegen watch` polls them)."""
    return _expand(root, pattern, recursive)
