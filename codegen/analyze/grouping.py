"""What a grouped or DISTINCT SELECT may read, and which result columns a position may name.

PostgreSQL refuses, at every call, a grouped query (GROUP BY, HAVING, or an aggregate of its own)
reading a column of its FROM items outside an aggregate unless the column, or an expression around
it, is one of the GROUP BY expressions, or the column's table is grouped by its whole primary key
(the functional dependency PostgreSQL knows: a plain table's primary key, not a UNIQUE constraint,
not a view's). It refuses a SELECT DISTINCT ordered by an expression it does not select. SQLite
takes both (a bare column reads any row of the group), so these rules are asked of engines with
`strict_grouping`. Both engines refuse `GROUP BY 0` and `ORDER BY 3` over two result columns.

Each rule refuses only what it can show: an expression it cannot resolve (a subquery, a result
alias it does not follow) is taken as the server may take it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlglot import exp

from ..catalog.build import SchemaState
from .levels import NESTED_QUERY, this_level
from .scope import Scope, Source

Problem = tuple[str, exp.Expr]
Key = tuple[int, str] | str  # how two expressions are known to be one (Grouping._key)


def position_problem(clause: str, items: list[exp.Expr], width: int) -> Problem | None:
    """`GROUP BY 0` or `ORDER BY n` past the result's `width` columns (both engines refuse it)."""
    for item in items:
        node = item.this if isinstance(item, exp.Ordered) else item
        if isinstance(node, exp.Literal) and not node.is_string and node.this.isdigit():
            position = int(node.this)
            if not 1 <= position <= width:
                return f"{clause} position {position} is not in select list (it has {width} columns)", node
    return None


def row_column(tree: exp.Expr, scope: Scope) -> exp.Column | None:
    """A column of this query's own FROM items in tree (not an enclosing query's, not a subquery's)."""
    for column in _columns_here(tree):
        try:
            src, _ = scope.resolve(column, None)
        except Exception:  # Located: not a column here, judged where it is typed
            continue
        if src in scope.sources:
            return column
    return None


