"""Mapping Slack threads to Claude Code sessions, on the generated data layer.

Every statement goes through generated/ (the typed functions generated from
queries/*.sql): this module holds the rules, never SQL.

The rules:
  * a Slack thread is one row, created atomically on first use (concurrent
    starts from several processes get the same row);
  * the first session of a thread fixes the thread's working directory; later
    sessions run there, whatever directory their caller asked for;
  * a new session resumes the thread's most recently ended completed session.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal, get_args

from generated import models
from generated.queries import sessions as session_queries
from generated.queries import threads as thread_queries

log = logging.getLogger(__name__)

Status = Literal["active", "completed", "failed", "timeout"]
STATUSES: tuple[str, ...] = get_args(Status)
FINAL_STATUSES = tuple(s for s in STATUSES if s != "active")


class SessionError(Exception):
    """A session operation was refused; the message is one line, fit for a user."""


class UnknownSessionError(SessionError, LookupError):
    """No session has the given session_id."""


@dataclass(frozen=True)
class StartedSession:
    thread: models.Thread
    session: models.Session
    working_directory: str  # where to run: always the thread's directory
    resume_session_id: str | None  # the session to resume, None for a fresh start


class SessionManager:
    """Thread and session bookkeeping over one connection from app.db.connect.

    Each method that writes runs in its own BEGIN IMMEDIATE transaction; when
    the caller already has a transaction open, the method joins it instead
    (and leaves committing to the caller).
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    # -- writing -------------------------------------------------------------

    def start(
        self,
        *,
        channel_id: str,
        thread_ts: str,
        working_directory: str,
        session_id: str,
        model: str | None = None,
    ) -> StartedSession:
        """Record a new session in a thread, creating the thread on first use."""
        with self._transaction():
            # One atomic INSERT ... ON CONFLICT: of several concurrent first
            # starts exactly one creates the row, and its directory sticks.
            thread = thread_queries.get_or_create_thread(
                self.conn, channel_id=channel_id, thread_ts=thread_ts, working_directory=working_directory
            )
            if thread is None:  # RETURNING always yields the row; a guard for the type checker
                raise SessionError(f"thread {channel_id}:{thread_ts} could not be created")
            if thread.working_directory != working_directory:
                log.warning(
                    "thread %s:%s works in %s; ignoring the requested working directory %s",
                    channel_id,
                    thread_ts,
                    thread.working_directory,
                    working_directory,
                )
            # Read before inserting: the new session must not resume itself.
            previous = session_queries.get_latest_completed_session_by_thread(self.conn, thread_id=thread.id)
            try:
                session = session_queries.create_session(
                    self.conn, thread_id=thread.id, session_id=session_id, model=model
                )
            except sqlite3.IntegrityError as exc:
                raise SessionError(f"cannot create session {session_id}: {exc}") from exc
            if session is None:
                raise SessionError(f"session {session_id} could not be created")
        return StartedSession(
            thread=thread,
            session=session,
            working_directory=thread.working_directory,
            resume_session_id=previous.session_id if previous is not None else None,
        )

    def finish(
        self,
        *,
        session_id: str,
        status: Status,
        total_cost_usd: float | None = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        duration_ms: int | None = None,
        num_turns: int | None = None,
        model: str | None = None,
    ) -> models.Session:
        """Record how a session ended; a None model keeps the one stored."""
        if status not in FINAL_STATUSES:
            raise SessionError(f"a session cannot finish as {status!r}; use one of {', '.join(FINAL_STATUSES)}")
        with self._transaction():
            rows = session_queries.update_session_on_complete(
                self.conn,
                status=status,
                total_cost_usd=total_cost_usd,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                duration_ms=duration_ms,
                num_turns=num_turns,
                model=model,
                session_id=session_id,
            )
            session = self._require(session_id, rows)
            # The thread saw activity: keeps list_threads ordered by recency.
            thread_queries.update_thread_timestamp(self.conn, id=session.thread_id)
        return session

    def set_status(self, session_id: str, status: Status) -> models.Session:
        if status not in STATUSES:
            raise SessionError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
        with self._transaction():
            rows = session_queries.update_session_status(self.conn, status=status, session_id=session_id)
            return self._require(session_id, rows)

    def set_model(self, session_id: str, model: str | None) -> models.Session:
        with self._transaction():
            rows = session_queries.update_session_model(self.conn, model=model, session_id=session_id)
            return self._require(session_id, rows)

    def rename_session(self, old_session_id: str, new_session_id: str) -> models.Session:
        """Replace a provisional session id with the one Claude reported."""
        with self._transaction():
            try:
                rows = session_queries.update_session_id(
                    self.conn, new_session_id=new_session_id, old_session_id=old_session_id
                )
            except sqlite3.IntegrityError as exc:
                raise SessionError(f"cannot rename {old_session_id} to {new_session_id}: {exc}") from exc
            if rows == 0:
                raise UnknownSessionError(f"no session {old_session_id}")
            return self._require(new_session_id, rows)

    # -- reading -------------------------------------------------------------

    def get_thread(self, channel_id: str, thread_ts: str) -> models.Thread | None:
        return thread_queries.get_thread(self.conn, channel_id=channel_id, thread_ts=thread_ts)

    def get_session(self, session_id: str) -> models.Session | None:
        return session_queries.get_session(self.conn, session_id=session_id)

    def active_session(self, channel_id: str, thread_ts: str) -> models.Session | None:
        """The thread's newest active session, if any."""
        thread = self.get_thread(channel_id, thread_ts)
        if thread is None:
            return None
        return session_queries.get_active_session_by_thread(self.conn, thread_id=thread.id)

    def resume_candidate(self, channel_id: str, thread_ts: str) -> models.Session | None:
        """The session a new one in this thread would resume."""
        thread = self.get_thread(channel_id, thread_ts)
        if thread is None:
            return None
        return session_queries.get_latest_completed_session_by_thread(self.conn, thread_id=thread.id)

    def count_active(self, thread_id: int) -> int:
        return session_queries.count_active_sessions_by_thread(self.conn, thread_id=thread_id) or 0

    def list_threads(self) -> list[models.Thread]:
        return thread_queries.list_threads(self.conn)

    def list_active_sessions(self) -> list[models.Session]:
        return session_queries.list_active_sessions(self.conn)

    def list_sessions(self, *, limit: int | None = None, offset: int = 0) -> list[models.Session]:
        """Newest first; all of them unless `limit` is given."""
        if limit is None:
            return session_queries.list_sessions(self.conn)[offset:]
        return session_queries.list_sessions_paginated(self.conn, limit=limit, offset=offset)

    def thread_sessions(self, channel_id: str, thread_ts: str) -> list[models.Session]:
        """The thread's sessions, newest first; [] for an unknown thread."""
        thread = self.get_thread(channel_id, thread_ts)
        if thread is None:
            return []
        return session_queries.list_sessions_by_thread_id(self.conn, thread_id=thread.id)

    # -- plumbing ------------------------------------------------------------

    def _require(self, session_id: str, rows: int) -> models.Session:
        session = session_queries.get_session(self.conn, session_id=session_id) if rows else None
        if session is None:
            raise UnknownSessionError(f"no session {session_id}")
        return session

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        if self.conn.in_transaction:
            yield  # the caller's transaction: it commits or rolls back
            return
        # IMMEDIATE takes the write lock up front, so two processes doing
        # read-then-write (start) serialize instead of failing with "database
        # is locked" when upgrading a read lock; the busy timeout waits.
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
