"""The two row styles (`rows = "model" | "tuple"`): same functions, same values, same JSON.

One project (plain table rows, a query's own row class, sqlc.embed rows, an optional embedded
row from a LEFT JOIN, fields named like BaseModel attributes) is generated in both styles for
SQLite and for PostgreSQL, and every query function of both is called on the same data on a
real SQLite file and a real PostgreSQL server, sync and async. Model rows must equal tuple rows
field for field; bad values stored in the database must raise in both.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import generate, import_module, imported, make_project, run_cli

SCHEMA = """
CREATE TABLE authors (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    schema TEXT,
    model_kind TEXT,
    born TIMESTAMP
);
CREATE TABLE books (
    id INTEGER PRIMARY KEY,
    author_id INTEGER NOT NULL REFERENCES authors (id),
    title TEXT NOT NULL,
    rating DOUBLE PRECISION,
    published_at TIMESTAMP
);
"""

QUERIES = """
-- name: GetAuthor :one
SELECT * FROM authors WHERE id = sqlc.arg(id);

-- name: ListAuthors :many
SELECT * FROM authors ORDER BY id;

-- name: ListTitles :many
SELECT id, title, rating FROM books ORDER BY id;

-- name: GetBookWithAuthor :one
SELECT sqlc.embed(books), sqlc.embed(authors)
FROM books JOIN authors ON authors.id = books.author_id
WHERE books.id = sqlc.arg(id);

-- name: ListBooksWithAuthors :many
SELECT sqlc.embed(books), sqlc.embed(authors), books.title AS shout
FROM books JOIN authors ON authors.id = books.author_id
ORDER BY books.id;

