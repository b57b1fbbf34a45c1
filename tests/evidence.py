"""Type evidence from a real SQLite database: does every value SQLite returns fit the analysis?

`gather(root, db_path)` analyzes the project in folder `root` (a pyproject.toml with
[tool.codegen]), applies its migrations to a real SQLite file, fills every ordinary table (and
every fts5 table) with generated rows, runs every query several times with generated
parameters, and checks each returned value against the type and nullability the analysis
declared for its column. Every table and view is also read whole and judged against the catalog.
The result is an `Evidence`: the contradictions found, readable, and counts that show the check
was not vacuous.

Filling tables (`fill_tables`, `draw`): about 30 rows a table, each value drawn by the column's
declared logical type: ints mostly 1..6 (so foreign keys and joins match; an INTEGER PRIMARY KEY
numbers the rows), str from a small pool of words, Literal from the CHECK list,
'YYYY-MM-DD HH:MM:SS' datetimes, 'YYYY-MM-DD' dates, 'HH:MM:SS' times, 0/1 bools, floats, blobs,
JSON text, numbers for decimals, a mix of int, float, text and blob for untyped columns; now and
then an edge value (0, negative, big, 0.0, '', '42', '1.5'). NULL goes wherever SQLite's own schema
allows it (PRAGMA table_xinfo, not the analysis: the data is what a real database may hold; see
NULL_PRIMARY_KEYS for the one exception), often, and row 0 of every table is NULL in every column
that may be NULL. Rows go in one by one with INSERT OR IGNORE and foreign_keys OFF, so a constraint
only ever drops a row. Generated columns are left to SQLite. An fts5 table with its own content is
filled like a table; an external content fts5 table is rebuilt from its content table.

Running queries (`run_queries`): each query runs RUNS_PER_QUERY times inside a SAVEPOINT that is
rolled back, so :exec, :execrows and INSERT ... RETURNING run for real and leave nothing behind.
Parameters are drawn by their declared types too (ints 0..6, now and then an unused key; slices
get lists of 0..3 items; a nullable parameter is None a quarter of the time); every other run takes
the values of parameters named like a column from one stored row of that table, so lookups by
several columns find rows. A run that hits a UNIQUE constraint is tried again with fresh values.

Judging a value against its declared type (`judge`):
  NULL            only where the column is declared nullable
  int             a Python int
  float           a float, or an int. Python's typing takes an int wherever a float is declared
                  (PEP 484's numeric tower), the generated pydantic validation turns it into a
                  float, so the caller always holds a float, and SQLite gives ints for float
                  expressions in ordinary ways: coalesce(real_col, 0) on a NULL, and RETURNING of a
                  REAL column of a rowid table given 2.0 (it returns the int 2, though typeof says
                  'real' and a later SELECT gives 2.0). These are counted (`int_for_float`), so an
                  analysis that says float for an integer-only expression still shows up there.
  str             a str; Literal[...]: one of the CHECK values
  bytes           bytes
  bool            the int 0 or 1 (what SQLite stores for a boolean)
  date/datetime/time  a str that pydantic parses as the declared annotation
  interval        an int or float (seconds)
  decimal         an int or float
  uuid            a str that pydantic parses as a UUID
  json, any       anything
and then the value must pass pydantic's validation of the full annotation (what the generated
code does with each row), so nothing the analysis promises is left unchecked.

A run SQLite rejects is evidence too: a datatype mismatch (a parameter of the declared type that
SQLite refuses, such as text for LIMIT) or a NOT NULL failure that goes away when the NULL
parameters get values (a parameter declared nullable that cannot be NULL) is a contradiction.
Other failures depend on the data (UNIQUE, CHECK, a NOT NULL fed by stored rows) and only drop
that run; they are counted per query in `QueryStats.rejected`.
"""

from __future__ import annotations

import datetime
import decimal
import importlib
import pathlib
import random
import re
import sqlite3
import typing
import uuid
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pydantic

from codegen import ir, pipeline, variants
from codegen.config import Config, load_config
from codegen.engines.registry import engine_named
from codegen.python.typemap import annotation

