"""Schema and query forms of PostgreSQL 14-18 (the test server is 18), which generation refused or
typed wrong:
- a temporal foreign key, FOREIGN KEY (room_id, PERIOD during) (18), failed the schema ("no such
  column 'period'");
- a table-level NOT NULL constraint, CONSTRAINT a_nn NOT NULL a (18), left the column nullable, and
  ALTER TABLE ... DROP CONSTRAINT of a NOT NULL constraint's name (declared, or the default
  <table>_<column>_not_null) left it NOT NULL, so a NULL it then holds failed validation at every read;
- the keywords current_role, user and system_user (16) were refused as "no such column"
  (system_user is NULL for a session that did not authenticate, as the test server's);
- the columns a recursive CTE's SEARCH and CYCLE clauses (14) add were "no such column".

Oracle: the server. Each table's columns must be nullable in the generated models exactly where
the server's catalog says so; each query's result types are the server's; each generated function
returns what the same SQL run raw returns."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from _support import annotation_text, generate, import_module, imported

SCHEMA = """CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE rooms (id int, valid_at daterange NOT NULL, name text NOT NULL,
  PRIMARY KEY (id, valid_at WITHOUT OVERLAPS));
CREATE TABLE bookings (id int PRIMARY KEY, room_id int NOT NULL, during daterange NOT NULL,
  FOREIGN KEY (room_id, PERIOD during) REFERENCES rooms (id, PERIOD valid_at));
CREATE TABLE copies (LIKE bookings INCLUDING ALL, extra text);
CREATE TABLE marks (a int, b text, c int, CONSTRAINT a_nn NOT NULL a, CONSTRAINT ck CHECK (a > 0) NOT ENFORCED);
ALTER TABLE marks ADD CONSTRAINT b_nn NOT NULL b;
CREATE TABLE dropped (a int NOT NULL, b int CONSTRAINT b_must NOT NULL, c int NOT NULL, d int NOT NULL,
  e int PRIMARY KEY);
ALTER TABLE dropped DROP CONSTRAINT dropped_a_not_null;
ALTER TABLE dropped DROP CONSTRAINT b_must;
ALTER TABLE dropped RENAME CONSTRAINT dropped_c_not_null TO c_nn;
ALTER TABLE dropped DROP CONSTRAINT c_nn;
CREATE TABLE pending (id int PRIMARY KEY, a text, b text, c text);
INSERT INTO pending VALUES (1, NULL, NULL, 'x');
ALTER TABLE pending ADD CONSTRAINT a_nn NOT NULL a NOT VALID, ADD CONSTRAINT c_nn NOT NULL c NOT VALID;
ALTER TABLE pending VALIDATE CONSTRAINT c_nn;
"""
QUERIES = {
    "who": "SELECT current_role AS role, user AS u, system_user AS sys, current_user AS cu",
    "depth": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 4) "
             "SEARCH DEPTH FIRST BY n SET ordercol SELECT n FROM r ORDER BY ordercol",
    "cycle": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n % 3 + 1 FROM r) "
             "CYCLE n SET is_cycle USING path SELECT n, is_cycle FROM r",
    "cycle_mark": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n % 2 + 1 FROM r) "
                  "CYCLE n SET mark TO 'Y' DEFAULT 'N' USING p SELECT n, mark FROM r",
    "ties": "SELECT id, room_id FROM bookings ORDER BY room_id FETCH FIRST 1 ROWS WITH TIES",
    "grouped": "SELECT room_id, count(*) AS n FROM bookings GROUP BY DISTINCT room_id, ROLLUP (room_id) "
               "ORDER BY room_id NULLS LAST, n",
    "all_dropped": "SELECT * FROM dropped ORDER BY e",
}
SERVER_TYPES = {"int": {"integer", "bigint"}, "str": {"text", "name"}, "bool": {"boolean"}}


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    text = "".join(f"-- name: {name.title().replace('_', '')} :many\n{sql};\n" for name, sql in QUERIES.items())
    out = generate(tmp_path_factory.mktemp("pg_newer"), {"1.sql": SCHEMA}, {"q.sql": text}, out="gen_pg_newer",
                   engine="postgresql")
    with imported(out) as package:
        yield package


def test_postgres_columns_are_nullable_where_the_server_catalog_says(pkg: Any, postgres_url: str) -> None:
    models = import_module(pkg, "models")
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(SCHEMA.encode())
        server = conn.execute("SELECT table_name, column_name, is_nullable = 'YES' FROM information_schema.columns "
                              "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position").fetchall()
        # A NOT NULL added NOT VALID: the catalog says NOT NULL, the row already there reads NULL
        assert ("pending", "a", False) in server and conn.execute("SELECT a FROM pending").fetchall() == [(None,)]
        server[server.index(("pending", "a", False))] = ("pending", "a", True)
    ours = []
    for table, model in (("bookings", models.Booking), ("copies", models.Copy), ("dropped", models.Dropped),
                         ("marks", models.Mark), ("pending", models.Pending), ("rooms", models.Room)):
        ours += [(table, name, "None" in str(field.annotation)) for name, field in model.model_fields.items()]
    assert sorted(ours) == sorted(server)


def test_postgres_newer_query_forms_read_what_the_server_returns(pkg: Any, postgres_url: str) -> None:
    q = import_module(pkg, "queries.q")
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(SCHEMA.encode())
        conn.execute("INSERT INTO rooms VALUES (1, '[2026-01-01,2026-12-31)', 'a'), (2, '[2026-01-01,2026-12-31)', 'b');"
                     "INSERT INTO bookings VALUES (1, 1, '[2026-02-01,2026-02-03)'), (2, 1, '[2026-03-01,2026-03-02)'),"
                     " (3, 2, '[2026-02-01,2026-02-05)');"
                     "INSERT INTO dropped VALUES (NULL, NULL, NULL, 4, 1), (1, 2, 3, 4, 2)")
        for name, sql in QUERIES.items():
            conn.execute(f"PREPARE {name} AS {sql}".encode())
            (types,) = conn.execute("SELECT result_types::text[] FROM pg_prepared_statements WHERE name = %s",
                                    (name,)).fetchone()
            raw = conn.execute(sql.encode()).fetchall()
            rows = getattr(q, name)(conn)
            assert [tuple(r.model_dump().values()) if hasattr(r, "model_dump") else (r,) for r in rows] == raw, name
            (row,) = typing.get_args(typing.get_type_hints(getattr(q, name))["return"])  # list[Row]
            annotations = [f.annotation for f in row.model_fields.values()] if hasattr(row, "model_fields") else [row]
            assert len(annotations) == len(types), name
            for annotation, server in zip(annotations, types):
                written = annotation_text(annotation)
                assert server in SERVER_TYPES[written.removesuffix(" | None")], (name, written, server)
        # system_user is NULL for a session that did not authenticate (the test server trusts)
        assert q.who(conn)[0].sys is None
