"""Drawn PostgreSQL MERGE statements (tests/drawn_pgmerge.py) judged by codegen and by the server,
then run through the generated functions, sync and async, on drawn rows:

- verdict: codegen accepts the query exactly when the server PREPAREs it, and a refusal is a
  located `q.sql:line:col: error:`, no traceback;
- oracle: the same SQL run raw through psycopg on the same rows (each run in a transaction rolled
  back, identity sequences reset first). The generated function returns what the raw query returns
  (RETURNING rows in the server's column order, merge_action() as a str), :execrows and
  :execresult the rows merged, the table holds the same rows afterwards, or both fail with the same
  SQLSTATE. Every value read fits its declared type and nullability (pydantic validates each row).

Figures: `DRAWN_PGMERGE_EXAMPLES=N` (default 30); `-s` prints them.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pydantic
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import drawn_pgmerge as dm
from _support import import_module, imported, make_project, run_cli, named_database

EXAMPLES = int(os.environ.get("DRAWN_PGMERGE_EXAMPLES", "30"))
# No shrinking: each example generates a project, and shrinking one took minutes; the failure
# message prints the query, parameters and rows.
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
                    derandomize=not os.environ.get("DRAWN_PGMERGE_RANDOM"), suppress_health_check=list(HealthCheck))
FIGURES: Counter[str] = Counter()
_PACKAGES = itertools.count(1)
TABLE = "SELECT id, name, qty, note, doubled, serial_no, stamp FROM stock ORDER BY id"


@pytest.fixture(scope="module")
def url(postgres_server: Any) -> Iterator[str]:
    with named_database(postgres_server, "drawn_pgmerge", dm.SCHEMA, time_zone=None) as target:
        yield target
        print("\ndrawn pgmerge: " + "; ".join(f"{k} {v}" for k, v in sorted(FIGURES.items())))


@pytest.fixture(scope="module")
def conn(url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(url) as db:
        yield db


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


def server_verdict(conn: psycopg.Connection[Any], sql: str) -> str | None:
    """None when the server prepares the statement, else its message."""
    try:
        conn.execute(f"PREPARE drawn_merge AS {dm.numbered(sql)}".encode())
        conn.execute(b"DEALLOCATE drawn_merge")
        return None
    except psycopg.Error as error:
        return f"{error.sqlstate}: {str(error).splitlines()[0]}"
    finally:
        conn.rollback()


def _seed(db: psycopg.Connection[Any], stock: list[Any], feed: list[Any]) -> None:
    """The drawn rows, identity sequences started afresh (setval is outside the transaction)."""
    db.execute(b"SELECT setval(pg_get_serial_sequence('stock', 'serial_no'), 100, false), "
               b"setval(pg_get_serial_sequence('stock', 'stamp'), 1, false)")
    with db.cursor() as cur:
        cur.executemany(b"INSERT INTO stock (id, name, qty, note, serial_no) VALUES (%s, %s, %s, %s, %s)",
                        [(*row, row[0]) for row in stock])
        cur.executemany(b"INSERT INTO feed (id, name, qty) VALUES (%s, %s, %s)", feed)


def _values(result: Any) -> Any:
    if isinstance(result, list):  # the rows of :many, in an order both runs agree on
        return sorted((_values(r) for r in result), key=repr)
    if isinstance(result, pydantic.BaseModel):
        return tuple(getattr(result, name) for name in type(result).model_fields)
    if isinstance(result, tuple):
        return tuple(result)
    return result


def _run(db: psycopg.Connection[Any], stock: list[Any], feed: list[Any], call: Callable[[], Any]) -> tuple[Any, ...]:
    try:
        _seed(db, stock, feed)
        try:
            result = ("ok", _values(call()))
        except psycopg.Error as error:
            db.rollback()
            return ("error", error.sqlstate)
        return (*result, db.execute(TABLE.encode()).fetchall())
    finally:
        db.rollback()


def _raw(db: psycopg.Connection[Any], merge: dm.Merge, params: dict[str, Any]) -> Any:
    cursor = db.execute(dm.pyformat(merge.sql).encode(), params)
    if merge.command in ("execrows", "execresult"):
        return cursor.rowcount
    if merge.command == "exec":
        return None
    rows = [tuple(r) for r in cursor.fetchall()]
    if merge.command == "one":  # the first row, as the generated function reads it (BY SOURCE may give more)
        if not rows:
            return None
        return rows[0][0] if len(rows[0]) == 1 else rows[0]
    return sorted((r[0] if len(r) == 1 else r for r in rows), key=repr)


def _generated(result: Any, command: str) -> Any:
    if command == "execresult":
        return result.rowcount if hasattr(result, "rowcount") else result
    return result


def _async_call(url: str, function: Callable[..., Any], stock: list[Any], feed: list[Any],
                params: dict[str, Any], command: str) -> tuple[Any, ...]:
    async def go() -> tuple[Any, ...]:
        async with await psycopg.AsyncConnection.connect(url) as db:
            await db.execute(b"SELECT setval(pg_get_serial_sequence('stock', 'serial_no'), 100, false), "
                             b"setval(pg_get_serial_sequence('stock', 'stamp'), 1, false)")
            async with db.cursor() as cur:
                await cur.executemany(b"INSERT INTO stock (id, name, qty, note, serial_no) VALUES (%s, %s, %s, %s, %s)",
                                      [(*row, row[0]) for row in stock])
                await cur.executemany(b"INSERT INTO feed (id, name, qty) VALUES (%s, %s, %s)", feed)
            try:
                result = _values(_generated(await function(db, **params), command))
            except psycopg.Error as error:
                await db.rollback()
                return ("error", error.sqlstate)
            table = await (await db.execute(TABLE.encode())).fetchall()
            await db.rollback()
            return ("ok", result, table)
    return asyncio.run(go())


def generate_merge(folder: Path, merge: dm.Merge) -> tuple[Path | None, str]:
    """(the generated package, "") or (None, codegen's diagnostics)."""
    n = next(_PACKAGES)
    root = folder / f"p{n}"
    make_project(root, {"1.sql": dm.SCHEMA}, {"q.sql": f"-- name: DrawnMerge :{merge.command}\n{merge.sql};\n"},
                 out=f"pgmerge{n}", engine="postgresql", emit_async=True)
    result = run_cli(root)
    if result.code != 0:
        return None, result.stderr
    return root / f"pgmerge{n}", ""


@SETTINGS
@given(merge=dm.merges(), stock=dm.stock_rows(), feed=dm.feed_rows(), data=st.data())
def test_drawn_merges_agree_with_the_server(conn: psycopg.Connection[Any], url: str, folder: Path,
                                            merge: dm.Merge, stock: list[Any], feed: list[Any],
                                            data: st.DataObject) -> None:
    verdict = server_verdict(conn, merge.sql)
    package_dir, diagnostics = generate_merge(folder, merge)
    FIGURES["queries"] += 1
    if merge.refused:
        assert verdict is not None, f"the drawn refused form was prepared:\n{merge.sql}"
    if package_dir is None:
        assert verdict is not None, f"codegen refused what the server prepares:\n{merge.sql}\n{diagnostics}"
        assert re.search(r"q\.sql:\d+:\d+: error: ", diagnostics) and "Traceback" not in diagnostics, diagnostics
        FIGURES["refused both ways"] += 1
        return
    assert verdict is None, f"codegen accepted what the server refuses ({verdict}):\n{merge.sql}"
    FIGURES["accepted both ways"] += 1
    with imported(package_dir) as package:
        sync, aio = import_module(package, "queries.q"), import_module(package, "aio.q")
        function = sync.drawn_merge
        hints = function.__annotations__
        params: dict[str, Any] = {}
        for name in merge.params:
            nullable = "None" in str(hints.get(name, ""))
            value = data.draw(dm.PARAM_VALUES[name])
            params[name] = None if nullable and data.draw(st.integers(0, 4)) == 0 else value
        assert set(params) == {n for n in hints if n not in ("conn", "return")}, (params, hints)
        expected = _run(conn, stock, feed, lambda: _raw(conn, merge, params))
        if data.draw(st.booleans()):
            got = _run(conn, stock, feed, lambda: _generated(function(conn, **params), merge.command))
            FIGURES["sync calls"] += 1
        else:
            got = _async_call(url, aio.drawn_merge, stock, feed, params, merge.command)
            FIGURES["async calls"] += 1
        FIGURES[f"outcome {expected[0]}"] += 1
        assert got == expected, f"{merge.sql}\nparams {params}\nstock {stock}\nfeed {feed}"
