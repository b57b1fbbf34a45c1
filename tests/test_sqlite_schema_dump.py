"""A project adopting codegen on an existing SQLite file starts from the sqlite3 shell's `.schema`
(the `sql` of every sqlite_schema row). Generated from that copy, the package must be the one the
migrations that built the file generate, and its migrate() must build the same schema.

It did not: `.schema` lists SQLite's own `CREATE TABLE sqlite_sequence(name,seq)` (made by the first
AUTOINCREMENT table), which generation and verify read as a declaration of what SQLite already has
(sqlc projects declare sqlite_master so), and the generated migrate() ran, so every migration of
such a project failed ("object name reserved for internal use"). The runner now skips it as they do.

Oracle: the package generated from this repository's own migrations, and the schema they build."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from _support import generate, import_module, imported, read_tree

REPO = Path(__file__).resolve().parent.parent


def _schema_rows(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return sorted(conn.execute("SELECT name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name <> "
                               "'schema_migrations' AND name NOT LIKE 'sqlite_autoindex%'").fetchall())


def test_sqlite_a_schema_copied_from_the_shell_generates_and_migrates_as_its_migrations(tmp_path: Path) -> None:
    migrations = {p.name: p.read_text(encoding="utf-8") for p in sorted((REPO / "schema").glob("*.up.sql"))}
    queries = {p.name: p.read_text(encoding="utf-8") for p in sorted((REPO / "queries").glob("*.sql"))}
    built = sqlite3.connect(tmp_path / "built.db")
    for text in migrations.values():
        built.executescript(text)
    dump = "".join(f"{sql};\n" for (sql,) in built.execute("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL"))
    assert dump.startswith("CREATE TABLE sqlite_sequence")  # the shell's .schema lists SQLite's own table
    expected = _schema_rows(built)
    built.close()

    from_migrations = generate(tmp_path / "migrations", migrations, queries, out="pkg")
    from_dump = generate(tmp_path / "dump", {"000001_dump.up.sql": dump}, queries, out="pkg")
    ours, theirs = read_tree(from_migrations), read_tree(from_dump)
    # the same query modules and models but for the model of SQLite's own table
    assert {n: t for n, t in ours.items() if n.startswith(("queries/", "aio/"))} == {
        n: t for n, t in theirs.items() if n.startswith(("queries/", "aio/"))}
    classes = {name: set(re.findall(rb"\nclass (\w+)", tree["models.py"])) for name, tree in (("ours", ours),
                                                                                             ("theirs", theirs))}
    assert classes["theirs"] == classes["ours"] | {b"SqliteSequence"}

    with imported(from_dump) as package:
        result = import_module(package, "migrations").migrate(tmp_path / "fresh.db")
        assert result.steps == ("000001_dump",)
    fresh = sqlite3.connect(tmp_path / "fresh.db")
    assert _schema_rows(fresh) == expected
    fresh.close()
