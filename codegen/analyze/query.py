"""One annotated query block -> ir.Query."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlglot import exp

from .. import ir
from ..annotate import Block
from ..catalog.build import SchemaState
from ..errors import Located
from ..parse import parse_one
from ..placeholders import PLACEHOLDER, Rewritten, Scan, for_analysis, for_execution, scan
from ..sqltext import first_significant, lex, strip_comments
from . import sort
from .calls import exactly_one_row
from .dynamic import check_placement, check_writes_stay_filtered, pieces
from .expressions import ParamInfo
from .findings import with_findings
from .joins import droppable_joins
from .inserts import inserts_rows, instead_of_trigger, returns_one_row, upsert_updates, without_rowid
from .statements import AnalysisEngine, Analyzer, Output
from .scope import identifier_offset
from .types import placeholder_index

if TYPE_CHECKING:
    from ..engines import EngineTraits

RETURNING_ROWS = ("one", "many", "batchone", "batchmany")


def _offsets(rewritten: Rewritten):  # type: ignore[no-untyped-def]
    def offset_of(node: exp.Expr) -> int | None:
        if isinstance(node, (exp.Literal, exp.Boolean, exp.Null)) and "start" in node.meta:
            return rewritten.original_offset(int(node.meta["start"]))  # ORDER BY 5, age = 'abc'
        for candidate in [node, *node.find_all(exp.Identifier)]:
            off = identifier_offset(candidate) if not isinstance(candidate, exp.Identifier) else (
                int(candidate.meta["start"]) if "start" in candidate.meta else None)
            if off is not None:
                return rewritten.original_offset(off)
        if isinstance(node, exp.Func) and "start" in node.meta:  # a call naming nothing: row_number()
            return rewritten.original_offset(int(node.meta["start"]))
        return None

    return offset_of


def _check_slices_in_lists(tree: exp.Expr, found: Scan) -> None:
    """sqlc.slice(x) becomes one marker per item, which is a list only inside `IN (...)`: elsewhere
    (`= ANY(sqlc.slice(x))`) the call would send `ANY($1, $2)`, a syntax error, or compare with
    one item."""
    for node in tree.find_all(exp.Placeholder):
        index = placeholder_index(node)
        if index is None or not found.params[index].slice:
            continue
        if not (isinstance(node.parent, exp.In) and node.arg_key == "expressions"):
            spec = found.params[index]
            raise Located(f"sqlc.slice({spec.name}) must be an item of an IN (...) list; to compare with "
                          f"an array, pass it whole: = ANY(sqlc.arg({spec.name}))", spec.offsets[0])


def analyze_block(engine: AnalysisEngine, state: SchemaState, block: Block,
                  stars: list[list[tuple[str | None, str]]] | None = None,
                  embeds: list[list[str]] | None = None) -> ir.Query:
    """The query a block is; `stars` and `embeds`, when given, receive the columns each top-level
    `*` and each sqlc.embed(t) stands for (the names the generated SQL spells in its place)."""
    text = block.statement.text
    found = scan(text, engine)
    extra = _spellings(text, engine)
    sort_call = sort.find(text, engine)
    if sort_call is not None:
        _check_sort_columns(state, text, engine, found, extra, sort_call)
        extra += ((sort_call.start, sort_call.end, sort_call.columns[0][0]),)
    rewritten = for_analysis(text, found, extra)
    if engine.query_semicolons:
        _check_semicolon(block, engine)
    _check_from_first(text, engine)
    utility = engine.utility(state, rewritten.text)
    if utility is not None and utility.select is not None:
        # CALL p(...) is analysed as SELECT p(...): shift the offsets past the longer word.
        shift = len(utility.select) - len(rewritten.text)
        rewritten = Rewritten(utility.select, ((0, 6, 0, 4),) + tuple(
            (new + shift, length, old, old_length) for new, length, old, old_length in rewritten.edits))
    if utility is not None and utility.select is None:
        return _utility_query(block, text, engine, found)
    try:
        tree = parse_one(rewritten.text, engine)
    except Located as problem:
        raise Located(problem.message, rewritten.original_offset(problem.offset or 0)) from None
    if not engine.question_mark_parameters and any(not str(p.name).startswith(PLACEHOLDER) for p in tree.find_all(exp.Placeholder)):
        # A `?` the lexical check took for jsonb's operator, that sqlglot read as a parameter.
        raise Located("`?` is not a PostgreSQL parameter: write $1, @name or sqlc.arg(name)", 0)
    _check_slices_in_lists(tree, found)
    params = {p.index: ParamInfo(p.index, p.name, p.nullable, p.slice) for p in found.params}
    embed_offsets = {o.start for o in found.occurrences if o.embed is not None}
    offset_of = _offsets(rewritten)
    analyzer = Analyzer(engine, state, params, offset_of, embeds=embed_offsets)
    analyzer.text = rewritten.text
    # offset_of maps to the original text, so embed offsets compare there.
    analyzer.offset_of = offset_of
    if not isinstance(tree, (exp.Select, exp.SetOperation, exp.Insert, exp.Update, exp.Delete, exp.Values,
                             exp.Subquery, exp.Merge)):
        raise Located(f"unsupported query statement {tree.key.upper()}", 0)
    analyzer.root = tree
    outputs = analyzer.outputs(tree, None)
    if utility is not None:
        outputs = []  # CALL: analysed as SELECT for its parameters, but it returns no rows
    if block.command == "execlastid" and not engine.last_insert_id:
        raise Located(":execlastid needs SQLite's rowid; on PostgreSQL use "
                      "RETURNING id with :one", 0)
    if block.command != "exec" and instead_of_trigger(tree, state):
        raise Located(f":{block.command} cannot answer for a statement on a view: its INSTEAD OF trigger runs in "
                      "its place, so the database reports no rows changed, no rowid, and RETURNING gives the values "
                      "as written, not what the trigger stored; use :exec", 0)
    if block.command == "execlastid" and without_rowid(tree, state):
        raise Located(":execlastid needs a rowid, and a WITHOUT ROWID table has none (SQLite keeps the rowid of "
                      "an earlier insert, possibly into another table); use RETURNING with :one", 0)
    if block.command == "execlastid" and upsert_updates(tree):
        raise Located(":execlastid cannot tell an upsert's insert from its update (SQLite keeps the rowid of "
                      "an earlier insert after an update); use RETURNING id with :one", 0)
    if block.command == "copyfrom" and not (isinstance(tree, exp.Insert) and isinstance(tree.args.get("expression"),
                                                                                      exp.Values)):
        raise Located(":copyfrom needs INSERT INTO table (columns) VALUES (params)", 0)
    if block.command.startswith("batch") and any(p.slice for p in params.values()):
        raise Located(f"sqlc.slice cannot be used in a :{block.command} query "
                      "(each call of a batch runs the same statement)", 0)
    if block.command in RETURNING_ROWS and not outputs and not (engine.rows_without_columns and isinstance(tree, exp.Select)):
        # (PostgreSQL allows SELECT FROM t: rows without columns)
        raise Located(f":{block.command} needs a result, but the statement returns no columns", 0)
    executable = strip_comments(text, engine)
    exec_sort = sort.find(executable, engine) if sort_call is not None else None
    if exec_sort is not None:
        executable = executable[:exec_sort.start] + sort.MARK + executable[exec_sort.end:]
    exec_found = scan(executable, engine)
    embedded = [names for _, names in sorted(analyzer.embed_columns.items())]
    casts = parameter_casts(params)
    sql, slots = for_execution(executable, exec_found, engine, analyzer.star_expansions, embedded, casts)
    if stars is not None:
        stars.extend(analyzer.star_expansions)
    if embeds is not None:
        embeds.extend(embedded)
    query_params = tuple(_param(spec_index, params[spec_index], found.params[spec_index].name)
                         for spec_index in sorted(params))
    dynamic_pieces: tuple[ir.DynamicPiece, ...] = ()
    if any(p.optional for p in found.params):
        sort_texts = [t for _, t in exec_sort.choices()] if exec_sort is not None else []
        dynamic_pieces, query_params = _dynamic(block, tree, found, executable, engine, analyzer, query_params,
                                                sort_texts, casts)
    sort_choices: tuple[tuple[str, str], ...] = ()
    if sort_call is not None and exec_sort is not None:
        if block.command == "copyfrom" or block.command.startswith("batch"):
            raise Located(f"sqlc.sort cannot be used in a :{block.command} query", sort_call.start)
        if any(p.name == sort_call.name for p in query_params):
            raise Located(f"sqlc.sort's parameter {sort_call.name!r} has the name of another parameter",
                          sort_call.start)
        sort_choices = exec_sort.choices()
        dynamic_pieces = dynamic_pieces or (ir.DynamicPiece(sql, tuple(slots)),)
        sql = sql.replace(sort.MARK, sort_choices[0][1])
    insert_schema, insert_table, insert_columns = _copyfrom_target(tree, state) if block.command == "copyfrom" \
        else (None, None, ())
    query = ir.Query(
        name=block.name,
        command=block.command,
        file=block.statement.source.path,
        line=block.line,
        sql=sql,
        doc=block.doc,
        params=query_params,
        columns=tuple(_column(o) for o in outputs),
        slots=tuple(slots),
        always_one_row=exactly_one_row(tree, engine) or returns_one_row(tree, state),
        insert_table=insert_table,
        insert_columns=insert_columns,
        insert_schema=insert_schema,
        inserts_rows=inserts_rows(tree, state),
        writes=isinstance(tree, (exp.Insert, exp.Update, exp.Delete, exp.Merge)),
        dynamic=dynamic_pieces,
        sort_param=sort_call.name if sort_call is not None else "",
        sort_choices=sort_choices,
    )
    return with_findings(query, block, found, analyzer.unknown_calls, _projection_offsets(tree, offset_of))


def _check_sort_columns(state: SchemaState, text: str, engine: AnalysisEngine, found: Scan,
                        extra: tuple[tuple[int, int, str], ...], call: sort.SortCall) -> None:
    """Each sqlc.sort column, put in the call's place, names a column the statement can order by."""
    for column, offset in call.columns:
        rewritten = for_analysis(text, found, extra + ((call.start, call.end, column),))
        try:
            tree = parse_one(rewritten.text, engine)
            params = {p.index: ParamInfo(p.index, p.name, p.nullable, p.slice) for p in found.params}
            analyzer = Analyzer(engine, state, params, _offsets(rewritten),
                                embeds={o.start for o in found.occurrences if o.embed is not None})
            analyzer.text = rewritten.text
            analyzer.root = tree
            analyzer.outputs(tree, None)
        except Located as problem:
            raise Located(f"sqlc.sort: {problem.message}", offset) from None


