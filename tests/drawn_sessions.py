"""Drawn sessions: generated calls inside an application's own connection lifecycle.

One small project (a table of named counters and a query of every command) is generated once per
engine. A drawn program interleaves its generated calls with the user's transaction control (SQL
BEGIN / SAVEPOINT / ROLLBACK TO / RELEASE / COMMIT / ROLLBACK, the driver's commit() and rollback(),
sqlite3's `with conn:`, psycopg's nested conn.transaction() and conn.pipeline()); the test files
(test_drawn_sessions*.py) run it on the generated code's connection and, call for call, the same SQL
through the raw driver on a twin database (never in pipeline mode, so its counts are the real ones).

Oracle, after every step: the value returned equals the raw driver's (rows, counts, rowids), an error
is the same class on both sides, and the transaction state is the same (sqlite3's in_transaction,
psycopg's transaction_status). At the end both connections are closed without a commit and the
rows each database kept compared: the generated code commits and rolls back nothing the user did not.
"""

from __future__ import annotations

import inspect
import itertools
import sys
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic
from hypothesis import strategies as st

from codegen import pipeline
from codegen.config import Config
from codegen.source import SourceFile

sys.path.insert(0, str(Path(__file__).parent))
from drawn_generation import write_package  # noqa: E402

SCHEMA = "CREATE TABLE items (name TEXT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0);\n"


@dataclass(frozen=True)
class Query:
    name: str  # the query's name in the file; the function is its snake_case
    command: str
    sql: str
    params: tuple[str, ...]  # in bind order: "name" or "n"
    counts: str = "changes"  # what :execrows counts: "changes" or "rows" (a SELECT's)
    can_fail: bool = False  # a unique violation when the name is taken
    sqlite_only: bool = False


QUERIES = (
    Query("GetItem", "one", "SELECT * FROM items WHERE name = @name", ("name",)),
    Query("ListItems", "many", "SELECT * FROM items ORDER BY name", ()),
    Query("AddItem", "one", "INSERT INTO items (name, n) VALUES (@name, @n) RETURNING *", ("name", "n"), can_fail=True),
    Query("PutItem", "exec", "INSERT INTO items (name, n) VALUES (@name, @n)", ("name", "n"), can_fail=True),
    Query("UpsertItem", "exec", "INSERT INTO items (name, n) VALUES (@name, @n) "
          "ON CONFLICT (name) DO UPDATE SET n = excluded.n", ("name", "n")),
    Query("BumpAll", "execrows", "UPDATE items SET n = n + 1", ()),
    Query("BumpBehindWith", "execrows", "WITH t AS (SELECT 1 AS one) UPDATE items SET n = n + 1", ()),
    Query("BumpReturning", "execrows", "UPDATE items SET n = n + 1 WHERE n < @n RETURNING name", ("n",)),
    Query("CountNames", "execrows", "SELECT name FROM items", (), counts="rows"),
    Query("DropSmall", "execresult", "DELETE FROM items WHERE n < @n", ("n",)),
    Query("PutLast", "execlastid", "INSERT INTO items (name, n) VALUES (@name, @n)", ("name", "n"), can_fail=True,
          sqlite_only=True),
    Query("PutResult", "execresult", "INSERT INTO items (name, n) VALUES (@name, @n)", ("name", "n"), can_fail=True),
    Query("CopyItems", "copyfrom", "INSERT INTO items (name, n) VALUES (@name, @n)", ("name", "n"), can_fail=True),
    Query("CopyUpserts", "copyfrom", "INSERT INTO items (name, n) VALUES (@name, @n) "
          "ON CONFLICT (name) DO UPDATE SET n = excluded.n", ("name", "n")),
    Query("BatchPut", "batchexec", "INSERT INTO items (name, n) VALUES (@name, @n)", ("name", "n"), can_fail=True),
    Query("BatchGet", "batchone", "SELECT * FROM items WHERE name = @name", ("name",)),
    Query("BatchList", "batchmany", "SELECT * FROM items WHERE n >= @n ORDER BY name", ("n",)),
)
MANY_ITEMS = ("copyfrom", "batchexec", "batchone", "batchmany")
NAMES = ("a", "b", "c", "d")
_FRESH = itertools.count()  # names no other call takes (a pipeline's inserts cannot fail)


def queries(engine: str) -> list[Query]:
    return [q for q in QUERIES if engine == "sqlite" or not q.sqlite_only]


