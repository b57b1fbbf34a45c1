"""`codegen verify --db FILE`: a live SQLite database compared with the schema its migrations declare.

A synthetic project (tables, keys, a partial index, a view, a trigger, a column added later, a
table created and dropped) is migrated into a real SQLite file, which must then verify clean; each
case changes that file (or migrates it from edited migrations) and expects exactly its difference,
located at the migration statement that declared the object. The PostgreSQL twin is
test_postgres_drift.py.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests import drift_projects
from tests._support import REPO, database, make_project, run_cli

SCHEMA = {
    "0001_init.sql": """\
        CREATE TABLE authors (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            email TEXT UNIQUE,
            rating INTEGER DEFAULT 3 CHECK (rating BETWEEN 1 AND 5)
        );

        CREATE TABLE books (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            author_id INTEGER NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
            title TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
            UNIQUE (author_id, title)
        );

        CREATE INDEX idx_books_status ON books (status) WHERE status = 'draft';
        """,
    "0002_more.sql": """\
        -- a column added later is located here, not at CREATE TABLE books
        ALTER TABLE books ADD COLUMN pages INTEGER;

        CREATE TABLE tags (name TEXT PRIMARY KEY, book_id INTEGER REFERENCES books (id));

        CREATE VIEW published AS SELECT id, title FROM books WHERE status = 'published';

        CREATE TRIGGER books_touch AFTER UPDATE ON books BEGIN
            UPDATE tags SET name = name WHERE book_id = new.id;
        END;
        """,
    "0003_legacy.sql": """\
        CREATE TABLE legacy (id INTEGER);

        DROP TABLE legacy;
        """,
}
QUERIES = {"books.sql": """\
    -- name: GetBook :one
    SELECT * FROM books WHERE id = ?;

    -- name: ListPublished :many
    SELECT * FROM published;
    """}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("drift"), SCHEMA, QUERIES)


def at(project: Path, name: str, text: str) -> str:
    """`schema/name:line` of the line holding text."""
    lines = (project / "schema" / name).read_text().splitlines()
    return f"schema/{name}:{next(i for i, line in enumerate(lines, 1) if text in line)}"


def migrated(project: Path, path: Path, edits: dict[str, tuple[str, str]] | None = None, after: str = "") -> Path:
    """A database file migrated from the project's migrations (with text edits), then changed by `after`."""
    texts = []
    for name in sorted(SCHEMA):
        text = (project / "schema" / name).read_text()
        old, new = (edits or {}).get(name, ("", ""))
        if old:
            assert old in text, old
            text = text.replace(old, new)
        texts.append(text)
    database(path, [*texts, after]).close()
    return path


def drift_lines(project: Path, db: Path | str) -> tuple[int, list[str]]:
    result = run_cli(project, "verify", "--db", str(db))
    assert "Traceback" not in result.stderr
    return result.code, [line for line in result.stderr.splitlines() if ": error: drift: " in line]


