"""PostgreSQL's own parser reads each query at generation (libpg_query, through pglast).

sqlglot reads much that is not PostgreSQL's SQL (SQLite's `INSERT OR IGNORE` and `GLOB`, MySQL's
`LIMIT 1, 2`), and a query the server cannot parse fails at every call. With no server at hand when
generating, the server's parser itself, as a library, says so, located where it stops. pglast is
the `pgparse` extra, not a dependency: it is GPL-3.0-or-later and codegen MIT, so installing it is the
user's choice. Without it this check is skipped, `python -m codegen` says so in a note, and the
server's verdict comes from `verify --db`, which prepares every query.
"""

from __future__ import annotations

import functools
from types import ModuleType


@functools.cache
def _parser() -> ModuleType | None:
    """Imported at the first PostgreSQL query, not with the engine."""
    try:
        from pglast import parser
    except ImportError:
        return None
    return parser


def available() -> bool:
    return _parser() is not None


def problem(text: str) -> tuple[str, int] | None:
    """(PostgreSQL's message, its offset in `text`) when PostgreSQL cannot parse `text`."""
    parser = _parser()
    if parser is None:
        return None
    try:
        parser.parse_sql(text)
    except parser.ParseError as error:
        message, at = (error.args + (None, None))[:2]
        where = at if isinstance(at, int) and 0 <= at <= len(text) else 0
        return f"PostgreSQL cannot parse it, so every call would fail: {message}", where
    return None
