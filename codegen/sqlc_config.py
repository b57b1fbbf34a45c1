"""sqlc's config (sqlc.yaml / sqlc.yml / sqlc.json, versions 1 and 2) read as a [tool.codegen] table.

Each `sql` entry (version 2) or `packages` entry (version 1) whose engine is sqlite or postgresql
becomes one target; its schema and queries stay relative to the config's folder. Where the entry
configures a Python generator (the sqlc-gen-python plugin, or the `gen.python` block of older
sqlc releases) its `out` and the options that mean something here are honoured. Everything else
(other engines, Go options, `go_type` overrides, other plugins, vet rules, cloud settings...)
is skipped with one located note each, never an error: a project can keep one config for sqlc
and codegen alike.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .engines import registry
from .errors import CodegenError, Diagnostic, number_too_long

NAMES = ("sqlc.yaml", "sqlc.yml", "sqlc.json")
SUFFIXES = (".yaml", ".yml", ".json")
ENGINES = registry.NAMES  # of the engines sqlc knows (mysql too), those codegen's registry holds

# sqlc-gen-python options that need nothing here: generated modules import each other
# relatively (`package`), rows are always validated by pydantic (`emit_pydantic_models`), and
# the plain functions are always written (`emit_sync_querier`).
_PYTHON_NEEDS_NOTHING = {"package", "emit_pydantic_models", "emit_sync_querier", "out"}
_PYTHON_NOT_SUPPORTED = {
    "emit_str_enum": "enum columns are typing.Literal[...] types",
    "emit_exact_table_names": "model names are the singular of the table name",
    "query_parameter_limit": "parameters are always keyword arguments",
    "inflection_exclude_table_names": "model names are the singular of the table name",
}
# Entry keys that only steer sqlc's own analysis or tooling.
_SQLC_ONLY = {
    "database": "codegen analyses without a database connection",
    "analyzer": "codegen analyses without a database connection",
    "rules": "sqlc vet rules are not run",
    "strict_order_by": "not an option here",
}


def find_in(folder: Path) -> Path | None:
    for name in NAMES:
        if (folder / name).is_file():
            return folder / name
    return None


@dataclass
class _Reader:
    """The parsed document plus the line and column of every mapping key, by its path."""

    path: Path
    data: Any
    where: dict[tuple[object, ...], tuple[int, int]] = field(default_factory=dict)
    notes: list[Diagnostic] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)

    def at(self, key_path: tuple[object, ...]) -> tuple[int, int]:
        while key_path and key_path not in self.where:
            key_path = key_path[:-1]
        return self.where.get(key_path, (1, 1))

    def note(self, key_path: tuple[object, ...], message: str) -> None:
        line, col = self.at(key_path)
        self.notes.append(Diagnostic(str(self.path), line, col, f"{_dotted(key_path)}: {message}", "note"))

    def error(self, key_path: tuple[object, ...], message: str) -> None:
        line, col = self.at(key_path)
        prefix = f"{_dotted(key_path)}: " if key_path else ""
        self.errors.append(Diagnostic(str(self.path), line, col, prefix + message))


def _dotted(key_path: tuple[object, ...]) -> str:
    text = ""
    for part in key_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


_MAX_DEPTH = 100  # far beyond any real sqlc config; the YAML parser recurses per level


def _too_deep(text: str) -> bool:
    """Flow brackets or indentation nested past _MAX_DEPTH (quotes ignored: a bound, not a parse)."""
    depth = deepest = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    indents = (len(line) - len(line.lstrip(" ")) for line in text.splitlines())
    return deepest > _MAX_DEPTH or max(indents, default=0) > 2 * _MAX_DEPTH


def _parse(path: Path, text: str) -> _Reader:
    import yaml

    if _too_deep(text):
        raise CodegenError([Diagnostic(str(path), 1, 1, "config nested too deeply")])
    node = None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
        reader = _Reader(path, data)
        if node is not None:
            for key_path, (line, col) in _positions(node, (), set()):
                reader.where.setdefault(key_path, (line, col))
    except RecursionError:
        raise CodegenError([Diagnostic(str(path), 1, 1, "config nested too deeply")]) from None
    except (ValueError, TypeError, OverflowError):
        # A scalar that parses but that PyYAML's constructor cannot build (`2021-02-30`, `!!int x`,
        # a number of more digits than Python reads): a bare ValueError, not a YAMLError.
        raise CodegenError([_unbuildable(path, node)]) from None
    except yaml.YAMLError as exc:
        if path.suffix == ".json":
            return _parse_json(path, text)
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = getattr(exc, "problem", None) or str(exc)
        raise CodegenError([Diagnostic(str(path), line, col, f"invalid YAML: {problem}")]) from None
    return reader


def _parse_json(path: Path, text: str) -> _Reader:
    try:
        return _Reader(path, json.loads(text))
    except RecursionError:
        raise CodegenError([Diagnostic(str(path), 1, 1, "config nested too deeply")]) from None
    except json.JSONDecodeError as exc:
        raise CodegenError([Diagnostic(str(path), exc.lineno, exc.colno, f"invalid JSON: {exc.msg}")]) from None
    except ValueError as exc:  # a number of more digits than Python reads
        raise CodegenError([number_too_long(str(path), text) or Diagnostic(str(path), 1, 1, f"invalid JSON: {exc}")]) \
            from None


def _unbuildable(path: Path, root: Any) -> Diagnostic:
    """Where the first scalar is that PyYAML's safe constructor refuses, and why."""
    import yaml

    loader = yaml.SafeLoader("")
    pending, seen, refused = [root], set(), []
    while pending:
        node = pending.pop(0)
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            try:
                loader.construct_object(node, deep=True)
            except (ValueError, TypeError, OverflowError, yaml.YAMLError) as exc:
                refused.append(Diagnostic(str(path), node.start_mark.line + 1, node.start_mark.column + 1,
                                          f"invalid YAML value {node.value[:40]!r}: {exc}"))
        elif isinstance(node, yaml.MappingNode):
            pending.extend(item for pair in node.value for item in pair)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
    return min(refused, default=Diagnostic(str(path), 1, 1, "invalid YAML: a value cannot be read"))


