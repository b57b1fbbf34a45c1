"""TypedRows (PostgreSQL, rows = "tuple"): a :many result whose column types prove every value's
Python type is not validated value by value, yet gives exactly what validation gives.

psycopg loads a column's values with one loader chosen by its type OID. When the cursor's loaders
are psycopg's own for types that make the fields' Python types, the generated code checks only
NULLs in NOT NULL columns and Literal values (in C) and lets psycopg make the rows. Anything it
cannot prove or check goes through pydantic as before. Checked on a real server, sync and async:
the rows equal those the pydantic path (_runtime.Rows) builds from the same result, the fast path
is taken when it should be and not otherwise, and a NULL, a wrong type or an unknown enum label
still raises the same ValidationError.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import psycopg
import psycopg.adapt
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import generate, import_module, imported

COLUMNS = "id, n, small, name, code, ratio, flag, at, at_tz, day, mood"
SCHEMA = """
CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE TABLE items (
    id BIGINT PRIMARY KEY,
    n INTEGER NOT NULL,
    small SMALLINT,
    name TEXT NOT NULL,
    code VARCHAR(10),
    ratio DOUBLE PRECISION,
    flag BOOLEAN,
    at TIMESTAMP,
    at_tz TIMESTAMPTZ,
    day DATE,
    mood mood,
    price NUMERIC
);
"""
# What the database holds may have drifted from the schema the code was generated from: n became
# text, name nullable, the enum gained a label.
DRIFTED = SCHEMA.replace("'sad')", "'sad', 'new')").replace("n INTEGER NOT NULL", "n TEXT") \
    .replace("name TEXT NOT NULL", "name TEXT")
QUERIES = f"""
-- name: ListItems :many
SELECT {COLUMNS} FROM items ORDER BY id;

-- name: ListAll :many
SELECT * FROM items ORDER BY id;
"""
LIST_ITEMS = f"SELECT {COLUMNS} FROM items ORDER BY id"

text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8)
ITEM = st.tuples(
    st.integers(-2**31, 2**31 - 1), st.none() | st.integers(-2**15, 2**15 - 1), text, st.none() | text,
    st.none() | st.floats(width=64), st.none() | st.booleans(),
    st.none() | st.datetimes(),
    # read back in the database's time zone (Pacific/Auckland): the years 1 and 9999 could leave datetime's range
    st.none() | st.datetimes(dt.datetime(2, 1, 1), dt.datetime(9998, 1, 1), timezones=st.just(dt.timezone.utc)),
    st.none() | st.dates(), st.none() | st.sampled_from(["ok", "sad"]))


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("typed_rows")
    out = generate(root, {"1.sql": SCHEMA}, {"items.sql": QUERIES}, out="typed_rows_gen", engine="postgresql",
                   emit_async=True, extra='rows = "tuple"')
    with imported(out) as found:
        yield found


@contextlib.contextmanager
def validated_rows(package: ModuleType) -> Iterator[list[int]]:
    """Counts the results that went through pydantic (Rows.many) while the block runs."""
    runtime = import_module(package, "_runtime")
    calls = [0]
    many = runtime.Rows.many

    def counting(self: Any, rows: list[Any]) -> Any:
        calls[0] += 1
        return many(self, rows)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runtime.Rows, "many", counting)
        yield calls


def plain(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [tuple("nan" if v != v else v for v in row) for row in rows]  # NaN != NaN


def errors(error: pydantic.ValidationError) -> list[tuple[Any, ...]]:
    return [(e["type"], e["loc"], e["input"]) for e in error.errors()]


PROVE_FROM_ROWS = 32  # _runtime.PROVE_FROM_ROWS, checked in test_small_results_are_validated


def outcome(call: Callable[[], list[Any]]) -> Any:
    try:
        return plain(call())
    except pydantic.ValidationError as error:
        return errors(error)


def both_ways(package: ModuleType, conn: psycopg.Connection[Any], url: str) -> tuple[Any, Any, Any]:
    """list_items sync, async, and the pydantic path (Rows.many) on the same rows: each a list of
    rows, or the ValidationError's errors."""
    queries, aio = import_module(package, "queries.items"), import_module(package, "aio.items")
    runtime = import_module(package, "_runtime")

    async def run_async() -> Any:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as aconn:
            try:
                return plain(await aio.list_items(aconn))
            except pydantic.ValidationError as error:
                return errors(error)

    reference = runtime.Rows(queries.ListItemsRow)
    return (outcome(lambda: queries.list_items(conn)), asyncio.run(run_async()),
            outcome(lambda: reference.many(conn.execute(LIST_ITEMS.encode()).fetchall())))


