"""PostgreSQL: the types a schema declares (enums, domains, composites, sequences) and the DDL
SQLite does not have. Built-in type names are in type_names.py, function signatures in
function_defs.py."""

from __future__ import annotations

import weakref
from dataclasses import replace

from ... import ir
from ...errors import Located
from ...placeholders import quote_identifier
from ...source import Statement
from ...catalog.alter import drop_dependent_views, follow_relation, remove_column
from ...catalog.build import SchemaState
from ...catalog.cursor import Cursor, unquote
from ...catalog.tables import ColumnDef, parse_type_name
from . import builtins, ranges
from .composites import alter_composite, move_composite
from .search_path import DEFAULT_PATH, SearchPath, path_set
from .function_defs import FuncArg, FuncDef, parse_function, read_type, split_top_level, state_schema
from .type_names import STRING_TYPES, SYNONYMS, TYPES, normalise

# Value types pydantic makes from PostgreSQL's text of an array item.
_ITEMS_FROM_TEXT = {ir.STR, ir.INT, ir.FLOAT, ir.DECIMAL, ir.BOOL, ir.UUID, ir.DATE}
_WIDE_INTEGERS = {"bigint", "int8", "bigserial", "serial8"}
SERIALS = {"smallserial", "serial", "serial2", "serial4", "bigserial", "serial8"}
# An array parameter is cast to its column's own array type where psycopg may send another: a
# list of ints goes as smallint[] (or bigint[], by the largest item), of floats as double
# precision[], of naive datetimes as timestamp[] and aware ones as timestamptz[] (time[] and
# timetz[] alike), of networks as cidr[]; PostgreSQL has no =, @>, <@ or && between two different
# array types (the cast converts as an assignment does). Only names whose cast without a size
# loses nothing (never varchar(n)[], char[] or bit[], which mean a length of 1).
# An int is sent as an integer type, which a transaction id has no operator with past 2^31
# (`xmin = $1` with 3000000000: "operator does not exist: xid = bigint"), and no cast from at all
# (an xid column could not be written): it goes through its text.
_SCALAR_CASTS = {"xid": "::text::xid", "xid8": "::text::xid8", "cid": "::text::cid"}
_ARRAY_CASTS = {
    "smallint": "smallint", "int2": "smallint", "integer": "integer", "int": "integer", "int4": "integer",
    "bigint": "bigint", "int8": "bigint", "oid": "oid", "real": "real", "float4": "real",
    "double precision": "double precision", "float8": "double precision",
    "timestamp": "timestamp", "timestamp without time zone": "timestamp", "timestamptz": "timestamptz",
    "timestamp with time zone": "timestamptz", "time": "time", "time without time zone": "time",
    "timetz": "timetz", "time with time zone": "timetz", "inet": "inet", "cidr": "cidr",
}

