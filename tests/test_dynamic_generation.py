"""Generation prepares every variant of a dynamic query; run time builds each variant once.

A variant that the engine refuses (SQLite, in an in-memory database built from the migrations)
or that the analysis refuses (PostgreSQL, where no server is at hand when generating) is a
located error of `python -m codegen`, with nothing written, not a failure the day a caller
passes the arguments that choose it.
"""

from __future__ import annotations

import importlib
import sqlite3
from typing import Any
from pathlib import Path

import pytest

from codegen import ir, pipeline
from tests._support import generate, import_module, imported, make_project, run_cli

SCHEMA = """
CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER NOT NULL, category TEXT);
CREATE TABLE picks (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
"""

# ASC written after the sort call: `price ASC` is fine, `price DESC ASC` is not SQL.
SORT_THEN_ASC = """-- name: Sorted :many
SELECT id FROM items WHERE category = sqlc.optional(category)
ORDER BY sqlc.sort(order_by, price, name) ASC, id;
"""

# SQLite reads `FROM items ON CONFLICT` as a join's ON: an INSERT ... SELECT with an upsert clause
# needs a WHERE (SQLite documents the ambiguity), which the variant without the filter lacks.
UPSERT_WITHOUT_WHERE = """-- name: Pick :exec
INSERT INTO picks (id, name)
SELECT id, name FROM items WHERE category = sqlc.optional(category)
ON CONFLICT DO NOTHING;
"""


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_variant_invalid_for_one_sort_value_is_a_located_generation_error(tmp_path: Path, engine: str) -> None:
    make_project(tmp_path, {"1.sql": SCHEMA}, {"q.sql": SORT_THEN_ASC}, engine=engine)
    result = run_cli(tmp_path)
    assert result.code != 0 and "Traceback" not in result.stderr, result.stderr
    # Only the descending values fail; every filter on and off, and the ascending ones, are fine.
    assert len(result.errors) == 2, result.stderr
    for value in ("-price", "-name"):
        assert f"queries/q.sql:2:1: error: query Sorted (order_by='{value}'): " in result.stderr, result.stderr
    assert "ASC" in result.errors[0]
    assert not (tmp_path / "gen").exists()
    check = run_cli(tmp_path, "--check")
    assert check.code == 2 and len(check.errors) == 2, check.stderr


def test_a_variant_invalid_only_with_its_filter_off_is_a_located_generation_error_on_sqlite(tmp_path: Path) -> None:
    make_project(tmp_path, {"1.sql": SCHEMA}, {"q.sql": UPSERT_WITHOUT_WHERE})
    result = run_cli(tmp_path)
    assert result.code != 0 and "Traceback" not in result.stderr, result.stderr
    assert result.errors == ["queries/q.sql:2:1: error: query Pick (all optional filters off): "
                             'SQLite rejects it: near "DO": syntax error'], result.stderr
    assert not (tmp_path / "gen").exists()
    # The statement as written (the filter on) is what SQLite accepts.
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA)
    conn.execute("INSERT INTO picks (id, name) SELECT id, name FROM items WHERE category = ? "
                 "ON CONFLICT DO NOTHING", ("toys",))


def test_postgres_accepts_the_upsert_variant_sqlite_refuses(tmp_path: Path) -> None:
    """PostgreSQL's grammar has no such ambiguity: the same query generates."""
    generate(tmp_path, {"1.sql": SCHEMA}, {"q.sql": UPSERT_WITHOUT_WHERE}, engine="postgresql")


def _count_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the queries generation prepares, in order."""
    made: list[str] = []
    real = pipeline.variant_check

    class Counting:
        def __init__(self, check: Any) -> None:
            self.check = check

        def problem(self, query: ir.Query, sql: str, slots: tuple[int, ...]) -> str | None:
            return self.check.problem(query, sql, slots)  # type: ignore[no-any-return]

        def query_problem(self, query: ir.Query, text: str) -> tuple[str, int] | None:
            made.append(query.name)
            return self.check.query_problem(query, text)  # type: ignore[no-any-return]

    monkeypatch.setattr(pipeline, "variant_check", lambda *args: Counting(real(*args)))
    return made


def test_the_cache_skips_preparing_queries_of_unchanged_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CODEGEN_NO_CACHE", raising=False)
    made = _count_checks(monkeypatch)
    project = tmp_path / "p"
    dynamic = "-- name: Some :many\nSELECT id FROM items WHERE category = sqlc.optional(category);\n"
    generate(project, {"1.sql": SCHEMA}, {"d.sql": dynamic, "plain.sql": "-- name: All :many\nSELECT id FROM items;\n"})
    assert made == ["Some", "All"]
    assert run_cli(project).code == 0
    assert made == ["Some", "All"], "nothing changed: the first run prepared every query"
    (project / "queries" / "plain.sql").write_text("-- name: All :many\nSELECT id, name FROM items;\n")
    assert run_cli(project).code == 0
    assert made == ["Some", "All", "All"], "d.sql did not change: its queries were prepared by the first run"
    (project / "queries" / "d.sql").write_text(dynamic.replace("SELECT id", "SELECT id, price"))
    assert run_cli(project).code == 0
    assert made == ["Some", "All", "All", "Some"]


def test_variants_are_joined_once_per_combination_at_run_time(tmp_path: Path) -> None:
    query = """-- name: Search :many
