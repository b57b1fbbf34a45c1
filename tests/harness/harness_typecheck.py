"""Does a value a generated function returned fit the type it declares? A recursive checker over
the annotation objects `typing.get_type_hints` gives (not pydantic: the generated code already
validates with pydantic, so a second pydantic pass would share its blind spots, such as lax mode
turning 1 into True or "1" into 1).

`mismatches(value, annotation)` lists every place the value contradicts the annotation, as
"path: expected X, got Y"; empty when it fits. What is checked:
  None            only where the annotation admits None (Optional, X | None, Any)
  int             an int and not a bool (bool is an int subclass in Python)
  float           a float; an int too (PEP 484's numeric tower lets an int stand for a float)
  bool, str, bytes, Decimal, UUID, timedelta  that exact kind
  datetime.date   a date and not a datetime (datetime is a date subclass)
  datetime.datetime, datetime.time  that kind
  Literal[...]    one of the values
  list[X], Sequence[X]  a list, each item checked
  tuple[X, ...]   a tuple, each item checked
  dict[K, V]      a dict, keys and values checked
  a row (NamedTuple or pydantic model)  an instance of that class, every field checked against
                  the class's hints
  Range[T], Multirange[T]  psycopg's range (each of a multirange's), its bounds T or None
  any other class (a result object, an override type)  an instance of it; a dataclass or
                  NamedTuple also has its fields checked
  Any             anything
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime
import types
import typing
from typing import Any

_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _name(annotation: Any) -> str:
    return getattr(annotation, "__qualname__", None) or repr(annotation)


def _got(value: object) -> str:
    text = repr(value)
    return f"{text[:80]}{'...' if len(text) > 80 else ''} ({type(value).__name__})"


def mismatches(value: object, annotation: Any, path: str = "result") -> list[str]:
    """Every contradiction between value and annotation, as readable lines; [] when it fits."""
    if annotation is Any or annotation is object:
        return []
    if annotation is None or annotation is type(None):
        return [] if value is None else [f"{path}: expected None, got {_got(value)}"]
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Union or origin is types.UnionType:
        if value is None:
            return [] if type(None) in args or Any in args else [f"{path}: None where {annotation} is declared"]
        options = [a for a in args if a is not type(None)]
        results = [mismatches(value, a, path) for a in options]
        if any(not r for r in results):
            return []
        return results[0] if len(results) == 1 else [f"{path}: fits no member of {annotation}: {_got(value)}"]
    if value is None:
        return [f"{path}: None where {_name(annotation)} is declared"]
    if origin is typing.Literal:
        # A Literal value must be of the literal's own kind: 1 is not 'a', True is not 1.
        if any(value == a and type(value) is type(a) for a in args):
            return []
        return [f"{path}: expected one of {args!r}, got {_got(value)}"]
    if origin in (list, collections.abc.Sequence, collections.abc.MutableSequence):
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {_got(value)}"]
        item = args[0] if args else Any
        return [m for i, v in enumerate(value) for m in mismatches(v, item, f"{path}[{i}]")]
    if origin is tuple:
        if not isinstance(value, tuple):
            return [f"{path}: expected a tuple, got {_got(value)}"]
        if len(args) == 2 and args[1] is Ellipsis:
            return [m for i, v in enumerate(value) for m in mismatches(v, args[0], f"{path}[{i}]")]
        if args and len(args) != len(value):
            return [f"{path}: expected {len(args)} items, got {len(value)}"]
        return [m for i, (v, a) in enumerate(zip(value, args)) for m in mismatches(v, a, f"{path}[{i}]")]
    if origin in (dict, collections.abc.Mapping):
        if not isinstance(value, dict):
            return [f"{path}: expected a dict, got {_got(value)}"]
        key, item = args if args else (Any, Any)
        return [m for k, v in value.items() for m in mismatches(k, key, f"{path} key") + mismatches(v, item, f"{path}[{k!r}]")]
    if origin is not None and getattr(origin, "__name__", "") in ("Range", "Multirange") and args:
        # a PostgreSQL range (psycopg's Range[T]; a Multirange[T] of them): its bounds are T or None
        if not isinstance(value, origin):
            return [f"{path}: expected {_name(origin)}, got {_got(value)}"]
        ranges = list(value) if origin.__name__ == "Multirange" else [value]
        return [m for i, r in enumerate(ranges) for b in ("lower", "upper")
                for m in mismatches(getattr(r, b), args[0] | None, f"{path}[{i}].{b}")]
    if origin is not None:
        annotation = origin  # another generic: check the class only
    if not isinstance(annotation, type):
        return [f"{path}: the checker does not know the annotation {annotation!r}"]
    return _instance(value, annotation, path)


def _instance(value: object, cls: type, path: str) -> list[str]:
    kind = type(value)
    if cls is bool:
        ok = kind is bool
    elif cls is int:
        ok = isinstance(value, int) and kind is not bool
    elif cls is float:
        ok = isinstance(value, (int, float)) and kind is not bool
    elif cls is datetime.date:
        ok = isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)
    else:
        ok = isinstance(value, cls)
    if not ok:
        return [f"{path}: expected {_name(cls)}, got {_got(value)}"]
    if isinstance(value, tuple) and hasattr(cls, "_fields"):  # a NamedTuple row: every field too
        hints = _hints(cls)
        fields = typing.cast(tuple[str, ...], getattr(cls, "_fields"))
        return [m for f in fields for m in mismatches(getattr(value, f), hints.get(f, Any), f"{path}.{f}")]
    model_fields = getattr(cls, "model_fields", None)
    if isinstance(model_fields, dict):  # a pydantic row model: every field too
        hints = _hints(cls)
        return [m for f in model_fields for m in mismatches(getattr(value, f), hints.get(f, Any), f"{path}.{f}")]
    if dataclasses.is_dataclass(value):
        hints = _hints(cls)
        return [m for f in dataclasses.fields(value) for m in
                mismatches(getattr(value, f.name), hints.get(f.name, Any), f"{path}.{f.name}")]
    return []
