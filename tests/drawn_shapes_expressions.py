"""The expression grammar of the drawn query shapes (tests/drawn_shapes.py draws whole statements
with it): an expression of a *kind* (int, real, num, text, bool, ts, blob) over the columns in
scope, built from column references, literals, parameters of every style the engine takes,
arithmetic, comparisons, CASE, COALESCE/NULLIF, CAST, string, blob, date and math functions,
aggregates (FILTER too), window functions, scalar subqueries (correlated or not, some that may find
no row), EXISTS and IN. A kind is what PostgreSQL type-checks as that kind, so a drawn query is one
both sqlglot and the engine accept most of the time; kinds mix where the engines mix them
(numbers in CASE, COALESCE, NULLIF, UNION), because that is where inference has to decide a type.

Left out on purpose: PostgreSQL date_part/EXTRACT (the lead's known limits); `round(double, n)`
on PostgreSQL (no such function); COALESCE of one argument (SQLite refuses it); window functions
outside a select list and correlated subqueries under GROUP BY (both engines refuse them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


def literal(ctx: Ctx, kind: str) -> str:
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


def columns_of(scope: list[Source], kind: str) -> list[str]:
    return [f"{s.alias}.{name}" for s in scope for name, k, _ in s.columns if k == kind]


def expr(ctx: Ctx, scope: list[Source], kind: str, depth: int, agg: bool = False) -> str:
    """An expression of the kind over the scope's columns; agg: aggregates may appear (and
    bare columns may not, outside of them; the caller's GROUP BY keys come separately)."""
    cols = columns_of(scope, kind)
    leaves: list[str] = ["lit"] + (["col", "col", "col"] if cols and not agg else [])
    if depth <= 0:
        choice = ctx.pick(leaves) if not agg else "agg"
    else:
        choice = ctx.pick(leaves + _compounds(ctx, kind, agg))
    return _build(ctx, scope, kind, depth, agg, choice, cols)


