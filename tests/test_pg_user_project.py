"""A PostgreSQL user's project, end to end: a blog's schema (enums, enum/int/text arrays, json and
jsonb, uuid, every date and time type, numeric, bytea, a generated column, identity, foreign keys)
and the queries someone porting an app writes (joins with a nullable side, aggregates, CTEs,
window functions, CASE/COALESCE/NULLIF, upserts, sqlc.arg/narg/slice/embed, LIMIT/OFFSET, ILIKE,
ANY, every command). Generated with `python -m codegen` as models and as tuples, sync and async,
then called on the real server of tests/conftest.py; results are compared with what psycopg returns
for the same SQL run raw, and each value with its annotation."""

from __future__ import annotations

import asyncio
import datetime
import decimal
import types
import typing
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests._support import import_module, imported, make_project, read_tree, run_cli

SCHEMA = """
CREATE TYPE mood AS ENUM ('happy', 'sad', 'meh', 'a b', 'Ünï');
CREATE TYPE priority AS ENUM ('low', 'high');

CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    handle text NOT NULL UNIQUE,
    display_name varchar(80),
    mood mood NOT NULL DEFAULT 'meh',
    moods mood[] NOT NULL DEFAULT '{}',
    scores int[] NOT NULL DEFAULT '{}',
    tags text[],
    profile jsonb NOT NULL DEFAULT '{}'::jsonb,
    balance numeric(12, 2) NOT NULL DEFAULT 0,
    ratio double precision,
    avatar bytea,
    active boolean NOT NULL DEFAULT true,
    born date,
    wakes_at time,
    created_at timestamptz NOT NULL DEFAULT now(),
    seen_at timestamp,
    session_len interval,
    handle_lower text GENERATED ALWAYS AS (lower(handle)) STORED
);

CREATE TABLE posts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    author_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title text NOT NULL,
    body text NOT NULL DEFAULT '',
    priority priority,
    views integer NOT NULL DEFAULT 0,
    price numeric,
    published_at timestamptz
);

CREATE TABLE comments (
    id serial PRIMARY KEY,
    post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    body text NOT NULL
);

CREATE TABLE logins (
    id serial PRIMARY KEY,
    user_id uuid REFERENCES users (id),
    ip inet NOT NULL,
    network cidr
);

CREATE TABLE counters (k text PRIMARY KEY, n bigint NOT NULL DEFAULT 0);

CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');
CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
CREATE TABLE mailings (id serial PRIMARY KEY, recipients email[] NOT NULL, attempts positive[]);

CREATE TABLE webhooks (id serial PRIMARY KEY, payload json NOT NULL, headers json);

CREATE TABLE documents (id serial PRIMARY KEY, versions jsonb[] NOT NULL, drafts jsonb[]);
"""

