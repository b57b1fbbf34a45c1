"""The bugs tests/test_drawn_overrides2.py found in configured Python types (`overrides`) carried
past the plain positions, each pinned on a real PostgreSQL server; every test failed before its fix."""

from __future__ import annotations

import contextlib
import sys
import typing
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest

from _support import generate, import_module, imported
from drawn_overrides2 import USER_MODULE, USER_MODULE_NAME

PG_SCHEMA = """
CREATE TYPE mood AS ENUM ('happy', 'so so');
CREATE TABLE t (id bigserial PRIMARY KEY, color text, rank bigint, mood mood, tags text[]);
"""
PG_QUERIES = """
-- name: AnyColor :many
SELECT id FROM t WHERE color = ANY(sqlc.arg(colors)) ORDER BY id;
-- name: AnyCastColor :many
SELECT id FROM t WHERE color = ANY(@colors::text[]) ORDER BY id;
-- name: NotAllRank :many
SELECT id FROM t WHERE rank <> ALL(sqlc.arg(ranks)) ORDER BY id;
-- name: AnyMood :many
SELECT id FROM t WHERE mood = ANY(sqlc.arg(moods)) ORDER BY id;
-- name: CastColor :many
SELECT id FROM t WHERE color = @color::text ORDER BY id;
-- name: AggColor :one
SELECT array_agg(color ORDER BY id) AS colors FROM t;
-- name: AggMood :one
SELECT array_agg(mood ORDER BY id) AS moods FROM t;
-- name: PairRank :one
SELECT ARRAY[rank, rank] AS ranks FROM t WHERE id = sqlc.arg(id);
-- name: UnnestColor :many
SELECT u.c FROM (SELECT array_agg(color ORDER BY id) AS a FROM t) AS s, unnest(s.a) AS u(c);
"""
TAG_QUERIES = """
-- name: PutTags :one
INSERT INTO t (tags) VALUES (sqlc.arg(tags)) RETURNING tags;
-- name: HasTag :many
SELECT id FROM t WHERE sqlc.arg(tag) = ANY(tags) ORDER BY id;
-- name: EachTag :many
SELECT unnest(tags) AS tag FROM t WHERE id = sqlc.arg(id);
"""
OVERRIDES = """overrides = [
  {column = "t.color", python_type = "ov2types.Color"},
  {column = "t.rank", python_type = "ov2types.Rank"},
  {column = "t.mood", python_type = "ov2types.Mood"},
]
"""
TAG_OVERRIDES = 'overrides = [{column = "t.tags", python_type = "list[ov2types.Color]"}]\n'


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("overrides2_regressions")
    (folder / f"{USER_MODULE_NAME}.py").write_text(USER_MODULE, encoding="utf-8")
    sys.path.insert(0, str(folder))
    yield folder
    sys.path.remove(str(folder))
    sys.modules.pop(USER_MODULE_NAME, None)


def package(root: Path, name: str, queries: str, overrides: str) -> Iterator[ModuleType]:
    generated = generate(root / name, {"1.sql": PG_SCHEMA}, {"q.sql": queries}, out=name, engine="postgresql",
                         extra=overrides)
    with imported(generated) as module:
        yield import_module(module, "queries.q")


@pytest.fixture(scope="module")
def pg(root: Path) -> Iterator[ModuleType]:
    yield from package(root, "ov2_pg", PG_QUERIES, OVERRIDES)


@pytest.fixture(scope="module")
def pg_tags(root: Path) -> Iterator[ModuleType]:
    yield from package(root, "ov2_pg_tags", TAG_QUERIES, TAG_OVERRIDES)


def user() -> Any:
    import importlib

    return importlib.import_module(USER_MODULE_NAME)


def filled(url: str) -> psycopg.Connection[Any]:
    conn = psycopg.connect(url, autocommit=True)
    conn.execute(PG_SCHEMA.encode())
    conn.execute("INSERT INTO t (color, rank, mood) VALUES ('r', 1, 'happy'), ('dark green', 2, 'so so'), "
                 "(NULL, NULL, NULL)")
    return conn