def generate(engine: str, folder: Path, package: str) -> None:
    """The project's package for `engine`, written to folder/package (importable from folder)."""
    project_root = folder / f"{package}_project"
    (project_root / "schema").mkdir(parents=True)
    (project_root / "schema" / "0001_items.up.sql").write_text(SCHEMA, encoding="utf-8")
    text = "".join(f"-- name: {q.name} :{q.command}\n{q.sql};\n\n" for q in queries(engine))
    config = Config(path=project_root / "pyproject.toml", root=project_root, engine=engine, schema=("schema",),
                    queries=("queries",), out=package, emit_async=True, emit_migrations=True)
    project = pipeline.analyze(config, sources=([SourceFile.of("schema/0001_items.up.sql", SCHEMA)],
                                                [SourceFile.of("queries/q.sql", text)]))
    write_package(project, config, folder / package)


# --- programs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    query: Query
    items: tuple[dict[str, Any], ...]  # one argument set, or one per row / batch item


@dataclass(frozen=True)
class Control:
    """The user's own transaction control, run the same on both sides: SQL text, or a driver
    method ("commit()", "rollback()")."""
    what: str


@dataclass(frozen=True)
class Block:
    """A context the user opens around steps: "with conn" (sqlite3), "transaction" (psycopg,
    nested ones are savepoints) or "pipeline" (psycopg; the oracle runs its steps outside one).
    `fail`: the block ends by an exception (psycopg.Rollback for a transaction)."""
    kind: str
    steps: tuple["Step", ...]
    fail: bool = False


@dataclass(frozen=True)
class Gather:
    """Calls run at once as asyncio tasks sharing the one async connection (asyncio.gather); the
    oracle runs them one after another in the order they were started. Each is of a command whose
    call is one statement (no :copyfrom or :batch*, which interleave their statements)."""
    calls: tuple[Call, ...]


Step = typing.Union[Call, Control, Block, Gather]
ONE_STATEMENT = ("one", "many", "exec", "execrows", "execlastid", "execresult")


def _args(query: Query, fresh: Callable[[], str] | None) -> st.SearchStrategy[dict[str, Any]]:
    names = st.sampled_from(NAMES) if fresh is None else st.builds(fresh)
    parts = {"name": names, "n": st.integers(0, 3)}
    return st.fixed_dictionaries({p: parts[p] for p in query.params})


@st.composite
def calls(draw: st.DrawFn, engine: str, safe_only: bool = False) -> Call:
    """A call of a drawn query; safe_only: one that cannot fail (in a pipeline an error would be
    raised at a later step than the oracle's), its inserted names fresh."""
    fresh = (lambda: f"p{next(_FRESH)}") if safe_only else None
    query = draw(st.sampled_from(queries(engine)))
    count = draw(st.integers(0, 3)) if query.command in MANY_ITEMS else 1
    items = tuple(draw(_args(query, fresh if query.can_fail else None)) for _ in range(count))
    return Call(query, items)


def controls(engine: str) -> st.SearchStrategy[Control]:
    sql = ["BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT s1", "SAVEPOINT s2", "ROLLBACK TO s1", "RELEASE s1",
           "ROLLBACK TO s2", "RELEASE s2"]
    if engine == "sqlite":
        sql += ["BEGIN IMMEDIATE"]
    return st.sampled_from([Control(s) for s in sql] + [Control("commit()"), Control("rollback()")])


def programs(engine: str, blocks: tuple[str, ...], steps: int = 8) -> st.SearchStrategy[list[Step]]:
    """A list of steps: calls, controls, and blocks of the kinds given (nested up to two deep)."""
    def block(kind: str, inner: st.SearchStrategy[Step]) -> st.SearchStrategy[Step]:
        if kind == "pipeline":
            body: st.SearchStrategy[Any] = st.lists(calls(engine, safe_only=True), min_size=1, max_size=4)
            return body.map(lambda s: Block(kind, tuple(s)))
        return st.builds(lambda s, fail: Block(kind, tuple(s), fail), st.lists(inner, max_size=4), st.booleans())

    leaf: st.SearchStrategy[Step] = st.one_of(calls(engine), calls(engine), controls(engine))
    if "gather" in blocks:
        together = st.lists(calls(engine).filter(lambda c: c.query.command in ONE_STATEMENT), min_size=2, max_size=4)
        leaf = st.one_of(leaf, together.map(lambda c: Gather(tuple(c))))
        blocks = tuple(b for b in blocks if b != "gather")
    step = st.recursive(leaf, lambda inner: st.one_of([block(k, inner) for k in blocks]) if blocks else leaf,
                        max_leaves=steps)
    return st.lists(step, min_size=1, max_size=steps)


# --- running ---------------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A generated result as plain data: rows as tuples of their values."""
    if isinstance(value, pydantic.BaseModel):
        return tuple(getattr(value, f) for f in type(value).model_fields)
    if isinstance(value, tuple) and hasattr(value, "_fields") and not hasattr(value, "rowcount"):
        return tuple(value)
    if hasattr(value, "rowcount") and hasattr(value, "lastrowid"):
        return ("ExecResult", value.rowcount, value.lastrowid)
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def function_name(query: Query) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in query.name).lstrip("_")