USERS = """
-- name: CreateUser :one
INSERT INTO users (handle, display_name, mood, moods, scores, tags, profile, balance, ratio, avatar,
                   active, born, wakes_at, seen_at, session_len)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
RETURNING *;

-- name: GetUser :one
SELECT * FROM users WHERE id = $1;

-- name: SearchUsers :many
SELECT id, handle, display_name FROM users
WHERE handle ILIKE '%' || sqlc.arg(pattern) || '%'
ORDER BY handle LIMIT sqlc.arg(lim) OFFSET sqlc.arg(off);

-- name: UsersByHandles :many
SELECT handle FROM users WHERE handle IN (sqlc.slice(handles)) ORDER BY handle;

-- name: UsersByIds :many
SELECT handle FROM users WHERE id = ANY(sqlc.arg(ids)::uuid[]) ORDER BY handle;

-- name: UsersInMoods :many
SELECT handle FROM users WHERE mood = ANY($1::mood[]) ORDER BY handle;

-- name: CopyUsers :copyfrom
INSERT INTO users (handle, display_name, mood, moods, scores, tags, profile, balance, ratio, avatar, active,
                   born, wakes_at, seen_at, session_len)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15);

-- name: ListPlain :many
SELECT handle, display_name, mood, active, born, seen_at, ratio, cardinality(scores) AS n_scores
FROM users ORDER BY handle COLLATE "C";

-- name: PatchProfile :one
UPDATE users SET profile = profile || sqlc.arg(patch) WHERE id = sqlc.arg(id)
RETURNING profile, profile || '{"seen": true}' AS marked;

-- name: HandlesWithKey :many
SELECT handle FROM users WHERE profile @? '$.seen' AND profile @@ '1 == 1' ORDER BY handle;

-- name: RecordLogin :one
INSERT INTO logins (ip, network) VALUES ($1, $2) RETURNING *;

-- name: Bump :one
INSERT INTO counters (k) VALUES ($1) ON CONFLICT (k) DO UPDATE SET n = counters.n + 1
RETURNING n, (xmax = 0) AS inserted;

-- name: SaveDocument :one
INSERT INTO documents (versions, drafts) VALUES ($1, $2) RETURNING *;

-- name: SaveMailing :one
INSERT INTO mailings (recipients, attempts) VALUES ($1, $2) RETURNING *;

-- name: SaveWebhook :one
INSERT INTO webhooks (payload, headers) VALUES ($1, $2) RETURNING id, payload, headers, payload::text AS payload_text;

-- name: LoginsFrom :many
SELECT id, ip, network, tableoid::regclass AS stored_in FROM logins WHERE ip = $1 ORDER BY id;
"""

POSTS = """
-- name: CreatePost :one
INSERT INTO posts (author_id, title, priority, views, price) VALUES ($1, $2, $3, $4, $5) RETURNING id;

-- Filter by priority when one is given (sqlc's usual optional filter).
-- name: PostsByPriority :many
SELECT id FROM posts WHERE sqlc.narg(priority) IS NULL OR priority = sqlc.narg(priority) ORDER BY id;

-- name: PostsSince :many
SELECT id FROM posts
WHERE (sqlc.narg(since) IS NULL OR published_at >= sqlc.narg(since))
  AND (@title::text IS NOT NULL)
ORDER BY id;

-- name: WeightedPosts :many
SELECT id, views * 1.15 AS weighted, CASE WHEN views > 1 THEN 0.5 ELSE 1 END AS factor,
       12345678901234567.89 + views AS big, 99999999999999999999 AS huge
FROM posts ORDER BY id;

-- name: ScoresAndTags :many
SELECT unnest(scores) AS score, unnest(tags) AS tag FROM users WHERE id = $1;

-- name: ScoresAndTagsFrom :many
SELECT s, t FROM users, unnest(scores, tags) AS x (s, t) WHERE id = $1;

-- name: TagWith :one
SELECT array_append(tags, sqlc.narg(extra)::text) AS appended,
       array_prepend(sqlc.narg(extra)::text, scores::text[]) AS prepended, array_prepend(0, scores) AS with_zero
FROM users WHERE id = sqlc.arg(id);

-- name: Publish :one
UPDATE posts SET published_at = $1 WHERE id = $2 RETURNING published_at, published_at::timestamp AS local_time;

-- name: UserPostStats :many
SELECT u.handle, count(p.id) AS n_posts, sum(p.views) AS total_views,
       array_agg(p.title ORDER BY p.id) AS titles, array_agg(p.priority ORDER BY p.id) AS priorities,
       string_agg(p.title, ', ' ORDER BY p.id) AS joined
FROM users u LEFT JOIN posts p ON p.author_id = u.id
GROUP BY u.id, u.handle ORDER BY u.handle;

-- name: UsersWithPosts :many
SELECT sqlc.embed(users), sqlc.embed(posts) FROM users LEFT JOIN posts ON posts.author_id = users.id
ORDER BY users.handle, posts.id;

-- name: RankedPosts :many
WITH totals AS (SELECT author_id, sum(views) AS views FROM posts GROUP BY author_id)
SELECT p.id, row_number() OVER (PARTITION BY p.author_id ORDER BY p.views DESC, p.id) AS rn,
       t.views AS author_views, lag(p.title) OVER (ORDER BY p.id) AS prev_title,
       CASE WHEN p.views > 10 THEN 'hot' ELSE 'cold' END AS heat, NULLIF(p.body, '') AS body,
       COALESCE(p.priority, 'low') AS prio
FROM posts p JOIN totals t ON t.author_id = p.author_id ORDER BY p.id;
"""


