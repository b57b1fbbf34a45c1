"""`python -m codegen [--check] [--config PATH]`, `describe`, `verify`, `init` and `watch`."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

from . import __version__, emit
from .cache import Cache
from .config import Config, load_config
from .engines import EngineTraits
from .engines.registry import DEFAULT, NAMES, engine_named
from .errors import CodegenError, Diagnostic


_EXAMPLES = """\
examples:
  {prog} init                      start a project here: [tool.codegen], schema/, queries/
  {prog} init --engine postgresql  the same for PostgreSQL (psycopg 3)
  {prog}                           write the out folder (the generated package)
  {prog} --check                   write nothing; exit 1 with a diff when the package is stale
  {prog} watch                     regenerate whenever a schema, query or config file changes
  {prog} migrate --db app.db       apply the pending migrations (also: rollback --to N, status)
  {prog} lint --previous HEAD~1    check migrations and queries (and last release's queries) before deploying
  {prog} --config sqlc.yaml        read an sqlc config (found by itself when there is no [tool.codegen])
"""


def program_name(argv0: str) -> str:
    """The name the user typed: `codegen` for the console script, `python -m codegen` for the module."""
    name = Path(argv0).name
    # The console script (codegen, codegen.exe); anything else (the module, an embedding program).
    return name if name.split(".")[0] == "codegen" else "python -m codegen"


def _parser(prog: str = "python -m codegen") -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=prog, formatter_class=argparse.RawDescriptionHelpFormatter,
                                 description="Generate a typed Python data layer from SQL migrations and queries.",
                                 epilog=_EXAMPLES.format(prog=prog))
    ap.add_argument("command", nargs="?", choices=["generate", "describe", "verify", "init", "watch", "lint"],
                    default="generate",
                    help="generate (default) writes the out folder; describe prints the analysis as JSON; "
                         "verify checks every query against a real SQLite database; init starts a project; "
                         "watch regenerates on every change; lint checks migrations and queries (lint --help)")
    ap.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    ap.add_argument("--engine", choices=NAMES, help=f"init only: the database engine (default {DEFAULT})")
    ap.add_argument("--strict", action="store_true",
                    help="warnings (a parameter or column typed typing.Any, an unknown function) are errors")
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 with a diff if the output is stale")
    ap.add_argument("--config", type=Path, help="a pyproject.toml with [tool.codegen] (default: found upward)")
    ap.add_argument("--db", metavar="PATH_OR_URL",
                    help="verify only: compare this live database (an SQLite file or a postgresql:// URL) with the "
                         "migrations and prepare every query against it (nothing is written)")
    ap.add_argument("--interval", type=float, default=0.5, metavar="SECONDS",
                    help="watch only: how often the files are polled (default 0.5)")
    return ap


# --check: 1 means the out folder is stale, this means the input could not be read or analysed
# (so CI can tell "run codegen" from "fix the SQL").
_ERRORS_IN_CHECK = 2


def run(argv: list[str], prog: str | None = None) -> int:
    prog = prog or program_name(sys.argv[0])
    if argv[:1] == ["lint"]:  # its own options and exit codes (0 clean, 1 errors found, 2 unreadable input)
        from .lint.cli import run as lint

        return lint(argv[1:], f"{prog} lint")
    if argv[:1] in (["migrate"], ["rollback"], ["status"]):  # the generated runner, on a live database
        from .migrate_cli import run as run_migrations

        return run_migrations(argv[0], argv[1:], prog)
    ap = _parser(prog)
    args = ap.parse_args(argv)
    if args.engine and args.command != "init":
        ap.error("--engine goes with init")
    try:
        if args.command == "init":
            return _init(Path.cwd(), engine_named(args.engine or DEFAULT), prog)
        if args.command == "watch":
            from .watch import watch, watched_paths

            # Each change runs the plain generate command, so a run reads as it would alone.
            once = ["generate", *(["--config", str(args.config)] if args.config else []),
                    *(["--strict"] if args.strict else [])]
            cwd = Path.cwd()
            return watch(lambda: run(once, prog), lambda: watched_paths(args.config, cwd), max(args.interval, 0.05))
        config = load_config(args.config, Path.cwd())
        for note in config.notes:  # what an sqlc config sets that codegen does not use
            print(note, file=sys.stderr)
        if args.command == "describe":
            from . import pipeline
            from .describe import describe

            project = pipeline.analyze(config, Cache(config.root))
            print(json.dumps(describe(project, config), indent=1, ensure_ascii=False))
            return 0
        if args.command == "verify" and args.db is not None:
            from .drift import verify_live

            return verify_live(config, args.db)
        if args.command == "verify":
            from .verify import verify

            return verify(config)
        if args.strict:
            config = dataclasses.replace(config, strict=True,
                                         targets=tuple(dataclasses.replace(t, strict=True) for t in config.targets))
        return _generate(config, args.check, prog)
    except CodegenError as error:
        for diagnostic in error.diagnostics:
            print(diagnostic, file=sys.stderr)
        print(f"codegen: {len(error.diagnostics)} error(s); nothing written", file=sys.stderr)
        return _ERRORS_IN_CHECK if args.check else 1
    except BrokenPipeError:
        raise  # the reader went away (`describe | head`): main() ends quietly
    except OSError as error:
        print(f"codegen: error: {error.strerror or error}: {error.filename or ''}".rstrip(": "), file=sys.stderr)
        return _ERRORS_IN_CHECK if args.check else 1


def _init(folder: Path, engine: EngineTraits, prog: str) -> int:
    from .scaffold import init

    for line in init(folder, engine):
        print(line)
    extra = engine.install_extra
    print(f"""
next steps:
  {prog}              generate the package into generated/
  then apply schema/ to your database and call the functions, e.g.
      from generated.queries import authors
      authors.create_author(conn, name="Ada", bio=None)
  (the driver for the generated code: pip install 'codegen-sql[{extra}]')""")
    return 0


def _generate(config: Config, check: bool, prog: str = "python -m codegen") -> int:
    """Every target of the config, all or nothing: each is analysed and its out folder checked
    before the first is written, so one target's error leaves every out folder as it was (and the
    errors of all targets are reported together)."""
    targets = (config, *config.targets)
    with emit.project_lock(config.root, exclusive=not check):
        if not check:
            for target in targets:
                emit.recover(target.root / target.out)
        planned, problems = [], []
        for target in targets:
            try:
                planned.append(_plan(target, check))
            except CodegenError as error:
                problems += error.diagnostics
        if problems:
            raise CodegenError(problems)
        return max(_apply(plan, check, prog) for plan in planned)


@dataclasses.dataclass(frozen=True)
class _Plan:
    """One target's output and how it differs from its out folder."""

    config: Config
    files: dict[str, str]
    added: list[str]
    changed: list[str]
    removed: list[str]


