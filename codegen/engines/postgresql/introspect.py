"""PostgreSQL introspection for the drift check (`codegen verify --db postgresql://...`).

The live database is read in one READ ONLY transaction that is rolled back, with lock and
statement timeouts, so the check never writes it nor waits behind a migration for long. The
reference is a scratch database created on the same server (CREATEDB is needed), where the
migrations run inside one transaction that is rolled back before the database is dropped:
nothing the project's SQL does there is ever committed, and statements that cannot run in a
transaction (CREATE DATABASE, VACUUM, ALTER SYSTEM ...) fail there. Both are described by the same
pg_catalog queries; PostgreSQL prints types (format_type), defaults (pg_get_expr), constraints,
indexes and views in its own canonical form, so only names need care.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ...liveschema import Description, LiveDatabaseError, MigrationRefused, QueryRefused
from ...sqltext import lex
from . import lexing

_USER_SCHEMAS = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'"
# Objects an extension created belong to the extension, not to the migrations that installed it.
# (classid first: pg_depend's index starts with it)
_NOT_EXTENSION = ("NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '{catalog}'::regclass "
                  "AND d.objid = {oid} AND d.deptype = 'e')")
_RELATIONS = f"""
SELECT c.oid, n.nspname, c.relname, c.relkind,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END,
       c.relpersistence,
       CASE WHEN c.relforcerowsecurity THEN 'forced' WHEN c.relrowsecurity THEN 'enabled' ELSE 'off' END
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {_USER_SCHEMAS} AND {_NOT_EXTENSION.format(catalog='pg_class', oid='c.oid')}
"""
_COLUMNS = """
SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated,
       CASE WHEN a.attcollation <> t.typcollation THEN co.collname END
  FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  LEFT JOIN pg_collation co ON co.oid = a.attcollation
 WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attrelid, a.attnum
"""
_CONSTRAINTS = """
SELECT con.conrelid, con.conname, con.contype, pg_get_constraintdef(con.oid, true)
  FROM pg_constraint con
 WHERE con.conrelid = ANY(%s) AND con.contype IN ('p', 'u', 'f', 'c', 'x')
"""
_INDEXES = """
SELECT x.indrelid, i.relname, pg_get_indexdef(i.oid)
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
 WHERE x.indrelid = ANY(%s)
   AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                    WHERE con.conindid = x.indexrelid AND con.contype IN ('p', 'u', 'x'))
"""
_TRIGGERS = """
SELECT t.tgrelid, t.tgname, pg_get_triggerdef(t.oid, true), t.tgenabled
  FROM pg_trigger t WHERE t.tgrelid = ANY(%s) AND NOT t.tgisinternal
"""
# pg_trigger.tgenabled: when a trigger fires (session_replication_role origin is the default).
_TRIGGER_STATES = {"O": "yes", "D": "no (disabled)", "R": "only on replicas", "A": "always"}
# A table's or view's rules (CREATE RULE): an INSTEAD rule changes what a statement on it does
# (DO INSTEAD NOTHING drops every INSERT the generated code sends). A view's own _RETURN rule is
# its definition, compared as the view's.
_RULES = """
SELECT r.ev_class, r.rulename, pg_get_ruledef(r.oid, true)
  FROM pg_rewrite r WHERE r.ev_class = ANY(%s) AND r.rulename <> '_RETURN'
"""
# Row-level security policies (CREATE POLICY), read as pg_policies prints them.
_POLICIES = """
SELECT c.oid, p.policyname, p.permissive, p.cmd, p.roles::text[], p.qual, p.with_check
  FROM pg_policies p JOIN pg_namespace n ON n.nspname = p.schemaname
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename
 WHERE c.oid = ANY(%s)
