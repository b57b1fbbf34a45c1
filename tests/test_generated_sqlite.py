"""A generated package at work: every function called on a real SQLite file.

The package is generated once from the schema and queries below into a temporary folder,
imported from there (and forgotten again afterwards), and each test gets a fresh database
built from the same migration.
"""

from __future__ import annotations

import datetime as dt
import decimal
import sqlite3
import typing
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pydantic
import pytest

from _support import generate, import_module, imported

MIGRATION = """
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT,
    role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin')),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    score REAL,
    balance DECIMAL(10, 2),
    born DATE,
    wake TIME,
    avatar BLOB,
    prefs JSON,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_seen DATETIME
);
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    published_at DATETIME
);
"""

USERS = """
-- name: CreateUser :execlastid
INSERT INTO users (email, name, role, active, score, balance, born, wake, avatar, prefs, last_seen)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: CreateUserReturning :one
INSERT INTO users (email) VALUES (?) RETURNING *;

-- name: GetUser :one
SELECT * FROM users WHERE id = ?;

-- name: GetUserByEmail :one
SELECT * FROM users WHERE email = ?;

-- name: UserName :one
SELECT name FROM users WHERE id = ?;

-- name: UserNames :many
SELECT name FROM users ORDER BY id;

-- name: ListUsersByIds :many
SELECT * FROM users WHERE id IN (sqlc.slice(ids)) ORDER BY id;

-- name: ListUsersNotIn :many
SELECT id FROM users WHERE id NOT IN (sqlc.slice(ids)) ORDER BY id;

-- name: UsersCreatedBefore :many
SELECT id FROM users WHERE created_at < ? ORDER BY id;

-- name: UsersSeenBetween :many
SELECT id FROM users WHERE last_seen BETWEEN sqlc.arg(start) AND sqlc.arg(stop) ORDER BY id;

-- name: SetRole :execrows
UPDATE users SET role = ? WHERE id = ?;

-- name: Deactivate :execrows
UPDATE users SET active = FALSE WHERE id IN (sqlc.slice(ids)) AND active;

-- name: TouchUser :exec
UPDATE users SET last_seen = ? WHERE id = ?;

-- name: RenameReturning :one
UPDATE users SET name = ? WHERE id = ? RETURNING id, name;

-- name: CountUsers :one
SELECT COUNT(*) FROM users;

-- name: UserStats :one
SELECT COUNT(*) AS n, MAX(score) AS best, MIN(created_at) AS first_created FROM users;

-- name: DeleteUser :execrows
DELETE FROM users WHERE id = ?;
"""

POSTS = """
-- name: CreatePost :execlastid
INSERT INTO posts (user_id, title, published_at) VALUES (?, ?, ?);

-- name: UsersWithPosts :many
SELECT sqlc.embed(users), sqlc.embed(posts)
FROM users
LEFT JOIN posts ON posts.user_id = users.id
ORDER BY users.id, posts.id;

-- name: PostWithAuthor :one
SELECT sqlc.embed(posts), users.email FROM posts JOIN users ON users.id = posts.user_id WHERE posts.id = ?;

-- name: PostCounts :many
SELECT users.id, COUNT(posts.id) AS n, MAX(posts.published_at) AS latest
FROM users
LEFT JOIN posts ON posts.user_id = users.id
GROUP BY users.id
ORDER BY users.id;

-- name: FilterPosts :many
SELECT id, title FROM posts
WHERE (sqlc.narg(user_id) IS NULL OR user_id = sqlc.narg(user_id))
ORDER BY id;

-- name: TitlesQualified :many
SELECT main.posts.id, main.posts.title, u.email FROM main.posts JOIN main.users AS u ON u.id = main.posts.user_id
ORDER BY main.posts.id;
"""


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, ModuleType]]:
    root = tmp_path_factory.mktemp("generated_sqlite")
    # NamedTuple rows here (tuple(row), row._fields); tests/test_rows.py runs the same project with model rows.
    out = generate(root, {"1_init.sql": MIGRATION}, {"users.sql": USERS, "posts.sql": POSTS}, out="appdb",
                   extra='rows = "tuple"')
    with imported(out) as package:
        yield import_module(package, "queries.users"), import_module(package, "queries.posts")


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(tmp_path / "app.sqlite")
    connection.executescript(MIGRATION)
    yield connection
    connection.close()


