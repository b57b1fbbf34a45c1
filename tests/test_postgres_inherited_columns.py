"""PostgreSQL: an ALTER TABLE of a parent's columns (without ONLY) changes its INHERITS children's
and its partitions' columns too. The catalog copied a parent's columns when a child was created and
never again: a column added to the parent later was "no such column" in a query of the child (a
false refusal), and a column renamed, retyped or dropped there was still read under its old name or
type from the child (the generated function failed at every call).

Drawn: sequences of column changes (ADD, DROP, RENAME, ALTER TYPE, SET/DROP NOT NULL) of a parent
with an inheritance child and grandchild, and of a partitioned table with two partitions, each kept
only where the server takes it. Oracle: the server's information_schema, whose columns (in order,
with their types and nullability) every generated model must have."""

from __future__ import annotations

import itertools
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import annotation_parts, generate, import_module, imported

SCHEMA = """CREATE TABLE base (id int NOT NULL, name text NOT NULL, note text);
CREATE TABLE child (extra text) INHERITS (base);
CREATE TABLE grandchild (more int) INHERITS (child);
CREATE TABLE measures (at date NOT NULL, value int, label text) PARTITION BY RANGE (at);
CREATE TABLE measures_2025 PARTITION OF measures FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE measures_2026 PARTITION OF measures FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
"""
TABLES = ("base", "child", "grandchild", "measures", "measures_2025", "measures_2026")
TYPES = {"int": "integer", "text": "text", "bigint": "bigint", "numeric": "numeric", "date": "date"}
# information_schema's data_type -> the annotation the generated model gives it
ANNOTATIONS = {"integer": "int", "bigint": "int", "text": "str", "numeric": "decimal.Decimal", "date": "datetime.date"}

names = st.sampled_from(["id", "name", "note", "value", "label", "extra", "c1", "c2", "c3"])
actions = st.one_of(
    st.builds(lambda c, t, nn: f"ADD COLUMN {c} {t}" + (" NOT NULL DEFAULT 0" if nn and t != "date" else ""),
              st.sampled_from(["c1", "c2", "c3"]), st.sampled_from(sorted(TYPES)), st.booleans()),
    st.builds(lambda c: f"DROP COLUMN {c}", names),
    st.builds(lambda a, b: f"RENAME COLUMN {a} TO {b}", names, st.sampled_from(["c1", "c2", "c3", "renamed"])),
    st.builds(lambda c, t: f"ALTER COLUMN {c} TYPE {t} USING {c}::text::{t}" if t != "text" else
              f"ALTER COLUMN {c} TYPE text", names, st.sampled_from(["text", "bigint"])),
    st.builds(lambda c: f"ALTER COLUMN {c} SET NOT NULL", names),
    st.builds(lambda c: f"ALTER COLUMN {c} DROP NOT NULL", names),
)
steps = st.lists(st.tuples(st.sampled_from(["base", "child", "measures", "measures_2025"]), actions),
                 min_size=1, max_size=6)


def _server_columns(conn: psycopg.Connection) -> dict[str, list[tuple[str, str, bool]]]:
    rows = conn.execute("SELECT table_name, column_name, data_type, is_nullable = 'YES' FROM information_schema.columns "
                        "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position").fetchall()
    return {t: [(c, ANNOTATIONS[d], n) for _, c, d, n in group]
            for t, group in itertools.groupby(rows, key=lambda r: r[0])}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=steps)
def test_postgres_a_parents_column_changes_reach_its_children_and_partitions(
        tmp_path_factory: pytest.TempPathFactory, postgres_url: str, changes: list[tuple[str, str]]) -> None:
    kept = []
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS base, child, grandchild, measures CASCADE")
        conn.execute(SCHEMA.encode())
        for table, action in changes:
            statement = f"ALTER TABLE {table} {action};"
            try:
                conn.execute(statement.encode())
            except psycopg.Error:
                continue  # the server refuses it (a partition's own column, a key...): not a migration
            kept.append(statement)
        server = _server_columns(conn)
    root = tmp_path_factory.mktemp("inherited")
    out = generate(root, {"1.sql": SCHEMA, "2.sql": "\n".join(kept) + "\n"},
                   {"q.sql": "".join(f"-- name: All{i} :many\nSELECT * FROM {t};\n" for i, t in enumerate(TABLES))},
                   out="gen_inherited", engine="postgresql")
    with imported(out) as package:
        models = import_module(package, "models")
        for table in TABLES:
            model = next(m for m in vars(models).values()
                         if isinstance(m, type) and (m.__doc__ or "").endswith(f"table {table}."))
            ours = [(name, *annotation_parts(field.annotation)) for name, field in model.model_fields.items()]
            assert ours == server[table], (table, kept)


def test_postgres_only_keeps_a_change_to_the_parent(tmp_path: Path) -> None:
    """ALTER TABLE ONLY changes the parent alone (the server takes it for DROP NOT NULL and a
    default; an ADD COLUMN with ONLY it refuses when there are children)."""
    out = generate(tmp_path, {"1.sql": SCHEMA, "2.sql": "ALTER TABLE ONLY base ALTER COLUMN note SET DEFAULT 'x';\n"
                                                        "ALTER TABLE base ADD COLUMN c1 int;\n"},
                   {"q.sql": "-- name: Kids :many\nSELECT c1 FROM grandchild;\n"}, engine="postgresql")
    with imported(out) as package:
        assert "c1" in import_module(package, "models").Grandchild.model_fields
