"""Applying migrations to the catalog: DDL statement by statement, as SQLite would.

Each test writes real migration files into a project folder and builds the catalog through
codegen's pipeline (pipeline.build_schema / catalog_of). Wherever SQLite has an opinion, the
same migrations are also run by sqlite3 and its answer is the expected one.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from _support import write_files
from codegen import ir, pipeline
from codegen.engines.sqlite import types as sqlite_types
from codegen.config import load_config
from codegen.errors import CodegenError


def _project(root: Path, migrations: list[str]) -> Path:
    files: dict[str, str | bytes] = {
        "pyproject.toml": '[tool.codegen]\nschema = "schema"\nqueries = "queries"\nout = "gen"\n'}
    for i, text in enumerate(migrations, 1):
        files[f"schema/{i:03d}.sql"] = text
    write_files(root, files)
    (root / "queries").mkdir(exist_ok=True)
    return root


def catalog(tmp_path: Path, *migrations: str) -> dict[str, ir.Table]:
    root = _project(tmp_path, list(migrations))
    config = load_config(root / "pyproject.toml", root)
    state = pipeline.build_schema(config)
    return {t.name: t for t in pipeline.catalog_of(state, config).tables}


def errors(tmp_path: Path, *migrations: str) -> list[str]:
    root = _project(tmp_path, list(migrations))
    config = load_config(root / "pyproject.toml", root)
    with pytest.raises(CodegenError) as info:
        pipeline.catalog_of(pipeline.build_schema(config), config)
    return [str(d) for d in info.value.diagnostics]


def shape(table: ir.Table) -> list[tuple[str, str, bool]]:
    """(name, logical type, nullable) per column."""
    return [(c.name, c.type.base, c.nullable) for c in table.columns]


def sqlite_columns(*migrations: str) -> dict[str, list[tuple[str, bool]]]:
    """What SQLite itself says: table -> [(column, nullable)], a PRIMARY KEY counting as NOT NULL."""
    conn = sqlite3.connect(":memory:")
    for m in migrations:
        conn.executescript(m)
    out = {}
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                "AND name NOT LIKE 'sqlite_%' ORDER BY name"):
        info = conn.execute(f'PRAGMA table_info("{name}")').fetchall()
        out[name] = [(row[1], not (row[3] or row[5])) for row in info]
    conn.close()
    return out


def sqlite_rejects(*migrations: str) -> bool:
    conn = sqlite3.connect(":memory:")
    try:
        for m in migrations:
            conn.executescript(m)
    except sqlite3.Error:
        return True
    finally:
        conn.close()
    return False


# -- CREATE TABLE ------------------------------------------------------------------------

def test_create_table_columns_types_and_nullability(tmp_path: Path) -> None:
    t = catalog(tmp_path, """
        CREATE TABLE things (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            note TEXT,
            size INT NOT NULL DEFAULT 0,
            ratio REAL,
            data BLOB,
            anything
        );
    """)["things"]
    assert shape(t) == [("id", "int", False), ("name", "str", False), ("note", "str", True), ("size", "int", False),
                        ("ratio", "float", True), ("data", "bytes", True), ("anything", "any", True)]
    by_name = {c.name: c for c in t.columns}
    assert by_name["id"].primary_key and not by_name["name"].primary_key
    assert by_name["size"].has_default and by_name["id"].has_default and not by_name["name"].has_default
    assert [c.sql_type for c in t.columns] == ["INTEGER", "TEXT", "TEXT", "INT", "REAL", "BLOB", ""]


def test_primary_keys_are_not_null(tmp_path: Path) -> None:
    tables = catalog(tmp_path, """
        CREATE TABLE a (code TEXT PRIMARY KEY, x INT);
        CREATE TABLE b (k1 TEXT, k2 INT, v TEXT, PRIMARY KEY (k1, k2));
        CREATE TABLE c (id INT PRIMARY KEY ASC ON CONFLICT REPLACE);
    """)
    assert shape(tables["a"])[0] == ("code", "str", False)
    assert shape(tables["b"]) == [("k1", "str", False), ("k2", "int", False), ("v", "str", True)]
    assert shape(tables["c"]) == [("id", "int", False)]


def test_quoted_identifiers_keep_their_spelling(tmp_path: Path) -> None:
    t = catalog(tmp_path, 'CREATE TABLE "my table" ("first name" TEXT, [select] INT, `from` REAL, "a""b" TEXT);')
    assert [c.name for c in t["my table"].columns] == ["first name", "select", "from", 'a"b']


def test_if_not_exists_keeps_the_first_definition(tmp_path: Path) -> None:
    t = catalog(tmp_path, "CREATE TABLE t (a INT);\nCREATE TABLE IF NOT EXISTS t (b TEXT, c TEXT);")
    assert [c.name for c in t["t"].columns] == ["a"]


def test_temp_and_schema_qualified_tables(tmp_path: Path) -> None:
    t = catalog(tmp_path, "CREATE TEMP TABLE scratch (a INT);\nCREATE TABLE main.kept (b TEXT);")
    assert set(t) == {"kept"}  # a TEMP table is gone with the migrating session (tests/test_temporary_tables.py)


def test_create_table_as_select(tmp_path: Path) -> None:
    t = catalog(tmp_path, """
        CREATE TABLE src (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL);
        CREATE TABLE copy AS SELECT id, name AS label, score * 2 AS doubled FROM src;
    """)
    # SQLite gives a CREATE TABLE AS table no constraints: every column may hold NULL.
    assert shape(t["copy"]) == [("id", "int", True), ("label", "str", True), ("doubled", "float", True)]
    assert [n for n, _ in sqlite_columns("CREATE TABLE src (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL);"
                                         "CREATE TABLE copy AS SELECT id, name AS label, score * 2 AS doubled "
                                         "FROM src;")["copy"]] == ["id", "label", "doubled"]


def test_strict_and_without_rowid(tmp_path: Path) -> None:
    t = catalog(tmp_path, """
        CREATE TABLE s (id INTEGER PRIMARY KEY, v ANY, n INT NOT NULL) STRICT;
        CREATE TABLE w (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
        CREATE TABLE both_ (k TEXT PRIMARY KEY, v TEXT) STRICT, WITHOUT ROWID;
    """)
    assert shape(t["s"]) == [("id", "int", False), ("v", "any", True), ("n", "int", False)]
    assert shape(t["w"]) == [("k", "str", False), ("v", "bytes", True)]
    assert shape(t["both_"]) == [("k", "str", False), ("v", "str", True)]


def test_constraints_and_foreign_keys_are_skipped(tmp_path: Path) -> None:
    t = catalog(tmp_path, """
        CREATE TABLE parent (id INTEGER PRIMARY KEY);
        CREATE TABLE child (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE ON UPDATE NO ACTION
                DEFERRABLE INITIALLY DEFERRED,
            code TEXT COLLATE NOCASE UNIQUE NOT NULL,
            total INTEGER GENERATED ALWAYS AS (parent_id * 2) STORED,
            half REAL AS (parent_id / 2.0),
            neg INTEGER DEFAULT -1,
            created TEXT DEFAULT (datetime('now')),
            CONSTRAINT uq UNIQUE (parent_id, code),
            CONSTRAINT fk FOREIGN KEY (parent_id) REFERENCES parent (id),
            CHECK (total >= 0)
        );
    """)
    assert [c.name for c in t["child"].columns] == ["id", "parent_id", "code", "total", "half", "neg", "created"]
    assert shape(t["child"])[1:3] == [("parent_id", "int", False), ("code", "str", False)]


# -- types -------------------------------------------------------------------------------

@pytest.mark.parametrize("declared, base", [
    ("INTEGER", ir.INT), ("INT", ir.INT), ("BIGINT", ir.INT), ("UNSIGNED BIG INT", ir.INT), ("TINYINT", ir.INT),
    ("INT8", ir.INT), ("MEDIUMINT", ir.INT),
    ("TEXT", ir.STR), ("CHAR(255)", ir.STR), ("VARCHAR(20)", ir.STR), ("VARYING CHARACTER(10)", ir.STR),
    ("NCHAR(5)", ir.STR), ("NATIVE CHARACTER(70)", ir.STR), ("NVARCHAR(100)", ir.STR), ("CLOB", ir.STR),
    ("BLOB", ir.BYTES), ("", ir.ANY),
    ("REAL", ir.FLOAT), ("DOUBLE", ir.FLOAT), ("DOUBLE PRECISION", ir.FLOAT), ("FLOAT", ir.FLOAT),
    ("BOOLEAN", ir.BOOL), ("BOOL", ir.BOOL), ("BOOLEAN(2)", ir.BOOL), ("boolean", ir.BOOL),
    ("DATE", ir.DATE), ("DATETIME", ir.DATETIME), ("TIMESTAMP", ir.DATETIME), ("timestamp", ir.DATETIME),
    ("TIME", ir.TIME), ("DECIMAL(10, 2)", ir.DECIMAL), ("DECIMAL(10,5)", ir.DECIMAL), ("NUMERIC", ir.DECIMAL),
    ("JSON", ir.JSON), ("JSONB", ir.JSON),
    # SQLite's first rule wins: any name containing INT has integer affinity.
    ("FLOATING POINT", ir.INT), ("POINT", ir.INT), ("STRING", ir.ANY), ("SHAPE", ir.ANY),
])
def test_declared_type_names(declared: str, base: str) -> None:
    assert sqlite_types.value_type(declared).base == base


@pytest.mark.parametrize("declared", ["INTEGER", "BIGINT", "TEXT", "VARCHAR(9)", "CLOB", "BLOB", "", "REAL",
                                      "DOUBLE PRECISION", "FLOAT", "FLOATING POINT", "STRING", "NUMBER"])
def test_plain_types_follow_sqlite_affinity(declared: str) -> None:
    """Without extra meaning, the Python type is the storage class SQLite's affinity gives a text '12'."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE t (c {declared})")
    conn.execute("INSERT INTO t VALUES ('12')")
    stored = conn.execute("SELECT typeof(c) FROM t").fetchone()[0]
    expected = {"integer": {ir.INT, ir.ANY}, "text": {ir.STR, ir.ANY, ir.BYTES}, "real": {ir.FLOAT, ir.ANY}}[stored]
    base = sqlite_types.value_type(declared).base
    assert base in expected, (declared, stored, base)
    # Typed columns agree exactly; blob/numeric affinity is honest about not knowing.
    if stored == "integer" and declared not in ("STRING", "NUMBER"):
        assert base == ir.INT
    if stored == "real":
        assert base == ir.FLOAT


def test_sized_types_keep_their_meaning_and_declaration(tmp_path: Path) -> None:
    t = catalog(tmp_path, "CREATE TABLE t (a CHAR(255) NOT NULL, b BOOLEAN(2), c DECIMAL(10, 2), d VARCHAR ( 40 ));")
    assert shape(t["t"]) == [("a", "str", False), ("b", "bool", True), ("c", "decimal", True), ("d", "str", True)]
    assert [c.sql_type for c in t["t"].columns][:3] == ["CHAR(255)", "BOOLEAN(2)", "DECIMAL(10, 2)"]


def test_check_in_gives_literals(tmp_path: Path) -> None:
    t = catalog(tmp_path, """
        CREATE TABLE t (
            a TEXT NOT NULL CHECK (a IN ('x', 'y')),
            b TEXT CHECK (b IN ('p') AND length(b) = 1),
            c TEXT,
            d INTEGER CHECK (d IN (1, 2)),
            e TEXT CHECK (e NOT IN ('no')),
            f TEXT CHECK (f IN ('u', 'u', 'v')),
            CHECK (c IN ('left', 'right'))
        );
    """)["t"]
    lits = {c.name: c.type.literals for c in t.columns}
    assert lits == {"a": ("x", "y"), "b": ("p",), "c": ("left", "right"), "d": (), "e": (), "f": ("u", "v")}


# -- ALTER TABLE and DROP ------------------------------------------------------------------

BASE = """
CREATE TABLE people (id INTEGER PRIMARY KEY, full_name TEXT NOT NULL, age INTEGER, obsolete TEXT);
CREATE TABLE tmp (x INTEGER);
"""


def test_alter_table_actions(tmp_path: Path) -> None:
    alter = """
        ALTER TABLE people ADD COLUMN email TEXT;
        ALTER TABLE people ADD nickname VARCHAR(40) NOT NULL DEFAULT '';
        ALTER TABLE people RENAME COLUMN full_name TO name;
        ALTER TABLE people RENAME nickname TO handle;
        ALTER TABLE people DROP COLUMN obsolete;
        ALTER TABLE people DROP age;
        ALTER TABLE tmp RENAME TO kept;
    """
    t = catalog(tmp_path, BASE, alter)
    assert set(t) == {"people", "kept"}
    assert shape(t["people"]) == [("id", "int", False), ("name", "str", False), ("email", "str", True),
                                  ("handle", "str", False)]
    assert sqlite_columns(BASE, alter) == {
        "kept": [("x", True)],
        "people": [("id", False), ("name", False), ("email", True), ("handle", False)]}


def test_drop_table_and_if_exists(tmp_path: Path) -> None:
    t = catalog(tmp_path, BASE, "DROP TABLE tmp;\nDROP TABLE IF EXISTS tmp;\nDROP TABLE IF EXISTS never;")
    assert set(t) == {"people"}


def test_a_dropped_table_can_be_created_again(tmp_path: Path) -> None:
    t = catalog(tmp_path, BASE, "DROP TABLE tmp;\nCREATE TABLE tmp (y TEXT NOT NULL);")
    assert shape(t["tmp"]) == [("y", "str", False)]


def test_rebuild_idiom_leaves_exactly_the_new_shape(tmp_path: Path) -> None:
    rebuild = """
        PRAGMA foreign_keys = OFF;
        BEGIN TRANSACTION;
        CREATE TABLE people_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER NOT NULL DEFAULT 0);
        INSERT INTO people_new (id, name, age) SELECT id, full_name, COALESCE(age, 0) FROM people;
        DROP TABLE people;
        ALTER TABLE people_new RENAME TO people;
        CREATE INDEX people_name ON people (name);
        COMMIT;
        PRAGMA foreign_keys = ON;
    """
    t = catalog(tmp_path, BASE, rebuild)
    assert set(t) == {"people", "tmp"}
    assert shape(t["people"]) == [("id", "int", False), ("name", "str", False), ("age", "int", False)]
    assert sqlite_columns(BASE, rebuild)["people"] == [("id", False), ("name", False), ("age", False)]


def test_statements_without_schema_effect_are_accepted(tmp_path: Path) -> None:
    t = catalog(tmp_path, BASE, """
        INSERT INTO people (full_name) VALUES ('a; b');
        UPDATE people SET age = 1 WHERE id = 1;
        DELETE FROM people WHERE id = 2;
        REPLACE INTO tmp (x) VALUES (1);
        WITH q AS (SELECT 1) SELECT * FROM q;
        SELECT 1;
        PRAGMA user_version = 3;
        ANALYZE;
        VACUUM;
        REINDEX;
        CREATE INDEX IF NOT EXISTS people_age ON people (age) WHERE age IS NOT NULL;
        CREATE UNIQUE INDEX people_name ON people (full_name);
        DROP INDEX people_age;
        SAVEPOINT sp;
        RELEASE sp;
    """)
    assert shape(t["people"]) == shape(catalog(tmp_path / "again", BASE)["people"])


def test_trigger_bodies_are_one_statement(tmp_path: Path) -> None:
    migration = """
        CREATE TABLE log (msg TEXT);
        CREATE TRIGGER people_ai AFTER INSERT ON people
        BEGIN
            INSERT INTO log (msg) VALUES ('inserted; ' || new.full_name);
            UPDATE people SET age = CASE WHEN new.age < 0 THEN 0 ELSE new.age END WHERE id = new.id;
            DELETE FROM tmp;
        END;
        CREATE TEMP TRIGGER IF NOT EXISTS tmp_bd BEFORE DELETE ON tmp FOR EACH ROW WHEN old.x > 0 BEGIN
            SELECT RAISE(ABORT, 'no; never');
        END;
        DROP TRIGGER people_ai;
        ALTER TABLE log ADD COLUMN at TEXT;
    """
    t = catalog(tmp_path, BASE, migration)
    assert [c.name for c in t["log"].columns] == ["msg", "at"]
    assert not sqlite_rejects(BASE, migration)


def test_fts5_virtual_table(tmp_path: Path) -> None:
    t = catalog(tmp_path, """
        CREATE VIRTUAL TABLE docs USING fts5(title, body UNINDEXED, tokenize = 'porter unicode61', prefix='2 3');
        CREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5(other);
        CREATE VIRTUAL TABLE notes USING fts4(content TEXT);
    """)
    assert shape(t["docs"]) == [("title", "str", True), ("body", "str", True)]
    assert shape(t["notes"]) == [("content", "str", True)]


# -- views -------------------------------------------------------------------------------

def test_views(tmp_path: Path) -> None:
    t = catalog(tmp_path, BASE, """
        CREATE VIEW adults AS SELECT id, full_name AS name FROM people WHERE age >= 18;
        CREATE VIEW adult_names AS SELECT name FROM adults;
        CREATE VIEW renamed (a, b) AS SELECT id, age FROM people;
        CREATE VIEW everything AS SELECT * FROM people;
        CREATE VIEW IF NOT EXISTS everything AS SELECT 1 AS one;
    """, "ALTER TABLE people ADD COLUMN email TEXT NOT NULL DEFAULT '';")
    assert t["adults"].is_view and not t["people"].is_view
    assert shape(t["adults"]) == [("id", "int", False), ("name", "str", False)]
    assert shape(t["adult_names"]) == [("name", "str", False)]
    assert shape(t["renamed"]) == [("a", "int", False), ("b", "int", True)]
    # SQLite expands a view's * at each use: the later column is part of the view.
    assert [c.name for c in t["everything"].columns] == ["id", "full_name", "age", "obsolete", "email"]


def test_dropped_view(tmp_path: Path) -> None:
    t = catalog(tmp_path, BASE, "CREATE VIEW v AS SELECT id FROM people;\nDROP VIEW v;\nDROP VIEW IF EXISTS v;")
    assert "v" not in t


def test_view_survives_dropping_an_unrelated_column(tmp_path: Path) -> None:
    t = catalog(tmp_path, BASE, "CREATE VIEW v AS SELECT id, full_name FROM people;",
                "ALTER TABLE people DROP COLUMN obsolete;")
    assert shape(t["v"]) == [("id", "int", False), ("full_name", "str", False)]


def test_view_follows_a_renamed_column(tmp_path: Path) -> None:
    """SQLite (3.25+) rewrites views when a column they use is renamed."""
    migrations = (BASE, "CREATE VIEW v AS SELECT id, full_name FROM people;",
                  "ALTER TABLE people RENAME COLUMN full_name TO name;")
    assert not sqlite_rejects(*migrations)
    t = catalog(tmp_path, *migrations)
    assert shape(t["v"]) == [("id", "int", False), ("name", "str", False)]


def test_view_follows_a_renamed_table(tmp_path: Path) -> None:
    """SQLite (3.26+) rewrites views when a table they use is renamed."""
    migrations = (BASE, "CREATE VIEW v AS SELECT id, full_name FROM people;", "ALTER TABLE people RENAME TO persons;")
    assert not sqlite_rejects(*migrations)
    t = catalog(tmp_path, *migrations)
    assert shape(t["v"]) == [("id", "int", False), ("full_name", "str", False)]


def test_view_may_name_a_table_created_later(tmp_path: Path) -> None:
    """SQLite checks a view when it is used, not when it is created: `sqlite3 db .schema` after a table
    rebuild lists the view before the table it reads, and that schema must load."""
    migrations = ("CREATE VIEW v AS SELECT id, name FROM t;\n"
                  "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL);",)
    assert not sqlite_rejects(*migrations)
    t = catalog(tmp_path, *migrations)
    assert shape(t["v"]) == [("id", "int", False), ("name", "str", False)]


def test_view_invalid_at_the_end_is_an_error(tmp_path: Path) -> None:
    """A view no query could use (SQLite would fail on it) cannot get a model: that is reported."""
    found = errors(tmp_path, BASE, "CREATE VIEW v AS SELECT * FROM nobody;")
    assert len(found) == 1 and found[0].startswith("schema/002.sql:1:") and "no such table: nobody" in found[0]


# -- errors: located, all of them, and only where SQLite errs too ----------------------------

@pytest.mark.parametrize("migration, message", [
    ("CREATE TABLE people (id INT);", "table 'people' already exists"),
    ("CREATE TABLE t (a INT, A TEXT);", "duplicate column name 'A'"),
    ("CREATE TABLE t (a INT, PRIMARY KEY (b));", "no such column 'b' in table 't'"),
    ("ALTER TABLE nobody ADD COLUMN x INT;", "no such table: nobody"),
    ("ALTER TABLE people DROP COLUMN nope;", "no such column: 'nope' in table 'people'"),
    ("ALTER TABLE people RENAME COLUMN nope TO x;", "no such column: 'nope' in table 'people'"),
    ("ALTER TABLE people RENAME COLUMN age TO full_name;", "duplicate column name: 'full_name'"),
    ("ALTER TABLE people ADD COLUMN age TEXT;", "duplicate column name: 'age'"),
    ("ALTER TABLE people ADD COLUMN pk INTEGER PRIMARY KEY;", "cannot add a PRIMARY KEY column"),
    ("ALTER TABLE people DROP COLUMN id;", "cannot drop PRIMARY KEY column 'id'"),
    ("ALTER TABLE tmp RENAME TO people;", "there is already another table or view named 'people'"),
    ("DROP TABLE nobody;", "no such table: nobody"),
    ("DROP VIEW people;", "no such view: people"),
    ("CREATE VIEW tmp AS SELECT 1;", "view 'tmp' already exists"),
    ("FROBNICATE people;", "unsupported statement 'FROBNICATE' in schema"),
])
def test_schema_errors(tmp_path: Path, migration: str, message: str) -> None:
    assert sqlite_rejects(BASE, migration), "SQLite accepts it: codegen must too"
    found = errors(tmp_path, BASE, migration)
    assert len(found) == 1, found
    assert found[0].startswith("schema/002.sql:1:")
    assert found[0].endswith(f": error: {message}")


def test_error_positions_point_at_the_offending_name(tmp_path: Path) -> None:
    found = errors(tmp_path, BASE, "-- comment line\nALTER TABLE people\n    DROP COLUMN missing_one;\n\n"
                   "CREATE TABLE ok (a INT);\nALTER TABLE  nowhere ADD b INT;\n")
    assert found == [
        "schema/002.sql:3:17: error: no such column: 'missing_one' in table 'people'",
        "schema/002.sql:6:14: error: no such table: nowhere",
    ]


def test_every_error_of_every_file_is_reported_in_order(tmp_path: Path) -> None:
    found = errors(tmp_path, "CREATE TABLE a (x INT);\nDROP TABLE b;\n", "ALTER TABLE c ADD y INT;\nDROP TABLE a;\n"
                   "DROP TABLE a;\n")
    assert found == ["schema/001.sql:2:12: error: no such table: b",
                     "schema/002.sql:1:13: error: no such table: c",
                     "schema/002.sql:3:12: error: no such table: a"]


def test_view_broken_by_a_later_migration_is_reported_at_the_view(tmp_path: Path) -> None:
    found = errors(tmp_path, BASE, "-- a view\nCREATE VIEW v AS SELECT id, obsolete FROM people;",
                   "ALTER TABLE people DROP COLUMN obsolete;")
    assert len(found) == 1
    assert found[0].startswith("schema/002.sql:2:1: error: ")
    assert "no such column: obsolete" in found[0]


# -- the whole catalog agrees with SQLite --------------------------------------------------

MIGRATIONS = [
    """
    CREATE TABLE accounts (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE, name TEXT,
                           created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
    CREATE TABLE sessions (token TEXT PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES accounts (id),
                           expires DATETIME NOT NULL) WITHOUT ROWID;
    CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT NOT NULL, who INTEGER);
    CREATE INDEX audit_who ON audit (who);
    """,
    """
    ALTER TABLE accounts ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;
    ALTER TABLE audit RENAME COLUMN who TO account_id;
    CREATE TABLE tags (account_id INTEGER NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (account_id, tag));
    """,
    """
    CREATE TABLE accounts_new (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE,
                               name TEXT NOT NULL DEFAULT '', disabled BOOLEAN NOT NULL DEFAULT FALSE);
    INSERT INTO accounts_new (id, email, name, disabled) SELECT id, email, COALESCE(name, ''), disabled FROM accounts;
    DROP TABLE accounts;
    ALTER TABLE accounts_new RENAME TO accounts;
    ALTER TABLE audit DROP COLUMN what;
    ALTER TABLE audit ADD COLUMN detail JSON;
    DROP TABLE IF EXISTS tags;
    CREATE TABLE IF NOT EXISTS tags (id INTEGER PRIMARY KEY, label TEXT);
    """,
]


def test_catalog_matches_sqlite(tmp_path: Path) -> None:
    tables = catalog(tmp_path, *MIGRATIONS)
    ours = {name: [(c.name, c.nullable) for c in t.columns] for name, t in tables.items()}
    assert ours == sqlite_columns(*MIGRATIONS)
