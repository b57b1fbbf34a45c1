"""Built-in function calls judged against the server's own catalog.

1. Every overload pg_proc has of a function codegen's PostgreSQL table knows (signatures.py), called
   with columns of exactly its argument types: where the server PREPAREs the call, codegen must
   accept it and give its result the type the server reports (pg_prepared_statements.result_types).
   This found `log10(double precision)` refused (sqlglot reads it as log(10, x)), `random(1, 10)`
   (PostgreSQL 17) typed float where the server returns the bounds' type, `uuidv7(interval)`
   (PostgreSQL 18) refused, `reverse(bytea)` and `string_agg(bytea, bytea)` typed str, and
   `make_time` and `json_object` left typing.Any.
2. A window-only function (row_number, rank, lag...) called without OVER is refused by both engines,
   so the generated function failed at every call: generation refuses it, located at the call.
3. Two FROM items whose names differ only in case are two items on PostgreSQL: `"C".id` reads the
   first (tests/test_postgres_derived_column_case.py draws the forms).
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from _support import make_project, refused_by_engine, run_cli
from codegen import ir
from codegen.analyze.query import analyze_block
from codegen.annotate import split_blocks
from codegen.config import load_config
from codegen.engines.postgresql.signatures import SIGNATURES
from codegen.engines.registry import engine_named
from codegen.errors import Located
from codegen.pipeline import build_schema
from codegen.sources import query_files

# A column of each argument type a call may be made with.
COLUMNS = {"bytea": "c_bytea", "text": "c_text", "character varying": "c_vc", "integer": "c_int", "bigint": "c_bigint",
           "smallint": "c_small", "double precision": "c_float", "real": "c_real", "numeric": "c_num",
           "boolean": "c_bool", "timestamp with time zone": "c_tz", "timestamp without time zone": "c_ts",
           "date": "c_date", "time without time zone": "c_time", "interval": "c_iv", "jsonb": "c_jsonb",
           "json": "c_json", "uuid": "c_uuid", "inet": "c_inet", "text[]": "c_texts", "integer[]": "c_ints"}
TABLE = "CREATE TABLE t (" + ", ".join(f"{c} {t} NOT NULL" for t, c in COLUMNS.items()) + ");\n"

# The server's types of each of codegen's value types (the rest are named as the server names them).
FAMILIES = {ir.INT: {"integer", "bigint", "smallint"}, ir.FLOAT: {"double precision", "real"},
            ir.DECIMAL: {"numeric"}, ir.BOOL: {"boolean"}, ir.BYTES: {"bytea"}, ir.JSON: {"json", "jsonb"},
            ir.UUID: {"uuid"}, ir.DATE: {"date"}, ir.DATETIME: {"timestamp without time zone"},
            ir.DATETIME_TZ: {"timestamp with time zone"}, ir.TIME: {"time without time zone"},
            ir.TIME_TZ: {"time with time zone"}, ir.INTERVAL: {"interval"},
            ir.STR: {"text", "character varying", "character", "name", '"char"', "tsvector", "tsquery", "cidr",
                     "macaddr", "xml", "bit", "bit varying", "jsonpath", "money", "inet"}}

# Calls the server refuses that codegen takes, each for a reason outside the function table:
# sqlglot reads them into another form before codegen sees them.
ACCEPTED_SYNTAX_SLIPS = {
    "current_user()", "session_user()",  # SQL keywords, no function call: the server refuses the ()
    "extract", "position",  # extract(a FROM b) and position(a IN b) written with a comma
}
# Calls the server takes that codegen refuses: sqlglot cannot parse them.
REFUSED_BY_THE_PARSER = {"json_object(c_texts)"}  # the one-array form, read as the SQL standard's JSON_OBJECT


def _overloads(conn: psycopg.Connection) -> list[tuple[str, list[str]]]:
    calls = []
    for name in sorted(SIGNATURES):
        for (args,) in conn.execute(
                "SELECT array(SELECT format_type(a, NULL) FROM unnest(proargtypes) a) FROM pg_proc "
                "WHERE proname = %s AND provariadic = 0 AND NOT proretset "
                "AND pronamespace = 'pg_catalog'::regnamespace ORDER BY oid", (name.lower(),)).fetchall():
            if all(a in COLUMNS for a in args):
                calls.append((name.lower(), args))
    return calls


def _agrees(ours: ir.ValueType, theirs: str) -> bool:
    base = theirs.replace("[]", "")
    return theirs.count("[]") == ours.dims and (base in FAMILIES.get(ours.base, set()) or base == ours.base)


def test_every_overload_of_a_known_function_is_typed_as_the_server_types_it(
        tmp_path: Path, postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(TABLE.encode())
        calls = [f"{name}({', '.join(COLUMNS[a] for a in args)})" for name, args in _overloads(conn)]
        root = make_project(tmp_path, {"1.sql": TABLE}, {"q.sql": "".join(
            f"-- name: Q{i} :one\nSELECT {call} AS r FROM t;\n" for i, call in enumerate(calls))},
                            engine="postgresql")
        config = load_config(root / "pyproject.toml", root)
        state, engine = build_schema(config), engine_named("postgresql")
        blocks, errors = split_blocks(query_files(config)[0], engine)
        assert errors == [] and len(blocks) == len(calls)
        wrong, untyped, agreed = [], [], 0
        for i, (call, block) in enumerate(zip(calls, blocks)):
            try:
                conn.execute(f"PREPARE p{i} AS SELECT {call} AS r FROM t".encode())
                (server,) = conn.execute(
                    "SELECT result_types[1]::text FROM pg_prepared_statements WHERE name = %s", (f"p{i}",)).fetchone()
            except psycopg.Error:
                server = None
            try:
                ours: ir.ValueType | None = analyze_block(engine, state, block).columns[0].type
            except Located as refused:
                ours, why = None, refused.message
            if server is None and ours is not None:
                if call.split("(")[0] not in ACCEPTED_SYNTAX_SLIPS and call not in ACCEPTED_SYNTAX_SLIPS:
                    wrong.append(f"{call}: accepted, the server refuses it")
            elif ours is None and server is not None:
                if call not in REFUSED_BY_THE_PARSER:
                    wrong.append(f"{call}: refused ({why}), the server returns {server}")
            elif ours is not None and server is not None:
                if ours.base == ir.ANY:
                    untyped.append(f"{call} -> {server}")
                elif not _agrees(ours, server):
                    wrong.append(f"{call}: typed {ours.base}{'[]' * ours.dims}, the server returns {server}")
                else:
                    agreed += 1
    assert wrong == []
    # typing.Any is left only where the server's type is void (pg_advisory_lock, pg_notify...)
    assert [u for u in untyped if not u.endswith("-> void")] == []
    assert agreed > 330  # the overloads are read and judged, not skipped


WINDOW_ONLY = ["row_number()", "rank()", "dense_rank()", "percent_rank()", "cume_dist()", "ntile(2)", "lag(id)",
               "lead(id, 1)", "first_value(id)", "last_value(id)", "nth_value(id, 2)"]
SCHEMA = "CREATE TABLE items (id integer PRIMARY KEY, qty integer NOT NULL);\n"


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_window_function_without_over_is_refused_as_the_engine_refuses_it(
        engine: str, tmp_path: Path, postgres_url: str) -> None:
    queries = {"bare": "SELECT id, {call} AS v FROM items",
               "over": "SELECT id, {call} OVER (ORDER BY id) AS v FROM items",
               "nested": "SELECT id, coalesce({call}, 0) AS v FROM items",
               "within group": "SELECT {call} WITHIN GROUP (ORDER BY qty) AS v FROM items"}
    for call in WINDOW_ONLY:
        for form, shape in queries.items():
            if form == "within group" and not (engine == "postgresql" and call.endswith("()")
                                               and call != "row_number()"):
                continue  # rank(...) WITHIN GROUP: PostgreSQL's hypothetical-set aggregates
            sql = shape.format(call=call.replace("()", "(3)") if form == "within group" else call)
            folder = tmp_path / f"{len(list(tmp_path.iterdir()))}"
            folder.mkdir()
            refused = refused_by_engine(engine, SCHEMA, sql, postgres_url, folder)
            if engine == "postgresql":
                with psycopg.connect(postgres_url, autocommit=True) as conn:
                    conn.execute("DROP TABLE items")
            assert refused == (form in ("bare", "nested")), sql
            result = run_cli(make_project(folder, {"1.sql": SCHEMA}, {"q.sql": f"-- name: Q :many\n{sql};\n"},
                                          engine=engine))
            assert (result.code != 0) == refused, (sql, result.stderr)
            if refused:
                name = call.split("(")[0]
                column = sql.index(call) + 1
                assert result.errors == [f"queries/q.sql:2:{column}: error: query Q: window function {name}() "
                                         "requires an OVER clause"], result.stderr
