"""The typed intermediate representation between analysis and rendering.

Everything here is a frozen dataclass of plain values: no sqlglot node ever
crosses this boundary, so the Python stage and the templates can be written
and tested without knowing anything about SQL parsing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

# Logical value types. The Python stage maps each to an annotation and its import.
INT = "int"
FLOAT = "float"
STR = "str"
BYTES = "bytes"
BOOL = "bool"
DATE = "date"
DATETIME = "datetime"
DATETIME_TZ = "datetime_tz"
TIME = "time"  # a time of day without a zone (SQLite TIME, PostgreSQL time)
TIME_TZ = "time_tz"  # PostgreSQL timetz: a time of day with its UTC offset
INTERVAL = "interval"
DECIMAL = "decimal"
JSON = "json"
UUID = "uuid"
INET = "inet"  # PostgreSQL inet: a host address, with its network when it has one
CIDR = "cidr"  # PostgreSQL cidr: a network
JSON_TEXT = "json_text"  # PostgreSQL json: its text kept as written (jsonb is JSON)
ANY = "any"
BASES = frozenset({INT, FLOAT, STR, BYTES, BOOL, DATE, DATETIME, DATETIME_TZ, TIME, TIME_TZ, INTERVAL, DECIMAL, JSON,
                   UUID, INET, CIDR, JSON_TEXT, ANY})


@dataclass(frozen=True)
class ValueType:
    """What a value is, independent of whether it may be NULL."""

    base: str = ANY
    literals: tuple[str, ...] = ()  # CHECK (col IN (...)) values: typing.Literal
    enum: str | None = None  # PostgreSQL enum type name (its values are in literals)
    dims: int = 0  # array dimensions (PostgreSQL)
    # An array's elements may be NULL: array_agg over a nullable value (the optional side of a
    # LEFT JOIN gives {NULL}). A column's own T[] is list[T], as sqlc types it.
    nullable_elements: bool = False
    # The driver returns this array as text ('{a,b}'): an array of a PostgreSQL domain has a type of
    # its own that psycopg has no loader for (enum arrays say so through `enum`).
    text_array: bool = False
    model: str | None = None  # sqlc.embed: the nested table model
    # A PostgreSQL composite type, by its SQL name as a cast writes it ('pair', '"S"."Pair"'): a
    # value of the Catalog's Composite of that name (base ANY, as a model's).
    composite: str | None = None
    override: str | None = None  # a configured Python type ("pathlib.Path")
    # Any because the schema says so (a SQLite STRICT table's ANY column), not for want of a type:
    # no "is typing.Any" warning, which `strict` would make an error.
    declared_any: bool = False
    # Why a value is Any when its SQL type is known but the driver reads it as it likes: the "is
    # typing.Any" warning says this instead of "cannot be inferred" (no CAST would help).
    any_because: str = field(default="", compare=False)
    # PostgreSQL's bigint (int8, bigserial), whose sum() is numeric where an integer's is bigint. Not
    # part of the type's identity: bigint and integer are both int (equal, one hash) everywhere else.
    wide: bool = field(default=False, compare=False)
    # What the SQL sent puts after a parameter of this type ("::integer[]"; "" for none): the
    # engine's way to have the server read the value as exactly the column's type. Not part of the
    # type's identity either. PostgreSQL has no operator between integer[] and the smallint[]
    # psycopg sends for a list of small ints, so `ints = $1` or `ints @> $1` failed at every call.
    parameter_cast: str = field(default="", compare=False)
    # The engine's name for the family of SQL types this value's type compares with ("" when not
    # known): PostgreSQL reads text, money and tsvector all as str, and compares text only with text.
    family: str = field(default="", compare=False)
    # Written as a literal ('r', 1): beside a value of a configured type (overrides) of its base, in
    # COALESCE, CASE or UNION, it is taken for one of that type's values (PostgreSQL resolves the
    # literal to the column's type too); not part of the type's identity.
    literal: bool = field(default=False, compare=False)

    def with_base(self, base: str) -> ValueType:
        return ValueType(base)

    def element(self) -> ValueType:
        """The element type of this array type: an override `list[X]` (configured on an array
        column, or lifted by `array_of`) gives its elements X."""
        return ValueType(self.base, self.literals, self.enum, max(self.dims - 1, 0),
                         override=element_override(self.override) if self.dims else None, composite=self.composite,
                         parameter_cast=f"::{self.composite}" if self.composite else "")

    def array_of(self, nullable_elements: bool = False) -> ValueType:
        """An array of this type (array_agg, ARRAY[...], a parameter of `= ANY(...)`): a configured
        type X of the elements is the array's `list[X]` (`X | None` items where an element may be
        NULL: python/typemap.py), so its values are converted going in
        (an Enum member as its value) and validated as X coming out."""
        return ValueType(self.base, self.literals, self.enum, self.dims + 1, nullable_elements=nullable_elements,
                         override=None if self.override is None else f"list[{self.override}]",
                         composite=self.composite, text_array=self.composite is not None,
                         parameter_cast=f"::{self.composite}{'[]' * (self.dims + 1)}" if self.composite else "")


def element_override(override: str | None) -> str | None:
    """X of an array's override `list[X]` (or `tuple[X, ...]`); None for any other form."""
    if override is None:
        return None
    for head, tail in (("list[", "]"), ("tuple[", ", ...]")):
        if override.startswith(head) and override.endswith(tail):
            inner = override[len(head):-len(tail)]
            depth = 0
            for ch in inner:  # one argument: `list[dict[str, int]]`, not `tuple[a, b]`
                depth += (ch == "[") - (ch == "]")
                if ch == "," and depth == 0:
                    return None
            return inner
    return None