class PostgresTypes:
    def __init__(self, state: SchemaState) -> None:
        self.state = state
        self.domains: dict[tuple[str | None, str], tuple[ir.ValueType, bool]] = {}  # by state.key
        self.sequences: set[tuple[str | None, str]] = set()
        self.schemas: set[str] = {"public", "pg_catalog"}  # as named (a quoted name keeps its case)
        self.path = SearchPath(state, self.schemas, state.declared_search_path or DEFAULT_PATH)
        self.composites: dict[tuple[str | None, str], list[tuple[str, ir.ValueType]]] = {}
        # Each composite's name and schema (None: the default one) as created, for its identity.
        self.composite_names: dict[tuple[str | None, str], tuple[str, str | None]] = {}
        # Each user-declared range type (CREATE TYPE r AS RANGE): its SQL name and its bounds' value type.
        self.ranges: dict[tuple[str | None, str], tuple[str, ir.ValueType]] = {}
        # What the migrations create that calls and COLLATE may name (builtins.created_names), by
        # kind: FUNCTION, PROCEDURE, AGGREGATE, EXTENSION, COLLATION; DO blocks' included.
        self.created: dict[str, set[str]] = {}

    def value_type(self, declared: str) -> ir.ValueType:
        name, dims = normalise(declared)
        if name.endswith("%type") or name.endswith("%rowtype"):
            return ir.ValueType(ir.ANY, dims=dims)
        base = TYPES.get(name)
        if base is not None:
            cast = _array_cast(declared, dims) if dims else _SCALAR_CASTS.get(name, "")
            return ir.ValueType(base, dims=dims, wide=name in _WIDE_INTEGERS, parameter_cast=cast,
                                family="string" if name in STRING_TYPES else "")
        schema, _, bare = name.rpartition(".")
        key = self.type_key(schema.strip('"') or None, bare.strip('"'))
        enum = self.state.enums.get(key)
        if enum is not None:
            return ir.ValueType(ir.STR, literals=enum.values, enum=enum_identity(enum), dims=dims)
        if key in self.domains:
            inner, _ = self.domains[key]
            # email[] (an array of the domain, not a domain over an array) arrives as text; parsed
            # where its items read back as themselves (not bytea's escapes or JSON's text).
            as_text = dims > 0 and inner.base in _ITEMS_FROM_TEXT
            # A domain over integer[] compares as its base type: the cast is the base's.
            cast = inner.parameter_cast if dims == 0 else ""
            return ir.ValueType(inner.base, inner.literals, inner.enum, dims + inner.dims, text_array=as_text,
                                parameter_cast=cast)
        # A type psycopg has no loader for (a composite, a user's range type, an extension's type)
        # is read as its text, and an array of one as the array's text ('{"(2,)"}', which a
        # list[Any] field refused at every read): parsed into a list of its items' texts (a list
        # psycopg made, once the application registers the type, is kept as it is).
        if key in self.ranges:
            identity, subtype = self.ranges[key]
            base = ranges.user_range(subtype)
            if base is not None:
                return ir.ValueType(base, dims=dims, text_array=dims > 0, parameter_cast=f"::{identity}" + "[]" * dims)
        if key in self.composites:
            identity = self.composite_identity(key)
            return ir.ValueType(ir.ANY, dims=dims, composite=identity, text_array=dims > 0,
                                parameter_cast=f"::{identity}" + "[]" * dims)
        return ir.ValueType(ir.ANY, dims=dims, text_array=dims > 0)

    def composite_identity(self, key: tuple[str | None, str]) -> str:
        """A composite type's SQL name as a cast writes it (ValueType.composite): 'pair', '"S"."Pair"'."""
        name, schema = self.composite_names[key]
        return f"{quote_identifier(schema)}.{quote_identifier(name)}" if schema else quote_identifier(name)

    def composite_types(self) -> tuple[ir.Composite, ...]:
        return tuple(ir.Composite(self.composite_identity(key), *self.composite_names[key][:1],
                                  tuple(ir.Column(field, "", t, True) for field, t in fields),
                                  self.composite_names[key][1])
                     for key, fields in self.composites.items())

    def is_identity(self, declared: str) -> bool:
        return normalise(declared)[0] in SERIALS

    def type_key(self, schema: str | None, name: str) -> tuple[str | None, str]:
        """The key of the enum, domain or composite type a name means: an unqualified one is the
        first the search_path finds (enums, domains and composites share one namespace)."""
        for known in (self.state.enums, self.domains, self.composites, self.ranges):
            found = self.state.resolve(schema, name, known)
            if found is not None and (schema is not None or self._first(found, name)):
                return found
        return self.state.key(schema, name)

    def _first(self, key: tuple[str | None, str], name: str) -> bool:
        """No type of that name in a schema the path searches before key's."""
        for schema in self.state.search_path:
            here = self.state.key(schema, name)
            if here == key:
                return True
            if here in self.state.enums or here in self.domains or here in self.composites or here in self.ranges:
                return False
        return True


def _array_cast(declared: str, dims: int) -> str:
    """'::integer[]' for an integer[] column (any spelling: int4[], integer ARRAY); '' where none is needed."""
    name, _ = normalise(declared)
    if not dims or name not in _ARRAY_CASTS:
        return ""  # (float(p) is real or double precision by p: not in the table, left as sent)
    return "::" + _ARRAY_CASTS[name] + "[]" * dims


def install(state: SchemaState) -> None:
    types = PostgresTypes(state)
    state.type_of = types.value_type  # type: ignore[method-assign]
    state.composite_types = types.composite_types
    state.is_identity = types.is_identity  # type: ignore[method-assign]
    state.extensions["postgres"] = lambda st, cur, stmt: _statement(types, st, cur, stmt)
    state.start_session = types.path.start_session
    state.query_path = lambda: types.path.effective(types.path.declared)
    types.path.start_session()
    _TYPES_OF[state] = types


# Each schema's PostgresTypes, for the analysis's questions about what the migrations created.
_TYPES_OF: "weakref.WeakKeyDictionary[SchemaState, PostgresTypes]" = weakref.WeakKeyDictionary()


