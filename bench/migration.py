#!/usr/bin/env python3
"""Migration speed and memory: the generated runner (generated/migrations.py, which the service
migrates through) vs the bare SQL, on 1,000,000 sessions.

A database at version 3 (the earlier service: schema/000001_*.up.sql and 000003_*.up.sql, a
schema_migrations table recording '000001_init' and '000003_working_directories') is built with
set-based INSERT ... SELECT over recursive CTEs: ~1 thread per 20 sessions, 15 working directories
per channel, sessions with working_directory, datetimes, NULLs. It is copied once per contender;
each contender runs in its own subprocess, timed by wall clock, peak RSS from os.wait4's rusage:
  runner            `python -m app migrate --to 6 --db A` (takes a backup copy first): the service's
                    CLI, through app.migrate into generated.migrations.migrate (checksums off);
  runner no backup  the same without the backup (the CLI's flag if it has one, else app.migrate.migrate(backup=False));
  generated         generated.migrations.migrate(A, 6) called directly: checksums stored, backup taken;
  plain             sqlite3 executescript() of 000004..000006 .up.sql on B, nothing else;
  plain WAL         the same after PRAGMA journal_mode=WAL (the runner switches files to WAL).
The version-3 file is measured as the earlier release left it (rollback journal; the runner checks
it for corruption before switching it to WAL) and in WAL mode (checked beside the first step).
Target: runner <= 1.1x plain, and peak memory flat (the same at every size).

usage: python bench/migration.py [--sizes 100000,1000000] [--journals delete,wal] [--reps 1]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schema"
RESULTS = ROOT / "bench" / "results"
UPS = [str(p) for p in sorted(SCHEMA.glob("00000[456]_*.up.sql"))]

PLAIN = """import pathlib, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
if sys.argv[2] == "wal":
    conn.execute("PRAGMA journal_mode = WAL")
for f in sys.argv[3:]:
    conn.executescript(pathlib.Path(f).read_text())
conn.close()
"""
# --breakdown: the runner in-process, each statement it executes timed through a proxy connection.
TRACE = """import sqlite3, sys, time
import app.migrate as m
spans = []
class Conn:
    def __init__(self, c): self._c = c
    def __getattr__(self, name): return getattr(self._c, name)
    def execute(self, sql, *args):
        t = time.perf_counter(); rows = self._c.execute(sql, *args).fetchall()  # the work, timed
        spans.append((" ".join(sql.split())[:60], time.perf_counter() - t)); return Rows(rows)
    def close(self):
        t = time.perf_counter(); self._c.close(); spans.append(("close (WAL checkpoint)", time.perf_counter() - t))
class Rows(list):
    def fetchone(self): return self[0] if self else None
    def fetchmany(self, n=1): return self[:n]
    def fetchall(self): return list(self)
import generated._migrate_checks as p  # the generated runner opens the file through p.connect
connect, backup, check = p.connect, p.backup, p.refuse_corrupt
p.connect = lambda *a, **k: connect(*a, **k) if k.get("readonly") else Conn(connect(*a, **k))
def timed(name, fn):
    def run(*a, **k):
        t = time.perf_counter(); r = fn(*a, **k); spans.append((name, time.perf_counter() - t)); return r
    return run
p.backup = timed("backup copy (beside the first step)", backup)
p.refuse_corrupt = timed("quick_check (beside the first step)", check)
p.Preflight.finish = timed("the first step waiting for them before its COMMIT", p.Preflight.finish)
t = time.perf_counter(); m.migrate(sys.argv[1], to=6, backup=True); total = time.perf_counter() - t
for name, secs in spans:
    if secs >= 0.02: print(f"{secs:8.3f}s  {name}")
print(f"{total:8.3f}s  runner total, in-process")
"""
# The runner stops at 000006, as plain does: 000007 and 000008 (the Go release's) are not measured here.
API_RUNNER = "import sys; from app.migrate import migrate; migrate(sys.argv[1], to=6, backup=sys.argv[2] == 'backup')"
GENERATED = "import sys; from generated import migrations; migrations.migrate(sys.argv[1], 6)"

BUILD = """
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < :threads)
INSERT INTO threads (id, channel_id, thread_ts, created_at, updated_at)
SELECT x, printf('C%08d', (x * 7919) % 400), printf('%d.%06d', 1700000000 + x * 600, (x * 104729) % 1000000),
       datetime(1700000000 + x * 600, 'unixepoch'), datetime(1700000000 + x * 600 + (x % 86400), 'unixepoch')
