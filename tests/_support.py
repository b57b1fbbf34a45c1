"""Shared helpers for the codegen test suite: real projects in real folders, no mocks.

A project is a folder with a pyproject.toml holding [tool.codegen], schema
files and query files. Helpers here write such folders, run the CLI (in this
process, or as `python -m codegen` in a subprocess), and import a generated
package so its functions can be called against a real SQLite database.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import re
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from codegen import cli

REPO = Path(__file__).resolve().parent.parent


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    """Write {relative path: text or bytes}; text is dedented and written byte for byte (no newline translation)."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(textwrap.dedent(content).lstrip("\n").encode("utf-8"))


def config_text(schema: str | list[str] = "schema", queries: str | list[str] = "queries", out: str = "gen",
                engine: str | None = None, emit_async: bool | None = False, extra: str = "") -> str:
    def value(v: str | list[str]) -> str:
        return '"' + v + '"' if isinstance(v, str) else "[" + ", ".join(f'"{x}"' for x in v) + "]"

    lines = ["[tool.codegen]"]
    if engine is not None:
        lines.append(f'engine = "{engine}"')
    lines += [f"schema = {value(schema)}", f"queries = {value(queries)}", f'out = "{out}"']
    if emit_async is not None:
        lines.append(f"async = {'true' if emit_async else 'false'}")
    if extra:
        lines.append(extra.strip())
    return "\n".join(lines) + "\n"


def make_project(root: Path, schema: dict[str, str], queries: dict[str, str], **config: object) -> Path:
    """A project folder: schema files under schema/, query files under queries/, out folder `gen`."""
    root.mkdir(parents=True, exist_ok=True)
    files: dict[str, str | bytes] = {"pyproject.toml": config_text(**config)}  # type: ignore[arg-type]
    files.update({f"schema/{name}": text for name, text in schema.items()})
    files.update({f"queries/{name}": text for name, text in queries.items()})
    write_files(root, files)
    return root


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if ": error: " in line]


def run_cli(cwd: Path, *args: str) -> Result:
    """`python -m codegen ARGS` inside this process, with cwd as the working directory."""
    out, err = io.StringIO(), io.StringIO()
    before = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.run(list(args))
    finally:
        os.chdir(before)
    return Result(code, out.getvalue(), err.getvalue())


def run_subprocess(cwd: Path, *args: str, timeout: float = 120) -> Result:
    """`python -m codegen ARGS` as a real child process."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("CODEGEN_UPDATE_GOLDEN", None)
    proc = subprocess.run([sys.executable, "-m", "codegen", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under root (no __pycache__), by posix relative path."""
    if not root.is_dir():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def generate(root: Path, schema: dict[str, str], queries: dict[str, str], **config: object) -> Path:
    """Write a project and generate it; fail loudly with the diagnostics when codegen refuses."""
    make_project(root, schema, queries, **config)
    result = run_cli(root)
    assert result.code == 0, result.stderr
    return root / str(config.get("out", "gen"))


_UP = re.compile(r"^\s*--\s*(?:\+goose\s+|migrate:)(up|down)\b", re.IGNORECASE | re.MULTILINE)


def up_sql(text: str) -> str:
    """The up part of a goose/dbmate migration (or the whole of a plain one), for sqlite3.executescript."""
    marks = list(_UP.finditer(text))
    if not marks:
        return text
    parts = []
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        if mark.group(1).lower() == "up":
            parts.append(text[mark.end():end])
    return "\n".join(parts)


def database(path: Path, migrations: list[Path] | list[str]) -> sqlite3.Connection:
    """A real SQLite file with the given migrations applied in order (paths or SQL text)."""
    conn = sqlite3.connect(path)
    for m in migrations:
        conn.executescript(up_sql(m.read_text(encoding="utf-8") if isinstance(m, Path) else m))
    conn.commit()
    return conn


