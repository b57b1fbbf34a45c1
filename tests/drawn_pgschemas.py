"""Drawn PostgreSQL namespaces for tests/test_drawn_pgschemas.py: one table and one enum of the same
names (`items`, `status`) in each of two or three schemas (public, a plain one, a quoted mixed-case
one, one whose name needs quotes for its blank), so that any confusion of two same-named objects
puts rows in, or reads them from, the wrong table, or types them by the wrong enum.

A `World` is what was drawn: per schema its enum's labels, the table's columns (name, SQL type,
NOT NULL) and which schema's enum its `st` column takes (a bare `status` in a non-public schema's
table is public's, as the default search_path finds it); a view in the first schema joining two
schemas' tables; then a later migration that changes some of them (ADD COLUMN, RENAME COLUMN,
ALTER TYPE ... ADD VALUE / RENAME VALUE, DROP and re-CREATE a table, ALTER SCHEMA ... RENAME TO).
`World.final` is the schema
as that history leaves it, which the queries are written against and the oracle models.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from hypothesis import strategies as st

from codegen.placeholders import quote_identifier

SCHEMA_NAMES = ("public", "billing", "Sales", "ops data")
# (name, SQL type) of the columns a table may have besides id and st; the same name in two schemas
# may differ in type, so rows read through the wrong table do not fit.
COLUMNS = (("amount", "integer"), ("amount", "bigint"), ("label", "text"), ("flag", "boolean"), ("code", "varchar(8)"),
           ("Label", "text"))  # quoted, its case its own


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    not_null: bool


@dataclass(frozen=True)
class Table:
    schema: str
    labels: tuple[str, ...]  # World.tables: its schema's enum's; World.final: those its st column takes
    columns: tuple[Column, ...]  # besides id serial PRIMARY KEY and st
    enum_of: str  # whose status the st column is
    st_not_null: bool

    @property
    def name(self) -> str:
        """items as SQL names it in this schema (public's bare or qualified, as drawn)."""
        return qualified(self.schema, "items")


@dataclass(frozen=True)
class Change:
    """One change of the later migration (_later writes it and the tables it leaves)."""

    kind: str  # add_column, rename_column, add_value, rename_value, recreate, rename_schema
    schema: str


@dataclass
class World:
    tables: list[Table]
    changes: list[Change]
    view_pair: tuple[int, int]  # indexes of the two tables the view joins
    bare_public: bool  # public's table named `items`, not `public.items`
    final: list[Table] = field(default_factory=list)  # in the order of `tables`


def qualified(schema: str, name: str) -> str:
    return name if schema == "public" else f"{quote_identifier(schema)}.{name}"


def enum_name(schema: str) -> str:
    return qualified(schema, "status")


@st.composite
def worlds(draw: st.DrawFn) -> World:
    schemas = draw(st.lists(st.sampled_from(SCHEMA_NAMES), min_size=2, max_size=3, unique=True))
    label_pool = st.lists(st.sampled_from(("new", "open", "paid", "void", "Late", "x y")), min_size=1, max_size=3,
                          unique=True)
    tables = []
    for schema in schemas:
        picked = draw(st.lists(st.sampled_from(COLUMNS), max_size=3, unique_by=lambda c: c[0].lower()))
        columns = tuple(Column(n, t, draw(st.booleans())) for n, t in picked)
        enum_of = draw(st.sampled_from(schemas))
        tables.append(Table(schema, tuple(draw(label_pool)), columns, enum_of, draw(st.booleans())))
    changes = draw(st.lists(st.builds(Change, st.sampled_from(("add_column", "rename_column", "add_value",
                                                                "rename_value", "recreate", "rename_schema")),
                                      st.sampled_from(schemas)), max_size=3))
    pair = draw(st.permutations(range(len(schemas))))[:2]
    world = World(tables, changes, (pair[0], pair[1]), draw(st.booleans()))
    world.final = _later(world)[1]
    return world


def migration_1(world: World) -> str:
    out = []
    for t in world.tables:
        if t.schema != "public":
            out.append(f"CREATE SCHEMA {quote_identifier(t.schema)};")
    for t in world.tables:
        labels = ", ".join(_string(v) for v in t.labels)
        out.append(f"CREATE TYPE {enum_name(t.schema)} AS ENUM ({labels});")
    for t in world.tables:
        out.append(_create_table(t))
    a, b = (world.tables[i] for i in world.view_pair)
    out.append(_view(a, b))
    return "\n".join(out) + "\n"


def migration_2(world: World) -> str:
    return _later(world)[0]


def _view(a: Table, b: Table) -> str:
    return (f"CREATE VIEW {qualified(a.schema, 'joined')} AS SELECT a.id, a.st AS a_st, b.st AS b_st "
            f"FROM {qualified(a.schema, 'items')} a JOIN {qualified(b.schema, 'items')} b ON b.id = a.id;")


def _create_table(t: Table) -> str:
    # public's enum is named bare (`status`), as users write it: in another schema's table that is
    # public's type, the default search_path finding it.
    cols = ["id serial PRIMARY KEY", f"st {enum_name(t.enum_of)}{' NOT NULL' if t.st_not_null else ''}"]
    cols += [f"{quote_identifier(c.name)} {c.sql_type}{' NOT NULL' if c.not_null else ''}" for c in t.columns]
    return f"CREATE TABLE {t.name} ({', '.join(cols)});"


def _later(world: World) -> tuple[str, list[Table]]:
    """The later migration and the tables it leaves: the drawn changes, the view dropped first and
    created again last (a column it reads cannot change type or go while it stands). A change that
    cannot apply (a second ADD COLUMN note, renaming public) is left out."""
    a, b = world.view_pair
    out = [f"DROP VIEW {qualified(world.tables[a].schema, 'joined')};"]
    labels = {t.schema: t.labels for t in world.tables}  # each schema's enum
    tables = list(world.tables)
    names = {t.schema: t.schema for t in world.tables}  # drawn schema -> its name now
    for change in world.changes:
        s = names[change.schema]
        i = next(k for k, t in enumerate(tables) if t.schema == s)
        t = tables[i]
        if change.kind == "add_value" and "added" not in labels[s]:
            out.append(f"ALTER TYPE {enum_name(s)} ADD VALUE 'added';")
            labels[s] = labels[s] + ("added",)
        elif change.kind == "rename_value":
            first = labels[s][0]
            out.append(f"ALTER TYPE {enum_name(s)} RENAME VALUE {_string(first)} TO {_string(first + '_r')};")
            labels[s] = (first + "_r",) + labels[s][1:]
        elif change.kind == "add_column" and "note" not in [c.name for c in t.columns]:
            out.append(f"ALTER TABLE {t.name} ADD COLUMN note text;")
            tables[i] = replace(t, columns=t.columns + (Column("note", "text", False),))
        elif change.kind == "rename_column" and t.columns and not any(c.name.endswith("_2") for c in t.columns):
            first = t.columns[0]
            out.append(f"ALTER TABLE {t.name} RENAME COLUMN {quote_identifier(first.name)} "
                       f"TO {quote_identifier(first.name + '_2')};")
            tables[i] = replace(t, columns=(replace(first, name=first.name + "_2"),) + t.columns[1:])
        elif change.kind == "recreate":  # dropped and created again, its own schema's enum, NOT NULL
            tables[i] = replace(t, enum_of=s, st_not_null=True)
            out.append(f"DROP TABLE {t.name};")
            out.append(_create_table(tables[i]))
        elif change.kind == "rename_schema" and s != "public":
            new = s + "_2"
            out.append(f"ALTER SCHEMA {quote_identifier(s)} RENAME TO {quote_identifier(new)};")
            names[change.schema] = new
            labels[new] = labels.pop(s)
            tables = [replace(x, schema=new if x.schema == s else x.schema, enum_of=new if x.enum_of == s else x.enum_of)
                      for x in tables]
    out.append(_view(tables[a], tables[b]))
    return "\n".join(out) + "\n", [replace(t, labels=labels[t.enum_of]) for t in tables]


def _string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def function_suffix(index: int) -> str:
    return "abc"[index]


def queries(world: World) -> str:
    """Per table (suffix A, B, C by position): INSERT ... RETURNING * (:one), SELECT * (:many),
    ids by an enum slice, :copyfrom, :batchone; then the embed join and the view of the pair."""
    out = []
    for i, t in enumerate(world.final):
        x = function_suffix(i).upper()
        name = "items" if t.schema == "public" and world.bare_public else qualified(t.schema, "items")
        cols = ["st"] + [quote_identifier(c.name) for c in t.columns]
        marks = ", ".join(f"sqlc.arg({c})" for c in ["st", *(c.name for c in t.columns)])
        out += [f"-- name: Insert{x} :one\nINSERT INTO {name} ({', '.join(cols)}) VALUES ({marks}) RETURNING *;",
                f"-- name: All{x} :many\nSELECT * FROM {name} ORDER BY id;",
                f"-- name: ByStatus{x} :many\nSELECT id FROM {name} WHERE st IN (sqlc.slice(sts)) ORDER BY id;",
                f"-- name: Copy{x} :copyfrom\nINSERT INTO {name} ({', '.join(cols)}) VALUES ({marks});",
                f"-- name: Batch{x} :batchone\nINSERT INTO {name} ({', '.join(cols)}) VALUES ({marks}) "
                "RETURNING id, st;"]
    a, b = (world.final[i] for i in world.view_pair)
    out += [f"-- name: Embedded :many\nSELECT sqlc.embed(a), sqlc.embed(b) FROM {qualified(a.schema, 'items')} a "
            f"JOIN {qualified(b.schema, 'items')} b ON b.id = a.id ORDER BY a.id;",
            f"-- name: Joined :many\nSELECT * FROM {qualified(a.schema, 'joined')} ORDER BY id;"]
    return "\n\n".join(out) + "\n"
