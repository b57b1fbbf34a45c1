"""A migration runner killed with `kill -9` at a drawn point, for tests/test_drawn_runner*.py.

The runner (the modules every generated package carries, taken from the repository's own
`generated/` packages) runs in a child process over a drawn history (tests/drawn_evolution.py).
The child counts the statements its migrating thread sends to the database, through a hook on
the driver (SQLite's trace callback; psycopg's Connection.execute), and sends itself SIGKILL just
before the statement numbered `kill_at` runs: between steps, inside a step, at its version row,
before its COMMIT, during the preflight's check and copy on SQLite. A `kill_at` past the last
statement lets the run finish. The child prints what it did as JSON on its last line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _support import REPO

# argv: repo, package ("generated" or "generated.postgresql"), db, spec.json, kill_at, backup (0/1)
_CHILD_PROLOGUE = """
import json, os, signal, sys, threading
repo, package, db, spec_path, kill_at, backup = sys.argv[1:7]
kill_at = int(kill_at)
sys.path.insert(0, repo)
count = 0

def tick():
    global count
    if threading.current_thread() is threading.main_thread():
        count += 1
        if count == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
"""

_SQLITE_HOOK = """
import sqlite3
_connect = sqlite3.connect
def connect(*args, **kwargs):
    conn = _connect(*args, **kwargs)
    conn.set_trace_callback(lambda sql: tick())
    return conn
sqlite3.connect = connect
"""

_POSTGRESQL_HOOK = """
import psycopg
_execute = psycopg.Connection.execute
def execute(self, *args, **kwargs):
    tick()
    return _execute(self, *args, **kwargs)
psycopg.Connection.execute = execute
"""

_CHILD_EPILOGUE = """
import importlib
_migrate = importlib.import_module(package + "._migrate")
engine = importlib.import_module(package + "._migrate_engine")
with open(spec_path, encoding="utf-8") as f:
    spec = json.load(f)
migrations = tuple(_migrate.Migration(m["version"], m["number"], m["path"], m["up"], _migrate.checksum(m["up"]))
                   for m in spec)
try:
    result = engine.run(db, migrations, "up", None, backup=backup == "1")
    print(json.dumps({"steps": list(result.steps), "statements": count}))
except _migrate.MigrationError as error:
    print(json.dumps({"error": str(error), "statements": count}))
"""

PACKAGES = {"sqlite": "generated", "postgresql": "generated.postgresql"}


def spec(history: list[list[str]]) -> list[dict[str, Any]]:
    """The history as migrations: one golang-migrate file per migration, one statement a line
    (as tests/drawn_evolution_oracle.schema_files writes them)."""
    return [{"version": f"{n:04d}_m{n}", "number": n, "path": f"schema/{n:04d}_m{n}.up.sql",
             "up": "".join(s + ";\n" for s in migration)} for n, migration in enumerate(history, 1)]


def migrations(engine: str, history: list[list[str]]) -> tuple[Any, ...]:
    """The same migrations for this process's runner (`generated`'s modules)."""
    import importlib

    sys.path.insert(0, str(REPO))
    _migrate = importlib.import_module(PACKAGES[engine] + "._migrate")
    return tuple(_migrate.Migration(m["version"], m["number"], m["path"], m["up"], _migrate.checksum(m["up"]))
                 for m in spec(history))


def engine_module(engine: str) -> Any:
    import importlib

    sys.path.insert(0, str(REPO))
    return importlib.import_module(PACKAGES[engine] + "._migrate_engine")


@dataclass(frozen=True)
class Outcome:
    killed: bool
    report: dict[str, Any]  # the child's JSON when it was not killed
    stderr: str


def run_child(engine: str, db: str, history: list[list[str]], folder: Path, kill_at: int, backup: bool) -> Outcome:
    """Migrate `db` to the newest migration in a child process killed before statement `kill_at`."""
    spec_path = folder / "spec.json"
    spec_path.write_text(json.dumps(spec(history)), encoding="utf-8")
    hook = _SQLITE_HOOK if engine == "sqlite" else _POSTGRESQL_HOOK
    code = _CHILD_PROLOGUE + hook + _CHILD_EPILOGUE
    done = subprocess.run([sys.executable, "-c", code, str(REPO), PACKAGES[engine], db, str(spec_path),
                           str(kill_at), "1" if backup else "0"], capture_output=True, text=True, timeout=120)
    if done.returncode == -9:
        return Outcome(True, {}, done.stderr)
    assert done.returncode == 0, done.stderr
    return Outcome(False, json.loads(done.stdout.strip().splitlines()[-1]), done.stderr)


# -- concurrent runners -----------------------------------------------------------------------------------

# argv: repo, package, db, spec.json, go-file, op ("up", "down", "status"), target ("None" or a number)
_WORKER = """
import importlib, json, os, sys, time
repo, package, db, spec_path, go, op, target = sys.argv[1:8]
sys.path.insert(0, repo)
_migrate = importlib.import_module(package + "._migrate")
engine = importlib.import_module(package + "._migrate_engine")
with open(spec_path, encoding="utf-8") as f:
    spec = json.load(f)
