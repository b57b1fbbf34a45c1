"""Located warnings for what ends up typing.Any (parameters, result columns, unknown functions),
exit status 0; `--strict` and `strict = true` make them errors and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import REPO, make_project, read_tree, run_cli, run_subprocess

from codegen.engines.sqlite.functions import RULES

SCHEMA = {"1.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, doc JSON, path TEXT);\n"}
QUERIES = {"t.sql": """\
-- name: Typed :many
SELECT id, name, doc, upper(name) AS shout FROM t WHERE id = ?;

-- name: Loose :one
SELECT frobnicate(name) AS f, ? AS what, path FROM t WHERE name = ?;
"""}
EXPECTED = [  # in file order, each where the thing it names is written
    "queries/t.sql:5:8: warning: query Loose: unknown function frobnicate(): its result is typing.Any "
    "(add a CAST, or it is misspelt)",
    "queries/t.sql:5:28: warning: query Loose: result column 'f' is typing.Any: its type cannot be inferred "
    "(a CAST would give it one)",
    "queries/t.sql:5:31: warning: query Loose: parameter 'arg1' is typing.Any: nothing in the query gives it a "
    "type (a CAST or a comparison with a column would)",
    "queries/t.sql:5:36: warning: query Loose: result column 'what' is typing.Any: its type cannot be inferred "
    "(a CAST would give it one)",
]
# An override is a type, and JSON is typing.Any by choice: neither warns.
OVERRIDE = '[[tool.codegen.overrides]]\ncolumn = "t.path"\npython_type = "pathlib.Path"'


def test_warnings_are_located_printed_and_the_run_succeeds(tmp_path: Path) -> None:
    make_project(tmp_path, SCHEMA, QUERIES)
    first = run_cli(tmp_path)
    assert first.code == 0, first.stderr
    assert first.stderr.splitlines() == EXPECTED
    assert (tmp_path / "gen" / "queries" / "t.py").is_file()
    again = run_cli(tmp_path)  # from the run cache: the same warnings, nothing rewritten
    assert (again.code, again.stderr.splitlines()) == (0, EXPECTED) and "up to date" in again.stdout
    checked = run_cli(tmp_path, "--check")
    assert (checked.code, checked.stderr.splitlines()) == (0, EXPECTED)


def test_strict_flag_and_strict_key_make_warnings_errors_and_write_nothing(tmp_path: Path) -> None:
    errors = [line.replace(": warning: ", ": error: ") for line in EXPECTED]
    flagged = tmp_path / "flag"
    make_project(flagged, SCHEMA, QUERIES)
    result = run_cli(flagged, "--strict")
    assert result.code == 1 and sorted(result.errors) == sorted(errors), result.stderr
    assert not (flagged / "gen").exists()
    keyed = tmp_path / "key"
    make_project(keyed, SCHEMA, QUERIES, extra="strict = true")
    result = run_cli(keyed)
    assert result.code == 1 and sorted(result.errors) == sorted(errors), result.stderr
    assert not (keyed / "gen").exists()
    # A typed project passes under strict.
    typed = tmp_path / "typed"
    make_project(typed, SCHEMA, {"t.sql": QUERIES["t.sql"].split("-- name: Loose")[0]}, extra="strict = true")
    result = run_cli(typed)
    assert (result.code, result.stderr) == (0, "")


def test_strict_keeps_an_existing_package_untouched(tmp_path: Path) -> None:
    make_project(tmp_path, SCHEMA, {"t.sql": QUERIES["t.sql"].split("-- name: Loose")[0]})
    assert run_cli(tmp_path).code == 0
    before = read_tree(tmp_path / "gen")
    (tmp_path / "queries" / "t.sql").write_text(QUERIES["t.sql"])
    assert run_cli(tmp_path, "--strict").code == 1
    assert read_tree(tmp_path / "gen") == before


def test_an_override_silences_the_column_warning(tmp_path: Path) -> None:
    make_project(tmp_path, {"1.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY, blob_of_anything);\n"},
                 {"t.sql": "-- name: Get :many\nSELECT blob_of_anything FROM t;\n"})
    untyped = run_cli(tmp_path)
    assert untyped.stderr.splitlines() == [
        "queries/t.sql:2:8: warning: query Get: result column 'blob_of_anything' is typing.Any: its type cannot "
        "be inferred (a CAST would give it one)"]
    (tmp_path / "pyproject.toml").write_text((tmp_path / "pyproject.toml").read_text()
                                             + '[[tool.codegen.overrides]]\ncolumn = "t.blob_of_anything"\n'
                                               'python_type = "bytes"\n')
    overridden = run_cli(tmp_path)
    assert (overridden.code, overridden.stderr) == (0, "")


def test_postgres_untyped_parameter_and_column_warn(tmp_path: Path) -> None:
    make_project(tmp_path, {"1.sql": "CREATE TABLE t (id bigint PRIMARY KEY);\n"},
                 {"t.sql": "-- name: Echo :one\nSELECT $1 AS echoed, id FROM t;\n"}, engine="postgresql")
    result = run_cli(tmp_path)
    assert result.code == 0
    assert result.stderr.splitlines() == [
        "queries/t.sql:2:8: warning: query Echo: parameter 'arg1' is typing.Any: nothing in the query gives it "
        "a type (a CAST or a comparison with a column would)",
        "queries/t.sql:2:14: warning: query Echo: result column 'echoed' is typing.Any: its type cannot be "
        "inferred (a CAST would give it one)"]


def test_this_repository_generates_without_warnings() -> None:
    result = run_subprocess(REPO, "--check")
    assert (result.code, result.stderr) == (0, "")


_NAMES = st.from_regex(r"[a-z][a-z_]{2,12}", fullmatch=True).filter(lambda n: n.upper() not in RULES)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=_NAMES, indent=st.integers(0, 6), before=st.integers(0, 3), line=st.integers(0, 3))
def test_unknown_function_warning_points_at_the_call(tmp_path_factory: pytest.TempPathFactory, name: str, indent: int,
                                                     before: int, line: int) -> None:
    root = tmp_path_factory.mktemp("warn")
    columns = ", ".join(["id"] * before + [f"{name}(id) AS v"])
    sql = "-- name: Q :many\n" + "\n" * line + "SELECT" + " " * (indent + 1) + columns + " FROM t;\n"
    make_project(root, {"1.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY);\n"}, {"q.sql": sql})
    result = run_cli(root)
    assert result.code == 0, result.stderr
    call_line = 2 + line
    call_col = len("SELECT") + indent + 2 + len("id, ") * before
    assert (f"queries/q.sql:{call_line}:{call_col}: warning: query Q: unknown function {name}(): its result is "
            "typing.Any (add a CAST, or it is misspelt)") in result.stderr.splitlines()
