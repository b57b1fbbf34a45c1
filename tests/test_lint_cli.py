"""`python -m codegen lint` as a command: output formats, suppressions, --since, exit codes, and the
repository's own migrations and queries."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.engines.sqlite.engine import SQLITE
from codegen.lint.cli import run
from codegen.lint.rules import RULES

REPO = Path(__file__).resolve().parents[1]
INIT = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);\n"


def project(root: Path, migrations: dict[str, str], config: str = "") -> Path:
    (root / "schema").mkdir(parents=True)
    (root / "queries").mkdir()
    (root / "pyproject.toml").write_text('[tool.codegen]\nschema = "schema"\nqueries = "queries"\nout = "generated"\n'
                                         + config, encoding="utf-8")
    (root / "queries" / "users.sql").write_text("-- name: GetUser :one\nSELECT * FROM users WHERE id = @id;\n",
                                                encoding="utf-8")
    for name, text in migrations.items():
        (root / "schema" / name).write_text(text, encoding="utf-8")
    return root


def lint(root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
         ) -> tuple[int, str, str]:
    monkeypatch.chdir(root)
    status = run(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_text_lines_name_path_line_col_severity_and_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, {"001_init.sql": INIT, "002_add.sql": "-- Roles.\n\n"
                              "ALTER TABLE users\n    ADD COLUMN role TEXT NOT NULL;\n"})
    status, out, _ = lint(root, monkeypatch, capsys)
    assert status == 1
    line = out.splitlines()[0]
    assert re.fullmatch(r"schema/002_add\.sql:4:16: error: sqlite-add-not-null-without-default: .+", line), line
    assert out.splitlines()[-1] == "codegen lint: 1 error(s), 0 warning(s)"


def test_suppression_on_or_just_above_the_statement(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    allow = '-- codegen: allow drop-column reason="nobody reads it since 1.2"'
    root = project(tmp_path, {"001_init.sql": INIT,
                              "002_above.sql": f"{allow}\n-- another comment line\nALTER TABLE users DROP COLUMN email;\n",
                              "003_same.sql": f"ALTER TABLE users DROP COLUMN name; {allow}\n",
                              "004_far.sql": f"{allow}\n\nALTER TABLE users ADD COLUMN a TEXT;\n"
                                             "ALTER TABLE users DROP COLUMN a;\n"})
    status, out, _ = lint(root, monkeypatch, capsys)
    assert status == 0
    findings = [line for line in out.splitlines() if ": warning: " in line]
    # 002 and 003 are silenced; 004's comment is separated from its statement by a blank line
    # and another statement.
    assert findings == ["schema/004_far.sql:4:19: warning: drop-column: drops column users.a and its data"]


def test_suppression_without_reason_silences_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, {"001_init.sql": INIT,
                              "002_drop.sql": "-- codegen: allow drop-column\nALTER TABLE users DROP COLUMN email;\n"})
    status, out, _ = lint(root, monkeypatch, capsys)
    assert status == 1
    assert "schema/002_drop.sql:1:1: error: suppression-without-reason" in out
    assert "schema/002_drop.sql:2:19: warning: drop-column" in out


def test_since_lints_only_later_migrations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, {"001_init.sql": INIT, "002_drop.sql": "ALTER TABLE users DROP COLUMN email;\n",
                              "003_drop.sql": "ALTER TABLE users DROP COLUMN name;\n"})
    _, out, _ = lint(root, monkeypatch, capsys, "--since", "2")
    assert "002_drop" not in out and "003_drop.sql:1:19: warning: drop-column" in out
    assert lint(root, monkeypatch, capsys, "--since", "two")[0] == 2


def test_json_and_sarif(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, {"001_init.sql": INIT, "002_drop.sql": "DROP TABLE users;\n"})
    (root / "queries" / "users.sql").write_text("-- name: Wipe :exec\nDELETE FROM users;\n", encoding="utf-8")
    (root / "schema" / "002_drop.sql").write_text("ALTER TABLE users DROP COLUMN email;\n", encoding="utf-8")
    status, out, _ = lint(root, monkeypatch, capsys, "--format", "json")
    found = json.loads(out)
    assert status == 1
    assert {(f["rule"], f["severity"], f["path"], f["line"]) for f in found} == {
        ("drop-column", "warning", "schema/002_drop.sql", 1), ("delete-without-where", "error", "queries/users.sql", 2)}
    assert all(f["fix"] == RULES[f["rule"]].fix for f in found)
    status, out, _ = lint(root, monkeypatch, capsys, "--format", "sarif")
    log = json.loads(out)
    assert status == 1 and log["version"] == "2.1.0" and "sarif-2.1.0" in log["$schema"]
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    for result in run_["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning")
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1


@pytest.mark.parametrize("bad", [
    {"pyproject.toml": "[tool.codegen]\nschema = 1\n"},
    {"schema/002_bad.sql": "CREATE TABLE (;\n"},
    {"queries/users.sql": "-- name: GetUser :one\nSELECT nope FROM users;\n"},
    {"schema/002_bad.sql": b"\xff\xfe"},
    {"pyproject.toml": '[tool.codegen]\nschema = "schema"\nqueries = "queries"\nsqlite_min_version = "three"\n'},
])
def test_unreadable_input_exits_2_without_traceback(bad: dict[str, str | bytes], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, {"001_init.sql": INIT})
    for name, content in bad.items():
        path = root / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content, encoding="utf-8")
    status, out, err = lint(root, monkeypatch, capsys)
    assert status == 2
    assert re.search(r"^\S+:\d+:\d+: error: ", err, re.MULTILINE), err
    assert "Traceback" not in err and out == ""


def test_previous_queries_path_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, {"001_init.sql": INIT})
    assert lint(root, monkeypatch, capsys, "--previous-queries", "nope")[0] == 2


def test_the_repository_lints_clean() -> None:
    """The repo's migrations and queries (both targets) have no finding left, and every suppression
    in them gives a reason (one without would be an error-level finding)."""
    done = subprocess.run([sys.executable, "-m", "codegen", "lint"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "codegen lint: 0 error(s), 0 warning(s)\n"


def test_readme_lists_every_rule_and_the_hook_exists() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Lint"):]
    section = section[:section.index("\n## ", 1)]
    listed = re.findall(r"^\| `([\w-]+)` \| (\w+) \| (error|warning) \|", section, re.MULTILINE)
    engines = {("sqlite", "postgresql"): "both", ("sqlite",): "SQLite", ("postgresql",): "PostgreSQL"}
    assert listed == [(r.id, engines[r.engines], r.severity) for r in RULES.values()]
    hooks = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert re.search(r"^- id: codegen-lint\n(  .+\n)*  entry: codegen lint\n", hooks, re.MULTILINE)


def test_a_suppression_above_a_query_silences_it_and_stays_out_of_its_docstring(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from codegen.annotate import split_blocks
    from codegen.source import SourceFile

    root = project(tmp_path, {"001_init.sql": INIT})
    text = ("-- Every user called so.\n"
            '-- codegen: allow one-not-unique reason="names are unique in practice: the signup form checks"\n'
            "-- name: UserByName :one\nSELECT * FROM users WHERE name = @name;\n")
    (root / "queries" / "users.sql").write_text(text, encoding="utf-8")
    status, out, _ = lint(root, monkeypatch, capsys)
    assert status == 0 and "one-not-unique" not in out
    (root / "queries" / "users.sql").write_text(text.replace("-- codegen: allow", "-- nothing"), encoding="utf-8")
    assert "queries/users.sql:4:1: warning: one-not-unique" in lint(root, monkeypatch, capsys)[1]
    blocks, _ = split_blocks(SourceFile.of("q.sql", text), SQLITE)
    assert blocks[0].doc == "Every user called so."


@pytest.mark.parametrize("header, refused", [
    ("-- +goose Up\n", True),                              # goose wraps each file in a transaction...
    ("-- +goose NO TRANSACTION\n-- +goose Up\n", False),    # ...unless told not to
    ("-- migrate:up\n", True),                              # dbmate too
    ("-- migrate:up transaction:false\n", False),
    ("", False),                                            # golang-migrate: one statement, no transaction
])
def test_concurrently_knows_which_migration_tools_wrap_a_file(header: str, refused: bool, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, {"001_init.sql": "CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT);\n",
                              "002_index.sql": header + "CREATE INDEX CONCURRENTLY users_email ON users (email);\n"},
                   'engine = "postgresql"\n')
    _, out, _ = lint(root, monkeypatch, capsys)
    assert ("pg-concurrently-in-transaction" in out) == refused, out
