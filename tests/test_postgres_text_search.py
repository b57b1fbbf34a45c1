"""PostgreSQL full-text search, as an application writes it: a generated tsvector column, `@@`, and
ts_rank of a tsvector and a tsquery built by to_tsquery, plainto_tsquery or websearch_to_tsquery.

Generation refused `ts_rank(search, to_tsquery(@q))` ("function ts_rank(unknown, text) does not
exist"): the text search functions' results were typed as text, which no version of ts_rank takes;
the server takes it. They are str in Python still (psycopg reads a tsvector as its text), but of no
string type. Drawn: documents from a small vocabulary and a query word; the oracle is the same SQL
run raw through psycopg."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests._support import generate, import_module, imported

SCHEMA = """
CREATE TABLE posts (
  id bigserial PRIMARY KEY,
  title text NOT NULL,
  body text NOT NULL DEFAULT '',
  search tsvector GENERATED ALWAYS AS (setweight(to_tsvector('english', title), 'A') || to_tsvector('english', body)) STORED
);
"""

QUERIES = """
-- name: AddPost :one
INSERT INTO posts (title, body) VALUES (@title, @body) RETURNING id;

-- name: Ranked :many
SELECT id, ts_rank(search, to_tsquery('english', @q)) AS rank FROM posts
WHERE search @@ to_tsquery('english', @q) ORDER BY rank DESC, id;

-- name: RankedPlain :many
SELECT id, ts_rank_cd(search, plainto_tsquery('english', @q)) AS rank FROM posts
WHERE search @@ plainto_tsquery('english', @q) ORDER BY rank DESC, id;

-- name: RankedWeb :many
SELECT id, ts_rank(to_tsvector('english', title || ' ' || body), websearch_to_tsquery('english', @q), 1) AS rank
FROM posts ORDER BY rank DESC, id;

-- name: Headline :many
SELECT id, ts_headline('english', body, plainto_tsquery('english', @q)) AS shown, strip(search) AS bare,
       numnode(plainto_tsquery('english', @q)) AS nodes
FROM posts ORDER BY id;
"""

WORDS = ["cat", "cats", "dog", "running", "runs", "postgres", "search", "the", "quick", "brown"]


@pytest.fixture(scope="module")
def q(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    out = generate(tmp_path_factory.mktemp("text_search"), {"1.sql": SCHEMA}, {"q.sql": QUERIES},
                   out="gen_text_search", engine="postgresql")
    with imported(out) as pkg:
        yield import_module(pkg, "queries.q")


def test_postgres_text_search_results_are_typed_for_the_functions_that_take_them(q: Any) -> None:
    import typing

    hints = typing.get_type_hints(q.HeadlineRow)
    assert hints == {"id": int, "shown": str, "bare": str | None, "nodes": int}
    assert typing.get_type_hints(q.RankedRow) == {"id": int, "rank": float | None}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=st.lists(st.tuples(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join),
                               st.lists(st.sampled_from(WORDS), max_size=6).map(" ".join)), min_size=1, max_size=5),
       word=st.sampled_from(WORDS))
def test_postgres_generated_text_search_returns_what_the_server_does(q: Any, postgres_url: str,
                                                                     docs: list[tuple[str, str]], word: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS posts")
        conn.execute(SCHEMA.encode())
        for title, body in docs:
            q.add_post(conn, title=title, body=body)
        for function, name in ((q.ranked, "Ranked"), (q.ranked_plain, "RankedPlain"), (q.ranked_web, "RankedWeb"),
                               (q.headline, "Headline")):
            sql = QUERIES.split(f"-- name: {name} :many")[1].split("-- name:")[0].strip().rstrip(";")
            raw = conn.execute(sql.replace("@q", "%(q)s").encode(), {"q": word}).fetchall()
            got = function(conn, q=word)
            assert [tuple(r.model_dump().values()) for r in got] == [tuple(r) for r in raw], (name, word, docs)
