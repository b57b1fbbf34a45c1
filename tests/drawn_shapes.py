"""Drawn query shapes: a small fixed schema per engine, rows for it, and whole SELECT statements
drawn over it (tests/test_drawn_shapes.py generates, calls and judges them; the expressions come
from tests/drawn_shapes_expressions.py).

Statements drawn: plain SELECTs (DISTINCT, ORDER BY, LIMIT/OFFSET with parameters), aggregates
with and without GROUP BY (HAVING; ROLLUP and CUBE on PostgreSQL; a bare column beside the
aggregates on SQLite), UNION/UNION ALL/INTERSECT/EXCEPT, CTEs, recursive CTEs, VALUES lists,
SELECT *; FROM one table, a derived table (a subquery), or INNER/LEFT/RIGHT/FULL JOINs of two or
three.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from hypothesis import strategies as st

from drawn_shapes_expressions import (KINDS, NUMERIC, TABLES, Ctx, Source, columns_of, expr, literal,  # noqa: F401
                                      mixed)


_SQLITE_TYPES = {"int": "INTEGER", "real": "REAL", "num": "DECIMAL", "text": "TEXT", "bool": "BOOLEAN",
                 "ts": "DATETIME", "blob": "BLOB"}
_PG_TYPES = {"int": "bigint", "real": "double precision", "num": "numeric", "text": "text", "bool": "boolean",
             "ts": "timestamptz", "blob": "bytea"}
# Columns whose PostgreSQL type differs from their kind's default: integer (not bigint) and a
# timestamp without time zone, so both widths and both timestamp kinds meet in expressions.
_PG_SPECIAL = {("owners", "age"): "integer", ("items", "qty"): "integer", ("owners", "joined"): "timestamp"}


def schema_sql(engine: str) -> str:
    out = []
    for table, columns in TABLES.items():
        lines = []
        for name, kind, nullable in columns:
            sql_type = (_PG_SPECIAL.get((table, name)) or _PG_TYPES[kind]) if engine == "postgresql" \
                else _SQLITE_TYPES[kind]
            extra = " PRIMARY KEY" if name == "id" else ("" if nullable else " NOT NULL")
            if name == "owner_id":
                extra += " REFERENCES owners (id)"
            lines.append(f"  {name} {sql_type}{extra}")
        out.append(f"CREATE TABLE {table} (\n" + ",\n".join(lines) + "\n);\n")
    return "\n".join(out)


# --- rows -----------------------------------------------------------------------------------------

_UTC = datetime.timezone.utc
_TIMES = [datetime.datetime(2024, 1, 1, 12, 0, 0), datetime.datetime(2023, 6, 30, 23, 59, 59, 500000),
          datetime.datetime(2024, 1, 1, 12, 0, 0), datetime.datetime(1999, 12, 31, 0, 0, 0)]
_VALUES: dict[str, list[Any]] = {
    "int": [0, 1, 2, 3, -1, 7],
    "real": [0.0, 1.5, -2.25, 3.0, 0.1],
    "num": [decimal.Decimal(x) for x in ("0", "1.5", "-2.25", "10", "0.1")],
    "text": ["", "a", "B", "alpha", "x y", "1"],
    "bool": [True, False],
    "ts": _TIMES,
    "blob": [b"", b"\x00a", b"xyz"],
}


def stored(engine: str, table: str, column: str, kind: str, value: Any) -> Any:
    """A drawn value as the engine's driver takes it for that column."""
    if value is None:
        return None
    if engine == "sqlite":
        if kind == "ts":
            return value.strftime("%Y-%m-%d %H:%M:%S") + (f".{value.microsecond:06d}" if value.microsecond else "")
        if kind == "num":
            return int(value) if value == value.to_integral_value() else float(value)
        if kind == "bool":
            return int(value)
        return value
    if kind == "ts" and (table, column) != ("owners", "joined"):
        return value.replace(tzinfo=_UTC)
    return value


