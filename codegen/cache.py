"""What does not change between runs is not recomputed.

Two levels, both keyed by content hashes that include the generator's own
source, so a new codegen version never reuses an old answer:
- the whole run: the same config, schema and query files give the same output
  files, without importing sqlglot or jinja2 at all (a no-op `--check` is cheap);
- each query file: its analysis is reused while it and the schema are unchanged.
The cache lives in `.codegen-cache/` beside the config; set CODEGEN_NO_CACHE=1 to bypass
it. Anything unreadable there is treated as a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

FOLDER = ".codegen-cache"
_PACKAGE = Path(__file__).resolve().parent


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


def generator_fingerprint() -> str:
    """A hash of codegen's own code and templates."""
    files = sorted(p for p in _PACKAGE.rglob("*") if p.suffix in (".py", ".j2") and "__pycache__" not in p.parts)
    return _digest(*(p.relative_to(_PACKAGE).as_posix().encode() + b"\0" + p.read_bytes() for p in files))


class Cache:
    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.folder = root / FOLDER
        self.enabled = enabled and not os.environ.get("CODEGEN_NO_CACHE")
        self._generator = generator_fingerprint() if self.enabled else ""

    def key(self, *parts: str | bytes) -> str:
        return _digest(self._generator.encode(), *(p.encode() if isinstance(p, str) else p for p in parts))

    def _read(self, name: str) -> bytes | None:
        if not self.enabled:
            return None
        try:
            return (self.folder / name).read_bytes()
        except OSError:
            return None

    def _write(self, name: str, data: bytes) -> None:
        if not self.enabled:
            return
        try:
            self.folder.mkdir(exist_ok=True)
            (self.folder / ".gitignore").write_text("*\n") if not (self.folder / ".gitignore").exists() else None
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, self.folder / name)
        except OSError:
            pass  # a cache that cannot be written is only slower

    @staticmethod
    def _run_file(out: str) -> str:
        return f"run-{hashlib.sha256(out.encode()).hexdigest()[:16]}.json"

    def load_run(self, key: str, out: str) -> dict[str, str] | None:
        raw = self._read(self._run_file(out))
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            return None
        if not isinstance(data, dict) or data.get("key") != key or not isinstance(data.get("files"), dict):
            return None
        return {str(k): str(v) for k, v in data["files"].items()}

    def store_run(self, key: str, files: dict[str, str], out: str) -> None:
        self._write(self._run_file(out), json.dumps({"key": key, "files": files}).encode())

    def load_object(self, key: str) -> Any:
        raw = self._read(f"{key[:32]}.pickle")
        if raw is None:
            return None
        try:
            stored_key, value = pickle.loads(raw)
        except Exception:  # noqa: BLE001 - any damage to a cache file is a miss
            return None
        return value if stored_key == key else None

    def store_object(self, key: str, value: Any) -> None:
        self._write(f"{key[:32]}.pickle", pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL))

    def prune(self, keep: set[str]) -> None:
        """Drop per-file entries no longer used, so the folder does not grow without bound."""
        if not self.enabled or not self.folder.is_dir():
            return
        wanted = {f"{k[:32]}.pickle" for k in keep}
        for path in self.folder.glob("*.pickle"):
            if path.name not in wanted:
                try:
                    path.unlink()
                except OSError:
                    pass
