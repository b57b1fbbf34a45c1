"""Expression typing for syntax only PostgreSQL has: arrays, containment and JSON key operators,
intervals, AT TIME ZONE, date/time arithmetic.

A mixin of ExpressionTyping: its `_t_<sqlglot class>` handlers are found by name like the others
(SQLite never produces these node kinds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from .. import ir
from ..errors import Located
from . import pg_functions

if TYPE_CHECKING:
    from .scope import Scope

BOOL = ir.Typed(ir.ValueType(ir.BOOL), False)
TEXT = ir.ValueType(ir.STR)
_TEMPORAL = {ir.DATE, ir.DATETIME, ir.DATETIME_TZ, ir.TIME}


def element(t: ir.ValueType) -> ir.ValueType:
    return ir.ValueType(t.base, t.literals, t.enum, max(t.dims - 1, 0))


def array_of(t: ir.ValueType) -> ir.ValueType:
    return ir.ValueType(t.base, t.literals, t.enum, t.dims + 1)


def temporal_arithmetic(node: exp.Expr, a: ir.ValueType, b: ir.ValueType) -> ir.ValueType | None:
    """timestamp - timestamp is an interval, timestamp + interval a timestamp, date - date an
    integer, date + integer a date, interval * number an interval."""
    x, y = a.base, b.base
    if isinstance(node, exp.Sub) and x == y and x in (ir.DATETIME, ir.DATETIME_TZ, ir.TIME):
        return ir.ValueType(ir.INTERVAL)
    if isinstance(node, exp.Sub) and x == y == ir.DATE:
        return ir.ValueType(ir.INT)
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


class PgExpressions:
    """Needs what ExpressionTyping has: type_of, bind, bind_pair, context_name, query_columns."""

    def pg_call(self, node: exp.Expr, arg_type: "pg_functions.ArgType", grouped: bool,
                filtered: bool) -> ir.Typed | None:
        """A function call: checked against the known functions, its parameters typed by the
        function's argument types, then its result."""
        functions = self.state.functions  # type: ignore[attr-defined]
        problem = pg_functions.check(node, functions)
        if problem is not None:
            raise Located(problem, self.offset_of(node))  # type: ignore[attr-defined]
        for arg, typed, name in pg_functions.arg_hints(node, functions):
            self.bind(arg, typed, name)  # type: ignore[attr-defined]
        return pg_functions.infer_call(node, arg_type, grouped=grouped, filtered=filtered, functions=functions)

    def bind_quantified(self, left: exp.Expr, right: exp.Expr, scope: "Scope") -> bool:
        """x = ANY($1) / ALL($1) / SOME($1): the parameter is an array of x's type (and a
        parameter on the left is of the array's element type). True when one side is such."""
        for side, other in ((right, left), (left, right)):
            if not (isinstance(side, exp.Any) or (isinstance(side, exp.Anonymous) and len(side.expressions) == 1
                                                  and str(side.name).upper() in ("ALL", "SOME"))):
                continue
            inner = side.this if isinstance(side, exp.Any) else side.expressions[0]
            inner = inner.unnest() if isinstance(inner, exp.Paren) else inner
            context = self.context_type(other, scope)  # type: ignore[attr-defined]
            self.bind(inner, ir.Typed(array_of(context.type), False), self.context_name(other))  # type: ignore[attr-defined]
            if _is_param(other):
                self.bind(other, ir.Typed(element(self.type_of(inner, scope).type), False), None)  # type: ignore[attr-defined]
            return True
        return False

    def _t_Array(self, node: exp.Array, scope: "Scope") -> ir.Typed:
        items = node.expressions
        if len(items) == 1 and isinstance(items[0], (exp.Select, exp.SetOperation, exp.Subquery)):
            query = items[0].this if isinstance(items[0], exp.Subquery) else items[0]
            cols = self.query_columns(query, scope)  # type: ignore[attr-defined]
            return ir.Typed(array_of(cols[0][1].type) if cols else ir.ValueType(ir.ANY), False)
        known = [self.type_of(i, scope) for i in items if not _is_param(i)]  # type: ignore[attr-defined]
        for item in items:
            if _is_param(item) and known:
                self.bind(item, ir.Typed(known[0].type, False), None)  # type: ignore[attr-defined]
            self.type_of(item, scope)  # type: ignore[attr-defined]
        base = known[0].type if known and all(k.type == known[0].type for k in known) else ir.ValueType(ir.ANY)
        return ir.Typed(array_of(base), False)

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

    def _t_MatchAgainst(self, node: exp.Expr, scope: "Scope") -> ir.Typed:  # tsvector @@ tsquery
        parts = [self.type_of(c, scope) for c in node.iter_expressions()]  # type: ignore[attr-defined]
        return ir.Typed(BOOL.type, any(p.nullable for p in parts))

    def _t_Distance(self, node: exp.Binary, scope: "Scope") -> ir.Typed:  # a <-> b (pg_trgm, geometry)
        self.bind_pair(node.left, node.right, scope)  # type: ignore[attr-defined]
        a, b = self.type_of(node.left, scope), self.type_of(node.right, scope)  # type: ignore[attr-defined]
        return ir.Typed(ir.ValueType(ir.FLOAT), a.nullable or b.nullable)

    def _t_JSONBDeleteAtPath(self, node: exp.Binary, scope: "Scope") -> ir.Typed:  # jsonb #- path
        self.bind(node.expression, ir.Typed(array_of(TEXT), False), None)  # type: ignore[attr-defined]
        a, b = self.type_of(node.this, scope), self.type_of(node.expression, scope)  # type: ignore[attr-defined]
        return ir.Typed(ir.ValueType(ir.JSON), a.nullable or b.nullable)

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


def _is_param(node: exp.Expr) -> bool:
    from .expressions import placeholder_index

    return placeholder_index(node) is not None


__all__ = ["PgExpressions", "array_of", "element", "temporal_arithmetic"]
