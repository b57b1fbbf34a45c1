"""sqlc.optional: predicates left out of the statement when their argument is None.

Every variant is run on a real SQLite database and a real PostgreSQL server, sync and async,
and its rows compared with filtering the whole table in Python (a sqlc.sort page, LIMIT/OFFSET,
with slicing the sorted table); the query plans show why the predicate is dropped rather than
written `(x IS NULL OR col = x)`.
"""

from __future__ import annotations

import asyncio
import importlib
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests._support import import_module, make_project, run_cli, sync_and_async_modules

SCHEMA = """
CREATE TABLE shops (id INTEGER PRIMARY KEY, city TEXT NOT NULL);
CREATE TABLE items (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  price INTEGER NOT NULL,
  category TEXT,
  shop_id INTEGER NOT NULL
);
CREATE INDEX items_category ON items (category);
"""

QUERIES = """
-- name: SearchItems :many
SELECT id, name, price, category FROM items
WHERE price >= 0
  AND category = sqlc.optional(category)
  AND price BETWEEN sqlc.optional(around) - 10 AND sqlc.optional(around) + 10
  AND name LIKE sqlc.optional(name_like)
ORDER BY sqlc.sort(order_by, price, name, items.category), id;

-- name: FilterOnly :many
SELECT id FROM items
WHERE category = sqlc.optional(category) AND shop_id = sqlc.optional(shop_id) AND price <= @max_price
ORDER BY id;

-- name: CountPerShop :many
SELECT shop_id, count(*) AS n FROM items
GROUP BY shop_id
HAVING count(*) >= sqlc.optional(at_least)
ORDER BY shop_id;

-- name: PageItems :many
SELECT id, price, category FROM items
WHERE category = sqlc.optional(category)
ORDER BY sqlc.sort(order_by, price, category, name), id
LIMIT sqlc.arg(page_size) OFFSET sqlc.arg(skip);

-- name: ItemsWithCity :many
SELECT i.id, s.city FROM items i
LEFT JOIN shops s ON s.id = i.shop_id AND s.city = sqlc.optional(city)
ORDER BY i.id;
"""

CATEGORIES = ["toys", "food", "tools"]
CITIES = ["Oslo", "Lima"]
items_strategy = st.lists(st.tuples(st.sampled_from(["ab", "ba", "abc", "x"]), st.integers(0, 60),
                                    st.sampled_from([*CATEGORIES, None]), st.integers(1, 2)), max_size=12)
optional = st.none() | st.just(...)  # ... draws a value below


def _packages(tmp_path_factory: pytest.TempPathFactory, engine: str) -> Iterator[tuple[ModuleType, ModuleType]]:
    root = tmp_path_factory.mktemp(f"dynamic_{engine}")
    yield from sync_and_async_modules(root, SCHEMA, QUERIES, f"gen_dynamic_{engine}", engine)


@pytest.fixture(scope="module")
def sqlite_gen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, ModuleType]]:
    yield from _packages(tmp_path_factory, "sqlite")


@pytest.fixture(scope="module")
def pg_gen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, ModuleType]]:
    yield from _packages(tmp_path_factory, "postgresql")