-- name: ListAuthorsWithBooks :many
SELECT sqlc.embed(authors), sqlc.embed(books)
FROM authors LEFT JOIN books ON books.author_id = authors.id
ORDER BY authors.id, books.id;
"""

# (function, keyword arguments) called on both packages; ids exist when rows were drawn
CALLS = [("get_author", {"id": 1}), ("get_author", {"id": 10**6}), ("list_authors", {}), ("list_titles", {}),
         ("get_book_with_author", {"id": 1}), ("get_book_with_author", {"id": 10**6}),
         ("list_books_with_authors", {}), ("list_authors_with_books", {})]


def plain(value: Any) -> Any:
    """A result as plain data: model rows and tuple rows both become {column: value}.

    A model field named like a BaseModel attribute (schema) is schema_ with the serialization
    alias schema; a NamedTuple field keeps the name.
    """
    if isinstance(value, pydantic.BaseModel):
        fields = type(value).model_fields
        return {fields[name].serialization_alias or name: plain(v) for name, v in value.__dict__.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return {name: plain(v) for name, v in zip(value._fields, value)}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def check_style(value: Any, style: str, models: ModuleType) -> None:
    """Every row (embedded ones too) is of the style asked for; model rows are frozen."""
    if isinstance(value, list):
        for v in value:
            check_style(v, style, models)
        return
    if value is None:
        return
    if style == "model":
        assert isinstance(value, pydantic.BaseModel) and not isinstance(value, tuple)
        assert value.model_fields_set == set(type(value).model_fields)
        with pytest.raises(pydantic.ValidationError):
            setattr(value, next(iter(type(value).model_fields)), None)
        children = value.__dict__.values()
    else:
        assert isinstance(value, tuple) and hasattr(value, "_fields")
        children = value
    for child in children:
        if isinstance(child, (pydantic.BaseModel, tuple)):
            assert type(child).__module__ == models.__name__
            check_style(child, style, models)


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[str, str], ModuleType]]:
    """{(engine, style): the generated package}, async modules included."""
    found: dict[tuple[str, str], ModuleType] = {}
    with contextlib.ExitStack() as stack:
        for engine in ("sqlite", "postgresql"):
            for style in ("model", "tuple"):
                root = tmp_path_factory.mktemp(f"rows_{engine}_{style}")
                out = generate(root, {"1.sql": SCHEMA}, {"library.sql": QUERIES}, out=f"lib_{engine}_{style}",
                               engine=engine, emit_async=True, extra=f'rows = "{style}"')
                found[engine, style] = stack.enter_context(imported(out))
        yield found


def insert(conn: Any, authors: list[tuple[Any, ...]], books: list[tuple[Any, ...]], mark: str) -> None:
    for table, rows in (("authors", authors), ("books", books)):
        for row in rows:
            conn.execute(f"INSERT INTO {table} VALUES ({', '.join([mark] * 5)})", row)


def call_all(package: ModuleType, conn: Any) -> list[Any]:
    queries = import_module(package, "queries.library")
    return [getattr(queries, name)(conn, **kwargs) for name, kwargs in CALLS]


def call_all_async(package: ModuleType, conn: Any) -> list[Any]:
    aio = import_module(package, "aio.library")

    async def main() -> list[Any]:
        return [await getattr(aio, name)(conn, **kwargs) for name, kwargs in CALLS]
    return asyncio.run(main())


texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
moments = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1))


@st.composite
def library(draw: st.DrawFn) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    n_authors = draw(st.integers(1, 5))
    authors = [(i + 1, draw(texts), draw(st.none() | texts), draw(st.none() | texts), draw(st.none() | moments))
               for i in range(n_authors)]
    books = [(i + 1, draw(st.integers(1, n_authors)), draw(texts),
              draw(st.none() | st.floats(allow_nan=False, allow_infinity=False, width=32)), draw(st.none() | moments))
             for i in range(draw(st.integers(0, 6)))]
    return authors, books


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=library())
def test_model_rows_equal_tuple_rows_on_sqlite(packages: dict[tuple[str, str], ModuleType], tmp_path: Path,
                                               data: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]) -> None:
    authors, books = data
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA)
    # SQLite keeps what sqlite3 binds: a datetime as its ISO text, which the rows parse back
    insert(conn, [a[:4] + (None if a[4] is None else a[4].isoformat(sep=" "),) for a in authors],
           [b[:4] + (None if b[4] is None else b[4].isoformat(sep=" "),) for b in books], "?")
    model = call_all(packages["sqlite", "model"], conn)
    as_tuples = call_all(packages["sqlite", "tuple"], conn)
    check_style(model, "model", import_module(packages["sqlite", "model"], "models"))
    check_style(as_tuples, "tuple", import_module(packages["sqlite", "tuple"], "models"))
    assert plain(model) == plain(as_tuples)
    listed = plain(model[2])
    assert [(a["id"], a["name"], a["schema"], a["model_kind"], a["born"]) for a in listed] == authors
    with_books = model[7]
    assert len(with_books) == sum(max(1, sum(b[1] == a[0] for b in books)) for a in authors)
    assert all((row.books is None) == (not any(b[1] == row.authors.id for b in books)) for row in with_books)
    conn.close()


def sample() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    born = dt.datetime(1970, 5, 6, 7, 8, 9, 123456)
    authors = [(1, "Ann", '{"a": 1}', "k", born), (2, "Bob", None, None, None), (3, "Cy", None, None, None)]
    books = [(1, 1, "One", 4.5, born), (2, 1, "Two", None, None), (3, 2, "Three", 1.0, None)]
    return authors, books


def test_async_rows_on_sqlite(packages: dict[tuple[str, str], ModuleType], tmp_path: Path) -> None:
    import aiosqlite

    path = tmp_path / "lib.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript(SCHEMA)
        authors, books = sample()
        insert(conn, [a[:4] + (None if a[4] is None else a[4].isoformat(sep=" "),) for a in authors],
               [b[:4] + (None if b[4] is None else b[4].isoformat(sep=" "),) for b in books], "?")
        expected = plain(call_all(packages["sqlite", "model"], conn))
    results = {}
    for style in ("model", "tuple"):
        async def main(style: str = style) -> list[Any]:
            async with aiosqlite.connect(path) as aconn:
                aio = import_module(packages["sqlite", style], "aio.library")
                return [await getattr(aio, name)(aconn, **kwargs) for name, kwargs in CALLS]
        results[style] = asyncio.run(main())
        check_style(results[style], style, import_module(packages["sqlite", style], "models"))
        assert plain(results[style]) == expected


def test_rows_on_postgresql_sync_and_async(packages: dict[tuple[str, str], ModuleType], postgres_url: str) -> None:
    authors, books = sample()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(SCHEMA)
        insert(conn, authors, books, "%s")
        results = {style: call_all(packages["postgresql", style], conn) for style in ("model", "tuple")}

    async def run_async(style: str) -> list[Any]:
        aconn = await psycopg.AsyncConnection.connect(postgres_url, autocommit=True)
        try:
            aio = import_module(packages["postgresql", style], "aio.library")
            return [await getattr(aio, name)(aconn, **kwargs) for name, kwargs in CALLS]
        finally:
            await aconn.close()

    for style in ("model", "tuple"):
        check_style(results[style], style, import_module(packages["postgresql", style], "models"))
        async_results = asyncio.run(run_async(style))
        check_style(async_results, style, import_module(packages["postgresql", style], "models"))
        assert plain(async_results) == plain(results[style])
    assert plain(results["model"]) == plain(results["tuple"])
    assert results["model"][0].born == authors[0][4] and results["model"][0].schema_ == '{"a": 1}'
    assert [(r.books.title if r.books else None) for r in results["model"][7]] == ["One", "Two", "Three", None]


def test_model_rows_work_as_pydantic_built_models(packages: dict[tuple[str, str], ModuleType]) -> None:
    """Model rows are built inside pydantic-core from positional rows (ModelRows): each is what the
    class's own validator would build from the same values, copies and pickles like one, and the
    field-name set the rows of a class share refuses changes instead of changing every row."""
    import copy
    import pickle

    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA)
    authors, books = sample()
    insert(conn, [a[:4] + (None if a[4] is None else a[4].isoformat(sep=" "),) for a in authors],
           [b[:4] + (None if b[4] is None else b[4].isoformat(sep=" "),) for b in books], "?")
    queries = import_module(packages["sqlite", "model"], "queries.library")
    rows = queries.list_authors(conn) + queries.list_books_with_authors(conn)
    for row in rows:
        model = type(row)
        assert model.__pydantic_complete__ is True  # put back after the reader was built
        assert model.model_validate(row.model_dump()) == row
        assert row.model_dump(exclude_unset=True) == row.model_dump()
        assert copy.copy(row) == row and copy.deepcopy(row) == row and pickle.loads(pickle.dumps(row)) == row
        changed = row.model_copy(update={"id": 99} if "id" in model.model_fields else {})
        assert type(changed.model_fields_set) is set and changed.model_fields_set >= row.model_fields_set
        with pytest.raises(TypeError, match="share one model_fields_set"):
            row.model_fields_set.add("x")
        assert row.model_fields_set == set(model.model_fields)
    assert rows[0].model_fields_set is rows[1].model_fields_set
    first = queries.get_author(conn, id=1)
    assert first == rows[0] and first.model_fields_set is rows[0].model_fields_set
    conn.close()


def test_readers_built_at_once_in_two_threads_leave_the_model_complete(
        packages: dict[tuple[str, str], ModuleType], monkeypatch: pytest.MonkeyPatch) -> None:
    """The first requests of a threaded server build readers of one model class at once. A reader
    marks the class incomplete while it builds its validator; the mark is changed under one lock,
    so a second builder never saves the first one's temporary mark and puts it back for good.

    Forced order: the second thread is let into its build while the first is inside its own, and
    held there until the first is done. Under a shared lock it cannot get in, and the class ends
    complete; without one (pydantic 2.11 has no rebuild lock to borrow) it saved the temporary
    mark and ended the class incomplete."""
    runtime = import_module(packages["sqlite", "model"], "_runtime")
    model = import_module(packages["sqlite", "model"], "models").Author
    real = runtime.pydantic_core.SchemaValidator
    second_inside, first_done = threading.Event(), threading.Event()
    first_call: list[bool] = []

    def second_builder() -> None:
        runtime.ModelRows(model).many([])

    second = threading.Thread(target=second_builder)

    def schema_validator(schema: Any, *args: Any) -> Any:
        if threading.current_thread() is second:
            second_inside.set()
            first_done.wait(5)
        elif not first_call:
            first_call.append(True)
            second.start()
            second_inside.wait(0.5)  # under a shared lock the second thread waits at the lock instead
        return real(schema, *args)

    monkeypatch.setattr(runtime.pydantic_core, "SchemaValidator", schema_validator)
    try:
        runtime.ModelRows(model).many([])
    finally:
        first_done.set()
        if first_call:
            second.join(10)
    assert first_call and not second.is_alive()
    assert model.__pydantic_complete__ is True


def test_bad_stored_values_raise_in_both_styles(packages: dict[tuple[str, str], ModuleType]) -> None:
    """Every value is validated: text where a number belongs fails, in a plain row and an embedded one."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA)
    insert(conn, [(1, "Ann", None, None, "not a time")], [(1, 1, "One", "not a number", None)], "?")
    for style in ("model", "tuple"):
        queries = import_module(packages["sqlite", style], "queries.library")
        for call in (lambda: queries.get_author(conn, id=1), lambda: queries.list_authors(conn),
                     lambda: queries.list_titles(conn), lambda: queries.get_book_with_author(conn, id=1),
                     lambda: queries.list_books_with_authors(conn), lambda: queries.list_authors_with_books(conn)):
            with pytest.raises(pydantic.ValidationError):
                call()
    conn.close()


