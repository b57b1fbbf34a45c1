"""Bugs tests/test_drawn_fuzz.py found, each pinned as a small case run through the real CLI.

- A config holding a decimal integer of more than 4300 digits (Python's guard against
  quadratic-time conversion, sys.get_int_max_str_digits) crashed every verb with a ValueError
  traceback: tomllib, PyYAML and json raise that bare ValueError, not their own decode error. So did a
  YAML scalar its constructor cannot build (`2021-02-30`, `!!int x`). Each is now a located error.
- With several targets, a later target's located error came after the earlier targets' packages
  were written ("nothing written", it said). Every target is now analysed first.
- A character Python calls whitespace but the database does not (U+2028, U+0085, a no-break space,
  \\v or \\x1c on SQLite...) between two tokens: codegen's lexer and sqlglot skipped it, the
  database reads it as part of the next name (`SELECT id,\u2028email` asks for a column
  "\u2028email") or refuses it, so the generated function failed at every call (or the catalog held
  a column the database named otherwise). Such a character is now a located error; the database
  decides which characters are blanks. SQLite skips a byte order mark (files joined with cat keep
  theirs): codegen now does too, where it refused the statement.
- An integer literal beyond 64 bits is a float on SQLite (codegen said int: a ValidationError at
  every call); a literal or a ?NNN / $NNN of thousands of digits crashed the analysis.
- A query starting with FROM (its SELECT line deleted): sqlglot reads DuckDB's FROM-first form, so
  codegen generated a function both databases refuse at every call.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from typing import Any
from pathlib import Path

import psycopg
import pytest

from _support import generate, import_module, imported, make_project, run_cli

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


# Every character Python's str.isspace() (and so sqlglot) takes as a blank, a zero-width space it
# does not, and a byte order mark (SQLite skips it; PostgreSQL reads it as part of a name).
SPACES = [chr(c) for c in range(0x3001) if chr(c).isspace()] + ["\u200b", "\ufeff"]
TABLE = {"sqlite": "CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT);",
         "postgresql": "CREATE TABLE t (id bigint PRIMARY KEY, email text);"}
QUERY = "-- name: GetEmail :one\nSELECT id,{ch}email FROM t WHERE id = {mark};\n"


def _database_takes_as_blank(engine: str, ch: str, url: str | None) -> bool:
    """The oracle: does the database itself run `SELECT id,<ch>email` as `SELECT id, email`?"""
    sql = f"SELECT id,{ch}email FROM t"
    if engine == "sqlite":
        conn = sqlite3.connect(":memory:")
        conn.execute(TABLE[engine])
        try:
            conn.execute(sql)
            return True
        except sqlite3.Error:
            return False
        finally:
            conn.close()
    with psycopg.connect(url) as conn:
        try:
            conn.execute(sql)
            return True
        except psycopg.Error:
            return False
        finally:
            conn.rollback()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_blank_only_python_sees_is_refused_where_the_database_would_misread_it(
        engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = None
    if engine == "postgresql":
        url = request.getfixturevalue("postgres_databases")("blanks")
        with psycopg.connect(url) as conn:
            conn.execute(TABLE[engine])
    refused, accepted = [], []
    for i, ch in enumerate(SPACES):
        root = tmp_path / f"c{i}"
        mark = "?" if engine == "sqlite" else "$1"
        make_project(root, {"1.sql": TABLE[engine]}, {"q.sql": QUERY.format(ch=ch, mark=mark)}, engine=engine,
                     out=f"blank{i}")
        result = run_cli(root)
        assert "Traceback" not in result.stderr
        if _database_takes_as_blank(engine, ch, url):
            assert result.code == 0, (hex(ord(ch)), result.stderr)
            accepted.append(ch)
            with imported(root / f"blank{i}") as package:
                get_email = import_module(package, "queries.q").get_email
                if engine == "sqlite":
                    conn = sqlite3.connect(":memory:")
                    conn.execute(TABLE[engine])
                    assert get_email(conn, id=1) is None  # the statement runs
                else:
                    with psycopg.connect(url) as pg:
                        assert get_email(pg, id=1) is None
        else:
            assert result.code == 1, (hex(ord(ch)), "generated a function the database cannot run")
            assert result.errors and result.errors[0].startswith("queries/q.sql:2:11: error: "), result.stderr
            assert not (root / f"blank{i}").exists()
            refused.append(ch)
    assert " " in accepted and "\u2028" in refused


def test_files_joined_with_their_byte_order_marks_read_as_sqlite_reads_them(tmp_path: Path) -> None:
    """`cat a.sql b.sql > all.sql` of files saved with a BOM leaves one at the start of a line inside
    the file: SQLite skips it as a blank, codegen refused the statement ("unsupported statement
    '\\ufeffCREATE'") or the query block after it."""
    bom = "\ufeff"
    schema = f"{bom}CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);\n{bom}CREATE TABLE u (id INTEGER PRIMARY KEY);\n"
    queries = (f"-- name: GetU :one\nSELECT id FROM u WHERE id = ?;\n{bom}-- name: GetT :one\n"
               f"SELECT{bom}id, name FROM t WHERE id = ?;\n")
    package = generate(tmp_path / "p", {"1.sql": schema}, {"q.sql": queries}, out="joined")
    conn = sqlite3.connect(":memory:")
    conn.executescript(schema)  # the oracle: SQLite takes the joined file as it is
    conn.execute("INSERT INTO t VALUES (1, 'a')")
    with imported(package) as pkg:
        q = import_module(pkg, "queries.q")
        assert q.get_t(conn, id=1).name == "a"
        assert q.get_u(conn, id=1) is None


# Integer literals around 64 bits, and of more digits than Python's int() reads.
LITERALS = ["0", "7", "-7", "9223372036854775807", "-9223372036854775807", "9223372036854775808",
            "-9223372036854775808", "-9223372036854775809", "18446744073709551615", "99999999999999999999",
            "-99999999999999999999", "000000000000000000000000042", "9" * 5000, "-" + "9" * 5000, "1e3", "1.5"]
LITERAL_TABLE = {"sqlite": "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER);",
                 "postgresql": "CREATE TABLE t (id bigint PRIMARY KEY, n numeric);"}


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_an_integer_literal_beyond_64_bits_is_typed_as_the_database_returns_it(
        engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """SQLite reads an integer literal beyond 64 bits as REAL (SELECT 99999999999999999999 is 1e+20):
    codegen typed it int, and every call raised a ValidationError. A literal of thousands of digits
    crashed the analysis (PostgreSQL) or the parameter scan ($99999...: int() refuses so many digits)
    with a ValueError traceback. The oracle is the driver's own value."""
    queries = "".join(f"-- name: Lit{i} :one\nSELECT {lit} AS v;\n" for i, lit in enumerate(LITERALS))
    queries += f"-- name: HugeParam :one\nSELECT id FROM t WHERE n = {'?' if engine == 'sqlite' else '$'}{'9' * 5000};\n"
    root = make_project(tmp_path / "p", {"1.sql": LITERAL_TABLE[engine]}, {"q.sql": queries}, engine=engine,
                        out="literals")
    result = run_cli(root)
    assert "Traceback" not in result.stderr
    assert result.code == 1 and len(result.errors) == 1, result.stderr
    assert result.errors[0].startswith(f"queries/q.sql:{2 * len(LITERALS) + 2}:28: error: "), result.stderr
    assert "out of range" in result.errors[0]
    (root / "queries" / "q.sql").write_text(queries[:queries.index("-- name: HugeParam")])
    package = generate(root, {"1.sql": LITERAL_TABLE[engine]}, {"q.sql": queries[:queries.index("-- name: HugeParam")]},
                       engine=engine, out="literals")
    conn: Any = sqlite3.connect(":memory:") if engine == "sqlite" else \
        psycopg.connect(request.getfixturevalue("postgres_databases")("literals"))
    try:
        with imported(package) as pkg:
            q = import_module(pkg, "queries.q")
            for i, lit in enumerate(LITERALS):
                raw = conn.execute(f"SELECT {lit}").fetchone()[0]
                got = getattr(q, f"lit{i}")(conn)  # a ValidationError here: the annotation is wrong
                assert got == raw and type(got) is type(raw), (lit[:30], got, raw)
    finally:
        conn.close()


FROM_FIRST = ["FROM t", "FROM t WHERE id = 1", "SELECT * FROM (FROM t) x", "WITH x AS (FROM t) SELECT * FROM x",
              "SELECT id FROM t WHERE id IN (FROM t)", "SELECT id FROM t WHERE EXISTS (FROM t)"]


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_query_without_its_select_is_refused_as_the_database_refuses_it(
        engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """A query whose SELECT line was deleted (`FROM t WHERE ...`): sqlglot reads DuckDB's FROM-first
    form as SELECT * FROM t, so codegen generated a function both databases refuse at every call
    (found by test_drawn_fuzz_accepted.py: a delete_line mutant). The databases are the oracle."""
    table = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);"
    url = request.getfixturevalue("postgres_databases")("from_first") if engine == "postgresql" else None
    valid = ["SELECT id FROM t"] + (["SELECT trim(FROM name) AS n FROM t"] if engine == "postgresql" else [])
    for i, statement in enumerate([*FROM_FIRST, *valid]):
        if engine == "sqlite":
            conn = sqlite3.connect(":memory:")
            conn.execute(table)
            try:
                conn.execute(statement)
                runs = True
            except sqlite3.Error:
                runs = False
        else:
            with psycopg.connect(url) as pg:
                pg.execute(table)
                try:
                    pg.execute(statement)
                    runs = True
                except psycopg.Error:
                    runs = False
                pg.rollback()
        root = make_project(tmp_path / f"{engine}{i}", {"1.sql": table}, {"q.sql": f"-- name: Q :many\n{statement};\n"},
                            engine=engine, out="pkg")
        result = run_cli(root)
        assert "Traceback" not in result.stderr
        if statement in FROM_FIRST:
            assert not runs, statement
        if runs:
            assert result.code == 0, (statement, result.stderr)
        else:
            assert result.code == 1 and result.errors, (statement, "generated a function the database refuses")
            assert result.errors[0].startswith("queries/q.sql:2:"), result.stderr


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_lone_at_sign_is_refused_where_the_database_has_no_such_operator(
        engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """`@ name` (a space typed into @name, or a token duplicated): sqlglot reads a lone @ as
    PostgreSQL's absolute value, so on SQLite codegen generated SQL the database refuses at every call
    ("unrecognized token: @"; found by test_drawn_fuzz_accepted.py). PostgreSQL runs it."""
    table = "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER);"
    url = request.getfixturevalue("postgres_databases")("lone_at") if engine == "postgresql" else None
    for i, statement in enumerate(["SELECT @ 5 AS x", "SELECT id FROM t WHERE n = @ 5"]):
        if engine == "sqlite":
            conn = sqlite3.connect(":memory:")
            conn.execute(table)
            with pytest.raises(sqlite3.OperationalError, match="unrecognized token"):
                conn.execute(statement)
        else:
            with psycopg.connect(url) as pg:
                pg.execute(table)
                pg.execute(statement)  # the absolute value
                pg.rollback()
        root = make_project(tmp_path / f"c{i}", {"1.sql": table}, {"q.sql": f"-- name: Q :many\n{statement};\n"},
                            engine=engine, out="pkg")
        result = run_cli(root)
        if engine == "sqlite":
            assert result.code == 1 and result.errors[0].startswith(f"queries/q.sql:2:{statement.index('@') + 1}: "), \
                result.stderr
        else:
            assert result.code == 0, result.stderr


def test_a_dollar_name_is_refused_on_postgresql_as_the_server_refuses_it(tmp_path: Path, postgres_databases: Any) -> None:
    """`$name` is a named parameter on SQLite; PostgreSQL has none such (only $1 and dollar quotes
    begin with `$`) and refuses it, while codegen generated a function that sent it as written
    (found by test_drawn_fuzz_accepted.py: a swap_tokens mutant wrote `2 = $id_old`)."""
    table = "CREATE TABLE t (id integer PRIMARY KEY, n integer);"
    statement = "SELECT id FROM t WHERE n = $1 AND 2 = $id_old"
    with psycopg.connect(postgres_databases("dollar_name")) as pg:
        pg.execute(table.encode())
        with pytest.raises(psycopg.errors.SyntaxError):
            pg.execute(statement.replace("$1", "1").encode())
    root = make_project(tmp_path, {"1.sql": table}, {"q.sql": f"-- name: Q :many\n{statement};\n"},
                        engine="postgresql", out="pkg")
    result = run_cli(root)
    assert result.code == 1 and result.errors[0].startswith(f"queries/q.sql:2:{statement.index('$id') + 1}: "), \
        result.stderr
    assert "Traceback" not in result.stderr
    ok = "SELECT $$a$$ AS s, id FROM t WHERE n = $1 AND f$ = 1"  # a dollar quote; $ inside a name
    root = make_project(tmp_path / "ok", {"1.sql": "CREATE TABLE t (id integer PRIMARY KEY, n integer, f$ integer);"},
                        {"q.sql": f"-- name: Q :many\n{ok};\n"}, engine="postgresql", out="pkg")
    assert run_cli(root).code == 0
