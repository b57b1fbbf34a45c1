"""Drawn dynamic queries against the same query written statically, on the real database.

Each hypothesis example draws a batch of SELECTs from tests/drawn_dynamic.py (which columns get
optional filters and with which operators, filters in JOIN ... ON, HAVING and subqueries, a
droppable LEFT JOIN beside joins that may repeat rows, `sqlc.narg`, `sqlc.slice`, a `sqlc.sort`
and a page), rows for the fixed schema, and arguments per query. It generates the package
in-process (sync and async, model or tuple rows), fills a real SQLite file or the PostgreSQL test
server, and calls every function sync and async. The oracle is the static statement a person would
write for those arguments (only the active filters, every join kept, the sort value's column
written out), run raw through the driver: the rows must be equal (in order when the query's order
is total). Codegen must accept every drawn query: they are all valid SQL.

Figures: `DRAWN_DYNAMIC_EXAMPLES=N` (default 25 an engine) examples of BATCH queries, CALLS argument
sets each; `DRAWN_DYNAMIC_RANDOM=1` draws afresh each run; `-s` prints the counts.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import sqlite3
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))

import drawn_dynamic  # noqa: E402
from codegen import pipeline  # noqa: E402
from codegen.config import Config  # noqa: E402
from codegen.errors import CodegenError  # noqa: E402
from codegen.source import SourceFile  # noqa: E402
from codegen.variants import compose  # noqa: E402
from tests._support import imported, import_module  # noqa: E402

BATCH = 5
CALLS = 4
EXAMPLES = int(os.environ.get("DRAWN_DYNAMIC_EXAMPLES", "25"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    derandomize=not os.environ.get("DRAWN_DYNAMIC_RANDOM"),
                    suppress_health_check=list(HealthCheck))
_PACKAGES = itertools.count(1)
FIGURES: Counter[str] = Counter()
MARK = {"sqlite": "?", "postgresql": "%s"}


def generate(engine: str, drawn: list[drawn_dynamic.Drawn], rows: str, out_root: Path) -> str:
    """The package for the drawn queries (Q0, Q1, ...); any refusal fails: every drawn query is valid."""
    text = "".join(f"-- name: Q{n} :{q.command}\n{drawn_dynamic.for_engine(q.text(), engine)};\n\n"
                   for n, q in enumerate(drawn))
    config = Config(path=out_root / "pyproject.toml", root=out_root, engine=engine, schema=("schema.sql",),
                    queries=("queries",), out="gen", emit_async=True, rows=rows, emit_migrations=False)
    schema = SourceFile.of("schema.sql", drawn_dynamic.for_engine(drawn_dynamic.SCHEMA, engine))
    sources = ([schema], [SourceFile.of("queries/q.sql", text)])
    try:
        project = pipeline.analyze(config, sources=sources)
    except CodegenError as error:
        pytest.fail(f"codegen refused valid queries:\n{error}\n{text}")
    for query in (q for q in project.files[0].queries if q.dynamic):
        every = sum(1 << p.optional for p in query.params if p.optional >= 0)
        order = query.sort_choices[0][1] if query.sort_choices else ""
        assert tokens(compose(query, every, order)[0]) == tokens(query.sql), \
            f"{query.name}: the variant with every filter on is not the statement as written"
        FIGURES[f"{engine} queries sending no join in some variant"] += any(p.needed for p in query.dynamic)
    package = f"drawn_dynamic_{engine}_{next(_PACKAGES)}"
    for rel, content in pipeline.render(project, config).items():
        path = out_root / package / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    FIGURES[f"{engine} queries generated"] += len(drawn)
    return package


def tokens(sql: str) -> list[str]:
    """The statement's words and signs, case and layout aside."""
    return [t.upper() for t in re.findall(r"'(?:[^']|'')*'|\w+|\S", sql)]