def _expected(rows: list[tuple[int, str, int, str | None, int]], args: dict[str, Any]) -> dict[str, Any]:
    """What each query returns, computed from the whole table in Python."""
    cat, around, like, shop, cap, least, city = (args[k] for k in ("category", "around", "name_like", "shop_id",
                                                                  "max_price", "at_least", "city"))
    search = [(i, n, p, c) for i, n, p, c, _ in rows if (cat is None or c == cat)
              and (around is None or around - 10 <= p <= around + 10) and (like is None or n.startswith(like[:-1]))]
    order = args["order_by"]
    column = {"price": 2, "name": 1, "category": 3}[order.lstrip("-")]
    # NULL is the smallest value on SQLite, the largest on PostgreSQL; ties keep id order
    # (the fixed tie-breaker), which Python's sort keeps even reversed.
    null_rank = 0 if args["engine"] == "sqlite" else 2
    filler = 0 if column == 2 else ""
    search.sort(key=lambda r: (null_rank if r[column] is None else 1, filler if r[column] is None else r[column]),
                reverse=order.startswith("-"))
    # A page of the same order: the whole table sorted here (id breaks ties, so the order is total),
    # then sliced, against LIMIT/OFFSET run by the engine.
    page_column = {"price": 2, "category": 3, "name": 1}[args["page_order"].lstrip("-")]
    paged = [r for r in rows if cat is None or r[3] == cat]
    paged.sort(key=lambda r: r[0])
    page_filler = 0 if page_column == 2 else ""
    paged.sort(key=lambda r: (null_rank if r[page_column] is None else 1,
                              page_filler if r[page_column] is None else r[page_column]),
               reverse=args["page_order"].startswith("-"))
    page = [(i, p, c) for i, _, p, c, _ in paged[args["skip"]:args["skip"] + args["page_size"]]]
    only = [i for i, _, p, c, s in rows if (cat is None or c == cat) and (shop is None or s == shop) and p <= cap]
    counts: dict[int, int] = {}
    for *_, s in rows:
        counts[s] = counts.get(s, 0) + 1
    per_shop = [(s, n) for s, n in sorted(counts.items()) if least is None or n >= least]
    cities = {1: "Oslo", 2: "Lima"}
    with_city = [(i, cities[s] if city is None or cities[s] == city else None) for i, *_, s in rows]
    return {"search": search, "only": only, "per_shop": per_shop, "with_city": with_city, "page": page}


def _calls(module: ModuleType, conn: Any, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "search": module.search_items(conn, category=args["category"], around=args["around"],
                                      name_like=args["name_like"], order_by=args["order_by"]),
        "only": module.filter_only(conn, category=args["category"], shop_id=args["shop_id"],
                                   max_price=args["max_price"]),
        "per_shop": module.count_per_shop(conn, at_least=args["at_least"]),
        "with_city": module.items_with_city(conn, city=args["city"]),
        "page": module.page_items(conn, category=args["category"], order_by=args["page_order"],
                                   page_size=args["page_size"], skip=args["skip"]),
    }


async def _async_calls(module: ModuleType, conn: Any, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "search": await module.search_items(conn, category=args["category"], around=args["around"],
                                            name_like=args["name_like"], order_by=args["order_by"]),
        "only": await module.filter_only(conn, category=args["category"], shop_id=args["shop_id"],
                                         max_price=args["max_price"]),
        "per_shop": await module.count_per_shop(conn, at_least=args["at_least"]),
        "with_city": await module.items_with_city(conn, city=args["city"]),
        "page": await module.page_items(conn, category=args["category"], order_by=args["page_order"],
                                   page_size=args["page_size"], skip=args["skip"]),
    }


def _plain(results: dict[str, Any]) -> dict[str, Any]:
    return {k: [r if isinstance(r, int) else tuple(r) if isinstance(r, tuple) else tuple(r.model_dump().values())
                for r in v]
            for k, v in results.items()}


args_strategy = st.fixed_dictionaries({
    "category": st.none() | st.sampled_from(CATEGORIES),
    "around": st.none() | st.integers(0, 60),
    "name_like": st.none() | st.sampled_from(["a%", "b%", "x%"]),
    "shop_id": st.none() | st.integers(1, 2),
    "max_price": st.integers(0, 60),
    "at_least": st.none() | st.integers(0, 6),
    "city": st.none() | st.sampled_from(CITIES),
    "order_by": st.sampled_from(["price", "-price", "name", "-name", "category", "-category"]),
    "page_order": st.sampled_from(["price", "-price", "category", "-category", "name", "-name"]),
    "page_size": st.integers(0, 5),
    "skip": st.integers(0, 8),
})


