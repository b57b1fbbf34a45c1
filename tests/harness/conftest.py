"""The execution harness's shared state: every package generated once per session (and checked
by one mypy run in the background while the calls run), one PostgreSQL database, and the tally
printed at the end of every `python -m pytest` run that includes the harness."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness_calls import Tally
from harness_projects import discover, generate
from harness_state import DATABASE_TIME_ZONE, NOT_RUN, SKIPPED, TOTAL, Packages
from codegen.errors import CodegenError


@pytest.fixture(scope="session")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Packages]:
    work = tmp_path_factory.mktemp("harness")
    out_root = work / "packages"
    out_root.mkdir()
    cases, notes = discover(work / "projects")
    found = Packages(out_root, cases, notes=notes)
    for case in cases:
        try:
            found.generated[case.id] = generate(case, out_root)
        except CodegenError as error:
            found.refused[case.id] = str(error).strip().splitlines()[0]
    # One mypy run over every package (a mypy start costs seconds): it runs beside the calls.
    env = dict(os.environ, MYPY_CACHE_DIR=str(work / "mypy_cache"))
    found.mypy = subprocess.Popen(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--no-incremental",
         *sorted(g.case.package for g in found.generated.values())],
        cwd=out_root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sys.path.insert(0, str(out_root))
    try:
        yield found
    finally:
        sys.path.remove(str(out_root))
        if found.mypy.poll() is None:
            found.mypy.kill()
            found.mypy.communicate()


@pytest.fixture(scope="session")
def harness_database(postgres_server: Any) -> Iterator[str]:
    """The URL of the one PostgreSQL database the harness empties and refills for each case."""
    import psycopg

    admin_url = postgres_server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute('DROP DATABASE IF EXISTS "harness" WITH (FORCE)')
        admin.execute('CREATE DATABASE "harness"')
        admin.execute(f"ALTER DATABASE \"harness\" SET TimeZone TO '{DATABASE_TIME_ZONE}'".encode())
    yield str(postgres_server.get_uri(database="harness"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute('DROP DATABASE IF EXISTS "harness" WITH (FORCE)')


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TOTAL:
        return
    all_engines = Tally()
    for tally in TOTAL.values():
        all_engines.add(tally)
    write = terminalreporter.write_line
    terminalreporter.section("execution harness")
    per_engine = ", ".join(f"{engine} {t.calls}" for engine, t in sorted(TOTAL.items()))
    write(f"harness: {all_engines.calls} calls of {all_engines.functions} generated functions "
          f"(sync and async; {per_engine}): {len(all_engines.crashes)} crashes, "
          f"{len(all_engines.mismatches)} type mismatches, {sum(all_engines.refused.values())} refused "
          f"by the database, {all_engines.ok} returned a value of the declared type; {all_engines.replayed} "
          "sync reads equal to their own SQL run raw (harness_raw.py), "
          f"{all_engines.twinned} async reads equal to their sync twin's, {all_engines.sent_checked} statements "
          "sent that are their query's own SQL with its arguments in its bind slots")
    if all_engines.refused:
        write("harness: refused by the database: " + "; ".join(f"{n} {why}" for why, n in all_engines.refused.most_common()))
    if SKIPPED:
        write(f"harness: {len(SKIPPED)} functions not called (the engine cannot run their query from any caller, "
              "or it needs what the case lacks): " + "; ".join(SKIPPED))
    if NOT_RUN:
        write(f"harness: {len(NOT_RUN)} cases not run: " + "; ".join(NOT_RUN))
