"""Logical value types -> Python annotations, each with the import it needs.

Annotations are written fully qualified (datetime.datetime, typing.Any) so a
field named like a module can never shadow the type of another field.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from .. import ir
from . import naming
from .pytype import PyType

if TYPE_CHECKING:
    from ..engines import EngineTraits


_SIMPLE = {
    ir.INT: PyType("int"),
    ir.FLOAT: PyType("float"),
    ir.STR: PyType("str"),
    ir.BYTES: PyType("bytes"),
    ir.BOOL: PyType("bool"),
    ir.ANY: PyType("typing.Any", frozenset({"typing"})),
}


def _admits_none(text: str) -> bool:
    """Whether a configured type takes None itself: `X | None`, `typing.Optional[X]`, `typing.Union[X, None]`."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return False
    if isinstance(tree, ast.Subscript) and ast.unparse(tree.value) in ("typing.Optional", "Optional"):
        return True
    parts = []
    while isinstance(tree, ast.BinOp) and isinstance(tree.op, ast.BitOr):
        parts.append(tree.right)
        tree = tree.left
    parts.append(tree)
    if isinstance(tree, ast.Subscript) and ast.unparse(tree.value) in ("typing.Union", "Union"):
        parts += list(tree.slice.elts) if isinstance(tree.slice, ast.Tuple) else [tree.slice]
    return any(isinstance(p, ast.Constant) and p.value is None for p in parts)


def _override_to_db(t: ir.ValueType, underlying: PyType) -> tuple[str | None, str | None]:
    """Going in, a configured type's value is made the column's own type, then converted as that
    type would be. An array's override is a builtin list type whose elements the array's own
    conversion takes. A JSON column takes the value as pydantic serialises it (a model, an enum, a
    UUID inside a dict...); a text column its str() (pathlib.Path, Decimal), an enum member's value's;
    a BLOB a UUID's bytes; a DECIMAL a float's exact Decimal; a float column a Decimal's float; any
    other column an enum member's value (IntEnum, an Enum of ints). python/override_fit.py refuses
    the builtin and standard types no column conversion makes fit."""
    if t.dims:
        if t.override is not None and t.override.startswith("list["):
            return underlying.to_db, underlying.to_db_not_null
        # psycopg sends a tuple as a record ('(a)', a malformed array literal): a list it sends as an array
        to_db = underlying.to_db.format(v="list({v})") if underlying.to_db else "list({v})"
        return to_db, underlying.to_db_not_null.format(v="list({v})") if underlying.to_db_not_null else None
    if t.base in (ir.JSON, ir.JSON_TEXT):
        wrap = "_runtime.jsonable({v})"
    elif (t.base == ir.STR and underlying.to_db is None) or underlying.to_db == "_runtime.text({v})":
        return "_runtime.text({v})", None
    elif t.base == ir.BYTES:
        wrap = "_runtime.blob({v})"
    elif t.base == ir.DECIMAL:
        wrap = "_runtime.numeric({v})"
    elif t.base == ir.FLOAT:
        wrap = "_runtime.floating({v})"
    else:
        wrap = "_runtime.plain({v})"
    if underlying.to_db is None:
        return wrap, None
    not_null = underlying.to_db_not_null.format(v=wrap) if underlying.to_db_not_null else None
    return underlying.to_db.format(v=wrap), not_null


