"""Foreign key checks for a migration step, at the cost of an index scan.

`PRAGMA foreign_key_check` walks every row of every child table and looks its parent up one by
one: on a million sessions that is seconds per step, most of a migration's time. A step can only
break the keys of the tables it touches, so only foreign keys whose child or parent the step names
are checked; and a single-column key is checked with one set-based query (`NOT IN` over the
parent's keys, which SQLite answers from the child's index), falling back to the pragma for
composite keys.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable

# Table names a statement can change: CREATE/ALTER/DROP TABLE x, INSERT/REPLACE INTO x, UPDATE x,
# DELETE FROM x, ... RENAME TO x.
_TOUCHED = re.compile(
    r"\b(?:TABLE(?:\s+IF\s+(?:NOT\s+)?EXISTS)?|INTO|UPDATE(?:\s+OR\s+\w+)?|FROM|RENAME\s+TO)\s+"
    r"(?:\w+\s*\.\s*)?[\"`\[]?(\w+)",
    re.IGNORECASE,
)


# Column drops and renames cannot break a foreign key: SQLite refuses to drop a key column and
# rewrites references to a renamed one.
_HARMLESS = re.compile(r"^\s*ALTER\s+TABLE\s+\S+\s+(?:DROP|RENAME)\s+(?!TO\b)", re.IGNORECASE)


def touched_tables(statements: Iterable[str]) -> set[str]:
    return {m.group(1).lower() for sql in statements if not _HARMLESS.match(sql) for m in _TOUCHED.finditer(sql)}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _primary_key(conn: sqlite3.Connection, table: str) -> list[str]:
    cols = conn.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
    return [c[1] for c in sorted((c for c in cols if c[5]), key=lambda c: c[5])] or ["rowid"]


def violations(conn: sqlite3.Connection, touched: set[str], limit: int = 5) -> list[tuple[str, int, str]]:
    """(child table, child rowid, parent table) for rows whose parent is missing."""
    found: list[tuple[str, int, str]] = []
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    existing = {t.lower() for t in tables}
    for child in tables:
        keys: dict[int, list[tuple[str, str, str | None]]] = {}
        for row in conn.execute(f"PRAGMA foreign_key_list({_quote(child)})"):
            keys.setdefault(row[0], []).append((row[2], row[3], row[4]))
        for columns in keys.values():
            parent = columns[0][0]
            if child.lower() not in touched and parent.lower() not in touched:
                continue
            if len(columns) != 1 or parent.lower() not in existing:
                found += [(r[0], r[1], r[2]) for r in conn.execute(f"PRAGMA foreign_key_check({_quote(child)})")]
                continue
            _, column, target = columns[0]
            if target is None:
                pk = _primary_key(conn, parent)
                if len(pk) != 1:
                    found += [(r[0], r[1], r[2]) for r in conn.execute(f"PRAGMA foreign_key_check({_quote(child)})")]
                    continue
                target = pk[0]
            rows = conn.execute(
                f"SELECT rowid FROM {_quote(child)} WHERE {_quote(column)} IS NOT NULL AND {_quote(column)} NOT IN "
                f"(SELECT {_quote(target)} FROM {_quote(parent)} WHERE {_quote(target)} IS NOT NULL) LIMIT ?",
                (limit,)).fetchall()
            found += [(child, r[0], parent) for r in rows]
        if len(found) >= limit:
            break
    return found[:limit]
