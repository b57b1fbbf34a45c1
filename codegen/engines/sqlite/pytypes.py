"""SQLite values as Python types: what the generated code converts going in and reads coming out."""

from __future__ import annotations

from ... import ir
from ...python.pytype import PyType

# SQLite stores only INTEGER, REAL, TEXT, BLOB and NULL: the types below are converted on the
# way in (to_db) and read back by the _runtime markers (README, "Types on SQLite").
PYTHON_TYPES = {
    ir.FLOAT: PyType("float", frozenset(), "_runtime.real({v})"),
    ir.BOOL: PyType("bool", frozenset(), None, "_runtime.READ_BOOL"),
    ir.DATE: PyType("datetime.date", frozenset({"datetime"}), "_runtime.date_text({v})", "_runtime.READ_DATE"),
    ir.DATETIME: PyType("datetime.datetime", frozenset({"datetime"}), "_runtime.datetime_text({v})",
                        "_runtime.READ_DATETIME"),
    ir.DATETIME_TZ: PyType("datetime.datetime", frozenset({"datetime"}), "_runtime.datetime_text({v})",
                           "_runtime.READ_UTC_DATETIME"),
    ir.TIME: PyType("datetime.time", frozenset({"datetime"}), "_runtime.time_text({v})", "_runtime.READ_TIME"),
    ir.INTERVAL: PyType("datetime.timedelta", frozenset({"datetime"}), "{v}.total_seconds()"),
    ir.DECIMAL: PyType("decimal.Decimal", frozenset({"decimal"}), "_runtime.decimal_number({v})",
                       "_runtime.READ_DECIMAL"),
    ir.JSON: PyType("typing.Any", frozenset({"typing"}), "_runtime.json_value({v})", "_runtime.READ_JSON",
                    to_db_not_null="_runtime.json_value({v}, sql_null=False)"),
    ir.UUID: PyType("uuid.UUID", frozenset({"uuid"}), "_runtime.text({v})"),
}
