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
