"""PostgreSQL migration rules: locks, table rewrites and full scans on tables that already hold rows
(a table this same file created is empty, so none of these apply to it)."""

from __future__ import annotations

import re

from ...lint.context import FileContext
from ...lint.ddl import StatementView

VOLATILE = {"RANDOM", "CLOCK_TIMESTAMP", "TIMEOFDAY", "GEN_RANDOM_UUID", "UUID_GENERATE_V1", "UUID_GENERATE_V1MC",
            "UUID_GENERATE_V4", "NEXTVAL", "SETSEED", "UUIDV4", "UUIDV7", "TXID_CURRENT"}
SERIAL = {"SERIAL", "BIGSERIAL", "SMALLSERIAL", "SERIAL2", "SERIAL4", "SERIAL8"}
# Statements that take a lock other sessions' queries queue behind.
LOCKING = {"ALTER", "DROP", "CREATE", "TRUNCATE", "CLUSTER", "VACUUM", "REINDEX", "LOCK", "REFRESH"}


def check(ctx: FileContext, v: StatementView) -> None:
    w = v.words
    if not w:
        return
    if "CONCURRENTLY" in w and w[0] in ("CREATE", "DROP", "REINDEX") and (ctx.in_transaction or ctx.wrapped):
        why = "after BEGIN" if ctx.in_transaction else (
            "in a file of several statements (sent as one query, so one transaction)" if len(ctx.statements) > 1
            else "in a file the migration tool runs in a transaction")
        ctx.report(v, "pg-concurrently-in-transaction", f"CONCURRENTLY {why}: PostgreSQL refuses it", w.index("CONCURRENTLY"))
    if w[0] == "VACUUM" and ("FULL" in w[1:3] or ("(" in w[1:2] and "FULL" in w[2:v.group(1)[1]])):
        ctx.report(v, "pg-vacuum-full", "VACUUM FULL in a migration")
    if w[0] == "CLUSTER":
        ctx.report(v, "pg-cluster", "CLUSTER in a migration")
    if w[0] == "TRUNCATE":
        ctx.report(v, "pg-truncate", "TRUNCATE in a migration")
    table = _locked_table(ctx, v)
    if table is not None and ctx.existed_before(table) and not ctx.lock_timeout and not ctx.lock_reported:
        ctx.lock_reported = True
        ctx.report(v, "pg-lock-timeout", f"locks table {table} without a lock_timeout set earlier in this migration")
    if v.starts("CREATE", "INDEX") or v.starts("CREATE", "UNIQUE", "INDEX"):
        on = v.find("ON")
        if on > 0 and "CONCURRENTLY" not in w[:on]:
            target = v.name_at(on + 1 + (w[on + 1] == "ONLY"))
            if ctx.existed_before(target):
                ctx.report(v, "pg-index-not-concurrently", f"CREATE INDEX on existing table {target} blocks its writes; "
                                                           "use CONCURRENTLY")
    if v.starts("DROP", "INDEX") and w[2:3] != ["CONCURRENTLY"]:
        for a, _ in v.split_top(v.skip_if_exists(2), len(w)):
            ix = ctx.objects.indexes.get(v.name_at(a))
            if ix is not None and ctx.existed_before(ix.table) and ix.table not in ctx.dropped_later:
                ctx.report(v, "pg-drop-index-not-concurrently", f"DROP INDEX {ix.name} locks table {ix.table}; "
                                                                "use DROP INDEX CONCURRENTLY", a)
    if v.starts("ALTER", "TABLE"):
        i = v.skip_if_exists(2)
        i += w[i] == "ONLY"
        name = v.name_at(i)
        if ctx.existed_before(name):
            for a, b in v.split_top(v.name_end(i), len(w)):
                _action(ctx, v, name, a, b)
        _track_not_null_checks(ctx, v, name, v.name_end(i))


def _locked_table(ctx: FileContext, v: StatementView) -> str | None:
    """The existing table a locking statement locks, if any."""
    w = v.words
    if w[0] not in LOCKING or "CONCURRENTLY" in w:
        return None
    if v.starts("ALTER", "TABLE") or v.starts("LOCK"):
        i = v.skip_if_exists(1 + (w[1] == "TABLE"))
        return v.name_at(i + (w[i] == "ONLY"))
    if w[0] == "CREATE" and ("INDEX" in w[1:3] or "TRIGGER" in w[1:4]):
        on = v.find("ON")
        return v.name_at(on + 1 + (w[on + 1] == "ONLY")) if on > 0 else None
    if v.starts("DROP", "TABLE"):
        return v.name_at(v.skip_if_exists(2))
    if v.starts("DROP", "INDEX"):
        ix = ctx.objects.indexes.get(v.name_at(v.skip_if_exists(2)))
        return ix.table if ix else None
    if w[0] in ("TRUNCATE", "CLUSTER", "VACUUM", "REINDEX"):
        names = [v.name_at(k) for k, x in enumerate(v.items) if x.kind in ("word", "ident")
                 and w[k] not in ("TRUNCATE", "CLUSTER", "VACUUM", "REINDEX", "TABLE", "FULL", "ONLY", "VERBOSE",
                                  "ANALYZE", "FREEZE", "INDEX", "USING")]
        return names[0] if names else None
    return None


def _altered_schema(v: StatementView) -> str | None:
    """ALTER TABLE [IF EXISTS] [ONLY] schema.name ...: the schema (None: unqualified, found along the
    search_path), so billing.items is not taken for public's items."""
    i = v.skip_if_exists(2)
    return v.schema_at(i + (v.words[i] == "ONLY"))


