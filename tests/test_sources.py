"""Finding schema and query files, ordering migrations, keeping only their up sections."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from _support import run_cli, write_files
from codegen import pipeline
from codegen.config import Config, load_config
from codegen.errors import CodegenError
from codegen.sources import keep_up_sections, migration_order, query_files, schema_files


def _config(root: Path, schema: str, queries: str = '"queries"') -> Config:
    write_files(root, {"pyproject.toml": f"[tool.codegen]\nschema = {schema}\nqueries = {queries}\nout = \"gen\"\n"})
    (root / "queries").mkdir(exist_ok=True)
    return load_config(root / "pyproject.toml", root)


def _names(files: list) -> list[str]:  # type: ignore[type-arg]
    return [f.path for f in files]


# -- ordering ------------------------------------------------------------------------------

def test_migration_order_is_numeric_then_by_name() -> None:
    names = ["10_add_email.sql", "9_create_users.sql", "init.sql", "002_b.sql", "2_a.sql", "1_first.sql",
             "100_late.sql", "20240101120000_goose.sql", "a_named.sql"]
    ordered = [p.name for p in sorted((Path(n) for n in names), key=migration_order)]
    assert ordered == ["1_first.sql", "002_b.sql", "2_a.sql", "9_create_users.sql", "10_add_email.sql",
                       "100_late.sql", "20240101120000_goose.sql", "a_named.sql", "init.sql"]


def test_schema_folder_runs_10_after_9(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "schema/9_users.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY);",
        "schema/10_email.sql": "ALTER TABLE users ADD COLUMN email TEXT;",
        "schema/1_base.sql": "CREATE TABLE base (id INTEGER);",
    })
    config = _config(tmp_path, '"schema"')
    assert _names(schema_files(config)) == ["schema/1_base.sql", "schema/9_users.sql", "schema/10_email.sql"]
    # ...and the catalog builds, which it could not if 10 ran first.
    state = pipeline.build_schema(config)
    assert [c.name for c in state.find(None, "users").columns] == ["id", "email"]  # type: ignore[union-attr]


def test_golang_migrate_down_files_are_skipped(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "migrations/000001_init.up.sql": "CREATE TABLE t (id INTEGER);",
        "migrations/000001_init.down.sql": "DROP TABLE t;",
        "migrations/000002_more.up.sql": "ALTER TABLE t ADD COLUMN x TEXT;",
        "migrations/000002_more.down.sql": "ALTER TABLE t DROP COLUMN x;",
        "migrations/README.md": "not sql",
        "migrations/old/000000_ignored.sql": "this is not even SQL",
    })
    config = _config(tmp_path, '"migrations"')
    assert _names(schema_files(config)) == ["migrations/000001_init.up.sql", "migrations/000002_more.up.sql"]


def test_glob_and_list_entries_keep_their_order_without_duplicates(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "base.sql": "CREATE TABLE a (id INTEGER);",
        "schema/2_b.sql": "CREATE TABLE b (id INTEGER);",
        "schema/1_c.sql": "CREATE TABLE c (id INTEGER);",
    })
    config = _config(tmp_path, '["base.sql", "schema/*.sql", "schema/1_c.sql"]')
    assert _names(schema_files(config)) == ["base.sql", "schema/1_c.sql", "schema/2_b.sql"]


def test_query_folders_are_searched_recursively_in_path_order(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "schema.sql": "CREATE TABLE t (id INTEGER);",
        "queries/b.sql": "-- name: B :exec\nDELETE FROM t;",
        "queries/a.sql": "-- name: A :exec\nDELETE FROM t;",
        "queries/sub/c.sql": "-- name: C :exec\nDELETE FROM t;",
        "queries/notes.txt": "not a query file",
    })
    config = _config(tmp_path, '"schema.sql"')
    assert _names(query_files(config)) == ["queries/a.sql", "queries/b.sql", "queries/sub/c.sql"]


def test_query_files_of_one_name_in_two_folders_get_modules_named_after_their_paths(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "schema.sql": "CREATE TABLE t (id INTEGER);",
        "queries/query.sql": "-- name: A :exec\nDELETE FROM t;",
        "queries/admin/query.sql": "-- name: B :exec\nDELETE FROM t;",
        "queries/other.sql": "-- name: C :exec\nDELETE FROM t;",
        "pyproject.toml": '[tool.codegen]\nschema = "schema.sql"\nqueries = "queries"\nout = "gen"\n',
    })
    result = run_cli(tmp_path)
    assert result.code == 0, result.stderr
    modules = sorted(p.name for p in (tmp_path / "gen" / "queries").glob("*.py"))
    assert modules == ["__init__.py", "other.py", "queries_admin_query.py", "queries_query.py"]
    assert "def b(" in (tmp_path / "gen" / "queries" / "queries_admin_query.py").read_text()


def test_module_names_that_still_clash_are_a_located_error(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "schema.sql": "CREATE TABLE t (id INTEGER);",
        "queries/a_b/q.sql": "-- name: A :exec\nDELETE FROM t;",
        "queries/a/b/q.sql": "-- name: B :exec\nDELETE FROM t;",
        "pyproject.toml": '[tool.codegen]\nschema = "schema.sql"\nqueries = "queries"\nout = "gen"\n',
    })
    result = run_cli(tmp_path)
    assert result.code == 1
    assert re.search(r"queries/a_b/q\.sql:1:1: error: query file name gives module 'queries_a_b_q', as does "
                     r"queries/a/b/q\.sql", result.stderr), result.stderr
    assert not (tmp_path / "gen").exists()


# -- reading -------------------------------------------------------------------------------

def test_crlf_bom_and_lone_cr_are_normalised(tmp_path: Path) -> None:
    write_files(tmp_path, {"schema/1.sql": b"\xef\xbb\xbfCREATE TABLE a (id INTEGER);\r\nCREATE TABLE b (x TEXT);\r"
                                           b"CREATE TABLE c (y TEXT);"})
    config = _config(tmp_path, '"schema"')
    [source] = schema_files(config)
    assert source.text == "CREATE TABLE a (id INTEGER);\nCREATE TABLE b (x TEXT);\nCREATE TABLE c (y TEXT);"


def test_error_positions_in_a_crlf_file_with_bom(tmp_path: Path) -> None:
    write_files(tmp_path, {"schema/1.sql": b"\xef\xbb\xbfDROP TABLE nope;\r\n\r\n  DROP TABLE other;\r\n"})
    config = _config(tmp_path, '"schema"')
    with pytest.raises(CodegenError) as info:
        pipeline.build_schema(config)
    assert [str(d) for d in info.value.diagnostics] == ["schema/1.sql:1:12: error: no such table: nope",
                                                        "schema/1.sql:3:14: error: no such table: other"]


def test_invalid_utf8_is_a_located_error(tmp_path: Path) -> None:
    write_files(tmp_path, {"schema/1.sql": b"CREATE TABLE a (id INTEGER);\n-- caf\xe9\n"})
    config = _config(tmp_path, '"schema"')
    with pytest.raises(CodegenError) as info:
        schema_files(config)
    assert [str(d) for d in info.value.diagnostics] == ["schema/1.sql:2:7: error: file is not valid UTF-8"]


# -- up and down sections --------------------------------------------------------------------

GOOSE = """-- +goose Up
CREATE TABLE users (id INTEGER PRIMARY KEY);
-- +goose StatementBegin
CREATE TRIGGER t AFTER INSERT ON users BEGIN
  SELECT 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE users;
