"""`python -m codegen lint`: exit 0 without error-level findings, 1 with some, 2 when the input cannot be read."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import load_config
from ..errors import CodegenError
from . import report
from .runner import Options, lint


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _parser(prog: str) -> argparse.ArgumentParser:
    ap = _Parser(prog=prog,
                 description="Check migrations and queries: locks, rewrites, what SQLite refuses, and the previous "
                             "release's queries against the new schema.")
    ap.add_argument("--config", type=Path, help="a pyproject.toml with [tool.codegen] (default: found upward)")
    ap.add_argument("--format", choices=["text", "json", "sarif"], default="text", help="output format (default text)")
    ap.add_argument("--since", metavar="VERSION", help="lint only migrations whose version is above VERSION "
                                                       "(the older ones are the baseline)")
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--previous", metavar="REV", help="a git revision of the previous release: its queries must "
                                                         "keep working after the new migrations")
    group.add_argument("--previous-queries", metavar="PATH", type=Path,
                       help="the previous release's query files (a file or folder), instead of --previous")
    return ap


def run(argv: list[str], prog: str = "python -m codegen lint") -> int:
    args = _parser(prog).parse_args(argv)
    try:
        since = int(args.since) if args.since is not None else None
    except ValueError:
        print(f"{prog}: error: --since {args.since!r} is not a migration version number",
              file=sys.stderr)
        return 2
    try:
        config = load_config(args.config, Path.cwd())
        previous_queries = args.previous_queries
        if previous_queries is not None and not previous_queries.exists():
            print(f"{previous_queries}:1:1: error: no such file or folder", file=sys.stderr)
            return 2
        findings = lint(config, Options(since, args.previous, previous_queries))
    except CodegenError as error:
        for diagnostic in error.diagnostics:
            print(diagnostic, file=sys.stderr)
        print(f"codegen lint: {len(error.diagnostics)} input error(s); nothing linted", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"codegen lint: error: {error.strerror or error}: {error.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2
    if args.format == "json":
        sys.stdout.write(report.as_json(findings))
    elif args.format == "sarif":
        from importlib.metadata import PackageNotFoundError, version

        try:
            tool_version = version("codegen")
        except PackageNotFoundError:
            tool_version = "0"
        sys.stdout.write(report.sarif(findings, tool_version))
    else:
        sys.stdout.write(report.text(findings))
    return 1 if any(f.severity == "error" for f in findings) else 0
