"""`python -m codegen migrate | rollback | status --db PATH_OR_URL`: the generated package's runner,
run from the project's current migration files.

The runner modules and the migrations are rendered exactly as `python -m codegen` writes them into
the package (codegen.migrations), into a temporary folder, and imported from there: the command and
the package's migrate() are the same code on the same data, even before the package is
regenerated. The config target whose engine takes --db (a URL for PostgreSQL, a path for SQLite)
is the one migrated. Every failure is one line and exit 1: `path:line:1: error: ...` when a
statement of a migration file is at fault, else `error: ...`.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import importlib.util
import re
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

from .config import Config, load_config
from .errors import CodegenError
from .migrations import engine_runner, render_migrations


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def _target(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def _parser(prog: str, command: str) -> argparse.ArgumentParser:
    helps = {"migrate": "apply pending migrations (creates a SQLite file if needed)",
             "rollback": "run down migrations, newest first, until --to is the newest applied",
             "status": "show applied, pending, unknown and edited migrations; change nothing"}
    ap = _Parser(prog=f"{prog} {command}", description=helps[command])
    ap.add_argument("--db", required=True, metavar="PATH|URL", help="a SQLite file, or a postgresql:// URL")
    ap.add_argument("--config", type=Path, help="a pyproject.toml with [tool.codegen] (default: found upward)")
    if command != "status":
        ap.add_argument("--to", type=_target, required=command == "rollback", metavar="N|VERSION",
                        help="the migration number or version to stop at (rollback: to keep; 0: none)")
        ap.add_argument("--accept-edit", action="append", default=[], metavar="VERSION",
                        help="record the current checksum of this applied, deliberately edited migration")
        ap.add_argument("--no-backup", action="store_true", help="do not copy the SQLite file before the first step")
    ap.add_argument("--no-adopt", action="store_true",
                    help="refuse a database migrated by golang-migrate, goose or dbmate instead of taking it over")
    return ap


def run(command: str, argv: list[str], prog: str) -> int:
    args = _parser(prog, command).parse_args(argv)
    try:
        config = _config_for(load_config(args.config, Path.cwd()), args.db)
        with tempfile.TemporaryDirectory(prefix="codegen-migrate-") as folder:
            package = _load(config, Path(folder))
            try:
                return _run(package, command, args)
            except package._migrate.MigrationError as error:
                return _fail(str(error))
            finally:
                for name in [m for m in sys.modules if m == package.__name__ or m.startswith(package.__name__ + ".")]:
                    del sys.modules[name]
    except CodegenError as error:
        for diagnostic in error.diagnostics:
            print(diagnostic, file=sys.stderr)
        return 1
    except ImportError as error:  # the driver of the engine (psycopg) is not installed
        return _fail(f"cannot load the {error.name or 'database'} driver: {error}")


# The runner's errors about a statement start `schema/0002_x.up.sql:7: ` (its Statement knows the
# line its text starts on, not the column): said the way every other located error is said.
_AT_STATEMENT = re.compile(r"(?P<path>[^\s:][^:]*\.sql):(?P<line>\d+): (?P<rest>.*)", re.DOTALL)


def _fail(message: str) -> int:
    message = " ".join(message.split())
    located = _AT_STATEMENT.fullmatch(message)
    if located is not None:
        print(f"{located['path']}:{located['line']}:1: error: {located['rest']}", file=sys.stderr)
    else:
        print(f"error: {message}", file=sys.stderr)
    return 1


def _config_for(config: Config, db: str) -> Config:
    for target in (config, *config.targets):
        if engine_runner(target.engine).accepts(db):
            return target
    raise CodegenError([config.diagnostic("engine", f"no target of this project migrates {db!r}")])


def _load(config: Config, folder: Path) -> ModuleType:
    """The rendered runner as a package of its own (a fresh name: never a user's module)."""
    name = f"_codegen_migrate_{abs(hash(folder))}"
    root = folder / name
    root.mkdir()
    (root / "__init__.py").write_text("", encoding="utf-8")
    # `migrations = false` only keeps them out of the package; the command still runs them.
    files = render_migrations(dataclasses.replace(config, emit_migrations=True), config.engine)
    for file, text in files.items():
        (root / file).write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, root / "__init__.py", submodule_search_locations=[str(root)])
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    spec.loader.exec_module(package)
    importlib.import_module(f"{name}.migrations")  # also sets package.migrations and package._migrate
    return package


def _run(package: Any, command: str, args: argparse.Namespace) -> int:
    migrations = package.migrations
    if command == "status":
        state = migrations.status(args.db, adopt=not args.no_adopt)
        rows = [("edited" if v in state.edited else "applied", v, at or "") for v, at in state.applied]
        rows += [("pending", v, "") for v in state.pending] + [("unknown", v, "") for v in state.unknown]
        width = max([len("STATE")] + [len(r[0]) for r in rows]), max([len("VERSION")] + [len(r[1]) for r in rows])
        for state_, version, at in [("STATE", "VERSION", "APPLIED_AT"), *rows]:
            print(f"{state_:<{width[0]}}  {version:<{width[1]}}  {at}".rstrip())
        if state.adopted_from:
            print(f"recorded by: {state.adopted_from} (taken over by the next migrate)")
        print(f"version: {state.current or '(none)'}")
        if state.unknown:
            return _fail(package._migrate.newer_version_message(state.unknown))
        if state.edited:
            by_version = {m.version: m for m in migrations.MIGRATIONS}
            return _fail("; ".join(f"{by_version[v].path}: applied migration {v} was edited since"
                                   for v in state.edited) + " (see `migrate --accept-edit VERSION`)")
        return 0
    verb = "applied" if command == "migrate" else "reverted"
    run_ = migrations.migrate if command == "migrate" else migrations.rollback
    result = run_(args.db, args.to, backup=not args.no_backup, accept_edited=args.accept_edit,
                  adopt=not args.no_adopt, progress=lambda v: print(f"{verb} {v}", flush=True))
    if result.adopted_from:
        print(f"adopted the versions {result.adopted_from} recorded")
    if result.backup is not None:
        print(f"backup: {result.backup}")
    if not result.steps:
        print(f"nothing to {command}")
    print(f"version: {result.version or '(none)'}")
    return 0
