"""The second round of tests/test_drawn_pgverdict.py: what PostgreSQL refuses when it prepares a
query, so at every call of the generated function, in kinds the first round left open. Each drawn
query is judged by codegen and by the server (PREPARE, then EXPLAIN (GENERIC_PLAN)), and the two
must agree both ways: a query generated prepares, a query refused is refused by the server too.

Families (tests/drawn_pgverdict.py, SECOND_FAMILIES): calls of built-in functions of several
arguments with drawn arguments and counts, and of a function that does not exist (judged against
builtin_functions.json, the server's own pg_proc); row values compared ((a, b) = (c, d), IN lists
of rows, widths that differ); x = ANY/ALL(ARRAY[...]) and arrays written as text; one parameter
where two values of the row are; dates, times and intervals written as quoted text. Tables have
columns of every type of the first round, times of day and intervals too.

Not judged, by design (the figures count them): a call the server finds ambiguous ("is not
unique": which overload takes a quoted literal is left to verify --db).
"""

from __future__ import annotations

import itertools
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import drawn_pgverdict
from test_drawn_pgverdict import FIGURES, server_refusal, verdicts

EXAMPLES = int(os.environ.get("DRAWN_PGVERDICT2_EXAMPLES", "60"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    derandomize=not os.environ.get("DRAWN_PGVERDICT2_RANDOM"),
                    suppress_health_check=list(HealthCheck))
COLLECT = os.environ.get("DRAWN_PGVERDICT2_FAILURES")
_SCHEMAS = itertools.count(1)
# Server verdicts generation does not try to reach (see the module's docstring).
# "is not unique": left to verify --db. An unknown function: a warning (an error under `strict`), since
# the database may have it from outside the migrations (test_an_unknown_function_warns_and_strict_refuses).
_NOT_JUDGED = ("is not unique", "function nosuch_fn(")


@pytest.fixture(scope="module")
def pg(postgres_server: Any) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(postgres_server.get_uri(), autocommit=True) as conn:
        conn.execute("SET statement_timeout = '5s'")
        yield conn
    print("\ndrawn pgverdict2: " + "; ".join(f"{k} {v}" for k, v in sorted(FIGURES.items())))


def test_drawn_second_round_prepares_exactly_when_generated(pg: psycopg.Connection[Any], tmp_path: Path) -> None:
    @SETTINGS
    @given(data=st.data(), world=drawn_pgverdict.worlds(drawn_pgverdict.MOMENT_KINDS))
    def check(data: st.DataObject, world: drawn_pgverdict.World) -> None:
        drawn = data.draw(drawn_pgverdict.second_queries(world, 8))
        schema = f"pgverdict2_{next(_SCHEMAS)}"
        pg.execute(f"CREATE SCHEMA {schema}".encode())
        try:
            pg.execute(f"SET search_path TO {schema}".encode())
            pg.execute(world.schema().encode())
            wrong = [w for w in verdicts(pg, world, drawn, tmp_path) if not any(n in w for n in _NOT_JUDGED)]
        finally:
            pg.execute(f"DROP SCHEMA {schema} CASCADE".encode())
        if COLLECT:  # a survey: every disagreement written to the file, none raised
            with open(COLLECT, "a", encoding="utf-8") as out:
                out.write("".join(f"{w}\n" for w in wrong))
            return
        assert not wrong, world.schema() + "\n".join(wrong)

    check()


def test_the_function_table_is_the_servers(pg: psycopg.Connection[Any]) -> None:
    """builtin_functions.json is what pg_proc_dump.py reads from this server: each name it lists
    in pg_catalog exists here (a newer server may add names; none may be invented)."""
    from codegen.engines.postgresql import builtins

    listed = set(builtins.table().functions)
    here = {row[0] for row in pg.execute("SELECT DISTINCT proname FROM pg_proc "
                                         "WHERE pronamespace = 'pg_catalog'::regnamespace")}
    assert listed and listed <= here, sorted(listed - here)[:10]
    assert server_refusal(pg, "SELECT lpad(1, 2)") is not None  # the oracle refuses what the table refuses
