"""The session manager's rules as a property: drawn sequences of what the Go
service does to sessions (start, rename, result, failed start, timeout) in a
few threads, checked step by step against a model of the rules."""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import migrate
from app.db import connect
from app.sessions import ActiveSessionError, SessionManager

THREADS = 3
_counter = itertools.count()

operation = st.one_of(
    st.tuples(
        st.just("start"),
        st.integers(0, THREADS - 1),
        st.sampled_from(["/srv/a", "/srv/b", "relative/dir"]),
        st.one_of(st.none(), st.just(""), st.text(max_size=20)),
    ),
    st.tuples(
        st.sampled_from(["rename", "completed", "failed", "fail_start", "time_out"]), st.integers(0, THREADS - 1)
    ),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, max_size=25))
def test_one_active_session_per_thread_and_resume_follow_the_go_rules(
    tmp_path_factory: Any, operations: list[tuple[Any, ...]]
) -> None:
    path = template(tmp_path_factory).with_name(f"run-{next(_counter)}.db")
    shutil.copyfile(template(tmp_path_factory), path)
    conn = connect(path)
    manager = SessionManager(conn)
    active: dict[int, str | None] = dict.fromkeys(range(THREADS))  # thread -> its active session
    completed: dict[int, list[str]] = {t: [] for t in range(THREADS)}  # in the order they ended
    directory: dict[int, str] = {}
    status: dict[str, str] = {}
    prompts: dict[str, str | None] = {}
    for n, (kind, thread, *rest) in enumerate(operations):
        ts = f"1.{thread}"
        if kind == "start":
            asked, prompt = rest
            sid = f"temp_{n}"
            try:
                started = manager.start(
                    channel_id="C", thread_ts=ts, working_directory=asked, session_id=sid, initial_prompt=prompt
                )
            except ActiveSessionError as refused:
                assert active[thread] is not None, "refused without an active session"
                assert refused.active.session_id == active[thread] and active[thread] in str(refused)
                continue
            assert active[thread] is None, f"a second active session in thread {thread}"
            directory.setdefault(thread, os.path.abspath(asked))
            assert started.working_directory == directory[thread]
            expected_resume = completed[thread][-1] if completed[thread] else None
            assert started.resume_session_id == expected_resume
            active[thread], status[sid], prompts[sid] = sid, "active", prompt or None
            continue
        sid_or_none = active[thread]
        if sid_or_none is None:
            continue  # nothing running in that thread
        sid = sid_or_none
        if kind == "rename":
            renamed = manager.rename_session(sid, f"{sid}-real")
            assert renamed.session_id == f"{sid}-real"
            active[thread] = renamed.session_id
            status[renamed.session_id] = status.pop(sid)
            prompts[renamed.session_id] = prompts.pop(sid)
            continue
        if kind in ("completed", "failed"):
            ended = manager.finish(session_id=sid, status=kind, num_turns=n, total_cost_usd=n / 10)
            assert (ended.num_turns, ended.total_cost_usd) == (n, n / 10)
        else:
            ended = manager.fail_start(sid) if kind == "fail_start" else manager.time_out(sid)
            assert (ended.num_turns, ended.total_cost_usd) == (None, None)
        assert ended.status == status_after(kind) and ended.ended_at is not None
        status[sid] = status_after(kind)
        active[thread] = None
        if kind == "completed":
            completed[thread].append(sid)

    stored = {s.session_id: (s.status, s.initial_prompt) for s in manager.list_sessions()}
    assert stored == {sid: (status[sid], prompts[sid]) for sid in status}
    for thread in range(THREADS):
        thread_row = manager.get_thread("C", f"1.{thread}")
        assert (thread_row is not None) == (thread in directory)
        if thread_row is not None:
            assert manager.count_active(thread_row.id) == (active[thread] is not None)
    conn.close()
    path.unlink()


def status_after(kind: str) -> str:
    return {"completed": "completed", "failed": "failed", "fail_start": "failed", "time_out": "timeout"}[kind]


_template: list[Path] = []


def template(tmp_path_factory: Any) -> Path:
    """One migrated database, copied for each example (migrating per example would dominate)."""
    if not _template:
        path = Path(tmp_path_factory.mktemp("rules")) / "template.db"
        migrate.migrate(path)
        conn = connect(path)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        _template.append(path)
    return _template[0]