SQLITE = engine_named("sqlite")
from codegen.sources import schema_files

ROWS_PER_TABLE = 30
RUNS_PER_QUERY = 10

WORDS = ("alpha", "beta", "gamma", "delta", "alpha beta", "x")
FLOATS = (0.5, 1.25, 2.0, 3.75, -1.5, 6.0)
BLOBS = (b"\x00\x01", b"blob", b"", b"\xff" * 3)
JSON_TEXTS = ('{"a": 1}', "[1, 2, 3]", '"text"', "3", '{"a": {"b": [true, null]}}')
DECIMALS = (1, 2.5, 10, 0.75, 3)
EDGE_INTS = (0, -3, 100, 10_000, 123_456, 2**40)
EDGE_FLOATS = (0.0, -0.5, 1e300)
EDGE_WORDS = ("", "42", "1.5")


@dataclass
class QueryStats:
    runs: int = 0
    ok_runs: int = 0
    rows: int = 0
    values: int = 0
    rejected: Counter[str] = field(default_factory=Counter)  # data-dependent SQLite errors, by message


@dataclass
class Evidence:
    project: str
    contradictions: list[str] = field(default_factory=list)
    values_checked: int = 0  # values returned by queries
    rows_checked: int = 0  # rows returned by queries
    relation_values: int = 0  # values read from the tables and views themselves
    table_rows: dict[str, int] = field(default_factory=dict)  # rows that went into each filled table
    queries: dict[str, QueryStats] = field(default_factory=dict)
    returning: list[str] = field(default_factory=list)  # queries declared to return columns
    int_for_float: Counter[str] = field(default_factory=Counter)  # "Query.column": ints seen where float is declared

    @property
    def silent(self) -> list[str]:
        """Queries declared to return columns that never returned a row."""
        return [q for q in self.returning if self.queries[q].rows == 0]

    def summary(self) -> str:
        runs = sum(s.runs for s in self.queries.values())
        ok = sum(s.ok_runs for s in self.queries.values())
        return (f"{self.project}: {len(self.queries)} queries, {ok}/{runs} runs ran, "
                f"{len(self.returning) - len(self.silent)}/{len(self.returning)} row-returning queries returned rows, "
                f"{self.rows_checked} rows and {self.values_checked} values from queries checked "
                f"(and {self.relation_values} values of tables and views), "
                f"{len(self.contradictions)} contradictions")


# --- the project --------------------------------------------------------------------------------


def sqlite_config(root: Path) -> Config:
    config = load_config(root / "pyproject.toml", root)
    for candidate in (config, *config.targets):
        if candidate.engine == "sqlite":
            return candidate
    raise ValueError(f"{root}: no sqlite target")


