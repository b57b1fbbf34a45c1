"""Rows meet the web, pinned: each failure tests/test_drawn_web.py found, as the smallest app that
showed it, on a real SQLite file or PostgreSQL server. No `from __future__ import annotations`:
FastAPI reads the endpoints' annotations."""

import base64
import contextlib
import datetime
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any

import jsonschema
import psycopg
import pydantic
import pytest
from fastapi import Body, FastAPI
from fastapi.testclient import TestClient

from _support import generate, import_module, imported

SQLITE_SCHEMA = ('CREATE TABLE docs (id INTEGER PRIMARY KEY, body JSON NOT NULL, flag BOOLEAN, at DATETIME, '
                 'stamped TIMESTAMPTZ, "class" TEXT, data BLOB);\n')
SQLITE_QUERIES = ("-- name: GetDoc :one\nSELECT * FROM docs WHERE id = ?;\n\n"
                  "-- name: PutDoc :exec\nINSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?);\n")


@pytest.fixture(scope="module")
def sqlite_packages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    with contextlib.ExitStack() as stack:
        found = {}
        for style in ("model", "tuple"):
            out = generate(tmp_path_factory.mktemp(f"web_{style}"), {"1.sql": SQLITE_SCHEMA}, {"q.sql": SQLITE_QUERIES},
                           out=f"web_regressions_{style}", extra=f'rows = "{style}"')
            found[style] = stack.enter_context(imported(out))
        yield found


def _sqlite_app(package: ModuleType, db: Path) -> TestClient:
    models, q = import_module(package, "models"), import_module(package, "queries.q")
    app = FastAPI()

    @app.get("/docs/{doc_id}")
    def get_doc(doc_id: int) -> models.Doc:  # type: ignore[name-defined]
        with sqlite3.connect(db) as conn:
            return q.get_doc(conn, id=doc_id)

    @app.post("/docs")
    def put_doc(doc: Annotated[models.Doc, Body()]) -> models.Doc:  # type: ignore[name-defined]
        with sqlite3.connect(db) as conn:
            q.put_doc(conn, **(doc._asdict() if isinstance(doc, tuple) else dict(doc)))
            return q.get_doc(conn, id=doc.id)

    return TestClient(app)


@pytest.mark.parametrize("style", ["model", "tuple"])
def test_sqlite_json_strings_stay_strings_once_read(sqlite_packages: dict[str, ModuleType], tmp_path: Path,
                                                    style: str) -> None:
    """A JSON column holding a JSON string ("123", "hello") reads as the str; that str was decoded as
    JSON text again by every later validation: a tuple row's FastAPI response failed (500), a model
    built from the row's own model_dump() held 123, Doc(body="hello") raised."""
    package = sqlite_packages[style]
    models, q = import_module(package, "models"), import_module(package, "queries.q")
    db = tmp_path / "docs.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute(SQLITE_SCHEMA)
        conn.execute("""INSERT INTO docs (id, body) VALUES (1, '"123"'), (2, '"hello"'), (3, '[1]')""")
        rows = [q.get_doc(conn, id=i) for i in (1, 2, 3)]
    assert [row.body for row in rows] == ["123", "hello", [1]]
    client = _sqlite_app(package, db)
    adapter = pydantic.TypeAdapter(models.Doc)
    for row in rows:
        response = client.get(f"/docs/{row.id}")
        assert response.status_code == 200, response.text
        assert response.json()["body"] == row.body and adapter.validate_json(response.content) == row
        assert adapter.validate_python(adapter.dump_python(row)) == row
    built = models.Doc(id=4, body="123", flag=None, at=None, stamped=None, class_=None, data=None)
    assert built.body == "123"


def test_sqlite_readers_judge_a_request_body_as_pydantic_does(sqlite_packages: dict[str, ModuleType],
                                                              tmp_path: Path) -> None:
    """SQLite's own rules (the text 'yes' is false, 'now' is a datetime) are for what SQLite returns;
    they were applied to request bodies: {"flag": "yes"} stored false, {"at": "now"} the current time."""
    db = tmp_path / "docs.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute(SQLITE_SCHEMA)
    for style, package in sqlite_packages.items():
        client = _sqlite_app(package, db)
        doc = {"id": 1 if style == "model" else 2, "body": None, "flag": "yes", "at": None, "stamped": None,
               "class": None, "data": None}
        answer = client.post("/docs", json=doc)
        assert answer.status_code == 200 and answer.json()["flag"] is True, (style, answer.text)
        assert client.post("/docs", json={**doc, "id": 9, "at": "now"}).status_code == 422, style


def test_sqlite_timestamptz_rows_have_a_json_schema(sqlite_packages: dict[str, ModuleType], tmp_path: Path) -> None:
    """A TIMESTAMPTZ column's reader had no JSON schema: model_json_schema() raised and the app's
    /openapi.json (and so /docs) answered 500."""
    db = tmp_path / "docs.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute(SQLITE_SCHEMA)
    for style, package in sqlite_packages.items():
        response = _sqlite_app(package, db).get("/openapi.json")
        assert response.status_code == 200, style
        schemas = response.json()["components"]["schemas"]
        stamped = [s["properties"]["stamped"] for name, s in schemas.items() if name.startswith("Doc")]
        assert stamped and all({"type": "string", "format": "date-time"} in s["anyOf"] for s in stamped), stamped


