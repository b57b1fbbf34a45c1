"""A LEFT JOIN that only optional predicates read is left out of the variants where they are off,
when leaving it out cannot change the rows: its ON equates a key of the joined table, so each
row meets at most one row there.

Proven by running: on SQLite and PostgreSQL, sync and async, for drawn tables and drawn subsets
of the optional arguments, the rows equal what Python computes and the statement sent holds the
join exactly when a predicate on it is on; a join on a column that is not a key stays, and the
rows it duplicates show why it must. Everything that leaves doubt keeps the join.
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

from codegen import pipeline
from codegen.config import load_config
from codegen.variants import compose
from tests._support import import_module, make_project, run_cli, sync_and_async_modules

SCHEMA = """
CREATE TABLE shops (id INTEGER PRIMARY KEY, city TEXT NOT NULL);
CREATE TABLE branches (shop_id INTEGER NOT NULL, city TEXT NOT NULL);
CREATE TABLE items (id INTEGER PRIMARY KEY, price INTEGER NOT NULL, shop_id INTEGER);
"""

QUERIES = """
-- name: InCity :many
SELECT i.id, i.price FROM items i
LEFT JOIN shops s ON s.id = i.shop_id
WHERE s.city = sqlc.optional(city) AND i.price <= sqlc.optional(max_price)
ORDER BY i.id;

