"""Drawn commands against the same statements run row by row on a twin database.

Each hypothesis example draws a table (tests/drawn_commands.py: every column kind, NULLs,
defaults, a generated column, every primary-key form, STRICT / WITHOUT ROWID, triggers) and a
query file of INSERT / UPDATE / DELETE / SELECT statements, each with a command its shape allows
(:one :many :exec :execrows :execlastid :execresult :copyfrom :batchexec :batchone :batchmany).
The package is generated in-process and imported; two databases get the schema: the generated
functions run on one (sync or async, drawn), and the oracle runs the same statement text with the
driver's own markers on the other, once per argument set, binding the values as the engine
stores them (SQLite: datetimes as CURRENT_TIMESTAMP's text, booleans as 0/1). A call fails the
example when:
  - it crashes where the oracle did not fail (or succeeds where the oracle failed);
  - its value does not fit its annotation (tests/harness/harness_typecheck.py);
  - its value differs from the oracle's: rows (each value read back to the field's type, compared
    with the raw one), rows changed (SQLite's changes(), PostgreSQL's rowcount), the inserted rowid
    (last_insert_rowid() when the statement changed a row), one result per argument set;
  - afterwards, the two databases hold different rows (the table and the triggers' log).
Each call runs inside a savepoint, rolled back on both sides when both refused it.
A query codegen refuses with a located error is counted and dropped; a traceback fails.

Figures: `DRAWN_COMMANDS_EXAMPLES=N` (default 40 an engine); `python -m pytest
tests/test_drawn_commands.py -s` prints them.
"""

from __future__ import annotations

import asyncio
import datetime
import importlib
import itertools
import os
import sqlite3
import sys
import typing
from collections import Counter
from pathlib import Path
from typing import Any

import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "harness"))

import drawn_commands as dc  # noqa: E402
from drawn_generation import analyze_accepted, importable_root, write_package  # noqa: E402
from codegen.config import Config  # noqa: E402
from codegen.errors import Diagnostic  # noqa: E402
from codegen.source import SourceFile  # noqa: E402
from harness_typecheck import mismatches  # noqa: E402

