"""Drawn PostgreSQL search_path histories (tests/drawn_pgpath.py): schemas holding same-named tables,
views and enums, created, altered, renamed, moved and dropped by statements named unqualified
after the migrations moved the search_path; the generated package called with the connection's
search_path set as the project declares it, the server as the oracle.

Each example:
  - applies the drawn migrations on a new database as the runner does (each file in a transaction
    of its own, starting with the declared search_path), keeping the statements the server takes;
  - asks the server which relations there are, and writes for each name, unqualified and with
    each schema, `SELECT *` and (for a table or a simple view) an INSERT ... RETURNING *; the
    queries the server prepares with the declared search_path must generate (no false refusal),
    those it refuses must each be a located error of codegen's;
  - calls every generated INSERT and SELECT: the row lands in the relation the server resolves the
    name to (counted by raw SQL), every value read is the raw SQL's under the same search_path and
    fits its annotation (a column typed by another same-named enum does not);
  - `codegen verify --db` reports no drift.

Figures: `DRAWN_PGPATH_EXAMPLES=N` (default 6); `DRAWN_PGPATH_RANDOM=1` draws fresh examples.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "harness"))

import drawn_pgpath as dp  # noqa: E402
from codegen.python import naming  # noqa: E402
from _support import import_module, imported, make_project, run_cli  # noqa: E402
from harness_typecheck import mismatches  # noqa: E402

EXAMPLES = int(os.environ.get("DRAWN_PGPATH_EXAMPLES", "6"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    derandomize=not os.environ.get("DRAWN_PGPATH_RANDOM"),
                    suppress_health_check=list(HealthCheck),
                    # Each example generates a project and a database: shrinking would take minutes,
                    # and the drawn history printed is small enough to read as it is.
                    phases=[Phase.explicit, Phase.reuse, Phase.generate])


def apply(url: str, history: dp.History) -> list[list[str]]:
    """The drawn migrations applied as the runner applies them; per file, the statements kept."""
    kept: list[list[str]] = []
    # Connected with the declared path as the session's own (a RESET returns to it, as in production).
    with psycopg.connect(with_path(url, history.declared), autocommit=True) as conn:
        for statements in history.files:
            conn.execute(b"RESET search_path")
            kept.append([])
            with conn.transaction():
                for sql in statements:
                    try:
                        with conn.transaction():
                            conn.execute(sql.encode())
                        kept[-1].append(sql)
                    except psycopg.Error:
                        pass
    return kept


def relations(conn: psycopg.Connection[Any]) -> list[tuple[str, str, bool]]:
    """(schema, name, is a view) of every relation the migrations left."""
    return [tuple(r) for r in conn.execute(  # type: ignore[misc]
        "SELECT n.nspname, c.relname, c.relkind = 'v' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'v') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1, 2")]


def names_written(rels: list[tuple[str, str, bool]]) -> list[str]:
    """Each relation's name unqualified and with each schema there is (one that holds none too)."""
    bare = sorted({name for _, name, _ in rels})
    schemas = sorted({schema for schema, _, _ in rels} | {"public"})
    return bare + [f"{dp.ident(s)}.{dp.ident(n)}" for n in bare for s in schemas]


def prepares(conn: psycopg.Connection[Any], sql: str) -> bool:
    try:
        with conn.transaction():
            conn.execute(f"PREPARE p AS {sql}".encode())
            conn.execute(b"DEALLOCATE p")
        return True
    except psycopg.Error:
        return False


def regclass(conn: psycopg.Connection[Any], written: str) -> str:
    (oid,) = conn.execute("SELECT %s::regclass::oid::text", (written,)).fetchone()  # type: ignore[misc]
    return str(oid)


def rows_of(conn: psycopg.Connection[Any], oid: str) -> int:
    (name,) = conn.execute("SELECT %s::oid::regclass::text", (oid,)).fetchone()  # type: ignore[misc]
    (count,) = conn.execute(f"SELECT count(*) FROM {name}".encode()).fetchone()  # type: ignore[misc]
    return int(count)