def build_database(config: Config, db_path: Path) -> sqlite3.Connection:
    """The migrations applied, in order, to a real SQLite file; autocommit, foreign keys off."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("PRAGMA journal_mode = MEMORY")  # a throwaway file: no fsync per statement
    conn.execute("PRAGMA synchronous = OFF")
    for source in schema_files(config):
        conn.executescript(source.text)
    return conn


# --- drawing values -----------------------------------------------------------------------------


def draw(rng: random.Random, t: ir.ValueType, row: int | None = None) -> object:
    """A non-NULL value of logical type t, as an application would store it in SQLite.

    row: the row number when filling a table, None for a parameter. Stored values are mostly
    small (ints 1..6, so foreign keys and joins match; words from the pool), now and then a value
    of the row's own (row + 1, "beta 17") so UNIQUE columns keep more than six rows, and now and
    then an edge: 0, a negative or a big int, 0.0, an empty or a numeric-looking string (which
    SQLite turns into a number in arithmetic, and into an int or a real under NUMERIC affinity).
    Parameters are small non-negative ints (LIMIT, OFFSET), now and then an unused key, and
    words from the pool (fts5 MATCH takes them) or a fresh word no row has.
    """
    if t.literals:
        return rng.choice(t.literals)
    base, roll = t.base, rng.random()
    if base == ir.INT:
        if row is None:
            return rng.randint(0, 6) if roll < 0.7 else rng.randint(1000, 9999)
        return rng.randint(1, 6) if roll < 0.7 else row + 1 if roll < 0.85 else rng.choice(EDGE_INTS)
    if base == ir.BOOL:
        return rng.randint(0, 1)
    if base == ir.FLOAT:
        return rng.choice(FLOATS) if row is None or roll < 0.9 else rng.choice(EDGE_FLOATS)
    if base == ir.STR:
        if row is None:
            return rng.choice(WORDS) if roll < 0.7 else f"fresh{rng.randint(100, 999)}"
        return rng.choice(WORDS) if roll < 0.5 else f"{rng.choice(WORDS)} {row + 1}" if roll < 0.9 else rng.choice(EDGE_WORDS)
    if base == ir.BYTES:
        return rng.choice(BLOBS)
    if base == ir.DATE:
        return f"2024-0{rng.randint(1, 3)}-{rng.randint(1, 28):02d}"
    if base in (ir.DATETIME, ir.DATETIME_TZ):
        return f"2024-0{rng.randint(1, 3)}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00"
    if base == ir.TIME:
        return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    if base == ir.INTERVAL:
        return rng.choice((60, 90.5, 3600))
    if base == ir.DECIMAL:
        return rng.choice(DECIMALS)
    if base == ir.JSON:
        return rng.choice(JSON_TEXTS)
    if base == ir.UUID:
        return str(uuid.UUID(int=rng.randint(1, 6)))
    # any (untyped): a mix of storage classes
    return rng.choice((rng.randint(1, 6), rng.choice(FLOATS), rng.choice(WORDS + EDGE_WORDS), rng.choice(BLOBS)))


# --- judging values -----------------------------------------------------------------------------

_MODULES = {"datetime": datetime, "decimal": decimal, "typing": typing, "uuid": uuid, "pathlib": pathlib}
_ADAPTERS: dict[str, pydantic.TypeAdapter[typing.Any] | None] = {}


def _adapter(ann: str) -> pydantic.TypeAdapter[typing.Any] | None:
    """pydantic's validator for an annotation as the generated code writes it; None if its type
    cannot be imported here (a configured override from the application)."""
    if ann not in _ADAPTERS:
        namespace: dict[str, object] = dict(_MODULES)
        for dotted in re.findall(r"[A-Za-z_][\w.]*\.[A-Za-z_]\w*", ann):
            module = dotted.rsplit(".", 1)[0]
            if module.split(".")[0] not in namespace:
                try:
                    namespace[module.split(".")[0]] = importlib.import_module(module.split(".")[0])
                    importlib.import_module(module)
                except ImportError:
                    _ADAPTERS[ann] = None
                    return None
        _ADAPTERS[ann] = pydantic.TypeAdapter(eval(ann, namespace))  # noqa: S307 - our own annotations
    return _ADAPTERS[ann]


def judge(value: object, t: ir.ValueType, nullable: bool) -> str | None:
    """Why value contradicts the declared type, or None when it fits."""
    ann = annotation(t, nullable, SQLITE)
    if value is None:
        return None if nullable else "NULL where the column is declared NOT NULL"
    base, kind = t.base, type(value)
    why = None
    if t.literals and base == ir.STR:
        if value not in t.literals:
            why = "not one of the Literal values"
    elif base == ir.INT:
        why = None if kind is int else "not an int"
    elif base == ir.FLOAT:
        why = None if kind in (int, float) else "not a float"
    elif base == ir.STR:
        why = None if kind is str else "not a str"
    elif base == ir.BYTES:
        why = None if kind is bytes else "not bytes"
    elif base == ir.BOOL:
        why = None if kind is int and value in (0, 1) else "not 0 or 1"
    elif base in (ir.DATE, ir.DATETIME, ir.DATETIME_TZ, ir.TIME, ir.UUID):
        why = None if kind is str else "not text"
    elif base in (ir.INTERVAL, ir.DECIMAL):
        why = None if kind in (int, float) else "not a number"
    if why is None and base not in (ir.ANY, ir.JSON):
        adapter = _adapter(ann)
        if adapter is not None:
            try:
                adapter.validate_python(value)
            except pydantic.ValidationError as error:
                why = "pydantic rejects it: " + error.errors()[0]["msg"]
    return why


# --- filling tables -----------------------------------------------------------------------------


def _master(conn: sqlite3.Connection) -> dict[str, tuple[str, str]]:
    return {name.lower(): (kind, sql or "") for name, kind, sql in
            conn.execute("SELECT name, type, sql FROM sqlite_master WHERE type IN ('table', 'view')")}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# A PRIMARY KEY column of an ordinary rowid table (not the INTEGER PRIMARY KEY rowid alias) takes
# NULL in SQLite, by a legacy quirk its documentation regrets ("PRIMARY KEY should always imply NOT
# NULL"). The analysis deliberately models every PRIMARY KEY column as NOT NULL, as sqlc does
# (codegen/catalog/tables.py finish_nullability), and no application stores a NULL key, so the
# generated rows give every PRIMARY KEY column a value. True makes the evidence hold the analysis
# to the quirk as well. An INSERT of the project's own that leaves such a column out (so stores NULL
# there) is refused by codegen at the query (analyze/dml.py _check_keys_given).
NULL_PRIMARY_KEYS = False

# sqlc conformance cases codegen refuses on purpose (sqlc accepts them): case -> the error's words.
# wrap_errors: `id BIGINT PRIMARY KEY` is no rowid alias, so CreateAuthor (INSERT INTO authors (name,
# bio)) stores a NULL id, which GetAuthor(id) never finds and ListAuthors cannot read back as an int
# (tests/test_sqlc_differences.py test_wrap_errors_create_author_stores_a_null_key).
REFUSED_CONFORMANCE = {"wrap_errors__sqlite": "query CreateAuthor: the INSERT leaves out authors.id"}

_CONTENT = re.compile(r"\bcontent\s*=\s*('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\w+)", re.IGNORECASE)


def _fts5_content(sql: str) -> str | None:
    """The content= option of an fts5 table: '' contentless, a table name external content, None own content."""
    match = _CONTENT.search(sql)
    if match is None:
        return None
    value = match.group(1)
    return value[1:-1] if value[:1] in ("'", '"') else value


def fill_tables(conn: sqlite3.Connection, project: ir.Project, evidence: Evidence, seed: str) -> None:
    master = _master(conn)
    rebuild = []  # external content fts5 tables: their index is rebuilt from the content table at the end
    for table in project.catalog.tables:
        if table.is_view:
            continue
        entry = master.get(table.name.lower())
        if entry is None or entry[0] != "table":
            evidence.contradictions.append(f"{evidence.project}: table {table.name}: in the catalog, not in SQLite")
            continue
        sql = entry[1]
        if sql.lstrip().upper().startswith("CREATE VIRTUAL"):
            if not re.search(r"\bUSING\s+fts5\b", sql, re.IGNORECASE):
                continue  # only fts5 virtual tables are filled
            if _fts5_content(sql):
                # An external content table reads its columns from the content table by rowid; rows
                # written to the index alone would corrupt it (SQLite: "database disk image is malformed").
                rebuild.append(table.name)
                continue
        strict_or_without_rowid = bool(re.search(r"\)\s*(STRICT|WITHOUT\s+ROWID)\b", sql, re.IGNORECASE))
        declared = {c.name.lower(): c for c in table.columns}
        info = conn.execute(f"PRAGMA table_xinfo({_quote(table.name)})").fetchall()
        pk_cols = [r for r in info if r[5]]
        names, kinds = [], []  # insertable columns, how each is drawn
        for cid, name, sql_type, notnull, default, pk, hidden in info:
            if hidden:
                continue  # generated columns, fts5's hidden columns
            col = declared.get(name.lower())
            if col is None:
                evidence.contradictions.append(f"{evidence.project}: table {table.name}: SQLite has column {name!r}, "
                                               "the catalog does not")
                continue
            rowid_alias = bool(pk) and len(pk_cols) == 1 and sql_type.upper() == "INTEGER" and not strict_or_without_rowid
            may_be_null = not notnull and not (pk and (rowid_alias or strict_or_without_rowid or not NULL_PRIMARY_KEYS))
            names.append(name)
            kinds.append(("rowid" if rowid_alias else "value", col.type, may_be_null))
        if not names:
            continue
        rng = random.Random(f"{seed}/{table.name}")
        statement = (f"INSERT OR IGNORE INTO {_quote(table.name)} ({', '.join(_quote(n) for n in names)}) "
                     f"VALUES ({', '.join('?' for _ in names)})")
        inserted = 0
        for i in range(ROWS_PER_TABLE):
            row: list[object] = []
            for how, t, may_be_null in kinds:
                if how == "rowid":
                    row.append(i + 1)
                elif may_be_null and (i == 0 or rng.random() < 0.3):
                    row.append(None)
                else:
                    row.append(draw(rng, t, i))
            try:
                inserted += conn.execute(statement, row).rowcount > 0
            except sqlite3.Error:
                pass  # a CHECK or a trigger refused the row: it is dropped, like a constraint drops it
        evidence.table_rows[table.name] = inserted
    for name in rebuild:
        try:
            conn.execute(f"INSERT INTO {_quote(name)}({_quote(name)}) VALUES ('rebuild')")
        except sqlite3.Error as error:
            evidence.contradictions.append(f"{evidence.project}: table {name}: fts5 rebuild failed: {error}")
        evidence.table_rows[name] = conn.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()[0]


# --- running queries ----------------------------------------------------------------------------

_SLICE = "/*SLICE:{}*/?"


def expanded_columns(query: ir.Query, catalog: ir.Catalog) -> list[tuple[str, ir.ValueType, bool]]:
    """(name, type, nullable) of each column SQLite returns: sqlc.embed columns are the table's."""
    out = []
    for c in query.columns:
        if c.embed:
            table = next(t for t in catalog.tables if t.name.lower() == c.embed.lower())
            out += [(f"{c.name}.{tc.name}", tc.type, tc.nullable or c.nullable) for tc in table.columns]
        else:
            out.append((c.name, c.type, c.nullable))
    return out


