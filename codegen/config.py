"""The [tool.codegen] table: found from the working directory upward, validated."""

from __future__ import annotations

import ast
import builtins
import importlib.util
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import sqlc_config
from .engines.registry import DEFAULT, NAMES
from .errors import CodegenError, Diagnostic, number_too_long

ENGINES = NAMES  # the registry's: a name it does not hold is refused here, located
KEYS = {"engine", "schema", "queries", "out", "overrides", "async", "rows", "strict", "targets", "sqlite_min_version", "migrations",
        "search_path"}
# Row classes: frozen pydantic models (the default), or NamedTuples for the fastest reads.
ROW_STYLES = ("model", "tuple")
TARGET_KEYS = KEYS - {"targets"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Override:
    """A configured Python type for a column ("table.column") or an SQL type name."""

    column: str | None  # "threads.working_directory"
    sql_type: str | None  # "TIMESTAMP" (upper-cased)
    py_type: str  # "pathlib.Path"
    nullable: bool | None = None


@dataclass(frozen=True)
class Config:
    path: Path  # the file it came from
    root: Path  # the folder paths are relative to
    engine: str
    schema: tuple[str, ...]
    queries: tuple[str, ...]
    out: str
    overrides: tuple[Override, ...] = field(default=())
    emit_async: bool = True
    rows: str = "model"  # one of ROW_STYLES
    # More outputs from the same file ([[tool.codegen.targets]]), e.g. the same queries for
    # PostgreSQL; each inherits the keys it does not set.
    targets: tuple["Config", ...] = field(default=())
    nested_outs: tuple[str, ...] = field(default=())  # other targets' out folders inside this one
    # The oldest SQLite the project runs on ("3.35" -> (3, 35, 0)): lint flags newer features.
    sqlite_min_version: tuple[int, ...] | None = None
    strict: bool = False  # warnings (typing.Any, unknown functions) are errors
    # The package carries the migrations and migrate()/rollback()/status() (migrations.py).
    emit_migrations: bool = True
    notes: tuple[Diagnostic, ...] = field(default=())  # what an sqlc config set that is not used
    # PostgreSQL: the search_path the connections running the migrations and queries have (each
    # schema's name as the server holds it); None: the server's default, "$user", public.
    search_path: tuple[str, ...] | None = None

    def diagnostic(self, key: str, message: str) -> Diagnostic:
        """A problem with one of this config's keys, located at that key in the config file."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError:
            text = ""
        return Diagnostic(str(self.path), _line_of(text, key), 1, message)

    def display(self, path: Path) -> str:
        """A path as shown in diagnostics and headers: relative to the config folder."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


def find_config(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (ValueError, OSError):  # TOMLDecodeError, UnicodeDecodeError, a number too long to read
                return candidate  # let load_config report the problem
            if "codegen" in data.get("tool", {}):
                return candidate
        sqlc = sqlc_config.find_in(folder)  # an sqlc project is used as it is
        if sqlc is not None:
            return sqlc
    return None


def _line_of(text: str, key: str) -> int:
    """The line of `key = ...` inside the [tool.codegen] tables (the table's own line when the
    key is missing, 1 when there is no table)."""
    section = re.search(r"^[ \t]*\[+[ \t]*tool\.codegen\b", text, re.MULTILINE)
    start = section.start() if section else 0
    match = re.compile(rf"^[ \t]*{re.escape(key)}[ \t]*=", re.MULTILINE).search(text, start)
    found = match or section
    return text.count("\n", 0, found.start()) + 1 if found else 1


def load_config(path: Path | None, cwd: Path) -> Config:
    if path is None:
        path = find_config(cwd)
        if path is None:
            raise CodegenError([Diagnostic(str(cwd), 0, 0,
                                           "no pyproject.toml with a [tool.codegen] table, nor an sqlc.yaml, "
                                           "in this folder or above (`codegen init` starts a project; "
                                           "--config PATH names one elsewhere)")])
    shown = str(path)
    notes: list[Diagnostic] = []
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() in sqlc_config.SUFFIXES:
            table, notes = sqlc_config.load(path, text)
        else:
            table = tomllib.loads(text).get("tool", {}).get("codegen")
    except FileNotFoundError:
        raise CodegenError([Diagnostic(shown, 1, 1, "config file not found")]) from None
    except (UnicodeDecodeError, OSError) as exc:
        raise CodegenError([Diagnostic(shown, 1, 1, f"cannot read config: {exc}")]) from None
    except tomllib.TOMLDecodeError as exc:
        line, col = getattr(exc, "lineno", None), getattr(exc, "colno", None)
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        if (line is None or col is None) and where:  # Python 3.11 keeps the position in the message only
            line, col = int(where.group(1)), int(where.group(2))
        raise CodegenError([Diagnostic(shown, line or 1, col or 1,
                                       f"invalid TOML: {str(exc.args[0]).split(' (at')[0]}")]) from None
    except ValueError as exc:  # tomllib lets int()'s own refusal of a huge number escape
        raise CodegenError([number_too_long(shown, text) or Diagnostic(shown, 1, 1, f"invalid TOML: {exc}")]) \
            from None
    if not isinstance(table, dict):
        raise CodegenError([Diagnostic(shown, 1, 1, "no [tool.codegen] table")])
    primary = _validate(path, text, table, KEYS)
    raw_targets = table.get("targets", [])
    if not isinstance(raw_targets, list) or not all(isinstance(t, dict) for t in raw_targets):
        raise CodegenError([Diagnostic(shown, _line_of(text, "targets"), 1, "'targets' must be an array of tables")])
    targets = [_validate(path, text, {**{k: v for k, v in table.items() if k != "targets"}, **t}, TARGET_KEYS)
               for t in raw_targets]
    outs = [primary.out] + [t.out for t in targets]
    if len(set(outs)) != len(outs):
        raise CodegenError([Diagnostic(shown, _line_of(text, "out"), 1, "two targets write the same out folder")])
    everything = [primary, *targets]
    everything = [replace(c, nested_outs=tuple(_nested(c.out, outs))) for c in everything]
    return replace(everything[0], targets=tuple(everything[1:]), notes=tuple(notes))


def _nested(out: str, outs: list[str]) -> list[str]:
    base = Path(out)
    found = []
    for other in outs:
        other_path = Path(other)
        if other_path != base and base in other_path.parents:
            found.append(other_path.relative_to(base).as_posix())
    return found


def _strings(value: object) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _validate(path: Path, text: str, table: dict[str, object], known: set[str]) -> Config:
    shown, root = str(path), path.parent
    errors: list[Diagnostic] = []

    def err(key: str, message: str) -> None:
        errors.append(Diagnostic(shown, _line_of(text, key), 1, message))

    for key in sorted(set(table) - known):
        err(key, f"unknown key {key!r} in [tool.codegen] (known: {', '.join(sorted(known))})")
    engine = table.get("engine", DEFAULT)
    if engine not in ENGINES:
        err("engine", f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("schema", "queries"):
        value = _strings(table.get(key))
        if key not in table:
            err(key, f"missing key {key!r}: the {'migrations' if key == 'schema' else 'query files'} to read "
                     f"(a path, a glob or a list of them)")
            continue
        if value is None:
            err(key, f"{key!r} must be a path, a glob or a list of them")
            continue
        if any(_CONTROL.search(p) for p in value):
            err(key, f"{key!r} holds a control character")
            continue
        lists[key] = value
        for pattern in value:
            if not _matches(root, pattern):
                err(key, f"{key} path {pattern!r} matches nothing")
    out = table.get("out", "generated")
    if not isinstance(out, str) or not out.strip():
        err("out", "'out' must be a folder path")
    elif _CONTROL.search(out) or any(c in out for c in "*?["):
        err("out", f"'out' must be one folder, written plainly: {out!r} holds a pattern or control character")
    else:
        out = os.path.normpath(out)  # ./gen, gen/ and gen are one folder
        target = (root / out).resolve()
        inputs = [root.resolve(), path.resolve()] + [
            found.resolve() for key in ("schema", "queries") for p in lists.get(key, ())
            for found in ([root / p] if not any(c in p for c in "*?[") else root.glob(p))]
        if any(target == i or target in i.parents for i in inputs):
            err("out", f"out folder {out!r} would contain the project, its config or its SQL files; "
                       "give the generated package a folder of its own")
    overrides = _overrides(table.get("overrides", []), lambda m: err("overrides", m))
    emit_async = table.get("async", True)
    if not isinstance(emit_async, bool):
        err("async", "'async' must be true or false")
    min_version = _sqlite_version(table.get("sqlite_min_version"), lambda m: err("sqlite_min_version", m))
    strict = table.get("strict", False)
    if not isinstance(strict, bool):
        err("strict", "'strict' must be true or false")
    emit_migrations = table.get("migrations", True)
    if not isinstance(emit_migrations, bool):
        err("migrations", "'migrations' must be true or false")
    rows = table.get("rows", "model")
    if rows not in ROW_STYLES:
        err("rows", f"'rows' must be one of {', '.join(repr(r) for r in ROW_STYLES)}, not {rows!r}")
    search_path = _search_path(table.get("search_path"), lambda m: err("search_path", m))
    if errors:
        raise CodegenError(errors)
    return Config(path, root, str(engine), lists["schema"], lists["queries"], str(out), overrides, bool(emit_async),
                  sqlite_min_version=min_version, strict=bool(strict), rows=str(rows),
                  emit_migrations=bool(emit_migrations), search_path=search_path)


def _search_path(raw: object, err: Callable[[str], None]) -> tuple[str, ...] | None:
    """["app", "public"] -> ("app", "public"): schema names as the server holds them (case kept,
    no quotes), "$user" for the role's own; absent -> None."""
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(v, str) and v and not _CONTROL.search(v) for v in raw):
        err("'search_path' must be a list of schema names, as the server holds them (\"app\", \"Sales\", "
            "\"$user\"), such as [\"app\", \"public\"]")
        return None
    return tuple(raw)


def _sqlite_version(raw: object, err: Callable[[str], None]) -> tuple[int, ...] | None:
    """"3.35" or "3.35.5" -> (3, 35, 0) / (3, 35, 5); absent -> None (lint checks no versions)."""
    if raw is None:
        return None
    if not isinstance(raw, str) or not re.fullmatch(r"3\.\d{1,2}(\.\d{1,2})?", raw.strip()):
        err(f"'sqlite_min_version' must be an SQLite 3 version such as \"3.35\" or \"3.35.5\", not {raw!r}")
        return None
    parts = tuple(int(p) for p in raw.strip().split("."))
    return parts + (0,) * (3 - len(parts))


def _matches(root: Path, pattern: str) -> bool:
    if any(ch in pattern for ch in "*?["):
        return any(root.glob(pattern))
    return (root / pattern).exists()


def _overrides(raw: object, err: Callable[[str], None]) -> tuple[Override, ...]:
    if not isinstance(raw, list):
        err("'overrides' must be an array of tables")
        return ()
    result = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("python_type"), str):
            err("each override needs python_type and one of column or sql_type")
            continue
        column, sql_type = item.get("column"), item.get("sql_type")
        unknown = set(item) - {"column", "sql_type", "python_type", "nullable"}
        if unknown or (column is None) == (sql_type is None):
            err("each override needs python_type and exactly one of column or sql_type")
            continue
        if column is not None and (not isinstance(column, str) or "." not in column):
            err(f"override column {column!r} must be written table.column")
            continue
        problem = python_type_problem(item["python_type"])
        if problem:
            err(f"override python_type {item['python_type']!r} {problem}")
            continue
        nullable = item.get("nullable")
        result.append(Override(column.lower() if column else None, sql_type.upper() if sql_type else None,
                               item["python_type"], nullable if isinstance(nullable, bool) else None))
    return tuple(result)


# The generated package's own modules: a configured type cannot live there.
_PACKAGE_NAMES = {"models", "queries", "aio", "_runtime", "_sync"}


def python_type_problem(text: str) -> str | None:
    """Why a configured python_type cannot be written into the package as it is, or None.

    It must be a type expression: a builtin type (int, list[str]) or a dotted name from a
    module (pathlib.Path), subscripted by more of the same or by constants (typing.Literal['a'],
    list[enums.Color]), optionally `| None`. The package imports the module of every dotted name
    (python/typemap.py), and each module must exist. Whether it exists is found without importing
    it: a config does not get to run a module's code."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return "is not a Python type expression"
    modules: list[str] = []
    problem = _type_node_problem(tree, modules)
    if problem:
        return problem
    for module in dict.fromkeys(modules):
        top = module.split(".")[0]
        if top in _PACKAGE_NAMES:
            return f"names the generated package's own module {top!r}"
        try:
            found = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            found = None
        if found is None:
            return f"needs module {top!r}, which is not installed here"
    return None


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return None if inner is None else f"{inner}.{node.attr}"
    return None


def _type_node_problem(node: ast.expr, modules: list[str]) -> str | None:
    """Why node is no type expression, or None; the modules of its dotted names are added to modules."""
    if isinstance(node, ast.Constant):
        return None if isinstance(node.value, (str, int, bool, type(None))) else f"holds {ast.unparse(node)}"
    if isinstance(node, ast.Name):
        if isinstance(getattr(builtins, node.id, None), type) or node.id == "None":
            return None
        return f"names {node.id!r}, which is neither a builtin type nor module.Name"
    if isinstance(node, ast.Attribute):
        name = _dotted(node)
        if name is None:
            return "is not a Python type expression (a name, module.Name, X[...], X | None)"
        modules.append(name.rsplit(".", 1)[0])
        return None
    if isinstance(node, ast.Subscript):
        return _type_node_problem(node.value, modules) or _type_node_problem(node.slice, modules)
    if isinstance(node, ast.Tuple):
        return next((p for p in (_type_node_problem(e, modules) for e in node.elts) if p), None)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _type_node_problem(node.left, modules) or _type_node_problem(node.right, modules)
    return "is not a Python type expression (a name, module.Name, X[...], X | None)"
