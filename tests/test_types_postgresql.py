"""Every Python type a PostgreSQL column can get, written through one generated function and read
through another on a real server (tests/conftest.py): it comes back equal, or the write is refused
with a clear error from psycopg or the server. Arrays and enum arrays included.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import uuid
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from _support import generate, import_module, imported

COLUMNS = {
    "i4": "integer", "i8": "bigint", "f8": "double precision", "d": "numeric", "s": "text", "b": "bytea",
    "flag": "boolean", "day": "date", "t": "time", "ts": "timestamp", "tstz": "timestamptz", "j": "json",
    "jb": "jsonb", "jd": "jsonb", "m": "mood", "ints": "bigint[]", "texts": "text[]", "moods": "mood[]",
    "odds": "odd[]", "u": "uuid", "span": "interval",
}
# Labels array_out must quote and escape: a parser that splits on commas or keeps quotes fails.
ODD_LABELS = ["a,b", 'say "hi"', "back\\slash", "{x}", "NULL", " sp ", "é😀"]
SCHEMA = (
    "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');\n"
    "CREATE TYPE odd AS ENUM (" + ", ".join("'" + label.replace("'", "''") + "'" for label in ODD_LABELS) + ");\n"
    "CREATE TABLE vals (\n    id bigserial PRIMARY KEY,\n"
    + ",\n".join(f"    {name} {sql}" for name, sql in COLUMNS.items()) + "\n);\n"
)
QUERIES = "".join(f"""
-- name: Put_{name} :one
INSERT INTO vals ({name}) VALUES ($1) RETURNING id;