def _dynamic(block: Block, tree: exp.Expr, found: Scan, executable: str, engine: "EngineTraits", analyzer: Analyzer,
             query_params: tuple[ir.Param, ...], sort_texts: list[str], casts: dict[int, str]
             ) -> tuple[tuple[ir.DynamicPiece, ...], tuple[ir.Param, ...]]:
    """sqlc.optional: where it may stand, and the statement cut into droppable conjuncts (and the
    LEFT JOINs only they read)."""
    first = next(p for p in found.params if p.optional).offsets[0]
    if block.command == "copyfrom" or block.command.startswith("batch"):
        raise Located(f"sqlc.optional cannot be used in a :{block.command} query", first)
    if any(p.slice for p in found.params):
        raise Located("sqlc.optional cannot be combined with sqlc.slice in one query", first)
    check_placement(tree, found)
    check_writes_stay_filtered(tree, found)
    bits = {p.index: n for n, p in enumerate(p for p in found.params if p.optional)}
    params = tuple(dataclasses.replace(p, optional=bits[i]) if i in bits else p for i, p in enumerate(query_params))
    joins = droppable_joins(tree, analyzer.state, set(bits), analyzer.offset_of)
    return pieces(executable, engine, analyzer.star_expansions, joins, block.statement.text, sort_texts,
                  [names for _, names in sorted(analyzer.embed_columns.items())], casts), params


