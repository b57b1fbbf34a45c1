"""ON CONFLICT (columns) names an arbiter: the primary key, a UNIQUE constraint or a unique index
over exactly those columns. Without one, SQLite and PostgreSQL refuse the statement at every call,
and codegen generated a function that always failed (sqlc's own on_duplicate_key_update case
does this). codegen now refuses such a target at its first column, when it knows every key of
the table; a key it cannot read exactly (an expression or partial index, DEFERRABLE, LIKE, a
constraint dropped by a name it never saw, a key made of an index) leaves the target accepted.

Drawn: a table's keys, declared in each way both engines take (column and table constraints,
unique indexes, plain or partial or over an expression, dropped again by name), and a target. The
oracle is the engine itself: a SQLite file and a PostgreSQL server run the statement (PREPARE
alone would not do: PostgreSQL looks for the arbiter when it plans the statement).
codegen must refuse exactly what the engine refuses, unless a key left it in doubt; then it must
accept (a refusal there would be a guess)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen import pipeline
from codegen.config import Config
from codegen.errors import CodegenError
from codegen.source import SourceFile

COLUMNS = ("c0", "c1", "c2", "c3")


@dataclass(frozen=True)
class Key:
    form: str  # column, table, index, partial, expression, deferrable, dropped
    columns: tuple[str, ...]
    primary: bool = False

    @property
    def exact(self) -> bool:
        """codegen reads this key exactly (else the table's keys are in doubt)."""
        return self.form in ("column", "table", "index", "dropped_index")


def keys(engine: str) -> st.SearchStrategy[list[Key]]:
    forms = ["column", "table", "index", "partial", "expression", "dropped_index"] + \
        (["deferrable", "dropped_unknown"] if engine == "postgresql" else [])
    subsets = st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=3, unique=True).map(tuple)
    key = st.builds(Key, st.sampled_from(forms), subsets, st.booleans())
    return st.lists(key, max_size=3)


def schema_sql(engine: str, drawn: list[Key]) -> str:
    column_keys: dict[str, str] = {}
    table_keys: list[str] = []
    after: list[str] = []
    has_primary = False
    for i, key in enumerate(drawn):
        cols = ", ".join(key.columns)
        primary = key.primary and not has_primary and key.form in ("column", "table")
        has_primary |= primary
        word = "PRIMARY KEY" if primary else "UNIQUE"
        if key.form == "column" and key.columns[0] not in column_keys:
            column_keys[key.columns[0]] = word
        elif key.form in ("column", "table"):
            table_keys.append(f"{word} ({cols})")
        elif key.form == "deferrable":
            table_keys.append(f"UNIQUE ({cols}) DEFERRABLE")
        elif key.form == "dropped_unknown":  # a named CHECK dropped: codegen cannot tell it from a key
            table_keys.append(f"CONSTRAINT chk{i} CHECK (c0 IS NOT NULL OR c0 IS NULL)")
            after.append(f"ALTER TABLE t DROP CONSTRAINT chk{i};")
        elif key.form == "index":
            after.append(f"CREATE UNIQUE INDEX k{i} ON t ({cols});")
        elif key.form == "dropped_index":
            after.append(f"CREATE UNIQUE INDEX k{i} ON t ({cols});")
            after.append(f"DROP INDEX k{i};")
        elif key.form == "partial":
            after.append(f"CREATE UNIQUE INDEX k{i} ON t ({cols}) WHERE c0 > 0;")
        else:
            after.append(f"CREATE UNIQUE INDEX k{i} ON t ({cols}, abs(c3));")
    kind = "INTEGER" if engine == "sqlite" else "integer"
    defs = [f"{c} {kind}" + (f" {column_keys[c]}" if c in column_keys else "") for c in COLUMNS]
    return f"CREATE TABLE t ({', '.join(defs + table_keys)});\n" + "\n".join(after) + "\n"


def statement(engine: str, target: tuple[str, ...]) -> str:
    marks = ", ".join(["?"] * 4 if engine == "sqlite" else [f"${i}" for i in range(1, 5)])
    return f"INSERT INTO t (c0, c1, c2, c3) VALUES ({marks}) ON CONFLICT ({', '.join(target)}) DO NOTHING"


