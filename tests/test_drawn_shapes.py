"""Drawn query shapes against what the real database returns.

Each hypothesis example draws a batch of SELECT queries from the grammar in tests/drawn_shapes.py
and rows for the fixed schema there (NULL-heavy, tables empty now and then), generates the package
in-process (codegen's own pipeline: analyze, render), imports it, fills a real SQLite file or the
PostgreSQL test server, and calls every emitted function with arguments drawn from its own
annotations (the execution harness's strategies and Runner, tests/harness/). A call fails the
example when it:
  - crashes (a ValidationError, a driver error other than a data-dependent refusal, ...);
  - returns a value that does not fit its annotation (a None in a field inferred NOT NULL, a str
    for an int ...; harness_typecheck);
  - returns other values than its own SQL run raw with the same arguments (harness_raw);
  - or the raw values themselves are of a Python type the annotation does not stand for on the
    engine (`raw_kind_differences`: a float where Decimal is inferred on PostgreSQL, text where int
    is inferred on SQLite), which pydantic's lax conversion would otherwise hide.
A query codegen refuses with a located error is counted, not failed; a traceback during generation
fails. Queries PostgreSQL itself cannot prepare with its own types (the grammar's fault, not the
generated code's) are counted and not called.

Figures: `DRAWN_SHAPES_EXAMPLES=N` (default 60 an engine) examples of BATCH queries each;
`python -m pytest tests/test_drawn_shapes.py -s` prints them.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import importlib
import itertools
import os
import sqlite3
import sys
import types
import typing
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "harness"))

import drawn_shapes  # noqa: E402
from drawn_generation import analyze_accepted, importable_root, write_package  # noqa: E402
from codegen.config import Config  # noqa: E402
from codegen.errors import Diagnostic  # noqa: E402
from codegen.source import SourceFile  # noqa: E402
from harness_calls import Runner, functions  # noqa: E402
from harness_validity import postgresql_refuses  # noqa: E402

BATCH = 12
EXAMPLES = int(os.environ.get("DRAWN_SHAPES_EXAMPLES", "60"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    derandomize=not os.environ.get("DRAWN_SHAPES_RANDOM"),  # a survey: fresh draws each run
                    suppress_health_check=list(HealthCheck))
_PACKAGES = itertools.count(1)
FIGURES: Counter[str] = Counter()
COLLECT = os.environ.get("DRAWN_SHAPES_FAILURES")  # a file: every failure written there, none raised


# --- generation -----------------------------------------------------------------------------------


def generate(engine: str, blocks: list[str], out_root: Path) -> tuple[str, Any, dict[tuple[str, int], int]]:
    """The package of the blocks codegen accepts: (package name, ir.Project, (module, index) -> the
    drawn block's number). Blocks refused with a located error are dropped and counted."""
    config = Config(path=out_root / "pyproject.toml", root=out_root, engine=engine, schema=("schema.sql",),
                    queries=("queries",), out="gen", emit_async=False, emit_migrations=False)
    schema = SourceFile.of("schema.sql", drawn_shapes.schema_sql(engine))

    def refused(diagnostic: Diagnostic) -> None:
        if COLLECT:
            FIGURES[f"codegen refused: {diagnostic.message[:100]}"] += 1

    project, kept = analyze_accepted(config, schema, lambda kept: [blocks[i] for i in kept], len(blocks), refused)
    FIGURES[f"{engine} refused by codegen"] += len(blocks) - len(kept)
    package = f"drawn_{engine}_{next(_PACKAGES)}"
    write_package(project, config, out_root / package)
    FIGURES[f"{engine} generated"] += len(kept)
    return package, project, {("q", i): k for i, k in enumerate(kept)}


# --- the strict raw check -------------------------------------------------------------------------


def _options(annotation: Any) -> tuple[bool, list[Any]]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        return type(None) in args, [a for a in args if a is not type(None)]
    return False, [annotation]


def _leaf_annotations(returns: Any) -> list[Any]:
    """The annotation of each result column, in order (a one-column result: its own)."""
    item = typing.get_args(returns)[0] if typing.get_origin(returns) is list else returns
    _, options = _options(item)
    cls = options[0] if len(options) == 1 else None
    if isinstance(cls, type) and (hasattr(cls, "model_fields") or hasattr(cls, "_fields")):
        hints = typing.get_type_hints(cls)
        names = list(cls.model_fields) if hasattr(cls, "model_fields") else list(cls._fields)  # type: ignore[attr-defined]
        return [hints[n] for n in names]
    return [item]


# What each engine's driver returns for a value of each Python type the analysis infers.
_RAW_KINDS: dict[str, dict[Any, tuple[type, ...]]] = {
    "sqlite": {int: (int,), float: (float, int), bool: (int,), str: (str,), bytes: (bytes,),
               decimal.Decimal: (int, float), datetime.datetime: (str, int, float)},
    "postgresql": {int: (int,), float: (float,), bool: (bool,), str: (str,), bytes: (bytes,),
                   decimal.Decimal: (decimal.Decimal,), datetime.datetime: (datetime.datetime,)},
}


def raw_kind_differences(engine: str, returns: Any, raw: list[tuple[Any, ...]]) -> list[str]:
    """Where a raw value (the driver's, before the generated code converts it) is of a type the
    column's annotation does not stand for on this engine, or NULL where it is not Optional."""
    if typing.get_origin(typing.get_args(returns)[0] if typing.get_origin(returns) is list else returns) is list:
        return []
    leaves = _leaf_annotations(returns)
    out = []
    for i, row in enumerate(raw):
        if len(row) != len(leaves):
            return []  # an embedded row: harness_raw compares those
        for j, (value, annotation) in enumerate(zip(row, leaves)):
            nullable, options = _options(annotation)
            if annotation is Any:  # admits None, and whatever the database holds
                continue
            if value is None:
                if not nullable:
                    out.append(f"row {i} column {j}: NULL, inferred {annotation} (NOT NULL)")
                continue
            if len(options) != 1 or options[0] not in _RAW_KINDS[engine]:
                continue  # Any, Literal, a converted type the type tests cover
            allowed = _RAW_KINDS[engine][options[0]]
            if engine == "postgresql" and options[0] is int and isinstance(value, decimal.Decimal) \
                    and value == value.to_integral_value():
                continue  # sum(bigint) is numeric: typed int by choice (sqlc's int64), read without loss
            if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed and int in allowed
                                                  and engine == "postgresql"):
                out.append(f"row {i} column {j}: the database returns {value!r} ({type(value).__name__}), "
                           f"inferred {annotation}")
    return out[:3]


