"""The sqlc drop-in: a folder with an sqlc config and no [tool.codegen] generates as it is.

tests/fixtures/sqlc/ holds projects whose configs have the shapes of sqlc's own examples and of
public projects' configs (see its README); each is generated here, its notes checked, and the
generated functions called on a real SQLite database or PostgreSQL server."""

from __future__ import annotations

import importlib
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import imported, run_cli

from codegen.config import Config, load_config
from codegen.errors import CodegenError
from codegen.sources import schema_files

FIXTURES = Path(__file__).parent / "fixtures" / "sqlc"

# fixture -> ([(engine, out, async)], notes that must be among the printed ones)
EXPECTED: dict[str, tuple[list[tuple[str, str, bool]], list[str]]] = {
    "sqlc-authors": ([("postgresql", "generated/postgresql", True), ("sqlite", "generated/sqlite", True)],
                     ["sqlc.yaml:2:1: note: cloud: sqlc Cloud settings are not used",
                      "sqlc.yaml:23:3: note: sql[1].engine: engine 'mysql' skipped",
                      "sqlc.yaml:18:7: note: sql[0].gen.go.sql_package: Go option skipped",
                      "sqlc.yaml:9:3: note: sql[0].database: codegen analyses without a database connection",
                      "sqlc.yaml:40:1: note: rules: sqlc vet rules are not run"]),
    "sqlc-batch": ([("postgresql", "generated", True)],
                   ["sqlc.json:8:7: note: packages[0].path: a Go option, skipped",
                    "sqlc.json:25:7: note: packages[0].emit_interface: a Go option, skipped"]),
    "sqlc-booktest": ([("postgresql", "generated/postgresql", True), ("sqlite", "generated/sqlite", True)],
                      ["sqlc.json:17:7: note: packages[1].engine: engine 'mysql' skipped"]),
    "sqlc-ondeck": ([("postgresql", "generated/postgresql", True), ("sqlite", "generated/sqlite", True)],
                    ["sqlc.json:11:7: note: packages[0].build_tags: a Go option, skipped"]),
    "sqlc-gen-python": ([("postgresql", "src/shelf/generated", True), ("postgresql", "src/bins_db", False)],
                        ["sqlc.yaml:18:7: note: sql[0].codegen[0].options.query_parameter_limit: skipped: "
                         "parameters are always keyword arguments",
                         "sqlc.yaml:11:3: note: sql[0].codegen: out 'src/shelf' holds this entry's SQL files; "
                         "the generated package goes to 'src/shelf/generated'"]),
    "simplebank": ([("postgresql", "generated", True)],
                   ["sqlc.yaml:15:11: note: sql[0].gen.go.overrides[0]: Go type override skipped",
                    "sqlc.yaml:17:11: note: sql[0].gen.go.overrides[1]: Go type override skipped",
                    "sqlc.yaml:10:7: note: sql[0].gen.go.sql_package: Go option skipped"]),
    "lavender": ([("sqlite", "generated", True)],
                 ["sqlc.yaml:12:13: note: sql[0].gen.go.overrides[0]: Go type override skipped"]),
    "rickover": ([("postgresql", "generated", True)],
                 ["sqlc.json:15:7: note: overrides[0]: Go type override skipped (go_type)"]),
    "popple": ([("postgresql", "generated", True)], ["sqlc.json:7:9: note: packages[0].path: a Go option, skipped"]),
    "sqlite-fs": ([("sqlite", "generated", True)], ["sqlc.json:11:11: note: sql[0].gen.go.out: Go option skipped"]),
    "python-crawler": ([("postgresql", "crawler/db/generated", True)],
                       ["sqlc.yml:11:5: note: sql[0].excludes: not an sqlc option codegen knows",
                        "sqlc.yml:21:11: note: sql[0].codegen[0].options.query_parameter_limit: skipped"]),
}


def _project(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root)
    return root


def _targets(config: Config) -> list[Config]:
    return [config, *config.targets]


def _call(target: Config, connect: Callable[[], Any]) -> None:
    """Apply the target's migrations, then add a row and list it through the generated functions."""
    with imported(target.root / target.out) as package:
        [stem] = [p.stem for p in (target.root / target.out / "queries").glob("*.py") if p.stem != "__init__"]
        module: Any = importlib.import_module(f"{package.__name__}.queries.{stem}")
        conn = connect()
        try:
            for source in schema_files(target):
                if target.engine == "sqlite":
                    conn.executescript(source.text)
                else:
                    conn.execute(source.text.encode())
            added = module.add_item(conn, name="first")
            assert added is not None and added.name == "first" and isinstance(added.id, int)
            assert [row.name for row in module.list_items(conn)] == ["first"]
        finally:
            conn.rollback()
            conn.close()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_postgres_sqlc_project_generates_and_runs(tmp_path: Path, name: str, postgres_url: str) -> None:
    import psycopg

    expected_targets, expected_notes = EXPECTED[name]
    root = _project(tmp_path, name)
    result = run_cli(root, "generate")
    assert result.code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines and all(": note: " in line for line in lines), result.stderr
    shown = [line.removeprefix(str(root) + "/") for line in lines]
    for note in expected_notes:
        assert any(line.startswith(note) for line in shown), f"{note!r} not among\n" + "\n".join(shown)
    assert len(shown) == len(set(shown))  # one note each
    config = load_config(None, root)
    assert [(t.engine, t.out, t.emit_async) for t in _targets(config)] == expected_targets
    assert run_cli(root, "--check").code == 0
    for target in _targets(config):
        if target.engine == "sqlite":
            _call(target, lambda: sqlite3.connect(":memory:"))
        else:
            _call(target, lambda: psycopg.connect(postgres_url))