def _plan(config: Config, check: bool) -> _Plan:
    out = config.root / config.out
    files = emit.with_manifest(_render(config))
    added, changed, removed = emit.changes(out, files, config.nested_outs)
    if not check and (added or changed or removed):
        try:
            emit.check_out_folder(out, config.nested_outs, files)
        except emit.OutFolderError as error:
            raise CodegenError([config.diagnostic("out", str(error))]) from None
    return _Plan(config, files, list(added), list(changed), list(removed))


def _apply(plan: _Plan, check: bool, prog: str) -> int:
    config, out = plan.config, plan.config.root / plan.config.out
    added, changed, removed = plan.added, plan.changed, plan.removed
    if check:
        if added or changed or removed:
            sys.stdout.write(emit.unified_diff(out, plan.files, config.out, config.nested_outs))
            print(f"codegen: {config.out}/ is stale ({len(added) + len(changed) + len(removed)} file(s) differ); "
                  f"run {prog}", file=sys.stderr)
            return 1
        return 0
    if added or changed or removed:
        emit.write_tree(out, plan.files, config.nested_outs)
    for label, names in (("added", added), ("updated", changed), ("removed", removed)):
        for name in names:
            print(f"{label}: {config.out}/{name}")
    if not (added or changed or removed):
        print(f"{config.out}/ is up to date")
    return 0


def _render(config: Config) -> dict[str, str]:
    """The output files, from the run cache when no input changed (sqlglot is not even imported then)."""
    from .migrations import migration_key
    from .sources import query_files, schema_files

    cache = Cache(config.root)
    schema, queries = schema_files(config), query_files(config)
    key = cache.key(config.path.read_bytes(), config.engine, *(f"{s.path}\0{s.text}" for s in schema),
                    "\0queries\0", *(f"{q.path}\0{q.text}" for q in queries),
                    "\0migrations\0", *migration_key(config))
    files = cache.load_run(key, config.out)
    # The analysis' warnings ride in a run entry of their own, so a cached run reports them again.
    found = cache.load_run(key, config.out + "\0warnings")
    if files is None or found is None:
        from . import pipeline
        from .analyze.findings import warnings_of

        project = pipeline.analyze(config, cache, (schema, queries))
        files = pipeline.render(project, config)
        from .engines.registry import engine_named

        # Notes, located at the target's `engine` key: what this installation cannot check here.
        noted = [dataclasses.replace(config.diagnostic("engine", f"engine {config.engine}: {text}"), severity="note")
                 for text in engine_named(config.engine).generation_notes()]
        found = {"warnings.py": json.dumps([dataclasses.astuple(w) for w in noted + warnings_of(project)])}
        cache.store_run(key, files, config.out)
        cache.store_run(key, found, config.out + "\0warnings")
    _warn([Diagnostic(*fields) for fields in json.loads(found["warnings.py"])], config.strict)
    return files


def _warn(warnings: list[Diagnostic], strict: bool) -> None:
    """Warnings go to stderr and the run goes on; under strict they are errors and nothing is written
    (notes, about the installation rather than the project, stay notes)."""
    if strict and any(w.severity == "warning" for w in warnings):
        raise CodegenError([dataclasses.replace(w, severity="error") for w in warnings if w.severity == "warning"])
    for warning in warnings:
        print(warning, file=sys.stderr)


def main() -> None:
    try:
        sys.exit(run(sys.argv[1:], program_name(sys.argv[0])))
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        # Whoever read our output stopped (`describe | head -1`): not an error of ours to report.
        # Point stdout at /dev/null so the interpreter's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)  # 128 + SIGPIPE, as a shell tool killed by the signal would
