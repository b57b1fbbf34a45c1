"""Mapping Slack threads to Claude Code sessions, on the generated data layer.

Every statement goes through generated/ (the typed functions generated from
queries/*.sql): this module holds the rules, never SQL. The same queries are
generated twice, for SQLite (generated.queries, sqlite3) and for PostgreSQL
(generated.postgresql.queries, psycopg); SessionManager picks the set that
fits its connection, and its API is the same on both.

The rules, those of the Go service (yuya-takeyama/cc-slack) this ports:
  * a Slack thread is one row, created atomically on first use (concurrent
    starts from several processes get the same row);
  * the first session of a thread fixes the thread's working directory (made
    absolute); later sessions run there, whatever directory their caller
    asked for;
  * a thread has at most one active session: a start while one is active is
    refused, naming it; the check and the insert share one transaction that
    concurrent starts in the thread serialize on, so two cannot both succeed;
  * a new session resumes the thread's most recently ended completed session;
  * a session ends through the Go service's updates: UpdateSessionStatus with
    the end time and usage figures for a result (finish), UpdateSessionEndTime
    for a start whose process failed (fail_start) and an idle timeout
    (time_out).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias

from app.db import Connection, is_postgres, one_line
from generated import models
from generated.postgresql import models as pg_models
from generated.queries import sessions as sqlite_session_queries
from generated.queries import threads as sqlite_thread_queries

if TYPE_CHECKING:  # importing it at run time would import psycopg, which SQLite users need not have
    from generated.postgresql.queries import threads as pg_thread_queries

log = logging.getLogger(__name__)

Status = Literal["active", "completed", "failed", "timeout"]
RESULT_STATUSES = ("completed", "failed")  # how a session with a result ends (finish)
ENDED_STATUSES = ("failed", "timeout")  # how a session without a result ends (end)

# The row models of either engine: the same fields with the same types.
Thread: TypeAlias = models.Thread | pg_models.Thread
Session: TypeAlias = models.Session | pg_models.Session
# A thread with the prompt of its first session (list_threads_page).
ThreadPageRow: TypeAlias = (
    "sqlite_thread_queries.ListThreadsPaginatedRow | pg_thread_queries.ListThreadsPaginatedRow"
)


class ThreadQueries(Protocol):
    """What SessionManager uses of a generated threads module (either engine's)."""

    def get_thread(self, conn: Any, *, channel_id: str, thread_ts: str) -> Thread | None: ...

    def get_or_create_thread(
        self, conn: Any, *, channel_id: str, thread_ts: str, working_directory: str
    ) -> Thread: ...

    def update_thread_timestamp(self, conn: Any, *, id: int) -> None: ...

    def list_threads(self, conn: Any) -> Sequence[Thread]: ...

    def list_threads_paginated(self, conn: Any, *, limit: int, offset: int) -> Sequence[ThreadPageRow]: ...


class SessionQueries(Protocol):
    """What SessionManager uses of a generated sessions module (either engine's)."""

    def get_session(self, conn: Any, *, session_id: str) -> Session | None: ...

    def get_latest_completed_session_by_thread(self, conn: Any, *, thread_id: int) -> Session | None: ...

    def get_active_session_by_thread(self, conn: Any, *, thread_id: int) -> Session | None: ...

    def create_session(self, conn: Any, *, thread_id: int, session_id: str, model: str | None) -> Session: ...

    def create_session_with_initial_prompt(
        self, conn: Any, *, thread_id: int, session_id: str, model: str | None, initial_prompt: str | None
    ) -> Session: ...

    def update_session_status(
        self,
        conn: Any,
        *,
        status: Status | None,
        total_cost_usd: float | None,
        input_tokens: int | None,
        output_tokens: int | None,
        duration_ms: int | None,
        num_turns: int | None,
        session_id: str,
    ) -> int: ...

    def update_session_end_time(self, conn: Any, *, status: Status | None, session_id: str) -> int: ...

    def update_session_model(self, conn: Any, *, model: str | None, session_id: str) -> int: ...

    def update_session_id(self, conn: Any, *, new_session_id: str, old_session_id: str) -> int: ...

    def list_active_sessions(self, conn: Any) -> Sequence[Session]: ...

    def count_active_sessions_by_thread(self, conn: Any, *, thread_id: int) -> int: ...

    def list_sessions(self, conn: Any) -> Sequence[Session]: ...

    def list_sessions_by_thread_id(self, conn: Any, *, thread_id: int) -> Sequence[Session]: ...

    def list_sessions_paginated(self, conn: Any, *, limit: int, offset: int) -> Sequence[Session]: ...


class SessionError(Exception):
    """A session operation was refused; the message is one line, fit for a user."""


class UnknownSessionError(SessionError, LookupError):
    """No session has the given session_id."""


class ActiveSessionError(SessionError):
    """The thread already has an active session: `active`, named in the message."""

    def __init__(self, message: str, active: Session) -> None:
        super().__init__(message)
        self.active = active


@dataclass(frozen=True)
class StartedSession:
    thread: Thread
    session: Session
    working_directory: str  # where to run: always the thread's directory
    resume_session_id: str | None  # the session to resume, None for a fresh start


class SessionManager:
    """Thread and session bookkeeping over one connection from app.db.connect:
    a sqlite3 connection or a psycopg one.

    Each method that writes runs in its own transaction (BEGIN IMMEDIATE on
    SQLite); when the caller already has a transaction open, the method joins
    it instead (and leaves committing to the caller). On PostgreSQL a failed
    statement aborts the caller's transaction: the caller must roll it back.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.engine: Literal["sqlite", "postgresql"]
        self._threads: ThreadQueries
        self._sessions: SessionQueries
        if isinstance(conn, sqlite3.Connection):
            self.engine = "sqlite"
            self._threads, self._sessions = sqlite_thread_queries, sqlite_session_queries
            self._integrity_errors: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)
        elif is_postgres(conn):
            import psycopg

            # Imported here: they import psycopg, which SQLite users need not have.
            from generated.postgresql.queries import sessions as pg_session_queries
            from generated.postgresql.queries import threads as pg_thread_queries

            self.engine = "postgresql"
            self._threads, self._sessions = pg_thread_queries, pg_session_queries
            self._integrity_errors = (psycopg.IntegrityError,)
        else:
            raise TypeError(f"SessionManager needs a sqlite3 or psycopg connection, got {type(conn).__name__}")

    # -- writing -------------------------------------------------------------

    def start(
        self,
        *,
        channel_id: str,
        thread_ts: str,
        working_directory: str,
        session_id: str,
        model: str | None = None,
        initial_prompt: str | None = None,
    ) -> StartedSession:
        """Record a new session in a thread, creating the thread on first use.

        `session_id` is usually provisional (the Go service uses temp_<ns>
        until Claude reports the real id: rename_session). An empty prompt is
        stored as NULL, as the Go service does. Raises ActiveSessionError while
        the thread has an active session."""
        # The Go service stores a new thread's directory made absolute.
        working_directory = os.path.abspath(working_directory)
        with self._transaction():
            # One atomic INSERT ... ON CONFLICT: of several concurrent first
            # starts exactly one creates the row, and its directory sticks. It
            # also write-locks the thread row (PostgreSQL) or the database
            # (SQLite: BEGIN IMMEDIATE) until this transaction ends, so a
            # concurrent start in the thread waits here and then sees this
            # start's session in the check below: no two starts both pass it.
            thread = self._threads.get_or_create_thread(
                self.conn, channel_id=channel_id, thread_ts=thread_ts, working_directory=working_directory
            )
            active = self._sessions.get_active_session_by_thread(self.conn, thread_id=thread.id)
            if active is not None:
                raise ActiveSessionError(
                    f"thread {channel_id}:{thread_ts} already has an active session: {active.session_id} "
                    f"(started {_when(active.started_at)}); it must end before another starts",
                    active,
                )
            if thread.working_directory != working_directory:
                log.warning(
                    "thread %s:%s works in %s; ignoring the requested working directory %s",
                    channel_id,
                    thread_ts,
                    thread.working_directory,
                    working_directory,
                )
            # Read before inserting: the new session must not resume itself.
            previous = self._sessions.get_latest_completed_session_by_thread(self.conn, thread_id=thread.id)
            try:
                session = self._sessions.create_session_with_initial_prompt(
                    self.conn,
                    thread_id=thread.id,
                    session_id=session_id,
                    model=model,
                    initial_prompt=initial_prompt or None,
                )
            except self._integrity_errors as exc:
                raise SessionError(f"cannot create session {session_id}: {one_line(exc)}") from exc
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
        status: Status = "completed",
        total_cost_usd: float | None = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        duration_ms: int | None = None,
        num_turns: int | None = None,
        model: str | None = None,
    ) -> Session:
        """Record a session's result: 'completed', or 'failed' for an error
        result, with the end time and usage figures (the Go service's
        UpdateSessionStatus). A None model keeps the one stored."""
        if status not in RESULT_STATUSES:
            raise SessionError(
                f"a session with a result ends as {' or '.join(RESULT_STATUSES)}, not {status!r} "
                "(fail_start and time_out end one without a result)"
            )
        with self._transaction():
            rows = self._sessions.update_session_status(
                self.conn,
                status=status,
                total_cost_usd=total_cost_usd,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                duration_ms=duration_ms,
                num_turns=num_turns,
                session_id=session_id,
            )
            if rows and model is not None:
                self._sessions.update_session_model(self.conn, model=model, session_id=session_id)
            return self._ended(session_id, rows)

    def fail_start(self, session_id: str) -> Session:
        """The session's process could not be started: 'failed', with its end time."""
        return self.end(session_id, "failed")

    def time_out(self, session_id: str) -> Session:
        """The session sat idle too long and was closed: 'timeout', with its end time."""
        return self.end(session_id, "timeout")

    def end(self, session_id: str, status: Status) -> Session:
        """End a session without a result (the Go service's UpdateSessionEndTime):
        the status and the end time; the usage figures stay as they are."""
        if status not in ENDED_STATUSES:
            raise SessionError(f"a session without a result ends as {' or '.join(ENDED_STATUSES)}, not {status!r}")
        with self._transaction():
            rows = self._sessions.update_session_end_time(self.conn, status=status, session_id=session_id)
            return self._ended(session_id, rows)

    def set_model(self, session_id: str, model: str | None) -> Session:
        with self._transaction():
            rows = self._sessions.update_session_model(self.conn, model=model, session_id=session_id)
            return self._require(session_id, rows)

    def rename_session(self, old_session_id: str, new_session_id: str) -> Session:
        """Replace a provisional session id with the one Claude reported."""
        with self._transaction():
            try:
                rows = self._sessions.update_session_id(
                    self.conn, new_session_id=new_session_id, old_session_id=old_session_id
                )
            except self._integrity_errors as exc:
                raise SessionError(f"cannot rename {old_session_id} to {new_session_id}: {one_line(exc)}") from exc
            if rows == 0:
                raise UnknownSessionError(f"no session {old_session_id}")
            return self._require(new_session_id, rows)

    # -- reading -------------------------------------------------------------

    def get_thread(self, channel_id: str, thread_ts: str) -> Thread | None:
        return self._threads.get_thread(self.conn, channel_id=channel_id, thread_ts=thread_ts)

    def get_session(self, session_id: str) -> Session | None:
        return self._sessions.get_session(self.conn, session_id=session_id)

    def active_session(self, channel_id: str, thread_ts: str) -> Session | None:
        """The thread's newest active session, if any."""
        thread = self.get_thread(channel_id, thread_ts)
        if thread is None:
            return None
        return self._sessions.get_active_session_by_thread(self.conn, thread_id=thread.id)

    def resume_candidate(self, channel_id: str, thread_ts: str) -> Session | None:
        """The session a new one in this thread would resume."""
        thread = self.get_thread(channel_id, thread_ts)
        if thread is None:
            return None
        return self._sessions.get_latest_completed_session_by_thread(self.conn, thread_id=thread.id)

    def count_active(self, thread_id: int) -> int:
        return self._sessions.count_active_sessions_by_thread(self.conn, thread_id=thread_id) or 0

    def list_threads(self) -> list[Thread]:
        return list(self._threads.list_threads(self.conn))

    def list_threads_page(self, *, limit: int, offset: int = 0) -> list[ThreadPageRow]:
        """Threads by recent activity, each with its first session's prompt."""
        return list(self._threads.list_threads_paginated(self.conn, limit=limit, offset=offset))

    def list_active_sessions(self) -> list[Session]:
        return list(self._sessions.list_active_sessions(self.conn))

    def list_sessions(self, *, limit: int | None = None, offset: int = 0) -> list[Session]:
        """Newest first; all of them unless `limit` is given."""
        if limit is None:
            return list(self._sessions.list_sessions(self.conn)[offset:])
        return list(self._sessions.list_sessions_paginated(self.conn, limit=limit, offset=offset))

    def thread_sessions(self, channel_id: str, thread_ts: str) -> list[Session]:
        """The thread's sessions, newest first; [] for an unknown thread."""
        thread = self.get_thread(channel_id, thread_ts)
        if thread is None:
            return []
        return list(self._sessions.list_sessions_by_thread_id(self.conn, thread_id=thread.id))

    # -- plumbing ------------------------------------------------------------

    def _ended(self, session_id: str, rows: int) -> Session:
        session = self._require(session_id, rows)
        # The thread saw activity: keeps list_threads ordered by recency. (The
        # one thing recorded beyond what the Go service records.)
        self._threads.update_thread_timestamp(self.conn, id=session.thread_id)
        return session

    def _require(self, session_id: str, rows: int) -> Session:
        session = self._sessions.get_session(self.conn, session_id=session_id) if rows else None
        if session is None:
            raise UnknownSessionError(f"no session {session_id}")
        return session

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        conn = self.conn
        if not isinstance(conn, sqlite3.Connection):
            yield from self._postgres_transaction(conn)
            return
        if conn.in_transaction:
            yield  # the caller's transaction: it commits or rolls back
            return
        # IMMEDIATE takes the write lock up front, so two processes doing
        # read-then-write (start) serialize instead of failing with "database
        # is locked" when upgrading a read lock; the busy timeout waits.
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @staticmethod
    def _postgres_transaction(conn: Any) -> Iterator[None]:
        """READ COMMITTED with row locks does what BEGIN IMMEDIATE does on
        SQLite: start's INSERT ... ON CONFLICT DO UPDATE locks the thread row,
        so concurrent starts in one thread queue behind each other, and a
        concurrent first start waits for the row and then finds it."""
        from psycopg import pq

        if conn.info.transaction_status != pq.TransactionStatus.IDLE:
            yield  # the caller's transaction
            return
        with conn.transaction():
            yield


def _when(value: object) -> str:
    return "at an unknown time" if value is None else str(value)
