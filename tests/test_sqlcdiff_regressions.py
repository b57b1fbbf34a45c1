"""Regressions found by the differential against sqlc (tests/test_drawn_sqlcdiff.py and its probes):
where sqlc typed a column nullable (or could not type it) and codegen typed it NOT NULL, the real
database returned NULL, and the generated function raised a ValidationError at that call. Each is
reduced to one query over the tables of tests/drawn_shapes.py, generated alone and called on the
real server, judged as the drawn shapes test judges a call (tests/test_drawn_shapes_regressions.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from test_drawn_shapes_regressions import pg_conn, problems, rows_of  # noqa: F401 (pg_conn: a fixture)

# An owner whose nullable columns (age, nick) are NULL.
NULL_AGE = rows_of(owners=[{}])


@pytest.mark.parametrize("sql", [
    # A cast to an array type keeps the operand's NULL elements (it typed them NOT NULL).
    "SELECT ARRAY[o.age]::bigint[] AS c0 FROM owners o",
    "SELECT u FROM owners o, unnest(ARRAY[o.age]::bigint[]) AS u",
    "SELECT ARRAY['a', NULL]::text[] AS c0",
    # array || element and array || array: a NULL element of either side stays one.
    "SELECT ARRAY[o.id] || o.age AS c0 FROM owners o",
    "SELECT ARRAY[o.id] || ARRAY[o.age] AS c0 FROM owners o",
    # Functions that merge arrays (array_cat, COALESCE) or CASE branches and UNION arms of arrays.
    "SELECT array_cat(ARRAY[o.id], ARRAY[o.age]) AS c0 FROM owners o",
    "SELECT COALESCE(ARRAY[o.age], ARRAY[o.id]) AS c0 FROM owners o",
    "SELECT CASE WHEN o.id > 0 THEN ARRAY[o.age] ELSE ARRAY[o.id] END AS c0 FROM owners o",
    "SELECT ARRAY[o.id] AS c0 FROM owners o UNION ALL SELECT ARRAY[o.age] FROM owners o",
    # Functions whose result holds NULL elements: array_replace with a NULL, array_fill of a NULL,
    # string_to_array with a null string, regexp_match(es) with a group that matched nothing.
    "SELECT array_replace(ARRAY[o.id], o.id, o.age) AS c0 FROM owners o",
    "SELECT array_fill(o.age, ARRAY[2]) AS c0 FROM owners o",
    "SELECT string_to_array('a,,b', ',', '') AS c0",
    "SELECT u FROM unnest(string_to_array('a,,b', ',', '')) AS u",
    "SELECT regexp_match('ab', '(a)(x)?') AS c0",
    "SELECT regexp_matches('ab', '(a)(x)?') AS c0",
    "SELECT m FROM regexp_matches('ab', '(a)(x)?') AS m",
])
def test_null_array_elements_are_typed_nullable(sql: str, pg_conn: Any, tmp_path: Path) -> None:  # noqa: F811
    assert problems("postgresql", pg_conn, tmp_path, sql, NULL_AGE) == []


@pytest.mark.parametrize("sql", [
    "SELECT substring(o.name FROM 'zz') AS c0 FROM owners o",
    "SELECT substring(o.name, 'z+') AS c0 FROM owners o",
])
def test_substring_of_a_pattern_that_does_not_match_is_null(sql: str, pg_conn: Any, tmp_path: Path) -> None:  # noqa: F811
    """substring with a text pattern is the regular-expression form: NULL where the pattern does not
    match (it was typed NOT NULL, as the positional substring(s, 2) is; sqlc types it nullable)."""
    assert problems("postgresql", pg_conn, tmp_path, sql, NULL_AGE) == []
