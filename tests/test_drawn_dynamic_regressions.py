"""Bugs tests/test_drawn_dynamic.py found, each kept as a small test of its own (both engines,
sync and async, against the real database)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests._support import (generate, import_module, imported, make_project, run_cli,
                            sync_and_async_modules)

SCHEMA = """
CREATE TABLE shops (id INTEGER PRIMARY KEY, city TEXT);
CREATE TABLE items (id INTEGER PRIMARY KEY, price INTEGER NOT NULL, shop_id INTEGER);
CREATE TABLE tags (item_id INTEGER NOT NULL, tag TEXT NOT NULL);
"""
ROWS = {"shops": [(1, "Oslo"), (2, "Lima")],
        "items": [(1, 5, 1), (2, 3, 2), (3, 5, None), (4, 1, 1)],
        "tags": [(1, "red"), (2, "red"), (2, "big")]}

QUERIES = """
-- name: SortedAmong :many
SELECT id, price FROM items WHERE id IN (sqlc.slice(ids)) AND price NOT IN (sqlc.slice(prices))
ORDER BY sqlc.sort(order_by, price, id), id;

-- name: CommaAfterOptionalOn :many
SELECT i.id, tc.tag FROM items i LEFT JOIN shops s ON s.id = i.shop_id AND s.city = sqlc.optional(city), tags tc
ORDER BY i.id, tc.tag;

-- name: NestedFilters :many
SELECT i.id FROM items i
WHERE i.price >= sqlc.optional(min_price)
  AND i.id IN (SELECT t.item_id FROM tags t WHERE t.tag = sqlc.optional(tag))
  AND i.shop_id = sqlc.optional(shop)
ORDER BY i.id;

-- name: RemoveFromShop :many
DELETE FROM items WHERE shop_id = @shop AND price > sqlc.optional(floor) RETURNING *;

-- name: UntaggedInCity :many
SELECT i.id FROM items i LEFT JOIN shops s ON s.id = i.shop_id AND s.city = sqlc.optional(city)
WHERE NOT EXISTS (SELECT 1 FROM tags t WHERE t.item_id = i.id) ORDER BY i.id;

