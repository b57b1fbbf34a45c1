"""Query analysis, driven by fixture files: tests/fixtures/analyze/*.sql.

A fixture file is a schema followed by annotated queries, each with what analysis must find:

    CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);     <- everything before the first header

    -- name: GetUser :one
    SELECT id, name FROM users WHERE id = ?;
    -- expect params: id:int
    -- expect columns: id:int, name:str?

Types are what `python -m codegen describe` prints, without the module prefixes typing.,
datetime. and decimal. (so `Any`, `datetime`, `Decimal`, `Literal['a', 'b']`); an embedded
table shows its model name. A `?` suffix means nullable, a `[]` suffix a sqlc.slice list.
`(none)` is an empty list. Optional lines:

    -- expect always-one-row: yes          the :one function can never return None
    -- expect error: no such column: x     analysis fails with a message containing this
    -- expect position: +1:12              ...at this line (relative to the header) and column
    -- expect sqlite: accepts              the error is codegen's own: SQLite itself compiles it

Every fixture query is also compiled by real SQLite (EXPLAIN), so the fixtures stay honest:
what must analyse must compile there, and what must fail must fail there too.

Each fixture file becomes a real project in tmp_path: the queries that must succeed are
analysed together (as `python -m codegen describe` would), each query that must fail alone.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from _support import explain, write_files
from codegen import pipeline
from codegen.config import load_config
from codegen.describe import describe
from codegen.errors import CodegenError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "analyze"
_HEADER = re.compile(r"^[ \t]*(?:--|/\*)[ \t]*name:[ \t]*(\S+)", re.MULTILINE)
_EXPECT = re.compile(r"^[ \t]*--[ \t]*expect[ \t]+([\w-]+)[ \t]*:[ \t]*(.*?)[ \t]*$")
_PREFIXES = ("typing.", "datetime.", "decimal.")


@dataclass
class Case:
    fixture: str
    name: str
    line: int  # of the header, 1-based, in the fixture file
    start: int  # offset of the block in the fixture text
    end: int
    expect: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.fixture}::{self.name}"


def _parse(path: Path) -> tuple[str, list[Case]]:
    text = path.read_text(encoding="utf-8")
    headers = list(_HEADER.finditer(text))
    assert headers, f"{path.name}: no queries"
    schema = text[: headers[0].start()]
    cases = []
    for i, h in enumerate(headers):
        end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
        case = Case(path.stem, h.group(1), text.count("\n", 0, h.start()) + 1, h.start(), end)
        for line in text[h.start():end].splitlines():
            m = _EXPECT.match(line)
            if m:
                assert m.group(1) not in case.expect, f"{case.id}: two `expect {m.group(1)}` lines"
                case.expect[m.group(1)] = m.group(2)
        assert case.expect, f"{case.id}: no expectations"
        unknown = set(case.expect) - {"params", "columns", "always-one-row", "error", "position", "sqlite"}
        assert not unknown, f"{case.id}: unknown expectation {unknown}"
        cases.append(case)
    return schema, cases


def _all_cases() -> list[Case]:
    return [c for p in sorted(FIXTURES.glob("*.sql")) for c in _parse(p)[1]]


def _blank_except(text: str, keep: list[Case], schema_end: int) -> str:
    """The query part of a fixture with only some blocks left; lines stay where they were."""
    out = []
    for i, ch in enumerate(text):
        inside = i >= schema_end and any(c.start <= i < c.end for c in keep)
        out.append(ch if inside or ch == "\n" else " ")
    return "".join(out)


def _project(root: Path, fixture: str, schema: str, queries: str) -> Path:
    write_files(root, {
        "pyproject.toml": '[tool.codegen]\nschema = "schema.sql"\nqueries = "queries"\nout = "gen"\n',
        "schema.sql": schema,
    })
    (root / "queries").mkdir()
    (root / "queries" / f"{fixture}.sql").write_text(queries, encoding="utf-8")
    return root


def _short(py_type: str) -> str:
    for prefix in _PREFIXES:
        py_type = py_type.replace(prefix, "")
    return py_type


def _show(items: list[dict[str, object]]) -> str:
    parts = []
    for item in items:
        text = f"{item['name']}:{_short(str(item['py_type']))}"
        if item.get("slice"):
            text += "[]"
        if item["nullable"]:
            text += "?"
        parts.append(text)
    return ", ".join(parts) or "(none)"


def _normalize(expected: str) -> str:
    return ", ".join(_split_top(expected)) if expected.strip() != "(none)" else "(none)"


def _split_top(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current.strip())
    return parts


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, object], object]]:
    """Every query of every fixture that must succeed, analysed together per fixture file.

    A query that fails is taken out (its error recorded) and the rest analysed again, so one
    failing query never hides the results of the others.
    """
    found: dict[str, tuple[dict[str, object], object]] = {}
    for path in sorted(FIXTURES.glob("*.sql")):
        schema, cases = _parse(path)
        text = path.read_text(encoding="utf-8")
        good = [c for c in cases if "error" not in c.expect]
        attempt = 0
        while good:
            attempt += 1
            root = _project(tmp_path_factory.mktemp(f"{path.stem}{attempt}"), path.stem, schema,
                            _blank_except(text, good, len(schema)))
            config = load_config(root / "pyproject.toml", root)
            try:
                project = pipeline.analyze(config)
            except CodegenError as error:
                failed = set()
                for d in error.diagnostics:
                    for c in good:
                        if d.path.startswith("queries/") and c.line <= d.line <= text.count("\n", 0, c.end) + 1:
                            found[c.id] = ({"error": str(d)}, None)
                            failed.add(c.id)
                if not failed:  # not a query's fault (the schema?): every query fails with it
                    for c in good:
                        found[c.id] = ({"error": str(error)}, None)
                    break
                good = [c for c in good if c.id not in failed]
                continue
            queries = {q["name"]: q for q in describe(project, config)["queries"]}
            irs = {q.name: q for f in project.files for q in f.queries}
            for c in good:
                found[c.id] = (queries[c.name], irs[c.name])
            break
    return found


CASES = _all_cases()


@pytest.mark.parametrize("case", [c for c in CASES if "error" not in c.expect], ids=lambda c: c.id)
def test_analysis(case: Case, analysed: dict[str, tuple[dict[str, object], object]]) -> None:
    described, query = analysed[case.id]
    assert "error" not in described, f"analysis failed: {described.get('error')}"
    if "params" in case.expect:
        assert _show(described["params"]) == _normalize(case.expect["params"])  # type: ignore[arg-type]
    if "columns" in case.expect:
        assert _show(described["columns"]) == _normalize(case.expect["columns"])  # type: ignore[arg-type]
    if "always-one-row" in case.expect:
        assert getattr(query, "always_one_row") is (case.expect["always-one-row"] == "yes")


@pytest.mark.parametrize("case", [c for c in CASES if "error" in c.expect], ids=lambda c: c.id)
def test_analysis_error(case: Case, tmp_path: Path) -> None:
    path = FIXTURES / f"{case.fixture}.sql"
    schema, _ = _parse(path)
    text = path.read_text(encoding="utf-8")
    root = _project(tmp_path, case.fixture, schema, _blank_except(text, [case], len(schema)))
    config = load_config(root / "pyproject.toml", root)
    with pytest.raises(CodegenError) as info:
        pipeline.analyze(config)
    messages = [str(d) for d in info.value.diagnostics]
    assert len(messages) == 1, messages
    diagnostic = info.value.diagnostics[0]
    assert diagnostic.path == f"queries/{case.fixture}.sql"
    assert case.expect["error"] in diagnostic.message
    assert diagnostic.message.startswith(f"query {case.name}: ")
    if "position" in case.expect:
        m = re.fullmatch(r"\+(\d+):(\d+)", case.expect["position"])
        assert m, f"bad position {case.expect['position']!r}"
        assert (diagnostic.line, diagnostic.col) == (case.line + int(m.group(1)), int(m.group(2)))


def test_fixture_files_exist() -> None:
    assert len(list(FIXTURES.glob("*.sql"))) >= 5
    assert len(CASES) >= 60


_SQLC = re.compile(r"sqlc\.(arg|narg|slice|embed)\(\s*['\"]?(\w+)['\"]?\s*\)")


def _sqlite_text(case: Case) -> str:
    text = (FIXTURES / f"{case.fixture}.sql").read_text(encoding="utf-8")[case.start:case.end]
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("--")]
    sql = "\n".join(lines).strip().rstrip(";")

    def replace(m: re.Match[str]) -> str:
        if m.group(1) == "embed":
            return f"{m.group(2)}.*"
        # `IN sqlc.slice(x)` without parentheses is sent as `IN (...)`
        bare_in = m.group(1) == "slice" and re.search(r"\bIN\s*$", sql[:m.start()], re.IGNORECASE)
        return "(?)" if bare_in else "?"

    return _SQLC.sub(replace, sql)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_fixture_agrees_with_sqlite(case: Case) -> None:
    schema, _ = _parse(FIXTURES / f"{case.fixture}.sql")
    conn = sqlite3.connect(":memory:")
    conn.create_function("my_udf", -1, lambda *args: None)
    conn.executescript(schema)
    sql = _sqlite_text(case)
    if "error" in case.expect and case.expect.get("sqlite") != "accepts":
        with pytest.raises(sqlite3.Error):
            explain(conn, sql)
    else:
        explain(conn, sql)
    conn.close()


def test_star_over_full_join_using_reads_the_merged_column(tmp_path: Path) -> None:
    """`*` is sent as named columns; the one a FULL JOIN ... USING merges must stay bare, since
    a.id would be NULL on b's unmatched rows where `*` gives b's id."""
    schema = "CREATE TABLE a (id INTEGER NOT NULL, x TEXT);\nCREATE TABLE b (id INTEGER NOT NULL, y TEXT);\n"
    sql = "SELECT * FROM a FULL JOIN b USING (id) ORDER BY 1"
    root = _project(tmp_path, "q", schema, f"-- name: Both :many\n{sql};\n")
    query = pipeline.analyze(load_config(root / "pyproject.toml", root)).files[0].queries[0]
    assert [c.name for c in query.columns] == ["id", "x", "y"]
    conn = sqlite3.connect(":memory:")
    conn.executescript(schema + "INSERT INTO a VALUES (1, 'a'); INSERT INTO b VALUES (2, 'b');")
    assert conn.execute(query.sql).fetchall() == conn.execute(sql).fetchall() == [(1, "a", None), (2, None, "b")]