"""
_TYPES = f"""
SELECT n.nspname, t.typname, t.typtype,
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder),
       format_type(t.typbasetype, t.typtypmod), t.typnotnull, t.typdefault,
       ARRAY(SELECT pg_get_constraintdef(c.oid, true) FROM pg_constraint c WHERE c.contypid = t.oid
              ORDER BY 1)
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE t.typtype IN ('e', 'd') AND {_USER_SCHEMAS} AND {_NOT_EXTENSION.format(catalog='pg_type', oid='t.oid')}
"""
# What reaches outside the scratch database and its rolled-back transaction: the server's files
# and programs (COPY ... PROGRAM or a file, server-side large objects, pg_read_file and friends,
# adminpack), other connections that commit on their own (dblink), other sessions (terminating
# them), the server's configuration, code run by the server's OS user (untrusted languages, C).
# Read in the whole statement, function bodies included; dynamic SQL built from pieces can hide
# from it, which the README says: run verify as a role without superuser.
_OUTSIDE = re.compile(r"""
    \b(?P<function>pg_read_file|pg_read_binary_file|pg_ls_\w+|pg_stat_file|lo_import|lo_export|dblink\w*
       |pg_file_\w+|pg_logdir_ls|pg_terminate_backend|pg_cancel_backend|pg_signal_backend|pg_reload_conf
       |pg_rotate_logfile|pg_promote)\s*\(
  | \b(?P<copy>copy)\b[^;]*?\b(?:program|(?:to|from)\s+(?!stdin\b|stdout\b)(?:e?')) 
  | \b(?P<language>language)\s+'?(?:plpython3?u|plperlu|pltclu|c)'?(?:\s|;|$)
  | \b(?P<extension>create\s+extension)\b[^;]*?\b(?:dblink|file_fdw|adminpack|plpython3?u|plperlu|pltclu)\b
    """, re.IGNORECASE | re.VERBOSE)
_SEQUENCES = f"""
SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
       s.seqcycle
  FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE {_USER_SCHEMAS} AND {_NOT_EXTENSION.format(catalog='pg_class', oid='c.oid')}
"""
_FUNCTIONS = f"""
SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), pg_get_functiondef(p.oid)
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE p.prokind IN ('f', 'p') AND {_USER_SCHEMAS} AND {_NOT_EXTENSION.format(catalog='pg_proc', oid='p.oid')}
"""
_KINDS = {"p": "primary_key", "u": "unique", "f": "foreign_key", "c": "check", "x": "exclusion"}
# Statements that delimit or tune transactions: the reference runs everything in one transaction.
_SKIPPED = {"begin", "start", "commit", "end", "rollback", "abort", "savepoint", "release", "vacuum",
            "checkpoint"}


def accepts(db: str) -> bool:
    return re.match(r"(?i)postgres(ql)?://", db) is not None


def _name(schema: str, name: str) -> str:
    """Objects of the public schema by their name alone; others qualified."""
    return name if schema == "public" else f"{schema}.{name}"


def describe(conn: Any) -> Description:
    """The user schemas of the connected database as a drift Description (see codegen.liveschema)."""
    # pg_get_* print names relative to the search path: the same one on both sides, while
    # describing; then the connection's own again (the next migration statement, the queries
    # prepared against the live database resolve names with it).
    (search_path,) = conn.execute("SELECT current_setting('search_path')").fetchone()
    conn.execute("SELECT set_config('search_path', 'public', true)")
    try:
        return _describe(conn)
    finally:
        conn.execute("SELECT set_config('search_path', %s, true)", (search_path,))


def _describe(conn: Any) -> Description:
    found: Description = {}
    tables: dict[int, str] = {}
    columns: dict[int, list[str]] = {}
    views: dict[int, dict[str, object]] = {}
    view_columns: dict[int, list[str]] = {}
    names: dict[int, str] = {}  # every table's and view's, by oid
    for oid, schema, name, kind, definition, persistence, security in conn.execute(_RELATIONS).fetchall():
        shown = names[oid] = _name(schema, name)
        if kind in ("v", "m"):
            views[oid] = found[("view" if kind == "v" else "materialized_view", shown)] = {"definition": definition}
        else:
            tables[oid] = shown
            # Row security decides which rows the generated queries see and may write.
            found[("table", shown)] = {"partitioned": kind == "p", "foreign": kind == "f",
                                      "unlogged": persistence == "u", "row_security": security}
    oids = list(tables) + list(views)
    for relid, name, type_, not_null, default, identity, generated, collation in conn.execute(_COLUMNS, (oids,)):
        columns.setdefault(relid, []).append(name)
        if relid in views:
            view_columns.setdefault(relid, []).append(f"{name} {type_}")
            continue
        found[("column", tables[relid], name)] = {
            "type": type_, "not_null": not_null, "default": default,
            "identity": {"a": "ALWAYS", "d": "BY DEFAULT"}.get(identity), "generated": generated or None,
            "collation": collation}
    for relid, view in views.items():
        view["columns"] = view_columns.get(relid, [])
    for relid, table in tables.items():
        found[("column_order", table)] = {"columns": columns.get(relid, [])}
    for relid, name, kind, definition in conn.execute(_CONSTRAINTS, (list(tables),)):
        found[(_KINDS[kind], tables[relid], name)] = {"definition": definition}
    for relid, name, definition in conn.execute(_INDEXES, (list(tables),)):
        found[("index", tables[relid], name)] = {"definition": definition}
    for relid, name, definition, enabled in conn.execute(_TRIGGERS, (list(tables),)):
        # ALTER TABLE ... DISABLE TRIGGER leaves the definition as it was: a trigger the generated
        # code relies on (one keeping updated_at, an audit row) then silently stops firing.
        found[("trigger", tables[relid], name)] = {"definition": definition, "enabled": _TRIGGER_STATES.get(
            str(enabled), str(enabled))}
    for relid, name, definition in conn.execute(_RULES, (list(names),)):
        found[("rule", names[relid], name)] = {"definition": definition}
    for relid, name, permissive, command, roles, using, check in conn.execute(_POLICIES, (list(tables),)):
        found[("policy", tables[relid], name)] = {
            "definition": f"AS {permissive} FOR {command} TO {', '.join(sorted(roles))} USING ({using}) "
                          f"WITH CHECK ({check})"}
    for schema, name, type_, start, increment, low, high, cycle in conn.execute(_SEQUENCES):
        found[("sequence", _name(schema, name))] = {"type": type_, "start": start, "increment": increment,
                                                   "minimum": low, "maximum": high, "cycle": cycle}
    for schema, name, arguments, definition in conn.execute(_FUNCTIONS):
        found[("function", f"{_name(schema, name)}({arguments})")] = {"definition": definition}
    for schema, name, kind, labels, base, not_null, default, checks in conn.execute(_TYPES):
        if kind == "e":
            found[("enum", _name(schema, name))] = {"values": list(labels)}
        else:
            found[("domain", _name(schema, name))] = {"type": base, "not_null": not_null, "default": default,
                                                     "checks": list(checks)}
    return found


def _connect(url: str, **options: Any) -> Any:
    try:
        import psycopg
    except ImportError:
        raise LiveDatabaseError("psycopg is not installed (pip install 'codegen-sql[postgresql]')") from None
    try:
        return psycopg.connect(url, connect_timeout=10, **options)
    except (psycopg.Error, ValueError) as error:
        raise LiveDatabaseError(f"cannot connect: {' '.join(str(error).split())}") from None


class LiveServer:
    """The database under check: one READ ONLY transaction, rolled back at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.display = re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)
        self.conn = _connect(url)
        self.conn.execute("SET TRANSACTION READ ONLY")  # psycopg opened the transaction
        self.conn.execute("SELECT set_config('lock_timeout', '5s', true), "
                          "set_config('statement_timeout', '60s', true)")
        self.conn.execute("SAVEPOINT codegen_prepare")

    def describe(self) -> Description:
        return describe(self.conn)

    def prepare(self, sql: str, parameters: int) -> list[str]:
        import psycopg

        numbers = iter(range(1, parameters + 2))
        text = re.sub(r"%%|%s", lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)
        name = b"codegen_verify"
        result = self.conn.pgconn.prepare(name, text.encode())
        if result.status != psycopg.pq.ExecStatus.COMMAND_OK:
            reason = (result.error_message or b"").decode(errors="replace").strip().removeprefix("ERROR:").strip()
            self.conn.execute("ROLLBACK TO SAVEPOINT codegen_prepare")
            raise QueryRefused(f"PostgreSQL rejects it: {' '.join(reason.split())}")
        described = self.conn.pgconn.describe_prepared(name)
        names = [described.fname(i).decode() for i in range(described.nfields)]
        self.conn.execute("DEALLOCATE codegen_verify")
        return names

    def close(self) -> None:
        self.conn.rollback()
        self.conn.close()


def _without_concurrently(sql: str) -> str:
    """CREATE/DROP INDEX CONCURRENTLY cannot run in a transaction; the reference builds it plainly."""
    for lexeme in lex(sql, lexing):
        if lexeme.kind == "word" and lexeme.text.lower() == "concurrently":
            return sql[:lexeme.start] + sql[lexeme.end:]
    return sql


_SESSION_SETTINGS = ("TimeZone", "DateStyle", "IntervalStyle", "extra_float_digits")


class ScratchDatabase:
    """The migrations applied in a scratch database on the live server, in one transaction."""

    def __init__(self, live: LiveServer) -> None:
        import psycopg

        self.admin = _connect(live.url, autocommit=True)
        self.name = f"codegen_drift_{secrets.token_hex(6)}"
        try:
            self.admin.execute(f'CREATE DATABASE "{self.name}"'.encode())
        except psycopg.Error as error:
            self.admin.close()
            raise LiveDatabaseError(f"cannot create a scratch database for the migrations (CREATEDB is needed): "
                                    f"{' '.join(str(error).split())}") from None
        try:
            self.conn = _connect(psycopg.conninfo.make_conninfo(live.url, dbname=self.name))
        except LiveDatabaseError:
            self._drop()
            raise
        # The migrations run, and the reference is printed, in the live database's settings: a
        # timestamptz literal is read in TimeZone, and a default or view holding one is printed in
        # it ('2024-01-01 13:00:00+13' in Auckland), so a live database whose own TimeZone is not the
        # server's would differ from a reference in the server's.
        for setting in _SESSION_SETTINGS:
            (value,) = live.conn.execute("SELECT current_setting(%s)", (setting,)).fetchone()
            self.conn.execute("SELECT set_config(%s, %s, false)", (setting, value))
        (self.search_path,) = self.conn.execute("SELECT current_setting('search_path')").fetchone()

    def start_file(self) -> None:
        """Each file starts with the search_path the first one started with, as each step of the
        runner does: a SET search_path (or SET LOCAL) of an earlier file, which the one transaction
        the reference is built in would keep, is gone."""
        self.conn.execute("SELECT set_config('search_path', %s, false)", (self.search_path,))

    def apply(self, sql: str) -> None:
        import psycopg

        first = next((x for x in lex(sql, lexing) if x.kind not in ("ws", "line_comment", "block_comment")),
                     None)
        if first is None or first.text.lower() in _SKIPPED:
            return
        code = "".join(" " if x.kind in ("line_comment", "block_comment") else x.text for x in lex(sql, lexing))
        outside = _OUTSIDE.search(code)
        if outside:
            what = " ".join(outside.group().split()).rstrip("(").strip()
            raise MigrationRefused(f"verify refuses {what!r}: it reaches outside the scratch database the "
                                   f"migrations are checked in")
        try:
            self.conn.execute(_without_concurrently(sql).encode())
        except psycopg.Error as error:
            reason = " ".join(str(error).split())
            raise MigrationRefused(f"PostgreSQL rejects this migration statement: {reason}") from None

    def describe(self) -> Description:
        return describe(self.conn)

    def _drop(self) -> None:
        try:
            self.admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'.encode())
        finally:
            self.admin.close()

    def close(self) -> None:
        try:
            self.conn.rollback()
            self.conn.close()
        finally:
            self._drop()


@contextmanager
def open_live(db: str) -> Iterator[LiveServer]:
    live = LiveServer(db)
    try:
        yield live
    finally:
        live.close()


@contextmanager
def reference(live: LiveServer) -> Iterator[ScratchDatabase]:
    scratch = ScratchDatabase(live)
    try:
        yield scratch
    finally:
        scratch.close()
