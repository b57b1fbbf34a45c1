"""Writing the out folder: all or nothing, stale files removed, --check, recovery after a crash."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from _support import make_project, read_tree, run_cli
from codegen import emit

SCHEMA = {"1_init.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"}
QUERIES = {
    "a.sql": "-- name: GetT :one\nSELECT * FROM t WHERE id = ?;\n",
    "b.sql": "-- name: CountT :one\nSELECT COUNT(*) AS n FROM t;\n",
}


def generated(root: Path) -> Path:
    make_project(root, SCHEMA, QUERIES)
    result = run_cli(root)
    assert result.code == 0, result.stderr
    return root / "gen"


def mtimes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def siblings(out: Path) -> list[str]:
    """Backup or staging folders left beside the out folder."""
    return sorted(p.name for p in out.parent.iterdir()
                  if p.name.startswith(out.name + ".") or p.name.startswith(emit.TEMP_PREFIX))


# -- write_tree ----------------------------------------------------------------------------

def test_write_tree_replaces_the_folder_and_keeps_user_files(tmp_path: Path) -> None:
    out = tmp_path / "gen"
    emit.write_tree(out, {"a.py": "A = 1\n", "sub/b.py": "B = 2\n"})
    (out / "README.md").write_text("mine\n")
    (out / "sub" / ".gitignore").write_text("*.pyc\n")
    (out / "leftover.py").write_text("# an old generated module\n")
    emit.write_tree(out, {"a.py": "A = 3\n"})
    assert read_tree(out) == {"a.py": b"A = 3\n", "README.md": b"mine\n", "sub/.gitignore": b"*.pyc\n"}
    assert siblings(out) == []


def test_write_tree_is_all_or_nothing(tmp_path: Path) -> None:
    out = tmp_path / "gen"
    emit.write_tree(out, {"a.py": "A = 1\n", "b.py": "B = 1\n"})
    before = read_tree(out)
    # "x.py" as a file and as a folder cannot both be written: the write fails part way.
    with pytest.raises(OSError):
        emit.write_tree(out, {"a.py": "A = 2\n", "x.py": "X\n", "x.py/y.py": "Y\n"})
    assert read_tree(out) == before
    assert siblings(out) == []


def test_written_files_use_lf(tmp_path: Path) -> None:
    out = tmp_path / "gen"
    emit.write_tree(out, {"a.py": "A = 1\nB = 2\n"})
    assert (out / "a.py").read_bytes() == b"A = 1\nB = 2\n"


def test_changes_reports_added_changed_removed(tmp_path: Path) -> None:
    out = tmp_path / "gen"
    emit.write_tree(out, {"same.py": "S\n", "old.py": "O\n", "edit.py": "1\n"})
    assert emit.changes(out, {"same.py": "S\n", "edit.py": "2\n", "new.py": "N\n"}) == (["new.py"], ["edit.py"],
                                                                                       ["old.py"])


# -- the CLI -------------------------------------------------------------------------------

def test_a_second_run_changes_nothing(tmp_path: Path) -> None:
    out = generated(tmp_path)
    before = mtimes(out)
    result = run_cli(tmp_path)
    assert result.code == 0 and result.stdout == "gen/ is up to date\n"
    assert mtimes(out) == before


def test_a_deleted_query_file_removes_its_module(tmp_path: Path) -> None:
    out = generated(tmp_path)
    (tmp_path / "queries" / "b.sql").unlink()
    result = run_cli(tmp_path)
    assert result.code == 0, result.stderr
    assert sorted(result.stdout.splitlines()) == ["removed: gen/queries/b.py", "updated: gen/.codegen-manifest",
                                                  "updated: gen/queries/__init__.py"]
    assert not (out / "queries" / "b.py").exists()
    assert "from . import a\n" in (out / "queries" / "__init__.py").read_text()


def test_user_files_in_the_out_folder_are_kept_and_not_stale(tmp_path: Path) -> None:
    """A README or .gitignore of the user's survives every run; it is not generated output, so it
    is neither reported as removed nor makes --check fail forever."""
    out = generated(tmp_path)
    (out / "NOTES.txt").write_text("kept\n")
    (out / ".gitignore").write_text("__pycache__/\n")
    (tmp_path / "queries" / "b.sql").unlink()
    result = run_cli(tmp_path)
    assert result.code == 0, result.stderr
    assert (out / "NOTES.txt").read_text() == "kept\n" and (out / ".gitignore").is_file()
    assert sorted(result.stdout.splitlines()) == ["removed: gen/queries/b.py", "updated: gen/.codegen-manifest",
                                                  "updated: gen/queries/__init__.py"]
    again = run_cli(tmp_path)
    assert again.stdout == "gen/ is up to date\n"
    assert run_cli(tmp_path, "--check").code == 0


def test_a_changed_query_updates_only_its_module(tmp_path: Path) -> None:
    out = generated(tmp_path)
    before = read_tree(out)
    (tmp_path / "queries" / "a.sql").write_text("-- name: GetT :one\nSELECT name FROM t WHERE id = ? LIMIT 1;\n")
    result = run_cli(tmp_path)
    assert result.stdout.splitlines() == ["updated: gen/queries/a.py"]
    after = read_tree(out)
    assert {k for k in after if after[k] != before.get(k)} == {"queries/a.py"}


def test_check_when_up_to_date(tmp_path: Path) -> None:
    generated(tmp_path)
    result = run_cli(tmp_path, "--check")
    assert (result.code, result.stdout, result.stderr) == (0, "", "")


def test_check_writes_nothing_and_shows_a_unified_diff(tmp_path: Path) -> None:
    out = generated(tmp_path)
    before, before_times = read_tree(out), mtimes(out)
    (tmp_path / "queries" / "a.sql").write_text("-- name: GetT :one\nSELECT name FROM t WHERE id = ? LIMIT 1;\n")
    (tmp_path / "queries" / "b.sql").unlink()
    (tmp_path / "queries" / "c.sql").write_text("-- name: DeleteT :exec\nDELETE FROM t WHERE id = ?;\n")
    result = run_cli(tmp_path, "--check")
    assert result.code == 1
    assert read_tree(out) == before and mtimes(out) == before_times
    assert siblings(out) == []
    diff = result.stdout
    assert "--- a/gen/queries/a.py\n+++ b/gen/queries/a.py\n" in diff
    assert '-GET_T = """SELECT id, name FROM t WHERE id = ?"""\n+GET_T = """SELECT name FROM t WHERE id = ? LIMIT 1"""\n' in diff
    assert "--- a/gen/queries/b.py\n+++ /dev/null\n" in diff
    assert "--- /dev/null\n+++ b/gen/queries/c.py\n" in diff
    assert "@@ " in diff
    assert result.stderr.strip() == "codegen: gen/ is stale (5 file(s) differ); run python -m codegen"


def test_check_without_an_out_folder(tmp_path: Path) -> None:
    make_project(tmp_path, SCHEMA, QUERIES)
    result = run_cli(tmp_path, "--check")
    assert result.code == 1
    assert not (tmp_path / "gen").exists()
    files = sorted(read_tree(generated(tmp_path / "other")))
    assert result.stderr.strip() == f"codegen: gen/ is stale ({len(files)} file(s) differ); run python -m codegen"
    # The diff names every file that would be added, the empty py.typed too.
    assert sorted(line[len("+++ b/gen/"):] for line in result.stdout.splitlines() if line.startswith("+++ ")) == files


def test_check_reports_a_hand_edited_file(tmp_path: Path) -> None:
    out = generated(tmp_path)
    (out / "models.py").write_text((out / "models.py").read_text() + "# edited\n")
    result = run_cli(tmp_path, "--check")
    assert result.code == 1 and "-# edited\n" in result.stdout


def test_an_error_leaves_the_out_folder_byte_identical(tmp_path: Path) -> None:
    out = generated(tmp_path)
    (out / "README.md").write_text("mine\n")
    before, before_times = read_tree(out), mtimes(out)
    (tmp_path / "queries" / "a.sql").write_text("-- name: GetT :one\nSELECT nope FROM t;\n")
    result = run_cli(tmp_path)
    assert result.code == 1 and result.stdout == ""
    assert read_tree(out) == before and mtimes(out) == before_times
    assert siblings(out) == []


# -- recovery from an interrupted swap --------------------------------------------------------

def test_recovery_when_killed_between_the_two_renames(tmp_path: Path) -> None:
    """The old folder was moved aside and the new one not yet moved in: the next run restores
    and then regenerates; nothing half-written survives."""
    out = generated(tmp_path)
    good = read_tree(out)
    backup = out.with_name("gen" + emit.BACKUP_SUFFIX)
    os.replace(out, backup)
    staging = tmp_path / f"{emit.TEMP_PREFIX}gen1234abcd"
    (staging / "queries").mkdir(parents=True)
    (staging / "queries" / "a.py").write_text("# half writ")
    result = run_cli(tmp_path)
    assert result.code == 0, result.stderr
    assert read_tree(out) == good
    assert siblings(out) == [] and not staging.exists()


def test_recovery_when_killed_before_removing_the_backup(tmp_path: Path) -> None:
    out = generated(tmp_path)
    good = read_tree(out)
    backup = out.with_name("gen" + emit.BACKUP_SUFFIX)
    shutil.copytree(out, backup)
    (backup / "models.py").write_text("# the previous version\n")
    result = run_cli(tmp_path)
    assert result.code == 0, result.stderr
    assert read_tree(out) == good
    assert not backup.exists()


def test_recover_restores_the_backup_when_the_folder_is_missing(tmp_path: Path) -> None:
    out = tmp_path / "gen"
    backup = tmp_path / ("gen" + emit.BACKUP_SUFFIX)
    backup.mkdir()
    (backup / "a.py").write_text("A = 1\n")
    emit.recover(out)
    assert read_tree(out) == {"a.py": b"A = 1\n"} and not backup.exists()


def test_a_failing_run_after_a_crash_still_leaves_a_usable_package(tmp_path: Path) -> None:
    out = generated(tmp_path)
    good = read_tree(out)
    os.replace(out, out.with_name("gen" + emit.BACKUP_SUFFIX))
    (tmp_path / "queries" / "a.sql").write_text("-- name: GetT :one\nSELECT nope FROM t;\n")
    result = run_cli(tmp_path)
    assert result.code == 1
    assert read_tree(out) == good
