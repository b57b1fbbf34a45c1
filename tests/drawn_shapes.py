"""Drawn query shapes: a small fixed schema per engine, and a hypothesis grammar of SELECT queries
over it (tests/test_drawn_shapes.py generates, calls and judges them).

The grammar is typed loosely by *kind* (int, real, num, text, bool, ts, blob): an expression of a
kind is what PostgreSQL type-checks as that kind, so a drawn query is one both sqlglot and the
engine accept most of the time. Kinds mix where the engines mix them (int with real in arithmetic,
COALESCE and CASE; int with num), because that is where inference has to decide a type.

Shapes drawn: column references, literals, arithmetic (+ - * / %), comparisons, AND/OR/NOT,
IS [NOT] NULL, BETWEEN, LIKE, IN lists and IN subqueries, EXISTS, CASE, COALESCE/NULLIF (IFNULL,
min/max of several on SQLite; GREATEST/LEAST on PostgreSQL), CAST, string functions, aggregates
with and without GROUP BY (HAVING), INNER/LEFT/RIGHT/FULL JOINs, scalar subqueries (correlated or
not), UNION/UNION ALL, CTEs, window functions, ORDER BY/LIMIT, and parameters of every style the
engine takes in comparisons, arithmetic, COALESCE, CAST, IN lists, BETWEEN, LIMIT and the
`sqlc.narg(x) IS NULL OR col = sqlc.narg(x)` filter.

Left out on purpose (documented choices or another lane's, see the README):
- PostgreSQL date_part/EXTRACT and case-distinct names: the lead's known limits.
- `round(double, n)` on PostgreSQL: no such function (PostgreSQL refuses it itself).
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

KINDS = ("int", "real", "num", "text", "bool", "ts", "blob")
NUMERIC = ("int", "real", "num")

# table -> [(column, kind, nullable)]; both engines share the shape, each has its own DDL.
TABLES: dict[str, list[tuple[str, str, bool]]] = {
    "owners": [("id", "int", False), ("name", "text", False), ("nick", "text", True), ("age", "int", True),
               ("rank", "int", False), ("score", "real", False), ("ratio", "real", True),
               ("active", "bool", False), ("flag", "bool", True), ("born", "ts", True), ("joined", "ts", False),
               ("balance", "num", True), ("data", "blob", True)],
    "items": [("id", "int", False), ("owner_id", "int", True), ("title", "text", False), ("qty", "int", False),
              ("price", "real", True), ("cost", "num", False), ("made", "ts", False), ("note", "text", True),
              ("raw", "blob", False)],
}

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


# --- queries --------------------------------------------------------------------------------------


@dataclass
class Source:
    alias: str
    columns: list[tuple[str, str, bool]]


@dataclass
class Ctx:
    draw: st.DrawFn
    engine: str
    names: list[str] = field(default_factory=list)  # named parameters used so far
    numbered: int = 0  # $n parameters so far (PostgreSQL)
    windows: bool = False  # window functions may appear (a select list; never WHERE, GROUP BY, HAVING)
    aliases: int = 0

    @property
    def pg(self) -> bool:
        return self.engine == "postgresql"

    def alias(self, base: str) -> str:
        self.aliases += 1
        return f"{base[0]}{self.aliases}"

    def param(self, nullable_ok: bool = True) -> str:
        """A parameter in one of the styles the engine takes."""
        styles = ["arg", "narg", "at", "numbered"] if self.pg else ["arg", "narg", "at", "colon", "q", "qn"]
        if not nullable_ok:
            styles.remove("narg")
        style = self.draw(st.sampled_from(styles))
        if style in ("q",):
            return "?"
        if style == "numbered":
            self.numbered += 1
            return f"${self.numbered}"
        name = f"p{len(self.names) + 1}"
        self.names.append(name)
        if style == "qn":
            return f"?{len(self.names) + 100}"
        return {"arg": f"sqlc.arg({name})", "narg": f"sqlc.narg({name})", "at": f"@{name}",
                "colon": f":{name}"}[style]

    def pick(self, options: list[str]) -> str:
        return self.draw(st.sampled_from(options))


def _cast_type(ctx: Ctx, kind: str) -> str:
    if ctx.pg:
        return {"int": "bigint", "real": "double precision", "num": "numeric", "text": "text",
                "bool": "boolean", "ts": "timestamptz", "blob": "bytea"}[kind]
    return {"int": "INTEGER", "real": "REAL", "num": "DECIMAL", "text": "TEXT", "bool": "BOOLEAN",
            "ts": "DATETIME", "blob": "BLOB"}[kind]


def _literal(ctx: Ctx, kind: str) -> str:
    if kind == "int":
        return ctx.pick(["0", "1", "2", "-3", "7"])
    if kind == "real":
        value = ctx.pick(["1.5", "0.25", "2.0", "-1.0"])
        return f"CAST({value} AS DOUBLE PRECISION)" if ctx.pg else value
    if kind == "num":
        value = ctx.pick(["1.5", "0.25", "10", "-2"])
        return value if ctx.pg and "." in value else f"CAST({value} AS {_cast_type(ctx, 'num')})"
    if kind == "text":
        return ctx.pick(["'a'", "''", "'alpha'", "'x y'"])
    if kind == "bool":
        return ctx.pick(["TRUE", "FALSE"] if ctx.pg else ["1", "0", "TRUE", "FALSE"])
    if kind == "ts":
        return "CAST('2024-01-01 12:00:00' AS timestamptz)" if ctx.pg else "'2024-01-01 12:00:00'"
    return "'\\x61'::bytea" if ctx.pg else "X'61'"


def _columns(scope: list[Source], kind: str) -> list[str]:
    return [f"{s.alias}.{name}" for s in scope for name, k, _ in s.columns if k == kind]


def expr(ctx: Ctx, scope: list[Source], kind: str, depth: int, agg: bool = False) -> str:
    """An expression of the kind over the scope's columns; agg: aggregates may appear (and
    bare columns may not, outside of them; the caller's GROUP BY keys come separately)."""
    cols = _columns(scope, kind)
    leaves: list[str] = ["lit"] + (["col", "col", "col"] if cols and not agg else [])
    if depth <= 0:
        choice = ctx.pick(leaves) if not agg else "agg"
    else:
        choice = ctx.pick(leaves + _compounds(ctx, kind, agg))
    return _build(ctx, scope, kind, depth, agg, choice, cols)


