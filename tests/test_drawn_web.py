"""Rows meet the web: drawn values of every column type a web app returns, written through the
generated INSERT into a real SQLite file and a real PostgreSQL server, read back by the generated
functions into every kind of row class (table, view, a query's own shape, sqlc.embed through a LEFT
JOIN), in both row styles, and returned from a real FastAPI app (TestClient): single, list, nested,
and sent back as a request body. tests/drawn_web.py has the table and the queries.

The row the generated code reads from the database is the oracle. An example fails when:
  - an endpoint answers other than 200 (FastAPI validates and serializes the row);
  - the body does not validate against the app's own OpenAPI document (jsonschema, draft 2020-12,
    which OpenAPI 3.1 uses), or the row's own JSON does not validate against its JSON schema
    (serialization mode for a response, validation mode for a request body);
  - the body, validated back into the row class (as a client using the same package would), is not
    the row read from the database; nor the row validated from its own model_dump()/_asdict(),
    nor a model_copy() of it;
  - the row posted as a request body, written through the generated INSERT and read back, is not
    the row it was made from.
No `from __future__ import annotations`: FastAPI reads the endpoints' annotations.
Figures: `DRAWN_WEB_EXAMPLES=N` (default 12 per engine and row style); `-s` prints them.
"""

import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Annotated, Any

import jsonschema
import pydantic
import pytest
from fastapi import Body, FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import drawn_web as dw

