"""The bugs tests/test_drawn_overrides.py found in configured Python types (`overrides`), each
pinned on a real SQLite file or a real PostgreSQL server; every test failed before its fix."""

from __future__ import annotations

import datetime as dt
import decimal
import sqlite3
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest

from _support import generate, import_module, imported, make_project, run_cli
from drawn_overrides import USER_MODULE, USER_MODULE_NAME

SQLITE_SCHEMA = """
CREATE TABLE t (
  id INTEGER PRIMARY KEY,
  shape TEXT, size TEXT, rank INTEGER, address JSON, token BLOB, amount TEXT
);
"""
SQLITE_QUERIES = """
-- name: Put :one
INSERT INTO t (shape, size, rank, address, token, amount) VALUES (?, ?, ?, ?, ?, ?) RETURNING *;
-- name: ByShape :many
SELECT id FROM t WHERE shape IN (sqlc.slice(shapes));
"""
PG_SCHEMA = """
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE t (
  id bigserial PRIMARY KEY,
  shape text, size varchar(4), rank bigint, address jsonb, note json, token bytea, amount text,
  labels text[], mood mood, n int4, at timestamptz
);
CREATE VIEW t_view AS SELECT * FROM t;
"""
PG_QUERIES = """
-- name: Put :one
INSERT INTO t (shape, size, rank, address, note, token, amount, labels, mood, n, at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *;
-- name: FromView :one
SELECT * FROM t_view WHERE id = $1;
-- name: Embedded :one
SELECT sqlc.embed(t), t.address AS again FROM t WHERE id = $1;
"""


def overrides(columns: dict[str, str], **extra: str) -> str:
    lines = [f'  {{column = "{c if "." in c else "t." + c}", python_type = "{p}"}},' for c, p in columns.items()]
    lines += [f'  {{sql_type = "{s}", python_type = "{p}"}},' for s, p in extra.items()]
    return "overrides = [\n" + "\n".join(lines) + "\n]\n"


SQLITE_OVERRIDES = overrides({"shape": "ovtypes.Shape", "size": "ovtypes.Size", "rank": "ovtypes.Rank",
                              "address": "ovtypes.Address", "token": "uuid.UUID", "amount": "decimal.Decimal"})
# the last two by sql_type, spelled as PostgreSQL's other name for the column's type
PG_OVERRIDES = overrides({"shape": "ovtypes.Shape", "size": "ovtypes.Size", "rank": "ovtypes.Rank",
                          "address": "ovtypes.Address", "note": "ovtypes.Address", "token": "uuid.UUID",
                          "amount": "decimal.Decimal", "labels": "list[str]", "public.t.mood": "ovtypes.Mood"},
                         integer="ovtypes.UserId", **{"timestamp with time zone": "ovtypes.Stamp"})


@pytest.fixture(scope="module")
def types_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("override_regressions")
    (folder / f"{USER_MODULE_NAME}.py").write_text(USER_MODULE + "\nimport datetime\nStamp = NewType('Stamp', "
                                                   "datetime.datetime)\n", encoding="utf-8")
    sys.path.insert(0, str(folder))
    yield folder
    sys.path.remove(str(folder))
    sys.modules.pop(USER_MODULE_NAME, None)


@pytest.fixture(scope="module")
def lite(types_root: Path) -> Iterator[ModuleType]:
    package = generate(types_root / "lite", {"1.sql": SQLITE_SCHEMA}, {"q.sql": SQLITE_QUERIES}, out="ov_lite",
                       extra=SQLITE_OVERRIDES)
    with imported(package) as module:
        yield import_module(module, "queries.q")


@pytest.fixture(scope="module")
def pg(types_root: Path) -> Iterator[ModuleType]:
    package = generate(types_root / "pg", {"1.sql": PG_SCHEMA}, {"q.sql": PG_QUERIES}, out="ov_pg",
                       engine="postgresql", extra=PG_OVERRIDES)
    with imported(package) as module:
        yield import_module(module, "queries.q")


def user() -> Any:
    import importlib

    return importlib.import_module(USER_MODULE_NAME)


def lite_values() -> dict[str, Any]:
    ov = user()
    return dict(shape=ov.Shape.ROUND, size=ov.Size.XL, rank=ov.Rank.SECOND, address=ov.Address(street="Main", number=4),
                token=uuid.UUID(int=7), amount=decimal.Decimal("NaN"))


