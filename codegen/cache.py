"""What does not change between runs is not recomputed.

Two levels, both keyed by content hashes that include the generator's own
source, so a new codegen version never reuses an old answer:
- the whole run: the same config, schema and query files give the same output
  files, without importing sqlglot or jinja2 at all (a no-op `--check` is cheap);
- each query file: its analysis is reused while it and the schema are unchanged.
The cache lives in `.codegen-cache/` beside the config; set CODEGEN_NO_CACHE=1 to bypass
it.

The folder comes with the checkout, so it is input, not trust: a fork can plant files
there. Entries are plain JSON (never pickle: loading data must not run code), read only
from regular files (a FIFO or a link there is a miss, not a hang or a redirect), decoded
against the IR's own field types, and each is signed with HMAC-SHA256 under a random key
kept outside the project, in this user's cache home (`$XDG_CACHE_HOME/codegen/key`). An
entry this user's codegen did not write fails the signature and is a miss, so a planted
record never decides what is written or what `--check` says. Anything unreadable is a
miss too; without a usable key there is no cache, only slower runs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import tempfile
import types
import typing
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

from . import ir
from .emit import output_name  # what a run record may name: files codegen writes, no ".."

FOLDER = ".codegen-cache"
_PACKAGE = Path(__file__).resolve().parent
_MAX_ENTRY = 256 * 1024 * 1024  # bytes read from one entry at most


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


def generator_fingerprint() -> str:
    """A hash of codegen's own code and templates, and of the parsers that judge queries when
    generating (SQLite's library, PostgreSQL's through pglast): a verdict cached under one is not
    another's."""
    files = sorted(p for p in _PACKAGE.rglob("*") if p.suffix in (".py", ".j2") and "__pycache__" not in p.parts)
    return _digest(*(p.relative_to(_PACKAGE).as_posix().encode() + b"\0" + p.read_bytes() for p in files),
                   *(f"{name} {version}".encode() for name, version in _checkers()))


def _checkers() -> list[tuple[str, str]]:
    import sqlite3
    from importlib import metadata

    try:
        pglast = metadata.version("pglast")
    except metadata.PackageNotFoundError:
        pglast = "not installed"
    return [("sqlite", sqlite3.sqlite_version), ("pglast", pglast)]


def _read_regular(path: Path) -> bytes | None:
    """A regular file's bytes; None for anything else (a link, a FIFO, a device, a folder)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_ENTRY:
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    except OSError:
        return None
    finally:
        os.close(fd)


def _signing_key() -> bytes | None:
    """This user's secret, made once (0600) in the per-user cache home; None if there is none."""
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "codegen"
    path = home / "key"
    key = _read_regular(path)
    if key is None:
        try:
            home.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=home, prefix=".key-")  # mkstemp makes it 0600
            with os.fdopen(fd, "wb") as handle:
                handle.write(os.urandom(32))
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(tmp, path)  # never replaces a key a concurrent run made first
            except FileExistsError:
                pass
            finally:
                os.unlink(tmp)
        except (OSError, RuntimeError):  # RuntimeError: no home folder at all
            return None
        key = _read_regular(path)
    return key if key is not None and len(key) >= 32 else None