FROM n;
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 400 * 15)
INSERT INTO working_directories (channel_id, name, path)
SELECT printf('C%08d', x % 400), 'dir' || (x / 400), '/srv/repos/project-' || (x % 97) || '/wt' || (x / 400) FROM n;
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < :sessions)
INSERT INTO sessions (id, thread_id, session_id, working_directory, started_at, ended_at, status, model,
                      total_cost_usd, input_tokens, output_tokens, duration_ms, num_turns)
SELECT x,
       1 + (x * 40501) % :busy,  -- threads above :busy never had a session: they get '/tmp'
       lower(hex(randomblob(16))),
       '/srv/repos/project-' || (x % 97) || '/wt' || (x % 15),
       datetime(1700000000 + x * 30, 'unixepoch'),
       CASE WHEN x % 10 = 0 THEN NULL ELSE datetime(1700000000 + x * 30 + x % 3571, 'unixepoch') END,
       CASE x % 10 WHEN 0 THEN 'active' WHEN 1 THEN 'failed' WHEN 2 THEN 'timeout' ELSE 'completed' END,
       CASE x % 4 WHEN 0 THEN NULL WHEN 1 THEN 'claude-sonnet-4-5' WHEN 2 THEN 'claude-opus-4-1' ELSE 'claude-haiku-4-5' END,
       CASE WHEN x % 10 = 0 THEN NULL ELSE (x % 40000) / 10000.0 END,
       CASE WHEN x % 10 = 0 THEN NULL ELSE 100 + x % 199999 END,
       CASE WHEN x % 10 = 0 THEN NULL ELSE 50 + x % 49999 END,
       CASE WHEN x % 10 = 0 THEN NULL ELSE 1000 + (x * 7) % 3599000 END,
       CASE WHEN x % 10 = 0 THEN NULL ELSE 1 + x % 80 END
FROM n;
"""


def build(path: Path, sessions: int) -> dict:
    threads = max(sessions // 20, 10)
    start = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")  # build only; the file keeps the default rollback journal
    conn.execute("PRAGMA synchronous = OFF")
    for name in ("000001_*.up.sql", "000003_*.up.sql"):
        conn.executescript(next(SCHEMA.glob(name)).read_text())
    conn.executescript("CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, "
                       "applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);"
                       "INSERT INTO schema_migrations (version) VALUES ('000001_init'), ('000003_working_directories');")
    conn.execute("BEGIN")
    for stmt in filter(str.strip, BUILD.split(";\n")):
        conn.execute(stmt, {"threads": threads, "sessions": sessions, "busy": threads - threads // 50})
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("threads", "sessions", "working_directories")}
    conn.close()
    return {**counts, "build_s": time.perf_counter() - start, "bytes": path.stat().st_size}


def measure(cmd: list[str], timeout: float) -> dict:
    """Wall time and this child's own peak RSS (os.wait4 gives the rusage of exactly that pid)."""
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        while True:  # poll, so that a hung child is killed instead of hanging the benchmark
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                proc.kill()
                os.wait4(proc.pid, 0)
                sys.exit(f"{' '.join(cmd)} still running after {timeout:.0f}s: killed")
            time.sleep(0.002)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        out = log.read().decode(errors="replace")
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed (exit {proc.returncode}):\n{out[-3000:]}")
    return {"wall_s": elapsed, "peak_rss_mb": usage.ru_maxrss / 1024, "user_s": usage.ru_utime,
            "sys_s": usage.ru_stime, "output": out[-4000:]}


