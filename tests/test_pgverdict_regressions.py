"""Queries PostgreSQL refuses at every call that generation took (tests/test_drawn_pgverdict.py found
the kinds), and their valid neighbours: each refused with a located error, decided by the server too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from _support import make_project, run_cli

SCHEMA = """CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL, age integer, active boolean NOT NULL,
  email text UNIQUE, score numeric, created timestamptz NOT NULL DEFAULT now(), born date, feeling mood,
  token uuid, nick varchar(20));
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
    # values PostgreSQL cannot put together (codegen/engines/postgresql/coherence.py)
    ("SELECT id FROM users WHERE name = 1", "operator does not exist: text = a number", "1"),
    ("SELECT id FROM users WHERE active = 2", "operator does not exist: boolean = a number", "2"),
    ("SELECT id FROM users WHERE created > 5", "operator does not exist: a date or timestamp > a number", "5"),
    ("SELECT id FROM users WHERE feeling = name", "operator does not exist: mood = text", "name"),
    ("SELECT u.id FROM users u JOIN posts p ON u.name = p.id", "operator does not exist: text = a number", "p.|id"),
    ("SELECT id FROM users WHERE name IN (SELECT id FROM posts)", "operator does not exist: text = a number",
     "id FROM posts"),
    ("SELECT id FROM users WHERE name IN (1, 2)", "operator does not exist: text = a number", "1"),
    ("SELECT id FROM users WHERE upper(name) = 1", "operator does not exist: text = a number", "1"),
    ("SELECT id FROM users WHERE age LIKE 'a%'", "operator does not exist: a number ~~ text", "age"),
    ("SELECT id FROM users WHERE age = 'abc'", 'invalid input syntax for type integer: "abc"', "'abc'"),
    ("SELECT id FROM users WHERE id = '1.5'", 'invalid input syntax for type integer: "1.5"', "'1.5'"),
    ("SELECT id FROM users WHERE score > 'x'", 'invalid input syntax for type numeric: "x"', "'x'"),
    ("SELECT id FROM users WHERE active = 'maybe'", 'invalid input syntax for type boolean: "maybe"', "'maybe'"),
    ("SELECT id FROM users WHERE feeling = 'angry'", 'invalid input value for enum mood: "angry"', "'angry'"),
    ("SELECT id FROM users WHERE token = 'abc'", 'invalid input syntax for type uuid: "abc"', "'abc'"),
    ("SELECT id FROM users WHERE created > 'yesterday-ish'", "invalid input syntax for type timestamp with time zone",
     "'yesterday-ish'"),
    ("SELECT id FROM users WHERE born = '2024'", 'invalid input syntax for type date: "2024"', "'2024'"),
    ("SELECT id FROM users WHERE age BETWEEN 'a' AND 'b'", 'invalid input syntax for type integer: "a"', "'a'"),
    ("SELECT id FROM users WHERE age IN (1, 'x')", 'invalid input syntax for type integer: "x"', "'x'"),
    ("SELECT id FROM users WHERE age = sqlc.narg(a) OR age = 'q'", 'invalid input syntax for type integer: "q"',
     "'q'"),
    ("SELECT id FROM users WHERE name", "argument of WHERE must be type boolean, not text", "name"),
    ("SELECT id FROM users WHERE active AND age", "argument of AND must be type boolean, not a number", "age"),
    ("SELECT NOT age AS x FROM users", "argument of NOT must be type boolean, not a number", "age"),
    ("SELECT u.id FROM users u JOIN posts p ON p.title", "argument of JOIN/ON must be type boolean, not text",
     "p.|title"),
    ("SELECT count(*) FROM users GROUP BY name HAVING name", "argument of HAVING must be type boolean", "HAVING |name"),
    ("SELECT name + 1 AS x FROM users", "operator does not exist: text +", "name"),
    ("SELECT -name AS x FROM users", "operator does not exist: - text", "name"),
    ("SELECT created + 1 AS x FROM users", "operator does not exist: timestamp with time zone + a number", "1"),
    ("SELECT born + 3000000000 AS x FROM users", "operator does not exist: date + a number", "3000000000"),
    ("SELECT born + born AS x FROM users", "operator does not exist: date + date", "born AS"),
    ("SELECT age + 'x' AS x FROM users", 'invalid input syntax for type integer: "x"', "'x'"),
    ("SELECT CASE WHEN active THEN name ELSE age END AS c FROM users", "CASE types text and a number cannot be matched",
     "age"),
    ("SELECT CASE WHEN active THEN 1 ELSE 'x' END AS c FROM users", 'invalid input syntax for type integer: "x"',
     "'x'"),
    ("SELECT id, name FROM users UNION SELECT id, likes FROM posts", "UNION types text and a number cannot be matched",
     "likes"),
    ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT (n + 1)::text FROM r) SELECT n FROM r",
     "UNION types a number and text cannot be matched", "(|n + 1)"),
    ("SELECT id FROM users LIMIT 'a'", 'invalid input syntax for type bigint: "a"', "'a'"),
    ("SELECT id FROM users LIMIT @n OFFSET 'z'", 'invalid input syntax for type bigint: "z"', "'z'"),
    ("SELECT id FROM users LIMIT age", "argument of LIMIT must not read a column of its own query's rows", "age"),
    ("SELECT u.id FROM users u JOIN posts p USING (id) WHERE p.title = 3", "operator does not exist: text = a number",
     "3"),
    ("SELECT u.id FROM users u JOIN (SELECT name AS id FROM users) AS p USING (id)",
     "operator does not exist: a number = text", "id)"),
    ("SELECT coalesce(name, 1) AS c FROM users", "COALESCE types text and a number cannot be matched", "1"),
    ("SELECT greatest(age, 'x') AS c FROM users", 'invalid input syntax for type integer: "x"', "'x'"),
    ("SELECT x FROM (VALUES (1), ('b')) AS v (x)", 'invalid input syntax for type integer: "b"', "'b'"),
    ("SELECT x FROM (VALUES (1), (true)) AS v (x)", "VALUES types a number and boolean cannot be matched", "v (x)"),
    ("SELECT 'abc'::int AS x", 'invalid input syntax for type integer: "abc"', "'abc'"),
    ("SELECT '0x1F'::date AS x", 'invalid input syntax for type date: "0x1F"', "'0x1F'"),
    ("SELECT active::date AS x FROM users", "cannot cast type boolean to a date or timestamp", "active"),
    ("SELECT created::int AS x FROM users", "cannot cast type a date or timestamp to a number", "created"),
    ("SELECT age::timestamptz AS x FROM users", "cannot cast type a number to a date or timestamp", "age"),
    ("SELECT token::bigint AS x FROM users", "cannot cast type uuid to a number", "token"),
    ("SELECT sum(name) AS s FROM users", "function sum(text) does not exist", "name"),
    ("SELECT avg(created) AS a FROM users", "function avg(a date or timestamp) does not exist", "created"),
    ("SELECT max(active) AS a FROM users", "function max(boolean) does not exist", "active"),
    ("SELECT length(age) AS l FROM users", "function length(a number) does not exist", "age"),
    ("SELECT upper(id) AS u FROM users", "function upper(a number) does not exist", "id) AS"),
]
EXEC_REFUSED = [
    ("UPDATE users SET age = name", 'column "age" is of type a number but expression is of type text', "name"),
    ("UPDATE users SET active = 1", 'column "active" is of type boolean but expression is of type a number', "1"),
    ("UPDATE users SET age = 'abc'", 'invalid input syntax for type integer: "abc"', "'abc'"),
    ("UPDATE users SET feeling = 'angry'", 'invalid input value for enum mood: "angry"', "'angry'"),
    ("UPDATE users SET feeling = name", 'column "feeling" is of type mood but expression is of type text', "name"),
    ("INSERT INTO posts (id, user_id, title, likes) VALUES (1, 2, 'a', 'x')",
     'invalid input syntax for type integer: "x"', "'x'"),
    ("INSERT INTO users (id, name, active) VALUES (1, 'a', 'maybe')", 'invalid input syntax for type boolean: "maybe"',
     "'maybe'"),
    ("INSERT INTO users (id, name, active, created) VALUES (1, 'x', true, 5)",
     'column "created" is of type a date or timestamp but expression is of type a number', "5"),
    ("INSERT INTO posts (id, user_id, title, likes) SELECT id, name, name, age FROM users",
     'column "user_id" is of type a number but expression is of type text', "name, name"),
    ("DELETE FROM users WHERE name = 1", "operator does not exist: text = a number", "1"),
    ("INSERT INTO users (id, name, name, active) VALUES (1, 'a', 'b', true)", 'column "name" specified more than once',
     "name, active"),
    ("UPDATE users SET name = 'a', age = 2, name = 'b'", 'multiple assignments to same column "name"', "name = 'b'"),
    ("UPDATE users SET (name, age) = ('a', 2), age = 3", 'multiple assignments to same column "age"', "age = 3"),
    ("INSERT INTO users (id, name, active) VALUES (1, 'a', true) ON CONFLICT (id) DO UPDATE SET name = 'x', "
     "name = excluded.name", 'multiple assignments to same column "name"', "name = excluded"),
    ("INSERT INTO users (id, name, active, email) VALUES (1, 'a', true, 'e') ON CONFLICT (id) DO UPDATE "
     "SET name = excluded.name WHERE users.active = 1", "operator does not exist: boolean = a number", "active = |1"),
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
    "SELECT id FROM users WHERE age = 1.5 AND score = 1 AND age = score AND nick = name AND name = 'x'",
    "SELECT id FROM users WHERE id = ' 12 ' AND score = '1.5e3' AND score = ' NaN ' AND age = '0x1F'",
    "SELECT id FROM users WHERE active = 'yes' AND active = ' t' AND active = 'of' AND active = '1'",
    "SELECT id FROM users WHERE feeling = 'happy' AND token = '{A0EEBC99-9C0B4EF8-BB6D6BB9-BD380A11}'",
    "SELECT id FROM users WHERE created > '2024-01-01' AND created < 'now' AND born = '20240131' AND born < 'today'",
    "SELECT id FROM users WHERE created = CURRENT_DATE AND born < created AND created > now() - interval '1 day'",
    "SELECT id FROM users WHERE age::text = name AND age = name::int AND length(name) = age",
    "SELECT born + 1 AS a, born - 2 AS b, 3 + born AS c, born - born AS d, created - created AS e FROM users",
    "SELECT age + score AS a, -age AS b, score * 2 AS c, age / 2 AS d FROM users",
    "SELECT CASE WHEN active THEN name ELSE 'x' END AS a, CASE WHEN active THEN age ELSE 0 END AS b FROM users",
    "SELECT CASE WHEN active THEN 'a' ELSE 'b' END AS a, CASE WHEN active THEN nick ELSE name END AS b FROM users",
    "SELECT id, name FROM users UNION SELECT likes, 'x' FROM posts UNION SELECT 1.5, NULL",
    "SELECT name FROM users WHERE active AND (age > 1 OR NOT active) AND name LIKE @pattern AND nick ILIKE 'a%'",
    "SELECT id FROM users WHERE token = @token AND feeling = @feeling AND age IN (@a, 2) LIMIT @n OFFSET '3'",
    "SELECT u.id FROM users u JOIN posts p ON p.user_id = u.id AND p.likes > u.score",
    "SELECT coalesce(age, score, 0) AS a, greatest(nick, name, 'x') AS b, nullif(born, created) AS c FROM users",
    "SELECT x, y FROM (VALUES (1, 'a'), (2.5, NULL), (NULL, 'c')) AS v (x, y)",
    "SELECT '5'::int AS a, ' 2.5 '::numeric AS b, 'yes'::boolean AS c, 'now'::date AS d, '1 day'::interval AS e",
    "SELECT sum(age) AS a, avg(score) AS b, max(name) AS c, min(born) AS d, max(feeling) AS e FROM users",
    "SELECT lower(nick) AS a, upper(name) AS b, length(name) AS c, char_length(nick) AS d FROM users",
    "SELECT id FROM users WHERE score = '0x1F' AND score > '1_000' AND age = '1_000'",
    "SELECT age::boolean AS a, active::int AS b, score::int AS c, born::timestamp AS d, created::date AS e, "
    "token::text AS f, name::uuid AS g, created::time AS h, feeling::text AS i, age::text AS j FROM users",
]
EXEC_TAKEN = [
    "UPDATE users SET name = 1, nick = age, score = age, age = 2.5, active = 'yes', feeling = 'sad'",
    "UPDATE users SET created = born, born = created, name = feeling, token = @token, feeling = @f",
    "INSERT INTO users (id, name, active, born) VALUES (1, 2, 't', '2024-01-31')",
    "INSERT INTO posts (id, user_id, title, likes) SELECT id, id, name, age FROM users",
    "UPDATE users SET (name, age) = ('a', 2), score = 3, nick = 'n'",
]


