"""Whether a configured Python type (overrides) can work on the column it is given to.

The generated code makes an override's value the column's own type before the driver sees it
(typemap._override_to_db) and validates what the driver returns as the override. For the builtin
and standard-library types below, what neither driver binds for a column of another type, nor
pydantic makes from what that column returns, is known: such an override would fail at every
call (`Error binding parameter`, `cannot adapt type`, a validation error) or silently change the
value (PostgreSQL rounds a float or a Decimal sent to an integer column). It is refused when
generating instead. A type of the project's own (an enum, a NewType, a model) is not imported by
codegen, so it is not judged here.
"""

from __future__ import annotations

from .. import ir

_ANYWHERE = frozenset({ir.STR, ir.JSON, ir.JSON_TEXT, ir.ANY})  # text takes str(value), JSON pydantic's JSON
_PATHS = ("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath", "pathlib.WindowsPath",
          "pathlib.PureWindowsPath")
_ADDRESSES = ("ipaddress.IPv4Address", "ipaddress.IPv6Address", "ipaddress.IPv4Interface",
              "ipaddress.IPv6Interface", "ipaddress.IPv4Network", "ipaddress.IPv6Network")
# override -> the column types (besides _ANYWHERE) it can be stored in and read back from
_FITS: dict[str, frozenset[str]] = {
    **{path: frozenset() for path in _PATHS},
    "fractions.Fraction": frozenset(),
    **{address: frozenset({ir.INET, ir.CIDR}) for address in _ADDRESSES},
    "uuid.UUID": frozenset({ir.UUID, ir.BYTES}),
    "datetime.timedelta": frozenset({ir.INTERVAL}),
    "datetime.time": frozenset({ir.TIME, ir.TIME_TZ}),
    "decimal.Decimal": frozenset({ir.DECIMAL, ir.FLOAT}),
    "float": frozenset({ir.FLOAT, ir.DECIMAL}),
    "int": frozenset({ir.INT, ir.FLOAT, ir.DECIMAL, ir.BOOL}),
    "bool": frozenset({ir.BOOL, ir.INT}),
    # str(b'..') is "b'..'": bytes in a text column would be stored as the text of their repr
    "bytes": frozenset({ir.BYTES, ir.ANY}),
}
_KIND = {ir.STR: "text", ir.JSON: "JSON", ir.JSON_TEXT: "JSON", ir.BYTES: "BLOB/bytea", ir.INT: "integer",
         ir.FLOAT: "floating-point", ir.DECIMAL: "DECIMAL/NUMERIC", ir.BOOL: "boolean", ir.DATE: "date",
         ir.DATETIME: "timestamp", ir.DATETIME_TZ: "timestamp", ir.TIME: "time", ir.TIME_TZ: "time", ir.INTERVAL: "interval",
         ir.UUID: "uuid", ir.INET: "inet", ir.CIDR: "cidr"}


# A server that types each parameter (PostgreSQL) assigns no integer to a boolean column and no
# boolean to an integer one ("column is of type boolean but expression is of type bigint");
# SQLite stores a bool as the integer 1 or 0, and pydantic reads either back.
_UNTYPED_ONLY: dict[str, frozenset[str]] = {"int": frozenset({ir.BOOL}), "bool": frozenset({ir.INT})}


def problem(override: str, column_type: ir.ValueType, typed_parameters: bool) -> str | None:
    """Why the override cannot hold the column's values, or None (also when it is not known here)."""
    fits = _FITS.get(override.replace(" ", ""))
    if fits is not None and typed_parameters:
        fits = fits - _UNTYPED_ONLY.get(override.replace(" ", ""), frozenset())
    if fits is None or column_type.dims or column_type.base in fits:
        return None
    if column_type.base in _ANYWHERE and override != "bytes":
        return None
    kind = _KIND.get(column_type.base, column_type.base)
    return (f"cannot be stored in a {kind} column and read back: no driver binds it there and "
            f"codegen converts it to no {kind} value; declare the column as a type {override} fits "
            "(text takes any of these) or choose the column's own type")


__all__ = ["problem"]