def _positions(node: Any, key_path: tuple[object, ...],
               seen: set[int]) -> Iterator[tuple[tuple[object, ...], tuple[int, int]]]:
    """Where each key is written. An aliased node (`*anchor`) is walked once: a config of nested
    aliases would otherwise take exponential time."""
    import yaml

    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                child = (*key_path, key.value)
                yield child, (key.start_mark.line + 1, key.start_mark.column + 1)
                yield from _positions(value, child, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*key_path, index)
            yield child, (item.start_mark.line + 1, item.start_mark.column + 1)
            yield from _positions(item, child, seen)


@dataclass
class _Target:
    key_path: tuple[object, ...]
    label: str
    table: dict[str, object]


def load(path: Path, text: str) -> tuple[dict[str, object], list[Diagnostic]]:
    """The [tool.codegen]-shaped table (first target at the top, the rest under "targets") and the notes."""
    reader = _parse(path, text)
    data = reader.data
    if not isinstance(data, dict):
        raise CodegenError([Diagnostic(str(path), 1, 1, "an sqlc config must be a mapping with a version")])
    version = str(data.get("version", ""))
    if version == "2":
        targets = _version_two(reader, data)
    elif version == "1":
        targets = _version_one(reader, data)
    else:
        reader.error(("version",), f"unknown sqlc config version {data.get('version')!r} (known: '1', '2')")
        targets = []
    if reader.errors:
        raise CodegenError(reader.errors)
    if not targets:
        raise CodegenError([Diagnostic(str(path), 1, 1, "no entry with engine sqlite or postgresql: nothing to generate")])
    _assign_outs(reader, targets)
    tables = [t.table for t in targets]
    return {**tables[0], "targets": tables[1:]}, sorted(reader.notes, key=lambda d: (d.line, d.col, d.message))