def test_json_output_is_objects_with_column_names(packages: dict[tuple[str, str], ModuleType]) -> None:
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA)
    insert(conn, [(1, "Ann", "{}", "k", "2001-02-03 04:05:06")], [(1, 1, "One", 2.5, None)], "?")
    dumped = {}
    for style in ("model", "tuple"):
        queries = import_module(packages["sqlite", style], "queries.library")
        row = queries.get_book_with_author(conn, id=1)
        rows = queries.list_authors(conn)
        adapter = pydantic.TypeAdapter(type(row))
        dumped[style] = (adapter.dump_python(row, mode="json"),
                         pydantic.TypeAdapter(list[type(rows[0])]).dump_python(rows, mode="json"))  # type: ignore[misc]
        schema = adapter.json_schema(mode="serialization")
        assert schema["type"] == "object" and list(schema["properties"]) == ["books", "authors"], schema
    assert dumped["model"] == dumped["tuple"]
    assert dumped["model"] == (
        {"books": {"id": 1, "author_id": 1, "title": "One", "rating": 2.5, "published_at": None},
         "authors": {"id": 1, "name": "Ann", "schema": "{}", "model_kind": "k", "born": "2001-02-03T04:05:06"}},
        [{"id": 1, "name": "Ann", "schema": "{}", "model_kind": "k", "born": "2001-02-03T04:05:06"}])
    conn.close()


