"""Expression typing for syntax only PostgreSQL has: arrays, containment and JSON key operators,
intervals, AT TIME ZONE, date/time arithmetic, `||` on arrays.

The `_t_<sqlglot class>` functions of PgExpressions take the analyzer as `self`; HANDLERS maps
the class names to them, and the analyzer consults it before its own handlers (SQLite never
produces these node kinds).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from sqlglot import exp

from ... import ir
from ...errors import Located
from ...analyze.types import placeholder_index

from ...analyze.types import array_of, element
from . import catalog, collations, ranges

if TYPE_CHECKING:
    from ...analyze.scope import Scope

    from ...analyze.expressions import Handler

BOOL = ir.Typed(ir.ValueType(ir.BOOL), False)
TEXT = ir.ValueType(ir.STR)
_TEMPORAL = {ir.DATE, ir.DATETIME, ir.DATETIME_TZ, ir.TIME, ir.TIME_TZ}


_SHIFTS = (exp.BitwiseLeftShift, exp.BitwiseRightShift)
_BITWISE = (exp.BitwiseAnd, exp.BitwiseOr, exp.BitwiseXor) + _SHIFTS


def temporal_arithmetic(node: exp.Expr, a: ir.ValueType, b: ir.ValueType) -> ir.ValueType | None:
    """timestamp - timestamp is an interval, timestamp + interval a timestamp, date - date an
    integer, date + integer a date, interval * number an interval; the bit operators of addresses
    and bit strings (bitwise_operator)."""
    x, y = a.base, b.base
    if ranges.is_range(a) or ranges.is_range(b):
        return range_operator(node, a, b)
    if isinstance(node, _BITWISE):
        return bitwise_operator(node, a, b)
    if isinstance(node, exp.Sub) and x == y and x in (ir.DATETIME, ir.DATETIME_TZ, ir.TIME):
        return ir.ValueType(ir.INTERVAL)
    if isinstance(node, exp.Sub) and x == y == ir.DATE:
        return ir.ValueType(ir.INT)
    if isinstance(node, exp.Add) and {x, y} in ({ir.DATE, ir.TIME}, {ir.DATE, ir.TIME_TZ}):
        return ir.ValueType(ir.DATETIME_TZ if ir.TIME_TZ in (x, y) else ir.DATETIME)  # date + time of day
    if isinstance(node, (exp.Add, exp.Sub)):
        if x in _TEMPORAL and y in (ir.INTERVAL, ir.INT):
            return ir.ValueType(ir.DATETIME if x == ir.DATE and y == ir.INTERVAL else x)
        if isinstance(node, exp.Add) and y in _TEMPORAL and x in (ir.INTERVAL, ir.INT):
            return ir.ValueType(ir.DATETIME if y == ir.DATE and x == ir.INTERVAL else y)
        if x == y == ir.INTERVAL:
            return ir.ValueType(ir.INTERVAL)
    if isinstance(node, (exp.Mul, exp.Div)) and ir.INTERVAL in (x, y) and {x, y} <= {ir.INTERVAL, ir.INT, ir.FLOAT,
                                                                                      ir.DECIMAL}:
        return ir.ValueType(ir.INTERVAL)
    return None


def operand_parameter_type(node: exp.Expr, other: ir.ValueType, parameter_first: bool) -> ir.ValueType | None:
    """What the server makes of `x op $1` where $1 cannot be of x's type: timestamp + timestamp,
    interval * interval and jsonb - jsonb do not exist, so a parameter of x's type fails at every
    call. The server's own pick (pg_prepared_statements.parameter_types): timestamp + $1 takes an
    interval, interval * $1 and interval / $1 a double precision, jsonb - $1 a text (a key).
    date + $1 is no unique operator to the server (date + integer, + interval, + time): an integer,
    a number of days, gives a date as date - $1 does."""
    if other.dims or ranges.is_range(other) or other.override is not None:
        return None
    x = other.base
    if isinstance(node, exp.Add) and x in (ir.DATETIME, ir.DATETIME_TZ, ir.TIME, ir.TIME_TZ):
        return ir.ValueType(ir.INTERVAL)
    if isinstance(node, exp.Add) and x == ir.DATE:
        return ir.ValueType(ir.INT)
    if x == ir.INTERVAL and (isinstance(node, exp.Mul) or (isinstance(node, exp.Div) and not parameter_first)):
        return ir.ValueType(ir.FLOAT)
    if x == ir.JSON and isinstance(node, exp.Sub) and not parameter_first:
        return ir.ValueType(ir.STR)
    return None


def range_operator(node: exp.Expr, a: ir.ValueType, b: ir.ValueType) -> ir.ValueType | None:
    """Of two ranges (or multiranges): + union, * intersection, - difference, of their type (a
    multirange where either is one); << and >> (strictly left of, right of) a boolean."""
    if isinstance(node, _SHIFTS):
        return ir.ValueType(ir.BOOL)
    if isinstance(node, (exp.Add, exp.Sub, exp.Mul)):
        multi = next((t for t in (a, b) if t.base in ranges.MULTIRANGES), None)
        if multi is not None:
            return multi
        return a if ranges.is_range(a) else b
    return None


def bitwise_operator(node: exp.Expr, a: ir.ValueType, b: ir.ValueType) -> ir.ValueType | None:
    """inet & inet and inet | inet are an inet, while inet << inet and >> ask whether one network
    holds the other (a boolean); on bit strings (read as text) &, |, # and the shifts give a bit
    string. None: the integer operators."""
    if not a.dims and {a.base, b.base} & {ir.INET, ir.CIDR}:
        return ir.ValueType(ir.BOOL) if isinstance(node, _SHIFTS) else ir.ValueType(ir.INET)
    if not a.dims and a.base == ir.STR and not a.literals:  # text has no such operator: a bit string
        return ir.ValueType(ir.STR)
    return None


# SQL keywords PostgreSQL reads as values where sqlglot reads a column: reserved words, so an
# unquoted one is never a column. SYSTEM_USER (16) is NULL for a session that did not authenticate.
_KEYWORD_VALUES = {"current_role": False, "user": False, "system_user": True}


class PgExpressions:
    """Handlers called with the analyzer (ExpressionTyping) as self."""

    def _t_Column(self, node: exp.Column, scope: "Scope") -> ir.Typed:
        name = node.this
        if not node.table and isinstance(name, exp.Identifier) and not name.quoted \
                and name.name.lower() in _KEYWORD_VALUES:
            return ir.Typed(ir.ValueType(ir.STR, family="string"), _KEYWORD_VALUES[name.name.lower()])
        return self._t_Column(node, scope)  # not a recursion: self is the analyzer, whose own handler this is

    def _t_Literal(self, node: exp.Literal, scope: "Scope") -> ir.Typed:
        """A number with a point or an exponent (1.5, 1e3) is numeric in PostgreSQL, as is an integer
        beyond bigint: `views * 1.5` is exact, a Decimal, never a float."""
        if node.is_string:
            return ir.Typed(TEXT, False)
        digits = str(node.this).lstrip("-+").replace("_", "")
        significant = digits.lstrip("0")
        # A bigint has at most 19 digits: the length first, as int() refuses thousands of them.
        if digits.lower().startswith(("0x", "0o", "0b")) or (
                digits.isdigit() and len(significant) <= 19 and int(significant or "0") < 2**63):
            return ir.Typed(ir.ValueType(ir.INT), False)
        return ir.Typed(ir.ValueType(ir.DECIMAL), False)

    def _t_Collate(self, node: exp.Collate, scope: "Scope") -> ir.Typed:
        """x COLLATE c: of x's type, checked to take a collation the server may have (collations.py)."""
        typed: ir.Typed = self.type_of(node.this, scope)  # type: ignore[attr-defined]
        problem = collations.problem(node, typed.type, catalog.created(self.state, "COLLATION"))  # type: ignore[attr-defined]
        if problem is not None:
            at = self.offset_of(problem[1])  # type: ignore[attr-defined]
            raise Located(problem[0], at if at is not None else self.offset_of(node))  # type: ignore[attr-defined]
        return typed

    def _t_Array(self, node: exp.Array, scope: "Scope") -> ir.Typed:
        items = node.expressions
        if len(items) == 1 and isinstance(items[0], (exp.Select, exp.SetOperation, exp.Subquery)):
            query = items[0].this if isinstance(items[0], exp.Subquery) else items[0]
            cols = self.query_columns(query, scope)  # type: ignore[attr-defined]
            return ir.Typed(array_of(cols[0][1].type, cols[0][1].nullable) if cols else ir.ValueType(ir.ANY), False)
        # NULL and quoted literals take the others' type (ARRAY[ts_col, NULL] is timestamptz[])
        known = [self.type_of(i, scope) for i in items  # type: ignore[attr-defined]
                 if not (_is_unknown(i) or isinstance(i, exp.Null))]
        if not known:
            known = [self.type_of(i, scope) for i in items if not _is_param(i)]  # type: ignore[attr-defined]
        elements = []
        for item in items:
            if _is_param(item) and known:
                self.bind(item, ir.Typed(known[0].type, False), None)  # type: ignore[attr-defined]
            elements.append(self.type_of(item, scope))  # type: ignore[attr-defined]
        self.coherent("common", "ARRAY", node, [(i, e.type) for i, e in zip(items, elements)])  # type: ignore[attr-defined]
        base = known[0].type if known and all(k.type == known[0].type for k in known) else ir.ValueType(ir.ANY)
        if items and all(_is_unknown(i) or isinstance(i, exp.Null) for i in items) and any(
                isinstance(i, exp.Literal) for i in items):
            base = ir.ValueType(ir.STR, family="string")  # ARRAY['a', NULL] is text[] (`int_col = ANY(...)` fails)
        # A parameter that may be None (sqlc.narg) is an element that may be NULL, as a column may.
        # The elements' family is kept: `int_col = ANY(ARRAY[name])` compares text with an integer.
        return ir.Typed(replace(array_of(base, any(e.nullable for e in elements)), family=base.family), False)

    def _t_Bracket(self, node: exp.Bracket, scope: "Scope") -> ir.Typed:
        subject: ir.Typed = self.type_of(node.this, scope)  # type: ignore[attr-defined]
        sliced = False
        for index in node.expressions:
            parts = [index.this, index.expression] if isinstance(index, exp.Slice) else [index]
            sliced = sliced or isinstance(index, exp.Slice)
            for part in parts:
                if part is not None:
                    self.bind(part, ir.Typed(ir.ValueType(ir.INT), False), None)  # type: ignore[attr-defined]
                    self.type_of(part, scope)  # type: ignore[attr-defined]
        if sliced:  # a[1:2] is an array again
            return subject
        if subject.type.base == ir.JSON and not subject.type.dims:  # jsonb subscripting: j['key']
            return ir.Typed(subject.type, True)
        return ir.Typed(element(subject.type), True)  # NULL past the array's bounds

    def _containment(self, node: exp.Binary, scope: "Scope") -> ir.Typed:
        self.bind_pair(node.left, node.right, scope)  # type: ignore[attr-defined]
        a, b = self.type_of(node.left, scope), self.type_of(node.right, scope)  # type: ignore[attr-defined]
        return ir.Typed(BOOL.type, a.nullable or b.nullable)

    _t_ArrayContainsAll = _containment
    _t_ArrayContainedBy = _containment
    _t_ArrayOverlaps = _containment
    _t_JSONBContains = _containment
    _t_Overlaps = _containment
    _t_Adjacent = _containment  # range -|- range
    _t_ExtendsLeft = _containment  # range &< range
    _t_ExtendsRight = _containment

    def _key_test(self, node: exp.Binary, scope: "Scope") -> ir.Typed:
        """jsonb ? 'key', ?| array['a'], ?& array['a']: the right side is text or text[]."""
        key = TEXT if isinstance(node, exp.JSONBContainsTopKey) else array_of(TEXT)
        self.bind(node.expression, ir.Typed(key, False), None)  # type: ignore[attr-defined]
        a, b = self.type_of(node.this, scope), self.type_of(node.expression, scope)  # type: ignore[attr-defined]
        return ir.Typed(BOOL.type, a.nullable or b.nullable)

    _t_JSONBContainsTopKey = _key_test
    _t_JSONBContainsAnyTopKeys = _key_test
    _t_JSONBContainsAllTopKeys = _key_test

    def _t_SimilarTo(self, node: exp.SimilarTo, scope: "Scope") -> ir.Typed:
        subject = self.type_of(node.this, scope)  # type: ignore[attr-defined]
        self.bind(node.expression, ir.Typed(TEXT, subject.nullable), self.context_name(node.this))  # type: ignore[attr-defined]
        pattern = self.type_of(node.expression, scope)  # type: ignore[attr-defined]
        return ir.Typed(BOOL.type, subject.nullable or pattern.nullable)

    def _t_MatchAgainst(self, node: exp.Expr, scope: "Scope") -> ir.Typed:
        """tsvector @@ tsquery, jsonb @@ jsonpath: a parameter there is a query or a path, a str
        (psycopg sends one as of unknown type, which the server reads as the operator's)."""
        for child in node.iter_expressions():
            self.bind(child, ir.Typed(ir.ValueType(ir.STR), False), None)  # type: ignore[attr-defined]
        parts = [self.type_of(c, scope) for c in node.iter_expressions()]  # type: ignore[attr-defined]
        return ir.Typed(BOOL.type, any(p.nullable for p in parts))

    def _t_JSONBPathExists(self, node: exp.Binary, scope: "Scope") -> ir.Typed:  # jsonb @? jsonpath
        self.bind(node.expression, ir.Typed(ir.ValueType(ir.STR), False), None)  # type: ignore[attr-defined]
        a, b = self.type_of(node.this, scope), self.type_of(node.expression, scope)  # type: ignore[attr-defined]
        return ir.Typed(BOOL.type, a.nullable or b.nullable)

    def _t_Distance(self, node: exp.Binary, scope: "Scope") -> ir.Typed:  # a <-> b (pg_trgm, geometry)
        self.bind_pair(node.left, node.right, scope)  # type: ignore[attr-defined]
        a, b = self.type_of(node.left, scope), self.type_of(node.right, scope)  # type: ignore[attr-defined]
        return ir.Typed(ir.ValueType(ir.FLOAT), a.nullable or b.nullable)

    def _t_JSONBDeleteAtPath(self, node: exp.Binary, scope: "Scope") -> ir.Typed:  # jsonb #- path
        self.bind(node.expression, ir.Typed(array_of(TEXT), False), None)  # type: ignore[attr-defined]
        a, b = self.type_of(node.this, scope), self.type_of(node.expression, scope)  # type: ignore[attr-defined]
        return ir.Typed(ir.ValueType(ir.JSON), a.nullable or b.nullable)

    def _t_WithinGroup(self, node: exp.WithinGroup, scope: "Scope") -> ir.Typed:
        """An ordered-set aggregate, f(args) WITHIN GROUP (ORDER BY key): percentile_cont is a
        double precision (an interval over intervals), percentile_disc and mode the key's type, each
        an array of them for an array of fractions, NULL over no rows; the hypothetical-set rank and
        dense_rank are a bigint, percent_rank and cume_dist a double precision, never NULL."""
        order = node.expression
        keys = [o.this for o in order.expressions] if isinstance(order, exp.Order) else []
        key = [self.type_of(k, scope) for k in keys]  # type: ignore[attr-defined]
        inner = node.this
        args = list(inner.iter_expressions()) if isinstance(inner, exp.Expr) else []
        name = type(inner).__name__
        fractions = name in ("PercentileCont", "PercentileDisc")
        if fractions:
            for arg in args:
                self.bind(arg, ir.Typed(ir.ValueType(ir.FLOAT), False), "fraction")  # type: ignore[attr-defined]
        typed = [self.type_of(a, scope) for a in args]  # type: ignore[attr-defined]
        dims = 1 if fractions and typed and typed[0].type.dims else 0
        first = key[0].type if key else ir.ValueType(ir.ANY)
        if name == "PercentileCont":
            base = first if first.base == ir.INTERVAL else ir.ValueType(ir.FLOAT)
            return ir.Typed(replace(base, dims=dims), True)
        if name in ("PercentileDisc", "Mode"):
            return ir.Typed(replace(first, dims=dims), True)
        if name in ("Rank", "DenseRank"):
            return ir.Typed(ir.ValueType(ir.INT), False)
        if name in ("PercentRank", "CumeDist"):
            return ir.Typed(ir.ValueType(ir.FLOAT), False)
        return ir.Typed(ir.ValueType(ir.ANY), True)

    def _t_JSONValue(self, node: exp.Expr, scope: "Scope") -> ir.Typed:
        """JSON_VALUE(doc, path [RETURNING type]) (PostgreSQL 17): the scalar at path, as text unless
        RETURNING says otherwise; NULL where the path finds nothing (NULL ON EMPTY by default)."""
        self.bind(node.this, ir.Typed(ir.ValueType(ir.JSON), False), "doc")  # type: ignore[attr-defined]
        for child in node.iter_expressions():
            self.type_of(child, scope)  # type: ignore[attr-defined]
        returning = node.args.get("returning")
        if isinstance(returning, exp.DataType):
            return ir.Typed(self.cast_type(returning), True)  # type: ignore[attr-defined]
        return ir.Typed(ir.ValueType(ir.STR, family="string"), True)

    def _t_Interval(self, node: exp.Interval, scope: "Scope") -> ir.Typed:
        inner = self.type_of(node.this, scope) if node.this is not None else BOOL  # type: ignore[attr-defined]
        return ir.Typed(ir.ValueType(ir.INTERVAL), inner.nullable)

    def _t_AtTimeZone(self, node: exp.AtTimeZone, scope: "Scope") -> ir.Typed:
        value = self.type_of(node.this, scope)  # type: ignore[attr-defined]
        self.bind(node.args["zone"], ir.Typed(TEXT, False), None)  # type: ignore[attr-defined]
        zone = self.type_of(node.args["zone"], scope)  # type: ignore[attr-defined]
        # timestamptz AT TIME ZONE z is a local timestamp, and the other way round
        base = {ir.DATETIME_TZ: ir.DATETIME, ir.DATETIME: ir.DATETIME_TZ}.get(value.type.base, value.type.base)
        return ir.Typed(ir.ValueType(base), value.nullable or zone.nullable)


    def _t_DPipe(self, node: exp.DPipe, scope: "Scope") -> ir.Typed:
        parts = [self.type_of(part, scope) for part in (node.left, node.right)]  # type: ignore[attr-defined]
        if any(p.type.dims for p in parts):  # array || element, array || array
            for side, other in ((node.left, parts[1]), (node.right, parts[0])):
                self.bind(side, ir.Typed(other.type, False), None)  # type: ignore[attr-defined]
            array = next(p.type for p in parts if p.type.dims)
            # a NULL element of either array, or a NULL element appended, is an element of the result
            holds_null = any(p.type.nullable_elements or (p.nullable and p.type.dims < array.dims) for p in parts)
            return ir.Typed(replace(array, nullable_elements=holds_null), all(p.nullable for p in parts))
        if any(p.type.base == ir.JSON for p in parts):  # jsonb || jsonb: a jsonb, NULL when either is
            for side in (node.left, node.right):
                self.bind(side, ir.Typed(ir.ValueType(ir.JSON), False), None)  # type: ignore[attr-defined]
            return ir.Typed(ir.ValueType(ir.JSON), any(p.nullable for p in parts))
        # A parameter or a string literal is of unknown type: it takes the other side's (bytea || 'b'
        # is bytea, 'a' || 'b' text).
        known = [p.type.base for p, side in zip(parts, (node.left, node.right)) if not _is_unknown(side)]
        result = ir.ValueType(ir.BYTES) if known and all(b == ir.BYTES for b in known) else TEXT  # bytea || bytea
        for side in (node.left, node.right):  # $1 || 'x': text
            self.bind(side, ir.Typed(result, False), None)  # type: ignore[attr-defined]
        return ir.Typed(result, any(p.nullable for p in parts))


def _is_param(node: exp.Expr) -> bool:
    return placeholder_index(node) is not None


def _is_unknown(node: exp.Expr) -> bool:
    return _is_param(node) or (isinstance(node, exp.Literal) and node.is_string)


HANDLERS: "dict[str, Handler]" = {name[len("_t_"):]: handler for name, handler in vars(PgExpressions).items()
                                  if name.startswith("_t_")}

__all__ = ["HANDLERS", "operand_parameter_type", "temporal_arithmetic"]
