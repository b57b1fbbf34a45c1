"""A separate process for the concurrency tests: `python tests/app/worker.py MODE DB GO-FILE ...`.

DB is a SQLite file or a postgresql:// URL. Each worker waits until GO-FILE
exists, so that all of them start at once.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path


def wait_for(go: Path) -> None:
    deadline = time.monotonic() + 60
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit("worker: the go file never appeared")
        time.sleep(0.005)


def sessions(db: str, worker: int, threads: int, rounds: int, *, finish: bool = True) -> None:
    """Start `rounds` sessions in each of `threads` shared threads, each from
    this worker's own working directory, finishing each started one at once
    (`finish`) or leaving it active. Prints the sessions started and the
    starts refused, with the active session each refusal named, as JSON."""
    from app.db import connect
    from app.sessions import ActiveSessionError, SessionManager

    manager = SessionManager(connect(db))
    order = list(range(threads))
    rng = random.Random(worker)
    started: list[str] = []
    refused: list[list[str]] = []  # [session id tried, thread_ts, the active session named, the message]
    for round_ in range(rounds):
        rng.shuffle(order)
        for t in order:
            session_id = f"w{worker}-t{t}-r{round_}"
            thread_ts = f"1.{t:03d}"
            try:
                manager.start(
                    channel_id="CSHARED",
                    thread_ts=thread_ts,
                    working_directory=f"/dirs/w{worker}",
                    session_id=session_id,
                )
            except ActiveSessionError as exc:
                refused.append([session_id, thread_ts, exc.active.session_id, str(exc)])
                continue
            started.append(session_id)
            if finish:
                manager.finish(session_id=session_id, status="completed", num_turns=1)
    print(json.dumps({"started": started, "refused": refused}))


def migrate(db: str) -> None:
    from app import migrate as runner

    result = runner.migrate(db)
    print(json.dumps({"steps": list(result.steps), "backup": str(result.backup) if result.backup else None}))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    mode, db, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    wait_for(go)
    if mode in ("sessions", "race"):  # race: every start left active, so only one per thread can win
        sessions(db, int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), finish=mode == "sessions")
    else:
        migrate(db)
