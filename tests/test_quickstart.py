"""A new user's first minutes: the README's quickstart run as written, `init`, `--version`, `--help`.

The quickstart is read from README.md itself (its code blocks, in order), so the README cannot
drift from what codegen does."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from _support import REPO, imported, run_cli, run_subprocess

import codegen
from codegen.engines.registry import engine_named
from codegen.scaffold import files_for

BIN = Path(sys.executable).parent


def _env() -> dict[str, str]:
    """The user's shell: this environment's bin/ first on PATH (the `codegen` script), no PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CODEGEN_UPDATE_GOLDEN")}
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
    return env


def _quickstart() -> list[tuple[str, str, str]]:
    """The quickstart's steps in README order: ("sh", "", commands) or ("file", path, text)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Quickstart\n", 1)[1].split("\n## ", 1)[0]
    steps = []
    for match in re.finditer(r"(?:^[^\n]*?`([\w./-]+)`:\n\n)?^```(\w+)\n(.*?)^```", section, re.MULTILINE | re.DOTALL):
        path, lang, body = match.groups()
        if path:
            steps.append(("file", path, body))
        else:
            assert lang == "sh", f"a quickstart code block that is neither a file nor commands: {body[:60]!r}"
            steps.append(("sh", "", body))
    return steps


def test_readme_quickstart_runs_as_written_in_an_empty_folder(tmp_path: Path) -> None:
    steps = _quickstart()
    assert [kind for kind, _, _ in steps].count("sh") >= 2 and any(p == "main.py" for _, p, _ in steps)
    ran: list[str] = []
    for kind, path, body in steps:
        if kind == "file":
            target = tmp_path / path
            if target.exists():  # a file `codegen init` wrote: the README shows it exactly
                assert target.read_text(encoding="utf-8") == body, f"README shows {path} unlike init writes it"
            else:
                target.write_text(body, encoding="utf-8")
            continue
        for line in body.splitlines():
            command = line.split("#", 1)[0].strip()
            if not command:
                continue
            if command.startswith("pip install "):
                # Installing is proven by tests/test_packaging.py in a fresh virtual environment;
                # here codegen is already installed in the running environment.
                assert "[async]" in command
                continue
            result = subprocess.run(command, shell=True, cwd=tmp_path, env=_env(), capture_output=True, text=True,
                                    timeout=300)
            assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
            ran.append(command)
            if command == "python main.py":
                lines = result.stdout.splitlines()
                assert lines[0] == "1 Ada Lovelace"
                # the row as its class prints it (a named tuple or a pydantic model, per `rows`)
                assert all(part in lines[1] for part in ("id=1", "name='Ada Lovelace'", "bio='wrote the first program'"))
                assert lines[2] == "['Ada Lovelace']"
    assert ran == ["codegen init", "codegen", "python main.py"]
    # The program imported the package generated in the folder, not this repository's own.
    check = subprocess.run([sys.executable, "-c", "import generated; print(generated.__file__)"], cwd=tmp_path,
                           env=_env(), capture_output=True, text=True)
    assert Path(check.stdout.strip()).parent == tmp_path / "generated", (
        check.stdout + check.stderr + "\n(an old editable install of the distribution named 'codegen' maps "
        "`generated` to a checkout: pip uninstall codegen)")


def test_init_adds_a_table_to_an_existing_pyproject_and_touches_nothing_else(tmp_path: Path) -> None:
    original = '[project]\nname = "mine"\n# a comment that must survive\n\n[tool.black]\nline-length = 99'
    (tmp_path / "pyproject.toml").write_text(original)
    result = run_cli(tmp_path, "init")
    assert result.code == 0, result.stderr
    text = (tmp_path / "pyproject.toml").read_text()
    assert text.startswith(original + "\n")
    data = tomllib.loads(text)
    assert data["project"] == {"name": "mine"} and data["tool"]["black"] == {"line-length": 99}
    assert data["tool"]["codegen"] == {"engine": "sqlite", "schema": "schema", "queries": "queries", "out": "generated"}
    for path, body in files_for(engine_named("sqlite")).items():
        assert (tmp_path / path).read_text() == body
    assert "next steps" in result.stdout


@pytest.mark.parametrize("existing", ["pyproject", "schema", "queries", "sqlc"])
def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path, existing: str) -> None:
    files = {"pyproject": {"pyproject.toml": '[tool.codegen]\nschema = "s"\n'},
             "schema": {"schema/001.sql": "CREATE TABLE mine (x);\n"},
             "queries": {"queries/mine.sql": "-- name: Mine :exec\nSELECT 1;\n"},
             "sqlc": {"sqlc.yaml": "version: '2'\n"}}[existing]
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    before = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    result = run_cli(tmp_path, "init")
    assert result.code == 1 and result.errors, result.stderr
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == before
    for path, text in files.items():
        assert (tmp_path / path).read_text() == text


def test_init_postgresql_generates_code_that_runs_on_a_real_server(tmp_path: Path, postgres_url: str) -> None:
    import psycopg

    assert run_cli(tmp_path, "init", "--engine", "postgresql").code == 0
    assert tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["codegen"]["engine"] == "postgresql"
    result = run_cli(tmp_path, "generate")
    assert result.code == 0, result.stderr
    with imported(tmp_path / "generated") as package:
        from importlib import import_module

        authors: Any = import_module(f"{package.__name__}.queries.authors")
        with psycopg.connect(postgres_url) as conn:
            conn.execute(files_for(engine_named("postgresql"))["schema/0001_create_authors.up.sql"].encode())
            ada = authors.create_author(conn, name="Ada", bio=None)
            assert ada is not None and isinstance(ada.id, int) and ada.bio is None
            assert [a.name for a in authors.list_authors(conn)] == ["Ada"]
            assert authors.get_author(conn, id=ada.id) == ada


def test_version_and_help_name_the_program_as_invoked(tmp_path: Path) -> None:
    module = run_subprocess(tmp_path, "--version")
    assert (module.code, module.stdout.strip()) == (0, f"python -m codegen {codegen.__version__}")
    script = subprocess.run([str(BIN / "codegen"), "--help"], cwd=tmp_path, env=_env(), capture_output=True, text=True)
    assert script.returncode == 0 and script.stdout.startswith("usage: codegen ")
    assert "  codegen init --engine postgresql" in script.stdout and "python -m codegen" not in script.stdout
    module_help = run_subprocess(tmp_path, "--help")
    assert module_help.stdout.startswith("usage: python -m codegen ") and "  python -m codegen init" in module_help.stdout


def test_engine_goes_with_init_only(tmp_path: Path) -> None:
    result = run_subprocess(tmp_path, "--engine", "postgresql")
    assert result.code == 2 and "--engine goes with init" in result.stderr


def test_config_reference_lists_every_key() -> None:
    from codegen.config import KEYS

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration reference\n", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(\w+)` \|", section, re.MULTILINE))
    assert documented == set(KEYS)


def test_docs_point_at_shared_files_only_from_developer_notes_and_bench() -> None:
    """A clone has no ../shared/: only the developer notes and the bench docs may mention it."""
    allowed = {REPO / "docs" / "development.md", REPO / "bench" / "README.md"}
    for path in REPO.rglob("*.md"):
        if any(part in (".venv", ".git", "node_modules") or part.startswith(".") for part in path.relative_to(REPO).parts):
            continue
        if path not in allowed:
            assert "../shared/" not in path.read_text(encoding="utf-8"), path