-- name: Get_{name} :one
SELECT {name} FROM vals WHERE id = $1;
""" for name in COLUMNS) + """
-- name: GetRow :one
SELECT * FROM vals WHERE id = $1;
"""
OVERRIDE = '[[tool.codegen.overrides]]\ncolumn = "vals.jd"\npython_type = "dict[str, int]"\n'
# Refusals: psycopg's own (NUL in text, an int too big for any PostgreSQL type) and the server's
# (out of range, invalid JSON); both are psycopg.Error or a ValueError/OverflowError before sending.
REFUSED = (psycopg.Error, ValueError, OverflowError)


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("types_pg")
    package = generate(root, {"schema.sql": SCHEMA}, {"vals.sql": QUERIES}, out="types_pg_gen", engine="postgresql",
                       extra=OVERRIDE)
    with imported(package) as module:
        yield import_module(module, "queries.vals")


@pytest.fixture(scope="module")
def conn(postgres_server: Any) -> Iterator[psycopg.Connection[Any]]:
    name = "types_round_trip"
    admin_url = postgres_server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"'.encode())
        admin.execute(f'CREATE DATABASE "{name}"'.encode())
    with psycopg.connect(postgres_server.get_uri(database=name), autocommit=True) as db:
        db.execute(SCHEMA.encode())
        yield db
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, decimal.Decimal) and isinstance(b, decimal.Decimal) and a.is_nan():
        return b.is_nan()
    return a == b and type(a) is type(b)


def check(gen: ModuleType, conn: psycopg.Connection[Any], column: str, value: object) -> bool:
    """True when value came back equal through both readers; False when the write was refused."""
    try:
        row_id = getattr(gen, f"put_{column}")(conn, **{column: value})
    except REFUSED as error:
        assert str(error)
        return False
    read = getattr(gen, f"get_{column}")(conn, id=row_id)
    assert same(read, value), (value, read)
    assert same(getattr(gen.get_row(conn, id=row_id), column), value)
    return True


FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@FAST
@given(INT64 | st.integers())
@example(2**31)
@example(-(2**31))
def test_postgres_integer(gen: ModuleType, conn: psycopg.Connection[Any], value: int) -> None:
    assert check(gen, conn, "i4", value) == (-(2**31) <= value < 2**31)


@FAST
@given(INT64 | st.integers())
@example(2**63 - 1)
@example(-(2**63))
@example(2**63)
def test_postgres_bigint(gen: ModuleType, conn: psycopg.Connection[Any], value: int) -> None:
    assert check(gen, conn, "i8", value) == (-(2**63) <= value < 2**63)


@FAST
@given(st.floats())
@example(float("nan"))
@example(float("inf"))
@example(float("-inf"))
def test_postgres_double(gen: ModuleType, conn: psycopg.Connection[Any], value: float) -> None:
    assert check(gen, conn, "f8", value)


@FAST
@given(st.decimals(allow_nan=False) | st.decimals(places=2) |
       st.sampled_from(["NaN", "Infinity", "-Infinity", "12345678901234567890.123456789",
                        "0.30000000000000000001"]).map(decimal.Decimal))
def test_postgres_numeric(gen: ModuleType, conn: psycopg.Connection[Any], value: decimal.Decimal) -> None:
    """numeric keeps every digit, NaN and the infinities; the server refuses exponents beyond its range
    (131072 digits before the point, 16383 after) and the NaNs Python has and PostgreSQL has not."""
    if check(gen, conn, "d", value):
        return
    if value.is_nan():
        assert value.is_signed() or value.is_snan()
    else:
        assert value.adjusted() >= 131072 or -int(value.as_tuple().exponent) > 16383


@FAST
@given(st.text() | st.sampled_from(["\U0001f600\U00010348", "a\x00b"]))
def test_postgres_text(gen: ModuleType, conn: psycopg.Connection[Any], value: str) -> None:
    assert check(gen, conn, "s", value) == ("\x00" not in value)  # PostgreSQL text cannot hold NUL


@FAST
@given(st.binary())
def test_postgres_bytea(gen: ModuleType, conn: psycopg.Connection[Any], value: bytes) -> None:
    assert check(gen, conn, "b", value)


@pytest.mark.parametrize("value", [True, False])
def test_postgres_boolean(gen: ModuleType, conn: psycopg.Connection[Any], value: bool) -> None:
    assert check(gen, conn, "flag", value)


@FAST
@given(st.dates())
def test_postgres_date(gen: ModuleType, conn: psycopg.Connection[Any], value: dt.date) -> None:
    assert check(gen, conn, "day", value)


@FAST
@given(st.times())
def test_postgres_time(gen: ModuleType, conn: psycopg.Connection[Any], value: dt.time) -> None:
    assert check(gen, conn, "t", value)


@FAST
@given(st.datetimes())
def test_postgres_timestamp(gen: ModuleType, conn: psycopg.Connection[Any], value: dt.datetime) -> None:
    assert check(gen, conn, "ts", value)


OFFSETS = st.builds(dt.timezone, st.integers(min_value=-15 * 60 + 1, max_value=15 * 60 - 1).map(
    lambda m: dt.timedelta(minutes=m)))


@FAST
@given(st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=OFFSETS))
def test_postgres_timestamptz(gen: ModuleType, conn: psycopg.Connection[Any], value: dt.datetime) -> None:
    assert check(gen, conn, "tstz", value)  # aware: equal as instants, whatever zone comes back


JSON_SCALARS = st.none() | st.booleans() | INT64 | st.text(st.characters(codec="utf-8", exclude_characters="\x00")) | \
    st.floats(allow_nan=False, allow_infinity=False, min_value=-(2.0**53), max_value=2.0**53)
JSON = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(st.characters(codec="utf-8", exclude_characters="\x00")), inner, max_size=4), max_leaves=10)


def json_same(a: object, b: object) -> bool:
    return a == b  # jsonb may give 1 for 1.0 (numeric): equal as JSON numbers


@FAST
@given(JSON)
def test_postgres_json_and_jsonb(gen: ModuleType, conn: psycopg.Connection[Any], value: Any) -> None:
    for column in ("j", "jb"):
        row_id = getattr(gen, f"put_{column}")(conn, **{column: value})
        assert json_same(getattr(gen, f"get_{column}")(conn, id=row_id), value)


@FAST
@given(st.dictionaries(st.text(st.characters(codec="utf-8", exclude_characters="\x00")), INT64))
def test_postgres_jsonb_override_to_a_dict_type(gen: ModuleType, conn: psycopg.Connection[Any],
                                                value: dict[str, int]) -> None:
    assert check(gen, conn, "jd", value)


@FAST
@given(st.uuids())
def test_postgres_uuid(gen: ModuleType, conn: psycopg.Connection[Any], value: uuid.UUID) -> None:
    assert check(gen, conn, "u", value)


@FAST
@given(st.timedeltas(min_value=dt.timedelta(days=-10**6), max_value=dt.timedelta(days=10**6)))
def test_postgres_interval(gen: ModuleType, conn: psycopg.Connection[Any], value: dt.timedelta) -> None:
    assert check(gen, conn, "span", value)


@pytest.mark.parametrize("value", ["sad", "ok", "happy"])
def test_postgres_enum(gen: ModuleType, conn: psycopg.Connection[Any], value: str) -> None:
    assert check(gen, conn, "m", value)


@FAST
@given(st.lists(INT64, max_size=5),
       st.lists(st.text(st.characters(codec="utf-8", exclude_characters="\x00")), max_size=5),
       st.lists(st.sampled_from(["sad", "ok", "happy"]), max_size=5))
def test_postgres_arrays(gen: ModuleType, conn: psycopg.Connection[Any], ints: list[int], texts: list[str],
                         moods: list[str]) -> None:
    assert check(gen, conn, "ints", ints)
    assert check(gen, conn, "texts", texts)
    assert check(gen, conn, "moods", moods)


@FAST
@given(st.lists(st.sampled_from(ODD_LABELS), max_size=6))
def test_postgres_enum_array_with_labels_that_need_quoting(gen: ModuleType, conn: psycopg.Connection[Any],
                                                          odds: list[str]) -> None:
    assert check(gen, conn, "odds", odds)