def runner_commands() -> tuple[dict, str]:
    probe = subprocess.run([sys.executable, "-m", "app", "migrate", "--help"], cwd=ROOT, capture_output=True, text=True)
    if probe.returncode == 0 and "--db" in probe.stdout:
        base = [sys.executable, "-m", "app", "migrate", "--to", "6"]
        flag = next((f for f in ("--no-backup", "--skip-backup") if f in probe.stdout), None)
        no_backup = (base + ["--db", "{db}", flag], f"CLI {flag}") if flag else (
            [sys.executable, "-c", API_RUNNER, "{db}", "no"], "CLI has no flag: app.migrate.migrate(backup=False)")
        return {"runner": (base + ["--db", "{db}"], "python -m app migrate --to 6 --db DB"), "runner no backup": no_backup}, "cli"
    # The CLI is not there yet: the same runner code through its API.
    return {"runner": ([sys.executable, "-c", API_RUNNER, "{db}", "backup"], "no CLI yet: app.migrate.migrate(DB)"),
            "runner no backup": ([sys.executable, "-c", API_RUNNER, "{db}", "no"], "no CLI yet: migrate(DB, backup=False)")}, "api"


def check_migrated(path: Path, sessions: int) -> dict:
    conn = sqlite3.connect(path)
    cols = {r[1] for r in conn.execute("PRAGMA table_info(sessions)")}
    tcols = {r[1] for r in conn.execute("PRAGMA table_info(threads)")}
    wd = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'working_directories'").fetchone()[0]
    n = conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
    tmp = conn.execute("SELECT count(*) FROM threads WHERE working_directory = '/tmp'").fetchone()[0]
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    conn.close()
    assert "working_directory" not in cols and "working_directory" in tcols and wd == 0 and n == sessions, path
    return {"journal_mode": mode, "threads_on_tmp": tmp, "versions": versions}


