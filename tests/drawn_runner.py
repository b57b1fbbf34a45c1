"""Drawn trouble for the generated migration runner (tests/test_drawn_runner*.py): edits to
migration files that were already applied, and the oracle saying which of them the runner must
refuse.

A project is migration_project's three steps in a drawn layout (golang-migrate, goose, dbmate,
plain files). An edit touches one file's up or down part: a comment line, a blank line, a
statement, or its last line removed. What the runner must refuse is decided here on the text
alone, apart from codegen's own reading of the files: an applied migration is edited exactly when
the SQL of its up part (goose's and dbmate's up sections, the whole of any other file) changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from migration_project import LAYOUTS, STEPS, file_name, schema_files

# goose's and dbmate's section markers, written here apart from codegen/sources.py.
_MARKER = re.compile(r"^--\s*(?:\+goose\s+|migrate:)(Up|Down|up|down)\s*$", re.MULTILINE)

EDITS = ("comment", "blank line", "statement", "drop last line")


@dataclass(frozen=True)
class Edit:
    number: int  # 1-based: which migration
    part: str  # "up" or "down"
    kind: str  # one of EDITS

    def apply(self, text: str) -> str:
        """`text` (the part's own text, ending with a newline) edited."""
        if self.kind == "comment":
            return text + "-- reviewed\n"
        if self.kind == "blank line":
            return text + "\n"
        if self.kind == "statement":
            return text + "SELECT 1;\n"
        lines = text.splitlines(keepends=True)
        return "".join(lines[:-1]) if lines else text


@st.composite
def edits(draw: st.DrawFn, layout: str) -> Edit:
    parts = ["up"] if layout == "plain" else ["up", "down"]
    return Edit(draw(st.integers(1, len(STEPS)), label="edited migration"), draw(st.sampled_from(parts), label="part"),
                draw(st.sampled_from(EDITS), label="edit"))


layouts = st.sampled_from(LAYOUTS)


def sections(text: str) -> list[tuple[str, str]]:
    """A goose or dbmate file as (direction, text) sections; ("up", text) for any other file. The
    text before the first marker counts as up, as both tools run it with the up section."""
    marks = list(_MARKER.finditer(text))
    if not marks:
        return [("up", text)]
    found = [("up", text[: marks[0].start()])]
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        found.append((mark.group(1).lower(), text[mark.start():end]))
    return found


def part_text(text: str, part: str) -> str:
    return "".join(t for d, t in sections(text) if d == part)


def edited_files(layout: str, edit: Edit) -> dict[str, str]:
    """The schema files of the layout with `edit` made: {file name: text}."""
    files = schema_files(layout)
    name = file_name(layout, edit.number, STEPS[edit.number - 1].name)
    if layout == "golang-migrate":
        if edit.part == "down":
            name = name.replace(".up.sql", ".down.sql")
        files[name] = edit.apply(files[name])
        return files
    if layout == "plain":
        files[name] = edit.apply(files[name])
        return files
    done = []
    for direction, text in sections(files[name]):
        done.append(edit.apply(text) if direction == edit.part else text)
    files[name] = "".join(done)
    return files


def up_changed(layout: str, edit: Edit) -> bool:
    """The oracle: whether the edit changed the up SQL of its migration."""
    before, after = schema_files(layout), edited_files(layout, edit)
    name = file_name(layout, edit.number, STEPS[edit.number - 1].name)
    if layout in ("goose", "dbmate"):
        # Blank lines closing the up section, before the down marker, belong to no statement:
        # codegen reads the section as ending at its last line of SQL.
        return part_text(before[name], "up").rstrip() != part_text(after[name], "up").rstrip()
    return before[name] != after[name]  # any other file's text is its up SQL, byte for byte


def down_sql(layout: str, files: dict[str, str], number: int) -> str:
    """The down SQL of migration `number` in `files`, as the tools read it ("" for a plain file)."""
    name = file_name(layout, number, STEPS[number - 1].name)
    if layout == "golang-migrate":
        return files.get(name.replace(".up.sql", ".down.sql"), "")
    if layout == "plain":
        return ""
    return re.sub(_MARKER, "", part_text(files[name], "down"))


def up_sql(layout: str, files: dict[str, str], number: int) -> str:
    name = file_name(layout, number, STEPS[number - 1].name)
    return re.sub(_MARKER, "", part_text(files[name], "up"))


def write_schema(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / "schema" / name).write_text(text, encoding="utf-8")


# -- PostgreSQL migrations that change their session (search_path), and SQL-standard bodies -----------

PG_DUMP_PREAMBLE = ["SET statement_timeout = 0", "SET lock_timeout = 0", "SET client_encoding = 'UTF8'",
                    "SET standard_conforming_strings = on", "SELECT pg_catalog.set_config('search_path', '', false)",
                    "SET check_function_bodies = false", "SET client_min_messages = warning"]
_SCHEMAS = ("public", "s_a", "s_b")


@st.composite
def session_histories(draw: st.DrawFn) -> list[list[str]]:
    """Migrations (1 to 4) that create schemas, tables and functions (some with BEGIN ATOMIC
    bodies), named with their schema or not, around statements that change the search_path for
    the rest of the session (SET, set_config as pg_dump writes it) or of the transaction (SET
    LOCAL). Statements the database refuses where they stand are left out by the caller."""
    migrations: list[list[str]] = []
    serial = 0
    for number in range(draw(st.integers(1, 4))):
        statements: list[str] = []
        if number == 0 and draw(st.booleans()):
            statements += PG_DUMP_PREAMBLE
        for _ in range(draw(st.integers(1, 5))):
            serial += 1
            kind = draw(st.sampled_from(["schema", "set", "set local", "set_config", "table", "table", "function"]))
            schema = draw(st.sampled_from(_SCHEMAS))
            if kind == "schema":
                statements.append(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            elif kind in ("set", "set local"):
                path = ", ".join(draw(st.lists(st.sampled_from(_SCHEMAS), min_size=1, max_size=2, unique=True)))
                statements.append(f"SET {'LOCAL ' if kind == 'set local' else ''}search_path TO {path}")
            elif kind == "set_config":
                statements.append(f"SELECT pg_catalog.set_config('search_path', '{draw(st.sampled_from(('', schema)))}', "
                                  "false)")
            elif kind == "table":
                name = f"{schema}.t_{serial}" if draw(st.booleans()) else f"t_{serial}"
                statements.append(f"CREATE TABLE {name} (id integer PRIMARY KEY, label text)")
            else:
                name = f"{schema}.f_{serial}" if draw(st.booleans()) else f"f_{serial}"
                statements.append(f"CREATE FUNCTION {name}(x integer) RETURNS integer LANGUAGE sql\n"
                                  "BEGIN ATOMIC\n  SELECT 1;\n  SELECT CASE WHEN x > 0 THEN x ELSE 0 END;\nEND")
        migrations.append(statements)
    return migrations


@st.composite
def run_splits(draw: st.DrawFn, n: int) -> list[int]:
    """The targets of successive runs that apply n migrations: [n] is one run, [1, 3, n] three."""
    cuts = draw(st.lists(st.integers(1, n - 1), unique=True, max_size=n - 1)) if n > 1 else []
    return sorted(cuts) + [n]


# -- SQLite steps that may leave foreign keys dangling, naming their tables every way SQL can -----------

_FK_NAMES = ("p_plain", "group", "Odd Table", "order-items", 'a"b', "c_plain", "Child Rows", "x.y")


def spellings(name: str) -> list[str]:
    """Every way a statement may name table `name`: "quoted", `quoted`, [quoted], bare where it
    can be, and each of them after main."""
    quoted = ['"' + name.replace('"', '""') + '"', "`" + name.replace("`", "``") + "`"]
    if "]" not in name:
        quoted.append(f"[{name}]")
    if name.isidentifier() and name.lower() != "group":
        quoted.append(name)
    return quoted + [f"main.{q}" for q in quoted]


@st.composite
def foreign_key_histories(draw: st.DrawFn) -> list[list[str]]:
    """A parent and a child table (drawn names, some needing quotes) with rows that hold, then
    migrations that delete, re-key and insert rows of either, each naming its table a drawn way:
    some leave a child row whose parent is gone."""
    parent, child = draw(st.lists(st.sampled_from(_FK_NAMES), min_size=2, max_size=2, unique=True))

    def p() -> str:
        return draw(st.sampled_from(spellings(parent)))

    def c() -> str:
        return draw(st.sampled_from(spellings(child)))

    key = st.integers(1, 4)
    history = [[f"CREATE TABLE {p()} (id INTEGER PRIMARY KEY)",
                f"CREATE TABLE {c()} (id INTEGER PRIMARY KEY, p INTEGER REFERENCES {spellings(parent)[0]} (id))",
                f"INSERT INTO {p()} (id) VALUES (1), (2), (3)",
                f"INSERT INTO {c()} (id, p) VALUES (1, 1), (2, 2), (3, NULL)"]]
    for _ in range(draw(st.integers(1, 3))):
        step = []
        for _ in range(draw(st.integers(1, 2))):
            step.append(draw(st.sampled_from([
                f"DELETE FROM {p()} WHERE id = {draw(key)}",
                f"UPDATE {p()} SET id = id + 10 WHERE id = {draw(key)}",
                f"INSERT INTO {p()} (id) VALUES ({draw(key) + 20})",
                f"INSERT INTO {c()} (id, p) VALUES ({draw(key) + 10}, {draw(key)})",
                f"UPDATE {c()} SET p = {draw(key)} WHERE id = {draw(key)}",
                f"DELETE FROM {c()} WHERE p = {draw(key)}",
                f"UPDATE OR IGNORE {p()} SET id = {draw(key)} WHERE id = {draw(key)}",
            ])))
        history.append(step)
    return history
