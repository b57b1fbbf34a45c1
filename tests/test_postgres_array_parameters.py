"""PostgreSQL: a parameter that may be None inside ARRAY[...] is an element that may be NULL.

`SELECT ARRAY[1, sqlc.narg(x)]` was typed list[int] while its function takes `x: int | None`: the
call with None read [1, None] and failed validation. Checked on a real server, sync and async,
against the raw driver, for every None/value combination of two parameters."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import psycopg

from _support import generate, import_module, imported

QUERIES = """-- name: Pair :one
SELECT ARRAY[sqlc.narg(a), 1, sqlc.arg(b)] AS items;
-- name: Texts :one
SELECT ARRAY['x', sqlc.narg(t)] AS items;
"""


def test_postgres_a_nullable_parameter_in_an_array_is_a_nullable_element(tmp_path: Path, postgres_url: str) -> None:
    out = generate(tmp_path, {"1.sql": "CREATE TABLE unused (id int);\n"}, {"q.sql": QUERIES}, engine="postgresql",
                   emit_async=True)
    with imported(out) as package, psycopg.connect(postgres_url) as conn:
        sync, aio = import_module(package, "queries.q"), import_module(package, "aio.q")

        async def both(a: int | None, t: str | None) -> tuple[object, object]:
            async with await psycopg.AsyncConnection.connect(postgres_url) as aconn:
                return await aio.pair(aconn, a=a, b=3), await aio.texts(aconn, t=t)

        for a, t in itertools.product([None, 7], [None, "y"]):
            raw_pair = conn.execute("SELECT ARRAY[%s::int, 1, %s::int]", (a, 3)).fetchone()[0]  # type: ignore[index]
            raw_texts = conn.execute("SELECT ARRAY['x', %s::text]", (t,)).fetchone()[0]  # type: ignore[index]
            assert sync.pair(conn, a=a, b=3) == raw_pair and sync.texts(conn, t=t) == raw_texts
            assert asyncio.run(both(a, t)) == (raw_pair, raw_texts)