def test_sqlite_enum_model_uuid_and_decimal_overrides_are_stored_as_their_column_holds_them(
        lite: ModuleType, tmp_path: Path) -> None:
    """Before: a plain Enum's member went in as 'Shape.ROUND' (str()), and a (str, Enum) as
    'Size.XL', neither read back; an Enum of ints, a UUID for a BLOB: 'type is not supported';
    a pydantic model for JSON: 'not JSON serializable'; Decimal('NaN') in TEXT: written, never read."""
    conn = sqlite3.connect(tmp_path / "db.sqlite", isolation_level=None)
    conn.executescript(SQLITE_SCHEMA)
    values = lite_values()
    row = lite.put(conn, **values)
    raw = conn.execute("SELECT shape, size, rank, address, token, amount FROM t").fetchone()
    assert raw == ("round", "xl", 2, '{"street": "Main", "number": 4, "tags": []}', uuid.UUID(int=7).bytes, "NaN")
    assert (row.shape, row.size, row.rank, row.address, row.token) == tuple(values[k] for k in
                                                                           ("shape", "size", "rank", "address", "token"))
    assert row.amount.is_nan()
    assert lite.by_shape(conn, shapes=[user().Shape.ROUND]) == [row.id]


def test_postgres_overrides_round_trip_through_a_view_and_an_embedded_row(pg: ModuleType, postgres_url: str) -> None:
    """Before: the same Enum and model failures; a list[str] for a text[] column went as the
    text "['a']" (malformed array literal); a pydantic model was read as an embedded row (a
    validation error); a row embedding one did not build (duplicate ref); the view's columns
    kept the plain types (a str where a Path was configured)."""
    ov = user()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(PG_SCHEMA.encode())
        at = ov.Stamp(dt.datetime(2024, 5, 6, tzinfo=dt.timezone.utc))
        values = {**lite_values(), "note": ov.Address(street="Side", number=1, tags=["x"]), "labels": ["a", "b c"],
                  "mood": ov.Mood.SAD, "n": ov.UserId(3), "at": at}
        row = pg.put(conn, **values)
        raw = conn.execute("SELECT shape, size, rank, address, note::text, token, amount, labels, mood::text, n FROM t"
                           ).fetchone()
        assert raw == ("round", "xl", 2, {"street": "Main", "number": 4, "tags": []},
                       '{"street": "Side", "number": 1, "tags": ["x"]}', uuid.UUID(int=7).bytes, "NaN", ["a", "b c"],
                       "sad", 3)
        for read in (row, pg.from_view(conn, id=row.id), pg.embedded(conn, id=row.id).t):
            for name, value in values.items():
                got = getattr(read, name)
                assert got.is_nan() if name == "amount" else got == value, (name, got, value)
                assert type(got) is type(value) or name in ("n", "at"), (name, type(got))
        assert pg.embedded(conn, id=row.id).again == values["address"]


def test_column_override_naming_no_table_column_is_a_located_error(tmp_path: Path, types_root: Path) -> None:
    """Before: a misspelt table or column left the column's type as it was, silently."""
    for written, why in (("t.shpae", "names no column of a table of the schema"),
                         ("public.nosuch.shape", "names no column of a table of the schema"),
                         ("t_view.shape", "names a view")):
        root = tmp_path / written.replace(".", "_")
        make_project(root, {"1.sql": PG_SCHEMA}, {"q.sql": PG_QUERIES}, engine="postgresql",
                     extra=overrides({written: "pathlib.Path"}))
        result = run_cli(root)
        assert result.code == 1 and not (root / "gen").exists()
        assert f"pyproject.toml:7:1: error: override column '{written}' {why}" in result.stderr, result.stderr


def test_schema_qualified_column_override_and_sql_type_spellings_apply(pg: ModuleType) -> None:
    """`public.t.mood` names t's column; sql_type "integer" is int4's type and "timestamp with time
    zone" timestamptz's (all three missed before), a bigserial id keeps int."""
    fields = sys.modules[pg.__name__.rsplit(".", 2)[0] + ".models"].T.model_fields
    assert "Mood" in str(fields["mood"].annotation)
    assert "UserId" in str(fields["n"].annotation) and "Stamp" in str(fields["at"].annotation)
    assert fields["id"].annotation is int


CROSS_SQLITE = """
CREATE TABLE t (id INTEGER PRIMARY KEY, d DATE, n DECIMAL(10, 2), k INTEGER, f NUMERIC);
"""
CROSS_PG = """
CREATE TABLE t (id bigserial PRIMARY KEY, d date, n numeric, k bigint, f numeric, u uuid, ip inet);
"""
CROSS_OVERRIDES = {"d": "str", "n": "str", "k": "str", "f": "float"}


