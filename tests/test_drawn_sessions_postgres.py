"""Drawn sessions on PostgreSQL (tests/drawn_sessions.py): generated calls, sync and async
(psycopg), interleaved with the user's BEGIN / SAVEPOINT / ROLLBACK TO / RELEASE / COMMIT /
ROLLBACK, commit() and rollback(), nested conn.transaction() blocks (savepoints) that commit or
roll back, and conn.pipeline() blocks, with autocommit on or off, prepare_threshold 0 (every
statement prepared), None (none: pgbouncer) or psycopg's default, and a row_factory on the
generated side; against the same SQL through psycopg on a twin database, outside any pipeline.
`DRAWN_SESSIONS_EXAMPLES=N` (default 30 a test)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
import drawn_sessions as ds  # noqa: E402

EXAMPLES = int(os.environ.get("DRAWN_SESSIONS_EXAMPLES", "30"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
BLOCKS = ("transaction", "pipeline")
# psycopg logs each savepoint it cannot roll back to after the user's own ROLLBACK: drawn, expected.
logging.getLogger("psycopg").setLevel(logging.ERROR)


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    root = tmp_path_factory.mktemp("drawn_sessions_pg")
    ds.generate("postgresql", root, "sessions_pg")
    sys.path.insert(0, str(root))
    try:
        yield (importlib.import_module("sessions_pg.queries.q"), importlib.import_module("sessions_pg.aio.q"))
    finally:
        sys.path.remove(str(root))


def oracle_call(conn: Any, call: ds.Call, sql: str) -> Any:
    query = call.query
    if not call.items and query.command in ("copyfrom", "batchexec"):
        # The generated function runs COPY (or executemany) even for no rows, which out of
        # autocommit opens the transaction any statement opens; so does the raw driver's.
        with conn.cursor() as cursor:
            if query.command == "copyfrom" and "ON CONFLICT" not in query.sql:
                with cursor.copy(b"COPY items (name, n) FROM STDIN"):
                    pass
            else:
                cursor.executemany(sql, [])
    outcomes = []
    for item in call.items:
        with conn.cursor() as cursor:
            cursor.execute(sql, tuple(item[p] for p in query.params))
            rows = cursor.fetchall() if cursor.description else []
            outcomes.append((rows, cursor.rowcount))
    command = query.command
    if command in ("one", "many", "execrows", "execresult"):
        rows, count = outcomes[0]
        return {"one": rows[0] if rows else None, "many": rows, "execrows": count,
                "execresult": ("ExecResult", count, None)}[command]
    if command == "copyfrom":
        return sum(count for _, count in outcomes)
    if command == "batchone":
        return [rows[0] if rows else None for rows, _ in outcomes]
    if command == "batchmany":
        return [rows for rows, _ in outcomes]
    return None  # exec, batchexec


def control(conn: Any, what: str) -> Any:
    if what == "commit()":
        return conn.commit()
    if what == "rollback()":
        return conn.rollback()
    return conn.execute(what.encode())


def block(conn: Any, drawn: ds.Block) -> Any:
    return conn.transaction() if drawn.kind == "transaction" else conn.pipeline()


def oracle_block(conn: Any, drawn: ds.Block) -> Any:
    # The oracle's counts must be the real ones: it runs a pipeline's steps outside one.
    return conn.transaction() if drawn.kind == "transaction" else contextlib.nullcontext()


def twin(gen: Any, oracle: Any, module: Any, sync_module: Any) -> ds.Twin:
    import psycopg

    return ds.Twin(gen, oracle, module, sync_module, oracle_call, status=lambda conn: conn.info.transaction_status,
                   gen_control=control, oracle_control=control, gen_block=block, oracle_block=oracle_block,
                   fail_error=lambda drawn: psycopg.Rollback(),
                   failed=lambda conn: conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR)


@pytest.fixture
def databases(postgres_databases: Callable[[str], str]) -> tuple[str, str, Callable[[], None], Callable[[str], Any]]:
    """The generated side's and the oracle's database URLs, a reset of both, and the rows one kept."""
    import psycopg

    urls = postgres_databases("sessions_gen"), postgres_databases("sessions_oracle")

    def reset() -> None:
        for url in urls:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(b"DROP TABLE IF EXISTS items")
                conn.execute(ds.SCHEMA.encode())

    def kept(url: str) -> Any:
        with psycopg.connect(url, autocommit=True) as conn:
            return conn.execute(b"SELECT * FROM items ORDER BY name").fetchall()

    return urls[0], urls[1], reset, kept


SESSION_OPTIONS = st.fixed_dictionaries({
    "autocommit": st.booleans(),
    "prepare_threshold": st.sampled_from([0, None, 5]),
    "dict_rows": st.booleans(),
    # The connection's cursor_factory: psycopg's own, ClientCursor (parameters bound client-side,
    # as for pgbouncer) or RawCursor (the application's own SQL written with $1 placeholders).
    "cursors": st.sampled_from(["default", "client", "raw"]),
})


def _options(options: dict[str, Any], is_async: bool = False) -> dict[str, Any]:
    import psycopg.rows

    extra: dict[str, Any] = {"row_factory": psycopg.rows.dict_row} if options["dict_rows"] else {}
    factories = {"client": (psycopg.ClientCursor, psycopg.AsyncClientCursor),
                 "raw": (psycopg.RawCursor, psycopg.AsyncRawCursor)}
    if options["cursors"] in factories:
        extra["cursor_factory"] = factories[options["cursors"]][is_async]
    return {"autocommit": options["autocommit"], "prepare_threshold": options["prepare_threshold"], **extra}


def test_postgres_drawn_sessions_sync(package: tuple[Any, Any], databases: Any) -> None:
    import psycopg

    module, _ = package
    gen_url, oracle_url, reset, kept = databases

    @SETTINGS
    @given(program=ds.programs("postgresql", BLOCKS), options=SESSION_OPTIONS)
    def check(program: list[ds.Step], options: dict[str, Any]) -> None:
        reset()
        gen = psycopg.connect(gen_url, **_options(options))
        oracle = psycopg.connect(oracle_url, autocommit=options["autocommit"])
        state = twin(gen, oracle, module, module)
        try:
            asyncio.run(ds.run_steps(state, program))
        finally:
            gen.close()  # without a commit: what the user did not commit is gone
            oracle.close()
        ds.report(state, program, kept(gen_url), kept(oracle_url))

    check()


def test_postgres_drawn_sessions_async(package: tuple[Any, Any], databases: Any) -> None:
    import psycopg

    module, aio = package
    gen_url, oracle_url, reset, kept = databases

    @SETTINGS
    @given(program=ds.programs("postgresql", BLOCKS + ("gather",)), options=SESSION_OPTIONS)
    def check(program: list[ds.Step], options: dict[str, Any]) -> None:
        reset()
        oracle = psycopg.connect(oracle_url, autocommit=options["autocommit"])
        state: ds.Twin | None = None

        async def main() -> None:
            nonlocal state
            gen = await psycopg.AsyncConnection.connect(gen_url, **_options(options, is_async=True))
            state = twin(gen, oracle, aio, module)
            try:
                await ds.run_steps(state, program)
            finally:
                await gen.close()

        try:
            asyncio.run(main())
        finally:
            oracle.close()
        assert state is not None
        ds.report(state, program, kept(gen_url), kept(oracle_url))

    check()


def test_postgres_counts_and_copies_inside_a_pipeline(package: tuple[Any, Any], databases: Any) -> None:
    """Inside conn.pipeline() each count is the real one (psycopg left rowcount at -1: :execrows
    and :execresult returned -1) and :copyfrom stores its rows (COPY was refused in pipeline mode;
    executemany riding the pipeline counted 0), sync and async, in and out of autocommit."""
    import psycopg

    module, aio = package
    gen_url, _, reset, kept = databases
    rows = [module.CopyItemsParams(name="x", n=1), module.CopyItemsParams(name="y", n=2)]
    upserts = [module.CopyUpsertsParams(name="y", n=3), module.CopyUpsertsParams(name="z", n=0)]
    for autocommit in (True, False):
        reset()
        with psycopg.connect(gen_url, autocommit=autocommit) as conn:
            with conn.pipeline():
                assert module.copy_items(conn, rows) == 2
                assert module.copy_upserts(conn, upserts) == 2
                assert module.bump_all(conn) == 3
                assert module.drop_small(conn, n=2).rowcount == 1
                assert module.count_names(conn) == 2
            conn.commit()
        assert kept(gen_url) == [("x", 2), ("y", 4)]

        async def main() -> list[Any]:
            reset()
            async with await psycopg.AsyncConnection.connect(gen_url, autocommit=autocommit) as conn:
                async with conn.pipeline():
                    counts = [await aio.copy_items(conn, rows), await aio.copy_upserts(conn, upserts),
                              await aio.bump_behind_with(conn), (await aio.drop_small(conn, n=2)).rowcount,
                              await aio.count_names(conn)]
                await conn.commit()
            return counts

        assert asyncio.run(main()) == [2, 2, 3, 1, 2]
        assert kept(gen_url) == [("x", 2), ("y", 4)]


def test_postgres_drawn_cancelled_call_leaves_the_connection_usable(package: tuple[Any, Any], databases: Any
                                                                   ) -> None:
    """A task running a generated call on a shared AsyncConnection (in a transaction, or in a
    pipeline), cancelled after a drawn number of event-loop turns: the connection still answers (a
    generated list equals the raw driver's SELECT on it), its rollback() undoes whatever the call
    did, and nothing is left for the server to hold."""
    import psycopg

    module, aio = package
    gen_url, _, reset, kept = databases

    @settings(SETTINGS, max_examples=max(EXAMPLES // 2, 1))
    @given(call=ds.calls("postgresql"), ticks=st.integers(0, 8), pipeline=st.booleans(),
           prepare_threshold=st.sampled_from([0, None]))
    def check(call: ds.Call, ticks: int, pipeline: bool, prepare_threshold: int | None) -> None:
        reset()
        with psycopg.connect(gen_url, autocommit=True) as setup:
            setup.execute(b"INSERT INTO items VALUES ('a', 0), ('b', 2)")

        async def main() -> tuple[str, list[Any], list[Any], Any]:
            async with await psycopg.AsyncConnection.connect(gen_url, prepare_threshold=prepare_threshold) as conn:
                if pipeline:
                    try:
                        async with conn.pipeline():
                            ended = await ds.cancelled_midway(aio, module, conn, call, ticks)
                    except psycopg.DatabaseError as error:  # a statement the pipeline had sent failed
                        ended = type(error).__name__
                else:
                    ended = await ds.cancelled_midway(aio, module, conn, call, ticks)
                status = conn.info.transaction_status
                await conn.rollback()
                listed = [ds.plain(row) for row in await aio.list_items(conn)]
                async with conn.cursor() as cursor:
                    await cursor.execute(b"SELECT * FROM items ORDER BY name")
                    raw = await cursor.fetchall()
                await conn.rollback()
                return ended, listed, raw, status

        try:
            ended, listed, raw, status = asyncio.run(main())
        except Exception as error:  # noqa: BLE001 - reported with the call's ending
            raise AssertionError(f"after the cancelled call the connection failed: {error!r}") from error
        assert listed == raw == [("a", 0), ("b", 2)], (ended, status, listed, raw)

    check()


@pytest.mark.parametrize("autocommit", [False, True], ids=["transaction", "autocommit"])
def test_postgres_cancelled_copy_leaves_the_connection_usable(package: tuple[Any, Any], databases: Any,
                                                             autocommit: bool) -> None:
    """An async :copyfrom (COPY FROM STDIN) whose task is cancelled while psycopg waits inside the
    COPY: psycopg left the COPY unfinished, and every later statement on the connection failed
    ("another command is already in progress"). Now the COPY is aborted unless it had ended (all
    rows or none stored, even in autocommit; in a transaction, the transaction fails as on a cancelled INSERT, for the caller
    to roll back), the caller gets its CancelledError and the connection goes on."""
    import psycopg

    module, aio = package
    gen_url, _, reset, kept = databases
    rows = [module.CopyItemsParams(name=f"r{i}", n=i) for i in range(50)]
    for ticks in range(1, 6):
        reset()

        async def main() -> tuple[str, list[Any]]:
            async with await psycopg.AsyncConnection.connect(gen_url, autocommit=autocommit) as conn:
                ended = await ds.cancelled_after(aio.copy_items(conn, rows), ticks)
                assert ended in ("cancelled", "done"), ended  # no error: all rows or none
                if ended == "cancelled" and not autocommit:
                    await conn.rollback()  # the aborted COPY failed the transaction, as a cancelled INSERT does
                listed = [ds.plain(row) for row in await aio.list_items(conn)]
                await conn.rollback()
                return ended, listed

        ended, listed = asyncio.run(main())
        every = [(r.name, r.n) for r in sorted(rows)]
        assert ended in ("cancelled", "done"), ended
        # All or nothing: a cancel that comes once the last row is sent finds the COPY ending anyway.
        assert listed == every if ended == "done" else listed in ([], every), (ticks, ended, listed)
        assert kept(gen_url) == (listed if autocommit else []), (ticks, ended)


@pytest.mark.parametrize("factory", ["dict_row", "RawCursor"])
def test_postgres_migrations_run_on_the_application_connection(package: tuple[Any, Any], databases: Any,
                                                               factory: str) -> None:
    """The generated runner on the application's own connection: with row_factory=dict_row it failed
    with a traceback (KeyError: 0), with cursor_factory=RawCursor (the application's SQL written
    with $1) every statement of it with %s failed. The connection keeps its factories afterwards."""
    import psycopg
    import psycopg.rows

    migrations = importlib.import_module("sessions_pg.migrations")
    gen_url = databases[0]
    options: dict[str, Any] = ({"row_factory": psycopg.rows.dict_row} if factory == "dict_row"
                               else {"cursor_factory": psycopg.RawCursor})
    with psycopg.connect(gen_url, autocommit=True) as conn:
        conn.execute(b"DROP TABLE IF EXISTS items")
    with psycopg.connect(gen_url, autocommit=True, **options) as conn:
        assert migrations.migrate(conn).version == "0001_items"
        assert [version for version, _ in migrations.status(conn).applied] == ["0001_items"]
        assert (conn.row_factory, conn.cursor_factory) == (options.get("row_factory", psycopg.rows.tuple_row),
                                                           options.get("cursor_factory", psycopg.Cursor))
        assert package[0].upsert_item(conn, name="a", n=1) is None