CREATE TABLE gone (x INTEGER);
"""

DBMATE = """-- migrate:up
CREATE TABLE tags (id INTEGER PRIMARY KEY);

-- migrate:down
DROP TABLE tags;
"""


def _same_layout(a: str, b: str) -> bool:
    """Same length and newlines in the same places: every offset keeps its line and column."""
    return len(a) == len(b) and [m.start() for m in re.finditer("\n", a)] == [m.start() for m in re.finditer("\n", b)]


@pytest.mark.parametrize("text, kept, dropped", [
    (GOOSE, ["CREATE TABLE users", "CREATE TRIGGER t", "-- +goose StatementBegin"], ["DROP TABLE", "gone"]),
    (DBMATE, ["CREATE TABLE tags"], ["DROP TABLE tags"]),
    (GOOSE.replace("+goose Up", "+goose up").replace("+goose Down", "+goose DOWN"), ["CREATE TABLE users"],
     ["DROP TABLE"]),
])
def test_down_sections_are_blanked_keeping_positions(text: str, kept: list[str], dropped: list[str]) -> None:
    up = keep_up_sections(text)
    assert _same_layout(up, text)
    for part in kept:
        assert up.index(part) == text.index(part)
    for part in dropped:
        assert part not in up


def test_alternating_sections() -> None:
    text = ("-- +goose Up\nCREATE TABLE a (x INT);\n-- +goose Down\nDROP TABLE a;\n"
            "-- +goose Up\nCREATE TABLE b (y INT);\n-- +goose Down\nDROP TABLE b;\n")
    up = keep_up_sections(text)
    assert _same_layout(up, text)
    assert "CREATE TABLE a" in up and "CREATE TABLE b" in up and "DROP" not in up


def test_plain_files_are_unchanged() -> None:
    text = "CREATE TABLE a (x INT);\n-- goose Down is only a marker at the start of a comment line\nDROP TABLE b;\n"
    assert keep_up_sections(text) == text


def test_error_after_a_down_section_keeps_its_line(tmp_path: Path) -> None:
    text = ("-- +goose Down\nDROP TABLE users;\n\n-- +goose Up\nCREATE TABLE users (id INTEGER);\n"
            "ALTER TABLE users DROP COLUMN nope;\n")
    write_files(tmp_path, {"schema/001_users.sql": text})
    config = _config(tmp_path, '"schema"')
    with pytest.raises(CodegenError) as info:
        pipeline.build_schema(config)
    assert [str(d) for d in info.value.diagnostics] == [
        "schema/001_users.sql:6:31: error: no such column: 'nope' in table 'users'"]


def test_goose_file_builds_only_the_up_schema(tmp_path: Path) -> None:
    write_files(tmp_path, {"schema/001_users.sql": GOOSE})
    config = _config(tmp_path, '"schema"')
    state = pipeline.build_schema(config)
    assert state.find(None, "users") is not None
    assert state.find(None, "gone") is None
