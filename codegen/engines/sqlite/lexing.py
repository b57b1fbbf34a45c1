"""How SQLite text is cut into lexemes (codegen.sqltext): `$name` is a parameter and [name] a
quoted identifier. A module of its own so the engine's helpers (sandbox, introspection) lex
without importing the engine object."""

from __future__ import annotations

from ...sqltext import lexer_pattern

lexer = lexer_pattern(bracket=r"|\[[^\]]*(?:\]|\Z)")