class ShapeRunner(Runner):
    """The harness Runner, with the strict raw check added to its raw oracle."""

    def strategy(self, function: Any, name: str) -> st.SearchStrategy[Any]:
        """PostgreSQL: a datetime of the parameter's own kind, naive for timestamp and aware for
        timestamptz. psycopg sends an aware datetime as timestamptz, which PostgreSQL converts
        to a timestamp in the session's time zone (COALESCE(timestamp_col, $1) then returns an
        aware value): reported to the lead as a binding question, not drawn here."""
        base = next((p.type.base for p in (function.query.params if function.query else ())
                     if p.name == name), None)
        if self.engine == "postgresql" and base in ("datetime", "datetime_tz"):
            nullable = next(p.nullable for p in function.query.params if p.name == name)
            values = st.datetimes(datetime.datetime(1990, 1, 1), datetime.datetime(2040, 1, 1))
            if base == "datetime_tz":
                values = values.map(lambda d: d.replace(tzinfo=datetime.timezone.utc))
            return st.one_of(st.none(), values) if nullable else values
        return super().strategy(function, name)

    def _raw_differences(self, function: Any, result: Any) -> list[str]:
        replay = self._replay
        found = super()._raw_differences(function, result)
        if replay is not None and function.reads_rows and function.returns not in (None, type(None)):
            found += raw_kind_differences(self.engine, function.returns, replay[1])
            if self.engine == "postgresql" and function.query is not None:
                found += converted_differences(function.query, function.returns, result, replay[1])
        return found


