"""SQL is sent byte for byte where bytes are values: string literals keep trailing spaces, blank
lines and lone CRs (comments may go); PostgreSQL escape strings (E'\\'') do not hide the parameters
after them; a `?` on PostgreSQL, which has no such parameter, is a located error while jsonb's `?`
operator still works. Each proven by calling the generated functions on a real SQLite file and a
real PostgreSQL server."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests._support import config_text, import_module, imported, run_cli, write_files

TABLE = "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL);\n"

# Literals built from what a text editor or a trimming step would change.
literals = st.lists(st.lists(st.sampled_from([" ", "\n", "\r", "\t", "a", "'", "-", ";", "\r\n"]), min_size=1,
                             max_size=8).map("".join), min_size=1, max_size=4, unique=True)


def _project(root: Path, engine: str, schema: str, queries: bytes, out: str) -> ModuleType | None:
    """Write (query file as raw bytes, nothing normalised) and generate; the query module, or None."""
    write_files(root, {"pyproject.toml": config_text(engine=engine, out=out), "schema/1.sql": schema,
                       "queries/q.sql": queries})
    result = run_cli(root)
    assert result.code == 0, result.stderr
    return None


def _literal_queries(values: list[str], engine: str) -> bytes:
    end = ";" if engine == "postgresql" else ""
    blocks = [f"-- name: Find{i} :many\nSELECT id FROM t WHERE v = '{v.replace(chr(39), chr(39) * 2)}' -- why\n"
              f"  /* which */ ORDER BY id{end}\n" for i, v in enumerate(values)]
    return "\n".join(blocks).encode()


def _check_literals(root: Path, engine: str, values: list[str], conn: Any, marker: str) -> None:
    out = f"gen_lit_{engine}"
    _project(root, engine, TABLE, _literal_queries(values, engine), out)
    # Every value, and what a trimming or line-break change would make of it, is a row.
    variants = list(dict.fromkeys(values + [v.rstrip() for v in values] + [v.replace("\r", "\n") for v in values]
                                  + ["\n".join(x for x in v.split("\n") if x.strip()) for v in values]))
    for i, v in enumerate(variants, start=1):
        conn.execute(f"INSERT INTO t (id, v) VALUES ({marker}, {marker})", (i, v))
    with imported(root / out) as package:
        q = import_module(package, "queries.q")
        for i, v in enumerate(values):
            assert getattr(q, f"find{i}")(conn) == [variants.index(v) + 1], repr(v)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=literals)
def test_string_literals_are_sent_byte_for_byte_sqlite(tmp_path_factory: Any, values: list[str]) -> None:
    root = tmp_path_factory.mktemp("lit")
    conn = sqlite3.connect(root / "t.db")
    conn.executescript(TABLE)
    _check_literals(root, "sqlite", values, conn, "?")


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=literals)
def test_postgres_string_literals_are_sent_byte_for_byte(tmp_path_factory: Any, postgres_url: str,
                                                         values: list[str]) -> None:
    root = tmp_path_factory.mktemp("lit_pg")
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS t")
        conn.execute(TABLE.encode())
        _check_literals(root, "postgresql", values, conn, "%s")


PG_SCHEMA = TABLE + "CREATE TABLE docs (id INTEGER PRIMARY KEY, data JSONB NOT NULL);\n"
PG_QUERIES = r"""-- name: AfterEscape :many
SELECT id FROM t WHERE v = E'\'' OR v = E'\\' OR id = $1 ORDER BY id;

-- name: AfterEscapeNamed :many
SELECT id FROM t WHERE v <> E'it\'s' AND id = sqlc.arg(wanted) ORDER BY id;

-- name: HasKey :many
SELECT id FROM docs WHERE data ? sqlc.arg(key) ORDER BY id;
"""


def test_postgres_escape_strings_keep_later_parameters(tmp_path: Path, postgres_url: str) -> None:
    _project(tmp_path, "postgresql", PG_SCHEMA, PG_QUERIES.encode(), "gen_escape_pg")
    with psycopg.connect(postgres_url, autocommit=True) as conn, imported(tmp_path / "gen_escape_pg") as package:
        conn.execute(PG_SCHEMA.encode())
        conn.execute("INSERT INTO t VALUES (1, ''''), (2, '\\'), (3, 'x'), (4, 'it''s')")
        conn.execute("""INSERT INTO docs VALUES (1, '{"a": 1}'), (2, '{"b": 2}')""")
        q = import_module(package, "queries.q")
        assert q.after_escape(conn, id=3) == [1, 2, 3]
        assert q.after_escape_named(conn, wanted=3) == [3] and q.after_escape_named(conn, wanted=4) == []
        assert q.has_key(conn, key="b") == [2]


def test_postgres_question_mark_parameter_is_a_located_error(tmp_path: Path) -> None:
    write_files(tmp_path, {"pyproject.toml": config_text(engine="postgresql"), "schema/1.sql": PG_SCHEMA,
                           "queries/q.sql": b"-- name: Get :many\nSELECT id FROM t\nWHERE id = ? AND v = $1;\n"})
    result = run_cli(tmp_path)
    assert result.code == 1 and "Traceback" not in result.stderr and not (tmp_path / "gen").exists()
    assert result.errors == ["queries/q.sql:3:12: error: query Get: `?` is not a PostgreSQL parameter: "
                             "write $1, @name or sqlc.arg(name)"]
