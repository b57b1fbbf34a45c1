"""Regressions found by tests/test_drawn_pgcomposite.py, each pinned by the input that showed it."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pydantic
import pytest
from psycopg.types.range import Range

from _support import generate, import_module, imported

SCHEMA = """
CREATE TYPE floatrange AS RANGE (subtype = float8);
CREATE TABLE spans (id serial PRIMARY KEY, fr floatrange, frs floatrange[]);
"""
QUERIES = "-- name: Spans :many\nSELECT id, fr, frs FROM spans;\n"


@pytest.fixture(scope="module")
def tuple_models() -> Iterator[ModuleType]:
    with tempfile.TemporaryDirectory() as tmp:
        with imported(generate(Path(tmp), {"1.sql": SCHEMA}, {"q.sql": QUERIES}, out="pgcomposite_reg",
                               engine="postgresql", extra='rows = "tuple"')) as package:
            yield import_module(package, "models")


@pytest.mark.parametrize("fr", [Range(1.5, 2.0, "[)"), Range(None, float("inf"), "()"), Range(empty=True)])
def test_a_tuple_row_holding_a_range_of_floats_writes_json_and_reads_it_back(tuple_models: ModuleType,
                                                                            fr: Range[float]) -> None:
    """A tuple row's JSON writer took any field whose hint named float for a float (Range[float] of
    a user's range type: `Range[float] | None`), and wrote the Range through the float writer:
    PydanticSerializationError, "bad operand type for abs(): 'Range'" (a FastAPI response of the
    row failed). Only X | None and list[X] hold floats there now; a Range is written by its own
    schema, an infinite bound as "Infinity"."""
    row = tuple_models.Span(id=1, fr=fr, frs=[fr])
    adapter = pydantic.TypeAdapter(tuple_models.Span)
    text = adapter.dump_json(row)
    assert adapter.validate_json(text) == row