-- name: InBrackets :many
SELECT i.id FROM items i
WHERE i.price IN (sqlc.optional(p1), sqlc.optional(p2)) AND (i.shop_id = sqlc.optional(shop))
ORDER BY i.id;
"""


def _packages(tmp_path_factory: pytest.TempPathFactory, engine: str) -> Iterator[tuple[ModuleType, ModuleType]]:
    root = tmp_path_factory.mktemp(f"dynamic_regressions_{engine}")
    yield from sync_and_async_modules(root, SCHEMA, QUERIES, f"gen_dynamic_regressions_{engine}", engine)


@pytest.fixture(scope="module")
def sqlite_gen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, ModuleType]]:
    yield from _packages(tmp_path_factory, "sqlite")


@pytest.fixture(scope="module")
def pg_gen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, ModuleType]]:
    yield from _packages(tmp_path_factory, "postgresql")


@pytest.fixture(scope="module")
def sqlite_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dynamic_regressions_db") / "rows.db"
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    for table, rows in ROWS.items():
        conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
    conn.commit()
    conn.close()
    return path


@pytest.fixture(scope="module")
def pg_url(postgres_server: Any) -> Iterator[str]:
    admin = postgres_server.get_uri()
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS dynamic_regressions WITH (FORCE)")
        c.execute("CREATE DATABASE dynamic_regressions")
    url = str(postgres_server.get_uri(database="dynamic_regressions"))
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(SCHEMA.encode())
        for table, rows in ROWS.items():
            with c.cursor() as cur:
                cur.executemany(f"INSERT INTO {table} VALUES ({', '.join(['%s'] * len(rows[0]))})".encode(), rows)
    yield url
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS dynamic_regressions WITH (FORCE)")


def _both(engine: str, gen: tuple[ModuleType, ModuleType], where: Any, name: str, **args: Any) -> list[Any]:
    """The sync call's rows, checked equal to the async call's."""
    sync, aio = gen
    if engine == "sqlite":
        conn = sqlite3.connect(where)
        got = getattr(sync, name)(conn, **args)
        conn.close()

        async def run() -> Any:
            import aiosqlite

            async with aiosqlite.connect(where) as aconn:
                return await getattr(aio, name)(aconn, **args)
    else:
        with psycopg.connect(where, autocommit=True) as conn:
            got = getattr(sync, name)(conn, **args)

        async def run() -> Any:
            async with await psycopg.AsyncConnection.connect(where, autocommit=True) as aconn:
                return await getattr(aio, name)(aconn, **args)
    assert asyncio.run(run()) == got
    return [tuple(r) if isinstance(r, tuple) else (r,) if isinstance(r, int)
            else (r.id, getattr(r, "price", getattr(r, "tag", None))) for r in got]


ids_strategy = st.lists(st.integers(0, 5), max_size=4)


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(ids=ids_strategy, prices=ids_strategy, order_by=st.sampled_from(["price", "-price", "id", "-id"]))
def test_postgres_and_sqlite_a_sort_beside_slices_sends_every_item(
        request: pytest.FixtureRequest, engine: str, ids: list[int], prices: list[int], order_by: str) -> None:
    """A sqlc.sort query took the path of optional filters, which never expanded the slices: one
    item of each list was bound (the rows of that item only), or an IndexError when a list was empty."""
    gen = request.getfixturevalue("sqlite_gen" if engine == "sqlite" else "pg_gen")
    where = request.getfixturevalue("sqlite_path" if engine == "sqlite" else "pg_url")
    rows = [(i, p) for i, p, _ in ROWS["items"] if i in ids and p not in prices]
    rows.sort()  # the tie-breaker `id`; a reversed sort keeps ties in this order
    rows.sort(key=lambda r: r[1] if order_by.lstrip("-") == "price" else r[0], reverse=order_by.startswith("-"))
    assert _both(engine, gen, where, "sorted_among", ids=ids, prices=prices, order_by=order_by) == rows


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
@pytest.mark.parametrize("city", [None, "Oslo", "Rome"])
def test_postgres_and_sqlite_an_optional_filter_ending_an_on_keeps_the_comma_join_after_it(
        request: pytest.FixtureRequest, engine: str, city: str | None) -> None:
    """The last conjunct of an ON ran on to the next `, table` of the FROM: left out with its
    filter, it took the comma join along (silently fewer rows when nothing else read that table;
    here the select list reads it, and generation refused the valid query)."""
    gen = request.getfixturevalue("sqlite_gen" if engine == "sqlite" else "pg_gen")
    where = request.getfixturevalue("sqlite_path" if engine == "sqlite" else "pg_url")
    rows = sorted((i, tag) for i, _, _ in ROWS["items"] for _, tag in ROWS["tags"])
    assert _both(engine, gen, where, "comma_after_optional_on", city=city) == rows
    module = gen[0]
    import importlib

    runtime = importlib.import_module(module.__name__.rsplit(".", 2)[0] + "._runtime")
    sql, _ = runtime.variant(module.COMMA_AFTER_OPTIONAL_ON_PIECES, {}, 0 if city is None else 1, "")
    assert ", tags tc" in sql and ("s.city" in sql) == (city is not None), sql


def _ids(rows: list[tuple[Any, ...]]) -> list[int]:
    return [r[0] for r in rows]


maybe_int = st.none() | st.integers(0, 6)


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(min_price=maybe_int, tag=st.none() | st.sampled_from(["red", "big", "old"]), shop=maybe_int)
def test_postgres_and_sqlite_an_optional_filter_in_a_subquery_beside_outer_ones(
        request: pytest.FixtureRequest, engine: str, min_price: int | None, tag: str | None, shop: int | None) -> None:
    """A clause with optional filters inside a conjunct of another such clause: the pieces of the
    two overlapped, and the statement sent was garbage (`WHERE` twice, a syntax error)."""
    gen = request.getfixturevalue("sqlite_gen" if engine == "sqlite" else "pg_gen")
    where = request.getfixturevalue("sqlite_path" if engine == "sqlite" else "pg_url")
    tagged = {i for i, t in ROWS["tags"] if tag is None or t == tag}
    rows = [i for i, p, s in ROWS["items"] if (min_price is None or p >= min_price) and i in tagged
            and (shop is None or s == shop)]
    assert _ids(_both(engine, gen, where, "nested_filters", min_price=min_price, tag=tag, shop=shop)) == rows


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(p1=maybe_int, p2=maybe_int, shop=maybe_int)
def test_postgres_and_sqlite_an_optional_filter_inside_brackets(
        request: pytest.FixtureRequest, engine: str, p1: int | None, p2: int | None, shop: int | None) -> None:
    """`IN (opt, opt)`, `(col = opt)`, `lower(opt)`: an optional parameter inside brackets was refused
    at generation (its clause was looked for inside the bracket only)."""
    gen = request.getfixturevalue("sqlite_gen" if engine == "sqlite" else "pg_gen")
    where = request.getfixturevalue("sqlite_path" if engine == "sqlite" else "pg_url")
    rows = [i for i, p, s in ROWS["items"] if (p1 is None or p2 is None or p in (p1, p2))
            and (shop is None or s == shop)]
    assert _ids(_both(engine, gen, where, "in_brackets", p1=p1, p2=p2, shop=shop)) == rows


# Column names that are clause words elsewhere: SQLite takes these unquoted, PostgreSQL `qualify`.
NAMED_LIKE_KEYWORDS = {
    "sqlite": ("CREATE TABLE zones (id INTEGER PRIMARY KEY, offset INTEGER NOT NULL, full INTEGER, window INTEGER);",
               "SELECT z.id FROM zones z LEFT JOIN zones y ON y.id = z.full AND y.offset >= sqlc.optional(low)\n"
               "WHERE z.offset = sqlc.optional(shift) AND z.window IS NOT NULL AND z.full = sqlc.optional(full)\n"
               "ORDER BY z.id LIMIT 10 OFFSET 0",
               "INSERT INTO zones VALUES (1, 0, 2, 1), (2, 3, 1, 1), (3, 3, NULL, NULL), (4, 0, 1, 5)"),
    "postgresql": ("CREATE TABLE zones (id int PRIMARY KEY, qualify int NOT NULL, full_ int, window_ int);",
                   "SELECT z.id FROM zones z LEFT JOIN zones y ON y.id = z.full_ AND y.qualify >= sqlc.optional(low)\n"
                   "WHERE z.qualify = sqlc.optional(shift) AND z.window_ IS NOT NULL\n"
                   "  AND z.full_ = sqlc.optional(full)\n"
                   "ORDER BY z.id LIMIT 10 OFFSET 0",
                   "INSERT INTO zones VALUES (1, 0, 2, 1), (2, 3, 1, 1), (3, 3, NULL, NULL), (4, 0, 1, 5)"),
}


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_postgres_and_sqlite_a_column_named_like_a_clause_word(tmp_path: Path, engine: str,
                                                              request: pytest.FixtureRequest) -> None:
    """`z.offset = sqlc.optional(x)`: the conjunct was cut at `offset` (read as LIMIT's OFFSET), and
    the valid query refused at generation; now only a keyword in a keyword's place ends a clause."""
    schema, query, rows = NAMED_LIKE_KEYWORDS[engine]
    out = generate(tmp_path, {"1.sql": schema}, {"q.sql": f"-- name: Zones :many\n{query};\n"}, engine=engine,
                   emit_async=False)
    with imported(out) as package:
        module = import_module(package, "queries.q")
        if engine == "sqlite":
            conn: Any = sqlite3.connect(":memory:")
            conn.executescript(schema + rows)
        else:
            conn = psycopg.connect(request.getfixturevalue("postgres_url"), autocommit=True)
            conn.execute(schema.encode())
            conn.execute(rows.encode())
        with conn:
            assert module.zones(conn) == [1, 2, 4]
            assert module.zones(conn, shift=3) == [2]
            assert module.zones(conn, shift=0, full=1) == [4]
            assert module.zones(conn, low=1) == [1, 2, 4]


def test_postgres_an_ordered_set_aggregate_in_having_beside_an_optional_filter(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """`percentile_cont(0.5) WITHIN GROUP (ORDER BY price) > sqlc.optional(m)`: the HAVING was read
    as ending at the aggregate's `GROUP`, and the valid query refused at generation."""
    query = ("-- name: Medians :many\nSELECT shop_id FROM items GROUP BY shop_id\n"
             "HAVING percentile_cont(0.5) WITHIN GROUP (ORDER BY price) >= sqlc.optional(m) AND count(*) > 0\n"
             "ORDER BY shop_id;\n")
    out = generate(tmp_path, {"1.sql": SCHEMA}, {"q.sql": query}, engine="postgresql", emit_async=False)
    with imported(out) as package, psycopg.connect(request.getfixturevalue("postgres_url"), autocommit=True) as conn:
        module = import_module(package, "queries.q")
        conn.execute(SCHEMA.encode())
        conn.execute(b"INSERT INTO items VALUES (1, 5, 1), (2, 3, 2), (3, 5, NULL), (4, 1, 1)")
        assert module.medians(conn) == [1, 2, None]
        assert module.medians(conn, m=3.5) == [None]  # shop 1: median of 1 and 5 is 3


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_postgres_and_sqlite_pieces_that_break_the_statement_as_written_are_a_generation_error(
        tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The safety net under the pieces: when the variant with every filter on does not prepare but
    the statement as written does, the fault is ours (as with clauses nested in one another, whose
    garbage was read as 'a function only the application knows' and left to run time). Here the
    pieces are made to open a bracket they never close."""
    from codegen import variants

    real = variants.compose
    monkeypatch.setattr(variants, "compose", lambda query, mask, order: (
        real(query, mask, order)[0].replace("i.shop_id = ", "i.shop_id = ("), real(query, mask, order)[1]))
    query = ("-- name: Broken :many\nSELECT i.id FROM items i WHERE i.price > 0\n"
             "  AND i.shop_id = sqlc.optional(shop);\n")
    make_project(tmp_path, {"1.sql": SCHEMA}, {"q.sql": query}, engine=engine)
    result = run_cli(tmp_path)
    assert result.code != 0 and "Traceback" not in result.stderr, result.stderr
    assert result.errors and result.errors[0].startswith(
        "queries/q.sql:2:1: error: query Broken (all optional filters on): "), result.stderr
    assert not (tmp_path / "gen").exists()


ARRAYS = """
-- name: TaggedAbove :many
SELECT id FROM boxes WHERE tags @> ARRAY['a', 'b'] AND price > sqlc.optional(floor) ORDER BY id;

-- name: AnyTagOf :many
SELECT id FROM boxes WHERE tags && ARRAY[sqlc.optional(t1), sqlc.optional(t2)]::text[] AND price > 0
  AND tags[1] = sqlc.optional(first) ORDER BY id;
"""


@pytest.mark.parametrize(("function", "call", "expected"), [
    ("tagged_above", {}, [1, 3]), ("tagged_above", {"floor": 4}, [3]),
    ("any_tag_of", {}, [1, 2, 3]), ("any_tag_of", {"t1": "c", "t2": "x"}, [3]), ("any_tag_of", {"t1": "c"}, [1, 2, 3]),
    ("any_tag_of", {"first": "b"}, [2]),
])
def test_postgres_an_optional_filter_beside_an_array_constructor(tmp_path: Path, request: pytest.FixtureRequest,
                                                                  function: str, call: dict[str, Any],
                                                                  expected: list[int]) -> None:
    """`ARRAY['a', 'b']` before an optional filter: the comma inside the brackets was read as the
    end of the WHERE (brackets were not counted as nesting), and the valid query refused."""
    schema = "CREATE TABLE boxes (id int PRIMARY KEY, price int NOT NULL, tags text[] NOT NULL);"
    out = generate(tmp_path, {"1.sql": schema}, {"q.sql": ARRAYS}, engine="postgresql", emit_async=False)
    with imported(out) as package, psycopg.connect(request.getfixturevalue("postgres_url"), autocommit=True) as conn:
        module = import_module(package, "queries.q")
        conn.execute(schema.encode())
        conn.execute(b"INSERT INTO boxes VALUES (1, 3, '{a,b}'), (2, 9, '{b}'), (3, 5, '{a,b,c}')")
        assert getattr(module, function)(conn, **call) == expected


def test_sqlite_a_column_named_end_beside_optional_filters(tmp_path: Path) -> None:
    """SQLite takes `begin` and `end` as column names: every `end` was read as closing a CASE, the
    nesting went below zero, and the valid query was refused (or cut in the wrong place)."""
    schema = "CREATE TABLE slots (id INTEGER PRIMARY KEY, begin INTEGER NOT NULL, end INTEGER NOT NULL, note TEXT);"
    query = ("-- name: Covering :many\n"
             "SELECT s.id, CASE WHEN s.end > 5 THEN end ELSE begin END AS edge FROM slots s\n"
             "WHERE begin <= sqlc.optional(t) AND s.end >= sqlc.optional(t)\n"
             "  AND CASE WHEN s.note IS NULL THEN 0 ELSE s.end END >= sqlc.optional(noted) ORDER BY s.id;\n")
    out = generate(tmp_path, {"1.sql": schema}, {"q.sql": query}, emit_async=False)
    with imported(out) as package:
        module = import_module(package, "queries.q")
        conn = sqlite3.connect(":memory:")
        conn.executescript(schema + "INSERT INTO slots VALUES (1, 0, 4, NULL), (2, 3, 9, 'x'), (3, 5, 6, 'y');")
        assert [(r.id, r.edge) for r in module.covering(conn)] == [(1, 0), (2, 9), (3, 6)]
        assert [r.id for r in module.covering(conn, t=4)] == [1, 2]
        assert [r.id for r in module.covering(conn, noted=7)] == [2]
        assert [r.id for r in module.covering(conn, t=5, noted=1)] == [2, 3]


FILTERED = """
-- name: Counts :one
SELECT count(*) AS total, count(*) FILTER (WHERE price > sqlc.optional(floor)) AS above,
  sum(price) FILTER (WHERE shop_id = sqlc.optional(shop) AND price > 0) AS spent FROM items;
"""


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_postgres_and_sqlite_an_aggregate_filter_of_optional_predicates(tmp_path: Path, engine: str,
                                                                       request: pytest.FixtureRequest) -> None:
    """`count(*) FILTER (WHERE price > sqlc.optional(floor))` was refused at generation (the variant
    without the filter read `FILTER ()`, and the message named a sqlglot class); a FILTER whose
    predicates are all off is now `FILTER (WHERE TRUE)`, every row counted."""
    out = generate(tmp_path, {"1.sql": SCHEMA}, {"q.sql": FILTERED}, engine=engine, emit_async=False)
    where = request.getfixturevalue("sqlite_path" if engine == "sqlite" else "pg_url")
    with imported(out) as package:
        module = import_module(package, "queries.q")
        conn: Any = sqlite3.connect(where) if engine == "sqlite" else psycopg.connect(where, autocommit=True)
        with conn:
            calls: list[dict[str, Any]] = [{}, {"floor": 4}, {"shop": 1}, {"floor": 9}]
            counts = [tuple(module.counts(conn, **args).model_dump().values()) for args in calls]
        assert counts == [(4, 4, 14), (4, 2, 14), (4, 4, 6), (4, 0, 14)]


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
@pytest.mark.parametrize("floor", [None, 4])
def test_postgres_and_sqlite_returning_star_after_an_optional_filter(request: pytest.FixtureRequest, engine: str,
                                                                      floor: int | None) -> None:
    """`... AND price > sqlc.optional(floor) RETURNING *`: RETURNING followed by `*` was read as a
    column named returning times something, so the last conjunct ran on over it and took it along
    when left out: the rows were deleted and none came back."""
    gen = request.getfixturevalue("sqlite_gen" if engine == "sqlite" else "pg_gen")
    where = request.getfixturevalue("sqlite_path" if engine == "sqlite" else "pg_url")
    module = gen[0]
    conn: Any = sqlite3.connect(where) if engine == "sqlite" else psycopg.connect(where)
    try:
        removed = sorted((r.id, r.price) for r in module.remove_from_shop(conn, shop=1, floor=floor))
        left = sorted(tuple(r) for r in conn.execute("SELECT id, price FROM items WHERE shop_id = 1").fetchall())
    finally:
        conn.rollback()
        conn.close()
    shop_items = [(i, p) for i, p, s in ROWS["items"] if s == 1]
    assert removed == [(i, p) for i, p in shop_items if floor is None or p > floor]
    assert left == [(i, p) for i, p in shop_items if (i, p) not in removed]


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
@pytest.mark.parametrize("city", [None, "Oslo"])
def test_postgres_and_sqlite_a_where_not_after_an_optional_on(request: pytest.FixtureRequest, engine: str,
                                                              city: str | None) -> None:
    """`ON ... AND s.city = sqlc.optional(city) WHERE NOT EXISTS (...)`: WHERE followed by NOT was
    taken for a name (the keyword rule for `offset = 1`), so the ON's last conjunct ran on over the
    WHERE and took it along when left out: every item came back, tagged or not."""
    gen = request.getfixturevalue("sqlite_gen" if engine == "sqlite" else "pg_gen")
    where = request.getfixturevalue("sqlite_path" if engine == "sqlite" else "pg_url")
    tagged = {i for i, _ in ROWS["tags"]}
    assert _ids(_both(engine, gen, where, "untagged_in_city", city=city)) == [
        i for i, _, _ in ROWS["items"] if i not in tagged]


UPDATE_FROM = """
-- name: RaiseInCity :many
UPDATE items SET price = price + 1 FROM shops s WHERE s.id = items.shop_id AND s.city = @city RETURNING *;
"""


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_postgres_and_sqlite_update_from_returning_star(tmp_path: Path, engine: str,
                                                        request: pytest.FixtureRequest) -> None:
    """SQLite's RETURNING reads only the table changed ("the auxiliary tables named in the FROM
    clause may not participate"): `RETURNING *` was expanded over the FROM tables too, and every
    call failed with `no such column: s.id`. PostgreSQL's RETURNING * does take them."""
    out = generate(tmp_path, {"1.sql": SCHEMA}, {"q.sql": UPDATE_FROM}, engine=engine, emit_async=False)
    where = request.getfixturevalue("sqlite_path" if engine == "sqlite" else "pg_url")
    with imported(out) as package:
        module = import_module(package, "queries.q")
        conn: Any = sqlite3.connect(where) if engine == "sqlite" else psycopg.connect(where)
        try:
            rows = [tuple(r.model_dump().values()) for r in module.raise_in_city(conn, city="Oslo")]
        finally:
            conn.rollback()
            conn.close()
    raised = sorted((i, p + 1, s) for i, p, s in ROWS["items"] if s == 1)
    assert sorted(rows) == (raised if engine == "sqlite" else sorted((*r, 1, "Oslo") for r in raised))


def test_sqlite_update_from_returning_a_from_table_column_is_a_located_error(tmp_path: Path) -> None:
    query = ("-- name: Raise :many\n"
             "UPDATE items SET price = 1 FROM shops s WHERE s.id = items.shop_id RETURNING s.city;\n")
    make_project(tmp_path, {"1.sql": SCHEMA}, {"q.sql": query})
    result = run_cli(tmp_path)
    assert result.code == 1 and "Traceback" not in result.stderr
    assert result.errors == ["queries/q.sql:2:78: error: query Raise: no such table or alias: s"], result.stderr


def test_postgres_delete_using_returning_reads_the_using_tables(tmp_path: Path, pg_url: str) -> None:
    """PostgreSQL's RETURNING may name DELETE's USING tables (and `*` takes them): it was refused
    at generation (`no such table or alias: s`)."""
    queries = ("-- name: DropInCity :many\nDELETE FROM items USING shops s WHERE s.id = items.shop_id\n"
               "  AND s.city = sqlc.optional(city) AND items.price > 0 RETURNING items.id, s.city;\n\n"
               "-- name: DropInCityStar :many\nDELETE FROM items USING shops s WHERE s.id = items.shop_id\n"
               "  AND s.city = @city RETURNING *;\n")
    out = generate(tmp_path, {"1.sql": SCHEMA}, {"q.sql": queries}, engine="postgresql", emit_async=False)
    with imported(out) as package, psycopg.connect(pg_url) as conn:
        module = import_module(package, "queries.q")
        try:
            named = sorted((r.id, r.city) for r in module.drop_in_city(conn, city="Oslo"))
            conn.rollback()
            everything = sorted(tuple(r.model_dump().values()) for r in module.drop_in_city_star(conn, city="Oslo"))
        finally:
            conn.rollback()
    assert named == [(1, "Oslo"), (4, "Oslo")]
    assert everything == [(1, 5, 1, 1, "Oslo"), (4, 1, 1, 1, "Oslo")]
