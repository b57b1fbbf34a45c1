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


def check_starts(
    results: list[subprocess.CompletedProcess[str]],
    sessions: list[tuple[int, str, str, str]],
    threads: list[tuple[int, str, str]],
) -> tuple[list[str], list[list[str]]]:
    """What every concurrency run must show, on either engine. `sessions` are
    (id, session_id, thread_ts, status) rows, `threads` (id, thread_ts,
    working_directory) rows. Returns the sessions started and the refusals."""
    started: list[str] = []
    refused: list[list[str]] = []
    for result in results:
        assert result.returncode == 0, result.stderr
        run = json.loads(result.stdout)
        started += run["started"]
        refused += run["refused"]
    stored = {sid: (ts, status) for _, sid, ts, status in sessions}
    # Every session started is stored, and no refused start left a row.
    assert sorted(stored) == sorted(started)
    for tried, ts, active, message in refused:
        # The refusal named a session of the same thread, in its message too.
        assert stored[active][0] == ts and f"active session: {active}" in message, (tried, ts, active, message)
    thread_of = {ts: directory for _, ts, directory in threads}
    assert len(thread_of) == len(threads)  # one row per thread
    for ts, directory in thread_of.items():
        # The thread kept the directory of whoever started its first session.
        first = min(((i, sid) for i, sid, t, _ in sessions if t == ts), default=None)
        if first is not None:
            assert directory == "/dirs/" + first[1].split("-")[0]
    return started, refused


def sqlite_rows(path: Path) -> tuple[list[tuple[int, str, str, str]], list[tuple[int, str, str]]]:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        sessions = conn.execute(
            "SELECT s.id, s.session_id, t.thread_ts, s.status "
            "FROM sessions AS s JOIN threads AS t ON t.id = s.thread_id"
        ).fetchall()
        return sessions, conn.execute("SELECT id, thread_ts, working_directory FROM threads").fetchall()
    finally:
        conn.close()


def test_concurrent_starts_share_threads_and_lose_no_session(fresh_db: Path, tmp_path: Path) -> None:
    workers, threads, rounds = 6, 8, 4
    results = run_workers(
        tmp_path, [["sessions", str(fresh_db), str(w), str(threads), str(rounds)] for w in range(workers)]
    )
    sessions, thread_rows = sqlite_rows(fresh_db)
    started, refused = check_starts(results, sessions, thread_rows)
    assert len(started) + len(refused) == workers * threads * rounds
    assert {status for *_, status in sessions} == {"completed"}
    assert len(thread_rows) == threads


def test_concurrent_starts_in_a_thread_let_exactly_one_win(fresh_db: Path, tmp_path: Path) -> None:
    """Every worker starts a session in every thread at once and leaves it active: the check
    and the insert of one start happen under one lock, so exactly one start per thread wins."""
    workers, threads = 6, 8
    results = run_workers(tmp_path, [["race", str(fresh_db), str(w), str(threads), "1"] for w in range(workers)])
    sessions, thread_rows = sqlite_rows(fresh_db)
    started, refused = check_starts(results, sessions, thread_rows)
    winners = {ts: sid for _, sid, ts, _ in sessions}
    assert len(started) == len(winners) == threads and len(refused) == (workers - 1) * threads
    assert all(winners[ts] == active for _, ts, active, _ in refused)
    assert {status for *_, status in sessions} == {"active"}


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
