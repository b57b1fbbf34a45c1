"""PostgreSQL values as Python types (psycopg 3 adapts most of them itself)."""

from __future__ import annotations

from ... import ir
from ...python.pytype import PyType
from . import ranges

PYTHON_TYPES = {
    ir.DATE: PyType("datetime.date", frozenset({"datetime"})),
    ir.DATETIME: PyType("datetime.datetime", frozenset({"datetime"})),
    ir.DATETIME_TZ: PyType("datetime.datetime", frozenset({"datetime"})),
    # An aware time for a `time` column is made UTC (zoneless_time); a timetz keeps its offset.
    ir.TIME: PyType("datetime.time", frozenset({"datetime"}), "_runtime.zoneless_time({v})"),
    ir.TIME_TZ: PyType("datetime.time", frozenset({"datetime"})),
    ir.INTERVAL: PyType("datetime.timedelta", frozenset({"datetime"})),
    # NaN and +-Infinity are numeric values; pydantic refuses them in a Decimal unless told.
    ir.DECIMAL: PyType("decimal.Decimal", frozenset({"decimal"}), None, "_runtime.READ_DECIMAL"),
    ir.JSON: PyType("typing.Any", frozenset({"typing"}), "_runtime.json_value({v})",
                    to_db_not_null="_runtime.json_value({v}, sql_null=False)"),
    # A json column keeps the text it is given: sent as json, not as jsonb (whose keys, duplicates,
    # spaces and number forms the server normalises before the cast to json).
    ir.JSON_TEXT: PyType("typing.Any", frozenset({"typing"}), "_runtime.json_text_value({v})",
                         to_db_not_null="_runtime.json_text_value({v}, sql_null=False)"),
    ir.UUID: PyType("uuid.UUID", frozenset({"uuid"})),
    # What psycopg returns: an inet with a prefix ('10.0.0.1/24') is an interface, one without an address.
    ir.INET: PyType("ipaddress.IPv4Address | ipaddress.IPv6Address | ipaddress.IPv4Interface | ipaddress.IPv6Interface",
                    frozenset({"ipaddress"})),
    ir.CIDR: PyType("ipaddress.IPv4Network | ipaddress.IPv6Network", frozenset({"ipaddress"})),
    **ranges.PYTHON_TYPES,  # psycopg's Range[T] and Multirange[T]
    **ranges.USER_PYTHON_TYPES,  # a user-declared range type's Range[T], read from its text
}
