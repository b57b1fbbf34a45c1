"""What installing codegen puts on a user's machine: the generator alone.

The source tree is copied to a temporary folder first (building writes build/ and *.egg-info
next to the sources; the checkout stays clean), app/ and generated/ included, to prove the build
leaves them out. Builds run without build isolation, against the setuptools of this environment
(the `test` extra pins it), so no network is needed and a build takes seconds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from _support import REPO

import codegen

_SKIP = shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info", "build", ".codegen-cache",
                               ".mypy_cache", ".pytest_cache", "tests", "bench", "*.db")


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def source_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("source") / "codegen-src"
    shutil.copytree(REPO, tree, ignore=_SKIP)
    assert (tree / "app").is_dir() and (tree / "generated").is_dir()
    return tree


def _pip(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return _run(sys.executable, "-m", "pip", "--disable-pip-version-check", *args, cwd=cwd)


def test_wheel_holds_the_generator_only(source_tree: Path, tmp_path: Path) -> None:
    _pip("wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", tmp_path, source_tree, cwd=tmp_path)
    [wheel] = tmp_path.glob("*.whl")
    assert wheel.name == f"codegen_sql-{codegen.__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(f"codegen_sql-{codegen.__version__}.dist-info/METADATA").decode()
        entry_points = archive.read(f"codegen_sql-{codegen.__version__}.dist-info/entry_points.txt").decode()
    print("\n".join(names))  # the listing, for whoever reads the test log
    tops = {name.split("/", 1)[0] for name in names}
    assert tops == {"codegen", f"codegen_sql-{codegen.__version__}.dist-info"}, tops
    assert "codegen/render/templates/query.py.j2" in names and "codegen/py.typed" in names
    assert not any(name.startswith(("app/", "generated/", "tests/", "schema/", "queries/")) for name in names)
    assert f"codegen_sql-{codegen.__version__}.dist-info/licenses/LICENSE" in names
    assert "Name: codegen-sql" in metadata and "License-Expression: MIT" in metadata
    assert "Classifier: Topic :: Software Development :: Code Generators" in metadata
    assert "Keywords: " in metadata and "Project-URL: " in metadata
    assert "Provides-Extra: async" in metadata and "Provides-Extra: postgresql" in metadata
    assert "codegen = codegen.cli:main" in entry_points


def test_fresh_venv_install_then_init_generate_import(source_tree: Path, tmp_path: Path) -> None:
    """install from the source tree, then in an empty folder `codegen init && codegen && import generated.queries`.

    The new environment gets its dependencies (sqlglot, jinja2, pydantic) from this one through a
    .pth file instead of downloading them; codegen itself is installed into it from the source
    tree, and the test checks it is that copy, not this environment's editable one, that runs."""
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    target_site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                            cwd=tmp_path).stdout.strip())
    (target_site / "_dependencies_from_test_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _pip("--python", python, "install", "--no-deps", "--no-build-isolation", "--no-index", source_tree, cwd=tmp_path)
    installed = sorted(p.name for p in target_site.iterdir())
    assert "codegen" in installed and "app" not in installed and "generated" not in installed, installed
    project = tmp_path / "empty"
    project.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "CODEGEN_UPDATE_GOLDEN")}
    env["PATH"] = str(venv / "bin") + os.pathsep + env.get("PATH", "")
    result = _run("sh", "-c", 'codegen init && codegen && python -c "import generated.queries, codegen; '
                              'print(generated.queries.__file__); print(codegen.__file__)"', cwd=project, env=env)
    generated_file, codegen_file = result.stdout.strip().splitlines()[-2:]
    assert Path(generated_file) == project / "generated" / "queries" / "__init__.py"
    assert Path(codegen_file).is_relative_to(target_site), codegen_file
    assert (venv / "bin" / "codegen").is_file()


def test_checkout_still_runs_the_service_and_imports_its_own_generated_package() -> None:
    """Left out of the wheel, app/ and generated/ are imported from the working tree (tests and
    `python -m app` run from the repository root)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = _run(sys.executable, "-c", "import app, generated, codegen; print(app.__file__); "
                  "print(generated.__file__); print(codegen.__file__)", cwd=REPO, env=env)
    for line in result.stdout.split():
        assert Path(line).is_relative_to(REPO), line
    help_text = _run(sys.executable, "-m", "app", "--help", cwd=REPO, env=env).stdout
    assert "migrate" in help_text