Row = dict[tuple[str, str], object]  # (column name lowercased, logical type) -> a stored non-NULL value


Stored = list[tuple[set[tuple[str, str]], list[Row]]]  # per filled table: its column keys, its rows


def stored_rows(conn: sqlite3.Connection, project: ir.Project) -> Stored:
    """The rows of every filled table, for parameters named after the columns they meet."""
    tables = []
    for table in project.catalog.tables:
        if table.is_view:
            continue
        try:
            rows = conn.execute(f"SELECT {', '.join(_quote(c.name) for c in table.columns)} "
                                f"FROM {_quote(table.name)}").fetchall()
        except sqlite3.Error:
            continue
        keys = [(c.name.lower(), c.type.base) for c in table.columns]
        if rows:
            tables.append((set(keys), [{k: v for k, v in zip(keys, row) if v is not None} for row in rows]))
    return tables


def _stored_row(query: ir.Query, rng: random.Random, tables: Stored) -> Row:
    """One stored row of the table whose columns share the most names (and logical types) with the
    parameters: codegen names a parameter after the column it is compared with or assigned to,
    so `WHERE a = ? AND b = ?` gets an (a, b) pair that exists."""
    keys = {(p.name.lower(), p.type.base) for p in query.params if not p.type.literals}
    scored = [(len(keys & columns), rows) for columns, rows in tables]
    best = max((score for score, _ in scored), default=0)
    if best == 0:
        return {}
    return rng.choice(rng.choice([rows for score, rows in scored if score == best]))


