"""Types and nullability of expressions, and of parameters from their context.

Nullability is worked out here, not by sqlglot: a column is as nullable as
its declaration and its source (an outer join's optional side is nullable);
operators propagate NULL; COALESCE is non-null when any argument is; CASE is
nullable when any branch or a missing ELSE is; scalar subqueries can return
no row. A parameter takes the type, nullability and name of what it is
compared with, assigned to or inserted into.
"""

from __future__ import annotations

import dataclasses

from abc import abstractmethod
from typing import TYPE_CHECKING, Callable, Mapping, Protocol

from sqlglot import exp

from .. import ir
from ..catalog.state import CatalogEngine
from ..engines import ArgType
from ..errors import Located
from . import calls
from .comparisons import ComparisonTyping
from .composites import composite_field
from .result_names import CASE_RULE, as_written
from .scope import Scope, Source, identifier_offset
from .types import (ANY, ARITHMETIC, BOOL, COMPARISONS, FLOAT, INT, NULL, SIBLING_TYPED, STR, ParamInfo, is_null_literal, numeric_type,
                    merge, merge_types, placeholder_index)

if TYPE_CHECKING:
    from ..catalog.state import SchemaState

# Engine-only typing of a node kind: called with the analyzer, the node and its scope.
Handler = Callable[["ExpressionTyping", exp.Expr, Scope], ir.Typed]



def _magnitude(digits: str) -> int:
    """The value of a literal's digits, capped past 2**63: int() refuses a number of thousands of
    digits (Python's guard against quadratic conversion), and any of them is beyond 64 bits."""
    significant = digits.lstrip("0")
    return int(significant or "0") if len(significant) <= 19 else 2**63 + 1

class ExpressionEngine(CatalogEngine, Protocol):
    """What expression typing asks of the engine, besides the catalog's questions."""

    expression_handlers: Mapping[str, Handler] = {}  # engine-only typing by sqlglot class name

    @abstractmethod
    def cast_type(self, state: SchemaState, to: exp.DataType) -> ir.ValueType:
        """The value type of CAST(x AS to)."""

    @abstractmethod
    def call_type(self, an: ExpressionTyping, node: exp.Expr, arg_type: ArgType, grouped: bool,
                  filtered: bool) -> ir.Typed | None:
        """A function call's result (None: unknown function), its parameters typed on the way."""


