"""Real-SQLite type evidence: every value SQLite returns must fit the type codegen declared.

For each project (a folder with a pyproject.toml [tool.codegen] table) the migrations are
applied to a real SQLite file, every table is filled with generated rows (NULL wherever the
schema allows it), and every query runs several times with generated parameters inside a
savepoint that is rolled back; each returned value is judged against its declared type and
nullability. tests/evidence.py holds the machinery and documents how values are drawn and
judged (an int is accepted where float is declared: see `judge` there).

Projects: the repository itself (schema/ + queries/); every golden input under
tests/golden/*/input/ except the intentional error cases (a case with expected_errors.txt beside
input/ is excluded by that rule); every sqlc conformance case under
../shared/conformance/sqlite except those whose expected.json says {"error": true} (sqlc rejects
the input). A golden input that does not generate and is not an error case fails here.

A contradiction is a bug in the analysis (or in the generator of values): the test stays strict.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

import evidence
from codegen import ir, pipeline
from codegen.errors import CodegenError

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden"
CONFORMANCE = REPO.parent / "shared" / "conformance" / "sqlite"


def _projects() -> list[object]:
    params: list[object] = [pytest.param(REPO, id="repo")]
    for case in sorted(GOLDEN.iterdir()) if GOLDEN.is_dir() else []:
        if not (case / "input" / "pyproject.toml").is_file():
            continue
        if (case / "expected_errors.txt").exists():
            continue  # an intentional error case: codegen must refuse it, so there is nothing to run
        params.append(pytest.param(case / "input", id=f"golden/{case.name}"))
    if not CONFORMANCE.is_dir():
        params.append(pytest.param(CONFORMANCE, id="conformance",
                                   marks=pytest.mark.skip(reason=f"{CONFORMANCE} is absent")))
        return params
    for case in sorted(p for p in CONFORMANCE.iterdir() if (p / "expected.json").is_file()):
        if json.loads((case / "expected.json").read_text(encoding="utf-8")).get("error"):
            continue  # sqlc rejects this input (and so does codegen): nothing to run
        if case.name in evidence.REFUSED_CONFORMANCE:
            continue  # codegen refuses it on purpose (tests/test_sqlc_differences.py checks the refusal)
        params.append(pytest.param(case, id=f"conformance/{case.name}"))
    return params


def _name(root: Path) -> str:
    if root == REPO:
        return "repo"
    return f"golden/{root.parent.name}" if root.name == "input" else f"conformance/{root.name}"


@pytest.mark.parametrize("root", _projects())
def test_sqlite_values_fit_declared_types(root: Path, tmp_path: Path) -> None:
    name = _name(root)
    try:
        found = evidence.gather(root, tmp_path / "evidence.sqlite3", name)
    except ValueError as error:  # no sqlite target (a PostgreSQL-only project): nothing to run here
        pytest.skip(str(error))
    except CodegenError as error:
        pytest.fail(f"{name} does not generate (an intentional error case needs expected_errors.txt "
                    f"beside input/):\n{error}")
    print(f"\n{found.summary()}")
    assert found.contradictions == [], (f"{found.summary()}\n" + "\n".join(found.contradictions))
    # Not vacuous: rows went in, most queries ran, and most row-returning queries returned rows.
    assert all(n > 0 for n in found.table_rows.values()), f"tables left empty: {found.table_rows}"
    never_ran = [q for q, s in found.queries.items() if s.ok_runs == 0]
    assert len(never_ran) * 4 <= len(found.queries), (
        f"{found.summary()}\nSQLite rejected every run of: "
        + "; ".join(f"{q} ({', '.join(found.queries[q].rejected)})" for q in never_ran))
    assert len(found.silent) * 4 <= len(found.returning), (
        f"{found.summary()}\nno rows from: {', '.join(found.silent)}")
    if found.returning:
        assert found.values_checked > 0


# --- the checker sees what it should --------------------------------------------------------------

_SCHEMA = """
CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    nickname TEXT,
    age INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'user')),
    seen_at DATETIME NOT NULL
);
"""

_QUERIES = """
-- name: ListPeople :many
SELECT id, name, nickname, age, role, seen_at FROM people ORDER BY id;

-- name: Rename :exec
UPDATE people SET name = ? WHERE id = ?;
"""


def _wrongly(project: ir.Project, query: str, **changes: object) -> ir.Project:
    """The project with one query's analysis changed: columns=, params=, or a column by index."""
    files = []
    for f in project.files:
        queries = []
        for q in f.queries:
            if q.name == query:
                q = dataclasses.replace(q, **changes)  # type: ignore[arg-type]
            queries.append(q)
        files.append(dataclasses.replace(f, queries=tuple(queries)))
    return dataclasses.replace(project, files=tuple(files))


def test_the_checker_finds_wrong_declarations(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "schema").mkdir(parents=True)
    (root / "queries").mkdir()
    (root / "pyproject.toml").write_text('[tool.codegen]\nengine = "sqlite"\nschema = "schema"\n'
                                         'queries = "queries"\nout = "gen"\n', encoding="utf-8")
    (root / "schema" / "1.sql").write_text(_SCHEMA, encoding="utf-8")
    (root / "queries" / "q.sql").write_text(_QUERIES, encoding="utf-8")
    right = pipeline.analyze(evidence.sqlite_config(root))
    honest = evidence.gather(root, tmp_path / "honest.sqlite3", "honest", right)
    assert honest.contradictions == [] and honest.queries["ListPeople"].rows > 0, honest.contradictions

    columns = {q.name: q for f in right.files for q in f.queries}["ListPeople"].columns
    params = {q.name: q for f in right.files for q in f.queries}["Rename"].params

    def column(i: int, **change: object) -> tuple[ir.ResultColumn, ...]:
        return tuple(dataclasses.replace(c, **change) if n == i else c for n, c in enumerate(columns))  # type: ignore[arg-type]

    wrong = {
        "NULL where the column is declared NOT NULL": column(2, nullable=False),  # nickname
        "not a str": column(3, type=ir.ValueType(ir.STR)),  # age
        "not one of the Literal values": column(4, type=ir.ValueType(ir.STR, ("admin",))),  # role
        "pydantic rejects it": column(5, type=ir.ValueType(ir.DATE)),  # seen_at: a datetime is no date
        "not an int": column(1, type=ir.ValueType(ir.INT)),  # name
        "SQLite returns 6 columns, declared 5": columns[:5],
    }
    for i, (expected, declared) in enumerate(wrong.items()):
        found = evidence.gather(root, tmp_path / f"wrong{i}.sqlite3", "wrong", _wrongly(right, "ListPeople",
                                                                                        columns=declared))
        assert any(expected in c for c in found.contradictions), (expected, found.contradictions)

    # name is NOT NULL: a parameter declared nullable for it is refused by SQLite when it is NULL.
    nullable_name = tuple(dataclasses.replace(p, nullable=True) if p.name == "name" else p for p in params)
    found = evidence.gather(root, tmp_path / "param.sqlite3", "wrong", _wrongly(right, "Rename", params=nullable_name))
    assert any("a parameter declared nullable cannot be NULL" in c for c in found.contradictions), found.contradictions
