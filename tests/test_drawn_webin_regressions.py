"""Values arriving from the web, pinned: each failure tests/test_drawn_webin.py found, as the smallest
app that showed it, on a real SQLite file or PostgreSQL server. No `from __future__ import
annotations`: FastAPI reads the endpoints' annotations."""

import base64
import decimal
import sqlite3
from pathlib import Path
from typing import Any

import jsonschema
import psycopg
import pydantic
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from _support import generate, import_module, imported

SQLITE_SCHEMA = 'CREATE TABLE files (id INTEGER PRIMARY KEY, "class" TEXT, data BLOB, size DECIMAL);\n'
SQLITE_QUERIES = """-- name: CopyFiles :copyfrom
INSERT INTO files ("class", data, size) VALUES (sqlc.arg(class), sqlc.arg(data), sqlc.arg(size));

-- name: PutFiles :batchexec
INSERT INTO files ("class", data, size) VALUES (sqlc.arg(class), sqlc.arg(data), sqlc.arg(size));
"""


def _bulk_app(q: Any, conn: Any) -> TestClient:
    app = FastAPI()

    @app.post("/copy")
    def copy_files(rows: list[q.CopyFilesParams]) -> int:  # type: ignore[name-defined]
        return q.copy_files(conn, rows)  # type: ignore[no-any-return]

    @app.post("/batch")
    def put_files(rows: list[q.PutFilesParams]) -> None:  # type: ignore[name-defined]
        q.put_files(conn, rows)

    return TestClient(app)


