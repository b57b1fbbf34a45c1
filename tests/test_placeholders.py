"""Parameter discovery, numbering and rewriting, with offsets mapped back to the text as written."""

from __future__ import annotations

import re
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codegen.engines.sqlite.engine import SQLITE
from codegen.errors import Located
from codegen.placeholders import PLACEHOLDER, for_analysis, for_execution, scan


def summary(text: str) -> list[tuple[int, str | None, int | None, bool, bool, list[int]]]:
    """(index, name, number, nullable, slice, offsets) per parameter."""
    return [(p.index, p.name, p.number, p.nullable, p.slice, p.offsets) for p in scan(text, SQLITE).params]


def test_anonymous_parameters_are_numbered_in_order() -> None:
    text = "SELECT * FROM t WHERE a = ? AND b = ?"
    assert summary(text) == [(0, None, 1, False, False, [26]), (1, None, 2, False, False, [36])]


def test_numbered_parameters_and_reuse() -> None:
    text = "SELECT ?2, ?1, ?2"
    assert summary(text) == [(0, None, 1, False, False, [11]), (1, None, 2, False, False, [7, 15])]


def test_anonymous_after_numbered_takes_the_next_number() -> None:
    """SQLite: a bare ? is one more than the largest number used so far."""
    params = scan("SELECT ?5, ?, :x", SQLITE).params
    assert [(p.name, p.number) for p in params] == [(None, 5), (None, 6), ("x", 7)]


def test_named_styles_and_reuse() -> None:
    params = scan("SELECT :a, @b, $c, :a, :A", SQLITE).params
    assert [(p.name, p.number, len(p.offsets)) for p in params] == [("a", 1, 3), ("b", 2, 1), ("c", 3, 1)]


def test_sqlite_agrees_on_the_number_of_parameters() -> None:
    for text in ["SELECT ?, ?", "SELECT ?2, ?1, ?2", "SELECT ?5, ?", "SELECT :a, @b, $c, :a", "SELECT ?3"]:
        conn = sqlite3.connect(":memory:")
        with pytest.raises(sqlite3.ProgrammingError) as info:
            conn.execute(text, ())
        wanted = int(re.search(r"uses (\d+)", str(info.value)).group(1))  # type: ignore[union-attr]
        params = scan(text, SQLITE).params
        assert max(p.number or 0 for p in params) == wanted, text


@pytest.mark.parametrize("text", [
    "SELECT '?', ':a', '@b', '$c'",
    "SELECT \"col?\", [x:y], `z@w` FROM t",
    "SELECT 1 -- ? :a\n",
    "SELECT /* ? :a @b */ 1",
    "SELECT a::text FROM t",
    "SELECT x'3f3f'",
])
def test_no_parameters_in_strings_identifiers_comments_or_casts(text: str) -> None:
    assert scan(text, SQLITE).params == []


@pytest.mark.parametrize("text, name", [
    ("sqlc.arg(user_id)", "user_id"),
    ("sqlc.arg('user_id')", "user_id"),
    ('sqlc.arg("user_id")', "user_id"),
    ("sqlc . arg ( user_id )", "user_id"),
    ("SQLC.ARG(user_id)", "user_id"),
])
def test_sqlc_arg_spellings(text: str, name: str) -> None:
    found = scan(f"SELECT {text} FROM t", SQLITE)
    assert [(p.name, p.nullable, p.slice) for p in found.params] == [(name, False, False)]
    assert for_analysis(f"SELECT {text} FROM t", found).text == f"SELECT :{PLACEHOLDER}0 FROM t"


def test_sqlc_narg_slice_and_embed() -> None:
    text = "SELECT sqlc.embed(users), x FROM users WHERE a = sqlc.narg(a) AND id IN (sqlc.slice(ids)) AND b = :a"
    found = scan(text, SQLITE)
    assert [(p.name, p.nullable, p.slice) for p in found.params] == [("a", True, False), ("ids", False, True)]
    assert found.embeds == ["users"]
    assert for_analysis(text, found).text == \
        "SELECT users.*, x FROM users WHERE a = :__p0 AND id IN (:__p1) AND b = :__p0"
    sql, slots = for_execution(text, found, SQLITE)
    assert sql == "SELECT users.*, x FROM users WHERE a = ? AND id IN (/*SLICE:1*/?) AND b = ?"
    assert slots == [0, 1, 0]