# (id, edits of the migrations, SQL run on the migrated file, (file, text of the declaring line), message)
CASES = [
    ("table-missing", None, "DROP TABLE tags", ("0002_more.sql", "CREATE TABLE tags"),
     "table tags is missing from the database"),
    ("table-extra", None, "CREATE TABLE audit (x)", ("0001_init.sql", "CREATE TABLE authors"),
     "table audit is in the database, the migrations do not declare it"),
    ("dropped-table-kept", None, "CREATE TABLE legacy (id INTEGER)", ("0003_legacy.sql", "DROP TABLE legacy"),
     "table legacy is in the database, the migrations do not declare it (this statement drops it)"),
    ("column-missing", None, "ALTER TABLE books DROP COLUMN pages", ("0002_more.sql", "ADD COLUMN pages"),
     "column books.pages is missing from the database"),
    ("column-extra", None, "ALTER TABLE authors ADD COLUMN bio TEXT", ("0001_init.sql", "CREATE TABLE authors"),
     "column authors.bio is in the database"),
    ("type", {"0001_init.sql": ("name TEXT NOT NULL", "name VARCHAR(40) NOT NULL")}, "",
     ("0001_init.sql", "CREATE TABLE authors"), "column authors.name: type: the migrations declare TEXT, "
                                                 "the database has VARCHAR(40)"),
    ("nullability", {"0001_init.sql": ("title TEXT NOT NULL", "title TEXT")}, "",
     ("0001_init.sql", "CREATE TABLE books"), "column books.title: not null: the migrations declare NOT NULL, "
                                               "the database has nullable"),
    ("default", {"0001_init.sql": ("DEFAULT 3", "DEFAULT 4")}, "", ("0001_init.sql", "CREATE TABLE authors"),
     "column authors.rating: default: the migrations declare 3, the database has 4"),
    ("primary-key", {"0002_more.sql": ("name TEXT PRIMARY KEY", "name TEXT")}, "",
     ("0002_more.sql", "CREATE TABLE tags"), "the primary key of tags is missing from the database"),
    ("foreign-key-action", {"0001_init.sql": (" ON DELETE CASCADE", "")}, "",
     ("0001_init.sql", "CREATE TABLE books"),
     "FOREIGN KEY (author_id) REFERENCES authors (id) on books: on delete: the migrations declare CASCADE, "
     "the database has NO ACTION"),
    ("foreign-key-missing", {"0002_more.sql": (" REFERENCES books (id)", "")}, "",
     ("0002_more.sql", "CREATE TABLE tags"), "FOREIGN KEY (book_id) REFERENCES books (id) on tags is missing"),
    ("unique", {"0001_init.sql": (",\n    UNIQUE (author_id, title)", "")}, "",
     ("0001_init.sql", "CREATE TABLE books"), "UNIQUE (author_id, title) on books is missing from the database"),
    ("check", {"0001_init.sql": ("'published'))", "'published', 'retired'))")}, "",
     ("0001_init.sql", "CREATE TABLE books"),
     "CHECK ( status in ( 'draft' , 'published' , 'retired' ) ) on books is in the database"),
    ("index-missing", None, "DROP INDEX idx_books_status", ("0001_init.sql", "CREATE INDEX idx_books_status"),
     "index idx_books_status on books is missing from the database"),
    ("index-definition", None, "DROP INDEX idx_books_status; CREATE INDEX idx_books_status ON books (status)",
     ("0001_init.sql", "CREATE INDEX idx_books_status"), "index idx_books_status on books: definition"),
    ("index-extra", None, "CREATE INDEX idx_books_title ON books (title)", ("0001_init.sql", "CREATE TABLE books"),
     "index idx_books_title on books is in the database"),
    ("view", None, "DROP VIEW published; CREATE VIEW published AS SELECT id, title FROM books",
     ("0002_more.sql", "CREATE VIEW published"), "view published: definition"),
    ("trigger", None, "DROP TRIGGER books_touch", ("0002_more.sql", "CREATE TRIGGER books_touch"),
     "trigger books_touch on books is missing from the database"),
    ("column-order", {"0001_init.sql": ("    name TEXT NOT NULL,\n    email TEXT UNIQUE,\n",
                                        "    email TEXT UNIQUE,\n    name TEXT NOT NULL,\n")}, "",
     ("0001_init.sql", "CREATE TABLE authors"), "table authors: column order"),
    ("collation", {"0002_more.sql": ("name TEXT PRIMARY KEY", "name TEXT COLLATE NOCASE PRIMARY KEY")}, "",
     ("0002_more.sql", "CREATE TABLE tags"), "column tags.name: collation: the migrations declare none, "
                                             "the database has nocase"),
    ("autoincrement", {"0001_init.sql": ("PRIMARY KEY AUTOINCREMENT", "PRIMARY KEY")}, "",
     ("0001_init.sql", "CREATE TABLE books"), "table books: autoincrement: the migrations declare yes"),
]


def test_a_database_migrated_from_the_migrations_matches(project: Path, tmp_path: Path) -> None:
    db = migrated(project, tmp_path / "live.db")
    before = db.read_bytes()
    result = run_cli(project, "verify", "--db", str(db))
    assert (result.code, result.stderr) == (0, "")
    assert "matches the migrations" in result.stdout and "2 statements prepared" in result.stdout
    assert db.read_bytes() == before  # read-only: not a byte written


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_difference_is_reported_at_the_declaring_statement(project: Path, tmp_path: Path, case: tuple) -> None:
    _, edits, after, (name, text), message = case
    code, lines = drift_lines(project, migrated(project, tmp_path / "live.db", edits, after))
    assert code == 1
    located = [line for line in lines if message in line]
    assert located, lines
    assert all(line.startswith(at(project, name, text) + ":") for line in located), (located, at(project, name, text))


def test_at_least_ten_kinds_of_difference() -> None:
    assert len({c[0].split("-")[0] for c in CASES}) >= 10


def test_a_query_the_live_database_refuses_is_located_at_the_query(project: Path, tmp_path: Path) -> None:
    db = migrated(project, tmp_path / "live.db", after="DROP VIEW published")
    result = run_cli(project, "verify", "--db", str(db))
    assert result.code == 1
    assert any(line.startswith("queries/books.sql:5:1: error: query ListPublished: SQLite rejects it: no such table")
               for line in result.stderr.splitlines()), result.stderr


