"""What tests/test_drawn_pgverdict2.py found generation taking that PostgreSQL refuses when it
prepares the query (so at every call), and the valid neighbours of each: refused with a located
error where the server refuses, taken where it takes them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from _support import make_project, run_cli
from test_pgverdict_regressions import numbered, server_refuses

SCHEMA = """CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL, age integer, score numeric, born date,
  created timestamptz NOT NULL DEFAULT now(), t time, iv interval, feeling mood, tags text[], nums integer[],
  ratio double precision, nick varchar(20));
CREATE FUNCTION shout(x text) RETURNS text LANGUAGE sql AS $$ SELECT upper(x) $$;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
"""

# (query, the error's start, where it is located: the first place `at` stands in the query)
REFUSED = [
    # calls no built-in function takes (builtin_functions.json, the server's pg_proc)
    ("SELECT date_trunc('day', name) AS d FROM users", "function date_trunc(unknown, text) does not exist",
     "name)"),
    ("SELECT string_agg(name) AS s FROM users", "function string_agg(text) does not exist (string_agg takes 2",
     "name)"),
    ("SELECT lpad(age, 3) AS s FROM users", "function lpad(integer, integer) does not exist", "age"),
    ("SELECT lpad(name, id) AS s FROM users", "function lpad(text, bigint) does not exist", "id)"),
    ("SELECT round(ratio, 2) AS s FROM users", "function round(double precision, integer) does not exist", "ratio"),
    ("SELECT to_char(name, 'YYYY') AS s FROM users", "function to_char(text, unknown) does not exist", "name"),
    ("SELECT initcap() AS s FROM users", "function initcap() does not exist", "SELECT"),  # no argument to point at
    ("SELECT lpad(name, 'x') AS s FROM users", 'invalid input syntax for type integer: "x"', "'x'"),
    # row values
    ("SELECT id FROM users WHERE (id, name) = (1, 2)", "operator does not exist: text = a number", "2)"),
    ("SELECT id FROM users WHERE (id, name) = (1, 'a', 3)", "unequal number of entries in row expressions",
     "1, 'a', 3)"),
    ("SELECT id FROM users WHERE (id, name) IN ((1, 'a'), (2, 3))", "operator does not exist: text = a number",
     "3))"),
    ("SELECT id FROM users WHERE (id, age) > (1, 'x')", 'invalid input syntax for type integer: "x"', "'x'"),
    # arrays' elements
    ("SELECT id FROM users WHERE id = ANY(ARRAY['a'])", "operator does not exist: a number = text", "id ="),
    ("SELECT id FROM users WHERE name = ANY(nums)", "operator does not exist: text = a number", "nums"),
    ("SELECT id FROM users WHERE age = ANY(ARRAY[name])", "operator does not exist: a number = text", "name]"),
    ("SELECT id FROM users WHERE id = ANY(ARRAY[1, 'x'])", 'invalid input syntax for type integer: "x"', "'x'"),
    ("SELECT id FROM users WHERE ratio < ANY(ARRAY[created, NULL])",
     "operator does not exist: a number < a date or timestamp", "created,"),
    # one parameter, two types
    ("SELECT id FROM users WHERE id = @x AND name = @x", "operator does not exist: text = a number: parameter x",
     "name = @x"),
    ("SELECT id FROM users WHERE t = @x OR born = @x", "operator does not exist: a date or timestamp = a time",
     "born = @x"),
    # dates, times and intervals written as text
    ("SELECT id FROM users WHERE born = '2024-02-30'", 'date/time field value out of range: "2024-02-30"',
     "'2024-02-30'"),
    ("SELECT id FROM users WHERE created = '1 day'", "invalid input syntax for type timestamp with time zone",
     "'1 day'"),
    ("SELECT id FROM users WHERE created > '10:30'", "invalid input syntax for type timestamp with time zone",
     "'10:30'"),
    ("SELECT id FROM users WHERE t = '2024-01-31'", 'invalid input syntax for type time: "2024-01-31"',
     "'2024-01-31'"),
    ("SELECT id FROM users WHERE t = '25:00'", 'date/time field value out of range: "25:00"', "'25:00'"),
    ("SELECT id FROM users WHERE iv = 'abc'", 'invalid input syntax for type interval: "abc"', "'abc'"),
    ("SELECT id FROM users WHERE id = ANY('{1,a}')", 'invalid input syntax for type integer: "a"', "id ="),
    ("SELECT id FROM users WHERE created = SOME(ARRAY['now', NULL])",
     "operator does not exist: a date or timestamp = text", "created"),
    ("SELECT id FROM users WHERE born = 'allballs'", 'invalid input syntax for type date: "allballs"', "'allballs'"),
    ("SELECT id FROM users WHERE (age + 1, age) < (score)", "operator does not exist: record < a single value",
     "score)"),
    # COLLATE
    ("SELECT id FROM users ORDER BY name COLLATE \"nosuch\"", 'collation "nosuch" for encoding "UTF8" does not exist',
     '"nosuch"'),
    ("SELECT id FROM users ORDER BY age COLLATE \"C\"", "collations are not supported by type a number", "age"),
    ("SELECT id FROM users WHERE feeling COLLATE \"C\" = 'sad'", "collations are not supported by type mood",
     "feeling"),
    # a parameter set after the WHERE typed it (PostgreSQL reads WHERE first)
    ("UPDATE users SET feeling = @x WHERE name = @x", 'column "feeling" is of type mood but expression is of type text',
     "name = @x"),
    ("UPDATE users SET born = @x WHERE iv = @x", 'column "born" is of type a date or timestamp but expression is of '
     "type an interval", "iv = @x"),
]

TAKEN = [
    "SELECT date_trunc('day', created) AS d, date_trunc('month', born) AS m FROM users",
    "SELECT string_agg(name, ',' ORDER BY id) AS s, string_agg(DISTINCT nick, ';') AS n FROM users",
    "SELECT lpad(name, age) AS a, lpad(nick, 3, '*') AS b, round(score, 2) AS c, round(ratio) AS d FROM users",
    "SELECT to_char(created, 'YYYY') AS a, to_char(age, '999') AS b, age(created) AS c FROM users",
    "SELECT shout(name) AS s, similarity(name, 'x') AS sim, text(age) AS t FROM users",
    "SELECT concat(name, age, born) AS c, format('%s', iv) AS f, num_nonnulls(age, name) AS n FROM users",
    "SELECT id FROM users WHERE (id, name) = (1, 'a') AND (age, id) < (2, 3)",
    "SELECT id FROM users WHERE (id, name) IN (SELECT id, name FROM users) AND (id, name) = (@a, @b)",
    "SELECT id FROM users WHERE name = ANY(tags) AND age = ANY(nums) AND id = ANY('{1,2}') AND name <> ALL(tags)",
    "SELECT id FROM users WHERE name = ANY(ARRAY['a', NULL]) AND score = ANY(ARRAY[1, 2.5])",
    "SELECT id FROM users WHERE id = @x AND age = @x",
    "SELECT id FROM users WHERE name = @y AND nick = @y AND created > @z AND born < @z",
    "SELECT id FROM users WHERE born = '20240131' AND created > '2024-02-29 10:00' AND t = '24:00' AND t > '10:30 pm'",
    "SELECT id FROM users WHERE iv = '1 day' AND iv > 'P1D' AND iv < '-1' AND born < 'infinity' AND t > 'allballs'",
    "SELECT id FROM users WHERE iv = t AND t = @w AND iv = @w AND iv = ANY(ARRAY[t, @w])",  # time converts to interval
    "UPDATE users SET name = @x, age = @y, t = @v WHERE id = @x AND score = @y AND iv = @v",
    "SELECT id FROM users WHERE name = 'a' COLLATE \"C\" ORDER BY nick COLLATE \"POSIX\", name COLLATE ucs_basic",
]


@pytest.fixture(scope="module")
def pg(postgres_server: Any) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(postgres_server.get_uri(), autocommit=True) as conn:
        conn.execute("CREATE SCHEMA pgverdict2_pinned")
        conn.execute("SET search_path TO pgverdict2_pinned")
        conn.execute(SCHEMA.encode())
        yield conn
        conn.execute("DROP SCHEMA pgverdict2_pinned CASCADE")
        conn.execute("DROP EXTENSION IF EXISTS pg_trgm")


def _generate(root: Path, sql: str) -> list[str]:
    command = "exec" if sql.startswith("UPDATE") else "many"
    make_project(root, {"1.sql": SCHEMA}, {"q.sql": f"-- name: Q :{command}\n{sql};\n"}, engine="postgresql")
    return run_cli(root).errors


@pytest.mark.parametrize("sql, message, at", REFUSED, ids=[f"{i}-{c[1][:40]}" for i, c in enumerate(REFUSED)])
def test_refused_located_as_theserver_refuses(pg: psycopg.Connection[Any], tmp_path: Path, sql: str, message: str,
                                               at: str) -> None:
    assert server_refuses(pg, numbered(sql)) is not None
    errors = _generate(tmp_path, sql)
    column = sql.index(at) + 1
    assert len(errors) == 1 and errors[0].startswith(f"queries/q.sql:2:{column}: error: query Q: {message}"), errors


@pytest.mark.parametrize("sql", TAKEN)
def test_taken_as_the_server_takes_it(pg: psycopg.Connection[Any], tmp_path: Path, sql: str) -> None:
    assert server_refuses(pg, numbered(sql)) is None
    assert _generate(tmp_path, sql) == []


def test_an_extension_the_table_does_not_know_leaves_calls_unjudged(tmp_path: Path) -> None:
    """postgis (not on the server the table was dumped from) may add any function or overload."""
    make_project(tmp_path, {"1.sql": "CREATE EXTENSION postgis;\nCREATE TABLE p (id int);\n"},
                 {"q.sql": "-- name: Q :many\nSELECT st_astext(id) AS a, lpad(id, 2) AS b FROM p;\n"},
                 engine="postgresql")
    assert run_cli(tmp_path).errors == []


def test_an_unknown_function_warns_and_strict_refuses(pg: psycopg.Connection[Any], tmp_path: Path) -> None:
    """A function no migration creates and the server's table lacks fails on this server, but the
    user's database may have it from outside the migrations (a DBA's, template1's): a located
    warning (its result typed Any), an error under `strict`, as sqlc's strict_function_checks."""
    sql = "SELECT nosuch_fn(name) AS s FROM users"
    assert server_refuses(pg, sql) is not None
    make_project(tmp_path, {"1.sql": SCHEMA}, {"q.sql": f"-- name: Q :many\n{sql};\n"}, engine="postgresql")
    result = run_cli(tmp_path)
    assert result.code == 0 and result.errors == [] and "nosuch_fn" in result.stderr, result.stderr
    assert "queries/q.sql:2:" in result.stderr and "warning" in result.stderr
    strict = run_cli(tmp_path, "--strict")
    assert strict.code != 0 and any("nosuch_fn" in e for e in strict.errors), strict.stderr