@contextlib.contextmanager
def imported(package_dir: Path) -> Iterator[ModuleType]:
    """Import a generated package from its folder; forget it (and its submodules) afterwards."""
    name = package_dir.name
    parent = str(package_dir.parent)
    saved = {k: v for k, v in sys.modules.items() if k == name or k.startswith(name + ".")}
    for k in saved:
        del sys.modules[k]
    sys.path.insert(0, parent)
    importlib.invalidate_caches()
    try:
        yield importlib.import_module(name)
    finally:
        sys.path.remove(parent)
        for k in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
            del sys.modules[k]
        sys.modules.update(saved)


def import_module(package: ModuleType, sub: str) -> ModuleType:
    return importlib.import_module(f"{package.__name__}.{sub}")


def sync_and_async_modules(root: Path, schema: str, queries: str, out: str,
                           engine: str) -> Iterator[tuple[ModuleType, ModuleType]]:
    """Generate one query file (q.sql) with its async twin and yield (queries.q, aio.q), imported
    while the caller's fixture lasts (a module-scoped fixture yields from this)."""
    package_dir = generate(root, {"1.sql": schema}, {"q.sql": queries}, out=out, engine=engine, emit_async=True)
    with imported(package_dir) as package:
        yield import_module(package, "queries.q"), import_module(package, "aio.q")


def explain(conn: sqlite3.Connection, sql: str) -> None:
    """Have SQLite compile a statement (EXPLAIN runs nothing), binding NULL to every parameter."""
    try:
        conn.execute("EXPLAIN " + sql)
    except sqlite3.ProgrammingError as error:
        m = re.search(r"uses (\d+)", str(error))
        if not m:
            raise
        conn.execute("EXPLAIN " + sql, [None] * int(m.group(1)))


def refused_by_engine(engine: str, schema: str, sql: str, url: str, folder: Path) -> bool:
    """Whether the real engine refuses sql over schema: a new SQLite file in folder runs it (1 for
    each `?`), the PostgreSQL database at url PREPAREs it (which parses and types it, but does not
    plan it: an error only the planner finds, such as a missing ON CONFLICT arbiter, passes)."""
    if engine == "sqlite":
        conn = sqlite3.connect(folder / "refused.db")
        conn.executescript(schema)
        try:
            conn.execute(sql, [1] * sql.count("?"))
        except sqlite3.Error:
            return True
        finally:
            conn.close()
        return False
    import psycopg

    with psycopg.connect(url, autocommit=True) as server:
        server.execute(schema.encode())
        try:
            server.execute(f"PREPARE refused AS {sql}".encode())
        except psycopg.Error:
            return True
    return False


def annotation_text(annotation: object) -> str:
    """A field's or parameter's annotation as the generated code writes it: `int`, `str | None`,
    `datetime.date`, `list[float] | None`, `typing.Any`."""
    return str(annotation).replace("<class '", "").replace("'>", "")


def annotation_parts(annotation: object) -> tuple[str, bool]:
    """(the type a field holds, as written: `int`, `decimal.Decimal`, `list[float]`; whether it may be
    None), through Optional and Annotated (a Decimal field is Annotated with its validator)."""
    import typing

    args = typing.get_args(annotation)
    nullable = type(None) in args
    if nullable:
        (annotation,) = [a for a in args if a is not type(None)]
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, type) and not typing.get_args(annotation):
        module = annotation.__module__
        return (annotation.__qualname__ if module == "builtins" else f"{module}.{annotation.__qualname__}"), nullable
    return annotation_text(annotation).replace("typing.", ""), nullable


@contextlib.contextmanager
def named_database(server: Any, name: str, schema: str, time_zone: str | None = "Pacific/Auckland") -> Iterator[str]:
    """A new database `name` on the test server (one of that name left over is dropped first), in
    `time_zone` (a zone far from UTC, so a time read in the session's zone cannot pass unnoticed),
    with `schema` applied: its URL, and the database dropped afterwards."""
    import psycopg

    admin_url = server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"'.encode())
        admin.execute(f'CREATE DATABASE "{name}"'.encode())
        if time_zone is not None:
            admin.execute(f"ALTER DATABASE \"{name}\" SET TimeZone TO '{time_zone}'".encode())
    target = str(server.get_uri(database=name))
    try:
        with psycopg.connect(target, autocommit=True) as db:
            db.execute(schema.encode())
        yield target
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())
