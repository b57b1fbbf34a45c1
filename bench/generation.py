#!/usr/bin/env python3
"""Generation speed: codegen vs sqlc on synthetic projects of growing size.

For each size, ../shared/perf/synth.py writes a project (N tables, 8 queries a table) with both
sqlc.yaml and [tool.codegen]. Measured, as wall time of a subprocess, median of --reps runs:
  cold         `python -m codegen` with CODEGEN_NO_CACHE=1 and no out folder, interleaved
               with `sqlc generate` (no sqlc_out folder), alternating which goes first, and
               round-robin over the sizes;
  check        `python -m codegen --check` on an up-to-date project, cache on (nothing to do);
  incremental  `python -m codegen` (cache on) after one query file got a new query block.
Growth: cold seconds per 1000 queries at each size, and the per-query cost with the fixed cost
(interpreter start, imports; the 2-table project, the smallest with every query shape) taken out: (t_n - t_1) / (q_n - q_1), in wall
time and in the child's CPU time (user + sys, os.wait4), which contention on a shared box moves least.

usage: python bench/generation.py [--sizes 2,10,40,160] [--reps 3] [--profile 160]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYNTH = ROOT.parent / "shared/perf/synth.py"
RESULTS = ROOT / "bench" / "results"
ENV_WARM = {k: v for k, v in os.environ.items() if k != "CODEGEN_NO_CACHE"}
ENV_COLD = {**ENV_WARM, "CODEGEN_NO_CACHE": "1"}


def use_bytecode_cache(folder: Path) -> None:
    """Children keep .pyc files (in `folder`, not in the repo), as an installed codegen has them;
    this sandbox sets PYTHONDONTWRITEBYTECODE=1, which would recompile codegen's modules each run."""
    for env in (ENV_WARM, ENV_COLD):
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(folder)


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall time and the child's own CPU time (user + sys, from os.wait4): CPU time barely moves when
    other work shares the machine, so the growth fit uses it; the ratios to sqlc use wall time."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            sys.exit(f"{' '.join(cmd)} failed in {cwd} (exit {proc.returncode}):\n{err.read().decode()[-3000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime


def codegen_cold(proj: Path) -> tuple[float, float]:
    shutil.rmtree(proj / "generated", ignore_errors=True)
    shutil.rmtree(proj / ".codegen-cache", ignore_errors=True)
    t = run([sys.executable, "-m", "codegen"], proj, ENV_COLD)
    assert (proj / "generated" / "models.py").is_file(), "codegen wrote no models.py"
    return t


def sqlc_cold(proj: Path) -> tuple[float, float]:
    shutil.rmtree(proj / "sqlc_out", ignore_errors=True)
    t = run(["sqlc", "generate"], proj)
    assert any((proj / "sqlc_out").iterdir()), "sqlc wrote nothing"
    return t


def setup(tables: int, tmp: Path) -> dict:
    proj = tmp / f"synth{tables}"
    subprocess.run([sys.executable, str(SYNTH), str(proj), "--tables", str(tables)], check=True)
    queries = sum(len(re.findall(r"^-- name:", f.read_text(), re.M)) for f in (proj / "queries").glob("*.sql"))
    codegen_cold(proj)  # warm-up: OS file cache, .pyc files
    sqlc_cold(proj)
    return {"tables": tables, "queries": queries, "proj": proj, "cold": [], "cold_cpu": [], "sqlc": [], "sqlc_cpu": []}


def cold_round(st: dict, rep: int) -> None:
    """One cold codegen run and one sqlc run, alternating which goes first, so noise hits both."""
    for tool in (("codegen", "sqlc") if rep % 2 == 0 else ("sqlc", "codegen")):
        wall, cpu = (codegen_cold if tool == "codegen" else sqlc_cold)(st["proj"])
        key = "cold" if tool == "codegen" else "sqlc"
        st[key].append(wall)
        st[key + "_cpu"].append(cpu)


def warm_runs(st: dict, reps: int) -> None:
    proj, tables = st["proj"], st["tables"]
    # Warm: populate the cache with one ordinary run, then --check finds nothing to do.
    run([sys.executable, "-m", "codegen"], proj, ENV_WARM)
    st["check"] = [run([sys.executable, "-m", "codegen", "--check"], proj, ENV_WARM)[0] for _ in range(reps)]
    # Incremental: one query file gains a new query (unique each time), then a cached run.
    target = proj / "queries" / f"t{tables // 2:03d}.sql"
    original = target.read_text()
    st["incremental"] = []
    for rep in range(reps):
        target.write_text(original + f"-- name: BenchEdit{rep} :many\nSELECT id, name FROM t{tables // 2:03d} WHERE id > {rep + 1};\n")
        st["incremental"].append(run([sys.executable, "-m", "codegen"], proj, ENV_WARM)[0])
        out = (proj / "generated" / "queries" / target.with_suffix(".py").name).read_text()
        assert f"def bench_edit{rep}(" in out or f"def bench_edit_{rep}(" in out, "incremental run did not regenerate"
    target.write_text(original)


def summarize(st: dict) -> dict:
    med = statistics.median
    return {"tables": st["tables"], "queries": st["queries"], "codegen_cold_s": st["cold"], "codegen_cold_cpu_s": st["cold_cpu"],
            "sqlc_s": st["sqlc"], "sqlc_cpu_s": st["sqlc_cpu"], "codegen_check_s": st["check"],
            "codegen_incremental_s": st["incremental"], "codegen_cold_median_s": med(st["cold"]),
            "codegen_cold_cpu_median_s": med(st["cold_cpu"]), "sqlc_median_s": med(st["sqlc"]),
            "sqlc_cpu_median_s": med(st["sqlc_cpu"]), "check_median_s": med(st["check"]),
            "incremental_median_s": med(st["incremental"])}


def profile(tables: int, tmp: Path, top: int = 30) -> dict:
    proj = tmp / f"synth{tables}"
    if not proj.exists():
        subprocess.run([sys.executable, str(SYNTH), str(proj), "--tables", str(tables)], check=True)
    shutil.rmtree(proj / "generated", ignore_errors=True)
    prof = RESULTS / f"generation-{tables}.prof"
    run([sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "codegen"], proj, ENV_COLD)
    stats = pstats.Stats(str(prof))
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = []
    for (file, line, name), (cc, nc, tt, ct, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append({"function": f"{Path(file).as_posix().split('site-packages/')[-1]}:{line}({name})",
                     "calls": nc, "tottime_s": tt, "cumtime_s": ct})
    by_cum = sorted(rows, key=lambda r: -r["cumtime_s"])[:top]
    by_tot = sorted(rows, key=lambda r: -r["tottime_s"])[:top]
    # Time per top-level package (own time), the clearest "what dominates" view.
    buckets: dict[str, float] = {}
    for r in rows:
        f = r["function"]
        key = ("codegen" if "/codegen/" in f or f.startswith("codegen/") else
               f.split("/")[0] if "/" in f and not f.startswith("/") else "stdlib/builtins")
        if "pyenv" in f or f.startswith("~") or f.startswith("<"):
            key = "stdlib/builtins"
        buckets[key] = buckets.get(key, 0.0) + r["tottime_s"]
    return {"tables": tables, "total_s": total, "by_cumtime": by_cum, "by_tottime": by_tot,
            "own_time_by_package": dict(sorted(buckets.items(), key=lambda kv: -kv[1])), "prof_file": str(prof)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="2,10,40,160", help="table counts; the smallest is the fixed-cost baseline")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--no-pyc", action="store_true", help="leave PYTHONDONTWRITEBYTECODE as it is")
    ap.add_argument("--profile", type=int, default=0, metavar="TABLES", help="also cProfile one cold run at this size")
    a = ap.parse_args()
    sizes = sorted(int(s) for s in a.sizes.split(","))
    RESULTS.mkdir(parents=True, exist_ok=True)
    sqlc_version = subprocess.run(["sqlc", "version"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="bench-gen-") as tmpname:
        tmp = Path(tmpname)
        if not a.no_pyc:
            use_bytecode_cache(tmp / "pycache")
        states = [setup(n, tmp) for n in sizes]
        for rep in range(a.reps):  # sizes interleaved too: a slow spell of the machine hits every size
            print(f"... cold round {rep + 1}/{a.reps}", file=sys.stderr, flush=True)
            for st in (states if rep % 2 == 0 else states[::-1]):
                cold_round(st, rep)
        for st in states:
            warm_runs(st, a.reps)
        results = [summarize(st) for st in states]
        prof = profile(a.profile, tmp) if a.profile else None

    print(f"\ncodegen vs sqlc {sqlc_version}: wall time, median of {a.reps} interleaved runs "
          f"(python {platform.python_version()}, {os.cpu_count()} cpus, "
          f"{'no .pyc' if a.no_pyc else '.pyc cached'})\n")
    hdr = (f"{'tables':>6} {'queries':>7} | {'codegen cold':>12} {'sqlc':>8} {'cg/sqlc':>7} | "
           f"{'check warm':>10} {'/sqlc':>6} | {'incremental':>11} {'/sqlc':>6} {'/cold':>6}")
    print(hdr + "\n" + "-" * len(hdr))
    for r in results:
        c, s, k, i = r["codegen_cold_median_s"], r["sqlc_median_s"], r["check_median_s"], r["incremental_median_s"]
        r["ratio_cold_vs_sqlc"], r["ratio_check_vs_sqlc"], r["ratio_incremental_vs_sqlc"] = c / s, k / s, i / s
        print(f"{r['tables']:>6} {r['queries']:>7} | {c:>11.3f}s {s:>7.3f}s {c / s:>6.2f}x | "
              f"{k:>9.3f}s {k / s:>5.2f}x | {i:>10.3f}s {i / s:>5.2f}x {i / c:>5.2f}x")

    base = results[0]
    growth = [r for r in results if r is not base]
    print(f"\ncodegen cold growth, seconds per 1000 queries. total = t / q; marginal = (t - t0) / (q - q0), the "
          f"{base['tables']}-table run being\nthe fixed cost t0 (interpreter, imports: {base['codegen_cold_median_s']:.3f}s wall, "
          f"{base['codegen_cold_cpu_median_s']:.3f}s CPU); slope = between this size and the previous one, no fixed cost\n"
          f"needed. Linear growth keeps marginal and slope flat. CPU = the child's user+sys, which other load moves least.\n")
    hdr = f"{'tables':>6} {'queries':>7} | {'CPU total':>9} {'marginal':>9} {'slope':>7} | {'wall total':>10} {'marginal':>9} {'slope':>7}"
    print(hdr + "\n" + "-" * len(hdr))
    prev = None
    for r in results:
        cells = []
        for kind, key in (("cpu", "codegen_cold_cpu_median_s"), ("wall", "codegen_cold_median_s")):
            q, t = r["queries"], r[key]
            r[f"{kind}_s_per_1000q_total"] = t / q * 1000
            cell = f"{t / q * 1000:>9.3f}"
            if r is base:
                cells.append(cell + f" {'(fixed)':>9} {'':>7}")
                continue
            r[f"{kind}_s_per_1000q_marginal"] = (t - base[key]) / (q - base["queries"]) * 1000
            r[f"{kind}_s_per_1000q_slope"] = (t - prev[key]) / (q - prev["queries"]) * 1000
            cells.append(cell + f" {r[f'{kind}_s_per_1000q_marginal']:>9.3f} {r[f'{kind}_s_per_1000q_slope']:>7.3f}")
        prev = r
        print(f"{r['tables']:>6} {r['queries']:>7} | {cells[0]} | {cells[1]:>29}")
    summary: dict = {}
    if len(growth) >= 2:
        first, last = growth[0], growth[-1]
        summary["sizes"] = [first["tables"], last["tables"]]
        for kind, key in (("cpu", "codegen_cold_cpu_median_s"), ("wall", "codegen_cold_median_s")):
            xs = [math.log(r["queries"] - base["queries"]) for r in growth]
            ys = [math.log(max(r[key] - base[key], 1e-6)) for r in growth]
            mx, my = statistics.fmean(xs), statistics.fmean(ys)
            summary[f"{kind}_loglog_exponent"] = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
            summary[f"{kind}_marginal_ratio"] = last[f"{kind}_s_per_1000q_marginal"] / first[f"{kind}_s_per_1000q_marginal"]
            summary[f"{kind}_total_ratio"] = last[f"{kind}_s_per_1000q_total"] / first[f"{kind}_s_per_1000q_total"]
            summary[f"{kind}_slope_ratio"] = last[f"{kind}_s_per_1000q_slope"] / first[f"{kind}_s_per_1000q_slope"]
        print(f"\nper-query cost, {last['tables']} vs {first['tables']} tables (1.0 = linear):")
        for kind in ("cpu", "wall"):
            print(f"  {kind:>4}: marginal {summary[f'{kind}_marginal_ratio']:.2f}x, total {summary[f'{kind}_total_ratio']:.2f}x, "
                  f"last slope / first slope {summary[f'{kind}_slope_ratio']:.2f}x, "
                  f"log-log exponent of (t - t0) vs (q - q0) {summary[f'{kind}_loglog_exponent']:.2f}")

    if prof:
        print(f"\ncProfile of one cold codegen run, {prof['tables']} tables ({prof['total_s']:.2f}s under the profiler)")
        print("own time by package: " + ", ".join(f"{k} {v:.2f}s" for k, v in list(prof["own_time_by_package"].items())[:6]))
        print(f"{'cumtime':>8} {'tottime':>8} {'calls':>9}  function (top by cumulative)")
        for r in prof["by_cumtime"][:22]:
            print(f"{r['cumtime_s']:>8.3f} {r['tottime_s']:>8.3f} {r['calls']:>9}  {r['function']}")
        print(f"{'tottime':>8} {'calls':>9}  function (top by own time)")
        for r in prof["by_tottime"][:15]:
            print(f"{r['tottime_s']:>8.3f} {r['calls']:>9}  {r['function']}")

    out = RESULTS / "generation.json"
    out.write_text(json.dumps({"command": "python " + " ".join(sys.argv), "sqlc_version": sqlc_version,
                               "python": platform.python_version(), "reps": a.reps, "pyc": not a.no_pyc, "sizes": results,
                               "growth": summary, "profile": prof}, indent=1))
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