SELECT id FROM items WHERE category = sqlc.optional(category) AND price <= sqlc.optional(max_price)
ORDER BY sqlc.sort(order_by, price, name), id;
"""
    out = generate(tmp_path, {"1.sql": SCHEMA}, {"q.sql": query}, out="gen_cached")
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA + "INSERT INTO items VALUES (1, 'a', 5, 'toys'), (2, 'b', 9, NULL);")
    with imported(out) as package:
        module = import_module(package, "queries.q")
        runtime = importlib.import_module(package.__name__ + "._runtime")
        cache = module.SEARCH_VARIANTS
        assert cache == {}
        assert list(module.search(conn, category="toys")) == [1]
        assert list(module.search(conn, category="food")) == []  # same combination
        assert len(cache) == 1
        built = next(iter(cache.values()))
        assert list(module.search(conn, max_price=6)) == [1]
        assert list(module.search(conn, max_price=6, order_by="-name")) == [1]
        assert list(module.search(conn)) == [1, 2]
        assert len(cache) == 4  # (category), (max_price), (max_price, -name), ()
        # A combination seen before comes back as the very object built the first time.
        assert runtime.variant(module.SEARCH_PIECES, cache, 1, "price") is built
        assert module.search(conn, category="toys", order_by="price") and len(cache) == 4


def test_a_function_named_like_a_join_word_does_not_end_the_where_clause(tmp_path: Path, postgres_url: str) -> None:
    """`left(name, 1)` once ended the WHERE clause (LEFT as in LEFT JOIN), so the optional predicate
    after it was kept as fixed text and sent `category = NULL` when its argument was None."""
    import psycopg

    query = """-- name: ByInitial :many
SELECT id FROM items WHERE left(name, 1) = sqlc.arg(initial) AND category = sqlc.optional(category)
  AND right(name, 1) <> 'z'
ORDER BY id;
"""
    out = generate(tmp_path, {"1.sql": SCHEMA}, {"q.sql": query}, engine="postgresql", out="gen_initial")
    with imported(out) as package, psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(SCHEMA.encode())
        conn.execute("INSERT INTO items VALUES (1, 'ab', 1, 'toys'), (2, 'ac', 2, NULL), (3, 'b', 3, 'toys'), "
                     "(4, 'az', 4, NULL)")
        module = import_module(package, "queries.q")
        assert module.by_initial(conn, initial="a") == [1, 2]
        assert module.by_initial(conn, initial="a", category="toys") == [1]


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_every_variant_of_the_dynamic_test_queries_is_judged_not_skipped(tmp_path: Path, engine: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A query whose full statement the check cannot prepare is left to verify; none of these may
    be: every statement of theirs reaches the engine's (or the analysis') verdict, and passes."""
    from codegen import variants
    from tests.test_dynamic import QUERIES
    from tests.test_dynamic import SCHEMA as DYNAMIC_SCHEMA
    from tests.test_dynamic_joins import QUERIES as JOIN_QUERIES
    from tests.test_dynamic_joins import SCHEMA as JOIN_SCHEMA

    verdicts: list[tuple[str, str | None]] = []
    real = variants.variant_problems

    def recording(query, check):  # type: ignore[no-untyped-def]
        verdicts.extend((query.name, check.problem(query, sql, slots)) for _, sql, slots in
                        variants.checked_variants(query))
        return real(query, check)

    monkeypatch.setattr(pipeline, "variant_problems", recording)
    generate(tmp_path / "a", {"1.sql": DYNAMIC_SCHEMA}, {"q.sql": QUERIES}, engine=engine)
    generate(tmp_path / "b", {"1.sql": JOIN_SCHEMA}, {"q.sql": JOIN_QUERIES}, engine=engine)
    assert {name for name, _ in verdicts} == {"SearchItems", "FilterOnly", "CountPerShop", "PageItems",
                                              "ItemsWithCity", "InCity", "InBranchCity"}
    assert len(verdicts) > 30 and all(problem is None for _, problem in verdicts), verdicts
