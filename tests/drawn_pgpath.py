"""Drawn PostgreSQL search_path histories for tests/test_drawn_pgpath.py.

A `History` is: two or three schemas besides public (plain, quoted mixed-case, one needing quotes
for its blank), the search_path the project declares its connections have (`$user` among them at
times: the role postgres has no schema, so it names none), and two migration files of statements
that move the search_path (SET, SET LOCAL, pg_dump's set_config, RESET) and create, alter, rename,
move and drop tables, views and enums of the same few names (`items`, `notes`, `status`), named
unqualified or with a schema. Which of them the server accepts is the server's to say: the test
applies them one by one and keeps those it takes (`accepted`), so every kept history is one a real
database runs, and whatever the catalog resolves differently from the server shows.

Every creation carries a mark of its own (a column `m<k>`, labels `l<k>...`), so rows read from
(or written to) another same-named table, or typed by another same-named enum, do not fit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hypothesis import strategies as st

SCHEMAS = ("app", "Sales", "b c", "acct")
NAMES = ("items", "notes")


def ident(name: str) -> str:
    """A name as SQL writes it: bare where PostgreSQL's folding keeps it, else quoted."""
    return name if re.fullmatch(r"[a-z_][a-z0-9_]*", name) else '"' + name.replace('"', '""') + '"'


def path_sql(path: tuple[str, ...]) -> str:
    """A search_path as SET writes it ("$user" quoted, as the server shows it)."""
    return ", ".join('"$user"' if n == "$user" else ident(n) for n in path)


@dataclass(frozen=True)
class History:
    schemas: tuple[str, ...]  # besides public
    declared: tuple[str, ...]  # the project's search_path
    files: tuple[tuple[str, ...], ...]  # statements per migration file, as drawn (the server keeps some)


# How often each kind of statement is drawn: creations often enough that most names exist.
KINDS = ("set", "set", "set", "set local", "set_config", "reset", "create schema",
         "create table", "create table", "create table", "create table", "create type", "create type",
         "create view", "create view", "add column", "rename", "set schema", "drop table", "drop type")


@st.composite
def histories(draw: st.DrawFn) -> History:
    schemas = tuple(draw(st.lists(st.sampled_from(SCHEMAS), min_size=2, max_size=3, unique=True), label="schemas"))
    pool = ("$user", "public", *schemas)
    declared = draw(st.lists(st.sampled_from(pool[1:]), min_size=1, max_size=3, unique=True), label="declared")
    if draw(st.booleans(), label="$user in it"):
        declared.insert(draw(st.integers(0, len(declared))), "$user")
    files = []
    mark = 0
    for number in range(2):
        statements = [f"CREATE SCHEMA {ident(s)}" for s in schemas
                      if number == 0 and draw(st.integers(0, 4), label=f"create {s} first")]
        if number == 0:  # a start most later statements find something to change in
            for kind in ("create type", "create type", "create table", "create table", "create table"):
                mark += 1
                statements.append(draw(_statement(kind, schemas, pool, mark)))
        for _ in range(draw(st.integers(3 if number == 0 else 2, 12 if number == 0 else 8), label="statements")):
            mark += 1
            statements.append(draw(_statement(draw(st.sampled_from(KINDS), label="kind"), schemas, pool, mark)))
        files.append(tuple(statements))
    return History(schemas, tuple(declared), tuple(files))


@st.composite
def _statement(draw: st.DrawFn, kind: str, schemas: tuple[str, ...], pool: tuple[str, ...], mark: int) -> str:
    schema = draw(st.sampled_from(schemas + ("public",)))
    qualifier = draw(st.sampled_from(("", "", ident(schema) + ".")))
    name = draw(st.sampled_from(NAMES))
    target = qualifier + name
    path = path_sql(tuple(draw(st.lists(st.sampled_from(pool), max_size=3, unique=True))))
    cascade = draw(st.sampled_from(("", " CASCADE")))
    return {
        "set": f"SET search_path TO {path or 'DEFAULT'}",
        "set local": f"SET LOCAL search_path TO {path or 'DEFAULT'}",
        "set_config": f"SELECT pg_catalog.set_config('search_path', '{path}', false)",
        "reset": "RESET search_path",
        "create schema": f"CREATE SCHEMA {ident(schema)}",
        "create table": f"CREATE TABLE {target} (id serial PRIMARY KEY, m{mark} integer NOT NULL DEFAULT {mark}"
                        f"{draw(st.sampled_from(('', ', st status', ', st status', ', st ' + qualifier + 'status')))})",
        "create type": f"CREATE TYPE {qualifier}status AS ENUM ('l{mark}a', 'l{mark}b')",
        "create view": f"CREATE VIEW {qualifier}{draw(st.sampled_from(NAMES))}_v AS SELECT * FROM "
                       f"{draw(st.sampled_from(('', ident(schema) + '.'))) + name}",
        "add column": f"ALTER TABLE {target} ADD COLUMN a{mark} text NOT NULL DEFAULT 'a{mark}'",
        "rename": f"ALTER TABLE {target} RENAME TO {draw(st.sampled_from(NAMES))}",
        "set schema": f"ALTER TABLE {target} SET SCHEMA {ident(draw(st.sampled_from(schemas + ('public',))))}",
        "drop table": f"DROP TABLE {target}{cascade}",
        "drop type": f"DROP TYPE {qualifier}status{cascade}",
    }[kind]
