"""How a value type is written in the generated code: its annotation, imports and conversions.

A leaf module: the engines describe their driver's values with it (Engine.python_types), and
python/typemap.py builds the rest.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PyType:
    annotation: str  # without "| None"
    imports: frozenset[str] = frozenset()  # modules to `import`
    to_db: str | None = None  # template for converting a value to what the driver takes: "{runtime}.datetime_text({v})"
    # How a value the driver returns becomes this type: a marker of the generated _runtime put
    # in typing.Annotated on row fields (pydantic applies it), e.g. "_runtime.READ_DATETIME".
    reader: str | None = None
    read: str | None = None  # arrays: the whole read annotation, readers on the elements
    # to_db for a parameter that takes no SQL NULL, when None means a value there: JSON's null
    # (a NOT NULL json column's None is the JSON value null, not a NOT NULL violation).
    to_db_not_null: str | None = None

    def to_db_for(self, nullable: bool) -> str | None:
        """The conversion of a parameter that may (nullable) or may not be SQL NULL."""
        return self.to_db if nullable or self.to_db_not_null is None else self.to_db_not_null

    @property
    def read_annotation(self) -> str:
        """The annotation row fields get: pydantic runs the reader, mypy sees `annotation`."""
        if self.read:
            return self.read
        return f"typing.Annotated[{self.annotation}, {self.reader}]" if self.reader else self.annotation


__all__ = ["PyType"]