def _fill(conn: Any, rows: list[tuple[int, str, int, str | None, int]], marker: str) -> None:
    conn.execute("DELETE FROM items")
    for row in rows:
        conn.execute(f"INSERT INTO items VALUES ({', '.join([marker] * 5)})", row)


def _numbered(drawn: list[tuple[str, int, str | None, int]]) -> list[tuple[int, str, int, str | None, int]]:
    return [(n + 1, *row) for n, row in enumerate(drawn)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=items_strategy, args=args_strategy)
def test_sqlite_variants_match_filtering_in_python(sqlite_gen: tuple[ModuleType, ModuleType], tmp_path: Path,
                                                   drawn: list[tuple[str, int, str | None, int]],
                                                   args: dict[str, Any]) -> None:
    sync, aio = sqlite_gen
    args = {**args, "engine": "sqlite"}
    rows = _numbered(drawn)
    path = tmp_path / "dynamic.db"
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA + "INSERT INTO shops VALUES (1, 'Oslo'), (2, 'Lima');")
    _fill(conn, rows, "?")
    conn.commit()
    expected = _expected(rows, args)
    assert _plain(_calls(sync, conn, args)) == expected
    conn.close()

    async def run() -> dict[str, Any]:
        import aiosqlite

        async with aiosqlite.connect(path) as aconn:
            return await _async_calls(aio, aconn, args)

    assert _plain(asyncio.run(run())) == expected


@pytest.fixture(scope="module")
def pg_url(postgres_server: Any) -> Iterator[str]:
    admin = postgres_server.get_uri()
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS dynamic_test WITH (FORCE)")
        c.execute("CREATE DATABASE dynamic_test")
    url = str(postgres_server.get_uri(database="dynamic_test"))
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(SCHEMA.encode())
        c.execute("INSERT INTO shops VALUES (1, 'Oslo'), (2, 'Lima')")
    yield url
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS dynamic_test WITH (FORCE)")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=items_strategy, args=args_strategy)
def test_postgres_variants_match_filtering_in_python(pg_gen: tuple[ModuleType, ModuleType], pg_url: str,
                                                     drawn: list[tuple[str, int, str | None, int]],
                                                     args: dict[str, Any]) -> None:
    sync, aio = pg_gen
    args = {**args, "engine": "postgresql"}
    rows = _numbered(drawn)
    expected = _expected(rows, args)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        _fill(conn, rows, "%s")
        assert _plain(_calls(sync, conn, args)) == expected

    async def run() -> dict[str, Any]:
        async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as aconn:
            return await _async_calls(aio, aconn, args)

    assert _plain(asyncio.run(run())) == expected


@pytest.mark.parametrize(("query", "where"), [
    ("SELECT id FROM items WHERE price > 0 OR category = sqlc.optional(category)", "OR"),
    ("SELECT id FROM items WHERE price > 0 AND (shop_id = 1 AND category = sqlc.optional(category))",
     "nested AND"),
    ("SELECT sqlc.optional(category) AS c FROM items", "SELECT"),
    ("INSERT INTO items (id, name, price, category, shop_id) VALUES (1, 'a', 2, sqlc.optional(category), 1)",
     "VALUES"),
    ("UPDATE items SET category = sqlc.optional(category) WHERE id = 1", "UPDATE"),
])
@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_optional_outside_a_top_level_conjunct_is_a_located_error(tmp_path: Path, query: str, where: str,
                                                                   engine: str) -> None:
    text = f"-- name: Bad :exec\n{query};\n"
    make_project(tmp_path, {"1.sql": SCHEMA}, {"q.sql": text}, engine=engine)
    result = run_cli(tmp_path)
    assert result.code != 0
    assert "Traceback" not in result.stderr
    column = query.index("sqlc.optional") + 1
    assert re.search(rf"queries/q\.sql:2:\d+: error: query Bad: sqlc\.optional must be in a predicate", result.stderr), \
        result.stderr
    assert f"q.sql:2:{column}:" in result.stderr, result.stderr
    assert where in result.stderr, result.stderr
    assert not (tmp_path / "gen").exists()