def _compounds(ctx: Ctx, kind: str, agg: bool) -> list[str]:
    common = ["case", "coalesce", "nullif", "subquery"]
    if agg:
        common += ["agg", "agg", "agg"]
    by_kind = {
        "int": ["arith", "arith", "length", "cast", "param_arith", "abs"] + (["window"] if ctx.windows and not agg else []),
        "real": ["arith", "arith", "cast", "avg", "param_arith", "abs"] + (["window"] if ctx.windows and not agg else []),
        "num": ["arith", "cast", "param_arith"],
        "text": ["concat", "func", "cast", "param_coalesce", "substr", "replace"]
        + (["concat_fn"] if ctx.pg else ["hex_typeof"]),
        "bool": ["compare", "compare", "logic", "not", "isnull", "in", "between", "like", "exists",
                 "param_compare", "narg_filter", "distinct_from", "is_true"],
        "ts": ["param_coalesce"] + (["date_fn"] if not ctx.pg else []),
        "blob": ["param_coalesce"],
    }[kind]
    if kind in ("int", "real", "text") and not ctx.pg:
        by_kind += ["multi_minmax", "iif"]
    if kind == "int" and not ctx.pg:
        by_kind += ["bool_arith", "instr"]
    if kind in ("real", "num"):
        by_kind += ["round"]
    if kind in ("int", "real", "num") and ctx.pg:
        by_kind += ["greatest"]
    return common + by_kind


def _build(ctx: Ctx, scope: list[Source], kind: str, depth: int, agg: bool, choice: str, cols: list[str]) -> str:
    if choice in ("agg", "avg", "subquery", "in", "exists", "window"):
        # No window function inside an aggregate, a window's own argument or a subquery's WHERE.
        saved, ctx.windows = ctx.windows, False
        try:
            return _build_one(ctx, scope, kind, depth, agg, choice, cols)
        finally:
            ctx.windows = saved
    return _build_one(ctx, scope, kind, depth, agg, choice, cols)


