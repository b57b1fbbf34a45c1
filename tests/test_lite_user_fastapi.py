"""A SQLite user's FastAPI app returning generated rows (model style, the default), sync and
aiosqlite endpoints: a table with every kind of SQLite column, a BLOB among them.

A BLOB holding anything but UTF-8 text (an image, a hash) made the response fail: pydantic writes
bytes into JSON as UTF-8 text and raises on other bytes, so the endpoint answered 500. A model
with a bytes field now writes and reads them as base64, and the JSON round-trips to the row."""

import datetime
import decimal
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import aiosqlite
import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import generate, import_module, imported

SCHEMA = {
    "0001_files.up.sql": """\
        CREATE TABLE owners (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE files (
            id INTEGER PRIMARY KEY,
            owner_id INTEGER REFERENCES owners(id),
            name TEXT NOT NULL,
            data BLOB NOT NULL,
            thumb BLOB,
            size DECIMAL NOT NULL,
            public BOOLEAN NOT NULL DEFAULT 0,
            kind TEXT NOT NULL CHECK (kind IN ('image', 'doc')),
            taken DATE,
            uploaded_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
            tags JSON
        );
        """,
    "0001_files.down.sql": "DROP TABLE files;\nDROP TABLE owners;\n",
}
QUERIES = {"files.sql": """\
    -- name: AddOwner :one
    INSERT INTO owners (name) VALUES (?) RETURNING id;

    -- name: AddFile :one
    INSERT INTO files (owner_id, name, data, thumb, size, public, kind, taken, tags)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *;

    -- name: GetFile :one
    SELECT * FROM files WHERE id = ?;

    -- name: ListFiles :many
    SELECT id, name, data, length(data) AS bytes_long FROM files ORDER BY id;

    -- name: FileWithOwner :one
    SELECT sqlc.embed(files), sqlc.embed(owners) FROM files LEFT JOIN owners ON owners.id = files.owner_id
    WHERE files.id = ?;
    """}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, ModuleType, ModuleType, Path]]:
    root = tmp_path_factory.mktemp("fastapi_user")
    out = generate(root, SCHEMA, QUERIES, emit_async=True)
    with imported(out) as package:
        migrations = import_module(package, "migrations")
        db = root / "app.db"
        migrations.migrate(str(db), backup=False)
        yield import_module(package, "queries.files"), import_module(package, "aio.files"), \
            import_module(package, "models"), db


def app_for(sync: ModuleType, aio: ModuleType, models: ModuleType, db: Path) -> FastAPI:
    app = FastAPI()  # annotations evaluated now (no __future__ import): FastAPI reads them
    file_row, list_row, nested_row = models.File, sync.ListFilesRow, sync.FileWithOwnerRow

    @app.get("/files/{file_id}")
    def get_file(file_id: int) -> file_row:  # type: ignore[valid-type]
        with sqlite3.connect(db) as conn:
            found = sync.get_file(conn, id=file_id)
        if found is None:
            raise HTTPException(404)
        return found

    @app.get("/files")
    async def list_files() -> list[list_row]:  # type: ignore[valid-type]
        async with aiosqlite.connect(db) as conn:
            return await aio.list_files(conn)

    @app.get("/files/{file_id}/with-owner")
    async def with_owner(file_id: int) -> nested_row:  # type: ignore[valid-type]
        async with aiosqlite.connect(db) as conn:
            found = await aio.file_with_owner(conn, id=file_id)
        if found is None:
            raise HTTPException(404)
        return found

    return app


files_drawn = st.fixed_dictionaries({
    "name": st.text(max_size=8),
    "data": st.binary(max_size=16),
    "thumb": st.none() | st.binary(max_size=8),
    "size": st.integers(0, 2**53).map(decimal.Decimal),
    "public": st.booleans(),
    "kind": st.sampled_from(["image", "doc"]),
    "taken": st.none() | st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31)),
    "tags": st.none() | st.lists(st.text(max_size=4), max_size=3),
    "owned": st.booleans(),
})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=files_drawn)
def test_endpoints_return_rows_with_blobs_as_json_that_reads_back(files: tuple[ModuleType, ...],
                                                                   drawn: dict[str, Any]) -> None:
    sync, aio, models, db = files
    owned = drawn.pop("owned")
    with sqlite3.connect(db) as conn:
        owner_id = sync.add_owner(conn, name="ada") if owned else None
        row = sync.add_file(conn, owner_id=owner_id, **drawn)
    client = TestClient(app_for(sync, aio, models, db))

    got = client.get(f"/files/{row.id}")
    assert got.status_code == 200, got.text
    assert models.File.model_validate_json(got.text) == row
    assert type(row.data) is bytes and row.data == drawn["data"]

    listed = client.get("/files")
    assert listed.status_code == 200, listed.text
    mine = [r for r in listed.json() if r["id"] == row.id]
    back_listed = sync.ListFilesRow.model_validate_json(json.dumps(mine[0]))
    assert (back_listed.data, back_listed.bytes_long) == (drawn["data"], len(drawn["data"]))

    nested = client.get(f"/files/{row.id}/with-owner")
    assert nested.status_code == 200, nested.text
    back = sync.FileWithOwnerRow.model_validate_json(nested.text)
    assert back.files == row and (back.owners is None) == (not owned)
    schema = client.get("/openapi.json").json()["components"]["schemas"]["File"]["properties"]["data"]
    assert schema["type"] == "string" and "base64" in schema.get("format", schema.get("contentEncoding", ""))
