"""The two row styles of the config key `rows`: what a row class is and how rows are read into it.

"model" (the default): a frozen pydantic.BaseModel per table, view and result shape, read by
_runtime.ModelRows. "tuple": a typing.NamedTuple, read by _runtime.Rows (TypedRows on an engine
whose driver's column types prove its values' types), the fastest reads; its
class hook makes pydantic (and so FastAPI) serialize it as a JSON object, not an array.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import naming

MODEL = "model"
TUPLE = "tuple"

# Public attributes of pydantic.BaseModel (pydantic 2.11-2.14): a field named like one would
# shadow it (pydantic refuses or warns), so it gets a trailing "_" and keeps its column name as
# its alias, which is what JSON output shows.
BASEMODEL_ATTRIBUTES = frozenset({
    "construct", "copy", "dict", "from_orm", "json", "model_computed_fields", "model_config", "model_construct",
    "model_copy", "model_dump", "model_dump_json", "model_extra", "model_fields", "model_fields_set",
    "model_json_schema", "model_parametrized_name", "model_post_init", "model_rebuild", "model_validate",
    "model_validate_json", "model_validate_strings", "parse_file", "parse_obj", "parse_raw", "schema",
    "schema_json", "update_forward_refs", "validate",
})


@dataclass(frozen=True)
class ClassShape:
    base: str  # the class's base
    body: tuple[str, ...]  # lines printed before the fields
    imports: frozenset[str]  # modules the class line and body name
    after: tuple[str, ...] = ()  # lines printed after the fields


# pydantic asks a class for its schema through this hook: a NamedTuple row's makes pydantic (and
# FastAPI) serialize the row as an object with field names, not an array. A method, as mypy allows
# no other statements in a NamedTuple body.
TUPLE_HOOK = (
    "@classmethod",
    "def __get_pydantic_core_schema__(cls, source: typing.Any, handler: typing.Any) -> typing.Any:",
    "    return _runtime.tuple_row_schema(source, handler)",
)


def field_names(columns: list[str], style: str) -> list[tuple[str, str]]:
    """(field name, alias) per column; the alias is '' unless the name had to change for BaseModel."""
    names = naming.field_names(columns)
    if style != MODEL:
        return [(n, "") for n in names]
    renamed = naming.unique([n + "_" if n in BASEMODEL_ATTRIBUTES else n for n in names])
    return [(new, old if new != old else "") for new, old in zip(renamed, names)]


def field_default(alias: str) -> str:
    """What follows a field's annotation: its alias for a renamed BaseModel field."""
    return f" = pydantic.Field(alias={alias!r})" if alias else ""


def class_shape(style: str, field_names: list[str], aliased: bool) -> ClassShape:
    if style == MODEL:
        options = ["frozen=True"]
        if aliased:  # JSON and the OpenAPI schema show the column's name; construction by either
            options += ["serialize_by_alias=True", "validate_by_name=True", "validate_by_alias=True"]
        if any(n.startswith("model_") for n in field_names):
            options.append("protected_namespaces=()")  # a column may start with model_
        return ClassShape("pydantic.BaseModel", (f"model_config = pydantic.ConfigDict({', '.join(options)})",),
                          frozenset({"pydantic"}))
    return ClassShape("typing.NamedTuple", (), frozenset({"typing", "_runtime"}), TUPLE_HOOK)


def reader(target: str, style: str, typed_results: bool) -> str:
    """The module-level object that validates rows into row class `target`; typed_results: the
    engine's driver loads a column's values by its type (_runtime.TypedRows proves types from it)."""
    if style == MODEL:
        return f"_runtime.ModelRows({target})"
    return f"_runtime.TypedRows({target})" if typed_results else f"_runtime.Rows({target})"


def has_row_factory(reader: str) -> bool:
    """Whether a :many query's cursor makes its rows with the reader's row factory: TypedRows has
    one; a scalar result's _runtime.Values and the other readers do not."""
    return reader.startswith("_runtime.TypedRows(")