def _project(root: Path, queries: dict[str, str]) -> Path:
    make_project(root, {"0001_init.up.sql": SCHEMA}, queries, engine="postgresql", out="pgu_models",
                 emit_async=True)
    with (root / "pyproject.toml").open("a") as config:
        config.write('\n[[tool.codegen.targets]]\nrows = "tuple"\nout = "pgu_tuples"\n')
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    root = _project(tmp_path_factory.mktemp("pg_user"), {"users.sql": USERS, "posts.sql": POSTS})
    result = run_cli(root)
    assert result.code == 0, result.stderr
    assert run_cli(root, "--check").code == 0
    with imported(root / "pgu_models") as models, imported(root / "pgu_tuples") as tuples:
        yield {f"{style}.{kind}.{stem}": import_module(package, f"{kind}.{stem}")
               for style, package in (("model", models), ("tuple", tuples))
               for kind in ("queries", "aio") for stem in ("users", "posts")}


@pytest.fixture
def conn(postgres_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(postgres_url) as connection:
        connection.execute(SCHEMA.encode())
        connection.commit()
        yield connection


def _user(users: ModuleType, conn: psycopg.Connection[Any], handle: str, **values: Any) -> Any:
    fields: dict[str, Any] = dict(display_name=None, mood="meh", moods=[], scores=[], tags=None, profile={},
                                  balance=decimal.Decimal(0), ratio=None, avatar=None, active=True, born=None,
                                  wakes_at=None, seen_at=None, session_len=None)
    fields.update(values)
    return users.create_user(conn, handle=handle, **fields)


def _check(value: Any, annotation: Any, where: str) -> None:
    """value is of the annotated type (unions, Literal, list, NamedTuple/BaseModel rows)."""
    origin = typing.get_origin(annotation)
    if annotation is Any:
        return
    if origin is typing.Annotated:
        return _check(value, typing.get_args(annotation)[0], where)
    if origin in (typing.Union, types.UnionType):
        failures = []
        for option in typing.get_args(annotation):
            if option is type(None):
                if value is None:
                    return
                continue
            try:
                return _check(value, option, where)
            except AssertionError as failure:
                failures.append(str(failure))
        raise AssertionError("; ".join(failures))
    if origin is typing.Literal:
        assert value in typing.get_args(annotation), f"{where}: {value!r} not in {annotation}"
        return
    if origin is list:
        assert isinstance(value, list), f"{where}: {value!r} is not a list"
        for i, item in enumerate(value):
            _check(item, typing.get_args(annotation)[0], f"{where}[{i}]")
        return
    assert isinstance(value, annotation), f"{where}: {value!r} is not {annotation}"
    if isinstance(value, tuple) or hasattr(type(value), "model_fields"):
        for name, hint in typing.get_type_hints(type(value), include_extras=True).items():
            if name != "model_config":
                _check(getattr(value, name), hint, f"{where}.{name}")


def _checked(function: Any, result: Any) -> Any:
    _check(result, typing.get_type_hints(function)["return"], function.__name__)
    return result


def _both(project: dict[str, ModuleType], conn: psycopg.Connection[Any], stem: str, name: str,
          *args: Any, **kwargs: Any) -> list[Any]:
    """The result of one generated function in every row style, sync and async, type-checked."""
    results = []
    for style in ("model", "tuple"):
        function = getattr(project[f"{style}.queries.{stem}"], name)
        results.append(_checked(function, function(conn, *args, **kwargs)))
        async_function = getattr(project[f"{style}.aio.{stem}"], name)

        async def call() -> Any:
            async with await psycopg.AsyncConnection.connect(conn.info.dsn) as aconn:
                return await async_function(aconn, *args, **kwargs)

        conn.commit()  # the async connection sees the rows
        results.append(_checked(async_function, asyncio.run(call())))
    return results


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "model_dump"):
        return tuple(_plain(getattr(value, name)) for name in type(value).model_fields)
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


