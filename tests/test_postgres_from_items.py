"""PostgreSQL FROM items a user writes that generation refused or left untyped:
- a column definition list, `jsonb_to_recordset(doc) AS r(a int, b text)`, typed its columns
  typing.Any: they are the declared types, nullable (a record without the key reads NULL);
- `ROWS FROM (f(...), g(...)) [WITH ORDINALITY]` was refused with "no such table: " (no name);
- `FETCH NEXT @n ROWS ONLY` left @n typing.Any.

Drawn: JSON records with and without each key, arrays of different lengths, page sizes. Oracle:
the server's result and parameter types (pg_prepared_statements) and the same SQL run raw."""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import annotation_text, generate, import_module, imported

SCHEMA = "CREATE TABLE docs (id int PRIMARY KEY, payload jsonb NOT NULL, words text[] NOT NULL);\n"
QUERIES = {
    "records": "SELECT d.id, r.a, r.b FROM docs d, LATERAL jsonb_to_recordset(d.payload) AS r(a int, b text) "
               "ORDER BY d.id, r.a NULLS LAST, r.b NULLS LAST",
    "record_of_param": "SELECT r.a, r.b FROM jsonb_to_recordset(@doc::jsonb) AS r(a bigint, b text)",
    "side_by_side": "SELECT d.id, t.* FROM docs d, ROWS FROM (unnest(d.words), generate_series(1, d.id)) "
                    "WITH ORDINALITY AS t(word, n, ord) ORDER BY d.id, t.ord",
    "page": "SELECT id FROM docs ORDER BY id OFFSET @skip ROWS FETCH NEXT @take ROWS ONLY",
}
ANNOTATION_OF = {"integer": "int", "bigint": "int", "text": "str"}


@pytest.fixture(scope="module")
def q(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    text = "".join(f"-- name: {n.title().replace('_', '')} :many\n{sql};\n" for n, sql in QUERIES.items())
    out = generate(tmp_path_factory.mktemp("from_items"), {"1.sql": SCHEMA}, {"q.sql": text}, out="gen_from_items",
                   engine="postgresql")
    with imported(out) as package:
        yield import_module(package, "queries.q")


def _numbered(sql: str) -> tuple[str, list[str]]:
    names = list(dict.fromkeys(re.findall(r"@(\w+)", sql)))
    return re.sub(r"@(\w+)", lambda m: f"${names.index(m.group(1)) + 1}", sql), names


def test_postgres_from_items_are_typed_as_the_server_types_them(q: Any, postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(SCHEMA)
        for name, sql in QUERIES.items():
            numbered, params = _numbered(sql)
            conn.execute(f"PREPARE {name} AS {numbered}".encode())
            results, parameters = conn.execute(
                "SELECT result_types::text[], parameter_types::text[] FROM pg_prepared_statements WHERE name = %s",
                (name,)).fetchone()
            function = getattr(q, name)
            hints = typing.get_type_hints(function)
            (row,) = typing.get_args(hints["return"])
            ours = [f.annotation for f in row.model_fields.values()] if hasattr(row, "model_fields") else [row]
            assert [annotation_text(a).removesuffix(" | None") for a in ours] == [
                ANNOTATION_OF[t] for t in results], name
            declared = [hints[p] for p in params]
            assert declared == [{"integer": int, "bigint": int, "jsonb": typing.Any}[t] for t in parameters], name


records = st.lists(st.fixed_dictionaries({}, optional={"a": st.integers(-9, 9), "b": st.text("xy ", max_size=3)}),
                   max_size=3)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=st.lists(st.tuples(records, st.lists(st.text("pq", min_size=1, max_size=2), max_size=3)),
                     min_size=1, max_size=4),
       skip=st.integers(0, 3), take=st.integers(0, 3))
def test_postgres_from_items_read_what_the_server_returns(
        q: Any, postgres_url: str, docs: list[tuple[list[dict[str, Any]], list[str]]], skip: int, take: int) -> None:
    with psycopg.connect(postgres_url) as conn:
        conn.execute(SCHEMA)
        try:
            for i, (payload, words) in enumerate(docs, start=1):
                conn.execute("INSERT INTO docs VALUES (%s, %s, %s)", (i, json.dumps(payload), words))
            for name, args in (("records", {}), ("side_by_side", {}), ("page", {"skip": skip, "take": take}),
                               ("record_of_param", {"doc": docs[0][0]})):
                raw_args = {p: json.dumps(v) if p == "doc" else v for p, v in args.items()}
                raw = conn.execute(re.sub(r"@(\w+)", r"%(\1)s", QUERIES[name]).encode(), raw_args).fetchall()
                got = getattr(q, name)(conn, **args)
                assert [tuple(r.model_dump().values()) if hasattr(r, "model_dump") else (r,) for r in got] == raw, name
        finally:
            conn.rollback()
