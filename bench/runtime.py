#!/usr/bin/env python3
"""Runtime cost of the generated data layer vs raw sqlite3, SQLAlchemy and aiosql.

A temp-file database gets the repo's schema (schema/*.up.sql in order) and 20,000 sessions over
2,000 threads with realistic values (CURRENT_TIMESTAMP-style datetimes, NULLs for open sessions).
Every contender runs the same SQL (generated.queries.sessions.LIST_SESSIONS / GET_SESSION):
  list: raw cursor fetchall() of tuples (1.0x), generated list_sessions, SQLAlchemy Core (text(),
        untyped; and text().columns(...) typed, DateTime parsed), SQLAlchemy ORM (mapped class,
        session.scalars(select(...).from_statement(...)).all()), aiosql (sqlite3 adapter);
  get:  --gets single-row lookups by session_id: raw fetchone() (1.0x), generated get_session, aiosql.
Each repetition runs every contender once (round-robin); gc is off while timing, warm-up first.
Ratios: median of per-repetition (paired) ratios; best/best too. Then the generated path is split into fetch and
validation (pydantic validate_python, and the tuple.__new__ map into the NamedTuple).
Targets: list <= 1.5x raw, get <= 1.3x raw.

usage: python bench/runtime.py [--rows 20000] [--reps 15] [--gets 2000]
"""
from __future__ import annotations

import argparse
import datetime
import gc
import json
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"

import aiosql  # noqa: E402
import pydantic  # noqa: E402
import sqlalchemy  # noqa: E402
from sqlalchemy import DateTime, Float, Integer, String, create_engine, select, text  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column  # noqa: E402

from generated import models  # noqa: E402
from generated.queries import sessions as q  # noqa: E402

STATUSES = ["active", "completed", "completed", "completed", "failed", "timeout"]
MODELS = ["claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5", None]


class Base(DeclarativeBase):
    pass


class SessionORM(Base):
    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[str] = mapped_column(String)
    started_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    ended_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    status: Mapped[str | None] = mapped_column(String)
    model: Mapped[str | None] = mapped_column(String)
    total_cost_usd: Mapped[float | None] = mapped_column(Float)
    input_tokens: Mapped[int | None] = mapped_column(Integer)
    output_tokens: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    num_turns: Mapped[int | None] = mapped_column(Integer)


def build_db(path: Path, rows: int, threads: int = 2000) -> list[str]:
    conn = sqlite3.connect(path, isolation_level=None)
    for f in sorted((ROOT / "schema").glob("*.up.sql")):
        conn.executescript(f.read_text())
    rnd = random.Random(42)
    t0 = datetime.datetime(2025, 1, 1)
    fmt = "%Y-%m-%d %H:%M:%S"
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO threads (channel_id, thread_ts, created_at, updated_at, working_directory) VALUES (?, ?, ?, ?, ?)",
        [(f"C{rnd.randrange(10**8):08d}", f"{1735689600 + i * 97}.{rnd.randrange(10**6):06d}",
          (t0 + datetime.timedelta(minutes=i)).strftime(fmt), (t0 + datetime.timedelta(minutes=i + 5)).strftime(fmt),
          f"/srv/repos/project-{i % 37}") for i in range(threads)])
    data, ids = [], []
    for i in range(rows):
        started = t0 + datetime.timedelta(seconds=i * 131 + rnd.randrange(60))
        status = rnd.choice(STATUSES)
        done = status != "active"
        sid = str(uuid.UUID(int=rnd.getrandbits(128)))
        ids.append(sid)
        data.append((rnd.randrange(1, threads + 1), sid, started.strftime(fmt),
                     (started + datetime.timedelta(seconds=rnd.randrange(5, 3600))).strftime(fmt) if done else None,
                     status, rnd.choice(MODELS), round(rnd.uniform(0.001, 4.0), 6) if done else None,
                     rnd.randrange(100, 200_000) if done else None, rnd.randrange(50, 50_000) if done else None,
                     rnd.randrange(1000, 3_600_000) if done else None, rnd.randrange(1, 80) if done else None))
    conn.executemany(
        "INSERT INTO sessions (thread_id, session_id, started_at, ended_at, status, model, total_cost_usd, "
        "input_tokens, output_tokens, duration_ms, num_turns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", data)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return ids


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        out = fn()
        return time.perf_counter() - start, out
    finally:
        gc.enable()


