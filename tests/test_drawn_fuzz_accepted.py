"""The mutants codegen accepts: their generated code must still run its own SQL on a real database.

A project the execution harness already runs cleanly (golden inputs, tests/projects/*, sqlc's
SQLite conformance cases; tests/harness/) gets one or two of its SQL files mutated
(drawn_fuzz.mutate, the kinds codegen most often accepts: odd bytes, line ends, swapped or
duplicated tokens and lines, keyword case...).
When codegen refuses the mutant, test_drawn_fuzz.py holds the refusal to its standard; when it
accepts it, every generated function, sync and async, is called here by the harness on a real SQLite
file (or a real PostgreSQL server) built from the mutated migrations, with arguments drawn from its
annotations: no crash (an error from the database that is not about the data, a ValidationError, a
TypeError...) and no value contradicting its annotation. FUZZ_ACCEPTED_EXAMPLES=N sets the number
of drawn mutants per engine (default 12).
"""

from __future__ import annotations

import itertools
import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from codegen.config import load_config
from codegen.engines.registry import lexing_named
from codegen.sqltext import lex
from codegen.errors import CodegenError
from drawn_fuzz import OFTEN_ACCEPTED, PROJECTS, SHARED, config_of, copy_project, inputs, mutate, no_cache

sys.path.insert(0, str(Path(__file__).parent / "harness"))

from harness_databases import SchemaRefused  # noqa: E402
from harness_projects import Case, generate  # noqa: E402
from test_harness import run_postgresql, run_sqlite  # noqa: E402

EXAMPLES = int(os.environ.get("FUZZ_ACCEPTED_EXAMPLES", "12"))
REPO = Path(__file__).resolve().parent.parent
# The corpus the harness itself runs without a crash, so any crash here is the mutation's.
HARNESS_ROOTS = (REPO / "tests" / "golden", REPO / "tests" / "projects", SHARED / "conformance")
figures: Counter[str] = Counter()
_counter = itertools.count()


def _harness_projects(engine: str) -> list[Path]:
    found = []
    for project in PROJECTS:
        if not any(root in project.parents for root in HARNESS_ROOTS) or project.parent.name == "error" \
                or (project.parent / "expected_errors.txt").exists():
            continue
        expected = project / "expected.json"
        if expected.is_file() and '"error": true' in expected.read_text(encoding="utf-8"):
            continue  # sqlc rejects it: the harness does not run it either
        try:
            config = load_config(config_of(project), project)
        except CodegenError:
            continue
        if any(target.engine == engine for target in (config, *config.targets)):
            found.append(project)
    return found


@pytest.fixture(scope="module")
def out_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("fuzz_accepted")
    sys.path.insert(0, str(root))
    yield root
    sys.path.remove(str(root))
    print("\nfuzz accepted: " + "; ".join(f"{k} {v}" for k, v in sorted(figures.items())))


@st.composite
def accepted_mutants(draw: st.DrawFn, engine: str, dest: Path) -> tuple[Path, list[str]]:
    """A copy of a harness project for the engine with one or two SQL files mutated."""
    source = draw(st.sampled_from(_harness_projects(engine)))
    root = copy_project(source, dest)
    sql_files = [p for p in inputs(root) if p.suffix == ".sql"]
    done = []
    for _ in range(draw(st.integers(1, 2))):
        target = draw(st.sampled_from(sql_files))
        before = target.read_bytes()
        kind, data = draw(mutate(before, OFTEN_ACCEPTED))
        # A dollar-quoted body (DO $$ ... $$, a function's) is PL/pgSQL inside a string: codegen
        # cannot read it (nor can sqlc), so a mutation there is the database's alone to refuse.
        assume(_bodies(data, engine) <= _bodies(before, engine))
        target.write_bytes(data)
        done.append(f"{target.relative_to(root).as_posix()}: {kind}")
    return root, done


def _bodies(data: bytes, engine: str) -> set[str]:
    text = data.decode("utf-8", "replace")
    return {lx.text for lx in lex(text, lexing_named(engine)) if lx.kind == "dollar"}


def _run(engine: str, root: Path, out_root: Path, tmp: Path, url: str | None) -> Any:
    case = Case(f"fuzz/{root.name}", engine, config_of(root), "fuzz")
    try:
        with no_cache():
            gen = generate(case, out_root)
    except CodegenError:
        figures[f"{engine} refused"] += 1
        return None
    figures[f"{engine} accepted"] += 1
    skipped: list[str] = []
    no_skip = (lambda module, function, index: None)
    try:
        if engine == "sqlite":
            return run_sqlite(gen, tmp / f"{case.package}.sqlite3", skipped, no_skip, rounds=2)
        # PostgreSQL refusing a statement codegen accepted is a limit of static analysis (verify --db
        # finds those): the harness leaves such a function uncalled, as it does for the corpus.
        assert url is not None
        return run_postgresql(gen, url, skipped, rounds=2)
    except SchemaRefused:
        figures[f"{engine} schema refused by the database"] += 1
        return None


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_an_accepted_mutant_runs_every_function_it_generates(engine: str, out_root: Path,
                                                             tmp_path_factory: pytest.TempPathFactory,
                                                             request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("postgres_databases")("fuzz_accepted") if engine == "postgresql" else None

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run_one(data: st.DataObject) -> None:
        root, mutations = data.draw(accepted_mutants(engine, tmp_path_factory.mktemp("m") / f"m{next(_counter)}"))
        tally = _run(engine, root, out_root, tmp_path_factory.mktemp("db"), url)
        assume(tally is not None)
        figures[f"{engine} functions called"] += tally.functions
        failures = tally.crashes + tally.mismatches
        assert not failures, f"{root} ({mutations}):\n" + "\n".join(failures[:10])

    run_one()
