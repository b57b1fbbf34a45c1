"""Names from SQL never shadow what generated code relies on (symptoms 1-2 of issue 15): a query
named like a module the file imports, or a table whose name Python normalises (NFKC) to `str`,
gives a package that imports, passes mypy --strict and runs its own SQL."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from _support import generate, import_module, imported

SCHEMA = """
CREATE TABLE "𝐬tr" (id INTEGER PRIMARY KEY, "typing" TEXT NOT NULL, "datetime" TIMESTAMP, "str" TEXT,
                    "int" INTEGER, "models" TEXT, "decimal" DECIMAL, "list" TEXT, "conn" TEXT);
CREATE TABLE "𝐭yping" (id INTEGER PRIMARY KEY, "ｄatetime" TEXT);
CREATE TABLE exceptions (id INTEGER PRIMARY KEY, at DATETIME);
"""
# One query named after each module a generated query module imports, and a few builtins.
QUERIES = """
-- name: Typing :one
SELECT * FROM "𝐬tr" WHERE id = ?;
-- name: Sqlite3 :many
SELECT "typing", "datetime", "str" FROM "𝐬tr" WHERE "typing" = @typing AND "models" = @models
  AND "list" = @list AND "int" = @int AND "str" = @str;
-- name: Models :exec
UPDATE "𝐬tr" SET "decimal" = @decimal WHERE id IN (sqlc.slice(list));
-- name: Datetime :one
SELECT at FROM exceptions WHERE id = ?;
-- name: Aiosqlite :one
SELECT count(*) FROM exceptions;
-- name: Decimal :execlastid
INSERT INTO "𝐬tr" ("typing", "datetime", "decimal") VALUES (@typing, @datetime, @decimal);
-- name: List :many
SELECT id, "list" FROM "𝐬tr" WHERE "typing" = ?;
-- name: Str :one
SELECT * FROM "𝐭yping" WHERE id = ?;
-- name: Int :execrows
DELETE FROM exceptions WHERE at < @datetime;
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("names")
    return generate(root, {"1.sql": SCHEMA}, {"q.sql": QUERIES}, emit_async=True)


def test_no_module_level_name_shadows_an_import_or_a_builtin(package: Path) -> None:
    import ast
    import builtins

    for module in ("models.py", "queries/q.py", "aio/q.py"):
        tree = ast.parse((package / module).read_text())
        imported_names = {alias.asname or alias.name for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
                          for alias in node.names}
        defined = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        assert not defined & (imported_names | set(dir(builtins))), module


def test_the_package_imports_type_checks_and_runs(package: Path, tmp_path: Path) -> None:
    import datetime
    import decimal

    mypy = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir",
                           str(tmp_path / ".mypy_cache"), str(package)], capture_output=True, text=True)
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
    conn = sqlite3.connect(tmp_path / "db.sqlite")
    conn.executescript(SCHEMA)
    with imported(package) as pkg:
        q = import_module(pkg, "queries.q")
        models = import_module(pkg, "models")
        assert [f for f in ("typing_", "sqlite3_", "models_", "datetime_", "aiosqlite_", "decimal_", "list_", "str_",
                            "int_") if not callable(getattr(q, f, None))] == []
        new_id = q.decimal_(conn, typing="t", datetime=datetime.datetime(2026, 1, 2, 3, 4, 5),
                            decimal=decimal.Decimal("1.50"))
        row = q.typing_(conn, id=new_id)
        assert isinstance(row, models.Str) and row.typing_ == "t" and row.decimal_ == decimal.Decimal("1.50")
        assert row.datetime_ == datetime.datetime(2026, 1, 2, 3, 4, 5)
        q.models_(conn, decimal=decimal.Decimal("2"), list_=[new_id])
        assert q.typing_(conn, id=new_id).decimal_ == decimal.Decimal("2")  # type: ignore[union-attr]
        assert q.list_(conn, typing="t")[0].id == new_id
        assert q.sqlite3_(conn, typing="t", models=None, list_=None, int=None, str=None) == []
        assert q.aiosqlite_(conn) == 0 and q.datetime_(conn, id=1) is None and q.str_(conn, id=1) is None
        assert q.int_(conn, datetime=datetime.datetime(2030, 1, 1)) == 0
        fields = getattr(models.Typing, "model_fields", None) or models.Typing._fields  # model or tuple rows
        assert tuple(fields) == ("id", "datetime_")  # "ｄatetime" is datetime to Python