@pytest.fixture
def users(pkg: tuple[ModuleType, ModuleType]) -> ModuleType:
    return pkg[0]


@pytest.fixture
def posts(pkg: tuple[ModuleType, ModuleType]) -> ModuleType:
    return pkg[1]


FULL: dict[str, Any] = dict(
    email="ann@example.com", name="Ann", role="admin", active=False, score=9.5, balance=decimal.Decimal("12.34"),
    born=dt.date(1990, 5, 17), wake=dt.time(6, 30, 15), avatar=b"\x00\xffpng", prefs='{"theme": "dark"}',
    last_seen=dt.datetime(2030, 1, 2, 3, 4, 5),
)


def add_user(users: ModuleType, conn: sqlite3.Connection, email: str, **values: Any) -> int:
    args = {k: None for k in FULL}
    args.update(email=email, role="member", active=True)
    args.update(values)
    return int(users.create_user(conn, **args))


# -- values in and out ----------------------------------------------------------------------

def test_every_type_round_trips(users: ModuleType, conn: sqlite3.Connection) -> None:
    user_id = users.create_user(conn, **FULL)
    assert user_id == 1
    user = users.get_user(conn, id=user_id)
    assert user is not None
    assert type(user).__name__ == "User"
    for key, value in FULL.items():
        got = getattr(user, key)
        assert got == value and type(got) is type(value), key
    assert isinstance(user.created_at, dt.datetime)
    assert users.get_user_by_email(conn, email="ann@example.com") == user


def test_nulls_round_trip(users: ModuleType, conn: sqlite3.Connection) -> None:
    user_id = add_user(users, conn, "nobody@example.com")
    user = users.get_user(conn, id=user_id)
    assert user is not None
    assert (user.name, user.score, user.balance, user.born, user.wake, user.avatar, user.prefs, user.last_seen) == \
        (None,) * 8
    assert (user.role, user.active) == ("member", True)


def test_values_are_stored_as_sqlite_keeps_them(users: ModuleType, conn: sqlite3.Connection) -> None:
    user_id = users.create_user(conn, **FULL)
    row = conn.execute("SELECT last_seen, typeof(last_seen), born, wake, typeof(balance), active, typeof(active) "
                       "FROM users WHERE id = ?", (user_id,)).fetchone()
    assert row == ("2030-01-02 03:04:05", "text", "1990-05-17", "06:30:15", "real", 0, "integer")


def test_datetimes_are_sqlite_text_and_compare_with_current_timestamp(users: ModuleType,
                                                                      conn: sqlite3.Connection) -> None:
    first = add_user(users, conn, "a@example.com")
    second = add_user(users, conn, "b@example.com")
    # created_at came from CURRENT_TIMESTAMP (UTC text): compare it with Python datetimes.
    now = dt.datetime.now(dt.timezone.utc)
    assert users.users_created_before(conn, created_at=now + dt.timedelta(minutes=5)) == [first, second]
    assert users.users_created_before(conn, created_at=now - dt.timedelta(minutes=5)) == []
    # A naive datetime is taken as UTC, like CURRENT_TIMESTAMP.
    naive_now = now.replace(tzinfo=None)
    assert users.users_created_before(conn, created_at=naive_now + dt.timedelta(minutes=5)) == [first, second]
    created = users.get_user(conn, id=first).created_at
    assert abs(created - naive_now) < dt.timedelta(minutes=5)


def test_aware_datetimes_are_stored_in_utc(users: ModuleType, conn: sqlite3.Connection) -> None:
    user_id = add_user(users, conn, "tz@example.com")
    plus_two = dt.timezone(dt.timedelta(hours=2))
    users.touch_user(conn, last_seen=dt.datetime(2030, 6, 1, 12, 0, 0, tzinfo=plus_two), id=user_id)
    assert conn.execute("SELECT last_seen FROM users").fetchone() == ("2030-06-01 10:00:00",)
    assert users.get_user(conn, id=user_id).last_seen == dt.datetime(2030, 6, 1, 10, 0, 0)


