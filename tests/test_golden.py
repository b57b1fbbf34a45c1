"""Golden end-to-end cases: `python -m codegen` on a real project folder, output compared whole.

Each folder under tests/golden/ is one case:
  input/                 a project: pyproject.toml with [tool.codegen], schema and query files
  expected/              the whole expected out folder (compared in both directions), or
  expected_errors.txt    the exact stderr of a failing run (exit 1, no traceback, nothing written)
  expected_warnings.txt  the exact stderr of a successful run that warned (typing.Any), when it did
  expected_shared.txt    out files whose expected bytes are those of tests/golden/_shared/<file name>

The runtime and migration-runner modules come out the same for every project of an engine; one
copy of each lives in _shared/ instead of one per case, and each case lists where it expects one.
A case whose copy differs keeps it in its own expected/.

The run happens in a temporary copy of input/, so the cases never change.
CODEGEN_UPDATE_GOLDEN=1 rewrites expected/ or expected_errors.txt from what the run produced
(review the diff before keeping it). In error output the absolute path of the temporary copy
is shown as `<case>`, so expectations do not depend on where the test ran.

Successful cases also check the generated schema against real SQLite (the migrations are
applied with sqlite3 and every table and view must have the columns codegen modelled), and
some import the generated package and call its functions on a real database.
"""

from __future__ import annotations

import asyncio
import importlib
import datetime as dt
import difflib
import os
import shutil
import sqlite3
import tomllib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest

from _support import Result, database, explain, import_module, imported, read_tree, run_subprocess
from codegen import pipeline
from codegen.config import load_config
from codegen.sources import schema_files

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "input").is_dir())
UPDATE = os.environ.get("CODEGEN_UPDATE_GOLDEN") == "1"
SHARED = GOLDEN / "_shared"
# Modules rendered from fixed templates: the same text in every project of one engine.
SHARED_NAMES = ("_runtime.py", "_migrate.py", "_migrate_checks.py", "_migrate_engine.py")
_SHARED_WRITTEN: set[str] = set()  # shared copies this update run has written
ERROR_CASES = [c for c in CASES if c.startswith("error_")]
OK_CASES = [c for c in CASES if not c.startswith("error_")]


@dataclass
class Run:
    case: str
    work: Path  # the temporary copy of input/
    out: Path  # the out folder inside it
    before: dict[str, bytes]  # the out folder before the run
    result: Result


def _out_folder(input_dir: Path) -> str:
    try:
        table = tomllib.loads((input_dir / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["codegen"]
        out = table.get("out", "generated")
        return out if isinstance(out, str) else "generated"
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "generated"


def _run_case(case: str, base: Path) -> Run:
    work = base / case
    shutil.copytree(GOLDEN / case / "input", work)
    out = work / _out_folder(work)
    before = read_tree(out)
    return Run(case, work, out, before, run_subprocess(work))


class _Runner:
    """Runs every selected case once, in parallel, on first use (each run is mostly interpreter start-up)."""

    def __init__(self) -> None:
        self.pool: ThreadPoolExecutor | None = None
        self.futures: dict[str, Future[Run]] = {}

    def get(self, case: str, request: pytest.FixtureRequest, base: Path) -> Run:
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))
            wanted = [item.callspec.params["case"] for item in request.session.items
                      if item.module is not None and item.module.__name__ == __name__
                      and hasattr(item, "callspec") and "case" in item.callspec.params]
            for name in dict.fromkeys(wanted + [case]):
                self.futures[name] = self.pool.submit(_run_case, name, base)
        if case not in self.futures:
            self.futures[case] = self.pool.submit(_run_case, case, base)
        return self.futures[case].result()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)


@pytest.fixture(scope="module")
def runner() -> Iterator[_Runner]:
    r = _Runner()
    yield r
    r.close()


@pytest.fixture(scope="module")
def golden_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("golden")


def _tree_diff(expected: dict[str, bytes], actual: dict[str, bytes]) -> str:
    lines = []
    for name in sorted(set(expected) - set(actual)):
        lines.append(f"missing from output: {name}")
    for name in sorted(set(actual) - set(expected)):
        lines.append(f"not expected in output: {name}")
    for name in sorted(set(expected) & set(actual)):
        if expected[name] != actual[name]:
            lines.extend(difflib.unified_diff(expected[name].decode("utf-8", "replace").splitlines(),
                                              actual[name].decode("utf-8", "replace").splitlines(),
                                              f"expected/{name}", f"actual/{name}", lineterm=""))
    return "\n".join(lines)


