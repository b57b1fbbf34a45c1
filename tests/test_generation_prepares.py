"""Generation refuses every query SQLite cannot compile, or PostgreSQL cannot parse, and says so of no other.

sqlglot reads much that is not SQLite's SQL (PostgreSQL's `ILIKE`, `::`, `FETCH FIRST`, `DISTINCT
ON`...). A query the analysis accepts but SQLite cannot compile used to generate a function that
failed at every call; only `verify` said so. Generation now compiles each query (EXPLAIN, in the
in-memory database built from the migrations) and refuses it, located at the query.

The oracle is a real SQLite file with the schema: for drawn projects mixing such queries with
valid ones, under drawn names, a query is refused as rejected by SQLite exactly when SQLite
cannot compile its text (if the analysis has not refused it first), and every function generated
runs on the file. What an application
supplies at run time (a function or collation it registers, a table of an extension the
migrations could not load here) is not judged.

PostgreSQL has no server at hand when generating: its own parser (libpg_query, through pglast, the
`pgparse` extra) reads each query, its parameters spelt `$1`. The oracle is a real server: a query
it reports a syntax error for (SQLSTATE 42601) is refused, and the parser's verdict is given for
no query the server parses.
"""

from __future__ import annotations

import inspect
import sqlite3
import string
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import psycopg

from tests._support import generate, import_module, imported, make_project, run_cli, run_subprocess

# {t}: the table; {x}: an INTEGER NOT NULL column; {n}: a TEXT column. One statement each.
FOREIGN = [
    "SELECT {x} FROM {t} WHERE {n} ILIKE ?",
    "SELECT {x}::text AS y FROM {t}",
    "SELECT {x} FROM {t} FETCH FIRST 2 ROWS ONLY",
    "SELECT DISTINCT ON ({x}) {x} FROM {t}",
    "SELECT {x} FROM {t} WHERE {n} SIMILAR TO ?",
    "SELECT {x} FROM {t} FOR UPDATE",
    "SELECT {x} FROM {t} LIMIT ALL",
    "SELECT {x} FROM {t} OFFSET 1 ROWS",
    "SELECT {x} FROM {t} WHERE {n} ~ ?",
    "SELECT count(*) AS c FROM {t} GROUP BY count(*)",
    "SELECT {x} FROM {t} WHERE {x} IN (SELECT {x}, {n} FROM {t})",
    "SELECT {x} FROM {t} WHERE row_number() OVER () > 1",
]
VALID = [
    "SELECT {x} FROM {t} WHERE {n} LIKE ?",
    "SELECT CAST({x} AS TEXT) AS y FROM {t}",
    "SELECT {x} FROM {t} ORDER BY {n} NULLS LAST LIMIT ? OFFSET ?",
    "SELECT {x} FROM {t} WHERE {n} GLOB ?",
    "SELECT count(*) FILTER (WHERE {x} > 1) AS c FROM {t}",
    "SELECT {x} FROM {t} WHERE {n} IS DISTINCT FROM ?",
    "SELECT iif({x} > 1, 'a', 'b') AS y FROM {t}",
    "SELECT {x}, row_number() OVER (ORDER BY {x}) AS r FROM {t}",
    "WITH c AS (SELECT {x} FROM {t}) SELECT {x} FROM c",
    "SELECT {x} FROM {t} WHERE {x} BETWEEN ? AND ?",
    "SELECT {n} ->> '$.a' AS y FROM {t}",
]

# Quoted in the SQL, so keywords of SQL and Python are names as good as any.
names = st.text(string.ascii_lowercase + "_", min_size=1, max_size=10).filter(lambda s: not s.startswith("sqlite_"))


def _project(texts: list[str], t: str, x: str, n: str) -> tuple[str, dict[str, str]]:
    t, x, n = (f'"{name}"' for name in (t, x, n))
    schema = f"CREATE TABLE {t} ({x} INTEGER NOT NULL, {n} TEXT);\n"
    queries = "".join(f"-- name: Q{i} :many\n{text.format(t=t, x=x, n=n)};\n" for i, text in enumerate(texts))
    return schema, {"q.sql": queries}


def _compiles(conn: sqlite3.Connection, sql: str) -> bool:
    try:
        conn.execute("EXPLAIN " + sql, [None] * sql.count("?")).fetchall()
    except sqlite3.Error:
        return False
    return True


def _argument(annotation: Any) -> object:
    """A value of the parameter's type: 1 for an int (a LIMIT's), else text."""
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
    return 1 if text.split("|")[0].strip() in ("int", "<class 'int'>") else "a"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.sampled_from(FOREIGN + VALID), min_size=1, max_size=3, unique=True),
       table=names, columns=st.lists(names, min_size=2, max_size=2, unique=True))
