"""SQLite introspection for the drift check (`codegen verify --db FILE`).

The live file is opened read-only (`file:...?mode=ro`, plus PRAGMA query_only), so neither the
check nor a query it prepares can write it. The reference is an in-memory database the
migrations run in, behind the same authorizer `codegen verify` uses (no ATTACH, no file
functions). Both are described by the same code: sqlite_schema, PRAGMA table_xinfo / index_list /
index_xinfo / foreign_key_list, and, for what no PRAGMA reports (CHECK constraints,
AUTOINCREMENT, view and trigger bodies), the stored CREATE text, normalised token by token.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ...liveschema import Description, LiveDatabaseError, MigrationRefused, QueryRefused
from ...sqltext import lex
from . import lexing
from .sandbox import Sandbox, sandbox_refusal

_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")


def accepts(db: str) -> bool:
    """A path or a file: URI; any URL with another scheme belongs to another engine."""
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", db)
    return scheme is None or scheme.group(1).lower() == "file" or len(scheme.group(1)) == 1  # C:\\x.db


@functools.lru_cache(maxsize=4096)
def normal_sql(text: str | None) -> str | None:
    """SQL text in one spelling: comments and spacing dropped, words and simple quoted names in
    lower case (SQLite compares names without case), string literals as written."""
    if text is None:
        return None
    out = []
    for lexeme in lex(text, lexing):
        if lexeme.kind in ("ws", "line_comment", "block_comment"):
            continue
        token = lexeme.text
        if lexeme.kind == "ident" and _PLAIN_NAME.match(token[1:-1]):
            token = token[1:-1]
        out.append(token.lower() if lexeme.kind in ("word", "ident") else token)
    return " ".join(out)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _checks(create_sql: str) -> list[str]:
    """The CHECK constraints of a CREATE TABLE, each as its normalised expression."""
    lexemes = [x for x in lex(create_sql, lexing) if x.kind not in ("ws", "line_comment", "block_comment")]
    found = []
    for i, lexeme in enumerate(lexemes):
        if lexeme.kind != "word" or lexeme.text.upper() != "CHECK" or i + 1 >= len(lexemes) \
                or lexemes[i + 1].text != "(":
            continue
        depth, j = 0, i + 1
        while j < len(lexemes):
            depth += {"(": 1, ")": -1}.get(lexemes[j].text, 0)
            if depth == 0:
                break
            j += 1
        found.append(normal_sql(create_sql[lexemes[i + 1].start:lexemes[min(j, len(lexemes) - 1)].end]) or "")
    return found


_TABLE_CONSTRAINTS = {"constraint", "primary", "unique", "check", "foreign"}


def _column_clauses(create_sql: str) -> dict[str, dict[str, object]]:
    """What no PRAGMA tells of each column of a CREATE TABLE: its COLLATE and its generated
    expression, read from the column's definition (a top-level item of the column list)."""
    lexemes = [x for x in lex(create_sql, lexing) if x.kind not in ("ws", "line_comment", "block_comment")]
    items: list[list[str]] = []
    depth = 0
    for lexeme in lexemes:
        token = lexeme.text
        if token == "(":
            depth += 1
            if depth == 1:
                items.append([])
                continue
        elif token == ")":
            depth -= 1
        elif token == "," and depth == 1:
            items.append([])
            continue
        if depth >= 1 and items:
            items[-1].append(normal_sql(token) or "")
    clauses: dict[str, dict[str, object]] = {}
    for item in items:
        if not item or item[0] in _TABLE_CONSTRAINTS:
            continue
        collation = next((item[i + 1] for i in range(len(item) - 1) if item[i] == "collate"), None)
        generated = next((" ".join(item[i + 1:]) for i in range(len(item) - 1) if item[i] == "as"
                          and item[i + 1] == "("), None)
        generated = generated[:generated.rfind(")") + 1] if generated else None  # without STORED / VIRTUAL
        clauses[item[0]] = {"collation": collation, "expression": generated}
    return clauses


def _type(declared: str) -> str:
    """A declared type in one spelling: upper case, single spaces, none around ( , )."""
    return re.sub(r"\s*([(),])\s*", r"\1", " ".join(declared.upper().split())).replace(",", ", ")


def _table_options(create_sql: str) -> dict[str, object]:
    tail = normal_sql(create_sql[create_sql.rfind(")") + 1:]) or ""
    return {"autoincrement": bool(re.search(r"\bAUTOINCREMENT\b", create_sql, re.IGNORECASE)),
            "without_rowid": "without rowid" in tail, "strict": "strict" in tail}


TableCache = dict[tuple[str, str], Description]


def describe(conn: sqlite3.Connection, tables: TableCache | None = None) -> Description:
    """The schema of the main database as a drift Description (see codegen.liveschema).

    What a table describes to follows from its stored CREATE text (SQLite rewrites it on every
    ALTER TABLE, the renames of tables it references included), so `tables` may keep each table's
    part by (name, text): the reference is described after every migration statement, and only
    the tables a statement changed are read again."""
    found: Description = {}
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM main.sqlite_schema "
                        "WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name").fetchall()
    for kind, name, table, sql in rows:
        key_name, key_table = name.lower(), table.lower()
        if kind == "table":
            cache_key = (name, sql or "")
            if tables is None or cache_key not in tables:
                part: Description = {}
                _describe_table(conn, name, sql or "", part)
                if tables is None:
                    found.update(part)
                    continue
                tables[cache_key] = part
            found.update(tables[cache_key])
        elif kind == "view":
            try:
                columns: list[str] | None = [f"{c[1]} {c[2]}".strip()
                                             for c in conn.execute(f"PRAGMA main.table_info({_quote(name)})")]
            except sqlite3.Error:
                # It reads a table dropped or renamed since (SQLite keeps such a view, and a later
                # statement may create the table again): it has no columns until then.
                columns = None
            found[("view", key_name)] = {"definition": normal_sql(sql), "columns": columns}
        elif kind == "trigger":
            found[("trigger", key_table, key_name)] = {"definition": normal_sql(sql)}
        elif kind == "index" and sql is not None:  # autoindexes (no sql) are UNIQUE / PRIMARY KEY constraints
            found[("index", key_table, key_name)] = {"definition": normal_sql(sql)}
    return found


