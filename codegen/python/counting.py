"""How a counting command (:execrows, :execlastid, :execresult, :copyfrom) gets its count from
the driver, which does not always count what the statement did (sqlite3's rowcount is -1 for a
statement behind a WITH and for a SELECT, and counts a RETURNING statement's changes only once
its rows are read). The templates only follow the plan made here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import ir

if TYPE_CHECKING:
    from ..engines import EngineTraits


def how_counted(query: ir.Query, engine: "EngineTraits") -> tuple[bool, bool, bool]:
    """(drain, ask, count_rows): read and drop the RETURNING rows before the driver's count; ask
    the database for the count and last rowid instead of the driver; count the rows a statement
    that changes none returned (as PostgreSQL's rowcount does), for :execrows and :execresult."""
    counts = query.command in ("execrows", "execresult", "copyfrom") or \
        (query.command == "execlastid" and query.inserts_rows)
    drain = counts and bool(query.columns) and engine.counts_after_returned_rows
    ask = counts and _write_the_driver_misses(query, engine)
    count_rows = query.command in ("execrows", "execresult") and not query.writes and bool(engine.rowcount_verbs)
    return drain, ask, count_rows


def opens_transaction(query: ir.Query, engine: "EngineTraits") -> bool:
    """Whether the function opens the driver's implicit transaction itself: sqlite3 (in its
    default, legacy transaction mode) begins one only before a statement whose first word is
    INSERT, UPDATE, DELETE or REPLACE, so one behind a WITH ran in autocommit. Inside `with conn:`
    its change was committed at once, and the rollback an exception brings left it in place."""
    return _write_the_driver_misses(query, engine)


def _write_the_driver_misses(query: ir.Query, engine: "EngineTraits") -> bool:
    """A write that does not begin with one of the driver's DML words (engine.rowcount_verbs: a
    WITH in front, on SQLite): sqlite3 neither counts it nor opens its transaction before it."""
    words = query.sql.split(None, 1)
    verb = words[0].upper() if words else ""
    return query.writes and bool(engine.rowcount_verbs) and verb not in engine.rowcount_verbs
