"""Several processes on one database file at once."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from legacy import ROOT, Legacy, read

from app import migrate

WORKER = Path(__file__).with_name("worker.py")


def run_workers(tmp_path: Path, argv: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    """Start every worker, then release them together through the go file."""
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), *args[:2], str(go), *args[2:]],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in argv
    ]
    go.touch()
    results = []
    for proc, args in zip(procs, argv):
        out, err = proc.communicate(timeout=240)
        results.append(subprocess.CompletedProcess(args, proc.returncode, out, err))
    return results


def test_concurrent_starts_share_threads_and_lose_no_session(fresh_db: Path, tmp_path: Path) -> None:
    workers, threads, rounds = 6, 8, 4
    results = run_workers(
        tmp_path, [["sessions", str(fresh_db), str(w), str(threads), str(rounds)] for w in range(workers)]
    )
    for result in results:
        assert result.returncode == 0, result.stderr

    conn = sqlite3.connect(fresh_db)
    thread_rows = conn.execute("SELECT id, working_directory FROM threads").fetchall()
    assert len(thread_rows) == threads
    session_ids = {sid for (sid,) in conn.execute("SELECT session_id FROM sessions")}
    assert session_ids == {f"w{w}-t{t}-r{r}" for w in range(workers) for t in range(threads) for r in range(rounds)}
    for thread_id, directory in thread_rows:
        # The thread kept the directory of whoever started its first session.
        (first,) = conn.execute("SELECT session_id FROM sessions WHERE thread_id = ? ORDER BY id LIMIT 1", (thread_id,))
        assert directory == "/dirs/" + first[0].split("-")[0]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()


def test_concurrent_migrators_apply_each_step_once(legacy_db: tuple[Path, Legacy], tmp_path: Path) -> None:
    path, legacy = legacy_db
    pending = migrate.status(path).pending
    results = run_workers(tmp_path, [["migrate", str(path)] for _ in range(3)])
    for result in results:
        assert result.returncode == 0, result.stderr
    runs = [json.loads(result.stdout) for result in results]
    applied = [step for run in runs for step in run["steps"]]
    assert sorted(applied) == sorted(pending)  # every step exactly once, across all of them
    assert migrate.status(path).pending == ()
    assert read(path, lambda c: c.execute("SELECT count(*) FROM sessions").fetchone()) == (len(legacy.sessions),)
    # Whoever ran a step first took a backup before it.
    assert all(run["backup"] for run in runs if run["steps"])
