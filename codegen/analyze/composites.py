"""A field of a composite value, (col).b: PostgreSQL's composite types (SchemaState.composite_types)."""

from __future__ import annotations

import dataclasses

from sqlglot import exp

from .. import ir
from ..catalog.state import SchemaState
from ..errors import Located
from .scope import identifier_offset


def composite_field(state: SchemaState, identity: str, name: exp.Identifier) -> ir.Typed:
    """The field `name` of a value of the composite type `identity`: its declared type, nullable
    (any field takes NULL), an array's items too; a field the type lacks is refused as the server does."""
    composite = next((c for c in state.composite_types() if c.identity == identity), None)
    wanted = name.name if name.quoted else name.name.lower()
    field = next((f for f in composite.fields if f.name == wanted), None) if composite else None
    if field is None:
        raise Located(f'column "{wanted}" not found in data type {identity}', identifier_offset(name))
    return ir.Typed(dataclasses.replace(field.type, nullable_elements=True) if field.type.dims else field.type, True)
