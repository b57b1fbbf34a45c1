"""PostgreSQL 18's RETURNING old.x / new.x: the row as it was before the change and as it is after.
Generation refused them ("no such table or alias: old"). They are typed as the target's columns,
nullable where the server has no such row: an INSERT's old row (NULL unless ON CONFLICT DO UPDATE
found one) and a DELETE's new row.

Drawn: a sequence of inserts, upserts, updates and deletes of drawn rows. Oracle: the same SQL run
raw through psycopg from the same state (in a transaction rolled back), whose rows the generated
function must return, each value validated by its annotation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import annotation_text, generate, import_module, imported, make_project, run_cli

SCHEMA = "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, qty int NOT NULL DEFAULT 0, note text);\n"

QUERIES = {
    "insert": ":one", "upsert": ":one", "update": ":one", "delete": ":many", "update_aliased": ":one",
    "upsert_star": ":one",
}
SQL = {
    "insert": "INSERT INTO items (id, name, note) VALUES (@id, @name, @note) ON CONFLICT (id) DO NOTHING "
              "RETURNING old.name AS old_name, new.name AS new_name, old.qty AS old_qty, new.note AS new_note",
    "upsert": "INSERT INTO items (id, name, note) VALUES (@id, @name, @note) "
              "ON CONFLICT (id) DO UPDATE SET name = excluded.name, qty = items.qty + 1 RETURNING old.*, new.*",
    "update": "UPDATE items SET qty = qty + @by, note = @note WHERE id = @id "
              "RETURNING old.qty AS was, new.qty AS now, old.note AS old_note, new.note AS new_note",
    "delete": "DELETE FROM items WHERE id <= @id RETURNING old.id, old.name, new.id AS new_id, new.note AS new_note",
    "update_aliased": "UPDATE items AS i SET name = @name WHERE i.id = @id "
                      "RETURNING old.name AS before, i.name AS after, new.name AS new_name",
    # a bare * spreads the table alone, not old and new: still the table's model
    "upsert_star": "INSERT INTO items (id, name) VALUES (@id, @name) "
                   "ON CONFLICT (id) DO UPDATE SET qty = items.qty + 1 RETURNING *",
}
# The annotations the server's rows call for: old is nullable in an INSERT, new in a DELETE.
ANNOTATIONS = {
    "InsertRow": {"old_name": "str | None", "new_name": "str", "old_qty": "int | None", "new_note": "str | None"},
    "UpdateRow": {"was": "int", "now": "int", "old_note": "str | None", "new_note": "str | None"},
    "DeleteRow": {"id": "int", "name": "str", "new_id": "int | None", "new_note": "str | None"},
    "UpdateAliasedRow": {"before": "str", "after": "str", "new_name": "str"},
}


@pytest.fixture(scope="module")
def q(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    text = "".join(f"-- name: {name.title().replace('_', '')} {QUERIES[name]}\n{sql};\n" for name, sql in SQL.items())
    out = generate(tmp_path_factory.mktemp("old_new"), {"1.sql": SCHEMA}, {"q.sql": text}, out="gen_old_new",
                   engine="postgresql")
    with imported(out) as package:
        yield import_module(package, "queries.q")


def test_postgres_old_and_new_are_typed_by_the_rows_the_server_has(q: Any) -> None:
    for row, fields in ANNOTATIONS.items():
        declared = {name: annotation_text(field.annotation)
                    for name, field in getattr(q, row).model_fields.items()}
        assert declared == fields, row
    # old.*, new.*: each star spreads the table's columns, the second set renamed apart
    assert len(q.UpsertRow.model_fields) == 8
    assert q.upsert_star.__annotations__["return"] is q.models.Item


names = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=6)
operations = st.lists(st.one_of(
    st.tuples(st.just("insert"), st.fixed_dictionaries({"id": st.integers(1, 4), "name": names,
                                                        "note": st.none() | names})),
    st.tuples(st.just("upsert"), st.fixed_dictionaries({"id": st.integers(1, 4), "name": names,
                                                        "note": st.none() | names})),
    st.tuples(st.just("update"), st.fixed_dictionaries({"id": st.integers(1, 4), "by": st.integers(-3, 3),
                                                        "note": st.none() | names})),
    st.tuples(st.just("delete"), st.fixed_dictionaries({"id": st.integers(0, 4)})),
    st.tuples(st.just("update_aliased"), st.fixed_dictionaries({"id": st.integers(1, 4), "name": names})),
    st.tuples(st.just("upsert_star"), st.fixed_dictionaries({"id": st.integers(1, 4), "name": names}))),
    min_size=1, max_size=8)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_postgres_returning_old_and_new_reads_what_the_server_returns(q: Any, postgres_url: str,
                                                                      ops: list[tuple[str, dict[str, Any]]]) -> None:
    with psycopg.connect(postgres_url) as conn:
        conn.execute(SCHEMA)
        try:
            for kind, args in ops:
                raw_sql = SQL[kind]
                for name in sorted(args, key=len, reverse=True):
                    raw_sql = raw_sql.replace(f"@{name}", f"%({name})s")
                with conn.transaction(force_rollback=True):
                    raw = conn.execute(raw_sql, args).fetchall()
                got = getattr(q, kind)(conn, **args)
                rows = got if isinstance(got, list) else [] if got is None else [got]
                assert [tuple(r.model_dump().values()) for r in rows] == raw, (kind, args)
        finally:
            conn.rollback()


def test_sqlite_refuses_old_and_new_as_sqlite_does(tmp_path: Path) -> None:
    schema = "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
    root = make_project(tmp_path, {"1.sql": schema}, {"q.sql": "-- name: U :one\n"
                        "UPDATE items SET name = @name WHERE id = @id RETURNING old.name;\n"})
    result = run_cli(root)
    assert result.code == 1
    assert result.errors == ["queries/q.sql:2:58: error: query U: no such table or alias: old"], result.stderr