def _build_one(ctx: Ctx, scope: list[Source], kind: str, depth: int, agg: bool, choice: str, cols: list[str]) -> str:
    def sub(k: str = kind) -> str:
        return expr(ctx, scope, k, depth - 1, agg)

    def num_kind() -> str:
        return ctx.pick(list(NUMERIC))

    if choice == "col":
        return ctx.pick(cols)
    if choice == "lit":
        return _literal(ctx, kind)
    if choice == "agg":
        return _aggregate(ctx, scope, kind, depth)
    if choice == "arith":
        # int op int stays int; real with int or num is real; num with int is num.
        other = {"int": "int", "real": ctx.pick(["int", "real", "num"]), "num": ctx.pick(["int", "num"])}[kind]
        left, right = (sub(), sub(other)) if ctx.pick(["l", "r"]) == "l" else (sub(other), sub())
        return f"({left} {ctx.pick(['+', '-', '*', '/', '%'] if kind == 'int' else ['+', '-', '*', '/'])} {right})"
    if choice == "param_arith":
        return f"({sub()} {ctx.pick(['+', '-', '*'])} {ctx.param()})"
    if choice == "abs":
        return f"abs({sub()})"
    if choice == "length":
        return f"length({sub('text')})"
    if choice == "cast":
        source = {"int": ctx.pick(["real", "num", "bool"] if not ctx.pg else ["real", "num"]),
                  "real": ctx.pick(["int", "num"]), "num": ctx.pick(["int", "real"]),
                  "text": ctx.pick(["int", "text", "num"])}[kind]
        if ctx.draw(st.integers(0, 4)) == 0:
            return f"CAST({ctx.param()} AS {_cast_type(ctx, kind)})"
        return f"CAST({sub(source)} AS {_cast_type(ctx, kind)})"
    if choice == "avg":
        return _aggregate(ctx, scope, kind, depth) if agg else f"({sub('int')} * {_literal(ctx, 'real')})"
    if choice == "case":
        branches = " ".join(f"WHEN {sub('bool')} THEN {sub(_mixed(ctx, kind))}" for _ in range(ctx.draw(st.integers(1, 2))))
        tail = f" ELSE {sub(_mixed(ctx, kind))}" if ctx.draw(st.booleans()) else ""
        return f"CASE {branches}{tail} END"
    if choice == "coalesce":
        fn = "IFNULL" if not ctx.pg and ctx.draw(st.booleans()) else "COALESCE"
        count = 2 if fn == "IFNULL" else ctx.draw(st.integers(2, 3))  # SQLite refuses COALESCE(x)
        return f"{fn}({', '.join(sub(_mixed(ctx, kind)) for _ in range(count))})"
    if choice == "param_coalesce":
        return f"COALESCE({sub()}, {ctx.param()})"
    if choice == "nullif":  # PostgreSQL: NULLIF(1, 2.2) is numeric, the = operator's promoted type
        return f"NULLIF({sub()}, {sub(_mixed(ctx, kind))})"
    if choice == "replace":
        return f"replace({sub()}, {_literal(ctx, 'text')}, {sub()})"
    if choice == "concat_fn":  # PostgreSQL's concat() skips NULL arguments: never NULL
        return ctx.pick([f"concat({sub()}, {sub(ctx.pick(['int', 'text']))})",
                         f"concat_ws({_literal(ctx, 'text')}, {sub()}, {sub()})"])
    if choice == "hex_typeof":
        return f"{ctx.pick(['hex', 'typeof', 'quote'])}({sub(ctx.pick(list(KINDS)))})"
    if choice == "iif":
        return f"iif({sub('bool')}, {sub()}, {sub(_mixed(ctx, kind))})"
    if choice == "bool_arith":  # SQLite: a boolean is 0 or 1 in arithmetic
        return f"({sub('bool')} {ctx.pick(['+', '*', '-'])} {sub()})"
    if choice == "instr":
        return f"instr({sub('text')}, {sub('text')})"
    if choice == "round":
        if ctx.pg and kind == "real":
            return f"round({sub()})"
        return f"round({sub()}, {ctx.pick(['0', '1', '2'])})"
    if choice == "distinct_from":
        k = ctx.pick(["int", "text", "real"])
        return (f"({expr(ctx, scope, k, depth - 1, agg)} IS {ctx.pick(['', 'NOT '])}DISTINCT FROM "
                f"{expr(ctx, scope, k, depth - 1, agg)})")
    if choice == "is_true":
        return f"({sub()} IS {ctx.pick(['TRUE', 'FALSE', 'NOT TRUE'])})"
    if choice == "multi_minmax":
        return f"{ctx.pick(['max', 'min'])}({sub()}, {sub()})"
    if choice == "greatest":
        return f"{ctx.pick(['GREATEST', 'LEAST'])}({sub(_mixed(ctx, kind))}, {sub(_mixed(ctx, kind))})"
    if choice == "subquery":
        return _scalar_subquery(ctx, scope, kind, depth, agg)
    if choice == "window":
        return _window(ctx, scope, kind, depth)
    if choice == "concat":
        return f"({sub()} || {sub(ctx.pick(['text', 'text', 'int']))})"
    if choice == "func":
        fn = ctx.pick(["lower", "upper", "trim"])
        return f"{fn}({sub()})"
    if choice == "substr":
        return f"substr({sub()}, {ctx.pick(['1', '2', '0'])}, {ctx.pick(['1', '3'])})"
    if choice == "date_fn":  # SQLite: datetime() of a timestamp is text a datetime reads
        return f"datetime({sub()})"
    if choice == "compare":
        k = ctx.pick(["int", "real", "num", "text", "ts", "int", "bool"])
        op = ctx.pick(["=", "<>", "<", "<=", ">", ">="])
        return f"({expr(ctx, scope, k, depth - 1, agg)} {op} {expr(ctx, scope, _mixed(ctx, k), depth - 1, agg)})"
    if choice == "param_compare":
        k = ctx.pick(["int", "real", "text", "ts", "num", "bool"])
        target = _columns(scope, k)
        left = ctx.pick(target) if target and not agg else expr(ctx, scope, k, depth - 1, agg)
        return f"({left} {ctx.pick(['=', '<', '>=', '<>'])} {ctx.param()})"
    if choice == "narg_filter":
        k = ctx.pick(["int", "text", "real"])
        target = _columns(scope, k)
        if not target or agg:
            return _literal(ctx, "bool")
        name = f"p{len(ctx.names) + 1}"
        ctx.names.append(name)
        col = ctx.pick(target)
        return f"(sqlc.narg({name}) IS NULL OR {col} = sqlc.narg({name}))"
    if choice == "logic":
        return f"({sub()} {ctx.pick(['AND', 'OR'])} {sub()})"
    if choice == "not":
        return f"(NOT {sub()})"
    if choice == "isnull":
        k = ctx.pick(list(KINDS))
        return f"({expr(ctx, scope, k, depth - 1, agg)} IS {ctx.pick(['NULL', 'NOT NULL'])})"
    if choice == "between":
        k = ctx.pick(["int", "real", "text"])
        low, high = (ctx.param(), ctx.param()) if ctx.draw(st.integers(0, 2)) == 0 else \
            (expr(ctx, scope, k, 0, agg), expr(ctx, scope, k, 0, agg))
        return f"({expr(ctx, scope, k, depth - 1, agg)} BETWEEN {low} AND {high})"
    if choice == "like":
        return f"({expr(ctx, scope, 'text', depth - 1, agg)} LIKE {ctx.pick([chr(39) + 'a%' + chr(39), ctx.param()])})"
    if choice == "in":
        k = ctx.pick(["int", "text"])
        left = expr(ctx, scope, k, depth - 1, agg)
        how = ctx.draw(st.integers(0, 2))
        if how == 0:
            table = ctx.pick(list(TABLES))
            inner = Source(ctx.alias(table), TABLES[table])
            target = _columns([inner], k)
            return f"({left} {ctx.pick(['IN', 'NOT IN'])} (SELECT {ctx.pick(target)} FROM {table} {inner.alias}))"
        items = ", ".join(ctx.param() if how == 1 and i == 0 else _literal(ctx, k) for i in range(ctx.draw(st.integers(1, 3))))
        return f"({left} {ctx.pick(['IN', 'NOT IN'])} ({items}))"
    if choice == "exists":
        table = ctx.pick(list(TABLES))
        inner = Source(ctx.alias(table), TABLES[table])
        where = f" WHERE {expr(ctx, [inner] + ([] if agg else scope), 'bool', depth - 1)}" if ctx.draw(st.booleans()) else ""
        return f"({ctx.pick(['', 'NOT '])}EXISTS (SELECT 1 FROM {table} {inner.alias}{where}))"
    raise AssertionError(choice)