def insert(conn: psycopg.Connection[Any], items: list[tuple[Any, ...]]) -> int:
    """The items, each repeated as often as it takes to fill a result TypedRows proves (ids differ)."""
    if items:
        items = items * -(-PROVE_FROM_ROWS // len(items))
    conn.execute("TRUNCATE items")
    with conn.cursor() as cur:
        cur.executemany(f"INSERT INTO items ({COLUMNS}) VALUES ({', '.join(['%s'] * 11)})",
                        [(i, *item) for i, item in enumerate(items)])
    return len(items)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(ITEM, max_size=6))
def test_proven_rows_equal_validated_rows(package: ModuleType, postgres_url: str, items: list[tuple[Any, ...]]
                                          ) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        if not conn.execute("SELECT to_regclass('items')").fetchone()[0]:  # type: ignore[index]
            conn.execute(SCHEMA.encode())
        count = insert(conn, items)
        with validated_rows(package) as calls:
            sync, async_result, plain = both_ways(package, conn, postgres_url)
            assert calls[0] == 1  # only the reference result went through pydantic
        assert sync == async_result == plain and len(sync) == count


def test_unproven_or_failing_results_are_validated_as_before(package: ModuleType, postgres_url: str) -> None:
    """Each case goes through pydantic (sync and async) and ends as the pydantic path ends."""
    class Shout(psycopg.adapt.Loader):
        def load(self, data: Any) -> str:
            return bytes(data).decode().upper()

    good = (7, None, "ann", "c", 1.5, True, dt.datetime(2024, 1, 2, 3, 4, 5, 6), None, dt.date(2024, 1, 2), "ok")
    cases = [("NULL in a NOT NULL column", "UPDATE items SET name = NULL WHERE id = 1", True),
             ("text where an int belongs", "UPDATE items SET n = 'seven' WHERE id = 1", True),
             ("an int's text (pydantic reads it)", "UPDATE items SET n = '8'", False),
             ("an enum label the code does not know", "UPDATE items SET mood = 'new'", True)]
    for label, change, raises in cases:
        with psycopg.connect(postgres_url, autocommit=True) as conn:  # a new one: no plan prepared for the old table
            conn.execute("DROP TABLE IF EXISTS items")
            conn.execute("DROP TYPE IF EXISTS mood")
            conn.execute(DRIFTED.encode())
            insert(conn, [good, good])
            conn.execute(change.encode())
            with validated_rows(package) as calls:
                sync, async_result, plain = both_ways(package, conn, postgres_url)
                assert calls[0] == 3, label  # sync, async and the reference
            assert sync == async_result == plain, label
            assert all(type(entry[0]) is str for entry in sync) == raises, (label, sync)

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP TABLE items")
        conn.execute("DROP TYPE mood")
        conn.execute(SCHEMA.encode())
        insert(conn, [good, good])
        # A loader the application registered: its values are not proven, so pydantic checks them.
        conn.adapters.register_loader("text", Shout)
        with validated_rows(package) as calls:
            sync = [tuple(row) for row in import_module(package, "queries.items").list_items(conn)]
            assert calls[0] == 1 and sync[0][3] == "ANN"
        # SQL_ASCII: psycopg's text loader makes bytes; pydantic decodes them for a str field and
        # refuses them for a Literal one (the enum), as before.
        with psycopg.connect(postgres_url, autocommit=True) as ascii_conn:
            ascii_conn.execute("SET client_encoding TO 'SQL_ASCII'")
            queries = import_module(package, "queries.items")
            reference = import_module(package, "_runtime").Rows(queries.ListItemsRow)
            with validated_rows(package) as calls:
                fast = outcome(lambda: queries.list_items(ascii_conn))
                assert calls[0] == 1
                assert fast == outcome(lambda: reference.many(ascii_conn.execute(LIST_ITEMS.encode()).fetchall()))
                assert {(kind, loc[1], value) for kind, loc, value in fast} == {("literal_error", "mood", b"ok")}
        # A field psycopg's loaders do not prove (NUMERIC, read through a marker): validated as before.
        with validated_rows(package) as calls:
            import_module(package, "queries.items").list_all(conn)
            assert calls[0] == 1


def test_small_results_are_validated(package: ModuleType, postgres_url: str) -> None:
    """Below PROVE_FROM_ROWS rows, validating costs less than proving: pydantic reads them."""
    assert import_module(package, "_runtime").PROVE_FROM_ROWS == PROVE_FROM_ROWS
    good = (7, None, "ann", "c", 1.5, True, None, None, None, "ok")
    queries = import_module(package, "queries.items")
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(SCHEMA.encode())
        for count, validated in ((PROVE_FROM_ROWS - 1, 1), (PROVE_FROM_ROWS, 0)):
            conn.execute("TRUNCATE items")
            with conn.cursor() as cur:
                cur.executemany(f"INSERT INTO items ({COLUMNS}) VALUES ({', '.join(['%s'] * 11)})".encode(),
                                [(i, *good) for i in range(count)])
            with validated_rows(package) as calls:
                assert len(queries.list_items(conn)) == count and calls[0] == validated