def _describe_table(conn: sqlite3.Connection, name: str, sql: str, found: Description) -> None:
    table = name.lower()
    columns = conn.execute(f"PRAGMA main.table_xinfo({_quote(name)})").fetchall()
    found[("table", table)] = _table_options(sql)
    found[("column_order", table)] = {"columns": [c[1].lower() for c in columns]}
    primary = sorted((c[5], c[1].lower()) for c in columns if c[5])
    if primary:
        found[("primary_key", table)] = {"columns": [name for _, name in primary]}
    clauses = _column_clauses(sql)
    for _, column, declared, not_null, default, _, hidden in columns:
        clause = clauses.get(column.lower(), {})
        found[("column", table, column.lower())] = {
            "type": _type(declared), "not_null": bool(not_null), "default": normal_sql(default),
            "collation": clause.get("collation"),
            "generated": {0: None, 2: "virtual", 3: "stored"}.get(hidden, hidden),
            "expression": clause.get("expression") if hidden in (2, 3) else None}
    for _, index, unique, origin, _ in conn.execute(f"PRAGMA main.index_list({_quote(name)})").fetchall():
        if origin == "u":
            names = [r[2].lower() for r in conn.execute(f"PRAGMA main.index_info({_quote(index)})")]
            found[("unique", table, f"UNIQUE ({', '.join(names)})")] = {}
    keys: dict[int, list[tuple[object, ...]]] = {}
    for row in conn.execute(f"PRAGMA main.foreign_key_list({_quote(name)})").fetchall():
        keys.setdefault(row[0], []).append(row)
    for parts in keys.values():
        parts.sort(key=lambda r: r[1])  # type: ignore[arg-type, return-value]
        target, on_update, on_delete, match = parts[0][2], parts[0][5], parts[0][6], parts[0][7]
        sources = ", ".join(str(p[3]).lower() for p in parts)
        targets = ", ".join(str(p[4]).lower() for p in parts if p[4] is not None)
        definition = f"FOREIGN KEY ({sources}) REFERENCES {str(target).lower()}" + (f" ({targets})" if targets else "")
        found[("foreign_key", table, definition)] = {"on_update": on_update, "on_delete": on_delete, "match": match}
    for check in _checks(sql):
        found[("check", table, f"CHECK {check}")] = {}


class LiveFile:
    """The database file under check, read-only."""

    def __init__(self, db: str) -> None:
        self.display = db
        path = db.removeprefix("file:").split("?")[0] if db.startswith("file:") else db
        if not Path(urllib.parse.unquote(path)).is_file():
            raise LiveDatabaseError("no such database file" if not Path(path).exists() else "not a regular file")
        uri = db if db.startswith("file:") else "file:" + urllib.parse.quote(str(Path(db).resolve()))
        uri += ("&" if "?" in uri else "?") + "mode=ro"
        try:
            self.conn = sqlite3.connect(uri, uri=True, isolation_level=None)
            self.conn.execute("PRAGMA query_only = ON")
            self.conn.execute("SELECT count(*) FROM main.sqlite_schema").fetchone()
        except sqlite3.Error as error:
            raise LiveDatabaseError(f"cannot read the database: {error}") from None
        self.sandbox = Sandbox(self.conn)

    def describe(self) -> Description:
        return describe(self.conn)

    def prepare(self, sql: str, parameters: int) -> list[str]:
        try:
            # EXPLAIN compiles the statement without running it: nothing is read or written.
            program = self.conn.execute("EXPLAIN " + sql, [None] * parameters).fetchall()
        except sqlite3.Error as error:
            reason = self.sandbox.reason(error)
            raise QueryRefused(reason if sandbox_refusal(reason) else f"SQLite rejects it: {reason}") from None
        counts = [row[3] for row in program if row[1] == "ResultRow"]  # p2: the column count
        return [""] * (max(counts) if counts else 0)


class MemoryReference:
    """The migrations applied to an in-memory database, inside verify's sandbox."""

    def __init__(self) -> None:
        self.conn = sqlite3.connect(":memory:", isolation_level=None)
        self.tables: TableCache = {}
        self.sandbox = Sandbox(self.conn)

    def apply(self, sql: str) -> None:
        try:
            self.conn.execute(sql)
        except sqlite3.Error as error:
            if "reserved for internal use" in str(error):
                return  # CREATE TABLE sqlite_master (...): declares what SQLite already has
            reason = self.sandbox.reason(error)
            raise MigrationRefused(reason if sandbox_refusal(reason)
                                   else f"SQLite rejects this migration statement: {reason}") from None

    def start_file(self) -> None:
        """Nothing a SQLite migration sets outlives it in the runner either."""

    def describe(self) -> Description:
        return describe(self.conn, self.tables)


@contextmanager
def open_live(db: str) -> Iterator[LiveFile]:
    live = LiveFile(db)
    try:
        yield live
    finally:
        live.conn.close()


@contextmanager
def reference(live: object) -> Iterator[MemoryReference]:
    ref = MemoryReference()
    try:
        yield ref
    finally:
        ref.conn.close()