def _expected_tree(case: str) -> dict[str, bytes]:
    """expected/ plus, for each file listed in expected_shared.txt, its _shared/ copy."""
    tree = read_tree(GOLDEN / case / "expected")
    listed = GOLDEN / case / "expected_shared.txt"
    for name in listed.read_text(encoding="utf-8").splitlines() if listed.exists() else []:
        tree[name] = (SHARED / name.rsplit("/", 1)[-1]).read_bytes()
    return tree


def _write_expected(case: str, tree: dict[str, bytes]) -> None:
    """expected/ and expected_shared.txt from a run's output. The first case of an update run to
    produce a shared module writes its _shared/ copy (so a template change replaces it); a case
    whose copy differs keeps its own."""
    target = GOLDEN / case / "expected"
    shutil.rmtree(target, ignore_errors=True)
    (GOLDEN / case / "expected_errors.txt").unlink(missing_ok=True)
    shared: list[str] = []
    for name, data in tree.items():
        base = name.rsplit("/", 1)[-1]
        if base in SHARED_NAMES:
            copy = SHARED / base
            if base not in _SHARED_WRITTEN:
                _SHARED_WRITTEN.add(base)
                SHARED.mkdir(exist_ok=True)
                copy.write_bytes(data)
            if copy.read_bytes() == data:
                shared.append(name)
                continue
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    listed = GOLDEN / case / "expected_shared.txt"
    listed.unlink(missing_ok=True)
    if shared:
        listed.write_text("".join(f"{name}\n" for name in sorted(shared)), encoding="utf-8")


def _error_lines(run: Run) -> list[str]:
    return run.result.stderr.replace(str(run.work), "<case>").splitlines()


@pytest.mark.parametrize("case", OK_CASES)
def test_golden_output(case: str, runner: _Runner, request: pytest.FixtureRequest, golden_base: Path) -> None:
    run = runner.get(case, request, golden_base)
    assert "Traceback" not in run.result.stderr, run.result.stderr
    assert run.result.code == 0, run.result.stderr
    # Warnings (what ended up typing.Any) are part of the expected output: expected_warnings.txt.
    warned = GOLDEN / case / "expected_warnings.txt"
    actual = read_tree(run.out)
    if UPDATE:
        _write_expected(case, actual)
        warned.unlink(missing_ok=True)
        if run.result.stderr:
            warned.write_text("\n".join(_error_lines(run)) + "\n", encoding="utf-8")
        return
    assert _error_lines(run) == (warned.read_text(encoding="utf-8").splitlines() if warned.exists() else [])
    assert (GOLDEN / case / "expected").is_dir(), f"{case}: no expected/ (run with CODEGEN_UPDATE_GOLDEN=1)"
    expected = _expected_tree(case)
    diff = _tree_diff(expected, actual)
    assert not diff, diff
    # What the run printed lists exactly the files it added.
    assert sorted(run.result.stdout.splitlines()) == sorted(f"added: {run.out.name}/{n}" for n in actual)


