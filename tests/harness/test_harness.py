"""The execution harness: every function codegen generates for every project it can reach, called
for real, sync and async, on a SQLite file and on a real PostgreSQL server, with arguments drawn
from the function's own annotations; every returned value checked against the declared return
type, every sync read against its own SQL run raw (harness_raw.py: a value in the wrong field or
a row too many fits its type), every statement a sync call sends against its query's IR (its own
SQL, each argument in its bind slot) and every async read against its sync twin's result for the
same arguments. 0 crashes and 0 mismatches, or the test fails with the list.

Projects and how they are found: harness_projects.py. Databases and how tables are filled:
harness_databases.py. Drawing arguments: harness_strategies.py. Calls, what counts as a crash
and what as a refusal by the database: harness_calls.py. Judging values: harness_typecheck.py.
The totals are printed at the end of the run (conftest.py, `pytest_terminal_summary`).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosqlite
import psycopg
import pydantic
import pytest

from harness_calls import ROUNDS, Function, Runner, Tally, TIME_LIMIT, functions
from harness_databases import SchemaRefused, postgres_database, sqlite_async_connector, sqlite_database
from harness_projects import Generated
from codegen import ir
from codegen.python import naming
from harness_state import NOT_RUN, SKIPPED, TOTAL, Packages
from harness_validity import KNOWN_BUGS, not_called

GROUPS = ["repo", "golden", "fixtures", "projects", "synth", "conformance/sqlite", "conformance/postgresql"]
SHOWN = 40
KNOWN_BUG_ROUNDS = 30  # failures listed in a failing test's message


def _in_group(case_name: str, group: str) -> bool:
    return case_name == group or case_name.startswith(group + "/")


Skip = Callable[[str, str, int], "str | None"]


def run_sqlite(gen: Generated, db_path: Path, skipped: list[str], skip: Skip | None = None,
               rounds: int = ROUNDS) -> Tally:
    conn, pool = sqlite_database(gen, db_path)
    loop = asyncio.Runner()
    aconn = None
    try:
        aconn = loop.run(_aiosqlite(sqlite_async_connector(gen, db_path)))
        runner = Runner("sqlite", conn, aconn, loop, pool)
        funcs = functions(gen.case.package, gen.package_dir, skip or (lambda m, f, i: not_called(gen.case.name, {}, m, f, i)),
                          skipped, _queries(gen))
        return runner.run(funcs, gen.case.id, rounds)
    finally:
        if aconn is not None:
            loop.run(aconn.close())
        loop.close()
        conn.close()


def _queries(gen: Generated) -> dict[tuple[str, int], Any]:
    """(module, place in it) -> the ir.Query its function was generated from."""
    return {(naming.module_name(f.stem), i): q for f in gen.project.files for i, q in enumerate(f.queries)}


async def _aiosqlite(connector: Callable[[], sqlite3.Connection]) -> aiosqlite.Connection:
    conn = await aiosqlite.Connection(connector, 64)
    await conn.execute("PRAGMA synchronous = OFF")
    return conn


def run_postgresql(gen: Generated, url: str, skipped: list[str], skip: Skip | None = None,
                   rounds: int = ROUNDS) -> Tally:
    pool, refused = postgres_database(gen, url)
    timeout = f"SET statement_timeout = {int(TIME_LIMIT * 1000)}"
    loop = asyncio.Runner()
    conn = psycopg.connect(url)
    aconn = None
    try:
        conn.execute(timeout)
        conn.commit()
        aconn = loop.run(_async_postgres(url, timeout))
        runner = Runner("postgresql", conn, aconn, loop, pool)
        funcs = functions(gen.case.package, gen.package_dir,
                          skip or (lambda m, f, i: not_called(gen.case.name, refused, m, f, i)), skipped, _queries(gen))
        return runner.run(funcs, gen.case.id, rounds)
    finally:
        if aconn is not None:
            loop.run(aconn.close())
        loop.close()
        conn.close()


async def _async_postgres(url: str, timeout: str) -> psycopg.AsyncConnection[Any]:
    conn = await psycopg.AsyncConnection.connect(url)
    await conn.execute(timeout)
    await conn.commit()
    return conn


@pytest.mark.parametrize("group", GROUPS)
def test_every_generated_function_runs(group: str, packages: Packages, request: pytest.FixtureRequest,
                                       tmp_path: Path) -> None:
    cases = [c for c in packages.cases if _in_group(c.name, group)]
    if not cases:
        reason = "; ".join(n for n in packages.notes if group.split("/")[0] in n) or f"no {group} cases"
        pytest.skip(reason)
    tally = Tally()
    problems: list[str] = []
    ran = 0
    for case in cases:
        if case.id in packages.refused:
            if case.must_generate:
                problems.append(f"{case.id}: codegen refuses it: {packages.refused[case.id]}")
            else:
                NOT_RUN.append(f"{case.id} (codegen refuses it)")
            continue
        gen = packages.generated[case.id]
        try:
            if case.engine == "sqlite":
                found = run_sqlite(gen, tmp_path / f"{case.package}.sqlite3", SKIPPED)
            else:
                found = run_postgresql(gen, request.getfixturevalue("harness_database"), SKIPPED)
        except SchemaRefused as error:
            if case.must_generate:
                problems.append(f"{case.id}: {error}")
            else:
                NOT_RUN.append(f"{case.id} ({str(error).splitlines()[0][:120]})")
            continue
        ran += 1
        tally.add(found)
        TOTAL.setdefault(case.engine, Tally()).add(found)
    print(f"\n{group}: {ran} cases, {tally.calls} calls of {tally.functions} functions, {len(tally.crashes)} crashes, "
          f"{len(tally.mismatches)} mismatches, refused: {dict(tally.refused)}")
    failures = problems + tally.crashes + tally.mismatches
    if failures and os.environ.get("HARNESS_FAILURES"):  # a file to get every failure, not the first few
        with open(os.environ["HARNESS_FAILURES"], "a", encoding="utf-8") as out:
            out.write("\n".join(failures) + "\n")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:SHOWN])
    assert tally.calls >= tally.functions > 0 or not ran, "no function was called"


@pytest.mark.xfail(strict=True, reason="a bug the harness found, not fixed yet (harness_validity.KNOWN_BUGS)")
@pytest.mark.parametrize("case_name, function", sorted(KNOWN_BUGS), ids=[f"{c}:{f}" for c, f in sorted(KNOWN_BUGS)])
def test_known_bugs_still_crash(case_name: str, function: str, packages: Packages, request: pytest.FixtureRequest,
                                tmp_path: Path) -> None:
    """The function alone, called as the main run calls it but with more rounds (alone, it gets other
    draws than in the main run): passes (and so fails, strict) once fixed."""
    found = [g for g in packages.generated.values() if g.case.name == case_name]
    if not found:
        pytest.skip(f"{case_name} is absent")
    gen = found[0]
    only: Skip = lambda m, f, i: None if f == function else "not this test's function"  # noqa: E731
    if gen.case.engine == "sqlite":
        tally = run_sqlite(gen, tmp_path / "known.sqlite3", [], only, KNOWN_BUG_ROUNDS)
    else:
        tally = run_postgresql(gen, request.getfixturevalue("harness_database"), [], only, KNOWN_BUG_ROUNDS)
    assert tally.calls > 0 and not tally.crashes and not tally.mismatches, "\n".join(tally.crashes + tally.mismatches)


def test_every_generated_package_passes_mypy_strict(packages: Packages) -> None:
    """One mypy --strict run over every generated package (started when they were written)."""
    assert packages.mypy is not None
    output, _ = packages.mypy.communicate(timeout=900)
    assert packages.mypy.returncode == 0, output[-6000:]


class _Pair(pydantic.BaseModel):
    first: str
    second: str | None


def _swapped(conn: Any) -> list[_Pair]:
    """A read that puts each value in the other's field: every value still fits its type."""
    rows = conn.execute("SELECT a, b FROM pairs ORDER BY a").fetchall()
    return [_Pair(first=b or "", second=a) for a, b in rows]


