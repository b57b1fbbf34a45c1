"""Typing comparisons: `=` and the other comparison operators, `x op ANY/ALL(arr)`, rows compared
entry by entry, BETWEEN and IN. A mixin of ExpressionTyping (expressions.py), kept apart because
these carry most of the checks PostgreSQL makes when it prepares a comparison (widths of rows,
elements of an array, a sub-select's columns), and each side's parameter takes the other's type."""

from __future__ import annotations

import dataclasses
from typing import Callable, Protocol

from sqlglot import exp

from .. import ir
from ..errors import Located
from .quantified import array_text_items, quantified_array
from .scope import Scope
from .types import BOOL, NULL, STR, ParamInfo, array_of, element, placeholder_index

# How each comparison is spelt in the engine's messages (operand_problem's label).
_OPERATORS: dict[type, str] = {exp.EQ: "=", exp.NEQ: "<>", exp.LT: "<", exp.LTE: "<=", exp.GT: ">", exp.GTE: ">=",
                               exp.Like: "~~", exp.ILike: "~~*", exp.NullSafeEQ: "IS NOT DISTINCT FROM",
                               exp.NullSafeNEQ: "IS DISTINCT FROM", exp.RegexpLike: "~"}


class _Typing(Protocol):
    """What the comparison rules use of ExpressionTyping."""

    params: dict[int, ParamInfo]
    offset_of: Callable[[exp.Expr], int | None]

    def type_of(self, node: exp.Expr, scope: Scope) -> ir.Typed: ...
    def bind(self, node: exp.Expr, typed: ir.Typed, name: str | None) -> bool: ...
    def bind_pair(self, left: exp.Expr, right: exp.Expr, scope: Scope) -> None: ...
    def bind_quantified(self, left: exp.Expr, right: exp.Expr, scope: Scope) -> bool: ...
    def bind_cast_override(self, node: exp.Expr, context: ir.Typed) -> None: ...
    def context_name(self, node: exp.Expr) -> str | None: ...
    def context_type(self, node: exp.Expr, scope: Scope) -> ir.Typed: ...
    def coherent(self, rule: str, label: str, node: exp.Expr,
                 operands: list[tuple[exp.Expr, ir.ValueType]]) -> None: ...
    def same_width(self, left: exp.Tuple, right: exp.Expr) -> None: ...
    def query_columns(self, node: exp.Expr, scope: Scope | None) -> list[tuple[str, ir.Typed, str | None]]: ...