def test_postgres_narg_tested_with_is_null(project: dict[str, ModuleType], conn: psycopg.Connection[Any]) -> None:
    """`sqlc.narg(x) IS NULL OR col = sqlc.narg(x)`: PostgreSQL types each marker on its own and
    IS NULL gives none; it refused the statement (could not determine data type of parameter $1)."""
    users, posts = project["model.queries.users"], project["model.queries.posts"]
    ada = _user(users, conn, "ada")
    low = posts.create_post(conn, author_id=ada.id, title="a", priority="low", views=1, price=None)
    high = posts.create_post(conn, author_id=ada.id, title="b", priority="high", views=2, price=None)
    none = posts.create_post(conn, author_id=ada.id, title="c", priority=None, views=3, price=None)
    assert all(r == [low, high, none] for r in _both(project, conn, "posts", "posts_by_priority", priority=None))
    assert all(r == [high] for r in _both(project, conn, "posts", "posts_by_priority", priority="high"))
    assert all(r == [low, high, none] for r in _both(project, conn, "posts", "posts_since", since=None, title="t"))
    later = datetime.datetime(2100, 1, 1, tzinfo=datetime.timezone.utc)
    assert all(r == [] for r in _both(project, conn, "posts", "posts_since", since=later, title="t"))


def test_postgres_array_agg_over_left_join(project: dict[str, ModuleType], conn: psycopg.Connection[Any]) -> None:
    """array_agg over the optional side of a LEFT JOIN gives {NULL} for a row without matches (and
    NULL elements for NULL values): its elements are `T | None`, where list[str] refused the row."""
    users, posts = project["model.queries.users"], project["model.queries.posts"]
    ada, _ = _user(users, conn, "ada"), _user(users, conn, "bob")
    posts.create_post(conn, author_id=ada.id, title="first", priority=None, views=1, price=None)
    posts.create_post(conn, author_id=ada.id, title="second", priority="high", views=2, price=None)
    raw = conn.execute("SELECT u.handle, count(p.id), sum(p.views), array_agg(p.title ORDER BY p.id),"
                       " array_agg(p.priority ORDER BY p.id)::text[], string_agg(p.title, ', ' ORDER BY p.id)"
                       " FROM users u LEFT JOIN posts p ON p.author_id = u.id GROUP BY u.id, u.handle"
                       " ORDER BY u.handle").fetchall()
    assert raw[1][3] == [None]
    for result in _both(project, conn, "posts", "user_post_stats"):
        assert _plain(result) == raw


def test_postgres_decimal_literals_are_numeric(project: dict[str, ModuleType], conn: psycopg.Connection[Any]) -> None:
    """1.15 is numeric in PostgreSQL (so is an integer beyond bigint), and so is `views * 1.15`: it
    was typed float, so the exact value PostgreSQL computed was rounded on the way out
    (12345678901234567.89 + 1 read as 1.2345678901234568e16)."""
    users, posts = project["model.queries.users"], project["model.queries.posts"]
    ada = _user(users, conn, "ada")
    for views in (0, 1, 7):
        posts.create_post(conn, author_id=ada.id, title="t", priority=None, views=views, price=None)
    raw = conn.execute(posts.WEIGHTED_POSTS).fetchall()
    assert raw[1][3] == decimal.Decimal("12345678901234568.89")
    for result in _both(project, conn, "posts", "weighted_posts"):
        assert _plain(result) == raw
        assert [[type(v) for v in row] for row in _plain(result)] == [[type(v) for v in row] for row in raw]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scores=st.lists(st.integers(-2**31, 2**31 - 1), max_size=3),
       tags=st.none() | st.lists(st.text(max_size=3).filter(lambda t: "\x00" not in t), max_size=3),
       extra=st.none() | st.text(max_size=3).filter(lambda t: "\x00" not in t))
