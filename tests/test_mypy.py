"""The generated package passes `mypy --strict`: every type, every command, sync and async."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from _support import generate

ROOT = Path(__file__).resolve().parent.parent

SCHEMA = """
CREATE TABLE kinds (
    id INTEGER PRIMARY KEY,
    i INTEGER NOT NULL,
    i_null INTEGER,
    f REAL NOT NULL,
    f_null REAL,
    s TEXT NOT NULL,
    s_null TEXT,
    b BLOB,
    flag BOOLEAN NOT NULL DEFAULT FALSE,
    day DATE,
    at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    moment DATETIME,
    clock TIME,
    money DECIMAL(10, 2),
    doc JSON,
    untyped,
    state TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'done')),
    "class" TEXT,
    "from" INTEGER,
    "count" INTEGER,
    "index" TEXT,
    conn TEXT,
    path TEXT
);
CREATE TABLE children (
    id INTEGER PRIMARY KEY,
    kind_id INTEGER NOT NULL REFERENCES kinds (id),
    label TEXT NOT NULL
);
CREATE VIEW kind_labels AS SELECT kinds.id, kinds.s, children.label FROM kinds LEFT JOIN children ON children.kind_id = kinds.id;
CREATE VIRTUAL TABLE search USING fts5(body);
"""

QUERIES = {
    "kinds.sql": """
-- name: GetKind :one
SELECT * FROM kinds WHERE id = ?;

-- name: ListKinds :many
SELECT * FROM kinds WHERE state = ? AND at < ? ORDER BY id LIMIT ?;

-- name: KindsByIds :many
SELECT id, s, money FROM kinds WHERE id IN (sqlc.slice(ids)) AND at IN (sqlc.slice(moments))
    AND state IN (sqlc.slice(states));

-- name: CountKinds :one
SELECT COUNT(*) FROM kinds;

-- name: KindStats :one
SELECT COUNT(*) AS n, MAX(f) AS top, MIN(moment) AS earliest FROM kinds;

-- name: OneValue :one
SELECT s_null FROM kinds WHERE id = ?;

-- name: AnyValue :one
SELECT untyped FROM kinds WHERE id = ?;

-- name: CreateKind :execlastid
INSERT INTO kinds (i, i_null, f, f_null, s, s_null, b, flag, day, moment, clock, money, doc, untyped, state,
                   "class", "from", "count", "index", conn, path)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: CreateKindReturning :one
INSERT INTO kinds (i, f, s) VALUES (?, ?, ?) RETURNING id, at, state;

-- name: UpdateKind :execrows
UPDATE kinds SET s = sqlc.arg(new_s), money = sqlc.narg(money) WHERE id = sqlc.arg(id);

-- name: DeleteKind :exec
DELETE FROM kinds WHERE id = ?;
""",
    "class.sql": """
-- name: KindsWithChildren :many
SELECT sqlc.embed(kinds), sqlc.embed(children) FROM kinds LEFT JOIN children ON children.kind_id = kinds.id;

-- name: ChildWithKind :one
SELECT sqlc.embed(children), kinds.s, kinds."class" FROM children JOIN kinds ON kinds.id = children.kind_id
WHERE children.id = ?;

-- name: Labels :many
SELECT * FROM kind_labels;

-- name: Search :many
SELECT rowid, body, rank FROM search WHERE search MATCH ?;

-- name: Pairs :many
SELECT a.id, b.id, a."class", b."class" FROM kinds a JOIN kinds b ON a.i = b.i_null;
""",
}

OVERRIDE = '[[tool.codegen.overrides]]\ncolumn = "kinds.path"\npython_type = "pathlib.Path"\n'


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mypy")


@pytest.fixture(scope="module")
def package(root: Path) -> Path:
    return generate(root / "project", {"1.sql": SCHEMA}, QUERIES, out="typed_db", emit_async=True, extra=OVERRIDE)


def mypy(package: Path, *targets: Path) -> subprocess.CompletedProcess[str]:
    cache = package.parent.parent / ".mypy_cache"  # shared by every package of this module
    return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir", str(cache),
                           "--python-version", "3.11", *(str(t.relative_to(package.parent)) for t in targets)],
                          cwd=package.parent, capture_output=True, text=True, timeout=300)


def test_sync_package_passes_mypy_strict(package: Path) -> None:
    files = sorted(p for p in package.rglob("*.py") if "aio" not in p.relative_to(package).parts)
    assert len(files) >= 6
    result = mypy(package, *files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_whole_package_with_async_passes_mypy_strict(package: Path) -> None:
    assert (package / "aio" / "kinds.py").is_file()
    result = mypy(package, package)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_would_notice_a_type_error(package: Path) -> None:
    """The check is real: a caller passing the wrong type fails under the same settings."""
    user = package.parent / "use_it.py"
    user.write_text("import sqlite3\nfrom typed_db.queries import kinds\n\n"
                    "def f(conn: sqlite3.Connection) -> int:\n    return kinds.get_kind(conn, id='x')\n")
    try:
        result = mypy(package, user)
    finally:
        user.unlink()
    assert result.returncode == 1
    assert 'Argument "id" to "get_kind" has incompatible type "str"; expected "int"' in result.stdout
    assert 'Incompatible return value type (got "Kind | None", expected "int")' in result.stdout


def test_slice_over_a_nullable_converted_column_passes_mypy_strict(root: Path) -> None:
    package = generate(root / "slices", {"1.sql": "CREATE TABLE ev (id INTEGER PRIMARY KEY, day DATE, at DATETIME);"},
                       {"ev.sql": "-- name: OnDays :many\nSELECT id FROM ev WHERE day IN (sqlc.slice(days)) "
                                  "OR at IN (sqlc.slice(moments));\n"}, out="slice_db")
    result = mypy(package, package)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_generator_itself_passes_mypy(tmp_path: Path) -> None:
    """codegen's own annotations hold (mypy's default checks, against the sqlglot it pins): the
    typed IR between the stages is only worth what its checker says."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--cache-dir", str(tmp_path / "cache"), "codegen"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