def _mixed(ctx: Ctx, kind: str) -> str:
    """The kind, or now and then another numeric kind where the engine mixes them (CASE,
    COALESCE: PostgreSQL resolves int with real to double precision, SQLite keeps each value's own)."""
    if kind in NUMERIC and ctx.draw(st.integers(0, 3)) == 0:
        return ctx.pick(list(NUMERIC))
    return kind


def _aggregate(ctx: Ctx, scope: list[Source], kind: str, depth: int) -> str:
    def arg(k: str) -> str:
        return expr(ctx, scope, k, max(depth - 1, 0), False)

    if kind == "int":
        return ctx.pick([f"count({arg(ctx.pick(list(KINDS)))})", "count(*)", f"sum({arg('int')})",
                         f"max({arg('int')})", f"min({arg('int')})", f"count(DISTINCT {arg('int')})"])
    if kind == "real":
        options = [f"avg({arg(ctx.pick(['int', 'real']))})", f"sum({arg('real')})", f"max({arg('real')})"]
        if not ctx.pg:
            options.append(f"total({arg(ctx.pick(['int', 'real']))})")
        return ctx.pick(options)
    if kind == "num":
        return ctx.pick([f"sum({arg('num')})", f"max({arg('num')})", f"min({arg('num')})"]
                        + ([f"avg({arg('num')})", f"avg({arg('int')})", f"sum({arg('int')})"] if ctx.pg else []))
    if kind == "text":
        return ctx.pick([f"max({arg('text')})", f"min({arg('text')})",
                         f"string_agg({arg('text')}, ',')" if ctx.pg else f"group_concat({arg('text')})"])
    if kind == "bool":
        if ctx.pg:
            return ctx.pick([f"bool_and({arg('bool')})", f"bool_or({arg('bool')})", f"(count(*) > {_literal(ctx, 'int')})"])
        return ctx.pick([f"max({arg('bool')})", f"(count(*) > {_literal(ctx, 'int')})"])
    if kind == "ts":
        return f"{ctx.pick(['max', 'min'])}({arg('ts')})"
    # blob: PostgreSQL has no min/max of bytea.
    return _literal(ctx, "blob") if ctx.pg else f"max({arg('blob')})"