def created(state: SchemaState, kind: str) -> set[str]:
    """Names of the kind (FUNCTION, AGGREGATE, EXTENSION, COLLATION...) the migrations create."""
    types = _TYPES_OF.get(state)
    return types.created.get(kind, set()) if types is not None else set()


def _statement(types: PostgresTypes, state: SchemaState, cur: Cursor, stmt: Statement) -> bool:
    """Handle PostgreSQL-only DDL; False leaves the statement to the common builder."""
    for kind, name in builtins.created_names(stmt.text):
        types.created.setdefault(kind, set()).add(name)
    path = path_set(cur)
    if path is not None:
        types.path.set(path)
        return True
    if cur.is_word("CREATE"):
        return _create(types, state, cur)
    if cur.accept("ALTER", "TYPE"):
        _alter_type(types, state, cur)
        return True
    if cur.is_word("ALTER") and (cur.is_word("VIEW", ahead=1) or cur.is_word("MATERIALIZED", ahead=1)
                                 or cur.is_word("TABLE", ahead=1)):
        return _alter_relation(types, state, cur)
    if cur.accept("ALTER", "SEQUENCE"):
        return True
    if cur.accept("ALTER", "SCHEMA"):
        old, _ = cur.name("schema name")
        if cur.accept("RENAME", "TO"):
            _rename_schema(types, state, old, cur.name("schema name")[0])
        return True  # OWNER TO: nothing the catalog holds
    if cur.is_word("DROP"):
        return _drop(types, state, cur)
    return False


def _create(types: PostgresTypes, state: SchemaState, cur: Cursor) -> bool:
    cur.expect("CREATE")
    cur.accept("OR", "REPLACE")
    if cur.accept("TYPE"):
        schema, name, offset = cur.qualified_name("type name")
        schema = state.creation_schema(schema, offset)
        if cur.accept("AS", "ENUM"):
            existing = state.enums.get(state.key(schema, name))
            if existing is not None:  # the server refuses the same name; one differing in case it takes
                raise Located(f"type {name!r} already exists" if existing.name == name else
                              f"type {name!r}: codegen cannot tell it from {existing.name!r}, a name that differs "
                              "only in case: rename one", offset)
            start, end = cur.balanced()
            values = tuple(unquote(x) for x in Cursor(cur.text[start:end], cur.engine).items if x.kind == "string")
            state.enums[state.key(schema, name)] = ir.Enum(name, values, state.engine.lookup_schema(schema))
        elif cur.accept("AS", "RANGE") and cur.is_punct("("):
            start, end = cur.balanced()
            for part in split_top_level(cur, cur.text[start:end]):
                option = Cursor(part, cur.engine)
                if option.name("range option")[0].lower() == "subtype" and option.accept_punct("="):
                    bare = quote_identifier(name)
                    created = state.engine.lookup_schema(schema)
                    identity = f"{quote_identifier(created)}.{bare}" if created else bare
                    types.ranges[state.key(schema, name)] = (identity, types.value_type(read_type(option, set())))
        elif cur.accept("AS") and cur.is_punct("("):  # a composite type: its fields, for functions' rows
            start, end = cur.balanced()
            fields = [Cursor(part, cur.engine) for part in split_top_level(cur, cur.text[start:end])]
            key = state.key(schema, name)
            types.composites[key] = [(f.name("field name")[0], types.value_type(read_type(f, set()))) for f in fields]
            types.composite_names[key] = (name, state.engine.lookup_schema(schema))
        return True  # base types, and a range's multirange: values of type Any
    if cur.accept("DOMAIN"):
        schema, name, offset = cur.qualified_name("domain name")
        schema = state.creation_schema(schema, offset)
        cur.accept("AS")
        declared = parse_type_name(cur)
        not_null = "NOT NULL" in cur.text.upper()[cur.offset():]
        types.domains[state.key(schema, name)] = (types.value_type(declared), not_null)
        return True
    if cur.accept("SCHEMA"):
        cur.accept("IF", "NOT", "EXISTS")
        if cur.accept("AUTHORIZATION"):  # CREATE SCHEMA AUTHORIZATION joe: the schema joe
            if cur.is_word("CURRENT_USER", "SESSION_USER", "CURRENT_ROLE"):
                return True  # named as the role that connects, which codegen does not know
        if cur.peek() is not None:
            types.schemas.add(cur.name("schema name")[0])
            types.path.refresh()  # a schema the path names but did not exist is searched from now on
        return True
    for word in ("TEMP", "TEMPORARY", "UNLOGGED"):
        cur.accept(word)
    if cur.accept("SEQUENCE"):
        cur.accept("IF", "NOT", "EXISTS")
        schema, name, offset = cur.qualified_name("sequence name")
        types.sequences.add(state.key(state.creation_schema(schema, offset), name))
        return True
    if cur.is_word("FUNCTION", "PROCEDURE"):
        procedure = cur.next().text.upper() == "PROCEDURE"
        func = parse_function(types, cur, procedure)
        overloads = state.functions.setdefault(func.name.lower(), [])
        same = [f for f in overloads if [a.type for a in f.inputs] == [a.type for a in func.inputs]
                and f.schema == func.schema]
        for old in same:
            overloads.remove(old)
        overloads.append(func)
        return True
    return False


