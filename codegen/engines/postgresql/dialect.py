"""sqlglot's PostgreSQL dialect, with the one change type inference needs.

sqlglot reads `date_part('epoch', x)` as `EXTRACT(EPOCH FROM x)`, but the two differ in type
since PostgreSQL 14: extract() is numeric, date_part() double precision. A query keeps its own
text, so a date_part() call typed as extract() was a Decimal field the server filled with a
float. This dialect parses date_part() as a plain call of that name (its signature is in
signatures.py); everything else is sqlglot's Postgres.
"""

from __future__ import annotations

from sqlglot.dialects.postgres import Postgres
from sqlglot.parsers.postgres import PostgresParser


class CodegenPostgres(Postgres):
    """Registered with sqlglot under the name `NAME` (a Dialect subclass registers itself)."""

    class Parser(PostgresParser):
        FUNCTION_PARSERS = {name: parse for name, parse in PostgresParser.FUNCTION_PARSERS.items()
                            if name != "DATE_PART"}


NAME = "codegenpostgres"
