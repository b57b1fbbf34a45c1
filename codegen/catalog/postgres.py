"""PostgreSQL: type names, enums, domains and the DDL SQLite does not have."""

from __future__ import annotations

import re

from .. import ir
from ..errors import Located
from ..source import Statement
from .build import SchemaState
from .cursor import Cursor, unquote

_TYPES: dict[str, str] = {
    "smallint": ir.INT, "int2": ir.INT, "integer": ir.INT, "int": ir.INT, "int4": ir.INT, "bigint": ir.INT,
    "int8": ir.INT, "smallserial": ir.INT, "serial": ir.INT, "serial2": ir.INT, "serial4": ir.INT,
    "bigserial": ir.INT, "serial8": ir.INT, "oid": ir.INT, "xid": ir.INT, "cid": ir.INT,
    "numeric": ir.DECIMAL, "decimal": ir.DECIMAL, "money": ir.STR,
    "real": ir.FLOAT, "float4": ir.FLOAT, "double precision": ir.FLOAT, "float8": ir.FLOAT, "float": ir.FLOAT,
    "text": ir.STR, "varchar": ir.STR, "character varying": ir.STR, "char": ir.STR, "character": ir.STR,
    "bpchar": ir.STR, "citext": ir.STR, "name": ir.STR, "inet": ir.STR, "cidr": ir.STR, "macaddr": ir.STR,
    "macaddr8": ir.STR, "ltree": ir.STR, "tsvector": ir.STR, "tsquery": ir.STR, "bit": ir.STR,
    "bit varying": ir.STR, "varbit": ir.STR, "xml": ir.STR, "tid": ir.STR,
    "boolean": ir.BOOL, "bool": ir.BOOL,
    "bytea": ir.BYTES,
    "uuid": ir.UUID,
    "json": ir.JSON, "jsonb": ir.JSON,
    "date": ir.DATE,
    "time": ir.TIME, "time without time zone": ir.TIME, "timetz": ir.TIME, "time with time zone": ir.TIME,
    "timestamp": ir.DATETIME, "timestamp without time zone": ir.DATETIME,
    "timestamptz": ir.DATETIME_TZ, "timestamp with time zone": ir.DATETIME_TZ,
    "interval": ir.INTERVAL,
}
SERIALS = {"smallserial", "serial", "serial2", "serial4", "bigserial", "serial8"}


def normalise(declared: str) -> tuple[str, int]:
    """'character varying(255)[]' -> ('character varying', 1): the base name and array dimensions."""
    text = declared.strip().lower()
    dims = text.count("[]")
    if text.endswith(" array"):
        dims, text = dims + 1, text[: -len(" array")]
    text = re.sub(r"\[\d*\]", "", text)
    text = re.sub(r"\(.*?\)", "", text)
    text = re.sub(r"\s+", " ", text).strip().strip('"')
    if "." in text:
        schema, _, name = text.rpartition(".")
        if schema.strip('"') == "pg_catalog":
            text = name
    return text, dims


class PostgresTypes:
    def __init__(self, state: SchemaState) -> None:
        self.state = state
        self.domains: dict[str, tuple[ir.ValueType, bool]] = {}

    def value_type(self, declared: str) -> ir.ValueType:
        name, dims = normalise(declared)
        base = _TYPES.get(name)
        if base is not None:
            return ir.ValueType(base, dims=dims)
        schema, _, bare = name.rpartition(".")
        key = self.state.key(schema.strip('"') or None, bare.strip('"'))
        enum = self.state.enums.get(key)
        if enum is not None:
            return ir.ValueType(ir.STR, literals=enum.values, enum=enum.name, dims=dims)
        if key[1] in self.domains:
            inner, _ = self.domains[key[1]]
            return ir.ValueType(inner.base, inner.literals, inner.enum, dims + inner.dims)
        return ir.ValueType(ir.ANY, dims=dims)

    def is_identity(self, declared: str) -> bool:
        return normalise(declared)[0] in SERIALS