def codegen_refusal(engine: str, schema: str, sql: str, tmp: Any) -> str | None:
    config = Config(path=tmp / "pyproject.toml", root=tmp, engine=engine, schema=("schema.sql",),
                    queries=("queries",), out="gen", emit_async=False, emit_migrations=False)
    try:
        pipeline.analyze(config, sources=([SourceFile.of("schema.sql", schema)],
                                          [SourceFile.of("queries/q.sql", f"-- name: Put :exec\n{sql};\n")]))
    except CodegenError as error:
        [diagnostic] = error.diagnostics
        return f"{diagnostic.path}:{diagnostic.line}:{diagnostic.col}: {diagnostic.message}"
    return None


def engine_refuses(engine: str, schema: str, sql: str, url: str) -> bool:
    if engine == "sqlite":
        conn = sqlite3.connect(":memory:")
        try:
            conn.executescript(schema)
            conn.execute(sql, (1, 2, 3, 4))
        except sqlite3.OperationalError as error:
            assert "ON CONFLICT clause does not match" in str(error), error
            return True
        finally:
            conn.close()
        return False
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(b"DROP TABLE IF EXISTS t")
        conn.execute(schema.encode())
        try:  # run, not PREPAREd: the planner is what looks for the arbiter
            conn.execute(sql.replace("$1", "1").replace("$2", "2").replace("$3", "3").replace("$4", "4").encode())
        except psycopg.errors.InvalidColumnReference:  # "no unique or exclusion constraint matching"
            return True
        except psycopg.errors.ObjectNotInPrerequisiteState:  # a deferrable constraint cannot arbitrate
            return True
    return False


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_codegen_refuses_an_on_conflict_target_exactly_when_the_engine_does(
        engine: str, data: st.DataObject, tmp_path: Any, postgres_url: str) -> None:
    drawn = data.draw(keys(engine), label="keys")
    target = tuple(data.draw(st.permutations(data.draw(
        st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=3, unique=True), label="target columns"))))
    schema, sql = schema_sql(engine, drawn), statement(engine, target)
    refusal = codegen_refusal(engine, schema, sql, tmp_path)
    refused = engine_refuses(engine, schema, sql, postgres_url if engine == "postgresql" else "")
    if refusal is not None:
        assert refused, f"codegen refused what {engine} takes: {refusal}"
        if "rejects it, so every call would fail" in refusal:  # SQLite's verdict, asked at generation
            assert engine == "sqlite" and refusal.startswith("queries/q.sql:2:1: "), refusal
        else:
            column = sql.index("ON CONFLICT (") + len("ON CONFLICT (") + 1
            assert refusal.startswith(f"queries/q.sql:2:{column}: ") and "has no primary key" in refusal, refusal
    elif all(key.exact for key in drawn) or engine == "sqlite":  # SQLite is asked when the keys are not exact
        assert not refused, f"{engine} refuses what codegen took:\n{schema}{sql}"


# Pinned: drawn runs found each once (SQLite matches no target of several columns holding its rowid
# alias, whatever index covers them; a key over INT PRIMARY KEY, no alias, does match).
PINNED = [
    ("sqlite", [Key("table", ("c0", "c1")), Key("column", ("c0",), primary=True)], ("c0", "c1"), True),
    ("sqlite", [Key("index", ("c1", "c0")), Key("table", ("c0",), primary=True)], ("c1", "c0"), True),
    ("sqlite", [Key("table", ("c0", "c1"))], ("c1", "c0"), False),
]


@pytest.mark.parametrize("engine, drawn, target, refused", PINNED)
def test_pinned_targets(engine: str, drawn: list[Key], target: tuple[str, ...], refused: bool, tmp_path: Any) -> None:
    schema, sql = schema_sql(engine, drawn), statement(engine, target)
    assert engine_refuses(engine, schema, sql, "") is refused, schema
    assert (codegen_refusal(engine, schema, sql, tmp_path) is not None) is refused, schema
