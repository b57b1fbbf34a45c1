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
    return part_text(before[name], "up") != part_text(after[name], "up")


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