def _scalar_subquery(ctx: Ctx, scope: list[Source], kind: str, depth: int, agg: bool = False) -> str:
    table = ctx.pick(list(TABLES))
    inner = Source(ctx.alias(table), TABLES[table])
    # Under GROUP BY, not correlated: PostgreSQL refuses an outer column that is not grouped.
    outer = [] if agg else scope
    where = f" WHERE {expr(ctx, [inner] + outer, 'bool', depth - 1)}" if ctx.draw(st.booleans()) else ""
    if kind != "blob" and ctx.draw(st.booleans()):
        # An aggregate without GROUP BY finds one row; with GROUP BY, HAVING or OFFSET maybe none.
        tail = ctx.pick(["", "", f" HAVING count(*) > {_literal(ctx, 'int')}",
                         " LIMIT 1 OFFSET 1", f" GROUP BY {inner.alias}.id ORDER BY {inner.alias}.id LIMIT 1"])
        return f"(SELECT {_aggregate(ctx, [inner], kind, 0)} FROM {table} {inner.alias}{where}{tail})"
    value = expr(ctx, [inner], kind, max(depth - 1, 0))
    return f"(SELECT {value} FROM {table} {inner.alias}{where} ORDER BY {inner.alias}.id LIMIT 1)"


def _window(ctx: Ctx, scope: list[Source], kind: str, depth: int) -> str:
    keys = _columns(scope, "int") + _columns(scope, "text")
    order = f"ORDER BY {ctx.pick(keys)}" if keys and ctx.draw(st.booleans()) else ""
    part = f"PARTITION BY {ctx.pick(keys)} " if keys and ctx.draw(st.booleans()) else ""
    over = f"OVER ({part}{order})"
    if kind == "int":
        arg = expr(ctx, scope, 'int', 0)
        framed = f"OVER ({part}{order or 'ORDER BY 1'} ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)" if order else over
        return ctx.pick([f"row_number() {over}", f"rank() {over}", f"dense_rank() {over}", f"count(*) {over}",
                         f"ntile(2) {over}", f"sum({arg}) {framed}", f"max({arg}) {framed}",
                         f"lag({arg}) {over}", f"lag({arg}, 1, 0) {over}", f"first_value({arg}) {over}",
                         f"last_value({arg}) {over}", f"nth_value({arg}, 2) {over}",
                         f"count({arg}) {over}"])
    return ctx.pick([f"avg({expr(ctx, scope, 'int', 0)}) {over}", f"sum({expr(ctx, scope, 'real', 0)}) {over}",
                     f"lead({expr(ctx, scope, 'real', 0)}) {over}", f"percent_rank() {over}",
                     f"cume_dist() {over}", f"lead({expr(ctx, scope, 'real', 0)}, 1, {_literal(ctx, 'real')}) {over}"])


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
                                  "recursive"]))
    return _shape(ctx, shape), []