def test_postgres_any_and_all_parameters_keep_the_columns_override(pg: ModuleType, postgres_url: str) -> None:
    """Before: `color = ANY(sqlc.arg(colors))`, `= ANY(@colors::text[])` and `rank <> ALL(...)` took
    list[str] / list[int], and a caller passing the column's Enum members sent their *names*
    (psycopg dumps an Enum by name): `[Color.DARK_GREEN]` matched nothing, a Rank failed at the
    call. `color = @color::text` was a str the same way."""
    ov = user()
    hints = typing.get_type_hints(pg.any_color)
    assert hints["colors"] == list[ov.Color], hints
    assert typing.get_type_hints(pg.not_all_rank)["ranks"] == list[ov.Rank]
    with filled(postgres_url) as conn:
        assert pg.any_color(conn, colors=[ov.Color.DARK_GREEN]) == [2]
        assert pg.any_cast_color(conn, colors=[ov.Color.DARK_GREEN, ov.Color.RED]) == [1, 2]
        assert pg.not_all_rank(conn, ranks=[ov.Rank.FIRST]) == [2]
        assert pg.any_mood(conn, moods=[ov.Mood.SO_SO]) == [2]
        assert pg.cast_color(conn, color=ov.Color.DARK_GREEN) == [2]


def test_postgres_array_agg_array_and_unnest_read_as_the_override(pg: ModuleType, postgres_url: str) -> None:
    """Before: array_agg(color), ARRAY[rank, rank] and unnest of them were list[str] / list[int] /
    str: the values came back as the column's plain text, not the configured Enum."""
    ov = user()
    with filled(postgres_url) as conn:
        colors = pg.agg_color(conn)
        assert colors == [ov.Color.RED, ov.Color.DARK_GREEN, None]
        assert all(c is None or type(c) is ov.Color for c in colors)
        assert pg.agg_mood(conn) == [ov.Mood.HAPPY, ov.Mood.SO_SO, None]
        ranks = pg.pair_rank(conn, id=2)
        assert ranks == [ov.Rank.SECOND] * 2 and type(ranks[0]) is ov.Rank
        assert pg.unnest_color(conn) == [ov.Color.RED, ov.Color.DARK_GREEN, None]


def test_postgres_a_list_of_enums_override_of_an_array_column_sends_values(pg_tags: ModuleType,
                                                                          postgres_url: str) -> None:
    """Before: `list[ov2types.Color]` was refused (only a type of the module before its `[` could
    be named); a text[] column overridden so must send each member's value (psycopg sends its
    name, '{DARK_GREEN}', which reads back as no Color), and its element (`@tag = ANY(tags)`,
    unnest(tags)) is a Color too."""
    pg = pg_tags
    ov = user()
    with filled(postgres_url) as conn:
        row = pg.put_tags(conn, tags=[ov.Color.DARK_GREEN, ov.Color.RED])
        assert row == [ov.Color.DARK_GREEN, ov.Color.RED]
        assert conn.execute("SELECT tags FROM t WHERE tags IS NOT NULL").fetchone() == (["dark green", "r"],)
        assert typing.get_type_hints(pg.has_tag)["tag"] == ov.Color
        assert pg.has_tag(conn, tag=ov.Color.DARK_GREEN) == [4]
        assert pg.each_tag(conn, id=4) == [ov.Color.DARK_GREEN, ov.Color.RED]


LITERAL_QUERIES = """
-- name: Literals :many
SELECT COALESCE(color, 'r') AS color, CASE WHEN id = 1 THEN rank ELSE 2 END AS rank FROM t ORDER BY id;
-- name: UnionLiteral :many
SELECT color FROM t WHERE id = 2 UNION ALL SELECT 'dark green';
-- name: ByDefaulted :many
SELECT id FROM t WHERE COALESCE(color, 'r') = sqlc.arg(color) ORDER BY id;
"""
SQLITE_SCHEMA = "CREATE TABLE t (id INTEGER PRIMARY KEY, color TEXT, rank INTEGER);\n"