@pytest.mark.parametrize("argument, reason", [("missing.db", "no such database file"),
                                              (".", "not a regular file"),
                                              ("garbage.db", "cannot read the database")])
def test_an_unusable_database_argument_is_a_clean_error(project: Path, tmp_path: Path, argument: str,
                                                        reason: str) -> None:
    (tmp_path / "garbage.db").write_bytes(b"not a database at all, " * 100)
    path = str(tmp_path / argument)
    result = run_cli(project, "verify", "--db", path)
    assert result.code == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{path}: error: {reason}"), result.stderr


def test_the_repository_schema_migrated_verifies_clean(tmp_path: Path) -> None:
    """This repository's own schema, applied file by file and by codegen migrate."""
    by_script, by_migrate = tmp_path / "script.db", tmp_path / "migrate.db"
    database(by_script, sorted((REPO / "schema").glob("*.up.sql"))).close()
    assert run_cli(REPO, "migrate", "--db", str(by_migrate)).code == 0
    for db in (by_script, by_migrate):
        result = run_cli(REPO, "verify", "--db", str(db))
        assert (result.code, result.stderr) == (0, ""), result.stderr


# Drawn changes to a migrated database; each is (SQL, file, text of the declaring line, message).
MUTATIONS = {
    "drop-pages": ("ALTER TABLE books DROP COLUMN pages", "0002_more.sql", "ADD COLUMN pages",
                   "column books.pages is missing"),
    "extra-column": ("ALTER TABLE tags ADD COLUMN note TEXT", "0002_more.sql", "CREATE TABLE tags",
                     "column tags.note is in the database"),
    "drop-index": ("DROP INDEX idx_books_status", "0001_init.sql", "CREATE INDEX", "index idx_books_status on books"),
    "drop-view": ("DROP VIEW published", "0002_more.sql", "CREATE VIEW", "view published is missing"),
    "drop-trigger": ("DROP TRIGGER books_touch", "0002_more.sql", "CREATE TRIGGER", "trigger books_touch"),
    "keep-legacy": ("CREATE TABLE legacy (id INTEGER)", "0003_legacy.sql", "DROP TABLE legacy", "table legacy"),
    "extra-table": ("CREATE TABLE zz (x)", "0001_init.sql", "CREATE TABLE authors", "table zz is in the database"),
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chosen=st.sets(st.sampled_from(sorted(MUTATIONS))), extra_column=st.from_regex(r"\A[a-z][a-z0-9_]{0,10}\Z"))
def test_drawn_changes_are_each_reported_and_nothing_else(project: Path, tmp_path: Path, chosen: set[str],
                                                           extra_column: str) -> None:
    """Any combination of changes: exactly one located line per change, no other drift line;
    a drawn column added to authors is located at CREATE TABLE authors."""
    db = tmp_path / "drawn.db"
    db.unlink(missing_ok=True)
    name = f"x_{extra_column}"
    sql = "; ".join([MUTATIONS[m][0] for m in sorted(chosen)] + [f'ALTER TABLE authors ADD COLUMN "{name}" TEXT'])
    code, lines = drift_lines(project, migrated(project, db, after=sql))
    assert code == 1
    expected = {m: MUTATIONS[m][1:] for m in chosen} | {
        "drawn": ("0001_init.sql", "CREATE TABLE authors", f"column authors.{name} is in the database")}
    assert len(lines) == len(expected), lines
    for file, text, message in expected.values():
        assert [line for line in lines if message in line and line.startswith(at(project, file, text) + ":")], \
            (message, lines)


def test_a_migration_the_sandbox_refuses_is_located_and_touches_no_file(tmp_path: Path) -> None:
    target = tmp_path / "attached.db"
    project = make_project(tmp_path / "p", {"0001.sql": f"CREATE TABLE t (id INTEGER);\nATTACH DATABASE '{target}' AS x;\n"},
                           {"q.sql": "-- name: One :one\nSELECT id FROM t;\n"})
    db = tmp_path / "live.db"
    database(db, ["CREATE TABLE t (id INTEGER);"]).close()
    result = run_cli(project, "verify", "--db", str(db))
    assert result.code == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("schema/0001.sql:2:1: error: verify refuses ATTACH"), result.stderr
    assert not target.exists()


