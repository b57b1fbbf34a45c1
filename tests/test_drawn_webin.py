"""Values arriving from the web: generated functions called with what a real FastAPI app
(TestClient) took from requests, on a real SQLite file and a real PostgreSQL server, both row
styles. tests/drawn_webin.py has the queries and the client's encoder; tests/drawn_web.py the table
of every column type and its drawn values.

The app's endpoints take, per request:
  - a list of generated Params (`:copyfrom` and `:batchexec` bodies);
  - the row a GET answered, some fields replaced, PUT back into an UPDATE;
  - every parameter of the generated INSERT as a query-string parameter typed with its generated
    annotation (the columns a query string can carry);
  - sqlc.optional filters (a search) and sqlc.slice / ANY lists as query-string parameters.
The oracle is the database. An example fails when:
  - a request body does not validate against the app's own OpenAPI document (jsonschema);
  - an endpoint answers other than 200 (one returns model rows with no return annotation:
    FastAPI's jsonable_encoder), or its rows do not read back as the rows;
  - a row written from a request, read back raw by the driver, is not the row the generated
    INSERT writes with the client's values called directly (what the client sent);
  - a filtered read returns other ids than the rows whose values (read back) match the request's;
  - a row read back does not survive pickle, copy, deepcopy, hash and == as the same row; or a row
    changed by model_copy(update=...) (keyed by field name or JSON key) or a validated _replace()
    is not the row validated from its values with the new ones, or holds a value of a wrong type.
No `from __future__ import annotations`: FastAPI reads the endpoints' annotations.
Figures: `DRAWN_WEBIN_EXAMPLES=N` (default 8 per engine and row style); `-s` prints them.
"""

import copy
import functools
import decimal
import inspect
import os
import pickle
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Annotated, Any

import jsonschema
import pydantic
import pytest
from fastapi import Body, FastAPI, Query
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import drawn_web as dw
import drawn_webin as dwi

