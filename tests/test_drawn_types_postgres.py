"""Drawn array values of every array column type a user plausibly declares, through every position a
parameter or result of that type takes, against a real PostgreSQL server as the oracle.

One table holds a column of each type (tests/drawn_types.py: smallint[] to bigint[], real[],
numeric[], text[], varchar(n)[], uuid[], boolean[], date[], timestamptz[], an enum's array, a
domain's array, a domain over integer[]); the query file gives each column an INSERT, an UPDATE,
a WHERE of each array predicate (=, @>, <@, &&, IS DISTINCT FROM, IN, COALESCE) and reads through
the table, a view, a CASE, a COALESCE and sqlc.embed. Each example draws, for every column, rows and a
parameter value. A call fails the example when:
  - it raises where the oracle (the same predicate, its parameter cast to the column's type, run
    by psycopg itself) did not;
  - it returns other rows than the oracle;
  - a value it reads differs from the one the raw driver reads, or does not fit its annotation
    (tests/harness/harness_typecheck.py).

Figures: `DRAWN_TYPES_EXAMPLES=N` (default 25, each through every column); `python -m pytest
tests/test_drawn_types_postgres.py -s` prints them.
"""

from __future__ import annotations

import os
import sys
import tempfile
import typing
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "harness"))

import drawn_types as dt_  # noqa: E402
from _support import generate, import_module, imported  # noqa: E402
from harness_typecheck import mismatches  # noqa: E402

