"""Drawn dynamic queries: a small fixed schema, rows for it, and SELECTs whose optional filters
(`sqlc.optional`), sort (`sqlc.sort`), joins, `sqlc.narg` and `sqlc.slice` are all drawn
(tests/test_drawn_dynamic.py generates, calls and judges them).

A query is drawn as a tree of pieces: text, parameters and clauses (WHERE, HAVING, JOIN ... ON)
of conjuncts. The tree is written twice: once as the user writes it for codegen (`sqlc.optional(f1)`),
once per call as the oracle, the static statement a person would write for those arguments: each
conjunct whose optional parameters are not all set left out (a conjunct inside a subquery's clause
belongs to that clause), every join kept, the sort value's column written out, slices expanded.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any, Union

from hypothesis import strategies as st

SCHEMA = """
CREATE TABLE shops (id INTEGER PRIMARY KEY, city TEXT, rating INTEGER);
CREATE TABLE items (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  price INTEGER NOT NULL,
  qty INTEGER,
  category TEXT,
  shop_id INTEGER,
  offset INTEGER,
  end INTEGER
);
CREATE TABLE tags (item_id INTEGER NOT NULL, tag TEXT NOT NULL);
"""

INTS = [-1, 0, 1, 2, 3, 5, 7]
TEXTS = {"name": ["", "ab", "ba", "abc", "x"], "category": ["toys", "food", "tools"], "city": ["Oslo", "Lima"],
         "tag": ["red", "big"]}
PATTERNS = ["a%", "%b", "%", "x", "_b%"]
# (qualified column, kind, nullable) by table alias
COLUMNS = {
    "i": [("i.price", "int", False), ("i.qty", "int", True), ("i.name", "text", False),
          ("i.category", "text", True), ("i.offset", "int", True),
          ("i.end", "int", True)],
    "s": [("s.city", "text", True), ("s.rating", "int", True)],
    "tc": [("tc.tag", "text", False)],
    "s2": [("s2.city", "text", True), ("s2.rating", "int", True)],
    "c": [("c.price", "int", False), ("c.category", "text", True)],
    "t": [("t.tag", "text", False), ("t.item_id", "int", False)],
    "items": [("i.price", "int", False), ("i.qty", "int", True), ("i.name", "text", False)],
}


def for_engine(sql: str, engine: str) -> str:
    """SQLite takes the columns `offset` and `end` unquoted (and so do users); PostgreSQL reserves
    the words."""
    return re.sub(r"\bi\.(offset|end)\b|\b(offset|end)(?= INTEGER)", lambda m: re.sub(r"(offset|end)$", r'"\1"',
                                                                                       m.group()), sql) \
        if engine == "postgresql" else sql


@dataclass(frozen=True)
class P:
    """A parameter: `optional` is sqlc.optional, else sqlc.arg / sqlc.narg (`cast` types the oracle's
    placeholder where the engine cannot infer it, as in `? IS NULL`)."""

    name: str
    optional: bool = True
    narg: bool = False
    cast: str = ""
    at: bool = False  # a required argument written `@name` rather than `sqlc.arg(name)`


@dataclass(frozen=True)
class Slice:
    name: str


@dataclass(frozen=True)
class Clause:
    """`keyword` then its conjuncts ANDed; a conjunct is kept when its own optional parameters are set."""

    keyword: str
    conjuncts: tuple[tuple["Node", ...], ...]
    keeps: bool = False  # stays, always true, when every conjunct goes (an ON, a FILTER's WHERE)


@dataclass(frozen=True)
class Sort:
    """`sqlc.sort(name, columns...)`: the oracle writes the chosen column (`-` descending)."""

    name: str
    columns: tuple[str, ...]

    def choices(self) -> dict[str, str]:
        out = {}
        for column in self.columns:
            value = column.rsplit(".", 1)[-1]
            out[value], out["-" + value] = column, column + " DESC"
        return out


Node = Union[str, P, Slice, Clause, Sort]


@dataclass
class Drawn:
    """One drawn query: its pieces, the kinds of its parameters (for drawing values) and what makes
    its row order total (else the rows are compared as a multiset)."""

    nodes: tuple[Node, ...]
    kinds: dict[str, str]  # parameter -> int | text | pattern | slice | limit
    optional: list[str]
    required: list[str]
    sort: tuple[str, list[tuple[str, str]]] | None = None  # (parameter, [(value, SQL text)])
    ordered: bool = False
    style: Style = field(default_factory=lambda: Style())
    command: str = "many"  # or execrows, one
    writes: bool = False  # an UPDATE / DELETE: each call runs in a transaction rolled back after

    def text(self) -> str:
        return written(self.nodes, self.style)


@dataclass(frozen=True)
class Style:
    """How the author lays the query out: keyword case, what stands between conjuncts (line breaks,
    comments)."""

    lower: bool = False
    joiner: str = " AND "


JOINERS = [" AND ", "\n  AND ", " and ", "\n  -- and then\n  AND ", " AND /* both */ ", "  AND\n    "]


def written(nodes: tuple[Node, ...], style: Style = Style()) -> str:
    """The query as its author writes it for codegen."""
    out = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node.lower() if style.lower else node)
        elif isinstance(node, P) and node.at:
            out.append(f"@{node.name}")
        elif isinstance(node, P):
            out.append(f"sqlc.{'optional' if node.optional else 'narg' if node.narg else 'arg'}({node.name})")
        elif isinstance(node, Slice):
            out.append(f"sqlc.slice({node.name})")
        elif isinstance(node, Sort):
            out.append(f"sqlc.sort({node.name}, {', '.join(node.columns)})")
        else:
            keyword = node.keyword.lower() if style.lower else node.keyword
            out.append(f" {keyword} " + style.joiner.join(written(c, style) for c in node.conjuncts))
    return "".join(out)


def _direct_optionals(conjunct: tuple[Node, ...]) -> set[str]:
    return {n.name for n in conjunct if isinstance(n, P) and n.optional}


def oracle(nodes: tuple[Node, ...], args: dict[str, Any], mark: str) -> tuple[str, list[Any]]:
    """The static statement for `args` (placeholders `mark`) and its parameters in order."""
    out: list[str] = []
    params: list[Any] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node.replace("%", "%%") if mark == "%s" else node)  # psycopg's literal %
        elif isinstance(node, P):
            out.append(f"CAST({mark} AS {node.cast})" if node.cast else mark)
            params.append(args[node.name])
        elif isinstance(node, Slice):
            values = list(args[node.name])
            out.append(", ".join([mark] * len(values)) if values else "SELECT 1 WHERE 1 = 0")
            params.extend(values)
        elif isinstance(node, Sort):
            out.append(node.choices()[args[node.name]])
        else:
            kept = [c for c in node.conjuncts if all(args[n] is not None for n in _direct_optionals(c))]
            if kept:
                texts = []
                for conjunct in kept:
                    text, more = oracle(conjunct, args, mark)
                    texts.append(text)
                    params.extend(more)
                out.append(f" {node.keyword} " + " AND ".join(texts))
            elif node.keyword == "ON" or node.keeps:
                out.append(f" {node.keyword} 1 = 1")
    return "".join(out), params


# --- predicates ------------------------------------------------------------------------------------


class Names:
    """Fresh parameter names, and the kind of each."""

    def __init__(self) -> None:
        self.counter = itertools.count()
        self.kinds: dict[str, str] = {}

    def new(self, kind: str, prefix: str = "f") -> str:
        name = f"{prefix}{next(self.counter)}"
        self.kinds[name] = kind
        return name

    def optional(self, draw: st.DrawFn, kind: str) -> str:
        """A new optional parameter, or now and then one already used (a filter given once and
        applied in two conjuncts)."""
        used = [n for n, k in self.kinds.items() if k == kind and n.startswith("f")]
        if used and draw(st.integers(0, 3)) == 0:
            return draw(st.sampled_from(used))
        return self.new(kind)


@st.composite
def predicate(draw: st.DrawFn, names: Names, aliases: list[str], optional: bool = True) -> tuple[Node, ...]:
    """One conjunct over a column of the tables in `aliases`, holding one or two parameters."""
    column, kind, _ = draw(st.sampled_from([c for a in aliases for c in COLUMNS[a]]))
    p = P(names.optional(draw, kind)) if optional else P(names.new(kind, "a"), optional=False, at=draw(st.booleans()))
    if kind == "int":
        shapes: list[tuple[Node, ...]] = [
            (f"{column} {draw(st.sampled_from(['=', '<>', '<', '<=', '>', '>=']))} ", p),
            (p, f" {draw(st.sampled_from(['=', '<', '>=']))} {column}"),
            (f"{column} BETWEEN ", p, " - 1 AND ", p, " + 1"),
            (f"{column} NOT BETWEEN ", p, " AND ", p, " + 2"),
            (f"coalesce({column}, 0) >= ", p),
            (f"{column} + 1 > ", p),
            (f"({column} >= ", p, ")"),
            (f"CASE WHEN {column} IS NULL THEN 0 ELSE {column} END >= ", p),
        ]
        if optional:
            q = P(names.new("int"), optional=True)
            shapes.append((f"{column} IN (", p, ", ", q, ")"))
    else:
        shapes = [
            (f"{column} = ", p),
            (f"{column} <> ", p),
            (f"lower({column}) = ", p),
            (f"NOT ({column} = ", p, ")"),
            (f"lower({column}) = lower(", p, ")"),
            (f"{column} IN (", p, ", 'toys')"),
        ]
        if optional:  # a LIKE pattern is a parameter of its own kind
            shapes.append((f"{column} LIKE ", P(names.optional(draw, "pattern"))))
            shapes.append((f"{column} LIKE '%' || ", p, " || '%'"))
    return draw(st.sampled_from(shapes))


@st.composite
def tag_subquery(draw: st.DrawFn, names: Names, outer: list[str] = ["i"]) -> tuple[Node, ...]:
    """A conjunct whose optional filter is inside a subquery's WHERE (it goes from there); the
    subquery may read an outer join's columns in an optional filter of its own."""
    tag = P(names.new("tag"))
    conjuncts: list[tuple[Node, ...]] = [("t2.item_id = i.id",), ("t2.tag = ", tag)]
    if draw(st.booleans()):
        conjuncts.reverse()
    if "s" in outer and draw(st.booleans()):  # the droppable join, read from inside: kept with this filter
        conjuncts.insert(draw(st.integers(0, 2)), draw(predicate(names, ["s"])))
    inner = Clause("WHERE", tuple(conjuncts))
    form = draw(st.sampled_from(["exists", "in", "not in"]))
    if form == "exists":
        return ("EXISTS (SELECT 1 FROM tags t2", inner, ")")
    inner = Clause("WHERE", (("t2.tag = ", tag),))
    return (f"i.id {'NOT IN' if form == 'not in' else 'IN'} (SELECT t2.item_id FROM tags t2", inner, ")")