def _compounds(ctx: Ctx, kind: str, agg: bool) -> list[str]:
    common = ["case", "coalesce", "nullif", "subquery", "param_place", "simple_case"]
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
        "ts": ["param_coalesce", "date_fn"],
        "blob": ["param_coalesce", "blob_substr"],
    }[kind]
    if kind in ("int", "real", "text") and not ctx.pg:
        by_kind += ["multi_minmax", "iif"]
    if kind == "int" and not ctx.pg:
        by_kind += ["bool_arith", "instr"]
    if kind == "real" and not ctx.pg:
        by_kind += ["text_arith"]
    if kind in ("text", "real", "int") and not ctx.pg:
        by_kind += ["sqlite_date"]
    if kind == "bool" and not ctx.pg:
        by_kind += ["glob_is"]
    if kind in ("int", "real", "num") and ctx.pg:
        by_kind += ["math"]
    if kind == "int":
        by_kind += ["blob_length"]
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
        return literal(ctx, kind)
    if choice == "agg":
        return _aggregate(ctx, scope, kind, depth)
    if choice == "arith":
        # int op int stays int; real with int or num is real; num with int is num.
        other = {"int": "int", "real": ctx.pick(["int", "real", "num"]), "num": ctx.pick(["int", "num"])}[kind]
        left, right = (sub(), sub(other)) if ctx.pick(["l", "r"]) == "l" else (sub(other), sub())
        return f"({left} {ctx.pick(['+', '-', '*', '/', '%'] if kind == 'int' else ['+', '-', '*', '/'])} {right})"
    if choice == "simple_case":  # CASE x WHEN v THEN ...: its type is its results', never x's
        k = ctx.pick(["int", "text"])
        whens = " ".join(f"WHEN {literal(ctx, k)} THEN {sub(mixed(ctx, kind))}" for _ in range(ctx.draw(st.integers(1, 2))))
        tail = f" ELSE {sub(mixed(ctx, kind))}" if ctx.draw(st.booleans()) else ""
        return f"CASE {expr(ctx, scope, k, depth - 1, agg)} {whens}{tail} END"
    if choice == "param_place":  # a parameter where its type comes from a sibling, or the function
        col = sub()
        how = ctx.draw(st.integers(0, 5))
        if how == 0:
            return f"COALESCE({ctx.param()}, {col})"
        if how == 1:
            return f"NULLIF({col}, {ctx.param()})"
        if how == 2:
            return f"CASE WHEN {sub('bool')} THEN {ctx.param()} ELSE {col} END"
        if how == 3 and kind in NUMERIC:
            return f"({ctx.param()} {ctx.pick(['+', '-', '*'])} {col})"
        if how == 4 and kind == "text":
            return f"substr({col}, {ctx.param(nullable_ok=False)}, {ctx.param(nullable_ok=False)})"
        if how == 5 and kind == "num":
            return f"round({col}, {ctx.param(nullable_ok=False)})"
        return f"CASE WHEN {sub('bool')} THEN {col} ELSE {ctx.param()} END"
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
        return _aggregate(ctx, scope, kind, depth) if agg else f"({sub('int')} * {literal(ctx, 'real')})"
    if choice == "case":
        branches = " ".join(f"WHEN {sub('bool')} THEN {sub(mixed(ctx, kind))}" for _ in range(ctx.draw(st.integers(1, 2))))
        tail = f" ELSE {sub(mixed(ctx, kind))}" if ctx.draw(st.booleans()) else ""
        return f"CASE {branches}{tail} END"
    if choice == "coalesce":
        fn = "IFNULL" if not ctx.pg and ctx.draw(st.booleans()) else "COALESCE"
        count = 2 if fn == "IFNULL" else ctx.draw(st.integers(2, 3))  # SQLite refuses COALESCE(x)
        return f"{fn}({', '.join(sub(mixed(ctx, kind)) for _ in range(count))})"
    if choice == "param_coalesce":
        return f"COALESCE({sub()}, {ctx.param()})"
    if choice == "nullif":  # PostgreSQL: NULLIF(1, 2.2) is numeric, the = operator's promoted type
        return f"NULLIF({sub()}, {sub(mixed(ctx, kind))})"
    if choice == "replace":
        return f"replace({sub()}, {literal(ctx, 'text')}, {sub()})"
    if choice == "concat_fn":  # PostgreSQL's concat() skips NULL arguments: never NULL
        return ctx.pick([f"concat({sub()}, {sub(ctx.pick(['int', 'text']))})",
                         f"concat_ws({literal(ctx, 'text')}, {sub()}, {sub()})"])
    if choice == "hex_typeof":
        return f"{ctx.pick(['hex', 'typeof', 'quote'])}({sub(ctx.pick(list(KINDS)))})"
    if choice == "iif":
        return f"iif({sub('bool')}, {sub()}, {sub(mixed(ctx, kind))})"
    if choice == "bool_arith":  # SQLite: a boolean is 0 or 1 in arithmetic
        return f"({sub('bool')} {ctx.pick(['+', '*', '-'])} {sub()})"
    if choice == "instr":
        return f"instr({sub('text')}, {sub('text')})"
    if choice == "round":
        if ctx.pg and kind == "real":
            return f"round({sub()})"
        return f"round({sub()}, {ctx.pick(['0', '1', '2'])})"
    if choice == "glob_is":  # SQLite: GLOB, and IS / IS NOT between values (never NULL)
        k = ctx.pick(["int", "text"])
        if k == "text" and ctx.draw(st.booleans()):
            return f"({sub('text')} GLOB {literal(ctx, 'text')})"
        return f"({expr(ctx, scope, k, depth - 1, agg)} IS {ctx.pick(['', 'NOT '])}{expr(ctx, scope, k, depth - 1, agg)})"
    if choice == "distinct_from":
        k = ctx.pick(["int", "text", "real"])
        return (f"({expr(ctx, scope, k, depth - 1, agg)} IS {ctx.pick(['', 'NOT '])}DISTINCT FROM "
                f"{expr(ctx, scope, k, depth - 1, agg)})")
    if choice == "is_true":
        return f"({sub()} IS {ctx.pick(['TRUE', 'FALSE', 'NOT TRUE'])})"
    if choice == "multi_minmax":
        return f"{ctx.pick(['max', 'min'])}({sub()}, {sub()})"
    if choice == "greatest":
        return f"{ctx.pick(['GREATEST', 'LEAST'])}({sub(mixed(ctx, kind))}, {sub(mixed(ctx, kind))})"
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
        if ctx.pg:
            return ctx.pick([f"date_trunc('day', {sub()})", f"({sub()} + interval '1 day')"])
        return ctx.pick([f"datetime({sub()})", f"datetime({sub()}, '+1 day')", f"datetime({sub()}, 'start of day')"])
    if choice == "sqlite_date":  # SQLite's date functions of a stored timestamp: text or a number
        fn = {"text": ["date", "time", "strftime('%Y-%m', "], "real": ["julianday"], "int": ["unixepoch"]}[kind]
        call = ctx.pick(fn)
        return f"{call}{sub('ts')})" if call.endswith(", ") else f"{call}({sub('ts')})"
    if choice == "blob_substr":  # a blob's substring is a blob on both engines
        return f"substr({sub()}, 1, {ctx.pick(['1', '2'])})"
    if choice == "blob_length":
        return f"{ctx.pick(['length', 'octet_length'] if ctx.pg else ['length'])}({sub('blob')})"
    if choice == "text_arith":  # SQLite: text in arithmetic is the number it starts with
        return f"({sub('text')} {ctx.pick(['+', '*'])} {sub(ctx.pick(['int', 'real']))})"
    if choice == "math":  # PostgreSQL: power and sqrt of numeric stay numeric, of others double
        if kind == "int":
            return ctx.pick([f"mod({sub()}, {sub()})", f"div({sub()}, {sub()})", f"sign({sub()})"])
        return ctx.pick([f"power({sub()}, 2)", f"sqrt(abs({sub()}))", f"ceil({sub()})", f"floor({sub()})",
                         f"trunc({sub()})", f"sign({sub()})"])
    if choice == "compare":
        k = ctx.pick(["int", "real", "num", "text", "ts", "int", "bool"])
        op = ctx.pick(["=", "<>", "<", "<=", ">", ">="])
        return f"({expr(ctx, scope, k, depth - 1, agg)} {op} {expr(ctx, scope, mixed(ctx, k), depth - 1, agg)})"
    if choice == "param_compare":
        k = ctx.pick(["int", "real", "text", "ts", "num", "bool"])
        target = columns_of(scope, k)
        left = ctx.pick(target) if target and not agg else expr(ctx, scope, k, depth - 1, agg)
        op = ctx.pick(['=', '<', '>=', '<>'])
        if ctx.draw(st.booleans()):  # the parameter on the left
            return f"({ctx.param()} {op} {left})"
        return f"({left} {op} {ctx.param()})"
    if choice == "narg_filter":
        k = ctx.pick(["int", "text", "real"])
        target = columns_of(scope, k)
        if not target or agg:
            return literal(ctx, "bool")
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
            target = columns_of([inner], k)
            return f"({left} {ctx.pick(['IN', 'NOT IN'])} (SELECT {ctx.pick(target)} FROM {table} {inner.alias}))"
        items = ", ".join(ctx.param() if how == 1 and i == 0 else literal(ctx, k) for i in range(ctx.draw(st.integers(1, 3))))
        return f"({left} {ctx.pick(['IN', 'NOT IN'])} ({items}))"
    if choice == "exists":
        table = ctx.pick(list(TABLES))
        inner = Source(ctx.alias(table), TABLES[table])
        where = f" WHERE {expr(ctx, [inner] + ([] if agg else scope), 'bool', depth - 1)}" if ctx.draw(st.booleans()) else ""
        return f"({ctx.pick(['', 'NOT '])}EXISTS (SELECT 1 FROM {table} {inner.alias}{where}))"
    raise AssertionError(choice)