def _faithful(conn: Any) -> list[_Pair]:
    return [_Pair(first=a, second=b) for a, b in conn.execute("SELECT a, b FROM pairs ORDER BY a").fetchall()]


def _short(conn: Any) -> _Pair | None:
    row = conn.execute("SELECT a, b FROM pairs WHERE a > 'z' ORDER BY a").fetchone()  # none: 'b' < 'z'
    return _Pair(first=row[0], second=row[1]) if row else _Pair(first="a", second="b")


def test_raw_oracle_sees_values_a_type_check_cannot() -> None:
    """The raw oracle (harness_raw.py) flags a read whose values fit their types but not their
    places, or a row its SQL does not return; a faithful read passes."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE pairs (a TEXT NOT NULL, b TEXT)")
    conn.executemany("INSERT INTO pairs VALUES (?, ?)", [("a", "b"), ("c", None)])
    runner = Runner("sqlite", conn, None, None, {})  # type: ignore[arg-type]  # sync calls only
    for fn in (_swapped, _faithful, _short):
        hints = typing.get_type_hints(fn)
        runner.call(Function(fn.__name__, fn, False, [], hints["return"]), {}, "planted")
    assert runner.tally.replayed == 3
    assert [m.split(":")[1].strip() for m in runner.tally.mismatches] == ["_swapped()", "_short()"], runner.tally.mismatches
    assert "its SQL run raw reads 'a'" in runner.tally.mismatches[0]
    assert "1 rows returned, its SQL run raw reads 0" in runner.tally.mismatches[1]


async def _async_faithful(conn: Any) -> list[_Pair]:
    async with conn.execute("SELECT a, b FROM pairs ORDER BY a") as cursor:
        return [_Pair(first=a, second=b) for a, b in await cursor.fetchall()]


async def _async_reversed(conn: Any) -> list[_Pair]:
    """An async read whose rows come back in another order than its sync twin's."""
    return list(reversed(await _async_faithful(conn)))


