"""The oracle of tests/test_drawn_lint*.py: a rolling deploy played on a real database.

The previous release's package is generated and its table created and filled; the next migration
is applied (a draw the database refuses is left out); the next release writes its rows (NULL in
every column it lets be NULL, values of each column's type as it is now); then every function of
the previous release is called, with drawn arguments and with None for every argument that admits
it. A query breaks when its function raises, returns a value its annotation does not admit, reads
a row field that is not the column of that name (or what it was renamed to) with that column's
value, or (SQLite, whose columns take any value) writes a value of a storage class the column's
type as it is now does not hold, which the next release then cannot read.

`codegen lint --previous-queries` on the next release must name exactly those queries as
`previous-query-breaks`, at a statement of the migration.
"""

from __future__ import annotations

import contextlib
import inspect
import re
import sys
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from codegen.config import load_config
from codegen.lint.runner import Options, lint
from codegen.python.naming import snake
from tests._support import config_text, import_module, imported, run_cli, write_files
from tests.drawn_lint import Deploy, Table

sys.path.insert(0, str(Path(__file__).parent / "harness"))
from harness_typecheck import mismatches  # noqa: E402  (tests/harness is no package)

_LETTERS = st.text("abcxyz", min_size=1, max_size=4)
MIGRATION = "schema/0002_next.sql"


def value_of(declared: str) -> st.SearchStrategy[Any]:
    """A value the next release writes into a column of this declared type."""
    kind = declared.lower()
    if kind in ("integer", "bigint"):
        return st.integers(-3, 300)
    if kind == "boolean":
        return st.sampled_from([0, 1]) if declared == "BOOLEAN" else st.booleans()
    if kind in ("real", "double precision"):
        return st.integers(-40, 40).map(lambda k: k / 4)
    return _LETTERS


def telling(declared: str) -> Any:
    """A value of the type no other drawn type holds too (7 is no bool, 0.25 no int), so that a
    reader generated for another type refuses or changes it."""
    return {"integer": 7, "bigint": 7, "real": 0.25, "double precision": 0.25, "text": "xyz",
            "boolean": 1 if declared == "BOOLEAN" else True}[declared.lower()]


def argument(hint: Any) -> st.SearchStrategy[Any]:
    """A value the previous release's caller may pass for a parameter annotated `hint`."""
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    drawn = [{int: st.integers(-3, 300), str: _LETTERS, float: st.integers(-40, 40).map(lambda k: k / 4),
              bool: st.booleans()}[o] for o in options if o is not type(None)]
    return st.one_of(*drawn, *([st.none()] if type(None) in options else []))


@dataclass
class Db:
    """One connection to a real database, as the oracle needs it."""

    conn: Any
    marker: str  # the driver's parameter marker
    refused: tuple[type[BaseException], ...]  # what the database raises for a statement it refuses
    savepoint: Callable[[], contextlib.AbstractContextManager[Any]]
    storage: Callable[[str, str, Any], list[str]] | None = None  # SQLite: typeof() of a column's values by id

    def rows(self, sql: str, args: tuple[Any, ...] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
        cursor = self.conn.execute(sql, args)
        return [d[0] for d in cursor.description or ()], cursor.fetchall()


def _fill(db: Db, table: Table, data: st.DataObject, nulls: bool | None) -> None:
    """One row as raw SQL writes it: NULL in every column that takes it (nulls), drawn values, or
    (None) each column's telling value."""
    names = [c.name for c in table.columns]
    if not names:
        db.conn.execute(f"INSERT INTO {table.name} DEFAULT VALUES")
        return
    row = [telling(c.type) if nulls is None else None if nulls and not c.not_null else data.draw(value_of(c.type))
           for c in table.columns]
    db.conn.execute(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join([db.marker] * len(names))})",
                    row)


def _storage_ok(declared: str, storage: str, not_null: bool) -> bool:
    if storage == "null":
        return not not_null
    kind = declared.upper()
    return storage == {"INTEGER": "integer", "BOOLEAN": "integer", "TEXT": "text"}.get(kind, storage) or \
        (kind == "REAL" and storage in ("real", "integer"))


