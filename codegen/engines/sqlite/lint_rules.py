"""SQLite migration rules: what SQLite refuses, what a table rebuild loses, and features newer than
the project's minimum SQLite version."""

from __future__ import annotations

from ...lint.context import FileContext
from ...lint.ddl import StatementView
from ...lint.findings import Finding, at

_CURRENT = {"CURRENT_TIME", "CURRENT_DATE", "CURRENT_TIMESTAMP"}

# (words, minimum version, feature): words are upper-cased lexemes in sequence.
FEATURES: list[tuple[tuple[str, ...], tuple[int, ...], str]] = [
    (("DROP", "COLUMN"), (3, 35, 0), "ALTER TABLE DROP COLUMN"),
    (("RENAME", "COLUMN"), (3, 25, 0), "ALTER TABLE RENAME COLUMN"),
    (("RETURNING",), (3, 35, 0), "RETURNING"),
    (("NULLS", "FIRST"), (3, 30, 0), "NULLS FIRST"),
    (("NULLS", "LAST"), (3, 30, 0), "NULLS LAST"),
    (("OVER",), (3, 25, 0), "window functions"),
    (("FILTER", "(", "WHERE"), (3, 30, 0), "aggregate FILTER"),
    (("DO", "UPDATE"), (3, 24, 0), "upsert (ON CONFLICT DO UPDATE)"),
    (("DO", "NOTHING"), (3, 24, 0), "upsert (ON CONFLICT DO NOTHING)"),
    (("GENERATED", "ALWAYS"), (3, 31, 0), "generated columns"),
    (("STRICT",), (3, 37, 0), "STRICT tables"),
    (("MATERIALIZED",), (3, 35, 0), "MATERIALIZED common table expressions"),
    (("UNIXEPOCH", "("), (3, 38, 0), "unixepoch()"),
    (("IIF", "("), (3, 32, 0), "iif()"),
    (("-", ">"), (3, 38, 0), "the -> / ->> JSON operators"),
    (("RIGHT", "JOIN"), (3, 39, 0), "RIGHT JOIN"),
    (("RIGHT", "OUTER", "JOIN"), (3, 39, 0), "RIGHT JOIN"),
    (("FULL", "JOIN"), (3, 39, 0), "FULL JOIN"),
    (("FULL", "OUTER", "JOIN"), (3, 39, 0), "FULL JOIN"),
    (("IS", "DISTINCT", "FROM"), (3, 39, 0), "IS DISTINCT FROM"),
    (("IS", "NOT", "DISTINCT", "FROM"), (3, 39, 0), "IS NOT DISTINCT FROM"),
    (("FORMAT", "("), (3, 38, 0), "format()"),
    (("UNHEX", "("), (3, 41, 0), "unhex()"),
    (("TIMEDIFF", "("), (3, 43, 0), "timediff()"),
    (("OCTET_LENGTH", "("), (3, 43, 0), "octet_length()"),
    (("CONCAT", "("), (3, 44, 0), "concat()"),
    (("CONCAT_WS", "("), (3, 44, 0), "concat_ws()"),
    (("STRING_AGG", "("), (3, 44, 0), "string_agg()"),
    (("JSONB", "("), (3, 45, 0), "jsonb()"),
    *(((name, "("), (3, 45, 0), "the jsonb functions") for name in (
        "JSONB_ARRAY", "JSONB_OBJECT", "JSONB_EXTRACT", "JSONB_INSERT", "JSONB_REPLACE", "JSONB_SET",
        "JSONB_REMOVE", "JSONB_PATCH", "JSONB_GROUP_ARRAY", "JSONB_GROUP_OBJECT")),
    (("JSON_PRETTY", "("), (3, 46, 0), "json_pretty()"),
]


def version_text(version: tuple[int, ...]) -> str:
    return ".".join(str(p) for p in version)


def too_new(v: StatementView, minimum: tuple[int, ...] | None) -> list[tuple[int, str, tuple[int, ...]]]:
    """(lexeme index, feature, version) of each feature newer than `minimum`."""
    if minimum is None:
        return []
    found = []
    for words, version, feature in FEATURES:
        if version <= minimum:
            continue
        for i in range(len(v.words) - len(words) + 1):
            if tuple(v.words[i:i + len(words)]) != words or v.items[i].kind not in ("word", "punct"):
                continue
            if words == ("-", ">") and v.items[i].end != v.items[i + 1].start:
                continue
            if words == ("STRICT",) and not (i > 0 and v.words[i - 1] in (")", ",")):
                continue  # a table option, not a column named strict
            found.append((i, feature, version))
            break
    return found


def feature_findings(v: StatementView, minimum: tuple[int, ...] | None) -> list[Finding]:
    return [at(v.stmt, "sqlite-feature-too-new",
               f"{feature} needs SQLite {version_text(version)}; sqlite_min_version is {version_text(minimum or ())}",
               v.offset(i)) for i, feature, version in too_new(v, minimum)]


