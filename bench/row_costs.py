#!/usr/bin/env python3
"""Where the row-building time of a list goes, piece by piece (SQLite, 20,000 sessions).

Each piece is timed alone on freshly fetched rows (CPU time of this process, minimum and median
of --reps), interleaved with the fetch it is compared to:
  fetchall()                           the raw driver (the 1.0x of bench/runtime.py)
  tuple rows: Rows.many                what rows = "tuple" adds to the fetch, split into
    machinery                            a list of 13-item tuples validated with any-schemas
                                         (pydantic-core's list and tuple validators alone)
    + value checks                       the same with the row's own field schemas
    per column                           each column's schema alone over a list of its values
                                         (includes ~0.3 ms of list machinery each)
  ideas for tuple rows (bench/README.md, "Where the time goes"), each on the same rows:
    row class alone                      tuple.__new__ mapped over the rows, nothing checked: the floor
    per-row type tuples alone            tuple(map(type, row)) per row into a set: only the check's cost
    stdlib C checks                      no pydantic: every column checked by one C call over a slice of
                                         the flattened rows (sum, str.join, type sets, a Literal's set),
                                         datetime text shape-checked per column and parsed with
                                         datetime.fromisoformat, the rows rebuilt (all values checked;
                                         not exact: fromisoformat's reading is not SQLite's for all forms)
    pydantic, fromisoformat datetimes    Rows.many with the datetime fields parsed by fromisoformat (a
                                         Python function called from Rust), no exactness check: a lower
                                         bound for any cheaper exact datetime path inside pydantic
  model rows: ModelRows.many           what rows = "model" adds, split into
    ArgsKwargs                           wrapping each row as positional arguments
    + field dicts                        the dataclass-args validator alone (values checked,
                                         one dict of 13 fields built per row)
    + model instances                    the whole validator (the shared field-name set appended,
                                         the instance made in Rust)

usage: python bench/row_costs.py [--rows 20000] [--reps 15]
"""
from __future__ import annotations

import argparse
import datetime
import functools
import gc
import itertools
import operator
import sqlite3
import statistics
import sys
import tempfile
import time
import types
import typing
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pydantic  # noqa: E402
from pydantic_core import ArgsKwargs, SchemaValidator, core_schema  # noqa: E402

from generated import _runtime, models  # noqa: E402
from generated.queries import sessions as q  # noqa: E402
from runtime import build_db  # noqa: E402