def _modules(text: str) -> frozenset[str]:
    """The modules a configured type names, to import: `pathlib` of pathlib.Path, `enums` and
    `typing` of `list[enums.Color] | typing.Any` (config.python_type_problem checked the form)."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return frozenset()
    inner = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    return frozenset(ast.unparse(n.value) for n in ast.walk(tree)
                     if isinstance(n, ast.Attribute) and id(n) not in inner)


def _list_override(t: ir.ValueType, underlying: PyType, engine: "EngineTraits", model_ref: str) -> PyType:
    """list[X] over an array (array_agg(col), ARRAY[col], a parameter of `col = ANY(...)`, an
    array column configured so): each item is an X as a single value of the column is. Going in,
    each is made the column's own type (a plain Enum's member as its value: psycopg sends a
    member's *name*; None stays NULL); coming out, each is read as a single value is (a `str` over
    a date column from the date's text), or the whole array by the reader of an array the driver
    returns as text (an enum's)."""
    element = py_type(t.element(), engine, model_ref)
    none = " | None" if t.nullable_elements and not _admits_none(element.annotation) else ""
    annotation = f"list[{element.annotation}{none}]"
    if underlying.read and underlying.read.startswith("typing.Annotated["):
        read: str | None = f"typing.Annotated[{annotation}, {underlying.read.rsplit(', ', 1)[1]}"
    elif element.reader or element.read:
        read = f"list[{element.read_annotation}{none}]"
    else:
        read = None
    to_db = underlying.to_db
    if element.to_db:
        # a None item is a NULL element whatever the annotation says: never str(None), 'None'
        to_db = f"[None if _item is None else {element.to_db.format(v='_item')} for _item in {{v}}]"
    return PyType(annotation, element.imports, to_db, None, read)


def literal(values: tuple[str, ...]) -> str:
    return "typing.Literal[" + ", ".join(repr(v) for v in values) + "]"


def py_type(t: ir.ValueType, engine: "EngineTraits", model_ref: str = "models.") -> PyType:
    if t.model:
        return PyType(model_ref + t.model)
    if t.override:
        if t.override == "str" and not t.dims and t.base not in (ir.STR, ir.JSON, ir.JSON_TEXT, ir.BYTES):
            # Text of a column of another type (a uuid, a date, a numeric as str) goes in as the
            # text the database parses and comes out as the text of what the driver returns.
            return PyType("str", frozenset(), "_runtime.text({v})", "_runtime.READ_TEXT")
        underlying = py_type(ir.ValueType(t.base, t.literals, t.enum, t.dims), engine, model_ref)
        if t.dims == 1 and t.override.startswith("list[") and t.element().override is not None:
            return _list_override(t, underlying, engine, model_ref)
        to_db, to_db_not_null = _override_to_db(t, underlying)
        if to_db and _admits_none(t.override) and t.base not in (ir.JSON, ir.JSON_TEXT):
            # `pathlib.Path | None` for a NOT NULL column: its None is SQL NULL (which the column
            # refuses), never the text 'None' (str(None)) stored as if it were a path. (A nullable
            # parameter's None is NULL already.)
            to_db_not_null = "(None if {v} is None else " + to_db + ")"
        # Coming out, the column's own reader runs first (JSON text is decoded, SQLite's date
        # forms parsed), then pydantic validates the result as the override. A Decimal stored as
        # text ('NaN', 'Infinity') reads back as it went in, as from a DECIMAL column; NaN-taking is
        # a constraint of Decimal's alone (on an int or a float field the model would not build).
        reader = underlying.reader if underlying.reader != "_runtime.READ_DECIMAL" else None
        if reader is None and underlying.read and underlying.read.startswith("typing.Annotated["):
            # an array the driver returns as text (an enum's): the whole-array reader parses it
            reader = underlying.read.rsplit(", ", 1)[1].removesuffix("]")
        reader = reader or ("_runtime.READ_DECIMAL" if t.override == "decimal.Decimal" else None)
        return PyType(t.override, _modules(t.override), to_db, reader,
                      to_db_not_null=to_db_not_null)
    if t.composite:
        # A composite type's class (models.py), read from the type's text; sent as that text.
        element = PyType(model_ref + naming.composite_class(t.composite), frozenset({"models"} if model_ref else ()),
                         "_runtime.composite_text({v})")
    elif t.literals and t.base == ir.STR:
        element = PyType(literal(t.literals), frozenset({"typing"}))
    else:
        element = engine.python_types.get(t.base) or _SIMPLE.get(t.base) or _SIMPLE[ir.ANY]
    if t.dims:
        # array_agg over a nullable value holds NULLs: its innermost elements take None.
        none = " | None" if t.nullable_elements and element.annotation != "typing.Any" else ""
        annotation = element.annotation + none
        for _ in range(t.dims):
            annotation = f"list[{annotation}]"
        read = element.read_annotation + none
        for _ in range(t.dims):
            read = f"list[{read}]"
        if (t.enum or t.text_array) and engine.enum_arrays_as_text:
            # items sent as their text (a composite's, a user range's), NULL items as NULL
            to_db = (f"[None if _item is None else {element.to_db.format(v='_item')} for _item in {{v}}]"
                     if t.dims == 1 and element.to_db else None)
            # the items' own readers inside (a user range's text read by RANGE)
            return PyType(annotation, element.imports, to_db, None, f"typing.Annotated[{read}, _runtime.READ_TEXT_ARRAY]")
        # An element the driver takes converted (a jsonb[]'s dicts) is converted item by item.
        to_db = ("[" + element.to_db.format(v="_item") + " for _item in {v}]"
                 if element.to_db and t.dims == 1 else None)
        return PyType(annotation, element.imports, to_db, None, read if element.reader else None)
    return element


def annotation(t: ir.ValueType, nullable: bool, engine: "EngineTraits", model_ref: str = "models.") -> str:
    base = py_type(t, engine, model_ref).annotation
    none = nullable and base != "typing.Any" and not (t.override and _admits_none(t.override))
    return f"{base} | None" if none else base


def read_annotation(t: ir.ValueType, nullable: bool, engine: "EngineTraits", model_ref: str = "models.") -> str:
    """The annotation of a row field: `annotation` plus, where the engine needs it, the _runtime
    reader that turns what the driver returns into that type (mypy sees the plain type)."""
    pt = py_type(t, engine, model_ref)
    if not (pt.reader or pt.read):
        return annotation(t, nullable, engine, model_ref)
    # `Annotated[X, R] | None`: pydantic returns None before R runs.
    return pt.read_annotation + (" | None" if nullable and pt.annotation != "typing.Any" else "")


def describe_type(t: ir.ValueType, engine: "EngineTraits") -> str:
    """py_type as `describe` prints it: the annotation without `| None`, models by bare name."""
    return py_type(t, engine, "").annotation