EXAMPLES = int(os.environ.get("DRAWN_WEB_EXAMPLES", "12"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, report_multiple_bugs=False, suppress_health_check=list(HealthCheck))
FIGURES: Counter[str] = Counter()


def _app(models: ModuleType, q: ModuleType, conn: Any) -> FastAPI:
    app = FastAPI()

    @app.get("/things/{thing_id}")
    def get_thing(thing_id: int) -> models.Thing:  # type: ignore[name-defined]
        return q.get_thing(conn, id=thing_id)

    @app.get("/things")
    def list_things() -> list[models.Thing]:  # type: ignore[name-defined]
        return q.list_things(conn)  # type: ignore[no-any-return]

    @app.get("/view/{thing_id}")
    def get_view(thing_id: int) -> q.GetThingViewRow:  # type: ignore[name-defined]
        return q.get_thing_view(conn, id=thing_id)

    @app.get("/shape/{thing_id}")
    def get_shape(thing_id: int) -> q.GetShapeRow:  # type: ignore[name-defined]
        return q.get_shape(conn, id=thing_id)

    @app.get("/owners/{owner_id}/things")
    def owner_things(owner_id: int) -> list[q.GetOwnerThingsRow]:  # type: ignore[name-defined]
        return q.get_owner_things(conn, id=owner_id)  # type: ignore[no-any-return]

    @app.post("/things")
    def post_thing(thing: Annotated[models.Thing, Body()]) -> models.Thing:  # type: ignore[name-defined]
        values = list(thing)[2:] if isinstance(thing, tuple) else [getattr(thing, f) for f in
                                                                    list(type(thing).model_fields)[2:]]
        new_id = q.put_thing(conn, owner_id=_field(thing, 1), **{f"p{k}": v for k, v in enumerate(values)})
        return q.get_thing(conn, id=new_id)

    return app


def _field(row: Any, position: int) -> Any:
    return row[position] if isinstance(row, tuple) else getattr(row, list(type(row).model_fields)[position])


@pytest.fixture(scope="module", params=[(e, s) for e in ("sqlite", "postgresql") for s in ("model", "tuple")],
                ids=lambda p: "-".join(p))
def web(request: pytest.FixtureRequest) -> Iterator[dw.Web]:
    engine, style = request.param
    FIGURES.clear()
    with dw.served(request, engine, style, "drawn_web", dw.queries(engine), _app, dw.Web) as web:
        yield web
    print(f"\ndrawn web ({engine}, {style}): " + "; ".join(f"{k} {v}" for k, v in sorted(FIGURES.items())))


def _fill(web: dw.Web, data: st.DataObject) -> tuple[int, list[int]]:
    """An owner and 0-2 things of it (and maybe one of no owner), drawn values written through the
    generated INSERTs; (owner id, thing ids)."""
    web.conn.execute("DELETE FROM things")
    web.conn.execute("DELETE FROM owners")
    owner = web.q.put_owner(web.conn, **{f"p{k}": data.draw(c.values, label=c.name)
                                         for k, c in enumerate(dw.OWNER_COLUMNS[web.engine])})
    ids = []
    for n in range(data.draw(st.integers(0, 2), label="things")):
        values = {f"p{k}": data.draw(st.none() | c.values, label=c.name)
                  for k, c in enumerate(dw.COLUMNS[web.engine])}
        ids.append(web.q.put_thing(web.conn, owner_id=owner if n == 0 or data.draw(st.booleans()) else None,
                                   **values))
    return owner, ids


def _response_schema(web: dw.Web, method: str, path: str) -> Callable[[Any], None]:
    """A validator of path's 200 body against the app's own OpenAPI document."""
    operation = web.openapi["paths"][path][method]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    return jsonschema.Draft202012Validator({**schema, "components": web.openapi["components"]}).validate


def _get(web: dw.Web, path: str, template: str, expected: Any) -> Any:
    """GET path: 200, a body its OpenAPI schema admits, which reads back as `expected`."""
    response = web.client.get(path)
    assert response.status_code == 200, (path, response.text)
    body = response.json()
    _response_schema(web, "get", template)(body)
    adapter = pydantic.TypeAdapter(type(expected) if not isinstance(expected, list) else
                                   list[type(expected[0])] if expected else list[Any])
    # As JSON: validate_python(response.json()) would take a bytes field's base64 text for its bytes.
    back = adapter.validate_json(response.content)
    assert dw.same(back, expected), (path, body, back, expected)
    return body


def _own_json(row: Any) -> None:
    """The row's JSON validates against its class's JSON schema, both modes, and reads back as the row;
    the row rebuilt from its Python dump (and copied, for a model) is the row."""
    adapter = pydantic.TypeAdapter(type(row))
    written = adapter.dump_json(row)
    for mode in ("serialization", "validation"):
        jsonschema.Draft202012Validator(adapter.json_schema(mode=mode)).validate(json.loads(written))
    assert dw.same(adapter.validate_json(written), row), (row, written)
    if isinstance(row, tuple):
        assert dw.same(type(row)(**row._asdict()), row) and dw.same(adapter.validate_python(row), row)
    else:
        assert dw.same(type(row).model_validate(row.model_dump()), row), (row, row.model_dump())
        assert dw.same(row.model_copy(), row) and dw.same(type(row).model_validate(row), row)
        assert dw.same(type(row).model_validate_json(row.model_dump_json()), row)


@SETTINGS
@given(data=st.data())
def test_drawn_rows_answer_json_that_reads_back_as_the_row(web: dw.Web, data: st.DataObject) -> None:
    owner, ids = _fill(web, data)
    q, conn = web.q, web.conn
    things = q.list_things(conn)
    _get(web, "/things", "/things", things)
    for row in things:
        body = _get(web, f"/things/{row.id}", "/things/{thing_id}", row)
        _get(web, f"/view/{row.id}", "/view/{thing_id}", q.get_thing_view(conn, id=row.id))
        _get(web, f"/shape/{row.id}", "/shape/{thing_id}", q.get_shape(conn, id=row.id))
        for own in (row, q.get_thing_view(conn, id=row.id), q.get_shape(conn, id=row.id)):
            _own_json(own)
        # The row as a request body: validated by FastAPI, written by the generated INSERT, read back.
        posted = web.client.post("/things", json=body)
        assert posted.status_code == 200, (body, posted.text)
        again = q.get_thing(conn, id=_field(pydantic.TypeAdapter(type(row)).validate_python(posted.json()), 0))
        assert dw.same(_without_id(again), _without_id(row)), (row, again)
        FIGURES["posted back"] += 1
    embedded = q.get_owner_things(conn, id=owner)
    _get(web, f"/owners/{owner}/things", "/owners/{owner_id}/things", embedded)
    for row in embedded:
        _own_json(row)
    FIGURES[f"{len(ids)} things"] += 1


def _without_id(row: Any) -> Any:
    return row[1:] if isinstance(row, tuple) else {f: getattr(row, f) for f in list(type(row).model_fields)[1:]}
