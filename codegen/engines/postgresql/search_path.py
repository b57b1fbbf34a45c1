"""PostgreSQL's search_path, as the catalog follows it: which schemas an unqualified name is looked
up in, and where an unqualified CREATE puts its object.

The server keeps the path as a list of names and checks which of them exist at each lookup, so
the catalog does the same: a migration's `SET search_path TO app, public` (or pg_dump's
`set_config('search_path', '', false)`, or RESET) holds for the statements after it, up to the end
of its file (the migration runner starts each file with its session's own settings), and a schema
created later on that path is searched from then on. Each file starts with the project's declared
`search_path` (config; the server's default `"$user", public` when none is declared), which is
also the path the queries are analysed with: the connection's own.

`$user` names the schema called as the role that connects, which codegen does not know: it is
taken to name none (a project whose role has a schema of its own names it in `search_path`)."""

from __future__ import annotations

import re

from ...catalog.cursor import Cursor
from ...catalog.state import SchemaState

DEFAULT_PATH = ("$user", "public")

_SET_SEARCH_PATH = re.compile(r"SET\s+(?:SESSION\s+|LOCAL\s+)?search_path\s*(?:TO\b|=)\s*(.*?)\s*;?\s*$",
                              re.IGNORECASE | re.DOTALL)
_SET_CONFIG = re.compile(r"SELECT\s+(?:pg_catalog\s*\.\s*)?set_config\s*\(\s*'search_path'\s*,\s*'((?:[^']|'')*)'",
                         re.IGNORECASE)
_RESET = re.compile(r"RESET\s+search_path\b|SET\s+(?:SESSION\s+|LOCAL\s+)?search_path\s*(?:TO\b|=)\s*DEFAULT\s*;?\s*$",
                    re.IGNORECASE)


def path_set(cur: Cursor) -> tuple[str, ...] | None:
    """The schema names a statement sets the search_path to (SET [SESSION|LOCAL], pg_dump's
    set_config, RESET or SET ... DEFAULT: None in the tuple's place means the session's default);
    None for any other statement."""
    text = cur.text[cur.offset():]
    if _RESET.match(text):
        return ("DEFAULT",)
    found = _SET_SEARCH_PATH.match(text)
    if found is not None:
        return names_of(found.group(1), as_sql=True)
    found = _SET_CONFIG.match(text)
    return names_of(found.group(1).replace("''", "'"), as_sql=False) if found is not None else None


def names_of(path: str, as_sql: bool) -> tuple[str, ...]:
    """The schema names of a search_path value. Written in SET (`as_sql`), an item is a name
    (folded to lower case), a quoted name (kept) or a string (kept: `SET search_path TO 'App'`
    names App); inside set_config's string, the server parses the text as a list of names."""
    names = []
    for item in _items(path):
        if item.startswith('"') and item.endswith('"') and len(item) >= 2:
            names.append(item[1:-1].replace('""', '"'))
        elif as_sql and item.startswith("'") and item.endswith("'") and len(item) >= 2:
            names.append(item[1:-1].replace("''", "'"))
        elif item:
            names.append(item.lower() if item != "$user" else item)
    return tuple(names)


def _items(path: str) -> list[str]:
    """Split at the commas outside double quotes (a quoted name may hold one)."""
    items, current, quoted = [], "", False
    for ch in path:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            items.append(current.strip())
            current = ""
        else:
            current += ch
    items.append(current.strip())
    return [i for i in items if i]


class SearchPath:
    """The path a PostgreSQL catalog follows while it applies migrations, then for queries."""

    def __init__(self, state: SchemaState, schemas: set[str], declared: tuple[str, ...] = DEFAULT_PATH) -> None:
        self.state = state
        self.schemas = schemas  # the names of the schemas there are (exact case), kept up to date by the catalog
        self.declared = declared
        self.names: tuple[str, ...] = declared

    def start_session(self) -> None:
        self.names = self.declared
        self.refresh()

    def set(self, names: tuple[str, ...]) -> None:
        self.names = self.declared if names == ("DEFAULT",) else names
        self.refresh()

    def refresh(self) -> None:
        self.state.search_path = self.effective(self.names)

    def effective(self, names: tuple[str, ...]) -> tuple[str | None, ...]:
        """The schemas of a path that exist now, as catalog keys name them. pg_catalog is the
        built-ins' (searched first for types and functions, holding no table of the project) and
        pg_temp the session's own temporary schema: neither is a place an object is created."""
        found: list[str | None] = []
        for name in names:
            if name == "$user" or name.lower() == "pg_catalog" or name.lower().startswith("pg_temp") \
                    or name not in self.schemas:
                continue
            key = self.state.engine.lookup_schema(name)
            if key not in found:
                found.append(key)
        return tuple(found)
