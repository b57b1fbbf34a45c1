"""Logical value types -> Python annotations, each with the import it needs.

Annotations are written fully qualified (datetime.datetime, typing.Any) so a
field named like a module can never shadow the type of another field.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import ir


@dataclass(frozen=True)
class PyType:
    annotation: str  # without "| None"
    imports: frozenset[str] = frozenset()  # modules to `import`
    to_db: str | None = None  # template for converting a value to what the driver takes: "{runtime}.datetime_text({v})"


_SIMPLE = {
    ir.INT: PyType("int"),
    ir.FLOAT: PyType("float"),
    ir.STR: PyType("str"),
    ir.BYTES: PyType("bytes"),
    ir.BOOL: PyType("bool"),
    ir.ANY: PyType("typing.Any", frozenset({"typing"})),
}

_SQLITE = {
    ir.DATE: PyType("datetime.date", frozenset({"datetime"}), "{v}.isoformat()"),
    ir.DATETIME: PyType("datetime.datetime", frozenset({"datetime"}), "_runtime.datetime_text({v})"),
    ir.DATETIME_TZ: PyType("datetime.datetime", frozenset({"datetime"}), "_runtime.datetime_text({v})"),
    ir.TIME: PyType("datetime.time", frozenset({"datetime"}), "{v}.isoformat()"),
    ir.INTERVAL: PyType("datetime.timedelta", frozenset({"datetime"}), "{v}.total_seconds()"),
    ir.DECIMAL: PyType("decimal.Decimal", frozenset({"decimal"}), "_runtime.text({v})"),
    ir.JSON: PyType("typing.Any", frozenset({"typing"})),
    ir.UUID: PyType("uuid.UUID", frozenset({"uuid"}), "_runtime.text({v})"),
}

_POSTGRES = {
    ir.DATE: PyType("datetime.date", frozenset({"datetime"})),
    ir.DATETIME: PyType("datetime.datetime", frozenset({"datetime"})),
    ir.DATETIME_TZ: PyType("datetime.datetime", frozenset({"datetime"})),
    ir.TIME: PyType("datetime.time", frozenset({"datetime"})),
    ir.INTERVAL: PyType("datetime.timedelta", frozenset({"datetime"})),
    ir.DECIMAL: PyType("decimal.Decimal", frozenset({"decimal"})),
    ir.JSON: PyType("typing.Any", frozenset({"typing"}), "_runtime.Jsonb({v})"),
    ir.UUID: PyType("uuid.UUID", frozenset({"uuid"})),
}


def literal(values: tuple[str, ...]) -> str:
    return "typing.Literal[" + ", ".join(repr(v) for v in values) + "]"


def py_type(t: ir.ValueType, engine: str, model_ref: str = "models.") -> PyType:
    if t.model:
        return PyType(model_ref + t.model)
    if t.override:
        base = t.override.split("[", 1)[0]
        module = base.rsplit(".", 1)[0] if "." in base else ""
        # Going in, the value is converted as the column's own type would be; a str column
        # takes str(value) (pathlib.Path, a str enum), other types go to the driver as they are.
        underlying = py_type(ir.ValueType(t.base, t.literals, t.enum, t.dims), engine, model_ref)
        to_db = underlying.to_db or ("_runtime.text({v})" if t.base == ir.STR else None)
        return PyType(t.override, frozenset({module}) if module else frozenset(), to_db)
    if t.literals and t.base == ir.STR:
        element = PyType(literal(t.literals), frozenset({"typing"}))
    else:
        table = _SQLITE if engine == "sqlite" else _POSTGRES
        element = table.get(t.base) or _SIMPLE.get(t.base) or _SIMPLE[ir.ANY]
    if t.dims:
        annotation = element.annotation
        for _ in range(t.dims):
            annotation = f"list[{annotation}]"
        return PyType(annotation, element.imports, None)
    return element


def annotation(t: ir.ValueType, nullable: bool, engine: str, model_ref: str = "models.") -> str:
    base = py_type(t, engine, model_ref).annotation
    return f"{base} | None" if nullable and base != "typing.Any" else base


def describe_type(t: ir.ValueType, engine: str) -> str:
    """py_type as `describe` prints it: the annotation without `| None`, models by bare name."""
    return py_type(t, engine, "").annotation
