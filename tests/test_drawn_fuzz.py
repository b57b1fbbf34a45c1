"""Every CLI verb on a real project with one file mutated (drawn_fuzz.py draws both).

The oracle is the standard each verb promises, checked per run:
- no traceback: nothing escapes codegen.cli.run (what `python -m codegen` would print as one);
- exit 0, or a non-zero exit whose error lines are all `path:line:col: error: ...` with the line
  inside the named file (or a whole-file `path: error: ...`);
- a refused run, `--check`, describe, verify and lint write nothing anywhere in the project;
- a generating run writes only inside the config's out folders, and every file it writes compiles.
Verbs: generate, --check, describe, verify (SQLite sandbox), lint, migrate / status / rollback
--to 0 / migrate again on a SQLite file, init (which adds a [tool.codegen] table the mutation
lost, or refuses).
FUZZ_EXAMPLES=N sets the number of drawn projects (default 60).
"""

from __future__ import annotations

import itertools
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen.config import load_config
from codegen.errors import CodegenError
from drawn_fuzz import LOCATED, Outcome, Project, invoke, mutated_projects, no_cache, tree

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
READ_ONLY = {"--check", "describe", "verify", "lint"}
VERBS = [("generate",), ("--check",), ("describe",), ("verify",), ("lint",), ("migrate", "--db", "fuzz.db"),
         ("status", "--db", "fuzz.db"), ("rollback", "--db", "fuzz.db", "--to", "0"), ("migrate", "--db", "fuzz.db"),
         ("init",)]
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")  # what an editor counts (codegen reads CR and CRLF as LF)
figures: Counter[str] = Counter()
_counter = itertools.count()


def _outs(project: Project) -> list[str]:
    try:
        config = load_config(project.config, project.root)
    except CodegenError:
        return []
    return [c.out.rstrip("/") for c in (config, *config.targets)]


def _check_errors(project: Project, verb: str, outcome: Outcome) -> None:
    for line in outcome.stderr.splitlines():
        if ": error: " not in line or line.startswith(("error: ", "codegen: error: ", "codegen lint: error: ")):
            continue  # the runner's and the CLI's one-line refusals about the database, not the input
        match = LOCATED.match(line)
        assert match, f"{verb}: an unlocated error line: {line}"
        if match.group("path") is None:
            continue
        path = Path(match.group("path"))
        path = path if path.is_absolute() else project.root / path
        if path.is_file():
            lines = len(_LINE_BREAK.findall(path.read_bytes())) + 1
            assert 1 <= int(match.group("line")) <= lines, f"{verb}: {line} points outside {path} ({lines} lines)"


def _check_run(project: Project, verb: tuple[str, ...], outcome: Outcome, before: dict[str, bytes],
               outs: list[str]) -> None:
    name = verb[0]
    assert outcome.crash is None, f"{name}: a traceback: {outcome.crash!r}"
    assert "Traceback" not in outcome.stderr, outcome.stderr
    figures[f"{name} exit {outcome.code}"] += 1
    if outcome.code != 0:
        _check_errors(project, name, outcome)
    after = tree(project.root)
    changed = {rel for rel in set(before) | set(after) if before.get(rel) != after.get(rel)}
    if name in READ_ONLY or (name in ("generate", "init") and outcome.code != 0):
        assert not changed, f"{name} (exit {outcome.code}) wrote {sorted(changed)[:5]}"
    if name == "generate" and outcome.code == 0:
        outside = [rel for rel in changed if not any(rel.startswith(out + "/") for out in outs)]
        assert not outside, f"generate wrote outside its out folders {outs}: {outside[:5]}"
        for rel in changed:
            if rel.endswith(".py") and rel in after:
                compile(after[rel], rel, "exec")
    if name in ("migrate", "status", "rollback"):
        outside = [rel for rel in changed if not rel.startswith("fuzz.db")]
        assert not outside, f"{name} wrote {outside[:5]}"


@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_verb_on_a_mutated_project_fails_located_or_succeeds_soundly(
        tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    project = data.draw(mutated_projects(tmp_path_factory.mktemp("fuzz") / f"p{next(_counter)}"))
    figures[f"mutation {project.mutation}"] += 1
    outs = _outs(project)
    config_args = [] if project.config.name == "pyproject.toml" else ["--config", project.config.name]
    with no_cache():
        for verb in VERBS:
            before = tree(project.root)
            outcome = invoke(project.root, *verb, *(config_args if verb[0] != "init" else []))
            _check_run(project, verb, outcome, before, outs)


def test_zz_print_figures() -> None:
    """The run's figures (pytest -s shows them): exits per verb, mutations drawn."""
    print("\nfuzz: " + "; ".join(f"{k} {v}" for k, v in sorted(figures.items())))
