"""MERGE cases the pgmerge lane pinned: each was wrong once (MERGE was refused outright, or a
drawn query got a verdict other than the server's), each checked here without a server (codegen's
verdict and the generated signature) and, where it runs, on the server by test_drawn_pgmerge.py."""

from __future__ import annotations

from pathlib import Path

import drawn_pgmerge as dm
from _support import make_project, run_cli


def _generate(tmp_path: Path, query: str, engine: str = "postgresql") -> tuple[int, str, str]:
    make_project(tmp_path, {"1.sql": dm.SCHEMA if engine == "postgresql" else
                            "CREATE TABLE stock (id integer PRIMARY KEY, name text NOT NULL);\n"},
                 {"q.sql": query}, out="gen", engine=engine, emit_async=True)
    result = run_cli(tmp_path)
    module = tmp_path / "gen" / "queries" / "q.py"
    return result.code, result.stderr, module.read_text() if module.exists() else ""


def test_merge_is_analysed_with_typed_parameters_and_returning(tmp_path: Path) -> None:
    """Was: `unsupported query statement MERGE` for every MERGE."""
    code, err, text = _generate(tmp_path, """-- name: Upsert :many
MERGE INTO stock AS t USING feed AS s ON t.id = s.id
WHEN MATCHED AND s.qty IS NULL THEN DELETE
WHEN MATCHED THEN UPDATE SET qty = coalesce(s.qty, @fill), note = @note
WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, coalesce(s.name, @dname))
WHEN NOT MATCHED BY SOURCE AND t.qty > @max_qty THEN UPDATE SET qty = 0
RETURNING merge_action() AS action, t.qty, s.name AS source_name, old.qty AS old_qty, new.qty AS new_qty;
""")
    assert code == 0, err
    assert "fill: int | None" in text and "note: str | None" in text and "dname: str | None" in text
    assert "max_qty: int" in text
    # merge_action() is text; the target's row is there for every action (DELETE returns the deleted
    # row); the source's is NULL for a BY SOURCE row; old is NULL for an insert, new for a delete
    for field in ("action: str\n", "qty: int\n", "source_name: str | None", "old_qty: int | None",
                  "new_qty: int | None"):
        assert field in text, field


def test_unreachable_when_clause_is_refused(tmp_path: Path) -> None:
    """Was accepted: the server refuses a WHEN clause after an unconditional one of its kind when it
    prepares the statement (drawn: two WHEN MATCHED THEN UPDATE clauses)."""
    code, err, _ = _generate(tmp_path, """-- name: Twice :exec
MERGE INTO stock AS t USING feed AS s ON t.id = s.id
WHEN MATCHED THEN UPDATE SET qty = 1
WHEN MATCHED THEN DELETE;
""")
    assert code == 1 and "q.sql:" in err and ": error: " in err and "unreachable WHEN clause" in err, err


def test_insert_without_column_list_checks_only_the_columns_it_fills(tmp_path: Path) -> None:
    """Was refused ("column doubled of view None cannot be written"): INSERT VALUES of fewer values
    than the view has columns fills the leading ones only, which the server accepts."""
    code, err, _ = _generate(tmp_path, """-- name: IntoView :execrows
MERGE INTO stock_view AS t USING feed AS s ON t.id = s.id
WHEN NOT MATCHED THEN INSERT VALUES (s.id, coalesce(s.name, '?'), DEFAULT, s.name);
""")
    assert code == 0, err


def test_merge_clauses_see_only_their_rows(tmp_path: Path) -> None:
    """NOT MATCHED has no target row, NOT MATCHED BY SOURCE no source row: the server refuses both."""
    for clause in ("WHEN NOT MATCHED THEN INSERT (id, name) VALUES (t.id, 'x')",
                   "WHEN NOT MATCHED BY SOURCE THEN UPDATE SET qty = s.qty"):
        code, err, _ = _generate(tmp_path, f"-- name: Bad :exec\nMERGE INTO stock AS t USING feed AS s ON t.id = s.id\n"
                                           f"{clause};\n")
        assert code == 1 and "q.sql:3:" in err and "Traceback" not in err, err


