"""A column named like any SQLite keyword, in every statement codegen writes the column list of
(`SELECT *`, `SELECT t.*`, `RETURNING *`, `sqlc.embed(t)`): each runs on SQLite. The expansion
wrote `raise` and `autoincrement` bare, and SQLite refused the query with a syntax error when the
generated function was called (found by tests/test_safety_properties.py once, in a full run)."""

from __future__ import annotations

import inspect
import sqlite3
from pathlib import Path

from _support import generate, import_module, imported

# https://sqlite.org/lang_keywords.html
KEYWORDS = """ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE BEGIN BETWEEN
BY CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME
CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE DEFERRED DELETE DESC DETACH DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT
EXCLUDE EXCLUSIVE EXISTS EXPLAIN FAIL FILTER FIRST FOLLOWING FOR FOREIGN FROM FULL GENERATED GLOB GROUP GROUPS HAVING
IF IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY INNER INSERT INSTEAD INTERSECT INTO IS ISNULL JOIN KEY LAST LEFT LIKE
LIMIT MATCH MATERIALIZED NATURAL NO NOT NOTHING NOTNULL NULL NULLS OF OFFSET ON OR ORDER OTHERS OUTER OVER PARTITION
PLAN PRAGMA PRECEDING PRIMARY QUERY RAISE RANGE RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE RESTRICT
RETURNING RIGHT ROLLBACK ROW ROWS SAVEPOINT SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION TRIGGER UNBOUNDED
UNION UNIQUE UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT""".lower().split()


def test_every_keyword_column_survives_each_expansion(tmp_path: Path) -> None:
    schema = "".join(f'CREATE TABLE "t_{k}" (id INTEGER PRIMARY KEY, "{k}" TEXT);\n' for k in KEYWORDS)
    queries = "".join(f"""\
-- name: All{i} :many
SELECT * FROM "t_{k}";

-- name: Qualified{i} :many
SELECT t.* FROM "t_{k}" t;

-- name: Add{i} :one
INSERT INTO "t_{k}" ("{k}") VALUES (?) RETURNING *;

-- name: Embedded{i} :many
SELECT sqlc.embed(t), 1 AS one FROM "t_{k}" t;

""" for i, k in enumerate(KEYWORDS))
    out = generate(tmp_path, {"0001.up.sql": schema}, {"k.sql": queries})
    with imported(out) as package:
        module = import_module(package, "queries.k")
        conn = sqlite3.connect(":memory:")
        conn.executescript(schema)
        for i, k in enumerate(KEYWORDS):
            add = getattr(module, f"add{i}")
            column_arg = [p for p in inspect.signature(add).parameters if p != "conn"][0]  # named after the column
            added = add(conn, **{column_arg: k})
            assert added.id == 1
            for name in (f"all{i}", f"qualified{i}"):
                rows = getattr(module, name)(conn)
                assert [r.id for r in rows] == [1], (k, name)
            assert [r.one for r in getattr(module, f"embedded{i}")(conn)] == [1], k
        conn.close()