def draw_param(rng: random.Random, p: ir.Param, row: Row) -> object:
    """A parameter value by its declared type, or the stored row's value of the same-named column."""
    key = (p.name.lower(), p.type.base)
    return row[key] if key in row else draw(rng, p.type)


def choose_params(query: ir.Query, rng: random.Random, tables: Stored | None) -> list[object]:
    """One value per parameter (a list for a slice), drawn by its declared type; None now and then
    where the parameter is declared nullable. With tables, values come from one stored row where
    parameter and column share a name."""
    stored = _stored_row(query, rng, tables) if tables is not None else {}
    values: list[object] = []
    for p in query.params:
        if p.slice:
            values.append([draw_param(rng, p, stored if i == 0 else {}) for i in range(rng.randint(0, 3))])
        elif (p.optional >= 0 and rng.random() < 0.5) or (p.nullable and rng.random() < 0.25):
            values.append(None)  # an optional filter (sqlc.optional) is off half the time
        else:
            values.append(draw_param(rng, p, stored))
    return values


def bind(query: ir.Query, values: list[object]) -> tuple[str, list[object]]:
    """The SQL with each slice marker expanded to one ? per item, and the values in slot order.

    A dynamic query sends the variant its values choose, as the generated code does: optional
    filters whose value is None left out, the sort value's ORDER BY text."""
    sql, slots = query.sql, query.slots
    if query.dynamic:
        mask = sum(1 << p.optional for p, v in zip(query.params, values) if p.optional >= 0 and v is not None)
        chosen = next((v for p, v in zip(query.params, values) if p.name == query.sort_param), None)
        choices = dict(query.sort_choices)
        sql, slots = variants.compose(query, mask, choices.get(str(chosen), next(iter(choices.values()), "")))
    for index, p in enumerate(query.params):
        if p.slice:
            sql = sql.replace(_SLICE.format(index), ",".join("?" * len(typing.cast(list, values[index]))))
    bound: list[object] = []
    for index in slots:
        value = values[index]
        bound.extend(value if query.params[index].slice else [value])  # type: ignore[arg-type]
    return sql, bound


