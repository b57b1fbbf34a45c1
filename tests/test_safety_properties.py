"""Property: whatever names a project uses, codegen either refuses it with located errors or
writes a package that imports, passes mypy --strict and whose every function runs its own SQL.

Names are drawn from the whole Unicode identifier space plus Python keywords, builtins, dunders,
the modules generated code imports, names Python folds together (NFKC: `𝐬tr` is `str`), and
names that collide after case and underscore folding. Every example is generated and checked
statically (parsed, no module-level name shadowing an import or a builtin); one in RUN_EVERY is
also imported and run against a real SQLite file, and all of those are type-checked by one
mypy run at the end (one run over many packages costs what one package does).
SAFETY_EXAMPLES=N sets the number of examples (default 1000).
"""

from __future__ import annotations

import ast
import builtins
import datetime
import decimal
import inspect
import keyword
import os
import re
import sqlite3
import subprocess
import sys
import types
import typing
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import import_module, imported, make_project, run_cli
from codegen.python import naming

EXAMPLES = int(os.environ.get("SAFETY_EXAMPLES", "1000"))
RUN_EVERY = 25  # one example in this many is imported, run and type-checked
LOCATED = re.compile(r"^[^\n]+:\d+:\d+: error: |^[^\n]+: error: ")

KEYWORDS = keyword.kwlist + keyword.softkwlist
BUILTINS = [n for n in dir(builtins) if not n.startswith("__")]
DUNDERS = ["__init__", "__class__", "__dict__", "__name__", "__slots__", "_fields", "_asdict", "_replace", "_make"]
IMPORTED = sorted(naming.GENERATED_IMPORTS) + ["pathlib", "os", "conn", "params", "rows", "self", "cls"]
FOLDED = ["𝐬tr", "ｔyping", "𝐝atetime", "ﬁle", "Ⅸ", "ǅ", "ß", "İd", "ｉｄ", "𝕞odels", "ｓqlite3", "Ｉｎｔ"]
SQL_TYPES = ["INTEGER", "TEXT", "REAL", "BLOB", "BOOLEAN", "TIMESTAMP", "DATE", "DECIMAL", ""]

_identifier_chars = st.characters(categories=("Lu", "Ll", "Lt", "Lm", "Lo", "Nl", "Mn", "Nd", "Pc"),
                                  max_codepoint=0x2FFFF)
_special = st.sampled_from(KEYWORDS + BUILTINS + DUNDERS + IMPORTED + FOLDED)
_ascii = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,7}", fullmatch=True)
_unicode = st.text(_identifier_chars, min_size=1, max_size=8)
# SQL names (tables, columns, files) may be any text; query names are what an annotation takes.
_sql_name = st.one_of(_special, _special.map(str.title), _special.map(str.upper), _ascii, _unicode)
_query_name = st.one_of(_special.filter(str.isascii).map(lambda n: n.strip("_") or "Q").map(lambda n: n[:1].upper() + n[1:]),
                        _special.filter(str.isascii), _ascii)  # annotations take ASCII names


def _variant(name: str, how: int) -> str:
    """A name that folds to the same Python name: case, underscores."""
    return [name.upper(), name.lower(), "_" + name, name + "_", name.replace("_", ""), name.title(),
            "__" + name + "__"][how % 7]


def _fold(name: str) -> str:
    return naming.snake(name).strip("_")


