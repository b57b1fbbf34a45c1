"""Drawn migration histories for tests/test_drawn_evolution*.py.

A history is a list of migrations, each a list of DDL statements, drawn against a model of the
schema so far (tables with their columns, views, indexes; on PostgreSQL enums, domains and a
second schema), so most statements make sense where they stand. The model only steers the
drawing: what the schema really is comes from the database the history is applied to, and a
statement the database refuses is left out of the history (`apply_sqlite` / `apply_postgresql`
return the statements it took), so every history a test sees is one the database accepts.

Names are lower case (PostgreSQL folds unquoted ones; two names differing only in case are a
known, documented collision in codegen's PostgreSQL catalog). Each kind of object has its own
prefix (t_, v_, i_, e_, d_), so names never clash across kinds by accident.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from hypothesis import strategies as st

SQLITE_TYPES = ("INTEGER", "INT", "TEXT", "VARCHAR(20)", "REAL", "DOUBLE", "BLOB", "NUMERIC", "DECIMAL(10,2)",
                "BOOLEAN", "DATE", "DATETIME", "TIMESTAMP", "JSON", "")
STRICT_TYPES = ("INTEGER", "INT", "TEXT", "REAL", "BLOB", "ANY")
PG_TYPES = ("integer", "bigint", "smallint", "text", "varchar(20)", "boolean", "numeric(10,2)", "double precision",
            "real", "date", "timestamp", "timestamptz", "bytea", "uuid", "jsonb", "integer[]")
# A literal each type takes as a DEFAULT (SQLite accepts anything; PostgreSQL casts the text).
# Constants all: two databases migrated a second apart must hold the same rows (a column added
# with DEFAULT now() fills existing rows with the time of the migration).
DEFAULTS = {
    "INTEGER": "7", "INT": "-3", "TEXT": "'x'", "VARCHAR(20)": "'y'", "REAL": "1.5", "DOUBLE": "2.25", "BLOB": "x'00ff'",
    "NUMERIC": "3", "DECIMAL(10,2)": "4.5", "BOOLEAN": "1", "DATE": "'2024-02-29'", "DATETIME": "'2024-01-01 10:00:00'",
    "TIMESTAMP": "'2024-01-01 00:00:00'", "JSON": "'{}'", "": "0", "ANY": "'any'",
    "integer": "7", "bigint": "-3", "smallint": "2", "text": "'x'", "varchar(20)": "'y'", "boolean": "true",
    "numeric(10,2)": "4.50", "double precision": "2.25", "real": "1.5", "date": "'2024-02-29'",
    "timestamp": "'2024-01-01 10:00:00'", "timestamptz": "'2024-01-01 00:00:00+00'", "bytea": "'\\x00ff'",
    "uuid": "'00000000-0000-0000-0000-000000000001'", "jsonb": "'{}'", "integer[]": "'{1,2}'",
}
# PostgreSQL ALTER COLUMN TYPE changes the server takes on an empty table (USING where it needs one).
PG_RETYPES = {
    "integer": ("bigint", "text", "numeric(10,2)", "smallint"), "bigint": ("integer", "text", "numeric(10,2)"),
    "smallint": ("integer", "bigint"), "text": ("varchar(20)", "integer", "jsonb"), "varchar(20)": ("text",),
    "numeric(10,2)": ("double precision", "integer"), "double precision": ("real", "numeric(10,2)"),
    "real": ("double precision",), "timestamp": ("timestamptz", "date"), "timestamptz": ("timestamp",),
    "date": ("timestamp",), "boolean": ("text",), "jsonb": ("text",), "uuid": ("text",), "bytea": ("text",),
    "integer[]": ("bigint[]", "text[]"), "bigint[]": ("integer[]",), "text[]": ("varchar(20)[]",),
    "varchar(20)[]": ("text[]",),
}
# A few names need quotes: a keyword, a space, upper case (one per kind: PostgreSQL's catalog keys
# names case-insensitively, so two differing only in case collide, a known limit).
TABLES = ("t_a", "t_b", "t_c", "t_d", '"group"', '"Odd Table"')
COLUMNS = ("id", "c_a", "c_b", "c_c", "c_d", "c_e", '"order"', '"Two Words"', '"MixedCase"')
VIEWS = ("v_a", "v_b", "v_c")
INDEXES = ("i_a", "i_b", "i_c")
ENUMS = ("e_a", "e_b")
DOMAINS = ("d_a", "d_b")
LABELS = ("red", "green", "blue", "cyan", "plum")


def bare(name: str) -> str:
    """A drawn name without its quotes, to build other names from."""
    return name.strip('"')


def suffixed(name: str, suffix: str) -> str:
    """name + suffix, quoted when name is."""
    return f'"{bare(name)}{suffix}"' if name.startswith('"') else name + suffix


@dataclass
class Col:
    name: str
    type: str
    not_null: bool = False
    default: str | None = None
    pk: bool = False

    def sql(self, engine: str, inline_pk: bool) -> str:
        parts = [self.name] + ([self.type] if self.type else [])
        if self.pk and inline_pk:
            parts.append("PRIMARY KEY")
        if self.not_null:
            parts.append("NOT NULL")
        if self.default is not None:
            default = self.default
            parts.append(f"DEFAULT ({default})" if engine == "sqlite" and default[0] not in "'-0123456789x"
                         and default != "CURRENT_TIMESTAMP" else f"DEFAULT {default}")
        return " ".join(parts)


@dataclass
class Tab:
    name: str
    cols: list[Col]
    schema: str | None = None
    strict: bool = False
    without_rowid: bool = False

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


@dataclass
class Model:
    """What the drawing believes the schema is: it steers, it is never the oracle."""

    engine: str
    tables: dict[str, Tab] = field(default_factory=dict)  # by qualified name
    views: dict[str, tuple[str, ...]] = field(default_factory=dict)  # qualified view -> tables it reads
    indexes: dict[str, str] = field(default_factory=dict)  # qualified index -> qualified table
    enums: dict[str, list[str]] = field(default_factory=dict)
    domains: dict[str, str] = field(default_factory=dict)  # name -> base type
    schemas: set[str] = field(default_factory=set)

    def type_names(self, strict: bool = False) -> list[str]:
        if self.engine == "sqlite":
            return list(STRICT_TYPES if strict else SQLITE_TYPES)
        return list(PG_TYPES) + sorted(self.enums) + sorted(self.domains)

    def free(self, pool: tuple[str, ...], schema: str | None = None) -> list[str]:
        """Names of the pool no table, view or index of that schema holds."""
        taken = {q.split(".")[-1] for q in [*self.tables, *self.views, *self.indexes]
                 if (q.split(".")[0] if "." in q else None) == schema}
        return [n for n in pool if n not in taken]


def _default_for(engine: str, model: Model, type_name: str) -> str:
    if type_name in model.enums:
        return f"'{model.enums[type_name][0]}'"
    if type_name in model.domains:
        return DEFAULTS[model.domains[type_name]]
    return DEFAULTS[type_name]


@st.composite
def _column(draw: st.DrawFn, model: Model, name: str, strict: bool = False, added: bool = False) -> Col:
    type_name = draw(st.sampled_from(model.type_names(strict)))
    default = None
    if draw(st.booleans()):
        default = _default_for(model.engine, model, type_name)
        if added and model.engine == "sqlite" and default == "CURRENT_TIMESTAMP":
            default = "'2024-01-01 00:00:00'"  # ADD COLUMN takes constant defaults only
    # SQLite's ADD COLUMN ... NOT NULL needs a default; an empty PostgreSQL table takes it without.
    not_null = draw(st.booleans()) and (default is not None or not added or model.engine != "sqlite")
    return Col(name, type_name, not_null, default)


@st.composite
def create_table(draw: st.DrawFn, model: Model) -> list[str]:
    engine = model.engine
    schema = draw(st.sampled_from([None, *sorted(model.schemas)])) if model.schemas else None
    names = model.free(TABLES, schema)
    if not names:
        return []
    name = draw(st.sampled_from(names))
    strict = engine == "sqlite" and draw(st.booleans())
    count = draw(st.integers(1, 4))
    col_names = draw(st.lists(st.sampled_from(COLUMNS[1:]), min_size=count, max_size=count, unique=True))
    cols = [draw(_column(model, n, strict)) for n in col_names]
    key = draw(st.sampled_from(["rowid", "inline", "composite", "none"]))
    constraints: list[str] = []
    if key == "rowid":  # the rowid alias on SQLite, an identity column on PostgreSQL
        cols.insert(0, Col("id", "INTEGER" if engine == "sqlite" else "bigint GENERATED BY DEFAULT AS IDENTITY",
                           pk=True))
    elif key == "inline":
        cols[0].pk = True
    elif key == "composite" and len(cols) > 1:
        for col in cols[:2]:
            col.pk = True
        constraints.append(f"PRIMARY KEY ({cols[0].name}, {cols[1].name})")
    without_rowid = engine == "sqlite" and any(c.pk for c in cols) and draw(st.booleans())
    if draw(st.booleans()):
        unique = draw(st.sampled_from(cols))
        constraints.append(f"UNIQUE ({unique.name})")
    text_cols = [c for c in cols if c.type.upper() in ("TEXT", "VARCHAR(20)") and not c.pk]
    if text_cols and draw(st.booleans()):
        checked = draw(st.sampled_from(text_cols))
        constraints.append(f"CHECK ({checked.name} IN ('red', 'green', 'x', 'y'))")
    others = [t for q, t in model.tables.items() if any(c.pk for c in t.cols)
              and len([c for c in t.cols if c.pk]) == 1]
    if others and draw(st.booleans()):
        target = draw(st.sampled_from(others))
        target_pk = next(c for c in target.cols if c.pk)
        fk_type = "INTEGER" if engine == "sqlite" else "bigint"
        if target_pk.type and not target_pk.type.startswith("bigint GENERATED"):
            fk_type = target_pk.type
        fk = Col(draw(st.sampled_from([c for c in COLUMNS[1:] if c not in col_names] or ["c_h"])), fk_type)
        cols.append(fk)
        action = draw(st.sampled_from(["", " ON DELETE CASCADE", " ON DELETE SET NULL"]))
        constraints.append(f"FOREIGN KEY ({fk.name}) REFERENCES {target.qualified} ({target_pk.name}){action}")
    inline = key != "composite"
    body = ", ".join([c.sql(engine, inline) for c in cols] + constraints)
    options = ", ".join(o for o, on in (("STRICT", strict), ("WITHOUT ROWID", without_rowid)) if on)
    table = Tab(name, cols, schema, strict, without_rowid)
    model.tables[table.qualified] = table
    return [f"CREATE TABLE {table.qualified} ({body}){' ' + options if options else ''}"]


def _pick_table(draw: st.DrawFn, model: Model) -> Tab | None:
    return draw(st.sampled_from(sorted(model.tables.values(), key=lambda t: t.qualified))) if model.tables else None


@st.composite
def add_column(draw: st.DrawFn, model: Model) -> list[str]:
    table = _pick_table(draw, model)
    names = [n for n in COLUMNS[1:] + ("c_h",) if table is not None and n not in {c.name for c in table.cols}]
    if table is None or not names:
        return []
    col = draw(_column(model, draw(st.sampled_from(names)), table.strict, added=True))
    table.cols.append(col)
    return [f"ALTER TABLE {table.qualified} ADD COLUMN {col.sql(model.engine, True)}"]


@st.composite
def drop_column(draw: st.DrawFn, model: Model) -> list[str]:
    table = _pick_table(draw, model)
    if table is None or len(table.cols) < 2:
        return []
    col = draw(st.sampled_from(table.cols))
    table.cols.remove(col)
    cascade = model.engine == "postgresql" and draw(st.booleans())
    if cascade:
        _drop_views_reading(model, table.qualified)
    return [f"ALTER TABLE {table.qualified} DROP COLUMN {col.name}{' CASCADE' if cascade else ''}"]


@st.composite
def rename_column(draw: st.DrawFn, model: Model) -> list[str]:
    table = _pick_table(draw, model)
    if table is None:
        return []
    col = draw(st.sampled_from(table.cols))
    names = [n for n in COLUMNS + ("c_h", "c_i") if n not in {c.name for c in table.cols}]
    new = draw(st.sampled_from(names))
    old, col.name = col.name, new
    column = "COLUMN " if draw(st.booleans()) else ""
    return [f"ALTER TABLE {table.qualified} RENAME {column}{old} TO {new}"]


@st.composite
def rename_table(draw: st.DrawFn, model: Model) -> list[str]:
    table = _pick_table(draw, model)
    names = model.free(TABLES, table.schema) if table is not None else []
    if table is None or not names:
        return []
    old = table.qualified
    del model.tables[old]
    table.name = draw(st.sampled_from(names))
    model.tables[table.qualified] = table
    model.views = {v: tuple(table.qualified if t == old else t for t in reads) for v, reads in model.views.items()}
    model.indexes = {i: table.qualified if t == old else t for i, t in model.indexes.items()}
    return [f"ALTER TABLE {old} RENAME TO {table.name}"]


def _drop_views_reading(model: Model, qualified: str) -> None:
    changed = True
    while changed:
        gone = [v for v, reads in model.views.items() if qualified in reads or any(r not in model.tables
                                                                                   and r not in model.views
                                                                                   for r in reads)]
        changed = bool(gone)
        for v in gone:
            del model.views[v]


@st.composite
def drop_table(draw: st.DrawFn, model: Model) -> list[str]:
    table = _pick_table(draw, model)
    if table is None:
        return []
    del model.tables[table.qualified]
    model.indexes = {i: t for i, t in model.indexes.items() if t != table.qualified}
    cascade = model.engine == "postgresql" and draw(st.booleans())
    if cascade:
        _drop_views_reading(model, table.qualified)
    return [f"DROP TABLE {table.qualified}{' CASCADE' if cascade else ''}"]


@st.composite
def create_view(draw: st.DrawFn, model: Model) -> list[str]:
    names = model.free(VIEWS)
    sources = sorted(model.tables) + sorted(model.views)
    if not names or not sources:
        return []
    name = draw(st.sampled_from(names))
    source = draw(st.sampled_from(sources))
    table = model.tables.get(source)
    shape = draw(st.sampled_from(["star", "columns", "aliases", "join", "where", "qualified", "expressions",
                                  "derived"]))
    reads: tuple[str, ...] = (source,)
    if table is None or shape == "star":
        select = f"SELECT * FROM {source}"
    elif shape == "columns":
        cols = draw(st.lists(st.sampled_from([c.name for c in table.cols]), min_size=1, unique=True))
        select = f"SELECT {', '.join(cols)} FROM {source}"
    elif shape == "aliases":
        cols = draw(st.lists(st.sampled_from([c.name for c in table.cols]), min_size=1, unique=True))
        select = f"SELECT {', '.join(f'{c} AS {chr(34)}x_{bare(c)}{chr(34)}' for c in cols)} FROM {source} AS s"
    elif shape == "qualified":  # a rename must rewrite the qualifier too
        col = draw(st.sampled_from(table.cols))
        select = f"SELECT {source}.{col.name}, * FROM {source} WHERE {source}.{col.name} IS NULL OR 1 = 1"
    elif shape == "expressions":  # unaliased: named by their text (SQLite) or their function (PostgreSQL)
        col = draw(st.sampled_from(table.cols))
        select = draw(st.sampled_from([f"SELECT count(*) FROM {source}", f"SELECT {col.name} IS NULL FROM {source}",
                                       f"SELECT max({col.name}), {col.name} FROM {source} GROUP BY {col.name}",
                                       f"SELECT coalesce({col.name}, {col.name}) FROM {source}"]))
    elif shape == "derived":
        col = draw(st.sampled_from(table.cols))
        select = f"SELECT sub.{col.name} FROM (SELECT * FROM {source}) AS sub"
    elif shape == "where":
        col = draw(st.sampled_from(table.cols))
        select = f"SELECT * FROM {source} WHERE {col.name} IS NOT NULL"
    else:
        other_name = draw(st.sampled_from(sorted(model.tables)))
        other = model.tables[other_name]
        left, right = draw(st.sampled_from(table.cols)), draw(st.sampled_from(other.cols))
        kind = draw(st.sampled_from(["JOIN", "LEFT JOIN"]))
        picked = draw(st.sampled_from(["star", "qualified"]))
        columns = "*" if picked == "star" else f"l.{left.name}, r.{right.name}"
        select = f"SELECT {columns} FROM {source} AS l {kind} {other_name} AS r ON l.{left.name} = r.{right.name}"
        reads = (source, other_name)
    model.views[name] = reads
    return [f"CREATE VIEW {name} AS {select}"]


@st.composite
def drop_view(draw: st.DrawFn, model: Model) -> list[str]:
    if not model.views:
        return []
    name = draw(st.sampled_from(sorted(model.views)))
    del model.views[name]
    cascade = model.engine == "postgresql" and draw(st.booleans())
    if cascade:
        _drop_views_reading(model, name)
    return [f"DROP VIEW {name}{' CASCADE' if cascade else ''}"]


@st.composite
def create_index(draw: st.DrawFn, model: Model) -> list[str]:
    table = _pick_table(draw, model)
    names = model.free(INDEXES, table.schema) if table is not None else []
    if table is None or not names:
        return []
    name = draw(st.sampled_from(names))
    cols = draw(st.lists(st.sampled_from([c.name for c in table.cols]), min_size=1, max_size=2, unique=True))
    unique = "UNIQUE " if draw(st.booleans()) else ""
    where = f" WHERE {cols[0]} IS NOT NULL" if draw(st.booleans()) else ""
    qualified = f"{table.schema}.{name}" if table.schema else name
    model.indexes[qualified] = table.qualified
    return [f"CREATE {unique}INDEX {name} ON {table.qualified} ({', '.join(cols)}){where}"]


@st.composite
def drop_index(draw: st.DrawFn, model: Model) -> list[str]:
    if not model.indexes:
        return []
    name = draw(st.sampled_from(sorted(model.indexes)))
    del model.indexes[name]
    return [f"DROP INDEX {name}"]


@st.composite
def rebuild_table(draw: st.DrawFn, model: Model) -> list[str]:
    """SQLite's 12 steps (https://sqlite.org/lang_altertable.html#otheralter): create the new
    shape under another name, copy the rows, drop the old table, rename the new one into place."""
    table = _pick_table(draw, model)
    if table is None:
        return []
    kept = draw(st.lists(st.sampled_from(table.cols), min_size=1, max_size=len(table.cols), unique_by=lambda c: c.name))
    new_cols = []
    for col in kept:
        changed = dataclasses.replace(col)
        if draw(st.booleans()):
            changed.type = draw(st.sampled_from(model.type_names(table.strict)))
            changed.default = None
        if not changed.pk and draw(st.booleans()):
            changed.not_null = not changed.not_null
        new_cols.append(changed)
    extra = [n for n in COLUMNS[1:] + ("c_h",) if n not in {c.name for c in new_cols}]
    if extra and draw(st.booleans()):
        new_cols.append(draw(_column(model, draw(st.sampled_from(extra)), table.strict)))
    pk = [c for c in new_cols if c.pk]
    inline = len(pk) <= 1
    body = ", ".join([c.sql("sqlite", inline) for c in new_cols]
                     + ([] if inline else [f"PRIMARY KEY ({', '.join(c.name for c in pk)})"]))
    without_rowid = table.without_rowid and bool(pk)
    options = ", ".join(o for o, on in (("STRICT", table.strict), ("WITHOUT ROWID", without_rowid)) if on)
    temp = suffixed(table.name, "_new")
    copied = ", ".join(c.name for c in new_cols if c.name in {k.name for k in kept})
    model.indexes = {i: t for i, t in model.indexes.items() if t != table.qualified}
    table.cols, table.without_rowid = new_cols, without_rowid
    return [f"CREATE TABLE {temp} ({body}){' ' + options if options else ''}",
            f"INSERT INTO {temp} ({copied}) SELECT {copied} FROM {table.name}",
            f"DROP TABLE {table.name}",
            f"ALTER TABLE {temp} RENAME TO {table.name}"]


# -- PostgreSQL only ---------------------------------------------------------------------------------

def _pick_column(draw: st.DrawFn, model: Model) -> tuple[Tab, Col] | None:
    table = _pick_table(draw, model)
    if table is None:
        return None
    return table, draw(st.sampled_from(table.cols))


@st.composite
def alter_column_type(draw: st.DrawFn, model: Model) -> list[str]:
    picked = _pick_column(draw, model)
    if picked is None:
        return []
    table, col = picked
    options = list(PG_RETYPES.get(col.type, ())) + (["text"] if col.type in model.enums else [])
    if not options:
        return []
    new = draw(st.sampled_from(options))
    using = f" USING {col.name}::{new}" if draw(st.booleans()) or new in ("integer", "jsonb") else ""
    words = draw(st.sampled_from(["TYPE", "SET DATA TYPE"]))
    col.type, col.default = new, None
    return [f"ALTER TABLE {table.qualified} ALTER COLUMN {col.name} DROP DEFAULT",
            f"ALTER TABLE {table.qualified} ALTER COLUMN {col.name} {words} {new}{using}"]


@st.composite
def alter_column_null(draw: st.DrawFn, model: Model) -> list[str]:
    picked = _pick_column(draw, model)
    if picked is None:
        return []
    table, col = picked
    col.not_null = draw(st.booleans())
    return [f"ALTER TABLE {table.qualified} ALTER COLUMN {col.name} {'SET' if col.not_null else 'DROP'} NOT NULL"]


@st.composite
def alter_column_default(draw: st.DrawFn, model: Model) -> list[str]:
    picked = _pick_column(draw, model)
    if picked is None:
        return []
    table, col = picked
    if draw(st.booleans()) and col.type in DEFAULTS:
        col.default = DEFAULTS[col.type]
        return [f"ALTER TABLE {table.qualified} ALTER {col.name} SET DEFAULT {col.default}"]
    col.default = None
    return [f"ALTER TABLE {table.qualified} ALTER {col.name} DROP DEFAULT"]


@st.composite
def primary_key(draw: st.DrawFn, model: Model) -> list[str]:
    table = _pick_table(draw, model)
    if table is None:
        return []
    if any(c.pk for c in table.cols):
        for col in table.cols:
            col.pk = False
        return [f"ALTER TABLE {table.qualified} DROP CONSTRAINT {suffixed(table.name, '_pkey')}"]
    col = draw(st.sampled_from(table.cols))
    col.pk = col.not_null = True
    return [f"ALTER TABLE {table.qualified} ADD PRIMARY KEY ({col.name})"]


@st.composite
def create_enum(draw: st.DrawFn, model: Model) -> list[str]:
    names = [n for n in ENUMS if n not in model.enums]
    if not names:
        return []
    name = draw(st.sampled_from(names))
    labels = draw(st.lists(st.sampled_from(LABELS[:3]), min_size=1, unique=True))
    model.enums[name] = labels
    return [f"CREATE TYPE {name} AS ENUM ({', '.join(repr(v) for v in labels)})"]


@st.composite
def add_enum_value(draw: st.DrawFn, model: Model) -> list[str]:
    if not model.enums:
        return []
    name = draw(st.sampled_from(sorted(model.enums)))
    new = [v for v in LABELS if v not in model.enums[name]]
    if not new:
        return []
    value = draw(st.sampled_from(new))
    where = draw(st.sampled_from(["", "BEFORE", "AFTER"]))
    anchor = draw(st.sampled_from(model.enums[name]))
    labels = model.enums[name]
    if where:
        labels.insert(labels.index(anchor) + (where == "AFTER"), value)
        return [f"ALTER TYPE {name} ADD VALUE '{value}' {where} '{anchor}'"]
    labels.append(value)
    return [f"ALTER TYPE {name} ADD VALUE '{value}'"]


@st.composite
def create_domain(draw: st.DrawFn, model: Model) -> list[str]:
    names = [n for n in DOMAINS if n not in model.domains]
    if not names:
        return []
    name = draw(st.sampled_from(names))
    base = draw(st.sampled_from(["integer", "text", "numeric(10,2)", "date", "varchar(20)"]))
    check = {"integer": " CHECK (VALUE > -100)", "text": " CHECK (VALUE <> '')"}.get(base, "") \
        if draw(st.booleans()) else ""
    not_null = " NOT NULL" if draw(st.booleans()) else ""
    model.domains[name] = base
    return [f"CREATE DOMAIN {name} AS {base}{not_null}{check}"]


@st.composite
def drop_type(draw: st.DrawFn, model: Model) -> list[str]:
    """DROP TYPE / DOMAIN ... CASCADE: PostgreSQL drops the columns of that type with it."""
    names = sorted(model.enums) + sorted(model.domains)
    if not names:
        return []
    name = draw(st.sampled_from(names))
    model.enums.pop(name, None)
    model.domains.pop(name, None)
    for table in model.tables.values():
        table.cols = [c for c in table.cols if c.type != name]
    return [f"DROP {'TYPE' if name.startswith('e_') else 'DOMAIN'} {name} CASCADE"]


@st.composite
def rename_enum(draw: st.DrawFn, model: Model) -> list[str]:
    if not model.enums:
        return []
    name = draw(st.sampled_from(sorted(model.enums)))
    if draw(st.booleans()):
        old = draw(st.sampled_from(model.enums[name]))
        new = draw(st.sampled_from([v for v in LABELS + ("navy",) if v not in model.enums[name]]))
        model.enums[name] = [new if v == old else v for v in model.enums[name]]
        return [f"ALTER TYPE {name} RENAME VALUE '{old}' TO '{new}'"]
    free = [n for n in ENUMS + ("e_c",) if n not in model.enums]
    new_name = draw(st.sampled_from(free))
    model.enums[new_name] = model.enums.pop(name)
    for table in model.tables.values():
        for col in table.cols:
            if col.type == name:
                col.type = new_name
    return [f"ALTER TYPE {name} RENAME TO {new_name}"]


@st.composite
def move_table(draw: st.DrawFn, model: Model) -> list[str]:
    """ALTER TABLE ... SET SCHEMA, into the second schema or back."""
    table = _pick_table(draw, model)
    if table is None or not model.schemas:
        return []
    target = None if table.schema else "s_x"
    if table.name not in model.free(TABLES, target):
        return []
    old = table.qualified
    del model.tables[old]
    table.schema = target
    model.tables[table.qualified] = table
    model.indexes = {i: t for i, t in model.indexes.items() if t != old}
    return [f"ALTER TABLE {old} SET SCHEMA {target or 'public'}"]


@st.composite
def alter_view(draw: st.DrawFn, model: Model) -> list[str]:
    """ALTER VIEW ... RENAME TO / RENAME COLUMN, and CREATE OR REPLACE VIEW adding a column."""
    if not model.views:
        return []
    name = draw(st.sampled_from(sorted(model.views)))
    choice = draw(st.sampled_from(["rename", "column", "replace"]))
    if choice == "rename":
        free = model.free(VIEWS + ("v_d",))
        if not free:
            return []
        new = draw(st.sampled_from(free))
        model.views[new] = model.views.pop(name)
        model.views = {v: tuple(new if r == name else r for r in reads) for v, reads in model.views.items()}
        return [f"ALTER VIEW {name} RENAME TO {new}"]
    if choice == "column":
        return [f"ALTER VIEW {name} RENAME COLUMN {draw(st.sampled_from(COLUMNS))} TO x_renamed"]
    reads = model.views[name]
    if len(reads) != 1 or reads[0] not in model.tables:
        return []
    return [f"CREATE OR REPLACE VIEW {name} AS SELECT *, 1 AS x_extra FROM {reads[0]}"]


@st.composite
def identity(draw: st.DrawFn, model: Model) -> list[str]:
    picked = _pick_column(draw, model)
    if picked is None or picked[1].type not in ("integer", "bigint", "smallint"):
        return []
    table, col = picked
    if draw(st.booleans()):
        col.not_null = True
        return [f"ALTER TABLE {table.qualified} ALTER COLUMN {col.name} SET NOT NULL",
                f"ALTER TABLE {table.qualified} ALTER COLUMN {col.name} ADD GENERATED BY DEFAULT AS IDENTITY"]
    return [f"ALTER TABLE {table.qualified} ALTER COLUMN {col.name} DROP IDENTITY IF EXISTS"]


@st.composite
def create_schema(draw: st.DrawFn, model: Model) -> list[str]:
    if model.schemas or not draw(st.booleans()):
        return []
    model.schemas.add("s_x")
    return ["CREATE SCHEMA s_x"]


@st.composite
def if_exists_forms(draw: st.DrawFn, model: Model) -> list[str]:
    """CREATE TABLE IF NOT EXISTS of a table there is (a no-op), DROP ... IF EXISTS of one there is not."""
    table = _pick_table(draw, model)
    if table is not None and draw(st.booleans()):
        return [f"CREATE TABLE IF NOT EXISTS {table.qualified} (z_other INTEGER)"]
    missing = model.free(TABLES)
    return [f"DROP TABLE IF EXISTS {missing[0]}"] if missing else []


@st.composite
def create_table_as(draw: st.DrawFn, model: Model) -> list[str]:
    table = _pick_table(draw, model)
    names = model.free(TABLES, table.schema) if table is not None else []
    if table is None or not names:
        return []
    name = draw(st.sampled_from(names))
    cols = draw(st.lists(st.sampled_from([c.name for c in table.cols]), min_size=1, unique=True))
    qualified = f"{table.schema}.{name}" if table.schema else name
    model.tables[qualified] = Tab(name, [dataclasses.replace(c, pk=False, not_null=False, default=None)
                                         for c in table.cols if c.name in cols], table.schema)
    return [f"CREATE TABLE {qualified} AS SELECT {', '.join(cols)} FROM {table.qualified}"]


@st.composite
def add_generated_column(draw: st.DrawFn, model: Model) -> list[str]:
    """A generated column over an integer one (SQLite's ADD COLUMN takes VIRTUAL only)."""
    table = _pick_table(draw, model)
    if table is None:
        return []
    ints = [c for c in table.cols if c.type in ("INTEGER", "INT", "integer", "bigint")]
    names = [n for n in COLUMNS[1:] + ("c_h",) if n not in {c.name for c in table.cols}]
    if not ints or not names:
        return []
    source, name = draw(st.sampled_from(ints)), draw(st.sampled_from(names))
    kind = "VIRTUAL" if model.engine == "sqlite" else "STORED"
    table.cols.append(Col(name, source.type))
    return [f"ALTER TABLE {table.qualified} ADD COLUMN {name} {source.type} GENERATED ALWAYS AS ({source.name} * 2) {kind}"]


COMMON = (create_table, create_table, add_column, drop_column, rename_column, rename_table, drop_table, create_view,
          drop_view, create_index, drop_index)
SQLITE_ONLY = (rebuild_table, if_exists_forms, create_table_as, add_generated_column)
POSTGRESQL_ONLY = (alter_column_type, alter_column_null, alter_column_default, primary_key, create_enum,
                   add_enum_value, create_domain, create_schema, drop_type, rename_enum, move_table, alter_view,
                   identity, create_table_as, add_generated_column)


@st.composite
def histories(draw: st.DrawFn, engine: str) -> list[list[str]]:
    """Migrations (1 to 5), each 1 to 5 drawn changes (a rebuild is several statements)."""
    model = Model(engine)
    kinds = COMMON + (SQLITE_ONLY if engine == "sqlite" else POSTGRESQL_ONLY)
    migrations: list[list[str]] = []
    for number in range(draw(st.integers(1, 5))):
        statements: list[str] = []
        for _ in range(draw(st.integers(1, 5))):
            kind = create_table if number == 0 and not model.tables else draw(st.sampled_from(kinds))
            statements.extend(draw(kind(model)))
        if statements:
            migrations.append(statements)
    return migrations