def test_slice_written_without_parentheses_gets_them() -> None:
    # `x IN ?` is a syntax error in SQLite: `IN sqlc.slice(ids)` (as real projects write it) is
    # sent and analysed as `IN (...)`; a slice already in parentheses is left alone.
    text = "SELECT id FROM t WHERE id in /* ids */ sqlc.slice(ids) AND k NOT IN (sqlc.slice('ks'))"
    found = scan(text, SQLITE)
    assert for_analysis(text, found).text == \
        "SELECT id FROM t WHERE id in /* ids */ (:__p0) AND k NOT IN (:__p1)"
    sql, _ = for_execution(text, found, SQLITE)
    assert sql == "SELECT id FROM t WHERE id in /* ids */ (/*SLICE:0*/?) AND k NOT IN (/*SLICE:1*/?)"


def test_embed_of_a_quoted_table_name() -> None:
    text = "SELECT sqlc.embed(\"order items\") FROM \"order items\""
    found = scan(text, SQLITE)
    assert for_analysis(text, found).text == 'SELECT "order items".* FROM "order items"'


def test_execution_text_has_one_marker_per_occurrence() -> None:
    text = "UPDATE t SET a = ?2, b = :x WHERE c = ?2 OR d = ?1"
    found = scan(text, SQLITE)
    sql, slots = for_execution(text, found, SQLITE)
    assert sql == "UPDATE t SET a = ?, b = ? WHERE c = ? OR d = ?"
    # parameters: ?1 (index 0), ?2 (index 1), :x (number 3, index 2)
    assert slots == [1, 2, 1, 0]


@pytest.mark.parametrize("text, offset", [("SELECT ?0", 7), ("SELECT 1, ?32767", 10)])
def test_parameter_numbers_out_of_range(text: str, offset: int) -> None:
    with pytest.raises(Located) as info:
        scan(text, SQLITE)
    assert "out of range" in info.value.message
    assert info.value.offset == offset


def test_largest_parameter_number_is_accepted() -> None:
    assert [p.number for p in scan("SELECT ?32766", SQLITE).params] == [32766]


def test_offsets_map_back_through_the_rewrite() -> None:
    text = "SELECT a, sqlc.arg(long_name), b FROM t WHERE c = ? AND d = @dd"
    found = scan(text, SQLITE)
    rewritten = for_analysis(text, found)
    assert rewritten.text == "SELECT a, :__p0, b FROM t WHERE c = :__p1 AND d = :__p2"
    for word in ("a,", "b FROM", "t WHERE", "c =", "d ="):
        assert rewritten.original_offset(rewritten.text.index(word)) == text.index(word)
    # Inside a replacement: the start of what it replaced.
    assert rewritten.original_offset(rewritten.text.index(":__p0") + 3) == text.index("sqlc.arg")
    assert rewritten.original_offset(rewritten.text.index(":__p2")) == text.index("@dd")
    assert rewritten.original_offset(len(rewritten.text)) == len(text)


_PARAM = st.sampled_from(["?", "?3", ":name", "@other", "$third", "sqlc.arg(x)", "sqlc.narg('y')", "sqlc.slice(ids)"])
_WORD = st.sampled_from(["SELECT", "a", "b_1", "=", "AND", ",", "(", ")", "'str ? :x'", "\"q?\"", "-- ?\n", "/* :z */",
                         "1", "  ", "\n"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_PARAM, _WORD), min_size=1, max_size=25))
def test_rewrite_keeps_everything_else_and_maps_offsets(parts: list[str]) -> None:
    text = " ".join(parts)
    found = scan(text, SQLITE)
    rewritten = for_analysis(text, found)
    # Outside replacements every character maps back to the same character.
    covered = set()
    for new_start, new_len, _, _ in rewritten.edits:
        covered.update(range(new_start, new_start + new_len))
    for i, ch in enumerate(rewritten.text):
        if i not in covered:
            assert text[rewritten.original_offset(i)] == ch
    # The execution text has exactly one bind slot per parameter occurrence.
    sql, slots = for_execution(text, found, SQLITE)
    assert len(slots) == sum(len(p.offsets) for p in found.params)
    assert all(0 <= s < len(found.params) for s in slots)
    assert sql.count("/*SLICE:") == sum(len(p.offsets) for p in found.params if p.slice)
