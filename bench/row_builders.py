#!/usr/bin/env python3
"""Ways to build frozen pydantic BaseModel rows from database tuples, every value validated.

The 20,000 sessions rows of bench/runtime.py (SQLite, datetimes as text) are fetched fresh for
each timing; each candidate turns them into rows of the Session model (or, for comparison, the
NamedTuple rows of rows = "tuple" and a pydantic dataclass). Every candidate's output is checked
against the others. Times exclude the fetch; the fetch is shown for scale. Times are this
process's CPU time (time.process_time): on a shared machine wall time mostly measures the
neighbours. Candidates:
  tuple: TypeAdapter(list[tuple[...]]) + tuple.__new__ map (rows = "tuple", NamedTuple rows, before)
  tuple: _runtime.Rows (tuple.__new__ through a C partial inside the validator call: rows = "tuple")
  dicts + TypeAdapter(list[Model]): one dict per row built in C (map(dict, map(zip, ...)))
  from_attributes: each row a NamedTuple (C map), TypeAdapter(list[Model]) reads attributes
  pydantic dataclass via ArgsKwargs: map(ArgsKwargs, rows), TypeAdapter(list[dataclass]) (not a BaseModel)
  tuples validated, then per row object.__new__ + dict(zip()) as __dict__ + the three pydantic slots
  tuples validated, then Model.model_construct(**dict(zip()))
  dataclass-args schema over ArgsKwargs (field dicts built in Rust), then __dict__ + slots per row
    in a Python loop (what _runtime.ModelRows.many did before)
  model schema of the class over that dataclass-args schema, a new fields set per row
    (default_factory): instances built in Rust
  the same, all rows sharing one fields set (what _runtime.ModelRows.many does; timed through
    the generated ModelRows itself)

usage: python bench/row_builders.py [--rows 20000] [--reps 9]
"""
from __future__ import annotations

import argparse
import gc
import itertools
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
FIELDS: dict[str, Any] = {name: info.rebuild_annotation() for name, info in M.model_fields.items()}


class FromAttributes(M):
    model_config = pydantic.ConfigDict(frozen=True, from_attributes=True)


NT = typing.NamedTuple("NT", list(FIELDS.items()))  # type: ignore[misc]
DC = pydantic.dataclasses.dataclass(frozen=True)(type("DC", (), {"__annotations__": dict(FIELDS)}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--reps", type=int, default=9)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "b.db"
        build_db(path, a.rows)
        conn = sqlite3.connect(path)
        LIST = q.LIST_SESSIONS
        tuples: Any = pydantic.TypeAdapter(list[tuple[tuple(FIELDS.values())]])  # type: ignore[misc,arg-type]
        models_ = pydantic.TypeAdapter(list[M])
        from_attrs = pydantic.TypeAdapter(list[FromAttributes])
        dataclasses_ = pydantic.TypeAdapter(list[DC])  # type: ignore[valid-type]
        repeat, new, put, fields_set = itertools.repeat, object.__new__, object.__setattr__, set(NAMES)

        def construct(validated: list[tuple[Any, ...]]) -> list[Any]:
            out = []
            for t in validated:
                row = new(M)
                put(row, "__dict__", dict(zip(NAMES, t)))
                put(row, "__pydantic_fields_set__", set(fields_set))
                put(row, "__pydantic_extra__", None)
                put(row, "__pydantic_private__", None)
                out.append(row)
            return out

        # The dataclass-args schema ModelRows builds on: (field dict, None) per row.
        model_schema: Any = _runtime._positional_model_schema(M, [])[0]
        field_dicts = SchemaValidator(core_schema.list_schema(model_schema["schema"]["steps"][0]))

        def dicts_then_loop(r: list[Any]) -> list[Any]:
            out = []
            for fields, _ in field_dicts.validate_python(list(map(ArgsKwargs, r))):
                row = new(M)
                put(row, "__dict__", fields)
                put(row, "__pydantic_fields_set__", set(fields_set))
                put(row, "__pydantic_extra__", None)
                put(row, "__pydantic_private__", None)
                out.append(row)
            return out

        per_row_set = core_schema.model_schema(M, core_schema.chain_schema([
            model_schema["schema"]["steps"][0],
            core_schema.tuple_schema([core_schema.any_schema(), core_schema.any_schema(), core_schema.with_default_schema(
                core_schema.any_schema(), default_factory=fields_set.copy, default_factory_takes_data=False)])]))
        per_row_sets = _runtime._own_validator(core_schema.list_schema(per_row_set), [M])

        candidates: dict[str, Callable[[list[Any]], Any]] = {
            "tuple rows: list[tuple] + tuple.__new__ map": lambda r: list(map(tuple.__new__, repeat(NT),
                                                                              tuples.validate_python(r))),
            "tuple rows: after-validator partial [Rows]": _runtime.Rows(NT).many,
            "dicts (C map) + TypeAdapter(list[Model])": lambda r: models_.validate_python(
                list(map(dict, map(zip, repeat(NAMES), r)))),
            "NamedTuple (C map) + from_attributes": lambda r: from_attrs.validate_python(
                list(map(tuple.__new__, repeat(NT), r))),
            "pydantic dataclass via ArgsKwargs (not BaseModel)": lambda r: dataclasses_.validate_python(
                list(map(ArgsKwargs, r))),
            "list[tuple] + object.__new__/dict(zip)/slots": lambda r: construct(tuples.validate_python(r)),
            "list[tuple] + model_construct": lambda r: [M.model_construct(**dict(zip(NAMES, t)))
                                                        for t in tuples.validate_python(r)],
            "dataclass-args (Rust dicts) + __dict__/slots loop": dicts_then_loop,
            "model schema over dataclass-args, a set per row": lambda r: per_row_sets.validate_python(
                list(map(ArgsKwargs, r))),
            "model schema, one shared fields set [ModelRows]": q._SESSION_ROWS.many,
        }
        reference = [m.model_dump() for m in q.list_sessions(conn)]
        for name, fn in candidates.items():  # same values from every candidate
            out = fn(conn.execute(LIST).fetchall())
            dumped = [dict(zip(NAMES, o)) if isinstance(o, tuple) else
                      (o.model_dump() if isinstance(o, pydantic.BaseModel) else o.__dict__) for o in out]
            assert dumped == reference, name
        samples: dict[str, list[float]] = {"fetchall() (for scale)": []}
        samples.update({name: [] for name in candidates})
        for _ in range(a.reps):
            for name in samples:
                rows = conn.execute(LIST).fetchall()
                fn = candidates.get(name, lambda r: conn.execute(LIST).fetchall())
                gc.collect()
                gc.disable()
                start = time.process_time()
                fn(rows)
                samples[name].append(time.process_time() - start)
                gc.enable()
        base = samples["fetchall() (for scale)"]
        print(f"{a.rows:,} sessions rows, median of {a.reps} (CPU time); x = paired ratio to the fetch; pydantic {pydantic.VERSION}")
        for name, s in samples.items():
            ratio = statistics.median(x / b for x, b in zip(s, base))
            print(f"  {name:<58} {statistics.median(s) * 1e3:>8.2f}ms  {ratio:>5.2f}x of fetch"
                  f"  -> list {1 + ratio:>4.2f}x raw" if s is not base else
                  f"  {name:<58} {statistics.median(s) * 1e3:>8.2f}ms")
        conn.close()


if __name__ == "__main__":
    main()