EXAMPLES = int(os.environ.get("DRAWN_WEBIN_EXAMPLES", "8"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, report_multiple_bugs=False,
                    suppress_health_check=list(HealthCheck))
FIGURES: Counter[str] = Counter()


@dataclass
class Web(dw.Web):
    @property
    def columns(self) -> tuple[dw.Column, ...]:
        return dwi.COLUMNS[self.engine]


def _query_endpoint(function: Callable[..., Any], conn: Any, keep: Callable[[str], bool],
                    lists: bool = False) -> Callable[..., Any]:
    """An endpoint taking the kept parameters of a generated function as query-string parameters,
    typed with their generated annotations (defaulting to None, or an empty list), the others None."""
    parameters = [p for name, p in inspect.signature(function).parameters.items() if name != "conn"]
    # Query(): FastAPI takes a list parameter without it for a request body.
    kept = [p.replace(default=Query([] if lists else None)) for p in parameters if keep(p.name)]
    dropped = [p.name for p in parameters if not keep(p.name)]

    def endpoint(**kwargs: Any) -> Any:
        return function(conn, **kwargs, **dict.fromkeys(dropped))

    endpoint.__signature__ = inspect.Signature(kept)  # type: ignore[attr-defined]
    return endpoint


def _app(engine: str, models: ModuleType, q: ModuleType, conn: Any) -> FastAPI:
    app = FastAPI()
    columns = dwi.COLUMNS[engine]

    @app.post("/copy")
    def copy_things(rows: list[q.CopyThingsParams]) -> int:  # type: ignore[name-defined]
        return q.copy_things(conn, rows)  # type: ignore[no-any-return]

    @app.post("/batch")
    def batch_things(rows: list[q.BatchThingsParams]) -> None:  # type: ignore[name-defined]
        q.batch_things(conn, rows)

    @app.get("/things/{thing_id}")
    def get_thing(thing_id: int) -> models.Thing:  # type: ignore[name-defined]
        return q.get_thing(conn, id=thing_id)

    @app.get("/plain/things")
    def plain_things():  # type: ignore[no-untyped-def]  # no return annotation: FastAPI's jsonable_encoder
        return q.list_things(conn)

    @app.put("/things/{thing_id}")
    def put_thing(thing_id: int, thing: Annotated[models.Thing, Body()]) -> models.Thing:  # type: ignore[name-defined]
        values = list(thing) if isinstance(thing, tuple) else [getattr(thing, f) for f in type(thing).model_fields]
        q.update_thing(conn, id=thing_id, owner_id=values[1], **{f"p{k}": v for k, v in enumerate(values[2:])})
        return q.get_thing(conn, id=thing_id)

    query_columns = {f"p{k}" for k, c in enumerate(columns) if dwi.in_query_string(c)}
    app.post("/query")(_query_endpoint(q.put_thing, conn, lambda name: name in query_columns))
    app.get("/search")(_query_endpoint(q.search_things, conn, lambda name: True))
    app.get("/in")(_query_endpoint(q.things_in, conn, lambda name: True, lists=True))
    return app


@pytest.fixture(scope="module", params=[(e, s) for e in ("sqlite", "postgresql") for s in ("model", "tuple")],
                ids=lambda p: "-".join(p))
def web(request: pytest.FixtureRequest) -> Iterator[Web]:
    engine, style = request.param
    FIGURES.clear()
    with dw.served(request, engine, style, "drawn_webin", dwi.queries(engine), functools.partial(_app, engine),
                   Web) as web:
        yield web
    print(f"\ndrawn webin ({engine}, {style}): " + "; ".join(f"{k} {v}" for k, v in sorted(FIGURES.items())))


def _raw(web: Web, thing_id: int) -> tuple[Any, ...]:
    """The row as the driver reads it, id left out: what the database holds."""
    mark = "%s" if web.engine == "postgresql" else "?"
    names = ", ".join(["owner_id"] + [c.name for c in web.columns])
    row = web.conn.execute(f"SELECT {names} FROM things WHERE id = {mark}", (thing_id,)).fetchone()
    return tuple(row)


def _direct(web: Web, values: list[Any]) -> tuple[Any, ...]:
    """What the generated INSERT, called directly with the values, makes the database hold."""
    new_id = web.q.put_thing(web.conn, owner_id=None, **{f"p{k}": v for k, v in enumerate(values)})
    held = _raw(web, new_id)
    web.conn.execute(f"DELETE FROM things WHERE id = {new_id}")
    return held


def _ids(web: Web) -> list[int]:
    return [row[0] for row in web.conn.execute("SELECT id FROM things ORDER BY id").fetchall()]


def _request_schema(web: Web, method: str, path: str) -> Callable[[Any], None]:
    operation = web.openapi["paths"][path][method]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    return jsonschema.Draft202012Validator({**schema, "components": web.openapi["components"]}).validate


def _params_json(web: Web, values: list[Any], urlsafe: bool) -> dict[str, Any]:
    return {"owner_id": None} | {f"p{k}": dwi.client_json(v, urlsafe) for k, v in enumerate(values)}


def _check_bulk(web: Web, path: str, sets: list[list[Any]], urlsafe: bool) -> None:
    """POST the sets as a list of Params: each row written is the row the direct INSERT writes."""
    body = [_params_json(web, values, urlsafe) for values in sets]
    _request_schema(web, "post", path)(body)
    before = set(_ids(web))
    response = web.client.post(path, json=body)
    assert response.status_code == 200, (path, response.text)
    written = [i for i in _ids(web) if i not in before]
    assert len(written) == len(sets), (path, written)
    for thing_id, values in zip(written, sets):
        assert dw.same(_raw(web, thing_id), _direct(web, values)), (path, values, _raw(web, thing_id))
    FIGURES[f"{path} rows"] += len(sets)


def _check_query_string(web: Web, values: list[Any]) -> None:
    # A function's Decimal argument is pydantic's Decimal, which refuses NaN and infinities (422): an
    # endpoint that takes them says so (Annotated[Decimal, pydantic.AllowInfNan()]). A row's field
    # and a Params field take them (README, "Values from the web").
    # FastAPI reads a list parameter repeated with any empty item (`texts=&texts=a`) as no parameter.
    values = [None if isinstance(v, decimal.Decimal) and not v.is_finite() or v == [] or
              isinstance(v, list) and "" in v else v for v in values]
    params = {f"p{k}": [dwi.query_text(item) for item in v] if isinstance(v, list) else dwi.query_text(v)
              for k, (c, v) in enumerate(zip(web.columns, values)) if dwi.in_query_string(c) and v is not None}
    response = web.client.post("/query", params=params)
    assert response.status_code == 200, (params, response.text)
    sent = [v if dwi.in_query_string(c) else None for c, v in zip(web.columns, values)]
    assert dw.same(_raw(web, response.json()), _direct(web, sent)), (params, _raw(web, response.json()))
    FIGURES["query-string rows"] += 1


def _key(column: dw.Column) -> str:
    return column.name.strip('"')


def _check_put_back(web: Web, thing_id: int, replaced: dict[int, Any], urlsafe: bool) -> None:
    """GET the row, replace some fields with the client's values, PUT it: the row updated holds what
    the direct INSERT of the row's other values and the new ones holds."""
    got = web.client.get(f"/things/{thing_id}")
    assert got.status_code == 200, got.text
    body = got.json() | {_key(web.columns[k]): dwi.client_json(v, urlsafe) for k, v in replaced.items()}
    _request_schema(web, "put", "/things/{thing_id}")(body)
    row = web.q.get_thing(web.conn, id=thing_id)
    values = list(row)[2:] if isinstance(row, tuple) else [getattr(row, f) for f in list(type(row).model_fields)[2:]]
    expected = _direct(web, [replaced.get(k, v) for k, v in enumerate(values)])
    response = web.client.put(f"/things/{thing_id}", json=body)
    assert response.status_code == 200, (body, response.text)
    assert dw.same(_raw(web, thing_id)[1:], expected[1:]), (body, _raw(web, thing_id), expected)
    FIGURES["rows put back"] += 1


def _as_python_value(row: Any) -> None:
    """A row a service keeps: pickled, copied, deep-copied, hashed, compared."""
    for other in (pickle.loads(pickle.dumps(row)), copy.copy(row), copy.deepcopy(row)):
        assert dw.same(other, row) and type(other) is type(row), (row, other)
        # == is Python's: a NaN is equal to no other NaN object (a pickled copy holds another),
        # and hashes by identity, so a row holding one may equal no copy of it (README, row styles).
        assert other == row or _holds_nan(row), (row, other)
        try:
            assert other != row or hash(other) == hash(row)
        except TypeError:  # a list or dict value (an array, JSON) is unhashable, in the copy too
            with pytest.raises(TypeError):
                hash(row)


def _check_changed_copy(web: Web, row: Any, replaced: dict[int, Any]) -> None:
    """A row changed as a service changes one (model_copy(update=...), keyed by JSON key as a PATCH
    body spells it; a tuple row's _replace() validated) is the row validated from its dump with the
    new values; a value of the wrong type is refused, never held."""
    fields = list(row._fields if isinstance(row, tuple) else type(row).model_fields)
    new = {fields[2 + k]: v for k, v in replaced.items()}
    adapter = pydantic.TypeAdapter(type(row))
    if isinstance(row, tuple):
        changed = adapter.validate_python(row._replace(**new))
        expected = adapter.validate_python(row._asdict() | new)
    else:
        changed = row.model_copy(update={_key(web.columns[k]): v for k, v in replaced.items()})
        expected = type(row).model_validate(dict(row) | new, by_name=True)
        assert dw.same(row.model_copy(update=new), expected), (row, new)
        wrong = next((f for f, info in type(row).model_fields.items() if info.annotation in (int | None, bool | None)),
                     None)
        if wrong is not None:
            with pytest.raises(pydantic.ValidationError):
                row.model_copy(update={wrong: "not a number"})
    assert dw.same(changed, expected), (row, new, changed)
    FIGURES["changed copies"] += 1


def _holds_nan(value: Any) -> bool:
    if isinstance(value, float) and value != value:
        return True
    if isinstance(value, decimal.Decimal):
        return value.is_nan()
    if isinstance(value, (tuple, list)):
        return any(map(_holds_nan, value))
    if isinstance(value, dict):
        return any(map(_holds_nan, value.values()))
    if isinstance(value, pydantic.BaseModel):
        return any(_holds_nan(getattr(value, f)) for f in type(value).model_fields)
    return False


# The columns each search filter compares, by the filter's parameter name.
_FILTERED = {"i": "i", "klass": '"class"', "b": "b", "d": "d", "e": "e", "tm": "tm"}


def _field_of(web: Web, column: str) -> str:
    fields = list(web.models.Thing._fields if web.style == "tuple" else web.models.Thing.model_fields)
    return fields[2 + [c.name for c in web.columns].index(column)]


def _check_filters(web: Web, data: st.DataObject) -> None:
    """Search by sqlc.optional filters, and by lists, from the query string: the ids answered are
    those of the rows whose values, read back, match."""
    rows = web.q.list_things(web.conn)
    by_filter = {name: _field_of(web, column) for name, column in _FILTERED.items()}
    filters = {}
    for name, field in by_filter.items():
        if data.draw(st.booleans(), label=f"filter {name}"):
            chosen = getattr(data.draw(st.sampled_from(rows)), field)
            if chosen is not None:
                filters[name] = chosen
    response = web.client.get("/search", params={k: dwi.query_text(v) for k, v in filters.items()})
    assert response.status_code == 200, (filters, response.text)
    expected = [r.id for r in rows if all(getattr(r, by_filter[k]) == v for k, v in filters.items())]
    assert response.json() == expected, (filters, response.json(), expected)
    FIGURES[f"searches by {len(filters)}"] += 1
    lists = {name: (_field_of(web, column), data.draw(st.lists(
        st.sampled_from([getattr(r, _field_of(web, column)) for r in rows]) | column_values, max_size=3),
        label=f"list {name}")) for name, column, column_values in dwi.list_filters(web.engine)}
    lists = {name: (field, [v for v in values if v is not None]) for name, (field, values) in lists.items()}
    response = web.client.get("/in", params={k: [dwi.query_text(v) for v in values]
                                             for k, (_, values) in lists.items()})
    assert response.status_code == 200, (lists, response.text)
    expected = [r.id for r in rows if any(getattr(r, field) in values for field, values in lists.values())]
    assert response.json() == expected, (lists, response.json(), expected)
    FIGURES["list searches"] += 1


@SETTINGS
@given(data=st.data())
def test_drawn_request_values_are_what_the_database_holds(web: Web, data: st.DataObject) -> None:
    web.conn.execute("DELETE FROM things")
    urlsafe = data.draw(st.booleans(), label="urlsafe base64")
    values = dwi.thing_values(web.engine)
    _check_bulk(web, "/copy", data.draw(st.lists(values, min_size=1, max_size=2), label="copy"), urlsafe)
    _check_bulk(web, "/batch", data.draw(st.lists(values, min_size=1, max_size=2), label="batch"), urlsafe)
    _check_query_string(web, data.draw(values, label="query string"))
    ids = _ids(web)
    thing_id = data.draw(st.sampled_from(ids), label="put back")
    replaced = {k: data.draw(st.none() | c.values, label=f"new {c.name}") for k, c in enumerate(web.columns)
                if data.draw(st.booleans(), label=f"replace {c.name}")}
    _check_put_back(web, thing_id, replaced, urlsafe)
    rows = web.q.list_things(web.conn)
    for row in rows:
        _as_python_value(row)
    if web.style == "model":  # a tuple row without a return annotation is FastAPI's array of values
        plain = web.client.get("/plain/things")
        assert plain.status_code == 200, plain.text
        assert dw.same(pydantic.TypeAdapter(list[web.models.Thing]).validate_json(plain.content), rows), plain.text
        FIGURES["rows answered unannotated"] += len(rows)
    _check_changed_copy(web, web.q.get_thing(web.conn, id=thing_id), replaced)
    _check_filters(web, data)
