"""The columns of a derived table, a CTE, a table function and a VALUES list, and the names of FROM
items (aliases, CTEs), are named as the server names them: an unquoted name folds to lower case, a
quoted one keeps its case. Generation accepted `SELECT d.total FROM (SELECT sum(qty) AS "Total" ...) d`,
`SELECT x.id FROM items AS "X"` and `WITH "C" AS (...) SELECT id FROM c`, which PostgreSQL refuses
at PREPARE, so the generated function failed at every call; and a column list's unquoted `AS u(X)`
had to be read as x.

Drawn: a column name, how the inner query names it (alias, quoted or not; a CTE's or FROM item's
column list) and how the outer query reads it. Oracle: the server's PREPARE verdict, which
generation must share (refused: a located error; accepted: the function runs and reads the value)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests._support import generate, import_module, imported, make_project, run_cli

SCHEMA = "CREATE TABLE items (id bigserial PRIMARY KEY, name text NOT NULL, qty int NOT NULL DEFAULT 0);\n"


def _quoted(name: str, quoted: bool) -> str:
    return f'"{name}"' if quoted else name


# How the inner query gives the column its name; {inner} is the name as written there.
FORMS = {
    "derived": "SELECT d.{outer} FROM (SELECT sum(qty) AS {inner} FROM items) d",
    "cte": "WITH c AS (SELECT name AS {inner} FROM items) SELECT c.{outer} FROM c",
    "cte list": "WITH c({inner}) AS (SELECT name FROM items) SELECT {outer} FROM c",
    "function list": "SELECT u.{outer} FROM unnest(ARRAY[1, 2]) AS u({inner})",
    "values list": "SELECT v.{outer} FROM (VALUES (1)) AS v({inner})",
    # the FROM item's own name: an alias, a CTE's name, a star through an alias
    "table alias": "SELECT {outer}.id FROM items AS {inner}",
    "cte name": "WITH {inner} AS (SELECT id FROM items) SELECT id FROM {outer}",
    "cte qualifier": "WITH {inner} AS (SELECT id FROM items) SELECT {outer}.id FROM {inner}",
    "star": "SELECT {outer}.* FROM items {inner}",
    "join alias": "SELECT a.id FROM items a JOIN items {inner} ON {outer}.id = a.id",
    # two FROM items whose names differ only in case ({twin} is the name lower-cased, unquoted): the
    # qualifier picks the one named exactly so (generation picked the last, whatever the case)
    "cte twins": "WITH {inner} AS (SELECT id FROM items), {twin} AS (SELECT name FROM items) "
                 "SELECT {outer}.id FROM {inner}, {twin}",
    "alias twins": "SELECT {outer}.id FROM items AS {inner} JOIN (SELECT name FROM items) {twin} ON true",
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=st.sampled_from(sorted(FORMS)),
       name=st.text("abcXYZ", min_size=1, max_size=4).map(lambda s: "k" + s),
       inner_quoted=st.booleans(), outer_quoted=st.booleans(), outer_case=st.sampled_from(["same", "lower", "upper"]))
def test_postgres_a_derived_column_is_found_as_the_server_finds_it(
        tmp_path_factory: pytest.TempPathFactory, postgres_url: str, form: str, name: str,
        inner_quoted: bool, outer_quoted: bool, outer_case: str) -> None:
    outer_name = {"same": name, "lower": name.lower(), "upper": name.upper()}[outer_case]
    sql = FORMS[form].format(inner=_quoted(name, inner_quoted), outer=_quoted(outer_name, outer_quoted),
                             twin=name.lower())
    with psycopg.connect(postgres_url, autocommit=True) as server:
        server.execute(SCHEMA.encode())
        try:
            server.execute(f"PREPARE drawn AS {sql}".encode())
            refused_by_server = False
        except psycopg.Error:
            refused_by_server = True
        server.execute("DROP TABLE items")
    root = make_project(tmp_path_factory.mktemp("derived_case"), {"1.sql": SCHEMA},
                        {"q.sql": f"-- name: Drawn :many\n{sql};\n"}, engine="postgresql")
    result = run_cli(root)
    assert (result.code != 0) == refused_by_server, (sql, result.stderr)
    if refused_by_server:
        assert result.errors and result.errors[0].startswith("queries/q.sql:2:"), result.stderr


QUERIES = """
-- name: Folded :many
SELECT d.total, d.count, d.n FROM (SELECT sum(qty) AS Total, count(*), max(name) AS N FROM items) d;

-- name: ColumnList :many
WITH c(N, "M") AS (SELECT name, qty FROM items) SELECT n, "M" FROM c ORDER BY n;

-- name: FunctionList :many
SELECT u.x, v.column1 FROM unnest(ARRAY[1, 2]) AS u(X), (VALUES (7)) v ORDER BY u.x;

-- name: CaseTwins :many
WITH "C" AS (SELECT id FROM items), c AS (SELECT name FROM items)
SELECT "C".id, c.name, x.qty FROM "C", c, items "X" JOIN items x ON x.id = "X".id AND "X".id = 1 ORDER BY 1, 2;

-- name: QuotedStar :many
SELECT * FROM (SELECT id AS "ID", name FROM items) s WHERE s."ID" > 0 ORDER BY s."ID";
"""


@pytest.fixture(scope="module")
def q(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    out = generate(tmp_path_factory.mktemp("derived_case_pkg"), {"1.sql": SCHEMA}, {"q.sql": QUERIES},
                   out="gen_derived_case", engine="postgresql")
    with imported(out) as pkg:
        yield import_module(pkg, "queries.q")


def test_postgres_folded_and_quoted_derived_columns_are_read(q: Any, postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(SCHEMA.encode())
        conn.execute("INSERT INTO items (name, qty) VALUES ('a', 2), ('b', 3)")
        assert [(r.total, r.count_, r.n) for r in q.folded(conn)] == [(5, 2, "b")]
        assert [(r.n, r.M) for r in q.column_list(conn)] == [("a", 2), ("b", 3)]
        assert [(r.x, r.column1) for r in q.function_list(conn)] == [(1, 7), (2, 7)]
        assert [(r.ID, r.name) for r in q.quoted_star(conn)] == [(1, "a"), (2, "b")]
        assert [(r.id, r.name, r.qty) for r in q.case_twins(conn)] == [(1, "a", 2), (1, "b", 2), (2, "a", 2),
                                                                     (2, "b", 2)]


def test_postgres_the_refusal_names_the_column_as_written(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"1.sql": SCHEMA}, {"q.sql": "-- name: A :many\n"
                        'SELECT d.Total FROM (SELECT sum(qty) AS "Total" FROM items) d;\n'}, engine="postgresql")
    result = run_cli(root)
    assert result.code == 1
    assert result.errors == ['queries/q.sql:2:10: error: query A: no such column: d.total (the column is "Total": '
                             "an unquoted name is folded to lower case, a quoted one keeps its case)"]