@pytest.fixture(scope="module")
def literals(root: Path) -> Iterator[tuple[ModuleType, ModuleType]]:
    """The literal queries on PostgreSQL and on SQLite."""
    pg_package = generate(root / "ov2_lit_pg", {"1.sql": PG_SCHEMA}, {"q.sql": LITERAL_QUERIES}, out="ov2_lit_pg",
                          engine="postgresql", extra=OVERRIDES)
    lite_package = generate(root / "ov2_lit_lite", {"1.sql": SQLITE_SCHEMA}, {"q.sql": LITERAL_QUERIES},
                            out="ov2_lit_lite", extra=OVERRIDES.replace('  {column = "t.mood", python_type = '
                                                                        '"ov2types.Mood"},\n', ""))
    with imported(pg_package) as pg_module, imported(lite_package) as lite_module:
        yield import_module(pg_module, "queries.q"), import_module(lite_module, "queries.q")


@pytest.mark.parametrize("engine", ["postgresql", "sqlite"])
def test_postgres_and_sqlite_a_literal_beside_an_overridden_column_keeps_its_type(
        literals: tuple[ModuleType, ModuleType], engine: str, postgres_databases: Any, tmp_path: Path) -> None:
    """Before: COALESCE(color, 'r'), CASE ... THEN rank ELSE 2 END and UNION ALL SELECT 'dark green'
    read the column's plain str / int (a Color came back as 'r', a Rank as 2), and the parameter
    compared with COALESCE(color, 'r') was a str, so a Color member went as its name ('DARK_GREEN')
    and matched nothing. The literal is a value of the column (PostgreSQL resolves it to the
    column's type): the result keeps the override."""
    import sqlite3

    ov = user()
    q = literals[0] if engine == "postgresql" else literals[1]
    if engine == "postgresql":
        conn: Any = filled(postgres_databases("literal_override"))
    else:
        conn = sqlite3.connect(tmp_path / "lit.db", isolation_level=None)
        conn.executescript(SQLITE_SCHEMA + "INSERT INTO t (color, rank) VALUES ('r', 1), ('dark green', 2), "
                                           "(NULL, NULL);")
    with contextlib.closing(conn):
        rows = [(r.color, r.rank) for r in q.literals(conn)]
        assert rows == [(ov.Color.RED, ov.Rank.FIRST), (ov.Color.DARK_GREEN, ov.Rank.SECOND),
                        (ov.Color.RED, ov.Rank.SECOND)]
        assert all(type(c) is ov.Color and type(r) is ov.Rank for c, r in rows)
        assert q.union_literal(conn) == [ov.Color.DARK_GREEN, ov.Color.DARK_GREEN]
        assert typing.get_type_hints(q.by_defaulted)["color"] == ov.Color
        assert q.by_defaulted(conn, color=ov.Color.DARK_GREEN) == [2]
        assert q.by_defaulted(conn, color=ov.Color.RED) == [1, 3]


TEXT_SCHEMA = "CREATE TABLE d (id bigserial PRIMARY KEY, day date, uid uuid);\n"
TEXT_QUERIES = """
-- name: Days :one
SELECT array_agg(day ORDER BY id) AS days FROM d;
-- name: ByDays :many
SELECT id FROM d WHERE day = ANY(sqlc.arg(days)) AND uid <> ALL(sqlc.arg(uids)) ORDER BY id;
-- name: DayOr :many
SELECT COALESCE(day, '2000-01-01') AS day FROM d ORDER BY id;
"""
TEXT_OVERRIDES = ('overrides = [{column = "d.day", python_type = "str"}, '
                  '{column = "d.uid", python_type = "str"}]\n')