def test_datetime_ranges(users: ModuleType, conn: sqlite3.Connection) -> None:
    ids = [add_user(users, conn, f"u{i}@example.com", last_seen=dt.datetime(2030, 1, i + 1, 12)) for i in range(4)]
    found = users.users_seen_between(conn, start=dt.datetime(2030, 1, 2), stop=dt.datetime(2030, 1, 3, 12))
    assert found == ids[1:3]


def test_microseconds_survive(users: ModuleType, conn: sqlite3.Connection) -> None:
    moment = dt.datetime(2030, 1, 2, 3, 4, 5, 123456)
    user_id = add_user(users, conn, "ms@example.com", last_seen=moment)
    assert users.get_user(conn, id=user_id).last_seen == moment


# -- validation ------------------------------------------------------------------------------

def test_literal_columns_are_validated_on_the_way_out(users: ModuleType, conn: sqlite3.Connection) -> None:
    user_id = add_user(users, conn, "x@example.com")
    conn.execute("PRAGMA ignore_check_constraints = ON")
    conn.execute("UPDATE users SET role = 'superuser' WHERE id = ?", (user_id,))
    with pytest.raises(pydantic.ValidationError):
        users.get_user(conn, id=user_id)


def test_check_constraint_still_guards_the_way_in(users: ModuleType, conn: sqlite3.Connection) -> None:
    user_id = add_user(users, conn, "y@example.com")
    with pytest.raises(sqlite3.IntegrityError):
        users.set_role(conn, role="superuser", id=user_id)
    assert users.set_role(conn, role="admin", id=user_id) == 1
    assert users.get_user(conn, id=user_id).role == "admin"


def test_wrongly_typed_values_are_rejected(users: ModuleType, conn: sqlite3.Connection) -> None:
    user_id = add_user(users, conn, "z@example.com")
    conn.execute("UPDATE users SET score = 'not a number' WHERE id = ?", (user_id,))
    with pytest.raises(pydantic.ValidationError):
        users.get_user(conn, id=user_id)


# -- slices ----------------------------------------------------------------------------------

def test_slices(users: ModuleType, conn: sqlite3.Connection) -> None:
    ids = [add_user(users, conn, f"s{i}@example.com") for i in range(4)]
    assert [u.id for u in users.list_users_by_ids(conn, ids=[ids[2], ids[0], 999])] == [ids[0], ids[2]]
    assert [u.id for u in users.list_users_by_ids(conn, ids=(ids[1],))] == [ids[1]]
    assert users.list_users_not_in(conn, ids=[ids[0], ids[3]]) == [ids[1], ids[2]]


def test_empty_slices(users: ModuleType, conn: sqlite3.Connection) -> None:
    """An empty list gives `IN ()`: SQLite accepts it; it matches no row (and NOT IN () every row)."""
    ids = [add_user(users, conn, f"e{i}@example.com") for i in range(3)]
    assert conn.execute("SELECT COUNT(*) FROM users WHERE id IN ()").fetchone() == (0,)
    assert users.list_users_by_ids(conn, ids=[]) == []
    assert users.list_users_not_in(conn, ids=[]) == ids
    assert users.deactivate(conn, ids=[]) == 0


def test_slice_of_many_values(users: ModuleType, conn: sqlite3.Connection) -> None:
    user_id = add_user(users, conn, "many@example.com")
    assert [u.id for u in users.list_users_by_ids(conn, ids=list(range(user_id, user_id + 500)))] == [user_id]


# -- commands --------------------------------------------------------------------------------

def test_execrows_counts_changed_rows(users: ModuleType, conn: sqlite3.Connection) -> None:
    ids = [add_user(users, conn, f"r{i}@example.com") for i in range(3)]
    assert users.deactivate(conn, ids=[ids[0], ids[1], 999]) == 2
    assert users.deactivate(conn, ids=[ids[0], ids[1], ids[2]]) == 1  # only the one still active
    assert users.delete_user(conn, id=999) == 0
    assert users.delete_user(conn, id=ids[0]) == 1


def test_execlastid_returns_the_new_rowid(users: ModuleType, posts: ModuleType, conn: sqlite3.Connection) -> None:
    assert [add_user(users, conn, f"l{i}@example.com") for i in range(3)] == [1, 2, 3]
    conn.execute("DELETE FROM users WHERE id = 3")
    assert add_user(users, conn, "again@example.com") == 3
    assert posts.create_post(conn, user_id=1, title="t", published_at=None) == 1


