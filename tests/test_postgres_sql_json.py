"""PostgreSQL 15-18 forms a user of the test server (18) writes, which generation refused or left
untyped: JSON_TABLE (17) was "no such column"; JSON_VALUE, JSON_QUERY and JSON_EXISTS (17) were
typing.Any; any_value (16) was refused as a bare column of a grouped query; a table's
UNIQUE NULLS NOT DISTINCT (15) failed the schema ("expected '('"). VIRTUAL generated columns (18)
are read.

Drawn: JSON documents (items with and without each key, nested arrays, values of the wrong kind).
Oracle: the same SQL run raw through psycopg, and the server's own result types
(pg_prepared_statements), which each generated annotation must match."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import annotation_text, generate, import_module, imported

SCHEMA = """CREATE TABLE docs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  doc jsonb NOT NULL,
  title text NOT NULL,
  slug text GENERATED ALWAYS AS (lower(title)) VIRTUAL,
  email text,
  UNIQUE NULLS NOT DISTINCT (email)
);
"""
QUERIES = {
    "values": "SELECT id, JSON_VALUE(doc, '$.n' RETURNING int) AS n, JSON_VALUE(doc, '$.label') AS label, "
              "JSON_QUERY(doc, '$.items') AS items, JSON_EXISTS(doc, '$.label') AS has_label FROM docs ORDER BY id",
    "items": "SELECT d.id, jt.* FROM docs d, JSON_TABLE(d.doc, '$.items[*]' COLUMNS ("
             "ord FOR ORDINALITY, n int PATH '$.n', label text PATH '$.label', raw jsonb FORMAT JSON PATH '$.raw', "
             "NESTED PATH '$.tags[*]' COLUMNS (tag text PATH '$'))) AS jt ORDER BY d.id, jt.ord, jt.tag",
    "of_param": "SELECT t.n, t.label FROM JSON_TABLE(@doc, '$[*]' COLUMNS (n int PATH '$.n', label text)) AS t",
    "any_title": "SELECT slug, any_value(title) AS title, count(*) AS docs FROM docs GROUP BY slug ORDER BY slug",
    "add": "INSERT INTO docs (doc, title, email) VALUES (@doc, @title, @email) RETURNING *",
}
COMMANDS = {"add": ":one"}

# The server's type names of each annotation.
SERVER_TYPES = {"int": {"integer", "bigint"}, "str": {"text"}, "bool": {"boolean"}, "typing.Any": {"jsonb"}}


@pytest.fixture(scope="module")
def q(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    text = "".join(f"-- name: {name.title().replace('_', '')} {COMMANDS.get(name, ':many')}\n{sql};\n"
                   for name, sql in QUERIES.items())
    out = generate(tmp_path_factory.mktemp("sql_json"), {"1.sql": SCHEMA}, {"q.sql": text}, out="gen_sql_json",
                   engine="postgresql")
    with imported(out) as package:
        yield import_module(package, "queries.q")


def _raw(sql: str) -> str:
    return re.sub(r"@(\w+)", r"%(\1)s", sql)


def test_postgres_sql_json_results_are_typed_as_the_server_types_them(q: Any, postgres_url: str) -> None:
    rows = {"values": q.ValuesRow, "items": q.ItemsRow, "of_param": q.OfParamRow, "any_title": q.AnyTitleRow}
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(SCHEMA)
        for name, row in rows.items():
            sql = re.sub(r"@(\w+)", lambda m: "$1", QUERIES[name])
            conn.execute(f"PREPARE {name} AS {sql}".encode())
            (types,) = conn.execute("SELECT result_types::text[] FROM pg_prepared_statements WHERE name = %s",
                                    (name,)).fetchone()
            fields = row.model_fields
            assert len(types) == len(fields), name
            for (field, info), server in zip(fields.items(), types):
                written = annotation_text(info.annotation)
                assert server in SERVER_TYPES[written.removesuffix(" | None")], (name, field, written, server)
        # JSON_TABLE's path columns, JSON_VALUE and JSON_QUERY are NULL where the path finds nothing
        assert all("None" in str(q.ItemsRow.model_fields[f].annotation) for f in ("n", "label", "tag"))
        assert str(q.ItemsRow.model_fields["ord"].annotation) == "<class 'int'>"
        assert q.add.__annotations__["return"] is q.models.Doc


scalars = st.one_of(st.none(), st.integers(-5, 5), st.text("ab c'\"", max_size=4), st.booleans())
items = st.fixed_dictionaries({}, optional={"n": st.one_of(st.integers(-1000, 1000), st.text("x", max_size=1)),
                                            "label": scalars, "raw": scalars,
                                            "tags": st.lists(st.text("tuv", max_size=2), max_size=3)})
docs = st.fixed_dictionaries({}, optional={"n": st.integers(-1000, 1000), "label": st.text("pq", max_size=3),
                                           "items": st.lists(items, max_size=3)})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(st.tuples(docs, st.sampled_from(["A", "a", "B"]), st.none() | st.just("e@x")),
                      min_size=1, max_size=4))
def test_postgres_sql_json_reads_what_the_server_returns(q: Any, postgres_url: str,
                                                         batch: list[tuple[dict[str, Any], str, str | None]]) -> None:
    with psycopg.connect(postgres_url) as conn:
        conn.execute(SCHEMA)
        try:
            emails: set[str | None] = set()
            for doc, title, email in batch:
                if email in emails:  # NULLS NOT DISTINCT: a second NULL is refused as a second e@x is
                    with pytest.raises(psycopg.errors.UniqueViolation), conn.transaction():
                        q.add(conn, doc=doc, title=title, email=email)
                    continue
                emails.add(email)
                with conn.transaction(force_rollback=True):
                    raw = conn.execute(_raw(QUERIES["add"]), {"doc": json.dumps(doc), "title": title,
                                                               "email": email}).fetchall()
                added = q.add(conn, doc=doc, title=title, email=email)
                # the identity the rolled-back raw insert drew is spent: the generated one is the next
                assert tuple(added.model_dump().values()) == (raw[0][0] + 1, *raw[0][1:])
            for name in ("values", "items", "any_title"):
                raw = conn.execute(QUERIES[name]).fetchall()
                assert [tuple(r.model_dump().values()) for r in getattr(q, name)(conn)] == raw, name
            listed = [doc.get("items", []) for doc, _, _ in batch][0]
            raw = conn.execute(_raw(QUERIES["of_param"]), {"doc": json.dumps(listed)}).fetchall()
            assert [tuple(r.model_dump().values()) for r in q.of_param(conn, doc=listed)] == raw
        finally:
            conn.rollback()
