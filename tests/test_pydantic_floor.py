"""The generated package on the oldest pydantic the project allows, not only the newest.

Rows are built inside pydantic-core from schemas assembled by the generated `_runtime`, which
leans on more of pydantic than a plain `Model(**row)` would. The suite runs on the newest
pydantic pip picks; this test installs the floor that pyproject.toml declares (the newest
patch release of that minor version) into a folder placed ahead of site-packages, and runs
the row-style, FastAPI and SQLite type tests under it in a child process.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TESTS = ["tests/test_rows.py", "tests/test_fastapi.py", "tests/test_types_sqlite.py"]


def floor() -> str:
    """`2.11` from `pydantic>=2.11,<3` in the project's dependencies."""
    dependencies = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    spec = next(d for d in dependencies if re.match(r"pydantic\b", d))
    found = re.search(r">=\s*(\d+\.\d+)", spec)
    assert found, f"no lower bound in {spec!r}"
    return found.group(1)


def test_rows_work_on_the_oldest_pydantic_allowed(tmp_path: Path) -> None:
    wanted = floor()
    target = tmp_path / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                              "--target", str(target), f"pydantic=={wanted}.*"],
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(REPO)])}
    env.pop("CODEGEN_UPDATE_GOLDEN", None)
    version = subprocess.run([sys.executable, "-c", "import pydantic; print(pydantic.VERSION)"], env=env,
                             capture_output=True, text=True, check=True).stdout.strip()
    assert version.startswith(f"{wanted}."), version
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-k", "not mypy", *TESTS],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert re.search(r"\b\d+ passed\b", run.stdout) and " failed" not in run.stdout, run.stdout[-2000:]
