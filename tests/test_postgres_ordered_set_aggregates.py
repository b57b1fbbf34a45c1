"""PostgreSQL's ordered-set and hypothetical-set aggregates, f(...) WITHIN GROUP (ORDER BY key), were
typing.Any (percentile_cont, percentile_disc, mode, rank(3) WITHIN GROUP...), and a fraction passed
as a parameter was typing.Any too. They are typed as the server types them: percentile_cont a double
precision (an interval over intervals), percentile_disc and mode the key's type, an array of them
for an array of fractions, all NULL over no rows; the hypothetical rank a bigint, cume_dist a double
precision, never NULL.

Drawn: rows (none too) and fractions. Oracle: the server's result and parameter types
(pg_prepared_statements) and the same SQL run raw."""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import annotation_text, generate, import_module, imported

SCHEMA = "CREATE TABLE samples (id int PRIMARY KEY, day date NOT NULL, took interval NOT NULL, kind text NOT NULL);\n"
SQL = ("SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY id) AS p90, "
       "percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY id) AS ps, "
       "percentile_disc(@f) WITHIN GROUP (ORDER BY day) AS median_day, "
       "percentile_cont(0.5) WITHIN GROUP (ORDER BY took) AS median_took, "
       "mode() WITHIN GROUP (ORDER BY kind) AS top_kind, "
       "rank(3) WITHIN GROUP (ORDER BY id) AS would_rank, cume_dist(3) WITHIN GROUP (ORDER BY id) AS would_dist "
       "FROM samples")
ANNOTATION_OF = {"double precision": "float", "double precision[]": "list[float]", "date": "datetime.date",
                 "interval": "datetime.timedelta", "text": "str", "bigint": "int"}


@pytest.fixture(scope="module")
def q(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    out = generate(tmp_path_factory.mktemp("ordered_set"), {"1.sql": SCHEMA},
                   {"q.sql": f"-- name: Summary :one\n{SQL};\n"}, out="gen_ordered_set", engine="postgresql")
    with imported(out) as package:
        yield import_module(package, "queries.q")


def test_postgres_ordered_set_aggregates_are_typed_as_the_server_types_them(q: Any, postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(SCHEMA)
        # percentile_disc($1) alone is ambiguous (float8 or float8[]) to a PREPARE without types:
        # psycopg sends a float as float8, which this PREPARE says too
        conn.execute(f"PREPARE summary (float8) AS {SQL.replace('@f', '$1')}".encode())
        results, parameters = conn.execute("SELECT result_types::text[], parameter_types::text[] "
                                           "FROM pg_prepared_statements WHERE name = 'summary'").fetchone()
    fields = q.SummaryRow.model_fields
    assert {n: annotation_text(f.annotation).removesuffix(" | None")
            for n, f in fields.items()} == {n: ANNOTATION_OF[t] for n, t in zip(fields, results)}
    nullable = {n for n, f in fields.items() if "None" in str(f.annotation)}
    assert nullable == {"p90", "ps", "median_day", "median_took", "top_kind"}  # NULL over no rows
    assert parameters == ["double precision"] and typing.get_type_hints(q.summary)["f"] is float


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 90), st.sampled_from(["a", "b", "c"])),
                     max_size=6, unique_by=lambda r: r[0]),
       f=st.floats(0, 1))
def test_postgres_ordered_set_aggregates_read_what_the_server_returns(q: Any, postgres_url: str,
                                                                      rows: list[tuple[int, int, str]], f: float) -> None:
    with psycopg.connect(postgres_url) as conn:
        conn.execute(SCHEMA)
        try:
            for id_, days, kind in rows:
                conn.execute("INSERT INTO samples VALUES (%s, %s, %s, %s)",
                             (id_, date(2026, 1, 1) + timedelta(days=days), timedelta(minutes=days), kind))
            raw = conn.execute(re.sub(r"@f", "%(f)s::float8", SQL).encode(), {"f": f}).fetchone()
            assert tuple(q.summary(conn, f=f).model_dump().values()) == raw
        finally:
            conn.rollback()
