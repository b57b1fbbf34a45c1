"""`codegen verify --db` on a SQLite file changed out of band after the runner migrated it: a drawn
history (tests/drawn_evolution.py) is migrated by the package's runner, then drawn changes are
made to the live file by hand, as a person with a shell on the server would.

Some changes are round trips that leave the schema as the migrations declare it (a table or
column renamed and renamed back, a column added and dropped, an index or view dropped and created
again from its own SQL, VACUUM, ANALYZE, REINDEX): verify must stay clean. The others change it
(a column added, dropped or renamed, an index created or dropped, a view or table dropped, a table
created): verify must report drift, each line located in a migration file, one of them at a
statement naming the table changed. The drawing knows which kind each change is; the database
decides whether it takes it (a change it refuses is left out). The PostgreSQL twin draws its own
round trips (a comment, storage parameters, statistics targets, UNLOGGED and back).
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import drawn_runner_kill
from _support import make_project, run_cli
from tests import drawn_evolution, drawn_evolution_db, drawn_evolution_oracle

EXAMPLES = int(os.environ.get("RUNNER_EXAMPLES", "25"))


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _round_trips(conn: sqlite3.Connection, table: str, columns: list[str]) -> list[list[str]]:
    """Changes of `table` that end where they started, each a list of statements."""
    t = _q(table)
    trips = [[f"ALTER TABLE {t} RENAME TO {_q(table + '_tmp')}", f"ALTER TABLE {_q(table + '_tmp')} RENAME TO {t}"],
             [f"ALTER TABLE {t} ADD COLUMN {_q('x_extra')} INTEGER", f"ALTER TABLE {t} DROP COLUMN {_q('x_extra')}"],
             [f"CREATE INDEX {_q('i_extra')} ON {t} ({_q(columns[0])})", f"DROP INDEX {_q('i_extra')}"],
             ["VACUUM"], ["ANALYZE"], ["REINDEX"]]
    for column in columns:
        trips.append([f"ALTER TABLE {t} RENAME COLUMN {_q(column)} TO {_q(column + '_tmp')}",
                      f"ALTER TABLE {t} RENAME COLUMN {_q(column + '_tmp')} TO {_q(column)}"])
    for kind, name, sql in conn.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? "
                                        "AND type IN ('index', 'view') AND sql IS NOT NULL", (table,)):
        trips.append([f"DROP {kind.upper()} {_q(name)}", sql])
    return trips


def _changes(conn: sqlite3.Connection, table: str, columns: list[str]) -> list[list[str]]:
    """Changes of `table` the migrations do not declare."""
    t = _q(table)
    changes = [[f"ALTER TABLE {t} ADD COLUMN {_q('x_extra')} INTEGER"],
               [f"CREATE INDEX {_q('i_extra')} ON {t} ({_q(columns[0])})"],
               [f"DROP TABLE {t}"], ["CREATE TABLE t_extra (id INTEGER PRIMARY KEY)"]]
    for column in columns:
        changes.append([f"ALTER TABLE {t} DROP COLUMN {_q(column)}"])
        changes.append([f"ALTER TABLE {t} RENAME COLUMN {_q(column)} TO {_q(column + '_renamed')}"])
    for kind, name in conn.execute("SELECT type, name FROM sqlite_master WHERE tbl_name = ? "
                                   "AND type IN ('index', 'view') AND sql IS NOT NULL", (table,)):
        changes.append([f"DROP {kind.upper()} {_q(name)}"])
    return changes


def _apply(db: Path, statements: list[str]) -> bool:
    """Run the change in one transaction (VACUUM alone); whether SQLite took all of it."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        if statements in (["VACUUM"],):
            conn.execute("VACUUM")
            return True
        conn.execute("BEGIN")
        try:
            for statement in statements:
                conn.execute(statement)
        except sqlite3.Error:
            conn.execute("ROLLBACK")
            return False
        conn.execute("COMMIT")
        return True
    finally:
        conn.close()


def _statement_at(project: Path, line: str) -> str:
    """The text of the migration statement a drift line is located at (its file's line onwards)."""
    found = re.match(r"^(schema/[^:]+):(\d+):\d+: error: drift: ", line)
    assert found, line
    lines = (project / found[1]).read_text(encoding="utf-8").splitlines()
    return lines[int(found[2]) - 1]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=drawn_evolution.histories("sqlite"), data=st.data())