# --- queries ---------------------------------------------------------------------------------------

@st.composite
def tags_join(draw: st.DrawFn, names: Names) -> tuple[Node, ...]:
    """A join of tags beside the shops one: each may repeat or drop rows, none may go; its ON may hold
    optional filters (all of them: `ON TRUE` when they are off)."""
    form = draw(st.sampled_from(["comma", "inner", "left", "left optional", "inner optional"]))
    if form == "comma":
        return (", tags tc",)
    on: list[tuple[Node, ...]] = [] if form == "left optional" else [("tc.item_id = i.id",)]
    if form.endswith("optional") or draw(st.booleans()):
        on.append(("tc.tag = ", P(names.new("tag"))))
    return (" LEFT JOIN tags tc" if form.startswith("left") else " JOIN tags tc", Clause("ON", tuple(on)))


@st.composite
def fixed_predicate(draw: st.DrawFn, names: Names, aliases: list[str], slices: bool = False) -> tuple[Node, ...]:
    """A conjunct every variant keeps: a constant test, a required argument, sqlc.narg's IS NULL
    test, or (`slices`: sqlc.optional cannot be combined with them) a slice."""
    form = draw(st.sampled_from(["const", "arg", "narg", *(["slice", "not slice"] if slices else [])]))
    if form == "const":
        return (draw(st.sampled_from(["i.price >= 0", "NOT (i.price < 0)"])),)
    if form == "arg":
        return draw(predicate(names, aliases, optional=False))
    if form == "narg":
        n = P(names.new("nint", "n"), optional=False, narg=True, cast="INTEGER")
        return ("(", n, " IS NULL OR i.qty = ", n, ")")
    ids = Slice(names.new("slice", "ids"))
    return (f"i.id {'NOT IN' if form == 'not slice' else 'IN'} (", ids, ")")