def test_config_flag_points_at_an_sqlc_file_from_elsewhere(tmp_path: Path) -> None:
    root = _project(tmp_path, "sqlite-fs")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    renamed = root / "db-config.yaml"  # any name: the suffix says it is sqlc's
    (root / "sqlc.json").rename(renamed)
    result = run_cli(elsewhere, "--config", str(renamed))
    assert result.code == 0, result.stderr
    assert (root / "generated" / "queries" / "queries.py").is_file()
    assert not (elsewhere / "generated").exists()


def test_found_from_a_subfolder_and_every_subcommand_uses_it(tmp_path: Path) -> None:
    root = _project(tmp_path, "lavender")
    below = root / "database" / "queries"
    assert run_cli(below, "generate").code == 0
    assert (root / "generated" / "models.py").is_file()
    described = run_cli(below, "describe")
    assert described.code == 0, described.stderr
    assert [t["name"] for t in json.loads(described.stdout)["tables"]] == ["members"]
    verified = run_cli(below, "verify")
    assert verified.code == 0 and "all agree" in verified.stdout, verified.stdout + verified.stderr


def test_pyproject_codegen_table_wins_over_an_sqlc_config_in_the_same_folder(tmp_path: Path) -> None:
    root = _project(tmp_path, "sqlite-fs")
    (root / "pyproject.toml").write_text('[tool.codegen]\nschema = "sql/schema.sql"\nqueries = "sql"\nout = "mine"\n')
    result = run_cli(root, "generate")
    assert result.code == 0 and "note:" not in result.stderr
    assert (root / "mine" / "models.py").is_file() and not (root / "generated").exists()


@pytest.mark.parametrize(("config", "error"), [
    ("version: '2'\nsql:\n  - engine: sqlite\n    schema: nope.sql\n    queries: q.sql\n",
     "sqlc.yaml:4:5: error: sql[0].schema: schema path 'nope.sql' matches nothing"),
    ("version: '3'\nsql: []\n", "sqlc.yaml:1:1: error: version: unknown sqlc config version '3'"),
    ("version: '2'\nsql:\n  - engine: sqlite\n   schema: [\n", "sqlc.yaml:4:"),
    ("version: '2'\nsql:\n  - engine: mysql\n    schema: s.sql\n    queries: q.sql\n",
     "sqlc.yaml:1:1: error: no entry with engine sqlite or postgresql"),
    ("- just\n- a list\n", "sqlc.yaml:1:1: error: an sqlc config must be a mapping"),
])
def test_bad_sqlc_configs_are_located_errors(tmp_path: Path, config: str, error: str) -> None:
    (tmp_path / "q.sql").write_text("-- name: One :one\nSELECT 1;\n")
    (tmp_path / "sqlc.yaml").write_text(config)
    result = run_cli(tmp_path, "generate")
    assert result.code == 1, result.stderr
    assert any(line.removeprefix(str(tmp_path) + "/").startswith(error) for line in result.errors), result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "generated").exists()


def test_legacy_gen_python_and_strict_function_checks(tmp_path: Path) -> None:
    """Older sqlc releases generated Python themselves (`gen.python`); strict_function_checks is
    sqlc's own switch for unknown functions, so here it turns on strict."""
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n")
    (tmp_path / "query.sql").write_text("-- name: ListT :many\nSELECT id, shout(name) AS loud FROM t;\n")
    (tmp_path / "sqlc.yaml").write_text(
        "version: '2'\nsql:\n  - engine: sqlite\n    schema: schema.sql\n    queries: query.sql\n"
        "    strict_function_checks: true\n    gen:\n      python:\n        package: app.db\n        out: app/db\n"
        "        emit_sync_querier: true\n        emit_async_querier: false\n        emit_str_enum: true\n")
    result = run_cli(tmp_path, "generate")
    assert result.code == 1
    assert "query.sql:2:12: error: query ListT: unknown function shout()" in result.stderr
    assert "sqlc.yaml:13:9: note: sql[0].gen.python.emit_str_enum: skipped: enum columns are typing.Literal[...] " \
           "types" in result.stderr.replace(str(tmp_path) + "/", "")
    (tmp_path / "query.sql").write_text("-- name: ListT :many\nSELECT id, upper(name) AS loud FROM t;\n")
    result = run_cli(tmp_path, "generate")
    assert result.code == 0, result.stderr
    config = load_config(None, tmp_path)
    assert (config.out, config.emit_async, config.strict) == ("app/db", False, True)
    assert (tmp_path / "app" / "db" / "queries" / "query.py").is_file() and not (tmp_path / "app" / "db" / "aio").exists()


