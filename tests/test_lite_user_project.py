"""A SQLite user's whole project, end to end: an sqlc project (tests/lite_user: sqlc.yaml with the
sqlc-gen-python plugin, golang-migrate up/down files, queries with every placeholder style and
macro) is generated, `--check` is clean, the generated runner migrates a real file, rolls it back
and migrates it again, `verify --db` finds no drift, and every generated function is called over
drawn data (unicode, NULLs, 64-bit integers, infinities, odd dates, binary, nested JSON).

Each reading call runs through a connection that records the statement and arguments it sends;
the same statement is then run by raw sqlite3 and every value returned is checked against what
SQLite holds: the same integer, text, bytes, float; a bool by SQLite's truth; a date or time as
SQLite's own date functions read it; a Decimal equal to the number stored; JSON decoded."""

from __future__ import annotations

import datetime
import decimal
import json
import math
import shutil
import sqlite3
import subprocess
import sys
import typing
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import import_module, imported, run_cli

PROJECT = Path(__file__).parent / "lite_user"


class Recording:
    """A sqlite3 connection that records what the generated code sends through execute()."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn, self.row_factory, self.sent = conn, None, []  # type: ignore[var-annotated]

    def execute(self, sql: str, args: Any = ()) -> sqlite3.Cursor:
        self.sent.append((sql, tuple(args)))
        return self.conn.execute(sql, args)

    def executemany(self, sql: str, args: Any) -> sqlite3.Cursor:
        return self.conn.executemany(sql, args)


class Project(typing.NamedTuple):
    root: Path
    runtime: ModuleType
    migrations: ModuleType
    users: ModuleType
    posts: ModuleType
    events: ModuleType


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    root = tmp_path_factory.mktemp("lite_user") / "project"
    shutil.copytree(PROJECT, root)
    generated = run_cli(root)
    assert generated.code == 0 and generated.errors == [], generated.stderr
    checked = run_cli(root, "--check")
    assert checked.code == 0, checked.stdout + checked.stderr
    with imported(root / "app" / "db") as package:
        yield Project(root, *(import_module(package, m) for m in ("_runtime", "migrations", "queries.users",
                                                                   "queries.posts", "queries.events")))


def test_migrations_apply_roll_back_and_match(project: Project, tmp_path: Path) -> None:
    db = str(tmp_path / "app.db")
    assert project.migrations.migrate(db, backup=False).version == "000003_events"
    verified = run_cli(project.root, "verify", "--db", db)
    assert verified.code == 0 and "matches the migrations" in verified.stdout, verified.stdout + verified.stderr
    assert project.migrations.rollback(db, to=1, backup=False).version == "000001_users"
    assert project.migrations.status(db).pending == ("000002_posts", "000003_events")
    assert project.migrations.rollback(db, to=0, backup=False).version is None
    assert project.migrations.migrate(db, backup=False).version == "000003_events"
    assert run_cli(project.root, "verify", "--db", db).code == 0


# ---------------------------------------------------------------- drawn data

texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=8)
json_values = st.recursive(st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | texts
                           | st.floats(allow_nan=False, allow_infinity=False),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
                           max_leaves=6)
users_drawn = st.lists(st.fixed_dictionaries({
    "name": st.none() | texts,
    "is_admin": st.booleans(),
    "birthday": st.none() | st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31)),
    "meta": json_values,
    "avatar": st.none() | st.binary(max_size=8),
    "balance": st.integers(-10**12, 10**12).map(lambda cents: decimal.Decimal(cents).scaleb(-2)),
    "status": st.sampled_from(["active", "banned", "deleted"]),
    "score": st.none() | st.floats(allow_nan=False, width=64),
    "posts": st.lists(st.tuples(texts, texts, st.none() | st.integers(-2**63, 2**63 - 1) | texts), max_size=3),
}), min_size=1, max_size=4)
events_drawn = st.lists(st.tuples(
    st.datetimes(datetime.datetime(1, 1, 2), datetime.datetime(9999, 12, 30), timezones=st.sampled_from(
        [datetime.timezone.utc, datetime.timezone(datetime.timedelta(hours=5, minutes=30)),
         datetime.timezone(-datetime.timedelta(hours=8))])),
    st.none() | st.times(),
    st.sampled_from(["click", "view"]),
    json_values.filter(lambda v: v is not None),  # payload is NOT NULL (a JSON None is SQL NULL)
    st.none() | st.integers(-10**9, 10**9).map(lambda c: decimal.Decimal(c).scaleb(-3)),
), max_size=3)


# ---------------------------------------------------------------- agreeing with raw sqlite3

def _leaves(value: Any, cls: Any) -> list[tuple[Any, Any]]:
    """(value, field info or None) per column of one result row, embedded rows flattened."""
    if isinstance(cls, type) and issubclass(cls, pydantic.BaseModel):
        out: list[tuple[Any, Any]] = []
        for name, info in cls.model_fields.items():
            inner = _model_of(info.annotation)
            if inner is not None:
                got = getattr(value, name) if value is not None else None
                out += _leaves(got, inner) if got is not None else [(None, f) for f in inner.model_fields.values()]
            else:
                out.append((getattr(value, name) if value is not None else None, info))
        return out
    return [(value, None)]


def _model_of(annotation: Any) -> Any:
    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, pydantic.BaseModel):
            return arg
    return None


def _sqlite(conn: sqlite3.Connection, sql: str, value: Any) -> Any:
    """A date function of SQLite on a stored value; a number as datetime(x, 'auto') reads it (README:
    a julian day number up to 5373484.5, else unix seconds), spelt out for SQLite before 3.42."""
    if isinstance(value, (int, float)) and not 0 <= value < 5373484.5:
        return conn.execute(sql.replace("?)", "?, 'unixepoch')"), (value,)).fetchone()[0]
    return conn.execute(sql, (value,)).fetchone()[0]


def _close_instants(a: str, b: str) -> bool:
    """Two 'YYYY-MM-DD HH:MM:SS.SSS' texts within a millisecond (SQLite keeps milliseconds)."""
    parse = datetime.datetime.fromisoformat
    return abs(parse(a) - parse(b)) <= datetime.timedelta(milliseconds=1)


def agrees(runtime: ModuleType, conn: sqlite3.Connection, got: Any, info: Any, raw: Any) -> bool:
    metadata = list(info.metadata) if info is not None else []
    if raw is None:
        return got is None
    if any(m is runtime.READ_JSON for m in metadata):
        return bool(got == (json.loads(raw) if isinstance(raw, str) else raw))
    if isinstance(got, bool):
        return isinstance(raw, (int, float)) and got == (raw != 0)
    if isinstance(got, datetime.datetime):
        naive = got.astimezone(datetime.timezone.utc).replace(tzinfo=None) if got.tzinfo else got
        sqlite_reads = _sqlite(conn, "SELECT strftime('%Y-%m-%d %H:%M:%f', ?)", raw)
        return sqlite_reads is not None and _close_instants(naive.isoformat(" "), sqlite_reads)
    if isinstance(got, datetime.date):
        return bool(got.isoformat() == _sqlite(conn, "SELECT date(?)", raw))
    if isinstance(got, datetime.time):
        sqlite_reads = _sqlite(conn, "SELECT strftime('2000-01-01 %H:%M:%f', ?)", raw)
        return sqlite_reads is not None and _close_instants("2000-01-01 " + got.isoformat(), sqlite_reads)
    if isinstance(got, decimal.Decimal):
        return isinstance(raw, (int, float)) and (got == decimal.Decimal(repr(raw) if isinstance(raw, float) else raw)
                                                  or (math.isinf(raw) and got == decimal.Decimal(raw)))
    if isinstance(got, float):
        return isinstance(raw, (int, float)) and got == raw
    return type(got) is type(raw) and bool(got == raw)


def check_read(project: Project, rec: Recording, result: Any, returns: Any) -> None:
    """The rows a reading call returned against raw sqlite3 running what the call sent."""
    sql, args = rec.sent[-1]
    raw_rows = rec.conn.execute(sql, args).fetchall()
    rows = result if isinstance(result, list) else ([] if result is None else [result])
    assert len(rows) == len(raw_rows), (sql, args)
    element = typing.get_args(returns)[0] if typing.get_origin(returns) is list else returns
    cls = _model_of(element) or element
    for row, raw in zip(rows, raw_rows):
        leaves = _leaves(row, cls)
        assert len(leaves) == len(raw), (sql, leaves, raw)
        for (got, info), value in zip(leaves, raw):
            assert agrees(project.runtime, rec.conn, got, info, value), (sql, args, got, value)


def call(project: Project, rec: Recording, module: ModuleType, fn_name: str, /, **kwargs: Any) -> Any:
    fn = getattr(module, fn_name)
    before = len(rec.sent)
    result = fn(rec, **kwargs)
    returns = typing.get_type_hints(fn)["return"]
    if typing.get_origin(returns) is list or _model_of(returns) is not None or returns in (int, str, float) \
            or fn_name in ("get_user", "get_user_by_email", "user_stats"):
        if len(rec.sent) > before and rec.sent[-1][0].lstrip().upper().startswith(("SELECT", "WITH")):
            check_read(project, rec, result, returns)
    return result


# Values other writers leave (SQLite's own functions, other languages' drivers): each form SQLite's
# date functions read, booleans as any number, JSON text as written.
odd_instants = st.one_of(
    st.datetimes(datetime.datetime(1, 1, 1), datetime.datetime(9999, 12, 31)).map(
        lambda d: d.isoformat("T") + "Z"),
    st.datetimes(datetime.datetime(1, 1, 1), datetime.datetime(9999, 12, 31)).map(lambda d: d.isoformat(" ")),
    st.datetimes(datetime.datetime(1900, 1, 1), datetime.datetime(2100, 1, 1)).map(
        lambda d: d.strftime("%Y-%m-%d %H:%M")),
    st.integers(5373485, 253402300799),  # unix seconds
    st.floats(1721426, 5373484.4),  # julian day numbers (from year 1: Python's datetime starts there)
    st.just("2024-02-29 12:00:00+05:30"),
)
odd_rows = st.lists(st.tuples(odd_instants, odd_instants, st.sampled_from([0, 1, 2, -1]),
                              st.sampled_from(['{"x": 1}', ' [1, 2] ', '"text"', "3", "null"])), max_size=3)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(people=users_drawn, happenings=events_drawn, probe=texts, limit=st.integers(-1, 5), odd=odd_rows)
def test_every_function_returns_what_sqlite_holds(project: Project, tmp_path: Path, people: list[dict[str, Any]],
                                                  happenings: list[tuple[Any, ...]], probe: str, limit: int,
                                                  odd: list[tuple[Any, ...]]) -> None:
    db = tmp_path / "app.db"
    db.unlink(missing_ok=True)
    project.migrations.migrate(str(db), backup=False)
    conn = sqlite3.connect(db)
    rec = Recording(conn)
    p, users, posts, events = project, project.users, project.posts, project.events
    try:
        made = []
        for i, person in enumerate(people):
            drawn_posts = person.pop("posts")
            user = users.create_user(rec, email=f"{probe}{i}@example.org", **person)
            assert (user.name, user.meta, user.avatar, user.balance, user.score) == \
                (person["name"], person["meta"], person["avatar"], person["balance"], person["score"])
            check_read(p, rec, call(p, rec, users, "get_user", id=user.id) and [user], list[type(user)])
            parent = None
            for title, body, rating in drawn_posts:
                post = posts.create_post(rec, user_id=user.id, title=title, body=body, parent_id=parent, rating=rating)
                assert (post.title, post.rating) == (title, rating)
                parent = post.id
            made.append(user)
        ids = [u.id for u in made]
        for h in happenings:
            event = events.add_event(rec, user_id=ids[0] if h[2] == "click" else None, at=h[0], at_time=h[1],
                                     kind=h[2], payload=h[3], amount=h[4])
            assert event.at == h[0] and event.payload == h[3] and event.amount == h[4]
        for k, (created, at, flag, meta) in enumerate(odd):
            conn.execute("INSERT INTO users (email, is_admin, created_at, birthday, meta) VALUES (?, ?, ?, ?, ?)",
                         (f"odd{k}@x", flag, created, at, meta))
            conn.execute("INSERT INTO events (at, at_time, kind, payload) VALUES (?, ?, 'view', ?)", (at, created, meta))
        posts.create_tag(rec, name=probe, color=None)
        posts.create_tag(rec, name=probe, color="red")
        posts.tag_post(rec, params=[posts.TagPostParams(post_id=i, tag=probe) for i in (1, 2, 1)])
        assert posts.import_posts(rec, rows=[posts.ImportPostsParams(user_id=ids[-1], title=probe, body="")]) == 1

        reads: list[tuple[ModuleType, str, dict[str, Any]]] = [
            (users, "get_user_by_email", {"email": made[0].email.upper()}),
            (users, "list_users", {"lim": limit, "off": 1}),
            (users, "users_by_ids", {"ids": ids[:2] + [10**12]}),
            (users, "users_by_ids", {"ids": []}),
            (users, "users_born_on", {"days": [u.birthday for u in made if u.birthday], "statuses": ["deleted"]}),
            (users, "search_users", {}),
            (users, "search_users", {"is_admin": False, "order_by": "-score"}),
            (users, "search_users", {"name_like": f"%{probe}%", "status": "active", "order_by": "-created_at"}),
            (users, "search_users", {"min_balance": decimal.Decimal("0.5"), "order_by": "balance"}),
            (users, "user_stats", {}),
            (users, "user_facts", {}),
            (users, "users_like", {"email": f"{probe}%", "name": f"*{probe}*"}),
            (users, "users_with_post_count", {}),
            (users, "user_window", {}),
            (users, "counting", {"x": max(limit, 0)}),
            (posts, "get_post_with_author", {"id": 1}),
            (posts, "posts_with_parent", {}),
            (posts, "users_and_posts", {}),
            (posts, "tags_of_posts", {}),
            (posts, "stats_with_user", {}),
            (posts, "thread", {"id": 1}),
            (posts, "posts_page", {"limit": limit, "offset": 0}),
            (posts, "posts_page", {"title_like": f"{probe}%", "limit": 3, "offset": 1, "order_by": "-views"}),
            (events, "events_since", {"at": datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)}),
            (events, "event_kinds", {}),
            (events, "event_payloads", {}),
            (events, "events_of_users", {}),
        ]
        for module, name, kwargs in reads:
            call(p, rec, module, name, **kwargs)
        if probe.isalnum():
            call(p, rec, posts, "search_posts", posts_fts=f'"{probe}"')
        firsts = posts.first_post_of(rec, params=[posts.FirstPostOfParams(user_id=i) for i in ids])
        lists = posts.posts_of_users(rec, params=[posts.PostsOfUsersParams(user_id=i) for i in ids])
        assert [f.id if f else None for f in firsts] == [(ls[0].id if ls else None) for ls in lists]

        # writes: what each count says against what the database did
        changes = conn.total_changes
        viewed = posts.bump_views(rec, user_id=ids[0])
        assert viewed == conn.total_changes - changes == len(lists[0])
        banned = users.ban_users(rec, score=0.0)
        assert banned == sum(1 for u in made if u.score is not None and u.score < 0)
        assert users.upsert_user(rec, email=made[0].email, name=probe).id == ids[0]
        assert users.insert_ignored(rec, email=made[0].email, name=None) is None
        assert users.add_user_last_id(rec, email=made[0].email) is None
        new_id = users.add_user_last_id(rec, email=f"new{probe}@x")
        assert new_id is not None and users.get_user(rec, id=new_id) is not None
        result = users.add_user_result(rec, email=f"newer{probe}@x")
        assert result.rowcount == 1 and users.get_user(rec, id=result.lastrowid) is not None
        assert users.add_user_result(rec, email=f"NEWER{probe}@x") == p.runtime.ExecResult(0, None)
        assert users.set_profile(rec, meta={"x": probe}, avatar=None, balance=decimal.Decimal("1E+3"),
                                 birthday=None, id=ids[0]) == 1
        assert call(p, rec, users, "user_facts")[0].meta_x == probe
        users.delete_user(rec, id=ids[0])
        assert users.get_user(rec, id=ids[0]) is None
    finally:
        conn.close()


def test_generated_package_passes_mypy_strict(project: Project, tmp_path: Path) -> None:
    checked = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "mypy"),
                              str(project.root / "app" / "db")], capture_output=True, text=True, timeout=300)
    assert checked.returncode == 0, checked.stdout + checked.stderr