@st.composite
def row_query(draw: st.DrawFn) -> Drawn:
    """SELECT over items, perhaps LEFT JOIN shops by its key (droppable) and a join of tags, with a
    WHERE of drawn optional and fixed conjuncts, a drawn sort, perhaps a page."""
    names = Names()
    nodes: list[Node] = []
    shops = draw(st.booleans())
    extra = draw(st.none() | st.none() | tags_join(names))
    aliases = ["i", "s"] if shops else ["i"]
    columns = ["i.id", *draw(st.lists(st.sampled_from([c for c, _, _ in COLUMNS["i"]]), unique=True, max_size=2))]
    if shops and draw(st.booleans()):
        columns.append("s.city")
    if extra and draw(st.booleans()):
        columns.append("tc.tag")
    nodes.append(f"SELECT {', '.join(columns)}")
    if draw(st.integers(0, 3)) == 0:  # a subquery in the select list, its own optional filter
        tagged = Clause("WHERE", (("t3.item_id = i.id",), ("t3.tag = ", P(names.new("tag")))))
        nodes += [", (SELECT count(*) FROM tags t3", tagged, ") AS tagged"]
    if draw(st.integers(0, 3)) == 0:  # a derived table whose WHERE has optional filters
        inner = draw(st.lists(predicate(names, ["i"]), min_size=1, max_size=2))
        nodes += [" FROM (SELECT * FROM items i", Clause("WHERE", tuple(inner)), ") i"]
    else:
        nodes.append(" FROM items i")
    on: list[tuple[Node, ...]] = []
    if shops:
        on.append(("s.id = i.shop_id",))
        if draw(st.booleans()):
            on.append(draw(predicate(names, ["s"])))
        nodes += [" LEFT JOIN shops s", Clause("ON", tuple(on))]
    if draw(st.booleans()):  # a second join on a key, left out on its own when nothing kept reads it
        on2: list[tuple[Node, ...]] = [("s2.id = i.qty",)]
        nodes += [" LEFT JOIN shops s2", Clause("ON", tuple(on2))]
        aliases = [*aliases, "s2"]
    if extra:
        nodes += extra
        aliases = [*aliases, "tc"]
    # A query of slices and a sort (sqlc.optional cannot be combined with slices).
    slices = not _drawn(tuple(nodes), names, None, False).optional and draw(st.integers(0, 4)) == 0
    if slices:
        conjuncts = draw(st.lists(fixed_predicate(names, aliases, slices=True), min_size=1, max_size=3))
    else:
        conjuncts = draw(st.lists(st.one_of(predicate(names, aliases), tag_subquery(names, aliases),
                                            fixed_predicate(names, aliases)), min_size=1, max_size=4))
        if not any(_direct_optionals(c) or any(isinstance(n, Clause) for n in c) for c in conjuncts):
            conjuncts.append(draw(predicate(names, aliases)))
    nodes.append(Clause("WHERE", tuple(conjuncts)))
    ordered = extra is None
    order = "sort" if slices else draw(st.sampled_from(["sort", "sort", "id", "none"]))
    sort = None
    if order == "sort":
        candidates = [c for c, _, _ in COLUMNS["i"]] + (["s.city", "s.rating"] if shops else []) + \
            (["s2.rating"] if "s2" in aliases else [])
        # one column per value: `s.rating` and `s2.rating` would both be `rating` (a located error)
        chosen = draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=3,
                               unique_by=lambda c: c.rsplit(".", 1)[-1]))
        sort = Sort("order_by", tuple(chosen))
        nodes += [" ORDER BY ", sort, ", i.id"]
    elif order == "id":
        nodes.append(" ORDER BY i.id")
    ordered = ordered and order != "none"
    if ordered and draw(st.booleans()):
        names.kinds["lim"], names.kinds["off"] = "limit", "limit"
        nodes += [" LIMIT ", P("lim", optional=False), " OFFSET ", P("off", optional=False)]
    return _drawn(tuple(nodes), names, sort, ordered)