def mixed(ctx: Ctx, kind: str) -> str:
    """The kind, or now and then another numeric kind where the engine mixes them (CASE,
    COALESCE: PostgreSQL resolves int with real to double precision, SQLite keeps each value's own)."""
    if kind in NUMERIC and ctx.draw(st.integers(0, 3)) == 0:
        return ctx.pick(list(NUMERIC))
    if not ctx.pg and ctx.draw(st.integers(0, 9)) == 0:  # SQLite lets any types meet there
        return ctx.pick(list(KINDS))
    return kind


def _aggregate(ctx: Ctx, scope: list[Source], kind: str, depth: int) -> str:
    def arg(k: str) -> str:
        return expr(ctx, scope, k, max(depth - 1, 0), False)

    if kind == "int":
        return ctx.pick([f"count({arg(ctx.pick(list(KINDS)))})", "count(*)", int_sum(ctx, f"sum({arg('int')})"),
                         f"max({arg('int')})", f"min({arg('int')})", f"count(DISTINCT {arg('int')})",
                         f"count(*) FILTER (WHERE {arg('bool')})", int_sum(ctx, f"sum({arg('int')}) FILTER (WHERE {arg('bool')})")])
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
            return ctx.pick([f"bool_and({arg('bool')})", f"bool_or({arg('bool')})", f"(count(*) > {literal(ctx, 'int')})"])
        return ctx.pick([f"max({arg('bool')})", f"(count(*) > {literal(ctx, 'int')})"])
    if kind == "ts":
        return f"{ctx.pick(['max', 'min'])}({arg('ts')})"
    # blob: PostgreSQL has no min/max of bytea.
    return literal(ctx, "blob") if ctx.pg else f"max({arg('blob')})"