def test_a_postgresql_url_needs_a_postgresql_target(project: Path) -> None:
    result = run_cli(project, "verify", "--db", "postgresql://someone:pw@/x")
    assert result.code == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("postgresql://someone:***@/x: error: no target of pyproject.toml is for an engine"), \
        result.stderr


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=drift_projects.projects("sqlite"), data=st.data())
def test_a_drawn_change_to_a_drawn_column_is_located_at_its_declaring_migration(tmp_path_factory: pytest.TempPathFactory,
                                                                                drawn: tuple, data: st.DataObject) -> None:
    """Drawn tables and columns over drawn migrations (CREATE TABLE or a later ADD COLUMN): the
    database migrated from them reports nothing; with one drawn column's type, nullability or
    default changed (or the column left out), every drift line is at the statement that declared
    that column, and names it."""
    tables, count = drawn
    table = data.draw(st.sampled_from([t for t in tables if t.columns]))
    column = data.draw(st.sampled_from(table.columns))
    change = data.draw(st.sampled_from(drift_projects.CHANGES))
    assume(not (change == "default" and column.not_null and column.migration > table.migration))
    root = tmp_path_factory.mktemp("drawn")
    files = drift_projects.render(tables, count)
    project = make_project(root / "p", files, {"q.sql": "-- name: One :one\nSELECT 1;\n"})
    clean = root / "clean.db"
    database(clean, list(files.values())).close()
    assert drift_lines(project, clean) == (0, [])
    live_tables, message = drift_projects.changed(tables, table, column, change, "sqlite")
    live = root / "live.db"
    database(live, list(drift_projects.render(live_tables, count).values())).close()
    code, lines = drift_lines(project, live)
    where = drift_projects.declaring_line(files, table, column)
    assert code == 1 and lines and any(message in line for line in lines), (message, lines)
    assert all(line.startswith(where + ":") for line in lines), (where, lines)


def test_a_database_migrated_by_codegen_migrate_verifies_clean(project: Path, tmp_path: Path) -> None:
    """The runner's schema_migrations is bookkeeping, not drift; what it applied is what verify expects."""
    db = tmp_path / "migrated.db"
    migrate = run_cli(project, "migrate", "--db", str(db))
    assert migrate.code == 0, migrate.stderr
    result = run_cli(project, "verify", "--db", str(db))
    assert (result.code, result.stderr) == (0, ""), result.stderr


def test_a_copy_made_by_dump_and_restore_verifies_clean(project: Path, tmp_path: Path) -> None:
    """sqlite3's iterdump (as the CLI's .dump) rewrites the schema as SQLite stores it, indexes and
    triggers after the data: the same schema, so nothing differs."""
    source = sqlite3.connect(migrated(project, tmp_path / "source.db"))
    dump = "\n".join(source.iterdump())
    source.close()
    copy = sqlite3.connect(tmp_path / "copy.db")
    copy.executescript(dump)
    copy.close()
    result = run_cli(project, "verify", "--db", str(tmp_path / "copy.db"))
    assert (result.code, result.stderr) == (0, ""), result.stderr


def test_the_same_schema_written_another_way_verifies_clean(project: Path, tmp_path: Path) -> None:
    """Another tool's DDL for the same schema: lower case, quoted names, other spacing, a
    parenthesised default, the later column declared in CREATE TABLE: nothing differs."""
    db = tmp_path / "other.db"
    database(db, ["""
        create table "authors"("id" integer primary key, "name" text not null, "email" text unique,
                               "rating" integer default (3) check(rating between 1 and 5));
        create table books(id integer primary key autoincrement,
            author_id integer not null references "authors"("id") on delete cascade, title text not null,
            status text not null default ('draft') check (status in ('draft','published')), pages integer,
            unique(author_id,title));
        create index idx_books_status on books(status) where status='draft';
        create table tags(name text primary key, book_id integer references books(id));
        create view published as select id,title from books where status='published';
        create trigger books_touch after update on books begin update tags set name=name where book_id=new.id; end;
        """]).close()
    result = run_cli(project, "verify", "--db", str(db))
    assert (result.code, result.stderr) == (0, ""), result.stderr


def test_a_query_the_analysis_refuses_is_reported_beside_the_drift(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"0001.sql": "CREATE TABLE t (id INTEGER, name TEXT);\n"},
                           {"q.sql": "-- name: Bad :one\nSELECT nope FROM t;\n"})
    db = tmp_path / "live.db"
    database(db, ["CREATE TABLE t (id INTEGER);"]).close()
    result = run_cli(project, "verify", "--db", str(db))
    assert result.code == 1 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert any(line.startswith("queries/q.sql:2:") and "nope" in line for line in lines), lines
    assert "schema/0001.sql:1:1: error: drift: column t.name is missing from the database" in lines, lines
