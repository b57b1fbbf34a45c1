"""Every project the harness runs, and its generated package.

A `Case` is one project on one engine: the repository itself (both targets), every golden input
(except the intentional error cases), the fixture files of tests/fixtures/analyze (each one a
project: its schema header and its queries, without those expected to fail), every sqlc
conformance case under ../shared/conformance/{sqlite,postgresql} that sqlc accepts (skipped
cleanly when that folder is absent), a synthetic project from ../shared/perf/synth.py, and the
realistic projects under tests/projects/ (each with a SQLite and a PostgreSQL target).

`generate(case, out_root)` analyzes the project and writes its package to out_root/<case.package>
(a name unique to the case, so one mypy run can check every package at once). Projects of our
own must generate; a conformance case that codegen refuses (listed in the README's sqlc
differences) is recorded as not generated, not run.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from codegen import ir, pipeline
from codegen.config import Config, load_config
from codegen.errors import CodegenError

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden"
FIXTURES = REPO / "tests" / "fixtures" / "analyze"
PROJECTS = REPO / "tests" / "projects"
SHARED = REPO.parent / "shared"
CONFORMANCE = SHARED / "conformance"
SYNTH = SHARED / "perf" / "synth.py"
SYNTH_TABLES = 12


@dataclass
class Case:
    name: str  # "golden/views", "conformance/postgresql/alias__pgx__v5", "projects/shop"
    engine: str
    config_path: Path
    group: str  # repo, golden, fixtures, conformance, synth, projects
    must_generate: bool = True

    @property
    def id(self) -> str:
        return f"{self.name}[{self.engine}]"

    @property
    def package(self) -> str:
        return "h_" + re.sub(r"\W+", "_", f"{self.name}_{self.engine}").strip("_").lower()

    def config(self) -> Config:
        root = load_config(self.config_path, self.config_path.parent)
        for candidate in (root, *root.targets):
            if candidate.engine == self.engine:
                return candidate
        raise ValueError(f"{self.config_path}: no {self.engine} target")


def _engines(config_path: Path) -> list[str]:
    try:
        root = load_config(config_path, config_path.parent)
    except CodegenError:
        return ["sqlite"]  # reported when the case generates
    return sorted({c.engine for c in (root, *root.targets)})


def _fixture_project(fixture: Path, work: Path) -> Path:
    """A fixture file of tests/fixtures/analyze as a project: the schema above the first query,
    every query block that is not expected to fail."""
    text = fixture.read_text(encoding="utf-8")
    headers = list(re.finditer(r"^[ \t]*(?:--|/\*)[ \t]*name:[ \t]*(\S+)", text, re.MULTILINE))
    blocks = [text[h.start():(headers[i + 1].start() if i + 1 < len(headers) else len(text))]
              for i, h in enumerate(headers)]
    kept = [b for b in blocks if not re.search(r"^[ \t]*--[ \t]*expect[ \t]+error\b", b, re.MULTILINE)]
    root = work / "fixtures" / fixture.stem
    (root / "queries").mkdir(parents=True, exist_ok=True)
    (root / "schema.sql").write_text(text[: headers[0].start()] if headers else text, encoding="utf-8")
    (root / "queries" / f"{fixture.stem}.sql").write_text("\n".join(kept), encoding="utf-8")
    (root / "pyproject.toml").write_text(
        '[tool.codegen]\nschema = "schema.sql"\nqueries = "queries"\nout = "gen"\n', encoding="utf-8")
    return root / "pyproject.toml"


def _synth_project(work: Path) -> Path:
    root = work / "synth"
    subprocess.run([sys.executable, str(SYNTH), str(root), "--tables", str(SYNTH_TABLES)], check=True,
                   capture_output=True)
    return root / "pyproject.toml"


def discover(work: Path) -> tuple[list[Case], list[str]]:
    """Every case, and notes on what is absent (the conformance folder outside CI)."""
    cases: list[Case] = []
    notes: list[str] = []
    cases += [Case("repo", e, REPO / "pyproject.toml", "repo") for e in _engines(REPO / "pyproject.toml")]
    for golden in sorted(GOLDEN.iterdir()):
        config = golden / "input" / "pyproject.toml"
        if config.is_file() and not (golden / "expected_errors.txt").exists():
            cases += [Case(f"golden/{golden.name}", e, config, "golden") for e in _engines(config)]
    for fixture in sorted(FIXTURES.glob("*.sql")):
        cases.append(Case(f"fixtures/{fixture.stem}", "sqlite", _fixture_project(fixture, work), "fixtures"))
    for project in sorted(PROJECTS.glob("*/pyproject.toml")) if PROJECTS.is_dir() else []:
        cases += [Case(f"projects/{project.parent.name}", e, project, "projects") for e in _engines(project)]
    if SYNTH.is_file():
        cases.append(Case("synth", "sqlite", _synth_project(work), "synth"))
    else:
        notes.append(f"{SYNTH} is absent: no synthetic project")
    for engine in ("sqlite", "postgresql"):
        folder = CONFORMANCE / engine
        if not folder.is_dir():
            notes.append(f"{folder} is absent: its conformance cases are not run")
            continue
        for case in sorted(p for p in folder.iterdir() if (p / "expected.json").is_file()):
            if json.loads((case / "expected.json").read_text(encoding="utf-8")).get("error"):
                continue  # sqlc rejects the input, and so does codegen: nothing to run
            cases.append(Case(f"conformance/{engine}/{case.name}", engine, case / "pyproject.toml", "conformance",
                              must_generate=False))
    return cases, notes


@dataclass
class Generated:
    case: Case
    config: Config
    project: ir.Project
    package_dir: Path


def generate(case: Case, out_root: Path) -> Generated:
    """Analyze the case and write its package (sync and async modules) under out_root."""
    config = case.config()
    project = pipeline.analyze(config)
    # The async modules are called too, even where the project does not ask for them.
    files = pipeline.render(project, dataclasses.replace(config, emit_async=True))
    target = out_root / case.package
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Generated(case, config, project, target)

