"""PostgreSQL intervals keep months apart from days (`'1 mon'` is not `'30 days'` in date
arithmetic); Python's timedelta has no months, and psycopg reads a month as 30 days. The README
says so and says what keeps the months: reading the column as text. This test shows each part on
a real server through the generated functions: the month read as 30 days, written back as days,
equal under the server's interval comparison, different in arithmetic, and kept by `::text`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import psycopg

from _support import generate, import_module, imported

SCHEMA = "CREATE TABLE plans (id bigint PRIMARY KEY, period interval NOT NULL);\n"
QUERIES = """\
-- name: GetPeriod :one
SELECT period FROM plans WHERE id = $1;

-- name: GetPeriodText :one
SELECT period::text AS period FROM plans WHERE id = $1;

-- name: AddPlan :exec
INSERT INTO plans (id, period) VALUES ($1, $2);

-- name: Renews :one
SELECT (DATE '2024-01-31' + period)::date AS renews FROM plans WHERE id = $1;
"""


def test_postgres_an_intervals_months_read_as_30_days_and_kept_as_text(tmp_path: Path, postgres_url: str) -> None:
    out = generate(tmp_path, {"1.sql": SCHEMA}, {"q.sql": QUERIES}, engine="postgresql")
    with imported(out) as package, psycopg.connect(postgres_url, autocommit=True) as conn:
        queries = import_module(package, "queries.q")
        conn.execute(SCHEMA)
        conn.execute("INSERT INTO plans VALUES (1, '1 mon 2 days')")
        period = queries.get_period(conn, id=1)
        assert period == dt.timedelta(days=32)
        queries.add_plan(conn, id=2, period=period)  # the row written back: days, not a month
        assert queries.get_period_text(conn, id=2) == "32 days"
        assert conn.execute("SELECT a.period = b.period FROM plans a, plans b WHERE a.id = 1 AND b.id = 2"
                            ).fetchone() == (True,)
        assert (queries.renews(conn, id=1), queries.renews(conn, id=2)) == (dt.date(2024, 3, 2), dt.date(2024, 3, 3))
        assert queries.get_period_text(conn, id=1) == "1 mon 2 days"