-- name: InBranchCity :many
SELECT i.id FROM items i
LEFT JOIN branches b ON b.shop_id = i.shop_id
WHERE b.city = sqlc.optional(city) AND i.price <= sqlc.optional(max_price)
ORDER BY i.id;
"""

SHOPS = {1: "Oslo", 2: "Lima"}  # items of shop 3 (or none) meet no shop
CITIES = ["Oslo", "Lima", "Rome"]


def _packages(tmp_path_factory: pytest.TempPathFactory, engine: str) -> Iterator[tuple[ModuleType, ModuleType]]:
    root = tmp_path_factory.mktemp(f"joins_{engine}")
    yield from sync_and_async_modules(root, SCHEMA, QUERIES, f"gen_joins_{engine}", engine)


@pytest.fixture(scope="module")
def sqlite_gen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, ModuleType]]:
    yield from _packages(tmp_path_factory, "sqlite")


@pytest.fixture(scope="module")
def pg_gen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, ModuleType]]:
    yield from _packages(tmp_path_factory, "postgresql")


@pytest.fixture(scope="module")
def pg_url(postgres_server: Any) -> Iterator[str]:
    admin = postgres_server.get_uri()
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS dynamic_joins WITH (FORCE)")
        c.execute("CREATE DATABASE dynamic_joins")
    url = str(postgres_server.get_uri(database="dynamic_joins"))
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(SCHEMA.encode())
        c.execute("INSERT INTO shops VALUES (1, 'Oslo'), (2, 'Lima')")
    yield url
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS dynamic_joins WITH (FORCE)")


items_strategy = st.lists(st.tuples(st.integers(0, 9), st.sampled_from([1, 2, 3, None])), max_size=8)
branches_strategy = st.lists(st.tuples(st.sampled_from([1, 2, 3]), st.sampled_from(CITIES)), max_size=5)
args_strategy = st.fixed_dictionaries({"city": st.none() | st.sampled_from(CITIES),
                                       "max_price": st.none() | st.integers(0, 9)})


def _expected(items: list[tuple[int, int, int | None]], branches: list[tuple[int, str]],
              args: dict[str, Any]) -> dict[str, list[Any]]:
    """Both queries computed over the whole tables: a LEFT JOIN row per match, or one with NULLs."""
    city, cap = args["city"], args["max_price"]
    priced = [(i, p, s) for i, p, s in items if cap is None or p <= cap]
    in_city = [(i, p) for i, p, s in priced if city is None or SHOPS.get(s) == city]  # type: ignore[arg-type]
    in_branch = []
    for i, _, s in priced:
        matches = [c for b, c in branches if b == s] or [None]
        in_branch += [i for c in matches if city is None or c == city]
    return {"in_city": in_city, "in_branch": in_branch}


def _plain(results: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {k: [r if isinstance(r, int) else (r.id, r.price) for r in v] for k, v in results.items()}


def _mask(args: dict[str, Any]) -> int:
    return (0 if args["city"] is None else 1) | (0 if args["max_price"] is None else 2)


def _check_statements(module: ModuleType, args: dict[str, Any]) -> None:
    """The statement sent for these arguments: the key join only when its filter is on."""
    runtime = importlib.import_module(module.__name__.rsplit(".", 2)[0] + "._runtime")
    mask = _mask(args)
    in_city, _ = runtime.variant(module.IN_CITY_PIECES, {}, mask, "")
    assert ("JOIN shops" in in_city) == (args["city"] is not None), in_city
    in_branch, _ = runtime.variant(module.IN_BRANCH_CITY_PIECES, {}, mask, "")
    assert "JOIN branches" in in_branch, in_branch


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=items_strategy, branches=branches_strategy, args=args_strategy)
def test_sqlite_left_join_dropped_when_unread_rows_unchanged(sqlite_gen: tuple[ModuleType, ModuleType],
                                                             tmp_path: Path, items: list[tuple[int, int | None]],
                                                             branches: list[tuple[int, str]],
                                                             args: dict[str, Any]) -> None:
    sync, aio = sqlite_gen
    rows = [(n + 1, *row) for n, row in enumerate(items)]
    path = tmp_path / "joins.db"
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA + "INSERT INTO shops VALUES (1, 'Oslo'), (2, 'Lima');")
    conn.executemany("INSERT INTO items VALUES (?, ?, ?)", rows)
    conn.executemany("INSERT INTO branches VALUES (?, ?)", branches)
    conn.commit()
    expected = _expected(rows, branches, args)
    _check_statements(sync, args)
    assert _plain({"in_city": sync.in_city(conn, **args), "in_branch": sync.in_branch_city(conn, **args)}) == expected
    conn.close()

    async def run() -> dict[str, list[Any]]:
        import aiosqlite

        async with aiosqlite.connect(path) as aconn:
            return {"in_city": await aio.in_city(aconn, **args), "in_branch": await aio.in_branch_city(aconn, **args)}

    assert _plain(asyncio.run(run())) == expected


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=items_strategy, branches=branches_strategy, args=args_strategy)
def test_postgres_left_join_dropped_when_unread_rows_unchanged(pg_gen: tuple[ModuleType, ModuleType], pg_url: str,
                                                               items: list[tuple[int, int | None]],
                                                               branches: list[tuple[int, str]],
                                                               args: dict[str, Any]) -> None:
    sync, aio = pg_gen
    rows = [(n + 1, *row) for n, row in enumerate(items)]
    expected = _expected(rows, branches, args)
    _check_statements(sync, args)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DELETE FROM items")
        conn.execute("DELETE FROM branches")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO items VALUES (%s, %s, %s)", rows)
            cur.executemany("INSERT INTO branches VALUES (%s, %s)", branches)
        assert _plain({"in_city": sync.in_city(conn, **args),
                       "in_branch": sync.in_branch_city(conn, **args)}) == expected

    async def run() -> dict[str, list[Any]]:
        async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as aconn:
            return {"in_city": await aio.in_city(aconn, **args), "in_branch": await aio.in_branch_city(aconn, **args)}

    assert _plain(asyncio.run(run())) == expected


def test_a_join_on_a_column_that_is_no_key_stays_because_it_changes_the_rows(
        sqlite_gen: tuple[ModuleType, ModuleType]) -> None:
    """Shop 1 has two branches: the join gives its item twice (and the item of shop 3, with no
    branch, once); without the join it would come once. The join stays, and the rows show it."""
    module = sqlite_gen[0]
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA + "INSERT INTO items VALUES (1, 5, 1), (2, 5, 3);"
                                "INSERT INTO branches VALUES (1, 'Oslo'), (1, 'Lima');")
    assert module.in_branch_city(conn) == [1, 1, 2]
    without_join = [r[0] for r in conn.execute("SELECT i.id FROM items i ORDER BY i.id")]
    assert without_join == [1, 2]


KEPT = "kept"
DROPPED = "dropped"
# (engine, extra schema, query, whether the join on `shops s` stays in the variant with every filter off)
CASES = [
    ("sqlite", "", "SELECT i.id, s.city FROM items i LEFT JOIN shops s ON s.id = i.shop_id "
     "WHERE s.city = sqlc.optional(city)", KEPT),  # the select list reads it
    ("sqlite", "", "SELECT * FROM items i LEFT JOIN shops s ON s.id = i.shop_id "
     "WHERE s.city = sqlc.optional(city)", KEPT),
    ("sqlite", "", "SELECT i.id FROM items i LEFT JOIN shops s ON s.id = i.shop_id "
     "WHERE s.city = sqlc.optional(city) ORDER BY s.city", KEPT),
    ("sqlite", "", "SELECT i.id, sqlc.embed(s) FROM items i LEFT JOIN shops s ON s.id = i.shop_id "
     "WHERE s.city = sqlc.optional(city)", KEPT),
    ("postgresql", "", "SELECT i.id, sqlc.embed(s) FROM items i LEFT JOIN shops s ON s.id = i.shop_id "
     "WHERE s.city = sqlc.optional(city)", KEPT),
    ("sqlite", "", "SELECT i.id FROM items i LEFT JOIN shops s ON s.id = i.shop_id "
     "WHERE s.city = sqlc.optional(city) AND s.id > 0", KEPT),  # a fixed predicate reads it
    ("sqlite", "", "SELECT i.id FROM items i LEFT JOIN shops s ON s.id = i.shop_id "
     "WHERE s.city = sqlc.optional(city) ORDER BY sqlc.sort(o, price, s.city)", KEPT),  # a sort value reads it
    ("sqlite", "", "SELECT i.id FROM items i JOIN shops s ON s.id = i.shop_id "
     "WHERE s.city = sqlc.optional(city)", KEPT),  # an inner join filters
    ("sqlite", "", "SELECT i.id FROM items i LEFT JOIN shops s ON s.id = i.price + sqlc.optional(shift) "
     "WHERE s.city = sqlc.optional(city)", KEPT),  # the key's equality comes and goes
    ("sqlite", "", "SELECT i.id FROM items i LEFT JOIN shops s ON s.id = (SELECT max(id) FROM shops) "
     "WHERE s.city = sqlc.optional(city)", KEPT),
    ("sqlite", "CREATE TABLE coded (code TEXT PRIMARY KEY, city TEXT);",
     "SELECT i.id FROM items i LEFT JOIN coded s ON s.code = i.shop_id WHERE s.city = sqlc.optional(city)",
     KEPT),  # TEXT key against an INTEGER column: '1' and '01' both equal 1
    ("sqlite", "CREATE TABLE named (name TEXT COLLATE NOCASE UNIQUE, city TEXT);",
     "SELECT i.id FROM items i LEFT JOIN named s ON s.name = i.label WHERE s.city = sqlc.optional(city)", KEPT),
    ("sqlite", "CREATE TABLE part (n INTEGER, city TEXT); CREATE UNIQUE INDEX part_n ON part (n) WHERE n > 0;",
     "SELECT i.id FROM items i LEFT JOIN part s ON s.n = i.shop_id WHERE s.city = sqlc.optional(city)", KEPT),
    ("sqlite", "CREATE TABLE pair (a INTEGER, b INTEGER, city TEXT, PRIMARY KEY (a, b));",
     "SELECT i.id FROM items i LEFT JOIN pair s ON s.a = i.shop_id WHERE s.city = sqlc.optional(city)", KEPT),
    ("sqlite", "CREATE TABLE pair (a INTEGER, b INTEGER, city TEXT, PRIMARY KEY (a, b));",
     "SELECT i.id FROM items i LEFT JOIN pair s ON s.a = i.shop_id AND s.b = 1 WHERE s.city = sqlc.optional(city)",
     DROPPED),
    ("sqlite", "CREATE TABLE tagged (tag TEXT NOT NULL, city TEXT); CREATE UNIQUE INDEX tagged_tag ON tagged (tag);",
     "SELECT i.id FROM items i LEFT JOIN tagged s ON s.tag = i.label WHERE s.city = sqlc.optional(city)", DROPPED),
    ("sqlite", "CREATE TABLE tagged (tag TEXT NOT NULL, city TEXT); CREATE UNIQUE INDEX tagged_tag ON tagged (tag);"
     "DROP INDEX tagged_tag;",
     "SELECT i.id FROM items i LEFT JOIN tagged s ON s.tag = i.label WHERE s.city = sqlc.optional(city)", KEPT),
    ("sqlite", "CREATE TABLE tagged (tg TEXT NOT NULL, city TEXT); CREATE UNIQUE INDEX tagged_tag ON tagged (tg);"
     "ALTER TABLE tagged RENAME COLUMN tg TO tag;",
     "SELECT i.id FROM items i LEFT JOIN tagged s ON s.tag = i.label WHERE s.city = sqlc.optional(city)", DROPPED),
    ("postgresql", "CREATE TABLE tagged (tag text NOT NULL, city text); CREATE UNIQUE INDEX tagged_tag ON tagged (tag);"
     "ALTER INDEX tagged_tag RENAME TO renamed; DROP INDEX renamed;",
     "SELECT i.id FROM items i LEFT JOIN tagged s ON s.tag = i.label WHERE s.city = sqlc.optional(city)", KEPT),
    ("sqlite", "", "SELECT i.id FROM items i LEFT OUTER JOIN shops AS s ON (s.id = i.shop_id) "
     "WHERE i.price > 0 AND s.city = sqlc.optional(city)", DROPPED),
    ("postgresql", "", "SELECT i.id FROM items i LEFT JOIN shops s ON s.id = i.shop_id "
     "WHERE s.city = sqlc.optional(city)", DROPPED),
    ("postgresql", "", "SELECT i.id FROM items i LEFT JOIN shops s ON s.id = i.shop_id "
     "WHERE s.city = sqlc.optional(city) FOR UPDATE", KEPT),  # the lock takes the shop rows too
    ("postgresql", "CREATE TABLE late (n int UNIQUE DEFERRABLE INITIALLY DEFERRED, city text);",
     "SELECT i.id FROM items i LEFT JOIN late s ON s.n = i.shop_id WHERE s.city = sqlc.optional(city)", KEPT),
    ("postgresql", "CREATE TABLE gone (n int CONSTRAINT gone_n UNIQUE, city text); "
     "ALTER TABLE gone DROP CONSTRAINT gone_n;",
     "SELECT i.id FROM items i LEFT JOIN gone s ON s.n = i.shop_id WHERE s.city = sqlc.optional(city)", KEPT),
    ("postgresql", "CREATE TABLE gone (n int UNIQUE, city text); ALTER TABLE gone DROP CONSTRAINT gone_n_key;",
     "SELECT i.id FROM items i LEFT JOIN gone s ON s.n = i.shop_id WHERE s.city = sqlc.optional(city)", KEPT),
    ("postgresql", "CREATE TABLE parent (n int PRIMARY KEY, city text); CREATE TABLE child () INHERITS (parent);",
     "SELECT i.id FROM items i LEFT JOIN parent s ON s.n = i.shop_id WHERE s.city = sqlc.optional(city)", KEPT),
    ("postgresql", "CREATE EXTENSION IF NOT EXISTS citext; CREATE TABLE ci (name text UNIQUE, city text);"
     "ALTER TABLE items ADD COLUMN nick citext;",
     "SELECT i.id FROM items i LEFT JOIN ci s ON s.name = i.nick WHERE s.city = sqlc.optional(city)", KEPT),
]


@pytest.mark.parametrize(("engine", "extra", "query", "verdict"), CASES)
def test_which_joins_leave_the_variant_with_every_filter_off(tmp_path: Path, engine: str, extra: str, query: str,
                                                            verdict: str) -> None:
    schema = SCHEMA.replace("shop_id INTEGER)", "shop_id INTEGER, label TEXT)") + extra
    make_project(tmp_path, {"1.sql": schema}, {"q.sql": f"-- name: Q :many\n{query};\n"}, engine=engine)
    project = pipeline.analyze(load_config(tmp_path / "pyproject.toml", tmp_path))
    [query_ir] = project.files[0].queries
    joined = re.search(r"JOIN (\w+)", query).group(1)  # type: ignore[union-attr]
    off = compose(query_ir, 0, query_ir.sort_choices[0][1] if query_ir.sort_choices else "")[0]
    on = compose(query_ir, sum(1 << p.optional for p in query_ir.params if p.optional >= 0),
                 query_ir.sort_choices[0][1] if query_ir.sort_choices else "")[0]
    assert f"JOIN {joined}" in on, on
    assert (f"JOIN {joined}" in off) == (verdict == KEPT), off


def test_verify_prepares_the_variants_without_the_join(tmp_path: Path) -> None:
    make_project(tmp_path, {"1.sql": SCHEMA}, {"q.sql": QUERIES})
    result = run_cli(tmp_path, "verify")
    assert result.code == 0, result.stderr
    # each query: all on, all off, city alone, max_price alone
    assert "2 queries (8 statements" in result.stdout, result.stdout


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_join_left_out_while_still_read_is_a_located_generation_error(tmp_path: Path, engine: str,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The safety net under the rules above: were a use of the join missed (here: made blind to the
    select list), the variant without it would not prepare (SQLite) or analyse (PostgreSQL), and
    generation says so at the query instead of writing it."""
    from codegen.analyze import dynamic

    real = dynamic.reads
    monkeypatch.setattr(dynamic, "reads", lambda sig, i, join: real(sig, i, join) and any(
        x.text.upper() == "WHERE" for x in sig[:i]))
    query = ("-- name: Listed :many\nSELECT i.id, s.city FROM items i LEFT JOIN shops s ON s.id = i.shop_id\n"
             "WHERE s.city = sqlc.optional(city);\n")
    make_project(tmp_path, {"1.sql": SCHEMA}, {"q.sql": query}, engine=engine)
    result = run_cli(tmp_path)
    assert result.code != 0 and "Traceback" not in result.stderr, result.stderr
    assert result.errors and all(e.startswith("queries/q.sql:2:1: error: query Listed (all optional filters off): ")
                                 for e in result.errors), result.stderr
    assert not (tmp_path / "gen").exists()
