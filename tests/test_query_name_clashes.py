"""Query names that differ only in style (`GetAuthor`, `Get_Author`, `get_author`) would share a
generated function name, SQL constant and row reader: `list_t()` once ran `List_T`'s DELETE. They
are one name, refused with a located error naming both queries, within a file and across files.
Names that stay distinct get their own function, constant and reader, proven by calling every
generated function on a real SQLite file and seeing it run its own query."""

from __future__ import annotations

import ast
import itertools
import sqlite3
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen.python import naming
from tests._support import import_module, imported, make_project, run_cli

SCHEMA = {"1.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"}


def spell(words: list[str], style: int) -> str:
    """One spelling of a name made of words: GetAuthor, get_author, Get_Author, getAuthor, GET_AUTHOR."""
    if style == 0:  # (`Get` and `get` are the same name already: SQL names ignore case)
        return "".join(w.capitalize() for w in words)
    if style == 1:
        return "_".join(w.lower() for w in words)
    if style == 2:
        return "_".join(w.capitalize() for w in words)
    if style == 3:
        return words[0].lower() + "".join(w.capitalize() for w in words[1:])
    return "_".join(w.upper() for w in words)


words = st.lists(st.sampled_from(["get", "list", "t", "a", "b", "id", "by", "x1", "str"]), min_size=1, max_size=3)


def query(name: str, command: str = "one") -> str:
    # Each query answers with its own name, so a function running another's SQL shows.
    return f"-- name: {name} :{command}\nSELECT '{name}' AS which, count(*) AS n FROM t;\n\n"


def test_style_variants_in_one_file_are_a_located_error(tmp_path: Path) -> None:
    make_project(tmp_path, SCHEMA, {"q.sql": "-- name: ListT :many\nSELECT id FROM t;\n\n"
                                             "-- name: List_T :exec\nDELETE FROM t;\n"})
    result = run_cli(tmp_path)
    assert result.code == 1 and "Traceback" not in result.stderr
    assert result.errors == ["queries/q.sql:4:1: error: query name 'List_T' gives the Python name 'list_t', as does "
                             "query 'ListT' (defined at queries/q.sql:1); rename one"]
    assert not (tmp_path / "gen").exists()


def test_style_variants_across_files_are_a_located_error(tmp_path: Path) -> None:
    make_project(tmp_path, SCHEMA, {"a.sql": query("GetBook"), "b.sql": query("Other") + query("get_book")})
    result = run_cli(tmp_path)
    assert result.code == 1
    assert result.errors == ["queries/b.sql:4:1: error: query name 'get_book' gives the Python name 'get_book', as "
                             "does query 'GetBook' (defined at queries/a.sql:1); rename one"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.tuples(words, st.integers(0, 4)), min_size=2, max_size=4), split=st.booleans())
def test_drawn_names_clash_exactly_when_their_python_names_do(tmp_path_factory: object, names: list[tuple[list[str], int]],
                                                              split: bool) -> None:
    root: Path = tmp_path_factory.mktemp("names")  # type: ignore[attr-defined]
    spelled = list(dict.fromkeys(spell(w, style) for w, style in names))  # exact repeats aside
    files = {f"q{i}.sql" if split else "q.sql": "" for i in range(len(spelled))}
    for i, name in enumerate(spelled):
        files[f"q{i}.sql" if split else "q.sql"] += query(name, "one" if i % 2 else "many")
    make_project(root, SCHEMA, files)
    result = run_cli(root)

    def clash(a: str, b: str) -> bool:
        return naming.snake(a) == naming.snake(b) or a.lower() == b.lower()

    pairs = list(itertools.combinations(spelled, 2))
    if any(clash(a, b) for a, b in pairs):
        assert result.code == 1 and "Traceback" not in result.stderr
        registered: list[str] = []  # names accepted so far; a clashing one is reported against the first
        for b in spelled:
            earlier = [a for a in registered if clash(a, b)]
            if not earlier:
                registered.append(b)
            else:
                a = earlier[0]
                named = (f"duplicate query name {b!r}" if a.lower() == b.lower() else f"query name {b!r}", f"{a!r}")
                assert any(all(part in e for part in named) for e in result.errors), result.stderr
        return
    assert result.code == 0, result.stderr
    conn = sqlite3.connect(root / "t.db")
    conn.executescript(SCHEMA["1.sql"])
    with imported(root / "gen") as package:
        for file in files:
            module = import_module(package, f"queries.{file[:-4]}")
            tree = ast.parse(Path(module.__file__).read_text())  # type: ignore[arg-type]
            top = [t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)]
            top += [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
            assert len(top) == len(set(top)), f"a module-level name is bound twice: {sorted(top)}"
        for i, name in enumerate(spelled):
            module = import_module(package, f"queries.{f'q{i}' if split else 'q'}")
            got = getattr(module, naming.function_name(naming.snake(name), set()))(conn)  # List: list_
            row = got[0] if isinstance(got, list) else got
            assert row.which == name