def _projection_offsets(tree: exp.Expr, offset_of: Callable[[exp.Expr], int | None]) -> dict[str, int]:
    """Where each named result column is written (its alias, or the column it names), so a warning
    about it points there; `*` expansions have no place of their own."""
    node = tree
    while isinstance(node, exp.SetOperation):
        node = node.this  # a compound SELECT's columns are named by its first arm
    returning = node.args.get("returning") if isinstance(node, (exp.Insert, exp.Update, exp.Delete, exp.Merge)) \
        else None
    items = node.expressions if isinstance(node, exp.Select) else (returning.expressions if returning else [])
    offsets: dict[str, int] = {}
    for item in items:
        offset = None if isinstance(item, exp.Star) or isinstance(getattr(item, "this", None), exp.Star) \
            else offset_of(item)
        if offset is not None and item.alias_or_name:
            offsets.setdefault(item.alias_or_name, offset)
    return offsets


def _check_from_first(text: str, engine: "EngineTraits") -> None:
    """`FROM t ...` with no SELECT before it (DuckDB's FROM-first form, or a SELECT line deleted by
    mistake): sqlglot reads it as SELECT * FROM t, but neither SQLite nor PostgreSQL parses it, so
    the generated function would fail at every call. At the start of the statement, a subquery or a
    CTE; `trim(FROM x)` is PostgreSQL's own."""
    significant = [lx for lx in lex(text, engine) if lx.kind not in ("ws", "line_comment", "block_comment")]
    for i, lx in enumerate(significant):
        if lx.kind != "word" or lx.text.upper() != "FROM":
            continue
        before = significant[i - 1] if i else None
        if before is None or (before.text == "(" and not (i >= 2 and significant[i - 2].text.upper() == "TRIM")):
            raise Located("a statement cannot start with FROM: write SELECT ... FROM (neither SQLite nor "
                          "PostgreSQL reads the FROM-first form)", lx.start)