def _plain(ctx: Ctx, kinds: list[str] | None = None, depth: int = 2) -> str:
    source, scope = _from(ctx)
    kinds = kinds or [ctx.pick(list(KINDS)) for _ in range(ctx.draw(st.integers(1, 4)))]
    ctx.windows = True
    items = ", ".join(f"{expr(ctx, scope, k, ctx.draw(st.integers(0, depth)))} AS c{i}" for i, k in enumerate(kinds))
    ctx.windows = False
    where = f" WHERE {expr(ctx, scope, 'bool', 2)}" if ctx.draw(st.booleans()) else ""
    return f"SELECT {items} FROM {source}{where}"


def _grouped(ctx: Ctx) -> str:
    source, scope = _from(ctx)
    keys: list[str] = []
    if ctx.draw(st.booleans()):
        candidates = [c for k in ("int", "text", "bool", "real") for c in _columns(scope, k)]
        keys = sorted(set(ctx.draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=2))))
    kinds = [ctx.pick(list(KINDS)) for _ in range(ctx.draw(st.integers(1, 3)))]
    items = [f"{k} AS k{i}" for i, k in enumerate(keys)]
    items += [f"{expr(ctx, scope, k, ctx.draw(st.integers(0, 2)), agg=True)} AS c{i}" for i, k in enumerate(kinds)]
    where = f" WHERE {expr(ctx, scope, 'bool', 1)}" if ctx.draw(st.booleans()) else ""
    group = f" GROUP BY {', '.join(keys)}" if keys else ""
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
    if shape == "recursive":
        kind = ctx.pick(["int", "real", "num"])
        step = _literal(ctx, kind)
        return (f"WITH RECURSIVE r(n) AS (SELECT {_literal(ctx, kind)} UNION ALL SELECT n + {step} FROM r "
                f"WHERE n < 5 AND n > -5) SELECT n AS c0, {expr(ctx, [Source('r', [('n', kind, False)])], ctx.pick(list(KINDS)), 1)} AS c1 FROM r")
    if shape == "aggregate":
        return _grouped(ctx)
    if shape == "union":
        kinds = [ctx.pick(list(KINDS)) for _ in range(ctx.draw(st.integers(1, 3)))]
        second = [_mixed(ctx, k) for k in kinds]
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