def test_a_query_is_refused_exactly_when_sqlite_cannot_compile_it(tmp_path_factory: Any, texts: list[str],
                                                                   table: str, columns: list[str]) -> None:
    if table in columns:
        columns = [c + "_c" for c in columns]
    root = tmp_path_factory.mktemp("p")
    schema, queries = _project(texts, table, *columns)
    db = sqlite3.connect(root / "app.db")
    db.execute(schema)
    db.executemany(f'INSERT INTO "{table}" VALUES (?, ?)', [(1, '{"a": 1}'), (2, None)])
    db.commit()
    statements = [text.format(t=f'"{table}"', x=f'"{columns[0]}"', n=f'"{columns[1]}"') for text in texts]
    compiles = [_compiles(db, sql) for sql in statements]

    make_project(root, {"1.sql": schema}, queries)
    result = run_cli(root)
    rejected = {i for i, ok in enumerate(compiles) if not ok}
    refused = {int(line.split("query Q", 1)[1].split(":", 1)[0]) for line in result.errors}
    by_sqlite = {int(line.split("query Q", 1)[1].split(":", 1)[0]) for line in result.errors
                 if "rejects it, so every call would fail" in line}
    # What SQLite cannot compile is refused (by the analysis, or else by SQLite here), and SQLite's
    # verdict is given for nothing it compiles.
    assert rejected <= refused and by_sqlite <= rejected, (statements, result.stderr)
    for line in result.errors:  # each error located at its query: 2 lines per query, from line 1
        index = int(line.split("query Q", 1)[1].split(":", 1)[0])
        assert line.startswith(f"queries/q.sql:{2 * index + 2}:"), line
    if result.code != 0:
        assert result.errors and not (root / "gen").exists()
        return
    with imported(root / "gen") as package:
        module = import_module(package, "queries.q")
        for index in range(len(texts)):
            function = getattr(module, f"q{index}")
            arguments = {name: _argument(p.annotation) for name, p in inspect.signature(function).parameters.items()
                         if name != "conn"}
            function(db, **arguments)  # SQLite compiles and runs it: no OperationalError


def test_what_an_application_supplies_is_not_judged(tmp_path: Path) -> None:
    """A function the application registers generates, and works once it is registered; so does a
    query of a table whose migration needs an extension this process lacks."""
    schema = "CREATE TABLE t (x INTEGER NOT NULL, name TEXT);\n"
    queries = ("-- name: Doubled :many\nSELECT doubled(x) AS y FROM t;\n"
               "-- name: ByName :many\nSELECT name FROM t ORDER BY name COLLATE reverse_order;\n")
    out = generate(tmp_path / "app", {"1.sql": schema}, {"q.sql": queries})
    conn = sqlite3.connect(tmp_path / "app.db")
    conn.execute(schema)
    conn.execute("INSERT INTO t VALUES (2, 'a'), (3, 'b')")
    conn.create_function("doubled", 1, lambda v: 2 * v)
    conn.create_collation("reverse_order", lambda a, b: (a < b) - (a > b))
    with imported(out) as package:
        module = import_module(package, "queries.q")
        assert sorted(module.doubled(conn)) == [4, 6]
        assert module.by_name(conn) == ["b", "a"]

    extension = schema + "CREATE VIRTUAL TABLE places USING some_extension_module(id, a, b);\n"
    generate(tmp_path / "ext", {"1.sql": extension}, {"q.sql": "-- name: Places :many\nSELECT * FROM t;\n"})


def test_a_migration_without_end_stops_with_a_located_error(tmp_path: Path) -> None:
    """A recursive CTE without an end hung verify, and generation of any dynamic query; a seed of
    huge blobs filled memory. Each statement is bounded in steps and size now."""
    schema = ("CREATE TABLE t (x INTEGER);\n"
              "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) INSERT INTO t SELECT x FROM c;\n"
              "INSERT INTO t SELECT zeroblob(100000000);\n"
              "PRAGMA max_page_count = 4294967294;\n")
    queries = ("-- name: Some :many\nSELECT x FROM t WHERE x = sqlc.optional(x);\n"
               "-- name: Bad :many\nSELECT x FROM t FETCH FIRST 1 ROWS ONLY;\n")
    root = make_project(tmp_path, {"1.sql": schema}, queries={"q.sql": queries})
    start = time.monotonic()
    generated = run_subprocess(root, timeout=60)
    assert generated.code == 1 and generated.errors == [
        'queries/q.sql:4:1: error: query Bad: SQLite 3.{} rejects it, so every call would fail: near "FIRST": '
        "syntax error".format(sqlite3.sqlite_version.split(".", 1)[1])], generated.stderr
    (root / "queries" / "q.sql").write_text(queries.split("-- name: Bad")[0])
    verified = run_subprocess(root, "verify", timeout=60)
    assert time.monotonic() - start < 50
    assert verified.code == 1
    assert verified.errors[0].startswith("schema/1.sql:2:1: error: verify refuses a statement that runs for over ")
    assert verified.errors[1] == "schema/1.sql:3:1: error: SQLite rejects this migration statement: string or blob too big"
    assert verified.errors[2] == ("schema/1.sql:4:1: error: verify refuses PRAGMA max_page_count "
                                  "(the sandbox bounds its database's size)")
    assert len(verified.errors) == 3, verified.stderr