class Cache:
    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.folder = root / FOLDER
        self.enabled = enabled and not os.environ.get("CODEGEN_NO_CACHE")
        self._secret = _signing_key() if self.enabled else None
        self.enabled = self.enabled and self._secret is not None
        self._generator = generator_fingerprint() if self.enabled else ""

    def key(self, *parts: str | bytes) -> str:
        return _digest(self._generator.encode(), *(p.encode() if isinstance(p, str) else p for p in parts))

    def _folder_ok(self) -> bool:
        """Only a real folder: a link there would send cache writes outside the project."""
        try:
            return stat.S_ISDIR(os.lstat(self.folder).st_mode)
        except FileNotFoundError:
            return True
        except OSError:
            return False

    def _tag(self, name: str, body: bytes) -> str:
        assert self._secret is not None
        return hmac.new(self._secret, name.encode() + b"\0" + body, hashlib.sha256).hexdigest()

    def _read(self, name: str) -> Any:
        """The JSON value stored under name, if this user's codegen signed it; else None."""
        if not self.enabled or not self._folder_ok():
            return None
        raw = _read_regular(self.folder / name)
        if raw is None or b"\n" not in raw:
            return None
        tag, body = raw.split(b"\n", 1)
        if not hmac.compare_digest(tag, self._tag(name, body).encode()):
            return None
        try:
            return json.loads(body)
        except ValueError:
            return None

    def _write(self, name: str, value: Any) -> None:
        if not self.enabled or not self._folder_ok():
            return
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            self.folder.mkdir(exist_ok=True)
            if not self._folder_ok():
                return
            if not os.path.lexists(self.folder / ".gitignore"):
                self._replace(".gitignore", b"*\n")
            self._replace(name, self._tag(name, body).encode() + b"\n" + body)
        except OSError:
            pass  # a cache that cannot be written is only slower

    def _replace(self, name: str, data: bytes) -> None:
        """Write beside, then rename over: a rename replaces a planted link, never writes through it."""
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, self.folder / name)
        except OSError:
            os.unlink(tmp)
            raise

    @staticmethod
    def _run_file(out: str) -> str:
        return f"run-{hashlib.sha256(out.encode()).hexdigest()[:16]}.json"

    def load_run(self, key: str, out: str) -> dict[str, str] | None:
        data = self._read(self._run_file(out))
        if not isinstance(data, dict) or data.get("key") != key or not isinstance(data.get("files"), dict):
            return None
        files = data["files"]
        if not all(isinstance(k, str) and output_name(k) and isinstance(v, str) for k, v in files.items()):
            return None
        return dict(files)

    def store_run(self, key: str, files: dict[str, str], out: str) -> None:
        self._write(self._run_file(out), {"key": key, "files": files})

    def load_query_file(self, key: str) -> ir.QueryFile | None:
        data = self._read(f"{key[:32]}.json")
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        try:
            value = _decode(ir.QueryFile, data.get("value"))
        except (TypeError, ValueError):
            return None
        return value if isinstance(value, ir.QueryFile) else None

    def store_query_file(self, key: str, value: ir.QueryFile) -> None:
        self._write(f"{key[:32]}.json", {"key": key, "value": ir.to_jsonable(value)})

    def prune(self, keep: set[str]) -> None:
        """Drop per-file entries no longer used, so the folder does not grow without bound."""
        if not self.enabled or not self._folder_ok() or not self.folder.is_dir():
            return
        wanted = {f"{k[:32]}.json" for k in keep}
        for path in self.folder.glob("*.json"):
            if path.name not in wanted and not path.name.startswith("run-"):
                try:
                    path.unlink()
                except OSError:
                    pass


def _decode(kind: Any, value: Any) -> Any:
    """JSON back into the IR, checked against the dataclasses' own annotations: a value of the
    wrong shape is an error, never silently accepted."""
    origin = typing.get_origin(kind)
    if kind in (str, int, bool):
        if type(value) is not kind:
            raise TypeError(f"expected {kind.__name__}")
        return value
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(kind)
        if value is None and type(None) in options:
            return None
        [inner] = [o for o in options if o is not type(None)]
        return _decode(inner, value)
    if origin is tuple:
        element = typing.get_args(kind)[0]
        if not isinstance(value, list):
            raise TypeError("expected a list")
        return tuple(_decode(element, v) for v in value)
    if isinstance(kind, type) and is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        names = {f.name for f in fields(kind)}
        if not isinstance(value, dict) or set(value) != names:
            raise TypeError(f"expected the fields of {kind.__name__}")
        return kind(**{name: _decode(hints[name], value[name]) for name in names})
    raise TypeError(f"cannot decode {kind!r}")
