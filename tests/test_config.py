"""[tool.codegen]: found upward from the working directory or named by --config; validated with
errors that name the config file as path:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from _support import read_tree, run_cli, write_files
from codegen.config import load_config
from codegen.errors import CodegenError

SCHEMA = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
QUERIES = "-- name: ListT :many\nSELECT * FROM t;\n"


def project(root: Path, config: str) -> Path:
    write_files(root, {"pyproject.toml": config, "schema/1.sql": SCHEMA, "queries/t.sql": QUERIES})
    return root


OK = '[tool.codegen]\nschema = "schema"\nqueries = "queries"\nout = "gen"\n'


def config_errors(root: Path, text: str) -> list[str]:
    project(root, text)
    with pytest.raises(CodegenError) as info:
        load_config(root / "pyproject.toml", root)
    return [str(d) for d in info.value.diagnostics]


def test_defaults(tmp_path: Path) -> None:
    project(tmp_path, '[tool.codegen]\nschema = "schema"\nqueries = "queries"\n')
    config = load_config(None, tmp_path)
    assert (config.engine, config.out, config.emit_async, config.overrides) == ("sqlite", "generated", True, ())
    assert config.schema == ("schema",) and config.queries == ("queries",)
    assert config.root == tmp_path and config.path == tmp_path / "pyproject.toml"


def test_found_upward_from_a_subfolder(tmp_path: Path) -> None:
    project(tmp_path, OK)
    deep = tmp_path / "src" / "pkg" / "deep"
    deep.mkdir(parents=True)
    # A pyproject.toml without [tool.codegen] on the way up is passed over.
    write_files(tmp_path / "src", {"pyproject.toml": '[project]\nname = "inner"\n'})
    result = run_cli(deep)
    assert result.code == 0, result.stderr
    assert (tmp_path / "gen" / "queries" / "t.py").is_file()
    assert not (deep / "gen").exists() and not (tmp_path / "src" / "gen").exists()
    assert "added: gen/models.py" in result.stdout.splitlines()


def test_explicit_config_paths_are_relative_to_its_folder(tmp_path: Path) -> None:
    project(tmp_path / "proj", OK)
    (tmp_path / "elsewhere").mkdir()
    result = run_cli(tmp_path / "elsewhere", "--config", "../proj/pyproject.toml")
    assert result.code == 0, result.stderr
    assert (tmp_path / "proj" / "gen" / "models.py").is_file()
    assert not (tmp_path / "elsewhere" / "gen").exists()


def test_explicit_config_wins_over_the_one_found_upward(tmp_path: Path) -> None:
    project(tmp_path, OK.replace('out = "gen"', 'out = "outer_gen"'))
    project(tmp_path / "inner", OK.replace('out = "gen"', 'out = "inner_gen"'))
    result = run_cli(tmp_path, "--config", str(tmp_path / "inner" / "pyproject.toml"))
    assert result.code == 0, result.stderr
    assert (tmp_path / "inner" / "inner_gen").is_dir() and not (tmp_path / "outer_gen").exists()


def test_missing_explicit_config(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "--config", "nope/pyproject.toml")
    assert result.code == 1 and "Traceback" not in result.stderr
    assert result.errors == ["nope/pyproject.toml:1:1: error: config file not found"]


def test_no_config_anywhere(tmp_path: Path) -> None:
    if any((folder / "pyproject.toml").exists() for folder in tmp_path.parents):
        pytest.skip("the temporary folder lies inside a project")
    result = run_cli(tmp_path)
    assert result.code == 1
    assert result.errors == [f"{tmp_path}: error: no pyproject.toml with a [tool.codegen] table, nor an sqlc.yaml, "
                             "in this folder or above (`codegen init` starts a project; --config PATH names one "
                             "elsewhere)"]


def test_pyproject_without_the_table_given_explicitly(tmp_path: Path) -> None:
    project(tmp_path, '[project]\nname = "x"\n')
    result = run_cli(tmp_path, "--config", "pyproject.toml")
    assert result.errors == ["pyproject.toml:1:1: error: no [tool.codegen] table"]


def test_unknown_keys_are_errors_at_their_line(tmp_path: Path) -> None:
    text = '[project]\nname = "x"\n\n[tool.codegen]\nschema = "schema"\nqueries = "queries"\nemit_json = true\n' \
           'out = "gen"\n  packages = []\n'
    found = config_errors(tmp_path, text)
    path = tmp_path / "pyproject.toml"
    assert [e.split(" (known")[0] for e in found] == [
        f"{path}:7:1: error: unknown key 'emit_json' in [tool.codegen]",
        f"{path}:9:1: error: unknown key 'packages' in [tool.codegen]",
    ]


@pytest.mark.parametrize("line, message", [
    ('engine = "mysql"', "unknown engine 'mysql' (known: sqlite, postgresql)"),
    ("engine = 3", "unknown engine 3 (known: sqlite, postgresql)"),
    ('async = "yes"', "'async' must be true or false"),
    ('out = ""', "'out' must be a folder path"),
    ("out = 1", "'out' must be a folder path"),
])
def test_invalid_values_name_their_line(tmp_path: Path, line: str, message: str) -> None:
    key = line.split(" =")[0]
    text = "\n".join(x for x in OK.splitlines() if not x.startswith(key + " ")) + "\n" + line + "\n"
    found = config_errors(tmp_path, text)
    lineno = text.splitlines().index(line) + 1
    assert found == [f"{tmp_path / 'pyproject.toml'}:{lineno}:1: error: {message}"]


def test_a_key_after_blank_lines_is_reported_at_its_own_line(tmp_path: Path) -> None:
    text = '[tool.codegen]\nschema = "schema"\nqueries = "queries"\n\n# the engine\n\nengine = "mysql"\n'
    found = config_errors(tmp_path, text)
    assert found == [f"{tmp_path / 'pyproject.toml'}:7:1: error: unknown engine 'mysql' (known: sqlite, postgresql)"]


def test_paths_that_match_nothing(tmp_path: Path) -> None:
    text = '[tool.codegen]\nschema = ["schema", "migrations/*.sql"]\nqueries = "sql/queries"\nout = "gen"\n'
    found = config_errors(tmp_path, text)
    path = tmp_path / "pyproject.toml"
    assert found == [f"{path}:2:1: error: schema path 'migrations/*.sql' matches nothing",
                     f"{path}:3:1: error: queries path 'sql/queries' matches nothing"]


@pytest.mark.parametrize("value", ["[]", "3", '["a", 1]'])
def test_schema_must_be_paths(tmp_path: Path, value: str) -> None:
    found = config_errors(tmp_path, OK.replace('schema = "schema"', f"schema = {value}"))
    assert found == [f"{tmp_path / 'pyproject.toml'}:2:1: error: 'schema' must be a path, a glob or a list of them"]


def test_missing_required_keys(tmp_path: Path) -> None:
    found = config_errors(tmp_path, '[tool.codegen]\nout = "gen"\n')
    assert sorted(e.split(": error: ")[1] for e in found) == [
        "missing key 'queries': the query files to read (a path, a glob or a list of them)",
        "missing key 'schema': the migrations to read (a path, a glob or a list of them)"]


def test_invalid_overrides(tmp_path: Path) -> None:
    text = OK + '\n[[tool.codegen.overrides]]\ncolumn = "nodot"\npython_type = "pathlib.Path"\n'
    found = config_errors(tmp_path, text)
    assert len(found) == 1 and "override column 'nodot' must be written table.column" in found[0]
    assert found[0].startswith(f"{tmp_path / 'pyproject.toml'}:")


def test_invalid_toml_names_the_line_and_column(tmp_path: Path) -> None:
    text = '[tool.codegen]\nschema = "schema"\nqueries = queries\nout = "gen"\n'
    found = config_errors(tmp_path, text)
    assert len(found) == 1
    assert found[0].startswith(f"{tmp_path / 'pyproject.toml'}:3:11: error: invalid TOML")


def test_every_config_error_is_reported_at_once_and_nothing_is_written(tmp_path: Path) -> None:
    project(tmp_path, '[tool.codegen]\nengine = "oracle"\nschema = "nope"\nqueries = "queries"\nout = "gen"\n'
                      'colour = "blue"\n')
    result = run_cli(tmp_path)
    assert result.code == 1 and "Traceback" not in result.stderr
    assert len(result.errors) == 3
    assert result.stderr.splitlines()[-1] == "codegen: 3 error(s); nothing written"
    assert read_tree(tmp_path / "gen") == {}
