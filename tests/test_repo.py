"""The repository's own data layer: generated/ is current, type-checks, and SQLite agrees with it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CODEGEN_NO_CACHE": "1"}
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)


def test_committed_generated_package_is_current() -> None:
    result = _run("-m", "codegen", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_generated_package_passes_mypy_strict() -> None:
    result = _run("-m", "mypy", "--strict", "--no-incremental", "generated")
    assert result.returncode == 0, result.stdout + result.stderr


def test_sqlite_compiles_every_repo_query_with_the_analysed_columns() -> None:
    result = _run("-m", "codegen", "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all agree" in result.stdout


def test_generated_code_imports_nothing_but_stdlib_pydantic_and_drivers() -> None:
    # The standard library (the migration runner uses threading, subprocess, hashlib...), pydantic
    # and the drivers; pydantic_core: pydantic's own, pinned by it.
    allowed = set(sys.stdlib_module_names) | {"pydantic", "pydantic_core", "aiosqlite", "psycopg"}
    for path in (ROOT / "generated").rglob("*.py"):
        for line in path.read_text().splitlines():
            if line.startswith("import "):
                module = line.split()[1].split(".")[0]
                assert module in allowed, f"{path}: {line}"
            if line.startswith("from ") and not line.startswith("from ."):
                module = line.split()[1].split(".")[0]
                assert module in allowed, f"{path}: {line}"


def test_thread_model_carries_the_working_directory_and_session_does_not() -> None:
    from generated import models

    assert models.Thread.__annotations__["working_directory"] is str
    assert "working_directory" not in models.Session.__annotations__
    assert not hasattr(models, "WorkingDirectory")
    assert not (ROOT / "generated" / "queries" / "working_directories.py").exists()