def test_unknown_row_style_is_a_config_error(tmp_path: Path) -> None:
    make_project(tmp_path, {"1.sql": SCHEMA}, {"library.sql": QUERIES}, extra='rows = "dataclass"')
    result = run_cli(tmp_path)
    assert result.code != 0 and "Traceback" not in result.stderr
    line = (tmp_path / "pyproject.toml").read_text().splitlines().index('rows = "dataclass"') + 1
    assert result.errors == [f"{tmp_path / 'pyproject.toml'}:{line}:1: error: 'rows' must be one of 'model', "
                             "'tuple', not 'dataclass'"], result.stderr
    assert not (tmp_path / "gen").exists()


def test_both_styles_pass_mypy_strict(packages: dict[tuple[str, str], ModuleType], tmp_path: Path) -> None:
    folders = [str(Path(p.__file__).parent) for p in packages.values()]  # type: ignore[arg-type]
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir",
                             str(tmp_path / "cache"), *folders], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


# Column names a row field cannot take as they are: keywords, builtins and modules the generated
# code names, BaseModel and tuple attributes, names that are no identifier, and plain ones.
ODD_COLUMNS = ["class", "from", "import", "match", "None", "str", "int", "list", "dict", "json", "uuid", "datetime",
               "typing", "pydantic", "schema", "copy", "validate", "model_dump", "model_config", "count", "index",
               "Weird Name", "_private", "__dunder", "1st", "é", "name", "userId", "type", "id"]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(columns=st.lists(st.sampled_from(ODD_COLUMNS), min_size=1, max_size=6, unique_by=str.lower),
       values=st.lists(st.none() | texts, min_size=6, max_size=6))
