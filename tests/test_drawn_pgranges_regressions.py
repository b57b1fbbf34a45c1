"""What the pgranges lane found, one test each: range columns were typing.Any end to end, and the
generated code then failed or misread in plain booking-system uses (tests/test_drawn_pgranges.py
draws the rest)."""

from __future__ import annotations

import datetime
import tempfile
import typing
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.types.multirange import Multirange
from psycopg.types.range import Range

from _support import generate, import_module, imported

SCHEMA = """
CREATE TABLE bookings (
    id serial PRIMARY KEY,
    room integer NOT NULL,
    during tstzrange NOT NULL,
    seats int4range,
    free int4multirange,
    EXCLUDE USING gist (during WITH &&)
);
"""
QUERIES = """
-- name: Book :one
INSERT INTO bookings (room, during, seats, free) VALUES (@room, @during, @seats, @free) RETURNING *;

-- name: Overlapping :many
SELECT id FROM bookings WHERE during && @window ORDER BY id;

-- name: SeatBounds :one
SELECT lower(seats) AS first_seat, upper(seats) AS past_last, seats << @before AS left_of FROM bookings WHERE id = @id;

-- name: FreeRanges :many
SELECT unnest(free) AS r FROM bookings WHERE id = @id;

-- name: GetBooking :one
SELECT * FROM bookings WHERE id = @id;
"""
UTC = datetime.timezone.utc


@pytest.fixture(scope="module")
def q() -> Iterator[ModuleType]:
    with tempfile.TemporaryDirectory() as tmp:
        with imported(generate(Path(tmp), {"1.sql": SCHEMA}, {"q.sql": QUERIES}, out="pgranges_regressions",
                               engine="postgresql")) as package:
            yield import_module(package, "queries.q")


