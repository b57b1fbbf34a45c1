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
import gc
import sqlite3
import statistics
import sys
import tempfile
import time
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
            "model rows: ModelRows.many": q._SESSION_ROWS.many,
            "  ArgsKwargs": lambda r: list(map(ArgsKwargs, r)),
            "  + field dicts (dataclass-args)": lambda r: field_dicts.validate_python(list(map(ArgsKwargs, r))),
        }
        rows = conn.execute(LIST).fetchall()
        columns = {name: [row[i] for row in rows] for i, name in enumerate(NAMES)}
        column_validators = {name: pydantic.TypeAdapter(any_list[HINTS[name]]) for name in NAMES}
        assert tuple_rows.many(rows) == checked.validate_python(rows)
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
