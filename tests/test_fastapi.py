"""Generated rows returned from a real FastAPI app (TestClient), for both row styles.

Endpoints return a row, a list of rows and a row with an embedded row, annotated with the
generated classes; the JSON bodies must be objects keyed by column name and the OpenAPI
document must describe them as such. No `from __future__ import annotations` here: FastAPI
reads the endpoints' annotations, which name classes local to the app factory.
"""

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient

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