@pytest.fixture
def conn(postgres_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute(SCHEMA.encode())
        yield db


def test_postgres_a_tstzrange_takes_a_range_of_naive_datetimes(q: ModuleType, conn: psycopg.Connection[Any]) -> None:
    """Range(datetime(...)) with no tzinfo was sent as a tsrange, which a tstzrange column and its
    && refuse ("column is of type tstzrange but expression is of type tsrange"): now sent as the
    column's own type, its naive bounds read in the session's TimeZone as for a timestamptz."""
    naive = Range(datetime.datetime(2024, 1, 1, 10), datetime.datetime(2024, 1, 1, 12))
    booked = q.book(conn, room=1, during=naive, seats=None, free=None)
    stored = conn.execute("SELECT during FROM bookings WHERE id = %s", [booked.id]).fetchone()[0]  # type: ignore[index]
    want = conn.execute("SELECT '[2024-01-01 10:00, 2024-01-01 12:00)'::tstzrange").fetchone()[0]  # type: ignore[index]
    assert booked.during == stored == want
    assert q.overlapping(conn, window=Range(datetime.datetime(2024, 1, 1, 11), None)) == [booked.id]


def test_postgres_an_int4range_parameter_is_sent_as_one(q: ModuleType, conn: psycopg.Connection[Any]) -> None:
    """A Range of ints is sent as an int4range (psycopg sends it with no type, which the server
    places only beside a column): stored and read in the server's canonical form."""
    booked = q.book(conn, room=1, during=Range(datetime.datetime(2024, 1, 1, tzinfo=UTC), None),
                    seats=Range(1, 3, "[]"), free=Multirange([Range(1, 3), Range(5, 9)]))
    assert booked.seats == Range(1, 4, "[)")  # the server's canonical form, as the raw driver reads it
    assert q.free_ranges(conn, id=booked.id) == [Range(1, 3), Range(5, 9)]


def test_postgres_range_fields_functions_and_operators_are_typed(q: ModuleType, conn: psycopg.Connection[Any]) -> None:
    """Fields and parameters were typing.Any, lower()/upper() too, and `<<` of two ranges was an int
    (bit shift): a True read as 1. lower() of an empty range is NULL: its field takes None."""
    hints = typing.get_type_hints(q.SeatBoundsRow)
    assert hints["first_seat"] == int | None and hints["left_of"] == bool | None
    assert typing.get_type_hints(q.book)["during"] == Range[datetime.datetime]
    assert typing.get_type_hints(q.book)["free"] == Multirange[int] | None
    booked = q.book(conn, room=1, during=Range(datetime.datetime(2024, 1, 1, tzinfo=UTC), None),
                    seats=Range(empty=True), free=None)
    row = q.seat_bounds(conn, before=Range(10, 20), id=booked.id)
    assert (row.first_seat, row.past_last, row.left_of) == conn.execute(
        "SELECT lower(seats), upper(seats), seats << '[10,20)'::int4range FROM bookings WHERE id = %s",
        [booked.id]).fetchone()
    assert row.left_of is False  # an empty range is left of nothing


def test_postgres_a_row_holding_a_range_writes_json_and_reads_it_back(q: ModuleType,
                                                                      conn: psycopg.Connection[Any]) -> None:
    """model_dump_json() of a row holding a Range raised PydanticSerializationError (README's web
    promise: a model row serializes and validates back); now {"lower", "upper", "bounds", "empty"}."""
    booked = q.book(conn, room=1, during=Range(datetime.datetime(2024, 1, 1, tzinfo=UTC), None, "[)"),
                    seats=Range(empty=True), free=Multirange([Range(1, 3)]))
    text = booked.model_dump_json()
    assert '"seats":{"lower":null,"upper":null,"bounds":"()","empty":true}' in text
    assert type(booked).model_validate_json(text) == booked
    with pytest.raises(Exception, match="valid integer"):  # a bound of another type is refused
        type(booked).model_validate({**booked.model_dump(), "seats": Range("a", "b")})


COMPOSITE_SCHEMA = """
CREATE TYPE pair AS (a integer, b text);
CREATE TABLE pairs (id serial PRIMARY KEY, p pair, ps pair[]);
"""
COMPOSITE_QUERIES = """
-- name: PutPairs :one
INSERT INTO pairs (p, ps) VALUES (@p, @ps) RETURNING id;

-- name: GetPairs :one
SELECT p, ps, (p).a::integer AS a FROM pairs WHERE id = @id;
"""


@pytest.fixture(scope="module")
def pairs_q() -> Iterator[ModuleType]:
    with tempfile.TemporaryDirectory() as tmp:
        with imported(generate(Path(tmp), {"1.sql": COMPOSITE_SCHEMA}, {"q.sql": COMPOSITE_QUERIES},
                               out="pgranges_pairs", engine="postgresql")) as package:
            yield import_module(package, "queries.q")


_PAIRS = st.tuples(st.none() | st.integers(-(2**31), 2**31 - 1),
                   st.none() | st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=6))