class Calls:
    """Calls the previous release's functions on the migrated database; problems by query name."""

    def __init__(self, module: Any, db: Db, deploy: Deploy, data: st.DataObject) -> None:
        self.module, self.db, self.deploy, self.data = module, db, deploy, data
        self.after = deploy.after
        self.problems: dict[str, list[str]] = {}

    def _problem(self, query: str, text: str) -> None:
        self.problems.setdefault(query, []).append(text)

    def _column(self, field: str) -> str | None:
        """The column, as it is now, that the previous release's field `field` was."""
        if field in ("id", "row_id"):  # row_id: ListEmbed's second spelling of the key
            return "id"
        return next((c.name for c in self.after.columns if c.origin == field), None)

    def _check_rows(self, query: str, rows: list[Any]) -> None:
        """Each field of each returned row is the column of its name (as renamed), with its value."""
        names, stored = self.db.rows(f"SELECT * FROM {self.after.name}")
        by_id = {r[names.index("id")]: dict(zip(names, r)) for r in stored}
        for row in rows:
            fields = dict(row._asdict()) if hasattr(row, "_asdict") else \
                {f: getattr(row, f) for f in type(row).model_fields} if hasattr(type(row), "model_fields") \
                else {"id": row}
            for name, value in list(fields.items()):  # sqlc.embed(t): t's row, nested
                if hasattr(type(value), "model_fields"):
                    del fields[name]
                    fields.update({f: getattr(value, f) for f in type(value).model_fields})
            held = by_id.get(fields.get("id"))
            if held is None:
                self._problem(query, f"returned id {fields.get('id')!r}, which no row has")
                continue
            for name, got in fields.items():
                column = self._column(name)
                if column is None:
                    self._problem(query, f"field {name} read {got!r}, but column {name} is gone")
                elif got != held[column] or (got is None) != (held[column] is None):
                    self._problem(query, f"field {name} read {got!r}, column {column} holds {held[column]!r}")

    def call(self, name: str, nones: bool | None) -> None:
        """Call a function with drawn arguments, None wherever admitted (nones), or telling ones (None)."""
        fn = getattr(self.module, snake(name), None)
        if fn is None:
            return
        hints = typing.get_type_hints(fn)
        kwargs = {}
        for param in list(inspect.signature(fn).parameters)[1:]:
            hint = hints[param]
            if param == "id" and name in ("Update", "Delete"):
                kwargs[param] = 1
            elif nones and type(None) in typing.get_args(hint):
                kwargs[param] = None
            elif nones is None:
                kwargs[param] = next(v for o, v in ((int, 7), (float, 0.25), (str, "xyz"), (bool, True))
                                     if o is hint or o in typing.get_args(hint))
            else:
                kwargs[param] = self.data.draw(argument(hint), label=f"{name}.{param}")
        try:
            with self.db.savepoint():
                result = fn(self.db.conn, **kwargs)
                written = result if name == "Insert" else kwargs.get("id") if name == "Update" else None
                if written is not None:
                    row_id = written if isinstance(written, int) else written.id
                    self._check_stored(name, row_id, {k: v for k, v in kwargs.items() if k != "id"})
                    if self.db.storage is not None:
                        self._check_storage(name, row_id, {self._column(k) for k in kwargs if k != "id"})
        except Exception as error:  # any error the previous release's call meets is the break
            self._problem(name, f"{name}({kwargs}) raised {type(error).__name__}: {' '.join(str(error).split())[:200]}")
            return
        for line in mismatches(result, hints["return"], f"{name}({kwargs})"):
            self._problem(name, line)
        if name.startswith("List") or name == "Insert":
            self._check_rows(name, result if isinstance(result, list) else [result])

    def _check_stored(self, query: str, row_id: Any, sent: dict[str, Any]) -> None:
        """Each value a call wrote is stored as sent: equal, or as text in a text column (the
        migration made it one); a float rounded into an integer column is not."""
        names, stored = self.db.rows(f"SELECT * FROM {self.after.name} WHERE id = {self.db.marker}", (row_id,))
        held = dict(zip(names, stored[0])) if stored else {}
        for param, value in sent.items():
            column = self._column(param)
            if column is None or column not in held:
                continue
            now = held[column]
            if not (now == value and (now is None) == (value is None)) and not (isinstance(now, str) and value is not None):
                self._problem(query, f"sent {param}={value!r}, {column} holds {now!r}")

    def _check_storage(self, query: str, row_id: Any, columns: set[str | None]) -> None:
        """The columns a call wrote hold values of the storage class their type as it is now holds."""
        assert self.db.storage is not None
        for c in self.after.columns:
            if c.name not in columns:
                continue
            for storage in self.db.storage(self.after.name, c.name, row_id):
                if not _storage_ok(c.type, storage, c.not_null):
                    self._problem(query, f"wrote a {storage} into {c.name} {c.type}, which the next release "
                                         f"cannot read")