@dataclass(frozen=True)
class Typed:
    """A value type plus nullability: what an expression evaluates to."""

    type: ValueType
    nullable: bool

    def nullable_if(self, flag: bool) -> Typed:
        return self if not flag or self.nullable else replace(self, nullable=True)

    def not_null(self) -> Typed:
        return replace(self, nullable=False) if self.nullable else self


ANY_NULLABLE = Typed(ValueType(ANY), True)


@dataclass(frozen=True)
class Location:
    path: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str  # as declared ("TIMESTAMP", "CHAR(255)", "" when untyped)
    type: ValueType
    nullable: bool
    primary_key: bool = False
    has_default: bool = False

    @property
    def typed(self) -> Typed:
        return Typed(self.type, self.nullable)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    is_view: bool = False
    schema: str | None = None  # PostgreSQL schema, None for the default one

    @property
    def key(self) -> str:
        return table_key(self.name, self.schema)


def table_key(name: str, schema: str | None) -> str:
    """How result columns name their table (`ResultColumn.table`, `.embed`): `users`, or
    `baz.users` in another schema, so two tables of one name stay apart."""
    return f"{schema}.{name}".lower() if schema else name.lower()


@dataclass(frozen=True)
class Enum:
    """A PostgreSQL enum type."""

    name: str
    values: tuple[str, ...]
    schema: str | None = None


@dataclass(frozen=True)
class Composite:
    """A PostgreSQL composite type (CREATE TYPE pair AS (a int, b text)): its fields in order,
    each nullable (a composite's field takes NULL unless a domain refuses it)."""

    identity: str  # its SQL name as ValueType.composite holds it
    name: str
    fields: tuple[Column, ...]
    schema: str | None = None


@dataclass(frozen=True)
class Catalog:
    tables: tuple[Table, ...]
    enums: tuple[Enum, ...] = ()
    composites: tuple[Composite, ...] = ()


@dataclass(frozen=True)
class Param:
    name: str  # unique within the query, a valid identifier after naming
    type: ValueType
    nullable: bool
    slice: bool = False  # sqlc.slice: a list expanded into IN (...)
    positions: tuple[int, ...] = ()  # the bind slots (0-based) this param fills
    optional: int = -1  # sqlc.optional: its bit in the variant mask (None leaves its predicates out)


@dataclass(frozen=True)
class ResultColumn:
    name: str
    type: ValueType
    nullable: bool
    table: str | None = None  # source table when the column is a plain column reference
    embed: str | None = None  # sqlc.embed(table): the whole row of that table


@dataclass(frozen=True)
class Finding:
    """A warning about a query, located in its file: what ended up typing.Any, and why."""

    line: int
    col: int
    message: str


@dataclass(frozen=True)
class Conjunct:
    """One ANDed predicate of a dynamic clause: kept when every optional param in `requires` is set."""

    text: str
    requires: int  # bitmask of Param.optional bits
    slots: tuple[int, ...]  # the param index of each bind slot in text


@dataclass(frozen=True)
class DynamicPiece:
    """Fixed text with its bind slots (keyword == ""), or a WHERE / HAVING / ON clause whose
    conjuncts come and go: `keyword` + the kept ones joined by AND, or `fallback` when none is.
    Either may belong to a LEFT JOIN only some variants need (`needed`)."""

    text: str = ""
    slots: tuple[int, ...] = ()
    keyword: str = ""
    fallback: str = ""
    conjuncts: tuple[Conjunct, ...] = ()
    # A LEFT JOIN's text left out unless one of these masks of optional params is all set; () always kept.
    needed: tuple[int, ...] = ()


@dataclass(frozen=True)
class Query:
    name: str  # as annotated: GetThread
    command: str  # one, many, exec, execrows, execlastid, copyfrom
    file: str  # relative path as given: queries/threads.sql
    line: int
    sql: str  # the SQL to send, placeholders normalised for the engine
    doc: str
    params: tuple[Param, ...]
    columns: tuple[ResultColumn, ...]
    always_one_row: bool = False  # an aggregate without GROUP BY: :one never finds nothing
    slots: tuple[int, ...] = ()  # for each bind slot in sql order, the index of its param
    slice_markers: tuple[str, ...] = ()  # names of slice params, as marked in sql
    insert_table: str | None = None  # copyfrom: target table
    insert_columns: tuple[str, ...] = ()  # copyfrom: target columns
    insert_schema: str | None = None  # copyfrom: the target table's schema, None for the search path
    # Every row the statement changes is a row it inserted (an INSERT without ON CONFLICT DO UPDATE),
    # so the driver's last rowid is this statement's when it changed any row.
    inserts_rows: bool = False
    writes: bool = False  # an INSERT, UPDATE or DELETE (a WITH in front or not): it changes rows
    # sqlc.optional: the statement as fixed pieces and clauses of droppable conjuncts (see
    # codegen.dynamic); empty for a query with one fixed text.
    dynamic: tuple[DynamicPiece, ...] = ()
    # ORDER BY sqlc.sort(name, ...): the argument's name, and (value, SQL text) per choice, the
    # first the default; the text goes where the pieces hold "\x01".
    sort_param: str = ""
    sort_choices: tuple[tuple[str, str], ...] = ()
    warnings: tuple[Finding, ...] = ()  # typing.Any params/columns, unknown functions


@dataclass(frozen=True)
class QueryFile:
    path: str  # queries/threads.sql
    stem: str  # threads
    queries: tuple[Query, ...]


@dataclass(frozen=True)
class Project:
    engine: str
    catalog: Catalog
    files: tuple[QueryFile, ...] = field(default_factory=tuple)


def to_jsonable(obj: Any) -> Any:
    return asdict(obj)
