"""PostgreSQL: a FROM item's bare name in the select list is its whole row (`SELECT e FROM
jsonb_array_elements_text(doc) AS e`, a pattern sqlc accepts). The analysis typed it (typing.Any,
with a warning) and then refused the query looking for a column named e. The generated function
now returns what the server returns, checked against the raw driver on a real server."""

from __future__ import annotations

from pathlib import Path

import psycopg

from _support import generate, import_module, imported

SCHEMA = "CREATE TABLE docs (id serial PRIMARY KEY, doc jsonb NOT NULL);\n"
QUERIES = {
    "elements": "SELECT e FROM docs, jsonb_array_elements_text(docs.doc) AS e ORDER BY docs.id",
    "pairs": "SELECT e FROM docs, jsonb_each_text(jsonb_build_object('id', docs.id)) AS e ORDER BY docs.id",
    "alone": "SELECT e FROM jsonb_array_elements_text('[\"x\", \"y\"]'::jsonb) AS e",
}


def test_postgres_a_from_items_whole_row_is_returned_as_the_server_returns_it(tmp_path: Path,
                                                                              postgres_url: str) -> None:
    text = "".join(f"-- name: {name.title()} :many\n{sql};\n" for name, sql in QUERIES.items())
    out = generate(tmp_path, {"1.sql": SCHEMA}, {"q.sql": text}, engine="postgresql")
    with psycopg.connect(postgres_url) as conn:
        conn.execute(SCHEMA)
        conn.execute("""INSERT INTO docs (doc) VALUES ('[{"a": "1"}, "b"]'), ('["c"]')""")
        with imported(out) as package:
            module = import_module(package, "queries.q")
            for name, sql in QUERIES.items():
                raw = [row[0] for row in conn.execute(sql).fetchall()]
                assert getattr(module, name)(conn) == raw and raw, name