class Grouping:
    """The rules for one SELECT, its FROM items already in `scope`."""

    def __init__(self, node: exp.Select, scope: Scope, state: SchemaState, dialect: str,
                 is_aggregate: Callable[[exp.Expr], bool], result_names: list[str]) -> None:
        self.node, self.scope, self.state, self.dialect = node, scope, state, dialect
        self.is_aggregate = is_aggregate
        self.result_names = {name.lower() for name in result_names}
        self.items = [item.unalias() for item in node.expressions]
        self.common: set[tuple[int, str]] = set()  # the columns every grouping set groups by
        self.aliases = {item.alias.lower(): item.this for item in node.expressions if isinstance(item, exp.Alias)}

    def problem(self) -> Problem | None:
        return self._ungrouped() or self._distinct_order()

    # -- grouping -------------------------------------------------------------------------------
    def _ungrouped(self) -> Problem | None:
        group = self.node.args.get("group")
        having = self.node.args.get("having")
        order = self.node.args.get("order")
        checked = list(self.items) + ([having.this] if having is not None else [])
        if group is None and having is None and not any(self._aggregated_here(e) for e in checked + self._order(order)):
            return None
        if group is not None and (group.args.get("all") or group.args.get("totals")):
            return None
        for item in _flattened(group.expressions if group is not None else []):
            named = self._named_item(item)
            if named is not None and self._aggregated_here(named):
                return "aggregate functions are not allowed in GROUP BY", item
        items = group.expressions if group is not None else []
        keys = self._group_keys(items)
        # Only what every grouping set groups by makes a primary key's table grouped (ROLLUP (t.id)
        # has a set without t.id)
        common = self._group_keys([i for i in items if not isinstance(i, (exp.Rollup, exp.Cube, exp.GroupingSets))])
        if keys is None or common is None:
            return None  # a GROUP BY item this analysis cannot follow: the server's call
        columns = {k for k in keys if isinstance(k, tuple)}
        self.common = {k for k in common if isinstance(k, tuple)}
        texts = {k for k in keys if isinstance(k, str)}
        for item in self.items:
            if _is_star(item):
                found = self._star(item, columns)
                if found is not None:
                    return found
        for tree in checked + self._order(order, skip_result_names=True):
            found = self._walk(tree, columns, texts)
            if found is not None:
                return found
        return None

    def _order(self, order: exp.Expr | None, skip_result_names: bool = False) -> list[exp.Expr]:
        """ORDER BY expressions; positions, and with skip_result_names a bare result column's name
        (ORDER BY reads those first), name result columns checked with the select list."""
        out = []
        for ordered in order.expressions if order is not None else []:
            node = ordered.this
            if isinstance(node, exp.Literal):
                continue
            if skip_result_names and isinstance(node, exp.Column) and not node.table \
                    and node.name.lower() in self.result_names:
                continue
            out.append(node)
        return out

    def _group_keys(self, items: list[exp.Expr]) -> list[Key] | None:
        """Each grouped expression's key (_key); None when unsure of one."""
        keys: list[Key] = []
        for item in _flattened(items):
            named = self._named_item(item)  # GROUP BY a position, or a result column's alias
            if named is None and isinstance(item, exp.Literal) and not item.is_string:
                return None
            key = self._key(named if named is not None else item)
            if key is None:
                return None
            keys.append(key)
        return keys

    def _named_item(self, item: exp.Expr) -> exp.Expr | None:
        """The select list's expression a GROUP BY position or result alias names, if it is one."""
        if isinstance(item, exp.Literal) and not item.is_string and item.this.isdigit():
            position = int(item.this)
            return self.items[position - 1] if not any(_is_star(e) for e in self.items) \
                and 1 <= position <= len(self.items) else None
        if isinstance(item, exp.Column) and not item.table and self._resolved(item) is None:
            return self.aliases.get(item.name.lower())
        return None

    def _walk(self, tree: exp.Expr, columns: set[tuple[int, str]], texts: set[str]) -> Problem | None:
        """The first column of this SELECT's FROM items read outside the grouped expressions and aggregates."""
        if isinstance(tree, NESTED_QUERY):
            return None  # a subquery's reading of this query's columns is not judged here
        key = self._key(tree)
        if key is not None and (key in texts if isinstance(key, str) else key in columns):
            return None
        if isinstance(tree, exp.Filter) and self.is_aggregate(tree.this):
            return None
        if isinstance(tree, exp.Window):
            inner = tree.this.this if isinstance(tree.this, exp.Filter) else tree.this
            children = [*inner.iter_expressions(), *(v for k, v in tree.args.items() if k != "this" and
                                                      isinstance(v, exp.Expr))]
            children += [e for v in tree.args.values() if isinstance(v, list) for e in v]
            return next((p for c in children if (p := self._walk(c, columns, texts)) is not None), None)
        if self.is_aggregate(tree):
            return None
        if isinstance(tree, exp.Column) and not isinstance(tree.this, exp.Star):
            resolved = self._resolved(tree)
            if resolved is None or resolved[0] not in self.scope.sources:
                return None  # an enclosing query's column (a constant here), or not followed
            src, name = resolved
            if self._keyed_by_primary_key(src):
                return None
            return (f'column "{src.alias}.{name}" must appear in the GROUP BY clause or be used in an aggregate '
                    "function", tree)
        for child in tree.iter_expressions():
            found = self._walk(child, columns, texts)
            if found is not None:
                return found
        return None

    def _star(self, star: exp.Expr, columns: set[tuple[int, str]]) -> Problem | None:
        """`*` or `t.*` in a grouped query reads each column it stands for."""
        for src in self._starred(star):
            if self._keyed_by_primary_key(src):
                continue
            for column in src.columns:
                if not column.hidden and column.name.lower() not in src.using \
                        and (id(src), column.name.lower()) not in columns:
                    return (f'column "{src.alias}.{column.name}" must appear in the GROUP BY clause or be used in '
                            "an aggregate function", star)
        return None

    def _starred(self, star: exp.Expr) -> list[Source]:
        table = star.table if isinstance(star, exp.Column) else ""
        return [s for s in self.scope.sources if not table or s.alias.lower() == table.lower()]

    def _keyed_by_primary_key(self, src: Source) -> bool:
        if src.table is None:
            return False
        table = self.state.table_at(src.schema, src.table)
        keys = [c.name.lower() for c in table.columns if c.primary_key] if table is not None else []
        return bool(keys) and all((id(src), k) in self.common for k in keys)

    def _aggregated_here(self, tree: exp.Expr) -> bool:
        """An aggregate of this query level in tree (one reading only an enclosing query's columns is
        that query's; a window's function is no aggregate of the group)."""
        for call in this_level(tree, exp.Func):
            if not self.is_aggregate(call) or isinstance(call.parent, exp.Window):
                continue
            owners = [self._resolved(c) for c in _columns_here(call)]
            if not owners or any(o is not None and o[0] in self.scope.sources for o in owners):
                return True
        return False

    # -- SELECT DISTINCT ------------------------------------------------------------------------
    def _distinct_order(self) -> Problem | None:
        distinct = self.node.args.get("distinct")
        if distinct is None or distinct.args.get("on") is not None:
            return None
        selected: set[Key] = set()
        for item in self.items:
            if _is_star(item):
                selected |= {(id(s), c.name.lower()) for s in self._starred(item) for c in s.columns if not c.hidden}
                continue
            key = self._key(item)
            if key is None:
                return None
            selected.add(key)
        for node in self._order(self.node.args.get("order"), skip_result_names=True):
            key = self._key(node)
            if key is not None and key not in selected:
                return "for SELECT DISTINCT, ORDER BY expressions must appear in select list", node
        return None

    # -- expressions as keys ----------------------------------------------------------------------
    def _resolved(self, column: exp.Column) -> tuple[Source, str] | None:
        try:
            src, col = self.scope.resolve(column, None)
        except Exception:  # Located: a result alias, a whole row; the analysis has judged it already
            return None
        return src, col.name.lower()

    def _key(self, tree: exp.Expr) -> Key | None:
        """A column as (its source's id, its name); another expression as its text with each column
        spelt by its source, parentheses gone; None where a column does not resolve here."""
        while isinstance(tree, exp.Paren):
            tree = tree.this
        if isinstance(tree, exp.Column) and not isinstance(tree.this, exp.Star):
            resolved = self._resolved(tree)
            return (id(resolved[0]), resolved[1]) if resolved is not None else None
        if any(True for _ in tree.find_all(*NESTED_QUERY)):
            return None
        marks: dict[int, str] = {}
        for column in tree.find_all(exp.Column):
            resolved = None if isinstance(column.this, exp.Star) else self._resolved(column)
            if resolved is None:
                return None
            marks[id(column)] = f"{self._index(resolved[0])}.{resolved[1]}"
        return _marked_copy(tree, marks).sql(dialect=self.dialect)

    def _index(self, src: Source) -> str:
        scope: Scope | None = self.scope
        depth = 0
        while scope is not None:
            for i, candidate in enumerate(scope.sources):
                if candidate is src:
                    return f"{depth}:{i}"
            scope, depth = scope.parent, depth + 1
        return f"?{id(src)}"