def source_copy(src: Path, journal: str, tmp: Path) -> Path:
    """The version-3 file as the earlier release left it (rollback journal), or in WAL mode, as
    every connection of the current release leaves it."""
    if journal == "delete":
        return src
    wal = src.with_name(src.stem + "-wal-mode.db")
    shutil.copyfile(src, wal)
    conn = sqlite3.connect(wal)
    assert conn.execute("PRAGMA journal_mode = WAL").fetchone() == ("wal",)
    conn.close()
    return wal


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100000,1000000", help="session counts; the largest decides the target")
    ap.add_argument("--journals", default="delete,wal",
                    help="journal modes of the version-3 file: delete (the earlier release's), wal (the current one's)")
    ap.add_argument("--reps", type=int, default=3, help="runs per contender per size (fresh copy each)")
    ap.add_argument("--no-breakdown", action="store_true", help="skip the traced runner run at the largest size")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds before a contender is killed")
    ap.add_argument("--tmp", default=None, help="folder for the databases (default: a temp dir)")
    a = ap.parse_args()
    journals = a.journals.split(",")
    RESULTS.mkdir(parents=True, exist_ok=True)
    commands, mode = runner_commands()
    commands["generated"] = ([sys.executable, "-c", GENERATED, "{db}"], "generated.migrations.migrate(DB, 6)")
    commands["plain"] = ([sys.executable, "-c", PLAIN, "{db}", "delete", *UPS], "executescript 000004..000006")
    commands["plain WAL"] = ([sys.executable, "-c", PLAIN, "{db}", "wal", *UPS], "journal_mode=WAL, then the same")
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-mig-", dir=a.tmp) as tmpname:
        tmp = Path(tmpname)
        sizes = sorted(int(s) for s in a.sizes.split(","))
        for size in sizes:
            print(f"... building {size:,} sessions", file=sys.stderr, flush=True)
            built = tmp / f"v3-{size}.db"
            info = build(built, size)
            for journal in journals:
                src = source_copy(built, journal, tmp)
                # On a WAL file "plain" already runs in WAL mode: "plain WAL" would be the same run.
                names = [n for n in commands if not (journal == "wal" and n == "plain WAL")]
                runs: dict[str, list[dict]] = {name: [] for name in names}
                for rep in range(a.reps):
                    for name in names if rep % 2 == 0 else list(reversed(names)):
                        db = tmp / f"{name.replace(' ', '-')}-{size}.db"
                        shutil.copyfile(src, db)
                        subprocess.run(["sync"])
                        cmd = [part.replace("{db}", str(db)) for part in commands[name][0]]
                        r = measure(cmd, a.timeout)
                        r.update(check_migrated(db, size))
                        r["backups"] = len(list(tmp.glob(db.name + ".bak-*")))
                        runs[name].append(r)
                        for f in tmp.glob(db.name + "*"):
                            f.unlink()
                result = {"sessions": size, "journal": journal, "db": info, "runs": runs}
                if size == sizes[-1] and not a.no_breakdown:
                    db = tmp / "traced.db"
                    shutil.copyfile(src, db)
                    subprocess.run(["sync"])
                    result["breakdown"] = measure([sys.executable, "-c", TRACE, str(db)], a.timeout)["output"]
                    for f in tmp.glob("traced.db*"):
                        f.unlink()
                results.append(result)
                if src != built:
                    src.unlink()
            built.unlink()

    print(f"\nmigrating 000003 -> 000006 (python {platform.python_version()}, sqlite {sqlite3.sqlite_version}, "
          f"runner via {mode}); median of {a.reps} run(s), each on a fresh copy")
    for res in results:
        info = res["db"]
        print(f"\n{res['sessions']:,} sessions, {info['threads']:,} threads, {info['working_directories']:,} "
              f"working_directories, {info['bytes'] / 2**20:.0f} MiB (built in {info['build_s']:.1f}s); "
              f"the version-3 file in journal_mode={res['journal']}")
        hdr = (f"{'contender':<18} {'wall':>8} {'vs plain':>8} {'paired':>7} {'user':>7} {'sys':>6} {'peak RSS':>9} "
               f"{'journal':>8} {'backup':>6}  how")
        print(hdr + "\n" + "-" * (len(hdr) + 30))
        plain = statistics.median(r["wall_s"] for r in res["runs"]["plain"])
        res["summary"] = {}
        for name, runs in res["runs"].items():
            wall = statistics.median(r["wall_s"] for r in runs)
            rss = max(r["peak_rss_mb"] for r in runs)
            # paired: the median of per-repetition ratios (each repetition runs every contender once)
            paired = statistics.median(r["wall_s"] / p["wall_s"] for r, p in zip(runs, res["runs"]["plain"]))
            res["summary"][name] = {"wall_s": wall, "ratio_vs_plain": wall / plain, "paired_ratio": paired,
                                    "peak_rss_mb": rss}
            print(f"{name:<18} {wall:>7.2f}s {wall / plain:>7.2f}x {paired:>6.2f}x "
                  f"{statistics.median(r['user_s'] for r in runs):>6.2f}s "
                  f"{statistics.median(r['sys_s'] for r in runs):>5.2f}s {rss:>7.1f}MB {runs[0]['journal_mode']:>8} "
                  f"{runs[0]['backups']:>6}  {commands[name][1]}")
        if "breakdown" in res:
            print(f"where the runner's time goes (statements and preflight work >= 20 ms; one traced run):")
            print(res["breakdown"].rstrip())
    for journal in journals:
        mine = [r for r in results if r["journal"] == journal]
        if len(mine) > 1:
            small, big = mine[0], mine[-1]
            print(f"\npeak RSS ({journal}), {big['sessions']:,} vs {small['sessions']:,} sessions (flat = 1.0x): " + ", ".join(
                f"{n} {big['summary'][n]['peak_rss_mb'] / small['summary'][n]['peak_rss_mb']:.2f}x" for n in big["runs"]))
    for res in (r for r in results if r["sessions"] == results[-1]["sessions"]):
        ratio, paired = res["summary"]["runner"]["ratio_vs_plain"], res["summary"]["runner"]["paired_ratio"]
        print(f"target: runner / plain at {res['sessions']:,} sessions, journal_mode={res['journal']} file = {ratio:.2f}x "
              f"(<= 1.1x: {'met' if ratio <= 1.1 else f'MISSED by {(ratio / 1.1 - 1) * 100:.0f}%'}; paired {paired:.2f}x)")
    out = RESULTS / "migration.json"
    out.write_text(json.dumps({"command": "python " + " ".join(sys.argv), "runner_via": mode,
                               "commands": {k: v[1] for k, v in commands.items()}, "python": platform.python_version(),
                               "sqlite": sqlite3.sqlite_version, "results": results}, indent=1))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
