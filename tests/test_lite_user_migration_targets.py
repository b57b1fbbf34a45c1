"""`rollback --to N` and `migrate --to N` with a number no migration has. goose numbers its
migrations by timestamp (20240101120000_init.sql); `rollback(db, to=1)`, as the README's example
reads, matched no migration and reverted every one of them, dropping their tables and data. A
number is now one some migration has (or 0, for everything); any other is refused untouched."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from _support import generate, import_module, imported, run_cli

SCHEMA = {
    "20240101120000_init.sql": """\
        -- +goose Up
        CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        -- +goose Down
        DROP TABLE accounts;
        """,
    "20240202000000_email.sql": """\
        -- +goose Up
        ALTER TABLE accounts ADD COLUMN email TEXT;
        -- +goose Down
        ALTER TABLE accounts DROP COLUMN email;
        """,
}
QUERIES = {"a.sql": "-- name: CountAccounts :one\nSELECT count(*) FROM accounts;\n"}


@pytest.mark.parametrize("wrong", [1, 20240101, 20240303000000])
def test_a_number_no_migration_has_is_refused_and_nothing_changes(tmp_path: Path, wrong: int) -> None:
    out = generate(tmp_path, SCHEMA, QUERIES)
    db = tmp_path / "app.db"
    with imported(out) as package:
        migrations = import_module(package, "migrations")
        migrations.migrate(str(db), backup=False)
        with sqlite3.connect(db) as conn:
            conn.execute("INSERT INTO accounts (name) VALUES ('ada')")
        with pytest.raises(migrations.MigrationError, match=f"no migration numbered {wrong}; nothing was changed"):
            migrations.rollback(str(db), to=wrong, backup=False)
        cli = run_cli(tmp_path, "rollback", "--db", str(db), "--to", str(wrong), "--no-backup")
        assert cli.code != 0 and f"no migration numbered {wrong}" in cli.stderr
        assert migrations.status(str(db)).pending == ()
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT name FROM accounts").fetchall() == [("ada",)]
        # the numbers the files carry, and 0, still work
        assert migrations.rollback(str(db), to=20240101120000, backup=False).version == "20240101120000_init"
        assert migrations.migrate(str(db), target=20240202000000, backup=False).version == "20240202000000_email"
        assert migrations.rollback(str(db), to=0, backup=False).version is None