def test_builtin_types_over_columns_of_another_type(types_root: Path, tmp_path: Path, postgres_url: str) -> None:
    """str for a date, a DECIMAL, an integer, a uuid, an inet; float for a numeric. Before: the
    SQLite package did not import (NaN-taking applied to a str field: 'Unable to apply constraint
    allow_inf_nan'), a str reading a PostgreSQL uuid/date/numeric/inet failed validation (the
    driver's UUID, date... is no str), and a float went to a numeric at 15 significant digits."""
    lite_pkg = generate(tmp_path / "lite", {"1.sql": CROSS_SQLITE},
                        {"q.sql": "-- name: Put :one\nINSERT INTO t (d, n, k, f) VALUES (?, ?, ?, ?) RETURNING *;\n"},
                        out="ov_cross_lite", extra=overrides(CROSS_OVERRIDES))
    with imported(lite_pkg) as package:
        q = import_module(package, "queries.q")
        conn = sqlite3.connect(tmp_path / "cross.db", isolation_level=None)
        conn.executescript(CROSS_SQLITE)
        row = q.put(conn, d="2024-02-29", n="12.5", k="7", f=0.1 + 0.2)
        assert (row.d, row.n, row.k, row.f) == ("2024-02-29", "12.5", "7", 0.1 + 0.2)
        assert conn.execute("SELECT d, n, k, f FROM t").fetchone() == ("2024-02-29", 12.5, 7, 0.1 + 0.2)
    pg_pkg = generate(tmp_path / "pg", {"1.sql": CROSS_PG},
                      {"q.sql": "-- name: Put :one\nINSERT INTO t (d, n, k, f, u, ip) VALUES ($1, $2, $3, $4, $5, $6)"
                                " RETURNING *;\n"},
                      out="ov_cross_pg", engine="postgresql",
                      extra=overrides({**CROSS_OVERRIDES, "u": "str", "ip": "str"}))
    with imported(pg_pkg) as package, psycopg.connect(postgres_url, autocommit=True) as conn:
        q = import_module(package, "queries.q")
        conn.execute(CROSS_PG.encode())
        sent = dict(d="0999-12-31", n="-12.50", k="-9223372036854775808", f=1000000000000001.0,
                    u="6ba7b810-9dad-11d1-80b4-00c04fd430c8", ip="2001:db8::1")
        row = q.put(conn, **sent)
        assert {k: getattr(row, k) for k in sent} == sent
        assert conn.execute("SELECT f FROM t").fetchone() == (decimal.Decimal("1000000000000001.0"),)


@pytest.mark.parametrize(("python_type", "column"), [("pathlib.Path", "k INTEGER"), ("uuid.UUID", "k INTEGER"),
                                                      ("fractions.Fraction", "k REAL"), ("datetime.time", "k DATE"),
                                                      ("float", "k INTEGER"), ("bytes", "k TEXT"),
                                                      ("ipaddress.IPv4Address", "k BLOB")])
def test_an_override_no_column_conversion_makes_fit_is_a_located_error(tmp_path: Path, python_type: str,
                                                                        column: str) -> None:
    """Before: generated, then every call failed (`Error binding parameter`, `cannot adapt`), or
    the value changed (str(b'x') stored as "b'x'"; PostgreSQL rounds a float sent to an integer)."""
    make_project(tmp_path, {"1.sql": f"CREATE TABLE t (id INTEGER PRIMARY KEY, {column});\n"},
                 {"q.sql": "-- name: Put :exec\nINSERT INTO t (k) VALUES (?);\n"}, extra=overrides({"k": python_type}))
    result = run_cli(tmp_path)
    assert result.code == 1 and not (tmp_path / "gen").exists()
    assert f"pyproject.toml:6:1: error: override python_type '{python_type}' for t.k ({column.split()[1]}) cannot " \
           "be stored in a" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_decimal_for_a_real_column_is_stored_as_its_float(tmp_path: Path) -> None:
    """Before: sqlite3 refused the Decimal at every call ('type decimal.Decimal is not supported')."""
    package = generate(tmp_path, {"1.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY, r REAL);\n"},
                       {"q.sql": "-- name: Put :one\nINSERT INTO t (r) VALUES (?) RETURNING r;\n"},
                       out="ov_real", extra=overrides({"r": "decimal.Decimal"}))
    with imported(package) as module:
        q = import_module(module, "queries.q")
        conn = sqlite3.connect(tmp_path / "real.db", isolation_level=None)
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, r REAL)")
        assert q.put(conn, r=decimal.Decimal("2.5")) == decimal.Decimal("2.5")
        assert conn.execute("SELECT r FROM t").fetchone() == (2.5,)


