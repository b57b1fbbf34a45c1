"""Splitting query files into annotated blocks: `-- name: Name :command` headers, docs, errors."""

from __future__ import annotations

import pytest

from codegen.engines.sqlite.engine import SQLITE
from codegen.annotate import COMMANDS, split_blocks
from codegen.source import SourceFile
from codegen.sqltext import split_statements


def blocks_of(text: str, allow_unannotated: bool = False):  # type: ignore[no-untyped-def]
    return split_blocks(SourceFile.of("q.sql", text), SQLITE, allow_unannotated)


def errors_of(text: str) -> list[str]:
    return [str(e) for e in blocks_of(text)[1]]


def test_headers_name_command_line_and_statement() -> None:
    text = ("-- name: GetUser :one\nSELECT * FROM users WHERE id = ?;\n\n"
            "-- name: ListUsers :many\nSELECT *\nFROM users;\n")
    blocks, errors = blocks_of(text)
    assert errors == []
    assert [(b.name, b.command, b.line) for b in blocks] == [("GetUser", "one", 1), ("ListUsers", "many", 4)]
    assert [b.statement.text for b in blocks] == ["SELECT * FROM users WHERE id = ?", "SELECT *\nFROM users"]
    assert [b.statement.position() for b in blocks] == [(2, 1), (5, 1)]


@pytest.mark.parametrize("command", ["one", "many", "exec", "execrows", "execlastid"])
def test_every_command(command: str) -> None:
    blocks, errors = blocks_of(f"-- name: Q :{command}\nDELETE FROM t;")
    assert errors == [] and blocks[0].command == command
    assert command in COMMANDS


def test_header_spacing_case_and_block_comments() -> None:
    text = ("--name:A :ONE\nSELECT 1;\n"
            "   --   name:   B   :many   \nSELECT 2;\n"
            "/* name: C :exec */\nDELETE FROM t;\n"
            "-- name: D :execrows -- a trailing comment is fine\nDELETE FROM t;\n")
    blocks, errors = blocks_of(text)
    assert errors == []
    assert [(b.name, b.command) for b in blocks] == [("A", "one"), ("B", "many"), ("C", "exec"), ("D", "execrows")]


def test_statement_without_semicolon_at_end_of_file() -> None:
    blocks, errors = blocks_of("-- name: A :many\nSELECT 1\n")
    assert errors == [] and blocks[0].statement.text == "SELECT 1"


def test_comments_inside_and_around_the_statement() -> None:
    text = "-- name: A :many\nSELECT 1, -- one\n  /* two */ 2;\n-- trailing comment only\n"
    blocks, errors = blocks_of(text)
    assert errors == []
    assert blocks[0].statement.text.startswith("SELECT 1, -- one")


def test_semicolons_in_strings_and_comments_do_not_split() -> None:
    text = "-- name: A :many\nSELECT 'a;b', \"c;d\" /* ; */ FROM t -- ;\nWHERE x = ';';\n"
    blocks, errors = blocks_of(text)
    assert errors == []
    assert blocks[0].statement.text.endswith("WHERE x = ';'")


# -- docs ------------------------------------------------------------------------------------

def test_doc_comments() -> None:
    text = ("-- Not a doc: a blank line separates it.\n\n"
            "-- First line.\n--   indented\n--\n-- Last line.\n-- name: A :one\nSELECT 1;\n\n"
            "-- name: B :one\n-- Below the header.\n-- Two lines.\nSELECT 2;\n\n"
            "-- name: C :one\nSELECT 3;\n")
    blocks, errors = blocks_of(text)
    assert errors == []
    assert [b.doc for b in blocks] == ["First line.\n  indented\n\nLast line.", "Below the header.\nTwo lines.", ""]


def test_a_previous_header_is_not_part_of_the_doc() -> None:
    blocks, errors = blocks_of("-- name: A :exec\n-- name: B :exec\nDELETE FROM t;\n")
    names = [b.name for b in blocks]
    assert "B" in names and all("name:" not in b.doc for b in blocks)


# -- errors ----------------------------------------------------------------------------------

def test_invalid_names() -> None:
    assert errors_of("-- name: 1abc :one\nSELECT 1;\n-- name: a-b :one\nSELECT 1;\n-- name: :one\nSELECT 1;\n") == [
        "q.sql:1:10: error: invalid query name '1abc'",
        "q.sql:3:10: error: invalid query name 'a-b'",
        "q.sql:5:10: error: invalid query name ':one'",
    ]


def test_invalid_or_missing_command() -> None:
    errors = errors_of("-- name: A :all\nSELECT 1;\n-- name: B\nSELECT 1;\n-- name: C one\nSELECT 1;\n")
    assert [e.split(": error: ")[0] for e in errors] == ["q.sql:1:12", "q.sql:3:11", "q.sql:5:12"]
    assert "query A: invalid command ':all', expected one of :one, :many" in errors[0]
    assert errors[1].startswith("q.sql:3:11: error: query B: invalid command")
    assert "query C: invalid command 'one'" in errors[2]


def test_text_after_the_command() -> None:
    assert errors_of("-- name: A :one extra words\nSELECT 1;\n") == [
        "q.sql:1:17: error: query A: unexpected 'extra words' after the command"]


def test_header_without_a_statement() -> None:
    assert errors_of("-- name: A :one\n-- just a comment\n\n-- name: B :one\nSELECT 1;\n") == [
        "q.sql:1:1: error: query A has no SQL statement"]


def test_statements_without_a_header() -> None:
    text = "SELECT 0;\n-- name: A :many\nSELECT 1;\n  SELECT 2;\n"
    blocks, errors = blocks_of(text)
    assert [str(e) for e in errors] == [
        "q.sql:1:1: error: statement without a header (add `-- name: Name :command`)",
        "q.sql:4:3: error: statement without a header (add `-- name: Name :command`)",
    ]
    assert [b.name for b in blocks] == ["A"]


def test_unannotated_statements_allowed_in_a_schema_file() -> None:
    text = "CREATE TABLE t (id INTEGER);\n-- name: A :many\nSELECT id FROM t;\n"
    blocks, errors = blocks_of(text, allow_unannotated=True)
    assert errors == [] and [b.name for b in blocks] == ["A"]


def test_header_text_inside_a_string_is_not_a_header() -> None:
    """A `-- name:` line inside a multi-line string literal is part of the string."""
    text = "-- name: A :many\nSELECT '\n-- name: B :one\n' AS s;\n"
    blocks, errors = blocks_of(text)
    assert errors == []
    assert [b.name for b in blocks] == ["A"]


# -- statement splitting --------------------------------------------------------------------

def test_trigger_body_is_one_statement() -> None:
    text = ("CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  INSERT INTO b VALUES (1);\n"
            "  UPDATE c SET x = CASE WHEN y THEN 1 ELSE 2 END;\nEND;\nSELECT 1;\n")
    statements = split_statements(SourceFile.of("s.sql", text), SQLITE)
    assert len(statements) == 2
    assert statements[0].text.endswith("END")
    assert statements[1].position() == (5, 1)


def test_begin_transaction_is_not_a_trigger_body() -> None:
    statements = split_statements(SourceFile.of("s.sql", "BEGIN;\nCREATE TABLE a (x INT);\nCOMMIT;\n"), SQLITE)
    assert [s.text for s in statements] == ["BEGIN", "CREATE TABLE a (x INT)", "COMMIT"]
