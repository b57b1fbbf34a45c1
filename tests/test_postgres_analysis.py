"""PostgreSQL analysis: what codegen infers for a schema and one query, checked on a real server.

Each case is a schema, a query and what analysis must find, written as in test_analyze.py
(`name:type`, `?` when nullable, `[]` per array dimension, the type as `describe` prints it
without module prefixes), or the error it must report. Analysis needs no server. The
test_postgres_* tests then PREPARE every case on a real PostgreSQL (tests/conftest.py starts
one) and compare the parameter and result types the server reports with ours, check that every
query we reject the server rejects too, and prove with rows each nullability where we differ
from sqlc (which calls these results NOT NULL).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from _support import config_text, write_files
from codegen import ir, pipeline
from codegen.config import load_config
from codegen.describe import describe
from codegen.errors import CodegenError


@dataclass(frozen=True)
class Case:
    name: str
    schema: str
    query: str
    params: str = "(none)"
    columns: str = "(none)"
    error: str | None = None  # a substring of the message when analysis must fail

    def __str__(self) -> str:
        return self.name


AUTHORS = "CREATE TABLE authors (id bigserial PRIMARY KEY, name text NOT NULL, bio text, tags text[] NOT NULL);"
EVENTS = ("CREATE TABLE events (id int PRIMARY KEY, at timestamptz NOT NULL, local timestamp, day date, "
          "data jsonb NOT NULL, score numeric(10, 2), a int, b int);")
BLOG = ("CREATE TABLE blog (id serial PRIMARY KEY, name text NOT NULL);\n"
        "CREATE FUNCTION blog_rows(p_id int) RETURNS TABLE (id int, name text) AS $$\n"
        "BEGIN RETURN QUERY SELECT blog.id, blog.name FROM blog WHERE blog.id = p_id; END;\n"
        "$$ LANGUAGE plpgsql;\n"
        "CREATE FUNCTION plus(a integer, b integer DEFAULT 1) RETURNS integer AS $$ SELECT a + b $$ LANGUAGE sql;")

CASES = [
    # -- casts, arrays, ANY ------------------------------------------------------------------
    Case("any_array_param", AUTHORS, "SELECT id FROM authors WHERE id = ANY($1::bigint[])",
         "arg1:int[]", "id:int"),
    Case("any_of_column", AUTHORS, "SELECT id FROM authors WHERE $1 = ANY(tags)", "arg1:str", "id:int"),
    Case("array_column_and_index", AUTHORS, "SELECT tags, tags[1] AS first, cardinality(tags) AS n FROM authors",
         columns="tags:str[], first:str?, n:int"),
    Case("array_constructor", AUTHORS, "SELECT ARRAY[1, 2] AS xs, ARRAY(SELECT id FROM authors) AS ids",
         columns="xs:int[], ids:int[]"),
    Case("cast_param", AUTHORS, "SELECT $1::text[] AS texts, $2::int + 1 AS n", "arg1:str[], arg2:int",
         "texts:str[], n:int"),
    Case("update_array_element", AUTHORS, "UPDATE authors SET tags[$1] = $2 WHERE id = $3",
         "tags:int, tags_2:str, id:int"),
    Case("unnest_with_ordinality", AUTHORS,
         "SELECT a.id, t.tag, t.n FROM authors a, unnest(a.tags) WITH ORDINALITY AS t(tag, n)",
         columns="id:int, tag:str, n:int"),
    Case("unnest_with_ordinality_default_name", AUTHORS, "SELECT * FROM unnest($1::text[]) WITH ORDINALITY",
         "arg1:str[]", "unnest:str, ordinality:int"),
    Case("unnest_param", AUTHORS, "SELECT x FROM unnest($1::bigint[]) AS x", "arg1:int[]", "x:int"),
    Case("unnest_column_lateral", AUTHORS, "SELECT a.id, t.tag FROM authors a, LATERAL unnest(a.tags) AS t(tag)",
         columns="id:int, tag:str"),
    # -- parameters from their context -------------------------------------------------------
    # PostgreSQL resolves a CASE subject parameter as text (CASE $1 WHEN true fails on the server)
    Case("param_case_subject", AUTHORS, "UPDATE authors SET bio = CASE $1 WHEN 'x' THEN 'a' ELSE bio END",
         "arg1:str?"),
    Case("param_insert_select", AUTHORS,
         "INSERT INTO authors (name, bio, tags) SELECT name, $1, tags FROM authors WHERE id = $2",
         "bio:str?, id:int"),
    Case("param_function_arg", AUTHORS, "SELECT id FROM authors WHERE name = lower($1)", "lower:str", "id:int"),
    Case("param_concat", AUTHORS, "SELECT id FROM authors WHERE name LIKE $1 || '%'", "arg1:str", "id:int"),
    Case("param_tuple", AUTHORS, "SELECT id FROM authors WHERE (name, bio) = ($1, $2)", "name:str, bio:str?",
         "id:int"),
    Case("named_after_positional", AUTHORS, "SELECT id FROM authors WHERE id > $2 AND bio = @bio AND name = $1",
         "name:str, id:int, bio:str?", "id:int"),
    # -- functions -------------------------------------------------------------------------------
    Case("nullif_keeps_type", AUTHORS, "SELECT NULLIF(id, $1) AS r FROM authors", "id:int", "r:int?"),
    Case("aggregates_without_group", EVENTS,
         "SELECT count(*) AS n, max(at) AS last, sum(a) AS total, avg(score) AS mean, "
         "array_agg(id) AS ids, string_agg(data::text, ',') AS texts FROM events",
         columns="n:int, last:datetime?, total:int?, mean:Decimal?, ids:int[]?, texts:str?"),
    Case("aggregates_grouped", EVENTS,
         "SELECT day, count(*) AS n, max(at) AS last, array_agg(id) AS ids, sum(a) AS total FROM events GROUP BY day",
         columns="day:date?, n:int, last:datetime, ids:int[], total:int?"),
    Case("date_functions", EVENTS,
         "SELECT now() AS t, date_trunc('day', at) AS d, extract(epoch FROM at) AS e, to_char(at, 'YYYY') AS y, "
         "at - now() AS ago, local + interval '1 day' AS later FROM events",
         columns="t:datetime, d:datetime, e:Decimal, y:str, ago:timedelta, later:datetime?"),
    # date_part() is double precision, extract() numeric (PostgreSQL 14+); sqlglot reads both as EXTRACT
    Case("date_part_is_double_extract_numeric", EVENTS,
         "SELECT date_part('epoch', at) AS p, extract(epoch FROM at) AS e, date_part($1, at) AS q FROM events",
         "date_part:str", columns="p:float, e:Decimal, q:float"),
    Case("interval_with_fields", "CREATE TABLE spans (a interval day to second NOT NULL, b interval year);",
         "SELECT a, b, $1::interval hour to minute AS c FROM spans", "arg1:timedelta",
         "a:timedelta, b:timedelta?, c:timedelta"),
    Case("value_functions_in_from", EVENTS, "SELECT * FROM current_date, localtimestamp AS l, current_user",
         columns="current_date:date, l:datetime, current_user:str"),
    # `*` is expanded to names, quoted where PostgreSQL reserves the word
    Case("star_of_reserved_column_names", 'CREATE TABLE flags ("only" int NOT NULL, "array" text, "both" bool);',
         "SELECT * FROM flags", columns="only:int, array:str?, both:bool?"),
    # a call's column is named after the function as written, even where sqlglot renames it
    Case("function_names_as_written", EVENTS,
         "SELECT ceiling(score), mod(id, 3), div(score, 2), pow(score, 2), (char_length(local::text)) FROM events",
         columns="ceiling:Decimal?, mod:int, div:Decimal?, pow:Decimal?, char_length:int?"),
    # sqrt, exp, ln, log and power have numeric versions: numeric in, numeric out
    Case("numeric_math", EVENTS, "SELECT sqrt(score) AS s, ln(score) AS l, log10(a) AS g, power(a, 2) AS p, "
         "exp(score * 2) AS e FROM events", columns="s:Decimal?, l:Decimal?, g:float?, p:float?, e:Decimal?"),
    # a FROM item's name alone is its whole row; NULL under the optional side of an outer join
    Case("whole_row_reference", AUTHORS,
         "SELECT row_to_json(a) AS r, to_jsonb(b) AS j FROM authors a LEFT JOIN authors b ON b.id = a.id + 1",
         columns="r:Any, j:Any?"),
    Case("generate_series_timestamps", EVENTS,
         "SELECT generate_series($1::timestamp, $2::timestamp, '10 hours') AS g", "arg1:datetime, arg2:datetime",
         "g:datetime"),
    Case("generate_series_in_from", EVENTS, "SELECT $1::int + i AS n FROM generate_series(0, $2::int) AS i",
         "arg1:int, arg2:int", "n:int"),
    Case("json_lookups", EVENTS,
         "SELECT data->'a' AS j, data->>'a' AS t, jsonb_extract_path(data, 'a') AS p, jsonb_build_object('k', id) AS o "
         "FROM events", columns="j:Any?, t:str?, p:Any?, o:Any"),
    Case("jsonb_each_columns", EVENTS, "SELECT e.key, e.value FROM events, jsonb_each_text(events.data) AS e",
         columns="key:str, value:str?"),
    Case("strict_function_nullability", AUTHORS, "SELECT upper(name) AS u, upper(bio) AS b FROM authors",
         columns="u:str, b:str?"),
    Case("arithmetic_with_nullable", EVENTS, "SELECT s FROM (SELECT a + b AS s FROM events) AS x", columns="s:int?"),
    Case("user_function_named_args", BLOG, "SELECT plus(b => $2, a => $1) AS p, plus(1) AS q",
         "a:int, b:int", "p:int, q:int"),
    Case("user_function_rows", BLOG, "SELECT id, name FROM blog_rows($1)", "p_id:int", "id:int?, name:str?"),
    Case("advisory_lock", "", "SELECT pg_advisory_unlock($1) AS ok", "pg_advisory_unlock:int", "ok:bool"),
    # -- statements ----------------------------------------------------------------------------------
    Case("view_columns_fixed_at_creation",
         "CREATE TABLE foo (val text NOT NULL);\nCREATE VIEW v AS SELECT * FROM foo;\n"
         "ALTER TABLE foo ADD COLUMN val2 int;", "SELECT * FROM v", columns="val:str"),
    Case("create_table_as_drops_not_null",
         "CREATE TABLE foo (val text NOT NULL);\nCREATE TABLE bar AS SELECT * FROM foo;",
         "SELECT * FROM bar", columns="val:str?"),
    Case("inherits_parent_columns_first",
         "CREATE TABLE party (name text NOT NULL);\nCREATE TABLE org (vat text) INHERITS (party);",
         "SELECT * FROM org", columns="name:str, vat:str?"),
    Case("partition_of_parent",
         "CREATE TABLE m (id int NOT NULL, day date NOT NULL) PARTITION BY RANGE (day);\n"
         "CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
         "SELECT * FROM m_2024", columns="id:int, day:date"),
    Case("update_from_join",
         "CREATE TABLE t (id int, v text);\nCREATE TABLE u (id int, tid int);\nCREATE TABLE w (id int, v text);",
         "UPDATE t SET v = w.v FROM u JOIN w ON w.id = u.id WHERE t.id = u.tid"),
    Case("delete_using", AUTHORS + "\nCREATE TABLE banned (name text NOT NULL);",
         "DELETE FROM authors USING banned WHERE authors.name = banned.name AND banned.name <> $1", "name:str"),
    Case("order_by_output_name", AUTHORS,
         "SELECT a.name FROM authors a JOIN authors b ON a.id = b.id ORDER BY name", columns="name:str"),
    Case("recursive_cte_alias", AUTHORS,
         "WITH RECURSIVE sub(name, bio) AS (SELECT NULL, $1::text UNION SELECT s.bio, e.name FROM sub AS s "
         "LEFT JOIN authors AS e ON e.bio = s.bio WHERE s.bio IS NOT NULL) SELECT s.name FROM sub AS s",
         "arg1:str", "name:str?"),
    Case("subquery_alias_in_where", EVENTS,
         "SELECT id FROM (SELECT id, a - b AS d FROM events) amounts WHERE amounts.d < $1", "d:int?", "id:int"),
    Case("insert_select_case", AUTHORS,
         "INSERT INTO authors (name, tags) SELECT CASE WHEN @upd::boolean THEN @name ELSE s.name END, s.tags "
         "FROM authors s", "upd:bool, name:str"),
    Case("insert_select_where_source_column", AUTHORS,
         "INSERT INTO authors (id, name, bio, tags) SELECT @id, name, bio, tags FROM authors WHERE name = @name",
         "id:int, name:str"),
    Case("insert_values_table_constraint", "CREATE TABLE status (id integer, name text NOT NULL, PRIMARY KEY (id));",
         "INSERT INTO status VALUES ($1, $2)", "id:int, name:str"),
    Case("recursive_cte_in_subquery", EVENTS,
         "SELECT id FROM events WHERE a IN (WITH RECURSIVE cte AS (SELECT id, a FROM events WHERE id = 2 UNION ALL "
         "SELECT c.id, c.a FROM events AS c WHERE c.a = $1) SELECT a FROM cte)", "a:int?", "id:int"),
    # -- errors PostgreSQL reports too ---------------------------------------------------------------
    Case("unknown_table_alias", AUTHORS, "SELECT * FROM authors a JOIN authors b ON a.id = c.id",
         error="no such table or alias: c"),
    Case("unknown_column_in_update", AUTHORS, "UPDATE authors SET is_deleted = true WHERE id = $1",
         error="no column named is_deleted"),
    Case("function_arity", "", "SELECT random(1) AS r", error="function random(unknown) does not exist"),
    Case("too_many_values", AUTHORS, "INSERT INTO authors (name) VALUES ($1, $2)", error="2 values for 1 columns"),
    Case("materialized_view_columns",
         "CREATE TABLE k (ts timestamptz);\nCREATE MATERIALIZED VIEW g AS SELECT date_trunc('day', ts) AS day FROM k;",
         "SELECT sum(earned) FROM g", error="no such column: earned"),
]


def _project(root: Path, case: Case) -> Path:
    command = "exec" if case.columns == "(none)" else "many"
    write_files(root, {
        "pyproject.toml": config_text(schema="schema.sql", queries="query.sql", engine="postgresql"),
        "schema.sql": case.schema + "\n",
        "query.sql": f"-- name: Q :{command}\n{case.query};\n",
    })
    return root


def _analyse(root: Path, case: Case) -> tuple[dict[str, Any], ir.Query]:
    config = load_config(_project(root, case) / "pyproject.toml", root)
    project = pipeline.analyze(config)
    return describe(project, config)["queries"][0], project.files[0].queries[0]


def _show(items: list[dict[str, Any]]) -> str:
    parts = []
    for item in items:
        py_type = re.sub(r"\b(typing|datetime|decimal|uuid)\.", "", str(item["py_type"]))
        parts.append(f"{item['name']}:{py_type}" + "[]" * int(item.get("array", 0)) + ("?" if item["nullable"] else ""))
    return ", ".join(parts) or "(none)"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_analysis(case: Case, tmp_path: Path) -> None:
    if case.error is not None:
        with pytest.raises(CodegenError) as failure:
            _analyse(tmp_path, case)
        assert case.error in str(failure.value)
        return
    described, _ = _analyse(tmp_path, case)
    assert (_show(described["params"]), _show(described["columns"])) == (case.params, case.columns)


# -- on a real server -------------------------------------------------------------------------------

_FAMILIES = {
    ir.INT: {"smallint", "integer", "bigint"}, ir.FLOAT: {"real", "double precision"}, ir.DECIMAL: {"numeric"},
    ir.STR: {"text", "character varying", "character", "name", "unknown"}, ir.BOOL: {"boolean"},
    ir.BYTES: {"bytea"}, ir.JSON: {"json", "jsonb"}, ir.UUID: {"uuid"}, ir.DATE: {"date"},
    ir.DATETIME: {"timestamp without time zone"}, ir.DATETIME_TZ: {"timestamp with time zone"},
    ir.TIME: {"time without time zone"}, ir.TIME_TZ: {"time with time zone"}, ir.INTERVAL: {"interval"},
}


def _numbered(query: ir.Query) -> str:
    """The SQL to send with each %s marker as PostgreSQL's $N of the parameter it carries."""
    slots = iter(query.slots)
    return re.sub(r"%%|%s", lambda m: "%" if m.group() == "%%" else f"${next(slots) + 1}", query.sql)