class ExpressionTyping(ComparisonTyping):
    """Mixin (the comparison rules are ComparisonTyping's, comparisons.py): needs self.state, self.params, self.engine, self.offset_of(node), self.query_columns(...)."""

    engine: ExpressionEngine
    state: SchemaState
    params: dict[int, ParamInfo]
    offset_of: Callable[[exp.Expr], int | None]

    def query_columns(self, node: exp.Expr, scope: Scope | None) -> list[tuple[str, ir.Typed, str | None]]:
        raise NotImplementedError

    # -- parameters ------------------------------------------------------------
    def bind(self, node: exp.Expr, typed: ir.Typed, name: str | None) -> bool:
        """Give a parameter the type of its context; True when node is a parameter."""
        index = placeholder_index(node)
        if index is None:
            if isinstance(node, exp.Array) and typed.type.dims:  # ARRAY[$1, $2] into an array column: its items
                item_type = typed.type.element()
                if typed.type.parameter_cast.endswith("[]"):
                    # sent as the element's type: psycopg sends 1 as a smallint, and no operator
                    # takes integer[] and the smallint[] ARRAY[$1] would be
                    item_type = dataclasses.replace(item_type, parameter_cast=typed.type.parameter_cast[:-2])
                for item in node.expressions:
                    self.bind(item, ir.Typed(item_type, False), name)
            return False
        info = self.params[index]
        info.hints.append((typed, name))
        return True

    def context_name(self, node: exp.Expr) -> str | None:
        node = node.unnest() if isinstance(node, exp.Paren) else node
        if isinstance(node, exp.Column) and not isinstance(node.this, exp.Star):
            # the column's name as the database knows it: `o.ID > $1` takes the id (PostgreSQL)
            return as_written(node.name, node.this, self.engine.folds_identifiers)
        if isinstance(node, (exp.Cast, exp.TryCast, exp.Collate)):
            return self.context_name(node.this)
        return None

    def bind_cast_override(self, node: exp.Expr, context: ir.Typed) -> None:
        """`col = @x::text`, `col = ANY(@x::text[])`: a parameter cast to exactly the type of the
        column it is compared with takes the column's configured Python type (overrides) too, so
        its value is converted as the column's (a plain Enum member sent as its value: psycopg
        dumps a member by name). The cast gives the parameter its type, this only its override."""
        node = node.unnest() if isinstance(node, exp.Paren) else node
        if not isinstance(node, exp.Cast) or placeholder_index(node.this) is None or context.type.override is None:
            return
        target, column = self.cast_type(node.args["to"]), context.type
        if (target.base, target.dims, target.enum) == (column.base, column.dims, column.enum):
            self.bind(node.this, ir.Typed(column, False), self.context_name(node.this))

    def bind_pair(self, left: exp.Expr, right: exp.Expr, scope: Scope) -> None:
        """Comparison-like pairs: each side's parameter takes the other side's type."""
        for param, other in ((left, right), (right, left)):
            if isinstance(other, exp.Column):
                self.bind_cast_override(param, self.context_type(other, scope))
            if isinstance(param, exp.Array) and not isinstance(other, exp.Array) and placeholder_index(other) is None:
                self.bind(param, self.context_type(other, scope), None)  # ARRAY[$1] @> int_col: its items
            index = placeholder_index(param)
            if index is not None and placeholder_index(other) is None:
                typed = self.context_type(other, scope)
                self.bind(param, typed, self.context_name(other))
                compared = self.params[index].compared
                compared.append((other, typed.type))
                self.coherent("parameter", self.params[index].name_hint() or "", param, compared)
                return

    def context_type(self, node: exp.Expr, scope: Scope) -> ir.Typed:
        """What a parameter compared with node should be: a column's declared type and
        nullability (an outer join making the column nullable is no reason to pass NULL)."""
        inner = node.unnest() if isinstance(node, exp.Paren) else node
        if isinstance(inner, exp.Collate):
            return self.context_type(inner.this, scope)
        if isinstance(inner, exp.Column) and not isinstance(inner.this, exp.Star):
            try:
                _, col = scope.resolve(inner, None)
                return col.typed
            except Located:
                pass
        return self.type_of(node, scope)

    def coherent(self, rule: str, label: str, node: exp.Expr, operands: list[tuple[exp.Expr, ir.ValueType]]) -> None:
        """Values the engine cannot put together (engine.operand_problem) are an error here."""
        problem = self.engine.operand_problem(rule, label, node, operands)
        if problem is not None:  # where the value is, else where the construct is (TRUE keeps no place)
            at = self.offset_of(problem[1])
            raise Located(problem[0], at if at is not None else self.offset_of(node))

    def condition(self, clause: str, node: exp.Expr, scope: Scope) -> ir.Typed:
        """A clause's condition (WHERE, HAVING, JOIN/ON) typed, and checked to be one."""
        self.bind(node, BOOL, None)  # WHERE $1: a boolean
        typed = self.type_of(node, scope)
        self.coherent("condition", clause, node, [(node, typed.type)])
        return typed

    # -- expressions -----------------------------------------------------------
    def type_of(self, node: exp.Expr, scope: Scope) -> ir.Typed:
        index = placeholder_index(node)
        if index is not None:
            info = self.params[index]
            info.seen = True
            return info.typed() if info.hints else ir.Typed(ANY.type, info.forced_nullable)
        kind = type(node).__name__
        special = self.engine.expression_handlers.get(kind)
        if isinstance(node, exp.Literal):  # a value written out, taken for one of a configured type's beside it
            typed: ir.Typed = special(self, node, scope) if special is not None else self._t_Literal(node, scope)
            return ir.Typed(dataclasses.replace(typed.type, literal=True), typed.nullable)
        if special is not None:
            return special(self, node, scope)
        handler = getattr(self, "_t_" + kind, None)
        if handler is not None:
            return handler(node, scope)  # type: ignore[no-any-return]
        if isinstance(node, COMPARISONS):
            return self._comparison(node, scope)
        if isinstance(node, ARITHMETIC):
            return self._arithmetic(node, scope)
        if isinstance(node, (exp.Func, exp.Anonymous)):
            if calls.needs_over(node):
                name = self.engine.call_name(node).lower()
                raise Located(f"window function {name}() requires an OVER clause", self.offset_of(calls.named_at(node, name)))
            return self._call(node, scope)
        if isinstance(node, exp.Unary):
            return self.type_of(node.this, scope)
        # Unknown node kinds: type their children (params, subqueries, names must still
        # be checked), and say honestly that the result is not known.
        for child in node.iter_expressions():
            self.type_of(child, scope)
        return NULL

    def _t_Column(self, node: exp.Column, scope: Scope) -> ir.Typed:
        if isinstance(node.this, exp.Star):
            raise Located("a `*` is only allowed in a result column list", self.offset_of(node))
        if not node.table and node.name.lower() in scope.aliases and not _in_scope(scope, node.name):
            return scope.aliases[node.name.lower()]
        try:
            src, col = scope.resolve(node, self.offset_of(node))
        except Located:
            if not node.table and node.name.lower() in _all_aliases(scope):
                return _all_aliases(scope)[node.name.lower()]
            if self.engine.double_quoted_strings and node.this.args.get("quoted") and not node.table \
                    and isinstance(node.this, exp.Identifier) and getattr(self, "dq_fallback", False):
                return STR  # SQLite reads an unknown "name" as the string 'name'
            raise
        if node.table:
            self.named_as_in_from(src, node.args["table"])
        written = as_written(node.name, node.this, self.engine.folds_identifiers)
        if self.engine.folds_identifiers and col.name != written:
            # The scope finds a column whatever its case; PostgreSQL does not: "Qty" is not qty.
            raise Located(f"no such column: {node.table + '.' if node.table else ''}{written} (the column is "
                          f'"{col.name}": {CASE_RULE})', self.offset_of(node))
        return src.typed(col)

    def named_as_in_from(self, src: Source, qualifier: exp.Expr) -> None:
        """`x.col` or `x.*` names its FROM item as the server names it (the scope finds it whatever
        the case): PostgreSQL's `FROM items AS "X"` has no x, and `FROM items X` no "X"."""
        if not isinstance(qualifier, exp.Identifier) or not self.engine.folds_identifiers:
            return
        alias = as_written(qualifier.name, qualifier, True)
        if src.alias and src.alias != alias:
            raise Located(f'missing FROM-clause entry for table "{alias}" (the FROM item is "{src.alias}": '
                          f"{CASE_RULE})", identifier_offset(qualifier))

    def _t_Dot(self, node: exp.Dot, scope: Scope) -> ir.Typed:
        if isinstance(node.this, exp.Identifier) and isinstance(node.expression, (exp.Func, exp.Anonymous)):
            return self.type_of(node.expression, scope)  # schema.function(...)
        for child in node.iter_expressions():
            if not isinstance(child, exp.Identifier):
                whole = self.type_of(child, scope)  # (composite).field: parameters and names inside still count
                if whole.type.composite and not whole.type.dims and isinstance(node.expression, exp.Identifier):
                    return composite_field(self.state, whole.type.composite, node.expression)
        return NULL

    def _t_Identifier(self, node: exp.Identifier, scope: Scope) -> ir.Typed:
        return self._t_Column(exp.Column(this=node), scope)

    def _t_Literal(self, node: exp.Literal, scope: Scope) -> ir.Typed:
        if node.is_string:
            return STR
        text = str(node.this)
        digits = text.lstrip("-+")
        if digits.isdigit():  # an integer beyond 64 bits is read as REAL: 99999999999999999999 is 1e+20
            return INT if _magnitude(digits) < 2**63 else FLOAT
        return INT if text.lower().startswith("0x") else FLOAT

    def _t_Null(self, node: exp.Null, scope: Scope) -> ir.Typed:
        return NULL

    def _t_Boolean(self, node: exp.Boolean, scope: Scope) -> ir.Typed:
        return BOOL

    def _t_Paren(self, node: exp.Paren, scope: Scope) -> ir.Typed:
        return self.type_of(node.this, scope)

    def _t_Alias(self, node: exp.Alias, scope: Scope) -> ir.Typed:
        return self.type_of(node.this, scope)

    def _t_Neg(self, node: exp.Neg, scope: Scope) -> ir.Typed:
        literal = node.this
        if isinstance(literal, exp.Literal) and not literal.is_string and str(literal.this).isdigit() \
                and _magnitude(str(literal.this)) == 2**63:
            return INT  # -9223372036854775808, the smallest 64-bit integer, is still one
        # -x is numeric whatever x is: -'1.5' is -1.5, -'abc' is 0.
        inner = self.type_of(node.this, scope)
        self.coherent("arithmetic", "-", node, [(node.this, inner.type)])
        numeric = inner.type.base in (ir.INT, ir.FLOAT, ir.DECIMAL, ir.INTERVAL)
        base = inner.type.base if numeric else (ir.INT if inner.type.base == ir.BOOL else ir.ANY)
        return ir.Typed(ir.ValueType(base), inner.nullable)

    def _t_Escape(self, node: exp.Escape, scope: Scope) -> ir.Typed:
        # x LIKE p ESCAPE e, or like(p, x, e): NULL only from a NULL operand.
        parts = [self.type_of(part, scope) for part in node.iter_expressions()]
        return ir.Typed(BOOL.type, any(p.nullable for p in parts))

    def _t_Collate(self, node: exp.Collate, scope: Scope) -> ir.Typed:
        return self.type_of(node.this, scope)

    def _t_Not(self, node: exp.Not, scope: Scope) -> ir.Typed:
        self.bind(node.this, BOOL, None)  # NOT $1: a boolean (PostgreSQL takes nothing else)
        inner = self.type_of(node.this, scope)
        self.coherent("condition", "NOT", node, [(node.this, inner.type)])
        return ir.Typed(BOOL.type, inner.nullable)

    def _t_And(self, node: exp.Connector, scope: Scope) -> ir.Typed:
        for operand in (node.left, node.right):  # $1 AND x: a boolean
            self.bind(operand, BOOL, None)
        left, right = self.type_of(node.left, scope), self.type_of(node.right, scope)
        for operand, typed in ((node.left, left), (node.right, right)):
            self.coherent("condition", type(node).__name__.upper(), node, [(operand, typed.type)])
        return ir.Typed(BOOL.type, left.nullable or right.nullable)

    _t_Or = _t_And
    _t_Xor = _t_And

    def _t_DPipe(self, node: exp.DPipe, scope: Scope) -> ir.Typed:
        parts = [self.type_of(part, scope) for part in (node.left, node.right)]
        return ir.Typed(STR.type, any(p.nullable for p in parts))

    def _arithmetic(self, node: exp.Binary, scope: Scope) -> ir.Typed:
        if not self._bind_operand(node, scope):
            self.bind_pair(node.left, node.right, scope)
        a, b = self.type_of(node.left, scope), self.type_of(node.right, scope)
        self.coherent("arithmetic", "", node, [(node.left, a.type), (node.right, b.type)])
        result = numeric_type(a, b)
        # interval * double precision is an interval, not the number numeric_type makes of it
        if result.base == ir.ANY or ir.INTERVAL in (a.type.base, b.type.base):
            result = self.engine.arithmetic_type(node, a.type, b.type) or result
        nullable = a.nullable or b.nullable
        if isinstance(node, (exp.Div, exp.Mod, exp.IntDiv)) and self.engine.division_by_zero_is_null:
            divisor = node.right.unnest() if isinstance(node.right, exp.Paren) else node.right
            if not (isinstance(divisor, exp.Literal) and not divisor.is_string and float(divisor.this or 0) != 0):
                nullable = True
        if isinstance(node, (exp.BitwiseAnd, exp.BitwiseOr, exp.BitwiseXor, exp.BitwiseLeftShift,
                             exp.BitwiseRightShift)):
            # An integer, unless the engine's operator of these types is another (an inet's & or <<)
            result = self.engine.arithmetic_type(node, a.type, b.type) or ir.ValueType(ir.INT)
        return ir.Typed(result, nullable)

    def _bind_operand(self, node: exp.Binary, scope: Scope) -> bool:
        """A parameter operand the engine types otherwise than the other operand (timestamp + $1
        is an interval): True when it did."""
        for param, other, first in ((node.left, node.right, True), (node.right, node.left, False)):
            if placeholder_index(param) is not None and placeholder_index(other) is None:
                typed = self.engine.operand_parameter_type(node, self.context_type(other, scope).type, first)
                if typed is not None:
                    return self.bind(param, ir.Typed(typed, False), None)
        return False

    def _t_Exists(self, node: exp.Exists, scope: Scope) -> ir.Typed:
        self.query_columns(node.this, scope)
        return BOOL

    def _t_Subquery(self, node: exp.Subquery, scope: Scope) -> ir.Typed:
        cols = self.query_columns(node.this, scope)
        if len(cols) != 1:
            raise Located(f"sub-select returns {len(cols)} columns - expected 1", self.offset_of(node))
        # A scalar subquery that finds no row is NULL, unless it always yields exactly one.
        return cols[0][1].nullable_if(not calls.exactly_one_row(node.this, self.engine))

    def _t_Match(self, node: exp.Match, scope: Scope) -> ir.Typed:
        self.bind(node.expression, STR, self.context_name(node.this))
        self.type_of(node.this, scope)
        self.type_of(node.expression, scope)
        return BOOL

    def _t_Select(self, node: exp.Select, scope: Scope) -> ir.Typed:
        return self._t_Subquery(exp.Subquery(this=node), scope)

    def _t_Case(self, node: exp.Case, scope: Scope) -> ir.Typed:
        subject = node.this
        result: ir.Typed | None = None
        ifs = node.args.get("ifs") or []
        if subject is not None and ifs and placeholder_index(subject) is not None:
            # CASE $1 WHEN 'a' ...: SQLite compares the parameter with the WHEN values; PostgreSQL
            # resolves it as text before comparing (WHEN true then fails), and NULL picks ELSE.
            as_text = self.engine.case_parameter_is_text
            self.bind(subject, ir.Typed(STR.type, True) if as_text else self.type_of(ifs[0].this, scope), None)
        subject_type = self.type_of(subject, scope) if subject is not None else None
        # THEN $1 ELSE col: a parameter as a result takes the type of a sibling result
        values = [b.args["true"] for b in ifs] + ([node.args["default"]] if node.args.get("default") else [])
        known = next((v for v in values if placeholder_index(v) is None and not isinstance(v, exp.Null)), None)
        if known is not None:
            for value in values:
                self.bind(value, self.context_type(known, scope), self.context_name(known))
        all_null = True  # every result so far is the NULL literal
        results = []
        for branch in node.args.get("ifs") or []:
            if subject is not None and subject_type is not None:
                self.bind(branch.this, subject_type, self.context_name(subject))
            elif subject is None:
                self.bind(branch.this, BOOL, None)  # CASE WHEN $1 THEN ...: a condition
            self.type_of(branch.this, scope)
            value = self.type_of(branch.args["true"], scope)
            results.append((branch.args["true"], value.type))
            null = is_null_literal(branch.args["true"])
            result = value if result is None else merge(result, value, all_null, null)
            all_null = all_null and null
        default = node.args.get("default")
        if default is None:
            tail = NULL
        else:
            tail = self.type_of(default, scope)
            results.append((default, tail.type))
        self.coherent("common", "CASE", node, results)
        return tail if result is None else merge(result, tail, all_null, default is None or is_null_literal(default))

    def _t_If(self, node: exp.If, scope: Scope) -> ir.Typed:
        self.type_of(node.this, scope)
        value = self.type_of(node.args["true"], scope)
        other = node.args.get("false")
        return merge(value, self.type_of(other, scope) if other is not None else NULL,
                     is_null_literal(node.args["true"]), other is None or is_null_literal(other))

    def _t_Cast(self, node: exp.Cast, scope: Scope) -> ir.Typed:
        target = self.cast_type(node.args["to"])
        inner = node.this
        self.bind(inner, ir.Typed(target, False), self.context_name(inner))
        value = self.type_of(inner, scope)
        # '5'::int is read when prepared ('abc'::int fails), and a timestamp has no cast to integer
        self.coherent("cast", "", node, [(inner, target), (inner, value.type)])
        if target.dims and value.type.nullable_elements:  # ARRAY[nullable]::bigint[] keeps its NULL elements
            target = dataclasses.replace(target, nullable_elements=True)
        return ir.Typed(target, value.nullable)

    _t_TryCast = _t_Cast

    def cast_type(self, to: exp.DataType) -> ir.ValueType:
        return self.engine.cast_type(self.state, to)

    def _t_Window(self, node: exp.Window, scope: Scope) -> ir.Typed:
        for part in ("partition_by",):
            for expr in node.args.get(part) or []:
                self.type_of(expr, scope)
        order = node.args.get("order")
        if order is not None:
            for ordered in order.expressions:
                self.type_of(ordered.this, scope)
        inner = node.this
        filtered = isinstance(inner, exp.Filter)
        if filtered:
            self.type_of(inner.expression, scope)
            inner = inner.this
        # A window aggregate sees at least the current row.
        return self._call(inner, scope, grouped=True, filtered=filtered)

    def _t_Filter(self, node: exp.Filter, scope: Scope) -> ir.Typed:
        self.type_of(node.expression, scope)
        return self._call(node.this, scope, filtered=True)

    def _t_Distinct(self, node: exp.Distinct, scope: Scope) -> ir.Typed:
        types = [self.type_of(e, scope) for e in node.expressions]
        return types[0] if len(types) == 1 else NULL

    def _t_Star(self, node: exp.Star, scope: Scope) -> ir.Typed:
        return ANY

    def _t_Tuple(self, node: exp.Tuple, scope: Scope) -> ir.Typed:
        for e in node.expressions:
            self.type_of(e, scope)
        return NULL

    def _t_Ordered(self, node: exp.Ordered, scope: Scope) -> ir.Typed:
        return self.type_of(node.this, scope)

    def _t_JSONPath(self, node: exp.Expr, scope: Scope) -> ir.Typed:
        return STR

    def _call(self, node: exp.Expr, scope: Scope, grouped: bool | None = None,
              filtered: bool = False) -> ir.Typed:
        def arg_type(child: exp.Expr) -> ir.Typed:
            return self.type_of(child, scope)

        if isinstance(node, SIBLING_TYPED):
            # COALESCE(?, col), NULLIF(col, ?), MAX(?, col)...: a parameter is of its siblings' type.
            args = [a for a in node.iter_expressions()]
            known = [a for a in args if placeholder_index(a) is None]
            if known:
                typed = self.type_of(known[0], scope)
                for arg in args:
                    if placeholder_index(arg) is not None:
                        self.bind(arg, ir.Typed(typed.type, isinstance(node, exp.Coalesce) or typed.nullable),
                                  self.context_name(known[0]))
            self.coherent("common", type(node).__name__.upper(), node, [(a, self.type_of(a, scope).type) for a in args])
        elif isinstance(node, exp.Func) and len(single := list(node.iter_expressions())) == 1:
            self.coherent("call", self.engine.call_name(node).lower(), node,
                          [(single[0], self.type_of(single[0], scope).type)])

        grouped = scope.grouped if grouped is None else grouped
        result = self.engine.call_type(self, node, arg_type, grouped, filtered)
        # Type every argument so parameters and names inside are still checked.
        for child in node.iter_expressions():
            self.type_of(child, scope)
        if result is None:
            reports = self.engine.reports_unknown_functions
            if isinstance(node, exp.Anonymous) and reports and getattr(self, "strict_functions", False):
                raise Located(f"no such function: {node.name}", self.offset_of(node))
            unknown = getattr(self, "unknown_calls", None)
            if unknown is not None and reports:  # reported as a warning (findings.py)
                unknown.append((self.engine.call_name(node), self.offset_of(node)))
            return NULL
        return result


def _in_scope(scope: Scope, name: str) -> bool:
    return any(src.find(name) is not None for src in scope.sources)


def _all_aliases(scope: Scope) -> dict[str, ir.Typed]:
    return scope.aliases


__all__ = ["ANY", "BOOL", "FLOAT", "INT", "NULL", "STR", "ExpressionTyping", "ParamInfo", "identifier_offset",
           "merge", "merge_types", "placeholder_index"]