def test_sqlite_tuple_rows_take_the_object_they_write_as_a_request_body(sqlite_packages: dict[str, ModuleType],
                                                                         tmp_path: Path) -> None:
    """FastAPI validates a tuple row's body in python mode: a renamed column's key (`class`) was
    refused (422) and a BLOB's base64 text stored as its own bytes. The OpenAPI document described
    the body as pydantic's array of a NamedTuple, which no response is."""
    db = tmp_path / "docs.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute(SQLITE_SCHEMA)
    client = _sqlite_app(sqlite_packages["tuple"], db)
    data = base64.urlsafe_b64encode(b"\x00\xff").decode()
    doc = {"id": 1, "body": {"a": 1}, "flag": True, "at": None, "stamped": None, "class": "x", "data": data}
    answer = client.post("/docs", json=doc)
    assert answer.status_code == 200 and answer.json() == doc, answer.text
    with sqlite3.connect(db) as conn:
        assert conn.execute('SELECT "class", data FROM docs').fetchone() == ("x", b"\x00\xff")
    openapi = client.get("/openapi.json").json()
    body = openapi["paths"]["/docs"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    jsonschema.Draft202012Validator({**body, "components": openapi["components"]}).validate(doc)


PG_SCHEMA = ("CREATE TABLE owners (id bigint PRIMARY KEY, photos bytea[] NOT NULL);\n"
             "CREATE TABLE pets (id bigint PRIMARY KEY, owner_id bigint NOT NULL, tags text[]);\n")
PG_QUERIES = ("-- name: OwnerPets :many\nSELECT sqlc.embed(owners), sqlc.embed(pets) FROM owners "
              "LEFT JOIN pets ON pets.owner_id = owners.id ORDER BY pets.id;\n")


def test_postgres_tuple_rows_write_bytea_arrays_and_embedded_rows_as_json(postgres_url: str,
                                                                          tmp_path: Path) -> None:
    """A tuple row's bytea[] field was written as UTF-8 text (any other byte failed the response:
    500), and an embedded tuple row's request schema was an array."""
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(PG_SCHEMA.encode())
        conn.execute(b"INSERT INTO owners VALUES (1, ARRAY['\\x00ff'::bytea, '\\x'::bytea])")
        out = generate(tmp_path, {"1.sql": PG_SCHEMA}, {"q.sql": PG_QUERIES}, out="web_regressions_pg",
                       engine="postgresql", extra='rows = "tuple"')
        with imported(out) as package:
            q = import_module(package, "queries.q")
            rows = q.owner_pets(conn)
            app = FastAPI()

            @app.get("/pets")
            def pets() -> list[q.OwnerPetsRow]:  # type: ignore[name-defined]
                return rows  # type: ignore[no-any-return]

            response = TestClient(app).get("/pets")
            assert response.status_code == 200, response.text
            assert response.json() == [{"owners": {"id": 1, "photos": ["AP8=", ""]}, "pets": None}]
            adapter = pydantic.TypeAdapter(list[q.OwnerPetsRow])
            assert adapter.validate_json(response.content) == rows
            jsonschema.Draft202012Validator(adapter.json_schema(mode="validation")).validate(response.json())


FLOAT_SCHEMA = "CREATE TABLE scores (id INTEGER PRIMARY KEY, best REAL NOT NULL, last REAL);\n"
FLOAT_QUERIES = "-- name: ListScores :many\nSELECT * FROM scores ORDER BY id;\n"


@pytest.mark.parametrize("style", ["model", "tuple"])
def test_infinite_floats_answer_json_that_reads_back(tmp_path: Path, style: str) -> None:
    """JSON has no infinities: pydantic wrote a REAL holding Infinity as null, against the OpenAPI
    document's number, and it read back as None (a nullable column) or failed (NOT NULL)."""
    db = tmp_path / "scores.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute(FLOAT_SCHEMA)
        conn.execute("INSERT INTO scores VALUES (1, 9e999, -9e999), (2, 1.5, NULL)")
    out = generate(tmp_path / "project", {"1.sql": FLOAT_SCHEMA}, {"q.sql": FLOAT_QUERIES}, out=f"web_floats_{style}",
                   extra=f'rows = "{style}"')
    with imported(out) as package:
        q, models = import_module(package, "queries.q"), import_module(package, "models")
        app = FastAPI()

        @app.get("/scores")
        def scores() -> list[models.Score]:  # type: ignore[name-defined]
            with sqlite3.connect(db) as conn:
                return q.list_scores(conn)  # type: ignore[no-any-return]

        client = TestClient(app)
        response = client.get("/scores")
        assert response.status_code == 200, response.text
        assert response.json() == [{"id": 1, "best": "Infinity", "last": "-Infinity"},
                                   {"id": 2, "best": 1.5, "last": None}]
        with sqlite3.connect(db) as conn:
            assert pydantic.TypeAdapter(list[models.Score]).validate_json(response.content) == q.list_scores(conn)
        openapi = client.get("/openapi.json").json()
        schema = openapi["paths"]["/scores"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        jsonschema.Draft202012Validator({**schema, "components": openapi["components"]}).validate(response.json())
