"""`codegen init`: start a project from nothing, without touching anything that is already there."""

from __future__ import annotations

import tomllib
from pathlib import Path

from .engines import EngineTraits
from .errors import CodegenError, Diagnostic, number_too_long

_CONFIG = """\
[tool.codegen]
engine = "{engine}"
schema = "schema"       # migrations, applied in version order
queries = "queries"     # annotated query files
out = "generated"       # the package written by `codegen`
"""



MIGRATION_PATH = "schema/0001_create_authors.up.sql"
QUERIES_PATH = "queries/authors.sql"


def files_for(engine: EngineTraits) -> dict[str, str]:
    """The example files `init` writes for an engine, by path relative to the project folder."""
    return {MIGRATION_PATH: engine.example_migration, QUERIES_PATH: engine.example_queries}


def init(folder: Path, engine: EngineTraits) -> list[str]:
    """Write the config table and the example files; return the lines to print.

    Every check runs before the first write, so a refused init leaves the folder as it was."""
    pyproject = folder / "pyproject.toml"
    problems: list[Diagnostic] = []
    existing = ""
    if pyproject.exists():
        try:
            existing = pyproject.read_text(encoding="utf-8")
            data = tomllib.loads(existing)
        except (OSError, ValueError) as exc:  # ValueError: TOMLDecodeError, UnicodeDecodeError, a huge number
            raise CodegenError([number_too_long(str(pyproject), existing) or
                                Diagnostic(str(pyproject), 1, 1, f"cannot read it to add [tool.codegen]: {exc}")]) \
                from None
        if "codegen" in data.get("tool", {}):
            problems.append(Diagnostic(str(pyproject), 1, 1, "already has a [tool.codegen] table; init changes nothing"))
    for name in ("sqlc.yaml", "sqlc.yml", "sqlc.json"):
        if (folder / name).exists():
            problems.append(Diagnostic(str(folder / name), 1, 1,
                                       "this folder already has an sqlc config, which codegen reads as it is; "
                                       "run `codegen` instead of init"))
    for sub in ("schema", "queries"):
        path = folder / sub
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            problems.append(Diagnostic(str(path), 1, 1, f"{sub}/ already exists and is not empty; init overwrites nothing"))
    if problems:
        raise CodegenError(problems)
    lines = []
    for relative, text in files_for(engine).items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        lines.append(f"created: {relative}")
    table = _CONFIG.format(engine=engine.name)
    if existing:
        separator = "" if existing.endswith("\n\n") else ("\n" if existing.endswith("\n") else "\n\n")
        pyproject.write_text(existing + separator + table, encoding="utf-8")
        lines.append("updated: pyproject.toml ([tool.codegen] added at the end)")
    else:
        pyproject.write_text(table, encoding="utf-8")
        lines.append("created: pyproject.toml ([tool.codegen])")
    return lines