@pytest.mark.parametrize("case", ERROR_CASES)
def test_golden_errors(case: str, runner: _Runner, request: pytest.FixtureRequest, golden_base: Path) -> None:
    run = runner.get(case, request, golden_base)
    assert "Traceback" not in run.result.stderr, run.result.stderr
    assert run.result.code == 1, run.result.stdout + run.result.stderr
    lines = _error_lines(run)
    if UPDATE:
        shutil.rmtree(GOLDEN / case / "expected", ignore_errors=True)
        (GOLDEN / case / "expected_errors.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        expected = (GOLDEN / case / "expected_errors.txt").read_text(encoding="utf-8").splitlines()
        assert lines == expected
    assert run.result.stdout == ""
    # Nothing written: an absent out folder stays absent, an existing one byte-identical.
    assert read_tree(run.out) == run.before
    if not run.before:
        assert not run.out.exists()
    leftovers = [p.name for p in run.out.parent.iterdir() if p.name.startswith(run.out.name + ".")
                 or p.name.startswith(".codegen-new-")]
    assert leftovers == []


def test_cases_are_well_formed() -> None:
    """Every case has exactly one kind of expectation, named to match it."""
    assert len(OK_CASES) >= 12 and len(ERROR_CASES) >= 10
    for case in CASES:
        has_tree = (GOLDEN / case / "expected").is_dir()
        has_errors = (GOLDEN / case / "expected_errors.txt").is_file()
        assert (has_tree, has_errors) == ((False, True) if case.startswith("error_") else (True, False)), case
        listed = GOLDEN / case / "expected_shared.txt"
        for name in listed.read_text(encoding="utf-8").splitlines() if listed.exists() else []:
            assert name.rsplit("/", 1)[-1] in SHARED_NAMES and not (GOLDEN / case / "expected" / name).exists(), name
    # Every shared copy is expected by some case (none left behind by a renamed module).
    used = {name.rsplit("/", 1)[-1] for case in CASES if (GOLDEN / case / "expected_shared.txt").exists()
            for name in (GOLDEN / case / "expected_shared.txt").read_text(encoding="utf-8").splitlines()}
    assert sorted(p.name for p in SHARED.iterdir()) == sorted(used)
    # The CRLF case must really be CRLF (tests/golden/.gitattributes keeps git from normalising it).
    assert b"\r\n" in (GOLDEN / "unusual_names" / "input" / "queries" / "class.sql").read_bytes()


def test_existing_out_folder_survives_an_error() -> None:
    """At least one error case starts with an out folder holding files, so byte-identity is tested."""
    assert any((GOLDEN / c / "input" / _out_folder(GOLDEN / c / "input")).is_dir() for c in ERROR_CASES)


# -- the schema codegen modelled is the schema SQLite builds ------------------------------

def _sqlite_shape(conn: sqlite3.Connection) -> dict[str, list[str]]:
    rows = conn.execute("SELECT name, type, sql FROM sqlite_master WHERE type IN ('table', 'view') "
                        "AND name NOT LIKE 'sqlite_%' ORDER BY name").fetchall()
    virtual = [name for name, _, sql in rows if sql and sql.upper().startswith("CREATE VIRTUAL")]
    shadow = {f"{v}_{s}" for v in virtual for s in ("data", "idx", "content", "docsize", "config")}
    shape = {}
    for name, _, _ in rows:
        if name in shadow:
            continue
        cur = conn.execute(f'SELECT * FROM "{name}" LIMIT 0')
        shape[name.lower()] = [d[0].lower() for d in cur.description]
    return shape


@pytest.mark.parametrize("case", OK_CASES)
def test_golden_schema_matches_sqlite(case: str, tmp_path: Path) -> None:
    work = tmp_path / case
    shutil.copytree(GOLDEN / case / "input", work)
    config = load_config(work / "pyproject.toml", work)
    conn = sqlite3.connect(tmp_path / "db.sqlite")
    for source in schema_files(config):
        # schema_files keeps only the up sections (down sections are blanked out).
        conn.executescript(source.text)
    project = pipeline.analyze(config)
    modelled = {t.name.lower(): [c.name.lower() for c in t.columns] for t in project.catalog.tables}
    assert modelled == _sqlite_shape(conn)
    conn.close()


# -- generated packages at work on a real database ----------------------------------------

def _migrations(run_dir: Path) -> list[str]:
    config = load_config(run_dir / "pyproject.toml", run_dir)
    return [s.text for s in schema_files(config)]


def _smoke_unusual_names(pkg: object, conn: sqlite3.Connection, work: Path) -> None:
    cls = import_module(pkg, "queries.class_")  # type: ignore[arg-type]
    imp = import_module(pkg, "queries.import_")  # type: ignore[arg-type]
    item_id = cls.import_(conn, class_="a", from_="x", import_=3, unit_price=2.5, café="crème", count=None,
                          None_="n", conn_="c")
    assert item_id == 1
    cls.import_(conn, class_="x", from_="y", import_=0, unit_price=1.0, café=None, count=2, None_=None, conn_=None)
    row = cls.get_item(conn, id=item_id)
    assert row is not None
    assert (row.class_, row.from_, row.import_, row.unit_price, row.café, row.count_, row.None_, row.conn) == \
        ("a", "x", 3, 2.5, "crème", None, "n", "c")
    assert [tuple(r.model_dump().values()) for r in cls.items_from(conn, from_="x", class_="a")] == [(1, "a", "x")]
    pairs = cls.self_join(conn)
    assert [tuple(p.model_dump().values()) for p in pairs] == [(1, 2, "a", "x", "crème")]
    assert tuple(type(pairs[0]).model_fields) == ("id", "id_2", "class_", "class__2", "café")
    size_id = imp.add_size(conn, naïve_wert="groß")
    assert imp.from_(conn, id=size_id) == "groß"
    assert [tuple(r.model_dump().values()) for r in imp.sizes(conn)] == [(size_id, "groß")]


def _smoke_commands_async(pkg: object, conn: sqlite3.Connection, work: Path) -> None:
    events = import_module(pkg, "queries.events")  # type: ignore[arg-type]
    aio = import_module(pkg, "aio.events")  # type: ignore[arg-type]
    start = dt.datetime(2030, 1, 2, 3, 4, 5)
    first = events.create_event(conn, name="a", venue=None, capacity=10, starts_at=start)
    second = events.create_event(conn, name="b", venue="hall", capacity=99, starts_at=start + dt.timedelta(days=1))
    assert (first, second) == (1, 2)
    conn.commit()
    assert events.get_event_name(conn, id=second) == "b"
    assert events.count_events(conn) == 2
    stats = events.event_stats(conn)
    assert (stats.n, stats.biggest, stats.first_start) == (2, 99, start)
    assert [e.id for e in events.list_by_ids(conn, ids=[second, 7])] == [second]

    async def main() -> None:
        import aiosqlite

        async with aiosqlite.connect(conn.execute("PRAGMA database_list").fetchone()[2]) as aconn:
            got = await aio.get_event(aconn, id=first)
            assert got is not None and got.starts_at == start
            assert [e.id for e in await aio.list_by_ids(aconn, ids=[first, second])] == [first, second]
            assert [s.name for s in await aio.list_event_summaries(aconn, capacity=50)] == ["b"]
            assert await aio.delete_small_events(aconn, capacity=50) == 1
            assert await aio.count_events(aconn) == 1

    asyncio.run(main())


SMOKE: dict[str, Callable[[object, sqlite3.Connection, Path], None]] = {
    "unusual_names": _smoke_unusual_names,
    "commands_async": _smoke_commands_async,
}


@pytest.mark.parametrize("case", sorted(SMOKE))
def test_golden_package_runs(case: str, runner: _Runner, request: pytest.FixtureRequest, golden_base: Path,
                             tmp_path: Path) -> None:
    run = runner.get(case, request, golden_base)
    assert run.result.code == 0, run.result.stderr
    pkg_dir = tmp_path / run.out.name
    shutil.copytree(run.out, pkg_dir)
    conn = database(tmp_path / "smoke.sqlite", _migrations(run.work))  # type: ignore[arg-type]
    try:
        with imported(pkg_dir) as pkg:
            SMOKE[case](pkg, conn, run.work)
    finally:
        conn.close()


@pytest.mark.parametrize("case", OK_CASES)
def test_golden_package_imports_and_its_sql_compiles(case: str, runner: _Runner, request: pytest.FixtureRequest,
                                                     golden_base: Path, tmp_path: Path) -> None:
    """Every generated sync module imports, and SQLite compiles every SQL constant it sends
    against the schema the migrations build. (aio modules: see the commands_async smoke test.)"""
    run = runner.get(case, request, golden_base)
    assert run.result.code == 0, run.result.stderr
    pkg_dir = tmp_path / run.out.name
    shutil.copytree(run.out, pkg_dir)
    conn = database(tmp_path / "compile.sqlite", _migrations(run.work))  # type: ignore[arg-type]
    compiled = 0
    try:
        with imported(pkg_dir) as pkg:
            importlib.import_module(f"{pkg.__name__}.models")
            for path in sorted((pkg_dir / "queries").glob("*.py")):
                module = importlib.import_module(f"{pkg.__name__}.queries.{path.stem}")
                for name, value in vars(module).items():
                    if name.isupper() and isinstance(value, str):
                        explain(conn, value)
                        compiled += 1
    finally:
        conn.close()
    assert compiled > 0