EXAMPLES = int(os.environ.get("DRAWN_TYPES_EXAMPLES", "25"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    derandomize=not os.environ.get("DRAWN_TYPES_RANDOM"),
                    suppress_health_check=list(HealthCheck))
FIGURES: Counter[str] = Counter()


@pytest.fixture(scope="module")
def gen() -> Iterator[ModuleType]:
    with tempfile.TemporaryDirectory() as tmp:
        package = generate(Path(tmp), {"1.sql": dt_.SCHEMA}, {"q.sql": dt_.queries()}, out="drawn_types_gen",
                           engine="postgresql")
        with imported(package) as module:
            yield import_module(module, "queries.q")
    print("\ndrawn array types: " + "; ".join(f"{k} {v}" for k, v in sorted(FIGURES.items())))


@pytest.fixture(scope="module")
def conn(postgres_server: Any) -> Iterator[psycopg.Connection[Any]]:
    name = "drawn_types_arrays"
    admin_url = postgres_server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"'.encode())
        admin.execute(f'CREATE DATABASE "{name}"'.encode())
    with psycopg.connect(postgres_server.get_uri(database=name), autocommit=True) as db:
        db.execute(dt_.SCHEMA.encode())
        yield db
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


def _raw_read(conn: psycopg.Connection[Any], t: dt_.ArrayType, row_id: int) -> Any:
    cast = f"::{t.read_cast}" if t.read_cast else ""
    return conn.execute(f"SELECT {t.column}{cast} FROM arrays WHERE id = %s".encode(), [row_id]).fetchone()[0]  # type: ignore[index]


def _as_stored(conn: psycopg.Connection[Any], t: dt_.ArrayType, value: list[Any]) -> Any:
    """The value the column holds after the value is written, as psycopg reads it: the server's
    own cast of it (a real rounded to 4 bytes, a naive datetime taken in the session's zone)."""
    cast = f"::{t.read_cast}" if t.read_cast else ""
    return conn.execute(f"SELECT (%s::{t.declared}){cast}".encode(), [value]).fetchone()[0]  # type: ignore[index]


def _check_read(gen: ModuleType, function: str, value: Any, raw: Any) -> None:
    hint = typing.get_type_hints(getattr(gen, function))["return"]
    assert not mismatches(value, hint), (function, value, mismatches(value, hint))
    assert dt_.same(value, raw), (function, value, raw)


@SETTINGS
@given(data=st.data())
def test_postgres_drawn_array_values_go_through_every_position(gen: ModuleType, conn: psycopg.Connection[Any],
                                                                data: st.DataObject) -> None:
    for t in dt_.ARRAY_TYPES:
        _one_column(gen, conn, data, t)


def _one_column(gen: ModuleType, conn: psycopg.Connection[Any], data: st.DataObject, t: dt_.ArrayType) -> None:
    """Drawn rows of column t written through the generated INSERT and read through every read, then
    a drawn parameter through every predicate (against the oracle's rows) and the UPDATE."""
    c = t.column
    conn.execute(b"TRUNCATE arrays")
    stored: list[list[Any]] = []
    ids = []
    for _ in range(data.draw(st.integers(1, 3), label=f"{c} rows")):
        value = data.draw(dt_.array_values(t, stored), label=f"{c} stored")
        stored.append(value)
        ids.append(getattr(gen, f"put_{c}")(conn, val=value))
    for row_id, value in zip(ids, stored):
        raw = _raw_read(conn, t, row_id)
        assert dt_.same(raw, _as_stored(conn, t, dt_.as_meant(t, value))), (value, raw)
        for read in dt_.READS:
            _check_read(gen, f"{read}_{c}", getattr(gen, f"{read}_{c}")(conn, id=row_id), raw)
        embedded = getattr(gen.row(conn, id=row_id).arrays, c)
        assert dt_.same(embedded, raw), (embedded, raw)
    param = data.draw(dt_.array_values(t, stored), label=f"{c} param")
    for name, predicate in dt_.PREDICATES.items():
        where = predicate.format(c=c, p=f"%s::{t.oracle_cast}")
        count = where.count("%s")
        expected = [r[0] for r in conn.execute(f"SELECT id FROM arrays WHERE {where} ORDER BY id".encode(),
                                               [dt_.as_meant(t, param)] * count).fetchall()]
        got = getattr(gen, f"{name}_{c}")(conn, val=param)
        assert got == expected, (name, t.declared, stored, param, got, expected)
        FIGURES[f"{name} matched" if expected else f"{name} empty"] += 1
    assert getattr(gen, f"set_{c}")(conn, val=param, id=ids[0]) == 1
    assert dt_.same(_raw_read(conn, t, ids[0]), _as_stored(conn, t, dt_.as_meant(t, param)))
    FIGURES[t.declared] += 1


@SETTINGS
@given(xs=st.lists(dt_.XIDS, min_size=1, max_size=3), x8s=st.lists(dt_.XID8S, min_size=1, max_size=3),
       version=dt_.XIDS)
def test_postgres_transaction_ids_of_any_size_go_back_as_parameters(gen: ModuleType, conn: psycopg.Connection[Any],
                                                                    xs: list[int], x8s: list[int],
                                                                    version: int) -> None:
    """xid, xid8 and cid values (xmin: the version of optimistic locking) are ints; one past 2^31 went
    as a bigint, which a transaction id has no operator with: every call failed."""
    conn.execute(b"TRUNCATE versioned")
    rows = [gen.put_versioned(conn, name="a", x=x, x8=x8) for x, x8 in zip(xs, x8s)]
    for row in rows:
        read = gen.get_versioned(conn, id=row.id)
        raw = conn.execute(b"SELECT xmin::text::bigint, x::text::bigint, x8::text::numeric FROM versioned "
                           b"WHERE id = %s", [row.id]).fetchone()
        assert (read.xmin, read.x, read.x8) == raw and not mismatches(read, type(read))
        assert gen.rename_if_unchanged(conn, name="b", id=row.id, version=read.xmin) == 1  # its own version
    for x in xs + [version]:
        expected = [r[0] for r in conn.execute(b"SELECT id FROM versioned WHERE x = %s::text::xid ORDER BY id", [x])]
        assert gen.by_x(conn, x=x) == expected
    for x8 in x8s:
        expected = [r[0] for r in conn.execute(b"SELECT id FROM versioned WHERE x8 = %s::text::xid8 ORDER BY id",
                                               [x8])]
        assert gen.by_x8(conn, x8=x8) == expected
    changed = conn.execute(b"SELECT count(*) FROM versioned WHERE id = %s AND xmin = %s::text::xid",
                           [rows[0].id, version]).fetchone()[0]  # type: ignore[index]
    assert gen.rename_if_unchanged(conn, name="c", id=rows[0].id, version=version) == changed
    FIGURES["transaction ids"] += 1


@pytest.fixture(scope="module")
def typed_gen() -> Iterator[ModuleType]:
    queries = "".join(f"-- name: expression_{i} :many\nSELECT {e} AS v FROM typed{' GROUP BY id' if '(m)' in e else ''} "
                      "ORDER BY 1;\n\n" for i, e in enumerate(dt_.EXPRESSIONS))
    with tempfile.TemporaryDirectory() as tmp:
        package = generate(Path(tmp), {"1.sql": dt_.EXPRESSION_SCHEMA}, {"q.sql": queries},
                           out="drawn_typed_expressions_gen", engine="postgresql")
        with imported(package) as module:
            yield import_module(module, "queries.q")


@SETTINGS
@given(rows=dt_.typed_rows())
def test_postgres_expressions_keep_their_operands_type(typed_gen: ModuleType, conn: psycopg.Connection[Any],
                                                       rows: list[tuple[Any, ...]]) -> None:
    """sum(money) is money, inet & inet an inet, cidr >> inet a boolean, bit & bit a bit string, upper() of
    a range its bound: each read equals the raw driver's value and fits its annotation."""
    conn.execute(dt_.EXPRESSION_SCHEMA.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS").encode())
    conn.execute(b"TRUNCATE typed")
    with conn.cursor() as cur:
        cur.executemany(b"INSERT INTO typed (m, ip, net, bits, vbits, r, n) VALUES (%s, %s, %s, %s::bit(8), "
                        b"%s::varbit, %s, %s)", rows)
    for i, expression in enumerate(dt_.EXPRESSIONS):
        group = " GROUP BY id" if "(m)" in expression else ""
        raw = [r[0] for r in conn.execute(f"SELECT {expression} AS v FROM typed{group} ORDER BY 1".encode())]
        function = getattr(typed_gen, f"expression_{i}")
        got = function(conn)
        hint = typing.get_type_hints(function)["return"]
        assert not mismatches(got, hint), (expression, got, hint)
        assert got == raw and [type(v) for v in got] == [type(v) for v in raw], (expression, got, raw)
    FIGURES["typed expressions"] += 1