def test_twin_oracle_sees_an_async_read_unlike_its_sync_twin(tmp_path: Path) -> None:
    """An async function is compared with its sync twin (aio.m.f with queries.m.f) on the same
    arguments: one that reorders the rows is flagged, a faithful one passes."""
    db = tmp_path / "pairs.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("CREATE TABLE pairs (a TEXT NOT NULL, b TEXT)")
    conn.executemany("INSERT INTO pairs VALUES (?, ?)", [("a", "b"), ("c", None)])
    loop = asyncio.Runner()
    aconn = loop.run(_aiosqlite(lambda: sqlite3.connect(db, isolation_level=None, check_same_thread=False)))
    try:
        runner = Runner("sqlite", conn, aconn, loop, {})
        returns = typing.get_type_hints(_faithful)["return"]
        sync = Function("p.queries.m.f", _faithful, False, [], returns)
        runner._sync_twins = {sync.label: sync}
        for fn in (_async_faithful, _async_reversed):
            runner.call(Function("p.aio.m.f", fn, True, [], returns), {}, "planted")
    finally:
        loop.run(aconn.close())
        loop.close()
        conn.close()
    assert runner.tally.twinned == 2 and len(runner.tally.mismatches) == 1, runner.tally.mismatches
    assert "differs from its sync twin" in runner.tally.mismatches[0]


def _by_a_and_b(conn: Any, *, a: str, b: str) -> list[_Pair]:
    return [_Pair(first=x, second=y) for x, y in conn.execute(_PAIR_SQL, (a, b)).fetchall()]


def _by_b_and_a(conn: Any, *, a: str, b: str) -> list[_Pair]:
    """Each argument bound to the other's slot: both are str, so the rows still fit their types."""
    return [_Pair(first=x, second=y) for x, y in conn.execute(_PAIR_SQL, (b, a)).fetchall()]


def _other_sql(conn: Any, *, a: str, b: str) -> list[_Pair]:
    """Another query's SQL (the bug a name clash once caused), with the right arguments."""
    sql = "SELECT a, b FROM pairs WHERE a <> ? AND b <> ?"
    return [_Pair(first=x, second=y) for x, y in conn.execute(sql, (a, b)).fetchall()]


_PAIR_SQL = "SELECT a, b FROM pairs WHERE a = ? AND b = ?"


def test_sending_oracle_sees_swapped_arguments_and_another_querys_sql() -> None:
    """What a sync call sends is checked against its query's IR (harness_raw.sending_differences):
    its own SQL, each argument in the bind slot the IR gives it."""
    text = ir.ValueType("text")
    query = ir.Query("PairsByAB", "many", "q.sql", 1, _PAIR_SQL, "", (ir.Param("a", text, False, positions=(0,)),
                     ir.Param("b", text, False, positions=(1,))), (), slots=(0, 1))
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE pairs (a TEXT NOT NULL, b TEXT)")
    conn.executemany("INSERT INTO pairs VALUES (?, ?)", [("a", "b"), ("b", "a")])
    runner = Runner("sqlite", conn, None, None, {})  # type: ignore[arg-type]  # sync calls only
    returns = typing.get_type_hints(_by_a_and_b)["return"]
    for fn in (_by_a_and_b, _by_b_and_a, _other_sql):
        runner.call(Function(fn.__name__, fn, False, ["a", "b"], returns, query=query), {"a": "a", "b": "b"}, "planted")
    assert runner.tally.sent_checked == 3
    assert len(runner.tally.mismatches) == 2, runner.tally.mismatches
    assert "bind slot 0 holds 'b', the IR gives it a='a'" in runner.tally.mismatches[0]
    assert "sent SQL other than its query PairsByAB's" in runner.tally.mismatches[1]