def _check_semicolon(block: Block, engine: "EngineTraits") -> None:
    """sqlc rejects a PostgreSQL query not ended by `;` (at the end of a file, or before the next
    query, where the parser would run the two together)."""
    stmt = block.statement
    after = stmt.source.text[stmt.start + len(stmt.text):]
    following = first_significant(after, engine)
    if following is None or following.text != ";":
        where = "at end of file" if following is None else "before the next statement"
        raise Located(f"missing semicolon {where}", len(stmt.text))


def _utility_query(block: Block, text: str, engine: "EngineTraits", found: Scan) -> ir.Query:
    """A statement that returns no rows (NOTIFY, TRUNCATE, DO...): no columns, untyped parameters."""
    if block.command in RETURNING_ROWS:
        raise Located(f":{block.command} needs a result, but the statement returns no rows", 0)
    executable = strip_comments(text, engine)
    sql, slots = for_execution(executable, scan(executable, engine), engine)
    params = tuple(_param(p.index, ParamInfo(p.index, p.name, p.nullable, p.slice), p.name) for p in found.params)
    query = ir.Query(name=block.name, command=block.command, file=block.statement.source.path, line=block.line,
                     sql=sql, doc=block.doc, params=params, columns=(), slots=tuple(slots))
    return with_findings(query, block, found, [], {})


_CLAUSE_AFTER_COMMA = {"FROM", "WHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "UNION", "EXCEPT", "INTERSECT",
                      "RETURNING", "WINDOW", "VALUES", "SET"}


def _spellings(text: str, engine: "EngineTraits") -> tuple[tuple[int, int, str], ...]:
    """Edits that let sqlglot parse what SQLite accepts, and checks for what sqlglot lets slip.

    `REPLACE INTO` (SQLite's short form of INSERT OR REPLACE) is read as a Command by sqlglot.
    A trailing comma before FROM (`SELECT a, FROM t`) is silently dropped by sqlglot; SQLite
    rejects it, so do we.
    """
    words = [x for x in lex(text, engine) if x.kind not in ("ws", "line_comment", "block_comment")]
    for prev, cur in zip(words, words[1:]):
        if prev.text == "," and ((cur.kind == "word" and cur.text.upper() in _CLAUSE_AFTER_COMMA)
                                 or cur.text == ")"):
            raise Located(f"syntax error near {cur.text!r}", cur.start)
    if engine.replace_into and words and words[0].kind == "word" and words[0].text.upper() == "REPLACE":
        return ((words[0].start, words[0].end, "INSERT OR REPLACE"),)
    return ()


def parameter_casts(params: dict[int, ParamInfo]) -> dict[int, str]:
    """param index -> the cast its marker gets in the SQL sent (ValueType.parameter_cast): only for
    an array of the type that carries it, not an element or expression derived from it."""
    casts = {}
    for index, info in params.items():
        t = info.typed().type
        if t.parameter_cast and (t.dims or t.parameter_cast.count("[]") == 0):
            casts[index] = t.parameter_cast
    return casts


def _param(index: int, info: ParamInfo, explicit: str | None) -> ir.Param:
    typed = info.typed()
    name = explicit or info.name_hint() or f"arg{index + 1}"
    return ir.Param(name=name, type=typed.type, nullable=typed.nullable, slice=info.slice)


def _column(out: Output) -> ir.ResultColumn:
    return ir.ResultColumn(out.name, out.typed.type, out.typed.nullable, out.table, out.embed)


def _copyfrom_target(tree: exp.Expr, state: SchemaState) -> tuple[str | None, str | None, tuple[str, ...]]:
    """(schema or None, table, columns) of a :copyfrom INSERT that COPY can stand for: one VALUES
    row of bare parameters into a table, nothing else the INSERT does (ON CONFLICT, a WITH). Else
    (None, None, ()): COPY t (k) would drop the rest (ON CONFLICT DO NOTHING, lower($1), a literal 5
    for a column), or be refused (PostgreSQL copies into no view: "cannot copy to view"), and the
    INSERT itself is run once per row."""
    if not isinstance(tree, exp.Insert) or not isinstance(tree.this, exp.Schema) or tree.args.get("conflict") \
            or any(tree.args.get(k) for k in ("with_", "with", "where", "alternative", "ignore")):
        return None, None, ()
    rows = tree.args["expression"].expressions
    values = rows[0].expressions if len(rows) == 1 and isinstance(rows[0], exp.Tuple) else []
    if len(values) != len(tree.this.expressions) or not all(
            isinstance(v, exp.Placeholder) and str(v.name).startswith(PLACEHOLDER) for v in values):
        return None, None, ()
    table = tree.this.this
    found = state.find(table.db or None, table.name)
    if found is not None and found.is_view:
        return None, None, ()
    return table.db or None, table.name, tuple(c.name for c in tree.this.expressions)