# {t}, {x} (integer NOT NULL), {n} (text), as above; parameters as users write them on PostgreSQL.
PG_FOREIGN = [
    "SELECT {x} FROM {t} LIMIT 1, 2",
    "INSERT OR IGNORE INTO {t} ({x}) VALUES (@v)",
    "SELECT {x} FROM {t} WHERE {n} GLOB sqlc.arg(pattern)",
    "SELECT {x} FROM {t} WHERE {n} REGEXP $1",
    "SELECT {x} FROM {t} WHERE {x} IN sqlc.slice(ids) AND {n} MATCH @q",
    "UPDATE OR REPLACE {t} SET {n} = @n",
]
PG_VALID = [
    "SELECT {x} FROM {t} WHERE {n} ILIKE @pattern",
    "SELECT {x}::text AS y FROM {t} LIMIT sqlc.arg(lim)",
    "SELECT DISTINCT ON ({x}) {x} FROM {t} ORDER BY {x}",
    "SELECT {x} FROM {t} WHERE {x} = ANY(sqlc.slice(ids)) FETCH FIRST 2 ROWS ONLY",
    "SELECT {x} FROM {t} WHERE {n} = sqlc.narg(n) FOR UPDATE",
    "INSERT INTO {t} ({x}, {n}) VALUES (@x, @n) ON CONFLICT DO NOTHING",
]


def _pg_syntax_error(conn: psycopg.Connection[Any], sql: str) -> bool:
    """The server's parser refuses it (PREPARE parses and plans, runs nothing)."""
    try:
        with conn.transaction():
            conn.execute(f"PREPARE probe AS {sql}")
            conn.execute("DEALLOCATE probe")
    except psycopg.errors.SyntaxError:
        return True
    except psycopg.Error:
        return False  # parsed; refused for another reason (verify --db's to report)
    return False


def _as_sent(sql: str) -> str:
    """Each way of writing a parameter here, as PostgreSQL's $n."""
    import re
    counter = iter(range(1, 100))
    return re.sub(r"sqlc\.(?:arg|narg|slice)\(\w+\)|@\w+|\$1", lambda m: f"${next(counter)}", sql)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.sampled_from(PG_FOREIGN + PG_VALID), min_size=1, max_size=3, unique=True),
       table=names, columns=st.lists(names, min_size=2, max_size=2, unique=True))
def test_postgres_a_query_is_refused_when_postgresql_cannot_parse_it(
        tmp_path_factory: Any, postgres_url: str, texts: list[str], table: str, columns: list[str]) -> None:
    root = tmp_path_factory.mktemp("p")
    t, x, n = (f'"{name}"' for name in (table, *columns))
    schema = f"CREATE TABLE {t} ({x} integer NOT NULL, {n} text);\n"
    statements = [text.format(t=t, x=x, n=n) for text in texts]
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {t}")
        conn.execute(schema)
        unparsable = {i for i, sql in enumerate(statements) if _pg_syntax_error(conn, _as_sent(sql))}
    queries = "".join(f"-- name: Q{i} :exec\n{sql};\n" for i, sql in enumerate(statements))
    make_project(root, {"1.sql": schema}, {"q.sql": queries}, engine="postgresql")
    result = run_cli(root)
    refused = {int(line.split("query Q", 1)[1].split(":", 1)[0]) for line in result.errors}
    by_parser = {int(line.split("query Q", 1)[1].split(":", 1)[0]) for line in result.errors
                 if "PostgreSQL cannot parse it" in line}
    assert unparsable <= refused and by_parser <= unparsable, (statements, result.stderr)
    for line in result.errors:
        assert line.startswith(f"queries/q.sql:{2 * int(line.split('query Q', 1)[1].split(':', 1)[0]) + 2}:"), line