@st.composite
def names(draw: st.DrawFn, count: int, strategy: st.SearchStrategy[str] = _sql_name) -> list[str]:
    """count names, distinct after folding, except that now and then one folds onto an earlier
    one (on purpose: codegen must refuse that with a located error, or keep them apart)."""
    out: list[str] = []
    while len(out) < count:
        if out and draw(st.sampled_from([False] * 11 + [True])):  # hypothesis favours the first choice
            out.append(_variant(draw(st.sampled_from(out)), draw(st.integers(0, 6))))
            continue
        name = draw(strategy)
        if _fold(name).lower() not in {_fold(n).lower() for n in out}:
            out.append(name)
    return out


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@st.composite
def projects(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    """(schema, {query file name: text}) with drawn names everywhere."""
    table_names = draw(names(draw(st.integers(1, 2))))
    ddl, files = [], {}
    stems = draw(names(len(table_names)))
    all_query_names = draw(names(4 * len(table_names), _query_name))
    for table, stem in zip(table_names, stems):
        columns = draw(names(draw(st.integers(1, 3))))
        types_ = [draw(st.sampled_from(SQL_TYPES)) for _ in columns]
        required = [draw(st.booleans()) for _ in columns]
        body = ", ".join(["id INTEGER PRIMARY KEY"] + [f"{_q(c)} {t}{' NOT NULL' if r else ''}".replace("  ", " ")
                                                       for c, t, r in zip(columns, types_, required)])
        ddl.append(f"CREATE TABLE {_q(table)} ({body});")
        query_names, all_query_names = all_query_names[:4], all_query_names[4:]
        cols = ", ".join(_q(c) for c in columns)
        marks = ", ".join("?" for _ in columns)
        files[f"{stem}.sql"] = "\n".join([
            f"-- name: {query_names[0]} :exec", f"INSERT INTO {_q(table)} ({cols}) VALUES ({marks});",
            f"-- name: {query_names[1]} :one", f"SELECT * FROM {_q(table)} WHERE id = ?;",
            f"-- name: {query_names[2]} :many", f"SELECT {cols} FROM {_q(table)} WHERE {_q(columns[0])} = ?;",
            f"-- name: {query_names[3]} :execrows", f"DELETE FROM {_q(table)} WHERE id = ?;", ""])
    return "\n".join(ddl) + "\n", files


_checked: list[tuple[Path, str]] = []  # (package folder, schema) of the examples run, for mypy


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("properties")


_counter = iter(range(10**9))


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large, HealthCheck.filter_too_much, HealthCheck.large_base_example])
@given(project=projects())
def test_any_names_give_located_errors_or_a_sound_package(workspace: Path, project: tuple[str, dict[str, str]],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    schema, queries = project
    n = next(_counter)
    root = workspace / f"p{n}"
    try:
        make_project(root, {"1.sql": schema}, queries, out=f"pkg{n}", emit_async=True)
    except (OSError, UnicodeEncodeError):
        return  # a file name this file system will not hold: nothing for codegen to read
    monkeypatch.setenv("CODEGEN_NO_CACHE", "1")
    result = run_cli(root)
    assert "Traceback" not in result.stderr + result.stdout
    if result.code != 0:
        assert result.code == 1 and result.errors, result.stderr
        assert all(LOCATED.match(line) for line in result.stderr.splitlines() if ": error: " in line), result.stderr
        assert not (root / f"pkg{n}").exists(), "a refused run wrote"
        return
    package = root / f"pkg{n}"
    for module in package.rglob("*.py"):
        _no_shadowing(module)
    # Which examples run is decided by the example itself, not by a counter: hypothesis replays a
    # failing example, and a counter would skip the run on the replay (a FlakyFailure, not the bug).
    if zlib.crc32(repr(project).encode()) % RUN_EVERY == 0:
        _run_every_function(package, schema, root / "db.sqlite")
        _checked.append((package, schema))


def _no_shadowing(module: Path) -> None:
    """No function or class hides an import of its module or a builtin."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    imported_names = {alias.asname or alias.name.split(".")[0] for node in tree.body
                      if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    defined = [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                     ast.ClassDef))]
    clashes = set(defined) & (imported_names | set(BUILTINS))
    assert not clashes, f"{module}: {sorted(clashes)}"
    assert len(set(defined)) == len(defined), f"{module}: a name defined twice"


def _value(annotation: object) -> object:
    """A value of the annotated type (the non-None member of an Optional)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return _value(next(a for a in typing.get_args(annotation) if a is not type(None)))
    if origin is typing.Literal:
        return typing.get_args(annotation)[0]
    samples: dict[object, object] = {int: 7, str: "x", float: 1.5, bytes: b"\x00b", bool: True,
                                     datetime.datetime: datetime.datetime(2026, 1, 2, 3, 4, 5),
                                     datetime.date: datetime.date(2026, 1, 2), decimal.Decimal: decimal.Decimal("1.5"),
                                     typing.Any: "any"}
    return samples[annotation]


def _run_every_function(package: Path, schema: str, db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.executescript(schema)
    with imported(package) as pkg:
        modules = [import_module(pkg, f"queries.{p.stem}") for p in sorted((package / "queries").glob("*.py"))
                   if p.stem != "__init__"]
        for module in modules:
            functions = [f for f in vars(module).values() if inspect.isfunction(f) and f.__module__ == module.__name__]
            for fn in sorted(functions, key=lambda f: f.__code__.co_firstlineno):
                hints = typing.get_type_hints(fn)
                kwargs = {name: _value(hints[name]) for name in inspect.signature(fn).parameters if name != "conn"}
                fn(conn, **kwargs)  # pydantic validates every row it returns against its annotation
    conn.close()


def test_every_package_run_also_passes_mypy_strict(workspace: Path) -> None:
    """One mypy run over all packages the property imported and ran."""
    if not _checked:
        pytest.skip("the property test did not run in this session")
    folders = [str(package) for package, _ in _checked]
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir",
                             str(workspace / ".mypy_cache"), *folders], capture_output=True, text=True, cwd=workspace)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    print(f"mypy --strict: {len(folders)} packages")