class ComparisonTyping:
    """Mixin: the comparison rules of ExpressionTyping (which provides everything _Typing names)."""

    def bind_quantified(self: _Typing, left: exp.Expr, right: exp.Expr, scope: Scope) -> bool:
        """x = ANY($1) / ALL($1) / SOME($1): the parameter is an array of x's type (and a
        parameter on the left is of the array's element type). True when one side is such."""
        for side, other in ((right, left), (left, right)):
            if not (isinstance(side, exp.Any) or (isinstance(side, exp.Anonymous) and len(side.expressions) == 1
                                                  and str(side.name).upper() in ("ALL", "SOME"))):
                continue
            inner = side.this if isinstance(side, exp.Any) else side.expressions[0]
            inner = inner.unnest() if isinstance(inner, exp.Paren) else inner
            context = self.context_type(other, scope)
            self.bind(inner, ir.Typed(array_of(context.type), False), self.context_name(other))
            self.bind_cast_override(inner, ir.Typed(array_of(context.type), False))
            if placeholder_index(other) is not None:
                self.bind(other, ir.Typed(element(self.type_of(inner, scope).type), False), None)
            return True
        return False

    def _comparison(self: _Typing, node: exp.Binary, scope: Scope) -> ir.Typed:
        left, right = node.left, node.right
        if isinstance(node, exp.Is):
            self.bind(left, ir.Typed(self.type_of(left, scope).type, True), self.context_name(right))
            if placeholder_index(left) is None:
                self.bind(right, NULL, None)
            self.type_of(left, scope)
            self.type_of(right, scope)
            return BOOL
        if isinstance(node, (exp.Like, exp.ILike, exp.Glob)):
            self.bind(right, ir.Typed(STR.type, self.type_of(left, scope).nullable), self.context_name(left))
        rows = isinstance(left, exp.Tuple) and isinstance(right, exp.Tuple)
        if isinstance(left, exp.Tuple) and rows:  # (a, b) = ($1, $2)
            self.same_width(left, right)
            for x, y in zip(left.expressions, right.expressions):
                self.bind_pair(x, y, scope)
        if not self.bind_quantified(left, right, scope):  # x = ANY($1)
            self.bind_pair(left, right, scope)
        a, b = self.type_of(left, scope), self.type_of(right, scope)
        operator = _OPERATORS.get(type(node), "=")
        if rows:  # compared entry by entry
            for x, y in zip(left.expressions, right.expressions):
                self.coherent("compare", operator, node, [(x, self.type_of(x, scope).type), (y, self.type_of(y, scope).type)])
        elif (array := quantified_array(right)) is not None:  # x = ANY(arr): x against arr's elements
            t = self.type_of(array, scope).type
            if t.dims:
                self.coherent("compare", operator, node, [(left, a.type), (array, dataclasses.replace(t, dims=t.dims - 1))])
            elif isinstance(array, exp.Literal) and array.is_string:  # x = ANY('{1,2}'): each item read as x's type
                items = [exp.Literal.string(item) for item in array_text_items(str(array.this))]
                self.coherent("compare", operator, node, [(left, a.type)] + [(item, ir.ValueType(ir.ANY)) for item in items])
        elif isinstance(left, exp.Tuple) != isinstance(right, exp.Tuple):  # (a, b) < (x): a row and a value
            value, typed = (right, b) if isinstance(left, exp.Tuple) else (left, a)
            if typed.type.base != ir.ANY and not typed.type.dims and placeholder_index(value) is None \
                    and not isinstance(value.unnest() if isinstance(value, exp.Paren) else value,
                                       (exp.Any, exp.All, exp.Anonymous, exp.Subquery, exp.Select, exp.Null)):
                raise Located(f"operator does not exist: record {operator} a single value: a row is compared "
                              "with a row of as many values", self.offset_of(value))
        elif not any(isinstance(side, (exp.Any, exp.All, exp.Anonymous, exp.Tuple)) for side in (left, right)):
            self.coherent("compare", operator, node, [(left, a.type), (right, b.type)])
        if isinstance(node, (exp.NullSafeEQ, exp.NullSafeNEQ)):
            return BOOL
        return ir.Typed(BOOL.type, a.nullable or b.nullable)

    def same_width(self: _Typing, left: exp.Tuple, right: exp.Expr) -> None:
        """Rows compared are of one width: `(a, b) = (1, 2, 3)` fails at every call on both engines."""
        if isinstance(right, exp.Tuple) and len(right.expressions) != len(left.expressions):
            at = right.expressions[0] if right.expressions else right
            raise Located("unequal number of entries in row expressions", self.offset_of(at))

    def _t_Between(self: _Typing, node: exp.Between, scope: Scope) -> ir.Typed:
        subject = self.context_type(node.this, scope)
        name = self.context_name(node.this)
        for bound in ("low", "high"):
            self.bind(node.args[bound], subject, name)
        # The subject's nullability as read here (the optional side of an outer join is NULL),
        # not the declared one its parameters take.
        parts = [self.type_of(node.this, scope)] + [self.type_of(node.args[b], scope) for b in ("low", "high")]
        self.coherent("compare", "BETWEEN", node, [(node.this, parts[0].type), (node.args["low"], parts[1].type),
                                                   (node.args["high"], parts[2].type)])
        return ir.Typed(BOOL.type, any(p.nullable for p in parts))

    def _t_In(self: _Typing, node: exp.In, scope: Scope) -> ir.Typed:
        subject = self.context_type(node.this, scope)
        name = self.context_name(node.this)
        subject_read = self.type_of(node.this, scope)
        nullable = subject_read.nullable  # as read here: an outer join's side is NULL
        query = node.args.get("query")
        if query is not None:
            cols = self.query_columns(query.unnest() if isinstance(query, exp.Subquery) else query, scope)
            # `x IN (SELECT a, b ...)` fails at every call on both engines; `(x, y) IN (SELECT a, b ...)` is a row.
            width = len(node.this.expressions) if isinstance(node.this, exp.Tuple) else 1
            if len(cols) != width:
                raise Located(f"sub-select returns {len(cols)} columns - expected {width}", self.offset_of(query))
            if isinstance(node.this, exp.Tuple):  # (a, b) IN (SELECT x, y ...): entry by entry
                for x, (_, col, _) in zip(node.this.expressions, cols):
                    self.coherent("compare", "=", node, [(x, self.type_of(x, scope).type), (query, col.type)])
            if len(cols) == 1:
                self.bind(node.this, cols[0][1], cols[0][0])
                nullable = nullable or cols[0][1].nullable
                self.coherent("compare", "=", node, [(node.this, subject_read.type), (query, cols[0][1].type)])
        operands = [(node.this, subject_read.type)]
        for item in node.expressions:
            self.bind(item, ir.Typed(subject.type, subject.nullable), name)
            typed = self.type_of(item, scope)
            nullable = typed.nullable or nullable
            operands.append((item, typed.type))
        if node.expressions and not isinstance(node.this, exp.Tuple):
            self.coherent("compare", "=", node, operands)
        elif isinstance(node.this, exp.Tuple):  # (a, b) IN ((1, 2), (3, 4)): entry by entry
            for item in node.expressions:
                self.same_width(node.this, item)
                if isinstance(item, exp.Tuple):
                    for x, y in zip(node.this.expressions, item.expressions):
                        self.coherent("compare", "=", node, [(x, self.type_of(x, scope).type),
                                                             (y, self.type_of(y, scope).type)])
        unnest = node.args.get("unnest")
        if unnest is not None:
            self.type_of(unnest, scope)
        return ir.Typed(BOOL.type, nullable)