async def maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def call_generated(module: Any, sync_module: Any, conn: Any, call: Call) -> Any:
    fn = getattr(module, function_name(call.query))
    if call.query.command in MANY_ITEMS:
        params = getattr(sync_module, call.query.name + "Params")  # the aio module uses the sync one
        return await maybe_await(fn(conn, [params(**item) for item in call.items]))
    return await maybe_await(fn(conn, **call.items[0]))


@dataclass
class Twin:
    """What a test file gives the runner for one engine: the generated side (sync or async) and
    the oracle side (a sync raw connection), and how each runs the user's control."""
    gen: Any
    oracle: Any
    module: Any  # the generated queries module called (queries.q or aio.q)
    sync_module: Any  # queries.q: the SQL constants the oracle runs
    oracle_call: Callable[[Any, Call, str], Any]  # (conn, call, sql) -> the expected plain result
    status: Callable[[Any], Any]  # a connection's transaction state
    gen_control: Callable[[Any, str], Any]  # may return an awaitable
    oracle_control: Callable[[Any, str], Any]
    gen_block: Callable[[Any, Block], Any]  # a context manager (sync or async)
    oracle_block: Callable[[Any, Block], Any]
    fail_error: Callable[[Block], BaseException]
    failed: Callable[[Any], bool] = lambda conn: False  # in a failed transaction (PostgreSQL's INERROR)
    problems: list[str] = field(default_factory=list)
    trace: list[str] = field(default_factory=list)
    # Every error a generated call raised, kept until the rows are compared, as an application
    # that logs or reports its errors keeps them (a traceback holds whatever its frames held).
    errors: list[BaseException] = field(default_factory=list)


def _outcome(error: BaseException | None) -> str:
    return "ok" if error is None else type(error).__name__


async def run_steps(twin: Twin, steps: typing.Sequence[Step], in_pipeline: bool = False) -> None:
    for step in steps:
        if twin.problems:
            return
        if isinstance(step, Call):
            await _run_call(twin, step, in_pipeline)
        elif isinstance(step, Control):
            await _run_control(twin, step)
        elif isinstance(step, Gather):
            await _run_gather(twin, step)
        else:
            await _run_block(twin, step)
        if not in_pipeline and not twin.problems:
            gen_state, oracle_state = twin.status(twin.gen), twin.status(twin.oracle)
            if gen_state != oracle_state:
                twin.problems.append(f"after {step!r}: transaction state {gen_state!r}, oracle {oracle_state!r}")


async def _run_call(twin: Twin, call: Call, in_pipeline: bool) -> None:
    twin.trace.append(f"{call.query.name} {call.items!r}")
    sql = getattr(twin.sync_module, "".join("_" + c if c.isupper() else c for c in call.query.name)
                  .lstrip("_").upper())
    got: Any = None
    expected: Any = None
    gen_error = oracle_error = None
    try:
        got = plain(await call_generated(twin.module, twin.sync_module, twin.gen, call))
    except Exception as error:  # noqa: BLE001 - compared with the oracle's below
        gen_error = error
        twin.errors.append(error)
    try:
        if in_pipeline and not call.items and call.query.command == "copyfrom":
            expected = 0  # in a pipeline the INSERT runs once per row: for no rows, no statement at all
        else:
            expected = twin.oracle_call(twin.oracle, call, sql)
    except Exception as error:  # noqa: BLE001
        oracle_error = error
    if _outcome(gen_error) != _outcome(oracle_error):
        twin.problems.append(f"{call.query.name} {call.items!r}{' in a pipeline' if in_pipeline else ''}: "
                             f"raised {gen_error!r}, the raw driver {oracle_error!r}")
    elif gen_error is None and got != expected:
        twin.problems.append(f"{call.query.name} {call.items!r}{' in a pipeline' if in_pipeline else ''}: "
                             f"returned {got!r}, the raw driver {expected!r}")


async def _run_gather(twin: Twin, gather: Gather) -> None:
    import asyncio

    twin.trace.append("at once: " + ", ".join(f"{c.query.name} {c.items!r}" for c in gather.calls))
    results = await asyncio.gather(*(call_generated(twin.module, twin.sync_module, twin.gen, c) for c in gather.calls),
                                   return_exceptions=True)
    for call, result in zip(gather.calls, results):
        sql = getattr(twin.sync_module, "".join("_" + c if c.isupper() else c for c in call.query.name)
                      .lstrip("_").upper())
        try:
            expected, oracle_error = twin.oracle_call(twin.oracle, call, sql), None
        except Exception as error:  # noqa: BLE001
            expected, oracle_error = None, error
        gen_error = result if isinstance(result, BaseException) else None
        if gen_error is not None:
            twin.errors.append(gen_error)
        if _outcome(gen_error) != _outcome(oracle_error):
            twin.problems.append(f"{call.query.name} {call.items!r} beside other tasks: raised {gen_error!r}, "
                                 f"the raw driver one after another {oracle_error!r}")
        elif gen_error is None and plain(result) != expected:
            twin.problems.append(f"{call.query.name} {call.items!r} beside other tasks: returned {plain(result)!r}, "
                                 f"the raw driver one after another {expected!r}")


