"""PostgreSQL statements a query file may hold besides SELECT and DML.

sqlglot parses few of them (NOTIFY, DO, REFRESH, CALL fall back to a raw Command), and none
returns rows, so they are recognised by their leading words. CALL is analysed as the SELECT
of the same call, so its parameters take the procedure's argument types and names.
"""

from __future__ import annotations

from ...catalog.build import SchemaState
from ...catalog.cursor import Cursor
from ...errors import Located
from .. import Utility

# Statements that return no rows and take no parameters worth typing.
_NO_ROWS = {"NOTIFY", "LISTEN", "UNLISTEN", "DO", "CREATE", "ALTER", "DROP", "SET", "RESET", "LOCK", "VACUUM",
            "ANALYZE", "COMMENT", "GRANT", "REVOKE", "DISCARD", "CLUSTER", "REINDEX", "CHECKPOINT", "BEGIN",
            "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE", "DEALLOCATE", "REFRESH",
            "TRUNCATE", "SECURITY", "IMPORT"}


def classify(state: SchemaState, text: str) -> Utility | None:
    """None for statements the SQL analyser handles (SELECT, INSERT, ...)."""
    cur = Cursor(text, state.engine)
    first = cur.peek()
    if first is None or first.kind != "word":
        return None
    word = first.text.upper()
    if word == "CALL":
        return Utility("SELECT" + text[first.end:])
    if word not in _NO_ROWS:
        return None
    if cur.accept("TRUNCATE"):
        cur.accept("TABLE")
        while True:
            cur.accept("ONLY")
            _relation(state, cur, views=False)
            cur.accept_punct("*")
            if not cur.accept_punct(","):
                break
    elif cur.accept("REFRESH", "MATERIALIZED", "VIEW"):
        cur.accept("CONCURRENTLY")
        _relation(state, cur, views=True)
    return Utility()


def _relation(state: SchemaState, cur: Cursor, views: bool) -> None:
    schema, name, offset = cur.qualified_name("table name")
    table = state.find(schema, name)
    if table is None or table.is_view != views:
        raise Located(f'relation "{name}" does not exist', offset)


__all__ = ["Utility", "classify"]