def install(state: SchemaState) -> None:
    types = PostgresTypes(state)
    state.type_of = types.value_type  # type: ignore[method-assign]
    state.is_identity = types.is_identity  # type: ignore[method-assign]
    state.extensions["postgres"] = lambda st, cur, stmt: _statement(types, st, cur, stmt)


def _statement(types: PostgresTypes, state: SchemaState, cur: Cursor, stmt: Statement) -> bool:
    """Handle PostgreSQL-only DDL; False leaves the statement to the common builder."""
    if cur.accept("CREATE", "TYPE"):
        schema, name, offset = cur.qualified_name("type name")
        if cur.accept("AS", "ENUM"):
            start, end = cur.balanced()
            values = tuple(unquote(x) for x in Cursor(cur.text[start:end], "postgresql").items if x.kind == "string")
            state.enums[state.key(schema, name)] = ir.Enum(name, values, schema)
        return True
    if cur.accept("CREATE", "DOMAIN"):
        schema, name, _ = cur.qualified_name("domain name")
        cur.accept("AS")
        from .tables import parse_type_name

        declared = parse_type_name(cur)
        not_null = "NOT NULL" in cur.text.upper()[cur.offset():]
        types.domains[name.lower()] = (types.value_type(declared), not_null)
        return True
    if cur.accept("ALTER", "TYPE"):
        schema, name, offset = cur.qualified_name("type name")
        enum = state.enums.get(state.key(schema, name))
        if enum is None:
            return True
        if cur.accept("ADD", "VALUE"):
            cur.accept("IF", "NOT", "EXISTS")
            value = unquote(cur.next())
            values = list(enum.values)
            if cur.accept("BEFORE") or cur.accept("AFTER"):
                where = cur.items[cur.pos - 1].text.upper()
                anchor = unquote(cur.next())
                index = values.index(anchor) if anchor in values else len(values)
                values.insert(index + (1 if where == "AFTER" else 0), value)
            elif value not in values:
                values.append(value)
            state.enums[state.key(schema, name)] = ir.Enum(enum.name, tuple(values), enum.schema)
        elif cur.accept("RENAME", "VALUE"):
            old = unquote(cur.next())
            cur.expect("TO")
            new = unquote(cur.next())
            values = [new if v == old else v for v in enum.values]
            state.enums[state.key(schema, name)] = ir.Enum(enum.name, tuple(values), enum.schema)
        elif cur.accept("RENAME", "TO"):
            new_name, _ = cur.name("type name")
            del state.enums[state.key(schema, name)]
            state.enums[state.key(schema, new_name)] = ir.Enum(new_name, enum.values, enum.schema)
            _retype(state, enum.name, new_name)
        elif cur.accept("SET", "SCHEMA"):
            new_schema, _ = cur.name("schema name")
            del state.enums[state.key(schema, name)]
            state.enums[state.key(new_schema, name)] = ir.Enum(enum.name, enum.values, new_schema)
        return True
    if cur.accept("DROP", "TYPE") or cur.accept("DROP", "DOMAIN"):
        cur.accept("IF", "EXISTS")
        while True:
            schema, name, _ = cur.qualified_name("type name")
            state.enums.pop(state.key(schema, name), None)
            types.domains.pop(name.lower(), None)
            if not cur.accept_punct(","):
                break
        return True
    if cur.accept("DROP", "SCHEMA"):
        cur.accept("IF", "EXISTS")
        name, _ = cur.name("schema name")
        for key in [k for k in state.tables if k[0] == name.lower()]:
            del state.tables[key]
        return True
    if cur.is_word("ALTER") and cur.is_word("MATERIALIZED", ahead=1):
        return True
    return False


def _retype(state: SchemaState, old: str, new: str) -> None:
    for table in state.tables.values():
        for col in table.columns:
            if col.type.enum == old:
                col.type = ir.ValueType(col.type.base, col.type.literals, new, col.type.dims)


__all__ = ["install", "Located"]
