"""`codegen watch` as a real process, and the pre-commit hook this repository offers."""

from __future__ import annotations

import os
import queue
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

from _support import REPO, make_project

SCHEMA = {"1.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"}
QUERIES = {"t.sql": "-- name: ListT :many\nSELECT id, name FROM t;\n"}
BIN = Path(sys.executable).parent


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CODEGEN_UPDATE_GOLDEN")}
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
    return env


class _Lines:
    """A child's stdout and stderr, merged, read on a thread so waiting never blocks on a pipe."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert proc.stdout is not None
        threading.Thread(target=lambda: [self.lines.put(line) for line in proc.stdout], daemon=True).start()

    def until(self, predicate: str, timeout: float = 60) -> list[str]:
        """Lines up to and including the first that contains `predicate`."""
        start, got = time.monotonic(), []
        while time.monotonic() - start < timeout:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            got.append(line.rstrip("\n"))
            self.seen.append(got[-1])
            if predicate in line:
                return got
        raise AssertionError(f"no line with {predicate!r} within {timeout}s; saw:\n" + "\n".join(self.seen))


def test_watch_regenerates_on_each_change_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    make_project(tmp_path, SCHEMA, QUERIES)
    proc = subprocess.Popen([sys.executable, "-m", "codegen", "watch", "--interval", "0.1"], cwd=tmp_path, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out = _Lines(proc)
        first = out.until("waiting for changes")
        assert "added: gen/queries/t.py" in first and "ok;" in first[-1]
        # A query added: the module is rewritten.
        with (tmp_path / "queries" / "t.sql").open("a") as f:
            f.write("\n-- name: CountT :one\nSELECT count(*) FROM t;\n")
        second = out.until("waiting for changes")
        assert "codegen watch: changed: queries/t.sql" in second and "updated: gen/queries/t.py" in second
        assert "def count_t(" in (tmp_path / "gen" / "queries" / "t.py").read_text()
        # A new migration file is noticed too (the folder is listed again at each poll)...
        (tmp_path / "schema" / "2.sql").write_text("ALTER TABLE t ADD COLUMN note TEXT;\n")
        third = out.until("waiting for changes")
        assert "updated: gen/models.py" in third
        # ...and a broken query is reported, the package left as it was, the watch still running.
        before = (tmp_path / "gen" / "queries" / "t.py").read_text()
        (tmp_path / "queries" / "t.sql").write_text("-- name: Bad :many\nSELECT nope FROM t;\n")
        broken = out.until("waiting for changes")
        assert any("queries/t.sql:2:8: error: query Bad: no such column: nope" in line for line in broken)
        assert "failed (exit 1)" in broken[-1]
        assert (tmp_path / "gen" / "queries" / "t.py").read_text() == before
        (tmp_path / "queries" / "t.sql").write_text(QUERIES["t.sql"])
        fixed = out.until("waiting for changes")
        assert "ok;" in fixed[-1]
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
    assert code == 130
    assert not any("Traceback" in line for line in out.seen)


def test_pre_commit_hooks_file_is_valid_and_its_entry_runs(tmp_path: Path) -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert isinstance(hooks, list) and hooks
    ids = [hook["id"] for hook in hooks]
    assert len(ids) == len(set(ids))
    for hook in hooks:  # the keys pre-commit requires, with the types it accepts
        assert {"id", "name", "entry", "language"} <= set(hook), hook
        assert all(isinstance(hook[key], str) for key in ("id", "name", "entry", "language"))
        assert hook["language"] == "python"  # installs this repository, so its console script exists
        assert shlex.split(hook["entry"])[0] == "codegen"
    [check] = [hook for hook in hooks if hook["id"] == "codegen-check"]
    assert check["pass_filenames"] is False
    entry = shlex.split(check["entry"])
    make_project(tmp_path, SCHEMA, QUERIES)
    stale = subprocess.run(entry, cwd=tmp_path, env=_env(), capture_output=True, text=True)
    assert stale.returncode == 1 and "+++ b/gen/queries/t.py" in stale.stdout  # nothing generated yet
    assert subprocess.run(["codegen"], cwd=tmp_path, env=_env(), capture_output=True).returncode == 0
    clean = subprocess.run(entry, cwd=tmp_path, env=_env(), capture_output=True, text=True)
    assert (clean.returncode, clean.stdout, clean.stderr) == (0, "", "")
    (tmp_path / "gen" / "queries" / "t.py").write_text("# edited by hand\n")
    edited = subprocess.run(entry, cwd=tmp_path, env=_env(), capture_output=True, text=True)
    assert edited.returncode == 1 and "gen/ is stale" in edited.stderr


def test_stale_message_names_the_command_as_invoked(tmp_path: Path) -> None:
    make_project(tmp_path, SCHEMA, QUERIES)
    script = subprocess.run(["codegen", "--check"], cwd=tmp_path, env=_env(), capture_output=True, text=True)
    assert script.returncode == 1 and script.stderr.rstrip().endswith("; run codegen")
    module = subprocess.run([sys.executable, "-m", "codegen", "--check"], cwd=tmp_path, env=_env(),
                            capture_output=True, text=True)
    assert module.returncode == 1 and module.stderr.rstrip().endswith("; run python -m codegen")