def _agrees(ours: ir.ValueType, theirs: str) -> bool:
    dims = theirs.count("[]")
    return ours.base == ir.ANY or (theirs.replace("[]", "") in _FAMILIES.get(ours.base, set()) and dims == ours.dims)


@pytest.mark.parametrize("case", [c for c in CASES if c.error is None], ids=str)
def test_postgres_types_agree(case: Case, tmp_path: Path, postgres_url: str) -> None:
    """The server PREPAREs the query (so it is valid) and reports the types we inferred."""
    import psycopg

    _, query = _analyse(tmp_path, case)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        if case.schema:
            conn.execute(case.schema.encode())
        conn.execute(f"PREPARE q AS {_numbered(query)}".encode())
        param_types, result_types = conn.execute(
            "SELECT parameter_types::text[], coalesce(result_types::text[], '{}') FROM pg_prepared_statements "
            "WHERE name = 'q'").fetchone()
    assert len(param_types) == len(query.params)
    assert [p.name for p, t in zip(query.params, param_types) if not _agrees(p.type, t)] == []
    assert len(result_types) == len(query.columns)
    assert [c.name for c, t in zip(query.columns, result_types) if not _agrees(c.type, t)] == []


@pytest.mark.parametrize("case", [c for c in CASES if c.error is not None], ids=str)
def test_postgres_rejects_what_we_reject(case: Case, tmp_path: Path, postgres_url: str) -> None:
    import psycopg

    _project(tmp_path, case)
    text = case.query
    for n, name in enumerate(dict.fromkeys(re.findall(r"@(\w+)", text)), start=1):
        text = text.replace(f"@{name}", f"${n}")
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        if case.schema:
            conn.execute(case.schema.encode())
        with pytest.raises(psycopg.Error):
            conn.execute(f"PREPARE q AS {text}".encode())


