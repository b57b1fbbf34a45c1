"""Strategies for the fuzz tests (test_drawn_fuzz*.py): real projects, one file mutated.

The corpus is every project the repository already holds: this repository's own schema and
queries, the golden cases' inputs, tests/projects/*, the sqlc config fixtures and the conformance
cases from sqlc's suite. A draw copies one project and mutates one of its files (a schema or
query file, or its config) the way a user's editor, shell or merge would: truncated, spliced,
tokens swapped, deleted or duplicated, lines duplicated or swapped, odd bytes (a BOM, CRLF or
lone CR line ends, NUL, invalid UTF-8, Unicode line separators), a huge literal or identifier,
deep nesting.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from codegen import cli

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CONFIG_NAMES = ("pyproject.toml", "sqlc.yaml", "sqlc.yml", "sqlc.json")
# What a located error line looks like: a path, a line and a column inside it, or a whole-file one.
LOCATED = re.compile(r"^(?P<path>[^\n]+?):(?P<line>\d+):(?P<col>\d+): error: .+$|^(?P<file>[^\n]+?): error: .+$")
SKIP_PARTS = {"__pycache__", ".codegen", ".mypy_cache", "expected"}


def _projects() -> list[Path]:
    """Every project folder in the corpus (one holding a config), sorted so draws replay."""
    roots = [REPO / "tests" / "golden", REPO / "tests" / "projects", REPO / "tests" / "fixtures" / "sqlc",
             REPO / "tests" / "lite_user", SHARED / "conformance" / "sqlite", SHARED / "conformance" / "postgresql"]
    found = set()
    for root in roots:
        if not root.is_dir():
            continue
        for name in CONFIG_NAMES:
            for config in root.rglob(name):
                if not SKIP_PARTS & set(config.relative_to(root).parts):
                    found.add(config.parent)
    return [*sorted(found), REPO]  # and this repository's own data layer


PROJECTS = _projects()


@dataclass
class Project:
    """A copied project: its folder and the config file codegen reads there."""

    root: Path
    config: Path
    mutated: str  # the file mutated, relative to root ("" when none was)
    mutation: str


def inputs(folder: Path) -> list[Path]:
    """The project's schema, query and config files (of this repository: schema/, queries/ and
    pyproject.toml, not the test data under it)."""
    found = sorted(p for p in folder.rglob("*") if p.is_file() and not SKIP_PARTS & set(p.relative_to(folder).parts)
                   and (p.suffix == ".sql" or p.name in CONFIG_NAMES))
    if folder == REPO:
        found = [p for p in found if p.relative_to(REPO).parts[0] in ("schema", "queries", "pyproject.toml")]
    return found


def copy_project(source: Path, dest: Path) -> Path:
    """The project's input files only (no expected output, no generated package), under dest."""
    for path in inputs(source):
        target = dest / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return dest


def config_of(folder: Path) -> Path:
    for name in CONFIG_NAMES:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(folder)


# -- mutations -----------------------------------------------------------------------------------

TOKENS = re.compile(rb"\w+|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[^\w\s]")
KINDS = ("truncate", "splice", "swap_tokens", "delete_token", "duplicate_token", "duplicate_line", "swap_lines",
         "delete_line", "junk", "bom", "crlf", "lone_cr", "nul", "invalid_utf8", "unicode_breaks", "huge_literal",
         "huge_identifier", "deep_nesting", "tabs_and_feeds", "keyword_case")
# The mutations codegen accepts most often (a file that still means something), for the tests that
# run the accepted mutants' code: the others are mostly refused, which test_drawn_fuzz.py checks.
OFTEN_ACCEPTED = ("swap_tokens", "duplicate_token", "duplicate_line", "swap_lines", "delete_line", "junk", "bom",
                  "crlf", "lone_cr", "unicode_breaks", "tabs_and_feeds", "keyword_case", "huge_literal")
_ODD = [b"\xef\xbb\xbf", b"\r\n", b"\r", b"\x00", b"\xff", b"\xc3", b"\xe2\x80\xa8", b"\xc2\x85", b"\x0c", b"\x0b",
        b"\x1a", b"\\", b"$$", b"'", b'"', b"`", b"[", b"--", b"/*", b"*/", b";", b":", b"?", b"@", b"$1", b"\t"]