@pytest.fixture(scope="module")
def pg(postgres_server: Any) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(postgres_server.get_uri(), autocommit=True) as conn:
        conn.execute("CREATE SCHEMA pgverdict_pinned")
        conn.execute("SET search_path TO pgverdict_pinned")
        conn.execute(SCHEMA.encode())
        yield conn
        conn.execute("DROP SCHEMA pgverdict_pinned CASCADE")


def server_refuses(conn: psycopg.Connection[Any], sql: str) -> str | None:
    try:
        with conn.transaction(force_rollback=True):
            conn.execute(f"PREPARE pinned AS {sql}".encode())
            conn.execute("DEALLOCATE pinned")
    except psycopg.Error as error:
        return str(error)
    return None


def _generate(root: Path, sql: str, command: str = "many") -> list[str]:
    make_project(root, {"1.sql": SCHEMA}, {"q.sql": f"-- name: Q :{command}\n{sql};\n"}, engine="postgresql")
    return run_cli(root).errors


CASES = [(sql, message, at, "many") for sql, message, at in REFUSED] + \
    [(sql, message, at, "exec") for sql, message, at in EXEC_REFUSED]


@pytest.mark.parametrize("sql, message, at, command", CASES, ids=[c[1][:40] + f"-{i}" for i, c in enumerate(CASES)])
def test_refused_located_as_theserver_refuses(pg: psycopg.Connection[Any], tmp_path: Path, sql: str, message: str,
                                               at: str, command: str) -> None:
    """Located where `at` first stands in the query, at its `|` if it has one (the file's second line)."""
    assert server_refuses(pg, numbered(sql)) is not None
    errors = _generate(tmp_path, sql, command)
    column = sql.index(at.replace("|", "")) + max(at.find("|"), 0) + 1  # `|`: where in `at`
    assert len(errors) == 1 and errors[0].startswith(f"queries/q.sql:2:{column}: error: query Q: {message}"), errors


@pytest.mark.parametrize("sql, command", [(sql, "many") for sql in TAKEN] + [(sql, "exec") for sql in EXEC_TAKEN])
def test_taken_as_the_server_takes_it(pg: psycopg.Connection[Any], tmp_path: Path, sql: str, command: str) -> None:
    assert server_refuses(pg, numbered(sql)) is None
    assert _generate(tmp_path, sql, command) == []


def numbered(sql: str) -> str:
    """@name and sqlc.arg/narg(name) as PostgreSQL's $n, one per name."""
    numbers: dict[str, str] = {}
    return re.sub(r"sqlc\.n?arg\((\w+)\)|@(\w+)",
                  lambda m: numbers.setdefault(m.group(1) or m.group(2), f"${len(numbers) + 1}"), sql)
