"""`codegen watch`: regenerate whenever a schema, query or config file changes.

Standard-library polling (no new dependency, the same on every OS): every `interval` seconds the
watched files are listed again (so new and deleted files count) and compared by modification
time, size and inode; any difference runs the generator once and prints its result. Ctrl-C stops.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from .config import Config, find_config, load_config
from .errors import CodegenError

Snapshot = dict[str, tuple[int, int, int]]


def watched_paths(config_path: Path | None, cwd: Path) -> list[Path]:
    """The config file plus every schema and query file of every target; just the config file
    while it does not load (so fixing it is seen too)."""
    from .sources import expand

    try:
        config = load_config(config_path, cwd)
    except (CodegenError, OSError):
        found = config_path or find_config(cwd)
        return [found] if found is not None else []
    paths = [config.path]
    for target in (config, *config.targets):
        paths += _inputs(target, expand)
    return paths


def _inputs(target: Config, expand: Callable[[Path, str, bool], list[Path]]) -> list[Path]:
    paths = []
    for pattern in target.schema:
        found = expand(target.root, pattern, False)
        # A .down.sql twin is part of the generated migrations even when the pattern names only
        # the .up.sql files ("schema/*.up.sql"); watched whether it exists yet or not.
        paths += found + [p.with_name(p.name.removesuffix(".up.sql") + ".down.sql")
                          for p in found if p.name.endswith(".up.sql")]
    for pattern in target.queries:
        paths += expand(target.root, pattern, True)
    return paths


def snapshot(paths: list[Path]) -> Snapshot:
    state: Snapshot = {}
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            continue  # gone: its absence is the difference
        state[str(path)] = (info.st_mtime_ns, info.st_size, info.st_ino)
    return state


def _shown(path: str) -> str:
    try:
        return Path(path).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path


def watch(generate: Callable[[], int], paths: Callable[[], list[Path]], interval: float) -> int:
    """Run `generate` now and after every change, until interrupted (exit status 130 from main)."""
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(line_buffering=True)  # each run's result shows as it happens
    last: Snapshot | None = None
    while True:
        current = snapshot(paths())
        if current != last:
            if last is not None:
                changed = sorted(set(current) ^ set(last) | {p for p in current if last.get(p) != current[p]})
                print(f"codegen watch: changed: {', '.join(_shown(p) for p in changed)}", flush=True)
            status = generate()
            sys.stderr.flush()
            stamp = time.strftime("%H:%M:%S")
            print(f"codegen watch: [{stamp}] " + ("ok" if status == 0 else f"failed (exit {status})")
                  + "; waiting for changes (Ctrl-C stops)", flush=True)
            last = current  # taken before the run: a change made during it is seen at the next poll
        time.sleep(interval)