def converted_differences(query: Any, returns: Any, result: Any, raw: list[tuple[Any, ...]]) -> list[str]:
    """PostgreSQL: the values harness_raw leaves to the type tests (Decimal, datetime) equal what the
    driver read, and a datetime is aware exactly where the analysis says timestamptz."""
    many = typing.get_origin(returns) is list
    rows = result if many else ([] if result is None else [result])
    if len(rows) != len(raw[:len(rows)]) or len(query.columns) != len(raw[0] if raw else query.columns):
        return []
    out = []
    for i, (row, raw_row) in enumerate(zip(rows, raw)):
        values = list(row) if isinstance(row, tuple) else [getattr(row, f) for f in type(row).model_fields] \
            if hasattr(type(row), "model_fields") else [row]
        for j, (column, value, read) in enumerate(zip(query.columns, values, raw_row)):
            if isinstance(read, datetime.datetime):
                aware = read.tzinfo is not None
                if aware != (column.type.base == "datetime_tz"):
                    out.append(f"row {i} column {j}: the database returns {read!r}, inferred {column.type.base}")
            if isinstance(read, (decimal.Decimal, datetime.datetime, datetime.timedelta, list)) \
                    and not (value == read or repr(value) == repr(read)):
                out.append(f"row {i} column {j}: returned {value!r}, its SQL run raw reads {read!r}")
    return out[:3]


# --- databases ------------------------------------------------------------------------------------


def _insert_all(engine: str, conn: Any, rows: dict[str, list[dict[str, Any]]]) -> None:
    """The rows inserted, foreign keys unchecked (an item's owner may be missing, as SQLite with
    foreign_keys off allows: the outer joins then have rows to make NULL)."""
    marker = "%s" if engine == "postgresql" else "?"
    if engine == "postgresql":
        conn.execute("SET session_replication_role = replica")
    for table, columns in drawn_shapes.TABLES.items():
        names = [c[0] for c in columns]
        statement = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join([marker] * len(names))})"
        values = [[drawn_shapes.stored(engine, table, n, k, row[n]) for n, k, _ in columns] for row in rows[table]]
        if values:
            if engine == "postgresql":
                with conn.cursor() as cursor:
                    cursor.executemany(statement, values)
            else:
                conn.executemany(statement, values)
    if engine == "postgresql":
        conn.execute("RESET session_replication_role")


def _pool(rows: dict[str, list[dict[str, Any]]], engine: str) -> dict[str, list[object]]:
    pool: dict[str, list[object]] = {}
    for table, columns in drawn_shapes.TABLES.items():
        for row in rows[table]:
            for name, kind, _ in columns:
                value = row[name]
                if value is not None and kind != "ts" and value not in pool.setdefault(name, []):
                    pool[name].append(value)
    return pool


# --- the test -------------------------------------------------------------------------------------