def _param_text(bound: list[object]) -> str:
    return f"bound {bound!r}" if bound else "no params"


def _execute(conn: sqlite3.Connection, sql: str, bound: list[object]) -> tuple[list[tuple[object, ...]], int]:
    """One run inside a savepoint that is rolled back: DML runs for real and leaves nothing behind."""
    conn.execute("SAVEPOINT evidence")
    try:
        cursor = conn.execute(sql, bound)
        return cursor.fetchall(), len(cursor.description or ())
    finally:
        conn.execute("ROLLBACK TO evidence")
        conn.execute("RELEASE evidence")


def _declared_params(query: ir.Query) -> str:
    return ", ".join(f"{p.name}: " + ("list[" if p.slice else "") + annotation(p.type, p.nullable, SQLITE)
                     + ("]" if p.slice else "") for p in query.params)


def run_queries(conn: sqlite3.Connection, project: ir.Project, evidence: Evidence, seed: str) -> None:
    tables = stored_rows(conn, project)
    seen: set[tuple[str, str, str]] = set()  # one message per query, column and reason

    def contradiction(query: ir.Query, where: str, reason: str, text: str) -> None:
        if (query.name, where, reason) not in seen:
            seen.add((query.name, where, reason))
            evidence.contradictions.append(f"{evidence.project}: {query.name}: {where}: {text}")

    for qfile in project.files:
        for query in qfile.queries:
            stats = evidence.queries.setdefault(query.name, QueryStats())
            columns = expanded_columns(query, project.catalog)
            if columns and query.command in ("one", "many"):
                evidence.returning.append(query.name)
            rng = random.Random(f"{seed}/{query.name}")
            for run in range(RUNS_PER_QUERY):
                stats.runs += 1
                # Even runs take parameter values from a stored row where they can; a run that
                # collides with a UNIQUE key is tried again (twice at most) with fresh values.
                for attempt in range(3):
                    values = choose_params(query, rng, tables if run % 2 == 0 and attempt == 0 else None)
                    sql, bound = bind(query, values)
                    try:
                        rows, width = _execute(conn, sql, bound)
                        break
                    except sqlite3.Error as error:
                        message = str(error)
                        if message.startswith("UNIQUE constraint failed") and attempt < 2:
                            continue
                        if "datatype mismatch" in message:
                            contradiction(query, "params", message, f"SQLite refuses parameters of the declared "
                                          f"types: {message} (bound {bound!r}; declared {_declared_params(query)})")
                        elif message.startswith("NOT NULL constraint failed") and None in values and \
                                _null_params_to_blame(conn, query, values, rng):
                            contradiction(query, "params", message, f"a parameter declared nullable cannot be NULL: "
                                          f"{message} (bound {bound!r}; declared {_declared_params(query)})")
                        stats.rejected[message] += 1
                        rows, width = [], -1
                        break
                if width < 0:
                    continue
                stats.ok_runs += 1
                if not columns and query.command not in ("one", "many"):
                    continue  # :exec and friends: what they return is not read
                if width != len(columns):
                    contradiction(query, "columns", "width", f"SQLite returns {width} columns, declared "
                                  f"{len(columns)} ({', '.join(c[0] for c in columns)})")
                    continue
                for row in rows:
                    stats.rows += 1
                    evidence.rows_checked += 1
                    for i, (value, (name, t, nullable)) in enumerate(zip(row, columns)):
                        stats.values += 1
                        evidence.values_checked += 1
                        why = judge(value, t, nullable)
                        if why is not None:
                            contradiction(query, f"column {i + 1} {name!r}", why,
                                          f"{why}: got {value!r} ({type(value).__name__}), declared "
                                          f"{annotation(t, nullable, SQLITE)} ({_param_text(bound)})")
                        elif t.base == ir.FLOAT and type(value) is int:
                            evidence.int_for_float[f"{query.name}.{name}"] += 1


