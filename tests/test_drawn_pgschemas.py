"""Drawn PostgreSQL namespaces (tests/drawn_pgschemas.py): the same table and enum names in two or
three schemas, quoted and mixed-case ones among them, changed by a later migration; the generated
package called against a real server, with the server and a Python model as the oracle.

Each example generates the project, migrates a new database with the generated runner, and then:
  - `codegen verify --db` reports no drift and prepares every query (exit 0);
  - drawn rows go in through `:one` INSERT ... RETURNING *, `:copyfrom` and `:batchone`, each into
    a table picked at random: every table then holds (raw SQL reading it) exactly the rows the
    model put in it, and `SELECT *` of each reads them back, every value fitting its annotation;
  - an enum `IN (sqlc.slice(...))` of drawn labels (none included) gives the model's ids;
  - `sqlc.embed` of two schemas' tables and a view joining them read what raw SQL reads.

Figures: `DRAWN_PGSCHEMAS_EXAMPLES=N` (default 8); `DRAWN_PGSCHEMAS_RANDOM=1` draws fresh examples.
"""

from __future__ import annotations

import os
import sys
import tempfile
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "harness"))

import drawn_pgschemas as dp  # noqa: E402
from _support import generate, import_module, imported, run_cli  # noqa: E402
from harness_typecheck import mismatches  # noqa: E402

EXAMPLES = int(os.environ.get("DRAWN_PGSCHEMAS_EXAMPLES", "8"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    derandomize=not os.environ.get("DRAWN_PGSCHEMAS_RANDOM"),
                    suppress_health_check=list(HealthCheck),
                    # Each example generates a project and a database: shrinking would take minutes, and
                    # the drawn world printed is small enough to read as it is.
                    phases=[Phase.explicit, Phase.reuse, Phase.generate])

_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=5)


def _value(column: dp.Column) -> st.SearchStrategy[Any]:
    values: st.SearchStrategy[Any] = {
        "integer": st.integers(-2**31, 2**31 - 1), "bigint": st.integers(-2**63, 2**63 - 1),
        "text": _TEXT, "boolean": st.booleans(), "varchar(8)": _TEXT}[column.sql_type]
    return values if column.not_null else st.none() | values


def _rows(table: dp.Table) -> st.SearchStrategy[list[dict[str, Any]]]:
    st_value = st.sampled_from(table.labels)
    row = st.fixed_dictionaries({"st": st_value if table.st_not_null else st.none() | st_value,
                                 **{c.name: _value(c) for c in table.columns}})
    return st.lists(row, min_size=1, max_size=3)


def _fits(row: Any, path: str) -> list[str]:
    """Every field of a row model against its annotation."""
    return [p for name, f in type(row).model_fields.items() for p in mismatches(getattr(row, name), f.annotation,
                                                                                 f"{path}.{name}")]


def _values(row: Any, names: list[str]) -> tuple[Any, ...]:
    return tuple(getattr(row, n) for n in names)


def _raw(conn: psycopg.Connection[Any], table: dp.Table) -> list[tuple[Any, ...]]:
    """The table's rows as the server holds them, read by raw SQL (the enum as its label)."""
    cols = ", ".join(["id", "st::text"] + [dp.quote_identifier(c.name) for c in table.columns])
    return [tuple(r) for r in conn.execute(f"SELECT {cols} FROM {dp.qualified(table.schema, 'items')} ORDER BY id"
                                           .encode())]


@SETTINGS
@given(data=st.data())
def test_postgres_same_names_in_several_schemas(data: st.DataObject,
                                                postgres_databases: Callable[[str], str]) -> None:
    world = data.draw(dp.worlds(), label="world")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        out = generate(root, {"0001_init.sql": dp.migration_1(world), "0002_later.sql": dp.migration_2(world)},
                       {"q.sql": dp.queries(world)}, out="pgschemas_gen", engine="postgresql")
        url = postgres_databases("pgschemas")
        with imported(out) as package, psycopg.connect(url, autocommit=True) as conn:
            import_module(package, "migrations").migrate(url)
            verified = run_cli(root, "verify", "--db", url)
            assert verified.code == 0, verified.stderr
            _calls(data, world, import_module(package, "queries.q"), conn)


