"""Foreign key checks for a migration step, at the cost of an index scan.

`PRAGMA foreign_key_check` walks every row of every child table and looks its parent up one by
one: on a million sessions that is seconds per step, most of a migration's time. A step can only
break the keys of the tables it touches, so only foreign keys whose child or parent the step names
are checked; and a single-column key is checked set-based, each distinct key looked up once in
the parent (see _missing_parents), falling back to the pragma for composite keys.
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
        by_pragma: set[int] = set()  # composite keys and the like: left to SQLite, by key id
        for fk_id, columns in keys.items():
            parent = columns[0][0]
            if child.lower() not in touched and parent.lower() not in touched:
                continue
            _, column, target = columns[0]
            if target is None and len(columns) == 1 and parent.lower() in existing:
                pk = _primary_key(conn, parent)
                target = pk[0] if len(pk) == 1 else None
            if len(columns) != 1 or target is None or parent.lower() not in existing:
                by_pragma.add(fk_id)
                continue
            found += _missing_parents(conn, child, column, parent, target, limit)
        if by_pragma:
            rows = conn.execute(f"PRAGMA foreign_key_check({_quote(child)})")
            found += [(r[0], r[1], r[2]) for r in rows if r[3] in by_pragma]
        if len(found) >= limit:
            break
    return found[:limit]


def _missing_parents(
    conn: sqlite3.Connection, child: str, column: str, parent: str, target: str, limit: int
) -> list[tuple[str, int, str]]:
    """Rows of `child` whose `column` names no `parent`.`target`.

    Each distinct key is looked up once (a million sessions hold fifty thousand thread ids, read
    in order from the child's index when it has one), with NOT EXISTS, which a NULL parent key
    cannot fool as it fools NOT IN, and which SQLite answers from the parent's key index. Only
    when keys are missing are the offending rows fetched."""
    c, p, k, t = _quote(child), _quote(parent), _quote(column), _quote(target)
    missing = [key for (key,) in conn.execute(
        f"SELECT keys.value FROM (SELECT DISTINCT {k} AS value FROM {c} WHERE {k} IS NOT NULL) AS keys "
        f"WHERE NOT EXISTS (SELECT 1 FROM {p} AS parent WHERE parent.{t} = keys.value) LIMIT ?", (limit,))]
    if not missing:
        return []
    marks = ", ".join("?" * len(missing))
    rows = conn.execute(f"SELECT rowid FROM {c} WHERE {k} IN ({marks}) LIMIT ?", (*missing, limit)).fetchall()
    return [(child, rowid, parent) for (rowid,) in rows]