def _null_params_to_blame(conn: sqlite3.Connection, query: ir.Query, values: list[object],
                          rng: random.Random) -> bool:
    """Whether a NOT NULL failure goes away when the NULL parameters get values (then the NULL the
    analysis allowed is what SQLite refused, not a NULL that came from the stored data)."""
    filled = [draw(rng, p.type) if v is None else v for v, p in zip(values, query.params)]
    try:
        _execute(conn, *bind(query, filled))
    except sqlite3.Error as error:
        return not str(error).startswith("NOT NULL constraint failed")
    return True


def check_relations(conn: sqlite3.Connection, project: ir.Project, evidence: Evidence) -> None:
    """Every table and view as the catalog models it: SELECT its columns and judge each value."""
    for table in project.catalog.tables:
        kind = "view" if table.is_view else "table"
        select = ", ".join(_quote(c.name) for c in table.columns)
        try:
            rows = conn.execute(f"SELECT {select} FROM {_quote(table.name)}").fetchall()
        except sqlite3.Error as error:
            evidence.contradictions.append(f"{evidence.project}: {kind} {table.name}: SQLite cannot select the "
                                           f"catalog's columns: {error}")
            continue
        bad: set[tuple[str, str]] = set()
        for row in rows:
            for value, col in zip(row, table.columns):
                evidence.relation_values += 1
                why = judge(value, col.type, col.nullable)
                if why is not None and (col.name, why) not in bad:
                    bad.add((col.name, why))
                    evidence.contradictions.append(
                        f"{evidence.project}: {kind} {table.name}: column {col.name!r}: {why}: got {value!r} "
                        f"({type(value).__name__}), declared {annotation(col.type, col.nullable, SQLITE)}")
        if table.is_view:
            width = len(conn.execute(f"SELECT * FROM {_quote(table.name)} LIMIT 0").description or ())
            if width != len(table.columns):
                evidence.contradictions.append(f"{evidence.project}: view {table.name}: SQLite returns {width} "
                                               f"columns, the catalog has {len(table.columns)}")


def gather(root: Path, db_path: Path, name: str | None = None, project: ir.Project | None = None) -> Evidence:
    """Evidence for the project in root, on a new SQLite file at db_path. project: an analysis to
    hold against SQLite instead of the project's own (the tests' check that the checker sees)."""
    name = name or root.name
    config = sqlite_config(root)
    if project is None:
        project = pipeline.analyze(config)
    evidence = Evidence(name)
    seed = str(zlib.crc32(name.encode()))
    conn = build_database(config, db_path)
    try:
        fill_tables(conn, project, evidence, seed)
        check_relations(conn, project, evidence)
        run_queries(conn, project, evidence, seed)
    finally:
        conn.close()
    return evidence
