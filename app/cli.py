"""`python -m app`: migrate, roll back and inspect the service's database.

--db is a SQLite file or a postgresql:// URL. Every failure the user can
cause (a missing or corrupt file, an unreachable server, a database migrated
by newer code, a failing migration) ends as one `error: ...` line on stderr
and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from app import migrate as migrations
from app.db import DatabaseOpenError, connect

EXIT_ERROR = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse would print the whole usage block; one line is the contract.
        self.exit(EXIT_USAGE, f"error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m app", description="Slack thread / Claude Code session database")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.add_argument(
            "--db", required=True, metavar="PATH|URL", help="the SQLite database file, or a postgresql:// URL"
        )
        return sub

    sub = command("migrate", "apply pending migrations (creates the database if needed)")
    sub.add_argument("--to", type=_version_number, metavar="N", help="stop after migration number N")
    sub.add_argument("--schema", type=Path, help=argparse.SUPPRESS)
    sub.add_argument("--no-backup", action="store_true", help="do not copy the SQLite database file first")

    sub = command("rollback", "run down migrations until N is the newest applied")
    sub.add_argument("--to", type=_version_number, metavar="N", required=True, help="migration number to keep (0: all)")
    sub.add_argument("--schema", type=Path, help=argparse.SUPPRESS)
    sub.add_argument("--no-backup", action="store_true", help="do not copy the SQLite database file first")

    sub = command("status", "show applied and pending migrations")
    sub.add_argument("--schema", type=Path, help=argparse.SUPPRESS)

    command("threads", "list threads, most recently active first")

    sub = command("sessions", "list sessions, newest first")
    sub.add_argument("--thread", metavar="CHANNEL:TS", help="only the sessions of this thread")
    sub.add_argument("--limit", type=_row_limit, default=100, help="at most this many rows (default 100, 0: all)")
    return parser


def _version_number(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a migration number, got {text!r}")
    return int(text)


def _row_limit(text: str) -> int:
    """0 (all) up to SQLite's largest integer: -1 is not "all", and 10**20 does not fit a LIMIT."""
    if not text.isdigit() or int(text) > 2**63 - 1:
        raise argparse.ArgumentTypeError(f"expected a row count from 0 to {2**63 - 1}, got {text!r}")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        handler = _COMMANDS[args.command]
        return handler(args)
    except (DatabaseOpenError, migrations.MigrationError) as exc:
        return _fail(str(exc))
    except sqlite3.Error as exc:
        return _fail(f"database error: {exc}")
    except OSError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return _fail("interrupted")
    except Exception as exc:  # never a traceback for the user; the type says where to look
        sessions = sys.modules.get("app.sessions")  # only loaded by the listing commands
        if sessions is not None and isinstance(exc, sessions.SessionError):
            return _fail(str(exc))
        psycopg = sys.modules.get("psycopg")  # only loaded for a postgresql:// URL
        if psycopg is not None and isinstance(exc, psycopg.Error):
            return _fail(f"database error: {exc}")
        return _fail(f"unexpected {type(exc).__name__}: {exc}")


def _fail(message: str) -> int:
    print(f"error: {' '.join(message.split())}", file=sys.stderr)
    return EXIT_ERROR


def _migrate(args: argparse.Namespace) -> int:
    result = migrations.migrate(
        args.db, to=args.to, schema_dir=args.schema, backup=not args.no_backup, progress=_say("applied")
    )
    return _report(result, "migrate")


def _rollback(args: argparse.Namespace) -> int:
    result = migrations.rollback(
        args.db, to=args.to, schema_dir=args.schema, backup=not args.no_backup, progress=_say("reverted")
    )
    return _report(result, "rollback")


def _say(verb: str) -> migrations.Progress:
    def progress(version: str) -> None:
        print(f"{verb} {version}", flush=True)

    return progress


def _report(result: migrations.RunResult, command: str) -> int:
    if result.backup is not None:
        print(f"backup: {result.backup}")
    if not result.steps:
        print(f"nothing to {command}")
    print(f"version: {result.version or '(none)'}")
    return 0


def _status(args: argparse.Namespace) -> int:
    state = migrations.status(args.db, args.schema)
    rows = [("applied", version, at or "") for version, at in state.applied]
    rows += [("pending", version, "") for version in state.pending]
    rows += [("unknown", version, "") for version in state.unknown]
    _table(("STATE", "VERSION", "APPLIED_AT"), rows)
    print(f"version: {state.current or '(none)'}")
    if state.unknown:
        return _fail(migrations.newer_version_message(state.unknown))
    return 0


def _threads(args: argparse.Namespace) -> int:
    manager = _manager(args.db)
    rows = [
        (t.id, t.channel_id, t.thread_ts, t.working_directory, _when(t.created_at), _when(t.updated_at))
        for t in manager.list_threads()
    ]
    _table(("ID", "CHANNEL", "THREAD_TS", "WORKING_DIRECTORY", "CREATED_AT", "UPDATED_AT"), rows)
    return 0


def _sessions(args: argparse.Namespace) -> int:
    manager = _manager(args.db)
    if args.thread is not None:
        channel_id, sep, thread_ts = args.thread.partition(":")
        if not sep or not channel_id or not thread_ts:
            return _fail(f"--thread expects CHANNEL:TS, got {args.thread!r}")
        if manager.get_thread(channel_id, thread_ts) is None:
            return _fail(f"no thread {args.thread}")
        sessions = manager.thread_sessions(channel_id, thread_ts)
        if args.limit:
            sessions = sessions[: args.limit]
    else:
        sessions = manager.list_sessions(limit=args.limit or None)
    rows = [
        (
            s.id,
            s.thread_id,
            s.session_id,
            s.status or "",
            s.model or "",
            _when(s.started_at),
            _when(s.ended_at),
            "" if s.total_cost_usd is None else f"{s.total_cost_usd:.4f}",
            "" if s.num_turns is None else s.num_turns,
        )
        for s in sessions
    ]
    _table(("ID", "THREAD", "SESSION_ID", "STATUS", "MODEL", "STARTED_AT", "ENDED_AT", "COST_USD", "TURNS"), rows)
    return 0


def _manager(db: str) -> Any:
    # Imported here so migrate/status work even where generated/ (and pydantic)
    # are not importable.
    from app.sessions import SessionManager

    conn = connect(db, readonly=True)
    migrations.check_current(conn)
    return SessionManager(conn)


def _when(value: object) -> str:
    return "" if value is None else str(value)


def _printable(text: str) -> str:
    """Stored text as one visible line: a newline would forge a row, an escape sequence would
    reach the operator's terminal, a bidi override would reorder what they read."""
    return "".join(ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")
                   else ch for ch in text)


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [list(header)] + [[_printable(str(c)) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


_COMMANDS = {
    "migrate": _migrate,
    "rollback": _rollback,
    "status": _status,
    "threads": _threads,
    "sessions": _sessions,
}