@settings(max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(p=st.none() | _PAIRS, ps=st.none() | st.lists(_PAIRS, max_size=3))
def test_postgres_composite_values_read_as_the_driver_reads_them(pairs_q: ModuleType, postgres_server: Any,
                                                                 p: Any, ps: Any) -> None:
    """A composite column was typing.Any, and an array of one arrived as the array's text,
    '{"(2,)"}', which its list[Any] field refused at every read. Both are the type's generated
    class now (tests/test_drawn_pgcomposite.py), read from the text psycopg returns; registered,
    psycopg's own objects (tuples of the fields) validate into the same class."""
    from psycopg.types.composite import CompositeInfo, register_composite

    with psycopg.connect(postgres_server.get_uri(), autocommit=True) as db:
        db.execute(b"DROP TABLE IF EXISTS pairs; DROP TYPE IF EXISTS pair")
        db.execute(COMPOSITE_SCHEMA.encode())
        row_id = pairs_q.put_pairs(db, p=p, ps=ps)
        row = pairs_q.get_pairs(db, id=row_id)

        def fields(value: Any) -> Any:
            return None if value is None else (value.a, value.b)

        assert fields(row.p) == (None if p is None else tuple(p))
        assert row.ps is None if ps is None else [fields(item) for item in row.ps] == [tuple(item) for item in ps]
        assert row.a == (None if p is None else p[0])
        register_composite(CompositeInfo.fetch(db, "pair"), db)  # type: ignore[arg-type]
        registered = pairs_q.get_pairs(db, id=row_id)
        assert registered == row


def test_composite_columns_are_typed(tmp_path: Path) -> None:
    from _support import make_project, run_cli

    make_project(tmp_path, {"1.sql": COMPOSITE_SCHEMA}, {"q.sql": COMPOSITE_QUERIES}, engine="postgresql")
    result = run_cli(tmp_path)
    assert result.code == 0
    assert "typing.Any" not in result.stderr
    assert "p: models.PairType | None" in (tmp_path / "gen" / "queries" / "q.py").read_text()


USER_CODE = """
import datetime
import typing

import psycopg
from psycopg.types.range import Range

from pgranges_typed.aio import q as aq
from pgranges_typed.queries import q


def first_seat(conn: psycopg.Connection[typing.Any], booking: int) -> int | None:
    row = q.seat_bounds(conn, before=Range(10, 20), id=booking)
    return None if row is None else row.first_seat


async def book(conn: psycopg.AsyncConnection[typing.Any]) -> datetime.datetime | None:
    row = await aq.book(conn, room=1, during=Range(datetime.datetime(2024, 1, 1), None), seats=None, free=None)
    return row.during.lower
"""


def test_range_code_passes_mypy_strict_and_types_its_callers(tmp_path: Path) -> None:
    """The generated range annotations are mypy --strict clean, and a caller's use of them is checked."""
    import subprocess
    import sys

    package = generate(tmp_path / "p", {"1.sql": SCHEMA}, {"q.sql": QUERIES}, out="pgranges_typed",
                       engine="postgresql", emit_async=True)
    (package.parent / "user.py").write_text(USER_CODE)
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir",
                             str(tmp_path / "cache"), "pgranges_typed", "user.py"], cwd=package.parent,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    (package.parent / "user.py").write_text(USER_CODE.replace("Range(10, 20)", "Range('a', 'b')"))
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir",
                             str(tmp_path / "cache"), "user.py"], cwd=package.parent,
                            capture_output=True, text=True, timeout=300)
    assert 'user.py:13: error: Argument 1 to "Range" has incompatible type "str"; expected "int | None"' in result.stdout


def test_postgres_fastapi_returns_a_range_row_and_takes_it_back(q: ModuleType, conn: psycopg.Connection[Any]) -> None:
    """README's web promise for a row holding ranges: FastAPI answers it (the body fits the app's
    OpenAPI document) and a client posting that body back gets the same row."""
    import jsonschema  # type: ignore[import-untyped]
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    booked = q.book(conn, room=1, during=Range(datetime.datetime(2024, 1, 1, tzinfo=UTC), None, "[]"),
                    seats=Range(empty=True), free=Multirange([Range(1, 3), Range(None, -5)]))
    app = FastAPI()
    row_class = type(booked)

    def get_booking(booking: int) -> Any:
        return q.get_booking(conn, id=booking)

    def echo(body: Any) -> Any:
        return body

    # the annotations an application writes, `-> models.Booking` (this module's are strings)
    get_booking.__annotations__ = {"booking": int, "return": row_class}
    echo.__annotations__ = {"body": row_class, "return": row_class}
    app.get("/bookings/{booking}")(get_booking)
    app.post("/bookings/echo")(echo)

    client = TestClient(app)
    answer = client.get(f"/bookings/{booked.id}")
    assert answer.status_code == 200, answer.text
    document = app.openapi()
    schema = document["paths"]["/bookings/{booking}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    jsonschema.Draft202012Validator({**schema, "components": document["components"]}).validate(answer.json())
    assert row_class.model_validate_json(answer.content) == booked
    echoed = client.post("/bookings/echo", content=answer.content, headers={"content-type": "application/json"})
    assert echoed.status_code == 200, echoed.text
    assert row_class.model_validate_json(echoed.content) == booked