def test_an_override_that_admits_none_sends_none_as_null(tmp_path: Path) -> None:
    """`pathlib.Path | None` for a NOT NULL text column. Before: None went in as str(None), the
    text 'None', and came back as Path('None'); now it is NULL, which the column refuses."""
    schema = "CREATE TABLE t (id INTEGER PRIMARY KEY, p TEXT NOT NULL, u TEXT);\n"
    package = generate(tmp_path, {"1.sql": schema},
                       {"q.sql": "-- name: Put :one\nINSERT INTO t (p, u) VALUES (?, ?) RETURNING *;\n"
                                 "-- name: ByP :many\nSELECT id FROM t WHERE p IN (sqlc.slice(ps));\n"},
                       out="ov_optional", extra=overrides({"p": "pathlib.Path | None", "u": "uuid.UUID | None"}))
    with imported(package) as module:
        q = import_module(module, "queries.q")
        conn = sqlite3.connect(tmp_path / "optional.db", isolation_level=None)
        conn.executescript(schema)
        with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
            q.put(conn, p=None, u=None)
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (0,)
        row = q.put(conn, p=Path("a/b"), u=None)
        assert (row.p, row.u) == (Path("a/b"), None)
        assert q.by_p(conn, ps=[None, Path("a/b")]) == [row.id]
    assert "| None | None" not in (package / "queries" / "q.py").read_text()


def test_postgres_array_overrides_enum_array_and_tuple(tmp_path: Path, postgres_url: str) -> None:
    """`list[str]` for a PostgreSQL enum array, `tuple[str]` for a text[]. Before: the enum array
    (which psycopg returns as its text, '{sad}') failed validation on every read, and the tuple
    went as a record, '(a)': a malformed array literal at every call."""
    schema = "CREATE TYPE mood AS ENUM ('happy', 'sad');\nCREATE TABLE t (id bigserial PRIMARY KEY, ms mood[], ts text[]);\n"
    package = generate(tmp_path, {"1.sql": schema},
                       {"q.sql": "-- name: Put :one\nINSERT INTO t (ms, ts) VALUES ($1, $2) RETURNING *;\n"
                                 "-- name: ByTs :many\nSELECT id FROM t WHERE ts @> $1;\n"},
                       out="ov_arrays", engine="postgresql", extra=overrides({"ms": "list[str]", "ts": "tuple[str]"}))
    with imported(package) as module, psycopg.connect(postgres_url, autocommit=True) as conn:
        q = import_module(module, "queries.q")
        conn.execute(schema.encode())
        row = q.put(conn, ms=["sad", "happy"], ts=("a b",))
        assert (row.ms, row.ts) == (["sad", "happy"], ("a b",))
        assert conn.execute("SELECT ms::text[], ts FROM t").fetchone() == (["sad", "happy"], ["a b"])
        assert q.by_ts(conn, ts=("a b",)) == [row.id]


@pytest.mark.parametrize(("python_type", "column", "value"), [("int", "boolean", 1), ("bool", "bigint", True)])
def test_int_and_bool_swapped_are_refused_on_postgresql_and_kept_on_sqlite(
        tmp_path: Path, postgres_url: str, python_type: str, column: str, value: Any) -> None:
    """`int` over a boolean column, `bool` over an integer one: SQLite stores a bool as 1 or 0 and
    reads either back, so both work there; PostgreSQL assigns neither (the server refuses the bound
    value below), so generating for it is a located error instead of a function failing at every call."""
    query = {"q.sql": "-- name: Put :one\nINSERT INTO t (k) VALUES (?) RETURNING k;\n"}
    make_project(tmp_path / "pg", {"1.sql": f"CREATE TABLE t (id bigserial PRIMARY KEY, k {column});\n"},
                 {"q.sql": query["q.sql"].replace("?", "$1")},
                 extra=overrides({"k": python_type}), engine="postgresql")
    result = run_cli(tmp_path / "pg")
    assert result.code == 1 and not (tmp_path / "pg" / "gen").exists(), result.stderr
    assert f"error: override python_type '{python_type}' for t.k ({column}) cannot be stored" in result.stderr
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE t (id bigserial PRIMARY KEY, k {column})".encode())
        with pytest.raises(psycopg.errors.DatatypeMismatch):
            conn.execute(b"INSERT INTO t (k) VALUES (%s)", (value,))
    sqlite_type = "BOOLEAN" if column == "boolean" else "INTEGER"
    package = generate(tmp_path / "lite", {"1.sql": f"CREATE TABLE t (id INTEGER PRIMARY KEY, k {sqlite_type});\n"},
                       query, out=f"ov_swap_{python_type}", extra=overrides({"k": python_type}))
    with imported(package) as module:
        q = import_module(module, "queries.q")
        conn = sqlite3.connect(tmp_path / "swap.db", isolation_level=None)
        conn.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, k {sqlite_type})")
        back = q.put(conn, k=value)
        assert back == value and type(back) is type(value)
        conn.close()