def _version_two(reader: _Reader, data: dict[str, Any]) -> list[_Target]:
    for key in sorted(set(data) - {"version", "sql", "plugins"}, key=str):
        reader.note((key,), _top_level_reason(key))
    plugins = {p.get("name"): p for p in data.get("plugins") or [] if isinstance(p, dict)}
    entries = data.get("sql")
    if not isinstance(entries, list) or not entries:
        reader.error(("sql",) if "sql" in data else (), "a version 2 config needs a list of `sql` entries")
        return []
    targets: list[_Target] = []
    for index, entry in enumerate(entries):
        where: tuple[object, ...] = ("sql", index)
        base = _entry_base(reader, where, entry)
        if base is None:
            continue
        python_outputs: list[tuple[tuple[object, ...], dict[str, Any]]] = []
        for key in sorted(set(entry) - {"name", "engine", "schema", "queries", "gen", "codegen",
                                         "strict_function_checks"}, key=str):
            reader.note((*where, key), _SQLC_ONLY.get(key, "not an sqlc option codegen knows"))
        _strict(entry, base)
        gen = entry.get("gen") or {}
        for language in sorted(gen, key=str) if isinstance(gen, dict) else ():
            if language == "python" and isinstance(gen[language], dict):
                python_outputs.append(((*where, "gen", "python"), gen[language]))
            else:
                _skip_block(reader, (*where, "gen", language), gen[language], language)
        outputs = entry.get("codegen") or []
        for position, item in enumerate(outputs if isinstance(outputs, list) else []):
            item_path = (*where, "codegen", position)
            plugin = item.get("plugin") if isinstance(item, dict) else None
            if plugin is not None and _is_python_plugin(str(plugin), plugins.get(plugin)):
                options = item.get("options") or {}
                python_outputs.append(((*item_path, "options"),
                                       {**(options if isinstance(options, dict) else {}), "out": item.get("out")}))
            else:
                reader.note(item_path, f"plugin {plugin!r} skipped: codegen writes Python itself")
        label = str(entry.get("name") or base["engine"])
        if not python_outputs:
            targets.append(_Target(where, label, base))
        for option_path, options in python_outputs:
            targets.append(_Target(where, label, _python_options(reader, option_path, options, base)))
    return targets


def _version_one(reader: _Reader, data: dict[str, Any]) -> list[_Target]:
    for key in sorted(set(data) - {"version", "packages", "overrides"}, key=str):
        reader.note((key,), _top_level_reason(key))
    for position, _ in enumerate(data.get("overrides") or []):
        reader.note(("overrides", position), "Go type override skipped (go_type): codegen maps types to Python")
    entries = data.get("packages")
    if not isinstance(entries, list) or not entries:
        reader.error(("packages",) if "packages" in data else (), "a version 1 config needs a list of `packages`")
        return []
    targets: list[_Target] = []
    for index, entry in enumerate(entries):
        where: tuple[object, ...] = ("packages", index)
        base = _entry_base(reader, where, entry)
        if base is None:
            continue
        _strict(entry, base)
        for key in sorted(set(entry) - {"name", "engine", "schema", "queries", "strict_function_checks"}, key=str):
            if key == "overrides":
                for position, _ in enumerate(entry.get("overrides") or []):
                    reader.note((*where, "overrides", position), "Go type override skipped: codegen maps types to Python")
            else:
                reader.note((*where, key), _SQLC_ONLY.get(key, "a Go option, skipped"))
        targets.append(_Target(where, str(entry.get("name") or base["engine"]), base))
    return targets


def _entry_base(reader: _Reader, where: tuple[object, ...], entry: object) -> dict[str, object] | None:
    """engine, schema and queries of an entry; None (with a note or an error) when it is not generated."""
    if not isinstance(entry, dict):
        reader.error(where, "an entry must be a mapping")
        return None
    engine = entry.get("engine") or "postgresql"  # sqlc's default when an entry names none
    if engine not in ENGINES:
        reader.note((*where, "engine"), f"engine {engine!r} skipped: codegen generates for sqlite and postgresql")
        return None
    # Every key set: a later target must not inherit the first one's settings.
    base: dict[str, object] = {"engine": engine, "async": True, "strict": False}
    for key in ("schema", "queries"):
        value = entry.get(key)
        paths = [value] if isinstance(value, str) else value
        if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p for p in paths):
            reader.error((*where, key), f"`{key}` must be a path or a list of paths")
            continue
        for pattern in paths:
            if not _matches(reader.path.parent, pattern):
                reader.error((*where, key), f"{key} path {pattern!r} matches nothing")
        base[key] = paths
    return base if "schema" in base and "queries" in base else None


