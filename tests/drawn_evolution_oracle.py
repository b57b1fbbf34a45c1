"""Oracle 1 of tests/test_drawn_evolution*.py: codegen's catalog after a history, against what the
database the same history built says it holds.

codegen's catalog comes from the pipeline's own stages (`build_schema`, `catalog_of`), as
`python -m codegen` builds it; the database's schema from tests/drawn_evolution_db.py. The declared
type is compared as codegen maps it: the database's own type name, put through the catalog's
type map (`SchemaState.type_of`), must give the value type codegen holds for the column.
"""

from __future__ import annotations

import re
from pathlib import Path

from codegen import ir
from codegen.catalog.state import SchemaState
from codegen.config import load_config
from codegen.pipeline import build_schema, catalog_of

from tests.drawn_evolution_db import DbSchema


# SQLite reads a double-quoted name that names no column as a string: a view naming a quoted
# column dropped since still works there, codegen refuses it (README, "The catalog follows the
# database").
DOCUMENTED_REFUSAL = re.compile(r"^view \w+ is invalid: .*no such column: (order|Two Words|MixedCase)$")


def schema_files(history: list[list[str]]) -> dict[str, str]:
    """One golang-migrate file per migration, one statement per line (so a located error names it)."""
    return {f"{n:04d}_m{n}.up.sql": "".join(s + ";\n" for s in migration) for n, migration in enumerate(history, 1)}


def codegen_catalog(root: Path) -> tuple[SchemaState, ir.Catalog]:
    config = load_config(root / "pyproject.toml", root)
    state = build_schema(config)
    return state, catalog_of(state, config)


def _shape(t: ir.ValueType) -> tuple[str, int, str | None]:
    return (t.base, t.dims, t.enum)


def differences(state: SchemaState, catalog: ir.Catalog, db: DbSchema, pk_not_null: bool) -> list[str]:
    """Every way the catalog and the database disagree, one line each; [] when they agree.

    pk_not_null: the catalog types every PRIMARY KEY column NOT NULL (SQLite enforces it only for
    the rowid alias, STRICT and WITHOUT ROWID tables; README, "Types": codegen types the intent).
    """
    found: list[str] = []
    ours = {(t.schema, t.name.lower()): t for t in catalog.tables}
    theirs = {(r.schema, r.name.lower()): r for r in db.relations}
    for key in sorted(set(ours) - set(theirs), key=str):
        found.append(f"{key}: in codegen's catalog, not in the database")
    for key in sorted(set(theirs) - set(ours), key=str):
        found.append(f"{key}: in the database, not in codegen's catalog")
    for key in sorted(set(ours) & set(theirs), key=str):
        table, relation = ours[key], theirs[key]
        where = ".".join(k for k in key if k)
        if table.is_view != relation.is_view:
            found.append(f"{where}: view in one, table in the other")
            continue
        if relation.columns is None:
            continue
        names = [c.name for c in table.columns]
        db_names = [c.name for c in relation.columns]
        if names != db_names:
            found.append(f"{where}: columns {names} in codegen's catalog, {db_names} in the database")
            continue
        for col, db_col in zip(table.columns, relation.columns):
            # SQLite declares a CREATE TABLE ... AS SELECT column by its affinity alone (NUM, INT,
            # TEXT, REAL or none); codegen keeps the type its query gives (a BOOLEAN stays bool),
            # a deliberate difference (README, "The catalog follows the database"); so do views of
            # such a column, which SQLite declares NUM.
            by_affinity = pk_not_null and col.sql_type == "" and (not table.is_view or db_col.type == "NUM")
            if db_col.type and not by_affinity and _shape(col.type) != _shape(state.type_of(db_col.type)):
                found.append(f"{where}.{col.name}: type {_shape(col.type)} (declared {col.sql_type!r}) in codegen's "
                             f"catalog, the database declares {db_col.type!r}: {_shape(state.type_of(db_col.type))}")
            if table.is_view:
                continue  # neither database marks a view's columns NOT NULL; codegen infers more
            db_not_null = db_col.not_null or (pk_not_null and db_col.pk)
            if col.nullable == db_not_null:
                found.append(f"{where}.{col.name}: {'nullable' if col.nullable else 'NOT NULL'} in codegen's catalog, "
                             f"{'NOT NULL' if db_col.not_null else 'nullable'} in the database")
            if col.primary_key != db_col.pk:
                found.append(f"{where}.{col.name}: primary key {col.primary_key} in codegen's catalog, "
                             f"{db_col.pk} in the database")
    enums = {(e.schema, e.name): e.values for e in catalog.enums}
    db_enums = {(schema, name): values for schema, name, values in db.enums}
    if enums != db_enums:
        found.append(f"enums {enums} in codegen's catalog, {db_enums} in the database")
    return found


def catalog_differences(root: Path, history: list[list[str]], db: DbSchema, engine: str) -> list[str]:
    """Write the history as a project under root, build codegen's catalog, compare it with db.
    A history codegen refuses is a difference too (the database took every statement)."""
    from codegen.errors import CodegenError

    from tests._support import make_project

    make_project(root, schema_files(history), {"q.sql": "-- name: One :one\nSELECT 1 AS one;\n"}, engine=engine)
    try:
        state, catalog = codegen_catalog(root)
    except CodegenError as error:
        if all(DOCUMENTED_REFUSAL.search(d.message) for d in error.diagnostics):
            return ["documented refusal"]
        return [f"codegen refuses a history the database accepts: {error}"]
    return differences(state, catalog, db, pk_not_null=engine == "sqlite")
