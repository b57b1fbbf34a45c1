"""COLLATE the server refuses when it prepares the query: a value of a type that has no collation
(`age COLLATE "C"`: collations are not supported by type integer), or a collation no server has.

Which collations a server has depends on its operating system's locales and its ICU, so a name is
refused only when it is none of those every server has, none the migrations create (CREATE
COLLATION) and no locale's name at all (`"nosuch"`; `"en_US"`, `"de-DE-x-icu"`, `"C.utf8"` are
left to the server).
"""

from __future__ import annotations

import re

from sqlglot import exp

from ... import ir
from . import coherence

# Collations of every server (pg_c_utf8, pg_unicode_fast and unicode of newer ones, or ICU builds)
_EVERYWHERE = {"default", "C", "POSIX", "ucs_basic", "pg_c_utf8", "pg_unicode_fast", "unicode"}
_LOCALE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*(?:\.[\w-]+)?(?:@\w+)?|C\.[\w-]+|und(?:-.*)?|.*-x-icu",
                     re.DOTALL)
# Families of types with no collation (text, varchar, char, name and citext have one).
_NOT_COLLATABLE = {"number", "boolean", "datetime", "time", "interval", "uuid", "bytea"}


def _name(node: exp.Expr) -> str | None:
    """The collation named (as the server looks it up: folded unless quoted), None when qualified
    by a schema other than pg_catalog or not read here."""
    schema = None
    if isinstance(node, exp.Column):
        schema = node.table or None
        node = node.this
    if schema is not None and schema.lower() != "pg_catalog":
        return None
    if isinstance(node, exp.Identifier):
        return str(node.this) if node.quoted else str(node.this).lower()
    if isinstance(node, exp.Var):
        return str(node.this).lower()
    return None


def problem(node: exp.Collate, t: ir.ValueType, created: set[str]) -> tuple[str, exp.Expr] | None:
    kind = coherence.family(t)
    if kind in _NOT_COLLATABLE or (kind or "").startswith("enum "):
        return f"collations are not supported by type {coherence.spoken(str(kind))}", node.this
    name = _name(node.expression)
    if name is None or name in _EVERYWHERE or name in created or name.lower() in {c.lower() for c in created} \
            or _LOCALE.fullmatch(name):
        return None
    return f'collation "{name}" for encoding "UTF8" does not exist (nor is it a locale\'s name)', node.expression


__all__ = ["problem"]