def _run(engine: str, conn: Any, out_root: Path, blocks: list[str], rows: dict[str, list[dict[str, Any]]],
         data: st.DataObject) -> None:
    package, project, numbers = generate(engine, blocks, out_root)
    refused = _postgresql_refuses(conn, project) if engine == "postgresql" else {}
    FIGURES[f"{engine} not called (PostgreSQL refuses to prepare)"] += len(refused)
    if COLLECT:
        FIGURES.update(f"refused: {why[:90]}" for why in refused.values())
    queries = {("q", i): q for f in project.files for i, q in enumerate(f.queries)}
    skipped: list[str] = []
    funcs = functions(package, out_root / package, lambda m, f, i: refused.get((m, i)), skipped, queries)
    runner = ShapeRunner(engine, conn, None, None, _pool(rows, engine))  # type: ignore[arg-type]
    runner.tally.functions += len(funcs)
    for function in funcs:
        kwargs = {name: data.draw(runner.strategy(function, name), label=name) for name in function.params}
        runner.call(function, kwargs, "drawn")
    tally = runner.tally
    FIGURES[f"{engine} called"] += tally.calls
    FIGURES[f"{engine} compared with raw"] += tally.replayed
    FIGURES[f"{engine} refused by the database"] += sum(tally.refused.values())
    FIGURES[f"{engine} crashes"] += len(tally.crashes)
    FIGURES[f"{engine} mismatches"] += len(tally.mismatches)
    problems = tally.crashes + tally.mismatches
    if problems:
        sql = {f.label: blocks[int(f.query.name[1:])] for f in funcs}
        shown = []
        for problem in (problems if COLLECT else problems[:5]):
            label = problem.split(": ", 2)[1].split("(")[0]
            shown.append(f"{problem}\n    SQL: {sql.get(label, '?').strip()}")
        if COLLECT:  # a survey: every problem written down, none raised
            with open(COLLECT, "a", encoding="utf-8") as out:
                out.write("\n".join(shown) + "\n\n")
            return
        raise AssertionError("\n".join(shown))


def _postgresql_refuses(conn: Any, project: Any) -> dict[tuple[str, int], str]:
    """harness_validity's check with one $n per bind slot, as psycopg sends them (a parameter used
    twice, as sqlc.narg(x) IS NULL OR col = sqlc.narg(x) is, is typed at each place on its own)."""
    slotted = dataclasses.replace(project, files=tuple(
        dataclasses.replace(f, queries=tuple(dataclasses.replace(q, slots=tuple(range(len(q.slots))))
                                             for q in f.queries)) for f in project.files))
    return postgresql_refuses(conn, slotted)


def _draw_batch(engine: str) -> st.SearchStrategy[list[str]]:
    return drawn_shapes.query_file(engine, BATCH)


@pytest.fixture(scope="module")
def out_root(tmp_path_factory: pytest.TempPathFactory) -> typing.Iterator[Path]:
    yield from importable_root(tmp_path_factory.mktemp("drawn_shapes"), "drawn shapes", FIGURES)


def test_drawn_shapes_sqlite(out_root: Path, tmp_path: Path) -> None:
    db_files = itertools.count(1)

    @SETTINGS
    @given(blocks=_draw_batch("sqlite"), rows=drawn_shapes.table_rows(), data=st.data())
    def check(blocks: list[str], rows: dict[str, list[dict[str, Any]]], data: st.DataObject) -> None:
        FIGURES["sqlite drawn"] += len(blocks)
        conn = sqlite3.connect(tmp_path / f"db{next(db_files)}.sqlite3", isolation_level=None)
        try:
            conn.executescript(drawn_shapes.schema_sql("sqlite"))
            _insert_all("sqlite", conn, rows)
            _run("sqlite", conn, out_root, blocks, rows, data)
        finally:
            conn.close()

    check()


def test_drawn_shapes_postgresql(out_root: Path, postgres_url: str) -> None:
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(drawn_shapes.schema_sql("postgresql").encode())
        conn.execute("SET statement_timeout = '2s'")

        @SETTINGS
        @given(blocks=_draw_batch("postgresql"), rows=drawn_shapes.table_rows(), data=st.data())
        def check(blocks: list[str], rows: dict[str, list[dict[str, Any]]], data: st.DataObject) -> None:
            FIGURES["postgresql drawn"] += len(blocks)
            conn.execute("TRUNCATE items, owners")
            _insert_all("postgresql", conn, rows)
            _run("postgresql", conn, out_root, blocks, rows, data)

        check()
