"""Input checked where it is read, located where it was written (issue 15, symptoms 3, 4, 13-16):
overrides, NUL bytes, verify's sandbox, a closed pipe, --check's exit codes, config messages."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from _support import REPO, make_project, run_cli, write_files

SCHEMA = {"1.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"}
QUERIES = {"t.sql": "-- name: GetT :one\nSELECT id, name FROM t WHERE id = ?;\n"}


def _override(root: Path, python_type: str) -> None:
    write_files(root, {"pyproject.toml": '[tool.codegen]\nschema = "schema"\nqueries = "queries"\nout = "gen"\n'
                                         "async = false\n"
                                         f"overrides = [{{column = \"t.name\", python_type = '{python_type}'}}]\n"})


@pytest.mark.parametrize("python_type", ["a..b", "str[]", "models.T", "typing.Literal[a]", "__import__",
                                         "list[no_such_module_here.Thing]", "no_such_module_here.Thing", "int(1)",
                                         "_runtime.Rows", "typing.Literal[1.5]"])
def test_an_override_that_is_no_type_is_refused_where_it_is_written(tmp_path: Path, python_type: str) -> None:
    root = make_project(tmp_path / "p", SCHEMA, QUERIES)
    _override(root, python_type)
    result = run_cli(root)
    assert result.code == 1 and "Traceback" not in result.stderr
    assert result.errors and all(e.startswith(f"{root / 'pyproject.toml'}:6:1: error: override python_type")
                                 for e in result.errors), result.stderr
    assert not (root / "gen").exists()


# a type of several modules is imported from each (list[pathlib.Path], as array_agg of a Path column reads)
@pytest.mark.parametrize("python_type", ["pathlib.Path", "list[int]", "dict[str, int]", 'typing.Literal["x", "y"]',
                                         "pathlib.PurePosixPath | None", "collections.abc.Sequence[str]",
                                         "list[pathlib.Path]", "dict[str, decimal.Decimal] | uuid.UUID"])
def test_a_type_expression_override_generates_a_package_that_imports(tmp_path: Path, python_type: str) -> None:
    root = make_project(tmp_path / "p", SCHEMA, QUERIES)
    _override(root, python_type)
    result = run_cli(root)
    assert result.code == 0, result.stderr
    check = subprocess.run([sys.executable, "-c", "import gen.queries.t, gen.models"], cwd=root, capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stderr


def test_a_nul_byte_in_a_doc_comment_is_located_in_the_sql_file(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", SCHEMA, {"t.sql": b"-- Finds \x00 one.\n-- name: GetT :one\n"
                                                           b"SELECT id FROM t WHERE id = ?;\n".decode()})
    result = run_cli(root)
    assert (result.code, result.errors) == (1, ["queries/t.sql:1:10: error: file holds a NUL byte"]), result.stderr
    assert not (root / "gen").exists()


@pytest.mark.parametrize("statement", ["ATTACH '{other}' AS v;\nDELETE FROM v.important;",
                                       "VACUUM INTO '{other}-copy';", "DETACH v;",
                                       "SELECT load_extension('{other}');"])
def test_verify_keeps_to_its_in_memory_database(tmp_path: Path, statement: str) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE important (x)")
    conn.execute("INSERT INTO important VALUES (1)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    migration = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n" + statement.format(other=other) + "\n"
    root = make_project(tmp_path / "p", {"1.sql": migration}, QUERIES)
    result = run_cli(root, "verify")
    assert result.code == 1 and "Traceback" not in result.stderr
    assert result.errors and result.errors[0].startswith("schema/1.sql:2:1: error: verify refuses "), result.stderr
    assert other.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["other.db", "p"]


def test_describe_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", SCHEMA, QUERIES)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "codegen", "describe"], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # `| head -0`: the reader is gone before the first line
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert stderr == "" and proc.returncode in (0, 141)


def test_check_tells_stale_from_broken(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", SCHEMA, QUERIES)
    assert run_cli(root, "--check").code == 1  # stale: no package yet
    assert run_cli(root).code == 0 and run_cli(root, "--check").code == 0
    (root / "queries" / "t.sql").write_text("-- name: GetT :one\nSELECT nope FROM t;\n")
    broken = run_cli(root, "--check")
    assert broken.code == 2 and broken.errors, broken.stderr
    (root / "pyproject.toml").write_text("[tool.codegen\n")
    assert run_cli(root, "--check").code == 2


def test_a_missing_key_is_named(tmp_path: Path) -> None:
    write_files(tmp_path, {"pyproject.toml": "[project]\nname = 'x'\n\n[tool.codegen]\n"})
    result = run_cli(tmp_path)
    assert result.code == 1
    assert result.errors == [f"{tmp_path / 'pyproject.toml'}:4:1: error: missing key 'queries': the query files to read "
                             "(a path, a glob or a list of them)",
                             f"{tmp_path / 'pyproject.toml'}:4:1: error: missing key 'schema': the migrations to read "
                             "(a path, a glob or a list of them)"], result.stderr


def test_no_config_is_reported_against_the_folder_searched_with_a_hint(tmp_path: Path) -> None:
    result = run_cli(tmp_path)
    assert result.code == 1
    [error] = result.errors
    assert error.startswith(f"{tmp_path}: error: no pyproject.toml") and "init" in error and "--config" in error
    assert not (tmp_path / "pyproject.toml").exists()
