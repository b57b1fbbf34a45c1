"""Every lint rule: a stable ID, the engines it applies to, its severity, why it matters and how to fix it.

IDs never change once published: suppressions and CI configurations name them.
"""

from __future__ import annotations

from dataclasses import dataclass

BOTH = ("sqlite", "postgresql")
SQLITE = ("sqlite",)
POSTGRESQL = ("postgresql",)


@dataclass(frozen=True)
class Rule:
    id: str
    engines: tuple[str, ...]
    severity: str  # "error" or "warning"
    why: str  # one line: what goes wrong
    fix: str  # one line: what to do instead


_RULES = [
    # -- query-aware: the migrations checked against the queries ------------------------------
    Rule("previous-query-breaks", BOTH, "error",
         "during a rolling deploy the previous release keeps running its queries against the migrated schema",
         "expand then contract: keep the old table/column until a release that no longer reads it is deployed"),
    Rule("query-type-changes", BOTH, "warning",
         "the migration changes the Python type or nullability a current query's parameter or column was generated with",
         "regenerate and review the callers, or keep the column's type and nullability"),
    # -- both engines ----------------------------------------------------------------------------
    Rule("rename", BOTH, "warning",
         "renaming a table or column the running release uses breaks its queries the moment it commits",
         "add the new name alongside the old one (a view or a copied column), drop the old one a release later"),
    Rule("drop-table", BOTH, "warning",
         "dropping a table destroys its data and breaks any running code that still reads it",
         "stop reading the table one release before dropping it; suppress with the reason once that is done"),
    Rule("rebuild-renames-referenced-table", BOTH, "error",
         "renaming a referenced table aside (to rebuild it) takes the foreign keys along: they keep pointing at the old table",
         "create the new table under a temporary name, copy, drop the old one, then rename the new one into place"),
    Rule("drop-column", BOTH, "warning",
         "dropping a column destroys its data and breaks any running code that still reads it",
         "stop reading the column one release before dropping it; suppress with the reason once that is done"),
    # -- SQLite ------------------------------------------------------------------------------------
    Rule("sqlite-add-not-null-without-default", SQLITE, "error",
         "SQLite refuses ADD COLUMN ... NOT NULL without a non-NULL default (Cannot add a NOT NULL column)",
         "add it nullable, or with a DEFAULT, or rebuild the table"),
    Rule("sqlite-add-column-non-constant-default", SQLITE, "error",
         "SQLite refuses ADD COLUMN with a non-constant default such as CURRENT_TIMESTAMP or an expression",
         "add the column without a default and fill it with an UPDATE, or rebuild the table"),
    Rule("sqlite-add-column-key", SQLITE, "error",
         "SQLite refuses ADD COLUMN with PRIMARY KEY or UNIQUE",
         "add the column, then CREATE UNIQUE INDEX on it (or rebuild the table)"),
    Rule("sqlite-drop-used-column", SQLITE, "error",
         "SQLite refuses DROP COLUMN of a column that is indexed, a key, or used by a view or trigger",
         "drop the index, view or trigger first, or rebuild the table"),
    Rule("sqlite-rebuild-loses-objects", SQLITE, "error",
         "a table rebuild (create new, copy, drop, rename) silently drops the old table's indexes and triggers",
         "recreate every index and trigger of the old table after the rename"),
    Rule("sqlite-rebuild-breaks-views", SQLITE, "error",
         "a view reading the rebuilt table makes the rename fail or read a table that no longer exists",
         "drop the views before the rebuild and create them again after the rename"),
    Rule("sqlite-rebuild-foreign-keys-on", SQLITE, "warning",
         "dropping a table other tables reference while foreign_keys is ON deletes or rejects their rows",
         "run PRAGMA foreign_keys = OFF before the migration's transaction (or use a runner that does)"),
    Rule("sqlite-rebuild-no-foreign-key-check", SQLITE, "warning",
         "rows copied with foreign keys off are never checked, so dangling references go unnoticed",
         "run PRAGMA foreign_key_check before committing the rebuild (or use a runner that does)"),
    Rule("sqlite-pragma-in-transaction", SQLITE, "error",
         "PRAGMA foreign_keys is a no-op inside a transaction",
         "set it before BEGIN, outside the migration's transaction"),
    Rule("sqlite-feature-too-new", SQLITE, "error",
         "the statement needs a newer SQLite than the minimum the project declares (sqlite_min_version)",
         "rewrite it for the older SQLite (e.g. rebuild instead of DROP COLUMN) or raise sqlite_min_version"),
    # -- PostgreSQL --------------------------------------------------------------------------------
    Rule("pg-index-not-concurrently", POSTGRESQL, "warning",
         "CREATE INDEX on an existing table blocks all writes to it for the whole build",
         "CREATE INDEX CONCURRENTLY, in a migration of its own outside a transaction"),
    Rule("pg-concurrently-in-transaction", POSTGRESQL, "error",
         "CONCURRENTLY cannot run inside a transaction block (a multi-statement file is one)",
         "put the CONCURRENTLY statement alone in its own migration, without a transaction"),
    Rule("pg-volatile-default", POSTGRESQL, "warning",
         "ADD COLUMN with a volatile default (random(), clock_timestamp(), serial) rewrites the table under an exclusive lock",
         "add the column without a default, set the default, then backfill in batches"),
    Rule("pg-column-type-rewrite", POSTGRESQL, "warning",
         "ALTER COLUMN TYPE rewrites the table and its indexes under an exclusive lock",
         "add a new column of the new type, backfill, switch readers, drop the old one"),
    Rule("pg-set-not-null", POSTGRESQL, "warning",
         "SET NOT NULL scans the whole table under an exclusive lock unless a validated CHECK proves it",
         "ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, then SET NOT NULL"),
    Rule("pg-constraint-not-valid", POSTGRESQL, "warning",
         "ADD FOREIGN KEY / CHECK on an existing table validates every row while holding a lock",
         "add it NOT VALID, then VALIDATE CONSTRAINT in a later statement"),
    Rule("pg-unique-without-index", POSTGRESQL, "warning",
         "ADD UNIQUE / PRIMARY KEY builds its index while blocking writes",
         "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX"),
    Rule("pg-lock-timeout", POSTGRESQL, "warning",
         "locking DDL waiting behind a long query queues every other query on the table behind it",
         "SET lock_timeout (e.g. SET LOCAL lock_timeout = '5s') before the first locking statement, and retry"),
    Rule("pg-vacuum-full", POSTGRESQL, "error",
         "VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock and cannot run in a transaction",
         "use plain VACUUM, or pg_repack outside the migrations"),
    Rule("pg-cluster", POSTGRESQL, "error",
         "CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock",
         "run it in a maintenance window outside the migrations, or use pg_repack"),
    Rule("pg-truncate", POSTGRESQL, "warning",
         "TRUNCATE in a migration deletes every row and takes an ACCESS EXCLUSIVE lock",
         "delete the rows the migration means to remove with DELETE ... WHERE, or move data work out of migrations"),
    Rule("pg-drop-index-not-concurrently", POSTGRESQL, "warning",
         "DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table",
         "DROP INDEX CONCURRENTLY, in a migration of its own outside a transaction"),
    # -- queries ---------------------------------------------------------------------------------
    Rule("update-without-where", BOTH, "error",
         "an UPDATE without WHERE changes every row of the table",
         "add a WHERE clause (WHERE true if every row is really meant)"),
    Rule("delete-without-where", BOTH, "error",
         "a DELETE without WHERE removes every row of the table",
         "add a WHERE clause (WHERE true if every row is really meant)"),
    Rule("compare-null", BOTH, "error",
         "= NULL and <> NULL are never true: comparing with NULL gives NULL",
         "use IS NULL / IS NOT NULL"),
    Rule("not-in-nullable", BOTH, "warning",
         "NOT IN (subquery) is never true once the subquery returns a NULL",
         "use NOT EXISTS, or filter the subquery's column with IS NOT NULL"),
    Rule("exec-returning", BOTH, "warning",
         ":exec throws away the rows RETURNING produces",
         "use :one / :many to read them, or drop RETURNING"),
    Rule("one-not-unique", BOTH, "warning",
         ":one returns the first row when its filter can match several, and which one is arbitrary",
         "filter on a primary key or unique columns, or add ORDER BY ... LIMIT 1"),
    Rule("unstable-pagination", BOTH, "warning",
         "LIMIT/OFFSET without an ORDER BY ending in a unique key returns rows in no stable order",
         "ORDER BY columns that end in a unique key (e.g. ..., id)"),
    Rule("any-type", BOTH, "warning",
         "a parameter or column typed typing.Any is unchecked by mypy and pydantic",
         "declare the column's type, CAST the expression, or add an override"),
    # -- the suppressions themselves --------------------------------------------------------------
    Rule("suppression-without-reason", BOTH, "error",
         "a suppression without a reason hides a finding without telling the reviewer why",
         'write -- codegen: allow RULE-ID reason="why this is safe here"'),
    Rule("suppression-unknown-rule", BOTH, "warning",
         "a suppression naming no known rule silences nothing (a typo, or a rule that was renamed)",
         "name a rule from the table in the README's Lint section"),
]

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}