def plain(result: list[Any]) -> list[tuple[Any, ...]]:
    """Rows as tuples of values, whatever the row style (a model, a named tuple, one value)."""
    out = []
    for row in result:
        if hasattr(type(row), "model_fields"):
            out.append(tuple(getattr(row, f) for f in type(row).model_fields))
        elif isinstance(row, tuple):
            out.append(tuple(row))
        else:
            out.append((row,))
    return out


def _fill(execute: Any, shops: list[Any], items: list[Any], tags: list[Any], mark: str) -> None:
    execute("DELETE FROM tags", ())
    execute("DELETE FROM items", ())
    execute("DELETE FROM shops", ())
    for n, row in enumerate(shops):
        execute(f"INSERT INTO shops VALUES ({mark}, {mark}, {mark})", (n + 1, *row))
    for n, row in enumerate(items):
        execute(f"INSERT INTO items VALUES ({', '.join([mark] * 8)})", (n + 1, *row))
    for row in tags:
        execute(f"INSERT INTO tags VALUES ({mark}, {mark})", row)


@st.composite
def batches(draw: st.DrawFn) -> dict[str, Any]:
    drawn = draw(st.lists(drawn_dynamic.queries(), min_size=1, max_size=BATCH))
    return {
        "queries": drawn,
        "args": [draw(st.lists(drawn_dynamic.arguments(q), min_size=1, max_size=CALLS)) for q in drawn],
        "shops": draw(drawn_dynamic.shops_rows), "items": draw(drawn_dynamic.items_rows),
        "tags": draw(drawn_dynamic.tags_rows), "rows": draw(st.sampled_from(["model", "tuple"])),
    }


STATE = "SELECT 'item', id, price, qty, NULL FROM items UNION ALL SELECT 'tag', item_id, NULL, NULL, tag FROM tags"


def outcome(query: drawn_dynamic.Drawn, result: Any, state: list[Any]) -> tuple[Any, ...]:
    """What a call did: its rows (or rowcount), and for a write the items table after it."""
    got = result if query.command == "execrows" else plain([result] if query.command == "one" else result)
    if not query.ordered and isinstance(got, list):
        got = sorted(got, key=repr)
    return (got, sorted((tuple(r) for r in state), key=repr)) if query.writes else (got,)


def static(query: drawn_dynamic.Drawn, cursor: Any) -> Any:
    return cursor.rowcount if query.command == "execrows" else [tuple(r) for r in cursor.fetchall()]


def check(query: drawn_dynamic.Drawn, args: dict[str, Any], got: tuple[Any, ...], want: tuple[Any, ...],
          how: str, sql: str) -> None:
    assert got == want, (f"{how}: the generated call and the static query differ\n"
                         f"query: {query.text()}\nargs: {args}\noracle: {sql}\n"
                         f"generated: {got}\nstatic:    {want}")


def run_sqlite(batch: dict[str, Any], root: Path) -> None:
    package = generate("sqlite", batch["queries"], batch["rows"], root)
    path = root / f"{package}.db"
    conn = sqlite3.connect(path)
    conn.executescript(drawn_dynamic.SCHEMA)
    _fill(conn.execute, batch["shops"], batch["items"], batch["tags"], "?")
    conn.commit()
    with imported(root / package) as pkg:
        sync, aio = import_module(pkg, "queries.q"), import_module(pkg, "aio.q")
        expected = []
        for n, (query, calls) in enumerate(zip(batch["queries"], batch["args"])):
            for args in calls:
                sql, params = drawn_dynamic.oracle(query.nodes, args, "?")
                raw = static(query, conn.execute(sql, params))
                rows = raw if query.ordered or query.command == "execrows" else sorted(raw, key=repr)
                want = (rows, sorted((tuple(r) for r in conn.execute(STATE)), key=repr)) if query.writes else (rows,)
                conn.rollback()
                result = getattr(sync, f"q{n}")(conn, **args)
                check(query, args, outcome(query, result, conn.execute(STATE).fetchall()), want, "sqlite sync", sql)
                conn.rollback()
                expected.append((n, query, args, want, sql))
                FIGURES["sqlite calls"] += 1
                FIGURES["sqlite calls with rows"] += bool(want[0])
                FIGURES["sqlite calls that write"] += query.writes
        conn.close()

        async def run_async() -> None:
            import aiosqlite

            async with aiosqlite.connect(path) as aconn:
                for n, query, args, want, sql in expected:
                    result = await getattr(aio, f"q{n}")(aconn, **args)
                    async with aconn.execute(STATE) as cur:
                        state = await cur.fetchall()
                    check(query, args, outcome(query, result, list(state)), want, "sqlite async", sql)
                    await aconn.rollback()

        asyncio.run(run_async())


