"""sqlc.embed(view): a view has a model (models.PostStat), so its row nests like a table's. It
was silently spread into plain columns of the result row (`user_id`, `email`, ... beside
`users`), and sqlc.embed of a CTE or a subquery, which has no model, was spread the same way;
that is now an error at the embed."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import generate, import_module, imported, make_project, run_cli

SCHEMA = {"0001.up.sql": """\
    CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
    CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), views INTEGER NOT NULL);
    CREATE VIEW post_stats AS
      SELECT user_id, count(*) AS n_posts, sum(views) AS total_views FROM posts GROUP BY user_id;
    """}
QUERIES = {"stats.sql": """\
    -- name: UsersWithStats :many
    SELECT sqlc.embed(users), sqlc.embed(s) FROM users LEFT JOIN post_stats s ON s.user_id = users.id ORDER BY users.id;

    -- name: StatsOf :one
    SELECT sqlc.embed(post_stats), users.email FROM post_stats JOIN users ON users.id = post_stats.user_id
    WHERE users.id = ?;
    """}


@pytest.fixture(scope="module", params=["model", "tuple"])
def stats(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    out = generate(tmp_path_factory.mktemp(request.param), SCHEMA, QUERIES, extra=f'rows = "{request.param}"')
    with imported(out) as package:
        yield import_module(package, "queries.stats")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(views=st.lists(st.lists(st.integers(0, 2**40), max_size=3), min_size=1, max_size=4))
def test_an_embedded_view_nests_as_its_model(stats: ModuleType, tmp_path: Path, views: list[list[int]]) -> None:
    (tmp_path / "app.db").unlink(missing_ok=True)
    conn = sqlite3.connect(tmp_path / "app.db")
    try:
        conn.executescript(SCHEMA["0001.up.sql"])
        for user_id, counts in enumerate(views, start=1):
            conn.execute("INSERT INTO users (id, email) VALUES (?, ?)", (user_id, f"u{user_id}@x"))
            conn.executemany("INSERT INTO posts (user_id, views) VALUES (?, ?)", [(user_id, v) for v in counts])
        rows = stats.users_with_stats(conn)
        raw = conn.execute("SELECT users.id, users.email, s.user_id, s.n_posts, s.total_views FROM users "
                           "LEFT JOIN post_stats s ON s.user_id = users.id ORDER BY users.id").fetchall()
        assert [type(r).__name__ for r in rows] == ["UsersWithStatsRow"] * len(raw)
        for row, (uid, email, s_uid, n, total) in zip(rows, raw):
            assert (row.users.id, row.users.email) == (uid, email)
            if s_uid is None:
                assert row.post_stats is None
            else:
                assert type(row.post_stats).__name__ == "PostStat"
                assert (row.post_stats.user_id, row.post_stats.n_posts, row.post_stats.total_views) == (s_uid, n, total)
        one = stats.stats_of(conn, id=1)
        if views[0]:
            assert one is not None and one.post_stats.n_posts == len(views[0]) and one.email == "u1@x"
        else:
            assert one is None
    finally:
        conn.close()


@pytest.mark.parametrize("query", [
    "WITH x AS (SELECT id, email FROM users) SELECT sqlc.embed(x), users.id FROM x JOIN users ON users.id = x.id;",
    "SELECT sqlc.embed(x) FROM (SELECT id FROM users) AS x;",
])
def test_embedding_what_has_no_model_is_an_error_at_the_embed(tmp_path: Path, query: str) -> None:
    make_project(tmp_path, SCHEMA, {"q.sql": f"-- name: Embedded :many\n{query}\n"})
    result = run_cli(tmp_path)
    column = query.index("sqlc.embed(x)") + 1
    assert result.code == 1 and result.errors == [
        f"queries/q.sql:2:{column}: error: query Embedded: sqlc.embed(x): x is not a table or a view"], result.stderr
    assert not (tmp_path / "gen").exists()