migrations = tuple(_migrate.Migration(m["version"], m["number"], m["path"], m["up"], _migrate.checksum(m["up"]),
                                      m["down_path"], m["down"]) for m in spec)
while not os.path.exists(go):
    time.sleep(0.001)
try:
    if op == "status":
        done = [v for v, _ in engine.status(db, migrations).applied]
    else:
        done = list(engine.run(db, migrations, op, None if target == "None" else int(target), backup=False).steps)
    print(json.dumps({"done": done}))
except _migrate.MigrationError as error:
    print(json.dumps({"error": str(error)}))
"""


def spec_with_downs(steps: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"version": f"{n:04d}_m{n}", "number": n, "path": f"schema/{n:04d}_m{n}.up.sql", "up": up,
             "down_path": f"schema/{n:04d}_m{n}.down.sql", "down": down} for n, (up, down) in enumerate(steps, 1)]


def run_concurrently(engine: str, db: str, steps: list[tuple[str, str]], folder: Path,
                     ops: list[tuple[str, int | None]]) -> list[dict[str, Any]]:
    """Start one process per (op, target), let them all go at once; each one's JSON report."""
    spec_path, go = folder / "spec.json", folder / "go"
    spec_path.write_text(json.dumps(spec_with_downs(steps)), encoding="utf-8")
    go.unlink(missing_ok=True)
    workers = [subprocess.Popen([sys.executable, "-c", _WORKER, str(REPO), PACKAGES[engine], db, str(spec_path),
                                 str(go), op, str(target)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for op, target in ops]
    go.touch()
    reports = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0 and not err.strip(), err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports


def migrations_with_downs(engine: str, steps: list[tuple[str, str]]) -> tuple[Any, ...]:
    """spec_with_downs(steps) for this process's runner."""
    import importlib

    sys.path.insert(0, str(REPO))
    _migrate = importlib.import_module(PACKAGES[engine] + "._migrate")
    return tuple(_migrate.Migration(m["version"], m["number"], m["path"], m["up"], _migrate.checksum(m["up"]),
                                    m["down_path"], m["down"]) for m in spec_with_downs(steps))


# -- another tool's version table at a drawn version --------------------------------------------------------

TOOLS = ("codegen", "golang-migrate", "goose", "dbmate")
# Where each tool keeps its versions once the runner has taken them over (left out of comparisons).
VERSION_TABLES = ("schema_migrations", "schema_migrations_golang_migrate", "schema_migrations_dbmate",
                  "goose_db_version")

_FOREIGN_SQL = {
    "sqlite": {
        "golang-migrate": ["CREATE TABLE schema_migrations (version uint64, dirty bool)",
                           "CREATE UNIQUE INDEX version_unique ON schema_migrations (version)"],
        "goose": ["CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER NOT NULL, "
                  "is_applied INTEGER NOT NULL, tstamp TIMESTAMP DEFAULT (datetime('now')))"],
        "dbmate": ['CREATE TABLE "schema_migrations" (version varchar(128) primary key)'],
    },
    "postgresql": {
        "golang-migrate": ["CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)"],
        "goose": ["CREATE TABLE goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL, "
                  "is_applied boolean NOT NULL, tstamp timestamp DEFAULT now())"],
        "dbmate": ["CREATE TABLE schema_migrations (version character varying(128) NOT NULL PRIMARY KEY)"],
    },
}


def as_recorded_by(engine: str, execute: Any, tool: str, applied: list[int], rolled_back: list[int]) -> None:
    """Replace codegen's schema_migrations by `tool`'s version table recording the migrations
    numbered `applied` (goose also keeps rows of `rolled_back` ones: applied, then reverted)."""
    if tool == "codegen":
        return
    true, false = ("true", "false") if engine == "postgresql" else ("1", "0")
    execute("DROP TABLE schema_migrations")
    for sql in _FOREIGN_SQL[engine][tool]:
        execute(sql)
    if tool == "golang-migrate" and applied:
        execute(f"INSERT INTO schema_migrations (version, dirty) VALUES ({max(applied)}, {false})")
    elif tool == "goose":
        rows = [(0, true)] + [(n, true) for n in sorted(set(applied) | set(rolled_back))]
        rows += [(n, false) for n in rolled_back]
        for version, state in rows:
            execute(f"INSERT INTO goose_db_version (version_id, is_applied) VALUES ({version}, {state})")
    elif tool == "dbmate":
        for n in applied:
            execute(f"INSERT INTO schema_migrations (version) VALUES ('{n:04d}')")