def run_postgres(batch: dict[str, Any], root: Path, url: str) -> None:
    package = generate("postgresql", batch["queries"], batch["rows"], root)
    with imported(root / package) as pkg, psycopg.connect(url) as conn:
        sync, aio = import_module(pkg, "queries.q"), import_module(pkg, "aio.q")
        _fill(conn.execute, batch["shops"], batch["items"], batch["tags"], "%s")
        conn.commit()
        expected = []
        for n, (query, calls) in enumerate(zip(batch["queries"], batch["args"])):
            for args in calls:
                sql, params = drawn_dynamic.oracle(query.nodes, args, "%s")
                sql = drawn_dynamic.for_engine(sql, "postgresql")
                raw = static(query, conn.execute(sql.encode(), params))
                rows = raw if query.ordered or query.command == "execrows" else sorted(raw, key=repr)
                want = (rows, sorted((tuple(r) for r in conn.execute(STATE)), key=repr)) if query.writes else (rows,)
                conn.rollback()
                result = getattr(sync, f"q{n}")(conn, **args)
                check(query, args, outcome(query, result, conn.execute(STATE).fetchall()), want, "postgresql sync",
                      sql)
                conn.rollback()
                expected.append((n, query, args, want, sql))
                FIGURES["postgresql calls"] += 1
                FIGURES["postgresql calls with rows"] += bool(want[0])
                FIGURES["postgresql calls that write"] += query.writes

        async def run_async() -> None:
            async with await psycopg.AsyncConnection.connect(url) as aconn:
                for n, query, args, want, sql in expected:
                    result = await getattr(aio, f"q{n}")(aconn, **args)
                    state = await (await aconn.execute(STATE)).fetchall()
                    check(query, args, outcome(query, result, state), want, "postgresql async", sql)
                    await aconn.rollback()

        asyncio.run(run_async())


@pytest.fixture(scope="module")
def out_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("drawn_dynamic")


@pytest.fixture(scope="module")
def pg_url(postgres_server: Any) -> Iterator[str]:
    admin = postgres_server.get_uri()
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS drawn_dynamic WITH (FORCE)")
        c.execute("CREATE DATABASE drawn_dynamic")
    url = str(postgres_server.get_uri(database="drawn_dynamic"))
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(drawn_dynamic.for_engine(drawn_dynamic.SCHEMA, "postgresql").encode())
    yield url
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS drawn_dynamic WITH (FORCE)")


@pytest.fixture(scope="module", autouse=True)
def figures() -> Iterator[None]:
    yield
    print("\ndrawn dynamic queries:", dict(sorted(FIGURES.items())))


@SETTINGS
@given(batch=batches())
def test_sqlite_a_drawn_dynamic_query_returns_what_its_static_form_returns(out_root: Path,
                                                                            batch: dict[str, Any]) -> None:
    run_sqlite(batch, out_root)


@SETTINGS
@given(batch=batches())
def test_postgres_a_drawn_dynamic_query_returns_what_its_static_form_returns(out_root: Path, pg_url: str,
                                                                              batch: dict[str, Any]) -> None:
    run_postgres(batch, out_root, pg_url)
