"""Bugs tests/test_drawn_fuzz.py found, each pinned as a small case run through the real CLI.

- A config holding a decimal integer of more than 4300 digits (Python's guard against
  quadratic-time conversion, sys.get_int_max_str_digits) crashed every verb with a ValueError
  traceback: tomllib, PyYAML and json raise that bare ValueError, not their own decode error. So did a
  YAML scalar its constructor cannot build (`2021-02-30`, `!!int x`). Each is now a located error.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from drawn_fuzz import LOCATED, invoke, no_cache, tree

SCHEMA = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);\n"
QUERIES = "-- name: GetT :one\nSELECT * FROM t WHERE id = ?;\n"
HUGE = "9" * 5000
VERBS = [("generate",), ("--check",), ("describe",), ("verify",), ("lint",), ("migrate", "--db", "x.db"),
         ("status", "--db", "x.db"), ("init",)]


def _project(root: Path, config_name: str, config: str) -> Path:
    (root / "schema").mkdir(parents=True)
    (root / "queries").mkdir()
    (root / "schema" / "1.sql").write_text(SCHEMA)
    (root / "queries" / "q.sql").write_text(QUERIES)
    (root / config_name).write_text(config)
    return root


def _located_at(stderr: str, config_name: str) -> tuple[int, int]:
    lines = [m for m in map(LOCATED.match, stderr.splitlines()) if m and m.group("path")]
    assert lines, stderr
    assert lines[0].group("path").endswith(config_name), stderr
    return int(lines[0].group("line")), int(lines[0].group("col"))


TOML = f'[tool.codegen]\nschema = "schema"\nqueries = "queries"\nout = "gen"\n\n[tool.other]\nbig = {HUGE}\n'
YAML = f'version: "2"\nsql:\n  - engine: sqlite\n    schema: schema\n    queries: queries\n    big: {HUGE}\n'
JSON = ('{"version": "2", "sql": [{"engine": "sqlite", "schema": "schema", "queries": "queries",\n'
        f'  "big": {HUGE}}}]}}\n')


@pytest.mark.parametrize("config_name,config,where", [
    ("pyproject.toml", TOML, (7, 7)),
    ("sqlc.yaml", YAML, (6, 10)),
    ("sqlc.json", JSON, (2, 10)),
    ("sqlc.yaml", 'version: "2"\nsql:\n  - engine: sqlite\n    schema: schema\n    when: 2021-02-30\n', (5, 11)),
    ("sqlc.yaml", 'version: "2"\nsql:\n  - engine: !!int sqlite\n    schema: schema\n', (3, 13)),
])
def test_a_config_value_python_cannot_build_is_a_located_error_in_every_verb(
        tmp_path: Path, config_name: str, config: str, where: tuple[int, int]) -> None:
    root = _project(tmp_path / "p", config_name, config)
    for verb in VERBS:
        args = [*verb, "--config", config_name] if verb[0] != "init" else list(verb)
        before = tree(root)
        with no_cache():
            outcome = invoke(root, *args)
        assert outcome.crash is None, f"{verb}: {outcome.crash!r}"
        assert outcome.code != 0, (verb, outcome.stdout)
        if verb[0] == "init" and config_name != "pyproject.toml":
            continue  # init refuses an sqlc folder before it reads the config
        assert _located_at(outcome.stderr, config_name) == where, (verb, outcome.stderr)
        assert tree(root) == before, f"{verb} wrote"
        assert re.search(r"4300 digits|out of range|invalid literal", outcome.stderr), outcome.stderr


def test_a_refused_target_leaves_every_out_folder_as_it_was(tmp_path: Path) -> None:
    """With two targets, the second one's located error used to come after the first target's
    package was already written, under a "nothing written" message: now every target is analysed
    (and its out folder checked) before anything is written, and all their errors are reported."""
    config = ('[tool.codegen]\nschema = "schema"\nqueries = "queries"\nout = "first"\n\n'
              '[[tool.codegen.targets]]\nschema = "schema"\nqueries = "broken"\nout = "second"\n\n'
              '[[tool.codegen.targets]]\nschema = "schema"\nqueries = "also_broken"\nout = "third"\n')
    root = _project(tmp_path / "p", "pyproject.toml", config)
    (root / "broken").mkdir()
    (root / "broken" / "q.sql").write_text("-- name: Bad :one\nSELECT nope FROM t;\n")
    (root / "also_broken").mkdir()
    (root / "also_broken" / "q.sql").write_text("-- name: Worse :one\nSELECT * FROM missing;\n")
    before = tree(root)
    for args in (("generate",), ("--check",)):
        with no_cache():
            outcome = invoke(root, *args)
        assert outcome.crash is None and outcome.code in (1, 2), outcome
        located = [m.group("path") for m in map(LOCATED.match, outcome.stderr.splitlines()) if m]
        assert sorted(located) == ["also_broken/q.sql", "broken/q.sql"], outcome.stderr  # both targets' errors
        assert tree(root) == before, f"{args} wrote"
