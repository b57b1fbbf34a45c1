"""Call every generated function of a package, sync and async, with arguments drawn from its own
annotations, and judge what comes back.

Each call runs inside a savepoint (SQLite) or a transaction (PostgreSQL) that is rolled back, so
DML runs for real, leaves nothing behind, and one failure does not poison the next call. The
outcome of a call is one of:
  ok        it returned, and the value fits the declared return type (typecheck.mismatches)
  mismatch  it returned a value contradicting its declared return type
  refused   the generated code refused a value it cannot store faithfully, with a ValueError
            raised by its own _runtime (nan on SQLite), or
            the database refused the arguments for a reason that depends on the data:
            a constraint (IntegrityError on both engines: UNIQUE, NOT NULL, CHECK, FOREIGN KEY,
            a trigger's RAISE), a value out of the column's range or not representable there
            (PostgreSQL's class 22 data exceptions, psycopg's DataError for a NUL in text),
            SQLite's integer overflow in arithmetic, an fts5 MATCH text that is not a valid full-text
            query, a text that is not JSON given to a JSON function, or a JSON path that is not
            one (the text is the caller's own language, as a regex is), or a statement stopped by the time limit
            (a drawn LIMIT or a recursive CTE can make a query run long)
  crash     anything else: NameError, AttributeError, TypeError, pydantic's ValidationError, a
            syntax or datatype error from the driver, an unknown table...
Crashes and mismatches fail the test; refusals are counted, by reason.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import re
import sqlite3
import time
import traceback
import typing
from collections import Counter
from collections.abc import Callable
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from harness_raw import Recording, differences, replayable, sending_differences
from harness_strategies import Pool, for_annotation
from harness_typecheck import mismatches

ROUNDS = 3  # hypothesis examples per case: each calls every function once, sync and async
TIME_LIMIT = 1.0  # seconds one call may run before the database is told to stop it
CALL_SETTINGS = settings(max_examples=ROUNDS, database=None, deadline=None, derandomize=True,
                         phases=[Phase.generate], suppress_health_check=list(HealthCheck))


@dataclass
class Tally:
    calls: int = 0
    ok: int = 0
    functions: int = 0
    replayed: int = 0  # sync reads whose result was compared with their SQL run raw
    twinned: int = 0  # async reads whose result was compared with their sync twin's
    sent_checked: int = 0  # statements sync calls sent, checked against their query's IR
    refused: Counter[str] = field(default_factory=Counter)
    crashes: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.calls += other.calls
        self.ok += other.ok
        self.functions += other.functions
        self.replayed += other.replayed
        self.twinned += other.twinned
        self.sent_checked += other.sent_checked
        self.refused.update(other.refused)
        self.crashes += other.crashes
        self.mismatches += other.mismatches


@dataclass
class Function:
    label: str  # pkg.queries.books.get_book
    fn: Callable[..., Any]
    is_async: bool
    params: list[str]  # the keyword arguments after the connection
    returns: Any
    reads_rows: bool = True  # False for :execrows, :execlastid, :execresult (they return a count or an id)
    query: Any = None  # its ir.Query, when the caller knows it (sending_differences)


def functions(package: str, package_dir: Path, skip: Callable[[str, str, int], str | None],
              skipped: list[str], queries: dict[tuple[str, int], Any] | None = None) -> list[Function]:
    """Every function the package's query modules define, sync (queries/) and async (aio/);
    skip(module, function, index) says why one is not called (its reason goes to skipped);
    index: the function's place in its module, which is its query's place in the query file;
    queries: (module, index) -> its ir.Query."""
    out = []
    for sub in ("queries", "aio"):
        for path in sorted((package_dir / sub).glob("*.py")):
            if path.stem == "__init__":
                continue
            module = importlib.import_module(f"{package}.{sub}.{path.stem}")
            public = [(name, fn) for name, fn in vars(module).items()
                      if inspect.isfunction(fn) and fn.__module__ == module.__name__ and not name.startswith("_")]
            for index, (name, fn) in enumerate(public):
                why = skip(path.stem, name, index)
                if why is None:
                    out.append(dataclasses.replace(_function(module, name, fn),
                                                   query=(queries or {}).get((path.stem, index))))
                else:
                    skipped.append(f"{module.__name__}.{name}: {why}")
    return out


def _function(module: ModuleType, name: str, fn: Callable[..., Any]) -> Function:
    hints = typing.get_type_hints(fn)
    params = list(inspect.signature(fn).parameters.values())[1:]  # the first is the connection
    counts = re.search(r"\b(rowcount|lastrowid|ExecResult|_returned)\b", inspect.getsource(fn)) is not None
    return Function(f"{module.__name__}.{name}", fn, inspect.iscoroutinefunction(fn), [p.name for p in params],
                    hints.get("return"), not counts)


def refusal(error: BaseException) -> str | None:
    """Why the database refused the call, when that depends on the data; None for a crash."""
    if isinstance(error, ValueError) and _raised_in_runtime(error):
        # The generated package refuses a value it cannot store faithfully (nan on SQLite, a
        # str for sqlc.slice...): a clear error before the database sees it, as issue 14 asks.
        return f"generated code: {str(error).split(':')[0]}"
    if isinstance(error, sqlite3.IntegrityError) and "datatype mismatch" not in str(error):
        return "sqlite: " + str(error).split(":")[0]
    if isinstance(error, sqlite3.OperationalError) and str(error) in ("integer overflow", "interrupted"):
        return f"sqlite: {error}"
    if isinstance(error, sqlite3.OperationalError) and str(error).startswith("fts5: syntax error"):
        return "sqlite: fts5: syntax error in the MATCH text"
    if isinstance(error, sqlite3.OperationalError) and str(error).startswith(("malformed JSON", "JSON path error")):
        return f"sqlite: {str(error).split(' near ')[0]}"
    if isinstance(error, psycopg.errors.QueryCanceled):
        return "postgresql: stopped by the time limit"
    if isinstance(error, (psycopg.errors.IntegrityError, psycopg.errors.DataError)):
        sqlstate = getattr(error, "sqlstate", None)
        return f"postgresql: {type(error).__name__}" + (f" ({sqlstate})" if sqlstate else "")
    return None


class Runner:
    """Calls functions on one engine's pair of connections (sync, async) and tallies outcomes."""

    def __init__(self, engine: str, sync_conn: Any, async_conn: Any, loop: asyncio.Runner, pool: Pool) -> None:
        self.engine, self.sync_conn, self.async_conn, self.loop = engine, sync_conn, async_conn, loop
        self.pool = pool
        self.tally = Tally()
        # The statement the last sync call sent, and what it reads run raw (harness_raw.py).
        self._replay: tuple[tuple[str, Any], list[tuple[Any, ...]]] | None = None
        self._sync_twins: dict[str, Function] = {}  # by label, for the async functions' check
        self._sent: list[tuple[Any, Any]] = []  # what the last sync call sent (harness_raw.Recording)
        self._pooled: dict[tuple[str, str], st.SearchStrategy[Any]] = {}

    def strategy(self, function: Function, name: str) -> st.SearchStrategy[Any]:
        """The parameter's strategy, offering the stored values of a same-named column."""
        key = (function.label, name)
        if key not in self._pooled:
            hints = typing.get_type_hints(function.fn)
            self._pooled[key] = for_annotation(hints[name], self.pool, name)
        return self._pooled[key]

    def run(self, funcs: list[Function], case: str, rounds: int = ROUNDS) -> Tally:
        self.tally.functions += len(funcs)
        self._sync_twins = {f.label: f for f in funcs if not f.is_async}

        @settings(CALL_SETTINGS, max_examples=rounds)
        @given(st.data())
        def one_round(data: st.DataObject) -> None:
            for function in funcs:
                kwargs = {name: data.draw(self.strategy(function, name), label=name) for name in function.params}
                self.call(function, kwargs, case)

        one_round()
        return self.tally

    def call(self, function: Function, kwargs: dict[str, Any], case: str) -> None:
        self.tally.calls += 1
        self._replay = None
        self._sent = []
        try:
            if function.is_async:
                result = self.loop.run(self._async_call(function, kwargs))
            else:
                result = self._sync_call(function, kwargs)
        except Exception as error:  # noqa: BLE001 - every failure is judged below
            reason = refusal(error) or self._out_of_range(function, kwargs, error)
            if reason is not None:
                self.tally.refused[reason] += 1
                return
            where = traceback.extract_tb(error.__traceback__)[-1]
            self.tally.crashes.append(f"{case}: {function.label}({_args(kwargs)}): {type(error).__name__}: "
                                      f"{str(error).strip()[:300]} [at {Path(where.filename).name}:{where.lineno}]")
            return
        found = mismatches(result, function.returns) or self._raw_differences(function, result) or \
            self._sending_differences(function, kwargs) or \
            self._twin_differences(function, kwargs, result)
        if found:
            self.tally.mismatches.append(f"{case}: {function.label}({_args(kwargs)}): declared "
                                         f"{function.returns}: " + "; ".join(found[:3]))
        else:
            self.tally.ok += 1

    def _raw_differences(self, function: Function, result: Any) -> list[str]:
        """A sync read's result against its own SQL run raw (harness_raw.py)."""
        replay = self._replay
        self._replay = None
        if replay is None or function.returns in (None, type(None)) or not function.reads_rows:
            return []
        sql, params = replay[0]
        self.tally.replayed += 1
        found = differences(result, function.returns, replay[1])
        return [f"differs from its own SQL run raw ({sql[:80]!r}, {params!r}): " + "; ".join(found)] if found else []

    def _sending_differences(self, function: Function, kwargs: dict[str, Any]) -> list[str]:
        checked, found = sending_differences(function.query, function.params, kwargs, self._sent)
        self.tally.sent_checked += checked
        return found

    def _twin_differences(self, function: Function, kwargs: dict[str, Any], result: Any) -> list[str]:
        """An async read's result against its sync twin's (aio.m.f and queries.m.f) for the same
        arguments: the two are rendered from different templates."""
        twin = self._sync_twins.get(function.label.replace(".aio.", ".queries.", 1)) if function.is_async else None
        if twin is None or not twin.reads_rows:
            return []
        try:
            expected = self._sync_call(twin, kwargs)
            replay, self._replay = self._replay, None
            again = self._sync_call(twin, kwargs) if replay is not None else None
        except Exception:  # noqa: BLE001 - the twin's own calls judge its failures
            return []
        self._replay = None
        if replay is None or not (again == expected or repr(again) == repr(expected)):
            return []  # not a read, or one whose answer changes from call to call (now(), a session's lock)
        self.tally.twinned += 1
        if result == expected or repr(result) == repr(expected):  # repr: nan == nan
            return []
        return [f"differs from its sync twin: {_short(result)} != {_short(expected)}"]

    def _out_of_range(self, function: Function, kwargs: dict[str, Any], error: Exception) -> str | None:
        """psycopg sends an int as the smallest PostgreSQL type that holds it, so an int beyond
        the 32-bit range reaches an `integer` function argument or operator as bigint, and
        PostgreSQL answers "function ... does not exist" rather than "out of range". It is a
        refusal of the value when the same call with every int inside the 32-bit range does not
        fail that way."""
        if not isinstance(error, psycopg.errors.UndefinedFunction) or not _has_big_int(list(kwargs.values())):
            return None
        small = {k: _small_ints(v) for k, v in kwargs.items()}
        try:
            if function.is_async:
                self.loop.run(self._async_call(function, small))
            else:
                self._sync_call(function, small)
        except psycopg.errors.UndefinedFunction:
            return None
        except Exception:  # noqa: BLE001 - any other outcome shows the big int was the cause
            pass
        return "postgresql: an int beyond 32 bits for an integer argument (sent as bigint)"

    def _sync_call(self, function: Function, kwargs: dict[str, Any]) -> Any:
        conn = self.sync_conn
        started = time.monotonic()
        if self.engine == "sqlite":
            conn.set_progress_handler(lambda: time.monotonic() - started > TIME_LIMIT, 10_000)
            conn.execute("SAVEPOINT harness")
            try:
                return self._recorded(conn, function, kwargs)
            finally:
                conn.execute("ROLLBACK TO harness")
                conn.execute("RELEASE harness")
        with conn.transaction(force_rollback=True):
            return self._recorded(conn, function, kwargs)

    def _recorded(self, conn: Any, function: Function, kwargs: dict[str, Any]) -> Any:
        """The call through a connection recording what it sends (self._sent); a read is run again
        raw, before the caller's rollback, for the raw oracle (self._replay)."""
        recording = Recording(conn)
        result = function.fn(recording, **kwargs)
        self._sent = recording.sent
        statement = replayable(recording.sent)
        if statement is not None:  # the same SQL and values, run raw
            self._replay = (statement, conn.execute(*statement).fetchall())
        return result

    async def _async_call(self, function: Function, kwargs: dict[str, Any]) -> Any:
        conn = self.async_conn
        started = time.monotonic()
        if self.engine == "sqlite":
            await conn.set_progress_handler(lambda: time.monotonic() - started > TIME_LIMIT, 10_000)
            await conn.execute("SAVEPOINT harness")
            try:
                return await function.fn(conn, **kwargs)
            finally:
                await conn.execute("ROLLBACK TO harness")
                await conn.execute("RELEASE harness")
        async with conn.transaction(force_rollback=True):
            return await function.fn(conn, **kwargs)


def _raised_in_runtime(error: BaseException) -> bool:
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and Path(frames[-1].filename).name == "_runtime.py"


def _has_big_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return not -(2**31) <= value < 2**31
    if isinstance(value, (list, tuple)):
        return any(_has_big_int(v) for v in value)
    return False


def _small_ints(value: Any) -> Any:
    """The value with every int beyond 32 bits replaced by 1 (NamedTuple rows rebuilt)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if -(2**31) <= value < 2**31 else 1
    if isinstance(value, list):
        return [_small_ints(v) for v in value]
    if isinstance(value, tuple):
        items = [_small_ints(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 200 else text[:200] + "..."


def _args(kwargs: dict[str, Any]) -> str:
    text = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return text if len(text) < 200 else text[:200] + "..."