def test_json_keys_are_column_names_in_both_styles(tmp_path_factory: pytest.TempPathFactory, columns: list[str],
                                                   values: list[str | None]) -> None:
    """A field renamed from its column (class -> class_, json -> json_, schema -> schema_) writes
    its column's name as its JSON key, in both styles, in the JSON schema too; a row of either
    style reads its own JSON back. Before, only BaseModel attributes kept their column's name: a `json` or
    `uuid` column came out of a FastAPI endpoint as "json_", "uuid_", a `class` column as "class_"."""
    quoted = [f'"{c}"' for c in columns]
    schema = f"CREATE TABLE t ({', '.join(q + ' TEXT' for q in quoted)});"
    # A second query reads the first column twice: the copy's field cannot also answer to its name.
    queries = (f"-- name: GetT :one\nSELECT * FROM t;\n\n"
               f"-- name: Twice :one\nSELECT {', '.join(quoted)}, {quoted[0]} FROM t;\n")
    row_values = values[:len(columns)]
    expected = dict(zip(columns, row_values))
    dumped = {}
    for style in ("model", "tuple"):
        root = tmp_path_factory.mktemp(f"keys_{style}")
        out = generate(root, {"1.sql": schema}, {"t.sql": queries}, out=f"keys_{style}", extra=f'rows = "{style}"')
        with imported(out) as package:
            queries_module = import_module(package, "queries.t")
            conn = sqlite3.connect(":memory:")
            conn.execute(schema)
            conn.execute(f"INSERT INTO t VALUES ({', '.join('?' * len(columns))})", row_values)
            row, twice = queries_module.get_t(conn), queries_module.twice(conn)
            conn.close()
            adapter = pydantic.TypeAdapter(type(row))
            assert adapter.dump_python(row, mode="json") == expected
            assert list(adapter.json_schema(mode="serialization")["properties"]) == columns
            twice_json = pydantic.TypeAdapter(type(twice)).dump_python(twice, mode="json")
            assert len(twice_json) == len(columns) + 1  # no key lost to the duplicate
            assert {k: twice_json[k] for k in columns} == expected
            assert adapter.validate_json(adapter.dump_json(row)) == row  # reads back what it writes
            dumped[style] = (adapter.dump_json(row), pydantic.TypeAdapter(type(twice)).dump_json(twice))
    assert dumped["model"] == dumped["tuple"]


def test_renamed_fields_construct_by_field_name_under_mypy(tmp_path: Path) -> None:
    """A renamed model field's JSON key is its validation and serialization alias, not `alias=`:
    type checkers take `alias=` as the constructor's keyword (PEP 681), and `class` or `Weird Name`
    can be none. Rows of both styles are built by field name, checked by mypy --strict and run."""
    schema = f"CREATE TABLE t ({', '.join(chr(34) + c + chr(34) + ' TEXT' for c in ODD_COLUMNS)});"
    lines = []
    for style in ("model", "tuple"):
        out = generate(tmp_path / style, {"1.sql": schema}, {"t.sql": "-- name: GetT :one\nSELECT * FROM t;\n"},
                       out=f"names_{style}", extra=f'rows = "{style}"')
        with imported(out) as package:
            row_class = import_module(package, "models").T
            fields = list(row_class.model_fields if style == "model" else row_class._fields)
        arguments = ", ".join(f"{name}='{column}'" for name, column in zip(fields, ODD_COLUMNS))
        lines += [f"import names_{style}.models", f"{style} = names_{style}.models.T({arguments})",
                  f"assert pydantic.TypeAdapter(names_{style}.models.T).dump_python({style}) == "
                  f"{{c: c for c in {ODD_COLUMNS!r}}}"]
    user = tmp_path / "user.py"
    user.write_text("import pydantic\n" + "\n".join(lines) + "\nassert model.model_dump() != {}\n")
    env = {**__import__("os").environ, "PYTHONPATH": f"{tmp_path / 'model'}:{tmp_path / 'tuple'}"}
    checked = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir",
                              str(tmp_path / "cache"), str(user)], capture_output=True, text=True, env=env,
                             timeout=600)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    ran = subprocess.run([sys.executable, str(user)], capture_output=True, text=True, env=env, timeout=60)
    assert ran.returncode == 0, ran.stderr