async def _run_control(twin: Twin, control: Control) -> None:
    twin.trace.append(control.what)
    gen_error = oracle_error = None
    try:
        await maybe_await(twin.gen_control(twin.gen, control.what))
    except Exception as error:  # noqa: BLE001
        gen_error = error
    try:
        twin.oracle_control(twin.oracle, control.what)
    except Exception as error:  # noqa: BLE001
        oracle_error = error
    if _outcome(gen_error) != _outcome(oracle_error):
        twin.problems.append(f"{control.what}: raised {gen_error!r}, the raw driver {oracle_error!r}")


async def _enter(cm: Any) -> None:
    await maybe_await(cm.__aenter__() if hasattr(cm, "__aenter__") else cm.__enter__())


async def _exit(cm: Any, error: BaseException | None) -> BaseException | None:
    """Leave a context as `with` does when its body raised `error` (None: ended normally); what
    the `with` statement would raise (None when it ends quietly)."""
    args = (type(error), error, None) if error is not None else (None, None, None)
    try:
        if hasattr(cm, "__aexit__"):
            suppressed = await cm.__aexit__(*args)
        else:
            suppressed = cm.__exit__(*args)
    except BaseException as raised:  # noqa: BLE001
        return raised
    return None if suppressed or error is None else error


async def _run_block(twin: Twin, block: Block) -> None:
    if block.kind == "pipeline" and twin.failed(twin.gen):
        # In a failed transaction a pipeline's steps fail as PipelineAborted, the oracle's (run
        # outside one) as InFailedSqlTransaction: the same refusal, told apart by the driver.
        twin.trace.append("pipeline skipped: the transaction has failed")
        return
    twin.trace.append(f"enter {block.kind}{' (fails)' if block.fail else ''}")
    gen_cm, oracle_cm = twin.gen_block(twin.gen, block), twin.oracle_block(twin.oracle, block)
    gen_error = oracle_error = None
    try:
        await _enter(gen_cm)
    except Exception as error:  # noqa: BLE001
        gen_error = error
    try:
        await _enter(oracle_cm)
    except Exception as error:  # noqa: BLE001
        oracle_error = error
    if _outcome(gen_error) != _outcome(oracle_error):
        twin.problems.append(f"entering {block.kind}: raised {gen_error!r}, the raw driver {oracle_error!r}")
        return
    if gen_error is not None:
        return
    await run_steps(twin, block.steps, in_pipeline=block.kind == "pipeline")
    twin.trace.append(f"leave {block.kind}")
    gen_left = await _exit(gen_cm, twin.fail_error(block) if block.fail else None)
    oracle_left = await _exit(oracle_cm, twin.fail_error(block) if block.fail else None)
    if not twin.problems and _outcome(gen_left) != _outcome(oracle_left):
        twin.problems.append(f"leaving {block.kind}: raised {gen_left!r}, the raw driver {oracle_left!r}")


def report(twin: Twin, program: list[Step], gen_rows: list[Any], oracle_rows: list[Any]) -> None:
    """Fails the example with what happened when a step or the kept rows differ."""
    problems = list(twin.problems)
    if not problems and gen_rows != oracle_rows:
        problems.append(f"after closing without a commit, the database kept {gen_rows!r}, the twin {oracle_rows!r}")
    if problems:
        raise AssertionError("\n".join(problems) + "\n--- steps run\n" + "\n".join(twin.trace))


async def cancelled_midway(module: Any, sync_module: Any, conn: Any, call: Call, ticks: int) -> str:
    """Start the call as a task, let the event loop run `ticks` times, cancel it, and wait for it:
    how it ended ("cancelled", "done" or the error's class)."""
    return await cancelled_after(call_generated(module, sync_module, conn, call), ticks)


async def cancelled_after(work: Any, ticks: int) -> str:
    """Run `work` (a coroutine) as a task, cancel it after `ticks` turns of the event loop, wait for
    it: "cancelled", "done" or the class of the error it ended with."""
    import asyncio

    task = asyncio.ensure_future(work)
    for _ in range(ticks):
        await asyncio.sleep(0)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        return "cancelled"
    except Exception as error:  # noqa: BLE001 - a refusal of the database is an ending too
        return type(error).__name__
    return "done"
