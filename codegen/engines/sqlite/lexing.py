"""How SQLite text is cut into lexemes (codegen.sqltext): `$name` is a parameter and [name] a
quoted identifier. A module of its own so the engine's helpers (sandbox, introspection) lex
without importing the engine object."""

from __future__ import annotations

from ...sqltext import lexer_pattern

lexer = lexer_pattern(bracket=r"|\[[^\]]*(?:\]|\Z)")
# What SQLite's tokenizer skips between tokens (its CC_SPACE class, and a UTF-8 byte order mark,
# CC_BOM); any other character, even one Python calls whitespace, is part of a name or refused.
blanks = " \t\n\f\r\ufeff"