@st.composite
def mutate(draw: st.DrawFn, data: bytes, kinds: tuple[str, ...] = KINDS) -> tuple[str, bytes]:
    """(kind, mutated bytes) of a file's bytes; kind is drawn from kinds."""
    kind = draw(st.sampled_from(kinds))
    tokens = list(TOKENS.finditer(data))
    lines = data.split(b"\n")
    at = draw(st.integers(0, len(data)))

    def token() -> re.Match[bytes]:
        return tokens[draw(st.integers(0, len(tokens) - 1))]

    if kind == "truncate":
        return kind, data[:at]
    if kind == "splice":
        a, b = sorted(draw(st.lists(st.integers(0, len(data)), min_size=2, max_size=2)))
        return kind, data[:at] + data[a:b] + data[at:]
    if kind == "swap_tokens" and len(tokens) > 1:
        ti, tj = sorted([token(), token()], key=lambda m: m.start())
        if ti.start() == tj.start():
            return kind, data
        return kind, data[:ti.start()] + tj.group() + data[ti.end():tj.start()] + ti.group() + data[tj.end():]
    if kind == "delete_token" and tokens:
        t = token()
        return kind, data[:t.start()] + data[t.end():]
    if kind == "duplicate_token" and tokens:
        t = token()
        return kind, data[:t.end()] + b" " + t.group() + data[t.end():]
    if kind in ("duplicate_line", "swap_lines", "delete_line"):
        i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        if kind == "duplicate_line":
            lines = lines[: i + 1] + [lines[i]] + lines[i + 1:]
        elif kind == "swap_lines":
            lines[i], lines[j] = lines[j], lines[i]
        else:
            del lines[i]
        return kind, b"\n".join(lines)
    if kind == "junk":
        return kind, data[:at] + draw(st.lists(st.sampled_from(_ODD), min_size=1, max_size=4).map(b"".join)) + data[at:]
    if kind == "bom":
        return kind, b"\xef\xbb\xbf" + data
    if kind == "crlf":
        return kind, data.replace(b"\n", b"\r\n")
    if kind == "lone_cr":
        return kind, data.replace(b"\n", b"\r")
    if kind == "nul":
        return kind, data[:at] + b"\x00" + data[at:]
    if kind == "invalid_utf8":
        return kind, data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"])) + data[at:]
    if kind == "unicode_breaks":
        sep = draw(st.sampled_from(["\u2028", "\u2029", "\x85", "\x1c", "\x1d", "\x1e", "\x0b", "\x0c"])).encode()
        return kind, data.replace(b"\n", sep + b"\n") if draw(st.booleans()) else data[:at] + sep + data[at:]
    if kind == "huge_literal" and tokens:
        t = token()
        literal = draw(st.sampled_from([b"'" + b"x" * 100_000 + b"'", b"9" * 5000, b"1e999", b"-" + b"9" * 40,
                                        b"X'" + b"ab" * 20_000 + b"'"]))
        return kind, data[:t.start()] + literal + data[t.end():]
    if kind == "huge_identifier" and tokens:
        t = token()
        return kind, data[:t.start()] + b"x" * draw(st.integers(64, 20_000)) + data[t.end():]
    if kind == "deep_nesting":
        depth = draw(st.integers(50, 3000))
        shape = draw(st.sampled_from([(b"(", b")"), (b"(SELECT ", b")"), (b"COALESCE(", b", 1)"), (b"-", b""),
                                      (b"NOT ", b"")]))
        nested = shape[0] * depth + b"1" + shape[1] * depth
        if tokens and draw(st.booleans()):
            t = token()
            return kind, data[:t.start()] + nested + data[t.end():]
        return kind, data + b"\n-- name: Deep :one\nSELECT " + nested + b";\n"
    if kind == "tabs_and_feeds":
        return kind, data.replace(b" ", draw(st.sampled_from([b"\t", b"\x0c", b"\x0b", b"\xc2\xa0"])))
    if kind == "keyword_case" and tokens:
        t = token()
        return kind, data[:t.start()] + t.group().swapcase() + data[t.end():]
    return "none", data


@st.composite
def mutated_projects(draw: st.DrawFn, dest: Path, projects: list[Path] = PROJECTS) -> Project:
    """A copy of a drawn corpus project under dest, with one drawn file mutated."""
    source = draw(st.sampled_from(projects))
    root = copy_project(source, dest)
    config = config_of(root)
    files = inputs(root)
    target = draw(st.sampled_from(files))
    kind, data = draw(mutate(target.read_bytes()))
    target.write_bytes(data)
    return Project(root, config, target.relative_to(root).as_posix(), kind)


# -- running the CLI -----------------------------------------------------------------------------


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    crash: BaseException | None  # what escaped codegen.cli.run: the user's traceback


def invoke(cwd: Path, *args: str) -> Outcome:
    """`python -m codegen ARGS` in this process: an exception escaping run() is a traceback."""
    out, err = io.StringIO(), io.StringIO()
    before = Path.cwd()
    os.chdir(cwd)
    crash: BaseException | None = None
    code = -1
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.run(list(args))
            except SystemExit as exit_:  # argparse's own refusals
                code = exit_.code if isinstance(exit_.code, int) else 1
            except RecursionError as error:
                crash = error
            except Exception as error:  # noqa: BLE001 - any of them is the bug we hunt
                crash = error
    finally:
        os.chdir(before)
    return Outcome(code, out.getvalue(), err.getvalue(), crash)


def tree(root: Path, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file under root but caches and the skipped top-level entries, by relative path."""
    found: dict[str, bytes] = {}
    if not root.is_dir():
        return found
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] in skip or "__pycache__" in rel.parts or ".codegen" in rel.parts:
            continue
        if path.is_file() and not path.is_symlink():
            found[rel.as_posix()] = path.read_bytes()
    return found


@contextlib.contextmanager
def no_cache() -> Iterator[None]:
    saved = os.environ.get("CODEGEN_NO_CACHE")
    os.environ["CODEGEN_NO_CACHE"] = "1"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("CODEGEN_NO_CACHE", None)
        else:
            os.environ["CODEGEN_NO_CACHE"] = saved
