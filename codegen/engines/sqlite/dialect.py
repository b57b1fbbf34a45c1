"""sqlglot's SQLite dialect, as codegen reads SQLite."""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.sqlite import SQLite


class CodegenSQLite(SQLite):
    """sqlglot's SQLite dialect, except mod(): sqlglot reads it as the % operator, but SQLite's
    mod() is a math function returning a real (mod(5, 2) is 1.0) while % is integer arithmetic.
    sqlglot registers a dialect under its lower-cased class name: `codegensqlite`."""

    class Parser(SQLite.Parser):  # type: ignore[misc,valid-type]  # sqlglot declares Parser as a class attribute
        FUNCTIONS = {**SQLite.Parser.FUNCTIONS,
                     "MOD": lambda args: exp.Anonymous(this="MOD", expressions=args)}


NAME = "codegensqlite"