def race(contenders: dict[str, Any], reps: int, warmup: int = 2) -> dict[str, list[float]]:
    """Each value is fn() or (setup, fn): setup() runs untimed and its result is passed to fn."""
    def once(c: Any) -> float:
        setup, fn = c if isinstance(c, tuple) else (None, c)
        if setup is None:
            return timed(fn)[0]
        arg = setup()
        return timed(lambda: fn(arg))[0]

    for _ in range(warmup):
        for c in contenders.values():
            once(c)
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(reps):
        for name, c in contenders.items():
            samples[name].append(once(c))
    return samples


def table(title: str, samples: dict[str, list[float]], per: int, unit: str) -> list[dict]:
    """Ratio = median over repetitions of (contender / raw) in the same repetition: paired, so slow
    drifts of this shared VM's speed cancel. The ratio of the best times is shown beside it."""
    base = next(iter(samples.values()))
    print(f"\n{title}")
    hdr = f"{'contender':<44} {'median':>10} {'best':>10} {unit:>10} {'vs raw':>7} {'best/best':>9}"
    print(hdr + "\n" + "-" * len(hdr))
    rows = []
    for name, s in samples.items():
        med, best = statistics.median(s), min(s)
        ratio = statistics.median(x / b for x, b in zip(s, base))
        rows.append({"name": name, "median_s": med, "best_s": best, "ratio": ratio,
                     "ratio_of_best": best / min(base), "samples_s": s})
        print(f"{name:<44} {med * 1e3:>8.2f}ms {best * 1e3:>8.2f}ms {med / per * 1e6:>8.3f}us "
              f"{ratio:>6.2f}x {best / min(base):>8.2f}x")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--reps", type=int, default=21)
    ap.add_argument("--gets", type=int, default=2000)
    a = ap.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-rt-") as tmp:
        path = Path(tmp) / "bench.db"
        ids = build_db(path, a.rows)
        conn = sqlite3.connect(path, isolation_level=None)
        engine = create_engine(f"sqlite:///{path}")
        sa_conn = engine.connect()
        aq = aiosql.from_str(f"-- name: list_sessions()\n{q.LIST_SESSIONS};\n\n"
                             f"-- name: get_session(session_id)^\n{q.GET_SESSION.replace('?', ':session_id')};\n", "sqlite3")
        typed_text = text(q.LIST_SESSIONS).columns(*SessionORM.__table__.c)
        orm_stmt = select(SessionORM).from_statement(text(q.LIST_SESSIONS))

        def orm_list() -> list[SessionORM]:
            with Session(engine) as s:  # a fresh identity map each time
                return s.scalars(orm_stmt).all()

        LIST = q.LIST_SESSIONS
        lists: dict[str, Callable[[], Any]] = {
            "raw sqlite3 cursor.fetchall() (tuples)": lambda: conn.execute(LIST).fetchall(),
            "generated list_sessions (typed, validated)": lambda: q.list_sessions(conn),
            "SQLAlchemy Core text() .fetchall()": lambda: sa_conn.execute(text(LIST)).fetchall(),
            "SQLAlchemy Core typed text().columns()": lambda: sa_conn.execute(typed_text).fetchall(),
            "SQLAlchemy ORM scalars(select).all()": orm_list,
            "aiosql sqlite3 adapter list(...)": lambda: list(aq.list_sessions(conn)),
        }
        # Same answers before timing anything.
        raw = lists["raw sqlite3 cursor.fetchall() (tuples)"]()
        gen = q.list_sessions(conn)
        assert len(raw) == len(gen) == a.rows and isinstance(gen[0], models.Session)
        assert [r[2] for r in raw] == [g.session_id for g in gen] == [o.session_id for o in orm_list()]
        assert isinstance(gen[0].started_at, datetime.datetime) and any(g.ended_at is None for g in gen)
        assert len(lists["aiosql sqlite3 adapter list(...)"]()) == a.rows

        lookups = random.Random(7).choices(ids, k=a.gets)
        GET = q.GET_SESSION

        def raw_get() -> None:
            for sid in lookups:
                conn.execute(GET, (sid,)).fetchone()

        def gen_get() -> None:
            for sid in lookups:
                q.get_session(conn, session_id=sid)

        def aiosql_get() -> None:
            for sid in lookups:
                aq.get_session(conn, session_id=sid)

        assert q.get_session(conn, session_id=ids[5]).session_id == ids[5]  # type: ignore[union-attr]
        assert aq.get_session(conn, session_id=ids[5])[2] == ids[5]
        gets = {"raw sqlite3 execute().fetchone()": raw_get, "generated get_session": gen_get,
                "aiosql get_session^": aiosql_get}

        list_rows = table(f"list all {a.rows:,} sessions (LIST_SESSIONS), median of {a.reps}",
                          race(lists, a.reps), a.rows, "per row")
        get_rows = table(f"{a.gets:,} single-row gets by session_id (GET_SESSION), median of {a.reps}",
                         race(gets, a.reps), a.gets, "per get")

        # Where the generated list's time goes: fetch, then validation inside pydantic-core, then the
        # tuple.__new__ map into the NamedTuple (the parts _runtime.Rows.many strings together).
        rows_ = q._SESSION_ROWS
        rows_.many(raw[:1])  # builds the adapters
        many, make, one = rows_._many, rows_._make, rows_._one
        fresh = lambda: conn.execute(LIST).fetchall()  # newly fetched rows for each timing, as list_sessions has
        one_raw = [conn.execute(GET, (sid,)).fetchone() for sid in lookups]
        parts = race({
            "fetchall()": lambda: conn.execute(LIST).fetchall(),
            "TypeAdapter(list[tuple[...]]).validate_python": (fresh, many.validate_python),
            "list(map(tuple.__new__ NamedTuple))": (lambda: many.validate_python(fresh()), lambda v: list(map(make, v))),
            "Rows.many (validate + map)": (fresh, rows_.many),
            "list_sessions end to end": lambda: q.list_sessions(conn),
            "get: fetchone() x gets": lambda: [conn.execute(GET, (s,)).fetchone() for s in lookups],
            "get: Rows.one x gets (validation only)": lambda: [rows_.one(r) for r in one_raw],
            "get: TypeAdapter.validate_python x gets": lambda: [one.validate_python(r) for r in one_raw],
            "get: get_session x gets": gen_get,
        }, a.reps)
        print(f"\nbreakdown of the generated path ({a.reps} reps; x = paired median ratio to the raw fetch)")
        breakdown = {}
        for name, smp in parts.items():
            ref = parts["get: fetchone() x gets" if name.startswith("get:") else "fetchall()"]
            ratio = statistics.median(x / b for x, b in zip(smp, ref))
            breakdown[name] = {"median_s": statistics.median(smp), "best_s": min(smp), "of_raw_fetch": ratio}
            print(f"  {name:<48} median {statistics.median(smp) * 1e3:>7.2f}ms  best {min(smp) * 1e3:>7.2f}ms"
                  f"  {ratio:>5.2f}x")
        sa_conn.close()
        engine.dispose()
        conn.close()

    gen_list = next(r for r in list_rows if r["name"].startswith("generated"))["ratio"]
    gen_one = next(r for r in get_rows if r["name"].startswith("generated"))["ratio"]
    verdict = {"list_ratio": gen_list, "list_target": 1.5, "list_ok": gen_list <= 1.5,
               "get_ratio": gen_one, "get_target": 1.3, "get_ok": gen_one <= 1.3}
    print(f"\ntargets: list {gen_list:.2f}x (<= 1.5x: {'met' if verdict['list_ok'] else 'MISSED'}), "
          f"get {gen_one:.2f}x (<= 1.3x: {'met' if verdict['get_ok'] else 'MISSED'})")
    out = RESULTS / "runtime.json"
    out.write_text(json.dumps({
        "command": "python " + " ".join(sys.argv), "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version, "pydantic": pydantic.VERSION, "sqlalchemy": sqlalchemy.__version__,
        "rows": a.rows, "gets": a.gets, "reps": a.reps, "list": list_rows, "get": get_rows,
        "breakdown": breakdown, "targets": verdict}, indent=1))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