@st.composite
def table_rows(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    """Rows for every table: 0..5 each (an empty table now and then), NULL often where allowed,
    ids numbered from 1, owner_id mostly an existing owner (sometimes a dangling one or NULL)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for table, columns in TABLES.items():
        count = draw(st.sampled_from([0, 1, 2, 3, 4, 5, 5]))
        rows = []
        for i in range(count):
            row: dict[str, Any] = {}
            for name, kind, nullable in columns:
                if name == "id":
                    row[name] = i + 1
                elif name == "owner_id":
                    row[name] = draw(st.sampled_from([None, 1, 1, 2, 3, 9]))
                elif nullable and draw(st.integers(0, 2)) == 0:
                    row[name] = None
                else:
                    row[name] = draw(st.sampled_from(_VALUES[kind]))
            rows.append(row)
        out[table] = rows
    return out



# --- statements ----------------------------------------------------------------------------------



def _source(ctx: Ctx, table: str) -> tuple[str, Source]:
    """A table, or now and then a subquery over it (a derived table) keeping its join key."""
    if ctx.draw(st.integers(0, 4)) > 0:
        source = Source(ctx.alias(table), TABLES[table])
        return f"{table} {source.alias}", source
    inner = Source(ctx.alias(table), TABLES[table])
    key = "id" if table == "owners" else "owner_id"
    kinds = [ctx.pick(list(KINDS)) for _ in range(ctx.draw(st.integers(1, 2)))]
    items = ", ".join([f"{inner.alias}.{key} AS {key}"] +
                      [f"{expr(ctx, [inner], k, 1)} AS v{i}" for i, k in enumerate(kinds)])
    where = f" WHERE {expr(ctx, [inner], 'bool', 1)}" if ctx.draw(st.booleans()) else ""
    key_nullable = next(n for name, _, n in TABLES[table] if name == key)
    source = Source(ctx.alias("d"), [(key, "int", key_nullable)] + [(f"v{i}", k, True) for i, k in enumerate(kinds)])
    return f"(SELECT {items} FROM {table} {inner.alias}{where}) {source.alias}", source


def _join(ctx: Ctx) -> str:
    return ctx.pick(["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN", "INNER JOIN", "LEFT OUTER JOIN"])


def _from(ctx: Ctx) -> tuple[str, list[Source]]:
    first = ctx.pick(list(TABLES))
    text, source = _source(ctx, first)
    scope = [source]
    if ctx.draw(st.integers(0, 2)) > 0:
        other = "items" if first == "owners" else "owners"
        joined, source = _source(ctx, other)
        owners, items = (scope[0], source) if first == "owners" else (source, scope[0])
        text += f" {_join(ctx)} {joined} ON {items.alias}.owner_id = {owners.alias}.id"
        scope.append(source)
        if ctx.draw(st.integers(0, 3)) == 0:  # a third: another owner of the item, or the owner's items
            third = Source(ctx.alias(first), TABLES[first])
            on = f"{items.alias}.owner_id = {third.alias}.id" if first == "owners" \
                else f"{third.alias}.owner_id = {owners.alias}.id"
            text += f" {_join(ctx)} {first} {third.alias} ON {on}"
            scope.append(third)
    return text, scope


def _limit(ctx: Ctx) -> str:
    how = ctx.draw(st.integers(0, 3))
    if how == 0:
        offset = f" OFFSET {ctx.param(nullable_ok=False)}" if ctx.draw(st.booleans()) else ""
        return f" LIMIT {ctx.param(nullable_ok=False)}{offset}"
    return " LIMIT 3" if how == 1 else ""


@st.composite
def select(draw: st.DrawFn, engine: str) -> tuple[str, list[str]]:
    """(SQL, the kinds of its result columns) of one drawn SELECT."""
    ctx = Ctx(draw, engine)
    shape = draw(st.sampled_from(["plain", "plain", "plain", "aggregate", "aggregate", "union", "cte", "star",
                                  "recursive", "values"]))
    return _shape(ctx, shape), []


def _plain(ctx: Ctx, kinds: list[str] | None = None, depth: int = 2) -> str:
    source, scope = _from(ctx)
    free = kinds is None  # the caller does not need these columns (a UNION's arms must match)
    kinds = kinds or [ctx.pick(list(KINDS)) for _ in range(ctx.draw(st.integers(1, 4)))]
    ctx.windows = True
    items = ", ".join(f"{expr(ctx, scope, k, ctx.draw(st.integers(0, depth)))} AS c{i}" for i, k in enumerate(kinds))
    ctx.windows = False
    if free and ctx.pg and columns_of(scope, "ts") and ctx.draw(st.integers(0, 4)) == 0:  # an interval
        items += f", ({expr(ctx, scope, 'ts', 1)} - {expr(ctx, scope, 'ts', 1)}) AS iv"
    where = f" WHERE {expr(ctx, scope, 'bool', 2)}" if ctx.draw(st.booleans()) else ""
    return f"SELECT {items} FROM {source}{where}"


def _grouped(ctx: Ctx) -> str:
    source, scope = _from(ctx)
    keys: list[str] = []
    if ctx.draw(st.booleans()):
        candidates = [c for k in ("int", "text", "bool", "real") for c in columns_of(scope, k)]
        keys = sorted(set(ctx.draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=2))))
    kinds = [ctx.pick(list(KINDS)) for _ in range(ctx.draw(st.integers(1, 3)))]
    items = [f"{k} AS k{i}" for i, k in enumerate(keys)]
    if not keys and not ctx.pg and ctx.draw(st.integers(0, 2)) == 0:
        # SQLite: a bare column beside the aggregates, read from an arbitrary row (NULL over none)
        items += [f"{expr(ctx, scope, ctx.pick(list(KINDS)), 1)} AS b0"]
    items += [f"{expr(ctx, scope, k, ctx.draw(st.integers(0, 2)), agg=True)} AS c{i}" for i, k in enumerate(kinds)]
    if ctx.pg and ctx.draw(st.integers(0, 2)) == 0:  # an array of a column (NULL elements from outer joins)
        order = f" ORDER BY {ctx.pick(columns_of(scope, 'int'))}" if ctx.draw(st.booleans()) else ""
        targets = [c for k in ("int", "text", "real", "num") for c in columns_of(scope, k)]
        items.append(f"array_agg({ctx.pick(targets)}{order}) AS a0")  # of a literal: PostgreSQL refuses
    where = f" WHERE {expr(ctx, scope, 'bool', 1)}" if ctx.draw(st.booleans()) else ""
    group = f" GROUP BY {', '.join(keys)}" if keys else ""
    if keys and ctx.pg and ctx.draw(st.integers(0, 3)) == 0:
        group = f" GROUP BY {ctx.pick(['ROLLUP', 'CUBE'])} ({', '.join(keys)})"
    having = f" HAVING {expr(ctx, scope, 'bool', 1, agg=True)}" if keys and ctx.draw(st.booleans()) else ""
    return f"SELECT {', '.join(items)} FROM {source}{where}{group}{having}"


def _shape(ctx: Ctx, shape: str) -> str:
    if shape == "plain":
        sql = _plain(ctx)
        if ctx.draw(st.integers(0, 4)) == 0:
            sql = sql.replace("SELECT ", "SELECT DISTINCT ", 1)
        if ctx.draw(st.booleans()):
            sql += " ORDER BY 1" + ctx.pick(["", " DESC", " NULLS FIRST" if ctx.pg else ""]) + _limit(ctx)
        return sql
    if shape == "values":  # a VALUES list as a CTE: each column's type is its rows' together
        kinds = [ctx.pick(["int", "real", "text", "num"]) for _ in range(ctx.draw(st.integers(1, 2)))]
        rows = ", ".join("(" + ", ".join("NULL" if ctx.draw(st.integers(0, 3)) == 0 and r else literal(ctx, mixed(ctx, k))
                                         for k in kinds) + ")" for r in range(ctx.draw(st.integers(1, 3))))
        names = ", ".join(f"c{i}" for i in range(len(kinds)))
        source = Source("v", [(f"c{i}", k, True) for i, k in enumerate(kinds)])
        items = ", ".join(f"{expr(ctx, [source], ctx.pick(list(KINDS)), 1)} AS d{i}" for i in range(ctx.draw(st.integers(1, 2))))
        return f"WITH v({names}) AS (VALUES {rows}) SELECT v.*, {items} FROM v"
    if shape == "recursive":
        kind = ctx.pick(["int", "real", "num"])
        step = literal(ctx, kind)
        return (f"WITH RECURSIVE r(n) AS (SELECT {literal(ctx, kind)} UNION ALL SELECT n + {step} FROM r "
                f"WHERE n < 5 AND n > -5) SELECT n AS c0, {expr(ctx, [Source('r', [('n', kind, False)])], ctx.pick(list(KINDS)), 1)} AS c1 FROM r")
    if shape == "aggregate":
        return _grouped(ctx)
    if shape == "union":
        kinds = [ctx.pick(list(KINDS)) for _ in range(ctx.draw(st.integers(1, 3)))]
        second = [mixed(ctx, k) for k in kinds]
        return f"{_plain(ctx, kinds, 1)} {ctx.pick(['UNION', 'UNION ALL', 'INTERSECT', 'EXCEPT'])} {_plain(ctx, second, 1)}"
    if shape == "cte":
        kinds = [ctx.pick(list(KINDS)) for _ in range(ctx.draw(st.integers(1, 3)))]
        inner = _plain(ctx, kinds, 1)
        cte = Source("w", [(f"c{i}", k, True) for i, k in enumerate(kinds)])
        items = ", ".join(f"{expr(ctx, [cte], k, 1)} AS d{i}" for i, k in enumerate(
            [ctx.pick(list(KINDS)) for _ in range(ctx.draw(st.integers(1, 3)))]))
        where = f" WHERE {expr(ctx, [cte], 'bool', 1)}" if ctx.draw(st.booleans()) else ""
        return f"WITH w AS ({inner}) SELECT {items} FROM w{where}"
    table = ctx.pick(list(TABLES))
    alias = ctx.alias(table)
    where = f" WHERE {expr(ctx, [Source(alias, TABLES[table])], 'bool', 1)}" if ctx.draw(st.booleans()) else ""
    return f"SELECT * FROM {table} {alias}{where}"


@st.composite
def query_file(draw: st.DrawFn, engine: str, count: int) -> list[str]:
    """count drawn queries, each the text of one annotated block."""
    out = []
    for i in range(count):
        sql, _ = draw(select(engine))
        command = draw(st.sampled_from([":many", ":many", ":one"]))
        out.append(f"-- name: Q{i} {command}\n{sql};\n")
    return out
