"""The project's migrations as data for the generated package, and the runner modules beside them.

A migration is one schema file in codegen's order: NNN_name.up.sql with its .down.sql twin
(golang-migrate), a goose or dbmate file holding both directions (-- +goose Up/Down,
-- migrate:up/down), or a plain .sql file (up only). Its version is the file name without
.up.sql / .sql, its number the name's leading digits (what --to and other tools' version
tables name), its checksum the SHA-256 of its up SQL (a goose or dbmate file's up sections as
written, without its down sections), which the runner stores per applied
migration and compares on every run.

Everything is computed here; the templates only place it (migrations.py.j2), and the runner
modules are copied as they are: _migrate.py (engine-agnostic) and the engine's own from
codegen/engines/<engine>/templates/.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from .config import Config
from .engines.registry import engine_named
from .errors import CodegenError, Diagnostic
from .render.env import header, render_template
from .sources import (flyway_version, keep_down_sections, keep_up_sections, migration_name, read_source, schema_paths,
                      up_sections)

_TEMPLATES = Path(__file__).parent / "render" / "templates"


@dataclass(frozen=True)
class MigrationSource:
    version: str
    number: int | None
    path: str
    up: str
    checksum: str
    down_path: str | None
    down: str | None


def collect(config: Config) -> list[MigrationSource]:
    """The migrations codegen reads for `config`, in its order; clashing versions are errors."""
    found: list[MigrationSource] = []
    problems: list[Diagnostic] = []
    by_number: dict[int, str] = {}
    versions: dict[str, str] = {}
    for path in schema_paths(config):
        source = read_source(config, path)
        name = migration_name(path)
        if name.endswith(".up.sql"):
            version = name.removesuffix(".up.sql")
            up, down_path, down = source.text, None, None
            checked = up
            twin = path.with_name("down.sql" if path.name == "up.sql" else version + ".down.sql")  # Diesel: down.sql
            if twin.is_file():
                down_source = read_source(config, twin)
                down_path, down = down_source.path, down_source.text
        else:
            version = name.removesuffix(".sql")
            up = _unblank(keep_up_sections(source.text))
            # The checksum covers the up SQL as written: a goose or dbmate file's down section
            # (blank lines in `up`, keeping the up statements' line numbers) may be edited
            # without editing what ran.
            checked = _unblank(up_sections(source.text))
            down = keep_down_sections(source.text)
            down = None if down is None else _unblank(down)
            down_path = source.path if down is not None else None
        digits = re.match(r"\d{4}-\d\d-\d\d-\d{6}(?=_)", version) or re.match(r"\d+", version)  # Diesel's, others'
        flyway = flyway_version(version)
        number = int(digits.group().replace("-", "")) if digits else \
            flyway[0] if flyway is not None and len(flyway) == 1 else None
        if number is not None and number in by_number:
            problems.append(Diagnostic(source.path, 1, 1, f"migration number {number} is also used by "
                                                          f"{by_number[number]}; each migration needs its own "
                                                          "(or set migrations = false)"))
            continue
        if number is not None:
            by_number[number] = source.path
        if version in versions:  # the runner records each by its version: two would be one
            problems.append(Diagnostic(source.path, 1, 1, f"migration version {version} is also used by "
                                                          f"{versions[version]}; each migration needs its own"))
            continue
        versions[version] = source.path
        checksum = hashlib.sha256(checked.encode("utf-8")).hexdigest()
        found.append(MigrationSource(version, number, source.path, up, checksum, down_path, down))
    if problems:
        raise CodegenError(problems)
    return found


def _unblank(text: str) -> str:
    """The other direction's lines, blanked to spaces to keep line numbers, become empty lines."""
    return re.sub(r"(?m)^ +$", "", text)


def migration_key(config: Config) -> list[str]:
    """What the run cache must see besides the up SQL: the down sections and files."""
    if not config.emit_migrations:
        return []
    return [f"{m.path}\0{m.down_path}\0{m.down}" for m in collect(config)]


def engine_runner(engine: str) -> ModuleType:
    """codegen/engines/<engine>/migrator.py: the engine's runtime modules and how it names `db`."""
    return engine_named(engine).migrator


def runtime_files(engine: str) -> dict[str, str]:
    """The runner's modules as they are written into a package, each with codegen's header."""
    runner = engine_runner(engine)
    files = {"_migrate.py": (_TEMPLATES / "_migrate.py.j2").read_text(encoding="utf-8")}
    files.update({name: runner.runtime_module(name) for name in runner.RUNTIME_MODULES})
    return {name: f"{header('codegen')}\n{text}" for name, text in files.items()}


def literal(text: str | None, indent: str) -> str:
    """A Python literal of `text` one source line per SQL line, so the module reads (and diffs)
    like the migration itself: ("CREATE TABLE t (\\n" "    id INTEGER\\n" ")\\n")."""
    if text is None:
        return "None"
    lines = text.splitlines(keepends=True)
    if len(lines) <= 1:
        return repr(text)
    return "(\n" + "".join(f"{indent}    {line!r}\n" for line in lines) + f"{indent})"


def render_migrations(config: Config, engine: str) -> dict[str, str]:
    """migrations.py and the runner modules, or nothing when the config turns migrations off."""
    if not config.emit_migrations:
        return {}
    migrations = [
        {
            "version": repr(m.version), "number": repr(m.number), "path": repr(m.path),
            "up": literal(m.up, " " * 8), "checksum": repr(m.checksum),
            "down_path": repr(m.down_path), "down": literal(m.down, " " * 8),
        }
        for m in collect(config)
    ]
    files = runtime_files(engine)
    files["migrations.py"] = render_template(
        "migrations.py.j2", header=header(", ".join(config.schema)), migrations=migrations,
        database_doc=engine_runner(engine).DATABASE_DOC)
    return files