def _alter_type(types: PostgresTypes, state: SchemaState, cur: Cursor) -> None:
    schema, name, offset = cur.qualified_name("type name")
    key = types.type_key(schema, name)
    if key in types.composites:
        alter_composite(types, state, key, cur)
        return
    enum = state.enums.get(key)
    if enum is None:
        return  # domain types: no effect on value types here
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
        _replace_enum(state, enum, ir.Enum(enum.name, tuple(values), enum.schema))
    elif cur.accept("RENAME", "VALUE"):
        old = unquote(cur.next())
        cur.expect("TO")
        new = unquote(cur.next())
        _replace_enum(state, enum, ir.Enum(enum.name, tuple(new if v == old else v for v in enum.values), enum.schema))
    elif cur.accept("RENAME", "TO"):
        new_name, _ = cur.name("type name")
        _replace_enum(state, enum, ir.Enum(new_name, enum.values, enum.schema))
    elif cur.accept("SET", "SCHEMA"):
        new_schema, _ = cur.name("schema name")
        _replace_enum(state, enum, ir.Enum(enum.name, enum.values, state.engine.lookup_schema(new_schema)))


def _rename_schema(types: PostgresTypes, state: SchemaState, old: str, new: str) -> None:
    """ALTER SCHEMA old RENAME TO new: what it holds is named with new from now on (a column of
    one of its enums too: the enum's identity names its schema)."""
    gone = state.key(old, "")[0]

    def moved(key: tuple[str | None, str]) -> tuple[str | None, str]:
        return state.key(new, key[1])

    for key in [k for k in state.tables if k[0] == gone]:
        table = state.tables.pop(key)
        table.schema = new
        state.tables[moved(key)] = table
        follow_relation(state, key, moved(key))
    for key in [k for k in state.enums if k[0] == gone]:
        enum = state.enums[key]
        _replace_enum(state, enum, ir.Enum(enum.name, enum.values, new))
    for key in [k for k in types.domains if k[0] == gone]:
        types.domains[moved(key)] = types.domains.pop(key)
    for key in [k for k in types.composites if k[0] == gone]:
        move_composite(types, state, key, types.composite_names[key][0], new)
    types.sequences = {moved(k) if k[0] == gone else k for k in types.sequences}
    for overloads in state.functions.values():
        for func in overloads:
            if func.schema == old:
                func.schema = new
    types.schemas.discard(old)
    types.schemas.add(new)
    types.path.refresh()


def enum_identity(enum: ir.Enum) -> str:
    """How a value type names its enum (ValueType.enum): as SQL names it, schema included, so two
    enums of one name in two schemas stay two types (a cast to it, an empty slice of it)."""
    bare = quote_identifier(enum.name)
    return f"{quote_identifier(enum.schema)}.{bare}" if enum.schema else bare


def _replace_enum(state: SchemaState, old: ir.Enum, new: ir.Enum) -> None:
    """An enum changed by ALTER TYPE: the catalog's entry, and every column of it (or an array of
    it), tables and views, which the server reads with the new labels and name."""
    del state.enums[state.key(old.schema, old.name)]
    state.enums[state.key(new.schema, new.name)] = new
    before, after = enum_identity(old), enum_identity(new)
    for table in state.tables.values():
        for col in table.columns:
            if col.type.enum == before:
                col.type = replace(col.type, literals=new.values, enum=after)


