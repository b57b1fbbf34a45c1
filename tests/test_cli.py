"""The command line: describe, exit codes, and what a run may and may not touch on disk."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from _support import make_project, read_tree, run_cli, run_subprocess, write_files

SCHEMA = {"1.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, kind TEXT NOT NULL CHECK (kind IN ('a', 'b')));\n"}
QUERIES = {"t.sql": "-- Find them.\n-- name: FindT :many\nSELECT id, name FROM t WHERE kind = ? AND id IN (sqlc.slice(ids));\n"}


def test_describe_prints_the_analysis_as_json(tmp_path: Path) -> None:
    make_project(tmp_path, SCHEMA, QUERIES)
    result = run_cli(tmp_path, "describe")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["engine"] == "sqlite"
    assert data["tables"] == [{"name": "t", "model": "T", "view": False, "columns": [
        {"name": "id", "sql_type": "INTEGER", "py_type": "int", "nullable": False},
        {"name": "name", "sql_type": "TEXT", "py_type": "str", "nullable": True},
        {"name": "kind", "sql_type": "TEXT", "py_type": "typing.Literal['a', 'b']", "nullable": False}]}]
    [query] = data["queries"]
    assert {k: query[k] for k in ("name", "function", "command", "file", "line", "doc")} == {
        "name": "FindT", "function": "find_t", "command": "many", "file": "queries/t.sql", "line": 2,
        "doc": "Find them."}
    assert query["params"] == [
        {"name": "kind", "py_type": "typing.Literal['a', 'b']", "nullable": False, "slice": False},
        {"name": "ids", "py_type": "int", "nullable": False, "slice": True}]
    assert query["columns"] == [{"name": "id", "py_type": "int", "nullable": False},
                                {"name": "name", "py_type": "str", "nullable": True}]
    assert not (tmp_path / "gen").exists()


def test_describe_reports_errors_like_generate(tmp_path: Path) -> None:
    make_project(tmp_path, SCHEMA, {"t.sql": "-- name: Bad :many\nSELECT nope FROM t;\n"})
    result = run_cli(tmp_path, "describe")
    assert (result.code, result.stdout) == (1, "")
    assert result.errors == ["queries/t.sql:2:8: error: query Bad: no such column: nope"]


def test_subprocess_exit_codes_and_streams(tmp_path: Path) -> None:
    make_project(tmp_path, SCHEMA, QUERIES)
    first = run_subprocess(tmp_path)
    assert first.code == 0 and first.stderr == "" and "added: gen/queries/t.py" in first.stdout
    check = run_subprocess(tmp_path, "--check")
    assert (check.code, check.stdout, check.stderr) == (0, "", "")
    usage = run_subprocess(tmp_path, "--no-such-flag")
    assert usage.code == 2 and "usage:" in usage.stderr and "Traceback" not in usage.stderr


def test_out_folder_gets_ordinary_permissions(tmp_path: Path) -> None:
    """The package is staged in a temporary folder; it must not keep mkdtemp's private 0700 mode."""
    make_project(tmp_path, SCHEMA, QUERIES)
    assert run_cli(tmp_path).code == 0
    (tmp_path / "plain").mkdir()
    expected = stat.S_IMODE((tmp_path / "plain").stat().st_mode)
    assert stat.S_IMODE((tmp_path / "gen").stat().st_mode) == expected
    assert stat.S_IMODE((tmp_path / "gen" / "queries").stat().st_mode) == expected


def test_an_out_path_that_is_a_file_is_an_error_and_is_left_alone(tmp_path: Path) -> None:
    make_project(tmp_path, SCHEMA, QUERIES)
    (tmp_path / "gen").write_text("not a folder\n")
    result = run_cli(tmp_path)
    assert result.code == 1 and "Traceback" not in result.stderr
    assert (tmp_path / "gen").read_text() == "not a folder\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("gen")) == ["gen"]


def test_out_set_to_the_project_folder_never_deletes_user_code(tmp_path: Path) -> None:
    """`out = "."` would make the project folder the package: the run must refuse (or at least keep
    every file it did not generate), never delete the user's modules."""
    make_project(tmp_path, SCHEMA, QUERIES, out=".")
    write_files(tmp_path, {"app.py": "print('my app')\n", "src/lib.py": "X = 1\n"})
    run_cli(tmp_path)
    assert (tmp_path / "app.py").read_text() == "print('my app')\n"
    assert (tmp_path / "src" / "lib.py").read_text() == "X = 1\n"
    assert (tmp_path / "pyproject.toml").is_file() and (tmp_path / "queries" / "t.sql").is_file()


def test_output_is_deterministic_and_the_run_cache_changes_nothing(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    make_project(tmp_path / "a", SCHEMA, QUERIES)
    make_project(tmp_path / "b", SCHEMA, QUERIES)
    assert run_cli(tmp_path / "a").code == 0
    shutil.rmtree(tmp_path / "a" / "gen")
    assert run_cli(tmp_path / "a").code == 0  # from the run cache this time
    monkeypatch.setenv("CODEGEN_NO_CACHE", "1")
    assert run_cli(tmp_path / "b").code == 0
    assert read_tree(tmp_path / "a" / "gen") == read_tree(tmp_path / "b" / "gen")
    assert not (tmp_path / "b" / ".codegen-cache").exists()


def test_verify_skips_annotated_queries_kept_in_a_schema_file(tmp_path: Path) -> None:
    # Some projects list the same files as schema and queries (sqlc reads only their DDL), and
    # declare SQLite's own sqlite_master so sqlc knows it: neither is a migration to run.
    both = ("CREATE TABLE sqlite_master (type text, name text, tbl_name text, rootpage integer, sql text);\n"
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n\n"
            "-- name: AddT :exec\nINSERT INTO t (name) VALUES (@name);\n\n"
            "CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER NOT NULL);\n\n"
            "-- name: TableExists :one\n"
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = cast(@table AS text));\n\n"
            "-- name: CountU :one\nSELECT count(*) FROM u WHERE t_id = ?;\n")
    write_files(tmp_path, {"pyproject.toml": '[tool.codegen]\nschema = "both.sql"\nqueries = "both.sql"\nout = "gen"\n',
                           "both.sql": both})
    result = run_cli(tmp_path, "verify")
    assert result.code == 0, result.stderr
    assert "3 queries prepared" in result.stdout
