"""PostgreSQL: ALTER TYPE of a composite type (its attributes, its name, its schema), and what a
rename changes in the catalog: every value type naming the type names it anew."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from ... import ir
from ...catalog.build import SchemaState
from ...catalog.cursor import Cursor
from ...catalog.tables import parse_type_name


class CompositeTypes(Protocol):
    """What catalog.PostgresTypes holds of composite types."""

    composites: dict[tuple[str | None, str], list[tuple[str, ir.ValueType]]]
    composite_names: dict[tuple[str | None, str], tuple[str, str | None]]

    def value_type(self, declared: str) -> ir.ValueType: ...

    def composite_identity(self, key: tuple[str | None, str]) -> str: ...


def alter_composite(types: CompositeTypes, state: SchemaState, key: tuple[str | None, str], cur: Cursor) -> None:
    """ALTER TYPE pair ADD / DROP / ALTER ATTRIBUTE (a comma-separated list of them), RENAME
    ATTRIBUTE a TO b, RENAME TO, SET SCHEMA: the fields its values have from now on (a column of
    it keeps naming the type, whose fields are read when the code is generated)."""
    fields = types.composites[key]
    if cur.accept("RENAME", "ATTRIBUTE"):
        old, _ = cur.name("attribute name")
        cur.expect("TO")
        new, _ = cur.name("attribute name")
        types.composites[key] = [(new if f == old else f, t) for f, t in fields]
        return
    if cur.accept("RENAME", "TO"):
        move_composite(types, state, key, cur.name("type name")[0], types.composite_names[key][1])
        return
    if cur.accept("SET", "SCHEMA"):
        move_composite(types, state, key, types.composite_names[key][0],
                        state.engine.lookup_schema(cur.name("schema name")[0]))
        return
    while True:
        if cur.accept("ADD", "ATTRIBUTE"):
            field, _ = cur.name("attribute name")
            fields.append((field, types.value_type(parse_type_name(cur))))
        elif cur.accept("DROP", "ATTRIBUTE"):
            cur.accept("IF", "EXISTS")
            field, _ = cur.name("attribute name")
            fields[:] = [(f, t) for f, t in fields if f != field]
        elif cur.accept("ALTER", "ATTRIBUTE"):
            field, _ = cur.name("attribute name")
            cur.accept("SET", "DATA")
            cur.expect("TYPE")
            changed = types.value_type(parse_type_name(cur))
            fields[:] = [(f, changed if f == field else t) for f, t in fields]
        else:
            return  # OWNER TO and the like
        while cur.peek() is not None and not cur.is_punct(","):
            cur.next()  # COLLATE, CASCADE, RESTRICT
        if not cur.accept_punct(","):
            return


def move_composite(types: CompositeTypes, state: SchemaState, key: tuple[str | None, str], name: str,
                    schema: str | None) -> None:
    """A composite type renamed or moved: every value type naming it (columns, other composites'
    fields) names it anew, as the server's catalog does by the type's oid."""
    before = types.composite_identity(key)
    new_key = state.key(schema, name)
    types.composites[new_key] = types.composites.pop(key)
    types.composite_names.pop(key)
    types.composite_names[new_key] = (name, schema)
    after = types.composite_identity(new_key)

    def renamed(t: ir.ValueType) -> ir.ValueType:
        if t.composite != before:
            return t
        return replace(t, composite=after, parameter_cast=f"::{after}" + "[]" * t.dims)

    for table in state.tables.values():
        for col in table.columns:
            col.type = renamed(col.type)
    for fields in types.composites.values():
        fields[:] = [(f, renamed(t)) for f, t in fields]