@pytest.fixture(scope="module")
def as_text(root: Path) -> Iterator[ModuleType]:
    generated = generate(root / "ov2_text", {"1.sql": TEXT_SCHEMA}, {"q.sql": TEXT_QUERIES}, out="ov2_text",
                         engine="postgresql", extra=TEXT_OVERRIDES)
    with imported(generated) as module:
        yield import_module(module, "queries.q")


def test_postgres_str_over_a_date_or_uuid_column_through_arrays_and_literals(as_text: ModuleType,
                                                                             postgres_url: str) -> None:
    """`str` over a date or uuid column is read from the text of what the driver returns. Before:
    array_agg(day) of it read list[date] (the override dropped) and, once arrays kept overrides,
    list[str] validated from date objects (a ValidationError at every call); COALESCE(day,
    '2000-01-01') read a date. Each item of list[str] is now read as a single value is, and each
    sent as its text."""
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(TEXT_SCHEMA.encode())
        conn.execute("INSERT INTO d (day, uid) VALUES ('2024-02-29', '00000000-0000-0000-0000-000000000001'), "
                     "(NULL, NULL)")
        assert as_text.days(conn) == ["2024-02-29", None]
        assert as_text.by_days(conn, days=["2024-02-29"], uids=["00000000-0000-0000-0000-000000000002"]) == [1]
        assert as_text.by_days(conn, days=["2024-02-29"], uids=["00000000-0000-0000-0000-000000000001"]) == []
        assert as_text.day_or(conn) == ["2024-02-29", "2000-01-01"]


BULK_QUERIES = """
-- name: BulkSelect :execrows
INSERT INTO t (color, rank) SELECT unnest(sqlc.arg(colors)::text[]), unnest(sqlc.arg(ranks)::bigint[]);
-- name: BulkFrom :execrows
INSERT INTO t (color, rank) SELECT * FROM unnest(sqlc.arg(colors)::text[], sqlc.arg(ranks)::bigint[]);
-- name: PutArray :exec
INSERT INTO t (tags) VALUES (ARRAY[sqlc.arg(a), sqlc.arg(b)]);
"""


def test_postgres_bulk_insert_by_unnest_sends_the_columns_values(postgres_url: str, root: Path) -> None:
    """sqlc's bulk insert, `INSERT ... SELECT unnest(@colors::text[]), ...` (or `SELECT * FROM
    unnest(...)`), took list[str] / list[int] for columns configured as Color and Rank: a caller
    passing the members sent their names ('DARK_GREEN', refused by the bigint). ARRAY[@a, @b]
    into a list[Color] column left a and b typing.Any (sent by name). Each list is now the
    column's type, a None in it a NULL (never the text 'None')."""
    ov = user()
    overrides = OVERRIDES.replace("]\n", '  {column = "t.tags", python_type = "list[ov2types.Color]"},\n]\n')
    generated = generate(root / "ov2_bulk", {"1.sql": PG_SCHEMA}, {"q.sql": BULK_QUERIES}, out="ov2_bulk",
                         engine="postgresql", extra=overrides)
    with imported(generated) as module, psycopg.connect(postgres_url, autocommit=True) as conn:
        q = import_module(module, "queries.q")
        assert typing.get_type_hints(q.bulk_select)["colors"] == list[ov.Color | None]
        conn.execute(PG_SCHEMA.encode())
        assert q.bulk_select(conn, colors=[ov.Color.DARK_GREEN, None], ranks=[ov.Rank.SECOND, ov.Rank.FIRST]) == 2
        assert q.bulk_from(conn, colors=[ov.Color.RED], ranks=[None]) == 1
        q.put_array(conn, a=ov.Color.DARK_GREEN, b=ov.Color.RED)
        assert conn.execute("SELECT color, rank, tags FROM t ORDER BY id").fetchall() == [
            ("dark green", 2, None), (None, 1, None), ("r", None, None), (None, None, ["dark green", "r"])]