def test_merge_stays_a_located_error_on_sqlite(tmp_path: Path) -> None:
    code, err, _ = _generate(tmp_path, "-- name: M :exec\nMERGE INTO stock AS t USING stock AS s ON t.id = s.id\n"
                                       "WHEN MATCHED THEN DELETE;\n", engine="sqlite")
    assert code == 1 and "q.sql:2:1: error: " in err and "MERGE" in err and "Traceback" not in err, err


def test_view_column_over_a_generated_column_takes_default(tmp_path: Path) -> None:
    """Was refused ("column doubled of view stock_view cannot be written"): DEFAULT into a view's
    column over a generated base column is what the server accepts."""
    code, err, _ = _generate(tmp_path, """-- name: IntoView :exec
MERGE INTO stock_view AS t USING feed AS s ON t.id = s.id
WHEN NOT MATCHED BY TARGET THEN INSERT (id, name, doubled) VALUES (s.id, 'g', DEFAULT);
""")
    assert code == 0, err


def test_view_columns_over_generated_columns_follow_the_server(tmp_path: Path) -> None:
    """Was: every statement naming such a column refused ("not a column of the view's base table"),
    and INSERT INTO view VALUES (fewer values) too. Through an updatable view PostgreSQL takes DEFAULT
    for a generated or GENERATED ALWAYS identity column in an INSERT, refuses a value there, and
    refuses an UPDATE of it even to DEFAULT (PREPARE: 428C9), in INSERT, UPDATE and MERGE alike."""
    schema = dm.SCHEMA + "CREATE VIEW every_stock AS SELECT * FROM stock;\n"
    accepted = ["INSERT INTO stock_view VALUES (1, 'a')",
                "INSERT INTO stock_view (id, name, doubled) VALUES (1, 'a', DEFAULT)",
                "INSERT INTO every_stock (id, name, stamp) VALUES (1, 'a', DEFAULT)",
                "UPDATE stock SET stamp = DEFAULT, doubled = DEFAULT",
                "MERGE INTO every_stock AS t USING feed AS s ON t.id = s.id "
                "WHEN NOT MATCHED THEN INSERT (id, name, stamp, doubled) VALUES (s.id, 'a', DEFAULT, DEFAULT)"]
    refused = ["INSERT INTO every_stock (id, name, stamp) VALUES (1, 'a', 5)",
               "INSERT INTO stock_view (id, name, doubled) VALUES (1, 'a', 5)",
               "UPDATE every_stock SET stamp = DEFAULT",
               "UPDATE stock_view SET doubled = DEFAULT",
               "MERGE INTO stock_view AS t USING feed AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET doubled = DEFAULT"]
    for n, sql in enumerate(accepted + refused):
        root = tmp_path / str(n)
        make_project(root, {"1.sql": schema}, {"q.sql": f"-- name: Q :exec\n{sql};\n"}, out="gen", engine="postgresql")
        result = run_cli(root)
        if sql in accepted:
            assert result.code == 0, (sql, result.stderr)
        else:
            assert result.code == 1 and "q.sql:2:" in result.stderr and "Traceback" not in result.stderr \
                and ("generated" in result.stderr or "IDENTITY" in result.stderr), (sql, result.stderr)


TRIGGER_VIEWS = dm.SCHEMA + """CREATE VIEW shout AS SELECT id, upper(name) AS name FROM stock;
CREATE VIEW names AS SELECT DISTINCT id, name FROM stock;
CREATE FUNCTION add_stock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO stock (id, name) VALUES (NEW.id, NEW.name); RETURN NEW; END $$;
CREATE TRIGGER shout_insert INSTEAD OF INSERT ON shout FOR EACH ROW EXECUTE FUNCTION add_stock();
CREATE TRIGGER names_insert INSTEAD OF INSERT ON names FOR EACH ROW EXECUTE FUNCTION add_stock();
"""