def test_exec_returns_none(users: ModuleType, conn: sqlite3.Connection) -> None:
    user_id = add_user(users, conn, "n@example.com")
    assert users.touch_user(conn, last_seen=dt.datetime(2031, 1, 1), id=user_id) is None
    assert users.get_user(conn, id=user_id).last_seen == dt.datetime(2031, 1, 1)


def test_one_returns_none_when_there_is_no_row(users: ModuleType, conn: sqlite3.Connection) -> None:
    assert users.get_user(conn, id=1) is None
    assert users.rename_returning(conn, name="x", id=1) is None


def test_single_column_results(users: ModuleType, conn: sqlite3.Connection) -> None:
    named = add_user(users, conn, "named@example.com", name="Bo")
    unnamed = add_user(users, conn, "unnamed@example.com")
    assert users.user_name(conn, id=named) == "Bo"
    # A NULL value and a missing row both read as None for a nullable single column.
    assert users.user_name(conn, id=unnamed) is None
    assert users.user_name(conn, id=999) is None
    assert users.user_names(conn) == ["Bo", None]
    assert users.count_users(conn) == 2


def test_aggregate_one_always_has_a_row(users: ModuleType, conn: sqlite3.Connection) -> None:
    stats = users.user_stats(conn)
    assert (stats.n, stats.best, stats.first_created) == (0, None, None)
    add_user(users, conn, "agg@example.com", score=3.5)
    stats = users.user_stats(conn)
    assert (stats.n, stats.best) == (1, 3.5) and isinstance(stats.first_created, dt.datetime)


def test_returning(users: ModuleType, conn: sqlite3.Connection) -> None:
    created = users.create_user_returning(conn, email="ret@example.com")
    assert created is not None and type(created).__name__ == "User"
    assert (created.id, created.email, created.role, created.active) == (1, "ret@example.com", "member", True)
    renamed = users.rename_returning(conn, name="Ret", id=created.id)
    assert tuple(renamed) == (created.id, "Ret") and renamed._fields == ("id", "name")


def test_functions_never_commit(users: ModuleType, conn: sqlite3.Connection) -> None:
    add_user(users, conn, "tx@example.com")
    assert conn.in_transaction
    conn.rollback()
    assert users.count_users(conn) == 0


# -- embedded rows ---------------------------------------------------------------------------

def test_embed_under_left_join_is_none_without_a_match(users: ModuleType, posts: ModuleType,
                                                       conn: sqlite3.Connection) -> None:
    with_posts = add_user(users, conn, "writer@example.com", name="W")
    without = add_user(users, conn, "reader@example.com")
    p1 = posts.create_post(conn, user_id=with_posts, title="one", published_at=dt.datetime(2030, 1, 1))
    p2 = posts.create_post(conn, user_id=with_posts, title="two", published_at=None)
    rows = posts.users_with_posts(conn)
    assert [(r.users.id, r.posts.id if r.posts else None) for r in rows] == [(with_posts, p1), (with_posts, p2),
                                                                            (without, None)]
    assert type(rows[0].users).__name__ == "User" and type(rows[0].posts).__name__ == "Post"
    assert rows[0].posts.published_at == dt.datetime(2030, 1, 1) and rows[1].posts.published_at is None
    assert rows[0].users.name == "W" and rows[2].users.email == "reader@example.com"


def test_embed_with_plain_columns(users: ModuleType, posts: ModuleType, conn: sqlite3.Connection) -> None:
    author = add_user(users, conn, "au@example.com")
    post_id = posts.create_post(conn, user_id=author, title="hello", published_at=None)
    row = posts.post_with_author(conn, id=post_id)
    assert row is not None
    assert (row.posts.id, row.posts.title, row.email) == (post_id, "hello", "au@example.com")
    assert posts.post_with_author(conn, id=999) is None


def test_outer_join_aggregates(users: ModuleType, posts: ModuleType, conn: sqlite3.Connection) -> None:
    a = add_user(users, conn, "pa@example.com")
    b = add_user(users, conn, "pb@example.com")
    posts.create_post(conn, user_id=a, title="x", published_at=dt.datetime(2030, 5, 5, 5, 5, 5))
    counts = posts.post_counts(conn)
    assert [(c.id, c.n, c.latest) for c in counts] == [(a, 1, dt.datetime(2030, 5, 5, 5, 5, 5)), (b, 0, None)]