def _request_schema(client: TestClient, path: str) -> jsonschema.Draft202012Validator:
    openapi = client.get("/openapi.json").json()
    schema = openapi["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return jsonschema.Draft202012Validator({**schema, "components": openapi["components"]})


@pytest.mark.parametrize("path", ["/copy", "/batch"])
def test_sqlite_params_bodies_are_objects_with_base64_bytes(tmp_path: Path, path: str) -> None:
    """A :copyfrom / :batchexec Params class, a FastAPI request body, was pydantic's NamedTuple: its
    OpenAPI schema an array, the key of a renamed argument (`class` -> `class_`) unknown, a bytes
    value's base64 text (what a row answers for the same BLOB) stored as its own bytes, and a
    Decimal's Infinity (which a DECIMAL column keeps and a row answers) refused with 422."""
    conn = sqlite3.connect(tmp_path / "files.sqlite", isolation_level=None, check_same_thread=False)
    conn.execute(SQLITE_SCHEMA)
    out = generate(tmp_path / "project", {"1.sql": SQLITE_SCHEMA}, {"q.sql": SQLITE_QUERIES}, out="webin_bulk")
    with imported(out) as package:
        client = _bulk_app(import_module(package, "queries.q"), conn)
        body = [{"class": "png", "data": base64.b64encode(b"\x89PNG\xff").decode(), "size": "Infinity"},
                {"class": "x", "data": base64.urlsafe_b64encode(b"\xfb\xff").decode(), "size": "1.5"}]
        _request_schema(client, path).validate(body)
        response = client.post(path, json=body)
        assert response.status_code == 200, response.text
    assert conn.execute('SELECT "class", data, size FROM files ORDER BY id').fetchall() == [
        ("png", b"\x89PNG\xff", float("inf")), ("x", b"\xfb\xff", 1.5)]
    conn.close()


PG_SCHEMA = "CREATE TABLE amounts (id bigserial PRIMARY KEY, value numeric, data bytea);\n"
PG_QUERIES = """-- name: CopyAmounts :copyfrom
INSERT INTO amounts (value, data) VALUES (sqlc.narg(value), sqlc.narg(data));
"""


def test_postgres_copy_params_take_numeric_nan_and_base64(postgres_url: str, tmp_path: Path) -> None:
    """A numeric column holds NaN and infinities, and a row of it answers them ("NaN"): its
    :copyfrom Params refused them (422), and stored a bytea's base64 text as its own bytes."""
    out = generate(tmp_path, {"1.sql": PG_SCHEMA}, {"q.sql": PG_QUERIES}, out="webin_pg_bulk", engine="postgresql")
    with psycopg.connect(postgres_url, autocommit=True) as conn, imported(out) as package:
        conn.execute(PG_SCHEMA.encode())
        q = import_module(package, "queries.q")
        app = FastAPI()

        @app.post("/copy")
        def copy_amounts(rows: list[q.CopyAmountsParams]) -> int:  # type: ignore[name-defined]
            return q.copy_amounts(conn, rows)  # type: ignore[no-any-return]

        client = TestClient(app)
        body = [{"value": "NaN", "data": "AP8="}, {"value": "-Infinity", "data": None}, {"value": "2.50", "data": ""}]
        _request_schema(client, "/copy").validate(body)
        response = client.post("/copy", json=body)
        assert response.status_code == 200 and response.json() == 3, response.text
        held = conn.execute(b"SELECT value::text, data FROM amounts ORDER BY id").fetchall()
    assert held == [("NaN", b"\x00\xff"), ("-Infinity", None), ("2.50", b"")]
    assert decimal.Decimal("2.50") == decimal.Decimal(held[2][0])


EVENT_SCHEMA = 'CREATE TABLE events (id INTEGER PRIMARY KEY, "class" TEXT NOT NULL, day DATE NOT NULL, seats INTEGER);\n'
EVENT_QUERIES = """-- name: GetEvent :one
SELECT * FROM events WHERE id = ?;

-- name: SaveEvent :exec
UPDATE events SET "class" = sqlc.arg(class), day = sqlc.arg(day), seats = sqlc.narg(seats) WHERE id = sqlc.arg(id);
"""


def test_model_copy_update_validates_and_takes_json_keys(tmp_path: Path) -> None:
    """A PATCH applied as row.model_copy(update=body): pydantic kept a date's text as a str (the
    generated UPDATE then raised AttributeError: 500) and took the JSON key "class" for a new
    attribute, leaving the field as it was (the row saved unchanged, silently)."""
    db = tmp_path / "events.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute(EVENT_SCHEMA)
        conn.execute("INSERT INTO events VALUES (1, 'talk', '2026-12-07', 10)")
    out = generate(tmp_path / "project", {"1.sql": EVENT_SCHEMA}, {"q.sql": EVENT_QUERIES}, out="webin_patch")
    with imported(out) as package:
        q = import_module(package, "queries.q")
        app = FastAPI()

        @app.patch("/events/{event_id}")
        def patch_event(event_id: int, patch: dict[str, Any]) -> Any:
            with sqlite3.connect(db) as conn:
                event = q.get_event(conn, id=event_id).model_copy(update=patch)
                q.save_event(conn, class_=event.class_, day=event.day, seats=event.seats, id=event_id)
                return q.get_event(conn, id=event_id)

        client = TestClient(app)
        response = client.patch("/events/1", json={"class": "workshop", "day": "2026-12-08"})
        assert response.status_code == 200, response.text
        assert response.json() == {"id": 1, "class": "workshop", "day": "2026-12-08", "seats": 10}
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT * FROM events").fetchall() == [(1, "workshop", "2026-12-08", 10)]
            event = q.get_event(conn, id=1)
        with pytest.raises(pydantic.ValidationError):
            event.model_copy(update={"seats": "many"})
        with pytest.raises(ValueError, match="no field 'room'"):
            event.model_copy(update={"room": 3})
        assert event.model_copy(update={"class_": "x"}).class_ == "x" and event.model_copy() == event


SCORE_SCHEMA = "CREATE TABLE scores (id INTEGER PRIMARY KEY, best REAL NOT NULL, history JSON);\n"
SCORE_QUERIES = "-- name: ListScores :many\nSELECT * FROM scores ORDER BY id;\n"


def test_model_rows_answer_non_finite_floats_without_a_return_annotation(tmp_path: Path) -> None:
    """An endpoint with no return annotation is answered through jsonable_encoder, which dumps a
    model with model_dump(mode="json"): pydantic left an infinite float a float there (its
    ser_json_inf_nan is for JSON text only) and the response failed (500)."""
    db = tmp_path / "scores.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute(SCORE_SCHEMA)
        conn.execute("""INSERT INTO scores VALUES (1, 9e999, '[1.5]'), (2, -9e999, NULL)""")
    out = generate(tmp_path / "project", {"1.sql": SCORE_SCHEMA}, {"q.sql": SCORE_QUERIES}, out="webin_plain")
    with imported(out) as package:
        q, models = import_module(package, "queries.q"), import_module(package, "models")
        app = FastAPI()

        @app.get("/scores")
        def scores():  # type: ignore[no-untyped-def]
            with sqlite3.connect(db) as conn:
                return q.list_scores(conn)

        response = TestClient(app).get("/scores")
        assert response.status_code == 200, response.text
        assert response.json() == [{"id": 1, "best": "Infinity", "history": [1.5]},
                                   {"id": 2, "best": "-Infinity", "history": None}]
        with sqlite3.connect(db) as conn:
            rows = q.list_scores(conn)
        assert pydantic.TypeAdapter(list[models.Score]).validate_json(response.content) == rows
        assert rows[0].model_dump() == {"id": 1, "best": float("inf"), "history": [1.5]}
