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
# shadow it (pydantic refuses or warns), so it gets a trailing "_" (and, as any renamed field,
# its column's name as the key JSON output shows; see field_names).
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


def _tuple_hook(keys: dict[str, str]) -> tuple[str, ...]:
    """pydantic asks a class for its schema through this hook: a NamedTuple row's makes pydantic (and
    FastAPI) serialize the row as an object, not an array, keyed by field name or, for a renamed
    field, by its column's name (`keys`). A method, as mypy allows no other statements in a
    NamedTuple body."""
    return (
        "@classmethod",
        "def __get_pydantic_core_schema__(cls, source: typing.Any, handler: typing.Any) -> typing.Any:",
        f"    return _runtime.tuple_row_schema(source, handler{', ' + repr(keys) if keys else ''})",
    )


def field_names(columns: list[str], style: str) -> list[tuple[str, str]]:
    """(field name, JSON key) per column. The key is '' when it is the field name; a field whose
    name had to change (a keyword, a module or builtin the generated code names, a BaseModel
    attribute, no valid identifier) keeps its column's name as its JSON key, as sqlc's JSON tags do,
    unless another field already answers to that name (duplicate columns: id, id_2)."""
    names = naming.field_names(columns)
    if style == MODEL:
        names = naming.unique([n + "_" if n in BASEMODEL_ATTRIBUTES else n for n in names])
    taken = set(names)
    keys = []
    for name, column in zip(names, columns):
        key = column if column != name and column not in taken else ""
        taken.add(key)
        keys.append(key)
    return list(zip(names, keys))


def field_default(style: str, key: str) -> str:
    """What follows a field's annotation: a renamed model field's JSON key, as its aliases. Not
    `alias=`: type checkers read that (PEP 681) as the constructor's keyword, which `class` or
    `Weird Name` cannot be; the constructor keeps the field's name (Row(class_=...))."""
    return f" = pydantic.Field(validation_alias={key!r}, serialization_alias={key!r})" if key and style == MODEL else ""


def class_shape(style: str, field_names: list[str], keys: dict[str, str], binary: bool = False,
                floats: bool = False) -> ClassShape:
    """The row class's base and body; keys: JSON key by field name, for the renamed fields;
    binary: a field holds bytes; floats: a field holds floats."""
    aliased = bool(keys)
    if style == MODEL:
        options = ["frozen=True"]
        imports = {"pydantic"}
        if binary:  # JSON has no bytes: pydantic writes them as UTF-8 text, and raises on any other
            # (a BLOB holding an image failed the FastAPI response); base64 both ways round-trips
            options += ['ser_json_bytes="base64"', 'val_json_bytes="base64"']
        if floats:  # JSON has no NaN or infinities: pydantic writes null, which reads back as None or
            # fails; as "Infinity" text they read back, and the JSON schema says so
            options += ['ser_json_inf_nan="strings"', "json_schema_extra=_runtime.admit_non_finite"]
            imports.add("_runtime")
        if aliased:  # JSON and the OpenAPI schema show the column's name; construction by either
            options += ["serialize_by_alias=True", "validate_by_name=True", "validate_by_alias=True"]
        if any(n.startswith("model_") for n in field_names):
            options.append("protected_namespaces=()")  # a column may start with model_
        # _runtime.Row: model_copy(update=...) validates the update (pydantic's does not).
        return ClassShape("_runtime.Row", (f"model_config = pydantic.ConfigDict({', '.join(options)})",),
                          frozenset(imports | {"_runtime"}))
    return ClassShape("typing.NamedTuple", (), frozenset({"typing", "_runtime"}), _tuple_hook(keys))


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
