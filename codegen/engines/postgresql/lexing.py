"""How PostgreSQL text is cut into lexemes (codegen.sqltext). A module of its own so the engine's
helpers (introspection) lex without importing the engine object.

$tag$...$tag$ is a string and [ ] index arrays; E'...' is an escape string, in which a backslash
escapes the next character (E'\\'' holds one quote); a line starting with a backslash is a psql
meta-command (pg_dump writes \\connect, \\restrict...), which the server never sees, so it lexes as
a comment.
"""

from __future__ import annotations

from ...sqltext import lexer_pattern

lexer = lexer_pattern(escape=r"| (?P<escaped>[eE]'(?:[^'\\]|''|\\.)*(?:'|\Z))",
                      dollar=r"| (?P<dollar>\$(?P<tag>[A-Za-z_]\w*|)\$.*?(?:\$(?P=tag)\$|\Z))"
                      r"| (?P<meta>(?m:^)\\[^\n]*)")
# What PostgreSQL's scanner skips between tokens (`space` in scan.l); a character >= 0x80, even
# one Python calls whitespace, is part of a name.
blanks = " \t\n\r\f\v"