@st.composite
def group_query(draw: st.DrawFn) -> Drawn:
    """Counts per category: optional filters in WHERE and in HAVING, a sort over the aggregates."""
    names = Names()
    shops = draw(st.booleans())
    aliases = ["i", "s"] if shops else ["i"]
    nodes: list[Node] = ["SELECT i.category, count(*) AS n, sum(i.price) AS total FROM items i"]
    if shops:
        nodes += [" LEFT JOIN shops s", Clause("ON", (("s.id = i.shop_id",),))]
    where = draw(st.lists(st.one_of(predicate(names, aliases), fixed_predicate(names, aliases)), max_size=2))
    if where:
        nodes.append(Clause("WHERE", tuple(where)))
    nodes.append(" GROUP BY i.category")
    having: list[tuple[Node, ...]] = []
    for text in draw(st.lists(st.sampled_from(["count(*) >= ", "sum(i.price) <= ", "max(i.price) > "]),
                              min_size=1, max_size=2, unique=True)):
        having.append((text, P(names.new("int"))))
    if draw(st.booleans()):
        having.insert(draw(st.integers(0, len(having))), ("count(*) > 0",))
    nodes.append(Clause("HAVING", tuple(having)))
    sort = None
    if draw(st.booleans()):
        sort = Sort("order_by", tuple(draw(st.lists(st.sampled_from(["n", "total", "i.category"]), min_size=1,
                                                    unique=True))))
        nodes += [" ORDER BY ", sort, ", i.category"]
    else:
        nodes.append(" ORDER BY i.category")
    return _drawn(tuple(nodes), names, sort, True)