@pytest.mark.parametrize(("query", "message", "at"), [
    ("SELECT id FROM items ORDER BY sqlc.sort(s, price, nosuch)", "sqlc.sort: no such column: nosuch", "nosuch"),
    ("SELECT id FROM items ORDER BY id, sqlc.sort(s, price)", "must be the first item of ORDER BY", "sqlc.sort"),
    ("SELECT id FROM items WHERE id = sqlc.sort(s, price)", "must be the first item of ORDER BY", "sqlc.sort"),
    ("SELECT id FROM items ORDER BY sqlc.sort(s, price, items.price)", "'price' is listed twice", "items.price"),
])
@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_sort_misuse_is_a_located_error(tmp_path: Path, query: str, message: str, at: str, engine: str) -> None:
    make_project(tmp_path, {"1.sql": SCHEMA}, {"q.sql": f"-- name: Bad :many\n{query};\n"}, engine=engine)
    result = run_cli(tmp_path)
    assert result.code != 0 and "Traceback" not in result.stderr
    assert f"queries/q.sql:2:{query.index(at) + 1}: error: query Bad: " in result.stderr, result.stderr
    assert message in result.stderr, result.stderr
    assert not (tmp_path / "gen").exists()


def test_sort_value_outside_the_choices_is_refused_before_sending(sqlite_gen: tuple[ModuleType, ModuleType]) -> None:
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA)
    with pytest.raises(ValueError, match="order_by must be one of"):
        sqlite_gen[0].search_items(conn, order_by="price; DROP TABLE items")
    assert conn.execute("SELECT count(*) FROM items").fetchone() == (0,)


def test_generated_dynamic_package_passes_mypy_strict(sqlite_gen: tuple[ModuleType, ModuleType],
                                                      pg_gen: tuple[ModuleType, ModuleType]) -> None:
    import subprocess
    import sys

    folders = [str(Path(m[0].__file__).parent.parent) for m in (sqlite_gen, pg_gen)]  # type: ignore[arg-type]
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", *folders],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


OR_FORM = "SELECT id FROM items WHERE (? IS NULL OR category = ?) AND price <= ? ORDER BY id"


def test_sqlite_one_filter_variant_uses_the_index_the_is_null_or_form_does_not(
        sqlite_gen: tuple[ModuleType, ModuleType]) -> None:
    module = sqlite_gen[0]
    runtime = importlib.import_module(module.__name__.rsplit(".", 2)[0] + "._runtime")
    sql, slots = runtime.variant(module.FILTER_ONLY_PIECES, {}, 1, "")  # category on, shop_id off
    assert "shop_id" not in sql and slots == (0, 2)
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA)

    def plan(text: str, params: tuple[Any, ...]) -> str:
        return " | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + text, params))

    dropped, or_form = plan(sql, ("toys", 10)), plan(OR_FORM, ("toys", "toys", 10))
    assert "USING INDEX items_category" in dropped, dropped
    assert "items_category" not in or_form and "SCAN items" in or_form, or_form


def test_postgres_one_filter_variant_uses_the_index_the_is_null_or_form_does_not(
        pg_gen: tuple[ModuleType, ModuleType], pg_url: str) -> None:
    module = pg_gen[0]
    runtime = importlib.import_module(module.__name__.rsplit(".", 2)[0] + "._runtime")
    sql, _ = runtime.variant(module.FILTER_ONLY_PIECES, {}, 1, "")

    def numbered(text: str) -> str:
        count = iter(range(1, 100))
        return re.sub(r"%s|\?", lambda _: f"${next(count)}", text)

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DELETE FROM items")
        conn.execute("INSERT INTO items SELECT i, 'n', i % 100, 'c' || (i % 500), 1 + i % 2 "
                     "FROM generate_series(1, 20000) AS i")
        conn.execute("ANALYZE items")
        # The plan a prepared statement gets once reused: made for any argument, as a driver's is.
        conn.execute("SET plan_cache_mode = force_generic_plan")
        conn.execute(f"PREPARE dropped (text, integer) AS {numbered(sql)}")
        conn.execute(f"PREPARE or_form (text, text, integer) AS {numbered(OR_FORM)}")
        dropped = "\n".join(r[0] for r in conn.execute("EXPLAIN EXECUTE dropped ('c7', 50)"))
        or_form = "\n".join(r[0] for r in conn.execute("EXPLAIN EXECUTE or_form ('c7', 'c7', 50)"))
        conn.execute("DELETE FROM items")
    assert "items_category" in dropped, dropped
    assert "items_category" not in or_form and "Seq Scan on items" in or_form, or_form