def _calls(data: st.DataObject, world: dp.World, q: Any, conn: psycopg.Connection[Any]) -> None:
    model: dict[str, list[tuple[Any, ...]]] = {t.schema: [] for t in world.final}
    problems: list[str] = []
    for _ in range(data.draw(st.integers(1, 4), label="calls")):
        i = data.draw(st.integers(0, len(world.final) - 1), label="table")
        table, x = world.final[i], dp.function_suffix(i)
        names = ["st"] + [c.name for c in table.columns]
        rows = data.draw(_rows(table), label=f"rows into {table.name}")
        how = data.draw(st.sampled_from(("insert", "copy", "batch")), label="how")
        first = len(model[table.schema]) + 1
        expected = [(first + k, *(r[n] for n in names)) for k, r in enumerate(rows)]
        if how == "insert":
            got = [getattr(q, f"insert_{x}")(conn, **r) for r in rows]
            problems += [p for k, r in enumerate(got) for p in _fits(r, f"insert_{x}[{k}]")]
            if [_values(r, ["id", *names]) for r in got] != expected:
                problems.append(f"insert{x} returned {got}, expected {expected}")
        elif how == "copy":
            params = getattr(q, f"Copy{x.upper()}Params")
            if getattr(q, f"copy_{x}")(conn, [params(**r) for r in rows]) != len(rows):
                problems.append(f"copy{x} miscounted {len(rows)} rows")
        else:
            params = getattr(q, f"Batch{x.upper()}Params")
            got = getattr(q, f"batch_{x}")(conn, [params(**r) for r in rows])
            if [_values(r, ["id", "st"]) for r in got] != [e[:2] for e in expected]:
                problems.append(f"batch{x} returned {got}, expected {[e[:2] for e in expected]}")
        model[table.schema] += expected
    for i, table in enumerate(world.final):
        x = dp.function_suffix(i)
        names = ["id", "st"] + [c.name for c in table.columns]
        if _raw(conn, table) != model[table.schema]:
            problems.append(f"{table.name} holds {_raw(conn, table)}, the model {model[table.schema]}")
        read = getattr(q, f"all_{x}")(conn)
        problems += [p for k, r in enumerate(read) for p in _fits(r, f"all_{x}[{k}]")]
        if [_values(r, names) for r in read] != model[table.schema]:
            problems.append(f"all{x} read {read}, the model holds {model[table.schema]}")
        labels = data.draw(st.lists(st.sampled_from(table.labels), unique=True), label="labels")
        wanted = [r[0] for r in model[table.schema] if r[1] in labels]
        if getattr(q, f"by_status_{x}")(conn, sts=labels) != wanted:
            problems.append(f"by_status{x}({labels}) != {wanted}")
    problems += _joins(world, q, conn)
    assert not problems, "\n".join(problems)


def _joins(world: dp.World, q: Any, conn: psycopg.Connection[Any]) -> list[str]:
    a, b = (world.final[i] for i in world.view_pair)
    problems = []
    embedded = q.embedded(conn)
    sides = [[_values(getattr(r, f), list(type(getattr(r, f)).model_fields)) for f in type(r).model_fields]
             for r in embedded]
    raw = [([r[:len(_raw_cols(a))]], [r[len(_raw_cols(a)):]]) for r in conn.execute(
        f"SELECT {', '.join('a.' + c for c in _raw_cols(a))}, {', '.join('b.' + c for c in _raw_cols(b))} "
        f"FROM {dp.qualified(a.schema, 'items')} a JOIN {dp.qualified(b.schema, 'items')} b ON b.id = a.id "
        "ORDER BY a.id".encode())]
    if sides != [[tuple(x[0]), tuple(y[0])] for x, y in raw]:
        problems.append(f"embedded read {sides}, raw SQL {raw}")
    problems += [p for k, r in enumerate(embedded) for f in type(r).model_fields
                 for p in _fits(getattr(r, f), f"embedded[{k}].{f}")]
    joined = q.joined(conn)
    problems += [p for k, r in enumerate(joined) for p in _fits(r, f"joined[{k}]")]
    raw_view = [tuple(r) for r in conn.execute(f"SELECT id, a_st::text, b_st::text FROM "
                                               f"{dp.qualified(a.schema, 'joined')} ORDER BY id".encode())]
    if [_values(r, ["id", "a_st", "b_st"]) for r in joined] != raw_view:
        problems.append(f"joined read {joined}, raw SQL {raw_view}")
    return problems


def _raw_cols(table: dp.Table) -> list[str]:
    return ["id", "st::text"] + [dp.quote_identifier(c.name) for c in table.columns]


_ = typing  # the annotations above are strings (from __future__), read by no one at run time
