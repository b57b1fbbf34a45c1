"""Values the analyzer works with: parameter evidence, typed constants, merging the types of
alternatives, and the placeholder a node stands for."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from .. import ir
from ..placeholders import PLACEHOLDER

INT = ir.Typed(ir.ValueType(ir.INT), False)
BOOL = ir.Typed(ir.ValueType(ir.BOOL), False)
STR = ir.Typed(ir.ValueType(ir.STR), False)
FLOAT = ir.Typed(ir.ValueType(ir.FLOAT), False)
NULL = ir.Typed(ir.ValueType(ir.ANY), True)
ANY = ir.Typed(ir.ValueType(ir.ANY), False)

COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ, exp.Like,
               exp.ILike, exp.Glob, exp.RegexpLike, exp.Is)
SIBLING_TYPED = (exp.Coalesce, exp.Nullif, exp.Greatest, exp.Least)
ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.IntDiv, exp.BitwiseAnd, exp.BitwiseOr,
              exp.BitwiseXor, exp.BitwiseLeftShift, exp.BitwiseRightShift)


@dataclass
class ParamInfo:
    index: int
    explicit_name: str | None
    forced_nullable: bool = False
    slice: bool = False
    hints: list[tuple[ir.Typed, str | None]] = field(default_factory=list)
    seen: bool = False
    # The values the parameter is compared with (x = $1), in order: one parameter compared with
    # values of two types is one the server types by the first (engine.operand_problem "parameter").
    compared: list[tuple[exp.Expr, ir.ValueType]] = field(default_factory=list)

    def typed(self) -> ir.Typed:
        known = [t for t, _ in self.hints if t.type.base != ir.ANY or t.type.model or t.type.composite]
        chosen = known[0] if known else (self.hints[0][0] if self.hints else ANY)
        nullable = self.forced_nullable or any(t.nullable for t, _ in self.hints)
        return ir.Typed(chosen.type, nullable)

    def name_hint(self) -> str | None:
        if self.explicit_name:
            return self.explicit_name
        return next((n for _, n in self.hints if n), None)


def merge(a: ir.Typed, b: ir.Typed, a_null: bool | None = None, b_null: bool | None = None) -> ir.Typed:
    """The type of a value that is either a or b (CASE branches, UNION columns). a_null, b_null:
    whether that side is the NULL literal, which takes the other's type; a nullable value of
    unknown type (CASE WHEN .. THEN text_col ELSE int_col END) is not, and leaves the merge Any.
    None: guessed from the type (a nullable Any), where the caller cannot see the expression."""
    a_is_null = a.nullable and a.type.base == ir.ANY and (a_null is None or a_null)
    b_is_null = b.nullable and b.type.base == ir.ANY and (b_null is None or b_null)
    return ir.Typed(merge_types(a.type, b.type, a_is_null, b_is_null), a.nullable or b.nullable)


def is_null_literal(node: exp.Expr | None) -> bool:
    """NULL as written (in parentheses too): the value that takes a CASE's or UNION's other type."""
    while isinstance(node, (exp.Paren, exp.Alias)):
        node = node.this
    return isinstance(node, exp.Null)


def overridden_among_literals(types: list[ir.ValueType]) -> ir.ValueType | None:
    """The one configured type (overrides) of values merged with literals of its base or quoted
    (`COALESCE(color, 'r')`, `CASE ... THEN level ELSE 1 END`, `COALESCE(day, '2024-01-02')`),
    which the result keeps: the literals are written as values of the column. None when types
    disagree otherwise."""
    overridden = [t for t in types if t.override is not None]
    if not overridden or any(t != overridden[0] for t in overridden):
        return None
    first = overridden[0]
    others = [t for t in types if t.override is None]
    # a quoted literal is read as the other value's type ('2024-01-02' beside a date), a number as a number
    if all(t.literal and t.base in (first.base, ir.STR) and not t.dims and not first.dims for t in others):
        return first
    return None


def merge_types(a: ir.ValueType, b: ir.ValueType, a_is_null: bool = False, b_is_null: bool = False) -> ir.ValueType:
    if a_is_null and not b_is_null:
        return b
    if b_is_null and not a_is_null:
        return a
    if a == b:
        return a
    kept = overridden_among_literals([a, b])
    if kept is not None:
        return kept
    if a.base == b.base and a.base != ir.ANY and not a.model and not b.model:
        if a.literals and b.literals:
            return ir.ValueType(a.base, tuple(dict.fromkeys(a.literals + b.literals)))
        if a.dims != b.dims:
            return ir.ValueType(ir.ANY)
        # arrays: a NULL element of either side's array is an element of the result (an array
        # of one configured type stays one: array_agg(color) of two branches)
        nullable_elements = a.nullable_elements or b.nullable_elements
        return ir.ValueType(a.base, dims=a.dims, nullable_elements=nullable_elements,
                            override=a.override if a.override == b.override else None)
    numeric = {ir.INT, ir.FLOAT, ir.BOOL}
    if a.dims or b.dims:
        return ir.ValueType(ir.ANY)
    if {a.base, b.base} == {ir.INT, ir.DECIMAL}:
        return ir.ValueType(ir.DECIMAL)  # CASE ... THEN 0.5 ELSE 1 END: an exact number
    if {a.base, b.base} == {ir.FLOAT, ir.DECIMAL}:
        # PostgreSQL resolves numeric with double precision to double precision (its preferred
        # numeric type); SQLite holds a DECIMAL as an integer or a double anyway.
        return ir.ValueType(ir.FLOAT)
    if a.base in numeric and b.base in numeric:
        return ir.ValueType(ir.FLOAT if ir.FLOAT in (a.base, b.base) else ir.INT)
    return merge_datetimes({a.base, b.base}) or ir.ValueType(ir.ANY)


def merge_datetimes(bases: set[str]) -> ir.ValueType | None:
    """Dates and timestamps together: PostgreSQL resolves them to timestamptz when one is
    (its preferred type of the category), else timestamp; SQLite's readers take either form.
    time with timetz is a timetz (PostgreSQL's alone: SQLite has no timetz)."""
    if bases == {ir.TIME, ir.TIME_TZ}:
        return ir.ValueType(ir.TIME_TZ)
    if len(bases) < 2 or not bases <= {ir.DATE, ir.DATETIME, ir.DATETIME_TZ}:
        return None
    return ir.ValueType(ir.DATETIME_TZ if ir.DATETIME_TZ in bases else ir.DATETIME)


def numeric_type(a: ir.Typed, b: ir.Typed) -> ir.ValueType:
    bases = {a.type.base, b.type.base}
    if ir.FLOAT in bases:
        return ir.ValueType(ir.FLOAT)
    if ir.DECIMAL in bases and bases <= {ir.DECIMAL, ir.INT, ir.BOOL}:
        return ir.ValueType(ir.DECIMAL)
    if bases <= {ir.INT, ir.BOOL}:
        return ir.ValueType(ir.INT)
    if ir.INTERVAL in bases or ir.DATETIME in bases or ir.DATETIME_TZ in bases or ir.DATE in bases:
        return ir.ValueType(ir.ANY)
    return ir.ValueType(ir.ANY)


def placeholder_index(node: exp.Expr) -> int | None:
    node = node.unnest() if isinstance(node, exp.Paren) else node
    while isinstance(node, exp.Collate):  # `? COLLATE NOCASE` is still that parameter
        node = node.this.unnest() if isinstance(node.this, exp.Paren) else node.this
    if isinstance(node, exp.Placeholder) and str(node.name).startswith(PLACEHOLDER):
        try:
            return int(str(node.name)[len(PLACEHOLDER):])
        except ValueError:
            return None
    return None


def element(t: ir.ValueType) -> ir.ValueType:
    """The element type of an array type."""
    return t.element()


def array_of(t: ir.ValueType, nullable_elements: bool = False) -> ir.ValueType:
    return t.array_of(nullable_elements)


@dataclass(frozen=True)
class Output:
    """A result column: its name, type, the table it reads (for row models) and an embedded table."""

    name: str
    typed: ir.Typed
    table: str | None = None
    embed: str | None = None