VERIFIED = """
-- name: SearchItems :many
SELECT id, name AS title, price FROM items
WHERE category = sqlc.optional(category) AND price <= @max_price AND name LIKE sqlc.optional(name_like)
ORDER BY sqlc.sort(order_by, price, title, items.id), id;

-- name: Fixed :many
SELECT id FROM items ORDER BY id;
"""


def test_verify_prepares_every_optional_filter_alone_all_none_and_every_sort(tmp_path: Path) -> None:
    make_project(tmp_path, {"1.sql": SCHEMA}, {"q.sql": VERIFIED})
    result = run_cli(tmp_path, "verify")
    assert result.code == 0, result.stderr
    # SearchItems: all on, all off, category alone, name_like alone, 5 more sort values; Fixed: 1
    assert "2 queries (10 statements" in result.stdout, result.stdout


def test_describe_lists_optional_params_and_sort_choices(tmp_path: Path) -> None:
    import json

    make_project(tmp_path, {"1.sql": SCHEMA}, {"q.sql": VERIFIED})
    result = run_cli(tmp_path, "describe")
    assert result.code == 0, result.stderr
    search = json.loads(result.stdout)["queries"][0]
    assert [(p["name"], p.get("optional", False)) for p in search["params"]] == [
        ("category", True), ("max_price", False), ("name_like", True)]
    assert search["sort"] == {"param": "order_by", "default": "price",
                              "choices": ["price", "-price", "title", "-title", "id", "-id"]}


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_an_update_or_delete_that_could_lose_its_whole_where_is_a_located_error(tmp_path: Path, engine: str) -> None:
    """With every WHERE predicate optional, calling with all arguments None would change (or delete)
    every row of the table: refused at the first optional, located; a fixed predicate beside the
    optional ones keeps every variant bounded and is accepted, as is an optional filter inside a
    subquery (the outer predicate stays)."""
    refused = {
        "DELETE FROM items WHERE category = sqlc.optional(category) AND price > sqlc.optional(low)": "delete",
        "UPDATE items SET price = 0 WHERE shop_id = sqlc.optional(shop)": "change",
    }
    for query, verb in refused.items():
        make_project(tmp_path, {"1.sql": SCHEMA}, {"q.sql": f"-- name: Bad :exec\n{query};\n"}, engine=engine)
        result = run_cli(tmp_path)
        assert result.code != 0 and "Traceback" not in result.stderr, result.stderr
        column = query.index("sqlc.optional") + 1
        assert f"queries/q.sql:2:{column}: error: query Bad: every WHERE predicate of this" in result.stderr, \
            result.stderr
        assert f"would {verb} every row" in result.stderr
        assert not (tmp_path / "gen").exists()
    accepted = ("DELETE FROM items WHERE shop_id = sqlc.arg(shop) AND category = sqlc.optional(category)",
                "DELETE FROM items WHERE id IN (SELECT id FROM items WHERE category = sqlc.optional(category))")
    make_project(tmp_path, {"1.sql": SCHEMA},
                 {"q.sql": "".join(f"-- name: Ok{n} :execrows\n{q};\n" for n, q in enumerate(accepted))}, engine=engine)
    result = run_cli(tmp_path)
    assert result.code == 0, result.stderr