def test_postgres_sets_and_arrays_padded_with_null(project: dict[str, ModuleType], conn: psycopg.Connection[Any],
                                                   scores: list[int], tags: list[str] | None,
                                                   extra: str | None) -> None:
    """Two unnest calls in one select list (or unnest(a, b) in FROM) pad the shorter array with
    NULLs, and array_append / array_prepend of a NULL add a NULL element: those were typed as never
    NULL, so a user whose arrays differ in length (or a None argument) raised a ValidationError.
    array_prepend(x, arr) was typed as x's type (sqlglot keeps the array first), so every call of
    a query using it raised one."""
    users = project["model.queries.users"]
    conn.rollback()
    conn.execute("DELETE FROM users")  # _both commits, for its async connection to see the rows
    user = _user(users, conn, "ada", scores=scores, tags=tags)
    for name, sql in (("scores_and_tags", "SELECT unnest(scores), unnest(tags) FROM users WHERE id = %s"),
                      ("scores_and_tags_from", "SELECT s, t FROM users, unnest(scores, tags) AS x (s, t)"
                                               " WHERE id = %s")):
        raw = conn.execute(sql, (user.id,)).fetchall()
        for result in _both(project, conn, "posts", name, id=user.id):
            assert sorted(map(repr, _plain(result))) == sorted(map(repr, raw))
    raw_tags = conn.execute("SELECT array_append(tags, %s::text), array_prepend(%s::text, scores::text[]),"
                            " array_prepend(0, scores) FROM users WHERE id = %s", (extra, extra, user.id)).fetchone()
    for result in _both(project, conn, "posts", "tag_with", extra=extra, id=user.id):
        assert _plain(result) == raw_tags


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(when=st.datetimes(datetime.datetime(1, 1, 3), datetime.datetime(9998, 12, 30),
                         timezones=st.timezones() | st.builds(datetime.timezone, st.timedeltas(
                             datetime.timedelta(hours=-15), datetime.timedelta(hours=15)).map(
                             lambda d: datetime.timedelta(minutes=d // datetime.timedelta(minutes=1))))))
def test_postgres_timestamptz_in_any_zone(project: dict[str, ModuleType], conn: psycopg.Connection[Any],
                                          when: datetime.datetime) -> None:
    """An aware datetime in any zone (the session's is Pacific/Auckland) reads back as the same
    instant, aware; its wall time in the session's zone equals what the server computes."""
    try:
        users, posts = project["model.queries.users"], project["model.queries.posts"]
        post = posts.create_post(conn, author_id=_user(users, conn, "ada").id, title="t", priority=None, views=0,
                                 price=None)
        for style in ("model", "tuple"):
            row = _checked(project[f"{style}.queries.posts"].publish,
                           project[f"{style}.queries.posts"].publish(conn, published_at=when, id=post))
            # Compared in UTC: an ambiguous wall time (a DST fall-back hour) compares unequal to any
            # datetime of another zone (PEP 495), the same instant or not.
            utc = datetime.timezone.utc
            assert row is not None and row.published_at.utcoffset() is not None
            assert row.published_at.astimezone(utc) == when.astimezone(utc)
            assert _plain(row) == conn.execute("SELECT published_at, published_at::timestamp FROM posts WHERE id = %s",
                                               (post,)).fetchone()
    finally:
        conn.rollback()


_ipv4 = st.ip_addresses(v=4)
_ipv6 = st.ip_addresses(v=6)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(address=_ipv4 | _ipv6, prefix=st.none() | st.integers(0, 32), network_bits=st.integers(0, 32))
def test_postgres_inet_and_cidr_columns(project: dict[str, ModuleType], conn: psycopg.Connection[Any],
                                        address: Any, prefix: int | None, network_bits: int) -> None:
    """inet and cidr read as psycopg returns them (ipaddress objects: an inet with a prefix is an
    interface) and a regclass as its name: they were typed str and int, so every read of a row
    holding an address raised a ValidationError. System columns (tableoid, xmax: an upsert's
    `(xmax = 0) AS inserted`) were 'no such column'."""
    import ipaddress

    ip: Any = address if prefix is None else ipaddress.ip_interface(f"{address}/{prefix * address.max_prefixlen // 32}")
    network = ipaddress.ip_network(f"{address}/{network_bits * address.max_prefixlen // 32}", strict=False)
    try:
        for style in ("model", "tuple"):
            users = project[f"{style}.queries.users"]
            login = _checked(users.record_login, users.record_login(conn, ip=ip, network=network))
            raw = conn.execute("SELECT id, user_id, ip, network FROM logins WHERE id = %s", (login.id,)).fetchone()
            assert _plain(login) == raw
            # an interface of a full-length prefix is stored as the bare address
            expected = ip.ip if getattr(ip, "network", None) and ip.network.prefixlen == ip.max_prefixlen else ip
            assert (login.ip, login.network) == (expected, network)
            found = _checked(users.logins_from, users.logins_from(conn, ip=ip))
            assert [row.id for row in found][-1] == login.id
            assert {row.stored_in for row in found} == {"logins"}
            key = f"{style}{ip}"
            assert [_plain(_checked(users.bump, users.bump(conn, k=key))) for _ in range(2)] == [(0, True), (1, False)]
    finally:
        conn.rollback()


_json = st.recursive(st.none() | st.booleans() | st.integers(-2**31, 2**31) | st.text(max_size=5).filter(
    lambda t: "\x00" not in t), lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.text(max_size=3).filter(lambda t: "\x00" not in t), inner, max_size=3), max_leaves=5)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(versions=st.lists(_json, max_size=3), drafts=st.none() | st.lists(_json, max_size=3))
def test_postgres_jsonb_array_parameters(project: dict[str, ModuleType], conn: psycopg.Connection[Any],
                                         versions: list[Any], drafts: list[Any] | None) -> None:
    """A jsonb[] argument's items are sent as JSON, as a jsonb argument is: psycopg cannot adapt a
    dict in a list by itself, so every call with one raised ProgrammingError."""
    try:
        for style in ("model", "tuple"):
            users = project[f"{style}.queries.users"]
            saved = _checked(users.save_document, users.save_document(conn, versions=versions, drafts=drafts))
            assert (saved.versions, saved.drafts) == (versions, drafts)
            raw = conn.execute("SELECT * FROM documents WHERE id = %s", (saved.id,)).fetchone()
            assert _plain(saved) == raw
    finally:
        conn.rollback()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(profile=st.dictionaries(st.sampled_from(["seen", "a"]) | st.text(max_size=3).filter(lambda t: "\x00" not in t),
                               _json, max_size=3),
       patch=st.dictionaries(st.sampled_from(["seen", "a"]) | st.text(max_size=3).filter(lambda t: "\x00" not in t),
                             _json, max_size=3))
def test_postgres_jsonb_concatenation(project: dict[str, ModuleType], conn: psycopg.Connection[Any],
                                      profile: dict[str, Any], patch: dict[str, Any]) -> None:
    """jsonb || jsonb is a jsonb (a merged object), and a parameter beside it is one: it was typed as
    text concatenation, so the argument was a str (a dict could not be adapted) and the result a
    str, which the dict the server returns failed. jsonb's `@?` (a jsonpath matches) was refused
    as a `?` parameter."""
    try:
        for style in ("model", "tuple"):
            users = project[f"{style}.queries.users"]
            user = _user(users, conn, f"{style}-json", profile=profile)
            row = _checked(users.patch_profile, users.patch_profile(conn, patch=patch, id=user.id))
            assert row is not None and row.profile == {**profile, **patch}
            assert row.marked == {**profile, **patch, "seen": True}
            seen = users.handles_with_key(conn)  # jsonb @? jsonpath: an operator, not a parameter
            assert (f"{style}-json" in seen) == ("seen" in {**profile, **patch})
    finally:
        conn.rollback()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.dictionaries(st.text(max_size=4).filter(lambda t: "\x00" not in t), _json | st.floats(
    allow_nan=False, allow_infinity=False), max_size=4), headers=st.none() | _json.filter(lambda v: v is not None))
def test_postgres_json_column_keeps_its_text(project: dict[str, ModuleType], conn: psycopg.Connection[Any],
                                             payload: dict[str, Any], headers: Any) -> None:
    """A json column (not jsonb) keeps the text it is given: the argument is sent as json. It was
    sent as jsonb and cast, so the server sorted its keys and rewrote its numbers (1e+20 read back
    as the int 100000000000000000000, -0.0 as 0), unlike the same value written by :copyfrom."""
    import json

    try:
        for style in ("model", "tuple"):
            users = project[f"{style}.queries.users"]
            saved = _checked(users.save_webhook, users.save_webhook(conn, payload=payload, headers=headers))
            assert saved.payload_text == json.dumps(payload)
            assert json.dumps(saved.payload) == json.dumps(payload) and json.dumps(saved.headers) == json.dumps(headers)
    finally:
        conn.rollback()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(recipients=st.lists(st.builds("{}@{}".format, st.text(st.characters(blacklist_categories=("Cs",),
       blacklist_characters="\x00"), max_size=6), st.sampled_from(["x.org", "é,\"{}\\ NULL"])), max_size=3),
       attempts=st.none() | st.lists(st.integers(1, 2**31 - 1), max_size=3))
def test_postgres_arrays_of_domains(project: dict[str, ModuleType], conn: psycopg.Connection[Any],
                                    recipients: list[str], attempts: list[int] | None) -> None:
    """An array of a domain (email[]) has a type of its own that psycopg has no loader for, so it
    arrives as PostgreSQL's text ('{a@x.org,"b c@x.org"}'): it is parsed as an enum's array is,
    where every read of such a row raised a ValidationError (a str is not a list)."""
    try:
        for style in ("model", "tuple"):
            users = project[f"{style}.queries.users"]
            saved = _checked(users.save_mailing, users.save_mailing(conn, recipients=recipients, attempts=attempts))
            assert (saved.recipients, saved.attempts) == (recipients, attempts)
            raw = conn.execute("SELECT id, recipients::text[], attempts::int[] FROM mailings WHERE id = %s",
                               (saved.id,)).fetchone()
            assert _plain(saved) == raw
    finally:
        conn.rollback()


_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
_int4 = st.integers(-2**31, 2**31 - 1)
_users = st.fixed_dictionaries({
    "handle": _text,
    "display_name": st.none() | st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                                        max_size=80),
    "mood": st.sampled_from(["happy", "sad", "meh", "a b", "Ünï"]),
    "moods": st.lists(st.sampled_from(["happy", "sad", "meh", "a b", "Ünï"]), max_size=4),
    "scores": st.lists(_int4, max_size=4),
    "tags": st.none() | st.lists(_text, max_size=4),
    "profile": st.recursive(st.none() | st.booleans() | _int4 | _text,
                            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
                            max_leaves=6).filter(lambda v: v is not None),  # None is SQL NULL: refused
    "balance": st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False),
    "ratio": st.none() | st.floats(allow_nan=False),
    "avatar": st.none() | st.binary(max_size=16),
    "active": st.booleans(),
    "born": st.none() | st.dates(),
    "wakes_at": st.none() | st.times(),
    "seen_at": st.none() | st.datetimes(),
    "session_len": st.none() | st.timedeltas(min_value=datetime.timedelta(days=-10**5),
                                             max_value=datetime.timedelta(days=10**5)),
})


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(many=st.lists(_users, min_size=32, max_size=40, unique_by=lambda v: v["handle"]))
def test_postgres_copy_then_list_many(project: dict[str, ModuleType], conn: psycopg.Connection[Any],
                                      many: list[dict[str, Any]]) -> None:
    """:copyfrom writes drawn rows (COPY FROM STDIN, sync and async); a :many of 32 rows or more
    reads them in both row styles (tuple rows through TypedRows' proven path) equal to psycopg's
    raw read, values and Python types."""
    try:
        for style in ("model", "tuple"):
            users = project[f"{style}.queries.users"]
            conn.execute("DELETE FROM users")
            params = [users.CopyUsersParams(**values) for values in many]
            if style == "model":
                assert users.copy_users(conn, params) == len(many)
            else:
                conn.commit()

                async def copy() -> int:
                    async with await psycopg.AsyncConnection.connect(conn.info.dsn) as aconn:
                        async with aconn.transaction():
                            return int(await project["tuple.aio.users"].copy_users(aconn, params))

                assert asyncio.run(copy()) == len(many)
            raw = conn.execute(users.LIST_PLAIN.replace("%%", "%")).fetchall()
            rows = _checked(users.list_plain, users.list_plain(conn))
            assert _plain(rows) == raw
            assert [[type(v) for v in row] for row in _plain(rows)] == [[type(v) for v in row] for row in raw]
    finally:
        conn.rollback()
        conn.execute("DELETE FROM users")
        conn.commit()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=_users)