def int_sum(ctx: Ctx, call: str) -> str:
    """sum() of integers as the int kind. PostgreSQL's sum(bigint) is numeric (typed Decimal, see
    test_sum_of_bigint_is_numeric_on_postgresql): on PostgreSQL the int kind casts it back to bigint."""
    return f"CAST({call} AS bigint)" if ctx.pg else call


def _scalar_subquery(ctx: Ctx, scope: list[Source], kind: str, depth: int, agg: bool = False) -> str:
    table = ctx.pick(list(TABLES))
    inner = Source(ctx.alias(table), TABLES[table])
    # Under GROUP BY, not correlated: PostgreSQL refuses an outer column that is not grouped.
    outer = [] if agg else scope
    where = f" WHERE {expr(ctx, [inner] + outer, 'bool', depth - 1)}" if ctx.draw(st.booleans()) else ""
    if kind != "blob" and ctx.draw(st.booleans()):
        # An aggregate without GROUP BY finds one row; with GROUP BY, HAVING or OFFSET maybe none.
        tail = ctx.pick(["", "", f" HAVING count(*) > {literal(ctx, 'int')}",
                         " LIMIT 1 OFFSET 1", f" GROUP BY {inner.alias}.id ORDER BY {inner.alias}.id LIMIT 1"])
        return f"(SELECT {_aggregate(ctx, [inner], kind, 0)} FROM {table} {inner.alias}{where}{tail})"
    value = expr(ctx, [inner], kind, max(depth - 1, 0))
    return f"(SELECT {value} FROM {table} {inner.alias}{where} ORDER BY {inner.alias}.id LIMIT 1)"


def _window(ctx: Ctx, scope: list[Source], kind: str, depth: int) -> str:
    keys = columns_of(scope, "int") + columns_of(scope, "text")
    order = f"ORDER BY {ctx.pick(keys)}" if keys and ctx.draw(st.booleans()) else ""
    part = f"PARTITION BY {ctx.pick(keys)} " if keys and ctx.draw(st.booleans()) else ""
    over = f"OVER ({part}{order})"
    if kind == "int":
        arg = expr(ctx, scope, 'int', 0)
        framed = f"OVER ({part}{order or 'ORDER BY 1'} ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)" if order else over
        return ctx.pick([f"row_number() {over}", f"rank() {over}", f"dense_rank() {over}", f"count(*) {over}",
                         f"ntile(2) {over}", int_sum(ctx, f"sum({arg}) {framed}"), f"max({arg}) {framed}",
                         f"lag({arg}) {over}", f"lag({arg}, 1, 0) {over}", f"first_value({arg}) {over}",
                         f"last_value({arg}) {over}", f"nth_value({arg}, 2) {over}",
                         f"count({arg}) {over}"])
    return ctx.pick([f"avg({expr(ctx, scope, 'int', 0)}) {over}", f"sum({expr(ctx, scope, 'real', 0)}) {over}",
                     f"lead({expr(ctx, scope, 'real', 0)}) {over}", f"percent_rank() {over}",
                     f"cume_dist() {over}", f"lead({expr(ctx, scope, 'real', 0)}, 1, {literal(ctx, 'real')}) {over}"])
