"""Rules of both engines: renames and drops that break the running release, and the bookkeeping of
table rebuilds (create new, copy, drop old, rename new to old), which are neither."""

from __future__ import annotations

from .context import Dropped, FileContext
from .ddl import StatementView
from .findings import at


def check(ctx: FileContext, v: StatementView) -> None:
    w = v.words
    if v.starts("DROP", "TABLE"):
        for a, _ in v.split_top(v.skip_if_exists(2), len(w)):
            name = v.name_at(a)
            found = ctx.state.find(v.schema_at(a), name)
            if found is None or found.is_view:
                continue
            ctx.dropped[name] = Dropped(
                v.stmt, [c.name.lower() for c in found.columns],
                [(ix.name, ix.columns, ix.unique) for ix in ctx.objects.indexes_of(name)],
                ctx.objects.triggers_of(name), ctx.objects.views_reading(name),
                ctx.objects.referenced_by(name),
                set(ctx.objects.tables[name].references) if name in ctx.objects.tables else set())
    elif v.starts("DROP", "VIEW"):
        for a, _ in v.split_top(v.skip_if_exists(2), len(w)):
            for dropped in ctx.dropped.values():
                if dropped.rebuilt_by is None and v.name_at(a) in dropped.views:
                    dropped.views.remove(v.name_at(a))
    elif v.starts("ALTER", "TABLE"):
        i = v.skip_if_exists(2)
        i += w[i] == "ONLY"
        table = v.name_at(i)
        j = v.name_end(i)
        if w[j:j + 2] == ["RENAME", "TO"]:
            new = v.name_at(j + 2)
            if new in ctx.dropped and table in ctx.created and ctx.dropped[new].rebuilt_by is None:
                renamed = ctx.state.find(v.schema_at(i), table)
                ctx.dropped[new].rebuilt_by = v.stmt
                ctx.dropped[new].new_columns = [c.name.lower() for c in renamed.columns] if renamed else []
            elif ctx.existed_before(table) and table in ctx.created_later:
                # Moved aside to be rebuilt under its own name: not a rename running code sees.
                ctx.moved_aside[new] = table
                referencing = ctx.objects.referenced_by(table)
                if referencing:
                    ctx.report(v, "rebuild-renames-referenced-table",
                               f"renames {table} aside while {', '.join(referencing)} reference(s) it: their foreign "
                               f"keys follow it to {new}, not to the new {table}", j)
            elif ctx.existed_before(table):
                ctx.report(v, "rename", f"renames table {table} to {new}; running code still uses {table}", j)
        elif w[j:j + 1] == ["RENAME"] and w[j + 1:j + 2] != ["CONSTRAINT"] and ctx.existed_before(table) \
                and (table, v.name_at(j + 1 + (w[j + 1] == "COLUMN"))) not in ctx.columns_added:
            k = j + 1 + (w[j + 1] == "COLUMN")
            ctx.report(v, "rename", f"renames column {table}.{v.name_at(k)} to {v.name_at(k + 2)}; "
                                    f"running code still uses {v.name_at(k)}", j)
        for a, b in v.split_top(j, len(w)):
            if w[a] == "DROP" and a + 1 < b and w[a + 1] not in ("CONSTRAINT", "DEFAULT", "NOT", "IDENTITY",
                                                                 "EXPRESSION") and ctx.existed_before(table):
                k = v.skip_if_exists(a + 1 + (w[a + 1] == "COLUMN"))
                ctx.report(v, "drop-column", f"drops column {table}.{v.name_at(k)} and its data", a)


def finish(ctx: FileContext) -> None:
    for name, dropped in ctx.dropped.items():
        if name in ctx.created and dropped.rebuilt_by is None:
            continue  # a table this file created and dropped again (a scratch table)
        if dropped.rebuilt_by is None:
            if ctx.moved_aside.get(name) not in ctx.created:  # not the old copy of a rebuilt table
                ctx.findings.append(at(dropped.stmt, "drop-table", f"drops table {name} and its data"))
            continue
        lost = [c for c in dropped.columns if c not in dropped.new_columns]
        if lost:
            ctx.findings.append(at(dropped.stmt, "drop-column",
                                   f"the rebuild of {name} drops column(s) {', '.join(lost)} and their data"))