def test_postgres_users_round_trip(project: dict[str, ModuleType], conn: psycopg.Connection[Any],
                                   values: dict[str, Any]) -> None:
    """Drawn users written and read back by the generated functions equal what psycopg reads raw."""
    try:
        for style in ("model", "tuple"):
            users = project[f"{style}.queries.users"]
            conn.execute("DELETE FROM users")
            created = _checked(users.create_user, users.create_user(conn, **values))
            got = _checked(users.get_user, users.get_user(conn, id=created.id))
            assert got == created
            raw = conn.execute("SELECT id, handle, display_name, mood::text, moods::text[], scores, tags, profile,"
                               " balance, ratio, avatar, active, born, wakes_at, created_at, seen_at, session_len,"
                               " handle_lower FROM users WHERE id = %s", (created.id,)).fetchone()
            assert _plain(got) == raw
            for name, value in values.items():
                assert getattr(got, name) == value, name
            assert _checked(users.search_users, users.search_users(conn, pattern="", lim=5, off=0))[0].id == got.id
            assert users.users_by_handles(conn, handles=[values["handle"], "\x01"]) == [values["handle"]]
            assert users.users_by_handles(conn, handles=[]) == []
            assert users.users_by_ids(conn, ids=[got.id]) == [values["handle"]]
            assert users.users_in_moods(conn, arg1=[values["mood"]]) == [values["handle"]]
    finally:
        conn.rollback()


@pytest.mark.parametrize("where", ["id = ANY(sqlc.slice(ids))", "id = sqlc.slice(ids)",
                                   "(id, id) IN ((sqlc.slice(ids)))"])
def test_postgres_slice_outside_in_list_is_an_error(tmp_path: Path, where: str) -> None:
    """sqlc.slice expands to one marker per item, a list only inside IN (...): `= ANY(sqlc.slice(x))`
    (how a PostgreSQL user reaches for it) generated code sending `ANY($1, $2)`, a syntax error on
    every call with two items. It is an error at the slice, and nothing is written."""
    root = _project(tmp_path, {"q.sql": f"-- name: Pick :many\nSELECT handle FROM users WHERE {where};\n"})
    result = run_cli(root)
    column = 1 + len("SELECT handle FROM users WHERE ") + where.index("sqlc.slice")
    assert result.code == 1
    assert result.errors == [f"queries/q.sql:2:{column}: error: query Pick: sqlc.slice(ids) must be an item of an "
                             "IN (...) list; to compare with an array, pass it whole: = ANY(sqlc.arg(ids))"]
    assert read_tree(root / "pgu_models") == {}
