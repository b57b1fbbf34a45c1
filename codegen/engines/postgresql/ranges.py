"""PostgreSQL's built-in range and multirange types as value types.

Each is a value type of its own, named as the server names it ("int4range", "tstzmultirange"):
PostgreSQL has no operator or cast between two range types (int4range = int8range, a tsrange into
a tstzrange column: refused at every call), so two of them are never one type here either.
psycopg reads them as `psycopg.types.range.Range[T]` and `psycopg.types.multirange.Multirange[T]`
of the bound's Python type; a row field takes them through `_runtime.RANGE` (pydantic's schema for
them: the bounds validated as T, written to JSON as {"lower", "upper", "bounds", "empty"}).

Going in, a parameter is made the column's own range class (`Int4Range`, `TimestamptzRange`...)
by `_runtime.as_range`: psycopg sends a plain Range by its bounds' Python type, a Range of naive
datetimes as a tsrange (which a tstzrange column refuses), of ints as no type at all.
"""

from __future__ import annotations

from ... import ir
from ...python.pytype import PyType

# Each range type's bound, as a value type, and psycopg's class that sends exactly that range type.
BOUNDS = {"int4range": ir.INT, "int8range": ir.INT, "numrange": ir.DECIMAL, "daterange": ir.DATE,
          "tsrange": ir.DATETIME, "tstzrange": ir.DATETIME_TZ}
_CLASSES = {"int4range": "Int4", "int8range": "Int8", "numrange": "Numeric", "daterange": "Date",
            "tsrange": "Timestamp", "tstzrange": "Timestamptz"}
# Each multirange type's range type (int4multirange holds int4ranges).
MULTIRANGES = {name.replace("range", "multirange"): name for name in BOUNDS}
RANGE_OF = {rng: multi for multi, rng in MULTIRANGES.items()}
_BOUND_ANNOTATIONS = {ir.INT: "int", ir.FLOAT: "float", ir.DECIMAL: "decimal.Decimal", ir.DATE: "datetime.date",
                      ir.DATETIME: "datetime.datetime", ir.DATETIME_TZ: "datetime.datetime"}
_BOUND_MODULES = {ir.INT: frozenset(), ir.FLOAT: frozenset(), ir.DECIMAL: frozenset({"decimal"})}


# A user-declared range type (CREATE TYPE floatrange AS RANGE (subtype = float8)) by its bound:
# one value type per bound ("range of float"), read as Range[float]. psycopg has no loader for it
# and returns its text ('[1.5,2)'), which _runtime.RANGE parses; a parameter goes as that text
# (_runtime.range_text), cast to the type: psycopg would send a Range of ints as an int4range,
# which has no cast to the user's type.
USER_BOUNDS = {f"range of {b}": b for b in (ir.INT, ir.FLOAT, ir.DECIMAL, ir.DATE, ir.DATETIME, ir.DATETIME_TZ)}


def is_range(t: ir.ValueType) -> bool:
    """A range or multirange value (not an array of them)."""
    return not t.dims and (t.base in BOUNDS or t.base in MULTIRANGES or t.base in USER_BOUNDS)


def bound(base: str) -> str | None:
    """The value type of a range's (or a multirange's ranges') bounds: lower(), upper(); None for no range."""
    return USER_BOUNDS.get(base) or BOUNDS.get(MULTIRANGES.get(base, base))


def user_range(subtype: ir.ValueType) -> str | None:
    """The value type of a user's range type over subtype; None where its bound is not one read here."""
    name = f"range of {subtype.base}"
    return name if name in USER_BOUNDS and not subtype.dims else None


def _python_type(name: str) -> PyType:
    multi = name in MULTIRANGES
    single = MULTIRANGES.get(name, name)
    element = BOUNDS[single]
    module = "psycopg.types.multirange" if multi else "psycopg.types.range"
    generic = "Multirange" if multi else "Range"
    cls = _CLASSES[single]
    convert = (f"_runtime.as_multirange({{v}}, psycopg.types.multirange.{cls}Multirange, "
               f"psycopg.types.range.{cls}Range)" if multi else f"_runtime.as_range({{v}}, psycopg.types.range.{cls}Range)")
    imports = frozenset({module, "psycopg.types.range"}) | _BOUND_MODULES.get(element, frozenset({"datetime"}))
    return PyType(f"{module}.{generic}[{_BOUND_ANNOTATIONS[element]}]", imports, convert, "_runtime.RANGE")


PYTHON_TYPES = {name: _python_type(name) for name in [*BOUNDS, *MULTIRANGES]}
USER_PYTHON_TYPES = {
    name: PyType(f"psycopg.types.range.Range[{_BOUND_ANNOTATIONS[b]}]",
                 frozenset({"psycopg.types.range"}) | _BOUND_MODULES.get(b, frozenset({"datetime"})),
                 "_runtime.range_text({v})", "_runtime.RANGE")
    for name, b in USER_BOUNDS.items()}
# Each type's name as its own value type (type_names.TYPES).
TYPE_NAMES = {name: name for name in PYTHON_TYPES}

__all__ = ["BOUNDS", "MULTIRANGES", "PYTHON_TYPES", "RANGE_OF", "TYPE_NAMES", "USER_BOUNDS", "USER_PYTHON_TYPES", "bound",
           "is_range", "user_range"]