def _alter_relation(types: PostgresTypes, state: SchemaState, cur: Cursor) -> bool:
    """ALTER [MATERIALIZED] VIEW, and ALTER TABLE naming a view or a sequence (PostgreSQL allows
    both): views take the table actions that apply to them; sequences have no columns."""
    cur.expect("ALTER")
    table_form = cur.accept("TABLE")
    if not table_form:
        cur.accept("MATERIALIZED")
        cur.expect("VIEW")
    if_exists = cur.accept("IF", "EXISTS")
    cur.accept("ONLY")
    schema, name, offset = cur.qualified_name("view name")
    if table_form and state.resolve(schema, name, types.sequences) is not None and state.find(schema, name) is None:
        return True
    view = state.find(schema, name)
    if table_form and (view is None or not view.is_view):
        return False  # a table (or a missing one): the common builder's ALTER TABLE
    if view is None or not view.is_view:
        if if_exists:
            return True
        raise Located(f"no such view: {name}", offset)
    if cur.is_word("OWNER", "RESET") or (cur.is_word("SET") and not cur.is_word("SCHEMA", ahead=1)):
        return True  # owner, options: the columns stay as they are
    # ALTER [COLUMN] c SET/DROP DEFAULT goes on: a view column's default fills an INSERT through
    # an updatable view that leaves the column out (lint's rolling check reads it).
    from ...catalog.alter import apply_alter

    apply_alter(state, cur, view, schema)
    return True


def _drop(types: PostgresTypes, state: SchemaState, cur: Cursor) -> bool:
    cur.expect("DROP")
    if cur.accept("TYPE") or cur.accept("DOMAIN"):
        cur.accept("IF", "EXISTS")
        domains, enums = set(), set()
        while True:
            schema, name, _ = cur.qualified_name("type name")
            key: tuple[str | None, str] = types.type_key(schema, name)
            enum = state.enums.pop(key, None)
            if enum is not None:
                enums.add(enum_identity(enum))
            else:  # a domain or composite type: its columns are known by the name they declare
                types.domains.pop(key, None)
                types.composites.pop(key, None)
                types.composite_names.pop(key, None)
                types.ranges.pop(key, None)
                domains.add(key)
            if not cur.accept_punct(","):
                break
        if cur.accept("CASCADE"):
            _drop_columns_of_types(state, domains, enums)
        return True
    if cur.accept("SCHEMA"):
        cur.accept("IF", "EXISTS")
        while True:
            written = cur.name("schema name")[0]
            types.schemas.discard(written)
            types.path.refresh()
            name = written.lower()
            dropped = [key for key in state.tables if key[0] == name]
            for key in dropped:
                del state.tables[key]
            drop_dependent_views(state, dropped)  # CASCADE (else the server refuses): views elsewhere reading them
            for key in [k for k in state.enums if k[0] == name]:
                del state.enums[key]
            if not cur.accept_punct(","):
                break
        return True
    if cur.accept("SEQUENCE"):
        cur.accept("IF", "EXISTS")
        schema, name, _ = cur.qualified_name("sequence name")
        types.sequences.discard(state.resolve(schema, name, types.sequences) or state.key(schema, name))
        return True
    if cur.accept("FUNCTION") or cur.accept("PROCEDURE"):
        cur.accept("IF", "EXISTS")
        while True:
            schema, name, _ = cur.qualified_name("function name")
            arity = len(split_top_level(cur, cur.text[slice(*cur.balanced())])) if cur.is_punct("(") else None
            overloads = state.functions.get(name.lower(), [])
            if schema is None:  # the first schema of the search_path holding one of that name
                schema = next((s for s in state.search_path if any(f.schema == state_schema(s) for f in overloads)),
                              None)
            state.functions[name.lower()] = [f for f in overloads if f.schema != state_schema(schema)
                                             or (arity is not None and len(f.inputs) != arity)]
            if not cur.accept_punct(","):
                break
        return True
    return False


def _drop_columns_of_types(state: SchemaState, domains: set[tuple[str | None, str]], enums: set[str]) -> None:
    """DROP TYPE / DOMAIN ... CASCADE drops every column of that type (or an array of it), and the
    views reading those columns. An enum's columns are known by its identity, schema included: a
    same-named enum of another schema keeps its columns."""
    def dropped(col: ColumnDef) -> bool:
        schema, _, bare = normalise(col.sql_type)[0].rpartition(".")
        return col.type.enum in enums or state.key(schema.strip('"') or None, bare.strip('"')) in domains

    for table in list(state.tables.values()):
        if table.is_view:
            continue
        for col in [c for c in table.columns if dropped(c)]:
            remove_column(state, table, col, cascade=True)


__all__ = ["FuncArg", "FuncDef", "STRING_TYPES", "SYNONYMS", "install", "normalise", "Located"]
