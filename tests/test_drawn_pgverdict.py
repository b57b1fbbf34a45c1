"""Every PostgreSQL query codegen generates prepares on the real server, and codegen refuses none
the server takes.

Generation has no server at hand: PostgreSQL's own parser reads each query (grammar.py), and the
analysis has to find the rest, or the generated function fails at every call. Drawn schemas
(tests/drawn_pgverdict.py) and drawn queries over them, plausible mistakes among them: a column
neither grouped nor aggregated (or grouped through its table's primary key, which PostgreSQL
allows), SELECT DISTINCT ordered by what it does not select, positions out of range, clashing CTE
names and FROM aliases, JOIN ... USING a column one side lacks. The oracle is the server: PREPARE
(parse analysis: names, types, grouping) and EXPLAIN (GENERIC_PLAN) (the planner: an ON CONFLICT
with no arbiter) over the schema the migrations made. A query codegen accepts is prepared as the
generated function sends it; one it refuses, as written, and the server must refuse it too.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import drawn_pgverdict
from drawn_generation import analyze_accepted
from codegen import ir
from codegen.config import Config
from codegen.errors import Diagnostic
from codegen.source import SourceFile

EXAMPLES = int(os.environ.get("DRAWN_PGVERDICT_EXAMPLES", "100"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    derandomize=not os.environ.get("DRAWN_PGVERDICT_RANDOM"),
                    suppress_health_check=list(HealthCheck))
FIGURES: Counter[str] = Counter()
COLLECT = os.environ.get("DRAWN_PGVERDICT_FAILURES")
_SCHEMAS = itertools.count(1)


def server_refusal(conn: psycopg.Connection[Any], sql: str) -> str | None:
    """The server's reason for refusing sql (PREPARE, then the generic plan), or None."""
    try:
        with conn.transaction(force_rollback=True):
            conn.execute(f"PREPARE pgverdict AS {sql}".encode())
            conn.execute("DEALLOCATE pgverdict")
            conn.execute(f"EXPLAIN (GENERIC_PLAN) {sql}".encode())
    except psycopg.Error as error:
        return f"{error.sqlstate}: {str(error).splitlines()[0]}"
    return None


def as_sent(query: ir.Query) -> str:
    """The generated function's statement, psycopg's %s as $n (n: the parameter's slot)."""
    slots = iter(query.slots)
    return re.sub(r"%%|%s", lambda m: "%" if m.group() == "%%" else f"${next(slots) + 1}", query.sql)


def verdicts(conn: psycopg.Connection[Any], world: drawn_pgverdict.World, drawn: list[tuple[str, str]],
             root: Path) -> list[str]:
    """Every disagreement between codegen and the server over the drawn queries."""
    config = Config(path=root / "pyproject.toml", root=root, engine="postgresql", schema=("schema.sql",),
                    queries=("queries",), out="gen", emit_async=False, emit_migrations=False)
    schema = SourceFile.of("schema.sql", world.schema())
    blocks = [f"-- name: Q{i} :{'exec' if sql.startswith(('UPDATE', 'INSERT')) else 'many'}\n{sql};\n"
              for i, (_, sql) in enumerate(drawn)]
    reasons: dict[int, str] = {}

    def refused(diagnostic: Diagnostic) -> None:
        reasons[(diagnostic.line - 1) // 2] = diagnostic.message  # each block is two lines, in order

    project, kept = analyze_accepted(config, schema, lambda kept: [blocks[i] for i in kept], len(drawn), refused)
    generated = dict(zip(kept, project.files[0].queries)) if project.files else {}
    wrong = []
    for index, (family, sql) in enumerate(drawn):
        if index in generated:
            server = server_refusal(conn, as_sent(generated[index]))
            FIGURES[f"{family}: generated" + (", refused by the server" if server else "")] += 1
            if server is not None:
                wrong.append(f"generated, but the server refuses it ({server}):\n  {sql}")
        else:
            server = server_refusal(conn, drawn_pgverdict.as_prepared(sql))
            FIGURES[f"{family}: refused" + (", and by the server" if server else "")] += 1
            if server is None:
                wrong.append(f"refused ({reasons.get(index)}), but the server prepares it:\n  {sql}")
    return wrong


@pytest.fixture(scope="module")
def pg(postgres_server: Any) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(postgres_server.get_uri(), autocommit=True) as conn:
        conn.execute("SET statement_timeout = '5s'")
        yield conn
    print("\ndrawn pgverdict: " + "; ".join(f"{k} {v}" for k, v in sorted(FIGURES.items())))


def test_drawn_queries_prepare_exactly_when_generated(pg: psycopg.Connection[Any], tmp_path: Path) -> None:
    @SETTINGS
    @given(data=st.data(), world=drawn_pgverdict.worlds())
    def check(data: st.DataObject, world: drawn_pgverdict.World) -> None:
        drawn = data.draw(drawn_pgverdict.queries(world, 8))
        schema = f"pgverdict_{next(_SCHEMAS)}"
        pg.execute(f"CREATE SCHEMA {schema}".encode())
        try:
            pg.execute(f"SET search_path TO {schema}".encode())
            pg.execute(world.schema().encode())
            wrong = verdicts(pg, world, drawn, tmp_path)
        finally:
            pg.execute(f"DROP SCHEMA {schema} CASCADE".encode())
        if COLLECT:  # a survey: every disagreement written to the file, none raised
            with open(COLLECT, "a", encoding="utf-8") as out:
                out.write("".join(f"{w}\n" for w in wrong))
            return
        assert not wrong, world.schema() + "\n".join(wrong)

    check()