def _action(ctx: FileContext, v: StatementView, table: str, a: int, b: int) -> None:
    w = v.words
    if w[a] == "ADD":
        k = a + 1
        if w[k:k + 1] == ["COLUMN"]:
            k = v.skip_if_exists(k + 1)
        if w[k] == "CONSTRAINT":
            k += 2
        if w[k] in ("FOREIGN", "CHECK") and "NOT" not in [w[x] for x in range(k, b) if w[x + 1:x + 2] == ["VALID"]]:
            ctx.report(v, "pg-constraint-not-valid", f"ADD {'FOREIGN KEY' if w[k] == 'FOREIGN' else 'CHECK'} on "
                                                     f"{table} validates every row under a lock; add it NOT VALID", k)
        elif w[k] == "NOT" and w[k + 1:k + 2] == ["NULL"] and k + 2 < b:  # 18: ADD [CONSTRAINT n] NOT NULL col
            column = v.name_at(k + 2)
            not_valid = any(w[x] == "NOT" and w[x + 1:x + 2] == ["VALID"] for x in range(k + 3, b))
            if not not_valid and (table, column) not in ctx.shared.setdefault("validated_not_null", set()):
                ctx.report(v, "pg-set-not-null", f"ADD NOT NULL on {table}.{column} scans the table under an "
                                                 "exclusive lock; add it NOT VALID and VALIDATE it later", k)
        elif w[k] in ("UNIQUE", "PRIMARY") and "USING" not in w[k:b]:
            ctx.report(v, "pg-unique-without-index", f"ADD {'UNIQUE' if w[k] == 'UNIQUE' else 'PRIMARY KEY'} on "
                                                     f"{table} builds its index while blocking writes", k)
        elif w[k] not in ("FOREIGN", "CHECK", "UNIQUE", "PRIMARY", "EXCLUDE"):
            column = v.name_at(k)
            volatile = [w[x] for x in range(k + 1, b) if w[x] in VOLATILE and w[x + 1:x + 2] == ["("]]
            serial = w[k + 1] if k + 1 < b and w[k + 1] in SERIAL else None
            identity = "IDENTITY" in w[k:b]
            if volatile or serial or identity:
                what = f"{volatile[0].lower()}()" if volatile else (serial.lower() if serial else "an identity")
                ctx.report(v, "pg-volatile-default", f"ADD COLUMN {column} with {what} fills every row: the table "
                                                     "is rewritten under an exclusive lock", k)
    elif w[a] == "ALTER":
        k = a + 1 + (w[a + 1] == "COLUMN")
        column = v.name_at(k)
        rest = w[k + 1:b]
        if rest[:2] == ["SET", "NOT"]:
            if (table, column) not in ctx.shared.setdefault("validated_not_null", set()):
                ctx.report(v, "pg-set-not-null", f"SET NOT NULL on {table}.{column} scans the table under an "
                                                 "exclusive lock (no validated CHECK proves it first)", k)
        elif "TYPE" in rest[:3]:
            t = w.index("TYPE", k) + 1
            end = next((x for x in range(t, b) if w[x] in ("USING", "COLLATE")), b)
            new_type = " ".join(x.text for x in v.items[t:end])
            found = ctx.state.find(_altered_schema(v), table)
            col = found.column(column) if found else None
            if col is None or not _binary_compatible(col.sql_type, new_type):
                old = col.sql_type if col else "?"
                ctx.report(v, "pg-column-type-rewrite", f"ALTER COLUMN {column} TYPE {old} -> {new_type} rewrites "
                                                        f"table {table} under an exclusive lock", k)


def _binary_compatible(old: str, new: str) -> bool:
    """Type changes PostgreSQL makes without a rewrite: varchar growing or becoming text, numeric growing."""
    def split(t: str) -> tuple[str, list[int]]:
        t = " ".join(t.lower().replace("character varying", "varchar").split())
        base = t.split("(")[0].strip()
        return base, [int(n) for n in re.findall(r"\d+", t[len(base):])]

    (ob, on), (nb, nn) = split(old), split(new)
    if (ob, on) == (nb, nn):
        return True
    if ob in ("varchar", "text") and (nb == "text" or (nb == "varchar" and not nn)):
        return True
    if ob == nb == "varchar" and on and nn and nn[0] >= on[0]:
        return True
    if ob == nb == "numeric" and (not nn or (on and len(on) == len(nn) == 2 and nn[1] == on[1] and nn[0] >= on[0])):
        return True
    return False


_NOT_NULL_CHECK = re.compile(r"^\(\s*\"?(\w+)\"?\s+IS\s+NOT\s+NULL\s*\)$", re.IGNORECASE)


def _track_not_null_checks(ctx: FileContext, v: StatementView, table: str, start: int) -> None:
    """CHECK (col IS NOT NULL): validated when added without NOT VALID, or by VALIDATE CONSTRAINT."""
    w = v.words
    pending = ctx.shared.setdefault("not_null_checks", {})
    validated = ctx.shared.setdefault("validated_not_null", set())
    for a, b in v.split_top(start, len(w)):
        if w[a:a + 2] == ["ADD", "CONSTRAINT"] and w[a + 3:a + 4] == ["CHECK"] and a + 4 < b:
            s, e = v.group(a + 4)
            text = v.stmt.text[v.items[s - 1].start:v.items[e].end] if e < len(v.items) else ""
            match = _NOT_NULL_CHECK.match(text)
            if match:
                key = (table, match.group(1).lower())
                pending[v.name_at(a + 2)] = key
                if "VALID" not in w[e:b]:
                    validated.add(key)
        elif w[a:a + 2] == ["VALIDATE", "CONSTRAINT"] and v.name_at(a + 2) in pending:
            validated.add(pending[v.name_at(a + 2)])
