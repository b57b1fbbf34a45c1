"""Queries PostgreSQL refuses at every call that generation took (tests/test_drawn_pgverdict.py found
the kinds), and their valid neighbours: each refused with a located error, decided by the server too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from _support import make_project, run_cli

SCHEMA = """CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL, age integer, active boolean NOT NULL,
  email text UNIQUE);
CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id), title text NOT NULL,
  likes integer NOT NULL);
CREATE VIEW user_names AS SELECT id, name, age FROM users;
"""

REFUSED = [
    ("SELECT name, count(*) FROM users GROUP BY age", 'column "users.name" must appear in the GROUP BY clause', 'name'),
    ("SELECT id, count(*) FROM users", 'column "users.id" must appear in the GROUP BY clause', 'id'),
    ("SELECT p.title, u.name FROM posts p JOIN users u ON u.id = p.user_id GROUP BY p.id",
     'column "u.name" must appear', 'name FROM'),
    ("SELECT name FROM user_names GROUP BY id", 'column "user_names.name" must appear', 'name'),  # a view: no key
    ("SELECT name FROM users GROUP BY email", 'column "users.name" must appear', 'name'),  # UNIQUE is no key
    ("SELECT name, count(*) FROM users GROUP BY ROLLUP (id)", 'column "users.name" must appear', 'name'),
    ("SELECT count(*) FROM users GROUP BY name HAVING age > 1", 'column "users.age" must appear', 'age > 1'),
    ("SELECT max(id) FROM users GROUP BY name ORDER BY age", 'column "users.age" must appear', 'age'),
    ("SELECT age + 2 AS a, count(*) AS c FROM users GROUP BY age + 1", 'column "users.age" must appear', 'age + 2'),
    ("SELECT p.*, count(*) AS c FROM posts p JOIN users u ON u.id = p.user_id GROUP BY u.id",
     'column "p.id" must appear', 'p.*'),
    ("SELECT name, row_number() OVER (PARTITION BY age) AS r FROM users GROUP BY name",
     'column "users.age" must appear', 'age) AS r'),
    ("SELECT age, count(*) AS c FROM users GROUP BY 2", "aggregate functions are not allowed in GROUP BY", '2'),
    ("SELECT DISTINCT name FROM users ORDER BY age", "for SELECT DISTINCT, ORDER BY expressions must appear", 'age'),
    ("SELECT DISTINCT age FROM users ORDER BY age + 1", "for SELECT DISTINCT, ORDER BY expressions must appear", 'age + 1'),
    ("SELECT name FROM users GROUP BY 5", "GROUP BY position 5 is not in select list", '5'),
    ("SELECT id FROM users ORDER BY 0", "ORDER BY position 0 is not in select list", '0'),
    ("SELECT id FROM users UNION SELECT id FROM posts ORDER BY 2", "ORDER BY position 2 is not in select list", '2'),
    ("WITH a AS (SELECT 1 AS x), a AS (SELECT 2 AS x) SELECT x FROM a", 'WITH query name "a" specified more than once', 'a AS (SELECT 2'),
    ("SELECT u.id FROM users u, posts u", 'table name "u" specified more than once', 'posts u'),
    ("SELECT 1 AS x FROM users JOIN users ON true", 'table name "users" specified more than once', 'users ON'),
    ("SELECT u.id FROM users u JOIN posts p USING (nosuch)", 'column "nosuch" specified in USING does not exist', 'nosuch'),
    ("SELECT u.id FROM users u JOIN posts p USING (email)", 'column "email" specified in USING does not exist in '
     "the right table", 'email'),
]
TAKEN = [
    "SELECT name, count(*) FROM users GROUP BY id",
    "SELECT u.name, count(p.id) FROM users u JOIN posts p ON p.user_id = u.id GROUP BY u.id",
    "SELECT users.*, count(*) AS c FROM users GROUP BY id",
    "SELECT id, name FROM users GROUP BY id ORDER BY age",
    "SELECT age AS a, count(*) AS c FROM users GROUP BY a",
    "SELECT age + 1 AS a, count(*) AS c FROM users GROUP BY (age + 1) ORDER BY age + 1",
    "SELECT age, count(*) AS c FROM users GROUP BY 1 HAVING age > 1 ORDER BY 2",
    "SELECT name, count(*) AS c FROM users GROUP BY ROLLUP (name), id",
    "SELECT (SELECT count(*) FROM posts WHERE posts.user_id = u.id) AS n FROM users u",
    "SELECT u.id, (SELECT max(p.likes) FROM posts p WHERE p.user_id = u.id) AS m FROM users u GROUP BY u.id",
    "SELECT DISTINCT name, age FROM users ORDER BY age, 1",
    "SELECT DISTINCT * FROM users ORDER BY age",
    "SELECT DISTINCT age + 1 AS a FROM users ORDER BY age + 1",
    "SELECT DISTINCT ON (name) name, age FROM users ORDER BY name, age",
    "WITH a AS (SELECT 1 AS x), b AS (SELECT 2 AS x) SELECT x FROM a UNION SELECT x FROM b",
    "SELECT u.id FROM users u JOIN users v ON v.id = u.id",
    "SELECT u.id FROM users u JOIN posts p USING (id)",
    "SELECT count(*) AS n FROM users, (SELECT 1 AS one) AS s, (SELECT 2 AS two) AS t",
]


@pytest.fixture(scope="module")
def pg(postgres_server: Any) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(postgres_server.get_uri(), autocommit=True) as conn:
        conn.execute("CREATE SCHEMA pgverdict_pinned")
        conn.execute("SET search_path TO pgverdict_pinned")
        conn.execute(SCHEMA.encode())
        yield conn
        conn.execute("DROP SCHEMA pgverdict_pinned CASCADE")


def _server_refuses(conn: psycopg.Connection[Any], sql: str) -> str | None:
    try:
        with conn.transaction(force_rollback=True):
            conn.execute(f"PREPARE pinned AS {sql}".encode())
            conn.execute("DEALLOCATE pinned")
    except psycopg.Error as error:
        return str(error)
    return None


def _generate(root: Path, sql: str) -> list[str]:
    make_project(root, {"1.sql": SCHEMA}, {"q.sql": f"-- name: Q :many\n{sql};\n"}, engine="postgresql")
    return run_cli(root).errors


@pytest.mark.parametrize("sql, message, at", REFUSED, ids=[r[1][:40] + f"-{i}" for i, r in enumerate(REFUSED)])
def test_refused_located_as_the_server_refuses(pg: psycopg.Connection[Any], tmp_path: Path, sql: str, message: str,
                                               at: str) -> None:
    """Located where `at` first stands in the query (its line is the file's second)."""
    assert _server_refuses(pg, sql) is not None
    errors = _generate(tmp_path, sql)
    column = sql.index(at) + 1
    assert len(errors) == 1 and errors[0].startswith(f"queries/q.sql:2:{column}: error: query Q: {message}"), errors


@pytest.mark.parametrize("sql", TAKEN)
def test_taken_as_the_server_takes_it(pg: psycopg.Connection[Any], tmp_path: Path, sql: str) -> None:
    assert _server_refuses(pg, sql) is None
    assert _generate(tmp_path, sql) == []
