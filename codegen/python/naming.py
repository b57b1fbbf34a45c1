"""Python names for SQL names: functions, classes, fields, arguments, modules."""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata

# Names a generated row field or argument must not take: pydantic/NamedTuple
# internals, and the names generated functions use for themselves.
# Fields may not shadow tuple methods (mypy rejects it); arguments may not take
# the connection's name. Generated locals start with "_", which no field or
# argument can (identifier() strips leading underscores).
TUPLE_METHODS = {"count", "index"}
# Generated bodies call one builtin by name, list() (other helpers live in _runtime), so
# arguments may be called len or str; list and the connection's name are taken.
ARGUMENT_RESERVED = {"conn", "list"}
# Builtins a generated module names in annotations and bodies (`-> list[int]`, `list(rows)`): a
# function of that name, defined earlier in the module, would shadow them.
MODULE_BUILTINS = {"list", "tuple", "dict", "set", "frozenset", "int", "float", "complex", "str", "bytes",
                   "bytearray", "bool", "object", "type"}
# Module-level names of a generated module that no function or class may take: the modules any
# generated module imports (stdlib, drivers of both flavours, its own package), the names it gives
# itself, and every builtin (a careful hand would not shadow the rest either). Compared after NFKC
# normalisation, as Python compares identifiers.
GENERATED_IMPORTS = frozenset({"typing", "datetime", "decimal", "uuid", "json", "sqlite3", "psycopg", "aiosqlite",
                               "pydantic", "models", "queries", "aio", "_runtime", "_sync", "collections", "enum"})
MODULE_LEVEL_RESERVED = GENERATED_IMPORTS | frozenset(n for n in dir(builtins) if not n.startswith("__"))
# A row class's fields live in its body, where mypy looks up the annotations of the fields after
# them: a field named str or typing would stand for the builtin or module in those annotations.
FIELD_RESERVED = GENERATED_IMPORTS | {"int", "float", "str", "bytes", "bool", "list", "dict", "tuple", "object"}
_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")


def identifier(text: str, fallback: str = "column") -> str:
    """Any SQL name as a valid Python identifier: 'user id' -> user_id, 'class' -> class_."""
    text = unicodedata.normalize("NFKC", text)
    out = "".join(ch if ("x" + ch).isidentifier() else "_" for ch in text)
    out = re.sub(r"_+", "_", out).strip("_") or fallback
    if not out.isidentifier() or out[0].isdigit():
        out = f"{fallback}_{out}"
    if keyword.iskeyword(out) or keyword.issoftkeyword(out) or out in ("None", "True", "False"):
        out += "_"
    return out


def snake(name: str) -> str:
    """GetThreadByID -> get_thread_by_id; HTTPServer -> http_server."""
    s = unicodedata.normalize("NFKC", name)
    s = _ACRONYM.sub(r"\1_\2", s)
    s = _CAMEL.sub(r"\1_\2", s)
    return identifier(s.lower(), "query")


def pascal(name: str) -> str:
    # Normalise first: "𝐬tr" has no capital, and would only become "str" (a builtin) later.
    name = unicodedata.normalize("NFKC", name)
    parts = [p for p in re.split(r"[^0-9A-Za-z\x80-\U0010ffff]+", snake(name) if not name.islower() else name) if p]
    out = "".join(p[:1].upper() + p[1:] for p in parts) or "Row"
    if out[0].isdigit():
        out = "T" + out
    return identifier(out, "Model")


_IRREGULAR = {"people": "person", "children": "child", "men": "man", "women": "woman", "data": "data",
              "news": "news", "series": "series", "species": "species", "status": "status", "analysis": "analysis"}


def singular(word: str) -> str:
    """threads -> thread, categories -> category, statuses -> status: enough for table names."""
    lower = word.lower()
    if lower in _IRREGULAR:
        return word[: len(word) - len(lower)] + _IRREGULAR[lower] if len(word) != len(lower) else _IRREGULAR[lower]
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("shes", "sh"), ("ches", "ch"), ("xes", "x"),
                         ("uses", "us"), ("statuses", "status")):
        if lower.endswith(suffix) and len(lower) > len(suffix) + 1:
            return word[: -len(suffix)] + repl
    if lower.endswith("s") and not lower.endswith(("ss", "us", "is")) and len(lower) > 3:
        return word[:-1]
    return word


def model_name(table: str) -> str:
    """threads -> Thread, working_directories -> WorkingDirectory."""
    table = unicodedata.normalize("NFKC", table)
    parts = re.split(r"[^0-9A-Za-z\x80-\U0010ffff]+", table)
    parts = [p for p in parts if p]
    if parts:
        parts[-1] = singular(parts[-1])
    return pascal("_".join(parts) if parts else table)


def _unshadowed(name: str, reserved: frozenset[str] | set[str]) -> str:
    return name + "_" if name in reserved else name


def model_names(tables: list[str]) -> list[str]:
    """Table names as models.py class names, unique, never shadowing an import or a builtin."""
    return unique([_unshadowed(model_name(t), MODULE_LEVEL_RESERVED) for t in tables])


def composite_class(identity: str) -> str:
    """A composite type's class in models.py, by its SQL name ('pair', '"S"."Pair"'): PairType,
    SPairType. The suffix keeps it apart from a table's model (table pairs and type pair are both
    Pair otherwise), as a table's rows and a type's values are different things."""
    parts = [p.strip('"').replace('""', '"') for p in re.findall(r'"(?:[^"]|"")*"|[^.]+', identity)]
    return _unshadowed(pascal("_".join(parts)) + "Type", MODULE_LEVEL_RESERVED)


def constant(name: str) -> str:
    return snake(name).upper().rstrip("_")


def unique(names: list[str], taken: set[str] | None = None) -> list[str]:
    """Make names unique in order: session_id, session_id_2, ..."""
    seen = set(taken or ())
    out = []
    for name in names:
        candidate, n = name, 2
        while candidate.lower() in seen:
            candidate = f"{name}_{n}"
            n += 1
        seen.add(candidate.lower())
        out.append(candidate)
    return out


def function_name(snake_name: str, module_names: set[str]) -> str:
    """A query function's name, kept clear of what its module imports and the builtins it uses:
    a query named List or Datetime gives `list_`, `datetime_` (as keywords give `class_`)."""
    return _unshadowed(snake_name, module_names | MODULE_BUILTINS | MODULE_LEVEL_RESERVED)


def field_names(columns: list[str]) -> list[str]:
    """Row field names: valid, not starting with '_' (NamedTuple forbids it), unique."""
    names = []
    for col in columns:
        name = identifier(col)
        if name in TUPLE_METHODS or name in FIELD_RESERVED:
            name += "_"
        names.append(name)
    return unique(names)


def module_name(stem: str) -> str:
    return identifier(stem.lower(), "queries")


def argument_names(names: list[str], module_names: frozenset[str] = frozenset()) -> list[str]:
    """A function's argument names. `module_names` are the module-level names its body reads (the
    SQL constants): an argument of that name would shadow one (a column "FALSE" beside
    a query named False made `conn.execute(FALSE, (FALSE,))` send the argument as the SQL)."""
    out = []
    for name in names:
        arg = identifier(name, "arg")
        out.append(arg + "_" if arg in ARGUMENT_RESERVED or arg in module_names else arg)
    return unique(out, set(module_names))
