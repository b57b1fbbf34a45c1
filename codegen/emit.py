"""Write the rendered package all at once, or compare it with what is on disk.

The new tree is written beside the old one and swapped in with renames, so
an interrupted run leaves either the old package or the new one, never a mix.
A run that changes nothing touches nothing.
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from pathlib import Path

BACKUP_SUFFIX = ".codegen-old"
TEMP_PREFIX = ".codegen-new-"


def _skipped(rel: str, nested: tuple[str, ...]) -> bool:
    return any(rel == n or rel.startswith(n + "/") for n in nested)


def read_tree(root: Path, nested: tuple[str, ...] = ()) -> dict[str, str]:
    """The files under root, minus caches and other targets' folders nested inside it."""
    files: dict[str, str] = {}
    if not root.is_dir():
        return files
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and not _skipped(
                path.relative_to(root).as_posix(), nested):
            try:
                files[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                files[path.relative_to(root).as_posix()] = "\0<unreadable>"
    return files


def recover(out: Path) -> None:
    """Finish or undo a swap that a killed run left half done."""
    backup = out.with_name(out.name + BACKUP_SUFFIX)
    if backup.exists():
        if out.exists():
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(backup, out)
    for stale in out.parent.glob(TEMP_PREFIX + out.name + "*"):
        shutil.rmtree(stale, ignore_errors=True)


def changes(out: Path, files: dict[str, str], nested: tuple[str, ...] = ()) -> tuple[list[str], list[str], list[str]]:
    """(added, changed, removed) relative paths."""
    current = read_tree(out, nested)
    added = sorted(set(files) - set(current))
    removed = sorted(set(current) - set(files))
    changed = sorted(name for name in set(files) & set(current) if files[name] != current[name])
    return added, changed, removed


def unified_diff(out: Path, files: dict[str, str], shown: str, nested: tuple[str, ...] = ()) -> str:
    current = read_tree(out, nested)
    chunks = []
    for name in sorted(set(current) | set(files)):
        old, new = current.get(name), files.get(name)
        if old == new:
            continue
        chunks.extend(difflib.unified_diff((old or "").splitlines(keepends=True), (new or "").splitlines(keepends=True),
                                           f"a/{shown}/{name}" if old is not None else "/dev/null",
                                           f"b/{shown}/{name}" if new is not None else "/dev/null"))
    return "".join(c if c.endswith("\n") else c + "\n" for c in chunks)


def write_tree(out: Path, files: dict[str, str], nested: tuple[str, ...] = ()) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX + out.name, dir=out.parent))
    try:
        for name, text in files.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
        if out.exists():
            _keep_unowned(out, staging, files, nested)
        backup = out.with_name(out.name + BACKUP_SUFFIX)
        if out.exists():
            os.replace(out, backup)
        os.replace(staging, out)
        shutil.rmtree(backup, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        recover(out)
        raise


def _keep_unowned(out: Path, staging: Path, files: dict[str, str], nested: tuple[str, ...]) -> None:
    """Carry over files that codegen did not write (a README, a .gitignore): they are the user's;
    and other targets' folders nested in this one, whole."""
    for rel in nested:
        if (out / rel).exists():
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(out / rel, staging / rel, dirs_exist_ok=True)
    for path in out.rglob("*"):
        rel = path.relative_to(out).as_posix()
        if _skipped(rel, nested):
            continue
        if not path.is_file() or rel in files or "__pycache__" in path.parts or rel.endswith(".py") \
                or rel == "py.typed":
            continue
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