QUERIES = 6
CALLS = 10
EXAMPLES = int(os.environ.get("DRAWN_COMMANDS_EXAMPLES", "40"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    derandomize=not os.environ.get("DRAWN_COMMANDS_RANDOM"),
                    suppress_health_check=list(HealthCheck))
FIGURES: Counter[str] = Counter()
_PACKAGES = itertools.count(1)
_UTC = datetime.timezone.utc


# --- generation -----------------------------------------------------------------------------------


def generate(table: dc.Table, statements: list[dc.Statement], out_root: Path) -> tuple[str, list[int]]:
    """The package of the statements codegen accepts: (its name, the drawn index of each query kept)."""
    engine = table.engine
    config = Config(path=out_root / "pyproject.toml", root=out_root, engine=engine, schema=("schema.sql",),
                    queries=("queries",), out="gen", emit_async=True, emit_migrations=False)
    schema = SourceFile.of("schema.sql", dc.schema_sql(table))

    def refused(diagnostic: Diagnostic) -> None:
        FIGURES[f"refused by codegen: {diagnostic.message.split(': ', 1)[-1][:70]}"] += 1

    project, kept = analyze_accepted(config, schema, lambda kept: dc.blocks([statements[i] for i in kept]),
                                     len(statements), refused)
    package = f"drawn_cmd_{engine}_{next(_PACKAGES)}"
    write_package(project, config, out_root / package)
    FIGURES[f"{engine} queries generated"] += len(kept)
    return package, kept


# --- values ---------------------------------------------------------------------------------------


def _admits_none(annotation: Any) -> bool:
    return annotation is Any or type(None) in typing.get_args(annotation)


def stored(engine: str, value: Any) -> Any:
    """A Python value as the oracle binds it: what the engine keeps for it."""
    if engine == "postgresql" or value is None:
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    return value


def same(value: Any, raw: Any) -> bool:
    """A value the generated code returned against the raw one the driver read for it."""
    if value is None or raw is None:
        return value is None and raw is None
    if isinstance(value, bool):
        return value == bool(raw) if isinstance(raw, int) and raw in (0, 1) else value is raw
    if isinstance(value, datetime.datetime):
        if isinstance(raw, str):
            raw = datetime.datetime.fromisoformat(raw)
            raw = raw.replace(tzinfo=_UTC) if value.tzinfo is not None and raw.tzinfo is None else raw
        return isinstance(raw, datetime.datetime) and (value.tzinfo is None) == (raw.tzinfo is None) and value == raw
    if isinstance(value, float):
        return isinstance(raw, (int, float)) and not isinstance(raw, bool) and value == raw
    return type(value) is type(raw) and value == raw


def _values(row: Any) -> list[Any] | None:
    """A row object's values in column order; None for a one-column result's bare value."""
    if isinstance(row, pydantic.BaseModel):
        return [getattr(row, name) for name in type(row).model_fields]
    if isinstance(row, tuple) and hasattr(row, "_fields"):
        return list(row)
    return None


def row_differences(got: Any, raw: tuple[Any, ...] | None, where: str) -> list[str]:
    if got is None or raw is None:
        one_null_column = raw is not None and len(raw) == 1 and raw[0] is None
        return [] if (got is None and (raw is None or one_null_column)) else [f"{where}: {got!r}, oracle {raw!r}"]
    values = _values(got)
    if values is None:
        values = [got]
    if len(values) != len(raw) or not all(same(v, r) for v, r in zip(values, raw)):
        return [f"{where}: {got!r}, oracle {raw!r}"]
    return []


# --- the oracle -----------------------------------------------------------------------------------


class Outcome(typing.NamedTuple):
    rows: list[tuple[Any, ...]]
    changes: int
    lastid: int | None


def _no_rowid(statement: dc.Statement, table: dc.Table) -> bool:
    return "WITHOUT ROWID" in table.options or "DO UPDATE" in statement.oracle_sql


def oracle_sqlite(conn: sqlite3.Connection, statement: dc.Statement, table: dc.Table,
                  args: dict[str, Any]) -> Outcome:
    cursor = conn.execute(statement.oracle_sql, [stored("sqlite", args[n]) for n in statement.oracle_names])
    rows = cursor.fetchall()
    changes, lastid = conn.execute("SELECT changes(), last_insert_rowid()").fetchone()
    inserted = statement.inserts and changes > 0 and not _no_rowid(statement, table)
    return Outcome(rows, changes, lastid if inserted else None)


def oracle_postgresql(conn: Any, statement: dc.Statement, table: dc.Table, args: dict[str, Any]) -> Outcome:
    with conn.cursor() as cursor:
        cursor.execute(statement.oracle_sql.encode(), [args[n] for n in statement.oracle_names])
        rows = cursor.fetchall() if cursor.description else []
        return Outcome(rows, cursor.rowcount, None)


def expected_differences(command: str, result: Any, outcomes: list[Outcome]) -> list[str]:
    """Where a result differs from what the oracle's runs of its statement say it must be."""
    first = outcomes[0] if outcomes else None
    if command == "one":
        assert first is not None
        return row_differences(result, first.rows[0] if first.rows else None, "row")
    if command == "many":
        assert first is not None
        if len(result) != len(first.rows):
            return [f"{len(result)} rows, oracle {len(first.rows)}: {result!r} / {first.rows!r}"]
        return [d for i, (g, r) in enumerate(zip(result, first.rows)) for d in row_differences(g, r, f"row {i}")]
    if command in ("exec", "batchexec"):
        return [] if result is None else [f"{result!r}, expected None"]
    if command == "execrows":
        assert first is not None
        return [] if result == first.changes else [f"{result!r} rows changed, oracle {first.changes}"]
    if command == "execlastid":
        assert first is not None
        return [] if result == first.lastid else [f"last id {result!r}, oracle {first.lastid!r}"]
    if command == "execresult":
        assert first is not None
        got = (result.rowcount, result.lastrowid)
        return [] if got == (first.changes, first.lastid) else [f"{got!r}, oracle {(first.changes, first.lastid)!r}"]
    if command == "copyfrom":
        total = sum(o.changes for o in outcomes)
        return [] if result == total else [f"{result!r} rows copied, oracle {total}"]
    if len(result) != len(outcomes):
        return [f"{len(result)} results for {len(outcomes)} argument sets"]
    if command == "batchone":
        return [d for i, (g, o) in enumerate(zip(result, outcomes))
                for d in row_differences(g, o.rows[0] if o.rows else None, f"set {i}")]
    return [d for i, (g, o) in enumerate(zip(result, outcomes))
            for d in expected_differences("many", g, [o])]


# --- calls ----------------------------------------------------------------------------------------


class Call(typing.NamedTuple):
    index: int  # into the kept queries
    items: list[dict[str, Any]]  # one argument set, or one per batch item / copied row
    is_async: bool


def _param_hints(module: Any, index: int, statement: dc.Statement) -> dict[str, Any]:
    fn = getattr(module, f"q{index}")
    if statement.command in ("copyfrom", "batchexec", "batchone", "batchmany"):
        return typing.get_type_hints(getattr(module, f"Q{index}Params"))
    return {n: h for n, h in typing.get_type_hints(fn).items() if n not in ("conn", "return")}


def draw_call(data: st.DataObject, module: Any, statements: list[dc.Statement], kept: list[int],
              drawn_async: bool) -> Call:
    index = data.draw(st.integers(0, len(kept) - 1), label="query")
    statement = statements[kept[index]]
    hints = _param_hints(module, index, statement)
    many = statement.command in ("copyfrom", "batchexec", "batchone", "batchmany")
    items = []
    for _ in range(data.draw(st.integers(0, 3), label="items") if many else 1):
        args = {}
        for name, kind in statement.params.items():
            values = st.sampled_from(dc.VALUES[kind])
            if _admits_none(hints[name]):
                values = st.one_of(st.none(), values)
            args[name] = data.draw(values, label=name)
        items.append(args)
    return Call(index, items, drawn_async)


async def _invoke(module: Any, aio: Any, conn: Any, index: int, statement: dc.Statement, call: Call) -> Any:
    fn = getattr(aio if call.is_async else module, f"q{index}")
    if statement.command in ("copyfrom", "batchexec", "batchone", "batchmany"):
        params_class = getattr(module, f"Q{index}Params")
        result = fn(conn, [params_class(**item) for item in call.items])
    else:
        result = fn(conn, **call.items[0])
    return await result if call.is_async else result


def _is_database_error(error: BaseException) -> bool:
    import psycopg

    return isinstance(error, (sqlite3.DatabaseError, psycopg.DatabaseError))


# --- the run --------------------------------------------------------------------------------------


class Sides:
    """The generated code's database (sync and async connections to one database would see each
    other's uncommitted rows only on PostgreSQL, so each example runs one side's mode) and the
    oracle's."""

    def __init__(self, engine: str, gen: Any, oracle: Any, is_async: bool) -> None:
        self.engine, self.gen, self.oracle, self.is_async = engine, gen, oracle, is_async

    async def gen_sql(self, sql: str) -> list[tuple[Any, ...]]:
        if self.is_async:
            cursor = await self.gen.execute(sql)
            return list(await cursor.fetchall()) if cursor.description else []
        cursor = self.gen.execute(sql)
        return list(cursor.fetchall()) if cursor.description else []

    def oracle_sql(self, sql: str) -> list[tuple[Any, ...]]:
        cursor = self.oracle.execute(sql)
        return list(cursor.fetchall()) if cursor.description else []

    async def both(self, sql: str) -> None:
        await self.gen_sql(sql)
        self.oracle_sql(sql)

    async def state_differences(self) -> list[str]:
        out = []
        for table in ("t", "log"):
            gen = sorted(await self.gen_sql(f"SELECT * FROM {table}"), key=repr)
            oracle = sorted(self.oracle_sql(f"SELECT * FROM {table}"), key=repr)
            if gen != oracle:
                out.append(f"table {table} holds {gen!r}, the oracle's {oracle!r}")
        return out


async def run_example(sides: Sides, table: dc.Table, statements: list[dc.Statement], kept: list[int],
                      module: Any, aio: Any, calls: list[Call]) -> list[str]:
    engine = table.engine
    run_oracle = oracle_sqlite if engine == "sqlite" else oracle_postgresql
    problems: list[str] = []
    if engine == "sqlite":
        await sides.both("BEGIN")
    for n, call in enumerate(calls):
        statement = statements[kept[call.index]]
        label = f"call {n}: Q{call.index} :{statement.command} {call.items!r}"
        await sides.both("SAVEPOINT c")
        try:
            result: Any = await _invoke(module, aio, sides.gen, call.index, statement, call)
            failed: BaseException | None = None
        except Exception as error:  # noqa: BLE001 - judged below
            if not _is_database_error(error):
                return problems + [f"{label}: crashed: {type(error).__name__}: {error}"]
            failed = error
        try:
            outcomes = [run_oracle(sides.oracle, statement, table, item) for item in call.items]
            oracle_failed: BaseException | None = None
        except Exception as error:  # noqa: BLE001
            assert _is_database_error(error), error
            oracle_failed = error
        FIGURES[f"{engine} :{statement.command} calls"] += 1
        if failed is not None or oracle_failed is not None:
            # Several rows may fail for several reasons, and COPY checks a later row's values before
            # an earlier row's keys: the error of a many-row call may be another row's.
            same_error = len(call.items) > 1 or type(failed) is type(oracle_failed)
            if (failed is None) != (oracle_failed is None) or not same_error:
                return problems + [f"{label}: raised {failed!r}, the oracle {oracle_failed!r}"]
            FIGURES[f"{engine} refused by the database"] += 1
            await sides.both("ROLLBACK TO c")
            await sides.both("RELEASE c")
            if engine == "postgresql":
                # A sequence is not rolled back, and a failed call may take more values on one side
                # (a pipeline, COPY) than the oracle's row-by-row run: both restart from one value.
                await sides.both(f"SELECT setval(c.oid::regclass, {1000 * (n + 1)}) FROM pg_class c "
                                 "WHERE c.relkind = 'S'")
            continue
        await sides.both("RELEASE c")
        annotation = typing.get_type_hints(getattr(aio if call.is_async else module, f"q{call.index}"))["return"]
        found = mismatches(result, annotation) + expected_differences(statement.command, result, outcomes)
        found += await sides.state_differences()
        if found:
            return problems + [f"{label}: " + "; ".join(found[:3])]
    await sides.both("ROLLBACK")
    return problems


def _load(out_root: Path, package: str) -> tuple[Any, Any]:
    return importlib.import_module(f"{package}.queries.q"), importlib.import_module(f"{package}.aio.q")


def _report(problems: list[str], table: dc.Table, statements: list[dc.Statement], kept: list[int]) -> None:
    if problems:
        FIGURES[f"{table.engine} failures"] += 1
        queries = dc.block_text([statements[k] for k in kept])
        raise AssertionError("\n".join(problems) + f"\n--- schema\n{dc.schema_sql(table)}--- queries\n{queries}")


@pytest.fixture(scope="module")
def out_root(tmp_path_factory: pytest.TempPathFactory) -> typing.Iterator[Path]:
    yield from importable_root(tmp_path_factory.mktemp("drawn_commands"), "drawn commands", FIGURES)


def _draw_calls(data: st.DataObject, module: Any, statements: list[dc.Statement], kept: list[int],
                is_async: bool) -> list[Call]:
    return [draw_call(data, module, statements, kept, is_async) for _ in range(CALLS)] if kept else []


def test_drawn_commands_sqlite(out_root: Path, tmp_path: Path) -> None:
    import aiosqlite

    files = itertools.count(1)

    @SETTINGS
    @given(table=dc.tables("sqlite"), data=st.data(), is_async=st.booleans())
    def check(table: dc.Table, data: st.DataObject, is_async: bool) -> None:
        statements = data.draw(dc.query_file(table, QUERIES), label="queries")
        package, kept = generate(table, statements, out_root)
        module, aio = _load(out_root, package)
        calls = _draw_calls(data, module, statements, kept, is_async)
        n = next(files)
        oracle = sqlite3.connect(tmp_path / f"oracle{n}.db", isolation_level=None)
        oracle.executescript(dc.schema_sql(table))

        async def main() -> list[str]:
            path = tmp_path / f"gen{n}.db"
            if is_async:
                async with aiosqlite.connect(path, isolation_level=None) as gen:
                    await gen.executescript(dc.schema_sql(table))
                    return await run_example(Sides("sqlite", gen, oracle, True), table, statements, kept, module,
                                             aio, calls)
            gen = sqlite3.connect(path, isolation_level=None)
            try:
                gen.executescript(dc.schema_sql(table))
                return await run_example(Sides("sqlite", gen, oracle, False), table, statements, kept, module, aio,
                                         calls)
            finally:
                gen.close()

        try:
            _report(asyncio.run(main()), table, statements, kept)
        finally:
            oracle.close()

    check()


def test_drawn_commands_postgresql(out_root: Path, postgres_databases: Any) -> None:
    import psycopg

    gen_url, oracle_url = postgres_databases("cmd_gen"), postgres_databases("cmd_oracle")

    def fresh(url: str, table: dc.Table) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(b"DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            conn.execute(dc.schema_sql(table).encode())

    @SETTINGS
    @given(table=dc.tables("postgresql"), data=st.data(), is_async=st.booleans())
    def check(table: dc.Table, data: st.DataObject, is_async: bool) -> None:
        statements = data.draw(dc.query_file(table, QUERIES), label="queries")
        package, kept = generate(table, statements, out_root)
        module, aio = _load(out_root, package)
        calls = _draw_calls(data, module, statements, kept, is_async)
        fresh(gen_url, table)
        fresh(oracle_url, table)

        async def main() -> list[str]:
            with psycopg.connect(oracle_url) as oracle:
                if is_async:
                    async with await psycopg.AsyncConnection.connect(gen_url) as gen:
                        return await run_example(Sides("postgresql", gen, oracle, True), table, statements, kept,
                                                 module, aio, calls)
                with psycopg.connect(gen_url) as gen_sync:
                    return await run_example(Sides("postgresql", gen_sync, oracle, False), table, statements, kept,
                                             module, aio, calls)

        _report(asyncio.run(main()), table, statements, kept)

    check()