def test_identifiers_are_compared_after_nfkc(tmp_path: Path) -> None:
    """`𝐬tr` and `str` are one identifier to Python: two tables so named get two distinct models."""
    from codegen.python import naming

    assert naming.model_names(["𝐬tr", "str"]) == ["Str", "Str_2"]
    assert naming.model_names(["𝐞xception", "ｔyping"]) == ["Exception_", "Typing"]
    assert [naming.function_name(naming.snake(q), set()) for q in ("𝐓yping", "Aiosqlite", "Print")] == \
        ["typing_", "aiosqlite_", "print_"]
    assert naming.field_names(["𝐬tr", "ｉnt", "typing", "count"]) == ["str_", "int_", "typing_", "count_"]


def test_a_query_file_named_in_another_script_gives_its_module(tmp_path: Path) -> None:
    """µ.sql gives queries/μ.py (NFKC): a module name in any script is a file codegen writes."""
    out = generate(tmp_path, {"1.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY);\n"},
                   {"µ.sql": "-- name: CountT :one\nSELECT count(*) FROM t;\n", "表.sql": "-- name: GetT :one\n"
                    "SELECT id FROM t WHERE id = ?;\n"})
    assert sorted(p.name for p in (out / "queries").glob("*.py")) == ["__init__.py", "μ.py", "表.py"]


def test_a_file_name_cannot_write_a_line_of_code_into_the_package(tmp_path: Path) -> None:
    """A query file named `a<newline>import os; os.system(...)<newline>#.sql` once put that line
    into the generated modules, right below their header comment: importing them ran it."""
    name = "a\nimport os; os.system('touch PWNED')\n#.sql"
    out = generate(tmp_path, {"1.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY);\n"},
                   {name: "-- name: CountT :one\nSELECT count(*) FROM t;\n"}, emit_async=True)
    modules = sorted(out.rglob("*.py"))
    # (the migration runner's modules import os themselves: the injected line is what must not appear)
    assert all("\nimport os; os.system" not in p.read_text() for p in modules)
    result = subprocess.run([sys.executable, "-c", "import gen.queries, gen.aio"], cwd=tmp_path, capture_output=True,
                            text=True)
    assert result.returncode == 0 and not (tmp_path / "PWNED").exists(), result.stderr


def test_an_argument_never_shadows_the_sql_constant_its_function_sends(tmp_path: Path) -> None:
    """A query named False sends FALSE; an argument named after a column "FALSE" must not hide it
    (found by the property suite: `conn.execute(FALSE, (FALSE,))` sent the argument as the SQL)."""
    schema = 'CREATE TABLE t (id INTEGER PRIMARY KEY, "FALSE" INTEGER, "GET_T_SORTS" INTEGER);\n'
    queries = ('-- name: False :exec\nINSERT INTO t ("FALSE") VALUES (?);\n'
               '-- name: GetT :one\nSELECT * FROM t WHERE "GET_T_SORTS" = ? OR "FALSE" = ?;\n')
    package = generate(tmp_path, {"1.sql": schema}, {"q.sql": queries}, emit_async=False)
    conn = sqlite3.connect(tmp_path / "db.sqlite")
    conn.executescript(schema)
    with imported(package) as pkg:
        module = import_module(pkg, "queries.q")
        module.false(conn, FALSE_=7)
        assert conn.execute('SELECT "FALSE" FROM t').fetchall() == [(7,)]
        assert module.get_t(conn, GET_T_SORTS_=None, FALSE_=7) is not None


def test_a_migration_file_name_is_data_in_the_migrations_module(tmp_path: Path) -> None:
    """The generated package carries the migrations (name, text, checksum): a migration file whose
    name holds a newline and a line of code is a string there, never a line that runs on import."""
    payload = "\nimport os; os.system('touch PWNED')\n#"
    out = generate(tmp_path, {"1_a.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY);\n",
                              f"2_b{payload}.sql": "CREATE TABLE u (id INTEGER PRIMARY KEY);\n"},
                   {"q.sql": "-- name: CountT :one\nSELECT count(*) FROM t;\n"})
    lines = [line for p in sorted(out.rglob("*.py")) for line in p.read_text().splitlines()]
    assert not any(line.startswith("import os;") for line in lines)
    result = subprocess.run([sys.executable, "-c", "import gen.migrations, gen.queries"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 0 and not (tmp_path / "PWNED").exists(), result.stderr