def _drawn(nodes: tuple[Node, ...], names: Names, sort: Sort | None, ordered: bool) -> Drawn:
    params: list[str] = []
    optional: set[str] = set()

    def walk(items: tuple[Node, ...]) -> None:
        for node in items:
            if isinstance(node, (P, Slice)) and node.name not in params:
                params.append(node.name)
            if isinstance(node, P) and node.optional:
                optional.add(node.name)
            if isinstance(node, Clause):
                for conjunct in node.conjuncts:
                    walk(conjunct)

    walk(nodes)
    return Drawn(nodes, {p: names.kinds[p] for p in params}, [p for p in params if p in optional],
                 [p for p in params if p not in optional],
                 (sort.name, list(sort.choices().items())) if sort else None, ordered)


@st.composite
def cte_query(draw: st.DrawFn) -> Drawn:
    """Optional filters inside a CTE and over it."""
    names = Names()
    inner = draw(st.lists(st.one_of(predicate(names, ["i"]), fixed_predicate(names, ["i"])), min_size=1,
                          max_size=2))
    nodes: list[Node] = ["WITH c AS (SELECT i.id, i.price, i.category FROM items i", Clause("WHERE", tuple(inner)),
                         ") SELECT c.id, c.price FROM c"]
    outer = draw(st.lists(predicate(names, ["c"]), max_size=2))
    if outer:
        nodes.append(Clause("WHERE", tuple(outer)))
    sort = None
    if draw(st.booleans()):
        sort = Sort("order_by", tuple(draw(st.lists(st.sampled_from(["c.price", "c.category"]), min_size=1,
                                                    unique=True))))
        nodes += [" ORDER BY ", sort, ", c.id"]
    else:
        nodes.append(" ORDER BY c.id")
    return _drawn(tuple(nodes), names, sort, True)


@st.composite
def union_query(draw: st.DrawFn) -> Drawn:
    """Optional filters in each branch of a UNION [ALL]."""
    names = Names()
    first = draw(st.lists(predicate(names, ["i"]), min_size=1, max_size=2))
    second = draw(st.lists(predicate(names, ["t"]), min_size=1, max_size=2))
    union = draw(st.sampled_from([" UNION ALL ", " UNION "]))
    nodes: tuple[Node, ...] = ("SELECT i.id, i.name FROM items i", Clause("WHERE", tuple(first)), union,
                               "SELECT t.item_id, t.tag FROM tags t", Clause("WHERE", tuple(second)))
    return _drawn(nodes, names, None, False)


@st.composite
def write_query(draw: st.DrawFn) -> Drawn:
    """An UPDATE or DELETE of items with a fixed conjunct beside optional ones (codegen refuses one
    whose every conjunct is optional), perhaps through shops (UPDATE ... FROM), perhaps RETURNING."""
    names = Names()
    update = draw(st.booleans())
    via_shops = update and draw(st.booleans())
    aliases = ["items", "s"] if via_shops else ["items"]
    fixed = draw(st.sampled_from([("items.price >= 0",), ("items.id <> ", P(names.new("int", "a"), optional=False)),
                                  ("items.price <= ", P(names.new("int", "a"), optional=False, at=True))]))
    optional = draw(st.lists(predicate(names, aliases), min_size=1, max_size=3))
    conjuncts = list(optional)
    conjuncts.insert(draw(st.integers(0, len(conjuncts))), fixed)
    if via_shops:
        conjuncts.insert(0, ("s.id = items.shop_id",))
    head = "UPDATE items SET qty = coalesce(qty, 0) + 1" + (" FROM shops s" if via_shops else "") if update \
        else "DELETE FROM items"
    returning = draw(st.booleans())
    listed = draw(st.sampled_from([" RETURNING items.id, items.qty", " RETURNING *"]))
    nodes = (head, Clause("WHERE", tuple(_on_items(c) for c in conjuncts)), *((listed,) if returning else ()))
    query = _drawn(tuple(nodes), names, None, False)
    query.command, query.writes = ("many" if returning else "execrows"), True
    return query


