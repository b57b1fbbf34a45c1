"""The generator under hostile input: mutated schema and query files never produce a traceback.

Every run either succeeds with code that compiles, or reports located
`path:line:col: error:` lines with exit status 1 and leaves the out folder
exactly as it was. `--check` never writes. The generator is called in-process
(`codegen.cli.run`): an exception escaping it is exactly what `python -m codegen`
would print as a traceback.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen.cli import run

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = (ROOT / "schema" / "000001_init.up.sql").read_text()
QUERIES = (ROOT / "queries" / "sessions.sql").read_text()
LOCATED = re.compile(r"^[^:\n]+:\d+:\d+: error: .+$")
CONFIG = '[tool.codegen]\nengine = "sqlite"\nschema = "schema"\nqueries = "queries"\nout = "generated"\n'


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    if folder.exists():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _invoke(project: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(project)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(list(args))  # any exception here would be a traceback for the user
    finally:
        os.chdir(cwd)
    return code, out.getvalue(), err.getvalue()


def _project(tmp: Path, schema: bytes, queries: bytes) -> Path:
    (tmp / "schema").mkdir(parents=True, exist_ok=True)
    (tmp / "queries").mkdir(parents=True, exist_ok=True)
    (tmp / "pyproject.toml").write_text(CONFIG)
    (tmp / "schema" / "000001_init.up.sql").write_bytes(schema)
    (tmp / "queries" / "sessions.sql").write_bytes(queries)
    return tmp


def _check_outcome(project: Path, before: str, code: int, stdout: str, stderr: str, wrote: bool) -> None:
    assert "Traceback" not in stderr
    out = project / "generated"
    if code == 0:
        if wrote:
            for path in out.rglob("*.py"):
                compile(path.read_text(), str(path), "exec")  # the generated code compiles
        return
    assert code == 1, (code, stderr)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("codegen: ")
    for line in lines[:-1]:
        assert LOCATED.match(line), line
    assert _tree_digest(out) == before, "a failed run changed the out folder"


# -- mutations ---------------------------------------------------------------------------------

TOKENS = re.compile(rb"\w+|[^\w\s]")


@st.composite
def mutated(draw: st.DrawFn, text: str) -> bytes:
    data = text.encode()
    kind = draw(st.sampled_from(["truncate", "splice", "swap", "junk", "invalid_utf8", "huge_identifier",
                                 "deep_nesting", "delete_token", "duplicate_line"]))
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    if kind == "splice":
        a, b = sorted(draw(st.lists(st.integers(0, len(data)), min_size=2, max_size=2)))
        at = draw(st.integers(0, len(data)))
        return data[:at] + data[a:b] + data[at:]
    tokens = [m for m in TOKENS.finditer(data)]
    if kind == "swap" and len(tokens) > 1:
        i, j = draw(st.integers(0, len(tokens) - 1)), draw(st.integers(0, len(tokens) - 1))
        i, j = min(i, j), max(i, j)
        ti, tj = tokens[i], tokens[j]
        return data[:ti.start()] + tj.group() + data[ti.end():tj.start()] + ti.group() + data[tj.end():]
    if kind == "delete_token" and tokens:
        t = tokens[draw(st.integers(0, len(tokens) - 1))]
        return data[:t.start()] + data[t.end():]
    if kind == "junk":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=12)).replace(b"\xff", b"") + data[at:]
    if kind == "invalid_utf8":
        at = draw(st.integers(0, len(data)))
        return data[:at] + b"\xff\xfe\xc3" + data[at:]
    if kind == "huge_identifier" and tokens:
        t = tokens[draw(st.integers(0, len(tokens) - 1))]
        return data[:t.start()] + b"x" * draw(st.integers(1000, 20000)) + data[t.end():]
    if kind == "deep_nesting":
        depth = draw(st.integers(50, 3000))
        return data + b"\n-- name: Deep :one\nSELECT " + b"(" * depth + b"1" + b")" * depth + b";\n"
    if kind == "duplicate_line":
        lines = data.split(b"\n")
        i = draw(st.integers(0, len(lines) - 1))
        return b"\n".join(lines[: i + 1] + [lines[i]] + lines[i + 1:])
    return data


@settings(max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "120")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(schema=st.one_of(st.just(SCHEMA.encode()), mutated(SCHEMA)),
       queries=st.one_of(st.just(QUERIES.encode()), mutated(QUERIES)))
def test_mutated_inputs_fail_cleanly_or_generate_compiling_code(tmp_path_factory: pytest.TempPathFactory,
                                                                  schema: bytes, queries: bytes) -> None:
    project = _project(tmp_path_factory.mktemp("p"), schema, queries)
    (project / "generated").mkdir()
    (project / "generated" / "sentinel.txt").write_text("previous output")
    before = _tree_digest(project / "generated")
    os.environ["CODEGEN_NO_CACHE"] = "1"
    try:
        code, stdout, stderr = _invoke(project, "--check")
        assert _tree_digest(project / "generated") == before, "--check wrote"
        assert code in (0, 1, 2)  # up to date, stale, input errors
        code, stdout, stderr = _invoke(project)
        _check_outcome(project, before, code, stdout, stderr, wrote=True)
    finally:
        os.environ.pop("CODEGEN_NO_CACHE", None)


@pytest.mark.parametrize("config", [
    "",  # no table at all
    "[tool.codegen\n",  # invalid TOML
    '[tool.codegen]\nengine = "oracle"\nschema = "schema"\nqueries = "queries"\nout = "generated"\n',
    '[tool.codegen]\nengine = "sqlite"\nschema = "nope"\nqueries = "queries"\nout = "generated"\n',
    '[tool.codegen]\nengine = "sqlite"\nschema = 3\nqueries = "queries"\nout = "generated"\n',
    '[tool.codegen]\nengine = "sqlite"\nschema = "schema"\nqueries = "queries"\nout = "generated"\ncolour = 1\n',
    '[tool.codegen]\nengine = "sqlite"\nschema = "schema"\nqueries = "queries"\nout = "generated"\n'
    'overrides = [{column = "threads", python_type = "x"}]\n',
])
def test_bad_config_is_a_located_error(tmp_path: Path, config: str) -> None:
    project = _project(tmp_path, SCHEMA.encode(), QUERIES.encode())
    (project / "pyproject.toml").write_text(config)
    code, _, stderr = _invoke(project, "--config", str(project / "pyproject.toml"))
    assert code == 1
    assert "Traceback" not in stderr
    assert any(LOCATED.match(line) and "pyproject.toml" in line for line in stderr.splitlines()), stderr
    assert not (project / "generated").exists()


def _synthetic(folder: Path, tables: int) -> None:
    import subprocess
    import sys

    synth = ROOT.parent / "shared" / "perf" / "synth.py"
    if synth.exists():
        subprocess.run([sys.executable, str(synth), str(folder), "--tables", str(tables)], check=True)
        return
    (folder / "schema").mkdir(parents=True)
    (folder / "queries").mkdir()
    (folder / "pyproject.toml").write_text(CONFIG)
    for i in range(tables):  # named as synth.py names them (t000, t001, ...), which the tests rely on
        (folder / "schema" / f"{i + 1:06d}_t{i:03d}.up.sql").write_text(
            f"CREATE TABLE t{i:03d} (id INTEGER PRIMARY KEY, name TEXT);\n")
        (folder / "queries" / f"t{i:03d}.sql").write_text(f"-- name: GetT{i:03d} :one\nSELECT * FROM t{i:03d} WHERE id = ?;\n")


def test_killed_generation_leaves_the_old_or_the_new_package(tmp_path: Path) -> None:
    """kill -9 at random moments of a run: the out folder is always one whole version."""
    import random
    import shutil
    import subprocess
    import sys
    import time

    from codegen import emit

    env = {**os.environ, "CODEGEN_NO_CACHE": "1"}
    old, new = tmp_path / "old", tmp_path / "new"
    _synthetic(old, 40)
    shutil.copytree(old, new)
    (new / "queries" / "extra.sql").write_text("-- name: ExtraCount :one\nSELECT COUNT(*) AS n FROM t000;\n")
    for project in (old, new):
        subprocess.run([sys.executable, "-m", "codegen"], cwd=project, env=env, check=True, capture_output=True)
    digests = {_tree_digest(old / "generated"), _tree_digest(new / "generated")}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "codegen", "--check"], cwd=new, env=env, capture_output=True)
    duration = time.perf_counter() - started
    rng = random.Random(20261127)
    outcomes = set()
    for trial in range(int(os.environ.get("KILL_TRIALS", "8"))):
        work = tmp_path / f"trial{trial}"
        shutil.copytree(old, work)
        shutil.copy(new / "queries" / "extra.sql", work / "queries")  # the edit: a new query file
        proc = subprocess.Popen([sys.executable, "-m", "codegen"], cwd=work, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.2) * duration)
        proc.kill()
        proc.wait()
        out = work / "generated"
        backup = work / ("generated" + emit.BACKUP_SUFFIX)
        visible = out if out.exists() else backup
        assert _tree_digest(visible) in digests, f"trial {trial}: a mixed package was left"
        emit.recover(out)  # what the next run does first
        after = _tree_digest(out)
        assert after in digests
        outcomes.add("new" if after == _tree_digest(new / "generated") else "old")
        rerun = subprocess.run([sys.executable, "-m", "codegen"], cwd=work, env=env, capture_output=True, text=True)
        assert rerun.returncode == 0, rerun.stderr
        assert _tree_digest(out) == _tree_digest(new / "generated")
        assert not backup.exists()
        assert not list(work.glob(emit.TEMP_PREFIX + "*"))
    print("outcomes:", sorted(outcomes))
    assert outcomes, "no trial ran"