M = models.Session
NAMES = tuple(M.model_fields)
HINTS = typing.get_type_hints(M, include_extras=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--reps", type=int, default=15)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "b.db"
        build_db(path, a.rows)
        conn = sqlite3.connect(path)
        LIST = q.LIST_SESSIONS
        row_type: Any = typing.NamedTuple("Session", [(n, HINTS[n]) for n in NAMES])  # type: ignore[misc]
        tuple_rows = _runtime.Rows(row_type)
        machinery = SchemaValidator(core_schema.list_schema(core_schema.tuple_schema([core_schema.any_schema()]
                                                                                     * len(NAMES))))
        any_type: Any = tuple
        row_tuple: Any = any_type[tuple(HINTS[n] for n in NAMES)]
        any_list: Any = list
        checked: Any = pydantic.TypeAdapter(any_list[row_tuple])
        model_schema: Any = _runtime._positional_model_schema(M, [])[0]
        field_dicts = SchemaValidator(core_schema.list_schema(model_schema["schema"]["steps"][0]))
        pieces: dict[str, Callable[[list[Any]], Any]] = {
            "fetchall()": lambda r: conn.execute(LIST).fetchall(),
            "tuple rows: Rows.many": tuple_rows.many,
            "  machinery (any-schemas)": machinery.validate_python,
            "  + value checks (no row class)": checked.validate_python,
            "idea: row class alone": functools.partial(map_list, functools.partial(tuple.__new__, row_type)),
            "idea: per-row type tuples alone": lambda r: set(map(tuple, map(map, itertools.repeat(type), r))),
            "idea: stdlib C checks": c_checks(row_type),
            "idea: pydantic, fromisoformat datetimes": _runtime.Rows(fromisoformat_rows()).many,
            "model rows: ModelRows.many": q._SESSION_ROWS.many,
            "  ArgsKwargs": lambda r: list(map(ArgsKwargs, r)),
            "  + field dicts (dataclass-args)": lambda r: field_dicts.validate_python(list(map(ArgsKwargs, r))),
        }
        rows = conn.execute(LIST).fetchall()
        columns = {name: [row[i] for row in rows] for i, name in enumerate(NAMES)}
        column_validators = {name: pydantic.TypeAdapter(any_list[HINTS[name]]) for name in NAMES}
        assert tuple_rows.many(rows) == checked.validate_python(rows) == c_checks(row_type)(rows)
        samples: dict[str, list[float]] = {name: [] for name in [*pieces, *(f"    {n}" for n in NAMES)]}
        for _ in range(a.reps):
            for name, fn in pieces.items():
                fresh = conn.execute(LIST).fetchall()
                samples[name].append(cpu(lambda: fn(fresh)))
            for name in NAMES:
                samples[f"    {name}"].append(cpu(lambda: column_validators[name].validate_python(columns[name])))
        fetch = statistics.median(samples["fetchall()"])
        print(f"{a.rows:,} sessions rows, CPU time, {a.reps} reps; x = median / median of fetchall(); "
              f"pydantic {pydantic.VERSION}")
        for name, s in samples.items():
            if name == "    id":
                print("  per column (each schema over a list of its values):")
            print(f"  {name:<40} min {min(s) * 1e3:7.2f}ms  median {statistics.median(s) * 1e3:7.2f}ms"
                  f"  {statistics.median(s) / fetch:5.2f}x")
        conn.close()


def map_list(fn: Callable[[Any], Any], rows: list[Any]) -> list[Any]:
    return list(map(fn, rows))


def fromisoformat_rows() -> Any:
    """The row class with each datetime field parsed by datetime.fromisoformat instead."""
    parse = pydantic.PlainValidator(datetime.datetime.fromisoformat)
    fields = [(n, typing.Annotated[datetime.datetime, parse] | None if "READ_DATETIME" in repr(HINTS[n])
               or "_Read" in repr(HINTS[n]) else HINTS[n]) for n in NAMES]
    return typing.NamedTuple("Session", fields)  # type: ignore[misc]


def c_checks(row_type: Any) -> Callable[[list[Any]], list[Any] | None]:
    """The rows checked and built by stdlib C calls alone (None when a check fails), see the docstring."""
    width, none = len(NAMES), type(None)
    shape = str.maketrans("0123456789T", "0000000000 ")
    forms = ("0000-00-00 00:00:00\n", "0000-00-00 00:00:00.000000\n")  # what the writer and CURRENT_TIMESTAMP give
    make = functools.partial(tuple.__new__, row_type)
    checks: list[tuple[int, Callable[[list[Any]], bool]]] = []
    parsed: list[int] = []
    for i, name in enumerate(NAMES):
        hint = HINTS[name]
        options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
        nullable = none in options
        kind = next(o for o in options if o is not none)
        if typing.get_origin(kind) is typing.Annotated:
            parsed.append(i)
        elif typing.get_origin(kind) is typing.Literal:
            allowed = frozenset(typing.get_args(kind) + ((None,) if nullable else ()))
            checks.append((i, allowed.issuperset))
        elif nullable:
            checks.append((i, lambda col, k=kind: set(map(type, col)) <= {k, none}))
        elif kind is int:
            checks.append((i, lambda col: type(sum(col)) is int))
        else:
            checks.append((i, lambda col: isinstance("".join(col), str)))

    def build(rows: list[Any]) -> list[Any] | None:
        flat = list(itertools.chain.from_iterable(rows))
        try:
            if not all(check(flat[i::width]) for i, check in checks):
                return None
        except TypeError:
            return None
        for i in parsed:
            col = flat[i::width]
            texts = list(itertools.compress(col, map(operator.is_not, col, itertools.repeat(None))))
            joined = ("\n".join(texts) + "\n").translate(shape) if texts else ""
            if sum(joined.count(form) * len(form) for form in forms) != len(joined):
                return None
            values = dict(zip(texts, map(datetime.datetime.fromisoformat, texts)))
            flat[i::width] = list(map(values.get, col))
        return list(map(make, zip(*[iter(flat)] * width)))
    return build


def cpu(fn: Callable[[], Any]) -> float:
    gc.collect()
    gc.disable()
    try:
        start = time.process_time()
        out = fn()
        elapsed = time.process_time() - start
        del out  # freed after the clock stops, as bench/runtime.py keeps its results
        return elapsed
    finally:
        gc.enable()


if __name__ == "__main__":
    main()