def test_verify_reports_drift_exactly_when_a_change_out_of_band_leaves_the_schema_changed(
        history: list[list[str]], data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        conn = sqlite3.connect(root / "scratch.db")
        accepted, _ = drawn_evolution_db.apply_sqlite(conn, history)
        schema = drawn_evolution_db.sqlite_schema(conn)
        conn.close()
        assume(accepted and not any(r.columns is None for r in schema.relations))
        project = make_project(root / "p", drawn_evolution_oracle.schema_files(accepted),
                               {"q.sql": "-- name: One :one\nSELECT 1 AS one;\n"})
        db = root / "live.db"
        engine = drawn_runner_kill.engine_module("sqlite")
        try:
            engine.run(str(db), drawn_runner_kill.migrations("sqlite", accepted), "up", None, backup=False)
        except engine.MigrationError as error:
            assert "foreign key" in str(error), error  # a key it cannot check: refused, located (README)
            return
        before = run_cli(project, "verify", "--db", str(db))
        assume(before.code == 0)  # a history codegen refuses is drawn_evolution's to judge
        tables = [r for r in schema.relations if not r.is_view and r.columns]
        assume(tables)
        table = data.draw(st.sampled_from(tables), label="table")
        conn = sqlite3.connect(db)
        columns = [c.name for c in table.columns or ()]
        kind = data.draw(st.sampled_from(["round trip", "change"]), label="kind")
        pool = (_round_trips if kind == "round trip" else _changes)(conn, table.name, columns)
        conn.close()
        statements = data.draw(st.sampled_from(pool), label="statements")
        assume(_apply(db, statements))
        event(f"{kind}: {' '.join(statements[0].split()[:2])}")
        result = run_cli(project, "verify", "--db", str(db))
        assert "Traceback" not in result.stderr
        drift = [line for line in result.stderr.splitlines() if ": error: drift: " in line]
        if kind == "round trip":
            assert (result.code, drift) == (0, []), (accepted, statements, result.stderr)
            return
        assert result.code == 1 and drift, (accepted, statements, result.stderr)
        if statements[0].startswith("CREATE TABLE t_extra"):
            return  # located at the first migration: no statement of the migrations names it
        names = _names_of(table.name, accepted)
        assert any(any(name in _statement_at(project, line).lower() for name in names) for line in drift), \
            (accepted, statements, result.stderr)


def _names_of(table: str, history: list[list[str]]) -> set[str]:
    """The lower-cased names the table had: a table renamed into place is located at its CREATE."""
    names = {table.lower()}
    for statement in reversed([s for migration in history for s in migration]):
        renamed = re.match(r'ALTER TABLE ("[^"]+"|\S+) RENAME TO ("[^"]+"|\S+)$', statement, re.IGNORECASE)
        if renamed and drawn_evolution.bare(renamed[2]).lower() in names:
            names.add(drawn_evolution.bare(renamed[1]).lower())
    return names


# -- PostgreSQL --------------------------------------------------------------------------------------------

def _pg_round_trips(table: str, columns: list[str], schema: str | None) -> list[list[str]]:
    t = f"{_q(schema)}.{_q(table)}" if schema else _q(table)
    bare = _q(table)
    trips = [[f"ALTER TABLE {t} RENAME TO {_q(table + '_tmp')}",
              f"ALTER TABLE {_q(schema or 'public')}.{_q(table + '_tmp')} RENAME TO {bare}"],
             [f"ALTER TABLE {t} ADD COLUMN x_extra integer", f"ALTER TABLE {t} DROP COLUMN x_extra"],
             [f"CREATE INDEX i_extra ON {t} ({_q(columns[0])})", f"DROP INDEX {_q(schema or 'public')}.i_extra"],
             [f"ANALYZE {t}"], [f"VACUUM {t}"], [f"REINDEX TABLE {t}"], [f"ALTER TABLE {t} SET (fillfactor = 70)"],
             [f"COMMENT ON TABLE {t} IS 'out of band'"], [f"ALTER TABLE {t} SET UNLOGGED", f"ALTER TABLE {t} SET LOGGED"],
             [f"CREATE RULE r_extra AS ON INSERT TO {t} DO INSTEAD NOTHING", f"DROP RULE r_extra ON {t}"],
             [f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY", f"ALTER TABLE {t} DISABLE ROW LEVEL SECURITY"]]
    for column in columns:
        trips.append([f"ALTER TABLE {t} RENAME COLUMN {_q(column)} TO {_q(column + '_tmp')}",
                      f"ALTER TABLE {t} RENAME COLUMN {_q(column + '_tmp')} TO {_q(column)}"])
        trips.append([f"ALTER TABLE {t} ALTER COLUMN {_q(column)} SET STATISTICS 500"])
    return trips


def _pg_changes(table: str, columns: list[str], schema: str | None) -> list[list[str]]:
    t = f"{_q(schema)}.{_q(table)}" if schema else _q(table)
    changes = [[f"ALTER TABLE {t} ADD COLUMN x_extra integer"], [f"CREATE INDEX i_extra ON {t} ({_q(columns[0])})"],
               [f"DROP TABLE {t} CASCADE"], ["CREATE TABLE t_extra (id integer PRIMARY KEY)"],
               # an INSERT the generated code sends is dropped, without an error
               [f"CREATE RULE r_extra AS ON INSERT TO {t} DO INSTEAD NOTHING"],
               # rows the generated queries read and write are filtered (an owner who FORCEs it too)
               [f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY"],
               [f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY", f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY",
                f"CREATE POLICY p_extra ON {t} USING (false)"]]
    for column in columns:
        changes.append([f"ALTER TABLE {t} DROP COLUMN {_q(column)} CASCADE"])
        changes.append([f"ALTER TABLE {t} RENAME COLUMN {_q(column)} TO {_q(column + '_renamed')}"])
    return changes


def _pg_apply(url: str, statements: list[str]) -> bool:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        if statements[0].startswith("VACUUM"):
            conn.execute(statements[0].encode())
            return True
        try:
            with conn.transaction():
                for statement in statements:
                    conn.execute(statement.encode())
        except psycopg.Error:
            return False
    return True


@settings(max_examples=max(EXAMPLES // 3, 4), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(history=drawn_evolution.histories("postgresql"), data=st.data())
def test_postgres_verify_reports_drift_exactly_when_a_change_out_of_band_leaves_the_schema_changed(
        postgres_databases: Callable[[str], str], history: list[list[str]], data: st.DataObject) -> None:
    import psycopg

    scratch = postgres_databases("runner_drift_scratch")
    with psycopg.connect(scratch) as conn:
        accepted, _ = drawn_evolution_db.apply_postgresql(conn, history)
        schema = drawn_evolution_db.postgresql_schema(conn)
    assume(accepted)
    url = postgres_databases("runner_drift_live")
    engine = drawn_runner_kill.engine_module("postgresql")
    engine.run(url, drawn_runner_kill.migrations("postgresql", accepted), "up", None)
    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp), drawn_evolution_oracle.schema_files(accepted),
                               {"q.sql": "-- name: One :one\nSELECT 1 AS one;\n"}, engine="postgresql")
        before = run_cli(project, "verify", "--db", url)
        assume(before.code == 0)
        tables = [r for r in schema.relations if not r.is_view and r.columns]
        assume(tables)
        table = data.draw(st.sampled_from(tables), label="table")
        columns = [c.name for c in table.columns or ()]
        kind = data.draw(st.sampled_from(["round trip", "change"]), label="kind")
        pool = (_pg_round_trips if kind == "round trip" else _pg_changes)(table.name, columns, table.schema)
        statements = data.draw(st.sampled_from(pool), label="statements")
        assume(_pg_apply(url, statements))
        event(f"{kind}: {' '.join(statements[0].split()[:2])}")
        result = run_cli(project, "verify", "--db", url)
        assert "Traceback" not in result.stderr
        drift = [line for line in result.stderr.splitlines() if ": error: drift: " in line]
        if kind == "round trip":
            assert (result.code, drift) == (0, []), (accepted, statements, result.stderr)
            return
        assert result.code == 1 and drift, (accepted, statements, result.stderr)
        if statements[0].startswith("CREATE TABLE t_extra"):
            return
        names = _names_of(table.name, accepted)
        assert any(any(name in _statement_at(project, line).lower() for name in names) for line in drift), \
            (accepted, statements, result.stderr)


def _migrated_and_verified(history: list[list[str]], queries: str, url: str, tmp_path: Path) -> Path:
    """The history migrated by the generated runner into the database at url, and a project of it
    with the given queries, which verifies clean there before anything is changed by hand."""
    engine = drawn_runner_kill.engine_module("postgresql")
    engine.run(url, drawn_runner_kill.migrations("postgresql", history), "up", None)
    project = make_project(tmp_path, drawn_evolution_oracle.schema_files(history), {"q.sql": queries},
                           engine="postgresql")
    result = run_cli(project, "verify", "--db", url)
    assert result.code == 0, result.stderr
    return project


def test_postgres_a_rule_is_drift_and_a_declared_one_is_not(postgres_url: str, tmp_path: Path) -> None:
    """Found drawing: verify compared no rules, so a DO INSTEAD NOTHING rule created by hand on a
    table (every INSERT the generated code sends then silently does nothing) verified clean."""
    import psycopg

    history = [["CREATE TABLE t (id integer PRIMARY KEY, label text)", "CREATE TABLE log (id integer)"],
               ["CREATE RULE keep AS ON DELETE TO t DO ALSO INSERT INTO log VALUES (old.id)"]]
    project = _migrated_and_verified(history, "-- name: AddT :exec\nINSERT INTO t (id, label) VALUES ($1, $2);\n", postgres_url, tmp_path)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE RULE swallow AS ON INSERT TO t DO INSTEAD NOTHING")
        conn.execute("DROP RULE keep ON t")
    result = run_cli(project, "verify", "--db", postgres_url)
    assert result.code == 1
    assert "schema/0001_m1.up.sql:1:1: error: drift: rule swallow on t is in the database" in result.stderr
    assert "schema/0002_m2.up.sql:1:1: error: drift: rule keep on t is missing from the database" in result.stderr


def test_postgres_row_security_and_policies_are_drift_and_declared_ones_are_not(postgres_url: str,
                                                                                 tmp_path: Path) -> None:
    """Found drawing: verify compared neither a table's row security nor its policies, so RLS
    forced on by hand with a USING (false) policy (every generated query then reads no row and
    writes none) verified clean, and so did a declared policy dropped by hand."""
    import psycopg

    history = [["CREATE TABLE t (id integer PRIMARY KEY, owner text)", "CREATE TABLE u (id integer PRIMARY KEY)"],
               ["ALTER TABLE t ENABLE ROW LEVEL SECURITY",
                "CREATE POLICY mine ON t USING (owner = current_user) WITH CHECK (owner = current_user)"]]
    project = _migrated_and_verified(history, "-- name: ListU :many\nSELECT id FROM u;\n", postgres_url, tmp_path)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP POLICY mine ON t")
        conn.execute("ALTER TABLE u ENABLE ROW LEVEL SECURITY")
        conn.execute("ALTER TABLE u FORCE ROW LEVEL SECURITY")
        conn.execute("CREATE POLICY nothing ON u USING (false)")
    result = run_cli(project, "verify", "--db", postgres_url)
    assert result.code == 1
    assert "schema/0002_m2.up.sql:2:1: error: drift: policy mine on t is missing from the database" in result.stderr
    assert "schema/0001_m1.up.sql:2:1: error: drift: table u: row security: the migrations declare off, the " \
           "database has forced" in result.stderr
    assert "schema/0001_m1.up.sql:2:1: error: drift: policy nothing on u is in the database" in result.stderr


def test_postgres_a_trigger_disabled_by_hand_is_drift(postgres_url: str, tmp_path: Path) -> None:
    """Found probing out-of-band changes: DISABLE TRIGGER leaves the trigger's definition as it
    was, and verify compared only that, so a trigger the generated code relies on (here one
    keeping updated_at) silently stopped firing and the database verified clean. One the
    migrations disable themselves is no drift."""
    import psycopg

    history = [["CREATE TABLE t (id integer PRIMARY KEY, updated_at timestamptz)",
                "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at = now(); "
                "RETURN NEW; END $$",
                "CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch()",
                "CREATE TRIGGER t_touch_again BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch()"],
               ["ALTER TABLE t DISABLE TRIGGER t_touch_again"]]
    project = _migrated_and_verified(history, "-- name: One :one\nSELECT 1 AS one;\n", postgres_url, tmp_path)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE t DISABLE TRIGGER t_touch")
    result = run_cli(project, "verify", "--db", postgres_url)
    assert result.code == 1
    assert result.errors == ["schema/0001_m1.up.sql:3:1: error: drift: trigger t_touch on t: enabled: the migrations "
                             "declare yes, the database has no (disabled)"], result.stderr