# Results sqlc types NOT NULL that PostgreSQL gives as NULL: (schema and rows, query).
NULL_RESULTS = {
    "nullif": (AUTHORS + "INSERT INTO authors (id, name, tags) VALUES (1, 'a', '{}');",
               "SELECT NULLIF(id, 1) FROM authors"),
    "sum_of_nullable_columns": (EVENTS + "INSERT INTO events (id, at, data, a) VALUES (1, now(), '{}', 1);",
                                "SELECT s FROM (SELECT a + b AS s FROM events) AS x"),
    "jsonb_extract_path_missing": (EVENTS + "INSERT INTO events (id, at, data) VALUES (1, now(), '{}');",
                                   "SELECT jsonb_extract_path(data, 'a') FROM events"),
    "aggregate_over_no_rows": (EVENTS, "SELECT max(at) FROM events"),
    "array_agg_over_no_rows": (EVENTS, "SELECT array_agg(id) FROM events"),
    "create_table_as_column": ("CREATE TABLE foo (val text NOT NULL); CREATE TABLE bar AS SELECT * FROM foo;"
                               "INSERT INTO bar VALUES (NULL);", "SELECT val FROM bar"),
}


@pytest.mark.parametrize("name", sorted(NULL_RESULTS))
def test_postgres_results_may_be_null(name: str, postgres_url: str) -> None:
    import psycopg

    setup, query = NULL_RESULTS[name]
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(setup.encode())
        assert conn.execute(query.encode()).fetchone() == (None,)


def test_postgres_set_returning_function_star(tmp_path: Path, postgres_url: str) -> None:
    """SELECT * FROM f() gives the columns of RETURNS TABLE (sqlc makes it one column)."""
    import psycopg

    case = Case("star", BLOG, "SELECT * FROM blog_rows($1)", "p_id:int", "id:int?, name:str?")
    described, _ = _analyse(tmp_path, case)
    assert _show(described["columns"]) == case.columns
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(BLOG.encode())
        cursor = conn.execute("SELECT * FROM blog_rows(1)")
        assert [c.name for c in cursor.description] == ["id", "name"]