def _marked_copy(tree: exp.Expr, marks: dict[int, str]) -> exp.Expr:
    """A copy of tree, each marked column (by the original node's id) spelt as its mark, parentheses gone."""
    copy = tree.copy()
    for original, duplicate in zip(tree.walk(), copy.walk()):
        if id(original) in marks:
            duplicate.meta["grouping_mark"] = marks[id(original)]
    return copy.transform(lambda n: exp.column(exp.to_identifier(n.meta["grouping_mark"], quoted=True))
                          if isinstance(n, exp.Column) and "grouping_mark" in n.meta else
                          (n.this if isinstance(n, exp.Paren) else n))


def _is_star(item: exp.Expr) -> bool:
    return isinstance(item, exp.Star) or (isinstance(item, exp.Column) and isinstance(item.this, exp.Star))


def _flattened(items: list[exp.Expr]) -> Iterator[exp.Expr]:
    """GROUP BY's expressions, those of ROLLUP, CUBE, GROUPING SETS and parenthesised lists too."""
    for item in items:
        if isinstance(item, (exp.Rollup, exp.Cube, exp.GroupingSets, exp.Tuple)):
            yield from _flattened(list(item.expressions))
        else:
            yield item


def _columns_here(tree: exp.Expr) -> Iterator[exp.Column]:
    """The columns this level names (a `t.*` is no column), none when `tree` is itself a query."""
    return (c for c in this_level(tree, exp.Column, into_root_query=False) if not isinstance(c.this, exp.Star))