def _queries(deploy: Deploy) -> list[str]:
    return re.findall(r"-- name: (\w+)", deploy.queries)


def write_previous(root: Path, deploy: Deploy) -> Path:
    """The previous release's project, generated; returns its package folder."""
    write_files(root, {"pyproject.toml": config_text(engine=deploy.engine),
                       "schema/0001_init.sql": deploy.schema(), "queries/q.sql": deploy.queries})
    result = run_cli(root)
    assert result.code == 0, result.stderr
    return root / "gen"


def play(root: Path, deploy: Deploy, db: Db, data: st.DataObject, migrate: Callable[[], bool]) -> dict[str, list[str]] | None:
    """The breaks a real rolling deploy shows, by query name; None when the database refuses the
    migration. `migrate()` applies it (True when the database took it)."""
    with imported(write_previous(root / "previous", deploy)) as package:
        module = import_module(package, "queries.q")
        before = deploy.table
        for nulls in (True, False):
            _fill(db, before, data, nulls)
        if not migrate():
            return None
        for nulls in (True, False, None):
            _fill(db, deploy.after, data, nulls)
        calls = Calls(module, db, deploy, data)
        for name in _queries(deploy):
            for nones in (False, True, None):
                calls.call(name, nones)
    return calls.problems


def linted(root: Path, deploy: Deploy) -> tuple[dict[str, list[str]], list[str]]:
    """`codegen lint --previous-queries` on the next release: the queries it says break (with the
    place), and what else it reports that is wrong (an input error, a break outside the migration)."""
    project = root / "next"
    write_files(project, {"pyproject.toml": config_text(engine=deploy.engine),
                          "schema/0001_init.sql": deploy.schema(),
                          MIGRATION: "".join(s + ";\n" for s in deploy.migration),
                          "queries/q.sql": "-- name: Ping :one\nSELECT 1 AS one;\n",
                          "previous/q.sql": deploy.queries})
    found: dict[str, list[str]] = {}
    wrong = []
    from codegen.errors import CodegenError

    try:
        findings = lint(load_config(project / "pyproject.toml", project), Options(previous_queries=project / "previous"))
    except CodegenError as error:
        return {}, [f"lint refused the input: {'; '.join(map(str, error.diagnostics))}"]
    for f in findings:
        if f.rule != "previous-query-breaks":
            continue
        name = re.search(r"query (\w+) \(", f.message)
        assert name is not None, f.message
        found.setdefault(name.group(1), []).append(str(f))
        if f.path != MIGRATION:
            wrong.append(f"located outside the migration: {f}")
    return found, wrong


@contextlib.contextmanager
def sqlite_savepoint(conn: Any) -> Iterator[None]:
    conn.execute("SAVEPOINT s")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK TO s")
        conn.execute("RELEASE s")
        raise
    conn.execute("RELEASE s")