def test_hostile_sqlc_configs_end_in_located_errors_quickly(tmp_path: Path) -> None:
    import time

    laughs = ["a: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    laughs += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    cases = {
        "aliases.yaml": "version: '2'\n" + "\n".join(laughs).replace("a: &a0", "a0: &a0") + "\nsql: *a8\n",
        "deep.yaml": "version: '2'\nsql: " + "[" * 1500 + "]" * 1500 + "\n",
        "deep.json": '{"version": "2", "sql": ' + "[" * 1500 + "]" * 1500 + "}",
        "binary.yaml": b"version: '2'\nsql: \xff\xfe\n",
    }
    for name, text in cases.items():
        config = tmp_path / name
        if isinstance(text, bytes):
            config.write_bytes(text)
        else:
            config.write_text(text)
        start = time.monotonic()
        result = run_cli(tmp_path, "--config", str(config))
        assert time.monotonic() - start < 20, name
        assert result.code == 1 and result.errors, (name, result.stderr)
        assert "Traceback" not in result.stderr


_GO_KEYS = ["emit_json_tags", "sql_package", "emit_interface", "build_tags", "emit_prepared_queries"]
_ENGINES = st.sampled_from(["sqlite", "postgresql", "mysql", None])


@st.composite
def _sqlc_configs(draw: st.DrawFn) -> tuple[int, list[dict[str, Any]]]:
    """A version and its entries: engines, Go options, and (version 2) Python plugin outputs."""
    version = draw(st.sampled_from([1, 2]))
    entries = []
    for _ in range(draw(st.integers(1, 4))):
        entry: dict[str, Any] = {"schema": "schema.sql", "queries": "query.sql"}
        engine = draw(_ENGINES)
        if engine is not None:
            entry["engine"] = engine
        go = draw(st.lists(st.sampled_from(_GO_KEYS), unique=True, max_size=3))
        if version == 1:
            entry.update({key: True for key in go})
        else:
            if go:
                entry["gen"] = {"go": {key: True for key in go}}
            outputs = []
            for _ in range(draw(st.integers(0, 2))):
                options = draw(st.fixed_dictionaries({}, optional={
                    "emit_async_querier": st.booleans(), "query_parameter_limit": st.integers(0, 9),
                    "emit_str_enum": st.booleans(), "package": st.just("pkg")}))
                outputs.append({"plugin": "py", "out": f"out{len(entries)}_{len(outputs)}", "options": options})
            if outputs:
                entry["codegen"] = outputs
        entries.append(entry)
    return version, entries


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=_sqlc_configs(), as_json=st.booleans())
def test_drawn_sqlc_configs_give_one_target_per_entry_and_one_note_per_skipped_thing(
        tmp_path_factory: pytest.TempPathFactory, drawn: tuple[int, list[dict[str, Any]]], as_json: bool) -> None:
    version, entries = drawn
    root = tmp_path_factory.mktemp("drawn")
    (root / "schema.sql").write_text("CREATE TABLE t (id INTEGER PRIMARY KEY);\n")
    (root / "query.sql").write_text("-- name: One :one\nSELECT id FROM t;\n")
    document: dict[str, Any] = {"version": str(version), "sql" if version == 2 else "packages": entries}
    if version == 2:
        document["plugins"] = [{"name": "py", "wasm": {"url": "https://example.invalid/sqlc-gen-python.wasm"}}]
    path = root / ("sqlc.json" if as_json else "sqlc.yaml")
    path.write_text(json.dumps(document, indent=2) if as_json else yaml.safe_dump(document, sort_keys=False))
    lines = path.read_text().splitlines()
    generated = [e for e in entries if e.get("engine", "postgresql") != "mysql"]
    try:
        config = load_config(None, root)
    except CodegenError as error:
        assert not generated and [d.message for d in error.diagnostics] == [
            "no entry with engine sqlite or postgresql: nothing to generate"]
        return
    expected = []
    for entry in generated:
        outputs = entry.get("codegen", [])
        expected += [(entry.get("engine", "postgresql"), bool(o["options"].get("emit_async_querier", False)))
                     for o in outputs] or [(entry.get("engine", "postgresql"), True)]
    assert [(t.engine, t.emit_async) for t in _targets(config)] == expected
    notes = [note.message for note in config.notes]
    assert len(notes) == len(set(notes))
    for note in config.notes:  # each note sits on the line of what it names
        named = note.message.split(":", 1)[0].rsplit(".", 1)[-1].split("[")[0]
        assert named in lines[note.line - 1], (note, lines[note.line - 1])
    skipped = [e for e in entries if e.get("engine") == "mysql"]
    assert sum("engine 'mysql' skipped" in n for n in notes) == len(skipped)
    go_options = sum(len([k for k in _GO_KEYS if k in e or k in e.get("gen", {}).get("go", {})]) for e in generated)
    assert sum("Go option" in n for n in notes) == go_options
    unused = sum(len({"query_parameter_limit", "emit_str_enum"} & set(o["options"]))
                 for e in generated for o in e.get("codegen", []))
    assert sum(".options." in n for n in notes) == unused