def check(ctx: FileContext, v: StatementView) -> None:
    ctx.findings.extend(feature_findings(v, ctx.sqlite_min_version))
    w = v.words
    if v.starts("PRAGMA") and v.name_at(1) == "foreign_keys" and len(w) > 2 and (ctx.in_transaction or ctx.wrapped):
        where = "after BEGIN" if ctx.in_transaction else "in a file the migration tool runs in a transaction"
        ctx.report(v, "sqlite-pragma-in-transaction", f"PRAGMA foreign_keys {where} changes nothing")
    if not v.starts("ALTER", "TABLE"):
        return
    table = v.name_at(2)
    j = v.name_end(2)
    if w[j:j + 1] == ["ADD"]:
        _add_column(ctx, v, table, j + 1 + (w[j + 1:j + 2] == ["COLUMN"]))
    elif w[j:j + 1] == ["DROP"]:
        _drop_column(ctx, v, table, j + 1 + (w[j + 1:j + 2] == ["COLUMN"]))


def _add_column(ctx: FileContext, v: StatementView, table: str, i: int) -> None:
    w = v.words
    column = v.name_at(i)
    default, not_null, k = None, False, i + 1
    while k < len(w):
        if w[k] == "(":
            k = v.group(k)[1] + 1
            continue
        if w[k] == "NOT" and w[k + 1:k + 2] == ["NULL"]:
            not_null = True
        elif w[k] == "DEFAULT" and k + 1 < len(w):
            default = k + 1
        elif w[k] == "UNIQUE" or (w[k] == "PRIMARY" and w[k + 1:k + 2] == ["KEY"]):
            key = "PRIMARY KEY" if w[k] == "PRIMARY" else "UNIQUE"
            ctx.report(v, "sqlite-add-column-key", f"ADD COLUMN {column} {key}: SQLite refuses it", k)
        k += 1
    value = w[default] if default is not None else None
    if value in _CURRENT or value == "(":
        if value != "(" or not _constant(v, default):  # type: ignore[arg-type]
            ctx.report(v, "sqlite-add-column-non-constant-default",
                       f"ADD COLUMN {column} DEFAULT {'(...)' if value == '(' else value}: SQLite refuses a "
                       "non-constant default", default)  # type: ignore[arg-type]
    elif not_null and (value is None or value == "NULL"):
        ctx.report(v, "sqlite-add-not-null-without-default",
                   f"ADD COLUMN {column} NOT NULL without a default: SQLite refuses it (existing rows would be NULL)", i)


def _constant(v: StatementView, paren: int) -> bool:
    """A parenthesised default SQLite accepts in ADD COLUMN: literals and operators only."""
    start, end = v.group(paren)
    return all(x.kind in ("number", "string", "punct") or v.words[k] in ("NULL", "TRUE", "FALSE")
               for k, x in enumerate(v.items[start:end], start))


def _drop_column(ctx: FileContext, v: StatementView, table: str, i: int) -> None:
    column = v.name_at(i)
    reasons = []
    found = ctx.state.find(None, table)
    col = found.column(column) if found else None
    if col is not None and col.primary_key:
        reasons.append("it is the PRIMARY KEY")
    facts = ctx.objects.tables.get(table)
    if facts and any(column in key for key in facts.keys):
        reasons.append("it is part of a UNIQUE or PRIMARY KEY constraint")
    if facts and column in facts.fk_columns:
        reasons.append("it is used in a foreign key")
    for ix in ctx.objects.indexes_of(table):
        if column in ix.columns:
            reasons.append(f"index {ix.name} uses it")
    for view in ctx.objects.views_reading(table):
        if column in ctx.objects.views[view]:
            reasons.append(f"view {view} reads it")
    for trigger, (on, ids) in ctx.objects.triggers.items():
        if column in ids and (on == table or table in ids):
            reasons.append(f"trigger {trigger} uses it")
    if reasons:
        ctx.report(v, "sqlite-drop-used-column",
                   f"DROP COLUMN {table}.{column}: SQLite refuses it because {'; '.join(reasons)}", i)


def finish(ctx: FileContext) -> None:
    for name, dropped in ctx.dropped.items():
        if dropped.rebuilt_by is None:
            continue
        where = f"the rebuild of {name}"
        lost = []
        for ix_name, columns, unique in dropped.indexes:
            if not any(ix.columns == columns and ix.unique == unique for ix in ctx.objects.indexes_of(name)):
                lost.append(f"index {ix_name}")
        lost += [f"trigger {t}" for t in dropped.triggers if t not in ctx.objects.triggers_of(name)]
        if lost:
            ctx.findings.append(at(dropped.stmt, "sqlite-rebuild-loses-objects",
                                   f"{where} loses {', '.join(lost)} (DROP TABLE drops them; create them again "
                                   "after the rename)"))
        if dropped.views:
            ctx.findings.append(at(dropped.stmt, "sqlite-rebuild-breaks-views",
                                   f"{where} leaves view(s) {', '.join(dropped.views)} reading the table while it is "
                                   "dropped and renamed"))
        if dropped.referenced_by and not ctx.foreign_keys_off:
            ctx.findings.append(at(dropped.stmt, "sqlite-rebuild-foreign-keys-on",
                                   f"{where} drops it while {', '.join(dropped.referenced_by)} reference(s) it, "
                                   "without PRAGMA foreign_keys = OFF"))
        if (dropped.referenced_by or dropped.references) and not ctx.foreign_key_check:
            ctx.findings.append(at(dropped.stmt, "sqlite-rebuild-no-foreign-key-check",
                                   f"{where} copies rows with foreign keys but never runs PRAGMA foreign_key_check"))