def _strict(entry: dict[str, Any], base: dict[str, object]) -> None:
    if "strict_function_checks" in entry:
        base["strict"] = bool(entry["strict_function_checks"])


def _python_options(reader: _Reader, where: tuple[object, ...], options: dict[str, Any],
                    base: dict[str, object]) -> dict[str, object]:
    table = dict(base)
    out = options.get("out")
    if isinstance(out, str) and out.strip():
        table["out"] = out
    table["async"] = bool(options.get("emit_async_querier", False))  # the plugin's default
    for key in sorted(set(options) - _PYTHON_NEEDS_NOTHING - {"emit_async_querier"}, key=str):
        reason = _PYTHON_NOT_SUPPORTED.get(key, "not an sqlc-gen-python option codegen knows")
        reader.note((*where, key), f"skipped: {reason}")
    return table


def _is_python_plugin(name: str, definition: object) -> bool:
    """sqlc-gen-python, by its usual name or by where its wasm module or process comes from."""
    if name in ("py", "python"):
        return True
    where = []
    if isinstance(definition, dict):
        for kind, key in (("wasm", "url"), ("process", "cmd")):
            block = definition.get(kind)
            if isinstance(block, dict) and isinstance(block.get(key), str):
                where.append(block[key])
    return any("sqlc-gen-python" in w for w in where)


def _skip_block(reader: _Reader, where: tuple[object, ...], block: object, language: str) -> None:
    """One note per option of a generator codegen does not replace (Go, Kotlin, JSON)."""
    if not isinstance(block, dict) or not block:
        reader.note(where, f"{language} output skipped")
        return
    for key in sorted(block, key=str):
        if key == "overrides" and isinstance(block[key], list):
            for position, _ in enumerate(block[key]):
                reader.note((*where, key, position),
                            f"{_LANGUAGES.get(language, language)} type override skipped: codegen maps types to Python")
        else:
            reader.note((*where, key), f"{_LANGUAGES.get(language, language)} option skipped")


_LANGUAGES = {"go": "Go", "kotlin": "Kotlin", "json": "JSON"}


def _top_level_reason(key: str) -> str:
    return {"cloud": "sqlc Cloud settings are not used", "rules": "sqlc vet rules are not run",
            "overrides": "Go type overrides are skipped: codegen maps types to Python",
            "plugins": "plugins are not run", "servers": "database servers are not used",
            "rename": "Go struct field renames are skipped", "project": "sqlc Cloud settings are not used",
            "options": "plugin options are not used"}.get(key, "not an sqlc setting codegen knows; skipped")


def _assign_outs(reader: _Reader, targets: list[_Target]) -> None:
    """Targets without a Python `out` write under generated/: alone there, or one folder each."""
    defaults = [t for t in targets if "out" not in t.table]
    if len(targets) == 1 and defaults:
        defaults[0].table["out"] = "generated"
    else:
        engines = [str(t.table["engine"]) for t in defaults]
        labels = [str(t.table["engine"]) if engines.count(str(t.table["engine"])) == 1 else t.label for t in defaults]
        seen: dict[str, int] = {}
        for target, label in zip(defaults, labels):
            name = re.sub(r"\W+", "_", label).strip("_").lower() or "target"
            name = name if not name[0].isdigit() else f"t_{name}"
            seen[name] = seen.get(name, 0) + 1
            target.table["out"] = f"generated/{name}" + (f"_{seen[name]}" if seen[name] > 1 else "")
    root = reader.path.parent.resolve()
    for target in targets:
        out = (root / str(target.table["out"])).resolve()
        inputs = [(root / p).resolve() for key in ("schema", "queries") for p in target.table[key]  # type: ignore[attr-defined]
                  if not any(c in p for c in "*?[")]
        if any(out == i or out in i.parents for i in inputs):
            # sqlc-gen-python writes modules beside the SQL; codegen writes a package of its own.
            moved = f"{target.table['out']}/generated"
            reader.note((*target.key_path, "codegen"), f"out {target.table['out']!r} holds this entry's SQL files; "
                                                        f"the generated package goes to {moved!r}")
            target.table["out"] = moved


def _matches(root: Path, pattern: str) -> bool:
    if any(ch in pattern for ch in "*?["):
        return any(root.glob(pattern))
    return (root / pattern).exists()
