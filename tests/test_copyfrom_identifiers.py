""":copyfrom on PostgreSQL names its table and columns in a COPY statement of its own: names that
are PostgreSQL key words (user, order, group) or need quoting must be quoted there, or COPY is a
syntax error (found by the execution harness, tests/harness/, on sqlc's copyfrom_named_params)."""

from __future__ import annotations

from pathlib import Path

import psycopg

from _support import generate, import_module, imported

SCHEMA = """
CREATE TABLE "order" (id text NOT NULL, "user" text, "group" integer, "Mixed" integer);
"""
QUERIES = """
-- name: CopyOrders :copyfrom
INSERT INTO "order" (id, "user", "group", "Mixed") VALUES (@id, @user_name, @group_no, @mixed);
"""


def test_postgres_copyfrom_quotes_key_words(tmp_path: Path, postgres_url: str) -> None:
    package = generate(tmp_path / "project", {"schema.sql": SCHEMA}, {"copy.sql": QUERIES}, engine="postgresql",
                       out="copy_keywords")
    with imported(package) as pkg, psycopg.connect(postgres_url) as conn:
        conn.execute(SCHEMA.encode())
        module = import_module(pkg, "queries.copy")
        rows = [module.CopyOrdersParams("a", "ann", 1, 2), module.CopyOrdersParams("b", None, None, None)]
        assert module.copy_orders(conn, rows) == 2
        stored = conn.execute('SELECT id, "user", "group", "Mixed" FROM "order" ORDER BY id').fetchall()
    assert stored == [("a", "ann", 1, 2), ("b", None, None, None)]