@SETTINGS
@given(data=st.data())
def test_postgres_names_resolve_through_the_search_path(data: st.DataObject,
                                                       postgres_databases: Callable[[str], str]) -> None:
    history = data.draw(dp.histories(), label="history")
    url = postgres_databases("pgpath")
    kept = apply(url, history)
    with tempfile.TemporaryDirectory() as tmp, psycopg.connect(with_path(url, history.declared), autocommit=True) as conn:
        written = names_written(relations(conn))
        queries = {}
        for i, name in enumerate(written):
            queries[f"Sel{i}"] = (f"SELECT * FROM {name}", ":many", name)
            queries[f"Ins{i}"] = (f"INSERT INTO {name} DEFAULT VALUES RETURNING *", ":one", name)
            queries[f"Cp{i}"] = (f"INSERT INTO {name} (id) VALUES ($1)", ":copyfrom", name)
        good = {q: v for q, v in queries.items() if prepares(conn, v[0])}
        bad = {q: v for q, v in queries.items() if q not in good}
        moved = sum(1 for f in kept for s in f if "search_path" in s)
        event(f"kept {sum(map(len, kept))} statements, {moved} moving the path; "
              f"{len(good) // 6 * 6}+ queries prepare, {len(bad) // 6 * 6}+ refused")
        event("an unqualified CREATE after moving the path" if any(
            "search_path" in s and any(t.startswith(("CREATE TABLE", "CREATE TYPE")) and "." not in t.split("(")[0]
                                       for t in f[i:]) for f in kept for i, s in enumerate(f)) else "no such CREATE")
        root = Path(tmp)
        config = {"engine": "postgresql", "out": "pgpath_gen",
                  "extra": "search_path = [" + ", ".join('"' + n + '"' for n in history.declared) + "]"}
        schema = {f"{n + 1:04d}.sql": "".join(s + ";\n" for s in file) or "SELECT 1;\n" for n, file in enumerate(kept)}
        if bad:  # each query the server refuses is one located error of codegen's
            make_project(root / "bad", schema, {"q.sql": _text(bad)}, **config)
            result = run_cli(root / "bad")
            refused = {e.split(": query ", 1)[1].split(":", 1)[0] for e in result.errors if ": query " in e}
            assert result.code == 1 and refused == set(bad), f"the server refuses {sorted(bad)}:\n{result.stderr}"
        make_project(root, schema, {"q.sql": _text(good) or "-- name: One :one\nSELECT 1 AS one;\n"}, **config)
        result = run_cli(root)
        assert result.code == 0, f"refused what the server prepares:\n{result.stderr}"
        with imported(root / "pgpath_gen") as package:
            _calls(conn, import_module(package, "queries.q"), good)
        verified = run_cli(root, "verify", "--db", with_path(url, history.declared))
        assert verified.code == 0, verified.stderr


def _text(queries: dict[str, tuple[str, str, str]]) -> str:
    return "".join(f"-- name: {q} {cmd}\n{sql};\n" for q, (sql, cmd, _) in queries.items())


def with_path(url: str, path: tuple[str, ...]) -> str:
    """The URL of connections whose search_path is `path` (libpq's options, blanks escaped)."""
    option = "-csearch_path=" + ",".join('"$user"' if n == "$user" else dp.ident(n) for n in path).replace(" ", "\\ ")
    return f"{url}{'&' if '?' in url else '?'}options={quote(option)}"


def _set_labels(conn: psycopg.Connection[Any]) -> None:
    """Every row's enum column gets its own type's last label, so a column typed by another
    same-named enum reads a label its Literal does not hold."""
    for table, column_type in conn.execute(
            "SELECT a.attrelid::regclass::text, format_type(a.atttypid, NULL) FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid "
            "WHERE a.attname = 'st' AND c.relkind = 'r' AND t.typtype = 'e' AND NOT a.attisdropped").fetchall():
        conn.execute(f"UPDATE {table} SET st = enum_last(NULL::{column_type})".encode())


def _calls(conn: psycopg.Connection[Any], q: Any, good: dict[str, tuple[str, str, str]]) -> None:
    problems: list[str] = []
    labelled = False
    for query, (sql, _, name) in sorted(good.items(), key=lambda item: item[0].startswith("Sel")):
        if query.startswith("Sel") and not labelled:
            _set_labels(conn)
            labelled = True
        function = getattr(q, naming.snake(query))
        if query.startswith("Cp"):
            target = regclass(conn, name)
            before = rows_of(conn, target)
            ids = [10_000 + 10 * int(query[2:]) + k for k in range(2)]
            params = getattr(q, f"{query}Params")
            if function(conn, [params(id=n) for n in ids]) != 2 or rows_of(conn, target) != before + 2:
                problems.append(f"{query} ({sql}): the rows did not land in {name} as the server resolves it")
        elif query.startswith("Ins"):
            target = regclass(conn, name)
            before = rows_of(conn, target)
            row = function(conn)
            if rows_of(conn, target) != before + 1:
                problems.append(f"{query} ({sql}): the row did not land in {name} as the server resolves it")
            problems += [p for f, info in type(row).model_fields.items()
                         for p in mismatches(getattr(row, f), info.annotation, f"{query}.{f}")]
        else:
            raw = [tuple(r) for r in conn.execute(f"{sql} ORDER BY 1".encode())]
            got = sorted(tuple(getattr(r, f) for f in type(r).model_fields) if hasattr(type(r), "model_fields")
                         else (r,) for r in function(conn))
            if got != raw:
                problems.append(f"{query} ({sql}) read {got}, raw SQL {raw}")
            problems += [p for r in function(conn) if hasattr(type(r), "model_fields")
                         for f, info in type(r).model_fields.items()
                         for p in mismatches(getattr(r, f), info.annotation, f"{query}.{f}")]
    assert not problems, "\n".join(problems)
