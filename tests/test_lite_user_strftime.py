"""strftime() under `strict = true`: sqlglot wraps strftime's time-value in a node of its own,
which the analyzer typed as a call and reported as an unknown function `ts_or_ds_to_timestamp()`,
an error under strict, so a strict project could not use SQLite's most common date function."""

from __future__ import annotations

import datetime
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import import_module, imported, make_project, run_cli

SCHEMA = {"0001.up.sql": "CREATE TABLE events (id INTEGER PRIMARY KEY, at DATETIME NOT NULL, note TEXT);\n"}
QUERIES = {"events.sql": """\
    -- name: YearOf :one
    SELECT strftime('%Y', at) AS y FROM events WHERE id = ?;

    -- name: Formatted :many
    SELECT id, strftime(CAST(sqlc.arg(fmt) AS TEXT), at, '+1 day') AS shown, strftime('%s', 'now') AS now_s FROM events ORDER BY id;

    -- name: Formatted2 :many
    SELECT id FROM events WHERE strftime('%Y', at) = CAST(? AS TEXT) ORDER BY id;

    -- name: ByMonth :many
    SELECT strftime('%Y-%m', at) AS month, count(*) AS n FROM events GROUP BY strftime('%Y-%m', at) ORDER BY month;
    """}


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root = make_project(tmp_path_factory.mktemp("strftime"), SCHEMA, QUERIES, extra="strict = true")
    result = run_cli(root)
    assert (result.code, result.stderr) == (0, ""), result.stderr
    with imported(root / "gen") as package:
        yield import_module(package, "queries.events")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ats=st.lists(st.datetimes(datetime.datetime(1, 1, 1), datetime.datetime(9998, 12, 30)), min_size=1, max_size=5),
       fmt=st.sampled_from(["%Y-%m-%d", "%H:%M:%f", "%j %w", "%s"]))
def test_strftime_generates_under_strict_and_reads_what_sqlite_returns(events: ModuleType, tmp_path: Path,
                                                                         ats: list[datetime.datetime], fmt: str) -> None:
    (tmp_path / "app.db").unlink(missing_ok=True)
    conn = sqlite3.connect(tmp_path / "app.db")
    try:
        conn.executescript(SCHEMA["0001.up.sql"])
        conn.executemany("INSERT INTO events (at) VALUES (?)", [(at.isoformat(" "),) for at in ats])
        assert events.year_of(conn, id=1) == conn.execute(events.YEAR_OF, (1,)).fetchone()[0]
        got = [(r.id, r.shown) for r in events.formatted(conn, fmt=fmt)]
        assert got == [(i, s) for i, s, _ in conn.execute(events.FORMATTED, (fmt,))]
        year = f"{ats[0].year:04d}"
        assert events.formatted2(conn, arg1=year) == [i for (i,) in conn.execute(events.FORMATTED2, (year,))]
        assert [(r.month, r.n) for r in events.by_month(conn)] == conn.execute(events.BY_MONTH).fetchall()
    finally:
        conn.close()
