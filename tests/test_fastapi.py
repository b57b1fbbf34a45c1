"""Generated rows returned from a real FastAPI app (TestClient), for both row styles.

Endpoints return a row, a list of rows and a row with an embedded row, annotated with the
generated classes; the JSON bodies must be objects keyed by column name and the OpenAPI
document must describe them as such. No `from __future__ import annotations` here: FastAPI
reads the endpoints' annotations, which name classes local to the app factory.
"""

import base64
import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pydantic
import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import generate, import_module, imported
from test_rows import QUERIES, SCHEMA

AUTHOR = {"id": 1, "name": "Ann", "schema": '{"a": 1}', "model_kind": None, "born": "1970-05-06T07:08:09"}
BOOK = {"id": 1, "author_id": 1, "title": "One", "rating": 4.5, "published_at": None}


@pytest.fixture(scope="module", params=["model", "tuple"])
def package(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp(f"fastapi_{request.param}")
    out = generate(root, {"1.sql": SCHEMA}, {"library.sql": QUERIES}, out=f"api_{request.param}",
                   extra=f'rows = "{request.param}"')
    with imported(out) as pkg:
        yield pkg


def make_app(package: ModuleType, db: Path) -> FastAPI:
    models = import_module(package, "models")
    library = import_module(package, "queries.library")
    app = FastAPI()

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(db)

    @app.get("/authors/{author_id}")
    def get_author(author_id: int) -> models.Author:  # type: ignore[name-defined]
        with connect() as conn:
            row = library.get_author(conn, id=author_id)
        if row is None:
            raise HTTPException(status_code=404)
        return row

    @app.get("/authors")
    def list_authors() -> list[models.Author]:  # type: ignore[name-defined]
        with connect() as conn:
            return library.list_authors(conn)  # type: ignore[no-any-return]

    @app.get("/books/{book_id}")
    def get_book(book_id: int) -> library.GetBookWithAuthorRow:  # type: ignore[name-defined]
        with connect() as conn:
            row = library.get_book_with_author(conn, id=book_id)
        if row is None:
            raise HTTPException(status_code=404)
        return row

    return app


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A schema with its $ref (and an `anyOf: [X, null]` wrapper) followed."""
    while True:
        if "$ref" in schema:
            schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        elif "anyOf" in schema:
            schema = next(s for s in schema["anyOf"] if s.get("type") != "null")
        else:
            return schema


def test_fastapi_returns_rows_as_json_objects(package: ModuleType, tmp_path: Path) -> None:
    db = tmp_path / "api.sqlite"
    with sqlite3.connect(db) as conn:
        conn.executescript(SCHEMA)
        conn.execute("INSERT INTO authors VALUES (1, 'Ann', '{\"a\": 1}', NULL, '1970-05-06 07:08:09')")
        conn.execute("INSERT INTO authors VALUES (2, 'Bob', NULL, NULL, NULL)")
        conn.execute("INSERT INTO books VALUES (1, 1, 'One', 4.5, NULL)")
    client = TestClient(make_app(package, db))

    assert client.get("/authors/1").json() == AUTHOR
    assert client.get("/authors/3").status_code == 404
    assert client.get("/authors").json() == [AUTHOR, {"id": 2, "name": "Bob", "schema": None, "model_kind": None,
                                                       "born": None}]
    assert client.get("/books/1").json() == {"books": BOOK, "authors": AUTHOR}

    doc = client.get("/openapi.json").json()

    def response(path: str) -> dict[str, Any]:
        return doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]

    author = resolve(doc, response("/authors/{author_id}"))
    assert author["type"] == "object" and list(author["properties"]) == list(AUTHOR), author
    assert set(author["required"]) == set(AUTHOR)
    listed = response("/authors")
    assert listed["type"] == "array" and resolve(doc, listed["items"]) == author
    book_row = resolve(doc, response("/books/{book_id}"))
    assert book_row["type"] == "object" and list(book_row["properties"]) == ["books", "authors"]
    assert resolve(doc, book_row["properties"]["authors"]) == author
    embedded_book = resolve(doc, book_row["properties"]["books"])
    assert list(embedded_book["properties"]) == list(BOOK)
    assert resolve(doc, embedded_book["properties"]["rating"])["type"] == "number"


BLOB_SCHEMA = 'CREATE TABLE files (id INTEGER PRIMARY KEY, "class" TEXT, data BLOB NOT NULL, thumb BLOB);'
BLOB_QUERIES = "-- name: GetFile :one\nSELECT * FROM files WHERE id = ?;\n\n-- name: ListFiles :many\nSELECT * FROM files;\n"


@pytest.fixture(scope="module")
def blob_packages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    found = {}
    with contextlib.ExitStack() as stack:
        for style in ("model", "tuple"):
            root = tmp_path_factory.mktemp(f"fastapi_blob_{style}")
            out = generate(root, {"1.sql": BLOB_SCHEMA}, {"files.sql": BLOB_QUERIES}, out=f"blob_{style}",
                           extra=f'rows = "{style}"')
            found[style] = stack.enter_context(imported(out))
        yield found


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=64), thumb=st.none() | st.binary(max_size=16), label=st.none() | st.text(max_size=8))
def test_rows_with_bytes_and_renamed_columns_answer_json_that_reads_back(
        blob_packages: dict[str, ModuleType], tmp_path_factory: pytest.TempPathFactory, data: bytes,
        thumb: bytes | None, label: str | None) -> None:
    """A BLOB holding any bytes (an image, a hash) answers as base64 in both styles (pydantic writes
    bytes as UTF-8 text and raised on other bytes: tuple rows answered 500), keyed by column name
    (`class`, not `class_`), the OpenAPI document says base64, and the body validates back to the
    same row in either style (tuple rows did not read their own JSON: `class` is no field name)."""
    db = tmp_path_factory.mktemp("blob") / "files.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute(BLOB_SCHEMA)
        conn.execute("INSERT INTO files VALUES (1, ?, ?, ?)", (label, data, thumb))
    expected = {"id": 1, "class": label, "data": base64.urlsafe_b64encode(data).decode(),  # pydantic's alphabet
                "thumb": None if thumb is None else base64.urlsafe_b64encode(thumb).decode()}
    for style, package in blob_packages.items():
        models, files = import_module(package, "models"), import_module(package, "queries.files")
        app = FastAPI()

        @app.get("/files/{file_id}")
        def get_file(file_id: int) -> models.File:  # type: ignore[name-defined]
            with sqlite3.connect(db) as conn:
                return files.get_file(conn, id=file_id)

        @app.get("/files")
        def list_files() -> list[models.File]:  # type: ignore[name-defined]
            with sqlite3.connect(db) as conn:
                return files.list_files(conn)  # type: ignore[no-any-return]

        client = TestClient(app)
        one = client.get("/files/1")
        assert one.status_code == 200, (style, one.text)
        assert one.json() == expected and client.get("/files").json() == [expected], style
        with sqlite3.connect(db) as conn:
            row = files.get_file(conn, id=1)
        assert pydantic.TypeAdapter(models.File).validate_json(one.content) == row, style
        doc = client.get("/openapi.json").json()
        schema = resolve(doc, doc["paths"]["/files/{file_id}"]["get"]["responses"]["200"]["content"]
                         ["application/json"]["schema"])
        assert list(schema["properties"]) == list(expected), style
        for name in ("data", "thumb"):  # pydantic says format base64url; FastAPI's own bytes schema, contentEncoding
            field = resolve(doc, schema["properties"][name])
            assert field["type"] == "string" and (field.get("format") == "base64url" or
                                                  field.get("contentEncoding") == "base64"), (style, schema)