def test_merge_into_a_view_follows_its_instead_of_triggers(tmp_path: Path) -> None:
    """Was refused ("column name of view shout cannot be written"): an INSTEAD OF INSERT trigger
    writes a view's computed column in MERGE's INSERT as in INSERT's; a view PostgreSQL cannot change
    by itself takes a MERGE whose every change has such a trigger, and refuses one that has not
    (PREPARE: "cannot delete from view")."""
    cases = {"MERGE INTO shout AS t USING feed AS s ON t.id = s.id "
             "WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, 'x')": True,
             "MERGE INTO names AS t USING feed AS s ON t.id = s.id "
             "WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, 'x')": True,
             "MERGE INTO names AS t USING feed AS s ON t.id = s.id "
             "WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, 'x') WHEN MATCHED THEN DELETE": False,
             "MERGE INTO shout AS t USING feed AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET name = 'x'": False}
    for n, (sql, accepted) in enumerate(cases.items()):
        root = tmp_path / str(n)
        make_project(root, {"1.sql": TRIGGER_VIEWS}, {"q.sql": f"-- name: Q :exec\n{sql};\n"}, out="gen",
                     engine="postgresql")
        result = run_cli(root)
        assert (result.code == 0) == accepted and "Traceback" not in result.stderr, (sql, result.stderr)
        if not accepted:
            assert "q.sql:2:" in result.stderr, result.stderr


def test_merge_parameters_and_results_follow_column_overrides(tmp_path: Path) -> None:
    make_project(tmp_path, {"1.sql": dm.SCHEMA}, {"q.sql": """-- name: M :many
MERGE INTO stock AS t USING feed AS s ON t.id = s.id
WHEN MATCHED AND t.note <> @other THEN UPDATE SET note = @note
WHEN NOT MATCHED THEN INSERT (id, name, note) VALUES (s.id, 'x', @fresh)
WHEN NOT MATCHED BY SOURCE THEN UPDATE SET note = coalesce(t.note, @fill)
RETURNING t.note, old.note AS old_note;
"""}, out="gen", engine="postgresql",
                 extra='overrides = [{column = "stock.note", python_type = "pathlib.Path"}]\n')
    result = run_cli(tmp_path)
    assert result.code == 0, result.stderr
    text = (tmp_path / "gen" / "queries" / "q.py").read_text()
    for name in ("other", "note", "fresh", "fill"):
        assert f"{name}: pathlib.Path | None" in text, name
    assert "    note: pathlib.Path | None\n    old_note: pathlib.Path | None" in text


def test_rolling_lint_reads_merge_actions(tmp_path: Path) -> None:
    """Was silent: the rolling-deploy check read INSERT and UPDATE only, so a NOT NULL column added
    without a default broke the previous release's MERGE ... INSERT, and a NOT NULL set on a column a
    MERGE ... UPDATE SET stores a nullable parameter in broke it, without a word."""
    from test_lint_rolling import first_release, lint, release

    inserting = ("-- name: Sync :exec\nMERGE INTO users AS t USING (SELECT @id::bigint AS id) AS s ON t.id = s.id\n"
                 "WHEN MATCHED THEN UPDATE SET email = sqlc.narg(email)\n"
                 "WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, @name);\n")
    root = first_release(tmp_path, "postgresql", inserting, "release 1: syncs users")
    release(root, {"schema/000002_nick.up.sql": "ALTER TABLE users ADD COLUMN nick text NOT NULL;\n",
                   "schema/000003_email.up.sql": "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n",
                   "queries/users.sql": "-- name: GetUserName :one\nSELECT name FROM users WHERE id = @id;\n"},
            "release 2: every user has a nick and an email")
    done = lint(root, "--previous", "HEAD~1")
    assert "schema/000002_nick.up.sql:1:1: error: previous-query-breaks: the previous release's query Sync" \
        in done.stdout and "column nick is NOT NULL without a default" in done.stdout, done.stdout + done.stderr
    assert "schema/000003_email.up.sql:1:1: error: previous-query-breaks: the previous release's query Sync" \
        in done.stdout and "parameter email is stored in a NOT NULL column" in done.stdout, done.stdout