@st.composite
def insert_query(draw: st.DrawFn) -> Drawn:
    """INSERT ... SELECT whose WHERE has optional filters (beside a fixed one: SQLite's upsert grammar
    needs a WHERE after a SELECT), perhaps RETURNING."""
    names = Names()
    conjuncts = draw(st.lists(st.one_of(predicate(names, ["i"]), tag_subquery(names)), min_size=1, max_size=3))
    conjuncts.insert(draw(st.integers(0, len(conjuncts))), ("i.price >= 0",))
    returning = draw(st.booleans())
    nodes = ("INSERT INTO tags (item_id, tag) SELECT i.id, 'copied' FROM items i", Clause("WHERE", tuple(conjuncts)),
             *((draw(st.sampled_from([" RETURNING item_id, tag", " RETURNING *"])),) if returning else ()))
    query = _drawn(tuple(nodes), names, None, False)
    query.command, query.writes = ("many" if returning else "execrows"), True
    return query


def _on_items(conjunct: tuple[Node, ...]) -> tuple[Node, ...]:
    """A predicate drawn over `i.` columns, written over the table being changed."""
    return tuple(n.replace("i.", "items.") if isinstance(n, str) else n for n in conjunct)


@st.composite
def count_query(draw: st.DrawFn) -> Drawn:
    """`:one` of an aggregate without GROUP BY (a row always comes back), over optional filters."""
    names = Names()
    shops = draw(st.booleans())
    aliases = ["i", "s"] if shops else ["i"]
    nodes: list[Node] = ["SELECT count(*) AS n, max(i.price) AS top"]
    if draw(st.booleans()):  # an aggregate's FILTER (WHERE ...) of optional filters: always true when all are off
        conjuncts = draw(st.lists(st.one_of(predicate(names, ["i"]), fixed_predicate(names, ["i"])), min_size=1,
                                  max_size=2))
        nodes += [", count(*) FILTER (", Clause("WHERE", tuple(conjuncts), keeps=True), ") AS picked"]
    nodes.append(" FROM items i")
    if shops:
        nodes += [" LEFT JOIN shops s", Clause("ON", (("s.id = i.shop_id",),))]
    nodes.append(Clause("WHERE", tuple(draw(st.lists(predicate(names, aliases), min_size=1, max_size=3)))))
    query = _drawn(tuple(nodes), names, None, True)
    query.command = "one"
    return query


@st.composite
def queries(draw: st.DrawFn) -> Drawn:
    query = draw(st.sampled_from([row_query(), row_query(), row_query(), group_query(), cte_query(),
                                  union_query(), write_query(), insert_query(), count_query()]
                                 ).flatmap(lambda s: s))
    query.style = Style(lower=draw(st.booleans()), joiner=draw(st.sampled_from(JOINERS)))
    return query


def values(kind: str, optional: bool) -> st.SearchStrategy[Any]:
    base: st.SearchStrategy[Any] = {
        "int": st.sampled_from(INTS),
        "nint": st.none() | st.sampled_from(INTS),
        "text": st.sampled_from(sorted({t for pool in TEXTS.values() for t in pool} | {"zz"})),
        "pattern": st.sampled_from(PATTERNS),
        "tag": st.sampled_from(TEXTS["tag"]),
        "slice": st.lists(st.integers(0, 9), max_size=3),
        "limit": st.integers(0, 4),
    }[kind]
    return st.none() | base if optional else base


def arguments(query: Drawn) -> st.SearchStrategy[dict[str, Any]]:
    fields = {p: values(query.kinds[p], p in query.optional) for p in query.kinds}
    if query.sort:
        fields[query.sort[0]] = st.sampled_from([v for v, _ in query.sort[1]])
    return st.fixed_dictionaries(fields)


# --- rows ------------------------------------------------------------------------------------------

shops_rows = st.lists(st.tuples(st.none() | st.sampled_from(TEXTS["city"]), st.none() | st.sampled_from(INTS)),
                      min_size=1, max_size=3)
items_rows = st.lists(st.tuples(st.sampled_from(TEXTS["name"]), st.integers(0, 6), st.none() | st.integers(0, 6),
                                st.none() | st.sampled_from(TEXTS["category"]), st.none() | st.integers(1, 4),
                                st.none() | st.integers(-1, 3), st.none() | st.integers(0, 6)),
                      min_size=2, max_size=8)
tags_rows = st.lists(st.tuples(st.integers(1, 8), st.sampled_from(TEXTS["tag"])), max_size=6)