def test_nullable_filter_parameter(users: ModuleType, posts: ModuleType, conn: sqlite3.Connection) -> None:
    a = add_user(users, conn, "fa@example.com")
    b = add_user(users, conn, "fb@example.com")
    pa = posts.create_post(conn, user_id=a, title="a", published_at=None)
    pb = posts.create_post(conn, user_id=b, title="b", published_at=None)
    assert [p.id for p in posts.filter_posts(conn, user_id=None)] == [pa, pb]
    assert [p.id for p in posts.filter_posts(conn, user_id=b)] == [pb]


def test_rows_are_named_tuples_of_the_declared_fields(users: ModuleType, conn: sqlite3.Connection) -> None:
    user = users.get_user(conn, id=users.create_user(conn, **FULL))
    assert isinstance(user, tuple)
    assert user._fields == ("id", "email", "name", "role", "active", "score", "balance", "born", "wake", "avatar",
                            "prefs", "created_at", "last_seen")
    assert user._replace(name="Other").name == "Other"


# -- names the generated code itself relies on ------------------------------------------------

def test_parameters_named_like_builtins_work(tmp_path: Path) -> None:
    """Columns called len or str give arguments called len and str; the function body must
    still be able to expand a slice (len) and convert a Decimal (str)."""
    migration = "CREATE TABLE t (id INTEGER PRIMARY KEY, len INTEGER, str TEXT, price DECIMAL(8, 2));"
    out = generate(tmp_path, {"1.sql": migration}, {"q.sql": """
        -- name: BySlice :many
        SELECT id FROM t WHERE len = ? AND id IN (sqlc.slice(ids));

        -- name: SetPrice :execrows
        UPDATE t SET str = ?, price = ? WHERE id = ?;
    """}, out="shadowdb")
    db = sqlite3.connect(tmp_path / "db.sqlite")
    db.executescript(migration + "INSERT INTO t (id, len) VALUES (1, 2);")
    with imported(out) as package:
        q = import_module(package, "queries.q")
        assert q.by_slice(db, len=2, ids=[1, 5]) == [1]
        assert q.set_price(db, str="x", price=decimal.Decimal("1.50"), id=1) == 1
    assert db.execute("SELECT str, price FROM t").fetchone() == ("x", 1.5)
    db.close()


def test_slices_of_converted_types(tmp_path: Path) -> None:
    migration = "CREATE TABLE ev (id INTEGER PRIMARY KEY, at DATETIME NOT NULL, day DATE);"
    out = generate(tmp_path, {"1.sql": migration}, {"q.sql": """
        -- name: AtMoments :many
        SELECT id FROM ev WHERE at IN (sqlc.slice(moments)) ORDER BY id;

        -- name: OnDays :many
        SELECT id FROM ev WHERE day IN (sqlc.slice(days)) ORDER BY id;
    """}, out="slicedb")
    db = sqlite3.connect(tmp_path / "db.sqlite")
    db.executescript(migration + "INSERT INTO ev VALUES (1, '2030-01-01 10:00:00', '2030-01-01'), "
                                 "(2, '2030-01-02 10:00:00', NULL);")
    with imported(out) as package:
        q = import_module(package, "queries.q")
        assert q.at_moments(db, moments=[dt.datetime(2030, 1, 2, 10), dt.datetime(1999, 1, 1)]) == [2]
        assert q.on_days(db, days=[dt.date(2030, 1, 1)]) == [1]
        # NULL never equals anything in IN (...): a None in the list matches nothing and must not crash.
        assert q.on_days(db, days=[None, dt.date(2030, 1, 1)]) == [1]
    db.close()


def test_tables_named_with_their_schema_main(posts: ModuleType, users: ModuleType, conn: sqlite3.Connection) -> None:
    """main.posts is posts (SQLite's name for the database file's schema); before, codegen refused
    the query: no such table: main.posts."""
    uid = users.create_user(conn, **FULL)
    posts.create_post(conn, user_id=uid, title="T", published_at=None)
    assert [tuple(r) for r in posts.titles_qualified(conn)] == [(1, "T", FULL["email"])]
    assert typing.get_type_hints(posts.TitlesQualifiedRow) == {"id": int, "title": str, "email": str}
